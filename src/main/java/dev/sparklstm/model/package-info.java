/**
 * The network and its artifact: {@link dev.sparklstm.model.NetworkFactory} builds the stacked LSTM
 * for a task, {@link dev.sparklstm.model.ModelFiles} and {@link dev.sparklstm.model.ModelMetadata}
 * define what is written to {@code model/}.
 */
package dev.sparklstm.model;
