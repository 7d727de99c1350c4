package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both gate math paths against the LSTM equations written out in double: forward and backward of
 * whole rows, with a hidden size that leaves a scalar tail after the vector loop (37) and one
 * that does not (48: the vector forward's whole-block path). The build runs
 * tests with {@code --add-modules jdk.incubator.vector}, so the vector path is present here.
 */
class GateMathTest {
    @Test
    void vectorPathIsAvailableAndChosenByDefault() {
        assertNotNull(GateMathProvider.vectorOrNull(), "surefire's argLine adds jdk.incubator.vector");
        if (!"false".equals(System.getProperty(GateMath.VECTOR_PROPERTY))) {
            assertTrue(GateMath.get().name().startsWith("vector"), GateMath.get().name());
        }
    }

    @ParameterizedTest(name = "hidden={0}")
    @ValueSource(ints = {37, 48})
    void scalarMatchesTheEquations(int hidden) {
        check(new ScalarGateMath(), hidden);
    }

    @ParameterizedTest(name = "hidden={0}")
    @ValueSource(ints = {37, 48})
    void vectorMatchesTheEquations(int hidden) {
        check(GateMathProvider.vectorOrNull(), hidden);
    }

    private static void check(GateMath math, int hidden) {
        Random random = new Random(1);
        int g4 = 4 * hidden;
        float[] z0 = new float[g4];
        float[] bias = new float[g4];
        float[] cPrev = new float[hidden];
        float[] dh = new float[hidden];
        float[] carry0 = new float[hidden];
        for (int k = 0; k < g4; k++) {
            z0[k] = (float) (random.nextGaussian() * 3);
            bias[k] = (float) random.nextGaussian();
        }
        z0[0] = 40f;     // saturated gates must stay finite
        z0[hidden + 1] = -40f;
        for (int j = 0; j < hidden; j++) {
            cPrev[j] = (float) random.nextGaussian();
            dh[j] = (float) random.nextGaussian();
            carry0[j] = (float) random.nextGaussian();
        }
        // Offsets of 3 and 5 floats: rows do not start at aligned addresses in the kernel either.
        ByteBuffer z = buffer(3 + g4);
        ByteBuffer c = buffer(5 + 2 * hidden);
        ByteBuffer tc = buffer(hidden);
        ByteBuffer h = buffer(hidden);
        ByteBuffer dhb = buffer(hidden);
        for (int k = 0; k < g4; k++) {
            z.putFloat((3 + k) << 2, z0[k]);
        }
        for (int j = 0; j < hidden; j++) {
            c.putFloat((5 + j) << 2, cPrev[j]);
            dhb.putFloat(j << 2, dh[j]);
        }
        math.forwardRow(z, 3, bias, c, 5, c, 5 + hidden, tc, 0, h, 0, hidden);
        float[] carry = carry0.clone();
        for (int j = 0; j < hidden; j++) {
            double g = Math.tanh(z0[j] + bias[j]);
            double f = sig(z0[hidden + j] + bias[hidden + j]);
            double o = sig(z0[2 * hidden + j] + bias[2 * hidden + j]);
            double i = sig(z0[3 * hidden + j] + bias[3 * hidden + j]);
            double cell = f * cPrev[j] + i * g;
            double t = Math.tanh(cell);
            assertEquals(g, z.getFloat((3 + j) << 2), 1e-6, "g " + j);
            assertEquals(f, z.getFloat((3 + hidden + j) << 2), 1e-6, "f " + j);
            assertEquals(o, z.getFloat((3 + 2 * hidden + j) << 2), 1e-6, "o " + j);
            assertEquals(i, z.getFloat((3 + 3 * hidden + j) << 2), 1e-6, "i " + j);
            assertEquals(cell, c.getFloat((5 + hidden + j) << 2), 1e-6, "c " + j);
            assertEquals(t, tc.getFloat(j << 2), 1e-6, "tanh c " + j);
            assertEquals(o * t, h.getFloat(j << 2), 1e-6, "h " + j);
        }
        float[] acts = new float[g4];
        for (int k = 0; k < g4; k++) {
            acts[k] = z.getFloat((3 + k) << 2);
        }
        math.backwardRow(z, 3, dhb, 0, carry, 0, c, 5, tc, 0, hidden);
        for (int j = 0; j < hidden; j++) {
            double g = acts[j];
            double f = acts[hidden + j];
            double o = acts[2 * hidden + j];
            double i = acts[3 * hidden + j];
            double t = tc.getFloat(j << 2);
            double dc = dh[j] * o * (1 - t * t) + carry0[j];
            assertEquals(dc * i * (1 - g * g), z.getFloat((3 + j) << 2), 1e-5, "dg " + j);
            assertEquals(dc * cPrev[j] * f * (1 - f), z.getFloat((3 + hidden + j) << 2), 1e-5, "df " + j);
            assertEquals(dh[j] * t * o * (1 - o), z.getFloat((3 + 2 * hidden + j) << 2), 1e-5, "do " + j);
            assertEquals(dc * g * i * (1 - i), z.getFloat((3 + 3 * hidden + j) << 2), 1e-5, "di " + j);
            assertEquals(dc * f, carry[j], 1e-5, "carry " + j);
        }
    }

    private static ByteBuffer buffer(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder());
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
