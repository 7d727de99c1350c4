package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RowProduct#accumulate} adds B A to C as a plain triple loop in double does, for A packed
 * from both source layouts the training kernel uses (RW as it is, and transposed), row counts with
 * and without a tail of fewer than four rows, and rows at offsets and strides inside larger buffers.
 */
class RowProductTest {
    @ParameterizedTest(name = "rows={0} depth={1} width={2} kStride1={3}")
    @CsvSource({"7, 40, 128, true", "4, 33, 64, false", "3, 256, 192, true", "9, 17, 64, false"})
    void addsTheProductOfItsRowsToC(int rows, int depth, int width, boolean kStrideOne) {
        GateMath vector = GateMathProvider.vectorOrNull();
        Assumptions.assumeTrue(vector != null && vector.rowProduct(width) != null, "needs 16-float vectors");
        assertNull(vector.rowProduct(width + 16), "widths must be multiples of 64");
        assertNull(new ScalarGateMath().rowProduct(width));
        Random random = new Random(rows * 31 + depth);
        // A (k, m) at src[3 + k*kStride + m*mStride]: 'f' order [depth, width] or [width, depth].
        int kStride = kStrideOne ? 1 : width;
        int mStride = kStrideOne ? depth : 1;
        ByteBuffer src = floats(3 + depth * width, random);
        int ldb = depth + 5;
        int ldc = width + 16;
        ByteBuffer b = floats(7 + rows * ldb, random);
        ByteBuffer c = floats(11 + rows * ldc, random);
        double[] expected = new double[rows * ldc];
        for (int e = 0; e < rows; e++) {
            for (int m = 0; m < ldc; m++) {
                double sum = c.getFloat((11 + e * ldc + m) << 2);
                for (int k = 0; m < width && k < depth; k++) {
                    sum += (double) src.getFloat((3 + k * kStride + m * mStride) << 2) * b.getFloat((7 + e * ldb + k) << 2);
                }
                expected[e * ldc + m] = sum;
            }
        }
        float[] packed = new float[depth * width];
        RowProduct.pack(src, 3, kStride, mStride, depth, width, packed);
        vector.rowProduct(width).accumulate(packed, depth, width, b, 7, ldb, c, 11, ldc, rows);
        for (int e = 0; e < rows; e++) {
            for (int m = 0; m < ldc; m++) {
                float actual = c.getFloat((11 + e * ldc + m) << 2);
                // Columns past the width keep their values exactly.
                assertEquals(expected[e * ldc + m], actual, m < width ? 1e-4 * Math.sqrt(depth) : 0,
                        "row " + e + " column " + m);
            }
        }
    }

    /**
     * {@link RowProduct#sumOuter} writes G^T A (the weight-gradient form: dZ^T X) as a double
     * triple loop does, over depths that are not multiples of anything, G read from rows wider than
     * its columns, C inside a wider row, and columns past the width left alone.
     */
    @ParameterizedTest(name = "depth={0} height={1} width={2}")
    @CsvSource({"37, 16, 64", "320, 64, 128", "5, 48, 192"})
    void sumOuterWritesTheTransposedProduct(int depth, int height, int width) {
        GateMath vector = GateMathProvider.vectorOrNull();
        Assumptions.assumeTrue(vector != null && vector.rowProduct(width) != null, "needs 16-float vectors");
        RowProduct product = vector.rowProduct(width);
        Random random = new Random(depth * 7 + height);
        int ldg = height + 16;
        int lda = width + 3;
        int ldc = width + 16;
        ByteBuffer g = floats(5 + depth * ldg, random);
        ByteBuffer a = floats(9 + depth * lda, random);
        ByteBuffer c = floats(2 + height * ldc, random);
        float[] panels = new float[depth * height];
        float[] packed = new float[depth * width];
        product.packPanels(g, 5, ldg, depth, height, panels);
        RowProduct.pack(a, 9, lda, 1, depth, width, packed);
        float[] before = new float[height * ldc];
        c.asFloatBuffer().get(2, before, 0, before.length);
        product.sumOuter(panels, packed, depth, height, width, c, 2, ldc);
        for (int j = 0; j < height; j++) {
            for (int m = 0; m < ldc; m++) {
                float actual = c.getFloat((2 + j * ldc + m) << 2);
                if (m >= width) {
                    assertEquals(before[j * ldc + m], actual, 0, "row " + j + " column " + m + " is past the width");
                    continue;
                }
                double sum = 0;
                for (int k = 0; k < depth; k++) {
                    sum += (double) g.getFloat((5 + k * ldg + j) << 2) * a.getFloat((9 + k * lda + m) << 2);
                }
                assertEquals(sum, actual, 1e-4 * Math.sqrt(depth), "row " + j + " column " + m);
            }
        }
    }

    /** Packing in shares of blocks (one per lane) gives what one {@link RowProduct#pack} gives, for both layouts. */
    @ParameterizedTest(name = "kStride1={0} shares={1}")
    @CsvSource({"true, 2", "false, 2", "true, 3", "false, 5"})
    void packingInSharesEqualsPackingWhole(boolean kStrideOne, int shares) {
        int depth = 24;
        int width = 256;
        int kStride = kStrideOne ? 1 : width;
        int mStride = kStrideOne ? depth : 1;
        ByteBuffer src = floats(1 + depth * width, new Random(shares));
        float[] whole = new float[depth * width];
        RowProduct.pack(src, 1, kStride, mStride, depth, width, whole);
        float[] inShares = new float[depth * width];
        int blocks = width / RowProduct.BLOCK;
        for (int part = shares - 1; part >= 0; part--) {
            RowProduct.pack(src, 1, kStride, mStride, depth, width, inShares, blocks * part / shares,
                    blocks * (part + 1) / shares);
        }
        assertArrayEquals(whole, inShares);
    }

    private static ByteBuffer floats(int n, Random random) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            buffer.putFloat(i << 2, (float) random.nextGaussian());
        }
        return buffer;
    }
}
