package dev.sparklstm.nn;

import java.nio.ByteBuffer;

/**
 * One inference step of a small float32 LSTM layer as a single pass: the pre-activations of a
 * few examples are accumulated in registers and the gate math is applied to them there, with no
 * GEMM call and no pre-activation buffer in between. For the small per-step products of narrow
 * layers ([batch x (nIn + H)] x [(nIn + H) x 4H] with H = 32) OpenBLAS reached about a fifth of
 * its large-matrix rate, packing both operands on every call (BENCHMARKS.md, issue 8); this keeps
 * the weights packed for the whole forward instead.
 *
 * <p>Made by {@link GateMath#lstmStep} for one layer shape; {@link #pack} lays out the weights,
 * {@link #step} runs one step in the row layout of {@link FloatLstmForward}. Not thread-safe (it
 * keeps a little scratch memory): one per layer forward.
 */
interface LstmStep {
    /** Floats {@link #pack} writes. */
    int packedLength();

    /**
     * Copies W [nIn, 4H], RW [H, 4H] and b ('f' order, DL4J's layout and gate order [g, f, o, i])
     * from {@code params} at those element offsets into {@code packed}, in this kernel's layout.
     */
    void pack(ByteBuffer params, long wOff, long rwOff, long bOff, float[] packed);

    /**
     * Step t of a layer: reads row {@code [x_t ; h_{t-1}]} of example e at float offset {@code
     * rowOff + e * width} of {@code xh} (width = nIn + H), writes h_t into the next step's rows
     * ({@code rowOff + (batch + e) * width + nIn}), reads the cell state at {@code cPrevOff + e *
     * H} of {@code c} and writes the new one at {@code cNextOff + e * H}. {@code rowMask} (or
     * null) scales h and c of example e by {@code rowMask[maskOff + e]}, as DL4J's LSTM does.
     */
    void step(ByteBuffer xh, int rowOff, int batch, float[] packed, ByteBuffer c, int cPrevOff, int cNextOff,
              float[] rowMask, int maskOff);
}
