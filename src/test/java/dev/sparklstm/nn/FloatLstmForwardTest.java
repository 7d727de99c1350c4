package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
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
 * vectorized and the scalar gate math, and the single-pass step ({@link LstmStep}) where the hidden size allows.
 */
class FloatLstmForwardTest {
    private static final int STEPS = 11;

    @ParameterizedTest(name = "inputs={0} hidden={1} batch={2} gates={3}")
    @CsvSource({"5, 7, 3, vector", "5, 7, 3, scalar", "130, 7, 3, vector", "130, 7, 3, scalar",
        "5, 32, 6, vector", "5, 32, 6, vector-gemm", "130, 16, 5, vector", "3, 16, 4, scalar"})
    void sameAsTheTrainingKernel(int inputs, int hidden, int batch, String gateName) {
        GateMath math = switch (gateName) {
            case "scalar" -> new ScalarGateMath();
            case "vector-gemm" -> new VectorGateMath(false);
            default -> new VectorGateMath();
        };
        // Hidden sizes that are multiples of the vector length run the single-pass step (4-example blocks and a
        // tail) where vectors hold 16 floats (AVX-512); elsewhere GEMM + gate math.
        boolean singlePass = gateName.equals("vector") && hidden % 16 == 0
                && FloatVector.SPECIES_PREFERRED.length() >= 16;
        assertEquals(singlePass, math.lstmStep(inputs, hidden) != null, "single-pass step for " + gateName);
        check(inputs, hidden, batch, math);
    }

    private static void check(int inputs, int hidden, int batch, GateMath math) {
        long nw = (long) inputs * 4 * hidden;
        long nrw = (long) hidden * 4 * hidden;
        Nd4j.getRandom().setSeed(3);
        NativeBuffer params = NativeBuffer.over(Nd4j.rand(DataType.FLOAT, 1, nw + nrw + 4 * hidden).subi(0.5).muli(0.8));
        float[] mask = new float[STEPS * batch];
        java.util.Arrays.fill(mask, 1f);
        mask[4 * batch + 1] = 0f;
        for (int t = 8; t < STEPS; t++) {
            mask[t * batch + 2] = 0f;
        }
        FloatLstmKernel reference = new FloatLstmKernel(math);
        // Blocks of 3 steps when the inputs are projected (the default block holds all 11 here).
        FloatLstmForward forward = new FloatLstmForward(math, 3 * batch * 4 * hidden);
        Random random = new Random(9);
        for (int segment = 0; segment < 2; segment++) {
            NativeBuffer x = reference.inputRows(batch, STEPS, inputs);
            NativeBuffer xh = forward.inputRows(batch, STEPS, inputs, hidden);
            for (int row = 0; row < STEPS * batch; row++) {
                for (int k = 0; k < inputs; k++) {
                    float v = (float) random.nextGaussian();
                    x.bytes().putFloat((row * inputs + k) << 2, v);
                    xh.bytes().putFloat((row * (inputs + hidden) + k) << 2, v);
                }
            }
            boolean carry = segment > 0;
            if (carry) {
                forward.carryState();
            } else {
                forward.clearState();
            }
            float[] rowMask = segment == 0 ? mask : null;
            reference.forwardFlat(batch, STEPS, inputs, hidden, params, 0, nw, nw + nrw, null, 0, carry, rowMask);
            forward.forward(batch, STEPS, inputs, hidden, params, 0, nw, nw + nrw, null, 0, 0, rowMask);
            assertSameOutputs(reference, forward, batch, hidden, "segment " + segment);
        }
        // A given state (the reference's last state, as rnnTimeStep hands it over), through the kernel's INDArray API.
        INDArray h0 = reference.lastOutput().dup();
        INDArray c0 = reference.lastCell().dup();
        INDArray features = Nd4j.randn(DataType.FLOAT, batch, inputs, STEPS);
        reference.forward(features, h0, c0, null, params.viewF(0, inputs, 4 * hidden),
                params.viewF(nw, hidden, 4 * hidden), params.view(nw + nrw, 1, 4 * hidden));
        forward.setState(h0, c0);
        NativeBuffer xh = forward.inputRows(batch, STEPS, inputs, hidden);
        RowLayout.fromNcw(new StridedFloats(features), batch, inputs, STEPS, xh.bytes(), inputs + hidden);
        forward.forward(batch, STEPS, inputs, hidden, params, 0, nw, nw + nrw, null, 0, 0, null);
        assertSameOutputs(reference, forward, batch, hidden, "given state");
    }

    private static void assertSameOutputs(FloatLstmKernel reference, FloatLstmForward forward, int batch, int hidden,
                                          String what) {
        ByteBuffer a = reference.outputRows().bytes();
        ByteBuffer b = forward.outputRows().bytes();
        double max = 0;
        for (int row = 0; row < STEPS * batch; row++) {
            for (int j = 0; j < hidden; j++) {
                float expected = a.getFloat((int) (reference.outputRowsOffset() + (long) row * hidden + j) << 2);
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
