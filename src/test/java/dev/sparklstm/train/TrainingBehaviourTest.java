package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.jobs.TrainJob;
import dev.sparklstm.jobs.TrainOptions;
import dev.sparklstm.model.ModelMetadata;
import dev.sparklstm.samples.SampleGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training behaviours beyond the happy path: short sequences under TBPTT, divergence, Export, time types. */
class TrainingBehaviourTest {
    private static SparkSession spark;

    @TempDir
    Path temp;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("TrainingBehaviourTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** Sensor sequences as a long table, with integer or timestamp time and string or integer ids. */
    private String sensorTable(String name, int sequences, int minLength, int maxLength, boolean timestamps,
                               boolean integerIds) {
        SampleGenerator generator = new SampleGenerator(minLength, maxLength, 3);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < sequences; i++) {
            SampleGenerator.SensorSequence s = generator.sensor(i);
            for (int t = 0; t < s.length(); t++) {
                Object id = integerIds ? (Object) (long) i : s.seqId();
                Object time = timestamps ? new Timestamp(1_700_000_000_000L + 60_000L * t) : t;
                rows.add(RowFactory.create(id, time, s.temperature()[t], s.vibration()[t], s.pressure()[t],
                        s.mode()[t], SampleGenerator.LABELS.indexOf(s.label()[t])));
            }
        }
        DataType idType = integerIds ? DataTypes.LongType : DataTypes.StringType;
        StructType schema = new StructType().add("seq_id", idType).add("t",
                        timestamps ? DataTypes.TimestampType : DataTypes.IntegerType)
                .add("temperature", DataTypes.DoubleType).add("vibration", DataTypes.DoubleType)
                .add("pressure", DataTypes.DoubleType).add("mode", DataTypes.StringType)
                .add("label", DataTypes.IntegerType);
        // Shuffle row order: the job must not rely on the file order.
        java.util.Collections.shuffle(rows, new java.util.Random(5));
        String path = temp.resolve(name + ".parquet").toString();
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(path);
        return path;
    }

    @Test
    void sequencesShorterThanTheTbpttLengthAreTrainedOn() {
        String input = sensorTable("short", 300, 6, 12, false, false);
        TrainResult result = TrainJob.run(spark, TrainOptions.parse("--input", input,
                "--output", temp.resolve("out").toString(), "--set", "model.tbptt-length=50",
                "--set", "train.epochs=8"), TrainJobEndToEndTest.quiet());
        EpochMetrics first = result.epochs().get(0);
        assertTrue(result.last().trainLoss() < 0.8 * first.trainLoss(),
                "training loss " + first.trainLoss() + " -> " + result.last().trainLoss());
        assertTrue(result.last().validationAccuracy() > result.baselineMetric() + 0.15,
                "validation accuracy " + result.last().validationAccuracy() + " vs baseline " + result.baselineMetric());
    }

    @Test
    void divergenceStopsTheJobAndWritesNothing() {
        Path out = temp.resolve("diverged");
        TrainingDivergedException error = assertThrows(TrainingDivergedException.class, () ->
                TrainJob.run(spark, TrainOptions.parse("--config", "conf/adding-regression.properties",
                        "--output", out.toString(), "--set", "model.updater=sgd", "--set", "model.momentum=0.9",
                        "--set", "model.learning-rate=10", "--set", "model.clipping=none",
                        "--set", "train.epochs=3"), TrainJobEndToEndTest.quiet()));
        assertTrue(error.getMessage().matches("(?s)training diverged in epoch \\d: .*model\\.learning-rate.*"
                + "model\\.clipping.*No model was written\\."), error.getMessage());
        assertFalse(Files.exists(out));
        assertTrue(temp.toFile().list().length == 0, "leftover files: " + List.of(temp.toFile().list()));
    }

    @Test
    void exportApproachTrainsLikeDirect() throws Exception {
        Path exportDir = temp.resolve("export");
        TrainResult result = TrainJob.run(spark, TrainOptions.parse("--config", "conf/adding-regression.properties",
                "--output", temp.resolve("out").toString(), "--set", "train.approach=export",
                "--set", "train.export-dir=" + exportDir.toUri(), "--set", "train.epochs=6"),
                TrainJobEndToEndTest.quiet());
        assertTrue(result.last().validationRmse() < 0.7 * result.baselineMetric(),
                "validation RMSE " + result.last().validationRmse() + " vs baseline " + result.baselineMetric());
    }

    @Test
    void timestampTimeIntegerIdsAndIntegerClassesPerSequence() throws Exception {
        String input = sensorTable("ts", 240, 15, 30, true, true);
        Path out = temp.resolve("out");
        TrainResult result = TrainJob.run(spark, TrainOptions.parse("--input", input, "--output", out.toString(),
                "--set", "task.output=per-sequence", "--set", "train.epochs=2", "--set", "model.layers=16"),
                TrainJobEndToEndTest.quiet());
        assertEquals(240, result.trainSequences() + result.validationSequences());
        ModelMetadata metadata = ModelMetadata.fromJson(Files.readString(out.resolve("model/metadata.json")));
        assertEquals(List.of("0", "1", "2"), metadata.preprocessing().classes());
        assertEquals("per-sequence", metadata.task().output());
        assertEquals("timestamp", metadata.inputSchema().get(1).type());
        assertTrue(Double.isFinite(result.last().validationAccuracy()));
    }

    @Test
    void wideMatrixColumnTrainsAndScores() throws Exception {
        String input = temp.resolve("matrix.parquet").toString();
        spark.read().parquet("data-samples/adding-wide.parquet")
                .selectExpr("seq_id", "transform(arrays_zip(value, marker), s -> array(s.value, s.marker)) AS steps",
                        "target")
                .write().parquet(input);
        Path out = temp.resolve("matrix-run");
        TrainResult result = TrainJob.run(spark, TrainOptions.parse("--config", "conf/adding-wide-regression.properties",
                "--input", input, "--output", out.toString(), "--set", "columns.features=steps",
                "--set", "train.epochs=8"), TrainJobEndToEndTest.quiet());
        assertEquals(600, result.inputRows());
        assertTrue(result.last().validationRmse() < 0.6 * result.baselineMetric(),
                "validation RMSE " + result.last().validationRmse() + " vs baseline " + result.baselineMetric());
        ModelMetadata metadata = ModelMetadata.fromJson(Files.readString(out.resolve("model/metadata.json")));
        assertEquals(List.of("steps[0]", "steps[1]"), metadata.columns().numericFeatures());

        dev.sparklstm.score.ScoreResult scored = dev.sparklstm.jobs.ScoreJob.run(spark,
                dev.sparklstm.score.ScoreOptions.parse("--model", out.resolve("model").toString(), "--input", input,
                        "--output", temp.resolve("matrix-scores").toString()), TrainJobEndToEndTest.quiet());
        assertEquals(600, scored.scoredRows());
        assertEquals(result.last().validationRmse(), scored.metrics().get("rmse"), 0.1);
    }
}
