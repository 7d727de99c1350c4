package dev.sparklstm.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.DataSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Standardization, one-hot layout and label mapping of the stored preprocessing. */
class FeatureEncoderTest {
    private static final float TOL = 1e-6f;

    /** Numeric x (mean 2, std 4), y (mean -1, std 0.5); categorical color {blue, red}, size {S, M, L}. */
    private static FeatureEncoder encoder() {
        return new FeatureEncoder(List.of("x", "y"), new double[] {2, -1}, new double[] {4, 0.5},
                List.of("color", "size"), List.of(List.of("blue", "red"), List.of("S", "M", "L")),
                DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_STEP, List.of("no", "yes"), List.of());
    }

    private static SequenceRecord record(double[] numeric, String[] categorical) {
        int length = numeric.length / 2;
        String[] labels = new String[length];
        Arrays.fill(labels, "no");
        return new SequenceRecord("s", length, numeric, categorical, labels, null);
    }

    private static float[] encode(FeatureEncoder encoder, SequenceRecord sequence, int step) {
        float[] dest = new float[encoder.inputSize()];
        encoder.encodeStep(sequence, step, dest, 0, 1);
        return dest;
    }

    @Test
    void sizes() {
        FeatureEncoder encoder = encoder();
        assertEquals(2 + (2 + 1) + (3 + 1), encoder.inputSize(), "numeric, then each vocabulary plus unknown slot");
        assertEquals(2, encoder.outputSize());
        FeatureEncoder regression = new FeatureEncoder(List.of("x"), new double[] {0}, new double[] {1}, List.of(),
                List.of(), DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_SEQUENCE, List.of(), List.of("a", "b", "c"));
        assertEquals(1, regression.inputSize());
        assertEquals(3, regression.outputSize());
    }

    @Test
    void standardizesNumericAndOneHotsCategoriesWithUnknownSlot() {
        FeatureEncoder encoder = encoder();
        SequenceRecord sequence = record(new double[] {6, -1, 2, 0, -2, -3.5},
                new String[] {"red", "L", "green", "S", "blue", "XL"});
        //                               x     y   |blue red unk| S  M  L unk
        assertArrayEquals(new float[] {1, 0, 0, 1, 0, 0, 0, 1, 0}, encode(encoder, sequence, 0), TOL);
        assertArrayEquals(new float[] {0, 2, 0, 0, 1, 1, 0, 0, 0}, encode(encoder, sequence, 1), TOL,
                "unseen color goes to the unknown slot");
        assertArrayEquals(new float[] {-1, -5, 1, 0, 0, 0, 0, 0, 1}, encode(encoder, sequence, 2), TOL,
                "unseen size goes to its unknown slot");
    }

    @Test
    void encodeStepWritesOnlyItsStridedSlots() {
        FeatureEncoder encoder = encoder();
        SequenceRecord sequence = record(new double[] {6, -1}, new String[] {"red", "M"});
        int stride = 3;
        float[] dest = new float[1 + encoder.inputSize() * stride];
        Arrays.fill(dest, -7f);
        // Zero exactly the slots of this step, as MinibatchBuilder's zeroed buffer would be.
        for (int j = 0; j < encoder.inputSize(); j++) {
            dest[1 + j * stride] = 0f;
        }
        encoder.encodeStep(sequence, 0, dest, 1, stride);
        float[] expected = {1, 0, 0, 1, 0, 0, 1, 0, 0};
        for (int i = 0; i < dest.length; i++) {
            boolean mine = i >= 1 && (i - 1) % stride == 0;
            assertEquals(mine ? expected[(i - 1) / stride] : -7f, dest[i], TOL, "index " + i);
        }
    }

    @Test
    void classIndexFollowsClassOrderAndRefusesUnknownLabels() {
        FeatureEncoder encoder = new FeatureEncoder(List.of(), new double[0], new double[0], List.of(), List.of(),
                DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_STEP, List.of("2", "10", "1"), List.of());
        assertEquals(0, encoder.classIndex("2"));
        assertEquals(1, encoder.classIndex("10"));
        assertEquals(2, encoder.classIndex("1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.classIndex("3"));
        assertTrue(e.getMessage().contains("'3'"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 10, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> encoder.classIndex("01"), "labels are strings");
        assertThrows(IllegalArgumentException.class, () -> encoder.classIndex(null));
    }

    @Test
    void constructorRefusesInconsistentPreprocessing() {
        assertThrows(IllegalArgumentException.class, () -> new FeatureEncoder(List.of("x"), new double[] {0},
                new double[] {0}, List.of(), List.of(), DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_STEP,
                List.of(), List.of("y")), "zero std");
        assertThrows(IllegalArgumentException.class, () -> new FeatureEncoder(List.of("x"), new double[] {0},
                new double[] {Double.NaN}, List.of(), List.of(), DataSpec.TaskType.REGRESSION,
                DataSpec.Output.PER_STEP, List.of(), List.of("y")), "NaN std");
        assertThrows(IllegalArgumentException.class, () -> new FeatureEncoder(List.of("x", "z"), new double[] {0},
                new double[] {1}, List.of(), List.of(), DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_STEP,
                List.of(), List.of("y")), "one mean for two columns");
        assertThrows(IllegalArgumentException.class, () -> new FeatureEncoder(List.of(), new double[0],
                new double[0], List.of("c"), List.of(), DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_STEP,
                List.of(), List.of("y")), "no vocabulary for a categorical column");
        IllegalArgumentException oneClass = assertThrows(IllegalArgumentException.class, () -> new FeatureEncoder(
                List.of(), new double[0], new double[0], List.of(), List.of(), DataSpec.TaskType.CLASSIFICATION,
                DataSpec.Output.PER_STEP, List.of("only"), List.of()));
        assertTrue(oneClass.getMessage().contains("[only]"), oneClass.getMessage());
    }

    @Test
    void accessorsReturnCopies() {
        FeatureEncoder encoder = encoder();
        encoder.means()[0] = 100;
        encoder.stds()[0] = 100;
        assertArrayEquals(new double[] {2, -1}, encoder.means());
        assertArrayEquals(new double[] {4, 0.5}, encoder.stds());
    }

    @Test
    void javaSerializedEncoderEncodesTheSame() throws IOException, ClassNotFoundException {
        FeatureEncoder encoder = encoder();
        SequenceRecord sequence = record(new double[] {6, -1, 2, 0}, new String[] {"red", "L", "green", "S"});
        encoder.classIndex("yes"); // fill the lazy caches before serializing
        encode(encoder, sequence, 0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(encoder);
        }
        FeatureEncoder copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (FeatureEncoder) in.readObject();
        }
        for (int t = 0; t < 2; t++) {
            assertArrayEquals(encode(encoder, sequence, t), encode(copy, sequence, t), 0f);
        }
        assertEquals(1, copy.classIndex("yes"));
        assertEquals(encoder.vocabularies(), copy.vocabularies());
    }
}
