/**
 * Spark batch scoring: the model shipped once per executor as bytes, partitions scored as streams
 * of minibatches, long sequences in chunks with carried LSTM state, atomic output.
 */
package dev.sparklstm.score;
