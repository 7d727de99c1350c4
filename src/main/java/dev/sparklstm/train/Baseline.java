package dev.sparklstm.train;

import dev.sparklstm.config.DataSpec;
import dev.sparklstm.sequence.TrainingStatistics;
import java.util.Map;

/**
 * The trivial model a trained one has to beat, scored on the validation split: the training
 * split's majority class (accuracy), or its mean target (RMSE).
 *
 * @param name       what the baseline predicts
 * @param metricName accuracy or RMSE
 * @param value      the baseline's validation metric
 */
record Baseline(String name, String metricName, double value) {

    /** The baseline, or null without a validation split. */
    static Baseline of(DataSpec spec, TrainingStatistics train, TrainingStatistics validation) {
        if (validation.sequences() == 0) {
            return null;
        }
        if (spec.isClassification()) {
            String majority = null;
            long best = -1;
            for (Map.Entry<String, Long> entry : train.classCounts().entrySet()) {
                if (entry.getValue() > best) {
                    best = entry.getValue();
                    majority = entry.getKey();
                }
            }
            long total = validation.classCounts().values().stream().mapToLong(Long::longValue).sum();
            long hits = validation.classCounts().getOrDefault(majority, 0L);
            return new Baseline("majority class '" + majority + "'", "accuracy", (double) hits / total);
        }
        double mean = train.targetMean();
        return new Baseline(String.format(java.util.Locale.ROOT, "predicting the training mean %.4f", mean), "RMSE",
                validation.constantRmse(mean));
    }
}
