package dev.sparklstm.bench;

import dev.sparklstm.io.ModelDirectory;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.nn.FastForward;
import dev.sparklstm.samples.SampleGenerator;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.MinibatchBuilder;
import dev.sparklstm.sequence.SequenceRecord;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pure inference throughput of a trained model: the forward pass the scoring job runs (the
 * project's {@link FastForward} when it supports the network, else DL4J's {@code output(features,
 * false, mask, null)}) on minibatches held in memory, of the shape the scoring job uses ({@code
 * score.batch-size} sequences of generated sensor data per minibatch). It is the ceiling for the
 * scoring job's rows/s: the job adds reading, grouping, encoding, row conversion and writing.
 *
 * <p>Three figures per thread count: {@code output} times that forward pass alone on prebuilt
 * minibatches, into a Java array; {@code encode+output+copy} also builds each minibatch from
 * {@link SequenceRecord}s (with DL4J's forward it also copies the output to a Java array), which
 * is everything the scorer does per minibatch except turning the values into Spark rows; {@code
 * dl4j-output} times DL4J's {@code output} for comparison. With more than one thread each thread has its own
 * clone of the network, like the scoring job's concurrent tasks. Each figure also gets the
 * process CPU time it used per million rows, which depends much less than rows/s on what else runs
 * on the machine.
 */
public final class InferenceBenchmark {
    private static final String USAGE = """
            Usage: InferenceBenchmark --model DIR [options]
            Times the scoring job's forward pass (the fast forward, else DL4J's output()) and DL4J's
            output() on in-memory minibatches of generated sensor sequences.
              --model DIR        model directory written by jobs/train.sh (sensor features)
              --length N         steps per sequence (default 50)
              --batch-size N     sequences per minibatch (default 256, score.batch-size's default)
              --batches N        minibatches held in memory, one pass = all of them (default 10)
              --threads LIST     comma-separated caller thread counts to measure (default 1,2)
              --warmup N         untimed rounds first (default 2)
              --repeats N        timed rounds; each round times one pass of every figure (default 7)
              --seed S           generator seed (default 1)
            """;

    private InferenceBenchmark() {
    }

    public static void main(String[] args) {
        BenchArgs.run(USAGE, args, InferenceBenchmark::run);
    }

    private static void run(String[] argv) {
        BenchArgs args = new BenchArgs(argv, Set.of("--model", "--length", "--batch-size", "--batches", "--threads",
                "--warmup", "--repeats", "--seed"));
        String modelDir = args.string("--model", null);
        int length = args.integer("--length", 50, SampleGenerator.MIN_SUPPORTED_LENGTH, 100_000);
        int batchSize = args.integer("--batch-size", 256, 1, 1_000_000);
        int batchCount = args.integer("--batches", 10, 1, 100_000);
        List<Integer> threadCounts = args.integers("--threads", "1,2", 1, 64);
        int warmup = args.integer("--warmup", 2, 0, 1000);
        int repeats = args.integer("--repeats", 7, 1, 1000);
        long seed = args.longValue("--seed", 1);

        ModelDirectory model = ModelDirectory.read(new Configuration(), modelDir);
        FeatureEncoder encoder = model.metadata().encoder();
        MultiLayerNetwork network = ModelFiles.fromBytes(model.model());
        List<SequenceRecord> records = SensorSequences.generate(new SampleGenerator(length, length, seed),
                batchSize * batchCount, encoder.numericColumns(), encoder.categoricalColumns(), false);
        List<List<SequenceRecord>> batches = new ArrayList<>();
        for (int b = 0; b < batchCount; b++) {
            batches.add(records.subList(b * batchSize, (b + 1) * batchSize));
        }
        MinibatchBuilder builder = new MinibatchBuilder(encoder);
        List<DataSet> built = batches.stream().map(builder::buildUnlabelled).toList();
        long rowsPerPass = (long) batchSize * batchCount * length;
        System.out.printf(Locale.ROOT, "model %s: %,d parameters, input %d, output %d; minibatches [%d, %d, %d],"
                        + " %d per pass (%,d rows); ND4J %s, %d OpenMP threads%n", model.location(),
                network.numParams(), encoder.inputSize(), encoder.outputSize(), batchSize, encoder.inputSize(), length,
                batchCount, rowsPerPass, Nd4j.getBackend().getClass().getSimpleName(),
                Nd4j.getEnvironment().maxThreads());
        System.out.println("forward of the output figures (as in scoring): " + FastForward.unsupportedReason(network)
                .map(reason -> "DL4J's output(), the fast forward does not support the model: " + reason)
                .orElse("the fast forward (dev.sparklstm.nn.FastForward)"));

        // Every figure is measured in every round, round after round, so that a change in the
        // machine's load (it is shared) hits all figures alike instead of whichever runs last.
        List<Figure> figures = new ArrayList<>();
        List<ExecutorService> pools = new ArrayList<>();
        try {
            for (int threads : threadCounts) {
                List<MultiLayerNetwork> networks = new ArrayList<>();
                List<MinibatchBuilder> builders = new ArrayList<>();
                List<ScoringPass> passes = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    networks.add(network.clone());
                    builders.add(new MinibatchBuilder(encoder));
                    passes.add(new ScoringPass(networks.get(i)));
                }
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                pools.add(pool);
                figures.add(new Figure("output", threads, pool, (thread, b) -> passes.get(thread).run(built.get(b))));
                figures.add(new Figure("encode+output+copy", threads, pool, (thread, b) -> {
                    DataSet batch = builders.get(thread).buildUnlabelled(batches.get(b));
                    if (passes.get(thread).run(batch).length == 0) {
                        throw new IllegalStateException("empty output");
                    }
                }));
                figures.add(new Figure("dl4j-output", threads, pool, (thread, b) -> {
                    DataSet batch = built.get(b);
                    networks.get(thread).output(batch.getFeatures(), false, batch.getFeaturesMaskArray(), null);
                }));
            }
            for (int round = 0; round < warmup + repeats; round++) {
                for (Figure figure : figures) {
                    long cpuBefore = processCpuNanos();
                    double rate = rowsPerPass / figure.pass(batchCount);
                    if (round >= warmup) {
                        figure.rates.add(rate);
                        figure.cpuNanos += processCpuNanos() - cpuBefore;
                    }
                }
            }
        } finally {
            pools.forEach(ExecutorService::shutdownNow);
        }
        for (Figure figure : figures) {
            // One parsable line per figure; jobs/bench.sh reads the "rows_per_s=" field.
            double cpuPerMillionRows = figure.cpuNanos / 1e9 / (rowsPerPass * figure.rates.size() / 1e6);
            System.out.printf(Locale.ROOT, "inference %s threads=%d rows_per_s=%.0f cpu_s_per_mrow=%.1f (median of %d"
                            + " passes, range %s; process CPU time over all timed passes)%n", figure.name, figure.threads,
                    Medians.of(figure.rates), cpuPerMillionRows, figure.rates.size(), Medians.range(figure.rates));
        }
    }

    /** One measured figure: a kind of work at a thread count, and its rate in each timed pass. */
    private static final class Figure {
        final String name;
        final int threads;
        final ExecutorService pool;
        final Work work;
        final List<Double> rates = new ArrayList<>();
        long cpuNanos;

        Figure(String name, int threads, ExecutorService pool, Work work) {
            this.name = name;
            this.threads = threads;
            this.pool = pool;
            this.work = work;
        }

        /** Runs one pass over all minibatches (thread k takes minibatches k, k + threads, ...); seconds. */
        double pass(int batchCount) {
            long start = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                running.add(pool.submit(() -> {
                    for (int b = thread; b < batchCount; b += threads) {
                        work.run(thread, b);
                    }
                }));
            }
            for (Future<?> future : running) {
                try {
                    future.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("benchmark pass failed", e.getCause());
                }
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /**
     * CPU time of the whole process (all threads, ND4J's native OpenMP threads included): unlike wall
     * time it hardly changes when other processes share the CPUs, so it can be compared with the CPU
     * time of a scoring job run at another moment.
     */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The scoring job's forward pass of one thread's network, into a Java array (ScoringForward's choice). */
    private static final class ScoringPass {
        private final MultiLayerNetwork network;
        private final FastForward fast;
        private float[] values = new float[0];

        ScoringPass(MultiLayerNetwork network) {
            this.network = network;
            this.fast = FastForward.forNetwork(network).orElse(null);
        }

        float[] run(DataSet batch) {
            INDArray features = batch.getFeatures();
            if (fast == null) {
                return network.output(features, false, batch.getFeaturesMaskArray(), null).dup('c').data().asFloat();
            }
            int n = fast.outputLength((int) features.size(0), (int) features.size(2));
            if (values.length < n) {
                values = new float[n];
            }
            fast.output(features, batch.getFeaturesMaskArray(), values);
            return values;
        }
    }

    /** Work on minibatch {@code batch} by thread {@code thread}. */
    private interface Work {
        void run(int thread, int batch);
    }
}
