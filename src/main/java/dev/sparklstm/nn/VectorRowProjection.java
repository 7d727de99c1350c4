package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowProjection} with the Vector API for at most L outputs (L = vector length): the
 * outputs are the lanes; row r's logits are {@code sum_j x[r, j] * W[j, :]}, one fused
 * multiply-add per input j in order, four rows at a time. W is copied, padded to L lanes, at
 * every call (nIn * L floats), so parameter changes are seen.
 */
final class VectorRowProjection implements RowProjection {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private final int inputs;
    private final int outputs;
    private final float[] weights;
    private final float[] lanes = new float[4 * S.length()];

    private VectorRowProjection(int inputs, int outputs) {
        this.inputs = inputs;
        this.outputs = outputs;
        weights = new float[inputs * S.length()];
    }

    /** The projection for this shape, or null when there are more outputs than vector lanes. */
    static VectorRowProjection forShape(int inputs, int outputs) {
        return outputs <= S.length() ? new VectorRowProjection(inputs, outputs) : null;
    }

    @Override
    public void project(ByteBuffer params, long wOff, ByteBuffer x, long xOffset, int xStride, int rows,
                        ByteBuffer logits) {
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

    /** Copies the first {@code outputs} lanes of {@code count} rows from {@link #lanes} to rows r.. of the logits. */
    private void store(ByteBuffer logits, int r, int count) {
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < outputs; k++) {
                logits.putFloat(((r + i) * outputs + k) << 2, lanes[i * S.length() + k]);
            }
        }
    }
}
