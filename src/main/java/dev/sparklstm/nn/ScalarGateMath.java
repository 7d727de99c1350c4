package dev.sparklstm.nn;

import java.nio.ByteBuffer;

/**
 * Plain-Java gate math, used where the Vector API is absent and as the reference for the
 * vectorized one. Transcendentals are computed in double from one {@code Math.exp} each
 * (tanh as {@code (1 - e) / (1 + e)} with {@code e = exp(-2|x|)}, accurate near 0 too).
 */
public final class ScalarGateMath implements GateMath {
    @Override
    public void forwardRow(ByteBuffer z, int zOff, float[] bias, ByteBuffer cPrev, int cPrevOff, ByteBuffer c,
                           int cOff, ByteBuffer tc, int tcOff, ByteBuffer h, int hOff, int hidden) {
        for (int j = 0; j < hidden; j++) {
            int zg = (zOff + j) << 2;
            int zf = zg + (hidden << 2);
            int zo = zf + (hidden << 2);
            int zi = zo + (hidden << 2);
            float g = tanh(z.getFloat(zg) + bias[j]);
            float f = sigmoid(z.getFloat(zf) + bias[hidden + j]);
            float o = sigmoid(z.getFloat(zo) + bias[2 * hidden + j]);
            float i = sigmoid(z.getFloat(zi) + bias[3 * hidden + j]);
            float cell = f * cPrev.getFloat((cPrevOff + j) << 2) + i * g;
            float t = tanh(cell);
            z.putFloat(zg, g);
            z.putFloat(zf, f);
            z.putFloat(zo, o);
            z.putFloat(zi, i);
            c.putFloat((cOff + j) << 2, cell);
            tc.putFloat((tcOff + j) << 2, t);
            h.putFloat((hOff + j) << 2, o * t);
        }
    }

    @Override
    public void backwardRow(ByteBuffer z, int zOff, ByteBuffer dh, int dhOff, float[] carry, int carryOff,
                            ByteBuffer cPrev, int cPrevOff, ByteBuffer tc, int tcOff, int hidden) {
        for (int j = 0; j < hidden; j++) {
            int zg = (zOff + j) << 2;
            int zf = zg + (hidden << 2);
            int zo = zf + (hidden << 2);
            int zi = zo + (hidden << 2);
            float g = z.getFloat(zg);
            float f = z.getFloat(zf);
            float o = z.getFloat(zo);
            float i = z.getFloat(zi);
            float d = dh.getFloat((dhOff + j) << 2);
            float t = tc.getFloat((tcOff + j) << 2);
            float dc = d * o * (1f - t * t) + carry[carryOff + j];
            z.putFloat(zg, dc * i * (1f - g * g));
            z.putFloat(zf, dc * cPrev.getFloat((cPrevOff + j) << 2) * f * (1f - f));
            z.putFloat(zo, d * t * o * (1f - o));
            z.putFloat(zi, dc * g * i * (1f - i));
            carry[carryOff + j] = dc * f;
        }
    }

    @Override
    public void addRows(ByteBuffer z, int rows, int width, float[] sums) {
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            for (int k = 0; k < width; k++) {
                sums[k] += z.getFloat((base + k) << 2);
            }
        }
    }

    @Override
    public void add(ByteBuffer sum, ByteBuffer add, int start, int length) {
        for (int i = start; i < start + length; i++) {
            sum.putFloat(i << 2, sum.getFloat(i << 2) + add.getFloat(i << 2));
        }
    }

    @Override
    public double sumOfSquares(ByteBuffer b, int start, int length) {
        double total = 0;
        float[] partial = new float[16];
        int i = start;
        for (; i + SQUARES_CHUNK <= start + length; i += SQUARES_CHUNK) {
            java.util.Arrays.fill(partial, 0f);
            for (int k = 0; k < SQUARES_CHUNK; k++) {
                float v = b.getFloat((i + k) << 2);
                partial[k & 15] = Math.fma(v, v, partial[k & 15]);
            }
            for (float p : partial) {
                total += p;
            }
        }
        return addSquares(b, i, start + length, total);
    }

    /**
     * {@code total} plus the squares of floats [from, to) of {@code b}, one by one in double: the
     * elements after the last whole chunk of {@link #sumOfSquares}, in both implementations.
     */
    static double addSquares(ByteBuffer b, int from, int to, double total) {
        double sum = total;
        for (int i = from; i < to; i++) {
            float v = b.getFloat(i << 2);
            sum += (double) v * v;
        }
        return sum;
    }

    @Override
    public void addScaled(ByteBuffer sum, ByteBuffer add, int start, int length, float factor) {
        for (int i = start; i < start + length; i++) {
            sum.putFloat(i << 2, sum.getFloat(i << 2) + factor * add.getFloat(i << 2));
        }
    }

    @Override
    public void scale(ByteBuffer b, int start, int length, float factor) {
        for (int i = start; i < start + length; i++) {
            b.putFloat(i << 2, b.getFloat(i << 2) * factor);
        }
    }

    @Override
    public void clamp(ByteBuffer b, int start, int length, float limit) {
        for (int i = start; i < start + length; i++) {
            b.putFloat(i << 2, Math.max(-limit, Math.min(limit, b.getFloat(i << 2))));
        }
    }

    @Override
    public void adam(ByteBuffer params, ByteBuffer grads, ByteBuffer more, ByteBuffer state, int start, int length,
                     int mAt, int vAt, float beta1, float beta2, float stepSize, float epsilon) {
        for (int i = 0; i < length; i++) {
            int gi = (start + i) << 2;
            float grad = more == null ? grads.getFloat(gi) : grads.getFloat(gi) + more.getFloat(gi);
            float m = beta1 * state.getFloat((mAt + i) << 2) + grad * (1f - beta1);
            float v = beta2 * state.getFloat((vAt + i) << 2) + grad * grad * (1f - beta2);
            state.putFloat((mAt + i) << 2, m);
            state.putFloat((vAt + i) << 2, v);
            float update = m * stepSize / ((float) Math.sqrt(v) + epsilon);
            params.putFloat(gi, params.getFloat(gi) - update);
        }
    }

    @Override
    public String name() {
        return "scalar";
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    static float tanh(float x) {
        double e = Math.exp(-2.0 * Math.abs((double) x));
        double t = (1.0 - e) / (1.0 + e);
        return (float) (x < 0 ? -t : t);
    }
}
