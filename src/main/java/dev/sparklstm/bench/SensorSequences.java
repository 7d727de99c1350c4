package dev.sparklstm.bench;

import dev.sparklstm.samples.SampleGenerator;
import dev.sparklstm.sequence.SequenceRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Sensor sequences from {@link SampleGenerator} as {@link SequenceRecord}s, the same values that
 * {@code jobs/generate.sh --kind sensor} writes for the same seed and lengths (each sequence is a
 * pure function of seed and index), with the feature columns in the order a model asks for.
 */
public final class SensorSequences {
    private static final List<String> NUMERIC = List.of(SampleGenerator.TEMPERATURE, SampleGenerator.VIBRATION,
            SampleGenerator.PRESSURE);
    private static final List<String> CATEGORICAL = List.of(SampleGenerator.MODE);

    private SensorSequences() {
    }

    /**
     * Sequences {@code 0 .. count-1}.
     *
     * @param numeric     numeric feature columns, in the model's order
     * @param categorical categorical feature columns, in the model's order
     * @param labelled    whether to keep the per-step class labels (training) or drop them (scoring)
     */
    public static List<SequenceRecord> generate(SampleGenerator generator, int count, List<String> numeric,
                                                List<String> categorical, boolean labelled) {
        for (String column : numeric) {
            if (!NUMERIC.contains(column)) {
                throw new IllegalArgumentException("the model's numeric feature \"" + column + "\" is not a sensor "
                        + "sample column; the benchmarks need a model trained on sensor data (numeric " + NUMERIC + ")");
            }
        }
        if (!CATEGORICAL.containsAll(categorical)) {
            throw new IllegalArgumentException("the model's categorical features " + categorical + " are not sensor "
                    + "sample columns " + CATEGORICAL);
        }
        List<SequenceRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SampleGenerator.SensorSequence s = generator.sensor(i);
            int n = s.length();
            double[] values = new double[n * numeric.size()];
            for (int c = 0; c < numeric.size(); c++) {
                double[] column = switch (numeric.get(c)) {
                    case SampleGenerator.TEMPERATURE -> s.temperature();
                    case SampleGenerator.VIBRATION -> s.vibration();
                    default -> s.pressure();
                };
                for (int t = 0; t < n; t++) {
                    values[t * numeric.size() + c] = column[t];
                }
            }
            String[] modes = categorical.isEmpty() ? new String[0] : s.mode().clone();
            records.add(new SequenceRecord(s.seqId(), n, values, modes, labelled ? s.label().clone() : null, null));
        }
        return records;
    }

    /**
     * Cuts sequences into batches the way the training job does: windows of {@code windowBatches}
     * batches, each sorted by length, then cut in order, so similar lengths share a batch.
     */
    static List<List<SequenceRecord>> lengthBucketed(List<SequenceRecord> sequences, int batchSize, int windowBatches) {
        List<List<SequenceRecord>> batches = new ArrayList<>();
        int window = batchSize * windowBatches;
        for (int from = 0; from < sequences.size(); from += window) {
            List<SequenceRecord> buffer = new ArrayList<>(sequences.subList(from, Math.min(sequences.size(),
                    from + window)));
            buffer.sort(Comparator.comparingInt(SequenceRecord::length));
            for (int start = 0; start < buffer.size(); start += batchSize) {
                batches.add(List.copyOf(buffer.subList(start, Math.min(buffer.size(), start + batchSize))));
            }
        }
        return batches;
    }
}
