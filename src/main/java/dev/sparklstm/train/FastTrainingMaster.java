package dev.sparklstm.train;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.ExecuteWorkerFlatMap;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dl4j-spark parameter averaging whose workers train each minibatch with
 * {@link dev.sparklstm.nn.FastTrainer} (same parameters and updater state as {@code network.fit},
 * much faster) when the network is supported, and with {@code network.fit} otherwise. With the
 * direct approach the rounds of an epoch are cut by {@link AveragingRounds} instead of
 * dl4j-spark's splits; the workers, the averaging of parameters and updater state and the results
 * are dl4j-spark's.
 *
 * <p>Made from a configured {@link ParameterAveragingTrainingMaster.Builder} through the master's
 * protected {@code ParameterAveragingTrainingMaster(Builder)} constructor (M2's Builder has only
 * public constructors and its {@code build()} returns the stock class). With training hooks,
 * listeners or training statistics the stock worker is used (its hook, listener and statistics
 * fields are private), with a log line.
 */
public final class FastTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final Logger LOG = LoggerFactory.getLogger(FastTrainingMaster.class);
    private static final AtomicBoolean LOGGED_STOCK = new AtomicBoolean();
    private transient long[] counts;
    private transient int countedRdd = -1;

    /** A master with every setting of {@code builder}. */
    public FastTrainingMaster(ParameterAveragingTrainingMaster.Builder builder) {
        super(builder);
    }

    /**
     * One epoch. With the direct approach (and no training statistics) the rounds come from
     * {@link AveragingRounds}: one shuffle per epoch instead of dl4j-spark's full pass (or more)
     * over the data per round, every minibatch trained once, and the same result for the same seed
     * and data. The export approach and statistics collection run dl4j-spark's own loop.
     */
    @Override
    public void executeTraining(SparkDl4jMultiLayer network, JavaRDD<DataSet> trainingData) {
        if (rddTrainingApproach != RDDTrainingApproach.Direct || collectTrainingStats) {
            super.executeTraining(network, trainingData);
            return;
        }
        if (numWorkers == null) {
            numWorkers = network.getSparkContext().defaultParallelism();
        }
        if (storageLevel != null && trainingData.getStorageLevel().equals(StorageLevel.NONE())) {
            trainingData.persist(storageLevel);
        }
        // dl4j-spark's count of minibatches a worker takes per round (its workers stop there).
        int perWorker = Math.max(1, numObjectsEachWorker(rddDataSetNumExamples));
        long[] perPartition = partitionCounts(trainingData);
        long seed = rng.nextLong(); // drawn for every epoch, empty or not (skipEpochs counts on it)
        if (java.util.Arrays.stream(perPartition).sum() == 0) {
            // Nothing to train (dl4j-spark's aggregation of no results would fail on a null sum).
            return;
        }
        AveragingRounds rounds = AveragingRounds.of(trainingData, perPartition, numWorkers, perWorker, seed);
        try {
            for (int round = 0; round < rounds.rounds(); round++) {
                ParameterAveragingTrainingWorker worker = getWorkerInstance(network);
                JavaRDD<ParameterAveragingTrainingResult> results = rounds.round(round)
                        .mapPartitions(new ExecuteWorkerFlatMap<>(worker));
                processResults(network, null, results, round + 1, rounds.rounds());
                if (worker instanceof FastTrainingWorker fast) {
                    // dl4j-spark never frees a round's broadcast (PLATFORM-NOTES); the round is over.
                    fast.destroyBroadcast();
                }
            }
        } finally {
            rounds.destroy();
        }
    }

    /**
     * Draws the random numbers of {@code epochs} epochs without training them, so that a run
     * resumed after that many epochs deals its minibatches into the same rounds as an
     * uninterrupted run (each epoch of the direct approach draws one seed).
     */
    public void skipEpochs(int epochs) {
        for (int i = 0; i < epochs; i++) {
            rng.nextLong();
        }
    }

    /** Minibatches per partition of {@code data}, counted once per persisted RDD (every epoch trains the same one). */
    private long[] partitionCounts(JavaRDD<DataSet> data) {
        if (countedRdd != data.id() || counts == null) {
            List<Long> perPartition = data.mapPartitions(new CountFn()).collect();
            counts = perPartition.stream().mapToLong(Long::longValue).toArray();
            countedRdd = data.id();
        }
        return counts;
    }

    /** The number of elements of a partition. */
    private static final class CountFn implements FlatMapFunction<Iterator<DataSet>, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Long> call(Iterator<DataSet> minibatches) {
            long count = 0;
            for (; minibatches.hasNext(); minibatches.next()) {
                count++;
            }
            return List.of(count).iterator();
        }
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkDl4jMultiLayer network) {
        boolean hooks = trainingHookList != null && !trainingHookList.isEmpty();
        boolean withListeners = listeners != null && !listeners.isEmpty();
        if (hooks || withListeners || collectTrainingStats) {
            if (LOGGED_STOCK.compareAndSet(false, true)) {
                LOG.info("fast training step off: training hooks, listeners or statistics are configured; workers use"
                        + " MultiLayerNetwork.fit");
            }
            return super.getWorkerInstance(network);
        }
        // As ParameterAveragingTrainingMaster.getWorkerInstance does (M2), with our worker class.
        MultiLayerNetwork net = network.getNetwork();
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getLayerWiseConfigurations(), net.params(),
                net.getUpdater().getStateViewArray());
        Broadcast<NetBroadcastTuple> broadcast = network.getSparkContext().broadcast(tuple);
        WorkerConfiguration configuration = new WorkerConfiguration(false, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        return new FastTrainingWorker(broadcast, saveUpdater, configuration);
    }
}
