package dev.sparklstm.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklstm.model.ModelMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The spark-submit path on a real standalone cluster: a master and two 1-core workers on
 * 127.0.0.1 (separate JVMs, executors in their own JVMs), the job jar submitted through
 * {@code jobs/train.sh} and {@code jobs/score.sh} with the test Spark home's
 * {@code bin/spark-submit} on the PATH, exactly as a user with a Spark distribution runs them.
 * Training (DL4J's LSTM and fit) loses an executor JVM (killed) in the middle of its second epoch
 * and must still produce a valid model; training with the default fused LSTM runs the fast step
 * in the executors with dl4j-spark's export approach, and scoring uses its model; executors below
 * ND4J's off-heap needs fail the job with a message naming the setting, and so does the export
 * approach without a shared default file system, before any work. Run by {@code mvn verify}
 * (failsafe), after the job jar and the Spark home are built; about 5 minutes on an idle 2-core
 * machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final Path ROOT = Path.of(System.getProperty("spark-lstm.home", ".")).toAbsolutePath().normalize();
    private static final Path JOB_JAR = Path.of(System.getProperty("spark-lstm.job-jar",
            "target/spark-lstm-0.1.0-SNAPSHOT-job.jar")).toAbsolutePath();
    private static final Path SPARK_HOME = Path.of(System.getProperty("spark-lstm.spark-home",
            "target/spark-home")).toAbsolutePath();
    private static final Path SAMPLE = ROOT.resolve("data-samples/sensor-steps.parquet");
    private static final long SAMPLE_ROWS = 15_880;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(8);
    private static final Pattern BASELINE = Pattern.compile("baseline: .* gives validation accuracy ([0-9.]+)");

    private static StandaloneCluster cluster;
    private static Path work;
    /** The baseline accuracy of the training run, once it passed. */
    private static Double trainBaseline;

    /** Every process's log tail on failure: the test's own message rarely says why a job failed. */
    @RegisterExtension
    static final TestWatcher LOG_TAILS = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (cluster != null) {
                cluster.printLogTails(System.out, 60);
            }
        }
    };

    @BeforeAll
    static void startCluster() throws Exception {
        assertTrue(Files.isRegularFile(JOB_JAR), "job jar " + JOB_JAR + " missing: run mvn verify");
        work = ROOT.resolve("target/it/standalone-" + Instant.now().toString().replace(':', '-'));
        long start = System.nanoTime();
        cluster = StandaloneCluster.start(SPARK_HOME, work, 2, 1, "3g", Duration.ofMinutes(3));
        System.out.printf("standalone cluster %s with 2 workers up in %.1f s; logs in %s%n", cluster.masterUrl(),
                (System.nanoTime() - start) / 1e9, work.resolve("logs"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            Optional<ProcessHandle> alive = cluster.anyAlive();
            assertFalse(alive.isPresent(), () -> "process " + alive.get().pid() + " survived the cluster's close()");
        }
    }

    @Test
    @Order(1)
    void trainsOnTheClusterThroughTheLossOfAnExecutor() throws Exception {
        int epochs = 2;
        Job train = submit("train", "train.sh", lossRunArgs(trainOutput(), epochs));
        // The job's own executors, started by the workers with the options jobs/train.sh gave
        // spark-submit: the JavaCPP limits, Java 17's add-opens and one native thread per task.
        train.awaitStdout("training ");
        for (int worker = 1; worker <= 2; worker++) {
            List<ProcessHandle> executors = cluster.executorsOf(worker);
            assertEquals(1, executors.size(), "executor JVMs of worker-" + worker + ": " + executors);
            String commandLine = executors.get(0).info().commandLine().orElse("");
            for (String option : List.of("-Xmx1024M", "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "-Dorg.bytedeco.javacpp.maxbytes=1024m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=2560m")) {
                assertTrue(commandLine.contains(option), "executor command line without " + option + ": "
                        + commandLine);
            }
            String environment = Files.readString(Path.of("/proc", String.valueOf(executors.get(0).pid()), "environ"),
                    StandardCharsets.ISO_8859_1);
            assertTrue(List.of(environment.split("\0")).contains("OMP_NUM_THREADS=1"),
                    "executor environment without OMP_NUM_THREADS=1");
        }

        // Kill worker 1's executor while it runs a task of the second epoch. The master has the
        // worker start a new executor; Spark re-runs the lost tasks (the lost averaging round's
        // partial result never reaches the aggregation) and recomputes lost cached partitions.
        train.awaitStdout("epoch 1/" + epochs);
        ProcessHandle victim = awaitRunningTask(1);
        StandaloneCluster.kill(victim);
        assertFalse(victim.isAlive());
        System.out.printf("killed executor JVM %d of worker-1 while it ran a task of epoch 2%n", victim.pid());

        train.awaitSuccess();
        String driverLog = train.stderr();
        assertTrue(driverLog.contains("Lost executor"), "the driver never saw the executor loss:\n" + driverLog);
        assertTrue(driverLog.contains("ExecutorLostFailure"), "no task was lost with the executor:\n" + driverLog);
        System.out.println("driver log about the loss:");
        driverLog.lines().filter(l -> l.contains("Lost") || l.contains("Resubmitt")).limit(12)
                .forEach(l -> System.out.println("  " + l.substring(0, Math.min(l.length(), 220))));

        double baseline = train.baseline();
        assertValidModel(trainOutput(), epochs, baseline);
        String printed = train.stdout();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            assertTrue(printed.contains("epoch " + epoch + "/" + epochs), printed);
        }
        assertTrue(printed.contains("15880 input = 15880 used + 0 rejected"), printed);
        assertTrue(printed.contains("on 2 worker(s)"), printed);
        assertTrue(printed.contains("training step: MultiLayerNetwork.fit"), printed);
        // Both workers' executors ran tasks.
        for (int worker = 1; worker <= 2; worker++) {
            List<String> logs = executorLogsOf(worker);
            assertTrue(logs.stream().anyMatch(l -> l.contains("Finished task")), "worker-" + worker
                    + " executors ran no task");
        }
    }

    @Test
    @Order(2)
    void theRunThatLostAnExecutorEndsWhereAnUndisturbedRunEnds() throws Exception {
        // The same command without a kill. Had the lost averaging round been dropped or averaged
        // twice, the parameters would differ from this run's by far more than float noise (every
        // Adam step moves each weight by up to the learning rate); with 2 workers the average
        // (a + b) / 2 does not depend on the order the results arrive in, so a correct retry ends
        // where this run ends.
        assertTrue(Files.isRegularFile(trainOutput().resolve("model/model.zip")), "the executor-loss run failed");
        int epochs = 2;
        Path undisturbed = work.resolve("train-undisturbed");
        Job train = submit("train-undisturbed", "train.sh", lossRunArgs(undisturbed, epochs));
        train.awaitSuccess();
        assertFalse(train.stderr().contains("Lost executor"), "the undisturbed run lost an executor");
        float[] expected = ModelSerializer.restoreMultiLayerNetwork(undisturbed.resolve("model/model.zip").toFile())
                .params().toFloatVector();
        float[] actual = ModelSerializer.restoreMultiLayerNetwork(trainOutput().resolve("model/model.zip").toFile())
                .params().toFloatVector();
        assertEquals(expected.length, actual.length);
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        System.out.printf("largest parameter difference, executor-loss run vs undisturbed run: %.3g%n", maxDiff);
        assertTrue(maxDiff <= 1e-5, "the executor-loss run's parameters differ from the undisturbed run's by up to "
                + maxDiff);
    }

    @Test
    @Order(3)
    void trainsWithTheFusedFastStepAndTheExportApproachOnTheCluster() throws Exception {
        // The default network: fused LSTM layers trained by FastTrainingWorker in the executors,
        // here with dl4j-spark's export approach: minibatches written as files to a directory all
        // executors read. The workers share this machine's disk, which the sharedfile:// default
        // file system declares (dl4j-spark refuses export on a cluster whose default is file://).
        int epochs = 3;
        Path export = work.resolve("export");
        Job train = submit("train-fast", "train.sh", "--conf", "spark.hadoop.fs.defaultFS=sharedfile:///",
                "--output", fastOutput().toString(), "--input", SAMPLE.toString(), "--set", "train.epochs=" + epochs,
                "--set", "train.approach=export", "--set", "train.export-dir=" + export);
        train.awaitSuccess();
        String printed = train.stdout();
        assertTrue(printed.contains("training step: the fused fast step"), printed);
        // dl4j-spark exported the minibatches there (it made the directory) and deleted the files.
        assertTrue(Files.isDirectory(export), "no export directory: the export approach did not run");
        try (Stream<Path> left = Files.walk(export)) {
            List<Path> files = left.filter(Files::isRegularFile).collect(Collectors.toList());
            assertEquals(List.of(), files, "exported minibatches left behind");
        }
        double baseline = train.baseline();
        assertValidModel(fastOutput(), epochs, baseline);
        trainBaseline = baseline;
    }

    @Test
    @Order(4)
    void scoresWithTheModelTrainedOnTheCluster() throws Exception {
        assumeTrue(trainBaseline != null, "training on the cluster failed; nothing to score");
        Path scores = work.resolve("score");
        Job score = submit("score", "score.sh", "--model", fastOutput().resolve("model").toString(), "--input",
                SAMPLE.toString(), "--output", scores.toString());
        score.awaitSuccess();
        JsonNode summary = new ObjectMapper().readTree(scores.resolve("summary.json").toFile());
        assertEquals(SAMPLE_ROWS, summary.get("inputRows").asLong(), summary.toString());
        assertEquals(SAMPLE_ROWS, summary.get("scoredRows").asLong(), summary.toString());
        assertEquals(0, summary.get("rejectedRows").asLong(), summary.toString());
        assertEquals(SAMPLE_ROWS, parquetRows(scores.resolve("predictions")));
        assertEquals(0, parquetRows(scores.resolve("rejected")));
        double accuracy = summary.get("metrics").get("accuracy").asDouble();
        assertTrue(accuracy > trainBaseline + 0.1, "scored accuracy " + accuracy + " vs baseline " + trainBaseline);

        // input.bad-rows=fail is checked by the scoring pass: an executor's task throws at the
        // invalid sequence, and the driver (another JVM) must still find the reason in the failure
        // to print the job's own error, with exit code 2 and nothing written.
        Path badInput = Files.createDirectories(work.resolve("sensor-bad.csv"));
        try (Stream<Path> parts = Files.list(ROOT.resolve("data-samples/sensor-steps.csv"))) {
            for (Path part : parts.filter(p -> p.toString().endsWith(".csv")).toList()) {
                // s000001 at t=3 loses its vibration value (an empty CSV cell is null).
                String text = Files.readString(part).replaceFirst("(?m)^(s000001,3,[^,]*),[^,]*,", "$1,,");
                Files.writeString(badInput.resolve(part.getFileName()), text);
            }
        }
        Path failed = work.resolve("score-bad");
        Job bad = submit("score-bad", "score.sh", "--model", fastOutput().resolve("model").toString(), "--input",
                badInput.toString(), "--output", failed.toString());
        assertEquals(2, bad.awaitExit(), "exit code of invalid input");
        String driverLog = bad.stderr();
        assertTrue(driverLog.contains("has invalid rows, for example: [s000001: ")
                && driverLog.contains("feature \"vibration\" is null") && driverLog.contains("Nothing was written"),
                driverLog);
        assertFalse(Files.exists(failed), "a failed run left output at " + failed);
    }

    @Test
    @Order(5)
    void anExecutorBelowTheOffHeapNeedsOfNd4jFailsNamingTheSetting() throws Exception {
        // The user's option comes after the script's, so this JavaCPP limit wins on the executors:
        // the whole executor process (heap included) may use 150 MB, less than it does already.
        Path out = work.resolve("train-too-small");
        Job train = submit("train-too-small", "train.sh", "--conf",
                "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxphysicalbytes=150m",
                "--output", out.toString(), "--input", SAMPLE.toString(), "--set", "train.epochs=1");
        assertEquals(1, train.awaitExit(), "exit code of a failed job");
        String driverLog = train.stderr();
        assertTrue(driverLog.contains("error: spark-lstm train failed: org.apache.spark.SparkException"), driverLog);
        assertTrue(driverLog.contains("ND4J could not allocate native (off-heap) memory")
                && driverLog.contains("-Dorg.bytedeco.javacpp.maxphysicalbytes")
                && driverLog.contains("spark.executor.memoryOverhead"), driverLog);
        // A clear task failure, not executors dying of an OutOfMemoryError (Spark's exit code 52).
        assertFalse(driverLog.contains("ExecutorLostFailure"), driverLog);
        assertFalse(Files.exists(out), "a failed run left output at " + out);
    }

    @Test
    @Order(6)
    void theExportApproachWithoutASharedFileSystemIsRefusedBeforeAnyWork() throws Exception {
        Path out = work.resolve("train-export-local");
        Job train = submit("train-export-local", "train.sh", "--output", out.toString(), "--input", SAMPLE.toString(),
                "--set", "train.approach=export");
        assertEquals(2, train.awaitExit(), "exit code of refused settings");
        String driverLog = train.stderr();
        assertTrue(driverLog.contains("error: train.approach=export needs a directory every executor can read")
                && driverLog.contains("spark.hadoop.fs.defaultFS=sharedfile:///"), driverLog);
        assertFalse(train.stdout().contains("input "), "the job read its input before refusing:\n" + train.stdout());
        assertFalse(Files.exists(out), "a refused run left output at " + out);
    }

    /**
     * The executor-loss run: DL4J's own LSTM and fit, minibatches of 8 and one averaging round
     * per epoch (20 minibatches per worker), so each round's task lasts seconds and the kill lands
     * inside one (the fused fast step trains this sample in about a second per epoch; it has its
     * own run below).
     */
    private static String[] lossRunArgs(Path output, int epochs) {
        return new String[] {"--output", output.toString(), "--input", SAMPLE.toString(), "--set",
            "train.epochs=" + epochs, "--set", "model.cell=dl4j-lstm", "--set", "train.batch-size=8", "--set",
            "train.averaging-frequency=20"};
    }

    private static Path trainOutput() {
        return work.resolve("train");
    }

    private static Path fastOutput() {
        return work.resolve("train-fast");
    }

    /**
     * Waits until the (only) executor of a worker has been running one task for over a second, as
     * its log says, and returns its process. Short tasks (counts, lookups) would often end before
     * the kill lands; the long ones after the first epoch are the second epoch's averaging round.
     */
    private static ProcessHandle awaitRunningTask(int worker) throws Exception {
        Pattern running = Pattern.compile("Running task .* \\(TID (\\d+)\\)");
        Pattern finished = Pattern.compile("Finished task .* \\(TID (\\d+)\\)");
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        Map<String, Long> firstSeenRunning = new HashMap<>();
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> executors = cluster.executorsOf(worker);
            List<Path> logs = cluster.executorLogs().stream()
                    .filter(p -> p.startsWith(work.resolve("worker-" + worker))).collect(Collectors.toList());
            if (executors.size() == 1 && !logs.isEmpty()) {
                String log = Files.readString(logs.get(logs.size() - 1), StandardCharsets.UTF_8);
                Set<String> tids = new HashSet<>();
                for (Matcher m = running.matcher(log); m.find(); ) {
                    tids.add(m.group(1));
                }
                for (Matcher m = finished.matcher(log); m.find(); ) {
                    tids.remove(m.group(1));
                }
                long now = System.nanoTime();
                firstSeenRunning.keySet().retainAll(tids);
                for (String tid : tids) {
                    if (now - firstSeenRunning.computeIfAbsent(tid, k -> now) > 1_000_000_000L) {
                        return executors.get(0);
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("worker-" + worker + "'s executor ran no task within " + JOB_TIMEOUT);
    }

    /**
     * The model of a training output loads, has only finite parameters, and its final validation
     * accuracy (metadata) clearly beats the majority-class baseline; the metrics table has one row
     * per epoch.
     */
    private static MultiLayerNetwork assertValidModel(Path run, int epochs, double baseline) throws IOException {
        MultiLayerNetwork network = ModelSerializer.restoreMultiLayerNetwork(run.resolve("model/model.zip").toFile());
        float[] params = network.params().toFloatVector();
        assertEquals(network.numParams(), params.length);
        for (int i = 0; i < params.length; i++) {
            assertTrue(Float.isFinite(params[i]), "parameter " + i + " is " + params[i]);
        }
        ModelMetadata metadata = ModelMetadata.fromJson(
                Files.readString(run.resolve("model/metadata.json"), StandardCharsets.UTF_8));
        assertEquals(SAMPLE_ROWS, metadata.counts().inputRows());
        assertEquals((double) epochs, metadata.finalMetrics().get("epoch"));
        double accuracy = metadata.finalMetrics().get("validation_accuracy");
        assertTrue(accuracy > baseline + 0.1, "validation accuracy " + accuracy + " vs majority baseline " + baseline);
        assertEquals(epochs, parquetRows(run.resolve("metrics")));
        return network;
    }

    private static List<String> executorLogsOf(int worker) throws IOException {
        List<String> logs = new ArrayList<>();
        for (Path log : cluster.executorLogs()) {
            if (log.startsWith(work.resolve("worker-" + worker))) {
                logs.add(Files.readString(log, StandardCharsets.UTF_8));
            }
        }
        return logs;
    }

    /** Rows of a Parquet table directory, from its footers. */
    private static long parquetRows(Path table) throws IOException {
        assertTrue(Files.isRegularFile(table.resolve("_SUCCESS")), "no committed table at " + table);
        long rows = 0;
        try (Stream<Path> files = Files.list(table)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(".parquet"))::iterator) {
                try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                        new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
                    rows += reader.getRecordCount();
                }
            }
        }
        return rows;
    }

    /**
     * Starts a jobs/ script against the cluster with the cluster options a user would give: 1 GB
     * executors with one core, a 1 GB driver, a 1 GB ND4J off-heap limit.
     */
    private static Job submit(String name, String script, String... jobArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("jobs").resolve(script).toString(),
                "--master", cluster.masterUrl(), "--driver-memory", "1g", "--executor-memory", "1g",
                "--executor-cores", "1", "--conf", "spark.ui.enabled=false"));
        command.addAll(List.of(jobArgs));
        return new Job(name, cluster.launch(name, command, Map.of("SPARK_LSTM_JOB_JAR", JOB_JAR.toString(),
                "SPARK_LSTM_OFFHEAP", "1g", "OMP_NUM_THREADS", "1"), false), System.nanoTime());
    }

    /** A submitted job: its driver process and logs. */
    private record Job(String name, StandaloneCluster.Started driver, long startNanos) {
        String stdout() throws IOException {
            return Files.readString(driver.stdout(), StandardCharsets.UTF_8);
        }

        String stderr() throws IOException {
            return Files.readString(driver.stderr(), StandardCharsets.UTF_8);
        }

        int awaitExit() throws Exception {
            Process process = driver.process();
            if (!process.waitFor(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                StandaloneCluster.kill(process.toHandle());
                throw new AssertionError(name + " did not finish within " + JOB_TIMEOUT);
            }
            System.out.printf("%s finished with exit code %d in %.1f s%n", name, process.exitValue(),
                    (System.nanoTime() - startNanos) / 1e9);
            return process.exitValue();
        }

        void awaitSuccess() throws Exception {
            int exit = awaitExit();
            assertEquals(0, exit, name + " failed:\n" + StandaloneCluster.tail(driver.stderr(), 40));
        }

        void awaitStdout(String text) throws Exception {
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (stdout().contains(text)) {
                    return;
                }
                if (!driver.process().isAlive()) {
                    throw new AssertionError(name + " exited (code " + driver.process().exitValue()
                            + ") before printing '" + text + "':\n" + stdout());
                }
                Thread.sleep(200);
            }
            throw new AssertionError(name + " did not print '" + text + "' within " + JOB_TIMEOUT);
        }

        double baseline() throws IOException {
            Matcher m = BASELINE.matcher(stdout());
            assertTrue(m.find(), "no baseline line in the output of " + name);
            return Double.parseDouble(m.group(1));
        }
    }
}
