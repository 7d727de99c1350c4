package dev.sparklstm.bench;

import dev.sparklstm.config.DataSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.model.NetworkFactory;
import dev.sparklstm.nn.FastTrainer;
import dev.sparklstm.samples.SampleGenerator;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.MinibatchBuilder;
import dev.sparklstm.sequence.SequenceRecord;
import dev.sparklstm.sequence.TrainingStatistics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Single-JVM training throughput of the network the training job builds, on the sensor sequences
 * that {@code jobs/generate.sh --kind sensor} writes for the same seed and lengths: plain
 * {@code network.fit} over length-bucketed minibatches of {@code train.batch-size} sequences (as
 * the job's workers cut them), in shuffled order each epoch, after untimed warm-up epochs.
 * Throughput is real (unpadded) sequence steps per second of fitting, the unit of the training
 * job's {@code steps_per_second} metric. Every sequence is trained on: run the job with
 * {@code train.validation-fraction=0} to compare like with like.
 */
public final class TrainingBenchmark {
    private static final String USAGE = """
            Usage: TrainingBenchmark [options]
            Times single-JVM training (the job's training step) on generated sensor sequences (the job's network).
              --sequences N      sequences (default 400, the bundled sample's count)
              --min-length A     shortest sequence (default 20)
              --max-length B     longest sequence (default 60)
              --seed S           generator seed (default 7, the bundled sample's seed)
              --warmup N         untimed epochs first (default 1)
              --epochs N         timed epochs; the median is reported (default 3)
              --set KEY=VALUE    a training setting, as for jobs/train.sh (repeatable), e.g. model.layers=64
            """;
    /** Batches per length-sorting window; the training job's ToMinibatchesFn uses the same. */
    private static final int WINDOW_BATCHES = 16;

    private TrainingBenchmark() {
    }

    public static void main(String[] args) {
        BenchArgs.run(USAGE, args, TrainingBenchmark::run);
    }

    private static void run(String[] argv) {
        BenchArgs args = new BenchArgs(argv, Set.of("--sequences", "--min-length", "--max-length", "--seed",
                "--warmup", "--epochs", BenchArgs.SET));
        int count = args.integer("--sequences", 400, 1, 100_000_000);
        int minLength = args.integer("--min-length", 20, SampleGenerator.MIN_SUPPORTED_LENGTH, 1_000_000);
        int maxLength = args.integer("--max-length", 60, minLength, 1_000_000);
        long seed = args.longValue("--seed", 7);
        int warmup = args.integer("--warmup", 1, 0, 1000);
        int epochs = args.integer("--epochs", 3, 1, 1000);
        Settings settings = Settings.defaults();
        for (String set : args.sets()) {
            settings = settings.withOverride(set);
        }
        TrainConfig config = TrainConfig.from(settings);
        DataSpec spec = config.data();
        if (!spec.isClassification() || spec.isPerSequence()) {
            throw new IllegalArgumentException("the sensor data needs task.type=classification and "
                    + "task.output=per-step, got " + spec.taskType() + " / " + spec.output());
        }

        List<String> numeric = List.of(SampleGenerator.TEMPERATURE, SampleGenerator.VIBRATION, SampleGenerator.PRESSURE);
        List<String> categorical = List.of(SampleGenerator.MODE);
        List<SequenceRecord> sequences = SensorSequences.generate(new SampleGenerator(minLength, maxLength, seed), count,
                numeric, categorical, true);
        TrainingStatistics stats = new TrainingStatistics(numeric.size(), categorical.size());
        sequences.forEach(stats::add);
        FeatureEncoder encoder = stats.toEncoder(numeric, categorical, spec, stats.classes(spec.classes()));
        MinibatchBuilder builder = new MinibatchBuilder(encoder);
        List<DataSet> batches = new ArrayList<>(SensorSequences.lengthBucketed(sequences,
                config.training().batchSize(), WINDOW_BATCHES).stream().map(builder::build).toList());
        MultiLayerNetwork network = NetworkFactory.create(config.network(), encoder.inputSize(), encoder.outputSize(),
                true, false);
        System.out.printf(Locale.ROOT, "network %s (%,d parameters), %s BPTT, batch %d; %,d sequences, %,d steps, %d"
                        + " minibatches; ND4J %d OpenMP threads%n", config.network().layerSizes(), network.numParams(),
                config.network().truncatedBptt() ? "truncated " + config.network().tbpttLength() : "full",
                config.training().batchSize(), stats.sequences(), stats.steps(), batches.size(),
                Nd4j.getEnvironment().maxThreads());

        // The step the training job's workers take: the fast step where it supports the network.
        Optional<FastTrainer> fast = FastTrainer.forNetwork(network);
        Consumer<DataSet> step = fast.isPresent() ? fast.get()::fit : network::fit;
        System.out.println("training step: " + (fast.isPresent() ? "the fused fast step (nn.FastTrainer)"
                : "MultiLayerNetwork.fit (" + FastTrainer.unsupportedReason(network).orElse("?") + ")"));

        Random random = new Random(1);
        List<Double> rates = new ArrayList<>();
        for (int epoch = 1; epoch <= warmup + epochs; epoch++) {
            Collections.shuffle(batches, random);
            long start = System.nanoTime();
            for (DataSet batch : batches) {
                step.accept(batch);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = stats.steps() / seconds;
            boolean timed = epoch > warmup;
            System.out.printf(Locale.ROOT, "epoch %d%s: %.1f s, %,.0f steps/s, score %.4f%n", epoch,
                    timed ? "" : " (warm-up)", seconds, rate, network.score());
            if (timed) {
                rates.add(rate);
            }
        }
        // One parsable line; jobs/bench.sh reads the "steps_per_s=" field.
        System.out.printf(Locale.ROOT, "training single-jvm steps_per_s=%.0f (median of %d epochs, range %s)%n",
                Medians.of(rates), rates.size(), Medians.range(rates));
    }
}
