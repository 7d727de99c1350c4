package dev.sparklstm.score;

import dev.sparklstm.train.AssembledSequence;
import dev.sparklstm.train.WideRowToSequenceFn;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

/** Small named functions of the scoring job that run on executors. */
final class ScoreFns {
    private ScoreFns() {
    }

    /** The wide layout's row-at-a-time assembly as a partition function (lazy). */
    static final class WidePartition implements FlatMapFunction<Iterator<Row>, AssembledSequence> {
        private static final long serialVersionUID = 1L;
        private final WideRowToSequenceFn perRow;

        WidePartition(WideRowToSequenceFn perRow) {
            this.perRow = perRow;
        }

        @Override
        public Iterator<AssembledSequence> call(Iterator<Row> rows) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public AssembledSequence next() {
                    return perRow.call(rows.next());
                }
            };
        }
    }

    /** The rejected rows of a partition (input columns plus reason), without scoring anything. */
    static final class RejectedRows implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final FlatMapFunction<Iterator<Row>, AssembledSequence> assemble;

        RejectedRows(FlatMapFunction<Iterator<Row>, AssembledSequence> assemble) {
            this.assemble = assemble;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) throws Exception {
            Iterator<AssembledSequence> sequences = assemble.call(rows);
            List<Row> none = new ArrayList<>();
            return new Iterator<>() {
                private Iterator<Row> current = none.iterator();

                @Override
                public boolean hasNext() {
                    while (!current.hasNext() && sequences.hasNext()) {
                        current = sequences.next().rejectedRows().iterator();
                    }
                    return current.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return current.next();
                }
            };
        }
    }
}
