/**
 * Spark training: grouping rows into sequences on the executors, row accounting and rejection,
 * the seeded split, statistics, minibatches, parameter averaging and per-epoch metrics.
 */
package dev.sparklstm.train;
