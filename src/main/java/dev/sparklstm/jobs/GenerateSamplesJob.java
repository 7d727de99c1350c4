package dev.sparklstm.jobs;

import static dev.sparklstm.jobs.GenerateSamplesOptions.lower;

import dev.sparklstm.io.OutputCommitter;
import dev.sparklstm.jobs.GenerateSamplesOptions.Format;
import dev.sparklstm.jobs.GenerateSamplesOptions.Kind;
import dev.sparklstm.jobs.GenerateSamplesOptions.Layout;
import dev.sparklstm.samples.SampleGenerator;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * spark-submit entry point that writes a synthetic sequence table (see {@link SampleGenerator}).
 * {@code main} only parses arguments and maps failures to exit codes (0 success, 2 bad options or
 * existing output, 1 anything else); {@link #run} does the work and returns a {@link Result}.
 *
 * <p>The table is generated on the executors: {@code spark.range} splits the sequence indices into
 * {@code --partitions} contiguous ranges and each task generates its own sequences, so nothing is
 * collected on the driver and the data does not depend on the number of partitions. The output
 * appears atomically through {@link OutputCommitter}, with a {@code _generator.properties} file
 * recording how it was made.
 */
public final class GenerateSamplesJob {
    private GenerateSamplesJob() {
    }

    /** What a run wrote. */
    public record Result(String output, Kind kind, Layout layout, Format format, long sequences, long rows,
            int partitions) {
    }

    public static void main(String[] args) {
        JobSupport.main("spark-lstm generate-samples", args, GenerateSamplesOptions::parse,
                GenerateSamplesOptions::usage, (spark, options) -> {
                    long start = System.nanoTime();
                    Result r = run(spark, options);
                    System.out.printf(Locale.ROOT, "wrote %d rows (%d %s sequences, %s layout, %s, %d partitions) to %s"
                            + " in %.1f s%n", r.rows(), r.sequences(), lower(r.kind()), lower(r.layout()),
                            lower(r.format()), r.partitions(), r.output(), (System.nanoTime() - start) / 1e9);
                });
    }

    /**
     * Generates and writes the table; on failure nothing is left at the output path.
     *
     * @throws IllegalArgumentException if the output exists and overwriting was not asked for
     */
    public static Result run(SparkSession spark, GenerateSamplesOptions options) {
        OutputCommitter committer = new OutputCommitter(spark.sparkContext().hadoopConfiguration(),
                options.output(), options.overwrite()).checkTarget();
        try {
            int partitions = (int) Math.min(options.sequences(),
                    options.partitions() > 0 ? options.partitions() : spark.sparkContext().defaultParallelism());
            // Counted exactly once per partition: the write is a single result stage (no shuffle).
            LongAccumulator rows = spark.sparkContext().longAccumulator("generated rows");
            SampleGenerator generator = new SampleGenerator(options.minLength(), options.maxLength(), options.seed());
            spark.range(0, options.sequences(), 1, partitions)
                    .flatMap(new SampleRowsFn(options.kind(), options.layout(), generator, rows),
                            Encoders.row(SampleRowsFn.schema(options.kind(), options.layout())))
                    .write().mode(SaveMode.ErrorIfExists).format(lower(options.format()))
                    .option("header", "true") // CSV only; Parquet ignores it
                    .save(committer.stagingPath()); // the table is the whole output
            Result result = new Result(committer.target().toString(), options.kind(), options.layout(),
                    options.format(), options.sequences(), rows.value(), partitions);
            // After Spark's write, which must create the staging directory itself.
            byte[] properties = provenance(options, result).getBytes(StandardCharsets.UTF_8);
            committer.writeBytes("_generator.properties", properties);
            committer.commit();
            return result;
        } finally {
            committer.abort();
        }
    }

    private static String provenance(GenerateSamplesOptions options, Result result) {
        return String.join("\n",
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
    }
}
