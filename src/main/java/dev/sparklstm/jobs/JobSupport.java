package dev.sparklstm.jobs;

import dev.sparklstm.config.JobOptions;
import dev.sparklstm.io.SharedFileSystem;
import dev.sparklstm.model.NativeMemory;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Session setup and the {@code main} pattern shared by the jobs. */
final class JobSupport {
    private JobSupport() {
    }

    /**
     * A session for a job: the explicit master if given, else the one spark-submit configured,
     * else {@code local[*]} (plain {@code java} launches). The {@link SharedFileSystem} scheme is
     * registered.
     */
    static SparkSession session(String appName, String master) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName)
                .config("spark.ui.showConsoleProgress", "false")
                // Registers the sharedfile:// scheme on the driver and every executor.
                .config("spark.hadoop." + SharedFileSystem.IMPL_KEY, SharedFileSystem.class.getName());
        if (master != null) {
            builder.master(master);
        } else if (!new SparkConf().contains("spark.master")) {
            builder.master("local[*]");
        }
        return builder.getOrCreate();
    }

    /**
     * Runs a job from its command line and exits: 0 on success (or after printing the usage),
     * 2 when the options, configuration or input are wrong ({@link IllegalArgumentException},
     * checked before Spark starts where possible), 1 on any other failure.
     */
    static <O extends JobOptions> void main(String appName, String[] args, Function<String[], O> parse,
                                            Supplier<String> usage, BiConsumer<SparkSession, O> run) {
        O options;
        try {
            options = parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + " (run with --help for the options)");
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(usage.get());
            return;
        }
        int status = 0;
        SparkSession spark = session(appName, options.master());
        try {
            run.accept(spark, options);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            // Exception, not RuntimeException: Spark's SparkException (a failed job) is a checked
            // exception that Scala code throws undeclared.
            System.err.println("error: " + appName + " failed: " + e);
            e.printStackTrace();
            status = 1;
        } catch (OutOfMemoryError | ExceptionInInitializerError | NoClassDefFoundError e) {
            // ND4J out of native memory in the driver: name the setting rather than die with a trace.
            IllegalStateException explained = NativeMemory.explain(e);
            if (explained == null) {
                throw e;
            }
            System.err.println("error: " + appName + " failed in the driver: " + explained.getMessage());
            e.printStackTrace();
            status = 1;
        } finally {
            spark.stop();
        }
        System.exit(status);
    }
}
