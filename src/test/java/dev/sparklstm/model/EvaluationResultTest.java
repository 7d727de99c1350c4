package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.nn.FastForward;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.evaluation.regression.RegressionEvaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Loss and metrics on hand-made batches. With every LSTM weight zero the hidden state stays 0, so the
 * output layer emits activation(bias) on every step: a known output whatever the input.
 */
class EvaluationResultTest {
    private static final double TOL = 1e-6;

    /** A network whose output is activation(bias) everywhere. */
    private static MultiLayerNetwork constantOutput(boolean classification, boolean perSequence, float... bias) {
        MultiLayerNetwork network = NetworkFactory.create(ModelTestData.spec(List.of(4), perSequence ? 0 : 50),
                2, bias.length, classification, perSequence);
        network.params().assign(0);
        network.getLayer(1).getParam("b").assign(Nd4j.createFromArray(bias).reshape(1, bias.length));
        return network;
    }

    private static INDArray oneHot(int batch, int classes, int[][] labels) {
        INDArray array = Nd4j.zeros(DataType.FLOAT, batch, classes, labels[0].length);
        for (int i = 0; i < batch; i++) {
            for (int t = 0; t < labels[i].length; t++) {
                array.putScalar(new long[] {i, labels[i][t], t}, 1f);
            }
        }
        return array;
    }

    @ParameterizedTest(name = "fast forward {0}")
    @ValueSource(booleans = {false, true})
    void perStepCrossEntropyIsTheMeanOverUnmaskedStepsOnly(boolean fast) {
        // softmax(ln 1, ln 2, ln 5) = (1/8, 2/8, 5/8) on every step.
        MultiLayerNetwork network = constantOutput(true, false,
                0f, (float) Math.log(2), (float) Math.log(5));
        INDArray mask = ModelTestData.mask(3, 2);
        // The masked step (sequence 1, t = 2) carries a label on purpose: it must not count.
        INDArray labels = oneHot(2, 3, new int[][] {{2, 0, 1}, {1, 2, 0}});
        DataSet batch = new DataSet(ModelTestData.features(1, 2, 3, 2), labels, mask, mask.dup());
        EvaluationResult result = evaluate(fast, true, network, batch);

        double expected = -(Math.log(5.0 / 8) + Math.log(1.0 / 8) + Math.log(2.0 / 8)
                + Math.log(2.0 / 8) + Math.log(5.0 / 8)) / 5;
        assertEquals(5, result.count(), "labelled steps");
        assertEquals(expected, result.loss(), TOL);
        // Always predicts class 2: right at (0, 0) and (1, 1) of the five labelled steps.
        assertEquals(2.0 / 5, result.accuracy(), 1e-12);
    }

    @ParameterizedTest(name = "fast forward {0}")
    @ValueSource(booleans = {false, true})
    void perStepMseIsSquaredErrorAveragedOverTargetsThenOverUnmaskedSteps(boolean fast) {
        MultiLayerNetwork network = constantOutput(false, false, 0.5f, -1f);
        INDArray labels = Nd4j.createFromArray(new float[][][] {
            {{1, 0.5f}, {-1, 1}},        // sequence 0: targets (1, -1) at t=0, (0.5, 1) at t=1
            {{-0.5f, 100}, {-2, 100}}}); // sequence 1: (-0.5, -2) at t=0, t=1 is padding
        INDArray mask = ModelTestData.mask(2, 1);
        DataSet batch = new DataSet(ModelTestData.features(2, 2, 2, 1), labels, mask, mask.dup());
        EvaluationResult result = evaluate(fast, false, network, batch);
        // Per step: ((y1 - 0.5)^2 + (y2 + 1)^2) / 2 = 0.125, 2.0, 1.0
        assertEquals(3, result.count());
        assertEquals((0.125 + 2.0 + 1.0) / 3, result.loss(), TOL);
        // Per target over the three labelled steps: errors (0.5, 0, 1) and (0, 2, 1).
        double rmse = (Math.sqrt((0.25 + 0 + 1) / 3.0) + Math.sqrt((0 + 4 + 1) / 3.0)) / 2;
        assertEquals(rmse, result.rmse(), TOL);
        assertEquals((0.5 + 1.0) / 2, result.mae(), TOL);
    }

    @ParameterizedTest(name = "fast forward {0}")
    @ValueSource(booleans = {false, true})
    void perSequenceLossIsTheMeanOverSequences(boolean fast) {
        MultiLayerNetwork classifier = constantOutput(true, true, 0f, (float) Math.log(3));
        INDArray mask = ModelTestData.mask(4, 1, 2);
        DataSet batch = new DataSet(ModelTestData.features(3, 2, 4, 1, 2),
                Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}, {0, 1}}), mask, null);
        EvaluationResult result = evaluate(fast, true, classifier, batch);
        assertEquals(3, result.count(), "one loss per sequence");
        assertEquals(-(Math.log(0.25) + 2 * Math.log(0.75)) / 3, result.loss(), TOL);
        assertEquals(2.0 / 3, result.accuracy(), 1e-12);

        MultiLayerNetwork regressor = constantOutput(false, true, 2f);
        DataSet targets = new DataSet(ModelTestData.features(4, 2, 3, 3), Nd4j.createFromArray(new float[][] {{5}, {1}}),
                ModelTestData.mask(3, 3), null);
        EvaluationResult regression = evaluate(fast, false, regressor, targets);
        assertEquals((9 + 1) / 2.0, regression.loss(), TOL);
        assertEquals(2.0, regression.mae(), TOL);
    }

    @ParameterizedTest(name = "fast forward {0}")
    @ValueSource(booleans = {false, true})
    void lossMatchesAnIndependentComputationOnAVaryingOutput(boolean fast) {
        MultiLayerNetwork network = NetworkFactory.create(ModelTestData.spec(List.of(5), 50), 3, 4, true, false);
        DataSet batch = ModelTestData.perStepClassification(5, 3, 4, 6, 2, 4);
        INDArray output = network.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                batch.getLabelsMaskArray());
        double sum = 0;
        int count = 0;
        int[] lengths = {6, 2, 4};
        for (int i = 0; i < 3; i++) {
            for (int t = 0; t < lengths[i]; t++) {
                for (int k = 0; k < 4; k++) {
                    if (batch.getLabels().getDouble(i, k, t) == 1.0) {
                        sum -= Math.log(output.getDouble(i, k, t));
                    }
                }
                count++;
            }
        }
        EvaluationResult result = evaluate(fast, true, network, batch);
        assertEquals(count, result.count());
        assertEquals(sum / count, result.loss(), TOL);
        assertTrue(result.loss() > 0.5, "an untrained 4-class network is far from certain: " + result.loss());
    }

    @ParameterizedTest(name = "fast forward {0}")
    @ValueSource(booleans = {false, true})
    void mergeAddsUp(boolean fast) {
        MultiLayerNetwork network = NetworkFactory.create(ModelTestData.spec(List.of(5), 50), 3, 3, true, false);
        DataSet first = ModelTestData.perStepClassification(6, 3, 3, 5, 2);
        DataSet second = ModelTestData.perStepClassification(7, 3, 3, 3, 3, 1);
        EvaluationResult a = evaluate(fast, true, network, first);
        EvaluationResult b = evaluate(fast, true, network, second);
        EvaluationResult both = add(fast, evaluate(fast, true, network, first), network, second);
        double expectedLoss = (a.loss() * a.count() + b.loss() * b.count()) / (a.count() + b.count());
        a.merge(b);
        assertEquals(7 + 7, a.count());
        assertEquals(both.count(), a.count());
        assertEquals(expectedLoss, a.loss(), 1e-12);
        assertEquals(both.loss(), a.loss(), 1e-12);
        assertEquals(both.accuracy(), a.accuracy(), 1e-12);

        MultiLayerNetwork regressor = constantOutput(false, true, 0f);
        EvaluationResult r1 = evaluate(fast, false, regressor, new DataSet(ModelTestData.features(8, 2, 2),
                Nd4j.createFromArray(new float[][] {{1}}), ModelTestData.mask(2), null));
        EvaluationResult r2 = evaluate(fast, false, regressor, new DataSet(ModelTestData.features(9, 2, 1, 1),
                Nd4j.createFromArray(new float[][] {{2}, {4}}), ModelTestData.mask(1, 1), null));
        r1.merge(r2);
        assertEquals(3, r1.count());
        assertEquals((1 + 4 + 16) / 3.0, r1.loss(), TOL);
        assertEquals(Math.sqrt(21 / 3.0), r1.rmse(), TOL);
        assertEquals(7 / 3.0, r1.mae(), TOL);
    }

    @Test
    void nothingEvaluatedIsNaN() {
        EvaluationResult empty = new EvaluationResult(true).merge(new EvaluationResult(true));
        assertEquals(0, empty.count());
        assertTrue(Double.isNaN(empty.loss()));
        assertTrue(Double.isNaN(empty.accuracy()));
    }

    /**
     * The metrics summed from the outputs equal DL4J's own evaluations of the same outputs:
     * {@code Evaluation}'s accuracy and {@code RegressionEvaluation}'s averaged RMSE and MAE, per
     * step with a label mask and per sequence, through both forwards.
     */
    @ParameterizedTest(name = "fast forward {0}")
    @ValueSource(booleans = {false, true})
    void metricsAgreeWithDl4jEvaluations(boolean fast) {
        MultiLayerNetwork classifier = NetworkFactory.create(ModelTestData.spec(List.of(6), 50), 3, 4, true, false);
        DataSet steps = ModelTestData.perStepClassification(11, 3, 4, 9, 4, 7, 1);
        Evaluation evaluation = new Evaluation();
        evaluation.eval(steps.getLabels(), classifier.output(steps.getFeatures(), false, steps.getFeaturesMaskArray(),
                steps.getLabelsMaskArray()), steps.getLabelsMaskArray());
        EvaluationResult result = evaluate(fast, true, classifier, steps);
        assertEquals(evaluation.getNumRowCounter(), result.count(), "labelled steps");
        assertEquals(evaluation.accuracy(), result.accuracy(), 1e-12);
        assertTrue(result.accuracy() > 0 && result.accuracy() < 1, "a mixed accuracy: " + result.accuracy());

        MultiLayerNetwork regressor = NetworkFactory.create(ModelTestData.spec(List.of(6), 0), 3, 2, false, true);
        Nd4j.getRandom().setSeed(12);
        DataSet sequences = new DataSet(ModelTestData.features(13, 3, 5, 2, 4), Nd4j.rand(DataType.FLOAT, 3, 2),
                ModelTestData.mask(5, 2, 4), null);
        RegressionEvaluation regression = new RegressionEvaluation();
        regression.eval(sequences.getLabels(), regressor.output(sequences.getFeatures(), false,
                sequences.getFeaturesMaskArray(), null));
        EvaluationResult errors = evaluate(fast, false, regressor, sequences);
        assertEquals(regression.averagerootMeanSquaredError(), errors.rmse(), 1e-6);
        assertEquals(regression.averageMeanAbsoluteError(), errors.mae(), 1e-6);
        assertTrue(errors.mae() > 0.01, "the outputs are not the targets: " + errors.mae());
    }

    /** A new result of {@code batch}, through the fast forward or DL4J's output. */
    private static EvaluationResult evaluate(boolean fast, boolean classification, MultiLayerNetwork network,
                                             DataSet batch) {
        return add(fast, new EvaluationResult(classification), network, batch);
    }

    private static EvaluationResult add(boolean fast, EvaluationResult result, MultiLayerNetwork network,
                                        DataSet batch) {
        if (!fast) {
            return result.add(network, batch);
        }
        FastForward forward = FastForward.forNetwork(network).orElseThrow(() -> new AssertionError(
                FastForward.unsupportedReason(network).orElse("?")));
        return result.add(forward, batch);
    }
}
