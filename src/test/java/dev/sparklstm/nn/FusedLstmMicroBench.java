package dev.sparklstm.nn;

import java.util.Arrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Side-by-side single-JVM micro-measurement (not a test): workload A (2 LSTM layers of 32, batch
 * 16, 50 steps, 8 inputs, 3 classes, TBPTT 10, Adam) with DL4J's LSTM and the fused layer, fit
 * and inference, alternating rounds so both see the same machine load. Prints medians.
 * Run: java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:CP dev.sparklstm.nn.FusedLstmMicroBench
 */
public final class FusedLstmMicroBench {
    private FusedLstmMicroBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] lengths = new int[16];
        Arrays.fill(lengths, 50);
        DataSet data = TestNets.batch(DataType.FLOAT, 8, 3, lengths, false, 1);
        MultiLayerNetwork dl4j = TestNets.network(TestNets.config(TestNets.Kind.DL4J, DataType.FLOAT, 8,
                new int[] {32, 32}, 3, false, 10, new Adam(0.01)));
        MultiLayerNetwork fused = TestNets.network(TestNets.config(TestNets.Kind.FUSED, DataType.FLOAT, 8,
                new int[] {32, 32}, 3, false, 10, new Adam(0.01)));
        System.out.println("gate math: " + GateMath.get().name() + ", BLAS threads: "
                + Nd4j.factory().blas().getMaxThreads() + ", OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS"));
        MultiLayerNetwork[] nets = {dl4j, fused};
        String[] names = {"dl4j-lstm", "fused"};
        double[][] fit = new double[2][rounds];
        double[][] infer = new double[2][rounds];
        for (int warm = 0; warm < 2; warm++) {
            for (MultiLayerNetwork net : nets) {
                for (int i = 0; i < perRound; i++) {
                    net.fit(data);
                    net.output(data.getFeatures());
                }
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    nets[k].fit(data);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    nets[k].output(data.getFeatures());
                }
                long t2 = System.nanoTime();
                fit[k][r] = (t1 - t0) / 1e6 / perRound;
                infer[k][r] = (t2 - t1) / 1e6 / perRound;
            }
        }
        double seqSteps = 16 * 50;
        for (int k = 0; k < 2; k++) {
            double f = median(fit[k]);
            double inf = median(infer[k]);
            System.out.printf("%-10s fit %.2f ms/minibatch (%.0f seq-steps/s), output %.2f ms/minibatch (%.0f seq-steps/s)%n",
                    names[k], f, seqSteps / f * 1000, inf, seqSteps / inf * 1000);
        }
        System.out.printf("fused speed-up: fit %.2fx, output %.2fx%n", median(fit[0]) / median(fit[1]),
                median(infer[0]) / median(infer[1]));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
