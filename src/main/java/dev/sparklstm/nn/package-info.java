/**
 * The fast path: a fused LSTM layer that plugs into DL4J's {@code MultiLayerConfiguration} as a
 * layer type ({@link dev.sparklstm.nn.FusedLstm}) with DL4J's own parameter layout, computing a
 * whole segment with one input-projection GEMM, one recurrent GEMM per step and one GEMM per
 * weight gradient, called directly through OpenBLAS into preallocated buffers, with the gate
 * math vectorized where {@code jdk.incubator.vector} is present ({@link dev.sparklstm.nn.GateMath}).
 * Spark-free; every kernel is checked against the plain reference and DL4J's LSTM in tests.
 *
 * <p>Threads: the layer starts none. It runs on the calling (Spark task) thread and its GEMMs use
 * OpenBLAS's pool, which ND4J sizes from {@code OMP_NUM_THREADS} (1 per task in jobs/launch.sh and
 * the executors' environment), so Spark tasks, OpenBLAS and the layer do not oversubscribe cores.
 */
package dev.sparklstm.nn;
