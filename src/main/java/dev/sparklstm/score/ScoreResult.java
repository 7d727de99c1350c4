package dev.sparklstm.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a scoring run produced; also written as {@code summary.json} next to the predictions.
 *
 * @param output       the committed output directory
 * @param inputRows    rows read
 * @param scoredRows   input rows scored
 * @param rejectedRows input rows written to {@code rejected/}
 * @param metrics      accuracy, or RMSE and MAE, when the input has labels; else empty
 * @param seconds      wall time of the scoring pass
 */
public record ScoreResult(String output, long inputRows, long scoredRows, long rejectedRows,
                          Map<String, Double> metrics, double seconds) {

    public ScoreResult {
        metrics = Map.copyOf(metrics);
    }

    String toJson(String model, String modelSha256, String input) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("model", model);
        summary.put("modelSha256", modelSha256);
        summary.put("input", input);
        summary.put("inputRows", inputRows);
        summary.put("scoredRows", scoredRows);
        summary.put("rejectedRows", rejectedRows);
        summary.put("metrics", new java.util.TreeMap<>(metrics));
        summary.put("seconds", seconds);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the scoring summary", e);
        }
    }
}
