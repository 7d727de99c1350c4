package dev.sparklstm.train;

import dev.sparklstm.config.DataSpec;
import dev.sparklstm.schema.ColumnRoles;
import dev.sparklstm.sequence.SequenceRecord;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Checks the cells of one sequence and builds its {@link SequenceRecord}, or the rejected rows with
 * their reasons. Shared by the long layout (one row per step) and the wide layout (one row per
 * sequence, arrays per column): both hand it per-step cell values.
 */
public final class SequenceAssembler implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ColumnRoles roles;
    private final boolean classification;
    private final boolean perSequence;
    private final boolean withLabels;
    private final Set<String> declaredClasses;
    private final int[] numericIndex;
    /** For a numeric feature held in a matrix column, its element in each step's vector; else -1. */
    private final int[] numericElement;
    /** Vector width of each matrix column, by input column index. */
    private final java.util.Map<Integer, Integer> matrixWidths = new java.util.TreeMap<>();
    private final int[] categoricalIndex;
    private final int[] labelIndex;
    private final int idIndex;
    private final int inputWidth;

    /**
     * @param withLabels whether labels are read and checked (training); without them (scoring)
     *                   label cells are ignored and records are unlabelled
     */
    public SequenceAssembler(DataSpec spec, ColumnRoles roles, StructType inputSchema, boolean withLabels) {
        this.roles = roles;
        this.withLabels = withLabels;
        this.classification = spec.isClassification();
        this.perSequence = spec.isPerSequence();
        this.declaredClasses = spec.classes().isEmpty() ? null : new HashSet<>(spec.classes());
        this.numericIndex = new int[roles.numericFeatures().size()];
        this.numericElement = new int[numericIndex.length];
        for (int c = 0; c < numericIndex.length; c++) {
            String name = roles.numericFeatures().get(c);
            java.util.Map.Entry<String, Integer> element = List.of(inputSchema.fieldNames()).contains(name) ? null
                    : ColumnRoles.parseMatrixElement(name);
            numericIndex[c] = inputSchema.fieldIndex(element == null ? name : element.getKey());
            numericElement[c] = element == null ? -1 : element.getValue();
            if (element != null) {
                matrixWidths.merge(numericIndex[c], element.getValue() + 1, Math::max);
            }
        }
        this.categoricalIndex = indices(inputSchema, roles.categoricalFeatures());
        this.labelIndex = indices(inputSchema, roles.labels());
        this.idIndex = inputSchema.fieldIndex(roles.sequenceId());
        this.inputWidth = inputSchema.size();
    }

    int idIndex() {
        return idIndex;
    }

    int[] numericIndex() {
        return numericIndex;
    }

    int[] categoricalIndex() {
        return categoricalIndex;
    }

    int[] labelIndex() {
        return labelIndex;
    }

    /** Why the feature cells of a step cannot be used, or null. {@code cell(i)} reads input column i. */
    String featureProblem(CellReader cells, int step) {
        for (java.util.Map.Entry<Integer, Integer> matrix : matrixWidths.entrySet()) {
            Object vector = cells.cell(matrix.getKey(), step);
            String column = roles.numericFeatures().get(indexOf(numericIndex, matrix.getKey()));
            column = ColumnRoles.parseMatrixElement(column).getKey();
            if (vector == null) {
                return "feature vector \"" + column + "\" is null";
            }
            if (RowValues.size(vector) != matrix.getValue()) {
                return "feature vector \"" + column + "\" has " + RowValues.size(vector) + " values, expected "
                        + matrix.getValue();
            }
        }
        for (int c = 0; c < numericIndex.length; c++) {
            String problem = RowValues.numericProblem(numericCell(cells, c, step),
                    roles.numericFeatures().get(c), "feature");
            if (problem != null) {
                return problem;
            }
        }
        for (int c = 0; c < categoricalIndex.length; c++) {
            if (cells.cell(categoricalIndex[c], step) == null) {
                return "categorical feature \"" + roles.categoricalFeatures().get(c) + "\" is null";
            }
        }
        return null;
    }

    /** Why the label cells of a step cannot be used, or null. */
    String labelProblem(CellReader cells, int step) {
        if (!withLabels) {
            return null;
        }
        for (int k = 0; k < labelIndex.length; k++) {
            Object value = cells.cell(labelIndex[k], step);
            String column = roles.labels().get(k);
            if (classification) {
                if (value == null) {
                    return "label \"" + column + "\" is null";
                }
                String label = RowValues.toCategory(value);
                if (declaredClasses != null && !declaredClasses.contains(label)) {
                    return "label \"" + column + "\" value '" + label + "' is not one of task.classes "
                            + declaredClasses;
                }
            } else {
                String problem = RowValues.numericProblem(value, column, "label");
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    /** Builds the record of a sequence whose cells all passed the checks. */
    SequenceRecord build(String id, int length, CellReader cells) {
        int numericCount = numericIndex.length;
        int categoricalCount = categoricalIndex.length;
        double[] numeric = new double[length * numericCount];
        String[] categorical = new String[length * categoricalCount];
        for (int t = 0; t < length; t++) {
            for (int c = 0; c < numericCount; c++) {
                numeric[t * numericCount + c] = RowValues.toDouble(numericCell(cells, c, t));
            }
            for (int c = 0; c < categoricalCount; c++) {
                categorical[t * categoricalCount + c] = RowValues.toCategory(cells.cell(categoricalIndex[c], t));
            }
        }
        if (!withLabels) {
            return new SequenceRecord(id, length, numeric, categorical, null, null);
        }
        int labelSteps = perSequence ? 1 : length;
        int firstLabelStep = perSequence ? length - 1 : 0;
        if (classification) {
            String[] labels = new String[labelSteps];
            for (int t = 0; t < labelSteps; t++) {
                labels[t] = RowValues.toCategory(cells.cell(labelIndex[0], firstLabelStep + t));
            }
            return new SequenceRecord(id, length, numeric, categorical, labels, null);
        }
        int targetCount = labelIndex.length;
        double[] targets = new double[labelSteps * targetCount];
        for (int t = 0; t < labelSteps; t++) {
            for (int k = 0; k < targetCount; k++) {
                targets[t * targetCount + k] = RowValues.toDouble(cells.cell(labelIndex[k], firstLabelStep + t));
            }
        }
        return new SequenceRecord(id, length, numeric, categorical, null, targets);
    }

    /** The input columns of a row (dropping helper columns appended after them) plus a reason. */
    Row withReason(Row row, String reason) {
        Object[] values = new Object[inputWidth + 1];
        for (int i = 0; i < inputWidth; i++) {
            values[i] = row.get(i);
        }
        values[inputWidth] = reason;
        return RowFactory.create(values);
    }

    /** Rejects all rows of a sequence: rows with their own problem keep it, the others name the first one. */
    AssembledSequence rejectAll(List<Row> rows, String[] ownReasons, String sequenceLabel) {
        String first = null;
        for (String reason : ownReasons) {
            if (reason != null) {
                first = reason;
                break;
            }
        }
        List<Row> rejected = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String reason = ownReasons[i] != null ? ownReasons[i]
                    : "sequence " + sequenceLabel + " has an invalid row (" + first + ")";
            rejected.add(withReason(rows.get(i), reason));
        }
        return AssembledSequence.rejected(rejected);
    }

    private Object numericCell(CellReader cells, int c, int step) {
        Object cell = cells.cell(numericIndex[c], step);
        return numericElement[c] < 0 || cell == null ? cell : RowValues.element(cell, numericElement[c]);
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        throw new IllegalStateException("no numeric feature reads column " + value);
    }

    private static int[] indices(StructType schema, List<String> columns) {
        int[] result = new int[columns.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = schema.fieldIndex(columns.get(i));
        }
        return result;
    }

    /** Access to the cell of input column {@code column} at time step {@code step}. */
    interface CellReader {
        Object cell(int column, int step);
    }
}
