package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LstmStep} with the Vector API, for layers whose hidden size is a multiple of the vector
 * length L (16 floats with AVX-512, 8 with AVX2). The hidden units are taken L at a time (a
 * "chunk"); for a chunk, the packed weights hold, for each of the K = nIn + H inputs in turn, the
 * L weights of each gate [g, f, o, i]: 4 vectors. So the four accumulators of one example and
 * chunk are exactly g, f, o and i of L units, and the gate math runs on them in registers as soon
 * as the K inputs are summed. Four examples go together (16 accumulators plus 4 weight vectors fit
 * AVX-512's 32 registers): each weight vector loaded serves four fused multiply-adds.
 *
 * <p>Sums run over k = 0..K-1 in order, from the bias, so the result does not depend on the batch
 * (unlike a BLAS, whose blocking follows the shape): the same example gives the same bits in any
 * batch. Gate functions are {@link VectorGateMath}'s.
 */
final class VectorLstmStep implements LstmStep {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private final int inputs;
    private final int hidden;
    private final int width;
    /** The pre-activations of four examples and one chunk between the sums and the gate math. */
    private final float[] sums = new float[16 * S.length()];

    private VectorLstmStep(int inputs, int hidden) {
        this.inputs = inputs;
        this.hidden = hidden;
        this.width = inputs + hidden;
    }

    /**
     * The step for this shape, or null when the vectors are shorter than 16 floats or the hidden
     * size is not a multiple of their length. With AVX2's 8-float vectors and 16 registers the
     * 16 accumulators spill, and the step ran at 0.63-1.02x of GEMM + gate math (LstmStepMicroBench
     * under -XX:UseAVX=2 on a Zen 4; 1.35-2.6x with AVX-512).
     */
    static VectorLstmStep forShape(int inputs, int hidden) {
        return S.length() >= 16 && hidden % S.length() == 0 ? new VectorLstmStep(inputs, hidden) : null;
    }

    @Override
    public int packedLength() {
        return (width + 1) * 4 * hidden;
    }

    @Override
    public void pack(ByteBuffer params, long wOff, long rwOff, long bOff, float[] packed) {
        int lanes = S.length();
        for (int chunk = 0; chunk < hidden / lanes; chunk++) {
            for (int gate = 0; gate < 4; gate++) {
                for (int l = 0; l < lanes; l++) {
                    int column = gate * hidden + chunk * lanes + l;
                    int to = (chunk * width * 4 + gate) * lanes + l;
                    for (int k = 0; k < inputs; k++) {
                        packed[to + k * 4 * lanes] = params.getFloat((int) (wOff + (long) column * inputs + k) << 2);
                    }
                    for (int k = 0; k < hidden; k++) {
                        packed[to + (inputs + k) * 4 * lanes] =
                                params.getFloat((int) (rwOff + (long) column * hidden + k) << 2);
                    }
                    packed[biasAt(chunk) + gate * lanes + l] = params.getFloat((int) (bOff + column) << 2);
                }
            }
        }
    }

    private int biasAt(int chunk) {
        return width * 4 * hidden + chunk * 4 * S.length();
    }

    @Override
    public void step(ByteBuffer xh, int rowOff, int batch, float[] packed, ByteBuffer c, int cPrevOff, int cNextOff,
                     float[] rowMask, int maskOff) {
        int e = 0;
        for (; e + 4 <= batch; e += 4) {
            fourExamples(xh, rowOff, batch, e, packed, c, cPrevOff, cNextOff, rowMask, maskOff);
        }
        for (; e < batch; e++) {
            oneExample(xh, rowOff, batch, e, packed, c, cPrevOff, cNextOff, rowMask, maskOff);
        }
    }

    private void fourExamples(ByteBuffer xh, int rowOff, int batch, int e, float[] packed, ByteBuffer c,
                              int cPrevOff, int cNextOff, float[] rowMask, int maskOff) {
        int lanes = S.length();
        int x0 = (rowOff + e * width) << 2;
        int x1 = x0 + (width << 2);
        int x2 = x1 + (width << 2);
        int x3 = x2 + (width << 2);
        for (int chunk = 0; chunk < hidden / lanes; chunk++) {
            int b = biasAt(chunk);
            FloatVector bg = FloatVector.fromArray(S, packed, b);
            FloatVector bf = FloatVector.fromArray(S, packed, b + lanes);
            FloatVector bo = FloatVector.fromArray(S, packed, b + 2 * lanes);
            FloatVector bi = FloatVector.fromArray(S, packed, b + 3 * lanes);
            FloatVector g0 = bg;
            FloatVector f0 = bf;
            FloatVector o0 = bo;
            FloatVector i0 = bi;
            FloatVector g1 = bg;
            FloatVector f1 = bf;
            FloatVector o1 = bo;
            FloatVector i1 = bi;
            FloatVector g2 = bg;
            FloatVector f2 = bf;
            FloatVector o2 = bo;
            FloatVector i2 = bi;
            FloatVector g3 = bg;
            FloatVector f3 = bf;
            FloatVector o3 = bo;
            FloatVector i3 = bi;
            int w = chunk * width * 4 * lanes;
            for (int k = 0; k < width; k++, w += 4 * lanes) {
                FloatVector wg = FloatVector.fromArray(S, packed, w);
                FloatVector wf = FloatVector.fromArray(S, packed, w + lanes);
                FloatVector wo = FloatVector.fromArray(S, packed, w + 2 * lanes);
                FloatVector wi = FloatVector.fromArray(S, packed, w + 3 * lanes);
                FloatVector x = FloatVector.broadcast(S, xh.getFloat(x0 + (k << 2)));
                g0 = wg.fma(x, g0);
                f0 = wf.fma(x, f0);
                o0 = wo.fma(x, o0);
                i0 = wi.fma(x, i0);
                x = FloatVector.broadcast(S, xh.getFloat(x1 + (k << 2)));
                g1 = wg.fma(x, g1);
                f1 = wf.fma(x, f1);
                o1 = wo.fma(x, o1);
                i1 = wi.fma(x, i1);
                x = FloatVector.broadcast(S, xh.getFloat(x2 + (k << 2)));
                g2 = wg.fma(x, g2);
                f2 = wf.fma(x, f2);
                o2 = wo.fma(x, o2);
                i2 = wi.fma(x, i2);
                x = FloatVector.broadcast(S, xh.getFloat(x3 + (k << 2)));
                g3 = wg.fma(x, g3);
                f3 = wf.fma(x, f3);
                o3 = wo.fma(x, o3);
                i3 = wi.fma(x, i3);
            }
            g0.intoArray(sums, 0);
            f0.intoArray(sums, lanes);
            o0.intoArray(sums, 2 * lanes);
            i0.intoArray(sums, 3 * lanes);
            g1.intoArray(sums, 4 * lanes);
            f1.intoArray(sums, 5 * lanes);
            o1.intoArray(sums, 6 * lanes);
            i1.intoArray(sums, 7 * lanes);
            g2.intoArray(sums, 8 * lanes);
            f2.intoArray(sums, 9 * lanes);
            o2.intoArray(sums, 10 * lanes);
            i2.intoArray(sums, 11 * lanes);
            g3.intoArray(sums, 12 * lanes);
            f3.intoArray(sums, 13 * lanes);
            o3.intoArray(sums, 14 * lanes);
            i3.intoArray(sums, 15 * lanes);
            gates(sums, 4, xh, rowOff, batch, e, chunk * lanes, c, cPrevOff, cNextOff, rowMask, maskOff);
        }
    }

    private void oneExample(ByteBuffer xh, int rowOff, int batch, int e, float[] packed, ByteBuffer c,
                            int cPrevOff, int cNextOff, float[] rowMask, int maskOff) {
        int lanes = S.length();
        int x0 = (rowOff + e * width) << 2;
        for (int chunk = 0; chunk < hidden / lanes; chunk++) {
            int b = biasAt(chunk);
            FloatVector g = FloatVector.fromArray(S, packed, b);
            FloatVector f = FloatVector.fromArray(S, packed, b + lanes);
            FloatVector o = FloatVector.fromArray(S, packed, b + 2 * lanes);
            FloatVector i = FloatVector.fromArray(S, packed, b + 3 * lanes);
            int w = chunk * width * 4 * lanes;
            for (int k = 0; k < width; k++, w += 4 * lanes) {
                FloatVector x = FloatVector.broadcast(S, xh.getFloat(x0 + (k << 2)));
                g = FloatVector.fromArray(S, packed, w).fma(x, g);
                f = FloatVector.fromArray(S, packed, w + lanes).fma(x, f);
                o = FloatVector.fromArray(S, packed, w + 2 * lanes).fma(x, o);
                i = FloatVector.fromArray(S, packed, w + 3 * lanes).fma(x, i);
            }
            g.intoArray(sums, 0);
            f.intoArray(sums, lanes);
            o.intoArray(sums, 2 * lanes);
            i.intoArray(sums, 3 * lanes);
            gates(sums, 1, xh, rowOff, batch, e, chunk * lanes, c, cPrevOff, cNextOff, rowMask, maskOff);
        }
    }

    /**
     * The gate math of examples e0..e0+rows-1, units j..j+L-1, from their pre-activations g, f, o,
     * i at {@code sums[4 L r..]} for example e0 + r. Vectors go through the array, not as
     * arguments, and the gate functions are one loop with one exponential (and the cell update a
     * method with one more): C2 stops inlining a method's calls past a node count, and each call
     * it does not inline boxes its vector arguments; with five inlined exponentials (one per gate
     * and tanh(c)) in one method three were left as calls, which made the step 3x slower.
     */
    private void gates(float[] sums, int rows, ByteBuffer xh, int rowOff, int batch, int e0, int j, ByteBuffer c,
                       int cPrevOff, int cNextOff, float[] rowMask, int maskOff) {
        int lanes = S.length();
        tanhG(sums, rows);
        sigmoidFoi(sums, rows);
        for (int r = 0; r < rows; r++) {
            cell(sums, r * 4 * lanes, xh, rowOff, batch, e0 + r, j, c, cPrevOff, cNextOff, rowMask, maskOff);
        }
    }

    /** g = tanh of each row's first vector in {@code sums} (rows of g, f, o, i vectors), in place. */
    private static void tanhG(float[] sums, int rows) {
        int lanes = S.length();
        for (int r = 0; r < rows; r++) {
            VectorGateMath.tanh(FloatVector.fromArray(S, sums, 4 * r * lanes)).intoArray(sums, 4 * r * lanes);
        }
    }

    /** f, o, i = sigmoid of each row's other three vectors in {@code sums}, in place. */
    private static void sigmoidFoi(float[] sums, int rows) {
        int lanes = S.length();
        for (int r = 0; r < rows; r++) {
            for (int q = 1; q < 4; q++) {
                int at = (4 * r + q) * lanes;
                VectorGateMath.sigmoid(FloatVector.fromArray(S, sums, at)).intoArray(sums, at);
            }
        }
    }

    /** c = f cPrev + i g and h = o tanh(c) of example e from its gate activations at {@code sums[at..]}, masked. */
    private void cell(float[] sums, int at, ByteBuffer xh, int rowOff, int batch, int e, int j, ByteBuffer c,
                      int cPrevOff, int cNextOff, float[] rowMask, int maskOff) {
        int lanes = S.length();
        FloatVector g = FloatVector.fromArray(S, sums, at);
        FloatVector f = FloatVector.fromArray(S, sums, at + lanes);
        FloatVector o = FloatVector.fromArray(S, sums, at + 2 * lanes);
        FloatVector i = FloatVector.fromArray(S, sums, at + 3 * lanes);
        int s = e * hidden + j;
        FloatVector cell = f.mul(FloatVector.fromByteBuffer(S, c, (cPrevOff + s) << 2, ORDER)).add(i.mul(g));
        FloatVector h = o.mul(VectorGateMath.tanh(cell));
        float m = rowMask == null ? 1f : rowMask[maskOff + e];
        if (m != 1f) {
            h = h.mul(m);
            cell = cell.mul(m);
        }
        cell.intoByteBuffer(c, (cNextOff + s) << 2, ORDER);
        h.intoByteBuffer(xh, (rowOff + (batch + e) * width + inputs + j) << 2, ORDER);
    }
}
