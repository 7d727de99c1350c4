package dev.sparklstm.train;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What a training run produced: where, from how many rows, and how well.
 *
 * @param output              the committed output directory
 * @param inputRows           rows read
 * @param usedRows            rows that are part of a valid sequence
 * @param rejectedRows        rows written to {@code rejected/}
 * @param trainSequences      sequences in the training split
 * @param validationSequences sequences in the validation split
 * @param baselineName        the trivial baseline, described
 * @param baselineMetric      the baseline's validation accuracy (classification) or RMSE (regression)
 * @param epochs              per-epoch metrics
 * @param modelSha256         SHA-256 of the written model file
 * @param network             the trained network in memory, as it was written
 */
public record TrainResult(String output, long inputRows, long usedRows, long rejectedRows,
                          long trainSequences, long validationSequences, String baselineName,
                          Double baselineMetric, List<EpochMetrics> epochs, String modelSha256,
                          MultiLayerNetwork network) {

    public TrainResult {
        epochs = List.copyOf(epochs);
    }

    /** The metrics of the last epoch. */
    public EpochMetrics last() {
        return epochs.get(epochs.size() - 1);
    }
}
