package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inference-only forward of one float32 LSTM layer (for {@link FastForward} and {@link
 * FusedLstmLayer} outside training): the same equations, parameters, gate order and row layout
 * as {@link FloatLstmKernel}, but it keeps nothing for a backward pass, so its working set stays
 * in cache. Per step it computes {@code Z_t = W^T x_t + RW^T h_{t-1}} (two GEMMs into one
 * [4H, batch] block that the gate math reads right away) instead of one input projection over all
 * steps: with 8 inputs that big projection was a third of workload A's inference, bound by
 * writing and re-reading a [T*batch, 4H] buffer larger than the cache. Cell states alternate
 * between two blocks; only the outputs h of every step are kept, as rows [(steps+1)*batch,
 * hidden] with the initial state in block 0.
 *
 * <p>State: zero, carried from this layer's previous forward ({@link #carryState}), or given
 * ({@link #setState}). Not thread-safe; buffers only grow.
 */
final class FloatLstmForward {
    private static final DataType TYPE = DataType.FLOAT;
    private final GateMath gates;
    private final NativeBuffer x = new NativeBuffer(TYPE);
    private final NativeBuffer z = new NativeBuffer(TYPE);
    private final NativeBuffer c = new NativeBuffer(TYPE);
    private final NativeBuffer tc = new NativeBuffer(TYPE);
    private final NativeBuffer h = new NativeBuffer(TYPE);
    private float[] bias = new float[0];
    /** The initial state of the next forward when {@link #stateBatch} is not -1, [batch, hidden] each. */
    private float[] h0 = new float[0];
    private float[] c0 = new float[0];
    private int stateBatch = -1;
    private int batch;
    private int steps;
    private int hidden;

    FloatLstmForward(GateMath gates) {
        this.gates = gates;
    }

    /** This layer's own input buffer for {@link #forward} with a null source: [steps*batch, inputs], row t*batch+e. */
    NativeBuffer inputRows(int batchSize, int segmentSteps, int inputs) {
        x.ensure((long) batchSize * segmentSteps * inputs);
        return x;
    }

    /** The next forward starts from a zero state. */
    void clearState() {
        stateBatch = -1;
    }

    /** The next forward starts from the last state of the previous one (a stream, as {@code rnnTimeStep}). */
    void carryState() {
        if (steps == 0) {
            throw new IllegalStateException("LSTM forward: no previous forward to carry the state of");
        }
        int n = batch * hidden;
        ensureState(n);
        ByteBuffer hb = h.bytes();
        ByteBuffer cb = c.bytes();
        int hLast = steps * n;
        int cLast = (steps & 1) * n;
        for (int k = 0; k < n; k++) {
            h0[k] = hb.getFloat((hLast + k) << 2);
            c0[k] = cb.getFloat((cLast + k) << 2);
        }
        stateBatch = batch;
    }

    /** The next forward starts from {@code hPrev}, {@code cPrev} [batch, hidden] (any strides). */
    void setState(INDArray hPrev, INDArray cPrev) {
        int b = (int) hPrev.size(0);
        int n = (int) (b * hPrev.size(1));
        ensureState(n);
        StridedFloats hs = new StridedFloats(hPrev);
        StridedFloats cs = new StridedFloats(cPrev);
        int width = (int) hPrev.size(1);
        for (int e = 0; e < b; e++) {
            for (int j = 0; j < width; j++) {
                h0[e * width + j] = hs.get(e, j);
                c0[e * width + j] = cs.get(e, j);
            }
        }
        stateBatch = b;
    }

    /**
     * Runs the layer over {@code segmentSteps} steps: weights read in place from {@code params} at
     * the element offsets of W [nIn, 4H], RW [H, 4H] and b ('f' order, DL4J's layout); input rows
     * [steps*batch, nIn] from {@code source} at {@code sourceOffset}, or from {@link #inputRows}
     * when {@code source} is null. {@code rowMask} (by row t*batch+e, or null) scales h and c at
     * each step, as DL4J's LSTM does with a layer mask.
     */
    void forward(int batchSize, int segmentSteps, int inputs, int hiddenSize, NativeBuffer params, long wOff,
                 long rwOff, long bOff, NativeBuffer source, long sourceOffset, float[] rowMask) {
        boolean hasState = stateBatch >= 0;
        if (hasState && (stateBatch != batchSize || h0.length < batchSize * hiddenSize)) {
            throw new IllegalStateException("LSTM forward: the initial state has batch size " + stateBatch
                    + ", the input " + batchSize);
        }
        batch = batchSize;
        steps = segmentSteps;
        hidden = hiddenSize;
        int gates4 = 4 * hidden;
        int n = batch * hidden;
        z.ensure((long) batch * gates4);
        c.ensure(2L * n);
        tc.ensure(n);
        h.ensure(((long) steps + 1) * n);
        if (bias.length != gates4) {
            bias = new float[gates4];
        }
        ByteBuffer pb = params.bytes();
        for (int k = 0; k < gates4; k++) {
            bias[k] = pb.getFloat((int) ((bOff + k) << 2));
        }
        ByteBuffer hb = h.bytes();
        ByteBuffer cb = c.bytes();
        for (int k = 0; k < n; k++) {
            hb.putFloat(k << 2, hasState ? h0[k] : 0f);
            cb.putFloat(k << 2, hasState ? c0[k] : 0f);
        }
        NativeBuffer in = source == null ? x : source;
        long inOffset = source == null ? 0 : sourceOffset;
        ByteBuffer zb = z.bytes();
        ByteBuffer tcb = tc.bytes();
        for (int t = 0; t < steps; t++) {
            cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, batch, inputs, 1f, params.floatsAt(wOff), inputs,
                    in.floatsAt(inOffset + (long) t * batch * inputs), inputs, 0f, z.floatsAt(0), gates4);
            if (t > 0 || hasState) {
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, batch, hidden, 1f, params.floatsAt(rwOff),
                        hidden, h.floatsAt((long) t * n), hidden, 1f, z.floatsAt(0), gates4);
            }
            int cPrev = (t & 1) * n;
            int cNext = n - cPrev;
            int hNext = (t + 1) * n;
            for (int e = 0; e < batch; e++) {
                int s = e * hidden;
                gates.forwardRow(zb, e * gates4, bias, cb, cPrev + s, cb, cNext + s, tcb, s, hb, hNext + s, hidden);
                float m = rowMask == null ? 1f : rowMask[t * batch + e];
                if (m != 1f) {
                    for (int j = 0; j < hidden; j++) {
                        int hAt = (hNext + s + j) << 2;
                        int cAt = (cNext + s + j) << 2;
                        hb.putFloat(hAt, hb.getFloat(hAt) * m);
                        cb.putFloat(cAt, cb.getFloat(cAt) * m);
                    }
                }
            }
        }
    }

    /** The outputs of the last forward as rows [steps*batch, hidden] from {@link #outputRowsOffset()}. */
    NativeBuffer outputRows() {
        return h;
    }

    /** Element offset of the first output row in {@link #outputRows()} (block 0 holds the initial state). */
    long outputRowsOffset() {
        return (long) batch * hidden;
    }

    /** The output at the last step of the last forward, [batch, hidden] (a view of working memory: copy it). */
    INDArray lastOutput() {
        return h.view((long) steps * batch * hidden, batch, hidden);
    }

    /** The cell state at the last step of the last forward, [batch, hidden] (a view: copy it). */
    INDArray lastCell() {
        return c.view((long) (steps & 1) * batch * hidden, batch, hidden);
    }

    private void ensureState(int n) {
        if (h0.length < n) {
            h0 = new float[n];
            c0 = new float[n];
        }
    }
}
