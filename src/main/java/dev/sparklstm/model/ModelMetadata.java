package dev.sparklstm.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparklstm.config.DataSpec;
import dev.sparklstm.sequence.FeatureEncoder;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to use a model besides its weights, written as {@code model/metadata.json}:
 * the resolved configuration, the input schema and column roles, the preprocessing (feature
 * statistics, category vocabularies, label mapping), library versions, data counts and the
 * SHA-256 of the model file.
 *
 * @param formatVersion   version of this metadata layout
 * @param createdAt       ISO-8601 creation time
 * @param versions        library versions (spark-lstm, Spark, DL4J, Java)
 * @param config          resolved configuration, key to value
 * @param task            task type and output mode
 * @param columns         column roles
 * @param inputSchema     input columns with their Spark SQL types
 * @param preprocessing   stored preprocessing
 * @param counts          row and sequence counts of the training run
 * @param modelFile       model file name inside {@code model/}
 * @param modelSha256     SHA-256 of the model file
 * @param parameterCount  number of network parameters
 * @param finalMetrics    metrics of the last epoch
 */
public record ModelMetadata(
        int formatVersion,
        String createdAt,
        Map<String, String> versions,
        Map<String, String> config,
        Task task,
        Columns columns,
        List<Field> inputSchema,
        Preprocessing preprocessing,
        Counts counts,
        String modelFile,
        String modelSha256,
        long parameterCount,
        Map<String, Double> finalMetrics) {

    /** Current {@link #formatVersion}. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Task type and output mode, as the config words. */
    public record Task(String type, String output, String layout) {
    }

    /** Column roles. */
    public record Columns(String sequenceId, String time, List<String> numericFeatures,
                          List<String> categoricalFeatures, List<String> labels) {
    }

    /** One input column. */
    public record Field(String name, String type) {
    }

    /** Stored preprocessing; each vocabulary is followed by an implicit unknown slot. */
    public record Preprocessing(List<String> numericColumns, double[] means, double[] stds,
                                List<String> categoricalColumns, List<List<String>> vocabularies,
                                String unknownSlot, List<String> classes, List<String> targetColumns) {

        /** The preprocessing of an encoder. */
        public static Preprocessing of(FeatureEncoder encoder) {
            return new Preprocessing(encoder.numericColumns(), encoder.means(), encoder.stds(),
                    encoder.categoricalColumns(), encoder.vocabularies(), FeatureEncoder.UNKNOWN_SLOT,
                    encoder.classes(), encoder.targetColumns());
        }
    }

    /** Row and sequence counts. */
    public record Counts(long inputRows, long usedRows, long rejectedRows, long sequences,
                         long trainSequences, long validationSequences, long trainSteps, long validationSteps) {
    }

    /** The encoder this metadata stores. */
    public FeatureEncoder encoder() {
        DataSpec.TaskType type = DataSpec.TaskType.valueOf(task.type().toUpperCase(java.util.Locale.ROOT));
        DataSpec.Output output = DataSpec.Output.valueOf(
                task.output().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        return new FeatureEncoder(preprocessing.numericColumns(), preprocessing.means(), preprocessing.stds(),
                preprocessing.categoricalColumns(), preprocessing.vocabularies(), type, output,
                preprocessing.classes(), preprocessing.targetColumns());
    }

    /** Pretty-printed JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write model metadata as JSON", e);
        }
    }

    /** Parses metadata JSON; a malformed document is an {@link IllegalArgumentException}. */
    public static ModelMetadata fromJson(String json) {
        try {
            ModelMetadata metadata = JSON.readValue(json, ModelMetadata.class);
            if (metadata.formatVersion() != FORMAT_VERSION) {
                throw new IllegalArgumentException("model metadata format version " + metadata.formatVersion()
                        + " is not supported (expected " + FORMAT_VERSION + ")");
            }
            return metadata;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("model metadata is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
