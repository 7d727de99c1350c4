package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorGateMath#exp}: accurate, and made only of exactly rounded operations, so its
 * result cannot depend on whether the JIT has compiled it (the Vector API's own EXP does: SVML
 * when compiled, a per-lane fallback when not, which made seeded training runs differ).
 */
class VectorExpTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void withinTwoUlpOfMathExpOverTheWholeRangeAndClampedOutsideIt() {
        Random random = new Random(3);
        float[] x = new float[LANES * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = VectorGateMath.EXP_MIN + random.nextFloat() * (VectorGateMath.EXP_MAX - VectorGateMath.EXP_MIN);
        }
        x[0] = 0f;
        x[1] = -1e-8f;
        x[2] = 1f;
        float[] e = exp(x);
        for (int i = 0; i < x.length; i++) {
            float expected = (float) Math.exp(x[i]);
            assertTrue(Math.abs(e[i] - expected) <= 2 * Math.ulp(expected),
                    "exp(" + x[i] + ") = " + e[i] + ", Math.exp gives " + expected);
        }
        assertEquals(1f, e[0]);
        float[] outside = new float[LANES];
        for (int i = 0; i < LANES; i++) {
            outside[i] = i % 2 == 0 ? 1000f : -1000f;
        }
        float[] clamped = exp(outside);
        assertEquals((float) Math.exp(VectorGateMath.EXP_MAX), clamped[0], Math.ulp(clamped[0]) * 2);
        assertTrue(Float.isFinite(clamped[0]) && clamped[1] > 0f && clamped[1] < 1e-37f, clamped[1] + "");
    }

    @Test
    void equalsTheSameStepsInScalarJavaBitForBit() {
        Random random = new Random(5);
        float[] x = new float[LANES * 1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 20);
        }
        float[] e = exp(x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(scalarExp(x[i])), Float.floatToRawIntBits(e[i]), "exp(" + x[i] + ")");
        }
    }

    private static float[] exp(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += LANES) {
            VectorGateMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(out, i);
        }
        return out;
    }

    /** VectorGateMath.exp's steps on one float, with Java's exactly rounded float operations. */
    private static float scalarExp(float x) {
        float clamped = Math.min(Math.max(x, VectorGateMath.EXP_MIN), VectorGateMath.EXP_MAX);
        float shifted = Math.fma(clamped, VectorGateMath.LOG2E, VectorGateMath.ROUND);
        float n = shifted - VectorGateMath.ROUND;
        float r = Math.fma(n, -VectorGateMath.LN2_HI, clamped);
        r = Math.fma(n, -VectorGateMath.LN2_LO, r);
        float[] poly = VectorGateMath.EXP_POLY;
        float p = Math.fma(r, poly[0], poly[1]);
        for (int k = 2; k < poly.length; k++) {
            p = Math.fma(p, r, poly[k]);
        }
        float er = p * (r * r) + r + 1f;
        return er * Float.intBitsToFloat((Float.floatToRawIntBits(shifted) << 23) + (127 << 23));
    }
}
