package dev.sparklstm.model;

import dev.sparklstm.nn.FastForward;
import java.io.Serializable;
import java.util.Arrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Loss and metrics of a network over some minibatches, mergeable across partitions. The loss is
 * the mean over labelled steps (per-step tasks) or sequences (per-sequence tasks) of cross-entropy
 * (classification) or squared error averaged over targets (regression, DL4J's MSE), computed from
 * one forward pass that also feeds the metrics: accuracy (the largest output's index against the
 * label's, as DL4J's {@code Evaluation} counts it), and RMSE and MAE per target averaged over the
 * targets (DL4J's {@code RegressionEvaluation} averages). The forward is the project's fast one
 * ({@link #add(FastForward, DataSet)}) or DL4J's {@code output} ({@link #add(MultiLayerNetwork,
 * DataSet)}); the metrics are summed here from the outputs, with no ND4J work per step.
 */
public final class EvaluationResult implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final double MIN_PROBABILITY = 1e-10;

    private final boolean classification;
    private double lossSum;
    private long lossCount;
    /** Classification: labelled steps or sequences whose largest output is the label's class. */
    private long correct;
    /** Regression: squared and absolute errors summed per target over {@link #lossCount} labelled rows. */
    private double[] squaredErrors = new double[0];
    private double[] absoluteErrors = new double[0];
    /** The fast forward's output, reused from batch to batch. */
    private transient float[] outputs = new float[0];

    public EvaluationResult(boolean classification) {
        this.classification = classification;
    }

    /** Adds one minibatch, scored with {@code network.output} in inference mode. */
    public EvaluationResult add(MultiLayerNetwork network, DataSet batch) {
        INDArray output = network.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                batch.getLabelsMaskArray());
        return add(batch, output.dup('c').data().asFloat());
    }

    /** Adds one minibatch, scored with {@code forward} (the same outputs as {@code network.output} at every labelled step). */
    public EvaluationResult add(FastForward forward, DataSet batch) {
        INDArray features = batch.getFeatures();
        int length = forward.outputLength((int) features.size(0), (int) features.size(2));
        if (outputs == null || outputs.length < length) {
            outputs = new float[length];
        }
        forward.output(features, batch.getFeaturesMaskArray(), outputs);
        return add(batch, outputs);
    }

    /** Adds a minibatch given its outputs in C order: [batch, outputs, steps], or [batch, outputs] per sequence. */
    private EvaluationResult add(DataSet batch, float[] p) {
        INDArray labels = batch.getLabels();
        INDArray labelMask = batch.getLabelsMaskArray();
        float[] y = labels.dup('c').data().asFloat();
        int examples = (int) labels.size(0);
        int width = (int) labels.size(1);
        int steps = labels.rank() == 3 ? (int) labels.size(2) : 1;
        float[] mask = labelMask == null ? null : labelMask.dup('c').data().asFloat();
        if (!classification && squaredErrors.length < width) {
            squaredErrors = Arrays.copyOf(squaredErrors, width);
            absoluteErrors = Arrays.copyOf(absoluteErrors, width);
        }
        for (int i = 0; i < examples; i++) {
            for (int t = 0; t < steps; t++) {
                if (mask != null && mask[i * steps + t] == 0.0f) {
                    continue;
                }
                int first = i * width * steps + t;
                double loss = 0;
                int predicted = 0;
                int actual = 0;
                for (int k = 0; k < width; k++) {
                    int index = first + k * steps;
                    if (classification) {
                        loss -= y[index] * Math.log(Math.max(p[index], MIN_PROBABILITY));
                        predicted = p[index] > p[first + predicted * steps] ? k : predicted;
                        actual = y[index] > y[first + actual * steps] ? k : actual;
                    } else {
                        double error = y[index] - p[index];
                        loss += error * error / width;
                        squaredErrors[k] += error * error;
                        absoluteErrors[k] += Math.abs(error);
                    }
                }
                if (classification && predicted == actual) {
                    correct++;
                }
                lossSum += loss;
                lossCount++;
            }
        }
        return this;
    }

    /** Folds another partial result into this one and returns this. */
    public EvaluationResult merge(EvaluationResult other) {
        lossSum += other.lossSum;
        lossCount += other.lossCount;
        correct += other.correct;
        if (squaredErrors.length < other.squaredErrors.length) {
            squaredErrors = Arrays.copyOf(squaredErrors, other.squaredErrors.length);
            absoluteErrors = Arrays.copyOf(absoluteErrors, other.absoluteErrors.length);
        }
        for (int k = 0; k < other.squaredErrors.length; k++) {
            squaredErrors[k] += other.squaredErrors[k];
            absoluteErrors[k] += other.absoluteErrors[k];
        }
        return this;
    }

    /** Mean loss per labelled step or sequence; NaN when nothing was evaluated. */
    public double loss() {
        return lossCount == 0 ? Double.NaN : lossSum / lossCount;
    }

    /** Number of labelled steps (per-step) or sequences (per-sequence) evaluated. */
    public long count() {
        return lossCount;
    }

    /** Accuracy (classification only); NaN when nothing was evaluated. */
    public double accuracy() {
        return lossCount == 0 ? Double.NaN : (double) correct / lossCount;
    }

    /** RMSE per target averaged over targets (regression only); NaN when nothing was evaluated. */
    public double rmse() {
        if (lossCount == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double squared : squaredErrors) {
            sum += Math.sqrt(squared / lossCount);
        }
        return sum / squaredErrors.length;
    }

    /** MAE per target averaged over targets (regression only); NaN when nothing was evaluated. */
    public double mae() {
        if (lossCount == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double absolute : absoluteErrors) {
            sum += absolute / lossCount;
        }
        return sum / absoluteErrors.length;
    }
}
