package dev.sparklstm.sequence;

import dev.sparklstm.config.DataSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Mergeable statistics of a set of sequences: per numeric column the count, mean and sum of squared
 * deviations (merged with Chan et al.'s parallel formula, so partial results from partitions can
 * be combined in any order), the category counts of each categorical column, and the class labels
 * seen. Built on executors and combined with {@code treeAggregate}.
 */
public final class TrainingStatistics implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int numericCount;
    private final int categoricalCount;
    private long steps;
    private long sequences;
    private final double[] means;
    private final double[] squaredDeviations;
    private final List<TreeMap<String, Long>> categoryCounts = new ArrayList<>();
    private final TreeMap<String, Long> classCounts = new TreeMap<>();
    // Mean and sum of squared deviations (not a sum of squares, which cancels catastrophically when
    // targets are large and vary little), merged with the same formula as the numeric features.
    private double targetMean;
    private double targetSquaredDeviations;
    private long targetCount;

    public TrainingStatistics(int numericCount, int categoricalCount) {
        this.numericCount = numericCount;
        this.categoricalCount = categoricalCount;
        this.means = new double[numericCount];
        this.squaredDeviations = new double[numericCount];
        for (int c = 0; c < categoricalCount; c++) {
            categoryCounts.add(new TreeMap<>());
        }
    }

    /** Adds every step of one sequence. */
    public TrainingStatistics add(SequenceRecord sequence) {
        sequences++;
        double[] numeric = sequence.numeric();
        for (int t = 0; t < sequence.length(); t++) {
            steps++;
            for (int c = 0; c < numericCount; c++) {
                double value = numeric[t * numericCount + c];
                double delta = value - means[c];
                means[c] += delta / steps;
                squaredDeviations[c] += delta * (value - means[c]);
            }
            for (int c = 0; c < categoricalCount; c++) {
                categoryCounts.get(c).merge(sequence.categorical()[t * categoricalCount + c], 1L, Long::sum);
            }
        }
        if (sequence.classLabels() != null) {
            for (String label : sequence.classLabels()) {
                classCounts.merge(label, 1L, Long::sum);
            }
        } else {
            for (double target : sequence.targets()) {
                targetCount++;
                double delta = target - targetMean;
                targetMean += delta / targetCount;
                targetSquaredDeviations += delta * (target - targetMean);
            }
        }
        return this;
    }

    /** Folds another partial result into this one and returns this. */
    public TrainingStatistics merge(TrainingStatistics other) {
        long total = steps + other.steps;
        for (int c = 0; c < numericCount; c++) {
            if (total == 0) {
                break;
            }
            double delta = other.means[c] - means[c];
            means[c] += delta * other.steps / total;
            squaredDeviations[c] += other.squaredDeviations[c] + delta * delta * steps * (double) other.steps / total;
        }
        steps = total;
        sequences += other.sequences;
        for (int c = 0; c < categoricalCount; c++) {
            TreeMap<String, Long> mine = categoryCounts.get(c);
            other.categoryCounts.get(c).forEach((k, v) -> mine.merge(k, v, Long::sum));
        }
        other.classCounts.forEach((k, v) -> classCounts.merge(k, v, Long::sum));
        long targets = targetCount + other.targetCount;
        if (targets > 0) {
            double delta = other.targetMean - targetMean;
            targetMean += delta * other.targetCount / targets;
            targetSquaredDeviations += other.targetSquaredDeviations
                    + delta * delta * targetCount * (double) other.targetCount / targets;
        }
        targetCount = targets;
        return this;
    }

    public long steps() {
        return steps;
    }

    public long sequences() {
        return sequences;
    }

    /** Mean of each numeric column. */
    public double[] means() {
        return means.clone();
    }

    /**
     * Population standard deviation of each numeric column; a constant column gets 1.0 so that
     * standardization leaves it at zero instead of dividing by zero.
     */
    public double[] stds() {
        double[] stds = new double[numericCount];
        for (int c = 0; c < numericCount; c++) {
            double std = steps > 0 ? Math.sqrt(squaredDeviations[c] / steps) : 0.0;
            stds[c] = std > 1e-12 && Double.isFinite(std) ? std : 1.0;
        }
        return stds;
    }

    /** Counts of each label class, in natural string order. */
    public Map<String, Long> classCounts() {
        return java.util.Collections.unmodifiableMap(classCounts);
    }

    /** Mean of all regression target values (for the predict-the-mean baseline). */
    public double targetMean() {
        return targetMean;
    }

    /**
     * Root mean squared error of always predicting {@code constant} for every target value seen
     * (the baseline a regression model has to beat).
     */
    public double constantRmse(double constant) {
        if (targetCount == 0) {
            return Double.NaN;
        }
        // mean((x - c)^2) = variance + (mean - c)^2
        double offset = targetMean - constant;
        return Math.sqrt(targetSquaredDeviations / targetCount + offset * offset);
    }

    /** Vocabulary of each categorical column: its distinct values, sorted. */
    public List<List<String>> vocabularies() {
        List<List<String>> vocabularies = new ArrayList<>();
        for (TreeMap<String, Long> counts : categoryCounts) {
            vocabularies.add(List.copyOf(counts.keySet()));
        }
        return vocabularies;
    }

    /**
     * Class labels in output order: the declared ones if any, else the labels seen, sorted
     * numerically when all are integers and as strings otherwise.
     */
    public List<String> classes(List<String> declared) {
        return orderClasses(declared, classCounts.keySet());
    }

    /**
     * Class labels in output order: the declared ones if any, else the labels seen, sorted
     * numerically when all are integers and as strings otherwise.
     */
    public static List<String> orderClasses(List<String> declared, java.util.Collection<String> seen) {
        if (!declared.isEmpty()) {
            return declared;
        }
        boolean allIntegers = seen.stream().allMatch(s -> s.matches("-?\\d{1,18}"));
        // Ties broken by the string: "1" and "01" are different labels, and a comparator that calls them
        // equal made the TreeSet drop one of them.
        TreeSet<String> sorted = allIntegers
                ? new TreeSet<>(java.util.Comparator.<String>comparingLong(Long::parseLong)
                        .thenComparing(java.util.Comparator.naturalOrder()))
                : new TreeSet<>();
        sorted.addAll(seen);
        return List.copyOf(sorted);
    }

    /** The encoder these statistics define for a task, with the given class labels (classification). */
    public FeatureEncoder toEncoder(List<String> numericColumns, List<String> categoricalColumns,
                                    DataSpec spec, List<String> classes) {
        return new FeatureEncoder(numericColumns, means(), stds(), categoricalColumns, vocabularies(),
                spec.taskType(), spec.output(), spec.isClassification() ? classes : List.of(),
                spec.isClassification() ? List.of() : spec.labelColumns());
    }
}
