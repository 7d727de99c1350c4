package dev.sparklstm.sequence;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns sequences into one masked minibatch in DL4J's NCW layout: features {@code [batch, inputs,
 * time]}, right-padded to the longest sequence (PLATFORM-NOTES: DL4J's LSTM ignores the feature
 * mask in its own state, so padding must come after the data), with a feature mask
 * {@code [batch, time]}. Per-step labels are {@code [batch, outputs, time]} with the same mask;
 * per-sequence labels are {@code [batch, outputs]}.
 */
public final class MinibatchBuilder {
    private final FeatureEncoder encoder;

    public MinibatchBuilder(FeatureEncoder encoder) {
        this.encoder = encoder;
    }

    /** Builds the features and feature mask of unlabelled sequences (scoring); labels are null. */
    public DataSet buildUnlabelled(List<SequenceRecord> sequences) {
        return build(sequences, false);
    }

    /** Builds a labelled minibatch of the given sequences (at least one). */
    public DataSet build(List<SequenceRecord> sequences) {
        return build(sequences, true);
    }

    private DataSet build(List<SequenceRecord> sequences, boolean labelled) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("a minibatch needs at least one sequence");
        }
        int batch = sequences.size();
        int inputs = encoder.inputSize();
        int outputs = encoder.outputSize();
        int steps = 0;
        for (SequenceRecord sequence : sequences) {
            steps = Math.max(steps, sequence.length());
        }
        float[] features = new float[batch * inputs * steps];
        float[] mask = new float[batch * steps];
        boolean perSequence = encoder.isPerSequence();
        float[] labels = !labelled ? null : new float[perSequence ? batch * outputs : batch * outputs * steps];
        for (int i = 0; i < batch; i++) {
            SequenceRecord sequence = sequences.get(i);
            int length = sequence.length();
            for (int t = 0; t < length; t++) {
                encoder.encodeStep(sequence, t, features, i * inputs * steps + t, steps);
                mask[i * steps + t] = 1.0f;
            }
            if (!labelled) {
                continue;
            }
            if (perSequence) {
                writeLabels(sequence, 0, labels, i * outputs, 1);
            } else {
                for (int t = 0; t < length; t++) {
                    writeLabels(sequence, t, labels, i * outputs * steps + t, steps);
                }
            }
        }
        INDArray featureArray = Nd4j.create(features, new long[] {batch, inputs, steps}, 'c');
        INDArray maskArray = Nd4j.create(mask, new long[] {batch, steps}, 'c');
        if (!labelled) {
            return new DataSet(featureArray, null, maskArray, null);
        }
        if (perSequence) {
            INDArray labelArray = Nd4j.create(labels, new long[] {batch, outputs}, 'c');
            return new DataSet(featureArray, labelArray, maskArray, null);
        }
        INDArray labelArray = Nd4j.create(labels, new long[] {batch, outputs, steps}, 'c');
        return new DataSet(featureArray, labelArray, maskArray, maskArray.dup());
    }

    private void writeLabels(SequenceRecord sequence, int index, float[] dest, int offset, int stride) {
        if (encoder.isClassification()) {
            dest[offset + encoder.classIndex(sequence.classLabels()[index]) * stride] = 1.0f;
        } else {
            int targets = encoder.outputSize();
            for (int k = 0; k < targets; k++) {
                dest[offset + k * stride] = (float) sequence.targets()[index * targets + k];
            }
        }
    }
}
