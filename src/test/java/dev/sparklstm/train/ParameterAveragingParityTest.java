package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.bench.SensorSequences;
import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.DataSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.jobs.TrainJob;
import dev.sparklstm.jobs.TrainOptions;
import dev.sparklstm.model.EvaluationResult;
import dev.sparklstm.model.NetworkFactory;
import dev.sparklstm.samples.SampleGenerator;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.SequenceRecord;
import dev.sparklstm.sequence.TrainingStatistics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Training through Spark parameter averaging must reach a validation metric comparable to plain
 * single-JVM training of the same network on the same data and split.
 */
class ParameterAveragingParityTest {
    private static final int EPOCHS = 6;

    @TempDir
    Path temp;

    @Test
    void sparkTrainingMatchesSingleJvmTraining() {
        TrainConfig config = TrainConfig.from(Settings.defaults()
                .with(ConfigKey.TRAIN_EPOCHS, String.valueOf(EPOCHS)));
        double single = trainSingleJvm(config);

        SparkSession spark = SparkSession.builder().master("local[2]").appName("ParameterAveragingParityTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        TrainResult distributed;
        try {
            distributed = TrainJob.run(spark, TrainOptions.parse("--output", temp.resolve("run").toString(),
                    "--set", "train.epochs=" + EPOCHS, "--set", "train.workers=2"), TrainJobEndToEndTest.quiet());
        } finally {
            spark.stop();
        }
        double spark2 = distributed.last().validationAccuracy();
        System.out.printf("validation accuracy after %d epochs: single JVM %.4f, parameter averaging %.4f,"
                + " baseline %.4f%n", EPOCHS, single, spark2, distributed.baselineMetric());
        assertTrue(single > distributed.baselineMetric() + 0.25, "single-JVM accuracy " + single);
        assertEquals(single, spark2, 0.06, "single-JVM accuracy " + single + " vs parameter averaging " + spark2);
    }

    /** The bundled sample's sequences (regenerated), split, encoded and fitted with network.fit. */
    private static double trainSingleJvm(TrainConfig config) {
        List<SequenceRecord> train = new ArrayList<>();
        List<SequenceRecord> validation = new ArrayList<>();
        for (SequenceRecord record : SensorSequences.generate(new SampleGenerator(20, 60, 7), 400,
                List.of("temperature", "vibration", "pressure"), List.of("mode"), true)) {
            boolean isValidation = SequenceFns.InSplit.isValidation(config.training().splitSeed(),
                    config.training().validationFraction(), record.id());
            (isValidation ? validation : train).add(record);
        }
        TrainingStatistics stats = new TrainingStatistics(3, 1);
        train.forEach(stats::add);
        DataSpec spec = config.data();
        FeatureEncoder encoder = stats.toEncoder(List.of("temperature", "vibration", "pressure"), List.of("mode"),
                spec, stats.classes(List.of()));
        List<DataSet> trainBatches = batches(encoder, train, config.training().batchSize());
        List<DataSet> validationBatches = batches(encoder, validation, config.training().batchSize());
        MultiLayerNetwork network = NetworkFactory.create(config.network(), encoder.inputSize(),
                encoder.outputSize(), true, false);
        java.util.Random random = new java.util.Random(1);
        for (int epoch = 0; epoch < config.training().epochs(); epoch++) {
            java.util.Collections.shuffle(trainBatches, random);
            for (DataSet batch : trainBatches) {
                network.fit(batch);
            }
        }
        EvaluationResult result = new EvaluationResult(true);
        validationBatches.forEach(batch -> result.add(network, batch));
        return result.accuracy();
    }

    private static List<DataSet> batches(FeatureEncoder encoder, List<SequenceRecord> sequences, int batchSize) {
        List<DataSet> batches = new ArrayList<>();
        Iterator<DataSet> it = new ToMinibatchesFn(encoder, batchSize, true).call(sequences.iterator());
        it.forEachRemaining(batches::add);
        return batches;
    }
}
