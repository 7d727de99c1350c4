package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.model.NetworkFactory;
import dev.sparklstm.nn.FastTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
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
 * {@link FastTrainingMaster} under dl4j-spark parameter averaging (2 workers, saveUpdater, three
 * rounds, truncated BPTT with l2-norm clipping, right-padded masks) gives the same parameters and
 * averaged Adam state as the stock master, and its workers really took the fast path, with trainers
 * made for the task's two cores ({@code spark.task.cpus=2}; this network is too small for a second
 * lane to pay off, so FastTrainerTest checks the split itself).
 */
class FastTrainingMasterTest {
    private static final int INPUTS = 3;
    private static final int CLASSES = 3;
    private static final int BATCH = 6;
    private static final int STEPS = 12;
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("FastTrainingMasterTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.task.cpus", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void fastWorkersTrainLikeStockWorkers() {
        MultiLayerNetwork stock = network();
        assertEquals(Optional.empty(), FastTrainer.unsupportedReason(stock));
        MultiLayerNetwork fast = stock.clone();
        INDArray start = stock.params().dup();

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<DataSet> data = jsc.parallelize(minibatches(), 2);
        SparkDl4jMultiLayer sparkStock = new SparkDl4jMultiLayer(jsc, stock, builder().build());
        FastTrainingMaster master = new FastTrainingMaster(builder());
        SparkDl4jMultiLayer sparkFast = new SparkDl4jMultiLayer(jsc, fast, master);
        long fastBefore = FastTrainingWorker.FAST_MINIBATCHES.get();
        for (int round = 0; round < 3; round++) {
            sparkStock.fit(data);
            sparkFast.fit(data);
        }
        assertEquals(6, FastTrainingWorker.FAST_MINIBATCHES.get() - fastBefore, "minibatches on the fast path");
        assertEquals(2, FastTrainingWorker.MAX_THREADS.get(), "threads per fast trainer: the task's cores");
        assertEquals(List.of(2, 2), jsc.parallelize(List.of(1, 2), 2).map(i -> TaskCores.current()).collect());
        assertEquals(1, TaskCores.current(), "outside a task");
        INDArray fastParams = sparkFast.getNetwork().params();
        INDArray stockParams = sparkStock.getNetwork().params();
        INDArray fastState = sparkFast.getNetwork().getUpdater().getStateViewArray();
        INDArray stockState = sparkStock.getNetwork().getUpdater().getStateViewArray();
        double moved = fastParams.sub(start).amaxNumber().doubleValue();
        double paramDiff = fastParams.sub(stockParams).amaxNumber().doubleValue();
        double stateDiff = fastState.sub(stockState).amaxNumber().doubleValue();
        assertTrue(moved > 1e-3, "training must move the parameters: " + moved);
        assertTrue(fastState.amaxNumber().doubleValue() > 0, "the averaged Adam state must be kept");
        assertTrue(paramDiff < 1e-5, "parameters differ by " + paramDiff);
        assertTrue(stateDiff < 1e-5, "updater state differs by " + stateDiff);
    }

    private static ParameterAveragingTrainingMaster.Builder builder() {
        return new ParameterAveragingTrainingMaster.Builder(BATCH).batchSizePerWorker(BATCH).averagingFrequency(1)
                .saveUpdater(true).rngSeed(3).repartionData(Repartition.Never)
                .rddTrainingApproach(RDDTrainingApproach.Direct);
    }

    private static MultiLayerNetwork network() {
        NetworkSpec spec = TrainConfig.from(Settings.defaults().with(ConfigKey.MODEL_CELL, "lstm")
                .with(ConfigKey.MODEL_LAYERS, "8,6").with(ConfigKey.MODEL_TBPTT_LENGTH, "5")
                .with(ConfigKey.MODEL_UPDATER, "adam").with(ConfigKey.MODEL_CLIPPING, "l2-norm")
                .with(ConfigKey.MODEL_CLIPPING_THRESHOLD, "0.5")).network();
        return NetworkFactory.create(spec, INPUTS, CLASSES, true, false);
    }

    /** Two right-padded minibatches of BATCH sequences: one per worker per averaging round. */
    private static List<DataSet> minibatches() {
        Random random = new Random(11);
        List<DataSet> out = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
            INDArray features = Nd4j.zeros(DataType.FLOAT, BATCH, INPUTS, STEPS);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES, STEPS);
            INDArray mask = Nd4j.zeros(DataType.FLOAT, BATCH, STEPS);
            for (int n = 0; n < BATCH; n++) {
                int length = STEPS - 2 * n;
                for (int t = 0; t < length; t++) {
                    mask.putScalar(n, t, 1.0);
                    for (int k = 0; k < INPUTS; k++) {
                        features.putScalar(new int[] {n, k, t}, random.nextGaussian());
                    }
                    labels.putScalar(new int[] {n, random.nextInt(CLASSES), t}, 1.0);
                }
            }
            out.add(new DataSet(features, labels, mask, mask));
        }
        return out;
    }
}
