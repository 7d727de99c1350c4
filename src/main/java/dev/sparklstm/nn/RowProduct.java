package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The per-step products of the training kernel without a GEMM call: {@code C += B A} for a few
 * dozen rows, with A packed once per segment. Forward, {@code z_t += h_{t-1} RW} (A = RW, depth H,
 * width 4H); backward, {@code dh_t += dz_{t+1} RW^T} (A = RW^T, depth 4H, width H). OpenBLAS ran
 * these at about 55-68 GFLOP/s for 32 rows (it packs both operands on every call) where its large
 * products reach about 90, and a register-blocked Vector API loop reaches the FMA peak (about 100
 * on a Zen 4 core); see BENCHMARKS.md, issue 8. The segment's products use it too: dX = dZ W^T
 * ({@link #accumulate} over all the segment's rows) and the weight gradients ({@link #sumOuter}).
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
        pack(src, off, kStride, mStride, depth, width, packed, 0, width / BLOCK);
    }

    /**
     * {@link #pack} of blocks [{@code firstBlock}, {@code endBlock}) only: one thread's share, the
     * rest of {@code packed} left alone.
     */
    static void pack(ByteBuffer src, long off, int kStride, int mStride, int depth, int width, float[] packed,
                     int firstBlock, int endBlock) {
        FloatBuffer floats = src.asFloatBuffer();
        if (mStride == 1) {
            // A's rows are contiguous: each block row is one bulk copy.
            for (int block = firstBlock; block < endBlock; block++) {
                for (int k = 0; k < depth; k++) {
                    floats.get((int) (off + (long) k * kStride) + block * BLOCK, packed, (block * depth + k) * BLOCK,
                            BLOCK);
                }
            }
        } else if (kStride == 1) {
            // A's columns are contiguous: a transpose, in tiles of TILE rows that stay in L1.
            for (int block = firstBlock; block < endBlock; block++) {
                for (int k0 = 0; k0 < depth; k0 += TILE) {
                    int rows = Math.min(TILE, depth - k0);
                    for (int l = 0; l < BLOCK; l++) {
                        int from = (int) (off + (long) (block * BLOCK + l) * mStride) + k0;
                        int to = (block * depth + k0) * BLOCK + l;
                        for (int k = 0; k < rows; k++) {
                            packed[to + k * BLOCK] = floats.get(from + k);
                        }
                    }
                }
            }
        } else {
            throw new IllegalArgumentException("A needs a unit stride along k or m, got " + kStride + " and " + mStride);
        }
    }

    /** Rows of A per tile of the transposing {@link #pack}. */
    int TILE = 16;

    /** Columns of a packed block: 4 vectors of 16 floats. */
    int BLOCK = 64;

    /**
     * For rows e &lt; {@code rows}: {@code c[cOff + e*ldc + m] += sum over k of A(k, m) * b[bOff +
     * e*ldb + k]}, m &lt; width, k &lt; depth (float offsets), with A as {@link #pack} wrote it.
     */
    void accumulate(float[] packed, int depth, int width, ByteBuffer b, long bOff, int ldb, ByteBuffer c, long cOff,
                    int ldc, int rows);

    /** Rows of C that one register block of {@link #sumOuter} computes. */
    int GROUP = 4;

    /** Columns of a panel of {@link #packPanels}: one vector of 16 floats, one cache line. */
    int PANEL = 16;

    /**
     * Copies G [depth, height], element (k, j) at {@code src[off + k * ld + j]} (floats; height a
     * multiple of {@link #PANEL}), into {@code packed} (at least depth * height long) in panels of
     * {@link #PANEL} columns, each panel's rows one after another: the left operand of
     * {@link #sumOuter}. (Unpacked, dZ's rows are 4 KB apart for 1024 gates and alias in L1.)
     */
    void packPanels(ByteBuffer src, long off, int ld, int depth, int height, float[] packed);

    /**
     * The segment's weight gradients without a GEMM call: {@code c[cOff + j*ldc + m] = sum over k
     * of G(k, j) * A(k, m)} for j &lt; height, m &lt; width, k &lt; depth, with G as
     * {@link #packPanels} and A as {@link #pack} wrote them. With G = dZ [T*B, 4H] and A the
     * layer's inputs or previous outputs [T*B, n], C is dW or dRW in DL4J's 'f' order [n, 4H].
     * OpenBLAS packs dZ once per call and ran these at about 89 GFLOP/s inside a training step;
     * here dZ is packed once for both.
     */
    void sumOuter(float[] panels, float[] packed, int depth, int height, int width, ByteBuffer c, long cOff, int ldc);
}
