package dev.sparklstm.jobs;

import dev.sparklstm.config.CommandLine;
import dev.sparklstm.config.JobOptions;
import dev.sparklstm.samples.SampleGenerator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Command-line options of {@link GenerateSamplesJob}, parsed and validated before any Spark work.
 * Options are {@code --name value} or {@code --name=value}; see {@link #usage()}.
 *
 * @param partitions number of partitions, or 0 for Spark's default parallelism
 * @param master     Spark master URL, or null to keep spark-submit's (local[*] when there is none)
 * @param help       whether only help was asked for (then nothing else is set or validated)
 */
public record GenerateSamplesOptions(Kind kind, Layout layout, long sequences, int minLength, int maxLength,
        long seed, Format format, int partitions, String output, boolean overwrite, String master, boolean help)
        implements JobOptions {

    static final long MAX_SEQUENCES = 1_000_000_000_000L;
    static final int MAX_PARTITIONS = 100_000;
    private static final int MIN_LENGTH = SampleGenerator.MIN_SUPPORTED_LENGTH;
    private static final int MAX_LENGTH = SampleGenerator.MAX_SUPPORTED_LENGTH;
    private static final GenerateSamplesOptions HELP =
            new GenerateSamplesOptions(null, null, 0, 0, 0, 0, null, 0, null, false, null, true);

    /** Which generator to run. */
    public enum Kind { SENSOR, ADDING }

    /** One row per step, or one row per sequence with array columns. */
    public enum Layout { LONG, WIDE }

    /** Output file format. */
    public enum Format { PARQUET, CSV }

    public GenerateSamplesOptions {
        if (!help) {
            require(kind != null, "--kind is required (sensor|adding)");
            require(layout != null, "--layout must be long or wide, got null");
            require(format != null, "--format must be parquet or csv, got null");
            require(output != null && !output.isBlank(), "--output is required (a directory path)");
            require(sequences >= 1 && sequences <= MAX_SEQUENCES,
                    "--sequences must be between 1 and " + MAX_SEQUENCES + ", got " + sequences);
            require(minLength >= MIN_LENGTH && minLength <= MAX_LENGTH,
                    "--min-length must be between " + MIN_LENGTH + " and " + MAX_LENGTH + ", got " + minLength);
            require(maxLength >= minLength && maxLength <= MAX_LENGTH, "--max-length must be between --min-length ("
                    + minLength + ") and " + MAX_LENGTH + ", got " + maxLength);
            require(partitions >= 0 && partitions <= MAX_PARTITIONS,
                    "--partitions must be between 1 and " + MAX_PARTITIONS + ", got " + partitions);
            require(!(format == Format.CSV && layout == Layout.WIDE), "--format csv needs --layout long: CSV cannot"
                    + " hold the array columns of --layout wide; use --format parquet");
            require(master == null || !master.isBlank(), "--master must not be blank");
        }
    }

    /**
     * Parses arguments; throws {@link IllegalArgumentException} naming the offending option.
     * {@code --help} (or {@code -h}) anywhere wins over everything else.
     */
    public static GenerateSamplesOptions parse(String... args) {
        CommandLine line = CommandLine.parse(args, Set.of("--overwrite"), Set.of("--kind", "--layout", "--sequences",
                "--min-length", "--max-length", "--seed", "--format", "--partitions", "--output", "--master"), Set.of());
        if (line.help()) {
            return HELP;
        }
        String partitions = line.value("--partitions", null);
        return new GenerateSamplesOptions(
                parseEnum(Kind.class, "--kind", line.value("--kind", null)),
                parseEnum(Layout.class, "--layout", line.value("--layout", "long")),
                parseLong("--sequences", line.value("--sequences", "1000")),
                parseInt("--min-length", line.value("--min-length", "20")),
                parseInt("--max-length", line.value("--max-length", "60")),
                parseLong("--seed", line.value("--seed", "1")),
                parseEnum(Format.class, "--format", line.value("--format", "parquet")),
                partitions == null ? 0 : parsePositiveInt("--partitions", partitions),
                line.value("--output", null), line.has("--overwrite"), line.value("--master", null), false);
    }

    /** The usage text. */
    public static String usage() {
        return String.join("\n",
                "Usage: jobs/generate.sh --kind sensor|adding --output DIR [options]",
                "Writes a synthetic sequence table, generated in parallel and deterministic from --seed.",
                "  --kind sensor|adding     sensor: per-step classification (ok/warn/fault);",
                "                           adding: the adding problem, one regression target per sequence",
                "  --output DIR             output directory (Hadoop path); must not exist unless --overwrite",
                "  --layout long|wide       long: one row per step (default); wide: one row per sequence",
                "                           with array columns",
                "  --sequences N            number of sequences, 1.." + MAX_SEQUENCES + " (default 1000)",
                "  --min-length A           shortest sequence, " + MIN_LENGTH + ".." + MAX_LENGTH + " (default 20)",
                "  --max-length B           longest sequence, A.." + MAX_LENGTH + " (default 60)",
                "  --seed S                 any long (default 1); same seed, same data",
                "  --format parquet|csv     default parquet; csv (with header) only with --layout long",
                "  --partitions P           output files, 1.." + MAX_PARTITIONS
                        + " (default: Spark's default parallelism; at most N are used)",
                "  --overwrite              replace an existing --output",
                "  --master URL             Spark master; default: the one spark-submit sets, else local[*]",
                "  --help                   print this help",
                "");
    }

    static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String value) {
        if (value == null) {
            return null;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        List<String> allowed = List.of(type.getEnumConstants()).stream().map(GenerateSamplesOptions::lower).toList();
        throw new IllegalArgumentException(option + " must be " + String.join("|", allowed) + ", got '" + value + "'");
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
        require(v == (int) v, option + " must be a 32-bit integer, got '" + value + "'");
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
