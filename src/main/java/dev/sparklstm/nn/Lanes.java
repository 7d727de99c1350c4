package dev.sparklstm.nn;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Splits a minibatch's examples over threads ("lanes"): each lane runs the whole network on its
 * own contiguous range of examples with its own buffers, so lanes share nothing but read-only
 * inputs and parameters. The calling thread runs lane 0; the others run on a shared pool of daemon
 * threads that end after a minute unused, so trainers and forwards made per Spark task leave no
 * threads behind.
 */
final class Lanes {
    /** Lanes get examples in multiples of this (the single-pass LSTM step works on 4 examples at a time). */
    static final int EXAMPLE_BLOCK = 4;
    /**
     * LSTM GEMM FLOPs a lane should have per call before another lane pays off. Handing work to a
     * thread and waiting for it costs tens of microseconds, and smaller products run slower:
     * workload A's training segments (13 MFLOP, 16 examples) trained at 600k seq-steps/s on two
     * lanes and 702k on one; B's (3 GFLOP) at 31.0k and 18.7k (Zen 4, session 5).
     */
    static final double MIN_FLOPS_PER_LANE = 50e6;
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "spark-lstm-lane-" + THREAD_NUMBER.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private Lanes() {
    }

    /**
     * The first example of each lane and, last, {@code batch}: at most {@code lanes} ranges, each
     * but the last a multiple of {@link #EXAMPLE_BLOCK} long, none empty. {@code bounds.length - 1}
     * lanes are used.
     */
    static int[] bounds(int batch, int lanes) {
        if (batch < 1 || lanes < 1) {
            throw new IllegalArgumentException("batch " + batch + " and lanes " + lanes + " must be at least 1");
        }
        int blocks = (batch + EXAMPLE_BLOCK - 1) / EXAMPLE_BLOCK;
        int chunk = (blocks + lanes - 1) / lanes * EXAMPLE_BLOCK;
        int used = (batch + chunk - 1) / chunk;
        int[] bounds = new int[used + 1];
        for (int i = 0; i < used; i++) {
            bounds[i] = i * chunk;
        }
        bounds[used] = batch;
        return bounds;
    }

    /** How many of {@code lanes} to use for {@code flops} of work: at least 1, one more per {@code minFlopsPerLane}. */
    static int worthwhile(int lanes, double flops, double minFlopsPerLane) {
        return (int) Math.max(1, Math.min(lanes, flops / minFlopsPerLane));
    }

    /**
     * Runs {@code work} for lanes 0 to {@code lanes - 1} at once and returns when all have ended;
     * the first failure is rethrown after every lane has stopped (lanes may share the caller's
     * buffers, which must not be touched again while one still runs).
     */
    static void run(int lanes, IntConsumer work) {
        if (lanes == 1) {
            work.accept(0);
            return;
        }
        Future<?>[] others = new Future<?>[lanes - 1];
        for (int i = 1; i < lanes; i++) {
            int lane = i;
            others[i - 1] = POOL.submit(() -> work.accept(lane));
        }
        Throwable failure = null;
        try {
            work.accept(0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> other : others) {
            while (true) {
                try {
                    other.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    } else {
                        failure.addSuppressed(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw new IllegalStateException("a lane failed", failure);
        }
    }
}
