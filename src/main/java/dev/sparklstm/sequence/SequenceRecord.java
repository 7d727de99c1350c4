package dev.sparklstm.sequence;

import java.io.Serializable;

/**
 * One valid input sequence, ordered by time, with its raw (not yet standardized or encoded) values
 * in flat row-major arrays: step {@code t}, column {@code c} is at {@code t * columns + c}.
 *
 * <p>For classification {@code classLabels} holds one label per step (per-step tasks) or a single
 * label (per-sequence tasks) and {@code targets} is null; for regression it is the other way round,
 * with {@code targets} holding {@code steps x targetCount} or {@code targetCount} values. Both are
 * null for an unlabelled sequence (scoring input).
 */
public final class SequenceRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String id;
    private final int length;
    private final double[] numeric;
    private final String[] categorical;
    private final String[] classLabels;
    private final double[] targets;

    public SequenceRecord(String id, int length, double[] numeric, String[] categorical,
                          String[] classLabels, double[] targets) {
        if (length <= 0) {
            throw new IllegalArgumentException("sequence " + id + " must have at least one step, got " + length);
        }
        if (classLabels != null && targets != null) {
            throw new IllegalArgumentException("sequence " + id + " has both class labels and regression targets");
        }
        this.id = id;
        this.length = length;
        this.numeric = numeric;
        this.categorical = categorical;
        this.classLabels = classLabels;
        this.targets = targets;
    }

    /** The sequence id, as a string. */
    public String id() {
        return id;
    }

    /** Number of time steps. */
    public int length() {
        return length;
    }

    /** Raw numeric features, {@code length x numericCount}, row-major. */
    public double[] numeric() {
        return numeric;
    }

    /** Raw categorical values as strings, {@code length x categoricalCount}, row-major. */
    public String[] categorical() {
        return categorical;
    }

    /** Class labels (per step, or one), or null for regression. */
    public String[] classLabels() {
        return classLabels;
    }

    /** Regression targets (per step, or one set), or null for classification. */
    public double[] targets() {
        return targets;
    }
}
