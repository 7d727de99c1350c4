package dev.sparklstm.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.samples.SampleGenerator.AddingSequence;
import dev.sparklstm.samples.SampleGenerator.SensorSequence;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Fast, Spark-free checks of the generated samples (the bundled data uses the same settings). */
class SampleGeneratorTest {

    // Settings of the bundled sensor sample (data-samples/README.md).
    private static final SampleGenerator SENSOR = new SampleGenerator(20, 60, 7);
    private static final int SENSOR_SEQUENCES = 400;
    // Golden values: when they change, every generated data set changes, including data-samples/.
    private static final String GOLDEN_SENSOR_0 = "40 0.995 run warn";
    private static final String GOLDEN_ADDING_0 = "14 0.231538689991163";

    @Test
    void sameSeedAndIndexGiveSameSequenceInAnyOrder() {
        SampleGenerator again = new SampleGenerator(20, 60, 7);
        // Generated in reverse order by the second generator: order and partitioning must not matter.
        for (long i = 49; i >= 0; i--) {
            assertEquals(SENSOR.sensor(i), again.sensor(i), "sensor sequence " + i);
            assertEquals(SENSOR.adding(i), again.adding(i), "adding sequence " + i);
        }
        SampleGenerator otherSeed = new SampleGenerator(20, 60, 8);
        assertNotEquals(SENSOR.sensor(3), otherSeed.sensor(3));
        assertNotEquals(SENSOR.adding(3), otherSeed.adding(3));
        assertNotEquals(SENSOR.adding(3).value()[0], SENSOR.adding(4).value()[0]);
    }

    @Test
    void fixedSeedGivesFixedValues() {
        SensorSequence s = SENSOR.sensor(0);
        AddingSequence a = new SampleGenerator(10, 30, 11).adding(0);
        assertEquals("s000000", s.seqId());
        assertEquals(GOLDEN_SENSOR_0, s.length() + " " + s.vibration()[0] + " " + s.mode()[0]
                + " " + s.label()[s.length() - 1]);
        assertEquals(GOLDEN_ADDING_0, a.length() + " " + a.target());
    }

    @Test
    void lengthsStayInRangeAndCoverIt() {
        SampleGenerator generator = new SampleGenerator(3, 6, 42);
        boolean[] seen = new boolean[7];
        for (long i = 0; i < 200; i++) {
            int sensorLength = generator.sensor(i).length();
            int addingLength = generator.adding(i).length();
            assertTrue(sensorLength >= 3 && sensorLength <= 6, "sensor length " + sensorLength);
            assertTrue(addingLength >= 3 && addingLength <= 6, "adding length " + addingLength);
            seen[sensorLength] = true;
        }
        assertTrue(seen[3] && seen[4] && seen[5] && seen[6], "every length from 3 to 6 occurs");
        assertEquals(2, new SampleGenerator(2, 2, 1).adding(0).length());
    }

    @Test
    void addingHasOneMarkerPerHalfAndTargetIsTheirSum() {
        SampleGenerator generator = new SampleGenerator(2, 31, 11);
        for (long i = 0; i < 500; i++) {
            AddingSequence a = generator.adding(i);
            int half = a.length() / 2;
            int first = -1;
            int second = -1;
            for (int t = 0; t < a.length(); t++) {
                double v = a.value()[t];
                assertTrue(v >= 0.0 && v < 1.0, "value " + v);
                double m = a.marker()[t];
                assertTrue(m == 0.0 || m == 1.0, "marker " + m);
                if (m == 1.0 && t < half) {
                    assertEquals(-1, first, "one marker in the first half of sequence " + i);
                    first = t;
                } else if (m == 1.0) {
                    assertEquals(-1, second, "one marker in the second half of sequence " + i);
                    second = t;
                }
            }
            assertTrue(first >= 0 && second >= half, "markers of sequence " + i);
            assertEquals(a.value()[first] + a.value()[second], a.target(), 0.0);
            assertEquals(i, a.seqId());
        }
    }

    @Test
    void sensorValuesAreInRange() {
        for (long i = 0; i < 100; i++) {
            SensorSequence s = SENSOR.sensor(i);
            assertEquals(SampleGenerator.sensorSeqId(i), s.seqId());
            for (int t = 0; t < s.length(); t++) {
                assertInRange("temperature", s.temperature()[t], 20.0, 90.0);
                assertInRange("vibration", s.vibration()[t], 0.0, 5.0);
                assertInRange("pressure", s.pressure()[t], 900.0, 1100.0);
                assertTrue(SampleGenerator.MODES.contains(s.mode()[t]), s.mode()[t]);
                assertTrue(SampleGenerator.LABELS.contains(s.label()[t]), s.label()[t]);
            }
        }
        assertEquals("s000123", SampleGenerator.sensorSeqId(123));
        assertEquals("s12345678", SampleGenerator.sensorSeqId(12_345_678));
    }

    @Test
    void sensorClassesAreBalancedEnough() {
        for (long seed : new long[] {7, 1234}) {
            SampleGenerator generator = new SampleGenerator(20, 60, seed);
            int[] counts = new int[3];
            int steps = 0;
            for (long i = 0; i < SENSOR_SEQUENCES; i++) {
                for (String label : generator.sensor(i).label()) {
                    counts[SampleGenerator.LABELS.indexOf(label)]++;
                    steps++;
                }
            }
            double ok = counts[0] / (double) steps;
            double warn = counts[1] / (double) steps;
            double fault = counts[2] / (double) steps;
            String balance = String.format("seed %d: ok %.3f warn %.3f fault %.3f", seed, ok, warn, fault);
            assertTrue(ok >= 0.40 && ok <= 0.58, balance);
            assertTrue(warn >= 0.22 && warn <= 0.38, balance);
            assertTrue(fault >= 0.13 && fault <= 0.27, balance);
        }
    }

    /**
     * The point of the sensor sample: its label needs history. The generator's history rule matches
     * about 98% of the labels (the rest is label noise), while the best rule that sees only the
     * current step, a lookup table on (mode, vibration, temperature) fitted to the very data it is
     * scored on (which flatters it), stays far below that.
     */
    @Test
    void sensorLabelNeedsHistory() {
        int steps = 0;
        int ruleHits = 0;
        Map<Long, int[]> perStepTable = new HashMap<>();
        for (long i = 0; i < SENSOR_SEQUENCES; i++) {
            SensorSequence s = SENSOR.sensor(i);
            String[] rule = SampleGenerator.sensorRuleLabels(s.vibration(), s.mode());
            for (int t = 0; t < s.length(); t++) {
                steps++;
                ruleHits += rule[t].equals(s.label()[t]) ? 1 : 0;
                long cell = ((long) SampleGenerator.MODES.indexOf(s.mode()[t]) * 1000
                        + (long) (s.vibration()[t] / 0.05)) * 1000 + (long) (s.temperature()[t] / 5.0);
                perStepTable.computeIfAbsent(cell, k -> new int[3])[
                        SampleGenerator.LABELS.indexOf(s.label()[t])]++;
            }
        }
        int perStepHits = 0;
        for (int[] counts : perStepTable.values()) {
            perStepHits += Math.max(counts[0], Math.max(counts[1], counts[2]));
        }
        double ruleAccuracy = ruleHits / (double) steps;
        double perStepAccuracy = perStepHits / (double) steps;
        String summary = String.format("history rule %.3f, best per-step table %.3f (%d cells)",
                ruleAccuracy, perStepAccuracy, perStepTable.size());
        assertTrue(ruleAccuracy >= 0.96 && ruleAccuracy <= 0.99, "label noise is a few %: " + summary);
        assertTrue(perStepAccuracy <= 0.80, summary);
        assertTrue(ruleAccuracy - perStepAccuracy >= 0.15, summary);
    }

    @Test
    void rejectsBadLengths() {
        IllegalArgumentException tooShort =
                assertThrows(IllegalArgumentException.class, () -> new SampleGenerator(1, 5, 0));
        assertTrue(tooShort.getMessage().contains("minLength"), tooShort.getMessage());
        assertTrue(tooShort.getMessage().contains("got 1"), tooShort.getMessage());
        IllegalArgumentException inverted =
                assertThrows(IllegalArgumentException.class, () -> new SampleGenerator(10, 5, 0));
        assertTrue(inverted.getMessage().contains("maxLength"), inverted.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SampleGenerator.sensorSeqId(-1));
    }

    private static void assertInRange(String name, double value, double lo, double hi) {
        assertTrue(value >= lo && value <= hi, name + " " + value + " not in [" + lo + ", " + hi + "]");
    }
}
