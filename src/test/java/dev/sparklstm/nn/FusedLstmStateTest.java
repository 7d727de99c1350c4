package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/** {@code rnnTimeStep} with carried state: chunks (and single 2-D steps) give the whole-sequence output. */
class FusedLstmStateTest {
    private static final int INPUTS = 5;
    private static final int T = 40;

    @Test
    void chunkedRnnTimeStepEqualsWholeSequence() {
        MultiLayerNetwork fused = TestNets.network(TestNets.config(TestNets.Kind.FUSED, DataType.FLOAT, INPUTS,
                new int[] {9, 6}, 3, false, 0, new Adam(0.01)));
        MultiLayerNetwork dl4j = TestNets.network(TestNets.config(TestNets.Kind.DL4J, DataType.FLOAT, INPUTS,
                new int[] {9, 6}, 3, false, 0, new Adam(0.01)));
        TestNets.randomize(fused, 8, 0.4);
        dl4j.setParams(fused.params().dup());
        Nd4j.getRandom().setSeed(2);
        INDArray features = Nd4j.randn(DataType.FLOAT, 3, INPUTS, T);
        INDArray whole = fused.output(features);
        assertTrue(TestNets.maxAbsDiff(whole, dl4j.output(features)) < 1e-5);

        fused.rnnClearPreviousState();
        INDArray chunked = Nd4j.create(DataType.FLOAT, whole.shape());
        for (int from = 0; from < T; from += 7) {
            int to = Math.min(T, from + 7);
            INDArray part = fused.rnnTimeStep(features.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(from, to)));
            chunked.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to)).assign(part);
        }
        double diff = TestNets.maxAbsDiff(whole, chunked);
        assertTrue(diff < 1e-6, "chunked vs whole: " + diff);

        fused.rnnClearPreviousState();
        for (int t = 0; t < T; t++) {
            INDArray step = fused.rnnTimeStep(features.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t)));
            double d = TestNets.maxAbsDiff(whole.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t)), step);
            assertTrue(d < 1e-6, "single step " + t + ": " + d);
        }
    }
}
