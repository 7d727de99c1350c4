package dev.sparklstm.model;

import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.nn.FusedLstm;
import java.util.List;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the network for a task: stacked LSTM layers (tanh cell, sigmoid gates; the fused
 * {@link FusedLstm} layer by default, DL4J's own LSTM with {@code model.cell=dl4j-lstm}; or plain
 * tanh RNN layers for comparisons) and an output
 * layer that fits the task. Per-step tasks end in an {@link RnnOutputLayer}; per-sequence tasks
 * wrap the top LSTM in {@link LastTimeStep}, which reads each sequence's last unmasked step, and
 * end in a dense {@link OutputLayer}. Networks are FLOAT: a DOUBLE network's LastTimeStep output
 * is silently FLOAT in DL4J M2 (PLATFORM-NOTES).
 */
public final class NetworkFactory {
    private NetworkFactory() {
    }

    /** The configuration of a FLOAT network with {@code inputs} features per step and {@code outputs} outputs. */
    public static MultiLayerConfiguration configuration(NetworkSpec spec, int inputs, int outputs,
                                                        boolean classification, boolean perSequence) {
        return configuration(spec, inputs, outputs, classification, perSequence, DataType.FLOAT);
    }

    /** The configuration with an explicit data type (DOUBLE only for gradient checks). */
    public static MultiLayerConfiguration configuration(NetworkSpec spec, int inputs, int outputs,
                                                        boolean classification, boolean perSequence,
                                                        DataType dataType) {
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder()
                .seed(spec.seed())
                .dataType(dataType)
                .weightInit(WeightInit.XAVIER)
                .updater(updater(spec));
        switch (spec.clipping()) {
            case L2_NORM -> builder.gradientNormalization(GradientNormalization.ClipL2PerLayer)
                    .gradientNormalizationThreshold(spec.clippingThreshold());
            case ELEMENT_WISE -> builder.gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue)
                    .gradientNormalizationThreshold(spec.clippingThreshold());
            case NONE -> builder.gradientNormalization(GradientNormalization.None);
            default -> throw new IllegalStateException("unhandled clipping " + spec.clipping());
        }
        if (spec.l2() > 0) {
            builder.l2(spec.l2());
        }
        NeuralNetConfiguration.ListBuilder list = builder.list();
        List<Integer> sizes = spec.layerSizes();
        for (int i = 0; i < sizes.size(); i++) {
            org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer.Builder<?> cell = spec.cell() == NetworkSpec.Cell.RNN
                    ? new SimpleRnn.Builder().nOut(sizes.get(i)).activation(Activation.TANH)
                    : new LSTM.Builder().nOut(sizes.get(i)).activation(Activation.TANH)
                            .gateActivationFunction(Activation.SIGMOID);
            if (spec.dropout() > 0) {
                // DL4J's dropOut(x) takes the probability of *retaining* an activation.
                cell.dropOut(1.0 - spec.dropout());
            }
            Layer layer = cell.build();
            if (spec.cell() == NetworkSpec.Cell.LSTM) {
                layer = FusedLstm.from((LSTM) layer);
            }
            if (perSequence && i == sizes.size() - 1) {
                layer = new LastTimeStep(layer);
            }
            list.layer(layer);
        }
        Activation activation = classification ? Activation.SOFTMAX : Activation.IDENTITY;
        LossFunctions.LossFunction loss = classification ? LossFunctions.LossFunction.MCXENT
                : LossFunctions.LossFunction.MSE;
        if (perSequence) {
            list.layer(new OutputLayer.Builder(loss).activation(activation).nOut(outputs).build());
        } else {
            list.layer(new RnnOutputLayer.Builder(loss).activation(activation).nOut(outputs).build());
        }
        list.setInputType(InputType.recurrent(inputs));
        if (spec.truncatedBptt()) {
            list.backpropType(BackpropType.TruncatedBPTT)
                    .tBPTTForwardLength(spec.tbpttLength())
                    .tBPTTBackwardLength(spec.tbpttBackwardLength());
        }
        return list.build();
    }

    /** A freshly initialized network. */
    public static MultiLayerNetwork create(NetworkSpec spec, int inputs, int outputs,
                                           boolean classification, boolean perSequence) {
        MultiLayerNetwork network = new MultiLayerNetwork(
                configuration(spec, inputs, outputs, classification, perSequence));
        network.init();
        return network;
    }

    private static IUpdater updater(NetworkSpec spec) {
        return switch (spec.updater()) {
            case ADAM -> new Adam(spec.learningRate());
            case RMSPROP -> new RmsProp(spec.learningRate());
            case SGD -> spec.momentum() > 0 ? new Nesterovs(spec.learningRate(), spec.momentum())
                    : new Sgd(spec.learningRate());
        };
    }
}
