package dev.sparklstm.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.DataSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mergeable statistics: any split and merge order gives the one-pass result. */
class TrainingStatisticsTest {
    /** Relative tolerance for means and standard deviations after merging (double arithmetic). */
    private static final double REL = 1e-10;

    private static final List<String> COLORS = List.of("red", "green", "blue", "teal");
    private static final List<String> CLASSES = List.of("ok", "warn", "fault");

    /** Column 0 has a large offset (1e6 + N(0,1)) to expose catastrophic cancellation; column 1 is N(3, 10^2). */
    private static List<SequenceRecord> sequences(int count, long seed) {
        Random random = new Random(seed);
        List<SequenceRecord> sequences = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int length = 1 + random.nextInt(12);
            double[] numeric = new double[length * 2];
            String[] categorical = new String[length];
            String[] labels = new String[length];
            for (int t = 0; t < length; t++) {
                numeric[t * 2] = 1e6 + random.nextGaussian();
                numeric[t * 2 + 1] = 3 + 10 * random.nextGaussian();
                categorical[t] = COLORS.get(random.nextInt(s < 3 ? 2 : 4));
                labels[t] = CLASSES.get(random.nextInt(3));
            }
            sequences.add(new SequenceRecord("s" + s, length, numeric, categorical, labels, null));
        }
        return sequences;
    }

    /** Two-pass reference: mean, then population std. */
    private static double[][] reference(List<SequenceRecord> sequences) {
        double[] sum = new double[2];
        long n = 0;
        for (SequenceRecord s : sequences) {
            for (int t = 0; t < s.length(); t++) {
                sum[0] += s.numeric()[t * 2];
                sum[1] += s.numeric()[t * 2 + 1];
                n++;
            }
        }
        double[] mean = {sum[0] / n, sum[1] / n};
        double[] squares = new double[2];
        for (SequenceRecord s : sequences) {
            for (int t = 0; t < s.length(); t++) {
                for (int c = 0; c < 2; c++) {
                    double d = s.numeric()[t * 2 + c] - mean[c];
                    squares[c] += d * d;
                }
            }
        }
        return new double[][] {mean, {Math.sqrt(squares[0] / n), Math.sqrt(squares[1] / n)}};
    }

    private static TrainingStatistics of(List<SequenceRecord> sequences) {
        TrainingStatistics statistics = new TrainingStatistics(2, 1);
        sequences.forEach(statistics::add);
        return statistics;
    }

    private static void assertSame(TrainingStatistics expected, TrainingStatistics actual, String how) {
        assertEquals(expected.steps(), actual.steps(), how);
        assertEquals(expected.sequences(), actual.sequences(), how);
        for (int c = 0; c < 2; c++) {
            double mean = expected.means()[c];
            double std = expected.stds()[c];
            assertEquals(mean, actual.means()[c], Math.abs(mean) * REL, how + " mean " + c);
            assertEquals(std, actual.stds()[c], std * REL, how + " std " + c);
        }
        assertEquals(expected.vocabularies(), actual.vocabularies(), how);
        assertEquals(expected.classCounts(), actual.classCounts(), how);
    }

    @Test
    void onePassMatchesTwoPassReference() {
        List<SequenceRecord> sequences = sequences(200, 1);
        TrainingStatistics statistics = of(sequences);
        double[][] reference = reference(sequences);
        for (int c = 0; c < 2; c++) {
            assertEquals(reference[0][c], statistics.means()[c], Math.abs(reference[0][c]) * 1e-12, "mean " + c);
            assertEquals(reference[1][c], statistics.stds()[c], reference[1][c] * 1e-8, "std " + c);
        }
        assertEquals(1.0, statistics.stds()[0], 0.1, "N(0,1) noise on the offset column");
        assertEquals(10.0, statistics.stds()[1], 1.0);
        assertEquals(List.of(List.of("blue", "green", "red", "teal")), statistics.vocabularies(), "sorted vocabulary");
        long labelled = statistics.classCounts().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(statistics.steps(), labelled, "one class label per step");
        assertEquals(200, statistics.sequences());
    }

    @Test
    void mergeInAnySplitAndOrderEqualsOnePass() {
        List<SequenceRecord> sequences = sequences(300, 2);
        TrainingStatistics onePass = of(sequences);
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            // Random contiguous parts, some of them empty.
            int parts = 1 + random.nextInt(8);
            List<Integer> cuts = new ArrayList<>();
            for (int p = 0; p < parts - 1; p++) {
                cuts.add(random.nextInt(sequences.size() + 1));
            }
            cuts.add(0);
            cuts.add(sequences.size());
            Collections.sort(cuts);
            List<TrainingStatistics> partials = new ArrayList<>();
            for (int p = 0; p + 1 < cuts.size(); p++) {
                partials.add(of(sequences.subList(cuts.get(p), cuts.get(p + 1))));
            }
            Collections.shuffle(partials, random);
            String how = "trial " + trial + " cuts " + cuts;
            if (trial % 2 == 0) {
                TrainingStatistics folded = new TrainingStatistics(2, 1);
                partials.forEach(folded::merge);
                assertSame(onePass, folded, how + " (left fold from empty)");
            } else {
                assertSame(onePass, treeMerge(partials), how + " (tree)");
            }
        }
    }

    private static TrainingStatistics treeMerge(List<TrainingStatistics> partials) {
        if (partials.size() == 1) {
            return partials.get(0);
        }
        int half = partials.size() / 2;
        return treeMerge(partials.subList(0, half)).merge(treeMerge(partials.subList(half, partials.size())));
    }

    @Test
    void mergingEmptyStatisticsChangesNothing() {
        TrainingStatistics statistics = of(sequences(10, 4));
        double[] means = statistics.means();
        double[] stds = statistics.stds();
        statistics.merge(new TrainingStatistics(2, 1));
        assertArrayEquals(means, statistics.means(), 0.0);
        assertArrayEquals(stds, statistics.stds(), 0.0);
        TrainingStatistics empty = new TrainingStatistics(2, 1).merge(new TrainingStatistics(2, 1));
        assertEquals(0, empty.steps());
        assertArrayEquals(new double[] {0, 0}, empty.means(), 0.0);
        assertArrayEquals(new double[] {1, 1}, empty.stds(), 0.0, "no data: unit std, never 0 or NaN");
    }

    @Test
    void constantColumnGetsUnitStd() {
        TrainingStatistics a = new TrainingStatistics(2, 0);
        TrainingStatistics b = new TrainingStatistics(2, 0);
        for (int s = 0; s < 5; s++) {
            int length = 3 + s;
            double[] numeric = new double[length * 2];
            for (int t = 0; t < length; t++) {
                numeric[t * 2] = 0.1;          // constant, not exactly representable
                numeric[t * 2 + 1] = t;
            }
            SequenceRecord sequence = new SequenceRecord("s" + s, length, numeric, new String[0], null,
                    new double[length]);
            (s % 2 == 0 ? a : b).add(sequence);
        }
        assertEquals(1.0, a.stds()[0], 0.0);
        assertEquals(0.1, a.means()[0], 1e-15);
        a.merge(b);
        assertEquals(1.0, a.stds()[0], 0.0, "constant after merging too");
        assertEquals(0.1, a.means()[0], 1e-15);
        assertTrue(a.stds()[1] > 1.0, "the varying column keeps its std");
    }

    @Test
    void orderClassesSortsIntegersNumericallyAndStringsLexicographically() {
        assertEquals(List.of("1", "2", "10"), TrainingStatistics.orderClasses(List.of(), List.of("10", "2", "1")));
        assertEquals(List.of("-5", "0", "3"), TrainingStatistics.orderClasses(List.of(), List.of("3", "-5", "0")));
        assertEquals(List.of("10", "2", "a"), TrainingStatistics.orderClasses(List.of(), List.of("a", "2", "10")),
                "one non-integer: all sorted as strings");
        assertEquals(List.of("B", "a", "b"), TrainingStatistics.orderClasses(List.of(), List.of("b", "a", "B")));
        assertEquals(List.of("warn", "ok"), TrainingStatistics.orderClasses(List.of("warn", "ok"), List.of("ok")),
                "declared classes win, in their order");
        assertEquals(List.of(), TrainingStatistics.orderClasses(List.of(), List.of()));
    }

    @Test
    void orderClassesKeepsDistinctLabelsWithTheSameNumericValue() {
        // "1" and "01" are different labels (different strings in the data); numeric sorting must not merge them,
        // or every row labelled with the dropped one fails with "label is not one of the classes".
        List<String> ordered = TrainingStatistics.orderClasses(List.of(), List.of("01", "1", "2", "-0", "0"));
        assertEquals(5, ordered.size(), ordered.toString());
        assertTrue(ordered.containsAll(List.of("01", "1", "2", "-0", "0")), ordered.toString());
        assertEquals("2", ordered.get(4), "still numeric order: " + ordered);
    }

    @Test
    void classesAreSeenLabelsInOutputOrder() {
        TrainingStatistics statistics = new TrainingStatistics(0, 0);
        statistics.add(new SequenceRecord("a", 3, new double[0], new String[0], new String[] {"10", "2", "10"}, null));
        statistics.add(new SequenceRecord("b", 1, new double[0], new String[0], new String[] {"9"}, null));
        assertEquals(Map.of("10", 2L, "2", 1L, "9", 1L), statistics.classCounts());
        assertEquals(List.of("2", "9", "10"), statistics.classes(List.of()));
    }

    @Test
    void constantRmseIsTheRmseOfPredictingAConstant() {
        TrainingStatistics a = new TrainingStatistics(0, 0);
        TrainingStatistics b = new TrainingStatistics(0, 0);
        // Targets 1, 2, 3, 4 (two sequences, one per partial), offset by 1000 to exercise cancellation.
        a.add(new SequenceRecord("a", 2, new double[0], new String[0], null, new double[] {1001, 1002}));
        b.add(new SequenceRecord("b", 2, new double[0], new String[0], null, new double[] {1003, 1004}));
        assertEquals(Double.NaN, new TrainingStatistics(0, 0).constantRmse(0), "no targets");
        a.merge(b);
        assertEquals(1002.5, a.targetMean(), 1e-12);
        // mean((x - 1002.5)^2) = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
        assertEquals(Math.sqrt(1.25), a.constantRmse(a.targetMean()), 1e-6);
        // mean((x - 1000)^2) = (1 + 4 + 9 + 16) / 4 = 7.5
        assertEquals(Math.sqrt(7.5), a.constantRmse(1000), 1e-6);
        assertEquals(0.0, new TrainingStatistics(0, 0).targetMean(), 0.0);
    }

    @Test
    void constantRmseStaysAccurateForLargeTargetsWithSmallSpread() {
        // Targets 1e8 + (1, 2, 3, 4), e.g. large readings that vary little. A sum-of-squares formula
        // loses the spread to cancellation (it gave sqrt(2) instead of sqrt(1.25) here).
        TrainingStatistics a = new TrainingStatistics(0, 0);
        TrainingStatistics b = new TrainingStatistics(0, 0);
        a.add(new SequenceRecord("a", 1, new double[0], new String[0], null, new double[] {1e8 + 3}));
        b.add(new SequenceRecord("b", 3, new double[0], new String[0], null, new double[] {1e8 + 1, 1e8 + 4, 1e8 + 2}));
        a.merge(b);
        assertEquals(1e8 + 2.5, a.targetMean(), 1e-7);
        assertEquals(Math.sqrt(1.25), a.constantRmse(1e8 + 2.5), 1e-6);
        assertEquals(Math.sqrt(1.25 + 0.25), a.constantRmse(1e8 + 2), 1e-6);
        assertEquals(Math.sqrt(1.25 + 1e6), a.constantRmse(1e8 + 2.5 + 1e3), 1e-6);
    }

    @Test
    void toEncoderCarriesTheStatistics() {
        List<SequenceRecord> sequences = sequences(50, 5);
        TrainingStatistics statistics = of(sequences);
        DataSpec spec = dev.sparklstm.config.TrainConfig.from(dev.sparklstm.config.Settings.defaults()).data();
        FeatureEncoder encoder = statistics.toEncoder(List.of("x", "y"), List.of("color"), spec,
                statistics.classes(List.of()));
        assertArrayEquals(statistics.means(), encoder.means(), 0.0);
        assertArrayEquals(statistics.stds(), encoder.stds(), 0.0);
        assertEquals(statistics.vocabularies(), encoder.vocabularies());
        assertEquals(List.of("fault", "ok", "warn"), encoder.classes());
        assertEquals(2 + 4 + 1, encoder.inputSize());
    }
}
