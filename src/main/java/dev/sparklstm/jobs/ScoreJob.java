package dev.sparklstm.jobs;

import dev.sparklstm.score.ScoreOptions;
import dev.sparklstm.score.ScoreResult;
import dev.sparklstm.score.ScoringRun;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/**
 * spark-submit entry point of batch scoring. {@code main} only parses arguments and maps failures
 * to exit codes (0 success, 2 bad options, model or input, 1 anything else); {@link #run} does the
 * work and returns a result that tests can inspect.
 */
public final class ScoreJob {
    private ScoreJob() {
    }

    public static void main(String[] args) {
        JobSupport.main("spark-lstm score", args, ScoreOptions::parse, ScoreOptions::usage,
                (spark, options) -> run(spark, options, System.out));
    }

    /** Scores with parsed options on an existing session. */
    public static ScoreResult run(SparkSession spark, ScoreOptions options, PrintStream console) {
        return new ScoringRun(spark, options, console).run();
    }
}
