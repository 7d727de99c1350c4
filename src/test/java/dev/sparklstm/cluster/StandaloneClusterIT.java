package dev.sparklstm.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * Run by {@code mvn verify} (failsafe), after the job jar and the Spark home are built.
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
    void trainsAndScoresThroughTheJobScriptsWithExecutorsInTheirOwnJvms() throws Exception {
        Path run = work.resolve("train-1");
        Job train = submit("train-1", "train.sh", "--output", run.toString(), "--input", SAMPLE.toString(),
                "--set", "train.epochs=2");
        train.awaitSuccess();

        double baseline = train.baseline();
        MultiLayerNetwork network = assertValidModel(run, 2, baseline);
        assertTrue(network.numParams() > 0);
        String printed = train.stdout();
        assertTrue(printed.contains("15880 input = 15880 used + 0 rejected"), printed);
        assertTrue(printed.contains("on 2 worker(s)"), printed);

        // Both workers ran tasks in executor JVMs of their own, started with the options the script
        // set: the worker writes the executor's command line at the top of its log.
        for (int worker = 1; worker <= 2; worker++) {
            List<String> logs = executorLogsOf(worker);
            assertFalse(logs.isEmpty(), "no executor log under worker-" + worker);
            String log = logs.get(0);
            assertTrue(log.contains("Finished task"), "worker-" + worker + " executor ran no task:\n" + log);
            assertTrue(log.contains("Spark Executor Command:"), log);
            for (String option : List.of("-Xmx1024M", "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "-Dorg.bytedeco.javacpp.maxbytes=1024m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=2560m")) {
                assertTrue(log.lines().filter(l -> l.startsWith("Spark Executor Command:")).anyMatch(l -> l.contains(option)),
                        "executor command without " + option);
            }
        }

        Path scores = work.resolve("score-1");
        Job score = submit("score-1", "score.sh", "--model", run.resolve("model").toString(), "--input",
                SAMPLE.toString(), "--output", scores.toString());
        score.awaitSuccess();
        JsonNode summary = new ObjectMapper().readTree(scores.resolve("summary.json").toFile());
        assertEquals(SAMPLE_ROWS, summary.get("inputRows").asLong(), summary.toString());
        assertEquals(SAMPLE_ROWS, summary.get("scoredRows").asLong(), summary.toString());
        assertEquals(0, summary.get("rejectedRows").asLong(), summary.toString());
        assertEquals(SAMPLE_ROWS, parquetRows(scores.resolve("predictions")));
        assertEquals(0, parquetRows(scores.resolve("rejected")));
        double accuracy = summary.get("metrics").get("accuracy").asDouble();
        assertTrue(accuracy > baseline + 0.1, "scored accuracy " + accuracy + " vs baseline " + baseline);
    }

    @Test
    @Order(2)
    void survivesTheLossOfAnExecutorInTheMiddleOfTraining() throws Exception {
        Path run = work.resolve("train-executor-loss");
        int epochs = 3;
        Job train = submit("train-executor-loss", "train.sh", "--output", run.toString(), "--input",
                SAMPLE.toString(), "--set", "train.epochs=" + epochs);
        // After the first epoch the next one's averaging rounds start at once: kill worker 1's
        // executor while they run. The master has the worker start a new executor; Spark re-runs
        // the lost tasks (the round's partial results from that executor are never aggregated).
        train.awaitStdout("epoch 1/" + epochs);
        Thread.sleep(1500);
        List<ProcessHandle> executors = cluster.executorsOf(1);
        assertEquals(1, executors.size(), "executor JVMs of worker-1: " + executors);
        ProcessHandle victim = executors.get(0);
        StandaloneCluster.kill(victim);
        assertFalse(victim.isAlive());
        System.out.printf("killed executor JVM %d of worker-1 after epoch 1%n", victim.pid());

        train.awaitSuccess();
        String driverLog = train.stderr();
        assertTrue(driverLog.contains("Lost executor"), "the driver never saw the executor loss:\n" + driverLog);
        System.out.println("driver log lines about the loss:");
        driverLog.lines().filter(l -> l.contains("Lost") || l.contains("ExecutorLostFailure")
                || l.contains("Resubmitt")).limit(20).forEach(l -> System.out.println("  " + l));
        assertValidModel(run, epochs, train.baseline());
        String printed = train.stdout();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            assertTrue(printed.contains("epoch " + epoch + "/" + epochs), printed);
        }
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

        void awaitSuccess() throws Exception {
            Process process = driver.process();
            if (!process.waitFor(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                StandaloneCluster.kill(process.toHandle());
                throw new AssertionError(name + " did not finish within " + JOB_TIMEOUT);
            }
            System.out.printf("%s finished with exit code %d in %.1f s%n", name, process.exitValue(),
                    (System.nanoTime() - startNanos) / 1e9);
            assertEquals(0, process.exitValue(), name + " failed:\n" + StandaloneCluster.tail(driver.stderr(), 40));
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
