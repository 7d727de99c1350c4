package dev.sparklstm.score;

import dev.sparklstm.sequence.FeatureEncoder;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of the predictions table: the sequence id, the time column (long layout, per-step)
 * or a {@code step} index (wide layout, per-step), copied input columns (pass-through and, when
 * present, the labels), {@code sequence_length} (per-sequence), then the predictions:
 * {@code prediction} (the original class label) and {@code probabilities} (in the order of the
 * model's classes) for classification, or {@code prediction_<target>} per regression target.
 * Output names are snake_case and never reuse an input column name (a clash gets a trailing "_").
 */
final class OutputLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    final int idIndex;
    final int timeIndex;
    final int[] copyIndices;
    final boolean[] perStepArray;
    final boolean wide;
    final boolean perSequence;
    final boolean classification;
    final List<String> classes;
    final int targets;
    final StructType schema;
    final String predictionColumn;
    final String probabilitiesColumn;
    final List<String> targetColumns;
    final String lengthColumn;
    final String stepColumn;

    /**
     * @param copyColumns  input columns copied to the output (pass-through, then labels)
     * @param perStepArray for each copied column, whether it is a wide per-step array to unroll
     */
    OutputLayout(StructType input, String idColumn, String timeColumn, List<String> copyColumns,
                 boolean[] perStepArray, boolean wide, boolean perSequence, FeatureEncoder encoder) {
        this.idIndex = input.fieldIndex(idColumn);
        this.timeIndex = timeColumn.isEmpty() || wide || perSequence ? -1 : input.fieldIndex(timeColumn);
        this.copyIndices = copyColumns.stream().mapToInt(input::fieldIndex).toArray();
        this.perStepArray = perStepArray.clone();
        this.wide = wide;
        this.perSequence = perSequence;
        this.classification = encoder.isClassification();
        this.classes = encoder.classes();
        this.targets = encoder.outputSize();

        List<String> taken = new ArrayList<>(List.of(input.fieldNames()));
        StructType out = new StructType().add(idColumn, input.apply(idColumn).dataType());
        String step = null;
        if (timeIndex >= 0) {
            out = out.add(timeColumn, input.apply(timeColumn).dataType());
        } else if (wide && !perSequence) {
            step = fresh(taken, "step");
            out = out.add(step, DataTypes.IntegerType, false);
        }
        for (int i = 0; i < copyColumns.size(); i++) {
            DataType type = input.apply(copyColumns.get(i)).dataType();
            out = out.add(copyColumns.get(i), perStepArray[i] ? ((ArrayType) type).elementType() : type);
        }
        String length = null;
        if (perSequence) {
            length = fresh(taken, "sequence_length");
            out = out.add(length, DataTypes.IntegerType, false);
        }
        List<String> targetNames = new ArrayList<>();
        String prediction = null;
        String probabilities = null;
        if (classification) {
            prediction = fresh(taken, "prediction");
            probabilities = fresh(taken, "probabilities");
            out = out.add(prediction, DataTypes.StringType, false)
                    .add(probabilities, DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        } else {
            for (String target : encoder.targetColumns()) {
                String name = fresh(taken, "prediction_" + snake(target));
                targetNames.add(name);
                out = out.add(name, DataTypes.DoubleType, false);
            }
        }
        this.schema = out;
        this.predictionColumn = prediction;
        this.probabilitiesColumn = probabilities;
        this.targetColumns = List.copyOf(targetNames);
        this.lengthColumn = length;
        this.stepColumn = step;
    }

    /**
     * Parquet column paths of the predicted numbers (probabilities, or regression predictions).
     * Nearly every value differs, so Parquet's dictionary encoding only costs time (hashing each
     * value into a dictionary that overflows and falls back to plain encoding).
     */
    List<String> parquetNumberColumns() {
        // Spark writes arrays in Parquet's standard three-level LIST form: <name>.list.element.
        return classification ? List.of(probabilitiesColumn + ".list.element") : targetColumns;
    }

    private static String fresh(List<String> taken, String name) {
        String candidate = name;
        while (taken.contains(candidate)) {
            candidate = candidate + "_";
        }
        taken.add(candidate);
        return candidate;
    }

    static String snake(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("[^A-Za-z0-9]+", "_")
                .toLowerCase(Locale.ROOT);
    }
}
