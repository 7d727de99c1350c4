/**
 * Configuration: every key with its default ({@link dev.sparklstm.config.ConfigKey}), loading from
 * a properties file plus {@code --set} overrides ({@link dev.sparklstm.config.Settings}), and
 * immutable, validated records ({@link dev.sparklstm.config.TrainConfig}).
 */
package dev.sparklstm.config;
