package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.nn.FusedLstmLayer;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Finite-difference gradient checks (double precision, DL4J's GradientCheckUtil) of the networks
 * the project builds: many-to-many and many-to-one, classification and regression, stacked LSTM
 * (the fused layer of model.cell=lstm, in its double-precision kernel, and DL4J's own LSTM) and plain
 * RNN cells, right-padded batches with masks, full BPTT and the truncated-BPTT code path
 * (one segment covering the sequence, so the exact gradient is comparable).
 */
class GradientCheckTest {
    private static final int INPUTS = 3;
    private static final int STEPS = 6;
    private static final int[] LENGTHS = {6, 4, 2};
    private static DataType previous;

    @BeforeAll
    static void doublePrecision() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    @ParameterizedTest(name = "{0} {1} {2} tbptt={3}")
    @CsvSource({
            "lstm, classification, per-step, 0",
            "lstm, classification, per-step, 6",
            "lstm, regression, per-step, 0",
            "lstm, classification, per-sequence, 0",
            "lstm, regression, per-sequence, 0",
            "dl4j_lstm, classification, per-step, 0",
            "dl4j_lstm, regression, per-sequence, 0",
            "rnn, classification, per-step, 0",
            "rnn, regression, per-sequence, 0"})
    void gradientsMatchFiniteDifferences(String cell, String task, String output, int tbptt) {
        boolean classification = task.equals("classification");
        boolean perSequence = output.equals("per-sequence");
        // Plain SGD with rate 1 and no clipping or dropout: GradientCheckUtil compares raw gradients.
        NetworkSpec spec = new NetworkSpec(NetworkSpec.Cell.valueOf(cell.toUpperCase()), List.of(4, 3), 0.0, 0.0,
                NetworkSpec.Updater.SGD, 1.0, 0.0, 12L, NetworkSpec.Clipping.NONE, 1.0, tbptt, tbptt);
        int outputs = classification ? 3 : 2;
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(spec, INPUTS, outputs,
                classification, perSequence, DataType.DOUBLE));
        network.init();
        Object first = network.getLayer(0);
        assertEquals(cell.equals("lstm"), first instanceof FusedLstmLayer, "model.cell=lstm is the fused layer: " + first);

        Random random = new Random(5);
        int batch = LENGTHS.length;
        INDArray features = Nd4j.zeros(DataType.DOUBLE, batch, INPUTS, STEPS);
        INDArray mask = Nd4j.zeros(DataType.DOUBLE, batch, STEPS);
        INDArray labels = perSequence ? Nd4j.zeros(DataType.DOUBLE, batch, outputs)
                : Nd4j.zeros(DataType.DOUBLE, batch, outputs, STEPS);
        for (int n = 0; n < batch; n++) {
            for (int t = 0; t < LENGTHS[n]; t++) {
                mask.putScalar(n, t, 1.0);
                for (int k = 0; k < INPUTS; k++) {
                    features.putScalar(new int[] {n, k, t}, random.nextGaussian());
                }
                if (!perSequence) {
                    putLabel(labels, classification, random, outputs, n, t);
                }
            }
            if (perSequence) {
                putLabel(labels, classification, random, outputs, n, -1);
            }
        }
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(network)
                .input(features).labels(labels).inputMask(mask).labelMask(perSequence ? null : mask)
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(ok, "gradient check failed for " + cell + " " + task + " " + output + " tbptt=" + tbptt);
    }

    private static void putLabel(INDArray labels, boolean classification, Random random, int outputs, int n, int t) {
        for (int k = 0; k < outputs; k++) {
            double value = classification ? 0.0 : random.nextGaussian();
            if (t < 0) {
                labels.putScalar(n, k, value);
            } else {
                labels.putScalar(new int[] {n, k, t}, value);
            }
        }
        if (classification) {
            int k = random.nextInt(outputs);
            if (t < 0) {
                labels.putScalar(n, k, 1.0);
            } else {
                labels.putScalar(new int[] {n, k, t}, 1.0);
            }
        }
    }
}
