package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.model.NetworkFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link AveragingRounds} puts every minibatch of an epoch into exactly one round and worker, at
 * most the averaging frequency per worker, in a seeded order; {@link FastTrainingMaster} trains
 * every minibatch once per epoch and gives the same parameters for the same seed and data.
 */
class AveragingRoundsTest {
    private static final int INPUTS = 3;
    private static final int CLASSES = 3;
    private static final int BATCH = 4;
    private static final int STEPS = 9;
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("AveragingRoundsTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void everyMinibatchLandsInExactlyOneRoundAndWorkerInASeededOrder() {
        // 23 minibatches in 3 uneven partitions, 2 workers, 3 per worker: 4 rounds of 6, 6, 6, 5.
        JavaRDD<DataSet> data = jsc.parallelize(tagged(23), 3);
        long[] counts = data.glom().map(List::size).collect().stream().mapToLong(Integer::longValue).toArray();
        AveragingRounds rounds = AveragingRounds.of(data, counts, 2, 3, 5L);
        assertEquals(4, rounds.rounds());
        assertEquals(23, rounds.minibatches());
        List<List<List<Integer>>> layout = layout(rounds);
        TreeSet<Integer> seen = new TreeSet<>();
        int[] roundSizes = new int[rounds.rounds()];
        for (int r = 0; r < rounds.rounds(); r++) {
            assertEquals(2, layout.get(r).size(), "partitions of round " + r);
            for (List<Integer> worker : layout.get(r)) {
                assertTrue(!worker.isEmpty() && worker.size() <= 3, "round " + r + " worker holds " + worker);
                roundSizes[r] += worker.size();
                for (int id : worker) {
                    assertTrue(seen.add(id), "minibatch " + id + " in two places");
                }
            }
        }
        assertEquals(23, seen.size());
        assertArrayEquals(new int[] {6, 6, 6, 5}, roundSizes);
        // The same seed gives the same layout (order within each worker included); another seed another.
        assertEquals(layout, layout(AveragingRounds.of(data, counts, 2, 3, 5L)));
        assertNotEquals(layout, layout(AveragingRounds.of(data, counts, 2, 3, 6L)));
        rounds.destroy();
    }

    @Test
    void aRoundWithFewerMinibatchesThanWorkersReadsOnlyTheFullPartitions() {
        JavaRDD<DataSet> data = jsc.parallelize(tagged(3), 2);
        long[] counts = data.glom().map(List::size).collect().stream().mapToLong(Integer::longValue).toArray();
        // 4 workers, 1 minibatch each per round: one round of 3, read by 3 workers.
        AveragingRounds rounds = AveragingRounds.of(data, counts, 4, 1, 1L);
        assertEquals(1, rounds.rounds());
        assertEquals(3, rounds.workersIn(0));
        List<List<Integer>> round = layout(rounds).get(0);
        assertEquals(3, round.size());
        round.forEach(worker -> assertEquals(1, worker.size()));
    }

    @Test
    void theMasterTrainsEveryMinibatchOncePerEpochAndTheSameSeedGivesTheSameParameters() {
        // 7 minibatches, 2 workers averaging every 2: rounds of 4 and 3. dl4j-spark's own splits
        // would have dropped some (its workers stop after averagingFrequency minibatches).
        JavaRDD<DataSet> data = jsc.parallelize(minibatches(7), 2).persist(TrainingRun.STORAGE_LEVEL);
        MultiLayerNetwork start = network();
        long before = FastTrainingWorker.FAST_MINIBATCHES.get();
        INDArray first = train(start.clone(), data, 3);
        assertEquals(21, FastTrainingWorker.FAST_MINIBATCHES.get() - before, "minibatches trained in 3 epochs");
        INDArray second = train(start.clone(), data, 3);
        assertArrayEquals(first.toFloatVector(), second.toFloatVector(), "two runs with the same seed and data");
        assertTrue(first.sub(start.params()).amaxNumber().doubleValue() > 1e-3, "training moved nothing");
    }

    @Test
    void aRunResumedAfterAnEpochEndsWhereTheUninterruptedRunEnds() {
        JavaRDD<DataSet> data = jsc.parallelize(minibatches(7), 2).persist(TrainingRun.STORAGE_LEVEL);
        MultiLayerNetwork start = network();
        INDArray straight = train(start.clone(), data, 3);
        // One epoch, then a new master (as after a driver restart) from that network and its
        // updater state, told that one epoch is done.
        SparkDl4jMultiLayer first = fit(start.clone(), data, 1, 0);
        INDArray resumed = fit(first.getNetwork().clone(), data, 2, 1).getNetwork().params().dup();
        assertArrayEquals(straight.toFloatVector(), resumed.toFloatVector());
        // Without skipping the first epoch's draw the rounds differ, and so do the parameters.
        INDArray unskipped = fit(first.getNetwork().clone(), data, 2, 0).getNetwork().params().dup();
        assertNotEquals(straight, unskipped);
    }

    @Test
    void anEmptyEpochLeavesTheNetworkAsItWas() {
        JavaRDD<DataSet> data = jsc.parallelize(new ArrayList<DataSet>(), 2);
        MultiLayerNetwork start = network();
        assertArrayEquals(start.params().toFloatVector(), train(start.clone(), data, 1).toFloatVector());
    }

    private static INDArray train(MultiLayerNetwork network, JavaRDD<DataSet> data, int epochs) {
        return fit(network, data, epochs, 0).getNetwork().params().dup();
    }

    private static SparkDl4jMultiLayer fit(MultiLayerNetwork network, JavaRDD<DataSet> data, int epochs, int done) {
        FastTrainingMaster master = new FastTrainingMaster(new ParameterAveragingTrainingMaster.Builder(2, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(2).saveUpdater(true).rngSeed(9)
                .rddTrainingApproach(RDDTrainingApproach.Direct));
        master.skipEpochs(done);
        SparkDl4jMultiLayer sparkNetwork = new SparkDl4jMultiLayer(jsc, network, master);
        for (int epoch = 0; epoch < epochs; epoch++) {
            sparkNetwork.fit(data);
        }
        return sparkNetwork;
    }

    /** Per round, per worker partition: the ids of its minibatches in the order a worker reads them. */
    private static List<List<List<Integer>>> layout(AveragingRounds rounds) {
        List<List<List<Integer>>> out = new ArrayList<>();
        for (int r = 0; r < rounds.rounds(); r++) {
            List<List<Integer>> workers = new ArrayList<>();
            for (List<DataSet> partition : rounds.round(r).glom().collect()) {
                List<Integer> ids = new ArrayList<>();
                partition.forEach(d -> ids.add(d.getFeatures().getInt(0)));
                workers.add(ids);
            }
            out.add(workers);
        }
        return out;
    }

    /** Minibatches whose first feature is their id. */
    private static List<DataSet> tagged(int count) {
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new DataSet(Nd4j.scalar(DataType.FLOAT, i).reshape(1, 1), Nd4j.zeros(DataType.FLOAT, 1, 1)));
        }
        return out;
    }

    private static MultiLayerNetwork network() {
        NetworkSpec spec = TrainConfig.from(Settings.defaults().with(ConfigKey.MODEL_CELL, "lstm")
                .with(ConfigKey.MODEL_LAYERS, "6").with(ConfigKey.MODEL_TBPTT_LENGTH, "4")
                .with(ConfigKey.MODEL_UPDATER, "adam")).network();
        return NetworkFactory.create(spec, INPUTS, CLASSES, true, false);
    }

    /** Full minibatches of BATCH random sequences of STEPS steps. */
    private static List<DataSet> minibatches(int count) {
        Random random = new Random(4);
        List<DataSet> out = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            INDArray features = Nd4j.zeros(DataType.FLOAT, BATCH, INPUTS, STEPS);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES, STEPS);
            for (int n = 0; n < BATCH; n++) {
                for (int t = 0; t < STEPS; t++) {
                    for (int k = 0; k < INPUTS; k++) {
                        features.putScalar(new int[] {n, k, t}, random.nextGaussian());
                    }
                    labels.putScalar(new int[] {n, random.nextInt(CLASSES), t}, 1.0);
                }
            }
            out.add(new DataSet(features, labels));
        }
        return out;
    }
}
