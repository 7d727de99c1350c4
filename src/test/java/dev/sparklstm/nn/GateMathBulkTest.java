package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bulk loops of {@link GateMath} (bias-gradient row sums, the lanes' gradient sum, clipping,
 * L2, Adam): the vector path gives the same bits as the scalar one (same operations in the same
 * order), and the scalar one matches the formulas written out in double. Lengths leave a scalar tail after the vector loop, and offsets
 * are not multiples of the vector length, as in a network's flat views.
 */
class GateMathBulkTest {
    private static final int ROWS = 7;
    private static final int WIDTH = 4 * 37;

    @Test
    void addRowsVectorEqualsScalarAndTheSum() {
        GateMath vector = GateMathProvider.vectorOrNull();
        assertNotNull(vector, "surefire's argLine adds jdk.incubator.vector");
        Random random = new Random(3);
        ByteBuffer z = buffer(ROWS * WIDTH);
        for (int k = 0; k < ROWS * WIDTH; k++) {
            z.putFloat(k << 2, (float) random.nextGaussian());
        }
        float[] scalarSums = new float[WIDTH];
        float[] vectorSums = new float[WIDTH];
        scalarSums[5] = 2f;   // adds to what is there
        vectorSums[5] = 2f;
        new ScalarGateMath().addRows(z, ROWS, WIDTH, scalarSums);
        vector.addRows(z, ROWS, WIDTH, vectorSums);
        for (int k = 0; k < WIDTH; k++) {
            double expected = k == 5 ? 2 : 0;
            for (int r = 0; r < ROWS; r++) {
                expected += z.getFloat((r * WIDTH + k) << 2);
            }
            assertEquals(expected, scalarSums[k], 1e-5, "sum " + k);
            assertEquals(Float.floatToIntBits(scalarSums[k]), Float.floatToIntBits(vectorSums[k]), "bits of sum " + k);
        }
    }

    @Test
    void addAddsTheRangeOnlyInBothPaths() {
        Random random = new Random(5);
        for (GateMath math : new GateMath[] {new ScalarGateMath(), GateMathProvider.vectorOrNull()}) {
            ByteBuffer sum = buffer(60);
            ByteBuffer add = buffer(60);
            float[] before = new float[60];
            for (int i = 0; i < 60; i++) {
                before[i] = (float) random.nextGaussian();
                sum.putFloat(i << 2, before[i]);
                add.putFloat(i << 2, (float) random.nextGaussian());
            }
            math.add(sum, add, 3, 53);
            for (int i = 0; i < 60; i++) {
                float expected = i >= 3 && i < 56 ? before[i] + add.getFloat(i << 2) : before[i];
                assertEquals(expected, sum.getFloat(i << 2), 0f, math.name() + " element " + i);
            }
        }
    }

    @Test
    void adamVectorEqualsScalarAndTheFormula() {
        GateMath vector = GateMathProvider.vectorOrNull();
        assertNotNull(vector);
        int length = 101;
        int start = 3;
        int mAt = 11;
        int vAt = mAt + length;
        Random random = new Random(4);
        ByteBuffer params = buffer(start + length + 2);
        ByteBuffer grads = buffer(start + length + 2);
        ByteBuffer state = buffer(vAt + length);
        for (int i = 0; i < start + length + 2; i++) {
            params.putFloat(i << 2, (float) random.nextGaussian());
            grads.putFloat(i << 2, (float) (random.nextGaussian() * 0.1));
        }
        for (int i = 0; i < length; i++) {
            state.putFloat((mAt + i) << 2, (float) (random.nextGaussian() * 0.01));
            state.putFloat((vAt + i) << 2, (float) (random.nextDouble() * 1e-3));
        }
        ByteBuffer p2 = copy(params);
        ByteBuffer s2 = copy(state);
        ByteBuffer p0 = copy(params);
        ByteBuffer s0 = copy(state);
        float beta1 = 0.9f;
        float beta2 = 0.999f;
        float stepSize = 1e-3f;
        float epsilon = 1e-8f;
        new ScalarGateMath().adam(params, grads, null, state, start, length, mAt, vAt, beta1, beta2, stepSize, epsilon);
        vector.adam(p2, grads, null, s2, start, length, mAt, vAt, beta1, beta2, stepSize, epsilon);
        for (int i = 0; i < start + length + 2; i++) {
            assertEquals(Float.floatToIntBits(params.getFloat(i << 2)), Float.floatToIntBits(p2.getFloat(i << 2)),
                    "bits of param " + i);
        }
        for (int i = 0; i < vAt + length; i++) {
            assertEquals(Float.floatToIntBits(state.getFloat(i << 2)), Float.floatToIntBits(s2.getFloat(i << 2)),
                    "bits of state " + i);
        }
        for (int i = 0; i < length; i++) {
            double g = grads.getFloat((start + i) << 2);
            double m = beta1 * (double) s0.getFloat((mAt + i) << 2) + (1 - beta1) * g;
            double v = beta2 * (double) s0.getFloat((vAt + i) << 2) + (1 - beta2) * g * g;
            double p = p0.getFloat((start + i) << 2) - m * stepSize / (Math.sqrt(v) + epsilon);
            assertEquals(m, state.getFloat((mAt + i) << 2), 1e-8, "m " + i);
            assertEquals(v, state.getFloat((vAt + i) << 2), 1e-9, "v " + i);
            assertEquals(p, params.getFloat((start + i) << 2), 1e-6, "param " + i);
        }
        // Outside the range nothing moves.
        assertEquals(p0.getFloat(0), params.getFloat(0));
        assertEquals(p0.getFloat((start + length) << 2), params.getFloat((start + length) << 2));
    }

    /** Adam on the sum of two gradients gives the bits of adding them first, then Adam (both paths). */
    @Test
    void adamOnTwoGradientsEqualsAddingThemFirst() {
        GateMath vector = GateMathProvider.vectorOrNull();
        assertNotNull(vector);
        int length = 77;
        int start = 5;
        int mAt = 2;
        int vAt = mAt + length;
        Random random = new Random(8);
        ByteBuffer params = buffer(start + length);
        ByteBuffer grads = buffer(start + length);
        ByteBuffer more = buffer(start + length);
        ByteBuffer state = buffer(vAt + length);
        for (int i = 0; i < start + length; i++) {
            params.putFloat(i << 2, (float) random.nextGaussian());
            grads.putFloat(i << 2, (float) (random.nextGaussian() * 0.1));
            more.putFloat(i << 2, (float) (random.nextGaussian() * 0.1));
        }
        for (int i = 0; i < 2 * length; i++) {
            state.putFloat((mAt + i) << 2, (float) (random.nextDouble() * 1e-3));
        }
        for (GateMath math : List.of(new ScalarGateMath(), vector)) {
            ByteBuffer summed = copy(grads);
            math.add(summed, more, start, length);
            ByteBuffer p1 = copy(params);
            ByteBuffer s1 = copy(state);
            math.adam(p1, summed, null, s1, start, length, mAt, vAt, 0.9f, 0.999f, 1e-2f, 1e-8f);
            ByteBuffer p2 = copy(params);
            ByteBuffer s2 = copy(state);
            math.adam(p2, grads, more, s2, start, length, mAt, vAt, 0.9f, 0.999f, 1e-2f, 1e-8f);
            for (int i = 0; i < start + length; i++) {
                assertEquals(Float.floatToIntBits(p1.getFloat(i << 2)), Float.floatToIntBits(p2.getFloat(i << 2)),
                        math.name() + " bits of param " + i);
            }
            for (int i = 0; i < vAt + length; i++) {
                assertEquals(Float.floatToIntBits(s1.getFloat(i << 2)), Float.floatToIntBits(s2.getFloat(i << 2)),
                        math.name() + " bits of state " + i);
            }
            assertNotEquals(params.getFloat(start << 2), p2.getFloat(start << 2), "the update moved the parameter");
        }
    }

    /**
     * The clipping and L2 loops: the sum of squares over two whole chunks and a tail (from an odd
     * offset) is the same bits in both paths and the double sum within float rounding; scaling,
     * clamping and adding a multiple touch the range only, with the same bits in both paths.
     */
    @Test
    void clippingLoopsVectorEqualsScalarAndTheFormulas() {
        GateMath vector = GateMathProvider.vectorOrNull();
        assertNotNull(vector, "surefire's argLine adds jdk.incubator.vector");
        GateMath scalar = new ScalarGateMath();
        int start = 3;
        int length = 2 * GateMath.SQUARES_CHUNK + 45;
        int total = start + length + 5;
        Random random = new Random(9);
        ByteBuffer g = buffer(total);
        for (int i = 0; i < total; i++) {
            g.putFloat(i << 2, (float) (random.nextGaussian() * (i % 7 == 0 ? 30 : 1)));
        }
        double expected = 0;
        for (int i = start; i < start + length; i++) {
            expected += (double) g.getFloat(i << 2) * g.getFloat(i << 2);
        }
        double scalarSum = scalar.sumOfSquares(g, start, length);
        assertEquals(expected, scalarSum, expected * 1e-6);
        assertEquals(Double.doubleToLongBits(scalarSum), Double.doubleToLongBits(vector.sumOfSquares(g, start, length)));
        for (GateMath math : new GateMath[] {scalar, vector}) {
            ByteBuffer scaled = copy(g);
            math.scale(scaled, start, length, 0.37f);
            ByteBuffer clamped = copy(g);
            math.clamp(clamped, start, length, 1.5f);
            ByteBuffer penalized = copy(g);
            math.addScaled(penalized, clamped, start, length, 0.01f);
            for (int i = 0; i < total; i++) {
                float v = g.getFloat(i << 2);
                boolean inside = i >= start && i < start + length;
                assertEquals(inside ? v * 0.37f : v, scaled.getFloat(i << 2), 0f, math.name() + " scaled " + i);
                assertEquals(inside ? Math.max(-1.5f, Math.min(1.5f, v)) : v, clamped.getFloat(i << 2), 0f,
                        math.name() + " clamped " + i);
                assertEquals(inside ? v + 0.01f * clamped.getFloat(i << 2) : v, penalized.getFloat(i << 2), 0f,
                        math.name() + " with L2 " + i);
            }
        }
    }

    private static ByteBuffer buffer(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = buffer(b.capacity() / 4);
        for (int i = 0; i < b.capacity(); i += 4) {
            c.putFloat(i, b.getFloat(i));
        }
        return c;
    }
}
