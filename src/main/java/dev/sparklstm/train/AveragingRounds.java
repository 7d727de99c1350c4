package dev.sparklstm.train;

import dev.sparklstm.sequence.DataSetCodec;
import java.io.Serializable;
import java.util.Iterator;
import java.util.Random;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * One epoch of a training RDD of minibatches cut into parameter-averaging rounds, each round
 * readable on its own.
 *
 * <p>dl4j-spark M2 makes each round's data by filtering the whole training RDD
 * ({@code balancedRandomSplit}), counting the partitions of the result and, mostly, shuffling it
 * into one partition per worker: every round reads and deserializes every minibatch of the epoch
 * at least twice, so an epoch costs rounds x minibatches, and the order of minibatches inside a
 * worker's partition depends on the order shuffle blocks arrive (two identical runs differ). Here
 * one shuffle per epoch puts every minibatch into the partition of its round and worker, sorted
 * by its slot, and a round's job reads only its own partitions ({@link PartitionPruningRDD}).
 *
 * <p>The minibatches are placed in a random order (seeded): slot {@code s} of the permutation goes
 * to round {@code s % rounds} and worker {@code (s / rounds) % workers}, with as few rounds as
 * keep every worker at most {@code perWorker} minibatches per round. So every minibatch is trained
 * exactly once per epoch (dl4j-spark's splits can hold more than a worker's averaging frequency,
 * and its workers drop the extra ones), rounds differ in size by at most one minibatch, and no
 * worker of a round is empty unless the round has fewer minibatches than workers (then only
 * {@link #workersIn} partitions of it are read).
 */
final class AveragingRounds {
    private final JavaRDD<DataSet> slotted;
    private final int rounds;
    private final int workers;
    private final long minibatches;
    private final Broadcast<int[]> permutation;

    private AveragingRounds(JavaRDD<DataSet> slotted, int rounds, int workers, long minibatches,
                            Broadcast<int[]> permutation) {
        this.slotted = slotted;
        this.rounds = rounds;
        this.workers = workers;
        this.minibatches = minibatches;
        this.permutation = permutation;
    }

    /**
     * Cuts {@code data}, whose partitions hold {@code partitionCounts} minibatches, into rounds of
     * {@code workers} x at most {@code perWorker} minibatches in an order drawn from {@code seed}.
     */
    static AveragingRounds of(JavaRDD<DataSet> data, long[] partitionCounts, int workers, int perWorker, long seed) {
        if (workers < 1 || perWorker < 1) {
            throw new IllegalArgumentException("workers and minibatches per worker must be positive, got " + workers
                    + " and " + perWorker);
        }
        long total = 0;
        long[] offsets = new long[partitionCounts.length];
        for (int p = 0; p < partitionCounts.length; p++) {
            offsets[p] = total;
            total += partitionCounts[p];
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many minibatches for one epoch: " + total);
        }
        int n = (int) total;
        int rounds = Math.max(1, (int) ((total + (long) workers * perWorker - 1) / ((long) workers * perWorker)));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        Broadcast<int[]> permutation = JavaSparkContext.fromSparkContext(data.context()).broadcast(order);
        JavaPairRDD<Integer, byte[]> keyed = JavaPairRDD.fromJavaRDD(
                data.mapPartitionsWithIndex(new SlotFn(offsets, permutation), true));
        // Shuffled as DataSetCodec bytes: ND4J's own serialization writes float by float.
        JavaRDD<DataSet> slotted = keyed.repartitionAndSortWithinPartitions(new RoundPartitioner(rounds, workers))
                .values().map(DataSetCodec::decode);
        return new AveragingRounds(slotted, rounds, workers, total, permutation);
    }

    /** Rounds in this epoch. */
    int rounds() {
        return rounds;
    }

    /** Minibatches in this epoch. */
    long minibatches() {
        return minibatches;
    }

    /** Workers (partitions) with data in {@code round}: all, unless the round has fewer minibatches. */
    int workersIn(int round) {
        long inRound = (minibatches - round + rounds - 1) / rounds;
        return (int) Math.min(workers, inRound);
    }

    /** The minibatches of {@code round} (0-based): one partition per worker with data, in slot order. */
    JavaRDD<DataSet> round(int round) {
        if (round < 0 || round >= rounds) {
            throw new IndexOutOfBoundsException("round " + round + " of " + rounds);
        }
        PartitionPruningRDD<DataSet> pruned = PartitionPruningRDD.create(slotted.rdd(),
                new RoundFilter(round * workers, round * workers + workersIn(round)));
        return JavaRDD.fromRDD(pruned, ClassTag$.MODULE$.apply(DataSet.class));
    }

    /** Frees the epoch's permutation on the executors. */
    void destroy() {
        permutation.destroy();
    }

    /** The partition of a slot: round-major, then worker. */
    static final class RoundPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int rounds;
        private final int workers;

        RoundPartitioner(int rounds, int workers) {
            this.rounds = rounds;
            this.workers = workers;
        }

        @Override
        public int numPartitions() {
            return rounds * workers;
        }

        @Override
        public int getPartition(Object key) {
            int slot = (Integer) key;
            return (slot % rounds) * workers + (slot / rounds) % workers;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof RoundPartitioner p && p.rounds == rounds && p.workers == workers;
        }

        @Override
        public int hashCode() {
            return 31 * rounds + workers;
        }
    }

    /** Keys each minibatch (encoded) with its slot: the permuted position of its index in the whole RDD. */
    private static final class SlotFn
            implements Function2<Integer, Iterator<DataSet>, Iterator<Tuple2<Integer, byte[]>>> {
        private static final long serialVersionUID = 1L;
        private final long[] offsets;
        private final Broadcast<int[]> permutation;

        SlotFn(long[] offsets, Broadcast<int[]> permutation) {
            this.offsets = offsets;
            this.permutation = permutation;
        }

        @Override
        public Iterator<Tuple2<Integer, byte[]>> call(Integer partition, Iterator<DataSet> minibatches) {
            int[] order = permutation.value();
            long first = offsets[partition];
            long end = partition + 1 < offsets.length ? offsets[partition + 1] : order.length;
            return new Iterator<>() {
                private long index = first;

                @Override
                public boolean hasNext() {
                    return minibatches.hasNext();
                }

                @Override
                public Tuple2<Integer, byte[]> next() {
                    DataSet next = minibatches.next();
                    if (index >= end) {
                        // The counts came from an earlier pass over the same persisted RDD.
                        throw new IllegalStateException("partition " + partition + " holds more minibatches than the "
                                + (end - first) + " counted before the epoch");
                    }
                    return new Tuple2<>(order[(int) index++], DataSetCodec.encode(next));
                }
            };
        }
    }

    /** Keeps partitions [from, to) of the slotted RDD. Used on the driver only, serializable anyway. */
    private static final class RoundFilter extends AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int from;
        private final int to;

        RoundFilter(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public Object apply(Object index) {
            int i = (Integer) index;
            return i >= from && i < to;
        }
    }
}
