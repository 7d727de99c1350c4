package dev.sparklstm.jobs;

import dev.sparklstm.samples.SampleGenerator;
import dev.sparklstm.samples.SampleGenerator.AddingSequence;
import dev.sparklstm.samples.SampleGenerator.SensorSequence;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * spark-submit entry point that writes a synthetic sequence table (see {@link SampleGenerator}).
 *
 * <p>The table is generated on the executors: {@code spark.range} splits the sequence indices into
 * {@code --partitions} contiguous ranges and each task generates its own sequences, so nothing is
 * collected on the driver and the data does not depend on the number of partitions. Output goes to
 * a hidden sibling directory first and is renamed into place once complete, next to a
 * {@code _generator.properties} file recording how it was made.
 *
 * <pre>
 * --kind sensor|adding --output DIR [--layout long|wide] [--sequences N] [--min-length A]
 * [--max-length B] [--seed S] [--format parquet|csv] [--partitions P] [--overwrite]
 * [--master URL] [--help]
 * </pre>
 * Exit codes: 0 success, 2 usage error (bad option, existing output), 1 any other failure.
 */
public final class GenerateSamplesJob {

    /** Exit code for a usage error. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for any other failure. */
    public static final int EXIT_FAILURE = 1;

    static final String USAGE = String.join("\n",
            "Usage: GenerateSamplesJob --kind sensor|adding --output DIR [options]",
            "Writes a synthetic sequence table, generated in parallel and deterministic from --seed.",
            "  --kind sensor|adding     sensor: per-step classification (ok/warn/fault);",
            "                           adding: the adding problem, one regression target per sequence",
            "  --output DIR             output directory (Hadoop path); must not exist unless --overwrite",
            "  --layout long|wide       long: one row per step (default); wide: one row per sequence",
            "                           with array columns",
            "  --sequences N            number of sequences, 1.." + Options.MAX_SEQUENCES + " (default 1000)",
            "  --min-length A           shortest sequence, " + SampleGenerator.MIN_SUPPORTED_LENGTH + ".."
                    + SampleGenerator.MAX_SUPPORTED_LENGTH + " (default 20)",
            "  --max-length B           longest sequence, A.." + SampleGenerator.MAX_SUPPORTED_LENGTH
                    + " (default 60)",
            "  --seed S                 any long (default 1); same seed, same data",
            "  --format parquet|csv     default parquet; csv (with header) only with --layout long",
            "  --partitions P           output files, 1.." + Options.MAX_PARTITIONS
                    + " (default: Spark's default parallelism; at most N are used)",
            "  --overwrite              replace an existing --output",
            "  --master URL             Spark master; default: the one spark-submit sets, else local[*]",
            "  --help                   print this help");

    private GenerateSamplesJob() {
    }

    /** Which generator to run. */
    public enum Kind { SENSOR, ADDING }

    /** One row per step, or one row per sequence with array columns. */
    public enum Layout { LONG, WIDE }

    /** Output file format. */
    public enum Format { PARQUET, CSV }

    /**
     * Validated command-line options.
     *
     * @param partitions number of partitions, or 0 for Spark's default parallelism
     * @param master     Spark master URL, or null to use spark-submit's (else local[*])
     */
    public record Options(Kind kind, Layout layout, long sequences, int minLength, int maxLength, long seed,
            Format format, int partitions, String output, boolean overwrite, String master) {

        static final long MAX_SEQUENCES = 1_000_000_000_000L;
        static final int MAX_PARTITIONS = 100_000;

        public Options {
            require(kind != null, "--kind is required (sensor|adding)");
            require(layout != null, "--layout must be long or wide, got null");
            require(format != null, "--format must be parquet or csv, got null");
            require(output != null && !output.isBlank(), "--output is required (a directory path)");
            require(sequences >= 1 && sequences <= MAX_SEQUENCES,
                    "--sequences must be between 1 and " + MAX_SEQUENCES + ", got " + sequences);
            require(minLength >= SampleGenerator.MIN_SUPPORTED_LENGTH
                            && minLength <= SampleGenerator.MAX_SUPPORTED_LENGTH,
                    "--min-length must be between " + SampleGenerator.MIN_SUPPORTED_LENGTH + " and "
                            + SampleGenerator.MAX_SUPPORTED_LENGTH + ", got " + minLength);
            require(maxLength >= minLength && maxLength <= SampleGenerator.MAX_SUPPORTED_LENGTH,
                    "--max-length must be between --min-length (" + minLength + ") and "
                            + SampleGenerator.MAX_SUPPORTED_LENGTH + ", got " + maxLength);
            require(partitions >= 0 && partitions <= MAX_PARTITIONS,
                    "--partitions must be between 1 and " + MAX_PARTITIONS + ", got " + partitions);
            require(!(format == Format.CSV && layout == Layout.WIDE),
                    "--format csv needs --layout long: CSV cannot hold the array columns of --layout wide;"
                            + " use --format parquet");
            require(master == null || !master.isBlank(), "--master must not be blank");
        }

        /** Parses {@code --name value} / {@code --name=value} arguments; see {@link #USAGE}. */
        public static Options parse(String... args) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (!arg.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument '" + arg + "': options start with --");
                }
                String name = arg;
                String value;
                int eq = arg.indexOf('=');
                if (eq >= 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                } else if (name.equals("--overwrite") || name.equals("--help")) {
                    value = "true";
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    value = args[++i];
                } else {
                    value = null;
                }
                if (!OPTION_NAMES.contains(name)) {
                    throw new IllegalArgumentException("unknown option " + name + "; allowed: " + OPTION_NAMES);
                }
                if (value == null) {
                    throw new IllegalArgumentException("option " + name + " needs a value");
                }
                if (values.put(name, value) != null) {
                    throw new IllegalArgumentException("option " + name + " is given more than once");
                }
            }
            String overwrite = values.getOrDefault("--overwrite", "false");
            require(overwrite.equals("true") || overwrite.equals("false"),
                    "--overwrite takes no value, got '" + overwrite + "'");
            return new Options(
                    parseEnum(Kind.class, "--kind", values.get("--kind")),
                    parseEnum(Layout.class, "--layout", values.getOrDefault("--layout", "long")),
                    parseLong("--sequences", values.getOrDefault("--sequences", "1000")),
                    parseInt("--min-length", values.getOrDefault("--min-length", "20")),
                    parseInt("--max-length", values.getOrDefault("--max-length", "60")),
                    parseLong("--seed", values.getOrDefault("--seed", "1")),
                    parseEnum(Format.class, "--format", values.getOrDefault("--format", "parquet")),
                    values.containsKey("--partitions") ? parsePositiveInt("--partitions", values.get("--partitions"))
                            : 0,
                    values.get("--output"),
                    Boolean.parseBoolean(overwrite),
                    values.get("--master"));
        }

        /** True when the arguments ask for help (then nothing else is validated). */
        public static boolean wantsHelp(String... args) {
            for (String arg : args) {
                if (arg.equals("--help") || arg.equals("-h")) {
                    return true;
                }
            }
            return false;
        }

        private static final List<String> OPTION_NAMES = List.of("--kind", "--layout",
                "--sequences", "--min-length", "--max-length", "--seed", "--format", "--partitions", "--output",
                "--overwrite", "--master", "--help");

        private static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String value) {
            if (value == null) {
                return null;
            }
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equalsIgnoreCase(value)) {
                    return constant;
                }
            }
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : "|").append(constant.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException(option + " must be " + allowed + ", got '" + value + "'");
        }

        private static long parseLong(String option, String value) {
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be an integer, got '" + value + "'", e);
            }
        }

        private static int parseInt(String option, String value) {
            long v = parseLong(option, value);
            require(v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE,
                    option + " must be a 32-bit integer, got '" + value + "'");
            return (int) v;
        }

        private static int parsePositiveInt(String option, String value) {
            int v = parseInt(option, value);
            require(v >= 1, option + " must be between 1 and " + MAX_PARTITIONS + ", got " + v);
            return v;
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** What a run wrote. */
    public record Result(String output, Kind kind, Layout layout, Format format, long sequences, long rows,
            int partitions) {
    }

    /** Parses the arguments, runs the job and exits with 0, {@link #EXIT_USAGE} or {@link #EXIT_FAILURE}. */
    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** {@link #main} without {@code System.exit}: returns the exit code. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        if (Options.wantsHelp(args)) {
            out.println(USAGE);
            return 0;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println("run with --help for the options");
            return EXIT_USAGE;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("spark-lstm generate-samples");
        if (options.master() != null) {
            builder.master(options.master());
        } else if (System.getProperty("spark.master") == null) {
            builder.master("local[*]"); // not launched by spark-submit
        }
        SparkSession spark = null;
        try {
            spark = builder.getOrCreate();
            long start = System.nanoTime();
            Result result = run(spark, options);
            out.printf(Locale.ROOT, "wrote %d rows (%d %s sequences, %s layout, %s, %d partitions) to %s in %.1f s%n",
                    result.rows(), result.sequences(), lower(result.kind()), lower(result.layout()),
                    lower(result.format()), result.partitions(), result.output(), (System.nanoTime() - start) / 1e9);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return EXIT_USAGE;
        } catch (Exception e) {
            err.println("error: generating samples failed: " + e);
            e.printStackTrace(err);
            return EXIT_FAILURE;
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
    }

    /**
     * Generates and writes the table.
     *
     * @throws IllegalArgumentException if the output exists and {@code overwrite} is false
     * @throws IOException              if the file system fails
     */
    public static Result run(SparkSession spark, Options options) throws IOException {
        Path output = new Path(options.output());
        FileSystem fs = output.getFileSystem(spark.sparkContext().hadoopConfiguration());
        output = fs.makeQualified(output);
        if (!options.overwrite() && fs.exists(output)) {
            throw outputExists(output);
        }
        int partitions = (int) Math.min(options.sequences(),
                options.partitions() > 0 ? options.partitions() : spark.sparkContext().defaultParallelism());
        SampleGenerator generator = new SampleGenerator(options.minLength(), options.maxLength(), options.seed());
        LongAccumulator rows = spark.sparkContext().longAccumulator("generated rows");
        Dataset<Row> table = spark.range(0, options.sequences(), 1, partitions)
                .mapPartitions(new SampleRowsFn(options.kind(), options.layout(), generator, rows),
                        Encoders.row(schema(options.kind(), options.layout())));

        // Hidden sibling ("." prefix): readers of the parent directory skip it while it is incomplete.
        Path staging = new Path(output.getParent(), "." + output.getName() + ".tmp-" + UUID.randomUUID());
        try {
            if (options.format() == Format.CSV) {
                table.write().mode(SaveMode.ErrorIfExists).option("header", "true").csv(staging.toString());
            } else {
                table.write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
            }
            Result result = new Result(output.toString(), options.kind(), options.layout(), options.format(),
                    options.sequences(), rows.value(), partitions);
            writeProvenance(fs, new Path(staging, "_generator.properties"), options, result);
            commit(fs, staging, output, options.overwrite());
            return result;
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }

    /** The output schema of a kind and layout. Columns are never null. */
    public static StructType schema(Kind kind, Layout layout) {
        DataType doubles = DataTypes.createArrayType(DataTypes.DoubleType, false);
        DataType strings = DataTypes.createArrayType(DataTypes.StringType, false);
        boolean wide = layout == Layout.WIDE;
        if (kind == Kind.SENSOR) {
            return wide
                    ? struct(field(SampleGenerator.SEQ_ID, DataTypes.StringType),
                            field(SampleGenerator.TEMPERATURE, doubles), field(SampleGenerator.VIBRATION, doubles),
                            field(SampleGenerator.PRESSURE, doubles), field(SampleGenerator.MODE, strings),
                            field(SampleGenerator.LABEL, strings))
                    : struct(field(SampleGenerator.SEQ_ID, DataTypes.StringType),
                            field(SampleGenerator.T, DataTypes.IntegerType),
                            field(SampleGenerator.TEMPERATURE, DataTypes.DoubleType),
                            field(SampleGenerator.VIBRATION, DataTypes.DoubleType),
                            field(SampleGenerator.PRESSURE, DataTypes.DoubleType),
                            field(SampleGenerator.MODE, DataTypes.StringType),
                            field(SampleGenerator.LABEL, DataTypes.StringType));
        }
        return wide
                ? struct(field(SampleGenerator.SEQ_ID, DataTypes.LongType), field(SampleGenerator.VALUE, doubles),
                        field(SampleGenerator.MARKER, doubles), field(SampleGenerator.TARGET, DataTypes.DoubleType))
                : struct(field(SampleGenerator.SEQ_ID, DataTypes.LongType),
                        field(SampleGenerator.T, DataTypes.IntegerType),
                        field(SampleGenerator.VALUE, DataTypes.DoubleType),
                        field(SampleGenerator.MARKER, DataTypes.DoubleType),
                        field(SampleGenerator.TARGET, DataTypes.DoubleType));
    }

    private static StructType struct(StructField... fields) {
        return DataTypes.createStructType(fields);
    }

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, false);
    }

    /** Moves the finished staging directory to {@code output}, replacing it if allowed. */
    private static void commit(FileSystem fs, Path staging, Path output, boolean overwrite) throws IOException {
        if (fs.exists(output)) {
            if (!overwrite) {
                throw outputExists(output); // someone created it while we were writing
            }
            if (!fs.delete(output, true)) {
                throw new IOException("could not delete the existing output " + output);
            }
        }
        if (!fs.rename(staging, output)) {
            throw new IOException("could not rename " + staging + " to " + output);
        }
    }

    private static IllegalArgumentException outputExists(Path output) {
        return new IllegalArgumentException("--output " + output + " already exists; pass --overwrite to replace it");
    }

    private static void writeProvenance(FileSystem fs, Path file, Options options, Result result) throws IOException {
        String text = String.join("\n",
                "# Written by dev.sparklstm.jobs.GenerateSamplesJob; same values, same data.",
                "kind=" + lower(options.kind()),
                "layout=" + lower(options.layout()),
                "format=" + lower(options.format()),
                "sequences=" + options.sequences(),
                "min_length=" + options.minLength(),
                "max_length=" + options.maxLength(),
                "seed=" + options.seed(),
                "partitions=" + result.partitions(),
                "rows=" + result.rows(),
                "");
        try (OutputStream stream = fs.create(file, false)) {
            stream.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Runs on the executors: turns a partition's sequence indices into rows, lazily (one sequence in
     * memory at a time), and counts them.
     */
    static final class SampleRowsFn implements MapPartitionsFunction<Long, Row> {
        private static final long serialVersionUID = 1L;

        private final Kind kind;
        private final Layout layout;
        private final SampleGenerator generator;
        private final LongAccumulator rows;

        SampleRowsFn(Kind kind, Layout layout, SampleGenerator generator, LongAccumulator rows) {
            this.kind = kind;
            this.layout = layout;
            this.generator = generator;
            this.rows = rows;
        }

        @Override
        public Iterator<Row> call(Iterator<Long> indices) {
            return new RowIterator(indices);
        }

        /** Rows of one sequence: a single wide row, or one row per step. */
        private Row row(Object sequence, int t) {
            if (sequence instanceof SensorSequence s) {
                return layout == Layout.WIDE
                        ? RowFactory.create(s.seqId(), s.temperature(), s.vibration(), s.pressure(), s.mode(),
                                s.label())
                        : RowFactory.create(s.seqId(), t, s.temperature()[t], s.vibration()[t], s.pressure()[t],
                                s.mode()[t], s.label()[t]);
            }
            AddingSequence a = (AddingSequence) sequence;
            return layout == Layout.WIDE
                    ? RowFactory.create(a.seqId(), a.value(), a.marker(), a.target())
                    : RowFactory.create(a.seqId(), t, a.value()[t], a.marker()[t], a.target());
        }

        private final class RowIterator implements Iterator<Row> {
            private final Iterator<Long> indices;
            private Object sequence;
            private int length;
            private int t;

            RowIterator(Iterator<Long> indices) {
                this.indices = indices;
            }

            @Override
            public boolean hasNext() {
                while (sequence == null || t >= length) {
                    if (!indices.hasNext()) {
                        return false;
                    }
                    long index = indices.next();
                    if (kind == Kind.SENSOR) {
                        SensorSequence s = generator.sensor(index);
                        sequence = s;
                        length = layout == Layout.WIDE ? 1 : s.length();
                    } else {
                        AddingSequence a = generator.adding(index);
                        sequence = a;
                        length = layout == Layout.WIDE ? 1 : a.length();
                    }
                    t = 0;
                }
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                rows.add(1);
                return row(sequence, t++);
            }
        }
    }
}
