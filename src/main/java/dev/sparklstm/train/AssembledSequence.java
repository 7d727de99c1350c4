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
    private final List<Row> rejectedRows;

    private AssembledSequence(SequenceRecord sequence, List<Row> rejectedRows) {
        this.sequence = sequence;
        this.rejectedRows = rejectedRows;
    }

    static AssembledSequence valid(SequenceRecord sequence) {
        return new AssembledSequence(sequence, List.of());
    }

    static AssembledSequence rejected(List<Row> rowsWithReasons) {
        return new AssembledSequence(null, List.copyOf(rowsWithReasons));
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
