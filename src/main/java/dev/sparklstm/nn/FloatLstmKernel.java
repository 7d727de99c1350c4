package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The float32 fused LSTM. Working memory is laid out by rows (step t, example b): gates
 * {@code z} [T*B, 4H], states {@code c}, {@code h} [(T+1)*B, H] with the initial state in block 0,
 * {@code tc = tanh(c)} [T*B, H], inputs {@code x} [T*B, nIn]. In BLAS column-major terms these
 * are [4H, T*B], [H, T*B] and [nIn, T*B] matrices, and DL4J's 'f'-order {@code W} [nIn, 4H] and
 * {@code RW} [H, 4H] are used as they are:
 * <pre>
 *   forward:  Z = W^T X (one GEMM per segment);  Z_t += RW^T h_{t-1} (one GEMM per step);  gates
 *   backward: dh_t += RW dZ_{t+1} (one GEMM per step);  gates;
 *             dW = X dZ^T,  dRW = H_prev dZ^T,  dX = W dZ (one GEMM each per segment)
 * </pre>
 * Where the gate math has a vector {@link RowProduct} for the widths (hidden sizes and, for dW and
 * dX, inputs that are multiples of 64), the per-step products and the segment's dW, dRW and dX run
 * in it instead of GEMM calls, over operands packed per segment.
 * {@link DoubleLstmKernel} is the GEMM form of this code in double precision (for gradient checks;
 * no vector products there): keep the two in step.
 */
final class FloatLstmKernel implements LstmKernel {
    private static final DataType TYPE = DataType.FLOAT;
    private final GateMath gates;
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
    private float[] bias = new float[0];
    /** W^T packed for dX where the gate math has a {@link RowProduct} of the input width. */
    private float[] packedWt = new float[0];
    /** dZ and the rows of X or H_prev packed for {@link #weightGradients}. */
    private float[] dzPanels = new float[0];
    private float[] packedRows = new float[0];
    /** RW packed by the caller for the flat path's segments ({@link #sharePackedRw}), or null: this kernel packs. */
    private PackedRw sharedRw;
    /** RW packed by this kernel where no packing is shared with it. */
    private PackedRw ownRw;
    /** The packed RW of the last forward, for its backward: {@link #sharedRw} or {@link #ownRw}. */
    private PackedRw activeRw;
    private float[] carry = new float[0];
    private float[] biasSum = new float[0];
    /** The last state of the previous segment while {@link #forwardFlat} carries it over. */
    private float[] hCarry = new float[0];
    private float[] cCarry = new float[0];
    /** What the last {@link #forwardFlat} read, for {@link #backwardFlat} (null after any other forward). */
    private NativeBuffer flatParams;
    private long flatW;
    private long flatRw;
    private long flatB;
    private NativeBuffer flatSource;
    private long flatSourceOffset;
    /** Mask by row t*B+b of the last forward, or null. */
    private float[] mask;
    private int nIn;
    private int hidden;
    private int batch;
    private int steps;
    private boolean forwardDone;

    FloatLstmKernel(GateMath gates) {
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
            bias = new float[gates4];
        }
        b.ensure(gates4);
        b.view(0, 1, gates4).assign(bParam);
        b.bytes().asFloatBuffer().get(bias, 0, gates4);
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
        flatParams = null;
        run(w, 0, rw, 0, x, 0, hasState);
    }

    /**
     * The fast path's forward (FastTrainer): weights read in place from {@code params} (DL4J's flat
     * parameter view) at the element offsets of W, RW and b; input rows [steps*batch, nIn] (row
     * t*batch+e) read in place from {@code source} at {@code sourceOffset}, or from this kernel's
     * own input buffer ({@link #inputRows}) when {@code source} is null. With {@code carryState}
     * the segment starts from the last state of the previous forward (truncated BPTT), else from
     * zero. {@code rowMask} (by row t*batch+e, or null) is the layer mask: DL4J gives one only to
     * the LSTM under {@code LastTimeStep}, never the feature mask to a plain LSTM layer. The
     * source, params and mask must stay unchanged until {@link #backwardFlat}.
     */
    void forwardFlat(int batchSize, int segmentSteps, int inputs, int hiddenSize, NativeBuffer params, long wOff,
                     long rwOff, long bOff, NativeBuffer source, long sourceOffset, boolean carryState,
                     float[] rowMask) {
        int gates4 = 4 * hiddenSize;
        if (carryState) {
            if (steps == 0 || batchSize != batch || hiddenSize != hidden) {
                throw new IllegalStateException("fused LSTM kernel: no previous segment state to carry");
            }
            saveLastState();
        }
        nIn = inputs;
        batch = batchSize;
        steps = segmentSteps;
        hidden = hiddenSize;
        long rows = (long) steps * batch;
        if (source == null) {
            x.ensure(rows * nIn);
        }
        z.ensure(rows * gates4);
        c.ensure(rows * hidden + (long) batch * hidden);
        h.ensure(rows * hidden + (long) batch * hidden);
        tc.ensure(rows * hidden);
        if (bias.length != gates4) {
            bias = new float[gates4];
        }
        ByteBuffer pb = params.bytes();
        for (int k = 0; k < gates4; k++) {
            bias[k] = pb.getFloat((int) ((bOff + k) << 2));
        }
        if (carryState) {
            restoreState();
        } else {
            h.zero(0, (long) batch * hidden);
            c.zero(0, (long) batch * hidden);
        }
        mask = rowMask;
        flatW = wOff;
        flatRw = rwOff;
        flatB = bOff;
        flatParams = params;
        flatSource = source == null ? x : source;
        flatSourceOffset = source == null ? 0 : sourceOffset;
        run(params, wOff, params, rwOff, flatSource, flatSourceOffset, carryState);
    }

    /** This kernel's own input buffer for {@link #forwardFlat} with a null source: [rows, nIn], row t*batch+e. */
    NativeBuffer inputRows(int batchSize, int segmentSteps, int inputs) {
        x.ensure((long) batchSize * segmentSteps * inputs);
        return x;
    }

    /** The outputs of the last forward as rows [steps*batch, hidden] starting at {@link #outputRowsOffset()}. */
    NativeBuffer outputRows() {
        checkForward();
        return h;
    }

    /** Element offset of the first output row in {@link #outputRows()} (block 0 holds the initial state). */
    long outputRowsOffset() {
        return (long) batch * hidden;
    }

    /**
     * The buffer {@link #backwardFlat} reads the gradient with respect to this layer's outputs
     * from: rows [steps*batch, hidden]; the caller fills it (e.g. with a GEMM) before the backward.
     */
    NativeBuffer outputGradientRows() {
        checkForward();
        dh.ensure((long) steps * batch * hidden);
        return dh;
    }

    /**
     * The fast path's backward through the last {@link #forwardFlat} (whole segment): reads
     * {@link #outputGradientRows()}, writes dW, dRW ('f' order, DL4J's layout) and db into
     * {@code grads} at the parameter offsets, and dX rows [steps*batch, nIn] into {@code dxDest}
     * at {@code dxOffset} (skipped when {@code dxDest} is null: the bottom layer's input needs none).
     */
    void backwardFlat(NativeBuffer grads, NativeBuffer dxDest, long dxOffset) {
        checkForward();
        if (flatParams == null) {
            throw new IllegalStateException("fused LSTM kernel: backwardFlat needs a forwardFlat");
        }
        int gates4 = 4 * hidden;
        backwardCore(flatParams, flatRw);
        weightGradients(flatSource, flatSourceOffset, grads, flatW, grads, flatRw);
        RowProduct product = dxDest == null ? null : gates.rowProduct(nIn);
        if (product != null) {
            // dX = dZ W^T row by row: 104 GFLOP/s where OpenBLAS ran at 97-99 on B's shapes (BENCHMARKS.md)
            packedWt = packed(packedWt, gates4 * nIn);
            RowProduct.pack(flatParams.bytes(), flatW, nIn, 1, gates4, nIn, packedWt);
            dxDest.zero(dxOffset, (long) steps * batch * nIn);
            product.accumulate(packedWt, gates4, nIn, z.bytes(), 0, gates4, dxDest.bytes(), dxOffset, nIn,
                    steps * batch);
        } else if (dxDest != null) {
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, nIn, steps * batch, gates4, 1f,
                    flatParams.floatsAt(flatW), nIn, z.floatsAt(0), gates4, 0f, dxDest.floatsAt(dxOffset), nIn);
        }
        sumBiasGradient(grads.bytes(), flatB);
        flatParams = null;
        forwardDone = false;
    }

    private void saveLastState() {
        int n = batch * hidden;
        if (hCarry.length < n) {
            hCarry = new float[n];
            cCarry = new float[n];
        }
        ByteBuffer hb = h.bytes();
        ByteBuffer cb = c.bytes();
        int from = steps * n;
        for (int k = 0; k < n; k++) {
            hCarry[k] = hb.getFloat((from + k) << 2);
            cCarry[k] = cb.getFloat((from + k) << 2);
        }
    }

    private void restoreState() {
        int n = batch * hidden;
        ByteBuffer hb = h.bytes();
        ByteBuffer cb = c.bytes();
        for (int k = 0; k < n; k++) {
            hb.putFloat(k << 2, hCarry[k]);
            cb.putFloat(k << 2, cCarry[k]);
        }
    }

    /** The forward GEMMs and gate math over the prepared buffers (sizes, bias, state block 0, mask set). */
    private void run(NativeBuffer wSrc, long wOff, NativeBuffer rwSrc, long rwOff, NativeBuffer xSrc, long xOff,
                     boolean hasState) {
        int gates4 = 4 * hidden;
        long rows = (long) steps * batch;
        cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, (int) rows, nIn, 1f, wSrc.floatsAt(wOff), nIn,
                xSrc.floatsAt(xOff), nIn, 0f, z.floatsAt(0), gates4);
        ByteBuffer zb = z.bytes();
        ByteBuffer cb = c.bytes();
        ByteBuffer hb = h.bytes();
        ByteBuffer tcb = tc.bytes();
        RowProduct product = forwardProduct(gates, hidden);
        activeRw = flatParams != null && sharedRw != null ? sharedRw : packOwn(rwSrc, rwOff);
        float[] rwPacked = activeRw.forward;
        for (int t = 0; t < steps; t++) {
            long zt = (long) t * batch * gates4;
            long st = (long) t * batch * hidden;
            if ((t > 0 || hasState) && product != null) {
                // z_t += h_{t-1} RW, row by row
                product.accumulate(rwPacked, hidden, gates4, hb, st, hidden, zb, zt, gates4, batch);
            } else if (t > 0 || hasState) {
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, batch, hidden, 1f, rwSrc.floatsAt(rwOff), hidden,
                        h.floatsAt(st), hidden, 1f, z.floatsAt(zt), gates4);
            }
            for (int e = 0; e < batch; e++) {
                int row = t * batch + e;
                int prev = row * hidden;
                int next = prev + batch * hidden;
                gates.forwardRow(zb, row * gates4, bias, cb, prev, cb, next, tcb, prev, hb, next, hidden);
                if (mask != null && mask[row] != 1f) {
                    float m = mask[row];
                    for (int j = 0; j < hidden; j++) {
                        int at = (next + j) << 2;
                        hb.putFloat(at, hb.getFloat(at) * m);
                        cb.putFloat(at, cb.getFloat(at) * m);
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
        backwardCore(rw, 0);
        weightGradients(x, 0, gw, 0, grw, 0);
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, nIn, (int) rows, gates4, 1f, w.floatsAt(0), nIn,
                z.floatsAt(0), gates4, 0f, dx.floatsAt(0), nIn);
        sumBiasGradient(gb.bytes(), 0);
        gradW.assign(gw.viewF(0, nIn, gates4));
        gradRw.assign(grw.viewF(0, hidden, gates4));
        gradB.assign(gb.view(0, 1, gates4));
        epsilonOut.assign(dx.view(0, steps, batch, nIn).permute(1, 2, 0));
        // The gate buffer now holds gradients: a second backward needs a new forward.
        forwardDone = false;
    }

    /** The backward step loop: on return {@code z} holds the pre-activation gradients of every row. */
    private void backwardCore(NativeBuffer rwSrc, long rwOff) {
        int gates4 = 4 * hidden;
        if (carry.length < batch * hidden) {
            carry = new float[batch * hidden];
        }
        java.util.Arrays.fill(carry, 0, batch * hidden, 0f);
        ByteBuffer zb = z.bytes();
        ByteBuffer cb = c.bytes();
        ByteBuffer tcb = tc.bytes();
        ByteBuffer dhb = dh.bytes();
        RowProduct product = steps > 1 ? backwardProduct(gates, hidden) : null;
        float[] rwtPacked = activeRw.backward;
        for (int t = steps - 1; t >= 0; t--) {
            long st = (long) t * batch * hidden;
            if (t < steps - 1 && product != null) {
                // dh_t += dz_{t+1} RW^T, row by row
                product.accumulate(rwtPacked, gates4, hidden, zb, (long) (t + 1) * batch * gates4, gates4, dhb, st,
                        hidden, batch);
            } else if (t < steps - 1) {
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, hidden, batch, gates4, 1f, rwSrc.floatsAt(rwOff),
                        hidden, z.floatsAt((long) (t + 1) * batch * gates4), gates4, 1f, dh.floatsAt(st), hidden);
            }
            for (int e = 0; e < batch; e++) {
                int row = t * batch + e;
                int prev = row * hidden;
                if (mask != null && mask[row] != 1f) {
                    maskedBackwardRow(zb, row * gates4, dhb, prev, e * hidden, cb, prev, prev + batch * hidden, tcb, prev);
                } else {
                    gates.backwardRow(zb, row * gates4, dhb, prev, carry, e * hidden, cb, prev, tcb, prev, hidden);
                }
            }
        }
    }

    /**
     * From now on, {@link #forwardFlat} and {@link #backwardFlat} take RW's packed forms from
     * {@code packed} instead of packing RW themselves: the caller packs it ({@link PackedRw#pack})
     * before every forwardFlat, once for all the kernels of one layer (FastTrainer's lanes).
     */
    void sharePackedRw(PackedRw packed) {
        sharedRw = packed;
    }

    /** RW (at {@code rwOff} in {@code rwSrc}) packed by this kernel for this forward and its backward. */
    private PackedRw packOwn(NativeBuffer rwSrc, long rwOff) {
        if (ownRw == null || ownRw.hidden != hidden) {
            ownRw = new PackedRw(gates, hidden);
        }
        ownRw.pack(rwSrc, rwOff, 0, 1);
        return ownRw;
    }

    /** The forward per-step product z_t += h_{t-1} RW, or null where a GEMM does it (hidden 32 trained no faster with it: 494k vs 513k seq-steps/s). */
    private static RowProduct forwardProduct(GateMath gates, int hidden) {
        return hidden >= RowProduct.BLOCK ? gates.rowProduct(4 * hidden) : null;
    }

    /** The backward per-step product dh_t += dz_{t+1} RW^T, or null where a GEMM does it. */
    private static RowProduct backwardProduct(GateMath gates, int hidden) {
        return gates.rowProduct(hidden);
    }

    /**
     * One layer's RW packed for the per-step products where the gate math has a {@link RowProduct}:
     * forward (RW) and backward (RW^T). A kernel packs its own for each forward unless it is given
     * one ({@link #sharePackedRw}) that all the kernels training the layer on parts of a minibatch
     * read: each lane packed its own copy before (two 1 MB copies per layer and segment for hidden
     * 256, about 6% of a lane's time on workload B); now the lanes pack shares of one.
     */
    static final class PackedRw {
        private final int hidden;
        private float[] forward = new float[0];
        private float[] backward = new float[0];

        PackedRw(GateMath gates, int hidden) {
            this.hidden = hidden;
            if (forwardProduct(gates, hidden) != null) {
                forward = new float[hidden * 4 * hidden];
            }
            if (backwardProduct(gates, hidden) != null) {
                backward = new float[hidden * 4 * hidden];
            }
        }

        /** Packs share {@code part} of {@code parts} of RW (at element {@code rwOff} of {@code params}, 'f' order [H, 4H]). */
        void pack(NativeBuffer params, long rwOff, int part, int parts) {
            int gates4 = 4 * hidden;
            if (forward.length > 0) {
                int blocks = gates4 / RowProduct.BLOCK;
                RowProduct.pack(params.bytes(), rwOff, 1, hidden, hidden, gates4, forward, blocks * part / parts,
                        blocks * (part + 1) / parts);
            }
            if (backward.length > 0) {
                int blocks = hidden / RowProduct.BLOCK;
                RowProduct.pack(params.bytes(), rwOff, hidden, 1, gates4, hidden, backward, blocks * part / parts,
                        blocks * (part + 1) / parts);
            }
        }
    }

    /**
     * dW = X dZ^T into {@code wDest} at {@code wOff} and dRW = H_prev dZ^T into {@code rwDest} at
     * {@code rwOff} ('f' order), with X the segment's input rows at {@code xOff} in {@code xSrc}:
     * with the vector {@link RowProduct} where its width fits (dZ packed once for both), else GEMMs.
     */
    private void weightGradients(NativeBuffer xSrc, long xOff, NativeBuffer wDest, long wOff, NativeBuffer rwDest,
                                 long rwOff) {
        int gates4 = 4 * hidden;
        int rows = steps * batch;
        RowProduct previous = gates.rowProduct(hidden);
        RowProduct input = previous == null ? null : gates.rowProduct(nIn);
        if (previous != null) {
            dzPanels = packed(dzPanels, rows * gates4);
            previous.packPanels(z.bytes(), 0, gates4, rows, gates4, dzPanels);
            packedRows = packed(packedRows, rows * Math.max(hidden, input == null ? 0 : nIn));
            RowProduct.pack(h.bytes(), 0, hidden, 1, rows, hidden, packedRows);
            previous.sumOuter(dzPanels, packedRows, rows, gates4, hidden, rwDest.bytes(), rwOff, hidden);
        } else {
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, hidden, gates4, rows, 1f, h.floatsAt(0), hidden,
                    z.floatsAt(0), gates4, 0f, rwDest.floatsAt(rwOff), hidden);
        }
        if (input != null) {
            RowProduct.pack(xSrc.bytes(), xOff, nIn, 1, rows, nIn, packedRows);
            input.sumOuter(dzPanels, packedRows, rows, gates4, nIn, wDest.bytes(), wOff, nIn);
        } else {
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, nIn, gates4, rows, 1f, xSrc.floatsAt(xOff), nIn,
                    z.floatsAt(0), gates4, 0f, wDest.floatsAt(wOff), nIn);
        }
    }

    private static float[] packed(float[] current, int length) {
        return current.length < length ? new float[length] : current;
    }

    /** Sums the pre-activation gradients over all rows into {@code dest} at element {@code offset}. */
    private void sumBiasGradient(ByteBuffer dest, long offset) {
        int gates4 = 4 * hidden;
        long rows = (long) steps * batch;
        ByteBuffer zb = z.bytes();
        if (biasSum.length != gates4) {
            biasSum = new float[gates4];
        }
        java.util.Arrays.fill(biasSum, 0f);
        gates.addRows(zb, (int) rows, gates4, biasSum);
        for (int k = 0; k < gates4; k++) {
            dest.putFloat((int) ((offset + k) << 2), biasSum[k]);
        }
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
            int zg = (zOff + j) << 2;
            int zf = zg + (hidden << 2);
            int zo = zf + (hidden << 2);
            int zi = zo + (hidden << 2);
            float g = zb.getFloat(zg);
            float f = zb.getFloat(zf);
            float o = zb.getFloat(zo);
            float i = zb.getFloat(zi);
            float d = dhb.getFloat((dhOff + j) << 2);
            float t = tcb.getFloat((tcOff + j) << 2);
            float tm = ScalarGateMath.tanh(cb.getFloat((cOff + j) << 2));
            float dc = d * o * (1f - tm * tm) + carry[carryOff + j];
            zb.putFloat(zg, dc * i * (1f - g * g));
            zb.putFloat(zf, dc * cb.getFloat((cPrevOff + j) << 2) * f * (1f - f));
            zb.putFloat(zo, d * t * o * (1f - o));
            zb.putFloat(zi, dc * g * i * (1f - i));
            carry[carryOff + j] = dc * f;
        }
    }

    private float[] maskRows(INDArray maskArray) {
        if (maskArray == null) {
            return null;
        }
        if (maskArray.rank() != 2 || maskArray.size(0) != batch || maskArray.size(1) != steps) {
            throw new IllegalStateException("fused LSTM expects a mask of shape [" + batch + ", " + steps
                    + "], got " + java.util.Arrays.toString(maskArray.shape()));
        }
        // Transposed to rows t*B+b, one ND4J copy: [steps, batch] in C order.
        return maskArray.castTo(TYPE).transpose().dup('c').data().asFloat();
    }

    private void checkForward() {
        if (!forwardDone) {
            throw new IllegalStateException("fused LSTM kernel: no forward pass to read or backpropagate");
        }
    }
}
