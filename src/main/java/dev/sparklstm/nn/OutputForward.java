package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The output layer of {@link FastForward}: one GEMM over all rows of the top LSTM's output (every
 * step for an {@code RnnOutputLayer}, each example's last unmasked step under {@code
 * LastTimeStep}), or a {@link RowProjection} where the gate math has one (a row's sums then do
 * not depend on the batch), then bias and softmax or identity in Java, written straight into the
 * caller's array in the C order of DL4J's output shape: [batch, nOut, steps] or [batch, nOut].
 */
final class OutputForward {
    private final TrainingPlan plan;
    /** Output pre-activations by row [rows, nOut]. */
    private final NativeBuffer logits = new NativeBuffer(DataType.FLOAT);
    /** Per sequence: the top LSTM's output at each example's last step, [batch, hidden]. */
    private final NativeBuffer lastRows = new NativeBuffer(DataType.FLOAT);
    private final float[] bias;
    private final float[] row;

    /** Null: OpenBLAS. */
    private final RowProjection projection;

    OutputForward(TrainingPlan plan, RowProjection projection) {
        this.plan = plan;
        this.projection = projection;
        bias = new float[plan.outN];
        row = new float[plan.outN];
    }

    /**
     * Per step, from the top LSTM's output rows; writes {@code dest[(e*nOut + k)*steps + t]} for
     * the top's examples e, which are examples {@code first + e} of the caller's batch.
     */
    void perStep(NativeBuffer params, FloatLstmForward top, int batch, int first, int steps, float[] dest) {
        int rows = steps * batch;
        project(params, top.outputRows(), top.outputRowsOffset(), top.outputRowStride(), rows);
        int nOut = plan.outN;
        ByteBuffer lb = logits.bytes();
        for (int t = 0; t < steps; t++) {
            for (int e = 0; e < batch; e++) {
                int r = t * batch + e;
                activate(lb, r * nOut);
                int to = (first + e) * nOut * steps + t;
                for (int k = 0; k < nOut; k++) {
                    dest[to + k * steps] = row[k];
                }
            }
        }
    }

    /**
     * Per sequence: the output at step {@code lastStep[first + e]} of each of the top's examples e
     * (example {@code first + e} of the caller's batch); writes {@code dest[(first + e)*nOut + k]}.
     */
    void perSequence(NativeBuffer params, FloatLstmForward top, int batch, int first, int[] lastStep, float[] dest) {
        int hidden = plan.outIn;
        lastRows.ensure((long) batch * hidden);
        ByteBuffer from = top.outputRows().bytes();
        ByteBuffer to = lastRows.bytes();
        for (int e = 0; e < batch; e++) {
            long row = (long) lastStep[first + e] * batch + e;
            int src = (int) (top.outputRowsOffset() + row * top.outputRowStride());
            to.put(e * hidden << 2, from, src << 2, hidden << 2);
        }
        project(params, lastRows, 0, hidden, batch);
        int nOut = plan.outN;
        ByteBuffer lb = logits.bytes();
        for (int e = 0; e < batch; e++) {
            activate(lb, e * nOut);
            System.arraycopy(row, 0, dest, (first + e) * nOut, nOut);
        }
    }

    /** {@code logits = W^T x} for {@code rows} rows of {@code x} ({@code xStride} apart), and the bias. */
    private void project(NativeBuffer params, NativeBuffer x, long xOffset, int xStride, int rows) {
        int nOut = plan.outN;
        int hidden = plan.outIn;
        logits.ensure((long) rows * nOut);
        if (projection != null) {
            projection.project(params.bytes(), plan.outW, x.bytes(), xOffset, xStride, rows, logits.bytes());
        } else {
            cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, nOut, rows, hidden, 1f, params.floatsAt(plan.outW),
                    hidden, x.floatsAt(xOffset), xStride, 0f, logits.floatsAt(0), nOut);
        }
        ByteBuffer pb = params.bytes();
        for (int k = 0; k < nOut; k++) {
            bias[k] = pb.getFloat((int) ((plan.outB + k) << 2));
        }
    }

    /** Bias and activation of the logits at element {@code at} into {@link #row}. */
    private void activate(ByteBuffer lb, int at) {
        int nOut = plan.outN;
        if (plan.output == TrainingPlan.Output.SOFTMAX_MCXENT) {
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < nOut; k++) {
                float z = lb.getFloat((at + k) << 2) + bias[k];
                row[k] = z;
                max = Math.max(max, z);
            }
            float sum = 0f;
            for (int k = 0; k < nOut; k++) {
                float ez = (float) Math.exp(row[k] - max);
                row[k] = ez;
                sum += ez;
            }
            for (int k = 0; k < nOut; k++) {
                row[k] /= sum;
            }
        } else {
            for (int k = 0; k < nOut; k++) {
                row[k] = lb.getFloat((at + k) << 2) + bias[k];
            }
        }
    }
}
