package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * {@link FastForward} against DL4J's own forward: on networks of two stacked fused LSTM layers
 * (sizes 12 and 9, 5 inputs, 3 outputs) with non-trivial random parameters, its output equals
 * {@code network.output(features, false, mask, null)} of that network and of the same network
 * built with DL4J's LSTM to 1e-5 at every step and example (padded
 * steps included) for per-step softmax, per-step identity (regression with 3 targets) and
 * per-sequence ({@code LastTimeStep}) softmax and identity, with right-padded masks of varied
 * lengths, without a mask, with batch sizes that change from call to call, with the vectorized
 * and the scalar gate math, and after the parameters change; chunked {@code rnnTimeStep} equals
 * the whole sequence; unsupported networks say why.
 */
class FastForwardTest {
    private static final int INPUTS = 5;
    private static final int OUTPUTS = 3;
    private static final double TOLERANCE = 1e-5;
    /** Batches of changing size and padding, the last unpadded and without a mask. */
    private static final int[][] LENGTHS = {{12, 12, 9, 7, 5, 3}, {4, 11}, {8, 1, 8, 6, 2, 7, 8, 3, 5}, {6, 6, 6}};

    @ParameterizedTest(name = "perSequence={0} classification={1} gates={2} tbptt={3} threads={4}")
    @CsvSource({
        "false, true, vector, 5, 1",
        "false, true, scalar, 0, 1",
        "false, false, vector, 0, 1",
        "false, false, scalar, 5, 1",
        "true, true, vector, 0, 1",
        "true, true, scalar, 0, 1",
        "true, false, vector, 0, 1",
        "true, false, scalar, 0, 1",
        // Lanes: batches of 6, 2, 9 and 3 examples split 4+2, 2, 8+1 and 3 (3 threads: 4+2, 2, 4+4+1, 3).
        "false, true, vector, 5, 2",
        "false, false, scalar, 0, 3",
        "true, true, vector, 0, 3",
        "true, false, scalar, 0, 2",
    })
    void sameAsNetworkOutput(boolean perSequence, boolean classification, String gates, int tbptt, int threads) {
        MultiLayerNetwork net = network(tbptt, classification, perSequence, 21);
        // DL4J's own LSTM with the same parameters: the reference that does not share the fused layer's code.
        MultiLayerNetwork dl4j = TestNets.network(FastTrainerTest.config(tbptt, GradientNormalization.None,
                classification, 0, new Adam(0.01), false, false, perSequence));
        dl4j.setParams(net.params());
        FastForward fast = FastForward.forNetwork(net, gateMath(gates), threads, 0).orElseThrow(() -> new AssertionError(
                FastForward.unsupportedReason(net).orElse("?")));
        for (int call = 0; call < LENGTHS.length; call++) {
            DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS[call], perSequence, 60 + call);
            INDArray mask = call == LENGTHS.length - 1 ? null : data.getFeaturesMaskArray();
            INDArray expected = net.output(data.getFeatures(), false, mask, null);
            INDArray actual = fast.output(data.getFeatures(), mask);
            assertArrayEquals(expected.shape(), actual.shape(), "output shape");
            double diff = TestNets.maxAbsDiff(expected, actual);
            assertTrue(diff < TOLERANCE, "call " + call + ": fast forward differs from network.output by " + diff);
            double reference = TestNets.maxAbsDiff(dl4j.output(data.getFeatures(), false, mask, null), actual);
            assertTrue(reference < TOLERANCE, "call " + call + ": fast forward differs from DL4J's LSTM by " + reference);
            float[] values = new float[fast.outputLength((int) data.getFeatures().size(0),
                    (int) data.getFeatures().size(2)) + 2];
            fast.output(data.getFeatures(), mask, values);
            assertArrayEquals(expected.dup('c').data().asFloat(), java.util.Arrays.copyOf(values, values.length - 2),
                    (float) TOLERANCE, "the float[] output is the C-order output");
        }
    }

    /**
     * Hidden sizes 32 and 16 (multiples of 16 floats: the vector gate math runs {@link LstmStep}
     * where vectors hold 16 floats) against DL4J's own LSTM, with batches of 6, 2 and 9 examples
     * (blocks of four and tails) and masks.
     */
    @ParameterizedTest(name = "perSequence={0}")
    @CsvSource({"false", "true"})
    void singlePassStepEqualsDl4jLstm(boolean perSequence) {
        int[] sizes = {32, 16};
        MultiLayerNetwork net = TestNets.network(TestNets.config(TestNets.Kind.FUSED, DataType.FLOAT, INPUTS, sizes,
                OUTPUTS, perSequence, 0, new Adam(0.01)));
        TestNets.randomize(net, 33, 0.3);
        MultiLayerNetwork dl4j = TestNets.network(TestNets.config(TestNets.Kind.DL4J, DataType.FLOAT, INPUTS, sizes,
                OUTPUTS, perSequence, 0, new Adam(0.01)));
        dl4j.setParams(net.params());
        FastForward fast = FastForward.forNetwork(net, gateMath("vector"), 1, 0).orElseThrow();
        for (int call = 0; call < 3; call++) {
            DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS[call], perSequence, 90 + call);
            INDArray mask = data.getFeaturesMaskArray();
            double diff = TestNets.maxAbsDiff(dl4j.output(data.getFeatures(), false, mask, null),
                    fast.output(data.getFeatures(), mask));
            assertTrue(diff < TOLERANCE, "call " + call + ": fast forward differs from DL4J's LSTM by " + diff);
        }
    }

    /**
     * With the single-pass step and the vector output projection, an example's outputs are the same
     * bits alone as in a batch of 7 (what makes scoring independent of the partitioning); without
     * them (OpenBLAS sums by shape) this is not promised.
     */
    @ParameterizedTest(name = "perSequence={0}")
    @CsvSource({"false", "true"})
    void anExamplesOutputDoesNotDependOnItsBatch(boolean perSequence) {
        int[] sizes = {32, 16};
        GateMath math = gateMath("vector");
        Assumptions.assumeTrue(math.lstmStep(INPUTS, 32) != null, "the single-pass step needs 16-float vectors");
        MultiLayerNetwork net = TestNets.network(TestNets.config(TestNets.Kind.FUSED, DataType.FLOAT, INPUTS, sizes,
                OUTPUTS, perSequence, 0, new Adam(0.01)));
        TestNets.randomize(net, 34, 0.3);
        FastForward fast = FastForward.forNetwork(net, math, 1, 0).orElseThrow();
        assertTrue(fast.batchIndependent());
        assertFalse(FastForward.forNetwork(net, new ScalarGateMath(), 1, 0).orElseThrow().batchIndependent());
        INDArray features = Nd4j.rand(DataType.FLOAT, 7, INPUTS, 9).subi(0.5);
        INDArray all = fast.output(features, null).dup();
        for (int e = 0; e < 7; e++) {
            INDArray alone = fast.output(features.get(NDArrayIndex.interval(e, e + 1)).dup(), null).dup();
            assertArrayEquals(all.get(NDArrayIndex.interval(e, e + 1)).dup().data().asFloat(), alone.data().asFloat(),
                    "example " + e + " alone vs in a batch of 7");
        }
        // Split over 2 lanes (examples 0-3 and 4-6) the outputs are the same bits too.
        FastForward twoLanes = FastForward.forNetwork(net, math, 2, 0).orElseThrow();
        assertArrayEquals(all.data().asFloat(), twoLanes.output(features, null).dup().data().asFloat(), "2 lanes");
    }

    @Test
    void dl4jUsesTheMaskPerSequenceOnly() {
        // What the test above relies on: the mask changes DL4J's per-sequence output (LastTimeStep
        // reads the last real step, its LSTM is masked) and not its per-step output (no layer acts
        // on it there; padded steps are computed from the padding), so the fast forward must do
        // both to pass.
        for (boolean perSequence : new boolean[] {false, true}) {
            MultiLayerNetwork net = network(0, true, perSequence, 22);
            DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS[0], perSequence, 70);
            INDArray masked = net.output(data.getFeatures(), false, data.getFeaturesMaskArray(), null);
            INDArray unmasked = net.output(data.getFeatures(), false, null, null);
            double diff = TestNets.maxAbsDiff(masked, unmasked);
            assertEquals(perSequence, diff > 1e-2, "perSequence=" + perSequence + ": masked vs unmasked " + diff);
        }
    }

    @Test
    void seesParameterChanges() {
        MultiLayerNetwork net = network(0, true, false, 23);
        FastForward fast = FastForward.forNetwork(net).orElseThrow();
        DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS[0], false, 80);
        INDArray before = fast.output(data.getFeatures(), data.getFeaturesMaskArray()).dup();
        // setParams copies into the network's view; training (here the fast step) updates it in place.
        TestNets.randomize(net, 24, 0.5);
        assertOutputMatches(net, fast, data);
        assertTrue(TestNets.maxAbsDiff(before, fast.output(data.getFeatures(), data.getFeaturesMaskArray())) > 1e-2);
        FastTrainer.forNetwork(net).orElseThrow().fit(data);
        assertOutputMatches(net, fast, data);
    }

    @ParameterizedTest(name = "perSequence={0} threads={1} laneWork={2}")
    @CsvSource({"false, 1, 0", "true, 1, 0", "false, 2, 0", "true, 2, 0", "false, 2, 1.75", "true, 2, 1.75"})
    void chunkedRnnTimeStepEqualsTheWholeSequence(boolean perSequence, int threads, double laneWork) {
        MultiLayerNetwork net = network(0, true, perSequence, 26);
        // With 2 threads, examples 0-3 and 4-5 go to different lanes, each carrying its own state.
        // With a lane's minimum work at 1.75 steps of the batch, chunks of 4 steps get 2 lanes and
        // the last chunk of 3 alone would get 1: the stream must keep its first chunk's split.
        double minLaneFlops = laneWork * TrainingPlan.forInference(net).forwardFlops() * 6;
        FastForward fast = FastForward.forNetwork(net, GateMath.get(), threads, minLaneFlops).orElseThrow();
        int batch = 6;
        int steps = 11;
        int[] lengths = new int[batch];
        java.util.Arrays.fill(lengths, steps);
        INDArray features = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, lengths, perSequence, 90).getFeatures();
        float[] whole = new float[fast.outputLength(batch, steps)];
        fast.output(features, null, whole);
        float[] chunked = new float[whole.length];
        for (int round = 0; round < 2; round++) {
            // The second round starts a new stream: the state of the first must not leak into it.
            fast.rnnClearPreviousState();
            net.rnnClearPreviousState();
            int[] bounds = {0, 4, 8, steps};
            for (int c = 0; c + 1 < bounds.length; c++) {
                INDArray chunk = features.get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(bounds[c], bounds[c + 1])).dup('c');
                int width = bounds[c + 1] - bounds[c];
                float[] part = new float[fast.outputLength(batch, width)];
                fast.rnnTimeStep(chunk, part);
                if (perSequence) {
                    System.arraycopy(part, 0, chunked, 0, part.length);
                    continue;
                }
                float[] dl4j = net.rnnTimeStep(chunk).dup('c').data().asFloat();
                assertArrayEquals(dl4j, part, (float) TOLERANCE, "chunk " + c + " against DL4J's rnnTimeStep");
                for (int i = 0; i < batch * OUTPUTS; i++) {
                    System.arraycopy(part, i * width, chunked, i * steps + bounds[c], width);
                }
            }
            assertArrayEquals(whole, chunked, (float) TOLERANCE, "round " + round);
        }
        fast.rnnClearPreviousState();
        fast.rnnTimeStep(features, chunked);
        assertThrows(IllegalArgumentException.class, () -> fast.rnnTimeStep(
                Nd4j.zeros(DataType.FLOAT, batch + 1, INPUTS, 2), new float[100]), "batch size changed in a stream");
    }

    @Test
    void inferenceOnlySettingsAreSupportedAndOthersSayWhy() {
        // SGD and dropout stop the fast training step but do not act at inference.
        MultiLayerNetwork sgd = TestNets.network(FastTrainerTest.config(0, GradientNormalization.ClipL2PerLayer, true,
                0.01, new Sgd(0.1), true, true, false));
        TestNets.randomize(sgd, 27, 0.4);
        assertTrue(FastTrainer.forNetwork(sgd).isEmpty());
        FastForward fast = FastForward.forNetwork(sgd).orElseThrow();
        assertOutputMatches(sgd, fast, TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS[0], false, 100));

        assertReason(TestNets.config(TestNets.Kind.DL4J, DataType.FLOAT, INPUTS, new int[] {12, 9}, OUTPUTS, false, 0,
                new Adam(0.01)), "fused LSTM");
        assertReason(FastTrainerTest.config(0, GradientNormalization.None, true, 0, new Adam(0.01), false, false, true),
                "fused LSTM");
        assertReason(TestNets.config(TestNets.Kind.FUSED, DataType.DOUBLE, INPUTS, new int[] {12, 9}, OUTPUTS, false, 0,
                new Adam(0.01)), "FLOAT");
    }

    private static void assertReason(MultiLayerConfiguration conf, String expected) {
        MultiLayerNetwork net = TestNets.network(conf);
        Optional<String> reason = FastForward.unsupportedReason(net);
        assertTrue(reason.isPresent(), "expected unsupported: " + expected);
        assertTrue(reason.get().contains(expected), "reason '" + reason.get() + "' should mention " + expected);
        assertTrue(FastForward.forNetwork(net).isEmpty());
    }

    private static void assertOutputMatches(MultiLayerNetwork net, FastForward fast, DataSet data) {
        INDArray expected = net.output(data.getFeatures(), false, data.getFeaturesMaskArray(), null);
        double diff = TestNets.maxAbsDiff(expected, fast.output(data.getFeatures(), data.getFeaturesMaskArray()));
        assertTrue(diff < TOLERANCE, "fast forward differs from network.output by " + diff);
    }

    private static MultiLayerNetwork network(int tbptt, boolean classification, boolean perSequence, long seed) {
        MultiLayerNetwork net = TestNets.network(FastTrainerTest.config(tbptt, GradientNormalization.None,
                classification, 0, new Adam(0.01), false, true, perSequence));
        TestNets.randomize(net, seed, 0.5);
        return net;
    }

    private static GateMath gateMath(String name) {
        GateMath math = name.equals("scalar") ? new ScalarGateMath() : GateMathProvider.vectorOrNull();
        assertNotNull(math, "surefire's argLine adds jdk.incubator.vector");
        assertEquals(name, math.name().substring(0, name.length()));
        return math;
    }
}
