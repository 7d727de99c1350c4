package dev.sparklstm.jobs;

import dev.sparklstm.train.TrainResult;
import dev.sparklstm.train.TrainingRun;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/**
 * spark-submit entry point of training. {@code main} only parses arguments and maps failures to
 * exit codes (0 success, 2 bad options, config or input, 1 anything else); {@link #run} does the
 * work and returns a result that tests can inspect.
 */
public final class TrainJob {
    private TrainJob() {
    }

    public static void main(String[] args) {
        JobSupport.main("spark-lstm train", args, TrainOptions::parse, TrainOptions::usage,
                (spark, options) -> run(spark, options, System.out));
    }

    /** Trains with parsed options on an existing session. */
    public static TrainResult run(SparkSession spark, TrainOptions options, PrintStream console) {
        return new TrainingRun(spark, options.config(), options.output(), options.overwrite(), options.resume(),
                console).run();
    }
}
