package dev.sparklstm.train;

import dev.sparklstm.sequence.SequenceRecord;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * The outcome of assembling the rows of one sequence: either a valid {@link SequenceRecord}, or
 * the input rows that could not be used, each extended with a {@code reject_reason} value. Every
 * input row ends up in exactly one of the two, which is what lets the job account for all rows.
 */
public final class AssembledSequence implements Serializable {
    private static final long serialVersionUID = 1L;

    private final SequenceRecord sequence;
    private final List<Row> rows;
    private final List<Row> rejectedRows;

    private AssembledSequence(SequenceRecord sequence, List<Row> rows, List<Row> rejectedRows) {
        this.sequence = sequence;
        this.rows = rows;
        this.rejectedRows = rejectedRows;
    }

    static AssembledSequence valid(SequenceRecord sequence) {
        return new AssembledSequence(sequence, List.of(), List.of());
    }

    /** A valid sequence that keeps its input rows (in time order), for writing per-row output. */
    static AssembledSequence valid(SequenceRecord sequence, List<Row> rows) {
        return new AssembledSequence(sequence, List.copyOf(rows), List.of());
    }

    static AssembledSequence rejected(List<Row> rowsWithReasons) {
        return new AssembledSequence(null, List.of(), List.copyOf(rowsWithReasons));
    }

    /** The input rows of a valid sequence when they were kept, in time order; else empty. */
    public List<Row> rows() {
        return rows;
    }

    /** Whether the sequence is usable. */
    public boolean isValid() {
        return sequence != null;
    }

    /** The valid sequence, or null. */
    public SequenceRecord sequence() {
        return sequence;
    }

    /** The rejected rows (input columns plus the reason), empty for a valid sequence. */
    public List<Row> rejectedRows() {
        return rejectedRows;
    }
}
