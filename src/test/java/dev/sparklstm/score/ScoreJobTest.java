package dev.sparklstm.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.bench.SensorSequences;
import dev.sparklstm.jobs.ScoreJob;
import dev.sparklstm.jobs.TrainJob;
import dev.sparklstm.jobs.TrainOptions;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.nn.FastForward;
import dev.sparklstm.model.ModelMetadata;
import dev.sparklstm.samples.SampleGenerator;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.MinibatchBuilder;
import dev.sparklstm.sequence.SequenceRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The scoring job on models trained by the training job. */
class ScoreJobTest {
    private static SparkSession spark;
    @TempDir
    static Path shared;
    private static Path sensorModel;
    private static Path addingModel;
    /** The sensor model's network in memory, right after training. */
    private static MultiLayerNetwork sensorNetwork;

    @TempDir
    Path temp;

    @BeforeAll
    static void trainModels() {
        spark = SparkSession.builder().master("local[2]").appName("ScoreJobTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        sensorNetwork = TrainJob.run(spark, TrainOptions.parse("--output", shared.resolve("sensor").toString(),
                "--set", "train.epochs=2", "--set", "model.layers=16,16"), quiet()).network();
        TrainJob.run(spark, TrainOptions.parse("--config", "conf/adding-regression.properties",
                "--output", shared.resolve("adding").toString(), "--set", "train.epochs=2"), quiet());
        sensorModel = shared.resolve("sensor/model");
        addingModel = shared.resolve("adding/model");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private ScoreResult score(String... args) {
        return ScoreJob.run(spark, ScoreOptions.parse(args), quiet());
    }

    private List<Row> predictions(Path out, String... order) {
        return spark.read().parquet(out.resolve("predictions").toString()).orderBy(order[0],
                Arrays.stream(order).skip(1).toArray(String[]::new)).collectAsList();
    }

    @Test
    void savedModelScoresEqualTheTrainedNetworkOnEachWholeSequence() throws Exception {
        Path out = temp.resolve("scores");
        ScoreResult result = score("--model", sensorModel.toString(), "--output", out.toString(),
                "--set", "score.batch-size=7");
        assertEquals(15880, result.inputRows());
        assertEquals(15880, result.scoredRows());
        assertEquals(0, result.rejectedRows());
        assertTrue(result.metrics().get("accuracy") > 0.6, "accuracy " + result.metrics());
        assertTrue(Files.exists(out.resolve("summary.json")));
        assertEquals(0, spark.read().parquet(out.resolve("rejected").toString()).count());

        List<Row> rows = predictions(out, "seq_id", "t");
        assertEquals(List.of("seq_id", "t", "label", "prediction", "probabilities"),
                List.of(rows.get(0).schema().fieldNames()));
        // Reference: the network in memory right after training, plain DL4J, one unpadded sequence
        // at a time. The saved model holds exactly its parameters.
        ModelMetadata metadata = ModelMetadata.fromJson(Files.readString(sensorModel.resolve("metadata.json")));
        MultiLayerNetwork network = sensorNetwork;
        assertEquals(network.params(), ModelFiles.fromBytes(Files.readAllBytes(sensorModel.resolve("model.zip")))
                .params());
        FeatureEncoder encoder = metadata.encoder();
        SampleGenerator generator = new SampleGenerator(20, 60, 7);
        List<SequenceRecord> records = SensorSequences.generate(generator, 40, encoder.numericColumns(),
                encoder.categoricalColumns(), false);
        int index = 0;
        for (int i = 0; i < 40; i++) {
            SampleGenerator.SensorSequence s = generator.sensor(i);
            INDArray expected = network.output(new MinibatchBuilder(encoder).buildUnlabelled(List.of(records.get(i)))
                    .getFeatures());
            for (int t = 0; t < s.length(); t++, index++) {
                Row row = rows.get(index);
                assertEquals(s.seqId(), row.getString(0));
                assertEquals(t, row.getInt(1));
                assertEquals(s.label()[t], row.getString(2));
                List<Double> probabilities = row.getList(4);
                int best = 0;
                for (int k = 0; k < 3; k++) {
                    assertEquals(expected.getDouble(0, k, t), probabilities.get(k), 1e-6, s.seqId() + " t=" + t);
                    best = probabilities.get(k) > probabilities.get(best) ? k : best;
                }
                assertEquals(encoder.classes().get(best), row.getString(3));
            }
        }
    }

    @Test
    void partitioningAndChunkingDoNotChangeTheScores() throws IOException {
        Path one = temp.resolve("one");
        Path three = temp.resolve("three");
        Path chunked = temp.resolve("chunked");
        score("--model", sensorModel.toString(), "--output", one.toString(), "--set", "score.partitions=1");
        score("--model", sensorModel.toString(), "--output", three.toString(), "--set", "score.partitions=3");
        score("--model", sensorModel.toString(), "--output", chunked.toString(), "--set", "score.chunk-length=7");
        List<Row> a = predictions(one, "seq_id", "t");
        List<Row> b = predictions(three, "seq_id", "t");
        List<Row> c = predictions(chunked, "seq_id", "t");
        // Other partitionings put other sequences in a minibatch. Where the fast forward sums each
        // example in a fixed order (AVX-512: the single-pass LSTM step), the scores are the same
        // bits; elsewhere BLAS sums by shape, so probabilities may differ in the last float bits.
        boolean exact = FastForward.forNetwork(ModelFiles.fromBytes(Files.readAllBytes(
                sensorModel.resolve(ModelFiles.MODEL_FILE)))).orElseThrow().batchIndependent();
        assertSameScores(a, b, exact ? 0 : 1e-6, "1 vs 3 partitions");
        assertSameScores(a, c, 1e-5, "whole vs chunks of 7 steps");
    }

    @Test
    void perSequenceRegressionScoresOneRowPerSequenceAlsoInChunks() {
        Path whole = temp.resolve("whole");
        Path chunked = temp.resolve("chunked");
        ScoreResult result = score("--model", addingModel.toString(), "--input", "data-samples/adding-steps.parquet",
                "--output", whole.toString(), "--set", "score.pass-through=t");
        score("--model", addingModel.toString(), "--input", "data-samples/adding-steps.parquet",
                "--output", chunked.toString(), "--set", "score.chunk-length=4");
        assertEquals(11886, result.scoredRows());
        assertTrue(result.metrics().get("rmse") < 0.4, "metrics " + result.metrics());
        List<Row> a = predictions(whole, "seq_id");
        List<Row> b = predictions(chunked, "seq_id");
        assertEquals(600, a.size());
        assertEquals(List.of("seq_id", "t", "target", "sequence_length", "prediction_target"),
                List.of(a.get(0).schema().fieldNames()));
        double squared = a.stream().mapToDouble(r -> Math.pow(r.getDouble(2) - r.getDouble(4), 2)).sum() / a.size();
        assertEquals(squared, result.metrics().get("mse"), 1e-9, "MSE from the written predictions");
        for (int i = 0; i < a.size(); i++) {
            Row x = a.get(i);
            Row y = b.get(i);
            assertEquals(x.getLong(0), y.getLong(0));
            assertEquals((double) x.getAs("prediction_target"), (double) y.getAs("prediction_target"), 1e-5,
                    "sequence " + x.getLong(0));
            assertEquals(x.getInt(1) + 1, x.getInt(3), "last step's time passes through");
        }
    }

    @Test
    void corruptedOrTruncatedModelFilesAreRefused() throws Exception {
        for (String damage : List.of("corrupt", "truncate")) {
            Path copy = temp.resolve(damage + "-model");
            Files.createDirectories(copy);
            Files.copy(sensorModel.resolve("metadata.json"), copy.resolve("metadata.json"));
            byte[] bytes = Files.readAllBytes(sensorModel.resolve("model.zip"));
            if (damage.equals("corrupt")) {
                bytes[bytes.length / 2] ^= 0x5a;
            } else {
                bytes = Arrays.copyOf(bytes, bytes.length / 2);
            }
            Files.write(copy.resolve("model.zip"), bytes);
            Path out = temp.resolve(damage + "-out");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> score("--model", copy.toString(), "--output", out.toString()));
            assertTrue(e.getMessage().contains("is corrupted or truncated: its SHA-256"), e.getMessage());
            assertFalse(Files.exists(out));
        }
        Path notAModel = Files.createDirectories(temp.resolve("not-a-model"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> score("--model", notAModel.toString(), "--output", temp.resolve("o").toString()));
        assertTrue(e.getMessage().contains("is not a spark-lstm model directory"), e.getMessage());
    }

    @Test
    void inputOfAnotherTaskOrMissingAFeatureIsRefusedBeforeWriting() throws Exception {
        Path out = temp.resolve("out");
        IllegalArgumentException otherTask = assertThrows(IllegalArgumentException.class, () -> score(
                "--model", addingModel.toString(), "--output", out.toString()));
        assertTrue(otherTask.getMessage().contains("missing feature (config columns.features) column \"value\""),
                otherTask.getMessage());
        String input = temp.resolve("no-pressure.parquet").toString();
        spark.read().parquet("data-samples/sensor-steps.parquet").drop("pressure").write().parquet(input);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> score(
                "--model", sensorModel.toString(), "--input", input, "--output", out.toString()));
        assertTrue(missing.getMessage().contains("column \"pressure\""), missing.getMessage());
        assertFalse(Files.exists(out));
        IllegalArgumentException modelKey = assertThrows(IllegalArgumentException.class, () -> ScoreOptions.parse(
                "--model", "m", "--output", "o", "--set", "model.layers=8"));
        assertTrue(modelKey.getMessage().contains("model.layers cannot be set when scoring"), modelKey.getMessage());
    }

    @Test
    void unseenCategoriesUseTheUnknownSlotAndUnlabelledInputScores() {
        String input = temp.resolve("unseen.parquet").toString();
        spark.read().parquet("data-samples/sensor-steps.parquet")
                .withColumn("mode", org.apache.spark.sql.functions.lit("turbo")).drop("label")
                .write().parquet(input);
        Path out = temp.resolve("unseen-out");
        ScoreResult result = score("--model", sensorModel.toString(), "--input", input, "--output", out.toString());
        assertEquals(15880, result.scoredRows());
        assertTrue(result.metrics().isEmpty());
        assertEquals(List.of("seq_id", "t", "prediction", "probabilities"),
                List.of(spark.read().parquet(out.resolve("predictions").toString()).schema().fieldNames()));
    }

    @Test
    void invalidLongSequencesAreRejectedWholeWhileStreaming() {
        String input = temp.resolve("bad.parquet").toString();
        // s000001 (56 steps) gets a NaN at t=40: with chunks of 7 steps it is streamed, so its
        // validity must be known before its first chunk is scored.
        spark.read().parquet("data-samples/sensor-steps.parquet")
                .withColumn("vibration", org.apache.spark.sql.functions.expr(
                        "CASE WHEN seq_id = 's000001' AND t = 40 THEN double('NaN') ELSE vibration END"))
                .write().parquet(input);
        for (String chunk : List.of("7", "10000")) {
            Path failed = temp.resolve("failed-" + chunk);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> score("--model",
                    sensorModel.toString(), "--input", input, "--output", failed.toString(),
                    "--set", "score.chunk-length=" + chunk));
            assertTrue(e.getMessage().contains("s000001: ") && e.getMessage().contains("feature \"vibration\" is NaN")
                    && e.getMessage().contains("Nothing was written"), e.getMessage());
            assertFalse(Files.exists(failed));
        }

        for (String chunk : List.of("7", "10000")) {
            Path out = temp.resolve("rejecting-" + chunk);
            ScoreResult result = score("--model", sensorModel.toString(), "--input", input, "--output",
                    out.toString(), "--set", "score.chunk-length=" + chunk, "--set", "input.bad-rows=reject");
            assertEquals(15880, result.inputRows());
            assertEquals(56, result.rejectedRows(), "chunk " + chunk);
            assertEquals(15880 - 56, result.scoredRows(), "chunk " + chunk);
            List<Row> rejected = spark.read().parquet(out.resolve("rejected").toString()).orderBy("t").collectAsList();
            assertTrue(rejected.stream().allMatch(r -> r.getString(0).equals("s000001")));
            assertEquals("feature \"vibration\" is NaN", rejected.get(40).getString(7));
            assertEquals("sequence s000001 has an invalid row (feature \"vibration\" is NaN)",
                    rejected.get(0).getString(7));
            assertEquals(0, spark.read().parquet(out.resolve("predictions").toString())
                    .filter("seq_id = 's000001'").count());
        }
    }

    /**
     * With input.bad-rows=fail the scoring pass itself finds the invalid sequence (no pass checks
     * the input before it): its task throws, the job fails with the example, and nothing is left at
     * the output path or staged next to it, though the other tasks may have written predictions. With reject the same row goes to rejected/, with every input column (a column no
     * role reads included; the fail-mode pass leaves it out of the shuffle).
     */
    @Test
    void wideLayoutInvalidSequenceFailsFromTheScoringPassAndWritesNothing() throws Exception {
        Path run = temp.resolve("wide-run");
        TrainJob.run(spark, TrainOptions.parse("--config", "conf/adding-wide-regression.properties",
                "--output", run.toString(), "--set", "train.epochs=1"), quiet());
        String input = temp.resolve("wide-bad.parquet").toString();
        spark.read().parquet("data-samples/adding-wide.parquet")
                .withColumn("value", org.apache.spark.sql.functions.expr(
                        "CASE WHEN seq_id = 417 THEN transform(value, (x, i) -> IF(i = 3, double('NaN'), x)) "
                                + "ELSE value END"))
                .withColumn("note", org.apache.spark.sql.functions.lit("not read"))
                .repartition(3).write().parquet(input);
        Path scores = Files.createDirectories(temp.resolve("scores"));
        Path failed = scores.resolve("failed");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> score("--model",
                run.resolve("model").toString(), "--input", input, "--output", failed.toString()));
        assertTrue(e.getMessage().contains("has invalid rows, for example: [417: step 3: feature \"value\" is NaN")
                && e.getMessage().contains("Nothing was written"), e.getMessage());
        assertFalse(Files.exists(failed));
        try (java.util.stream.Stream<Path> left = Files.list(scores)) {
            assertEquals(List.of(), left.toList(), "nothing staged next to the output either");
        }

        Path out = scores.resolve("rejecting");
        ScoreResult result = score("--model", run.resolve("model").toString(), "--input", input,
                "--output", out.toString(), "--set", "input.bad-rows=reject");
        assertEquals(600, result.inputRows());
        assertEquals(599, result.scoredRows());
        assertEquals(1, result.rejectedRows());
        List<Row> rejected = spark.read().parquet(out.resolve("rejected").toString()).collectAsList();
        assertEquals(417L, rejected.get(0).getLong(0));
        assertEquals("not read", rejected.get(0).getAs("note"), "rejected rows keep every input column");
        assertEquals("step 3: feature \"value\" is NaN", rejected.get(0).getString(rejected.get(0).size() - 1));
    }

    private static void assertSameScores(List<Row> expected, List<Row> actual, double tolerance, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            Row e = expected.get(i);
            Row a = actual.get(i);
            for (int c = 0; c < 4; c++) {
                assertEquals(e.get(c), a.get(c), what + " row " + i);
            }
            List<Double> pe = e.getList(4);
            List<Double> pa = a.getList(4);
            for (int k = 0; k < pe.size(); k++) {
                assertEquals(pe.get(k), pa.get(k), tolerance, what + " row " + i);
            }
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
