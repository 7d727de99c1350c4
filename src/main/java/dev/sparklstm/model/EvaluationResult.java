package dev.sparklstm.model;

import java.io.Serializable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.evaluation.regression.RegressionEvaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Loss and metrics of a network over some minibatches, mergeable across partitions. The loss is
 * the mean over labelled steps (per-step tasks) or sequences (per-sequence tasks) of cross-entropy
 * (classification) or squared error averaged over targets (regression, DL4J's MSE), computed from
 * one forward pass that also feeds the metrics.
 */
public final class EvaluationResult implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final double MIN_PROBABILITY = 1e-10;

    private final boolean classification;
    private double lossSum;
    private long lossCount;
    private final Evaluation evaluation;
    private final RegressionEvaluation regression;

    public EvaluationResult(boolean classification) {
        this.classification = classification;
        this.evaluation = classification ? new Evaluation() : null;
        this.regression = classification ? null : new RegressionEvaluation();
    }

    /** Adds one minibatch, scored with {@code network} in inference mode. */
    public EvaluationResult add(MultiLayerNetwork network, DataSet batch) {
        INDArray labels = batch.getLabels();
        INDArray labelMask = batch.getLabelsMaskArray();
        INDArray output = network.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(), labelMask);
        if (classification) {
            evaluation.eval(labels, output, labelMask);
        } else {
            regression.eval(labels, output, labelMask);
        }
        accumulateLoss(labels, output, labelMask);
        return this;
    }

    private void accumulateLoss(INDArray labels, INDArray output, INDArray labelMask) {
        float[] y = labels.dup('c').data().asFloat();
        float[] p = output.dup('c').data().asFloat();
        long batch = labels.size(0);
        long outputs = labels.size(1);
        long steps = labels.rank() == 3 ? labels.size(2) : 1;
        float[] mask = labelMask == null ? null : labelMask.dup('c').data().asFloat();
        for (int i = 0; i < batch; i++) {
            for (int t = 0; t < steps; t++) {
                if (mask != null && mask[(int) (i * steps + t)] == 0.0f) {
                    continue;
                }
                double loss = 0;
                for (int k = 0; k < outputs; k++) {
                    int index = (int) ((i * outputs + k) * steps + t);
                    if (classification) {
                        loss -= y[index] * Math.log(Math.max(p[index], MIN_PROBABILITY));
                    } else {
                        double error = y[index] - p[index];
                        loss += error * error / outputs;
                    }
                }
                lossSum += loss;
                lossCount++;
            }
        }
    }

    /** Folds another partial result into this one and returns this. */
    public EvaluationResult merge(EvaluationResult other) {
        lossSum += other.lossSum;
        lossCount += other.lossCount;
        if (classification) {
            evaluation.merge(other.evaluation);
        } else {
            regression.merge(other.regression);
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

    /** Accuracy (classification only). */
    public double accuracy() {
        return evaluation.accuracy();
    }

    /** RMSE averaged over targets (regression only). */
    public double rmse() {
        return regression.averagerootMeanSquaredError();
    }

    /** MAE averaged over targets (regression only). */
    public double mae() {
        return regression.averageMeanAbsoluteError();
    }
}
