package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.NetworkSpec;
import java.util.List;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/** The network configuration for each task, and what the spec's settings turn into in DL4J. */
class NetworkFactoryTest {
    private static final float TOL = 1e-5f;

    private static NetworkSpec spec(double dropout, double l2, NetworkSpec.Updater updater, double momentum,
                                    NetworkSpec.Clipping clipping, int tbptt, int backward) {
        return new NetworkSpec(NetworkSpec.Cell.LSTM, List.of(8, 6), dropout, l2, updater, 0.05, momentum, 7L, clipping, 2.5, tbptt, backward);
    }

    private static NetworkSpec plain(int tbptt) {
        return spec(0.0, 0.0, NetworkSpec.Updater.ADAM, 0.9, NetworkSpec.Clipping.L2_NORM, tbptt, tbptt);
    }

    private static Layer layer(MultiLayerConfiguration conf, int index) {
        return conf.getConf(index).getLayer();
    }

    private static LSTM lstm(MultiLayerConfiguration conf, int index) {
        Layer layer = layer(conf, index);
        if (layer instanceof LastTimeStep wrapper) {
            layer = wrapper.getUnderlying();
        }
        return assertInstanceOf(LSTM.class, layer);
    }

    private static void assertLstmStack(MultiLayerConfiguration conf, int inputs) {
        LSTM first = lstm(conf, 0);
        LSTM second = lstm(conf, 1);
        assertEquals(inputs, first.getNIn());
        assertEquals(8, first.getNOut());
        assertEquals(8, second.getNIn());
        assertEquals(6, second.getNOut());
        for (LSTM lstm : List.of(first, second)) {
            assertInstanceOf(ActivationTanH.class, lstm.getActivationFn());
            assertInstanceOf(ActivationSigmoid.class, lstm.getGateActivationFn());
        }
    }

    @Test
    void perStepClassificationEndsInSoftmaxRnnOutputWithTbptt() {
        MultiLayerConfiguration conf = NetworkFactory.configuration(plain(50), 5, 3, true, false);
        assertEquals(3, conf.getConfs().size());
        assertLstmStack(conf, 5);
        assertInstanceOf(LSTM.class, layer(conf, 1), "per-step: no LastTimeStep");
        RnnOutputLayer output = assertInstanceOf(RnnOutputLayer.class, layer(conf, 2));
        assertEquals(6, output.getNIn());
        assertEquals(3, output.getNOut());
        assertInstanceOf(ActivationSoftmax.class, output.getActivationFn());
        assertInstanceOf(LossMCXENT.class, output.getLossFn());
        assertEquals(BackpropType.TruncatedBPTT, conf.getBackpropType());
        assertEquals(50, conf.getTbpttFwdLength());
        assertEquals(50, conf.getTbpttBackLength());

        MultiLayerNetwork network = NetworkFactory.create(plain(50), 5, 3, true, false);
        assertEquals(DataType.FLOAT, network.params().dataType());
        INDArray out = network.output(ModelTestData.features(1, 5, 7, 7));
        assertArrayEquals(new long[] {2, 3, 7}, out.shape());
        INDArray sums = out.sum(1);
        for (int i = 0; i < 2; i++) {
            for (int t = 0; t < 7; t++) {
                assertEquals(1.0, sums.getDouble(i, t), 1e-5, "softmax over classes");
            }
        }
    }

    @Test
    void perStepRegressionEndsInIdentityMse() {
        MultiLayerConfiguration conf = NetworkFactory.configuration(plain(50), 4, 2, false, false);
        assertLstmStack(conf, 4);
        RnnOutputLayer output = assertInstanceOf(RnnOutputLayer.class, layer(conf, 2));
        assertEquals(2, output.getNOut());
        assertInstanceOf(ActivationIdentity.class, output.getActivationFn());
        assertInstanceOf(LossMSE.class, output.getLossFn());
    }

    @Test
    void perSequenceTasksWrapTheTopLstmInLastTimeStepAndUseFullBptt() {
        for (boolean classification : new boolean[] {true, false}) {
            MultiLayerConfiguration conf = NetworkFactory.configuration(plain(0), 4, 3, classification, true);
            assertEquals(3, conf.getConfs().size());
            assertInstanceOf(LSTM.class, layer(conf, 0));
            assertInstanceOf(LastTimeStep.class, layer(conf, 1));
            assertLstmStack(conf, 4);
            OutputLayer output = assertInstanceOf(OutputLayer.class, layer(conf, 2));
            assertEquals(6, output.getNIn());
            assertEquals(3, output.getNOut());
            if (classification) {
                assertInstanceOf(ActivationSoftmax.class, output.getActivationFn());
                assertInstanceOf(LossMCXENT.class, output.getLossFn());
            } else {
                assertInstanceOf(ActivationIdentity.class, output.getActivationFn());
                assertInstanceOf(LossMSE.class, output.getLossFn());
            }
            assertEquals(BackpropType.Standard, conf.getBackpropType());
        }
    }

    @Test
    void perSequenceOutputReadsEachSequencesLastValidStep() {
        MultiLayerNetwork network = NetworkFactory.create(plain(0), 4, 3, true, true);
        INDArray features = ModelTestData.features(2, 4, 3, 6, 1);
        INDArray mask = ModelTestData.mask(3, 6, 1);
        INDArray batched = network.output(features, false, mask, null);
        assertArrayEquals(new long[] {3, 3}, batched.shape());
        assertEquals(DataType.FLOAT, batched.dataType());
        int[] lengths = {3, 6, 1};
        for (int i = 0; i < 3; i++) {
            INDArray alone = features.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(),
                    NDArrayIndex.interval(0, lengths[i])).dup();
            INDArray expected = network.output(alone);
            assertArrayEquals(expected.toFloatVector(), batched.getRow(i).toFloatVector(), TOL,
                    "sequence " + i + " of length " + lengths[i] + " padded to 6");
        }
    }

    @Test
    void rightPaddingLeavesPerStepOutputsOfRealStepsUnchanged() {
        MultiLayerNetwork network = NetworkFactory.create(plain(50), 4, 3, true, false);
        INDArray features = ModelTestData.features(3, 4, 2, 5);
        INDArray mask = ModelTestData.mask(2, 5);
        INDArray batched = network.output(features, false, mask, mask);
        INDArray alone = network.output(features.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all(),
                NDArrayIndex.interval(0, 2)).dup());
        for (int k = 0; k < 3; k++) {
            for (int t = 0; t < 2; t++) {
                assertEquals(alone.getFloat(0, k, t), batched.getFloat(0, k, t), TOL);
            }
        }
    }

    @Test
    void tbpttLengthsComeFromTheSpec() {
        MultiLayerConfiguration conf = NetworkFactory.configuration(
                spec(0, 0, NetworkSpec.Updater.ADAM, 0.9, NetworkSpec.Clipping.L2_NORM, 20, 10), 3, 2, true, false);
        assertEquals(BackpropType.TruncatedBPTT, conf.getBackpropType());
        assertEquals(20, conf.getTbpttFwdLength());
        assertEquals(10, conf.getTbpttBackLength(), "not DL4J's default of 20");
        MultiLayerConfiguration full = NetworkFactory.configuration(plain(0), 3, 2, true, false);
        assertEquals(BackpropType.Standard, full.getBackpropType());
    }

    @Test
    void dropoutProbabilityBecomesDl4jRetainProbabilityOnLstmInputsOnly() {
        MultiLayerConfiguration conf = NetworkFactory.configuration(
                spec(0.3, 0, NetworkSpec.Updater.ADAM, 0.9, NetworkSpec.Clipping.L2_NORM, 0, 0), 3, 2, true, true);
        for (int i = 0; i < 2; i++) {
            Dropout dropout = assertInstanceOf(Dropout.class, lstm(conf, i).getIDropout(), "LSTM " + i);
            assertEquals(0.7, dropout.getP(), 1e-12, "config dropout 0.3 = DL4J retain probability 0.7");
        }
        assertNull(layer(conf, 2).getIDropout(), "no dropout on the output layer");
        MultiLayerConfiguration none = NetworkFactory.configuration(plain(0), 3, 2, true, false);
        assertNull(lstm(none, 0).getIDropout(), "dropout 0 means no dropout at all (not 'retain nothing')");
        assertNull(lstm(none, 1).getIDropout());
    }

    @Test
    void clippingModesAndThreshold() {
        for (NetworkSpec.Clipping clipping : NetworkSpec.Clipping.values()) {
            MultiLayerConfiguration conf = NetworkFactory.configuration(
                    spec(0, 0, NetworkSpec.Updater.ADAM, 0.9, clipping, 0, 0), 3, 2, true, false);
            GradientNormalization expected = switch (clipping) {
                case L2_NORM -> GradientNormalization.ClipL2PerLayer;
                case ELEMENT_WISE -> GradientNormalization.ClipElementWiseAbsoluteValue;
                case NONE -> GradientNormalization.None;
            };
            for (int i = 0; i < 3; i++) {
                BaseLayer layer = (BaseLayer) (layer(conf, i) instanceof LastTimeStep w ? w.getUnderlying()
                        : layer(conf, i));
                assertEquals(expected, layer.getGradientNormalization(), clipping + " layer " + i);
                if (clipping != NetworkSpec.Clipping.NONE) {
                    assertEquals(2.5, layer.getGradientNormalizationThreshold(), 0.0, clipping + " layer " + i);
                }
            }
        }
    }

    @Test
    void updaters() {
        assertEquals(new Adam(0.05), updater(NetworkSpec.Updater.ADAM, 0.9));
        assertEquals(new RmsProp(0.05), updater(NetworkSpec.Updater.RMSPROP, 0.9));
        Nesterovs nesterovs = assertInstanceOf(Nesterovs.class, updater(NetworkSpec.Updater.SGD, 0.8));
        assertEquals(0.05, nesterovs.getLearningRate(), 0.0);
        assertEquals(0.8, nesterovs.getMomentum(), 0.0);
        Sgd sgd = assertInstanceOf(Sgd.class, updater(NetworkSpec.Updater.SGD, 0.0), "momentum 0 is plain SGD");
        assertEquals(0.05, sgd.getLearningRate(), 0.0);
    }

    private static Object updater(NetworkSpec.Updater updater, double momentum) {
        MultiLayerConfiguration conf = NetworkFactory.configuration(
                spec(0, 0, updater, momentum, NetworkSpec.Clipping.NONE, 0, 0), 3, 2, true, false);
        Object first = ((BaseLayer) layer(conf, 0)).getIUpdater();
        for (int i = 1; i < 3; i++) {
            assertEquals(first, ((BaseLayer) layer(conf, i)).getIUpdater(), "same updater on every layer");
        }
        return first;
    }

    @Test
    void l2Regularization() {
        MultiLayerConfiguration conf = NetworkFactory.configuration(
                spec(0, 0.01, NetworkSpec.Updater.ADAM, 0.9, NetworkSpec.Clipping.NONE, 0, 0), 3, 2, true, false);
        for (int i = 0; i < 3; i++) {
            BaseLayer layer = (BaseLayer) layer(conf, i);
            assertEquals(1, layer.getRegularization().size(), "layer " + i);
            L2Regularization l2 = assertInstanceOf(L2Regularization.class, layer.getRegularization().get(0));
            assertEquals(0.01, l2.getL2().valueAt(0, 0), 1e-12);
        }
        MultiLayerConfiguration none = NetworkFactory.configuration(plain(0), 3, 2, true, false);
        assertTrue(((BaseLayer) layer(none, 0)).getRegularization().isEmpty());
    }

    @Test
    void seedFixesInitialization() {
        INDArray a = NetworkFactory.create(plain(50), 3, 2, true, false).params();
        INDArray b = NetworkFactory.create(plain(50), 3, 2, true, false).params();
        assertEquals(a, b);
        NetworkSpec otherSeed = new NetworkSpec(NetworkSpec.Cell.LSTM, List.of(8, 6), 0, 0, NetworkSpec.Updater.ADAM, 0.05, 0.9, 8L,
                NetworkSpec.Clipping.L2_NORM, 2.5, 50, 50);
        assertNotEquals(a, NetworkFactory.create(otherSeed, 3, 2, true, false).params());
    }

    @Test
    void configurationJsonRoundTrips() {
        List<MultiLayerConfiguration> confs = List.of(
                NetworkFactory.configuration(plain(50), 5, 3, true, false),
                NetworkFactory.configuration(plain(50), 5, 2, false, false),
                NetworkFactory.configuration(plain(0), 5, 3, true, true),
                NetworkFactory.configuration(plain(0), 5, 1, false, true),
                NetworkFactory.configuration(spec(0.25, 0.001, NetworkSpec.Updater.SGD, 0.5,
                        NetworkSpec.Clipping.ELEMENT_WISE, 30, 15), 2, 4, true, false),
                NetworkFactory.configuration(spec(0.1, 0, NetworkSpec.Updater.RMSPROP, 0,
                        NetworkSpec.Clipping.NONE, 0, 0), 2, 4, false, true));
        for (MultiLayerConfiguration conf : confs) {
            String json = conf.toJson();
            MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
            assertEquals(conf, back, json);
            assertEquals(json, back.toJson());
        }
    }

    @Test
    void plainRnnCellUsesSimpleRnnLayers() {
        NetworkSpec rnn = new NetworkSpec(NetworkSpec.Cell.RNN, List.of(8, 6), 0, 0, NetworkSpec.Updater.ADAM, 0.05,
                0.9, 7L, NetworkSpec.Clipping.L2_NORM, 1.0, 0, 0);
        org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = NetworkFactory.configuration(rnn, 4, 3, true, true);
        assertTrue(conf.getConf(0).getLayer() instanceof org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn);
        org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep last =
                (org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep) conf.getConf(1).getLayer();
        assertTrue(last.getUnderlying() instanceof org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn);
    }
}
