package dev.sparklstm.nn;

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

    private static ByteBuffer floats(int n, Random random) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            buffer.putFloat(i << 2, (float) random.nextGaussian());
        }
        return buffer;
    }
}
