package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Gate math with the Vector API ({@code jdk.incubator.vector}): the JVM's preferred species
 * (16 floats with AVX-512, 8 with AVX2), a scalar tail. Loaded only reflectively by
 * {@link GateMathProvider}, so JVMs without the module never link this class.
 *
 * <p>Exponentials come from {@link #exp}, built from additions, multiplications, fused
 * multiply-adds and bit operations only, each exactly rounded by IEEE 754 whether the JIT has
 * compiled the loop or not. The Vector API's own {@code EXP} and {@code TANH} are not: compiled,
 * they run Intel's SVML routines; interpreted, a per-lane {@code Math} fallback; the two differ in
 * the last bits, so the same training run gave different parameters from one JVM to the next,
 * depending on when the JIT stepped in (seen here: training losses 0.19 to 0.29 after two epochs
 * of the same seeded run).
 */
final class VectorGateMath implements GateMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    /** exp's input range: e^x stays a normal float (no overflow to infinity, no denormals). */
    static final float EXP_MIN = -87.3f;
    static final float EXP_MAX = 88.3f;
    static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding it rounds to an integer, held in the low mantissa bits. */
    static final float ROUND = 12582912f;
    /** ln 2 in two parts (Cephes): n * LN2_HI is exact for the n that occur. */
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    /** Cephes' expf polynomial for e^r on [-ln2/2, ln2/2]: 1 + r + r^2 (P0 r^5 + ... + P5). */
    static final float[] EXP_POLY = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
        1.6666665459e-1f, 5.0000001201e-1f};
    private static final ScalarGateMath SCALAR = new ScalarGateMath();
    private final boolean lstmSteps;

    /** With the single-pass {@link LstmStep} unless {@link #LSTM_STEP_PROPERTY} is {@code false}. */
    VectorGateMath() {
        this(Boolean.parseBoolean(System.getProperty(LSTM_STEP_PROPERTY, "true")));
    }

    /** With or without the single-pass {@link LstmStep} (tests and benchmarks compare both). */
    VectorGateMath(boolean lstmSteps) {
        this.lstmSteps = lstmSteps;
    }

    @Override
    public void forwardRow(ByteBuffer z, int zOff, float[] bias, ByteBuffer cPrev, int cPrevOff, ByteBuffer c,
                           int cOff, ByteBuffer tc, int tcOff, ByteBuffer h, int hOff, int hidden) {
        int bound = S.loopBound(hidden);
        int hb = hidden << 2;
        if (bound == hidden) {
            // Whole gate blocks ([g, f, o, i], each H long): tanh over g, sigmoid over f, o, i.
            tanhBlock(z, zOff << 2, bias, 0, hidden);
            sigmoidBlock(z, (zOff + hidden) << 2, bias, hidden, 3 * hidden);
            cellBlock(z, zOff << 2, hb, cPrev, cPrevOff << 2, c, cOff << 2, tc, tcOff << 2, h, hOff << 2);
            return;
        }
        for (int j = 0; j < bound; j += S.length()) {
            int zg = (zOff + j) << 2;
            activateGates(z, zg, hb, bias, j, hidden);
            updateCell(z, zg, hb, cPrev, (cPrevOff + j) << 2, c, (cOff + j) << 2, tc, (tcOff + j) << 2, h,
                    (hOff + j) << 2);
        }
        if (bound < hidden) {
            tailForward(z, zOff, bias, cPrev, cPrevOff, c, cOff, tc, tcOff, h, hOff, hidden, bound);
        }
    }

    /**
     * tanh of {@code n} pre-activations (a multiple of L) from byte offset {@code at} plus {@code
     * bias[b..]}, in place. With {@link #sigmoidBlock} and {@link #cellBlock}, the forward row of
     * a hidden size that is a multiple of L: loops with one exponential each, in methods of their
     * own. Training's forward ran its gate math at 2.3-2.8 ns per gate value with {@link
     * #activateGates} inlined into the row's loop (4 exponentials per iteration), 1.2 ns while that
     * loop was still C1-compiled around the C2-compiled parts (GateProbe, session 5).
     */
    private static void tanhBlock(ByteBuffer z, int at, float[] bias, int b, int n) {
        for (int j = 0; j < n; j += S.length()) {
            int p = at + (j << 2);
            tanh(FloatVector.fromByteBuffer(S, z, p, ORDER).add(FloatVector.fromArray(S, bias, b + j)))
                    .intoByteBuffer(z, p, ORDER);
        }
    }

    /** As {@link #tanhBlock} with the sigmoid. */
    private static void sigmoidBlock(ByteBuffer z, int at, float[] bias, int b, int n) {
        for (int j = 0; j < n; j += S.length()) {
            int p = at + (j << 2);
            sigmoid(FloatVector.fromByteBuffer(S, z, p, ORDER).add(FloatVector.fromArray(S, bias, b + j)))
                    .intoByteBuffer(z, p, ORDER);
        }
    }

    /** {@link #updateCell} over a whole row of activations at byte offset {@code zg} (byte offsets throughout). */
    private static void cellBlock(ByteBuffer z, int zg, int hb, ByteBuffer cPrev, int cPrevAt, ByteBuffer c, int cAt,
                                  ByteBuffer tc, int tcAt, ByteBuffer h, int hAt) {
        int step = S.length() << 2;
        for (int j = 0; j < hb; j += step) {
            updateCell(z, zg + j, hb, cPrev, cPrevAt + j, c, cAt + j, tc, tcAt + j, h, hAt + j);
        }
    }

    /**
     * Gate activations g = tanh, f, o, i = sigmoid of the pre-activations plus bias, in place, for
     * the L units at byte offset {@code zg}. A loop with one exponential, and a method of its own
     * (as {@link #updateCell}) taking no vector arguments: past a node count C2 stops inlining, and
     * a call it leaves boxes its vector arguments; with the five exponentials of a forward row in
     * one method three were left as calls, which cost the single-pass step ({@link VectorLstmStep})
     * a factor of 2 to 3.
     */
    private static void activateGates(ByteBuffer z, int zg, int hb, float[] bias, int j, int hidden) {
        for (int q = 0; q < 4; q++) {
            gate(q, FloatVector.fromByteBuffer(S, z, zg + q * hb, ORDER)
                    .add(FloatVector.fromArray(S, bias, q * hidden + j))).intoByteBuffer(z, zg + q * hb, ORDER);
        }
    }

    /** c = f cPrev + i g, tc = tanh(c), h = o tc from the activations at {@code zg} (byte offsets throughout). */
    private static void updateCell(ByteBuffer z, int zg, int hb, ByteBuffer cPrev, int cPrevAt, ByteBuffer c, int cAt,
                                   ByteBuffer tc, int tcAt, ByteBuffer h, int hAt) {
        FloatVector g = FloatVector.fromByteBuffer(S, z, zg, ORDER);
        FloatVector f = FloatVector.fromByteBuffer(S, z, zg + hb, ORDER);
        FloatVector o = FloatVector.fromByteBuffer(S, z, zg + 2 * hb, ORDER);
        FloatVector i = FloatVector.fromByteBuffer(S, z, zg + 3 * hb, ORDER);
        FloatVector cell = f.mul(FloatVector.fromByteBuffer(S, cPrev, cPrevAt, ORDER)).add(i.mul(g));
        FloatVector t = tanh(cell);
        cell.intoByteBuffer(c, cAt, ORDER);
        t.intoByteBuffer(tc, tcAt, ORDER);
        o.mul(t).intoByteBuffer(h, hAt, ORDER);
    }

    @Override
    public void backwardRow(ByteBuffer z, int zOff, ByteBuffer dh, int dhOff, float[] carry, int carryOff,
                            ByteBuffer cPrev, int cPrevOff, ByteBuffer tc, int tcOff, int hidden) {
        int bound = S.loopBound(hidden);
        int hb = hidden << 2;
        for (int j = 0; j < bound; j += S.length()) {
            int zg = (zOff + j) << 2;
            FloatVector g = FloatVector.fromByteBuffer(S, z, zg, ORDER);
            FloatVector f = FloatVector.fromByteBuffer(S, z, zg + hb, ORDER);
            FloatVector o = FloatVector.fromByteBuffer(S, z, zg + 2 * hb, ORDER);
            FloatVector i = FloatVector.fromByteBuffer(S, z, zg + 3 * hb, ORDER);
            FloatVector d = FloatVector.fromByteBuffer(S, dh, (dhOff + j) << 2, ORDER);
            FloatVector t = FloatVector.fromByteBuffer(S, tc, (tcOff + j) << 2, ORDER);
            FloatVector dc = d.mul(o).mul(t.mul(t).neg().add(1f)).add(FloatVector.fromArray(S, carry, carryOff + j));
            dc.mul(i).mul(g.mul(g).neg().add(1f)).intoByteBuffer(z, zg, ORDER);
            dc.mul(FloatVector.fromByteBuffer(S, cPrev, (cPrevOff + j) << 2, ORDER)).mul(f).mul(f.neg().add(1f))
                    .intoByteBuffer(z, zg + hb, ORDER);
            d.mul(t).mul(o).mul(o.neg().add(1f)).intoByteBuffer(z, zg + 2 * hb, ORDER);
            dc.mul(g).mul(i).mul(i.neg().add(1f)).intoByteBuffer(z, zg + 3 * hb, ORDER);
            dc.mul(f).intoArray(carry, carryOff + j);
        }
        if (bound < hidden) {
            tailBackward(z, zOff, dh, dhOff, carry, carryOff, cPrev, cPrevOff, tc, tcOff, hidden, bound);
        }
    }

    @Override
    public void addRows(ByteBuffer z, int rows, int width, float[] sums) {
        int bound = S.loopBound(width);
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            for (int k = 0; k < bound; k += S.length()) {
                FloatVector.fromArray(S, sums, k).add(FloatVector.fromByteBuffer(S, z, (base + k) << 2, ORDER))
                        .intoArray(sums, k);
            }
            for (int k = bound; k < width; k++) {
                sums[k] += z.getFloat((base + k) << 2);
            }
        }
    }

    @Override
    public void add(ByteBuffer sum, ByteBuffer add, int start, int length) {
        int bound = S.loopBound(length);
        for (int i = 0; i < bound; i += S.length()) {
            int at = (start + i) << 2;
            FloatVector.fromByteBuffer(S, sum, at, ORDER).add(FloatVector.fromByteBuffer(S, add, at, ORDER))
                    .intoByteBuffer(sum, at, ORDER);
        }
        SCALAR.add(sum, add, start + bound, length - bound);
    }

    @Override
    public double sumOfSquares(ByteBuffer b, int start, int length) {
        if (S.length() != 16) {
            return SCALAR.sumOfSquares(b, start, length);
        }
        double total = 0;
        float[] partial = new float[16];
        int i = start;
        for (; i + SQUARES_CHUNK <= start + length; i += SQUARES_CHUNK) {
            FloatVector sum = FloatVector.zero(S);
            for (int k = 0; k < SQUARES_CHUNK; k += 16) {
                FloatVector v = FloatVector.fromByteBuffer(S, b, (i + k) << 2, ORDER);
                sum = v.fma(v, sum);
            }
            sum.intoArray(partial, 0);
            for (float p : partial) {
                total += p;
            }
        }
        return ScalarGateMath.addSquares(b, i, start + length, total);
    }

    @Override
    public void addScaled(ByteBuffer sum, ByteBuffer add, int start, int length, float factor) {
        int bound = S.loopBound(length);
        for (int i = 0; i < bound; i += S.length()) {
            int at = (start + i) << 2;
            FloatVector.fromByteBuffer(S, sum, at, ORDER).add(FloatVector.fromByteBuffer(S, add, at, ORDER).mul(factor))
                    .intoByteBuffer(sum, at, ORDER);
        }
        SCALAR.addScaled(sum, add, start + bound, length - bound, factor);
    }

    @Override
    public void scale(ByteBuffer b, int start, int length, float factor) {
        int bound = S.loopBound(length);
        for (int i = 0; i < bound; i += S.length()) {
            int at = (start + i) << 2;
            FloatVector.fromByteBuffer(S, b, at, ORDER).mul(factor).intoByteBuffer(b, at, ORDER);
        }
        SCALAR.scale(b, start + bound, length - bound, factor);
    }

    @Override
    public void clamp(ByteBuffer b, int start, int length, float limit) {
        int bound = S.loopBound(length);
        for (int i = 0; i < bound; i += S.length()) {
            int at = (start + i) << 2;
            FloatVector.fromByteBuffer(S, b, at, ORDER).min(limit).max(-limit).intoByteBuffer(b, at, ORDER);
        }
        SCALAR.clamp(b, start + bound, length - bound, limit);
    }

    @Override
    public void adam(ByteBuffer params, ByteBuffer grads, ByteBuffer more, ByteBuffer state, int start, int length,
                     int mAt, int vAt, float beta1, float beta2, float stepSize, float epsilon) {
        int bound = S.loopBound(length);
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int i = 0; i < bound; i += S.length()) {
            int gi = (start + i) << 2;
            int mi = (mAt + i) << 2;
            int vi = (vAt + i) << 2;
            FloatVector grad = FloatVector.fromByteBuffer(S, grads, gi, ORDER);
            if (more != null) {
                grad = grad.add(FloatVector.fromByteBuffer(S, more, gi, ORDER));
            }
            // Same operations in the same order as the scalar loop (no fused multiply-add).
            FloatVector m = FloatVector.fromByteBuffer(S, state, mi, ORDER).mul(beta1).add(grad.mul(oneMinusBeta1));
            FloatVector v = FloatVector.fromByteBuffer(S, state, vi, ORDER).mul(beta2)
                    .add(grad.mul(grad).mul(oneMinusBeta2));
            m.intoByteBuffer(state, mi, ORDER);
            v.intoByteBuffer(state, vi, ORDER);
            FloatVector update = m.mul(stepSize).div(v.lanewise(VectorOperators.SQRT).add(epsilon));
            FloatVector.fromByteBuffer(S, params, gi, ORDER).sub(update).intoByteBuffer(params, gi, ORDER);
        }
        if (bound < length) {
            SCALAR.adam(params, grads, more, state, start + bound, length - bound, mAt + bound, vAt + bound, beta1, beta2,
                    stepSize, epsilon);
        }
    }

    @Override
    public LstmStep lstmStep(int inputs, int hidden) {
        return lstmSteps ? VectorLstmStep.forShape(inputs, hidden) : null;
    }

    @Override
    public RowProduct rowProduct(int width) {
        return lstmSteps ? VectorRowProduct.forWidth(width) : null;
    }

    @Override
    public RowProjection rowProjection(int inputs, int outputs) {
        return lstmSteps ? VectorRowProjection.forShape(inputs, outputs) : null;
    }

    @Override
    public String name() {
        return "vector(" + S.length() + " floats)";
    }

    /**
     * The activation of gate block q ([g, f, o, i]): {@link #tanh} for g, {@link #sigmoid} for the
     * others, written with one exponential so a loop over the four blocks inlines one (see {@link
     * #activateGates}); the same operations as those two, so the same bits.
     */
    static FloatVector gate(int q, FloatVector x) {
        FloatVector e = exp(q == 0 ? x.mul(-2f) : x.neg());
        return q == 0 ? ONE.sub(e).div(ONE.add(e)) : ONE.div(e.add(1f));
    }

    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(1f));
    }

    /** (1 - e) / (1 + e) with e = exp(-2x); absolute error about 1e-7 (cancellation near 0). */
    static FloatVector tanh(FloatVector x) {
        FloatVector e = exp(x.mul(-2f));
        return ONE.sub(e).div(ONE.add(e));
    }

    /**
     * e^x per lane, within 2 ulp for x in [{@value #EXP_MIN}, {@value #EXP_MAX}] (inputs outside
     * are clamped): x = n ln2 + r with n an integer and |r| <= ln2/2, e^r by Cephes' polynomial,
     * 2^n written straight into the exponent bits.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = clamped.fma(LOG2E, ROUND);
        FloatVector n = shifted.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), clamped);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(EXP_POLY[0], EXP_POLY[1]);
        for (int k = 2; k < EXP_POLY.length; k++) {
            p = p.fma(r, FloatVector.broadcast(S, EXP_POLY[k]));
        }
        FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
        // The low bits of shifted hold n (its float ulp is 1); n << 23 plus the bias is 2^n.
        FloatVector scale = shifted.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(127 << 23)
                .reinterpretAsFloats();
        return er.mul(scale);
    }

    /** Units {@code from..hidden} with the scalar formulas (same offsets, shifted by {@code from}). */
    private static void tailForward(ByteBuffer z, int zOff, float[] bias, ByteBuffer cPrev, int cPrevOff, ByteBuffer c,
                             int cOff, ByteBuffer tc, int tcOff, ByteBuffer h, int hOff, int hidden, int from) {
        for (int j = from; j < hidden; j++) {
            int zg = (zOff + j) << 2;
            int hb = hidden << 2;
            float g = ScalarGateMath.tanh(z.getFloat(zg) + bias[j]);
            float f = ScalarGateMath.sigmoid(z.getFloat(zg + hb) + bias[hidden + j]);
            float o = ScalarGateMath.sigmoid(z.getFloat(zg + 2 * hb) + bias[2 * hidden + j]);
            float i = ScalarGateMath.sigmoid(z.getFloat(zg + 3 * hb) + bias[3 * hidden + j]);
            float cell = f * cPrev.getFloat((cPrevOff + j) << 2) + i * g;
            float t = ScalarGateMath.tanh(cell);
            z.putFloat(zg, g);
            z.putFloat(zg + hb, f);
            z.putFloat(zg + 2 * hb, o);
            z.putFloat(zg + 3 * hb, i);
            c.putFloat((cOff + j) << 2, cell);
            tc.putFloat((tcOff + j) << 2, t);
            h.putFloat((hOff + j) << 2, o * t);
        }
    }

    private static void tailBackward(ByteBuffer z, int zOff, ByteBuffer dh, int dhOff, float[] carry, int carryOff,
                              ByteBuffer cPrev, int cPrevOff, ByteBuffer tc, int tcOff, int hidden, int from) {
        for (int j = from; j < hidden; j++) {
            int zg = (zOff + j) << 2;
            int hb = hidden << 2;
            float g = z.getFloat(zg);
            float f = z.getFloat(zg + hb);
            float o = z.getFloat(zg + 2 * hb);
            float i = z.getFloat(zg + 3 * hb);
            float d = dh.getFloat((dhOff + j) << 2);
            float t = tc.getFloat((tcOff + j) << 2);
            float dc = d * o * (1f - t * t) + carry[carryOff + j];
            z.putFloat(zg, dc * i * (1f - g * g));
            z.putFloat(zg + hb, dc * cPrev.getFloat((cPrevOff + j) << 2) * f * (1f - f));
            z.putFloat(zg + 2 * hb, d * t * o * (1f - o));
            z.putFloat(zg + 3 * hb, dc * g * i * (1f - i));
            carry[carryOff + j] = dc * f;
        }
    }
}
