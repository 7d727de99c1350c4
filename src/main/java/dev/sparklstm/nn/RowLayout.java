package dev.sparklstm.nn;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layout changes between DL4J's NCW arrays ([batch, size, steps]) and the fused kernels' rows
 * (row {@code t*batch + e} holds example e at step t, {@code width} values), in plain Java over
 * native-order buffers. ND4J's strided {@code assign} did the same work at a third of the fused
 * layer's inference time (BENCHMARKS.md, "Where the fused layer's time goes"). Offsets count
 * floats.
 */
final class RowLayout {
    /** Examples per block of the transpose: the block's writes are contiguous, its reads stay in cache. */
    private static final int BLOCK = 16;

    private RowLayout() {
    }

    /**
     * NCW input [batch, width, steps] (any strides) into rows {@code rowStride} apart: {@code
     * dest[(t*batch+e)*rowStride + k] = src[e, k, t]}.
     */
    static void fromNcw(StridedFloats src, int batch, int width, int steps, ByteBuffer dest, int rowStride) {
        fromNcw(src, 0, batch, width, 0, steps, dest, rowStride);
    }

    /**
     * As {@link #fromNcw(StridedFloats, int, int, int, ByteBuffer, int)} for examples {@code first}
     * to {@code first + batch - 1} and steps {@code start} to {@code start + steps - 1} of {@code
     * src} (a lane's examples, a truncated-BPTT segment).
     */
    static void fromNcw(StridedFloats src, int first, int batch, int width, int start, int steps, ByteBuffer dest,
                        int rowStride) {
        // Writes in order (the rows may be larger than the cache), reads strided (the input is smaller).
        for (int t = 0; t < steps; t++) {
            for (int e = 0; e < batch; e++) {
                int to = (t * batch + e) * rowStride;
                for (int k = 0; k < width; k++) {
                    dest.putFloat((to + k) << 2, src.get(first + e, k, start + t));
                }
            }
        }
        Reference.reachabilityFence(src); // its memory stays allocated until here (StridedFloats)
    }

    /**
     * Rows t*batch+e of {@code width} values, {@code srcStride} apart from element {@code
     * srcOffset}, into DL4J's 'f'-order activations [batch, width, steps] ({@code dest[e + k*batch +
     * t*batch*width]}): per step a transpose of a [batch, width] block, done in blocks of examples.
     */
    static void toNcwF(ByteBuffer src, long srcOffset, int srcStride, int batch, int width, int steps,
                       ByteBuffer dest) {
        int block = batch * width;
        for (int t = 0; t < steps; t++) {
            int from = (int) (srcOffset + (long) t * batch * srcStride);
            int to = t * block;
            for (int e0 = 0; e0 < batch; e0 += BLOCK) {
                int e1 = Math.min(batch, e0 + BLOCK);
                for (int k = 0; k < width; k++) {
                    int column = to + k * batch;
                    for (int e = e0; e < e1; e++) {
                        dest.putFloat((column + e) << 2, src.getFloat((from + e * srcStride + k) << 2));
                    }
                }
            }
        }
    }

    /**
     * A [batch, steps] feature mask (any strides, shape checked by the caller) by row t*batch+e
     * into {@code rows}, and each example's last step whose mask is not 0 into {@code lastStep}
     * (-1 when there is none), as DL4J's {@code LastTimeStep} reads it. Returns the first example
     * masked at every step, or -1.
     */
    static int maskRowsAndLastSteps(INDArray mask, int batch, int steps, float[] rows, int[] lastStep) {
        StridedFloats m = new StridedFloats(mask);
        int empty = -1;
        for (int e = 0; e < batch; e++) {
            lastStep[e] = -1;
            for (int t = 0; t < steps; t++) {
                float v = m.get(e, t);
                rows[t * batch + e] = v;
                if (v != 0f) {
                    lastStep[e] = t;
                }
            }
            if (lastStep[e] < 0 && empty < 0) {
                empty = e;
            }
        }
        Reference.reachabilityFence(m);
        return empty;
    }

    /** A [batch, steps] mask (any strides) by row t*batch+e, in {@code reuse} when it is long enough. */
    static float[] maskRows(INDArray mask, int batch, int steps, float[] reuse) {
        if (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != steps) {
            throw new IllegalStateException("fused LSTM expects a mask of shape [" + batch + ", " + steps + "], got "
                    + java.util.Arrays.toString(mask.shape()));
        }
        float[] rows = reuse.length >= batch * steps ? reuse : new float[batch * steps];
        StridedFloats m = new StridedFloats(mask);
        for (int e = 0; e < batch; e++) {
            for (int t = 0; t < steps; t++) {
                rows[t * batch + e] = m.get(e, t);
            }
        }
        Reference.reachabilityFence(m);
        return rows;
    }
}
