package dev.sparklstm.score;

import dev.sparklstm.model.NativeMemory;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.MinibatchBuilder;
import dev.sparklstm.sequence.SequenceRecord;
import dev.sparklstm.train.AssembledSequence;
import dev.sparklstm.train.BufferedIterator;
import dev.sparklstm.train.LongRowsToSequencesFn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Scores one partition as a stream: valid sequences are gathered into minibatches of
 * {@code batchSize}, scored with one forward pass, and turned into output rows before the next
 * minibatch is read, so only one minibatch is held at a time. A sequence longer than
 * {@code chunkLength} is scored alone in chunks, carrying the LSTM state from chunk to chunk
 * ({@code rnnTimeStep}), which bounds the activations' memory. The forward passes are {@link
 * ScoringForward}'s: the project's fast forward where it supports the network, else DL4J's.
 * Output rows are built in Spark's internal form ({@link OutputRows}). Invalid sequences are
 * skipped here when another pass writes them to {@code rejected/}; with {@code input.bad-rows=fail}
 * this pass is also the check: the first invalid sequence fails the task, and so the job.
 */
final class ScorePartitionFn implements FlatMapFunction<Iterator<Row>, InternalRow> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> model;
    private final FeatureEncoder encoder;
    private final FlatMapFunction<Iterator<Row>, AssembledSequence> assemble;
    private final OutputLayout layout;
    private final int batchSize;
    private final int chunkLength;
    private final LongAccumulator scoredRows;
    private final LongRowsToSequencesFn longRows;
    private final Broadcast<Map<String, String>> invalidLong;
    private final boolean failOnInvalid;

    /**
     * @param longRows    for the long layout, the row checks used to stream sequences longer than
     *                    {@code chunkLength} without holding them; null for the wide layout
     * @param invalidLong ids of the invalid long sequences, with their first problem (long layout;
     *                    empty with {@code failOnInvalid}: then no pass looked for them first)
     * @param failOnInvalid {@code input.bad-rows=fail}: the first invalid sequence fails the task with
     *                    an {@link InvalidSequenceException}; else invalid sequences are skipped
     *                    (another pass writes their rows to {@code rejected/})
     */
    ScorePartitionFn(Broadcast<byte[]> model, FeatureEncoder encoder,
                     FlatMapFunction<Iterator<Row>, AssembledSequence> assemble, OutputLayout layout,
                     int batchSize, int chunkLength, LongAccumulator scoredRows,
                     LongRowsToSequencesFn longRows, Broadcast<Map<String, String>> invalidLong,
                     boolean failOnInvalid) {
        this.failOnInvalid = failOnInvalid;
        this.longRows = longRows;
        this.invalidLong = invalidLong;
        this.model = model;
        this.encoder = encoder;
        this.assemble = assemble;
        this.layout = layout;
        this.batchSize = batchSize;
        this.chunkLength = chunkLength;
        this.scoredRows = scoredRows;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<Row> rows) throws Exception {
        // ND4J's native out-of-memory errors become a message naming the settings to raise.
        MultiLayerNetwork network = NativeMemory.guard(() -> NetworkCache.forTask(model));
        ScoringForward forward = new ScoringForward(network, model.id(), layout.perSequence);
        MinibatchBuilder builder = new MinibatchBuilder(encoder);
        OutputRows output = new OutputRows(layout, encoder.outputSize());
        if (longRows != null) {
            return streamLong(forward, builder, output, rows);
        }
        Iterator<AssembledSequence> sequences = assemble.call(rows);
        return new BufferedIterator<>() {
            @Override
            protected boolean refill(ArrayDeque<InternalRow> ready) {
                List<AssembledSequence> batch = new ArrayList<>(batchSize);
                while (batch.size() < batchSize && sequences.hasNext()) {
                    AssembledSequence next = sequences.next();
                    if (!next.isValid()) {
                        if (failOnInvalid) {
                            Row rejected = next.rejectedRows().get(0);
                            return stop(rejected.get(layout.idIndex), rejected.getString(rejected.size() - 1));
                        }
                        continue;
                    }
                    if (next.sequence().length() > chunkLength) {
                        scoreInChunks(forward, builder, output, next, ready);
                    } else {
                        batch.add(next);
                    }
                }
                if (!batch.isEmpty()) {
                    scoreBatch(forward, builder, output, batch, ready);
                }
                return sequences.hasNext();
            }
        };
    }

    /** {@code input.bad-rows=fail}: fails the task, hence the job (see {@link InvalidSequenceException}). */
    private static boolean stop(Object id, String reason) {
        throw new InvalidSequenceException(id + ": " + reason);
    }

    /**
     * The long layout: sequences of at most {@code chunkLength} rows are checked whole and scored in
     * minibatches; longer ones are read, scored and written one chunk at a time.
     */
    private Iterator<InternalRow> streamLong(ScoringForward forward, MinibatchBuilder builder, OutputRows output,
                                             Iterator<Row> rows) {
        GroupReader reader = new GroupReader(rows, longRows.idIndex());
        Map<String, String> invalid = invalidLong.value();
        List<AssembledSequence> batch = new ArrayList<>(batchSize);
        return new BufferedIterator<>() {
            @Override
            protected boolean refill(ArrayDeque<InternalRow> ready) {
                if (!reader.hasNextGroup()) {
                    flush(ready);
                    return !ready.isEmpty();
                }
                Object key = reader.nextGroup();
                List<Row> head = reader.read(chunkLength);
                if (key == null || !reader.groupHasMore()) {
                    AssembledSequence sequence = longRows.assemble(key, head);
                    if (sequence.isValid()) {
                        batch.add(sequence);
                    } else if (failOnInvalid) {
                        Row rejected = sequence.rejectedRows().get(0);
                        return stop(key, rejected.getString(rejected.size() - 1));
                    }
                    if (batch.size() == batchSize) {
                        flush(ready);
                    }
                    return true;
                }
                String id = String.valueOf(key).trim();
                if (invalid.containsKey(id)) {
                    reader.drain();
                    return true;
                }
                flush(ready);
                return scoreStreamed(forward, builder, output, reader, id, head, ready);
            }

            private void flush(ArrayDeque<InternalRow> ready) {
                if (!batch.isEmpty()) {
                    scoreBatch(forward, builder, output, batch, ready);
                    batch.clear();
                }
            }
        };
    }

    /**
     * Scores a long sequence chunk by chunk with carried state; output rows go to {@code out}. Its
     * validity is known beforehand, except under {@code input.bad-rows=fail}, where each chunk is
     * checked before it is scored, and the first invalid row fails the task ({@link #stop}).
     */
    private boolean scoreStreamed(ScoringForward forward, MinibatchBuilder builder, OutputRows output,
                                  GroupReader reader, String id, List<Row> first, ArrayDeque<InternalRow> out) {
        int outputs = encoder.outputSize();
        long total = 0;
        float[] last = null;
        Row lastRow = null;
        Row previous = null;
        forward.startStream();
        try {
            for (List<Row> chunk = first; !chunk.isEmpty(); chunk = reader.read(chunkLength)) {
                if (failOnInvalid) {
                    for (Row row : chunk) {
                        String problem = longRows.rowProblem(row, previous, id, false);
                        if (problem != null) {
                            return stop(id, problem);
                        }
                        previous = row;
                    }
                }
                INDArray features = builder.buildUnlabelled(List.of(longRows.build(id, chunk))).getFeatures();
                total += chunk.size();
                lastRow = chunk.get(chunk.size() - 1);
                float[] values = forward.nextChunk(features);
                if (layout.perSequence) {
                    last = Arrays.copyOf(values, outputs);
                    continue;
                }
                for (int t = 0; t < chunk.size(); t++) {
                    out.add(output.row(chunk.get(t), t, chunk.size(), values, t, chunk.size()));
                }
            }
            if (layout.perSequence) {
                out.add(output.row(lastRow, -1, (int) total, last, 0, 1));
            }
        } finally {
            forward.endStream();
        }
        scoredRows.add(total);
        return true;
    }

    private void scoreBatch(ScoringForward forward, MinibatchBuilder builder, OutputRows output,
                            List<AssembledSequence> batch, ArrayDeque<InternalRow> out) {
        List<SequenceRecord> records = new ArrayList<>(batch.size());
        batch.forEach(a -> records.add(a.sequence()));
        DataSet features = NativeMemory.guard(() -> builder.buildUnlabelled(records));
        float[] values = NativeMemory.guard(() -> forward.output(features.getFeatures(),
                features.getFeaturesMaskArray()));
        int outputs = encoder.outputSize();
        int steps = layout.perSequence ? 1 : (int) features.getFeatures().size(2);
        for (int i = 0; i < batch.size(); i++) {
            emit(output, batch.get(i), values, i * outputs * steps, steps, out);
        }
    }

    private void scoreInChunks(ScoringForward forward, MinibatchBuilder builder, OutputRows output,
                               AssembledSequence sequence, ArrayDeque<InternalRow> out) {
        INDArray features = builder.buildUnlabelled(List.of(sequence.sequence())).getFeatures();
        int length = sequence.sequence().length();
        int outputs = encoder.outputSize();
        float[] values = new float[layout.perSequence ? outputs : outputs * length];
        forward.startStream();
        try {
            for (int start = 0; start < length; start += chunkLength) {
                int end = Math.min(length, start + chunkLength);
                INDArray chunk = features.get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(start, end)).dup('c');
                float[] part = forward.nextChunk(chunk);
                if (layout.perSequence) {
                    System.arraycopy(part, 0, values, 0, outputs);
                    continue;
                }
                int width = end - start;
                for (int k = 0; k < outputs; k++) {
                    System.arraycopy(part, k * width, values, k * length + start, width);
                }
            }
        } finally {
            forward.endStream();
        }
        emit(output, sequence, values, 0, layout.perSequence ? 1 : length, out);
    }

    /** Output rows of one sequence; its predictions start at {@code offset} in [outputs, steps] order. */
    private void emit(OutputRows output, AssembledSequence assembled, float[] values, int offset, int steps,
                      ArrayDeque<InternalRow> out) {
        SequenceRecord sequence = assembled.sequence();
        List<Row> rows = assembled.rows();
        if (layout.perSequence) {
            Row source = rows.get(rows.size() - 1);
            out.add(output.row(source, -1, sequence.length(), values, offset, 1));
        } else {
            for (int t = 0; t < sequence.length(); t++) {
                Row source = layout.wide ? rows.get(0) : rows.get(t);
                out.add(output.row(source, t, sequence.length(), values, offset + t, steps));
            }
        }
        scoredRows.add(layout.wide ? 1 : sequence.length());
    }
}
