package dev.sparklstm.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.api.java.function.FlatMapFunction;
import dev.sparklstm.sequence.SequenceRecord;
import org.apache.spark.sql.Row;

/**
 * Groups the rows of a partition that is sorted by (sequence id, time) into sequences, streaming:
 * only one sequence's rows are held at a time. Rows with a null id are rejected one by one; a
 * sequence with any invalid row (null or unparsable time, duplicate time step, bad feature or
 * label) is rejected whole, so no sequence is ever trained with a hole in it.
 */
public final class LongRowsToSequencesFn implements FlatMapFunction<Iterator<Row>, AssembledSequence> {
    private static final long serialVersionUID = 1L;

    private final SequenceAssembler assembler;
    private final boolean perSequence;
    private final int timeIndex;
    private final int orderIndex;
    private final String timeColumn;
    private final boolean keepRows;

    /**
     * @param orderIndex index of the appended sortable time column (null when the time cell is
     *                   null or cannot be parsed)
     */
    public LongRowsToSequencesFn(SequenceAssembler assembler, boolean perSequence, int timeIndex, int orderIndex,
                                 String timeColumn) {
        this(assembler, perSequence, timeIndex, orderIndex, timeColumn, false);
    }

    /** @param keepRows whether valid sequences keep their input rows (scoring writes one row per step) */
    public LongRowsToSequencesFn(SequenceAssembler assembler, boolean perSequence, int timeIndex, int orderIndex,
                                 String timeColumn, boolean keepRows) {
        this.keepRows = keepRows;
        this.assembler = assembler;
        this.perSequence = perSequence;
        this.timeIndex = timeIndex;
        this.orderIndex = orderIndex;
        this.timeColumn = timeColumn;
    }

    @Override
    public Iterator<AssembledSequence> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private Row pending = rows.hasNext() ? rows.next() : null;

            @Override
            public boolean hasNext() {
                return pending != null;
            }

            @Override
            public AssembledSequence next() {
                if (pending == null) {
                    throw new NoSuchElementException();
                }
                Object key = pending.get(assembler.idIndex());
                List<Row> group = new ArrayList<>();
                group.add(pending);
                pending = null;
                if (key != null) {
                    while (rows.hasNext()) {
                        Row row = rows.next();
                        if (!Objects.equals(row.get(assembler.idIndex()), key)) {
                            pending = row;
                            break;
                        }
                        group.add(row);
                    }
                } else if (rows.hasNext()) {
                    pending = rows.next();
                }
                return assemble(key, group);
            }
        };
    }

    AssembledSequence assemble(Object key, List<Row> rows) {
        if (key == null) {
            return AssembledSequence.rejected(List.of(assembler.withReason(rows.get(0),
                    "sequence id is null")));
        }
        String id = RowValues.toCategory(key);
        int n = rows.size();
        String[] reasons = new String[n];
        boolean invalid = false;
        SequenceAssembler.CellReader cells = (column, step) -> rows.get(step).get(column);
        for (int i = 0; i < n; i++) {
            Row row = rows.get(i);
            Object order = row.get(orderIndex);
            String reason = null;
            if (row.get(timeIndex) == null) {
                reason = "time \"" + timeColumn + "\" is null";
            } else if (order == null) {
                reason = "time \"" + timeColumn + "\" value '" + row.get(timeIndex) + "' is not a valid time";
            } else if (i > 0 && order.equals(rows.get(i - 1).get(orderIndex))) {
                reason = "duplicate time step " + timeColumn + "=" + row.get(timeIndex) + " in sequence " + id;
                if (reasons[i - 1] == null) {
                    reasons[i - 1] = reason;
                }
            }
            if (reason == null) {
                reason = assembler.featureProblem(cells, i);
            }
            if (reason == null && (!perSequence || i == n - 1)) {
                reason = assembler.labelProblem(cells, i);
            }
            reasons[i] = reason;
            invalid |= reasons[i] != null || (i > 0 && reasons[i - 1] != null);
        }
        if (invalid) {
            return assembler.rejectAll(rows, reasons, id);
        }
        SequenceRecord sequence = assembler.build(id, n, cells);
        return keepRows ? AssembledSequence.valid(sequence, rows) : AssembledSequence.valid(sequence);
    }
}
