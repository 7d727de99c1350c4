package dev.sparklstm.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job jar against the jars of the Spark home ({@code target/spark-home/jars}, Spark 3.5.7's
 * own dependency tree): no class may be in both (a second, possibly different copy of Jackson,
 * Guava, SLF4J, Netty, Kryo, commons-*... on the executors), Spark and Scala stay out, and the
 * native libraries are those of linux-x86_64 only. Fix a failure by adding the artifact to the
 * shade plugin's excludes in pom.xml when Spark ships a compatible version, or a relocation.
 */
class JobJarIT {
    private static final Path JOB_JAR = Path.of(System.getProperty("spark-lstm.job-jar",
            "target/spark-lstm-0.1.0-SNAPSHOT-job.jar")).toAbsolutePath();
    private static final Path SPARK_JARS = Path.of(System.getProperty("spark-lstm.spark-home",
            "target/spark-home")).resolve("jars").toAbsolutePath();
    /** dl4j-spark's own class in Spark's package (it reaches TaskContext internals); not in Spark. */
    private static final Set<String> ALLOWED_IN_SPARK_PACKAGES = Set.of("org/apache/spark/TaskContextHelper");

    private static Set<String> jobEntries;

    @BeforeAll
    static void readJobJar() throws IOException {
        assertTrue(Files.isRegularFile(JOB_JAR), "job jar " + JOB_JAR + " missing: run mvn verify");
        jobEntries = entries(JOB_JAR);
        System.out.printf("job jar %s: %,d bytes, %,d entries%n", JOB_JAR.getFileName(), Files.size(JOB_JAR),
                jobEntries.size());
    }

    @Test
    void sharesNoClassWithSparksJars() throws IOException {
        Map<String, List<String>> clashes = new TreeMap<>();
        List<Path> sparkJars;
        try (Stream<Path> jars = Files.list(SPARK_JARS)) {
            sparkJars = jars.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        assertTrue(sparkJars.size() > 100, "Spark home jars missing in " + SPARK_JARS);
        for (Path jar : sparkJars) {
            for (String entry : entries(jar)) {
                if (entry.endsWith(".class") && !entry.endsWith("module-info.class") && jobEntries.contains(entry)) {
                    clashes.computeIfAbsent(jar.getFileName().toString(), k -> new ArrayList<>()).add(entry);
                }
            }
        }
        StringBuilder report = new StringBuilder();
        clashes.forEach((jar, classes) -> report.append("\n  ").append(jar).append(": ").append(classes.size())
                .append(" classes, e.g. ").append(classes.get(0)));
        assertTrue(clashes.isEmpty(), "the job jar repeats classes of Spark's jars (exclude the artifact from "
                + "the shade in pom.xml, or relocate it):" + report);
    }

    @Test
    void leavesSparkAndScalaOut() {
        List<String> provided = jobEntries.stream()
                .filter(e -> e.endsWith(".class"))
                .filter(e -> e.startsWith("scala/") || e.startsWith("org/apache/spark/") || e.startsWith("org/apache/hadoop/")
                        || e.startsWith("org/slf4j/") || e.startsWith("org/apache/logging/log4j/")
                        || e.startsWith("com/fasterxml/jackson/") || e.startsWith("io/netty/")
                        || e.startsWith("com/google/common/") || e.startsWith("com/google/protobuf/"))
                .filter(e -> !ALLOWED_IN_SPARK_PACKAGES.contains(e.replaceFirst("(\\$.*)?\\.class$", "")))
                .sorted().limit(10).collect(Collectors.toList());
        assertEquals(List.of(), provided, "classes Spark provides (or must provide alone) are in the job jar");
    }

    @Test
    void carriesOurCodeAndTheLinuxX8664NativesOnly() {
        for (String needed : List.of("dev/sparklstm/jobs/TrainJob.class", "dev/sparklstm/jobs/ScoreJob.class",
                "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libnd4jcpu.so",
                "org/bytedeco/openblas/linux-x86_64/libopenblas.so.0",
                "org/deeplearning4j/spark/impl/paramavg/ParameterAveragingTrainingMaster.class",
                "META-INF/services/org.nd4j.linalg.factory.Nd4jBackend")) {
            assertTrue(jobEntries.contains(needed), "job jar misses " + needed);
        }
        Map<String, Integer> platforms = new HashMap<>();
        for (String entry : jobEntries) {
            if (entry.endsWith(".so") || entry.contains(".so.") || entry.endsWith(".dll") || entry.endsWith(".dylib")) {
                String[] parts = entry.split("/");
                String platform = parts.length > 1 ? parts[parts.length - 2] : "";
                for (String part : parts) {
                    if (part.matches("(linux|windows|macosx|android|ios)-.*")) {
                        platform = part;
                    }
                }
                // JNA names the platform linux-x86-64.
                platforms.merge(platform.replace("linux-x86-64", "linux-x86_64"), 1, Integer::sum);
            }
        }
        assertEquals(Set.of("linux-x86_64"), new TreeSet<>(platforms.keySet()), "native libraries by platform: "
                + platforms);
    }

    private static Set<String> entries(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(ZipEntry::getName).collect(Collectors.toCollection(java.util.HashSet::new));
        }
    }
}
