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
import org.apache.spark.sql.RowFactory;
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
 * Rejected sequences are skipped here (the job writes them separately).
 */
final class ScorePartitionFn implements FlatMapFunction<Iterator<Row>, Row> {
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

    /**
     * @param longRows    for the long layout, the row checks used to stream sequences longer than
     *                    {@code chunkLength} without holding them; null for the wide layout
     * @param invalidLong ids of the invalid long sequences, with their first problem (long layout)
     */
    ScorePartitionFn(Broadcast<byte[]> model, FeatureEncoder encoder,
                     FlatMapFunction<Iterator<Row>, AssembledSequence> assemble, OutputLayout layout,
                     int batchSize, int chunkLength, LongAccumulator scoredRows,
                     LongRowsToSequencesFn longRows, Broadcast<Map<String, String>> invalidLong) {
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
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        // ND4J's native out-of-memory errors become a message naming the settings to raise.
        MultiLayerNetwork network = NativeMemory.guard(() -> NetworkCache.forTask(model));
        ScoringForward forward = new ScoringForward(network, model.id(), layout.perSequence);
        MinibatchBuilder builder = new MinibatchBuilder(encoder);
        if (longRows != null) {
            return streamLong(forward, builder, rows);
        }
        Iterator<AssembledSequence> sequences = assemble.call(rows);
        return new BufferedIterator<>() {
            @Override
            protected boolean refill(ArrayDeque<Row> ready) {
                List<AssembledSequence> batch = new ArrayList<>(batchSize);
                while (batch.size() < batchSize && sequences.hasNext()) {
                    AssembledSequence next = sequences.next();
                    if (!next.isValid()) {
                        continue;
                    }
                    if (next.sequence().length() > chunkLength) {
                        scoreInChunks(forward, builder, next, ready);
                    } else {
                        batch.add(next);
                    }
                }
                if (!batch.isEmpty()) {
                    scoreBatch(forward, builder, batch, ready);
                }
                return sequences.hasNext();
            }
        };
    }

    /**
     * The long layout: sequences of at most {@code chunkLength} rows are checked whole and scored in
     * minibatches; longer ones are read, scored and written one chunk at a time.
     */
    private Iterator<Row> streamLong(ScoringForward forward, MinibatchBuilder builder, Iterator<Row> rows) {
        GroupReader reader = new GroupReader(rows, longRows.idIndex());
        Map<String, String> invalid = invalidLong.value();
        List<AssembledSequence> batch = new ArrayList<>(batchSize);
        return new BufferedIterator<>() {
            @Override
            protected boolean refill(ArrayDeque<Row> ready) {
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
                scoreStreamed(forward, builder, reader, id, head, ready);
                return true;
            }

            private void flush(ArrayDeque<Row> ready) {
                if (!batch.isEmpty()) {
                    scoreBatch(forward, builder, batch, ready);
                    batch.clear();
                }
            }
        };
    }

    /** Scores a long, valid sequence chunk by chunk with carried state; output rows go to {@code out}. */
    private void scoreStreamed(ScoringForward forward, MinibatchBuilder builder, GroupReader reader, String id,
                               List<Row> first, ArrayDeque<Row> out) {
        int outputs = encoder.outputSize();
        long total = 0;
        float[] last = null;
        Row lastRow = null;
        forward.startStream();
        try {
            for (List<Row> chunk = first; !chunk.isEmpty(); chunk = reader.read(chunkLength)) {
                INDArray features = builder.buildUnlabelled(List.of(longRows.build(id, chunk))).getFeatures();
                total += chunk.size();
                lastRow = chunk.get(chunk.size() - 1);
                float[] values = forward.nextChunk(features);
                if (layout.perSequence) {
                    last = Arrays.copyOf(values, outputs);
                    continue;
                }
                for (int t = 0; t < chunk.size(); t++) {
                    out.add(row(chunk.get(t), t, chunk.size(), values, t, chunk.size()));
                }
            }
            if (layout.perSequence) {
                out.add(row(lastRow, -1, (int) total, last, 0, 1));
            }
        } finally {
            forward.endStream();
        }
        scoredRows.add(total);
    }

    private void scoreBatch(ScoringForward forward, MinibatchBuilder builder, List<AssembledSequence> batch,
                            ArrayDeque<Row> out) {
        List<SequenceRecord> records = new ArrayList<>(batch.size());
        batch.forEach(a -> records.add(a.sequence()));
        DataSet features = NativeMemory.guard(() -> builder.buildUnlabelled(records));
        float[] values = NativeMemory.guard(() -> forward.output(features.getFeatures(),
                features.getFeaturesMaskArray()));
        int outputs = encoder.outputSize();
        int steps = layout.perSequence ? 1 : (int) features.getFeatures().size(2);
        for (int i = 0; i < batch.size(); i++) {
            emit(batch.get(i), values, i * outputs * steps, steps, out);
        }
    }

    private void scoreInChunks(ScoringForward forward, MinibatchBuilder builder, AssembledSequence sequence,
                               ArrayDeque<Row> out) {
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
        emit(sequence, values, 0, layout.perSequence ? 1 : length, out);
    }

    /** Output rows of one sequence; its predictions start at {@code offset} in [outputs, steps] order. */
    private void emit(AssembledSequence assembled, float[] values, int offset, int steps, ArrayDeque<Row> out) {
        SequenceRecord sequence = assembled.sequence();
        List<Row> rows = assembled.rows();
        int outputs = encoder.outputSize();
        if (layout.perSequence) {
            Row source = rows.get(rows.size() - 1);
            out.add(row(source, -1, sequence.length(), values, offset, 1));
        } else {
            for (int t = 0; t < sequence.length(); t++) {
                Row source = layout.wide ? rows.get(0) : rows.get(t);
                out.add(row(source, t, sequence.length(), values, offset + t, steps));
            }
        }
        scoredRows.add(layout.wide ? 1 : sequence.length());
    }

    private Row row(Row source, int step, int length, float[] values, int offset, int stride) {
        List<Object> cells = new ArrayList<>(layout.schema.size());
        cells.add(source.get(layout.idIndex));
        if (layout.timeIndex >= 0) {
            cells.add(source.get(layout.timeIndex));
        } else if (layout.stepColumn != null) {
            cells.add(step);
        }
        for (int c = 0; c < layout.copyIndices.length; c++) {
            int index = layout.copyIndices[c];
            cells.add(layout.perStepArray[c] && !source.isNullAt(index) ? source.getList(index).get(step)
                    : source.get(index));
        }
        if (layout.perSequence) {
            cells.add(length);
        }
        int outputs = encoder.outputSize();
        if (layout.classification) {
            double[] probabilities = new double[outputs];
            int best = 0;
            for (int k = 0; k < outputs; k++) {
                probabilities[k] = values[offset + k * stride];
                if (probabilities[k] > probabilities[best]) {
                    best = k;
                }
            }
            cells.add(layout.classes.get(best));
            List<Double> boxed = new ArrayList<>(outputs);
            for (double p : probabilities) {
                boxed.add(p);
            }
            // Spark's row encoder wants a Scala Seq for array columns.
            cells.add(scala.collection.JavaConverters.asScalaBuffer(boxed));
        } else {
            for (int k = 0; k < outputs; k++) {
                cells.add((double) values[offset + k * stride]);
            }
        }
        return RowFactory.create(cells.toArray());
    }
}
