package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The inference-only LSTM forward against the training kernel's {@code forwardFlat} on the same
 * parameters and inputs: both layouts (stacked [x; h] GEMM with few inputs, projected blocks of 3
 * steps with {@link FloatLstmForward#PROJECT_MIN_INPUTS} inputs), a mask with zeros inside and at
 * the end of rows, a state carried into a second segment, and a given initial state; with the
 * vectorized and the scalar gate math.
 */
class FloatLstmForwardTest {
    private static final int BATCH = 3;
    private static final int STEPS = 11;
    private static final int HIDDEN = 7;

    @ParameterizedTest(name = "inputs={0} gates={1}")
    @CsvSource({"5, vector", "5, scalar", "130, vector", "130, scalar"})
    void sameAsTheTrainingKernel(int inputs, String gateName) {
        GateMath math = gateName.equals("scalar") ? new ScalarGateMath() : GateMathProvider.vectorOrNull();
        long nw = (long) inputs * 4 * HIDDEN;
        long nrw = (long) HIDDEN * 4 * HIDDEN;
        Nd4j.getRandom().setSeed(3);
        NativeBuffer params = NativeBuffer.over(Nd4j.rand(DataType.FLOAT, 1, nw + nrw + 4 * HIDDEN).subi(0.5).muli(0.8));
        float[] mask = new float[STEPS * BATCH];
        java.util.Arrays.fill(mask, 1f);
        mask[4 * BATCH + 1] = 0f;
        for (int t = 8; t < STEPS; t++) {
            mask[t * BATCH + 2] = 0f;
        }
        FloatLstmKernel reference = new FloatLstmKernel(math);
        // Blocks of 3 steps when the inputs are projected (the default block holds all 11 here).
        FloatLstmForward forward = new FloatLstmForward(math, 3 * BATCH * 4 * HIDDEN);
        Random random = new Random(9);
        for (int segment = 0; segment < 2; segment++) {
            NativeBuffer x = reference.inputRows(BATCH, STEPS, inputs);
            NativeBuffer xh = forward.inputRows(BATCH, STEPS, inputs, HIDDEN);
            for (int row = 0; row < STEPS * BATCH; row++) {
                for (int k = 0; k < inputs; k++) {
                    float v = (float) random.nextGaussian();
                    x.bytes().putFloat((row * inputs + k) << 2, v);
                    xh.bytes().putFloat((row * (inputs + HIDDEN) + k) << 2, v);
                }
            }
            boolean carry = segment > 0;
            if (carry) {
                forward.carryState();
            } else {
                forward.clearState();
            }
            float[] rowMask = segment == 0 ? mask : null;
            reference.forwardFlat(BATCH, STEPS, inputs, HIDDEN, params, 0, nw, nw + nrw, null, 0, carry, rowMask);
            forward.forward(BATCH, STEPS, inputs, HIDDEN, params, 0, nw, nw + nrw, null, 0, 0, rowMask);
            assertSameOutputs(reference, forward, "segment " + segment);
        }
        // A given state (the reference's last state, as rnnTimeStep hands it over), through the kernel's INDArray API.
        INDArray h0 = reference.lastOutput().dup();
        INDArray c0 = reference.lastCell().dup();
        INDArray features = Nd4j.randn(DataType.FLOAT, BATCH, inputs, STEPS);
        reference.forward(features, h0, c0, null, params.viewF(0, inputs, 4 * HIDDEN),
                params.viewF(nw, HIDDEN, 4 * HIDDEN), params.view(nw + nrw, 1, 4 * HIDDEN));
        forward.setState(h0, c0);
        NativeBuffer xh = forward.inputRows(BATCH, STEPS, inputs, HIDDEN);
        RowLayout.fromNcw(new StridedFloats(features), BATCH, inputs, STEPS, xh.bytes(), inputs + HIDDEN);
        forward.forward(BATCH, STEPS, inputs, HIDDEN, params, 0, nw, nw + nrw, null, 0, 0, null);
        assertSameOutputs(reference, forward, "given state");
    }

    private static void assertSameOutputs(FloatLstmKernel reference, FloatLstmForward forward, String what) {
        ByteBuffer a = reference.outputRows().bytes();
        ByteBuffer b = forward.outputRows().bytes();
        double max = 0;
        for (int row = 0; row < STEPS * BATCH; row++) {
            for (int j = 0; j < HIDDEN; j++) {
                float expected = a.getFloat((int) (reference.outputRowsOffset() + (long) row * HIDDEN + j) << 2);
                float actual = b.getFloat((int) (forward.outputRowsOffset() + (long) row * forward.outputRowStride() + j)
                        << 2);
                max = Math.max(max, Math.abs(expected - actual));
            }
        }
        assertTrue(max < 1e-5, what + ": outputs differ by " + max);
        double cell = TestNets.maxAbsDiff(reference.lastCell(), forward.lastCell());
        assertTrue(cell < 1e-5, what + ": last cell state differs by " + cell);
        double last = TestNets.maxAbsDiff(reference.lastOutput(), forward.lastOutput());
        assertTrue(last < 1e-5, what + ": last output differs by " + last);
    }
}
