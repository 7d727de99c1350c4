package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.DataSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.SequenceRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** metadata.json: JSON round trip, the stored encoder, and refusal of other format versions. */
class ModelMetadataTest {

    private static ModelMetadata metadata(FeatureEncoder encoder, String type, String output, int version) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("epoch", 3.0);
        metrics.put("train_loss", 0.123456789012345);
        metrics.put("validation_accuracy", Double.NaN); // regression runs have no accuracy
        metrics.put("validation_rmse", 1e-300);
        return new ModelMetadata(version, "2025-01-02T03:04:05Z",
                Map.of("spark-lstm", "0.1.0", "dl4j", "1.0.0-M2"),
                Settings.defaults().withOverride("model.layers=4").asMap(),
                new ModelMetadata.Task(type, output, "long"),
                new ModelMetadata.Columns("seq_id", "t", encoder.numericColumns(), encoder.categoricalColumns(),
                        List.of("label")),
                List.of(new ModelMetadata.Field("seq_id", "string"), new ModelMetadata.Field("x", "double")),
                ModelMetadata.Preprocessing.of(encoder),
                new ModelMetadata.Counts(100, 90, 10, 9, 7, 2, 70, 20),
                ModelFiles.MODEL_FILE, "ab".repeat(32), 1234L, metrics);
    }

    private static FeatureEncoder classifier() {
        return new FeatureEncoder(List.of("x", "y"), new double[] {0.1, -2.5e7}, new double[] {1.0 / 3, 4e-9},
                List.of("mode"), List.of(List.of("idle", "run", "ü \"quoted\"")),
                DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_STEP, List.of("2", "10", "fault"), List.of());
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        ModelMetadata metadata = metadata(classifier(), "classification", "per-step", ModelMetadata.FORMAT_VERSION);
        String json = metadata.toJson();
        ModelMetadata back = ModelMetadata.fromJson(json);
        assertEquals(metadata.formatVersion(), back.formatVersion());
        assertEquals(metadata.createdAt(), back.createdAt());
        assertEquals(metadata.versions(), back.versions());
        assertEquals(metadata.config(), back.config());
        assertEquals(metadata.task(), back.task());
        assertEquals(metadata.columns(), back.columns());
        assertEquals(metadata.inputSchema(), back.inputSchema());
        assertEquals(metadata.counts(), back.counts());
        assertEquals(metadata.modelFile(), back.modelFile());
        assertEquals(metadata.modelSha256(), back.modelSha256());
        assertEquals(metadata.parameterCount(), back.parameterCount());
        assertEquals(metadata.finalMetrics(), back.finalMetrics(), "NaN and extreme doubles survive");
        ModelMetadata.Preprocessing p = metadata.preprocessing();
        ModelMetadata.Preprocessing q = back.preprocessing();
        assertArrayEquals(p.means(), q.means(), 0.0, "doubles are written exactly");
        assertArrayEquals(p.stds(), q.stds(), 0.0);
        assertEquals(p.numericColumns(), q.numericColumns());
        assertEquals(p.categoricalColumns(), q.categoricalColumns());
        assertEquals(p.vocabularies(), q.vocabularies());
        assertEquals(FeatureEncoder.UNKNOWN_SLOT, q.unknownSlot());
        assertEquals(p.classes(), q.classes());
        assertEquals(p.targetColumns(), q.targetColumns());
        assertEquals(json, back.toJson(), "writing again gives the same document");
    }

    @Test
    void encoderComesBackAndEncodesTheSame() {
        FeatureEncoder original = classifier();
        FeatureEncoder encoder = ModelMetadata.fromJson(
                metadata(original, "classification", "per-step", ModelMetadata.FORMAT_VERSION).toJson()).encoder();
        assertEquals(DataSpec.TaskType.CLASSIFICATION, encoder.taskType());
        assertEquals(DataSpec.Output.PER_STEP, encoder.output());
        assertEquals(List.of("2", "10", "fault"), encoder.classes(), "class order is output order");
        assertEquals(original.inputSize(), encoder.inputSize());
        SequenceRecord sequence = new SequenceRecord("s", 2, new double[] {1, 2, 3, 4},
                new String[] {"ü \"quoted\"", "never seen"}, new String[] {"2", "fault"}, null);
        for (int t = 0; t < 2; t++) {
            float[] a = new float[original.inputSize()];
            float[] b = new float[encoder.inputSize()];
            original.encodeStep(sequence, t, a, 0, 1);
            encoder.encodeStep(sequence, t, b, 0, 1);
            assertArrayEquals(a, b, 0f, "step " + t);
        }

        FeatureEncoder regression = new FeatureEncoder(List.of("x"), new double[] {1}, new double[] {2}, List.of(),
                List.of(), DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_SEQUENCE, List.of(), List.of("y1", "y2"));
        FeatureEncoder back = ModelMetadata.fromJson(
                metadata(regression, "regression", "per-sequence", ModelMetadata.FORMAT_VERSION).toJson()).encoder();
        assertEquals(DataSpec.TaskType.REGRESSION, back.taskType());
        assertEquals(DataSpec.Output.PER_SEQUENCE, back.output());
        assertEquals(List.of("y1", "y2"), back.targetColumns());
        assertEquals(2, back.outputSize());
    }

    @Test
    void otherFormatVersionIsRefused() {
        String json = metadata(classifier(), "classification", "per-step", 2).toJson();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromJson(json));
        assertTrue(e.getMessage().contains("format version 2"), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + ModelMetadata.FORMAT_VERSION), e.getMessage());
        String missing = json.replaceFirst("\"formatVersion\" : 2,", "");
        assertTrue(!missing.contains("formatVersion"), missing);
        assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromJson(missing),
                "a document without formatVersion is not version 1");
    }

    @Test
    void malformedJsonIsRefused() {
        String json = metadata(classifier(), "classification", "per-step", ModelMetadata.FORMAT_VERSION).toJson();
        for (String bad : List.of("", "{", "[1, 2]", json.substring(0, json.length() / 2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelMetadata.fromJson(bad), bad);
            assertTrue(e.getMessage().contains("model metadata"), e.getMessage());
        }
    }
}
