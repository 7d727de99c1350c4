package dev.sparklstm.io;

import dev.sparklstm.config.DataSpec;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the input table as Parquet or CSV (with a header row), from a file or a directory. The
 * format comes from the config, or from the extension of the path, or, for a directory without
 * one, from the extension of the files inside it.
 */
public final class InputReader {
    /** The bundled sample trained on when no input path is given, relative to the project home. */
    public static final String DEFAULT_SAMPLE = "data-samples/sensor-steps.parquet";

    private InputReader() {
    }

    /**
     * The input path: the configured one, or the bundled sample under the directory named by the
     * {@code spark-lstm.home} system property (set by the {@code jobs/} scripts), else the
     * working directory.
     */
    public static String resolvePath(DataSpec spec) {
        if (!spec.inputPath().isEmpty()) {
            return spec.inputPath();
        }
        String home = System.getProperty("spark-lstm.home", System.getProperty("user.dir"));
        File sample = new File(home, DEFAULT_SAMPLE);
        if (!sample.exists()) {
            throw new IllegalArgumentException("no --input given and the bundled sample " + sample
                    + " is missing; pass --input or run from the project directory");
        }
        return sample.getAbsolutePath();
    }

    /**
     * Reads the table; fails with a clear message when the path is missing, holds no data files or
     * the format is unknown.
     */
    public static Dataset<Row> read(SparkSession spark, DataSpec spec) {
        String location = resolvePath(spec);
        checkHasData(spark, location);
        DataSpec.Format format = spec.format() == DataSpec.Format.AUTO
                ? detectFormat(spark, location) : spec.format();
        if (format == DataSpec.Format.CSV) {
            return spark.read()
                    .option("header", "true")
                    .option("inferSchema", "true")
                    .option("mode", "PERMISSIVE")
                    .csv(location);
        }
        return spark.read().parquet(location);
    }

    /**
     * Refuses a missing input and a directory without data files for every format: Spark would
     * otherwise fail with an AnalysisException ("Path does not exist", "Unable to infer schema"),
     * which is no caller-mistake error and names neither the problem nor the option.
     */
    static void checkHasData(SparkSession spark, String location) {
        try {
            Path path = new Path(location);
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            // globStatus, not exists: Spark also reads glob patterns.
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new IllegalArgumentException("input " + location + " does not exist");
            }
            if (matches.length == 1 && matches[0].isDirectory()) {
                for (FileStatus child : fs.listStatus(matches[0].getPath())) {
                    if (!isHidden(child.getPath().getName())) {
                        return;
                    }
                }
                throw new IllegalArgumentException("input " + location + " is empty: the directory has no data files");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inspect input " + location, e);
        }
    }

    /** Files Spark's readers skip (_SUCCESS, .crc files, ...). */
    private static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    static DataSpec.Format detectFormat(SparkSession spark, String location) {
        try {
            Path path = new Path(location);
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(path)) {
                throw new IllegalArgumentException("input " + location + " does not exist");
            }
            DataSpec.Format byName = byExtension(path.getName());
            if (byName != null) {
                return byName;
            }
            if (fs.getFileStatus(path).isDirectory()) {
                for (FileStatus child : fs.listStatus(path)) {
                    DataSpec.Format inside = byExtension(child.getPath().getName());
                    if (inside != null && !child.getPath().getName().startsWith(".")) {
                        return inside;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inspect input " + location, e);
        }
        throw new IllegalArgumentException("cannot tell the format of input " + location
                + " from its name; set input.format to parquet or csv");
    }

    private static DataSpec.Format byExtension(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".parquet")) {
            return DataSpec.Format.PARQUET;
        }
        if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) {
            return DataSpec.Format.CSV;
        }
        return null;
    }
}
