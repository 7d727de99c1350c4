package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The output layer of {@link FastTrainer}'s step: a dense layer on the top LSTM's output at every
 * step ({@code RnnOutputLayer}) or at each example's last unmasked step ({@code LastTimeStep} +
 * {@code OutputLayer}), softmax with MCXENT or identity with MSE, the label mask per row. Writes
 * the output layer's gradients into the flat gradient buffer and the gradient with respect to the
 * top LSTM's outputs into that kernel's output-gradient rows.
 */
final class OutputStep {
    private final TrainingPlan plan;
    /** Output-layer rows [rows, nOut]: pre-activations, then the loss gradient. */
    private final NativeBuffer delta = new NativeBuffer(DataType.FLOAT);
    /** Per-sequence: the top LSTM's output at each example's last step [batch, hidden], then its gradient. */
    private final NativeBuffer lastRows = new NativeBuffer(DataType.FLOAT);
    private final float[] outBias;
    private final float[] outBiasGrad;
    private NativeBuffer params;

    OutputStep(TrainingPlan plan) {
        this.plan = plan;
        outBias = new float[plan.outN];
        outBiasGrad = new float[plan.outN];
    }

    /**
     * Forward, loss and backward of the output layer on the segment [start, start+steps) after
     * the top kernel's forward; returns the loss part of DL4J's score. The kernel ran examples
     * {@code first} to {@code first + batch - 1} of a minibatch of {@code total} (the labels, mask
     * and {@code lastStep} are the whole minibatch's; loss and gradients are divided by {@code
     * total}, so the lanes' gradients add up to the minibatch's). {@code lastStep} (per sequence
     * only) is each example's last unmasked step.
     */
    double run(NativeBuffer params, NativeBuffer grads, FloatLstmKernel top, StridedFloats labels, StridedFloats mask,
               int batch, int first, int total, int start, int steps, int[] lastStep) {
        this.params = params;
        int rows = steps * batch;
        int nOut = plan.outN;
        int hidden = plan.outIn;
        NativeBuffer outIn;
        long outInOffset;
        int outRows;
        if (plan.perSequence) {
            outRows = batch;
            lastRows.ensure((long) batch * hidden);
            ByteBuffer h = top.outputRows().bytes();
            ByteBuffer g = lastRows.bytes();
            long base = top.outputRowsOffset();
            for (int e = 0; e < batch; e++) {
                long from = base + ((long) lastStep[first + e] * batch + e) * hidden;
                for (int j = 0; j < hidden; j++) {
                    g.putFloat((e * hidden + j) << 2, h.getFloat((int) ((from + j) << 2)));
                }
            }
            outIn = lastRows;
            outInOffset = 0;
        } else {
            outRows = rows;
            outIn = top.outputRows();
            outInOffset = top.outputRowsOffset();
        }
        delta.ensure((long) outRows * nOut);
        cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, nOut, outRows, hidden, 1f, params.floatsAt(plan.outW), hidden,
                outIn.floatsAt(outInOffset), hidden, 0f, delta.floatsAt(0), nOut);
        double loss = lossAndDelta(labels, mask, batch, first, total, start, outRows);

        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, hidden, nOut, outRows, 1f, outIn.floatsAt(outInOffset), hidden,
                delta.floatsAt(0), nOut, 0f, grads.floatsAt(plan.outW), hidden);
        ByteBuffer gb = grads.bytes();
        for (int k = 0; k < nOut; k++) {
            gb.putFloat((int) ((plan.outB + k) << 2), outBiasGrad[k]);
        }
        NativeBuffer topGrad = top.outputGradientRows();
        if (plan.perSequence) {
            // LastTimeStep: the gradient reaches only each example's last step.
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, hidden, batch, nOut, 1f, params.floatsAt(plan.outW),
                    hidden, delta.floatsAt(0), nOut, 0f, lastRows.floatsAt(0), hidden);
            topGrad.zero(0, (long) rows * hidden);
            ByteBuffer d = topGrad.bytes();
            ByteBuffer g = lastRows.bytes();
            for (int e = 0; e < batch; e++) {
                int to = (lastStep[first + e] * batch + e) * hidden;
                for (int j = 0; j < hidden; j++) {
                    d.putFloat((to + j) << 2, g.getFloat((e * hidden + j) << 2));
                }
            }
        } else {
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, hidden, rows, nOut, 1f, params.floatsAt(plan.outW),
                    hidden, delta.floatsAt(0), nOut, 0f, topGrad.floatsAt(0), hidden);
        }
        return loss;
    }

    /**
     * The output layer from its pre-activations in {@code delta}: activation, loss (summed over
     * unmasked rows, divided by the minibatch size) and the loss gradient with respect to the
     * pre-activations, already divided by the minibatch size (DL4J divides the parameter gradients
     * afterwards; the same numbers up to rounding), written back into {@code delta}; the bias
     * gradient into {@link #outBiasGrad}.
     */
    private double lossAndDelta(StridedFloats labels, StridedFloats mask, int batch, int first, int total, int start,
                                int outRows) {
        int nOut = plan.outN;
        ByteBuffer pb = params.bytes();
        for (int k = 0; k < nOut; k++) {
            outBias[k] = pb.getFloat((int) ((plan.outB + k) << 2));
            outBiasGrad[k] = 0f;
        }
        float scale = plan.divideByMinibatch ? 1f / total : 1f;
        float clipLow = (float) plan.clipEps;
        float clipHigh = (float) (1.0 - plan.clipEps);
        ByteBuffer db = delta.bytes();
        double loss = 0;
        for (int r = 0; r < outRows; r++) {
            // Row r is example e at step t (per step), or example r (per sequence, t unused).
            int t = plan.perSequence ? 0 : r / batch;
            int e = first + (plan.perSequence ? r : r % batch);
            int base = r * nOut;
            float m = mask == null ? 1f : mask.get(e, start + t);
            if (plan.output == TrainingPlan.Output.SOFTMAX_MCXENT) {
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < nOut; k++) {
                    float z = db.getFloat((base + k) << 2) + outBias[k];
                    db.putFloat((base + k) << 2, z);
                    max = Math.max(max, z);
                }
                float sum = 0f;
                for (int k = 0; k < nOut; k++) {
                    float ez = (float) Math.exp(db.getFloat((base + k) << 2) - max);
                    db.putFloat((base + k) << 2, ez);
                    sum += ez;
                }
                for (int k = 0; k < nOut; k++) {
                    float p = db.getFloat((base + k) << 2) / sum;
                    float y = label(labels, e, k, start + t);
                    if (y != 0f) {
                        float clipped = plan.clipEps > 0 ? Math.min(Math.max(p, clipLow), clipHigh) : p;
                        loss -= (double) y * Math.log(clipped) * m;
                    }
                    float d = (p - y) * m * scale;
                    db.putFloat((base + k) << 2, d);
                    outBiasGrad[k] += d;
                }
            } else {
                for (int k = 0; k < nOut; k++) {
                    float o = db.getFloat((base + k) << 2) + outBias[k];
                    float diff = o - label(labels, e, k, start + t);
                    loss += (double) diff * diff / nOut * m;
                    float d = 2f * diff / nOut * m * scale;
                    db.putFloat((base + k) << 2, d);
                    outBiasGrad[k] += d;
                }
            }
        }
        return plan.divideByMinibatch ? loss / total : loss;
    }

    private float label(StridedFloats labels, int e, int k, int t) {
        return plan.perSequence ? labels.get(e, k) : labels.get(e, k, t);
    }
}
