package dev.sparklstm.samples;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Generates synthetic sequences for examples, tests and benchmarks, without Spark.
 *
 * <p>Every sequence is a pure function of {@code (seed, sequenceIndex)}: it draws from its own
 * {@link SplittableRandom} seeded by {@link #streamSeed(long, long)}. Sequences can therefore be
 * generated in any order, on any number of machines, and re-generated identically; the split of
 * indices into partitions never changes the data.
 *
 * <p>Two kinds:
 * <ul>
 *   <li>{@link #sensor(long)}: many-to-many classification. Per step {@code temperature},
 *       {@code vibration}, {@code pressure} and a sticky categorical {@code mode}; the label
 *       ({@code ok}/{@code warn}/{@code fault}) follows a decayed "stress" sum of recent
 *       vibration (see {@link #sensorRuleLabels(double[], String[])}), so it needs history.</li>
 *   <li>{@link #adding(long)}: the classic adding problem, many-to-one regression. {@code value}
 *       uniform in [0, 1), {@code marker} 1.0 on one step of each half; the target is the sum of
 *       the two marked values.</li>
 * </ul>
 * Instances are immutable and serializable, so a Spark job can ship one to its executors.
 */
public final class SampleGenerator implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Shortest allowed sequence: the adding problem needs one marker in each half. */
    public static final int MIN_SUPPORTED_LENGTH = 2;
    /** Longest allowed sequence; a wide row holds a whole sequence, so keep it bounded. */
    public static final int MAX_SUPPORTED_LENGTH = 1_000_000;

    public static final String SEQ_ID = "seq_id";
    public static final String T = "t";
    public static final String TEMPERATURE = "temperature";
    public static final String VIBRATION = "vibration";
    public static final String PRESSURE = "pressure";
    public static final String MODE = "mode";
    public static final String LABEL = "label";
    public static final String VALUE = "value";
    public static final String MARKER = "marker";
    public static final String TARGET = "target";

    /** Values of the sensor {@code mode} feature, by mode index. */
    public static final List<String> MODES = List.of("idle", "run", "boost");
    /** Values of the sensor {@code label}, by class index (severity order). */
    public static final List<String> LABELS = List.of("ok", "warn", "fault");

    /** Stress keeps this fraction of its previous value each step (memory of about 4 steps). */
    public static final double STRESS_DECAY = 0.75;
    /** Extra stress added on every step spent in mode "boost". */
    public static final double BOOST_STRESS = 0.4;
    /** Stress above this is at least "warn". */
    public static final double WARN_STRESS = 3.25;
    /** Stress above this is "fault". */
    public static final double FAULT_STRESS = 5.5;
    /** Probability that a step's label is replaced by one of the two other labels. */
    public static final double LABEL_NOISE = 0.02;

    private static final int IDLE = 0;
    private static final int RUN = 1;
    private static final int BOOST = 2;
    // Start weights of the modes and their weights when the mode switches (current one excluded).
    private static final double[] MODE_WEIGHTS = {0.35, 0.45, 0.20};
    private static final double MODE_SWITCH_PROBABILITY = 0.07;
    private static final double[] VIBRATION_MEAN = {0.3, 0.7, 1.1};
    private static final double[] VIBRATION_SD = {0.15, 0.25, 0.3};
    private static final double SPIKE_PROBABILITY = 0.1;
    private static final double[] TEMPERATURE_TARGET = {35.0, 55.0, 75.0};
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final int minLength;
    private final int maxLength;
    private final long seed;

    /**
     * @param minLength shortest sequence, at least {@value #MIN_SUPPORTED_LENGTH}
     * @param maxLength longest sequence, from {@code minLength} to {@value #MAX_SUPPORTED_LENGTH}
     * @param seed base seed; with the sequence index it fixes every sequence
     */
    public SampleGenerator(int minLength, int maxLength, long seed) {
        if (minLength < MIN_SUPPORTED_LENGTH || minLength > MAX_SUPPORTED_LENGTH) {
            throw new IllegalArgumentException("minLength must be between " + MIN_SUPPORTED_LENGTH
                    + " and " + MAX_SUPPORTED_LENGTH + ", got " + minLength);
        }
        if (maxLength < minLength || maxLength > MAX_SUPPORTED_LENGTH) {
            throw new IllegalArgumentException("maxLength must be between minLength (" + minLength
                    + ") and " + MAX_SUPPORTED_LENGTH + ", got " + maxLength);
        }
        this.minLength = minLength;
        this.maxLength = maxLength;
        this.seed = seed;
    }

    public int minLength() {
        return minLength;
    }

    public int maxLength() {
        return maxLength;
    }

    public long seed() {
        return seed;
    }

    /**
     * Seed of the random stream of one sequence. Distinct indices give distinct streams for a given
     * seed (both mixing steps are bijections), unlike {@code seed * K + index}, whose streams for
     * seed s and s + 1 overlap once there are more than K sequences.
     */
    public static long streamSeed(long seed, long sequenceIndex) {
        return mix64(mix64(seed) + sequenceIndex * GOLDEN_GAMMA);
    }

    /** The string id of sensor sequence {@code index}: "s" and at least six digits, "s000123". */
    public static String sensorSeqId(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("sequence index must be >= 0, got " + index);
        }
        String digits = Long.toString(index);
        StringBuilder id = new StringBuilder(7 + digits.length()).append('s');
        for (int i = digits.length(); i < 6; i++) {
            id.append('0');
        }
        return id.append(digits).toString();
    }

    /** Generates sensor sequence {@code index} (see the class comment). */
    public SensorSequence sensor(long index) {
        SplittableRandom rng = new SplittableRandom(streamSeed(seed, index));
        int length = drawLength(rng);
        double[] temperature = new double[length];
        double[] vibration = new double[length];
        double[] pressure = new double[length];
        String[] mode = new String[length];
        int m = pick(rng, MODE_WEIGHTS, -1);
        double temp = TEMPERATURE_TARGET[m] + 3.0 * gaussian(rng);
        // Pressure deviation is an AR(1) process whose stationary sd is about 18 hPa.
        double pressureDeviation = 18.0 * gaussian(rng);
        for (int t = 0; t < length; t++) {
            if (t > 0 && rng.nextDouble() < MODE_SWITCH_PROBABILITY) {
                m = pick(rng, MODE_WEIGHTS, m);
            }
            double v = Math.max(0.0, VIBRATION_MEAN[m] + VIBRATION_SD[m] * gaussian(rng));
            if (rng.nextDouble() < SPIKE_PROBABILITY) {
                v += 1.5 + 2.0 * rng.nextDouble();
            }
            // Temperature drifts towards the mode's level: it reflects mode history, not vibration.
            temp += 0.15 * (TEMPERATURE_TARGET[m] - temp) + gaussian(rng);
            pressureDeviation = 0.9 * pressureDeviation + 8.0 * gaussian(rng);
            // Rounded before the label is computed, so the rule holds exactly on the written data.
            vibration[t] = round(Math.min(v, 5.0), 1000.0);
            temperature[t] = round(clamp(temp, 20.0, 90.0), 100.0);
            pressure[t] = round(clamp(1000.0 + pressureDeviation, 900.0, 1100.0), 100.0);
            mode[t] = MODES.get(m);
        }
        String[] label = sensorRuleLabels(vibration, mode);
        for (int t = 0; t < length; t++) {
            if (rng.nextDouble() < LABEL_NOISE) {
                int clean = LABELS.indexOf(label[t]);
                label[t] = LABELS.get((clean + 1 + rng.nextInt(2)) % LABELS.size());
            }
        }
        return new SensorSequence(sensorSeqId(index), temperature, vibration, pressure, mode, label);
    }

    /**
     * The noise-free sensor label rule: {@code stress[t] = STRESS_DECAY * stress[t-1]
     * + vibration[t] + (mode[t] is "boost" ? BOOST_STRESS : 0)}, {@code stress[-1] = 0}; the label
     * is "fault" above {@link #FAULT_STRESS}, "warn" above {@link #WARN_STRESS}, else "ok".
     * Generated labels equal these except for about {@link #LABEL_NOISE} of the steps.
     */
    public static String[] sensorRuleLabels(double[] vibration, String[] mode) {
        if (vibration.length != mode.length) {
            throw new IllegalArgumentException("vibration and mode must have the same length, got "
                    + vibration.length + " and " + mode.length);
        }
        String[] labels = new String[vibration.length];
        double stress = 0.0;
        for (int t = 0; t < vibration.length; t++) {
            stress = STRESS_DECAY * stress + vibration[t] + (MODES.get(BOOST).equals(mode[t])
                    ? BOOST_STRESS : 0.0);
            labels[t] = LABELS.get(stress > FAULT_STRESS ? 2 : stress > WARN_STRESS ? 1 : 0);
        }
        return labels;
    }

    /** Generates adding-problem sequence {@code index} (see the class comment). */
    public AddingSequence adding(long index) {
        SplittableRandom rng = new SplittableRandom(streamSeed(seed, index));
        int length = drawLength(rng);
        double[] value = new double[length];
        for (int t = 0; t < length; t++) {
            value[t] = rng.nextDouble();
        }
        int half = length / 2;
        int first = rng.nextInt(half);
        int second = half + rng.nextInt(length - half);
        double[] marker = new double[length];
        marker[first] = 1.0;
        marker[second] = 1.0;
        return new AddingSequence(index, value, marker, value[first] + value[second]);
    }

    private int drawLength(SplittableRandom rng) {
        return minLength + rng.nextInt(maxLength - minLength + 1);
    }

    /** Draws an index with the given weights, never {@code excluded} (-1 for none). */
    private static int pick(SplittableRandom rng, double[] weights, int excluded) {
        double total = 0.0;
        for (int i = 0; i < weights.length; i++) {
            total += i == excluded ? 0.0 : weights[i];
        }
        double u = rng.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < weights.length; i++) {
            if (i == excluded) {
                continue;
            }
            last = i;
            u -= weights[i];
            if (u < 0.0) {
                return i;
            }
        }
        return last;
    }

    /**
     * Standard normal by Box-Muller with {@link StrictMath}: bit-identical on every JVM, unlike
     * {@code nextGaussian()}, whose algorithm is not specified.
     */
    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(); // (0, 1]: log stays finite
        double u2 = rng.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
    }

    private static double clamp(double x, double lo, double hi) {
        return Math.max(lo, Math.min(hi, x));
    }

    private static double round(double x, double scale) {
        return Math.round(x * scale) / scale;
    }

    // Stafford's mix variant 13, as used by SplittableRandom.
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * One sensor sequence, one array element per step. Arrays are shared, not copied: treat them
     * as read-only. Equality compares contents.
     */
    public record SensorSequence(String seqId, double[] temperature, double[] vibration,
            double[] pressure, String[] mode, String[] label) {

        public int length() {
            return vibration.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SensorSequence s && seqId.equals(s.seqId)
                    && Arrays.equals(temperature, s.temperature) && Arrays.equals(vibration, s.vibration)
                    && Arrays.equals(pressure, s.pressure) && Arrays.equals(mode, s.mode)
                    && Arrays.equals(label, s.label);
        }

        @Override
        public int hashCode() {
            return Objects.hash(seqId, Arrays.hashCode(vibration), Arrays.hashCode(label));
        }

        @Override
        public String toString() {
            return "SensorSequence[" + seqId + ", length " + length() + "]";
        }
    }

    /**
     * One adding-problem sequence. Arrays are shared, not copied: treat them as read-only.
     * Equality compares contents.
     */
    public record AddingSequence(long seqId, double[] value, double[] marker, double target) {

        public int length() {
            return value.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof AddingSequence s && seqId == s.seqId
                    && Arrays.equals(value, s.value) && Arrays.equals(marker, s.marker)
                    && Double.compare(target, s.target) == 0;
        }

        @Override
        public int hashCode() {
            return Objects.hash(seqId, Arrays.hashCode(value), target);
        }

        @Override
        public String toString() {
            return "AddingSequence[" + seqId + ", length " + length() + ", target " + target + "]";
        }
    }
}
