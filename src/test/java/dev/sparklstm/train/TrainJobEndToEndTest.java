package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.jobs.TrainJob;
import dev.sparklstm.jobs.TrainOptions;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.model.ModelMetadata;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training job end to end in local mode on the bundled samples: it must clearly beat the
 * trivial baseline and every output must read back.
 */
class TrainJobEndToEndTest {
    private static SparkSession spark;

    @TempDir
    Path temp;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("TrainJobEndToEndTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void trainsOnTheDefaultSampleAndWritesEveryOutput() throws Exception {
        Path out = temp.resolve("run");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainResult result = TrainJob.run(spark,
                TrainOptions.parse("--output", out.toString(), "--set", "train.epochs=5"),
                new PrintStream(console, true, StandardCharsets.UTF_8));

        // Learns: per-step classification of the sensor sample beats the majority class clearly.
        assertEquals(15880, result.inputRows());
        assertEquals(15880, result.usedRows());
        assertEquals(0, result.rejectedRows());
        assertEquals(400, result.trainSequences() + result.validationSequences());
        assertTrue(result.validationSequences() > 40, "validation split " + result.validationSequences());
        assertTrue(result.baselineMetric() < 0.55, "majority-class accuracy " + result.baselineMetric());
        double accuracy = result.last().validationAccuracy();
        assertTrue(accuracy > result.baselineMetric() + 0.25,
                "validation accuracy " + accuracy + " vs baseline " + result.baselineMetric());
        assertTrue(result.last().trainLoss() < result.epochs().get(0).trainLoss());
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("epoch 5/5"), printed);
        assertTrue(printed.contains("ETA"), printed);
        assertTrue(printed.contains("15880 input = 15880 used + 0 rejected"), printed);

        // model/: a plain DL4J zip whose SHA-256 is in the metadata.
        byte[] modelBytes = Files.readAllBytes(out.resolve("model/model.zip"));
        ModelMetadata metadata = ModelMetadata.fromJson(Files.readString(out.resolve("model/metadata.json")));
        assertEquals(ModelFiles.sha256(modelBytes), metadata.modelSha256());
        assertEquals(result.modelSha256(), metadata.modelSha256());
        MultiLayerNetwork network = ModelSerializer.restoreMultiLayerNetwork(out.resolve("model/model.zip").toFile(), true);
        assertEquals(metadata.parameterCount(), network.numParams());
        assertNotNull(network.getUpdater().getStateViewArray(), "updater state saved");
        assertEquals(List.of("temperature", "vibration", "pressure"), metadata.columns().numericFeatures());
        assertEquals(List.of("mode"), metadata.columns().categoricalFeatures());
        assertEquals(List.of("fault", "ok", "warn"), metadata.preprocessing().classes());
        assertEquals(List.of(List.of("boost", "idle", "run")), metadata.preprocessing().vocabularies());
        assertEquals(3 + 4, metadata.encoder().inputSize());
        assertEquals("classification", metadata.task().type());
        assertEquals("per-step", metadata.task().output());
        assertEquals(15880, metadata.counts().inputRows());
        assertEquals("1.0.0-M2", metadata.versions().get("dl4j"));
        assertEquals(accuracy, metadata.finalMetrics().get("validation_accuracy"), 1e-12);
        double temperatureMean = metadata.preprocessing().means()[0];
        assertTrue(temperatureMean > 20 && temperatureMean < 90, "temperature mean " + temperatureMean);

        // metrics/: one row per epoch, equal to what the run returned.
        List<Row> metrics = spark.read().parquet(out.resolve("metrics").toString()).orderBy("epoch").collectAsList();
        assertEquals(5, metrics.size());
        for (int i = 0; i < 5; i++) {
            EpochMetrics expected = result.epochs().get(i);
            Row row = metrics.get(i);
            assertEquals(i + 1, row.getInt(row.fieldIndex("epoch")));
            assertEquals(expected.trainLoss(), row.getDouble(row.fieldIndex("train_loss")), 0.0);
            assertEquals(expected.validationAccuracy(), row.getDouble(row.fieldIndex("validation_accuracy")), 0.0);
            assertTrue(row.isNullAt(row.fieldIndex("validation_rmse")));
            assertTrue(row.getDouble(row.fieldIndex("steps_per_second")) > 0);
        }

        // rejected/: written even when empty, with the input columns plus the reason.
        Dataset<Row> rejected = spark.read().parquet(out.resolve("rejected").toString());
        assertEquals(0, rejected.count());
        assertEquals(List.of("seq_id", "t", "temperature", "vibration", "pressure", "mode", "label", "reject_reason"),
                List.of(rejected.schema().fieldNames()));

        // config.properties: the resolved configuration reads back.
        TrainConfig reread = TrainConfig.from(Settings.defaults().withFile(out.resolve("config.properties")));
        assertEquals(5, reread.training().epochs());
        assertTrue(reread.settings().get(ConfigKey.INPUT_PATH).endsWith("data-samples/sensor-steps.parquet"));

        // Nothing but the output itself is left in the parent directory.
        try (var siblings = Files.list(temp)) {
            assertEquals(List.of(out), siblings.toList());
        }
    }

    @Test
    void learnsTheAddingProblemManyToOne() {
        TrainResult result = TrainJob.run(spark, TrainOptions.parse(
                "--config", "conf/adding-regression.properties",
                "--output", temp.resolve("adding").toString(),
                "--set", "train.epochs=10"), quiet());
        assertEquals(11886, result.inputRows());
        assertNull(result.last().validationAccuracy());
        double rmse = result.last().validationRmse();
        assertTrue(result.baselineMetric() > 0.3, "mean-prediction RMSE " + result.baselineMetric());
        assertTrue(rmse < 0.5 * result.baselineMetric(), "validation RMSE " + rmse + " vs baseline "
                + result.baselineMetric());
    }

    @Test
    void learnsFromTheWideLayout() {
        TrainResult result = TrainJob.run(spark, TrainOptions.parse(
                "--config", "conf/adding-wide-regression.properties",
                "--output", temp.resolve("wide").toString(),
                "--set", "train.epochs=10"), quiet());
        assertEquals(600, result.inputRows());
        assertEquals(600, result.trainSequences() + result.validationSequences());
        assertTrue(result.last().validationRmse() < 0.5 * result.baselineMetric(),
                "validation RMSE " + result.last().validationRmse() + " vs baseline " + result.baselineMetric());
    }

    @Test
    void csvAndParquetOfTheSameTableTrainIdentically() {
        String[] common = {"--set", "train.epochs=1", "--set", "model.layers=8", "--set", "train.workers=1"};
        TrainResult parquet = TrainJob.run(spark, TrainOptions.parse(concat(common,
                "--input", "data-samples/sensor-steps.parquet", "--output", temp.resolve("p").toString())), quiet());
        TrainResult csv = TrainJob.run(spark, TrainOptions.parse(concat(common,
                "--input", "data-samples/sensor-steps.csv", "--output", temp.resolve("c").toString())), quiet());
        assertEquals(parquet.inputRows(), csv.inputRows());
        assertArrayEquals(new double[] {parquet.last().trainLoss(), parquet.last().validationLoss()},
                new double[] {csv.last().trainLoss(), csv.last().validationLoss()}, 1e-9);
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
