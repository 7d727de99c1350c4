package dev.sparklstm.nn;

import java.nio.ByteBuffer;

/**
 * {@link ScalarGateMath} in double precision, for DOUBLE networks (gradient checks). Same
 * formulas, same argument order; offsets count doubles.
 */
final class DoubleGateMath {
    public void forwardRow(ByteBuffer z, int zOff, double[] bias, ByteBuffer cPrev, int cPrevOff, ByteBuffer c,
                           int cOff, ByteBuffer tc, int tcOff, ByteBuffer h, int hOff, int hidden) {
        for (int j = 0; j < hidden; j++) {
            int zg = (zOff + j) << 3;
            int zf = zg + (hidden << 3);
            int zo = zf + (hidden << 3);
            int zi = zo + (hidden << 3);
            double g = tanh(z.getDouble(zg) + bias[j]);
            double f = sigmoid(z.getDouble(zf) + bias[hidden + j]);
            double o = sigmoid(z.getDouble(zo) + bias[2 * hidden + j]);
            double i = sigmoid(z.getDouble(zi) + bias[3 * hidden + j]);
            double cell = f * cPrev.getDouble((cPrevOff + j) << 3) + i * g;
            double t = tanh(cell);
            z.putDouble(zg, g);
            z.putDouble(zf, f);
            z.putDouble(zo, o);
            z.putDouble(zi, i);
            c.putDouble((cOff + j) << 3, cell);
            tc.putDouble((tcOff + j) << 3, t);
            h.putDouble((hOff + j) << 3, o * t);
        }
    }

    public void backwardRow(ByteBuffer z, int zOff, ByteBuffer dh, int dhOff, double[] carry, int carryOff,
                            ByteBuffer cPrev, int cPrevOff, ByteBuffer tc, int tcOff, int hidden) {
        for (int j = 0; j < hidden; j++) {
            int zg = (zOff + j) << 3;
            int zf = zg + (hidden << 3);
            int zo = zf + (hidden << 3);
            int zi = zo + (hidden << 3);
            double g = z.getDouble(zg);
            double f = z.getDouble(zf);
            double o = z.getDouble(zo);
            double i = z.getDouble(zi);
            double d = dh.getDouble((dhOff + j) << 3);
            double t = tc.getDouble((tcOff + j) << 3);
            double dc = d * o * (1.0 - t * t) + carry[carryOff + j];
            z.putDouble(zg, dc * i * (1.0 - g * g));
            z.putDouble(zf, dc * cPrev.getDouble((cPrevOff + j) << 3) * f * (1.0 - f));
            z.putDouble(zo, d * t * o * (1.0 - o));
            z.putDouble(zi, dc * g * i * (1.0 - i));
            carry[carryOff + j] = dc * f;
        }
    }

    public String name() {
        return "scalar-double";
    }

    static double sigmoid(double x) {
        return (double) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    static double tanh(double x) {
        double e = Math.exp(-2.0 * Math.abs((double) x));
        double t = (1.0 - e) / (1.0 + e);
        return (double) (x < 0 ? -t : t);
    }
}
