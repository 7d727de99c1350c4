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
        TrainOptions options;
        try {
            options = TrainOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(TrainOptions.usage());
            return;
        }
        int status = 0;
        SparkSession spark = JobSupport.session("spark-lstm train", options.master());
        try {
            run(spark, options, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            status = 2;
        } catch (RuntimeException e) {
            System.err.println("error: " + e);
            e.printStackTrace();
            status = 1;
        } finally {
            spark.stop();
        }
        System.exit(status);
    }

    /** Trains with parsed options on an existing session. */
    public static TrainResult run(SparkSession spark, TrainOptions options, PrintStream console) {
        return new TrainingRun(spark, options.config(), options.output(), options.overwrite(), console).run();
    }
}
