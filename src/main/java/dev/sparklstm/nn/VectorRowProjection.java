package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowProjection} with the Vector API for at most L outputs (L = vector length), in one of
 * two fixed orders:
 * <ul>
 *   <li>outputs as lanes: row r's logits are {@code sum_j x[r, j] * W[j, :]}, one fused
 *       multiply-add per input j in order, four rows at a time;</li>
 *   <li>dot products, for at most {@value #MAX_DOT_OUTPUTS} outputs and inputs a multiple of L:
 *       per row and group of four outputs, L partial sums over the inputs in steps of L (fused
 *       multiply-adds), then the L partial sums added in lane order. Workload B's output layer
 *       (3 outputs) spent 13 of 16 lanes on padding the other way: 3.1% of its inference.</li>
 * </ul>
 * No lane-wise reduction is used: its order may differ between the interpreter and compiled code,
 * and a row's logits must be the same bits wherever and whenever it is scored. W is copied at
 * every call (nIn * L floats at most), so parameter changes are seen.
 */
final class VectorRowProjection implements RowProjection {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Most outputs for which the dot-product order is used. */
    static final int MAX_DOT_OUTPUTS = 8;
    private final int inputs;
    private final int outputs;
    private final boolean dots;
    private final float[] weights;
    private final float[] lanes = new float[4 * S.length()];

    private VectorRowProjection(int inputs, int outputs) {
        this.inputs = inputs;
        this.outputs = outputs;
        dots = outputs <= MAX_DOT_OUTPUTS && inputs % S.length() == 0;
        // Dot products: W's columns one after another, padded to a multiple of four outputs.
        weights = new float[dots ? (outputs + 3) / 4 * 4 * inputs : inputs * S.length()];
    }

    /** The projection for this shape, or null when there are more outputs than vector lanes. */
    static VectorRowProjection forShape(int inputs, int outputs) {
        return outputs <= S.length() ? new VectorRowProjection(inputs, outputs) : null;
    }

    @Override
    public void project(ByteBuffer params, long wOff, ByteBuffer x, long xOffset, int xStride, int rows,
                        ByteBuffer logits) {
        if (dots) {
            projectByDots(params, wOff, x, xOffset, xStride, rows, logits);
            return;
        }
        int l = S.length();
        for (int j = 0; j < inputs; j++) {
            for (int k = 0; k < outputs; k++) {
                weights[j * l + k] = params.getFloat((int) (wOff + (long) k * inputs + j) << 2);
            }
        }
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int x0 = (int) (xOffset + (long) r * xStride) << 2;
            int x1 = x0 + (xStride << 2);
            int x2 = x1 + (xStride << 2);
            int x3 = x2 + (xStride << 2);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = 0; j < inputs; j++) {
                FloatVector w = FloatVector.fromArray(S, weights, j * l);
                a0 = w.fma(FloatVector.broadcast(S, x.getFloat(x0 + (j << 2))), a0);
                a1 = w.fma(FloatVector.broadcast(S, x.getFloat(x1 + (j << 2))), a1);
                a2 = w.fma(FloatVector.broadcast(S, x.getFloat(x2 + (j << 2))), a2);
                a3 = w.fma(FloatVector.broadcast(S, x.getFloat(x3 + (j << 2))), a3);
            }
            a0.intoArray(lanes, 0);
            a1.intoArray(lanes, l);
            a2.intoArray(lanes, 2 * l);
            a3.intoArray(lanes, 3 * l);
            store(logits, r, 4);
        }
        for (; r < rows; r++) {
            int x0 = (int) (xOffset + (long) r * xStride) << 2;
            FloatVector a = FloatVector.zero(S);
            for (int j = 0; j < inputs; j++) {
                a = FloatVector.fromArray(S, weights, j * l).fma(FloatVector.broadcast(S, x.getFloat(x0 + (j << 2))), a);
            }
            a.intoArray(lanes, 0);
            store(logits, r, 1);
        }
    }

    private void projectByDots(ByteBuffer params, long wOff, ByteBuffer x, long xOffset, int xStride, int rows,
                               ByteBuffer logits) {
        // W (j, k) at wOff + k*inputs + j: each column is contiguous.
        for (int i = 0; i < outputs * inputs; i++) {
            weights[i] = params.getFloat((int) (wOff + i) << 2);
        }
        for (int r = 0; r < rows; r++) {
            int x0 = (int) (xOffset + (long) r * xStride) << 2;
            for (int k = 0; k < outputs; k += 4) {
                fourDots(x, x0, k);
                for (int q = 0; q < 4 && k + q < outputs; q++) {
                    float sum = 0f;
                    for (int lane = q * S.length(); lane < (q + 1) * S.length(); lane++) {
                        sum += lanes[lane];
                    }
                    logits.putFloat((r * outputs + k + q) << 2, sum);
                }
            }
        }
    }

    /** Partial sums of outputs k..k+3 of the row at byte offset x0 into {@link #lanes} (L per output). */
    private void fourDots(ByteBuffer x, int x0, int k) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int w = k * inputs;
        for (int j = 0; j < inputs; j += S.length()) {
            FloatVector v = FloatVector.fromByteBuffer(S, x, x0 + (j << 2), ORDER);
            a0 = FloatVector.fromArray(S, weights, w + j).fma(v, a0);
            a1 = FloatVector.fromArray(S, weights, w + inputs + j).fma(v, a1);
            a2 = FloatVector.fromArray(S, weights, w + 2 * inputs + j).fma(v, a2);
            a3 = FloatVector.fromArray(S, weights, w + 3 * inputs + j).fma(v, a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, S.length());
        a2.intoArray(lanes, 2 * S.length());
        a3.intoArray(lanes, 3 * S.length());
    }

    /** Copies the first {@code outputs} lanes of {@code count} rows from {@link #lanes} to rows r.. of the logits. */
    private void store(ByteBuffer logits, int r, int count) {
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < outputs; k++) {
                logits.putFloat(((r + i) * outputs + k) << 2, lanes[i * S.length() + k]);
            }
        }
    }
}
