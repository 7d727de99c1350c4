package dev.sparklstm.nn;

import java.nio.ByteBuffer;

/**
 * Element-wise LSTM gate math for one row (one example at one step) of a fused float32 LSTM, and
 * the other element-wise loops of {@link FastTrainer}'s step (bias-gradient sums, Adam), which
 * are long enough to gain from vectors too. Buffers are native-order direct byte buffers over the
 * layer's native working memory or the network's flat views; all offsets count floats, not bytes. Gate blocks along the 4H axis are in DL4J's order
 * <b>[g, f, o, i]</b> (cell candidate, forget, output, input gate).
 *
 * <p>Two implementations: {@link ScalarGateMath} everywhere, and a Vector API one where the
 * {@code jdk.incubator.vector} module is present; {@link #get()} picks one once per JVM.
 */
public interface GateMath {
    /** System property that forces the scalar implementation when set to {@code false}. */
    String VECTOR_PROPERTY = "sparklstm.vector";
    /** System property that turns the vector {@link #lstmStep} off when set to {@code false} (benchmarks). */
    String LSTM_STEP_PROPERTY = "sparklstm.lstmstep";

    /**
     * Forward step: {@code z} holds the pre-activations without bias; on return it holds the gate
     * activations g, f, o, i. Writes {@code c = f * cPrev + i * g}, {@code tc = tanh(c)} and
     * {@code h = o * tc}.
     */
    void forwardRow(ByteBuffer z, int zOff, float[] bias, ByteBuffer cPrev, int cPrevOff, ByteBuffer c, int cOff,
                    ByteBuffer tc, int tcOff, ByteBuffer h, int hOff, int hidden);

    /**
     * Backward step: {@code z} holds the gate activations of the forward; on return it holds the
     * gradients with respect to the pre-activations (dg, df, do, di). {@code dh} is the total
     * gradient reaching this step's output; {@code carry} holds {@code dc(t+1) * f(t+1)} on entry
     * and {@code dc(t) * f(t)} on return.
     */
    void backwardRow(ByteBuffer z, int zOff, ByteBuffer dh, int dhOff, float[] carry, int carryOff,
                     ByteBuffer cPrev, int cPrevOff, ByteBuffer tc, int tcOff, int hidden);

    /**
     * Adds rows {@code 0..rows-1} of {@code z} (each {@code width} floats, from element 0) into
     * {@code sums[0..width-1]}, row after row: the bias gradient as column sums of the
     * pre-activation gradients. Both implementations add in the same order (same rounding).
     */
    void addRows(ByteBuffer z, int rows, int width, float[] sums);

    /** {@code sum[i] += add[i]} for elements [start, start+length) of two float buffers (the lanes' gradients). */
    void add(ByteBuffer sum, ByteBuffer add, int start, int length);

    /** Elements summed in float (16 partial sums) before a chunk's total joins the double sum of {@link #sumOfSquares}. */
    int SQUARES_CHUNK = 1024;

    /**
     * The sum of squares of floats [start, start+length) of {@code b} (a layer's gradient norm for
     * clipping): per chunk of {@link #SQUARES_CHUNK} elements, 16 float partial sums (element i
     * into sum i mod 16, each square added with one rounding, as {@link Math#fma}), added in double
     * in order; the elements after the last whole chunk in double. Both implementations follow this
     * order (same bits).
     */
    double sumOfSquares(ByteBuffer b, int start, int length);

    /** {@code sum[i] += factor * add[i]} (product rounded, then the sum) for floats [start, start+length) (L2 into the gradient). */
    void addScaled(ByteBuffer sum, ByteBuffer add, int start, int length, float factor);

    /** {@code b[i] *= factor} for floats [start, start+length) (clipping by norm). */
    void scale(ByteBuffer b, int start, int length, float factor);

    /** {@code b[i] = max(-limit, min(limit, b[i]))} for floats [start, start+length) (element-wise clipping). */
    void clamp(ByteBuffer b, int start, int length, float limit);

    /**
     * Adam on {@code params[start, start+length)} with gradients at the same offsets in
     * {@code grads} (plus, when {@code more} is not null, the float sum {@code grads[i] + more[i]}:
     * the gradients of two threads' shares of a minibatch added up without a pass of their own),
     * moments m at {@code state[mAt..]} and v at {@code state[vAt..]}, then
     * {@code params -= update}, per element in float exactly as libnd4j's adamUpdater computes it:
     * {@code m = beta1 m + g (1-beta1)}, {@code v = beta2 v + g g (1-beta2)},
     * {@code update = m stepSize / (sqrt(v) + epsilon)} (see {@link Updates#adam}). The vector
     * path uses the same operations in the same order, so both give identical bits.
     */
    void adam(ByteBuffer params, ByteBuffer grads, ByteBuffer more, ByteBuffer state, int start, int length, int mAt,
              int vAt, float beta1, float beta2, float stepSize, float epsilon);

    /**
     * The single-pass inference step ({@link LstmStep}) for a layer of this shape, or null when
     * this gate math has none for it (the scalar one never has; the vector one needs a hidden size
     * that is a multiple of its vector length and is disabled by {@link #LSTM_STEP_PROPERTY}).
     */
    default LstmStep lstmStep(int inputs, int hidden) {
        return null;
    }

    /**
     * A batch-independent output projection ({@link RowProjection}) for this shape, or null when
     * this gate math has none (the scalar one never has; the vector one takes up to one vector of
     * outputs and is disabled with the step by {@link #LSTM_STEP_PROPERTY}).
     */
    default RowProjection rowProjection(int inputs, int outputs) {
        return null;
    }

    /**
     * The training kernel's per-step product ({@link RowProduct}) for products {@code width}
     * columns wide, or null when this gate math has none (the scalar one never has; the vector
     * one needs 16-float vectors and a multiple of 64 columns, and is disabled with the step by
     * {@link #LSTM_STEP_PROPERTY}).
     */
    default RowProduct rowProduct(int width) {
        return null;
    }

    /** A short name for logs and tests. */
    String name();

    /** The implementation for this JVM: vectorized when possible and not disabled by {@link #VECTOR_PROPERTY}. */
    static GateMath get() {
        return GateMathProvider.INSTANCE;
    }
}
