package dev.sparklstm.schema;

import dev.sparklstm.config.DataSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * The role of every input column, resolved against the actual schema before any Spark action.
 * Each check names the column, what was expected and what was found.
 *
 * @param sequenceId          sequence id column
 * @param time                time column (empty for the wide layout)
 * @param numericFeatures     numeric feature columns, in input order
 * @param categoricalFeatures categorical feature columns, in input order
 * @param labels              label column(s)
 */
public record ColumnRoles(String sequenceId, String time, List<String> numericFeatures,
                          List<String> categoricalFeatures, List<String> labels) implements Serializable {

    public ColumnRoles {
        numericFeatures = List.copyOf(numericFeatures);
        categoricalFeatures = List.copyOf(categoricalFeatures);
        labels = List.copyOf(labels);
    }

    private static final java.util.regex.Pattern ELEMENT = java.util.regex.Pattern.compile("(.+)\\[(\\d+)\\]");

    /** Name of the numeric feature held in element {@code i} of each step's vector of a matrix column. */
    public static String matrixElement(String column, int i) {
        return column + "[" + i + "]";
    }

    /** The matrix column and element index of a name made by {@link #matrixElement}, or null. */
    public static java.util.Map.Entry<String, Integer> parseMatrixElement(String name) {
        java.util.regex.Matcher m = ELEMENT.matcher(name);
        return m.matches() ? java.util.Map.entry(m.group(1), Integer.parseInt(m.group(2))) : null;
    }

    /** Whether a wide-layout column holds one numeric feature vector per step ({@code array<array<number>>}). */
    public static boolean isMatrix(DataType type) {
        return type instanceof ArrayType outer && outer.elementType() instanceof ArrayType inner
                && inner.elementType() instanceof NumericType;
    }

    /** Resolves roles for a table without matrix columns; see {@link #resolve(DataSpec, StructType, boolean, java.util.Map)}. */
    public static ColumnRoles resolve(DataSpec spec, StructType schema, boolean requireLabels) {
        return resolve(spec, schema, requireLabels, java.util.Map.of());
    }

    /**
     * Resolves roles for a table. {@code requireLabels} is false at scoring time, when a label
     * column may be absent. A wide-layout matrix column ({@code array<array<number>>}, one
     * feature vector per step) becomes numeric features {@code name[0]}, {@code name[1]}, ... of
     * the width given in {@code matrixWidths}; such element names may also be listed directly.
     */
    public static ColumnRoles resolve(DataSpec spec, StructType schema, boolean requireLabels,
                                      java.util.Map<String, Integer> matrixWidths) {
        boolean wide = spec.layout() == DataSpec.Layout.WIDE;
        String id = spec.sequenceIdColumn();
        DataType idType = require(schema, id, "sequence id (config columns.sequence-id)");
        if (!(idType instanceof StringType) && !isIntegral(idType)) {
            throw mistyped(id, "a string or integer sequence id", idType);
        }
        String time = "";
        if (!wide) {
            time = spec.timeColumn();
            DataType timeType = require(schema, time, "time (config columns.time)");
            if (!isIntegral(timeType) && !(timeType instanceof TimestampType)
                    && !(timeType instanceof TimestampNTZType) && !(timeType instanceof DateType)
                    && !(timeType instanceof StringType)) {
                throw mistyped(time, "an integer, date or timestamp time column", timeType);
            }
        }
        List<String> labels = new ArrayList<>();
        for (String label : spec.labelColumns()) {
            if (!hasColumn(schema, label)) {
                if (requireLabels) {
                    require(schema, label, "label (config columns.label)");
                }
                continue;
            }
            checkLabelType(spec, wide, label, schema.apply(label).dataType());
            labels.add(label);
        }

        Set<String> reserved = new LinkedHashSet<>();
        reserved.add(id);
        if (!wide) {
            reserved.add(time);
        }
        reserved.addAll(spec.labelColumns());
        List<String> features = new ArrayList<>();
        if (spec.featureColumns().isEmpty()) {
            for (StructField field : schema.fields()) {
                if (!reserved.contains(field.name())) {
                    features.add(field.name());
                }
            }
        } else {
            for (String feature : spec.featureColumns()) {
                if (reserved.contains(feature)) {
                    throw new IllegalArgumentException("column \"" + feature + "\" is listed in columns.features but is "
                            + "also the sequence id, time or label column");
                }
                if (!(wide && isMatrixElement(schema, feature))) {
                    require(schema, feature, "feature (config columns.features)");
                }
                features.add(feature);
            }
        }
        if (features.isEmpty()) {
            throw new IllegalArgumentException("no feature columns: the input has only the sequence id, time and "
                    + "label columns " + reserved + "; columns present: " + List.of(schema.fieldNames()));
        }

        List<String> categorical = new ArrayList<>();
        List<String> numeric = new ArrayList<>();
        if (spec.categoricalColumns() != null) {
            for (String column : spec.categoricalColumns()) {
                if (!features.contains(column)) {
                    throw new IllegalArgumentException("column \"" + column + "\" is listed in columns.categorical "
                            + "but is not a feature column; features: " + features);
                }
            }
        }
        for (String feature : features) {
            if (!hasColumn(schema, feature)) {
                numeric.add(feature); // an element of a matrix column, checked above
                continue;
            }
            if (wide && isMatrix(schema.apply(feature).dataType())) {
                if (spec.categoricalColumns() != null && spec.categoricalColumns().contains(feature)) {
                    throw mistyped(feature, "an array of string, integer or boolean categories",
                            schema.apply(feature).dataType());
                }
                Integer width = matrixWidths.get(feature);
                if (width == null) {
                    throw new IllegalStateException("the width of matrix column \"" + feature + "\" was not measured");
                }
                for (int i = 0; i < width; i++) {
                    numeric.add(matrixElement(feature, i));
                }
                continue;
            }
            DataType type = elementType(schema.apply(feature).dataType(), wide, feature, "feature");
            boolean isCategorical = spec.categoricalColumns() == null
                    ? type instanceof StringType || type instanceof BooleanType
                    : spec.categoricalColumns().contains(feature);
            if (isCategorical) {
                if (!(type instanceof StringType) && !isIntegral(type) && !(type instanceof BooleanType)) {
                    throw mistyped(feature, (wide ? "an array of " : "") + "string, integer or boolean categories",
                            schema.apply(feature).dataType());
                }
                categorical.add(feature);
            } else {
                if (!(type instanceof NumericType) && !(type instanceof StringType)) {
                    throw mistyped(feature, wide ? "an array of numbers" : "numeric", schema.apply(feature).dataType());
                }
                numeric.add(feature);
            }
        }
        return new ColumnRoles(id, time, numeric, categorical, labels);
    }

    /** All feature columns: numeric first, then categorical (the network input order). */
    public List<String> featureColumns() {
        List<String> all = new ArrayList<>(numericFeatures);
        all.addAll(categoricalFeatures);
        return all;
    }

    private static void checkLabelType(DataSpec spec, boolean wide, String label, DataType actual) {
        boolean perStepArray = wide && !spec.isPerSequence();
        DataType type = actual;
        if (perStepArray) {
            if (!(actual instanceof ArrayType)) {
                throw mistyped(label, "an array of per-step labels (input.layout=wide, task.output=per-step)", actual);
            }
            type = ((ArrayType) actual).elementType();
        }
        if (spec.isClassification()) {
            if (!(type instanceof StringType) && !isIntegral(type) && !(type instanceof BooleanType)) {
                throw mistyped(label, (perStepArray ? "an array of " : "") + "string or integer class labels", actual);
            }
        } else if (!(type instanceof NumericType) && !(type instanceof StringType)) {
            throw mistyped(label, (perStepArray ? "an array of " : "") + "numeric regression targets", actual);
        }
    }

    private static DataType elementType(DataType type, boolean wide, String column, String role) {
        if (!wide) {
            return type;
        }
        if (!(type instanceof ArrayType)) {
            throw mistyped(column, "an array " + role + " column (input.layout=wide: one value per step)", type);
        }
        return ((ArrayType) type).elementType();
    }

    private static boolean isIntegral(DataType type) {
        return type instanceof NumericType && !(type instanceof DecimalType)
                && !type.typeName().equals("float") && !type.typeName().equals("double");
    }

    private static boolean isMatrixElement(StructType schema, String name) {
        java.util.Map.Entry<String, Integer> element = parseMatrixElement(name);
        return element != null && hasColumn(schema, element.getKey())
                && isMatrix(schema.apply(element.getKey()).dataType());
    }

    private static boolean hasColumn(StructType schema, String name) {
        return List.of(schema.fieldNames()).contains(name);
    }

    private static DataType require(StructType schema, String name, String role) {
        if (!hasColumn(schema, name)) {
            throw new IllegalArgumentException("missing " + role + " column \"" + name + "\"; columns present: "
                    + List.of(schema.fieldNames()));
        }
        return schema.apply(name).dataType();
    }

    private static IllegalArgumentException mistyped(String column, String expected, DataType actual) {
        return new IllegalArgumentException("column \"" + column + "\" must be " + expected + " but was "
                + actual.simpleString());
    }
}
