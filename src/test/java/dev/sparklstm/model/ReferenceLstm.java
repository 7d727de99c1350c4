package dev.sparklstm.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A plain-Java LSTM cell written from the textbook equations, used only as a test oracle:
 * <pre>
 *   i = sigmoid(W_i x_t + U_i h_{t-1} + b_i)     input gate
 *   f = sigmoid(W_f x_t + U_f h_{t-1} + b_f)     forget gate
 *   o = sigmoid(W_o x_t + U_o h_{t-1} + b_o)     output gate
 *   g = tanh(W_g x_t + U_g h_{t-1} + b_g)        candidate
 *   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
 * </pre>
 * Parameters are copied from a DL4J M2 {@code LSTM} layer, whose layout is: {@code W} [nIn, 4H],
 * {@code RW} [H, 4H], {@code b} [1, 4H], with the four gate blocks along 4H in the order
 * <b>[g, f, o, i]</b> (DL4J calls g the "input activation" and i the "input modulation gate";
 * see LSTMHelpers and LSTMParamInitializer in the M2 sources).
 */
final class ReferenceLstm {
    private final int inputs;
    private final int hidden;
    /** Gate weights [gate][input][unit] for gates in the order i, f, o, g. */
    private final double[][][] w;
    private final double[][][] u;
    private final double[][] b;

    private static final int I = 0;
    private static final int F = 1;
    private static final int O = 2;
    private static final int G = 3;
    /** Block index along DL4J's 4H axis of each of our gates i, f, o, g. */
    private static final int[] DL4J_BLOCK = {3, 1, 2, 0};

    /** Copies the parameters of a DL4J LSTM layer (unwrapping LastTimeStep and similar wrappers). */
    ReferenceLstm(Layer layer) {
        Layer lstm = layer instanceof BaseWrapperLayer wrapper ? wrapper.getUnderlying() : layer;
        INDArray weights = lstm.getParam("W");
        INDArray recurrent = lstm.getParam("RW");
        INDArray bias = lstm.getParam("b");
        this.inputs = (int) weights.size(0);
        this.hidden = (int) recurrent.size(0);
        this.w = new double[4][inputs][hidden];
        this.u = new double[4][hidden][hidden];
        this.b = new double[4][hidden];
        for (int gate = 0; gate < 4; gate++) {
            int offset = DL4J_BLOCK[gate] * hidden;
            for (int j = 0; j < hidden; j++) {
                for (int k = 0; k < inputs; k++) {
                    w[gate][k][j] = weights.getDouble(k, offset + j);
                }
                for (int k = 0; k < hidden; k++) {
                    u[gate][k][j] = recurrent.getDouble(k, offset + j);
                }
                b[gate][j] = bias.getDouble(0, offset + j);
            }
        }
    }

    /** Runs the cell over {@code x[t][input]} from a zero state and returns {@code h[t][unit]}. */
    double[][] run(double[][] x) {
        double[] h = new double[hidden];
        double[] c = new double[hidden];
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[][] z = new double[4][hidden];
            for (int gate = 0; gate < 4; gate++) {
                for (int j = 0; j < hidden; j++) {
                    double sum = b[gate][j];
                    for (int k = 0; k < inputs; k++) {
                        sum += w[gate][k][j] * x[t][k];
                    }
                    for (int k = 0; k < hidden; k++) {
                        sum += u[gate][k][j] * h[k];
                    }
                    z[gate][j] = sum;
                }
            }
            double[] next = new double[hidden];
            for (int j = 0; j < hidden; j++) {
                double i = sigmoid(z[I][j]);
                double f = sigmoid(z[F][j]);
                double o = sigmoid(z[O][j]);
                double g = Math.tanh(z[G][j]);
                c[j] = f * c[j] + i * g;
                next[j] = o * Math.tanh(c[j]);
            }
            h = next;
            out[t] = next;
        }
        return out;
    }

    private static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }
}
