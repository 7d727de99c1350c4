package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Side-by-side single-JVM micro-measurement (not a test) of the GEMMs of one training segment of
 * workload B (hidden 256, batch 64, TBPTT 10: k = T*B = 640 rows), each in the operand layout the
 * fused kernel uses and in the alternatives, interleaved in rounds so all see the same machine
 * load. Prints the median time per call and GFLOP/s. Composite variants (per-step split,
 * transposed result plus a transpose copy) time the whole alternative, copy included.
 * Run: java -cp target/test-classes:target/classes:CP dev.sparklstm.nn.GemmLayoutMicroBench [rounds] [calls]
 * (OPENBLAS_CORETYPE and OMP_NUM_THREADS in the environment choose the OpenBLAS kernels and threads).
 */
public final class GemmLayoutMicroBench {
    private static final int H = 256;
    private static final int G = 4 * H;
    private static final int B = 64;
    private static final int T = 10;
    private static final int ROWS = T * B;

    private GemmLayoutMicroBench() {
    }

    private record Case(String name, double flops, Runnable body) {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        FloatPointer w = random(H * G, 1);       // W or RW [H, 4H] col-major (DL4J 'f')
        FloatPointer wt = random(G * H, 2);      // its transpose [4H, H] col-major
        FloatPointer x = random(H * (ROWS + B), 3);  // h or x rows: col-major [H, rows]
        FloatPointer z = random(G * ROWS, 4);    // gates: col-major [4H, rows]
        FloatPointer out = random(G * ROWS, 5);  // results
        FloatPointer tmp = random(G * H, 6);
        float[] copy = new float[G * H];
        int nIn0 = 8;
        List<Case> cases = new ArrayList<>();
        // Forward input projection (layer 1: nIn = H), Z = W^T X.
        cases.add(new Case("fwd proj TN m=4H n=640 k=H (now)", 2.0 * G * ROWS * H, () ->
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, G, ROWS, H, 1f, w, H, x, H, 0f, out, G)));
        cases.add(new Case("fwd proj NN m=4H n=640 k=H (W^T kept)", 2.0 * G * ROWS * H, () ->
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, G, ROWS, H, 1f, wt, G, x, H, 0f, out, G)));
        // Forward recurrent step, Z_t += RW^T h_{t-1}, T calls.
        cases.add(new Case("fwd rec TN m=4H n=64 k=H x10 (now)", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < T; t++) {
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, G, B, H, 1f, w, H, x.position((long) t * B * H), H,
                        1f, out.position((long) t * B * G), G);
            }
            x.position(0);
            out.position(0);
        }));
        cases.add(new Case("fwd rec NN m=4H n=64 k=H x10 (RW^T kept)", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < T; t++) {
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, G, B, H, 1f, wt, G, x.position((long) t * B * H),
                        H, 1f, out.position((long) t * B * G), G);
            }
            x.position(0);
            out.position(0);
        }));
        cases.add(new Case("fwd rec^T TN m=64 n=4H k=H x10 (gates [B,4H])", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < T; t++) {
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, B, G, H, 1f, x.position((long) t * B * H), H, w, H,
                        1f, out.position((long) t * B * G), B);
            }
            x.position(0);
            out.position(0);
        }));
        // Backward recurrent step, dh_t += RW dZ_{t+1}, T calls.
        cases.add(new Case("bwd rec NN m=H n=64 k=4H x10 (now)", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < T; t++) {
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, H, B, G, 1f, w, H, z.position((long) t * B * G), G,
                        1f, out.position((long) t * B * H), H);
            }
            z.position(0);
            out.position(0);
        }));
        cases.add(new Case("bwd rec TN m=H n=64 k=4H x10 (RW^T kept)", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < T; t++) {
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, H, B, G, 1f, wt, G, z.position((long) t * B * G), G,
                        1f, out.position((long) t * B * H), H);
            }
            z.position(0);
            out.position(0);
        }));
        cases.add(new Case("bwd rec^T NT m=64 n=H k=4H x10 (gates [B,4H])", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < T; t++) {
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, B, H, G, 1f, z.position((long) t * B * G), B, w, H,
                        1f, out.position((long) t * B * H), B);
            }
            z.position(0);
            out.position(0);
        }));
        // Weight gradient dRW = H_prev dZ^T (and dW of layer 1).
        cases.add(new Case("dRW NT m=H n=4H k=640 (now)", 2.0 * G * ROWS * H, () ->
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, H, G, ROWS, 1f, x, H, z, G, 0f, out, H)));
        cases.add(new Case("dRW^T NT m=4H n=H k=640 (+copy)", 2.0 * G * ROWS * H, () -> {
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, G, H, ROWS, 1f, z, G, x, H, 0f, tmp, G);
            transpose(tmp, G, H, out, copy);
        }));
        cases.add(new Case("dRW^T NT m=4H n=H k=640 (no copy)", 2.0 * G * ROWS * H, () ->
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, G, H, ROWS, 1f, z, G, x, H, 0f, tmp, G)));
        cases.add(new Case("dRW NT m=H n=4H k=64 x10 (per step)", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < T; t++) {
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, H, G, B, 1f, x.position((long) t * B * H), H,
                        z.position((long) t * B * G), G, t == 0 ? 0f : 1f, out, H);
            }
            x.position(0);
            z.position(0);
        }));
        cases.add(new Case("dRW NT m=H n=4H k=320 x2", 2.0 * G * ROWS * H, () -> {
            for (int t = 0; t < 2; t++) {
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, H, G, ROWS / 2, 1f, x.position((long) t * ROWS / 2 * H),
                        H, z.position((long) t * ROWS / 2 * G), G, t == 0 ? 0f : 1f, out, H);
            }
            x.position(0);
            z.position(0);
        }));
        // dX = W dZ (layer 1).
        cases.add(new Case("dX NN m=H n=640 k=4H (now)", 2.0 * G * ROWS * H, () ->
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, H, ROWS, G, 1f, w, H, z, G, 0f, out, H)));
        cases.add(new Case("dX TN m=H n=640 k=4H (W^T kept)", 2.0 * G * ROWS * H, () ->
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, H, ROWS, G, 1f, wt, G, z, G, 0f, out, H)));
        // Layer 0: dW = X dZ^T with nIn = 8, and its projection.
        cases.add(new Case("dW0 NT m=8 n=4H k=640 (now)", 2.0 * G * ROWS * nIn0, () ->
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, nIn0, G, ROWS, 1f, x, nIn0, z, G, 0f, out, nIn0)));
        cases.add(new Case("dW0^T NT m=4H n=8 k=640 (+copy)", 2.0 * G * ROWS * nIn0, () -> {
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, G, nIn0, ROWS, 1f, z, G, x, nIn0, 0f, tmp, G);
            transpose(tmp, G, nIn0, out, copy);
        }));
        cases.add(new Case("fwd proj0 TN m=4H n=640 k=8 (now)", 2.0 * G * ROWS * nIn0, () ->
                cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, G, ROWS, nIn0, 1f, w, nIn0, x, nIn0, 0f, out, G)));
        cases.add(new Case("sgemm NN 1024^3", 2.0 * 1024 * 1024 * 1024, () ->
                cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 1024, 1024, 1024, 1f, z, 1024, z, 1024, 0f,
                        out, 1024)));

        double[][] ms = new double[cases.size()][rounds];
        for (int warm = 0; warm < 2; warm++) {
            for (Case c : cases) {
                for (int i = 0; i < calls / 4 + 1; i++) {
                    c.body.run();
                }
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < cases.size(); k++) {
                // Rotate the order so no case always follows the same one.
                int idx = (k + r) % cases.size();
                Case c = cases.get(idx);
                int n = c.name.startsWith("sgemm") ? Math.max(1, calls / 10) : calls;
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    c.body.run();
                }
                ms[idx][r] = (System.nanoTime() - t0) / 1e6 / n;
            }
        }
        System.out.println("OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE") + ", OMP_NUM_THREADS="
                + System.getenv("OMP_NUM_THREADS") + ", rounds " + rounds + ", calls " + calls);
        for (int k = 0; k < cases.size(); k++) {
            double m = median(ms[k]);
            System.out.printf("%-44s %8.3f ms  %6.1f GFLOP/s  [%.3f..%.3f]%n", cases.get(k).name, m,
                    cases.get(k).flops / m / 1e6, Arrays.stream(ms[k]).min().orElse(0), Arrays.stream(ms[k]).max().orElse(0));
        }
    }

    /** src col-major [rows, cols] -> dst col-major [cols, rows], through a heap array (what a kernel would do in Java). */
    private static void transpose(FloatPointer src, int rows, int cols, FloatPointer dst, float[] scratch) {
        src.get(scratch, 0, rows * cols);
        int n = rows * cols;
        float[] r = TRANSPOSED.get();
        if (r.length < n) {
            r = new float[n];
            TRANSPOSED.set(r);
        }
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                r[j + i * cols] = scratch[i + j * rows];
            }
        }
        dst.put(r, 0, n);
    }

    private static final ThreadLocal<float[]> TRANSPOSED = ThreadLocal.withInitial(() -> new float[0]);

    private static FloatPointer random(long n, long seed) {
        FloatPointer p = new FloatPointer(Math.max(n, 1024L * 1024));
        Random random = new Random(seed);
        long size = Math.max(n, 1024L * 1024);
        for (long i = 0; i < size; i++) {
            p.put(i, random.nextFloat() - 0.5f);
        }
        return p;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
