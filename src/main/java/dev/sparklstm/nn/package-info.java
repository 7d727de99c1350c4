/**
 * The fast path: a fused LSTM layer that plugs into DL4J's {@code MultiLayerConfiguration} as a
 * layer type ({@link dev.sparklstm.nn.FusedLstm}) with DL4J's own parameter layout, computing a
 * whole segment with one input-projection GEMM, one recurrent GEMM per step and one GEMM per
 * weight gradient, called directly through OpenBLAS into preallocated buffers, with the gate
 * math vectorized where {@code jdk.incubator.vector} is present ({@link dev.sparklstm.nn.GateMath}).
 * With 16-float vectors (AVX-512) and hidden sizes that are multiples of 64, the per-step products
 * and the segment's weight and input gradients run in register-blocked vector loops instead
 * ({@code RowProduct}), over operands packed once per segment. Spark-free; every kernel is checked against the plain reference and DL4J's LSTM in tests.
 *
 * <p>{@link dev.sparklstm.nn.FastTrainer} owns the whole training step of the networks the
 * project builds from fused layers (DL4J's {@code fit} costs about a millisecond per segment by
 * itself): forward, loss, backward, clipping, L2 and Adam directly on the network's flat
 * parameter and updater-state views, so the network stays a plain DL4J network. Its test trains
 * clones with {@code fit} and with the trainer and requires the same parameters, Adam state and
 * counts. {@code TrainingPlan} decides what is supported and says why not.
 *
 * <p>{@link dev.sparklstm.nn.FastForward} is the inference counterpart that scoring uses: the
 * network's {@code output} (and chunked {@code rnnTimeStep}) on its flat parameter view, with an
 * inference-only LSTM forward ({@code FloatLstmForward}, one GEMM per step over stacked
 * {@code [x_t; h_t-1]} rows) and the output layer in Java. {@link dev.sparklstm.nn.FusedLstmLayer}
 * uses the same LSTM forward outside training, so DL4J's {@code output} and evaluation gain too.
 *
 * <p>Threads: by default none of their own. The layer, the fast step and the fast forward run on
 * the calling (Spark task) thread and their GEMMs use OpenBLAS's pool, which ND4J sizes from {@code
 * OMP_NUM_THREADS} (1 per task in jobs/launch.sh and the executors' environment). A task given N
 * cores ({@code spark.task.cpus}) makes its fast step and fast forward with N threads: each
 * minibatch's examples are split over N lanes ({@code Lanes}: the caller and N-1 pool threads),
 * each running the whole network on its share with OpenBLAS at one thread, the training lanes'
 * gradients added up before one update. So Spark tasks, lanes and OpenBLAS use each core once.
 */
package dev.sparklstm.nn;
