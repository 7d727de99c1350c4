package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The fused layer computes what DL4J's LSTM computes, on the same parameters: outputs and every
 * parameter gradient (both layers of a 2-layer stack, so also the gradient passed down) within
 * 1e-5 (relative to the largest value where that exceeds 1) on a right-padded masked batch, per step (RnnOutputLayer) and per sequence (LastTimeStep,
 * which gives the LSTM a layer mask), with the vectorized and with the scalar gate math, and with
 * hidden sizes 64 and 32, where the vectorized kernel's per-step products are {@link RowProduct}s
 * (forward of both layers, backward of the first) instead of GEMM calls.
 */
class FusedLstmGradientTest {
    private static final int INPUTS = 5;
    private static final int OUTPUTS = 3;
    private static final int[] LENGTHS = {40, 33, 17, 40};

    @ParameterizedTest(name = "perSequence={0}, gate math {1}, hidden sizes {2}")
    @CsvSource({"false, vector, 12 7", "true, vector, 12 7", "false, scalar, 12 7", "true, scalar, 12 7",
        "false, vector, 64 32", "true, vector, 64 32", "false, scalar, 64 32"})
    void outputsAndGradientsMatchDl4j(boolean perSequence, String gates, String sizes) {
        int[] layers = java.util.Arrays.stream(sizes.split(" ")).mapToInt(Integer::parseInt).toArray();
        MultiLayerNetwork dl4j = TestNets.network(TestNets.config(TestNets.Kind.DL4J, DataType.FLOAT, INPUTS, layers,
                OUTPUTS, perSequence, 0, new Sgd(0.1)));
        MultiLayerNetwork fused = TestNets.network(TestNets.config(TestNets.Kind.FUSED, DataType.FLOAT, INPUTS, layers,
                OUTPUTS, perSequence, 0, new Sgd(0.1)));
        assertTrue(fused.getLayer(0) instanceof FusedLstmLayer);
        GateMath math = gates.equals("scalar") ? new ScalarGateMath() : GateMathProvider.vectorOrNull();
        for (int i = 0; i < layers.length; i++) {
            org.deeplearning4j.nn.api.Layer layer = fused.getLayer(i);
            if (layer instanceof org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer wrapper) {
                layer = wrapper.getUnderlying();
            }
            ((FusedLstmLayer) layer).useGateMath(math);
        }
        TestNets.randomize(dl4j, 3, 0.4);
        fused.setParams(dl4j.params().dup());
        DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, LENGTHS, perSequence, 9);

        INDArray outDl4j = dl4j.output(data.getFeatures(), false, data.getFeaturesMaskArray(), data.getLabelsMaskArray());
        INDArray outFused = fused.output(data.getFeatures(), false, data.getFeaturesMaskArray(),
                data.getLabelsMaskArray());
        assertTrue(TestNets.maxAbsDiff(outDl4j, outFused) < 1e-5, "outputs differ by " + TestNets.maxAbsDiff(outDl4j, outFused));

        dl4j.setInput(data.getFeatures());
        dl4j.setLabels(data.getLabels());
        dl4j.setLayerMaskArrays(data.getFeaturesMaskArray(), data.getLabelsMaskArray());
        dl4j.computeGradientAndScore();
        fused.setInput(data.getFeatures());
        fused.setLabels(data.getLabels());
        fused.setLayerMaskArrays(data.getFeaturesMaskArray(), data.getLabelsMaskArray());
        fused.computeGradientAndScore();
        assertEquals(dl4j.score(), fused.score(), 1e-5);
        for (String key : dl4j.gradient().gradientForVariable().keySet()) {
            INDArray expected = dl4j.gradient().getGradientFor(key);
            INDArray actual = fused.gradient().getGradientFor(key);
            double diff = TestNets.maxAbsDiff(expected, actual);
            // Float rounding grows with the values (up to about 6 with hidden size 64): 1e-5 relative to them.
            double tolerance = 1e-5 * Math.max(1, expected.amaxNumber().doubleValue());
            assertTrue(diff < tolerance, key + " gradient differs by " + diff + " (largest value "
                    + expected.amaxNumber() + ")");
            assertTrue(expected.amaxNumber().doubleValue() > 1e-3, key + " gradient must not be trivially 0");
        }
        double whole = TestNets.maxAbsDiff(dl4j.gradient().gradient(), fused.gradient().gradient());
        assertTrue(whole < 1e-5 * Math.max(1, dl4j.gradient().gradient().amaxNumber().doubleValue()),
                "flat gradient differs by " + whole);
    }
}
