package dev.sparklstm.score;

import dev.sparklstm.train.BufferedIterator;
import dev.sparklstm.train.LongRowsToSequencesFn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Bounded-memory passes over the long layout for the scoring job. A sequence of at most
 * {@code chunkLength} rows is checked whole, as in training; a longer one is streamed in pieces.
 * Since its predictions are written as they are computed, whether a long sequence is valid must be
 * known before it is scored: {@link InvalidSequences} finds the invalid ones first (a small
 * set, collected to the driver and broadcast), then {@link RejectedRows} and the scorer use it.
 * (With {@code input.bad-rows=fail} neither runs: the scoring pass checks as it goes.)
 */
final class LongStreams {
    private LongStreams() {
    }

    /** Emits (id, first problem) for every invalid sequence longer than {@code chunkLength} rows. */
    static final class InvalidSequences implements FlatMapFunction<Iterator<Row>, Tuple2<String, String>> {
        private static final long serialVersionUID = 1L;
        private final LongRowsToSequencesFn rowsFn;
        private final int chunkLength;

        InvalidSequences(LongRowsToSequencesFn rowsFn, int chunkLength) {
            this.rowsFn = rowsFn;
            this.chunkLength = chunkLength;
        }

        @Override
        public Iterator<Tuple2<String, String>> call(Iterator<Row> rows) {
            GroupReader reader = new GroupReader(rows, rowsFn.idIndex());
            List<Tuple2<String, String>> invalid = new ArrayList<>();
            while (reader.hasNextGroup()) {
                Object key = reader.nextGroup();
                List<Row> piece = reader.read(chunkLength);
                if (key == null || !reader.groupHasMore()) {
                    continue; // short: checked whole by the other passes
                }
                String id = String.valueOf(key).trim();
                Row previous = null;
                String first = null;
                while (!piece.isEmpty() && first == null) {
                    for (Row row : piece) {
                        first = first != null ? first : rowsFn.rowProblem(row, previous, id, false);
                        previous = row;
                    }
                    piece = reader.read(chunkLength);
                }
                if (first != null) {
                    invalid.add(new Tuple2<>(id, first));
                }
            }
            return invalid.iterator();
        }
    }

    /** The rejected rows of a partition, streaming long sequences. */
    static final class RejectedRows implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final LongRowsToSequencesFn rowsFn;
        private final int chunkLength;
        private final Broadcast<Map<String, String>> invalidLong;

        RejectedRows(LongRowsToSequencesFn rowsFn, int chunkLength, Broadcast<Map<String, String>> invalidLong) {
            this.rowsFn = rowsFn;
            this.chunkLength = chunkLength;
            this.invalidLong = invalidLong;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            GroupReader reader = new GroupReader(rows, rowsFn.idIndex());
            Map<String, String> invalid = invalidLong.value();
            return new BufferedIterator<>() {
                private String longId;
                private String longReason;
                private Row previous;

                @Override
                protected boolean refill(ArrayDeque<Row> ready) {
                    if (longId != null) {
                        List<Row> piece = reader.read(chunkLength);
                        reject(piece, ready);
                        longId = piece.isEmpty() ? null : longId;
                        return true;
                    }
                    if (!reader.hasNextGroup()) {
                        return false;
                    }
                    Object key = reader.nextGroup();
                    List<Row> head = reader.read(chunkLength);
                    if (key == null || !reader.groupHasMore()) {
                        ready.addAll(rowsFn.assemble(key, head).rejectedRows());
                        return true;
                    }
                    String id = String.valueOf(key).trim();
                    longReason = invalid.get(id);
                    if (longReason == null) {
                        reader.drain();
                        return true;
                    }
                    longId = id;
                    previous = null;
                    reject(head, ready);
                    return true;
                }

                /** Rejects rows of the current invalid long sequence: own problem, else the sequence's first. */
                private void reject(List<Row> piece, ArrayDeque<Row> ready) {
                    for (Row row : piece) {
                        String own = rowsFn.rowProblem(row, previous, longId, false);
                        ready.add(rowsFn.withReason(row, own != null ? own
                                : "sequence " + longId + " has an invalid row (" + longReason + ")"));
                        previous = row;
                    }
                }
            };
        }
    }
}
