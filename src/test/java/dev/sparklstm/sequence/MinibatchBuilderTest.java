package dev.sparklstm.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.DataSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Shapes, padding and masks of minibatches, checked element by element. */
class MinibatchBuilderTest {
    private static final float EXACT = 0.0f;
    private static final float TOL = 1e-6f;

    // Two numeric columns (mean 1, std 2; mean 10, std 5) and one categorical column (idle, run + unknown).
    private static FeatureEncoder encoder(DataSpec.TaskType type, DataSpec.Output output) {
        boolean classification = type == DataSpec.TaskType.CLASSIFICATION;
        return new FeatureEncoder(List.of("a", "b"), new double[] {1, 10}, new double[] {2, 5},
                List.of("mode"), List.of(List.of("idle", "run")), type, output,
                classification ? List.of("ok", "warn", "fault") : List.of(),
                classification ? List.of() : List.of("y1", "y2"));
    }

    private static SequenceRecord steps(String id, int length, String[] labels, double[] targets) {
        double[] numeric = new double[length * 2];
        String[] categorical = new String[length];
        for (int t = 0; t < length; t++) {
            numeric[t * 2] = 1 + 2 * t;          // standardized: t
            numeric[t * 2 + 1] = 10 - 5 * t;     // standardized: -t
            categorical[t] = List.of("idle", "run", "boost").get(t % 3); // boost was never seen
        }
        return new SequenceRecord(id, length, numeric, categorical, labels, targets);
    }

    @Test
    void perStepClassificationIsRightPaddedNcwWithOneHotLabelsAndOneMask() {
        FeatureEncoder encoder = encoder(DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_STEP);
        List<SequenceRecord> sequences = List.of(
                steps("s0", 2, new String[] {"ok", "fault"}, null),
                steps("s1", 4, new String[] {"warn", "warn", "ok", "fault"}, null),
                steps("s2", 1, new String[] {"fault"}, null));
        DataSet batch = new MinibatchBuilder(encoder).build(sequences);
        INDArray features = batch.getFeatures();
        INDArray labels = batch.getLabels();
        assertArrayEquals(new long[] {3, 5, 4}, features.shape(), "[batch, 2 numeric + 2 categories + unknown, T]");
        assertArrayEquals(new long[] {3, 3, 4}, labels.shape(), "[batch, classes, T]");
        assertArrayEquals(new long[] {3, 4}, batch.getFeaturesMaskArray().shape());
        assertEquals(DataType.FLOAT, features.dataType());
        assertEquals(DataType.FLOAT, labels.dataType());

        float[][] expectedMask = {{1, 1, 0, 0}, {1, 1, 1, 1}, {1, 0, 0, 0}};
        assertArrayEquals(expectedMask, batch.getFeaturesMaskArray().toFloatMatrix());
        assertArrayEquals(expectedMask, batch.getLabelsMaskArray().toFloatMatrix(), "label mask = feature mask");

        int[] lengths = {2, 4, 1};
        for (int i = 0; i < 3; i++) {
            for (int t = 0; t < 4; t++) {
                if (t < lengths[i]) {
                    assertEquals(t, features.getFloat(i, 0, t), TOL, "standardized a");
                    assertEquals(-t, features.getFloat(i, 1, t), TOL, "standardized b");
                    // One-hot block of "mode": idle, run, unknown (for "boost").
                    for (int slot = 0; slot < 3; slot++) {
                        assertEquals(slot == t % 3 ? 1f : 0f, features.getFloat(i, 2 + slot, t), EXACT,
                                "mode slot " + slot + " at seq " + i + " step " + t);
                    }
                    String label = sequences.get(i).classLabels()[t];
                    for (int k = 0; k < 3; k++) {
                        assertEquals(k == encoder.classIndex(label) ? 1f : 0f, labels.getFloat(i, k, t), EXACT);
                    }
                } else {
                    for (int j = 0; j < 5; j++) {
                        assertEquals(0f, features.getFloat(i, j, t), EXACT, "padding is zero");
                    }
                    for (int k = 0; k < 3; k++) {
                        assertEquals(0f, labels.getFloat(i, k, t), EXACT, "padding has no label");
                    }
                }
            }
        }
        // The masks are separate arrays: DL4J may modify one without touching the other.
        assertTrue(batch.getFeaturesMaskArray() != batch.getLabelsMaskArray());
    }

    @Test
    void perStepRegressionLabelsAreRawTargetsWithTheFeatureMask() {
        FeatureEncoder encoder = encoder(DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_STEP);
        DataSet batch = new MinibatchBuilder(encoder).build(List.of(
                steps("s0", 3, null, new double[] {0.5, -1, 1.5, -2, 2.5, -3}),
                steps("s1", 1, null, new double[] {7, 8})));
        INDArray labels = batch.getLabels();
        assertArrayEquals(new long[] {2, 2, 3}, labels.shape());
        assertArrayEquals(new float[][] {{0.5f, 1.5f, 2.5f}, {-1, -2, -3}}, labels.slice(0).toFloatMatrix());
        assertArrayEquals(new float[][] {{7, 0, 0}, {8, 0, 0}}, labels.slice(1).toFloatMatrix());
        assertArrayEquals(new float[][] {{1, 1, 1}, {1, 0, 0}}, batch.getLabelsMaskArray().toFloatMatrix());
    }

    @Test
    void perSequenceLabelsAreRank2WithoutLabelMask() {
        FeatureEncoder classifier = encoder(DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_SEQUENCE);
        DataSet batch = new MinibatchBuilder(classifier).build(List.of(
                steps("s0", 3, new String[] {"warn"}, null),
                steps("s1", 2, new String[] {"fault"}, null)));
        assertArrayEquals(new long[] {2, 5, 3}, batch.getFeatures().shape());
        assertArrayEquals(new float[][] {{0, 1, 0}, {0, 0, 1}}, batch.getLabels().toFloatMatrix());
        assertNull(batch.getLabelsMaskArray(), "one label per sequence: nothing to mask");
        assertArrayEquals(new float[][] {{1, 1, 1}, {1, 1, 0}}, batch.getFeaturesMaskArray().toFloatMatrix(),
                "the feature mask tells LastTimeStep where each sequence ends");

        FeatureEncoder regressor = encoder(DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_SEQUENCE);
        DataSet regression = new MinibatchBuilder(regressor).build(List.of(
                steps("s0", 1, null, new double[] {0.25, -4}),
                steps("s1", 2, null, new double[] {3, 1e3})));
        assertArrayEquals(new float[][] {{0.25f, -4}, {3, 1000}}, regression.getLabels().toFloatMatrix());
        assertNull(regression.getLabelsMaskArray());
        assertEquals(DataType.FLOAT, regression.getLabels().dataType());
    }

    @Test
    void oneSequenceBatchHasNoPadding() {
        FeatureEncoder encoder = encoder(DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_STEP);
        DataSet batch = new MinibatchBuilder(encoder).build(List.of(steps("s0", 3, new String[] {"ok", "ok", "ok"},
                null)));
        assertArrayEquals(new long[] {1, 5, 3}, batch.getFeatures().shape());
        assertEquals(3.0, batch.getFeaturesMaskArray().sumNumber().doubleValue(), 0.0);
    }

    @Test
    void unknownClassLabelAndEmptyBatchAreRefused() {
        FeatureEncoder encoder = encoder(DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_STEP);
        MinibatchBuilder builder = new MinibatchBuilder(encoder);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.build(List.of(steps("s0", 2, new String[] {"ok", "broken"}, null))));
        assertTrue(e.getMessage().contains("'broken'"), e.getMessage());
        assertTrue(e.getMessage().contains("[ok, warn, fault]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.build(List.of()));
    }
}
