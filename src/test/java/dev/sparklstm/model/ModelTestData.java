package dev.sparklstm.model;

import dev.sparklstm.config.NetworkSpec;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Small specs and hand-made minibatches shared by the model tests. */
final class ModelTestData {
    private ModelTestData() {
    }

    static NetworkSpec spec(List<Integer> layers, int tbptt) {
        return new NetworkSpec(NetworkSpec.Cell.LSTM, layers, 0.0, 0.0, NetworkSpec.Updater.ADAM, 0.01, 0.9, 42L,
                NetworkSpec.Clipping.L2_NORM, 1.0, tbptt, tbptt);
    }

    /** Right-padded mask [batch, maxLength] for the given lengths. */
    static INDArray mask(int... lengths) {
        int steps = 0;
        for (int length : lengths) {
            steps = Math.max(steps, length);
        }
        float[][] mask = new float[lengths.length][steps];
        for (int i = 0; i < lengths.length; i++) {
            for (int t = 0; t < lengths[i]; t++) {
                mask[i][t] = 1f;
            }
        }
        return Nd4j.createFromArray(mask);
    }

    /** Random features [batch, inputs, T], zero on padded steps, with the matching mask. */
    static INDArray features(long seed, int inputs, int... lengths) {
        INDArray mask = mask(lengths);
        int steps = (int) mask.size(1);
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(DataType.FLOAT, lengths.length, inputs, steps).subi(0.5).muli(2);
        for (int i = 0; i < lengths.length; i++) {
            for (int t = lengths[i]; t < steps; t++) {
                for (int j = 0; j < inputs; j++) {
                    features.putScalar(new long[] {i, j, t}, 0f);
                }
            }
        }
        return features;
    }

    /** A per-step classification batch with one-hot labels (class = (i + t) % classes) and label mask. */
    static DataSet perStepClassification(long seed, int inputs, int classes, int... lengths) {
        INDArray features = features(seed, inputs, lengths);
        INDArray mask = mask(lengths);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, lengths.length, classes, mask.size(1));
        for (int i = 0; i < lengths.length; i++) {
            for (int t = 0; t < lengths[i]; t++) {
                labels.putScalar(new long[] {i, (i + t) % classes, t}, 1f);
            }
        }
        return new DataSet(features, labels, mask, mask.dup());
    }
}
