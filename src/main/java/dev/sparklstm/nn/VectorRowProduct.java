package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowProduct} with 16-float vectors: 4 rows x 64 columns (16 accumulators) summed over the
 * depth, A's block streamed from a contiguous packed block that stays in cache across the row
 * blocks, the same register blocking as {@link VectorLstmStep}'s sums. {@link #sumOuter} uses the
 * same block with the left operand's four values per depth step read from one packed panel.
 */
final class VectorRowProduct implements RowProduct {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final VectorRowProduct INSTANCE = new VectorRowProduct();

    private VectorRowProduct() {
    }

    /** The product for this width, or null when vectors hold fewer than 16 floats or the width is not a multiple of 64. */
    static VectorRowProduct forWidth(int width) {
        return S.length() == 16 && width % BLOCK == 0 ? INSTANCE : null;
    }

    @Override
    public void accumulate(float[] packed, int depth, int width, ByteBuffer b, long bOff, int ldb, ByteBuffer c,
                           long cOff, int ldc, int rows) {
        for (int block = 0; block < width / BLOCK; block++) {
            int a = block * depth * BLOCK;
            int e = 0;
            for (; e + 4 <= rows; e += 4) {
                fourRows(packed, a, depth, b, (int) (bOff + (long) e * ldb), ldb, c,
                        (int) (cOff + (long) e * ldc + block * BLOCK), ldc);
            }
            for (; e < rows; e++) {
                oneRow(packed, a, depth, b, (int) (bOff + (long) e * ldb), c, (int) (cOff + (long) e * ldc + block * BLOCK));
            }
        }
    }

    private static void fourRows(float[] packed, int a, int depth, ByteBuffer b, int b0, int ldb, ByteBuffer c, int c0,
                                 int ldc) {
        int x0 = b0 << 2;
        int x1 = (b0 + ldb) << 2;
        int x2 = (b0 + 2 * ldb) << 2;
        int x3 = (b0 + 3 * ldb) << 2;
        int r0 = c0 << 2;
        int r1 = (c0 + ldc) << 2;
        int r2 = (c0 + 2 * ldc) << 2;
        int r3 = (c0 + 3 * ldc) << 2;
        FloatVector p0 = FloatVector.fromByteBuffer(S, c, r0, ORDER);
        FloatVector q0 = FloatVector.fromByteBuffer(S, c, r0 + 64, ORDER);
        FloatVector s0 = FloatVector.fromByteBuffer(S, c, r0 + 128, ORDER);
        FloatVector u0 = FloatVector.fromByteBuffer(S, c, r0 + 192, ORDER);
        FloatVector p1 = FloatVector.fromByteBuffer(S, c, r1, ORDER);
        FloatVector q1 = FloatVector.fromByteBuffer(S, c, r1 + 64, ORDER);
        FloatVector s1 = FloatVector.fromByteBuffer(S, c, r1 + 128, ORDER);
        FloatVector u1 = FloatVector.fromByteBuffer(S, c, r1 + 192, ORDER);
        FloatVector p2 = FloatVector.fromByteBuffer(S, c, r2, ORDER);
        FloatVector q2 = FloatVector.fromByteBuffer(S, c, r2 + 64, ORDER);
        FloatVector s2 = FloatVector.fromByteBuffer(S, c, r2 + 128, ORDER);
        FloatVector u2 = FloatVector.fromByteBuffer(S, c, r2 + 192, ORDER);
        FloatVector p3 = FloatVector.fromByteBuffer(S, c, r3, ORDER);
        FloatVector q3 = FloatVector.fromByteBuffer(S, c, r3 + 64, ORDER);
        FloatVector s3 = FloatVector.fromByteBuffer(S, c, r3 + 128, ORDER);
        FloatVector u3 = FloatVector.fromByteBuffer(S, c, r3 + 192, ORDER);
        for (int k = 0, w = a; k < depth; k++, w += BLOCK) {
            FloatVector wp = FloatVector.fromArray(S, packed, w);
            FloatVector wq = FloatVector.fromArray(S, packed, w + 16);
            FloatVector ws = FloatVector.fromArray(S, packed, w + 32);
            FloatVector wu = FloatVector.fromArray(S, packed, w + 48);
            FloatVector x = FloatVector.broadcast(S, b.getFloat(x0 + (k << 2)));
            p0 = wp.fma(x, p0);
            q0 = wq.fma(x, q0);
            s0 = ws.fma(x, s0);
            u0 = wu.fma(x, u0);
            x = FloatVector.broadcast(S, b.getFloat(x1 + (k << 2)));
            p1 = wp.fma(x, p1);
            q1 = wq.fma(x, q1);
            s1 = ws.fma(x, s1);
            u1 = wu.fma(x, u1);
            x = FloatVector.broadcast(S, b.getFloat(x2 + (k << 2)));
            p2 = wp.fma(x, p2);
            q2 = wq.fma(x, q2);
            s2 = ws.fma(x, s2);
            u2 = wu.fma(x, u2);
            x = FloatVector.broadcast(S, b.getFloat(x3 + (k << 2)));
            p3 = wp.fma(x, p3);
            q3 = wq.fma(x, q3);
            s3 = ws.fma(x, s3);
            u3 = wu.fma(x, u3);
        }
        p0.intoByteBuffer(c, r0, ORDER);
        q0.intoByteBuffer(c, r0 + 64, ORDER);
        s0.intoByteBuffer(c, r0 + 128, ORDER);
        u0.intoByteBuffer(c, r0 + 192, ORDER);
        p1.intoByteBuffer(c, r1, ORDER);
        q1.intoByteBuffer(c, r1 + 64, ORDER);
        s1.intoByteBuffer(c, r1 + 128, ORDER);
        u1.intoByteBuffer(c, r1 + 192, ORDER);
        p2.intoByteBuffer(c, r2, ORDER);
        q2.intoByteBuffer(c, r2 + 64, ORDER);
        s2.intoByteBuffer(c, r2 + 128, ORDER);
        u2.intoByteBuffer(c, r2 + 192, ORDER);
        p3.intoByteBuffer(c, r3, ORDER);
        q3.intoByteBuffer(c, r3 + 64, ORDER);
        s3.intoByteBuffer(c, r3 + 128, ORDER);
        u3.intoByteBuffer(c, r3 + 192, ORDER);
    }

    private static void oneRow(float[] packed, int a, int depth, ByteBuffer b, int b0, ByteBuffer c, int c0) {
        int x0 = b0 << 2;
        int r0 = c0 << 2;
        FloatVector p = FloatVector.fromByteBuffer(S, c, r0, ORDER);
        FloatVector q = FloatVector.fromByteBuffer(S, c, r0 + 64, ORDER);
        FloatVector s = FloatVector.fromByteBuffer(S, c, r0 + 128, ORDER);
        FloatVector u = FloatVector.fromByteBuffer(S, c, r0 + 192, ORDER);
        for (int k = 0, w = a; k < depth; k++, w += BLOCK) {
            FloatVector x = FloatVector.broadcast(S, b.getFloat(x0 + (k << 2)));
            p = FloatVector.fromArray(S, packed, w).fma(x, p);
            q = FloatVector.fromArray(S, packed, w + 16).fma(x, q);
            s = FloatVector.fromArray(S, packed, w + 32).fma(x, s);
            u = FloatVector.fromArray(S, packed, w + 48).fma(x, u);
        }
        p.intoByteBuffer(c, r0, ORDER);
        q.intoByteBuffer(c, r0 + 64, ORDER);
        s.intoByteBuffer(c, r0 + 128, ORDER);
        u.intoByteBuffer(c, r0 + 192, ORDER);
    }

    @Override
    public void packPanels(ByteBuffer src, long off, int ld, int depth, int height, float[] packed) {
        for (int j0 = 0; j0 < height; j0 += PANEL) {
            int to = j0 * depth;
            for (int k = 0; k < depth; k++, to += PANEL) {
                FloatVector.fromByteBuffer(S, src, (int) ((off + (long) k * ld + j0) << 2), ORDER).intoArray(packed, to);
            }
        }
    }

    @Override
    public void sumOuter(float[] panels, float[] packed, int depth, int height, int width, ByteBuffer c, long cOff,
                         int ldc) {
        for (int block = 0; block < width / BLOCK; block++) {
            int a = block * depth * BLOCK;
            for (int j = 0; j < height; j += GROUP) {
                int g = (j - j % PANEL) * depth + j % PANEL;
                fourOuter(panels, g, packed, a, depth, c, (int) (cOff + (long) j * ldc + block * BLOCK), ldc);
            }
        }
    }

    /** C rows j..j+3 of one block of 64 columns: the 4 x 64 register block of {@link #fourRows}, both operands packed. */
    private static void fourOuter(float[] panels, int g, float[] packed, int a, int depth, ByteBuffer c, int c0,
                                  int ldc) {
        FloatVector p0 = FloatVector.zero(S);
        FloatVector q0 = p0;
        FloatVector s0 = p0;
        FloatVector u0 = p0;
        FloatVector p1 = p0;
        FloatVector q1 = p0;
        FloatVector s1 = p0;
        FloatVector u1 = p0;
        FloatVector p2 = p0;
        FloatVector q2 = p0;
        FloatVector s2 = p0;
        FloatVector u2 = p0;
        FloatVector p3 = p0;
        FloatVector q3 = p0;
        FloatVector s3 = p0;
        FloatVector u3 = p0;
        for (int k = 0, w = a, x = g; k < depth; k++, w += BLOCK, x += PANEL) {
            FloatVector wp = FloatVector.fromArray(S, packed, w);
            FloatVector wq = FloatVector.fromArray(S, packed, w + 16);
            FloatVector ws = FloatVector.fromArray(S, packed, w + 32);
            FloatVector wu = FloatVector.fromArray(S, packed, w + 48);
            FloatVector b = FloatVector.broadcast(S, panels[x]);
            p0 = wp.fma(b, p0);
            q0 = wq.fma(b, q0);
            s0 = ws.fma(b, s0);
            u0 = wu.fma(b, u0);
            b = FloatVector.broadcast(S, panels[x + 1]);
            p1 = wp.fma(b, p1);
            q1 = wq.fma(b, q1);
            s1 = ws.fma(b, s1);
            u1 = wu.fma(b, u1);
            b = FloatVector.broadcast(S, panels[x + 2]);
            p2 = wp.fma(b, p2);
            q2 = wq.fma(b, q2);
            s2 = ws.fma(b, s2);
            u2 = wu.fma(b, u2);
            b = FloatVector.broadcast(S, panels[x + 3]);
            p3 = wp.fma(b, p3);
            q3 = wq.fma(b, q3);
            s3 = ws.fma(b, s3);
            u3 = wu.fma(b, u3);
        }
        int r = c0 << 2;
        int l = ldc << 2;
        p0.intoByteBuffer(c, r, ORDER);
        q0.intoByteBuffer(c, r + 64, ORDER);
        s0.intoByteBuffer(c, r + 128, ORDER);
        u0.intoByteBuffer(c, r + 192, ORDER);
        r += l;
        p1.intoByteBuffer(c, r, ORDER);
        q1.intoByteBuffer(c, r + 64, ORDER);
        s1.intoByteBuffer(c, r + 128, ORDER);
        u1.intoByteBuffer(c, r + 192, ORDER);
        r += l;
        p2.intoByteBuffer(c, r, ORDER);
        q2.intoByteBuffer(c, r + 64, ORDER);
        s2.intoByteBuffer(c, r + 128, ORDER);
        u2.intoByteBuffer(c, r + 192, ORDER);
        r += l;
        p3.intoByteBuffer(c, r, ORDER);
        q3.intoByteBuffer(c, r + 64, ORDER);
        s3.intoByteBuffer(c, r + 128, ORDER);
        u3.intoByteBuffer(c, r + 192, ORDER);
    }
}
