package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.MinibatchBuilder;
import dev.sparklstm.sequence.SequenceRecord;
import dev.sparklstm.sequence.TrainingStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Sequences shorter than the TBPTT length must still be trained on (DL4J has been known to skip them
 * silently). Every sequence here is 5 to 10 steps long while the TBPTT length is 50, and the label
 * needs memory: at step t it says whether the feature at t - 1 was positive. The features are
 * independent noise, so a model that does not learn (or has no memory) stays at the majority-class
 * rate; only training on these short sequences can beat it.
 */
class ShortSequenceTbpttTest {
    private static final int BATCH = 32;
    private static final int EPOCHS = 12;

    private static List<SequenceRecord> sequences(int count, long seed) {
        Random random = new Random(seed);
        List<SequenceRecord> sequences = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int length = 5 + random.nextInt(6);
            double[] x = new double[length];
            String[] labels = new String[length];
            for (int t = 0; t < length; t++) {
                x[t] = random.nextGaussian();
                labels[t] = t > 0 && x[t - 1] > 0 ? "pos" : "neg";
            }
            sequences.add(new SequenceRecord("s" + s, length, x, new String[0], labels, null));
        }
        return sequences;
    }

    private static List<DataSet> minibatches(MinibatchBuilder builder, List<SequenceRecord> sequences) {
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i += BATCH) {
            batches.add(builder.build(sequences.subList(i, Math.min(sequences.size(), i + BATCH))));
        }
        return batches;
    }

    private static double accuracy(MultiLayerNetwork network, List<DataSet> batches) {
        Evaluation evaluation = new Evaluation();
        for (DataSet batch : batches) {
            INDArray output = network.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                    batch.getLabelsMaskArray());
            evaluation.eval(batch.getLabels(), output, batch.getLabelsMaskArray());
        }
        return evaluation.accuracy();
    }

    @Test
    void shortSequenceOnlyDatasetLearnsWithTbptt() {
        List<SequenceRecord> train = sequences(384, 1);
        List<SequenceRecord> test = sequences(256, 2);
        TrainConfig config = TrainConfig.from(Settings.defaults()
                .withOverride("model.layers=16")
                .withOverride("model.learning-rate=0.02"));
        NetworkSpec spec = config.network();
        assertEquals(50, spec.tbpttLength(), "auto TBPTT length of a per-step task");

        TrainingStatistics statistics = new TrainingStatistics(1, 0);
        train.forEach(statistics::add);
        List<String> classes = statistics.classes(List.of());
        assertEquals(List.of("neg", "pos"), classes);
        FeatureEncoder encoder = statistics.toEncoder(List.of("x"), List.of(), config.data(), classes);
        MinibatchBuilder builder = new MinibatchBuilder(encoder);
        List<DataSet> trainBatches = minibatches(builder, train);
        List<DataSet> testBatches = minibatches(builder, test);
        for (DataSet batch : trainBatches) {
            long steps = batch.getFeatures().size(2);
            assertTrue(steps >= 5 && steps <= 10 && steps < spec.tbpttLength(), "minibatch length " + steps);
            assertEquals(3, batch.getLabels().rank(), "rank-3 labels (DL4J's TBPTT skips other ranks)");
        }

        MultiLayerNetwork network = NetworkFactory.create(spec, encoder.inputSize(), encoder.outputSize(), true, false);
        assertEquals(BackpropType.TruncatedBPTT, network.getLayerWiseConfigurations().getBackpropType());
        assertEquals(50, network.getLayerWiseConfigurations().getTbpttFwdLength());

        // Majority-class rate of the test set: what a model that learned nothing from history gets at best.
        long positives = 0;
        long steps = 0;
        for (SequenceRecord sequence : test) {
            for (String label : sequence.classLabels()) {
                positives += label.equals("pos") ? 1 : 0;
                steps++;
            }
        }
        double majority = Math.max(positives, steps - positives) / (double) steps;
        double before = accuracy(network, testBatches);

        INDArray initial = network.params().dup();
        network.fit(trainBatches.get(0));
        assertNotEquals(initial, network.params(), "one fit on a minibatch of short sequences changes the weights");
        assertEquals(1, network.getIterationCount(), "T < TBPTT length: one segment, one optimizer step");
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (DataSet batch : trainBatches) {
                network.fit(batch);
            }
        }
        assertEquals(1 + EPOCHS * trainBatches.size(), network.getIterationCount(), "every minibatch was a step");
        double distance = network.params().distance2(initial);
        assertTrue(distance > 1.0, "parameters moved: L2 distance " + distance);

        double after = accuracy(network, testBatches);
        String summary = String.format("test accuracy %.3f (before training %.3f), majority class %.3f",
                after, before, majority);
        assertTrue(majority < 0.6, summary);
        assertTrue(after >= 0.9, summary);
        assertTrue(after >= majority + 0.25, summary);
    }
}
