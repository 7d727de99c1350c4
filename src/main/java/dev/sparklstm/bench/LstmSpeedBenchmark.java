package dev.sparklstm.bench;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.model.NetworkFactory;
import dev.sparklstm.nn.FastForward;
import dev.sparklstm.nn.FastTrainer;
import dev.sparklstm.nn.GateMath;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LSTM speed benchmark of issue 8: training and inference throughput of the workloads below
 * for every LSTM implementation of the project, next to the machine's sgemm rate, all in one JVM.
 * {@code jobs/lstm_speed.py} runs the same workloads with PyTorch and prints the same lines;
 * {@code jobs/bench-speed.sh} runs both, alternating, and prints the ratios.
 *
 * <p>Workloads: 2 stacked LSTM layers + per-step softmax / cross-entropy, 8 inputs, 3 classes,
 * T = 50, truncated BPTT 10 (forward and backward), Adam (lr 1e-3), no gradient clipping:
 * <ul>
 *   <li>A: hidden 32; training batch 16, inference batch 256;</li>
 *   <li>B: hidden 256; training batch 64, inference batch 256.</li>
 * </ul>
 * The networks come from {@link NetworkFactory} (what the training job builds), with
 * {@code model.cell} = {@code lstm} (the fused layer, the default) or {@code dl4j-lstm}. Data are
 * full-length random sequences with a fixed seed. Training of {@code lstm} times the fast step
 * ({@code FastTrainer.fit}, what the training job's workers run), of {@code lstm-fit} and
 * {@code dl4j-lstm} {@code network.fit(DataSet)}, over
 * {@code --train-batches} distinct minibatches (40 = one epoch of the workload); inference
 * on a [256, 8, 50] batch times, for {@code lstm}, the fast forward ({@code FastForward.output}
 * into a Java array, what the scoring job runs) and, for {@code lstm-fit} and {@code dl4j-lstm},
 * {@code network.output(features)} (the fused layer under DL4J's forward, and DL4J's LSTM). The unit is sequence steps
 * (examples x steps) per second. Every repetition measures every figure once, rotating the order of
 * the implementations, so load changes on a shared machine hit all alike; the medians over the
 * timed repetitions are reported.
 *
 * <p>Output: one {@code SAMPLE} line per timed measurement and one {@code RESULT} line per
 * figure, as {@code key=value} fields (see {@link #line}); the script pools the samples of
 * several runs.
 */
public final class LstmSpeedBenchmark {
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static final String USAGE = """
            Usage: LstmSpeedBenchmark [options]
            Times training and inference of issue 8's LSTM workloads (A: hidden 32, B: hidden 256) for each
            LSTM implementation, and the sgemm rate of the OpenBLAS the fused layer calls.
              --impls LIST          implementations, from lstm (fused; fast training step, fast forward),
                                    lstm-fit (fused; network.fit, network.output), dl4j-lstm (DL4J's LSTM;
                                    fit, output) (default lstm,dl4j-lstm)
              --workloads LIST      from A, B (default A,B)
              --modes LIST          from train, infer (default train,infer)
              --warmup N            untimed repetitions first (default 2)
              --repeats N           timed repetitions; medians are reported (default 5)
              --train-batches N     minibatches fitted per training measurement (default 40, one epoch)
              --infer-calls N       output() calls per inference measurement (default 5)
              --sgemm-size N        square sgemm size for the machine's rate (default 1024)
              --seed S              data and initialization seed (default 42)
              --threads N           threads per figure (default OMP_NUM_THREADS, else 1): lstm splits
                                    each minibatch over N threads of its own with OpenBLAS at one
                                    thread; dl4j-lstm and sgemm use N OpenBLAS threads
            """;
    static final int INPUTS = 8;
    static final int CLASSES = 3;
    static final int STEPS = 50;
    static final int TBPTT = 10;
    static final int INFER_BATCH = 256;
    static final double LEARNING_RATE = 1e-3;

    /** A workload: hidden size of both layers and the training minibatch size. */
    record Workload(String name, int hidden, int trainBatch) {
        List<Integer> layers() {
            return List.of(hidden, hidden);
        }
    }

    static final Map<String, Workload> WORKLOADS = Map.of(
            "A", new Workload("A", 32, 16),
            "B", new Workload("B", 256, 64));
    /**
     * lstm trains with FastTrainer and infers with FastForward, as the training and scoring jobs do;
     * lstm-fit uses network.fit and network.output.
     */
    static final Map<String, NetworkSpec.Cell> IMPLEMENTATIONS = Map.of(
            "lstm", NetworkSpec.Cell.LSTM,
            "lstm-fit", NetworkSpec.Cell.LSTM,
            "dl4j-lstm", NetworkSpec.Cell.DL4J_LSTM);

    private LstmSpeedBenchmark() {
    }

    public static void main(String[] args) {
        BenchArgs.run(USAGE, args, LstmSpeedBenchmark::run);
    }

    private static void run(String[] argv) {
        BenchArgs args = new BenchArgs(argv, Set.of("--impls", "--workloads", "--modes", "--warmup", "--repeats",
                "--train-batches", "--infer-calls", "--sgemm-size", "--seed", "--threads"));
        List<String> impls = choices(args, "--impls", "lstm,dl4j-lstm", IMPLEMENTATIONS.keySet());
        List<String> workloads = choices(args, "--workloads", "A,B", WORKLOADS.keySet());
        List<String> modes = choices(args, "--modes", "train,infer", Set.of("train", "infer"));
        int warmup = args.integer("--warmup", 2, 0, 1000);
        int repeats = args.integer("--repeats", 5, 1, 1000);
        int trainBatches = args.integer("--train-batches", 40, 1, 100_000);
        int inferCalls = args.integer("--infer-calls", 5, 1, 100_000);
        int sgemmSize = args.integer("--sgemm-size", 1024, 16, 8192);
        long seed = args.longValue("--seed", 42);
        int threads = args.integer("--threads", defaultThreads(), 1, 256);
        Blas blas = Nd4j.factory().blas();

        System.out.println(line("INFO", ordered("side", "java", "gate_math", GateMath.get().name(),
                "omp_num_threads", String.valueOf(System.getenv("OMP_NUM_THREADS")), "threads", String.valueOf(threads),
                "nd4j_threads", String.valueOf(Nd4j.getEnvironment().maxThreads()),
                "blas_threads", String.valueOf(Nd4j.factory().blas().getMaxThreads()),
                "blas_vendor", String.valueOf(Nd4j.factory().blas().getBlasVendor()))));

        List<Figure> figures = new ArrayList<>();
        for (String w : workloads) {
            Workload workload = WORKLOADS.get(w);
            Random random = new Random(seed);
            List<DataSet> trainData = new ArrayList<>();
            for (int i = 0; i < trainBatches; i++) {
                trainData.add(randomBatch(random, workload.trainBatch()));
            }
            INDArray inferFeatures = randomBatch(random, INFER_BATCH).getFeatures();
            for (String impl : impls) {
                MultiLayerNetwork network = NetworkFactory.create(spec(IMPLEMENTATIONS.get(impl), workload, seed),
                        INPUTS, CLASSES, true, false);
                // lstm's own threads each call OpenBLAS with one thread; the others thread inside OpenBLAS.
                int lanes = impl.equals("lstm") ? threads : 1;
                int blasThreads = impl.equals("lstm") ? 1 : threads;
                for (String mode : modes) {
                    Figure figure = mode.equals("train") ? Figure.training(impl, workload, network, trainData, lanes)
                            : Figure.inference(impl, workload, network, inferFeatures, inferCalls, lanes);
                    figures.add(figure.withBlasThreads(blas, blasThreads));
                }
            }
        }
        figures.add(Figure.sgemm(sgemmSize).withBlasThreads(blas, threads));

        for (int rep = 0; rep < warmup + repeats; rep++) {
            boolean timed = rep >= warmup;
            // Rotate the order each repetition so that no implementation always runs first.
            for (int k = 0; k < figures.size(); k++) {
                Figure figure = figures.get((k + rep) % figures.size());
                figure.prepare();
                long wall = System.nanoTime();
                long cpu = cpuTime(threads);
                double rate = figure.measure();
                wall = System.nanoTime() - wall;
                cpu = cpuTime(threads) - cpu;
                if (timed) {
                    figure.samples.add(rate);
                    System.out.println(line("SAMPLE", figure.fields(ordered("rep",
                            String.valueOf(rep - warmup + 1), "value", fmt(rate)))));
                    // The same rate per second of CPU time: less sensitive to other processes on a
                    // loaded machine (one thread: this thread's time, where all the work runs; more:
                    // the process's, which also counts the JIT, GC and idle-waiting BLAS threads).
                    System.out.println(line("CPUSAMPLE", figure.fields(ordered("rep",
                            String.valueOf(rep - warmup + 1), "value", fmt(rate * wall / cpu),
                            "cpu_share", String.format(Locale.ROOT, "%.2f", (double) cpu / wall)))));
                } else {
                    System.out.println(line("WARMUP", figure.fields(ordered("value", fmt(rate)))));
                }
            }
        }

        double sgemm = figures.get(figures.size() - 1).median();
        for (Figure figure : figures) {
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("value", fmt(figure.median()));
            extra.put("reps", String.valueOf(figure.samples.size()));
            extra.put("range", Medians.range(figure.samples).replace(",", ""));
            if (figure.flopsPerSeqStep > 0) {
                double gflops = figure.median() * figure.flopsPerSeqStep / 1e9;
                extra.put("gemm_gflops", String.format(Locale.ROOT, "%.2f", gflops));
                extra.put("sgemm_fraction", String.format(Locale.ROOT, "%.3f", gflops / sgemm));
            }
            System.out.println(line("RESULT", figure.fields(extra)));
        }
    }

    private static int defaultThreads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        try {
            return omp == null ? 1 : Math.max(1, Integer.parseInt(omp.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** This thread's CPU time with one thread, the whole process's with more (nanoseconds). */
    private static long cpuTime(int threads) {
        if (threads == 1) {
            return THREADS.getCurrentThreadCpuTime();
        }
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static NetworkSpec spec(NetworkSpec.Cell cell, Workload workload, long seed) {
        return new NetworkSpec(cell, workload.layers(), 0.0, 0.0, NetworkSpec.Updater.ADAM, LEARNING_RATE, 0.0, seed,
                NetworkSpec.Clipping.NONE, 1.0, TBPTT, TBPTT);
    }

    /** A full-length minibatch: Gaussian features [batch, 8, 50], one-hot random labels [batch, 3, 50]. */
    static DataSet randomBatch(Random random, int batch) {
        float[] features = new float[batch * INPUTS * STEPS];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextGaussian();
        }
        float[] labels = new float[batch * CLASSES * STEPS];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < STEPS; t++) {
                labels[(b * CLASSES + random.nextInt(CLASSES)) * STEPS + t] = 1f;
            }
        }
        return new DataSet(Nd4j.create(features, new long[] {batch, INPUTS, STEPS}, 'c'),
                Nd4j.create(labels, new long[] {batch, CLASSES, STEPS}, 'c'));
    }

    private static List<String> choices(BenchArgs args, String name, String defaultValue, Set<String> allowed) {
        List<String> list = new ArrayList<>();
        for (String part : args.string(name, defaultValue).split(",")) {
            String value = part.trim();
            if (!allowed.contains(value)) {
                throw new IllegalArgumentException(name + " values must be among " + allowed.stream().sorted().toList()
                        + ", got '" + value + "'");
            }
            if (!list.contains(value)) {
                list.add(value);
            }
        }
        return list;
    }

    /** {@code KIND key=value ...}: the format jobs/lstm_speed.py prints too. */
    static String line(String kind, Map<String, String> fields) {
        StringBuilder sb = new StringBuilder("SPEED ").append(kind);
        fields.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v.replace(' ', '_')));
        return sb.toString();
    }

    /** A map of the given keys and values, in that order. */
    static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** One measured figure: a timed action and its unit. */
    private static final class Figure {
        final Map<String, String> key;
        final Measurement action;
        final long flopsPerSeqStep;
        final List<Double> samples = new ArrayList<>();
        private Runnable prepare = () -> { };

        Figure(Map<String, String> key, long flopsPerSeqStep, Measurement action) {
            this.key = key;
            this.flopsPerSeqStep = flopsPerSeqStep;
            this.action = action;
        }

        /** Sets OpenBLAS's thread count before each measurement of this figure. */
        Figure withBlasThreads(Blas blas, int threads) {
            prepare = () -> {
                blas.setMaxThreads(threads);
                if (blas.getMaxThreads() != threads) {
                    throw new IllegalStateException("OpenBLAS kept " + blas.getMaxThreads() + " threads, asked for "
                            + threads);
                }
            };
            return this;
        }

        void prepare() {
            prepare.run();
        }

        static Figure training(String impl, Workload workload, MultiLayerNetwork network, List<DataSet> data,
                               int lanes) {
            long seqSteps = (long) data.size() * workload.trainBatch() * STEPS;
            java.util.function.Consumer<DataSet> step = impl.equals("lstm")
                    ? FastTrainer.forNetwork(network, lanes).orElseThrow(() -> new IllegalStateException(
                            "the fast training step does not support the benchmark network: "
                                    + FastTrainer.unsupportedReason(network).orElse("?")))::fit
                    : network::fit;
            return new Figure(key(impl, workload.name(), "train", "seq_steps_per_s"),
                    LstmFlops.trainingPerSeqStep(INPUTS, workload.layers()), () -> {
                        long start = System.nanoTime();
                        for (DataSet batch : data) {
                            step.accept(batch);
                        }
                        return seqSteps / ((System.nanoTime() - start) / 1e9);
                    });
        }

        static Figure inference(String impl, Workload workload, MultiLayerNetwork network, INDArray features,
                                int calls, int lanes) {
            long seqSteps = (long) calls * features.size(0) * features.size(2);
            Runnable forward;
            if (impl.equals("lstm")) {
                FastForward fast = FastForward.forNetwork(network, lanes).orElseThrow(() -> new IllegalStateException(
                        "the fast forward does not support the benchmark network: "
                                + FastForward.unsupportedReason(network).orElse("?")));
                float[] out = new float[fast.outputLength((int) features.size(0), (int) features.size(2))];
                forward = () -> fast.output(features, null, out);
            } else {
                forward = () -> network.output(features);
            }
            return new Figure(key(impl, workload.name(), "infer", "seq_steps_per_s"),
                    LstmFlops.forwardPerSeqStep(INPUTS, workload.layers()), () -> {
                        long start = System.nanoTime();
                        for (int i = 0; i < calls; i++) {
                            forward.run();
                        }
                        return seqSteps / ((System.nanoTime() - start) / 1e9);
                    });
        }

        /** cblas_sgemm through org.bytedeco.openblas (the calls the fused layer makes), n^3, in GFLOP/s. */
        static Figure sgemm(int n) {
            long elements = (long) n * n;
            FloatPointer a = new FloatPointer(elements);
            FloatPointer b = new FloatPointer(elements);
            FloatPointer c = new FloatPointer(elements);
            Random random = new Random(1);
            for (long i = 0; i < elements; i++) {
                a.put(i, random.nextFloat() - 0.5f);
                b.put(i, random.nextFloat() - 0.5f);
            }
            double flops = 2.0 * n * n * n;
            // About 4 GFLOP per measurement: a fraction of a second at tens of GFLOP/s.
            int calls = (int) Math.max(1, Math.min(1000, 4e9 / flops));
            Map<String, String> key = key("openblas", "-", "sgemm", "gflops");
            key.put("size", String.valueOf(n));
            return new Figure(key, 0, () -> {
                long start = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1f, a, n, b, n, 0f, c, n);
                }
                return calls * flops / ((System.nanoTime() - start) / 1e9) / 1e9;
            });
        }

        private static Map<String, String> key(String impl, String workload, String mode, String unit) {
            Map<String, String> key = new LinkedHashMap<>();
            key.put("side", "java");
            key.put("impl", impl);
            key.put("workload", workload);
            key.put("mode", mode);
            key.put("unit", unit);
            return key;
        }

        double measure() {
            return action.run();
        }

        double median() {
            return Medians.of(samples);
        }

        Map<String, String> fields(Map<String, String> extra) {
            Map<String, String> all = new LinkedHashMap<>(key);
            all.putAll(extra);
            return all;
        }
    }

    /** A timed action returning its rate. */
    private interface Measurement {
        double run();
    }
}
