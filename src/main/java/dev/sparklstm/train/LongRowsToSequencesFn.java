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

    /**
     * Assembles one whole group of rows (all rows of one sequence id, in time order). Public for
     * the scoring job, which streams long sequences and assembles the short ones with this.
     */
    public AssembledSequence assemble(Object key, List<Row> rows) {
        if (key == null) {
            return AssembledSequence.rejected(List.of(assembler.withReason(rows.get(0),
                    "sequence id is null")));
        }
        String id = RowValues.toCategory(key);
        int n = rows.size();
        String[] reasons = new String[n];
        boolean invalid = false;
        for (int i = 0; i < n; i++) {
            Row previous = i > 0 ? rows.get(i - 1) : null;
            reasons[i] = rowProblem(rows.get(i), previous, id, !perSequence || i == n - 1);
            if (previous != null && isDuplicate(rows.get(i), previous) && reasons[i - 1] == null) {
                reasons[i - 1] = reasons[i];
            }
            invalid |= reasons[i] != null;
        }
        if (invalid) {
            return assembler.rejectAll(rows, reasons, id);
        }
        SequenceRecord sequence = build(id, rows);
        return keepRows ? AssembledSequence.valid(sequence, rows) : AssembledSequence.valid(sequence);
    }

    /**
     * Why one row of sequence {@code id} cannot be used, given the row before it in time order
     * (null for the first), or null when it is fine.
     *
     * @param checkLabel whether this row's label is read (every row per step; the last per sequence)
     */
    public String rowProblem(Row row, Row previous, String id, boolean checkLabel) {
        if (row.get(timeIndex) == null) {
            return "time \"" + timeColumn + "\" is null";
        }
        if (row.get(orderIndex) == null) {
            return "time \"" + timeColumn + "\" value '" + row.get(timeIndex) + "' is not a valid time";
        }
        if (previous != null && isDuplicate(row, previous)) {
            return "duplicate time step " + timeColumn + "=" + row.get(timeIndex) + " in sequence " + id;
        }
        SequenceAssembler.CellReader cells = (column, step) -> row.get(column);
        String reason = assembler.featureProblem(cells, 0);
        return reason == null && checkLabel ? assembler.labelProblem(cells, 0) : reason;
    }

    /** The record of consecutive valid rows of one sequence (a whole sequence, or a chunk of one). */
    public SequenceRecord build(String id, List<Row> rows) {
        return assembler.build(id, rows.size(), (column, step) -> rows.get(step).get(column));
    }

    /** The input row with a reason appended, as written to {@code rejected/}. */
    public Row withReason(Row row, String reason) {
        return assembler.withReason(row, reason);
    }

    /** Index of the sequence id column. */
    public int idIndex() {
        return assembler.idIndex();
    }

    private boolean isDuplicate(Row row, Row previous) {
        Object order = row.get(orderIndex);
        return order != null && order.equals(previous.get(orderIndex));
    }
}
