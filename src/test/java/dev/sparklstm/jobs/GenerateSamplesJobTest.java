package dev.sparklstm.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.samples.SampleGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link GenerateSamplesJob#run} on a shared local Spark session and reads its output back. */
class GenerateSamplesJobTest {

    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("GenerateSamplesJobTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static GenerateSamplesJob.Result generate(String output, String... extra) {
        String[] args = Stream.concat(Stream.of("--output", dir.resolve(output).toString()), Stream.of(extra))
                .toArray(String[]::new);
        return GenerateSamplesJob.run(spark, GenerateSamplesOptions.parse(args));
    }

    private static Dataset<Row> parquet(String output) {
        return spark.read().parquet(dir.resolve(output).toString());
    }

    /** The rows of a long table by sequence and step; sorted on the driver, the tables are tiny. */
    private static List<Row> steps(Dataset<Row> table) {
        List<Row> rows = new ArrayList<>(table.collectAsList());
        rows.sort(Comparator.comparing((Row r) -> String.valueOf(r.get(0))).thenComparingInt(r -> r.getInt(1)));
        return rows;
    }

    @Test
    void rowCountsAreTheSumOfTheSequenceLengths() {
        SampleGenerator generator = new SampleGenerator(3, 9, 5);
        long sensorSteps = 0;
        long addingSteps = 0;
        for (long i = 0; i < 25; i++) {
            sensorSteps += generator.sensor(i).length();
            addingSteps += generator.adding(i).length();
        }
        String[] settings = {"--sequences", "25", "--min-length", "3", "--max-length", "9", "--seed", "5"};

        GenerateSamplesJob.Result sensor = generate("count-sensor", concat(settings, "--kind", "sensor"));
        GenerateSamplesJob.Result adding = generate("count-adding", concat(settings, "--kind", "adding"));
        GenerateSamplesJob.Result wide = generate("count-wide", concat(settings, "--kind", "adding", "--layout",
                "wide", "--partitions", "2"));

        assertEquals(sensorSteps, sensor.rows());
        assertEquals(sensorSteps, parquet("count-sensor").count());
        assertEquals(addingSteps, adding.rows());
        assertEquals(addingSteps, parquet("count-adding").count());
        assertEquals(25, wide.rows());
        assertEquals(2, wide.partitions());
        Row first = parquet("count-wide").where("seq_id = 0").first();
        assertArrayEquals(generator.adding(0).value(),
                first.getList(1).stream().mapToDouble(v -> (Double) v).toArray());
        assertEquals(generator.adding(0).target(), first.getDouble(3));
    }

    @Test
    void dataDoesNotDependOnThePartitioning() throws IOException {
        String[] settings = {"--kind", "sensor", "--sequences", "12", "--min-length", "2", "--max-length", "7",
            "--seed", "3"};
        assertEquals(1, generate("one", concat(settings, "--partitions", "1")).partitions());
        assertEquals(3, generate("three", concat(settings, "--partitions", "3")).partitions());

        try (Stream<Path> files = Files.list(dir.resolve("three"))) {
            assertEquals(3, files.filter(p -> p.getFileName().toString().startsWith("part-")).count());
        }
        List<Row> one = steps(parquet("one"));
        List<Row> three = steps(parquet("three"));
        assertEquals(new SampleGenerator(2, 7, 3).sensor(0).length(),
                one.stream().filter(r -> r.getString(0).equals("s000000")).count());
        assertEquals(one, three);
    }

    @Test
    void existingOutputIsRefusedWithoutOverwriteAndReplacedWithIt() throws IOException {
        String[] settings = {"--kind", "adding", "--sequences", "4", "--min-length", "2", "--max-length", "2"};
        generate("existing", concat(settings, "--seed", "1"));
        Path properties = dir.resolve("existing").resolve("_generator.properties");
        assertTrue(Files.readString(properties).contains("seed=1\n"));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> generate("existing", concat(settings, "--seed", "2")));
        assertTrue(refused.getMessage().contains("--overwrite"), refused.getMessage());
        assertTrue(Files.readString(properties).contains("seed=1\n"), "the refused run left the output alone");

        GenerateSamplesJob.Result replaced = generate("existing", concat(settings, "--seed", "2", "--overwrite"));
        assertEquals(8, replaced.rows());
        assertTrue(Files.readString(properties).contains("seed=2\n"));
        assertEquals(new SampleGenerator(2, 2, 2).adding(3).target(),
                parquet("existing").where("seq_id = 3").first().getDouble(4));
        try (Stream<Path> siblings = Files.list(dir)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().startsWith(".existing")),
                    "no staging or replaced directory is left behind");
        }
    }

    @Test
    void wideCsvIsRefusedNamingTheOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> generate("wide-csv", "--kind", "adding", "--layout", "wide", "--format", "csv"));
        assertTrue(e.getMessage().contains("--format csv") && e.getMessage().contains("--layout"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("wide-csv")));
    }

    @Test
    void helpWinsAndBadValuesNameTheOption() {
        assertTrue(GenerateSamplesOptions.parse("--bogus", "--help").help());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenerateSamplesOptions.parse("--kind", "sensor", "--output", "x", "--max-length", "1"));
        assertEquals("--max-length must be between --min-length (20) and 1000000, got 1", e.getMessage());
    }

    @Test
    void longCsvReadsBackWithAHeaderAndTheParquetRows() {
        String[] settings = {"--kind", "sensor", "--sequences", "6", "--min-length", "3", "--max-length", "5",
            "--seed", "9", "--partitions", "2"};
        generate("steps.csv", concat(settings, "--format", "csv"));
        generate("steps.parquet", settings);

        String path = dir.resolve("steps.csv").toString();
        assertArrayEquals(new String[] {"seq_id", "t", "temperature", "vibration", "pressure", "mode", "label"},
                spark.read().option("header", "true").csv(path).columns());
        // enforceSchema=false: Spark checks the header against the schema's column names.
        Dataset<Row> csv = spark.read().option("header", "true").option("enforceSchema", "false")
                .schema(SampleRowsFn.schema(GenerateSamplesOptions.Kind.SENSOR, GenerateSamplesOptions.Layout.LONG))
                .csv(path);
        assertEquals(steps(parquet("steps.parquet")), steps(csv));
    }

    private static String[] concat(String[] first, String... more) {
        return Stream.concat(Stream.of(first), Stream.of(more)).toArray(String[]::new);
    }
}
