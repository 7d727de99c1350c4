package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float kernel gives the same forward, state, parameter gradients and input gradient with the
 * scalar and the vectorized gate math, and agrees with the double kernel; with a carried state, a
 * mask with zeros in the middle of a row and a hidden size with a vector tail.
 */
class FusedLstmKernelPathsTest {
    private static final int B = 3;
    private static final int IN = 4;
    private static final int H = 19;
    private static final int T = 11;

    @Test
    void scalarVectorAndDoubleKernelsAgree() {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, B, IN, T);
        INDArray w = Nd4j.randn(DataType.DOUBLE, IN, 4 * H).muli(0.4).dup('f');
        INDArray rw = Nd4j.randn(DataType.DOUBLE, H, 4 * H).muli(0.4).dup('f');
        INDArray b = Nd4j.randn(DataType.DOUBLE, 1, 4 * H).muli(0.4);
        INDArray h0 = Nd4j.randn(DataType.DOUBLE, B, H).muli(0.5);
        INDArray c0 = Nd4j.randn(DataType.DOUBLE, B, H);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, B, T);
        mask.putScalar(1, 4, 0.0);
        mask.putScalar(2, 9, 0.0);
        mask.putScalar(2, 10, 0.0);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, B, H, T);

        INDArray[] scalar = run(new FloatLstmKernel(new ScalarGateMath()), DataType.FLOAT, x, h0, c0, mask, w, rw, b, eps);
        INDArray[] vector = run(new FloatLstmKernel(GateMathProvider.vectorOrNull()), DataType.FLOAT, x, h0, c0, mask,
                w, rw, b, eps);
        INDArray[] exact = run(new DoubleLstmKernel(new DoubleGateMath()), DataType.DOUBLE, x, h0, c0, mask, w, rw, b,
                eps);
        String[] names = {"output", "last h", "last c", "dW", "dRW", "db", "dX"};
        for (int k = 0; k < names.length; k++) {
            double sv = TestNets.maxAbsDiff(scalar[k], vector[k]);
            double se = TestNets.maxAbsDiff(scalar[k], exact[k]);
            assertTrue(sv < 1e-5, names[k] + ": scalar vs vector " + sv);
            assertTrue(se < 1e-4, names[k] + ": float vs double " + se);
            assertTrue(exact[k].amaxNumber().doubleValue() > 1e-2, names[k] + " must not be trivially 0");
        }
        // Masked step: output and carried state are zero, as in DL4J's LSTM with a layer mask.
        assertTrue(exact[0].getDouble(1, 3, 4) == 0.0 && exact[0].getDouble(2, 0, 10) == 0.0);
        assertTrue(exact[2].getRow(2).amaxNumber().doubleValue() == 0.0);
    }

    private static INDArray[] run(LstmKernel kernel, DataType type, INDArray x, INDArray h0, INDArray c0,
                                  INDArray mask, INDArray w, INDArray rw, INDArray b, INDArray eps) {
        kernel.forward(x.castTo(type), h0.castTo(type), c0.castTo(type), mask.castTo(type), w.castTo(type),
                rw.castTo(type), b.castTo(type));
        INDArray out = kernel.output().dup();
        INDArray lastH = kernel.lastOutput().dup();
        INDArray lastC = kernel.lastCell().dup();
        INDArray gw = Nd4j.create(type, new long[] {IN, 4 * H}, 'f');
        INDArray grw = Nd4j.create(type, new long[] {H, 4 * H}, 'f');
        INDArray gb = Nd4j.create(type, 1, 4 * H);
        INDArray dx = Nd4j.create(type, new long[] {B, IN, T}, 'f');
        kernel.backward(eps.castTo(type), gw, grw, gb, dx);
        return new INDArray[] {out, lastH, lastC, gw, grw, gb, dx};
    }
}
