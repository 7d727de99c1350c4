package dev.sparklstm.train;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.DataSpec;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.config.TrainingSpec;
import dev.sparklstm.model.EvaluationResult;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.model.NetworkFactory;
import dev.sparklstm.nn.FastTrainer;
import dev.sparklstm.sequence.FeatureEncoder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;


/**
 * The epochs of a run: parameter-averaging training through dl4j-spark, then the training loss,
 * validation loss and validation metrics, a progress line with throughput and ETA, and a stop
 * with a clear error as soon as the loss or the parameters stop being finite.
 */
final class EpochLoop {
    private final JavaSparkContext jsc;
    private final TrainConfig config;
    private final FeatureEncoder encoder;
    private final int workers;
    private final PrintStream console;
    private SparkDl4jMultiLayer sparkNetwork;

    EpochLoop(JavaSparkContext jsc, TrainConfig config, FeatureEncoder encoder, int workers, PrintStream console) {
        this.jsc = jsc;
        this.config = config;
        this.encoder = encoder;
        this.workers = workers;
        this.console = console;
    }

    /**
     * Trains until the configured number of epochs is done and returns the metrics of all of them.
     *
     * @param initial    the network to continue from, with its updater state, or null for a new one
     * @param done       metrics of the epochs {@code initial} has already trained (empty for a new one)
     * @param onEpochEnd called after every epoch with the network and all metrics so far
     */
    List<EpochMetrics> run(JavaRDD<DataSet> trainData, JavaRDD<DataSet> validationData, long trainSteps,
                           MultiLayerNetwork initial, List<EpochMetrics> done,
                           BiConsumer<MultiLayerNetwork, List<EpochMetrics>> onEpochEnd) {
        DataSpec spec = config.data();
        TrainingSpec training = config.training();
        ParameterAveragingTrainingMaster.Builder master = new ParameterAveragingTrainingMaster.Builder(
                workers, training.batchSize())
                .batchSizePerWorker(training.batchSize())
                .averagingFrequency(training.averagingFrequency())
                // Without this, Adam/RMSProp state restarts at zero every averaging round (PLATFORM-NOTES).
                .saveUpdater(true)
                .rngSeed(config.network().seed())
                // Same level as TrainingRun's persist: dl4j-spark persists the RDD itself and Spark
                // refuses to change the level of an RDD that already has one.
                .storageLevel(TrainingRun.STORAGE_LEVEL)
                .rddTrainingApproach(training.approach() == TrainingSpec.Approach.EXPORT
                        ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct);
        if (training.approach() == TrainingSpec.Approach.EXPORT && !training.exportDir().isEmpty()) {
            master.exportDirectory(training.exportDir());
        }
        // Workers train supported networks (fused LSTM stacks) with FastTrainer, others with fit.
        FastTrainingMaster trainingMaster = new FastTrainingMaster(master);
        // A resumed run deals its remaining epochs into rounds as the uninterrupted run would have.
        trainingMaster.skipEpochs(done.size());
        if (initial == null) {
            MultiLayerConfiguration conf = NetworkFactory.configuration(config.network(), encoder.inputSize(),
                    encoder.outputSize(), spec.isClassification(), spec.isPerSequence());
            sparkNetwork = new SparkDl4jMultiLayer(jsc, conf, trainingMaster);
        } else {
            sparkNetwork = new SparkDl4jMultiLayer(jsc, initial, trainingMaster);
        }
        console.printf("training %s on %d worker(s): batch %d, averaging every %d minibatches, %s BPTT%s, %d epochs%n",
                config.network().layerSizes(), workers, training.batchSize(), training.averagingFrequency(),
                config.network().truncatedBptt() ? "truncated" : "full",
                config.network().truncatedBptt() ? " (" + config.network().tbpttLength() + "/"
                        + config.network().tbpttBackwardLength() + ")" : "", training.epochs());
        console.println(FastTrainer.unsupportedReason(sparkNetwork.getNetwork())
                .map(reason -> "training step: MultiLayerNetwork.fit (the fast step does not support this network: "
                        + reason + ")")
                .orElse("training step: the fused fast step (nn.FastTrainer)"));

        List<EpochMetrics> epochs = new ArrayList<>(done);
        // Elapsed time goes on from where the resumed run stopped.
        long start = System.nanoTime() - (long) (done.isEmpty() ? 0 : done.get(done.size() - 1).elapsedSeconds() * 1e9);
        try {
            for (int epoch = done.size() + 1; epoch <= training.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                sparkNetwork.fit(trainData);
                double fitSeconds = (System.nanoTime() - epochStart) / 1e9;
                checkFinite(epoch, "parameter sum", sparkNetwork.getNetwork().params().sumNumber().doubleValue());
                Broadcast<byte[]> model = jsc.broadcast(ModelFiles.toBytes(sparkNetwork.getNetwork(), false));
                EvaluationResult train = evaluate(trainData, model);
                double trainLoss = train.loss();
                checkFinite(epoch, "training loss", trainLoss);
                Double validationLoss = null;
                Double accuracy = null;
                Double rmse = null;
                Double mae = null;
                if (validationData != null) {
                    EvaluationResult validation = evaluate(validationData, model);
                    validationLoss = validation.loss();
                    checkFinite(epoch, "validation loss", validationLoss);
                    if (spec.isClassification()) {
                        accuracy = validation.accuracy();
                    } else {
                        rmse = validation.rmse();
                        mae = validation.mae();
                    }
                }
                model.destroy();
                long now = System.nanoTime();
                double epochSeconds = (now - epochStart) / 1e9;
                double elapsed = (now - start) / 1e9;
                EpochMetrics metrics = new EpochMetrics(epoch, trainLoss, validationLoss, accuracy, rmse, mae,
                        trainSteps / fitSeconds, epochSeconds, elapsed);
                epochs.add(metrics);
                console.println(progressLine(metrics, training.epochs()));
                onEpochEnd.accept(sparkNetwork.getNetwork(), List.copyOf(epochs));
            }
        } finally {
            if (training.approach() == TrainingSpec.Approach.EXPORT) {
                trainingMaster.deleteTempFiles(jsc);
            }
        }
        return epochs;
    }

    private EvaluationResult evaluate(JavaRDD<DataSet> data, Broadcast<byte[]> model) {
        return data.mapPartitions(new EvaluateFn(model, config.data().isClassification()))
                .treeReduce(new EvaluateFn.Merge());
    }

    /** The trained network. */
    MultiLayerNetwork network() {
        return sparkNetwork.getNetwork();
    }

    static String progressLine(EpochMetrics m, int totalEpochs) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train loss %.5f",
                m.epoch(), totalEpochs, m.trainLoss()));
        if (m.validationLoss() != null) {
            line.append(String.format(Locale.ROOT, "  val loss %.5f", m.validationLoss()));
        }
        if (m.validationAccuracy() != null) {
            line.append(String.format(Locale.ROOT, "  val accuracy %.4f", m.validationAccuracy()));
        }
        if (m.validationRmse() != null) {
            line.append(String.format(Locale.ROOT, "  val RMSE %.5f  val MAE %.5f", m.validationRmse(),
                    m.validationMae()));
        }
        double eta = m.elapsedSeconds() / m.epoch() * (totalEpochs - m.epoch());
        line.append(String.format(Locale.ROOT, "  %,.0f steps/s  elapsed %s  ETA %s", m.stepsPerSecond(),
                duration(m.elapsedSeconds()), duration(eta)));
        return line.toString();
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    private void checkFinite(int epoch, String what, double value) {
        if (!Double.isFinite(value)) {
            throw new TrainingDivergedException("training diverged in epoch " + epoch + ": the " + what + " is "
                    + value + ". Lower " + ConfigKey.MODEL_LEARNING_RATE.key() + " (now "
                    + config.network().learningRate() + ") or enable gradient clipping ("
                    + ConfigKey.MODEL_CLIPPING.key() + "=l2-norm with a smaller " + ConfigKey.MODEL_CLIPPING_THRESHOLD.key()
                    + "). No model was written.");
        }
    }
}
