package dev.sparklstm.score;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.util.LongAccumulator;

/**
 * Prints the rows scored so far and the rate every few seconds while scoring runs. The count comes
 * from an accumulator that Spark updates as tasks finish, so it moves in task-sized steps.
 */
final class Progress implements AutoCloseable {
    private static final long PERIOD_SECONDS = 10;
    private final ScheduledExecutorService timer;

    Progress(PrintStream console, LongAccumulator scored, long startNanos) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "scoring-progress");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(() -> {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            long rows = scored.value();
            console.printf(Locale.ROOT, "scored %,d rows in %.0f s (%,.0f rows/s)%n", rows, seconds, rows / seconds);
        }, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
