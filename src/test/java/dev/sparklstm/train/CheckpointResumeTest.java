package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklstm.io.ModelDirectory;
import dev.sparklstm.jobs.TrainJob;
import dev.sparklstm.jobs.TrainOptions;
import dev.sparklstm.model.ModelFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Driver loss: a training driver is killed (SIGKILL) after its second checkpoint, and a rerun of
 * the same command resumes from the newest complete checkpoint, passes over damaged ones, refuses
 * other settings, and finishes with every epoch once.
 */
class CheckpointResumeTest {
    private static final int EPOCHS = 4;
    private static SparkSession spark;

    @TempDir
    Path temp;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("CheckpointResumeTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void aKilledDriverResumesFromTheNewestCompleteCheckpoint() throws Exception {
        Path out = temp.resolve("run");
        Path checkpoints = temp.resolve(".run.checkpoints");
        List<String> args = List.of("--output", out.toString(), "--master", "local[2]",
                "--set", "train.epochs=" + EPOCHS, "--set", "model.layers=16");

        // 1. A driver in its own JVM, killed once its second checkpoint is complete.
        Process driver = startDriver(args, temp.resolve("driver.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (!Files.isDirectory(checkpoints.resolve("epoch-000002"))) {
                assertTrue(driver.isAlive(), "the driver ended before its second checkpoint:\n"
                        + Files.readString(temp.resolve("driver.log")));
                assertTrue(System.nanoTime() < deadline, "no second checkpoint after 4 minutes");
                Thread.sleep(50);
            }
        } finally {
            driver.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            driver.waitFor(1, TimeUnit.MINUTES);
        }
        assertNotEquals(0, driver.exitValue());
        assertFalse(Files.exists(out), "a killed run must not leave an output");
        int done = newestEpoch(checkpoints);
        assertTrue(done >= 2 && done < EPOCHS, "checkpoints: " + listing(checkpoints));
        List<EpochMetrics> before = readMetrics(checkpoints.resolve(String.format("epoch-%06d", done)));

        // 2. Damage a crash could leave, or worse: a newer checkpoint with a truncated model and a
        // temporary directory of an unfinished one. Neither may be used.
        Path torn = checkpoints.resolve(String.format("epoch-%06d", done + 1));
        copyDirectory(checkpoints.resolve(String.format("epoch-%06d", done)), torn);
        Path tornModel = torn.resolve(ModelFiles.MODEL_FILE);
        Files.write(tornModel, java.util.Arrays.copyOf(Files.readAllBytes(tornModel), 1000));
        Files.createDirectories(checkpoints.resolve(String.format(".epoch-%06d.tmp-killed", done + 2)));

        // 3. Other settings are refused, naming the key, before any training.
        List<String> changed = new ArrayList<>(args);
        changed.addAll(List.of("--set", "model.learning-rate=0.5"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> TrainJob.run(spark, TrainOptions.parse(changed.toArray(String[]::new)), quiet()));
        assertTrue(refused.getMessage().contains("model.learning-rate: 0.01 -> 0.5"), refused.getMessage());
        assertFalse(Files.exists(out));

        // 4. The same command with --resume goes on from the newest complete checkpoint.
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<String> resumed = new ArrayList<>(args);
        resumed.add("--resume");
        TrainResult result = TrainJob.run(spark, TrainOptions.parse(resumed.toArray(String[]::new)),
                new PrintStream(console, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("ignoring damaged checkpoint") && printed.contains(torn.getFileName().toString()),
                printed);
        assertTrue(printed.contains("epoch " + done + " of " + EPOCHS + " done"), printed);
        assertFalse(printed.contains("epoch 1/" + EPOCHS + " "), "epoch 1 was trained again:\n" + printed);

        // Every epoch once, the ones before the kill exactly as the killed run measured them.
        List<EpochMetrics> epochs = result.epochs();
        assertEquals(EPOCHS, epochs.size());
        for (int i = 0; i < EPOCHS; i++) {
            assertEquals(i + 1, epochs.get(i).epoch());
            if (i > 0) {
                assertTrue(epochs.get(i).elapsedSeconds() > epochs.get(i - 1).elapsedSeconds(), "elapsed " + epochs);
            }
        }
        assertEquals(before, epochs.subList(0, done));
        List<Row> table = spark.read().parquet(out.resolve("metrics").toString()).orderBy("epoch").collectAsList();
        assertEquals(EPOCHS, table.size());
        assertEquals(before.get(0).trainLoss(), table.get(0).getDouble(1));

        // A valid model: loads, finite, better than the baseline, and still improving after the resume.
        ModelDirectory model = ModelDirectory.read(spark.sparkContext().hadoopConfiguration(), out.toString());
        MultiLayerNetwork network = ModelFiles.fromBytes(model.model());
        assertTrue(Double.isFinite(network.params().sumNumber().doubleValue()));
        assertTrue(result.last().validationAccuracy() > result.baselineMetric() + 0.1,
                result.last().validationAccuracy() + " vs baseline " + result.baselineMetric());
        assertTrue(result.last().trainLoss() < before.get(0).trainLoss(), "train loss " + epochs);
        assertFalse(Files.exists(checkpoints), "checkpoints are removed once the output is written");
    }

    @Test
    void resumeWithoutACheckpointIsAnError() {
        Path out = temp.resolve("fresh");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> TrainJob.run(spark,
                TrainOptions.parse("--output", out.toString(), "--resume"), quiet()));
        assertTrue(error.getMessage().startsWith("--resume: no complete checkpoint in "), error.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void onlySettingsThatDoNotChangeWhatIsLearnedMayDiffer() {
        var then = java.util.Map.of("model.layers", "32", "train.epochs", "5", "train.workers", "2",
                "score.batch-size", "256", "train.split-seed", "7");
        var now = java.util.Map.of("model.layers", "32", "train.epochs", "9", "train.workers", "4",
                "score.batch-size", "64", "train.split-seed", "8");
        assertEquals(List.of("train.split-seed: 7 -> 8"), Checkpoints.incompatibleSettings(then, now));
    }

    private static Process startDriver(List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The --add-opens and heap options this test JVM got from surefire.
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("-Xmx")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sparklstm.jobs.TrainJob"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int newestEpoch(Path checkpoints) throws IOException {
        try (Stream<Path> dirs = Files.list(checkpoints)) {
            return dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches("epoch-\\d{6}"))
                    .mapToInt(n -> Integer.parseInt(n.substring(6))).max().orElse(0);
        }
    }

    private static List<EpochMetrics> readMetrics(Path checkpoint) throws IOException {
        return new ObjectMapper().readValue(checkpoint.resolve(Checkpoints.METRICS_FILE).toFile(),
                new TypeReference<List<EpochMetrics>>() { });
    }

    private static String listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(Path::toString).sorted().toList().toString();
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(source, to.resolve(from.relativize(source).toString()));
            }
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
