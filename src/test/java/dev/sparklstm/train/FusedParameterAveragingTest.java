package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.model.NetworkFactory;
import dev.sparklstm.nn.FusedLstmLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.Repartition;
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
 * dl4j-spark parameter averaging (2 workers, Adam state averaged and carried with saveUpdater)
 * trains the fused layer exactly as it trains DL4J's LSTM: same start, same data, same parameters
 * and updater state after three averaging rounds (full BPTT, where the two layers' gradients agree).
 */
class FusedParameterAveragingTest {
    private static final int INPUTS = 3;
    private static final int CLASSES = 3;
    private static final int BATCH = 4;
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("FusedParameterAveragingTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void fusedAndDl4jLstmTrainAlikeWithUpdaterState() {
        MultiLayerNetwork fused = network("lstm");
        MultiLayerNetwork dl4j = network("dl4j-lstm");
        assertTrue(fused.getLayer(0) instanceof FusedLstmLayer);
        dl4j.setParams(fused.params().dup());
        INDArray start = fused.params().dup();

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<DataSet> data = jsc.parallelize(minibatches(), 2);
        SparkDl4jMultiLayer sparkFused = new SparkDl4jMultiLayer(jsc, fused, master());
        SparkDl4jMultiLayer sparkDl4j = new SparkDl4jMultiLayer(jsc, dl4j, master());
        for (int round = 0; round < 3; round++) {
            sparkFused.fit(data);
            sparkDl4j.fit(data);
        }
        INDArray fusedParams = sparkFused.getNetwork().params();
        INDArray dl4jParams = sparkDl4j.getNetwork().params();
        INDArray fusedState = sparkFused.getNetwork().getUpdater().getStateViewArray();
        INDArray dl4jState = sparkDl4j.getNetwork().getUpdater().getStateViewArray();
        double moved = fusedParams.sub(start).amaxNumber().doubleValue();
        double paramDiff = fusedParams.sub(dl4jParams).amaxNumber().doubleValue();
        double stateDiff = fusedState.sub(dl4jState).amaxNumber().doubleValue();
        assertTrue(moved > 1e-3, "training must move the parameters: " + moved);
        assertTrue(fusedState.amaxNumber().doubleValue() > 0, "the averaged Adam state must be kept");
        assertTrue(paramDiff < 1e-5, "parameters differ by " + paramDiff);
        assertTrue(stateDiff < 1e-5, "updater state differs by " + stateDiff);
        assertTrue(sparkFused.getNetwork().getLayer(0) instanceof FusedLstmLayer);
    }

    private static ParameterAveragingTrainingMaster master() {
        return new ParameterAveragingTrainingMaster.Builder(BATCH).batchSizePerWorker(BATCH).averagingFrequency(1)
                .saveUpdater(true).rngSeed(3).repartionData(Repartition.Never)
                .rddTrainingApproach(RDDTrainingApproach.Direct).build();
    }

    private static MultiLayerNetwork network(String cell) {
        NetworkSpec spec = TrainConfig.from(Settings.defaults().with(ConfigKey.MODEL_CELL, cell)
                .with(ConfigKey.MODEL_LAYERS, "8,6").with(ConfigKey.MODEL_TBPTT_LENGTH, "0")
                .with(ConfigKey.MODEL_CLIPPING, "none")).network();
        return NetworkFactory.create(spec, INPUTS, CLASSES, true, false);
    }

    /** Two equal-length minibatches of BATCH sequences: one per worker per averaging round. */
    private static List<DataSet> minibatches() {
        Random random = new Random(11);
        List<DataSet> out = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
            INDArray features = Nd4j.create(DataType.FLOAT, BATCH, INPUTS, 15);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES, 15);
            for (int n = 0; n < BATCH; n++) {
                for (int t = 0; t < 15; t++) {
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
