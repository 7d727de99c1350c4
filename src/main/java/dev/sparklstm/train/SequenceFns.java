package dev.sparklstm.train;

import dev.sparklstm.sequence.SequenceRecord;
import dev.sparklstm.sequence.TrainingStatistics;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Row;

/** Small named functions that run on executors (no lambdas capturing a job object). */
final class SequenceFns {
    private SequenceFns() {
    }

    /** Keeps the valid sequences. */
    static final class ValidSequences implements FlatMapFunction<AssembledSequence, SequenceRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<SequenceRecord> call(AssembledSequence assembled) {
            return assembled.isValid() ? java.util.List.of(assembled.sequence()).iterator()
                    : java.util.Collections.emptyIterator();
        }
    }

    /** The rejected rows (input columns plus reason). */
    static final class RejectedRows implements FlatMapFunction<AssembledSequence, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Row> call(AssembledSequence assembled) {
            return assembled.rejectedRows().iterator();
        }
    }

    /**
     * Counts [valid sequences, used input rows, rejected input rows] of one assembled sequence. A
     * valid sequence used one input row per step in the long layout and one row in the wide layout.
     */
    static final class Counts implements Function<AssembledSequence, long[]> {
        private static final long serialVersionUID = 1L;
        private final boolean wide;

        Counts(boolean wide) {
            this.wide = wide;
        }

        @Override
        public long[] call(AssembledSequence assembled) {
            return assembled.isValid() ? new long[] {1, wide ? 1 : assembled.sequence().length(), 0}
                    : new long[] {0, 0, assembled.rejectedRows().size()};
        }
    }

    /** Element-wise sum of count vectors. */
    static final class SumCounts implements Function2<long[], long[], long[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public long[] call(long[] a, long[] b) {
            long[] sum = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                sum[i] = a[i] + b[i];
            }
            return sum;
        }
    }

    /**
     * Seeded split by sequence id: a sequence is in the validation split when a 64-bit hash of
     * (seed, id) falls below the fraction. Deterministic across runs and partitionings.
     */
    static final class InSplit implements Function<SequenceRecord, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long seed;
        private final double validationFraction;
        private final boolean validation;

        InSplit(long seed, double validationFraction, boolean validation) {
            this.seed = seed;
            this.validationFraction = validationFraction;
            this.validation = validation;
        }

        @Override
        public Boolean call(SequenceRecord sequence) {
            return isValidation(seed, validationFraction, sequence.id()) == validation;
        }

        static boolean isValidation(long seed, double fraction, String id) {
            long hash = 0xcbf29ce484222325L ^ seed;
            for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
                hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
            }
            hash ^= hash >>> 33;
            hash *= 0xff51afd7ed558ccdL;
            hash ^= hash >>> 33;
            hash *= 0xc4ceb9fe1a85ec53L;
            hash ^= hash >>> 33;
            double uniform = (hash >>> 11) * 0x1.0p-53;
            return uniform < fraction;
        }
    }

    /** Adds a sequence to partial statistics. */
    static final class AddStatistics implements Function2<TrainingStatistics, SequenceRecord, TrainingStatistics> {
        private static final long serialVersionUID = 1L;

        @Override
        public TrainingStatistics call(TrainingStatistics statistics, SequenceRecord sequence) {
            return statistics.add(sequence);
        }
    }

    /** Merges partial statistics. */
    static final class MergeStatistics
            implements Function2<TrainingStatistics, TrainingStatistics, TrainingStatistics> {
        private static final long serialVersionUID = 1L;

        @Override
        public TrainingStatistics call(TrainingStatistics a, TrainingStatistics b) {
            return a.merge(b);
        }
    }
}
