package dev.sparklstm.train;

import dev.sparklstm.model.NativeMemory;
import dev.sparklstm.sequence.CompactDataSet;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.MinibatchBuilder;
import dev.sparklstm.sequence.SequenceRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Turns a partition's sequences into minibatches of {@code batchSize} sequences. With bucketing,
 * it reads a bounded window of sequences (a few batches' worth), sorts it by length and cuts
 * batches from it, so sequences of similar length share a batch and padding stays small while
 * memory stays bounded.
 */
final class ToMinibatchesFn implements FlatMapFunction<Iterator<SequenceRecord>, DataSet> {
    private static final long serialVersionUID = 1L;
    /** Batches per bucketing window. */
    static final int WINDOW_BATCHES = 16;

    private final FeatureEncoder encoder;
    private final int batchSize;
    private final boolean bucketByLength;

    ToMinibatchesFn(FeatureEncoder encoder, int batchSize, boolean bucketByLength) {
        this.encoder = encoder;
        this.batchSize = batchSize;
        this.bucketByLength = bucketByLength;
    }

    @Override
    public Iterator<DataSet> call(Iterator<SequenceRecord> sequences) {
        MinibatchBuilder builder = new MinibatchBuilder(encoder);
        int window = bucketByLength ? batchSize * WINDOW_BATCHES : batchSize;
        return new Iterator<>() {
            private final List<List<SequenceRecord>> ready = new ArrayList<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && sequences.hasNext()) {
                    fill();
                }
                return !ready.isEmpty();
            }

            @Override
            public DataSet next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                // The first ND4J allocation of a training task: a JVM over its off-heap limit fails here.
                // Compact: the job caches minibatches serialized, and reads them back every epoch.
                return NativeMemory.guard(() -> new CompactDataSet(builder.build(ready.remove(0))));
            }

            private void fill() {
                List<SequenceRecord> buffer = new ArrayList<>(window);
                while (buffer.size() < window && sequences.hasNext()) {
                    buffer.add(sequences.next());
                }
                if (bucketByLength) {
                    buffer.sort(Comparator.comparingInt(SequenceRecord::length));
                }
                for (int start = 0; start < buffer.size(); start += batchSize) {
                    ready.add(new ArrayList<>(buffer.subList(start, Math.min(buffer.size(), start + batchSize))));
                }
            }
        };
    }
}
