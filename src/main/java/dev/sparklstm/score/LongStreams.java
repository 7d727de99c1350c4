package dev.sparklstm.score;

import dev.sparklstm.train.LongRowsToSequencesFn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Bounded-memory passes over the long layout for the scoring job. A sequence of at most
 * {@code chunkLength} rows is checked whole, as in training; a longer one is streamed in pieces.
 * Since its predictions are written as they are computed, whether a long sequence is valid must be
 * known before it is scored: {@link InvalidLongSequences} finds the invalid ones first (a small
 * set, collected to the driver and broadcast), then {@link RejectedRows} and the scorer use it.
 */
final class LongStreams {
    private LongStreams() {
    }

    /** Emits (id, first problem) for every invalid sequence longer than {@code chunkLength} rows. */
    static final class InvalidLongSequences implements FlatMapFunction<Iterator<Row>, Tuple2<String, String>> {
        private static final long serialVersionUID = 1L;
        private final LongRowsToSequencesFn rowsFn;
        private final int chunkLength;

        InvalidLongSequences(LongRowsToSequencesFn rowsFn, int chunkLength) {
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
            return new Iterator<>() {
                private final ArrayDeque<Row> ready = new ArrayDeque<>();
                private String longId;
                private String longReason;
                private Row previous;

                @Override
                public boolean hasNext() {
                    while (ready.isEmpty() && (longId != null || reader.hasNextGroup())) {
                        if (longId != null) {
                            List<Row> piece = reader.read(chunkLength);
                            if (piece.isEmpty()) {
                                longId = null;
                            }
                            for (Row row : piece) {
                                String own = rowsFn.rowProblem(row, previous, longId, false);
                                ready.add(rowsFn.withReason(row, own != null ? own
                                        : "sequence " + longId + " has an invalid row (" + longReason + ")"));
                                previous = row;
                            }
                            continue;
                        }
                        Object key = reader.nextGroup();
                        List<Row> head = reader.read(chunkLength);
                        if (key == null || !reader.groupHasMore()) {
                            ready.addAll(rowsFn.assemble(key, head).rejectedRows());
                            continue;
                        }
                        String id = String.valueOf(key).trim();
                        longReason = invalid.get(id);
                        if (longReason == null) {
                            reader.drain();
                            continue;
                        }
                        longId = id;
                        previous = null;
                        for (Row row : head) {
                            String own = rowsFn.rowProblem(row, previous, id, false);
                            ready.add(rowsFn.withReason(row, own != null ? own
                                    : "sequence " + id + " has an invalid row (" + longReason + ")"));
                            previous = row;
                        }
                    }
                    return !ready.isEmpty();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return ready.poll();
                }
            };
        }
    }
}
