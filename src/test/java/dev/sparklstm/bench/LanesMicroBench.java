package dev.sparklstm.bench;

import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.model.NetworkFactory;
import dev.sparklstm.nn.FastForward;
import dev.sparklstm.nn.FastTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Micro-measurement (not a test) of the fast training step or the fast forward on issue 8's
 * workloads with a chosen batch size and number of lanes, OpenBLAS at one thread: the median and
 * range of seq-steps/s over the second half of {@code 2 x reps} timed repetitions (the first half
 * warms up). Run: {@code java --add-modules jdk.incubator.vector -cp
 * target/test-classes:target/classes:CP dev.sparklstm.bench.LanesMicroBench train|infer A|B BATCH
 * LANES REPS [MINIBATCHES_OR_CALLS]}.
 */
public final class LanesMicroBench {
    private LanesMicroBench() {
    }

    public static void main(String[] args) {
        String mode = args[0];
        LstmSpeedBenchmark.Workload workload = LstmSpeedBenchmark.WORKLOADS.get(args[1]);
        int batch = Integer.parseInt(args[2]);
        int lanes = Integer.parseInt(args[3]);
        int reps = Integer.parseInt(args[4]);
        int perRep = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        Nd4j.factory().blas().setMaxThreads(1);
        MultiLayerNetwork network = NetworkFactory.create(LstmSpeedBenchmark.spec(NetworkSpec.Cell.LSTM, workload, 42),
                LstmSpeedBenchmark.INPUTS, LstmSpeedBenchmark.CLASSES, true, false);
        Random random = new Random(1);
        Runnable rep;
        if (mode.equals("train")) {
            List<DataSet> data = new ArrayList<>();
            for (int i = 0; i < perRep; i++) {
                data.add(LstmSpeedBenchmark.randomBatch(random, batch));
            }
            FastTrainer trainer = FastTrainer.forNetwork(network, lanes).orElseThrow();
            rep = () -> data.forEach(trainer::fit);
        } else {
            INDArray features = LstmSpeedBenchmark.randomBatch(random, batch).getFeatures();
            FastForward forward = FastForward.forNetwork(network, lanes).orElseThrow();
            float[] out = new float[forward.outputLength(batch, LstmSpeedBenchmark.STEPS)];
            rep = () -> {
                for (int c = 0; c < perRep; c++) {
                    forward.output(features, null, out);
                }
            };
        }
        double seqSteps = (double) perRep * batch * LstmSpeedBenchmark.STEPS;
        double[] rates = new double[reps];
        for (int r = 0; r < 2 * reps; r++) {
            long start = System.nanoTime();
            rep.run();
            double rate = seqSteps / ((System.nanoTime() - start) / 1e9);
            if (r >= reps) {
                rates[r - reps] = rate;
            }
        }
        Arrays.sort(rates);
        System.out.printf(Locale.ROOT, "%s %s batch=%d lanes=%d: median %.0f seq-steps/s [%.0f..%.0f]%n", mode,
                workload.name(), batch, lanes, rates[reps / 2], rates[0], rates[reps - 1]);
    }
}
