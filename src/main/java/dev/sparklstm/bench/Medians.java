package dev.sparklstm.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Medians of repeated measurements: robust to the odd slow repetition on a shared machine. */
final class Medians {
    private Medians() {
    }

    /** The median (the mean of the two middle values for an even count). */
    static double of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalStateException("no measurement to take the median of");
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.naturalOrder());
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Smallest and largest value, for the spread shown next to a median. */
    static String range(List<Double> values) {
        return String.format(java.util.Locale.ROOT, "%,.0f..%,.0f", values.stream().mapToDouble(d -> d).min()
                .orElseThrow(), values.stream().mapToDouble(d -> d).max().orElseThrow());
    }
}
