package dev.sparklstm.nn;

import java.util.Arrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Side-by-side single-JVM micro-measurement (not a test): workload A (2 fused LSTM layers of 32,
 * batch 16, 50 steps, 8 inputs, 3 classes, TBPTT 10, Adam) trained by {@code network.fit} and by
 * {@link FastTrainer} on two clones of one network, alternating rounds so both see the same
 * machine load. Prints median ms per minibatch and the ratio.
 * Run: java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:CP dev.sparklstm.nn.FastTrainerMicroBench
 */
public final class FastTrainerMicroBench {
    private FastTrainerMicroBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] lengths = new int[16];
        Arrays.fill(lengths, 50);
        DataSet data = TestNets.batch(DataType.FLOAT, 8, 3, lengths, false, 1);
        MultiLayerNetwork start = TestNets.network(TestNets.config(TestNets.Kind.FUSED, DataType.FLOAT, 8,
                new int[] {32, 32}, 3, false, 10, new Adam(0.01)));
        MultiLayerNetwork viaFit = start.clone();
        FastTrainer fast = FastTrainer.forNetwork(start.clone()).orElseThrow();
        System.out.println("gate math: " + GateMath.get().name() + ", BLAS threads: "
                + Nd4j.factory().blas().getMaxThreads() + ", OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS"));
        for (int warm = 0; warm < 3; warm++) {
            for (int i = 0; i < perRound; i++) {
                viaFit.fit(data);
                fast.fit(data);
            }
        }
        double[] fit = new double[rounds];
        double[] fastMs = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                viaFit.fit(data);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                fast.fit(data);
            }
            long t2 = System.nanoTime();
            fit[r] = (t1 - t0) / 1e6 / perRound;
            fastMs[r] = (t2 - t1) / 1e6 / perRound;
        }
        double seqSteps = 16 * 50;
        double f = median(fit);
        double s = median(fastMs);
        System.out.printf("fit (fused layer)  %.2f ms/minibatch (%.0f seq-steps/s)%n", f, seqSteps / f * 1000);
        System.out.printf("FastTrainer        %.2f ms/minibatch (%.0f seq-steps/s)%n", s, seqSteps / s * 1000);
        System.out.printf("FastTrainer speed-up over fit: %.2fx; parameters after equal training differ by %.2e%n",
                f / s, TestNets.maxAbsDiff(viaFit.params(), fast.network().params()));
        System.out.println("per-round fit: " + Arrays.toString(fit));
        System.out.println("per-round fast: " + Arrays.toString(fastMs));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
