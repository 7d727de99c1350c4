package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The honesty test of the fast training step: on clones of one network, {@code network.fit} and
 * {@link FastTrainer#fit} over the same three right-padded minibatches (T=12, some sequences much
 * shorter) give the same parameters, Adam state, iteration counts and score, with truncated BPTT
 * (segments 5, 5, 2: nine optimizer steps, state carried) and full BPTT, each gradient
 * normalization, L2, cross-entropy and MSE.
 */
class FastTrainerTest {
    private static final int INPUTS = 5;
    private static final int OUTPUTS = 3;
    private static final int[] SIZES = {12, 9};
    private static final int[] LENGTHS = {12, 12, 9, 7, 5, 3};
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest(name = "tbptt={0} clipping={1} classification={2} l2={3} perSequence={4} threads={5}")
    @CsvSource({
        "5, ClipL2PerLayer, true, 0, false, 1",
        "0, ClipL2PerLayer, true, 0, false, 1",
        "5, ClipElementWiseAbsoluteValue, false, 0.01, false, 1",
        "0, None, false, 0, false, 1",
        "5, None, true, 0.01, false, 1",
        "0, ClipL2PerLayer, true, 0, true, 1",
        "0, ClipElementWiseAbsoluteValue, false, 0.01, true, 1",
        // Two lanes: examples 0-3 and 4-5 (of lengths 5 and 3), each lane's gradients added up.
        "5, ClipL2PerLayer, true, 0, false, 2",
        "5, ClipElementWiseAbsoluteValue, false, 0.01, false, 2",
        "0, ClipL2PerLayer, true, 0, true, 2",
        "0, ClipElementWiseAbsoluteValue, false, 0.01, true, 3",
        // No clipping or L2: Adam adds the last lane's gradients itself.
        "5, None, true, 0, false, 2",
        "0, None, false, 0, true, 3",
    })
    void sameParametersUpdaterStateAndCountsAsFit(int tbptt, GradientNormalization clipping, boolean classification,
                                                  double l2, boolean perSequence, int threads) {
        MultiLayerNetwork start = TestNets.network(config(tbptt, clipping, classification, l2, new Adam(0.02), false,
                true, perSequence));
        TestNets.randomize(start, 11, 0.4);
        MultiLayerNetwork viaFit = start.clone();
        MultiLayerNetwork viaFast = start.clone();
        FastTrainer fast = FastTrainer.forNetwork(viaFast, threads, 0).orElseThrow(() -> new AssertionError(
                FastTrainer.unsupportedReason(viaFast).orElse("?")));
        for (int round = 0; round < 3; round++) {
            DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, perSequence, 40 + round);
            viaFit.fit(data);
            fast.fit(data);
        }
        double moved = TestNets.maxAbsDiff(start.params(), viaFit.params());
        assertTrue(moved > 1e-2, "training must move the parameters, moved " + moved);
        double params = TestNets.maxAbsDiff(viaFit.params(), viaFast.params());
        assertTrue(params < TOLERANCE, "parameters differ by " + params);
        double state = TestNets.maxAbsDiff(viaFit.getUpdater().getStateViewArray(),
                viaFast.getUpdater().getStateViewArray());
        assertTrue(state < TOLERANCE, "Adam state differs by " + state);
        int segments = tbptt > 0 ? 3 : 1;
        assertEquals(3 * segments, viaFit.getIterationCount(), "fit's iteration count");
        assertEquals(viaFit.getIterationCount(), viaFast.getIterationCount());
        assertEquals(viaFit.getEpochCount(), viaFast.getEpochCount());
        for (org.deeplearning4j.nn.api.Layer layer : viaFast.getLayers()) {
            assertEquals(viaFit.getIterationCount(), layer.getIterationCount(), "layer iteration count");
        }
        assertEquals(viaFit.score(), viaFast.score(), 1e-5 * Math.max(1, Math.abs(viaFit.score())), "score");
    }

    /**
     * Hidden sizes of 64, where the per-step products run in the vector kernel ({@link RowProduct})
     * instead of GEMM calls, with one and two lanes, against {@code fit}. The tolerance is
     * 5e-5: Adam divides by the root of each gradient's running square, so where a gradient nearly
     * cancels (-8e-6 against the usual 1e-2 here) its relative rounding error, which depends on
     * the order of the sums (lanes add theirs at the end), passes into the update (1.4e-5 seen
     * with two lanes per sequence).
     */
    @ParameterizedTest(name = "perSequence={0} threads={1}")
    @CsvSource({"false, 1", "false, 2", "true, 1", "true, 2"})
    void largeLayersTrainLikeFit(boolean perSequence, int threads) {
        MultiLayerNetwork start = TestNets.network(config(new int[] {64, 64}, perSequence ? 0 : 5,
                GradientNormalization.ClipL2PerLayer, true, 0, new Adam(0.02), false, true, perSequence));
        TestNets.randomize(start, 13, 0.2);
        MultiLayerNetwork viaFit = start.clone();
        MultiLayerNetwork viaFast = start.clone();
        FastTrainer fast = FastTrainer.forNetwork(viaFast, threads, 0).orElseThrow();
        for (int round = 0; round < 2; round++) {
            DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, perSequence, 60 + round);
            viaFit.fit(data);
            fast.fit(data);
        }
        assertTrue(TestNets.maxAbsDiff(start.params(), viaFit.params()) > 1e-2, "training must move the parameters");
        double params = TestNets.maxAbsDiff(viaFit.params(), viaFast.params());
        assertTrue(params < 5e-5, "parameters differ by " + params);
        double state = TestNets.maxAbsDiff(viaFit.getUpdater().getStateViewArray(),
                viaFast.getUpdater().getStateViewArray());
        assertTrue(state < TOLERANCE, "Adam state differs by " + state);
    }

    @Test
    void savedAndLoadedNetworkContinuesAlike() throws Exception {
        // The trainer writes DL4J's own views: a ModelSerializer round trip (with updater) after
        // fast training continues exactly like the original, whether trained by fit or the trainer.
        MultiLayerNetwork net = TestNets.network(config(5, GradientNormalization.ClipL2PerLayer, true, 0.01,
                new Adam(0.02), false, true, false));
        TestNets.randomize(net, 11, 0.4);
        FastTrainer fast = FastTrainer.forNetwork(net).orElseThrow();
        fast.fit(TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, false, 40));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        org.deeplearning4j.util.ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork loaded = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(
                new java.io.ByteArrayInputStream(bytes.toByteArray()), true);
        assertEquals(net.getIterationCount(), loaded.getIterationCount());
        DataSet next = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, false, 41);
        fast.fit(next);
        loaded.fit(next);
        assertTrue(TestNets.maxAbsDiff(net.params(), loaded.params()) < TOLERANCE);
        assertTrue(TestNets.maxAbsDiff(net.getUpdater().getStateViewArray(),
                loaded.getUpdater().getStateViewArray()) < TOLERANCE);
    }

    @Test
    void backwardLengthIsIgnoredAsUnderFitAndListenersFallBackToFit() {
        MultiLayerConfiguration conf = config(5, GradientNormalization.ClipL2PerLayer, true, 0, new Adam(0.02), false,
                true, false);
        conf.setTbpttBackLength(3);
        MultiLayerNetwork start = TestNets.network(conf);
        TestNets.randomize(start, 12, 0.4);
        MultiLayerNetwork viaFit = start.clone();
        MultiLayerNetwork viaFast = start.clone();
        FastTrainer fast = FastTrainer.forNetwork(viaFast).orElseThrow();
        DataSet first = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, false, 50);
        viaFit.fit(first);
        fast.fit(first);
        assertTrue(TestNets.maxAbsDiff(viaFit.params(), viaFast.params()) < TOLERANCE);
        // Listeners added later: the trainer hands the minibatch to fit, which calls them.
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        viaFast.setListeners(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                calls.incrementAndGet();
            }
        });
        DataSet second = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, false, 51);
        viaFit.fit(second);
        fast.fit(second);
        assertEquals(3, calls.get(), "fit ran with the listener, once per segment");
        assertTrue(TestNets.maxAbsDiff(viaFit.params(), viaFast.params()) < TOLERANCE);
        assertEquals(viaFit.getIterationCount(), viaFast.getIterationCount());
    }

    @Test
    void clippingActuallyClipsInTheTest() {
        // Guards the test above: with threshold 0.05 the per-layer L2 clipping must change the result.
        MultiLayerNetwork clipped = TestNets.network(config(5, GradientNormalization.ClipL2PerLayer, true, 0,
                new Adam(0.02), false, true, false));
        MultiLayerNetwork plain = TestNets.network(config(5, GradientNormalization.None, true, 0, new Adam(0.02), false,
                true, false));
        TestNets.randomize(clipped, 11, 0.4);
        TestNets.randomize(plain, 11, 0.4);
        DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, false, 40);
        FastTrainer.forNetwork(clipped).orElseThrow().fit(data);
        FastTrainer.forNetwork(plain).orElseThrow().fit(data);
        assertTrue(TestNets.maxAbsDiff(clipped.params(), plain.params()) > 1e-4);
    }

    @Test
    void unsupportedNetworksSayWhy() {
        assertReason(config(5, GradientNormalization.None, true, 0, new Adam(0.01), true, true, false), "dropout");
        assertReason(config(5, GradientNormalization.None, true, 0, new Adam(0.01), false, false, false), "fused LSTM");
        assertReason(config(5, GradientNormalization.None, true, 0, new Sgd(0.1), false, true, false), "Adam only");
        assertReason(TestNets.config(TestNets.Kind.DL4J, DataType.FLOAT, INPUTS, SIZES, OUTPUTS, true, 0,
                new Adam(0.01)), "fused LSTM");
        assertReason(TestNets.config(TestNets.Kind.FUSED, DataType.DOUBLE, INPUTS, SIZES, OUTPUTS, false, 0,
                new Adam(0.01)), "FLOAT");
    }

    private static void assertReason(MultiLayerConfiguration conf, String expected) {
        MultiLayerNetwork net = TestNets.network(conf);
        Optional<String> reason = FastTrainer.unsupportedReason(net);
        assertTrue(reason.isPresent(), "expected unsupported: " + expected);
        assertTrue(reason.get().contains(expected), "reason '" + reason.get() + "' should mention " + expected);
        assertTrue(FastTrainer.forNetwork(net).isEmpty());
    }

    static MultiLayerConfiguration config(int tbptt, GradientNormalization clipping, boolean classification, double l2,
                                          IUpdater updater, boolean dropout, boolean fused, boolean perSequence) {
        return config(SIZES, tbptt, clipping, classification, l2, updater, dropout, fused, perSequence);
    }

    static MultiLayerConfiguration config(int[] sizes, int tbptt, GradientNormalization clipping, boolean classification,
                                          double l2, IUpdater updater, boolean dropout, boolean fused,
                                          boolean perSequence) {
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).updater(updater).gradientNormalization(clipping)
                .gradientNormalizationThreshold(clipping == GradientNormalization.ClipElementWiseAbsoluteValue ? 0.02
                        : 0.05);
        if (l2 > 0) {
            builder.l2(l2);
        }
        NeuralNetConfiguration.ListBuilder list = builder.list();
        for (int i = 0; i < sizes.length; i++) {
            LSTM.Builder lstm = new LSTM.Builder().nOut(sizes[i]).activation(Activation.TANH)
                    .gateActivationFunction(Activation.SIGMOID);
            if (dropout) {
                lstm.dropOut(0.8);
            }
            Layer layer = fused ? FusedLstm.from(lstm.build()) : lstm.build();
            list.layer(perSequence && i == sizes.length - 1 ? new LastTimeStep(layer) : layer);
        }
        LossFunctions.LossFunction loss = classification ? LossFunctions.LossFunction.MCXENT
                : LossFunctions.LossFunction.MSE;
        Activation activation = classification ? Activation.SOFTMAX : Activation.IDENTITY;
        list.layer(perSequence ? new OutputLayer.Builder(loss).activation(activation).nOut(OUTPUTS).build()
                : new RnnOutputLayer.Builder(loss).activation(activation).nOut(OUTPUTS).build());
        list.setInputType(InputType.recurrent(INPUTS));
        if (tbptt > 0) {
            list.backpropType(BackpropType.TruncatedBPTT).tBPTTLength(tbptt);
        }
        return list.build();
    }
}
