package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.io.OutputCommitter;
import dev.sparklstm.jobs.TrainJob;
import dev.sparklstm.jobs.TrainOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The training job on bad input, end to end on a shared {@code local[2]} session: schema errors
 * are refused before any Spark work, each row-level defect fails the job (default) or is written
 * to {@code rejected/} with its reason (input.bad-rows=reject), rows are accounted for, and the
 * output appears only when the run succeeds (overwrite policy included).
 */
class BadInputJobTest {
    private static final int SEQUENCES = 12;
    private static final int STEPS = 6;
    private static final int ROWS = SEQUENCES * STEPS;
    /** Tiny training settings: each successful run takes a few seconds. */
    private static final String[] TINY = {
        "--set", "train.epochs=1", "--set", "model.layers=4", "--set", "train.batch-size=4",
        "--set", "train.validation-fraction=0", "--set", "train.averaging-frequency=1",
        "--set", "train.workers=2",
    };
    private static final StructType LONG = new StructType()
            .add("seq_id", DataTypes.StringType)
            .add("t", DataTypes.IntegerType)
            .add("x1", DataTypes.DoubleType)
            .add("x2", DataTypes.DoubleType)
            .add("label", DataTypes.StringType);

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("BadInputJobTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.ui.showConsoleProgress", "false")
                .getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    // ---------------------------------------------------------------- fixtures

    private static String id(int s) {
        return String.format("s%02d", s);
    }

    /** 12 sequences x 6 steps, 2 numeric features, labels "a"/"b" (both on every sequence). */
    private static List<Object[]> baseRows() {
        List<Object[]> rows = new ArrayList<>();
        for (int s = 0; s < SEQUENCES; s++) {
            for (int t = 0; t < STEPS; t++) {
                double x1 = Math.sin(0.7 * s + 0.9 * t);
                double x2 = 0.1 * t - 0.05 * s;
                rows.add(new Object[] {id(s), t, x1, x2, x1 > 0 ? "a" : "b"});
            }
        }
        return rows;
    }

    /** The base row of sequence s at step t (a live reference into {@code rows}). */
    private static Object[] cell(List<Object[]> rows, int s, int t) {
        return rows.get(s * STEPS + t);
    }

    private String parquet(String name, StructType schema, List<Object[]> rows) {
        List<Row> data = new ArrayList<>();
        for (Object[] values : rows) {
            data.add(RowFactory.create(values));
        }
        String path = dir.resolve(name + ".parquet").toString();
        spark.createDataFrame(data, schema).coalesce(1).write().parquet(path);
        return path;
    }

    private String output(String name) throws IOException {
        return Files.createDirectories(dir.resolve("out-" + name)).resolve("run").toString();
    }

    private static TrainOptions options(String input, String output, String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", input, "--output", output));
        args.addAll(Arrays.asList(TINY));
        args.addAll(Arrays.asList(extra));
        return TrainOptions.parse(args.toArray(new String[0]));
    }

    private final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();

    private TrainResult run(TrainOptions options) {
        return TrainJob.run(spark, options, new PrintStream(consoleBytes, true, StandardCharsets.UTF_8));
    }

    private String console() {
        return consoleBytes.toString(StandardCharsets.UTF_8);
    }

    private IllegalArgumentException runFails(TrainOptions options) {
        return assertThrows(IllegalArgumentException.class, () -> run(options));
    }

    /** Nothing at the output path and no staging directory left next to it. */
    private static void assertNothingWritten(String output) throws IOException {
        Path target = Path.of(output);
        assertFalse(Files.exists(target), "nothing may be written at " + target);
        assertNoStagingLeft(target);
    }

    private static void assertNoStagingLeft(Path target) throws IOException {
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            List<String> left = siblings.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("." + target.getFileName() + ".")).toList();
            assertEquals(List.of(), left, "staging or replaced directories left next to the output");
        }
    }

    /** rejected/ as a map "seq_id/t" to reason (long layout). */
    private static Map<String, String> rejected(String output, StructType inputSchema) {
        List<Row> rows = spark.read().parquet(Path.of(output, "rejected").toString()).collectAsList();
        StructType schema = spark.read().parquet(Path.of(output, "rejected").toString()).schema();
        assertEquals(Arrays.asList(inputSchema.add("reject_reason", DataTypes.StringType).fieldNames()),
                Arrays.asList(schema.fieldNames()), "rejected/ = input columns + reject_reason");
        Map<String, String> reasons = new HashMap<>();
        for (Row row : rows) {
            String key = row.get(0) + "/" + row.get(1);
            for (int n = 2; reasons.containsKey(key); n++) {
                key = row.get(0) + "/" + row.get(1) + "#" + n;
            }
            reasons.put(key, row.getString(row.size() - 1));
        }
        return reasons;
    }

    private static void assertCounts(TrainResult result, long input, long used, long rejected) {
        assertEquals(input, result.inputRows(), "input rows");
        assertEquals(used, result.usedRows(), "used rows");
        assertEquals(rejected, result.rejectedRows(), "rejected rows");
        assertEquals(result.inputRows(), result.usedRows() + result.rejectedRows());
    }

    // ---------------------------------------------------------------- schema errors

    @Test
    void missingColumnsAreNamedAndNothingIsWritten() throws IOException {
        StructType noLabel = new StructType().add("seq_id", DataTypes.StringType).add("t", DataTypes.IntegerType)
                .add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType);
        List<Object[]> rows = new ArrayList<>();
        for (Object[] row : baseRows()) {
            rows.add(Arrays.copyOf(row, 4));
        }
        String input = parquet("no-label", noLabel, rows);
        String out = output("missing");
        IllegalArgumentException e = runFails(options(input, out));
        assertTrue(e.getMessage().contains("missing label (config columns.label) column \"label\""), e.getMessage());
        assertTrue(e.getMessage().contains("[seq_id, t, x1, x2]"), "lists the columns present: " + e.getMessage());
        assertNothingWritten(out);

        e = runFails(options(input, out, "--set", "columns.label=x2", "--set", "columns.time=time",
                "--set", "task.type=regression"));
        assertTrue(e.getMessage().contains("missing time (config columns.time) column \"time\""), e.getMessage());
        e = runFails(options(input, out, "--set", "columns.label=x2", "--set", "task.type=regression",
                "--set", "columns.features=x1,x3"));
        assertTrue(e.getMessage().startsWith("missing feature (config columns.features) column \"x3\""),
                e.getMessage());
        assertNothingWritten(out);
    }

    @Test
    void mistypedColumnsNameColumnExpectedAndActualType() throws IOException {
        // t is double, x2 boolean, label double.
        StructType mistyped = new StructType().add("seq_id", DataTypes.StringType).add("t", DataTypes.DoubleType)
                .add("x1", DataTypes.DoubleType).add("x2", DataTypes.BooleanType).add("label", DataTypes.DoubleType)
                .add("step", DataTypes.IntegerType);
        List<Object[]> rows = new ArrayList<>();
        for (Object[] row : baseRows()) {
            rows.add(new Object[] {row[0], ((Integer) row[1]).doubleValue(), row[2], true, 1.0, row[1]});
        }
        String input = parquet("mistyped", mistyped, rows);
        String out = output("mistyped");
        IllegalArgumentException e = runFails(options(input, out));
        assertEquals("column \"t\" must be an integer, date or timestamp time column but was double", e.getMessage());
        assertNothingWritten(out);
        // With a valid time column, the label is next.
        String[] stepAsTime = {"--set", "columns.time=step", "--set", "columns.features=x1,x2"};
        e = runFails(options(input, out, stepAsTime));
        assertEquals("column \"label\" must be string or integer class labels but was double", e.getMessage());
        List<String> regression = new ArrayList<>(List.of(stepAsTime));
        regression.addAll(List.of("--set", "task.type=regression", "--set", "columns.categorical=none"));
        e = runFails(options(input, out, regression.toArray(new String[0])));
        assertEquals("column \"x2\" must be numeric but was boolean", e.getMessage());
        e = runFails(options(input, out, "--set", "columns.sequence-id=x1", "--set", "columns.time=step",
                "--set", "columns.features=x2"));
        assertEquals("column \"x1\" must be a string or integer sequence id but was double", e.getMessage());
        e = runFails(options(input, out, "--set", "input.layout=wide", "--set", "task.type=regression"));
        assertEquals("column \"label\" must be an array of per-step labels (input.layout=wide, task.output=per-step) "
                + "but was double", e.getMessage());
        e = runFails(options(input, out, "--set", "input.layout=wide", "--set", "task.type=regression",
                "--set", "task.output=per-sequence", "--set", "columns.features=x1"));
        assertEquals("column \"x1\" must be an array feature column (input.layout=wide: one value per step) "
                + "but was double", e.getMessage());
        assertNothingWritten(out);
    }

    // ---------------------------------------------------------------- row-level defects, long layout

    /**
     * One defect injected into the base table, in its own sequence. {@code step} is the base row
     * that is changed; {@code ownKeys} are the "seq_id/t" keys the defective row(s) have in
     * rejected/ (they carry {@code ownReason}); the other rows of the sequence carry "sequence X
     * has an invalid row (ownReason)".
     */
    enum Defect {
        NULL_ID(3, 2, rows -> cell(rows, 3, 2)[0] = null, "sequence id is null", "null/2"),
        NULL_TIME(4, 3, rows -> cell(rows, 4, 3)[1] = null, "time \"t\" is null", "s04/null"),
        DUPLICATE_TIME(5, 4, rows -> cell(rows, 5, 4)[1] = 3, "duplicate time step t=3 in sequence s05",
                "s05/3", "s05/3#2"),
        NAN_FEATURE(6, 1, rows -> cell(rows, 6, 1)[2] = Double.NaN, "feature \"x1\" is NaN", "s06/1"),
        INFINITE_FEATURE(7, 5, rows -> cell(rows, 7, 5)[3] = Double.NEGATIVE_INFINITY,
                "feature \"x2\" is infinite (-Infinity)", "s07/5"),
        NULL_FEATURE(8, 0, rows -> cell(rows, 8, 0)[3] = null, "feature \"x2\" is null", "s08/0"),
        NULL_LABEL(9, 2, rows -> cell(rows, 9, 2)[4] = null, "label \"label\" is null", "s09/2"),
        UNDECLARED_CLASS(10, 4, rows -> cell(rows, 10, 4)[4] = "c",
                "label \"label\" value 'c' is not one of task.classes [a, b]", "s10/4");

        final int sequence;
        final int step;
        final Consumer<List<Object[]>> inject;
        final String ownReason;
        final List<String> ownKeys;

        Defect(int sequence, int step, Consumer<List<Object[]>> inject, String ownReason, String... ownKeys) {
            this.sequence = sequence;
            this.step = step;
            this.inject = inject;
            this.ownReason = ownReason;
            this.ownKeys = List.of(ownKeys);
        }

        /** A null id detaches only its row; every other defect rejects its whole sequence. */
        boolean rejectsWholeSequence() {
            return this != NULL_ID;
        }

        int rejectedRows() {
            return rejectsWholeSequence() ? STEPS : 1;
        }

        /** Exactly what rejected/ must hold for this defect: "seq_id/t" to reason. */
        Map<String, String> expectedRejected() {
            Map<String, String> expected = new HashMap<>();
            if (rejectsWholeSequence()) {
                for (int t = 0; t < STEPS; t++) {
                    if (t != step) {
                        expected.put(id(sequence) + "/" + t,
                                "sequence " + id(sequence) + " has an invalid row (" + ownReason + ")");
                    }
                }
            }
            ownKeys.forEach(key -> expected.put(key, ownReason));
            return expected;
        }
    }

    private static final String[] CLASSES = {"--set", "task.classes=a,b"};

    @ParameterizedTest
    @EnumSource(Defect.class)
    void eachDefectFailsTheJobByDefault(Defect defect) throws IOException {
        List<Object[]> rows = baseRows();
        defect.inject.accept(rows);
        String input = parquet(defect.name().toLowerCase(java.util.Locale.ROOT), LONG, rows);
        String out = output("fail-" + defect);
        IllegalArgumentException e = runFails(options(input, out, CLASSES));
        String message = e.getMessage();
        assertTrue(message.startsWith(defect.rejectedRows() + " of " + ROWS + " input rows are invalid, for example:"),
                message);
        assertTrue(message.contains(defect.ownReason), "an example names the defect: " + message);
        assertTrue(message.contains("Nothing was written") && message.contains("input.bad-rows=reject"), message);
        assertNothingWritten(out);
    }

    /**
     * All defects at once (one training run instead of eight keeps the class fast): each one is
     * rejected with its reason, nothing else is, and the other sequences are trained on.
     */
    @Test
    void everyDefectIsRejectedWithItsReasonAndTheRestTrained() throws IOException {
        List<Object[]> rows = baseRows();
        Map<String, String> expected = new HashMap<>();
        long rejectedRows = 0;
        for (Defect defect : Defect.values()) {
            defect.inject.accept(rows);
            expected.putAll(defect.expectedRejected());
            rejectedRows += defect.rejectedRows();
        }
        String input = parquet("all-defects", LONG, rows);
        String out = output("reject-all");
        TrainResult result = run(options(input, out, "--set", "input.bad-rows=reject",
                "--set", "task.classes=a,b"));

        assertEquals(43, rejectedRows, "1 row with a null id + 7 whole sequences");
        assertCounts(result, ROWS, ROWS - rejectedRows, rejectedRows);
        // s00, s01, s02, s03 (without its null-id row) and s11.
        assertEquals(5, result.trainSequences());
        assertEquals(expected, rejected(out, LONG), "rejected/ holds exactly the offending rows with their reasons");
        assertTrue(console().contains("43 of 72 input rows rejected (written to rejected/)"), console());
        assertTrue(console().contains("rows: 72 input = 29 used + 43 rejected"), console());
        assertTrue(Files.isRegularFile(Path.of(out, "model", "model.zip")));
        assertNoStagingLeft(Path.of(out));
    }

    @Test
    void onlyInvalidRowsIsAClearError() throws IOException {
        List<Object[]> rows = baseRows();
        rows.forEach(row -> row[3] = Double.NaN);
        String input = parquet("all-nan", LONG, rows);
        String out = output("all-invalid");
        IllegalArgumentException e = runFails(options(input, out, "--set", "input.bad-rows=reject"));
        assertTrue(e.getMessage().startsWith("no valid sequence in input"), e.getMessage());
        assertTrue(e.getMessage().contains("all 72 rows are invalid"), e.getMessage());
        assertNothingWritten(out);
    }

    @Test
    void emptyInputIsAClearError() throws IOException {
        String input = parquet("empty", LONG, List.of());
        String out = output("empty");
        for (String policy : List.of("fail", "reject")) {
            IllegalArgumentException e = runFails(options(input, out, "--set", "input.bad-rows=" + policy));
            assertEquals("input " + input + " is empty: it has no rows", e.getMessage());
            assertNothingWritten(out);
        }
    }

    @Test
    void missingInputIsAClearError() throws IOException {
        String input = dir.resolve("no-such-input.parquet").toString();
        String out = output("no-input");
        for (String format : List.of("auto", "parquet", "csv")) {
            IllegalArgumentException e = runFails(options(input, out, "--set", "input.format=" + format));
            assertEquals("input " + input + " does not exist", e.getMessage(), "input.format=" + format);
            assertNothingWritten(out);
        }
    }

    @Test
    void inputWithoutDataFilesOrRowsIsEmpty() throws IOException {
        // A directory that Spark left without part files (only _SUCCESS), and a CSV with only a header.
        Path noParts = Files.createDirectories(dir.resolve("no-parts.parquet"));
        Files.writeString(noParts.resolve("_SUCCESS"), "");
        String out = output("no-parts");
        for (String format : List.of("auto", "parquet")) {
            IllegalArgumentException e = runFails(options(noParts.toString(), out, "--set", "input.format=" + format));
            assertTrue(e.getMessage().startsWith("input " + noParts + " is empty"), e.getMessage());
            assertNothingWritten(out);
        }
        Path headerOnly = dir.resolve("header-only.csv");
        Files.writeString(headerOnly, "seq_id,t,x1,x2,label\n");
        IllegalArgumentException e = runFails(options(headerOnly.toString(), out));
        assertEquals("input " + headerOnly + " is empty: it has no rows", e.getMessage());
        assertNothingWritten(out);
    }

    @Test
    void unparsableCsvTimeFailsTheJob() throws IOException {
        Path csv = dir.resolve("bad-time.csv");
        StringBuilder text = new StringBuilder("seq_id,t,x1,x2,label\n");
        for (Object[] row : baseRows()) {
            Object t = row[0].equals("s01") && row[1].equals(2) ? "2x" : row[1];
            text.append(row[0]).append(',').append(t).append(',').append(row[2]).append(',').append(row[3])
                    .append(',').append(row[4]).append('\n');
        }
        Files.writeString(csv, text);
        String out = output("bad-time");
        IllegalArgumentException e = runFails(options(csv.toString(), out));
        assertTrue(e.getMessage().startsWith("6 of 72 input rows are invalid"), e.getMessage());
        assertTrue(e.getMessage().contains("time \"t\" value '2x' is not a valid time"), e.getMessage());
        assertNothingWritten(out);
    }

    // ---------------------------------------------------------------- wide layout

    private static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType);
    private static final StructType WIDE = new StructType()
            .add("seq_id", DataTypes.StringType)
            .add("x1", DOUBLES)
            .add("x2", DOUBLES)
            .add("label", DataTypes.createArrayType(DataTypes.StringType));

    /** The base sequences as wide rows (one per sequence), w03 with empty arrays, w07 with x2 one step short. */
    private String wideInput() {
        return parquet("wide", WIDE, wideRows());
    }

    private List<Object[]> wideRows() {
        List<Object[]> rows = new ArrayList<>();
        List<Object[]> steps = baseRows();
        for (int s = 0; s < SEQUENCES; s++) {
            int length = s == 3 ? 0 : STEPS;
            Double[] x1 = new Double[length];
            Double[] x2 = new Double[s == 7 ? length - 1 : length];
            String[] label = new String[length];
            for (int t = 0; t < length; t++) {
                Object[] row = cell(steps, s, t);
                x1[t] = (Double) row[2];
                if (t < x2.length) {
                    x2[t] = (Double) row[3];
                }
                label[t] = (String) row[4];
            }
            rows.add(new Object[] {"w" + id(s).substring(1), x1, x2, label});
        }
        return rows;
    }

    @Test
    void wideLayoutSequencesWithoutStepsOrMismatchedArraysFail() throws IOException {
        String out = output("wide-fail");
        IllegalArgumentException e = runFails(options(wideInput(), out, "--set", "input.layout=wide"));
        assertTrue(e.getMessage().startsWith("2 of 12 input rows are invalid, for example:"), e.getMessage());
        assertTrue(e.getMessage().contains("seq_id=w03: sequence w03 has no steps (empty arrays)"), e.getMessage());
        assertTrue(e.getMessage().contains(
                "seq_id=w07: array lengths differ in sequence w07: \"x1\" has 6 steps, \"x2\" has 5"), e.getMessage());
        assertNothingWritten(out);
    }

    @Test
    void wideLayoutSequencesWithoutStepsOrMismatchedArraysAreRejected() throws IOException {
        String out = output("wide-reject");
        TrainResult result = run(options(wideInput(), out, "--set", "input.layout=wide",
                "--set", "input.bad-rows=reject"));
        // One input row per sequence in the wide layout.
        assertCounts(result, 12, 10, 2);
        List<Row> rejected = spark.read().parquet(Path.of(out, "rejected").toString()).orderBy("seq_id").collectAsList();
        assertEquals(2, rejected.size());
        assertEquals("w03", rejected.get(0).getString(0));
        assertEquals("sequence w03 has no steps (empty arrays)", rejected.get(0).getString(4));
        assertEquals(0, rejected.get(0).getList(1).size(), "the rejected row keeps its (empty) arrays");
        assertEquals("w07", rejected.get(1).getString(0));
        assertEquals("array lengths differ in sequence w07: \"x1\" has 6 steps, \"x2\" has 5",
                rejected.get(1).getString(4));
        assertEquals(5, rejected.get(1).getList(2).size());
    }

    @Test
    void wideLayoutRowsSharingASequenceIdAreRejectedAllOrFailTheJob() throws IOException {
        List<Object[]> rows = wideRows();
        Object[] copy = rows.get(5).clone();
        rows.add(2, copy); // w05 twice, both rows valid on their own
        String input = parquet("wide-duplicate", WIDE, rows);
        String failed = output("wide-duplicate-fail");
        IllegalArgumentException e = runFails(options(input, failed, "--set", "input.layout=wide"));
        assertTrue(e.getMessage().startsWith("4 of 13 input rows are invalid, for example:"), e.getMessage());
        assertTrue(e.getMessage().contains("seq_id=w05: sequence id w05 is in 2 rows; the wide layout "
                + "(input.layout=wide) takes one row per sequence"), e.getMessage());
        assertNothingWritten(failed);

        String out = output("wide-duplicate-reject");
        TrainResult result = run(options(input, out, "--set", "input.layout=wide", "--set", "input.bad-rows=reject"));
        assertCounts(result, 13, 9, 4);
        List<Row> rejected = spark.read().parquet(Path.of(out, "rejected").toString()).where("seq_id = 'w05'")
                .collectAsList();
        assertEquals(2, rejected.size(), "both rows of the duplicated id are rejected");
        for (Row row : rejected) {
            assertEquals("sequence id w05 is in 2 rows; the wide layout (input.layout=wide) takes one row per sequence",
                    row.getString(4));
        }
    }

    @Test
    void tooManyDuplicatedWideIdsAreOneErrorBeforeAnyWork() {
        int ids = SequenceSource.MAX_DUPLICATE_IDS + 1;
        org.apache.spark.sql.Dataset<Row> input = spark.range(0, 2L * ids).selectExpr("cast(id div 2 as string) as seq_id");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SequenceSource.duplicateIds(input, "seq_id"));
        assertTrue(e.getMessage().startsWith("more than 10000 sequence ids of column \"seq_id\" are in more than one"
                + " row (for example "), e.getMessage());
        assertEquals(Map.of("7", 2L), SequenceSource.duplicateIds(input.where("seq_id in ('7', '8')").limit(3),
                "seq_id"));
    }

    // ---------------------------------------------------------------- regression labels from CSV

    @Test
    void regressionLabelsThatAreNotFiniteNumbersInCsv() throws IOException {
        StructType schema = new StructType().add("seq_id", DataTypes.StringType).add("t", DataTypes.IntegerType)
                .add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType).add("y", DataTypes.StringType);
        List<Row> data = new ArrayList<>();
        for (Object[] row : baseRows()) {
            String y = String.valueOf((Double) row[2] * 2 + 1);
            if (row[0].equals("s02") && row[1].equals(3)) {
                y = "abc";
            } else if (row[0].equals("s05") && row[1].equals(0)) {
                y = "NaN";
            }
            data.add(RowFactory.create(row[0], row[1], row[2], row[3], y));
        }
        String input = dir.resolve("regression.csv").toString();
        spark.createDataFrame(data, schema).coalesce(1).write().option("header", "true").csv(input);
        String[] regression = {"--set", "task.type=regression", "--set", "columns.label=y"};

        String failed = output("csv-fail");
        IllegalArgumentException e = runFails(options(input, failed, regression));
        assertTrue(e.getMessage().startsWith("12 of 72 input rows are invalid"), e.getMessage());
        assertNothingWritten(failed);

        String out = output("csv-reject");
        List<String> args = new ArrayList<>(List.of(regression));
        args.addAll(List.of("--set", "input.bad-rows=reject"));
        TrainResult result = run(options(input, out, args.toArray(new String[0])));
        assertCounts(result, ROWS, ROWS - 12, 12);
        Map<String, String> reasons = rejected(out, schema);
        assertEquals(12, reasons.size());
        assertEquals("label \"y\" value 'abc' is not a number", reasons.get("s02/3"));
        assertEquals("sequence s02 has an invalid row (label \"y\" value 'abc' is not a number)", reasons.get("s02/0"));
        assertEquals("label \"y\" is NaN", reasons.get("s05/0"));
        assertEquals("sequence s05 has an invalid row (label \"y\" is NaN)", reasons.get("s05/5"));
        assertTrue(reasons.keySet().stream().allMatch(k -> k.startsWith("s02/") || k.startsWith("s05/")), reasons.toString());
    }

    // ---------------------------------------------------------------- output policy

    private static Path existingOutput(Path target) throws IOException {
        Files.createDirectories(target.resolve("model"));
        Files.writeString(target.resolve("model").resolve("old.txt"), "old run");
        return target;
    }

    private static void assertOldOutputIntact(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(target)) {
            assertEquals(List.of("", "model", "model/old.txt"),
                    files.map(p -> target.relativize(p).toString()).sorted().toList());
        }
        assertEquals("old run", Files.readString(target.resolve("model").resolve("old.txt")));
        assertNoStagingLeft(target);
    }

    @Test
    void existingOutputIsAnErrorWithoutOverwrite() throws IOException {
        String input = parquet("base-no-overwrite", LONG, baseRows());
        Path target = existingOutput(Path.of(output("exists")));
        IllegalArgumentException e = runFails(options(input, target.toString()));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("already exists")
                && e.getMessage().contains("--overwrite"), e.getMessage());
        assertOldOutputIntact(target);
    }

    @Test
    void failingRunWithOverwriteLeavesTheOldOutputIntact() throws IOException {
        List<Object[]> rows = baseRows();
        Defect.NAN_FEATURE.inject.accept(rows);
        String input = parquet("nan-overwrite", LONG, rows);
        Path target = existingOutput(Path.of(output("overwrite-fail")));
        IllegalArgumentException e = runFails(options(input, target.toString(), "--overwrite"));
        assertTrue(e.getMessage().startsWith("6 of 72 input rows are invalid"), e.getMessage());
        assertOldOutputIntact(target);
    }

    @Test
    void overwriteReplacesTheOldOutputWhenTheRunSucceeds() throws IOException {
        String input = parquet("base-overwrite", LONG, baseRows());
        Path target = existingOutput(Path.of(output("overwrite")));
        TrainResult result = run(options(input, target.toString(), "--overwrite"));
        assertCounts(result, ROWS, ROWS, 0);
        assertFalse(Files.exists(target.resolve("model").resolve("old.txt")), "old content is gone");
        assertTrue(Files.isRegularFile(target.resolve("model").resolve("model.zip")));
        assertTrue(Files.isRegularFile(target.resolve("model").resolve("metadata.json")));
        assertTrue(Files.isRegularFile(target.resolve("config.properties")));
        assertEquals(1, spark.read().parquet(target.resolve("metrics").toString()).count());
        // rejected/ is always written, empty here, with the input columns and the reason.
        assertEquals(Map.of(), rejected(target.toString(), LONG));
        assertNoStagingLeft(target);
    }

    /**
     * A target that appears while the job runs is not overwritten; the committer says the new
     * output is left in the staging directory, so it must still be there after the run's cleanup.
     */
    @Test
    void outputThatAppearsDuringTheRunIsNotReplacedAndTheNewOutputIsKept() throws IOException {
        Path target = Path.of(output("appears"));
        OutputCommitter committer = new OutputCommitter(spark.sparkContext().hadoopConfiguration(),
                target.toString(), false).checkTarget();
        committer.writeBytes("config.properties", "new run".getBytes(StandardCharsets.UTF_8));
        existingOutput(target);
        IllegalStateException e = assertThrows(IllegalStateException.class, committer::commit);
        assertTrue(e.getMessage().contains("appeared while the job ran"), e.getMessage());
        committer.abort(); // what TrainingRun.run does in its finally block
        Path staging = Path.of(java.net.URI.create(committer.stagingPath("config.properties"))).getParent();
        assertTrue(e.getMessage().contains(staging.toString()), e.getMessage());
        assertEquals("new run", Files.readString(staging.resolve("config.properties")),
                "the new output is left where the message says");
        try (Stream<Path> files = Files.walk(target)) {
            assertEquals(List.of("", "model", "model/old.txt"),
                    files.map(p -> target.relativize(p).toString()).sorted().toList());
        }
    }
}
