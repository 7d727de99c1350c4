package dev.sparklstm.config;

import java.io.Serializable;
import java.util.List;

/**
 * Where the input is, how it is laid out, which column plays which role, and what the task is.
 *
 * @param inputPath       input file or directory; empty for the bundled sample
 * @param format          file format, or AUTO to decide from the path
 * @param layout          one row per step (LONG) or one row per sequence (WIDE)
 * @param badRows         what to do with invalid rows
 * @param sequenceIdColumn sequence id column
 * @param timeColumn      time/order column (LONG layout)
 * @param timeType        how to interpret a string time column
 * @param featureColumns  feature columns; empty means every column without another role
 * @param categoricalColumns categorical feature columns; null means "string-typed features"
 * @param labelColumns    label column(s)
 * @param taskType        classification or regression
 * @param output          per-step or per-sequence
 * @param classes         declared class labels in output order; empty means learned from the data
 */
public record DataSpec(
        String inputPath,
        Format format,
        Layout layout,
        BadRows badRows,
        String sequenceIdColumn,
        String timeColumn,
        TimeType timeType,
        List<String> featureColumns,
        List<String> categoricalColumns,
        List<String> labelColumns,
        TaskType taskType,
        Output output,
        List<String> classes) implements Serializable {

    /** Input file formats. */
    public enum Format { AUTO, PARQUET, CSV }

    /** Table layouts. */
    public enum Layout { LONG, WIDE }

    /** Invalid-row policies. */
    public enum BadRows { FAIL, REJECT }

    /** Interpretations of the time column. */
    public enum TimeType { AUTO, INTEGER, TIMESTAMP }

    /** Learning tasks. */
    public enum TaskType { CLASSIFICATION, REGRESSION }

    /** Where labels sit: on every step, or one per sequence. */
    public enum Output { PER_STEP, PER_SEQUENCE }

    public DataSpec {
        featureColumns = List.copyOf(featureColumns);
        categoricalColumns = categoricalColumns == null ? null : List.copyOf(categoricalColumns);
        labelColumns = List.copyOf(labelColumns);
        classes = List.copyOf(classes);
        if (labelColumns.isEmpty()) {
            throw new IllegalArgumentException("config columns.label must name at least one column, got ''");
        }
        if (taskType == TaskType.CLASSIFICATION && labelColumns.size() != 1) {
            throw new IllegalArgumentException("config columns.label must name exactly one column for "
                    + "task.type=classification, got '" + String.join(",", labelColumns) + "'");
        }
        if (taskType == TaskType.REGRESSION && !classes.isEmpty()) {
            throw new IllegalArgumentException("config task.classes must be empty for task.type=regression, got '"
                    + String.join(",", classes) + "'");
        }
        if (classes.size() == 1) {
            throw new IllegalArgumentException("config task.classes must list at least two classes, got '"
                    + classes.get(0) + "'");
        }
        if (classes.stream().distinct().count() != classes.size()) {
            throw new IllegalArgumentException("config task.classes must not repeat a class, got '"
                    + String.join(",", classes) + "'");
        }
    }

    /** Whether the label is categorical. */
    public boolean isClassification() {
        return taskType == TaskType.CLASSIFICATION;
    }

    /** Whether there is one label per sequence. */
    public boolean isPerSequence() {
        return output == Output.PER_SEQUENCE;
    }

    static DataSpec from(Settings s) {
        String categorical = s.get(ConfigKey.COLUMNS_CATEGORICAL).trim();
        List<String> categoricalColumns;
        if (categorical.equalsIgnoreCase("auto")) {
            categoricalColumns = null;
        } else if (categorical.equalsIgnoreCase("none") || categorical.isEmpty()) {
            categoricalColumns = List.of();
        } else {
            categoricalColumns = s.getList(ConfigKey.COLUMNS_CATEGORICAL);
        }
        String features = s.get(ConfigKey.COLUMNS_FEATURES).trim();
        List<String> featureColumns = features.equals("*") ? List.of() : s.getList(ConfigKey.COLUMNS_FEATURES);
        if (!features.equals("*") && featureColumns.isEmpty()) {
            throw s.invalid(ConfigKey.COLUMNS_FEATURES, "a comma-separated list of columns or *");
        }
        String sequenceId = s.get(ConfigKey.COLUMNS_SEQUENCE_ID);
        if (sequenceId.isEmpty()) {
            throw s.invalid(ConfigKey.COLUMNS_SEQUENCE_ID, "a column name");
        }
        String time = s.get(ConfigKey.COLUMNS_TIME);
        Layout layout = Layout.valueOf(enumName(s.getChoice(ConfigKey.INPUT_LAYOUT, "long", "wide")));
        if (layout == Layout.LONG && time.isEmpty()) {
            throw s.invalid(ConfigKey.COLUMNS_TIME, "a column name for input.layout=long");
        }
        return new DataSpec(
                s.get(ConfigKey.INPUT_PATH),
                Format.valueOf(enumName(s.getChoice(ConfigKey.INPUT_FORMAT, "auto", "parquet", "csv"))),
                layout,
                BadRows.valueOf(enumName(s.getChoice(ConfigKey.INPUT_BAD_ROWS, "fail", "reject"))),
                sequenceId,
                time,
                TimeType.valueOf(enumName(s.getChoice(ConfigKey.COLUMNS_TIME_TYPE, "auto", "integer", "timestamp"))),
                featureColumns,
                categoricalColumns,
                s.getList(ConfigKey.COLUMNS_LABEL),
                TaskType.valueOf(enumName(s.getChoice(ConfigKey.TASK_TYPE, "classification", "regression"))),
                Output.valueOf(enumName(s.getChoice(ConfigKey.TASK_OUTPUT, "per-step", "per-sequence"))),
                s.getList(ConfigKey.TASK_CLASSES));
    }

    static String enumName(String word) {
        return word.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }
}
