package dev.sparklstm.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Session setup shared by the jobs. */
final class JobSupport {
    private JobSupport() {
    }

    /**
     * A session for a job: the explicit master if given, else the one spark-submit configured,
     * else {@code local[*]} (plain {@code java} launches).
     */
    static SparkSession session(String appName, String master) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName)
                .config("spark.ui.showConsoleProgress", "false");
        if (master != null) {
            builder.master(master);
        } else if (!new SparkConf().contains("spark.master")) {
            builder.master("local[*]");
        }
        return builder.getOrCreate();
    }
}
