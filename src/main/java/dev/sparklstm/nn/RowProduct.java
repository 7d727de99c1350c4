package dev.sparklstm.nn;

import java.nio.ByteBuffer;

/**
 * The per-step products of the training kernel without a GEMM call: {@code C += B A} for a few
 * dozen rows, with A packed once per segment. Forward, {@code z_t += h_{t-1} RW} (A = RW, depth H,
 * width 4H); backward, {@code dh_t += dz_{t+1} RW^T} (A = RW^T, depth 4H, width H). OpenBLAS ran
 * these at about 55-68 GFLOP/s for 32 rows (it packs both operands on every call) where its large
 * products reach about 90, and a register-blocked Vector API loop reaches the FMA peak (about 100
 * on a Zen 4 core); see BENCHMARKS.md, issue 8.
 *
 * <p>Made by {@link GateMath#rowProduct} for a width; stateless and thread-safe.
 */
interface RowProduct {
    /**
     * Copies A [depth, width], element (k, m) at {@code src[off + k * kStride + m * mStride]}
     * (floats), into {@code packed} (at least depth * width long) in this kernel's layout: blocks
     * of {@link #BLOCK} columns, each block's rows one after another.
     */
    static void pack(ByteBuffer src, long off, int kStride, int mStride, int depth, int width, float[] packed) {
        // The inner loop walks the source's unit stride.
        if (kStride == 1) {
            for (int m = 0; m < width; m++) {
                int to = (m / BLOCK) * depth * BLOCK + m % BLOCK;
                int from = (int) (off + (long) m * mStride) << 2;
                for (int k = 0; k < depth; k++) {
                    packed[to + k * BLOCK] = src.getFloat(from + (k << 2));
                }
            }
        } else {
            for (int k = 0; k < depth; k++) {
                long from = off + (long) k * kStride;
                for (int m = 0; m < width; m++) {
                    packed[(m / BLOCK) * depth * BLOCK + k * BLOCK + m % BLOCK] =
                            src.getFloat((int) ((from + (long) m * mStride) << 2));
                }
            }
        }
    }

    /** Columns of a packed block: 4 vectors of 16 floats. */
    int BLOCK = 64;

    /**
     * For rows e &lt; {@code rows}: {@code c[cOff + e*ldc + m] += sum over k of A(k, m) * b[bOff +
     * e*ldb + k]}, m &lt; width, k &lt; depth (float offsets), with A as {@link #pack} wrote it.
     */
    void accumulate(float[] packed, int depth, int width, ByteBuffer b, long bOff, int ldb, ByteBuffer c, long cOff,
                    int ldc, int rows);
}
