/**
 * The fast path: a fused LSTM layer that plugs into DL4J's {@code MultiLayerConfiguration} as a
 * layer type ({@link dev.sparklstm.nn.FusedLstm}) with DL4J's own parameter layout, computing a
 * whole segment with one input-projection GEMM, one recurrent GEMM per step and one GEMM per
 * weight gradient, called directly through OpenBLAS into preallocated buffers, with the gate
 * math vectorized where {@code jdk.incubator.vector} is present ({@link dev.sparklstm.nn.GateMath}).
 * Spark-free; every kernel is checked against the plain reference and DL4J's LSTM in tests.
 */
package dev.sparklstm.nn;
