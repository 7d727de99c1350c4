package dev.sparklstm.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.Function;
import dev.sparklstm.sequence.SequenceRecord;
import org.apache.spark.sql.Row;

/**
 * Turns one row of the wide layout (a sequence with one array per feature, and a per-step label
 * array or a per-sequence scalar label) into a sequence, or rejects it with the reason: null id,
 * an id that more than one row has (see {@link SequenceSource}), null array, arrays of different
 * lengths, empty arrays, or a bad element.
 */
public final class WideRowToSequenceFn implements Function<Row, AssembledSequence> {
    private static final long serialVersionUID = 1L;

    private final SequenceAssembler assembler;
    private final boolean perSequence;
    private final String[] columnNames;
    private final boolean keepRows;
    /** Ids (as {@link RowValues#toCategory}) that more than one input row has, with their row counts. */
    private final Map<String, Long> duplicateIds;

    public WideRowToSequenceFn(SequenceAssembler assembler, boolean perSequence, String[] columnNames) {
        this(assembler, perSequence, columnNames, false, Map.of());
    }

    /**
     * @param keepRows     whether valid sequences keep their input row (scoring writes per-row output)
     * @param duplicateIds ids that more than one input row has, with their row counts: all those rows are rejected
     */
    public WideRowToSequenceFn(SequenceAssembler assembler, boolean perSequence, String[] columnNames,
                               boolean keepRows, Map<String, Long> duplicateIds) {
        this.keepRows = keepRows;
        this.duplicateIds = duplicateIds;
        this.assembler = assembler;
        this.perSequence = perSequence;
        this.columnNames = columnNames;
    }

    @Override
    public AssembledSequence call(Row row) {
        Object key = row.get(assembler.idIndex());
        if (key == null) {
            return reject(row, "sequence id is null");
        }
        String id = RowValues.toCategory(key);
        Long copies = duplicateIds.get(id);
        if (copies != null) {
            return reject(row, "sequence id " + id + " is in " + copies
                    + " rows; the wide layout (input.layout=wide) takes one row per sequence");
        }
        List<Integer> arrayColumns = new ArrayList<>();
        for (int c : assembler.numericIndex()) {
            arrayColumns.add(c);
        }
        for (int c : assembler.categoricalIndex()) {
            arrayColumns.add(c);
        }
        if (!perSequence) {
            for (int c : assembler.labelIndex()) {
                arrayColumns.add(c);
            }
        }
        List<?>[] arrays = new List<?>[row.size()];
        int length = -1;
        String lengthColumn = null;
        for (int c : arrayColumns) {
            if (row.isNullAt(c)) {
                return reject(row, "array column \"" + columnNames[c] + "\" is null");
            }
            arrays[c] = row.getList(c);
            if (length < 0) {
                length = arrays[c].size();
                lengthColumn = columnNames[c];
            } else if (arrays[c].size() != length) {
                return reject(row, "array lengths differ in sequence " + id + ": \"" + lengthColumn + "\" has "
                        + length + " steps, \"" + columnNames[c] + "\" has " + arrays[c].size());
            }
        }
        if (length == 0) {
            return reject(row, "sequence " + id + " has no steps (empty arrays)");
        }
        SequenceAssembler.CellReader cells = (column, step) ->
                arrays[column] != null ? arrays[column].get(step) : row.get(column);
        for (int t = 0; t < length; t++) {
            String problem = assembler.featureProblem(cells, t);
            if (problem == null && (!perSequence || t == length - 1)) {
                problem = assembler.labelProblem(cells, t);
            }
            if (problem != null) {
                return reject(row, "step " + t + ": " + problem);
            }
        }
        SequenceRecord sequence = assembler.build(id, length, cells);
        return keepRows ? AssembledSequence.valid(sequence, List.of(row)) : AssembledSequence.valid(sequence);
    }

    private AssembledSequence reject(Row row, String reason) {
        return AssembledSequence.rejected(List.of(assembler.withReason(row, reason)));
    }
}
