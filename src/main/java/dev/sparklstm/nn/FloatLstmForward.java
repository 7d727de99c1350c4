package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inference-only forward of one float32 LSTM layer (for {@link FastForward} and {@link
 * FusedLstmLayer} outside training): the equations, parameters and gate order of {@link
 * FloatLstmKernel}, without what a backward pass needs, laid out for small shapes:
 * <ul>
 *   <li>Row {@code (t, e)} of the buffer {@code xh} holds {@code [x_t ; h_{t-1}]} of example e
 *       (width K = nIn + H), so each step is <em>one</em> GEMM {@code Z_t = [W; RW]^T xh_t} with
 *       K = nIn + H into a [4H, batch] block that the gate math reads while it is in cache. The
 *       training kernel's layout (one input projection over all steps, then a recurrent GEMM per
 *       step) spent half of workload A's inference in GEMMs with K = 8 and a [T*batch, 4H]
 *       buffer larger than the cache. With many inputs ({@link #PROJECT_MIN_INPUTS}) that layout
 *       is faster, and is used on blocks of steps whose pre-activations fit in 8 MB.</li>
 *   <li>The gate math writes h_t straight into row {@code (t+1, e)}, so the outputs are rows
 *       {@code t*batch + e} at {@link #outputRowsOffset()} with stride {@link #outputRowStride()};
 *       cell states alternate between two blocks.</li>
 *   <li>{@code [W; RW]} is copied from the parameters at every forward ((nIn + H) * 4H values,
 *       small next to the forward), so parameter changes are always seen.</li>
 *   <li>Where the gate math offers a single-pass step for the shape ({@link GateMath#lstmStep}:
 *       the Vector API with 16-float vectors and H a multiple of 16), each step is that instead
 *       of a GEMM plus gate math: 2.1-2.6x faster on workload A's layers and 1.3-1.5x on B's
 *       (LstmStepMicroBench, Zen 4). Same rows, same outputs within float rounding.</li>
 * </ul>
 * State: zero, carried from this layer's previous forward ({@link #carryState}), or given
 * ({@link #setState}). Not thread-safe; buffers only grow.
 */
final class FloatLstmForward {
    private static final DataType TYPE = DataType.FLOAT;
    /**
     * From this many inputs on, W^T x is computed for a block of steps at once and RW^T h per step
     * (two GEMMs, as the training kernel does): measured on workload B's shapes (batch 256, hidden
     * 256), 256 inputs ran 9% faster that way, while 8 and 32 inputs ran 1.0x and 1.45x faster stacked.
     */
    static final int PROJECT_MIN_INPUTS = 128;
    /** Pre-activations of at most this many floats (8 MB) per block of projected steps. */
    private static final int Z_BLOCK_FLOATS = 1 << 21;
    private final GateMath gates;
    private final int zBlockFloats;
    private final NativeBuffer xh = new NativeBuffer(TYPE);
    private final NativeBuffer weights = new NativeBuffer(TYPE);
    private final NativeBuffer z = new NativeBuffer(TYPE);
    private final NativeBuffer c = new NativeBuffer(TYPE);
    private final NativeBuffer tc = new NativeBuffer(TYPE);
    private float[] bias = new float[0];
    /** The single-pass step for the current shape (null: GEMM + gate math), made when the shape changes. */
    private LstmStep step;
    private float[] packed = new float[0];
    private int stepInputs = -1;
    private int stepHidden = -1;
    /** The initial state of the next forward when {@link #stateBatch} is not -1, [batch, hidden] each. */
    private float[] h0 = new float[0];
    private float[] c0 = new float[0];
    private int stateBatch = -1;
    private int batch;
    private int steps;
    private int inputs;
    private int hidden;

    FloatLstmForward(GateMath gates) {
        this(gates, Z_BLOCK_FLOATS);
    }

    /** With blocks of projected steps of at most {@code zBlockFloats} pre-activations (tests use small blocks). */
    FloatLstmForward(GateMath gates, int zBlockFloats) {
        this.gates = gates;
        this.zBlockFloats = zBlockFloats;
    }

    /**
     * Makes room for a forward of this shape and returns the buffer its input goes into, for
     * {@link #forward} with a null source: row t*batch+e at element {@code (t*batch+e) * (inputs
     * + hiddenSize)}, {@code inputs} values each.
     */
    NativeBuffer inputRows(int batchSize, int segmentSteps, int inputCount, int hiddenSize) {
        xh.ensure(((long) segmentSteps + 1) * batchSize * (inputCount + hiddenSize));
        return xh;
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
        ByteBuffer xb = xh.bytes();
        ByteBuffer cb = c.bytes();
        int width = inputs + hidden;
        int cLast = (steps & 1) * n;
        for (int e = 0; e < batch; e++) {
            int from = (steps * batch + e) * width + inputs;
            for (int j = 0; j < hidden; j++) {
                h0[e * hidden + j] = xb.getFloat((from + j) << 2);
                c0[e * hidden + j] = cb.getFloat((cLast + e * hidden + j) << 2);
            }
        }
        stateBatch = batch;
    }

    /** The next forward starts from {@code hPrev}, {@code cPrev} [batch, hidden] (any strides). */
    void setState(INDArray hPrev, INDArray cPrev) {
        int b = (int) hPrev.size(0);
        int width = (int) hPrev.size(1);
        ensureState(b * width);
        StridedFloats hs = new StridedFloats(hPrev);
        StridedFloats cs = new StridedFloats(cPrev);
        for (int e = 0; e < b; e++) {
            for (int j = 0; j < width; j++) {
                h0[e * width + j] = hs.get(e, j);
                c0[e * width + j] = cs.get(e, j);
            }
        }
        Reference.reachabilityFence(hs);
        Reference.reachabilityFence(cs);
        stateBatch = b;
    }

    /**
     * Runs the layer over {@code segmentSteps} steps: weights read from {@code params} at the
     * element offsets of W [nIn, 4H], RW [H, 4H] and b ('f' order, DL4J's layout); input rows
     * t*batch+e from {@code source} at {@code sourceOffset + row * sourceStride}, or, when {@code
     * source} is null, already in {@link #inputRows}. {@code rowMask} (by row, or null) scales h
     * and c at each step, as DL4J's LSTM does with a layer mask.
     */
    void forward(int batchSize, int segmentSteps, int inputCount, int hiddenSize, NativeBuffer params, long wOff,
                 long rwOff, long bOff, NativeBuffer source, long sourceOffset, int sourceStride, float[] rowMask) {
        boolean hasState = stateBatch >= 0;
        if (hasState && stateBatch != batchSize) {
            throw new IllegalStateException("LSTM forward: the initial state has batch size " + stateBatch
                    + ", the input " + batchSize);
        }
        if (inputCount != stepInputs || hiddenSize != stepHidden) {
            step = stepFor(inputCount, hiddenSize);
            stepInputs = inputCount;
            stepHidden = hiddenSize;
        }
        batch = batchSize;
        steps = segmentSteps;
        inputs = inputCount;
        hidden = hiddenSize;
        int width = inputs + hidden;
        int gates4 = 4 * hidden;
        int n = batch * hidden;
        inputRows(batch, steps, inputs, hidden);
        c.ensure(2L * n);
        ByteBuffer xb = xh.bytes();
        if (source != null) {
            ByteBuffer sb = source.bytes();
            for (int r = 0; r < steps * batch; r++) {
                xb.put(r * width << 2, sb, (int) (sourceOffset + (long) r * sourceStride) << 2, inputs << 2);
            }
        }
        ByteBuffer cb = c.bytes();
        for (int e = 0; e < batch; e++) {
            for (int j = 0; j < hidden; j++) {
                int k = e * hidden + j;
                xb.putFloat((e * width + inputs + j) << 2, hasState ? h0[k] : 0f);
                cb.putFloat(k << 2, hasState ? c0[k] : 0f);
            }
        }
        if (step != null) {
            step.pack(params.bytes(), wOff, rwOff, bOff, packed);
            for (int t = 0; t < steps; t++) {
                int cPrev = (t & 1) * n;
                step.step(xb, t * batch * width, batch, packed, cb, cPrev, n - cPrev, rowMask, t * batch);
            }
            return;
        }
        // GEMM + gate math: pre-activations for blocks of steps (one step unless projected), tanh(c).
        boolean project = inputs >= PROJECT_MIN_INPUTS;
        int block = project ? Math.max(1, Math.min(steps, zBlockFloats / (batch * gates4))) : 1;
        z.ensure((long) block * batch * gates4);
        tc.ensure(n);
        loadWeights(params, wOff, rwOff, bOff);
        for (int t0 = 0; t0 < steps; t0 += block) {
            int t1 = Math.min(steps, t0 + block);
            if (project) {
                // Many inputs: W^T x of the whole block is one large, efficient GEMM.
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, (t1 - t0) * batch, inputs, 1f,
                        weights.floatsAt(0), width, xh.floatsAt((long) t0 * batch * width), width, 0f, z.floatsAt(0),
                        gates4);
            }
            for (int t = t0; t < t1; t++) {
                int zt = (t - t0) * batch * gates4;
                if (project) {
                    cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, batch, hidden, 1f,
                            weights.floatsAt(inputs), width, xh.floatsAt((long) t * batch * width + inputs), width, 1f,
                            z.floatsAt(zt), gates4);
                } else {
                    cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, gates4, batch, width, 1f, weights.floatsAt(0),
                            width, xh.floatsAt((long) t * batch * width), width, 0f, z.floatsAt(0), gates4);
                }
                gateStep(t, zt, rowMask);
            }
        }
    }

    private LstmStep stepFor(int inputCount, int hiddenSize) {
        LstmStep made = gates.lstmStep(inputCount, hiddenSize);
        if (made != null && packed.length < made.packedLength()) {
            packed = new float[made.packedLength()];
        }
        return made;
    }

    /** The gate math of step t from the pre-activations at {@code zOff}: c and h (h into row (t+1, e) of xh). */
    private void gateStep(int t, int zOff, float[] rowMask) {
        int width = inputs + hidden;
        int gates4 = 4 * hidden;
        int n = batch * hidden;
        int cPrev = (t & 1) * n;
        int cNext = n - cPrev;
        ByteBuffer zb = z.bytes();
        ByteBuffer cb = c.bytes();
        ByteBuffer tcb = tc.bytes();
        ByteBuffer xb = xh.bytes();
        for (int e = 0; e < batch; e++) {
            int s = e * hidden;
            int hAt = ((t + 1) * batch + e) * width + inputs;
            gates.forwardRow(zb, zOff + e * gates4, bias, cb, cPrev + s, cb, cNext + s, tcb, s, xb, hAt, hidden);
            float m = rowMask == null ? 1f : rowMask[t * batch + e];
            if (m != 1f) {
                for (int j = 0; j < hidden; j++) {
                    xb.putFloat((hAt + j) << 2, xb.getFloat((hAt + j) << 2) * m);
                    cb.putFloat((cNext + s + j) << 2, cb.getFloat((cNext + s + j) << 2) * m);
                }
            }
        }
    }

    /** Copies W and RW into {@link #weights} as one [nIn + H, 4H] column-major matrix, and the bias. */
    private void loadWeights(NativeBuffer params, long wOff, long rwOff, long bOff) {
        int width = inputs + hidden;
        int gates4 = 4 * hidden;
        weights.ensure((long) width * gates4);
        ByteBuffer wb = weights.bytes();
        ByteBuffer pb = params.bytes();
        for (int k = 0; k < gates4; k++) {
            wb.put(k * width << 2, pb, (int) (wOff + (long) k * inputs) << 2, inputs << 2);
            wb.put((k * width + inputs) << 2, pb, (int) (rwOff + (long) k * hidden) << 2, hidden << 2);
        }
        if (bias.length != gates4) {
            bias = new float[gates4];
        }
        for (int k = 0; k < gates4; k++) {
            bias[k] = pb.getFloat((int) ((bOff + k) << 2));
        }
    }

    /** The outputs of the last forward: row t*batch+e at {@link #outputRowsOffset()} + row * {@link #outputRowStride()}. */
    NativeBuffer outputRows() {
        return xh;
    }

    /** Element offset of output row 0 (example 0 at step 0) in {@link #outputRows()}. */
    long outputRowsOffset() {
        return (long) batch * (inputs + hidden) + inputs;
    }

    /** Elements from one output row to the next. */
    int outputRowStride() {
        return inputs + hidden;
    }

    /** The output at the last step of the last forward, [batch, hidden] (a view of working memory: copy it). */
    INDArray lastOutput() {
        int width = inputs + hidden;
        return xh.view((long) steps * batch * width + inputs, new long[] {batch, hidden}, new long[] {width, 1});
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
