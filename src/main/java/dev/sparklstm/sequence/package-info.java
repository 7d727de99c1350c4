/**
 * Spark-free conversion of sequences: raw {@link dev.sparklstm.sequence.SequenceRecord}s, the
 * stored preprocessing ({@link dev.sparklstm.sequence.FeatureEncoder}), statistics gathered on the
 * training split ({@link dev.sparklstm.sequence.TrainingStatistics}) and masked minibatches
 * ({@link dev.sparklstm.sequence.MinibatchBuilder}).
 */
package dev.sparklstm.sequence;
