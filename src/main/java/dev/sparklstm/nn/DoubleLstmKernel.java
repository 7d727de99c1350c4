package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link FloatLstmKernel} in double precision, generated from it by replacing the element type
 * (float -> double, sgemm -> dgemm, 4 -> 8 bytes); scalar gate math only, so its products are the
 * GEMM calls (the float kernel's vector {@code RowProduct} paths compute the same products). It
 * exists so that DL4J's finite-difference gradient checks (DOUBLE networks) exercise the same
 * kernel code.
 */
final class DoubleLstmKernel implements LstmKernel {
    private static final DataType TYPE = DataType.DOUBLE;
    private final DoubleGateMath gates;
    private final NativeBuffer x = new NativeBuffer(TYPE);
    private final NativeBuffer z = new NativeBuffer(TYPE);
    private final NativeBuffer c = new NativeBuffer(TYPE);
    private final NativeBuffer tc = new NativeBuffer(TYPE);
    private final NativeBuffer h = new NativeBuffer(TYPE);
    private final NativeBuffer dh = new NativeBuffer(TYPE);
    private final NativeBuffer dx = new NativeBuffer(TYPE);
    private final NativeBuffer w = new NativeBuffer(TYPE);
    private final NativeBuffer rw = new NativeBuffer(TYPE);
    private final NativeBuffer gw = new NativeBuffer(TYPE);
    private final NativeBuffer grw = new NativeBuffer(TYPE);
    private final NativeBuffer gb = new NativeBuffer(TYPE);
    private final NativeBuffer b = new NativeBuffer(TYPE);
    private double[] bias = new double[0];
    private double[] carry = new double[0];
    private double[] biasSum = new double[0];
    /** Mask by row t*B+b of the last forward, or null. */
    private double[] mask;
    private int nIn;
    private int hidden;
    private int batch;
    private int steps;
    private boolean forwardDone;

    DoubleLstmKernel(DoubleGateMath gates) {
        this.gates = gates;
    }

    @Override
    public void forward(INDArray input, INDArray h0, INDArray c0, INDArray maskArray, INDArray wParam,
                        INDArray rwParam, INDArray bParam) {
        nIn = (int) input.size(1);
        batch = (int) input.size(0);
        steps = (int) input.size(2);
        hidden = (int) rwParam.size(0);
        int gates4 = 4 * hidden;
        long rows = (long) steps * batch;
        x.ensure(rows * nIn);
        z.ensure(rows * gates4);
        c.ensure(rows * hidden + (long) batch * hidden);
        h.ensure(rows * hidden + (long) batch * hidden);
        tc.ensure(rows * hidden);
        w.ensure((long) nIn * gates4);
        rw.ensure((long) hidden * gates4);
        w.viewF(0, nIn, gates4).assign(wParam);
        rw.viewF(0, hidden, gates4).assign(rwParam);
        if (bias.length != gates4) {
            bias = new double[gates4];
        }
        b.ensure(gates4);
        b.view(0, 1, gates4).assign(bParam);
        b.bytes().asDoubleBuffer().get(bias, 0, gates4);
        x.view(0, steps, batch, nIn).assign(input.castTo(TYPE).permute(2, 0, 1));
        boolean hasState = h0 != null;
        if (hasState) {
            h.view(0, batch, hidden).assign(h0);
            c.view(0, batch, hidden).assign(c0);
        } else {
            h.zero(0, (long) batch * hidden);
            c.zero(0, (long) batch * hidden);
        }
        mask = maskRows(maskArray);

        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, (int) rows, nIn, 1.0, w.doublesAt(0), nIn,
                x.doublesAt(0), nIn, 0.0, z.doublesAt(0), gates4);
        ByteBuffer zb = z.bytes();
        ByteBuffer cb = c.bytes();
        ByteBuffer hb = h.bytes();
        ByteBuffer tcb = tc.bytes();
        for (int t = 0; t < steps; t++) {
            long zt = (long) t * batch * gates4;
            long st = (long) t * batch * hidden;
            if (t > 0 || hasState) {
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, batch, hidden, 1.0, rw.doublesAt(0), hidden,
                        h.doublesAt(st), hidden, 1.0, z.doublesAt(zt), gates4);
            }
            for (int e = 0; e < batch; e++) {
                int row = t * batch + e;
                int prev = row * hidden;
                int next = prev + batch * hidden;
                gates.forwardRow(zb, row * gates4, bias, cb, prev, cb, next, tcb, prev, hb, next, hidden);
                if (mask != null && mask[row] != 1.0) {
                    double m = mask[row];
                    for (int j = 0; j < hidden; j++) {
                        int at = (next + j) << 3;
                        hb.putDouble(at, hb.getDouble(at) * m);
                        cb.putDouble(at, cb.getDouble(at) * m);
                    }
                }
            }
        }
        forwardDone = true;
    }

    @Override
    public INDArray output() {
        checkForward();
        return h.view((long) batch * hidden, steps, batch, hidden).permute(1, 2, 0);
    }

    @Override
    public INDArray lastOutput() {
        checkForward();
        return h.view((long) steps * batch * hidden, batch, hidden);
    }

    @Override
    public INDArray lastCell() {
        checkForward();
        return c.view((long) steps * batch * hidden, batch, hidden);
    }

    @Override
    public void backward(INDArray epsilon, INDArray gradW, INDArray gradRw, INDArray gradB, INDArray epsilonOut) {
        checkForward();
        int gates4 = 4 * hidden;
        long rows = (long) steps * batch;
        dh.ensure(rows * hidden);
        dx.ensure(rows * nIn);
        gw.ensure((long) nIn * gates4);
        grw.ensure((long) hidden * gates4);
        gb.ensure(gates4);
        dh.view(0, steps, batch, hidden).assign(epsilon.castTo(TYPE).permute(2, 0, 1));
        if (carry.length < batch * hidden) {
            carry = new double[batch * hidden];
        }
        java.util.Arrays.fill(carry, 0, batch * hidden, 0.0);
        ByteBuffer zb = z.bytes();
        ByteBuffer cb = c.bytes();
        ByteBuffer tcb = tc.bytes();
        ByteBuffer dhb = dh.bytes();
        for (int t = steps - 1; t >= 0; t--) {
            long st = (long) t * batch * hidden;
            if (t < steps - 1) {
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, hidden, batch, gates4, 1.0, rw.doublesAt(0), hidden,
                        z.doublesAt((long) (t + 1) * batch * gates4), gates4, 1.0, dh.doublesAt(st), hidden);
            }
            for (int e = 0; e < batch; e++) {
                int row = t * batch + e;
                int prev = row * hidden;
                if (mask != null && mask[row] != 1.0) {
                    maskedBackwardRow(zb, row * gates4, dhb, prev, e * hidden, cb, prev, prev + batch * hidden, tcb, prev);
                } else {
                    gates.backwardRow(zb, row * gates4, dhb, prev, carry, e * hidden, cb, prev, tcb, prev, hidden);
                }
            }
        }
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, nIn, gates4, (int) rows, 1.0, x.doublesAt(0), nIn,
                z.doublesAt(0), gates4, 0.0, gw.doublesAt(0), nIn);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, hidden, gates4, (int) rows, 1.0, h.doublesAt(0), hidden,
                z.doublesAt(0), gates4, 0.0, grw.doublesAt(0), hidden);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, nIn, (int) rows, gates4, 1.0, w.doublesAt(0), nIn,
                z.doublesAt(0), gates4, 0.0, dx.doublesAt(0), nIn);
        if (biasSum.length != gates4) {
            biasSum = new double[gates4];
        }
        java.util.Arrays.fill(biasSum, 0.0);
        for (int r = 0; r < rows; r++) {
            int base = r * gates4;
            for (int k = 0; k < gates4; k++) {
                biasSum[k] += zb.getDouble((base + k) << 3);
            }
        }
        ByteBuffer gbb = gb.bytes();
        for (int k = 0; k < gates4; k++) {
            gbb.putDouble(k << 3, biasSum[k]);
        }
        gradW.assign(gw.viewF(0, nIn, gates4));
        gradRw.assign(grw.viewF(0, hidden, gates4));
        gradB.assign(gb.view(0, 1, gates4));
        epsilonOut.assign(dx.view(0, steps, batch, nIn).permute(1, 2, 0));
        // The gate buffer now holds gradients: a second backward needs a new forward.
        forwardDone = false;
    }

    /**
     * A step whose mask is not 1. DL4J's LSTM scales h and c by the mask in its forward and
     * differentiates tanh at the <em>scaled</em> cell state in its backward (it ignores the mask
     * there); this does the same, so gradients match DL4J exactly even where epsilon is nonzero at
     * masked steps.
     */
    private void maskedBackwardRow(ByteBuffer zb, int zOff, ByteBuffer dhb, int dhOff, int carryOff, ByteBuffer cb,
                                   int cPrevOff, int cOff, ByteBuffer tcb, int tcOff) {
        for (int j = 0; j < hidden; j++) {
            int zg = (zOff + j) << 3;
            int zf = zg + (hidden << 3);
            int zo = zf + (hidden << 3);
            int zi = zo + (hidden << 3);
            double g = zb.getDouble(zg);
            double f = zb.getDouble(zf);
            double o = zb.getDouble(zo);
            double i = zb.getDouble(zi);
            double d = dhb.getDouble((dhOff + j) << 3);
            double t = tcb.getDouble((tcOff + j) << 3);
            double tm = DoubleGateMath.tanh(cb.getDouble((cOff + j) << 3));
            double dc = d * o * (1.0 - tm * tm) + carry[carryOff + j];
            zb.putDouble(zg, dc * i * (1.0 - g * g));
            zb.putDouble(zf, dc * cb.getDouble((cPrevOff + j) << 3) * f * (1.0 - f));
            zb.putDouble(zo, d * t * o * (1.0 - o));
            zb.putDouble(zi, dc * g * i * (1.0 - i));
            carry[carryOff + j] = dc * f;
        }
    }

    private double[] maskRows(INDArray maskArray) {
        if (maskArray == null) {
            return null;
        }
        if (maskArray.rank() != 2 || maskArray.size(0) != batch || maskArray.size(1) != steps) {
            throw new IllegalStateException("fused LSTM expects a mask of shape [" + batch + ", " + steps
                    + "], got " + java.util.Arrays.toString(maskArray.shape()));
        }
        // Transposed to rows t*B+b, one ND4J copy: [steps, batch] in C order.
        return maskArray.castTo(TYPE).transpose().dup('c').data().asDouble();
    }

    private void checkForward() {
        if (!forwardDone) {
            throw new IllegalStateException("fused LSTM kernel: no forward pass to read or backpropagate");
        }
    }
}
