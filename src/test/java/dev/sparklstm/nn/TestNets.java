package dev.sparklstm.nn;

import java.util.Random;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small networks and right-padded batches for the fused-layer tests: DL4J LSTM or fused, otherwise equal. */
final class TestNets {
    private TestNets() {
    }

    /** Kinds of LSTM layer. */
    enum Kind { DL4J, FUSED, STATEFUL_DL4J }

    static MultiLayerConfiguration config(Kind kind, DataType type, int inputs, int[] sizes, int outputs,
                                          boolean perSequence, int tbptt, IUpdater updater) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(7).dataType(type)
                .weightInit(WeightInit.XAVIER).updater(updater).list();
        for (int i = 0; i < sizes.length; i++) {
            LSTM lstm = new LSTM.Builder().nOut(sizes[i]).activation(Activation.TANH)
                    .gateActivationFunction(Activation.SIGMOID).build();
            Layer layer = switch (kind) {
                case FUSED -> FusedLstm.from(lstm);
                case STATEFUL_DL4J -> StatefulBackpropLstm.from(lstm);
                case DL4J -> lstm;
            };
            if (perSequence && i == sizes.length - 1) {
                layer = new LastTimeStep(layer);
            }
            list.layer(layer);
        }
        if (perSequence) {
            list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                    .nOut(outputs).build());
        } else {
            list.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                    .nOut(outputs).build());
        }
        list.setInputType(InputType.recurrent(inputs));
        if (tbptt > 0) {
            list.backpropType(BackpropType.TruncatedBPTT).tBPTTLength(tbptt);
        }
        return list.build();
    }

    static MultiLayerNetwork network(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Gives every parameter a non-trivial value (initial forget bias 1 and small weights hide mistakes). */
    static void randomize(MultiLayerNetwork net, long seed, double scale) {
        Random random = new Random(seed);
        INDArray params = net.params();
        for (long p = 0; p < params.length(); p++) {
            params.putScalar(p, random.nextGaussian() * scale);
        }
        net.setParams(params);
    }

    /**
     * A right-padded batch: sequence n has {@code lengths[n]} real steps, padding features are
     * garbage (must not matter), one-hot labels per step or per sequence, feature mask = label mask.
     */
    static DataSet batch(DataType type, int inputs, int outputs, int[] lengths, boolean perSequence, long seed) {
        Random random = new Random(seed);
        int steps = 0;
        for (int length : lengths) {
            steps = Math.max(steps, length);
        }
        int batch = lengths.length;
        INDArray features = Nd4j.zeros(type, batch, inputs, steps);
        INDArray mask = Nd4j.zeros(type, batch, steps);
        INDArray labels = perSequence ? Nd4j.zeros(type, batch, outputs) : Nd4j.zeros(type, batch, outputs, steps);
        for (int n = 0; n < batch; n++) {
            for (int t = 0; t < steps; t++) {
                boolean real = t < lengths[n];
                mask.putScalar(n, t, real ? 1.0 : 0.0);
                for (int k = 0; k < inputs; k++) {
                    features.putScalar(new int[] {n, k, t}, real ? random.nextGaussian() * 1.5 : 50.0);
                }
                if (real && !perSequence) {
                    labels.putScalar(new int[] {n, random.nextInt(outputs), t}, 1.0);
                }
            }
            if (perSequence) {
                labels.putScalar(n, random.nextInt(outputs), 1.0);
            }
        }
        return new DataSet(features, labels, mask, perSequence ? null : mask);
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
