package dev.sparklstm.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 for the integration tests: one master and N
 * workers, each its own JVM started from a Spark home that Maven assembled
 * ({@code target/spark-home}: Spark's jars, an empty RELEASE file and {@code bin/spark-submit}).
 * Ports are free ones picked at start; every process's output goes to a log file under the work
 * directory. {@link #close()} kills every process this class started, with its descendants
 * (workers start executor JVMs as their children), by pid; a shutdown hook does the same if the
 * test JVM ends first.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final Path sparkHome;
    private final Path workDir;
    private final List<Started> started = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::killAll, "standalone-cluster-cleanup");
    private String masterUrl;
    private int masterWebPort;

    /** A process started here, with its log files. */
    public record Started(String name, Process process, Path stdout, Path stderr) {
        public long pid() {
            return process.pid();
        }
    }

    private StandaloneCluster(Path sparkHome, Path workDir) {
        this.sparkHome = sparkHome;
        this.workDir = workDir;
    }

    /**
     * Starts a master and {@code workers} workers with {@code cores} cores and {@code memory} each,
     * and waits until all workers are registered with the master.
     */
    public static StandaloneCluster start(Path sparkHome, Path workDir, int workers, int cores, String memory,
                                          Duration timeout) throws IOException, InterruptedException {
        if (!Files.isRegularFile(sparkHome.resolve("RELEASE")) || !Files.isDirectory(sparkHome.resolve("jars"))) {
            throw new IllegalStateException("not a Spark home (no RELEASE or jars/): " + sparkHome
                    + "; it is assembled by mvn package/verify (src/assembly/spark-home.xml)");
        }
        Files.createDirectories(workDir.resolve("logs"));
        StandaloneCluster cluster = new StandaloneCluster(sparkHome, workDir);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.startAll(workers, cores, memory, timeout);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cluster.printLogTails(System.err, 40);
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startAll(int workerCount, int cores, String memory, Duration timeout)
            throws IOException, InterruptedException {
        int masterPort = freePort();
        masterWebPort = freePort();
        masterUrl = "spark://127.0.0.1:" + masterPort;
        launch("master", daemon("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(masterWebPort)), Map.of(), true);
        for (int i = 1; i <= workerCount; i++) {
            Path dir = Files.createDirectories(workDir.resolve("worker-" + i));
            Started worker = launch("worker-" + i, daemon("org.apache.spark.deploy.worker.Worker", "--host",
                    "127.0.0.1", "--port", String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()),
                    "--cores", String.valueOf(cores), "--memory", memory, "--work-dir", dir.toString(), masterUrl),
                    Map.of("SPARK_LOCAL_DIRS", Files.createDirectories(dir.resolve("local")).toString()), true);
            workers.add(worker.process());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int alive = 0;
        while (System.nanoTime() < deadline) {
            for (Started s : started) {
                if (!s.process().isAlive()) {
                    throw new IllegalStateException(s.name() + " exited with code " + s.process().exitValue());
                }
            }
            alive = aliveWorkers();
            if (alive == workerCount) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("only " + alive + " of " + workerCount + " workers registered with "
                + masterUrl + " within " + timeout);
    }

    private List<String> daemon(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m", "-cp", sparkHome.resolve("jars") + "/*",
                mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** The master URL, {@code spark://127.0.0.1:PORT}. */
    public String masterUrl() {
        return masterUrl;
    }

    public Path sparkHome() {
        return sparkHome;
    }

    public Path workDir() {
        return workDir;
    }

    /** Workers still alive, as the master reports them on its web UI's JSON page. */
    public int aliveWorkers() {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterWebPort + "/json/"))
                            .timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = ALIVE_WORKERS.matcher(response.body());
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException e) {
            return 0; // not up yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /**
     * The environment of every process: the Spark home, Scala version and loopback address that
     * a Spark distribution's scripts would set, and {@code bin/spark-submit} first on the PATH.
     */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("PATH", sparkHome.resolve("bin") + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        return env;
    }

    /**
     * Starts a process with the cluster's environment plus {@code extraEnv}; its standard output
     * and error go to {@code logs/NAME.out} and {@code logs/NAME.err} (one {@code NAME.log} when
     * {@code mergeOutput}). It is killed with the cluster.
     */
    public Started launch(String name, List<String> command, Map<String, String> extraEnv, boolean mergeOutput)
            throws IOException {
        Path logs = workDir.resolve("logs");
        Path out = logs.resolve(name + (mergeOutput ? ".log" : ".out"));
        Path err = mergeOutput ? out : logs.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile());
        if (mergeOutput) {
            builder.redirectErrorStream(true);
        } else {
            builder.redirectError(err.toFile());
        }
        builder.environment().remove("SPARK_LSTM_NO_SUBMIT");
        builder.environment().remove("SPARK_LSTM_DRY_RUN");
        builder.environment().putAll(environment());
        builder.environment().putAll(extraEnv);
        Started s = new Started(name, builder.start(), out, err);
        synchronized (started) {
            started.add(s);
        }
        return s;
    }

    /** The executor JVMs (CoarseGrainedExecutorBackend) that worker {@code index} (1-based) runs now. */
    public List<ProcessHandle> executorsOf(int index) {
        return workers.get(index - 1).descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .collect(Collectors.toList());
    }

    /** Executor log files (stderr) of every application run on the workers, oldest first. */
    public List<Path> executorLogs() throws IOException {
        // Only the workers' directories: jobs create and delete their outputs elsewhere under the
        // work directory while a test waits, and a walk over a vanishing directory fails.
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(workDir)) {
            for (Path dir : (Iterable<Path>) dirs.filter(p -> p.getFileName().toString().startsWith("worker-"))::iterator) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.filter(p -> p.getFileName().toString().equals("stderr") && p.toString().contains("/app-"))
                            .forEach(logs::add);
                }
            }
        }
        logs.sort(Comparator.comparing(Path::toString));
        return logs;
    }

    /** Prints the last lines of every process log and executor log, for a failed test. */
    public void printLogTails(java.io.PrintStream out, int lines) {
        List<Path> logs = new ArrayList<>();
        synchronized (started) {
            for (Started s : started) {
                logs.add(s.stdout());
                if (!s.stderr().equals(s.stdout())) {
                    logs.add(s.stderr());
                }
            }
        }
        try {
            logs.addAll(executorLogs());
        } catch (IOException | UncheckedIOException e) {
            out.println("cannot list executor logs: " + e);
        }
        for (Path log : logs) {
            out.println("===== last " + lines + " lines of " + log + " =====");
            out.println(tail(log, lines));
        }
    }

    /** The last {@code lines} lines of a file (empty when it does not exist). */
    public static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /**
     * Kills every process started here, newest first, each with its descendants, and waits for
     * them; then deletes the bulky leftovers (each executor's copy of the application jar and the
     * workers' local directories, about 1 GB a run), keeping every log.
     */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running or has run
        }
        deleteLeftovers();
    }

    private void deleteLeftovers() {
        try (Stream<Path> files = Files.walk(workDir)) {
            List<Path> doomed = files.filter(p -> {
                String path = workDir.relativize(p).toString();
                return path.matches("worker-\\d+/app-[^/]+/\\d+/[^/]+\\.jar") || path.matches("worker-\\d+/local/.+");
            }).sorted(Comparator.reverseOrder()).collect(Collectors.toList());
            for (Path p : doomed) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not clean " + workDir + ": " + e);
        }
    }

    private void killAll() {
        List<Started> all;
        synchronized (started) {
            all = new ArrayList<>(started);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            kill(all.get(i).process().toHandle());
        }
    }

    /** Kills a process and its descendants (children first) by pid, and waits up to 10 s for each. */
    public static void kill(ProcessHandle process) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().collect(Collectors.toList()));
        tree.add(process);
        for (ProcessHandle p : tree) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("process " + p.pid() + " did not exit within 10 s after SIGKILL: " + e);
            }
        }
    }

    /** Whether any process started here (or a descendant) is still alive. */
    public Optional<ProcessHandle> anyAlive() {
        synchronized (started) {
            for (Started s : started) {
                if (s.process().isAlive()) {
                    return Optional.of(s.process().toHandle());
                }
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
