package dev.sparklstm.nn;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole training step of a supported network, done in place on the network's own flat
 * parameter view and updater-state view (DL4J's layouts), so the network stays a plain DL4J
 * {@code MultiLayerNetwork}: saving, loading and dl4j-spark's averaging of parameters and updater
 * state are unchanged. {@link #fit(DataSet)} does what {@code network.fit(DataSet)} does for that
 * configuration (tested to float tolerance):
 * <ol>
 *   <li>truncated BPTT segments of {@code tBPTTForwardLength} steps with the LSTM state carried
 *       between them (each segment backpropagated whole, as {@link FusedLstmLayer} does under
 *       {@code fit}; the backward length is not used), or one segment with full BPTT;</li>
 *   <li>per segment: forward through the fused kernels, the output layer, the loss gradient with
 *       the label mask (the feature mask when there is no label mask, as DL4J passes it on),
 *       backward, division by the minibatch size, per-layer gradient normalization, L2 added to
 *       the gradient, Adam (DL4J's update formula and bias correction from the iteration count)
 *       and the step {@code params -= update};</li>
 *   <li>the iteration count goes up by one per segment (the epoch count is untouched), the layers'
 *       counts are synchronized and the score of the last segment is set, as {@code fit} does.</li>
 * </ol>
 * Supported: {@link FusedLstm} layers stacked under an {@code RnnOutputLayer} (one output per
 * step), or with the top one wrapped in {@code LastTimeStep} under a dense {@code OutputLayer}
 * (one output per sequence, full BPTT: the top LSTM gets the feature mask and the gradient enters
 * at each example's last unmasked step, as in DL4J); softmax with MCXENT or identity with MSE;
 * FLOAT, Adam, clipping none / ClipL2PerLayer /
 * ClipElementWiseAbsoluteValue, L2, no dropout, no listeners; {@link #forNetwork} says why not
 * otherwise. Data it does not handle (per-output masks, labels that are not [batch, outputs,
 * steps]) goes to {@code network.fit}, which then behaves as it always does.
 *
 * <p>After the first minibatch of a shape it allocates nothing per segment. Not thread-safe; one
 * trainer per network, and the network must not be trained by other means in between unless
 * those leave its parameter and updater views in place (DL4J's own {@code fit} does).
 */
public final class FastTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(FastTrainer.class);
    private static final DataType TYPE = DataType.FLOAT;

    private final MultiLayerNetwork network;
    private final TrainingPlan plan;
    private final FloatLstmKernel[] kernels;
    private final NativeBuffer grads = new NativeBuffer(TYPE);
    /** Output-layer rows [steps*batch, nOut]: pre-activations, then the loss gradient. */
    private final NativeBuffer delta = new NativeBuffer(TYPE);
    private final float[] outBias;
    private final float[] outBiasGrad;
    private NativeBuffer params;
    private NativeBuffer state;
    private boolean loggedFallback;
    /** Per-sequence: the last unmasked step of each example and the top LSTM's mask by row (null: none). */
    private int[] lastStep = new int[0];
    private float[] topMaskRows = new float[0];
    private float[] topMask;
    /** Per-sequence: the top LSTM's output at each example's last step [batch, hidden], then its gradient. */
    private final NativeBuffer lastRows = new NativeBuffer(TYPE);

    private FastTrainer(MultiLayerNetwork network, TrainingPlan plan) {
        this.network = network;
        this.plan = plan;
        kernels = new FloatLstmKernel[plan.lstms.size()];
        for (int i = 0; i < kernels.length; i++) {
            kernels[i] = new FloatLstmKernel(GateMath.get());
        }
        grads.ensure(plan.numParams);
        outBias = new float[plan.outN];
        outBiasGrad = new float[plan.outN];
    }

    /** A trainer for {@code network}, or empty when the fast path does not support it (see {@link #unsupportedReason}). */
    public static Optional<FastTrainer> forNetwork(MultiLayerNetwork network) {
        TrainingPlan plan = TrainingPlan.of(network);
        return plan.supported() ? Optional.of(new FastTrainer(network, plan)) : Optional.empty();
    }

    /** Why the fast path does not support {@code network}, or empty when it does. */
    public static Optional<String> unsupportedReason(MultiLayerNetwork network) {
        return Optional.ofNullable(TrainingPlan.of(network).reason);
    }

    /** The network this trainer trains. */
    public MultiLayerNetwork network() {
        return network;
    }

    /** One {@code fit} on a minibatch: features [batch, nIn, steps], labels [batch, nOut, steps], masks [batch, steps]. */
    public void fit(DataSet data) {
        INDArray features = data.getFeatures();
        INDArray labels = data.getLabels();
        INDArray labelMask = data.getLabelsMaskArray();
        INDArray featureMask = data.getFeaturesMaskArray();
        // DL4J hands the feature mask on to an RnnOutputLayer (a label mask replaces it there);
        // LastTimeStep gives it to the top LSTM and passes no mask on.
        INDArray outMask = plan.perSequence ? labelMask : labelMask != null ? labelMask : featureMask;
        String problem = plan.perSequence ? perSequenceProblem(features, labels, labelMask, featureMask)
                : dataProblem(features, labels, outMask);
        if (problem == null && network.getListeners() != null && !network.getListeners().isEmpty()) {
            problem = "training listeners were set after the trainer was made";
        }
        if (problem != null) {
            if (!loggedFallback) {
                LOG.info("fast training step falls back to MultiLayerNetwork.fit: {}", problem);
                loggedFallback = true;
            }
            network.fit(data);
            return;
        }
        bindViews();
        Strided in = new Strided(features);
        Strided out = new Strided(labels);
        Strided mask = outMask == null ? null : new Strided(outMask);
        int batch = (int) features.size(0);
        int steps = (int) features.size(2);
        int segment = plan.tbptt > 0 ? plan.tbptt : steps;
        if (plan.tbptt > 0) {
            network.rnnClearPreviousState();
        }
        double score = 0;
        for (int start = 0; start < steps; start += segment) {
            score = step(in, out, mask, batch, start, Math.min(segment, steps - start), start > 0);
        }
        if (plan.tbptt > 0) {
            network.rnnClearPreviousState();
        }
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        for (Layer layer : network.getLayers()) {
            layer.setIterationCount(conf.getIterationCount());
            layer.setEpochCount(conf.getEpochCount());
        }
        network.setScore(score);
    }

    /** Checks per-sequence data and prepares {@link #lastStep} and {@link #topMask} from the feature mask. */
    private String perSequenceProblem(INDArray features, INDArray labels, INDArray labelMask, INDArray featureMask) {
        if (features.rank() != 3 || labels == null || labels.rank() != 2) {
            return "per-sequence features must be [batch, size, steps] and labels [batch, size]";
        }
        int batch = (int) features.size(0);
        int steps = (int) features.size(2);
        if (features.size(1) != plan.lstms.get(0).nIn() || labels.size(1) != plan.outN || labels.size(0) != batch) {
            return "features " + java.util.Arrays.toString(features.shape()) + " and labels "
                    + java.util.Arrays.toString(labels.shape()) + " do not fit the network";
        }
        if (labelMask != null) {
            return "a label mask with per-sequence labels";
        }
        if (featureMask != null && (featureMask.rank() != 2 || featureMask.size(0) != batch
                || featureMask.size(1) != steps)) {
            return "feature mask of shape " + java.util.Arrays.toString(featureMask.shape());
        }
        if (lastStep.length < batch) {
            lastStep = new int[batch];
        }
        if (featureMask == null) {
            java.util.Arrays.fill(lastStep, 0, batch, steps - 1);
            topMask = null;
            return null;
        }
        if (topMaskRows.length < batch * steps) {
            topMaskRows = new float[batch * steps];
        }
        topMask = topMaskRows;
        Strided m = new Strided(featureMask);
        for (int e = 0; e < batch; e++) {
            lastStep[e] = -1;
            for (int t = 0; t < steps; t++) {
                float v = m.get(e, t);
                topMask[t * batch + e] = v;
                if (v != 0f) {
                    lastStep[e] = t;
                }
            }
            if (lastStep[e] < 0) {
                return "example " + e + " is masked at every step (DL4J's LastTimeStep throws)";
            }
        }
        return null;
    }

    private String dataProblem(INDArray features, INDArray labels, INDArray outMask) {
        if (features.rank() != 3 || labels == null || labels.rank() != 3) {
            return "features and labels must be [batch, size, steps]";
        }
        if (features.size(1) != plan.lstms.get(0).nIn() || labels.size(1) != plan.outN
                || labels.size(0) != features.size(0) || labels.size(2) != features.size(2)) {
            return "features " + java.util.Arrays.toString(features.shape()) + " and labels "
                    + java.util.Arrays.toString(labels.shape()) + " do not fit the network";
        }
        if (outMask != null && (outMask.rank() != 2 || outMask.size(0) != features.size(0)
                || outMask.size(1) != features.size(2))) {
            return "mask of shape " + java.util.Arrays.toString(outMask.shape()) + " (only [batch, steps] is handled)";
        }
        return null;
    }

    /** (Re)binds the network's parameter and updater-state views: dl4j-spark and setParams may replace them. */
    private void bindViews() {
        INDArray p = network.params();
        if (params == null || !params.views(p)) {
            params = NativeBuffer.over(p);
        }
        INDArray s = network.getUpdater().getStateViewArray();
        if (state == null || !state.views(s)) {
            state = NativeBuffer.over(s);
        }
    }

    /** One optimizer step on the segment [start, start+steps); returns its score as DL4J computes it. */
    private double step(Strided in, Strided labels, Strided mask, int batch, int start, int steps, boolean carry) {
        int rows = steps * batch;
        TrainingPlan.Lstm first = plan.lstms.get(0);
        NativeBuffer x = kernels[0].inputRows(batch, steps, first.nIn());
        ByteBuffer xb = x.bytes();
        for (int t = 0; t < steps; t++) {
            for (int e = 0; e < batch; e++) {
                int row = (t * batch + e) * first.nIn();
                for (int k = 0; k < first.nIn(); k++) {
                    xb.putFloat((row + k) << 2, in.get(e, k, start + t));
                }
            }
        }
        for (int l = 0; l < kernels.length; l++) {
            TrainingPlan.Lstm layer = plan.lstms.get(l);
            NativeBuffer source = l == 0 ? null : kernels[l - 1].outputRows();
            long sourceOffset = l == 0 ? 0 : kernels[l - 1].outputRowsOffset();
            float[] rowMask = plan.perSequence && l == kernels.length - 1 ? topMask : null;
            kernels[l].forwardFlat(batch, steps, layer.nIn(), layer.hidden(), params, layer.w(), layer.rw(), layer.b(),
                    source, sourceOffset, carry, rowMask);
        }
        FloatLstmKernel top = kernels[kernels.length - 1];
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
                long from = base + ((long) lastStep[e] * batch + e) * hidden;
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
        double loss = lossAndDelta(labels, mask, batch, start, outRows);

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
                int to = (lastStep[e] * batch + e) * hidden;
                for (int j = 0; j < hidden; j++) {
                    d.putFloat((to + j) << 2, g.getFloat((e * hidden + j) << 2));
                }
            }
        } else {
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, hidden, rows, nOut, 1f, params.floatsAt(plan.outW),
                    hidden, delta.floatsAt(0), nOut, 0f, topGrad.floatsAt(0), hidden);
        }
        for (int l = kernels.length - 1; l >= 0; l--) {
            kernels[l].backwardFlat(grads, l == 0 ? null : kernels[l - 1].outputGradientRows(), 0);
        }
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        int iteration = conf.getIterationCount();
        int epoch = conf.getEpochCount();
        double regScore = Updates.normalizeAndRegularize(plan, params, grads, iteration, epoch);
        Updates.adam(plan, params, grads, state, iteration, epoch);
        conf.setIterationCount(iteration + 1);
        return loss + regScore;
    }

    /**
     * The output layer from its pre-activations in {@code delta}: activation, loss (summed over
     * unmasked rows, divided by the minibatch size) and the loss gradient with respect to the
     * pre-activations, already divided by the minibatch size (DL4J divides the parameter gradients
     * afterwards; the same numbers up to rounding), written back into {@code delta}; the bias
     * gradient into {@link #outBiasGrad}.
     */
    private double lossAndDelta(Strided labels, Strided mask, int batch, int start, int outRows) {
        int nOut = plan.outN;
        ByteBuffer pb = params.bytes();
        for (int k = 0; k < nOut; k++) {
            outBias[k] = pb.getFloat((int) ((plan.outB + k) << 2));
            outBiasGrad[k] = 0f;
        }
        float scale = plan.divideByMinibatch ? 1f / batch : 1f;
        float clipLow = (float) plan.clipEps;
        float clipHigh = (float) (1.0 - plan.clipEps);
        ByteBuffer db = delta.bytes();
        double loss = 0;
        for (int r = 0; r < outRows; r++) {
            // Row r is example e at step t (per step), or example r (per sequence, t unused).
            int t = plan.perSequence ? 0 : r / batch;
            int e = plan.perSequence ? r : r % batch;
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
        return plan.divideByMinibatch ? loss / batch : loss;
    }

    private float label(Strided labels, int e, int k, int t) {
        return plan.perSequence ? labels.get(e, k) : labels.get(e, k, t);
    }

    /** Element reads from a FLOAT array of any strides (rank 2 or 3) without ND4J ops per element. */
    private static final class Strided {
        private final java.nio.FloatBuffer data;
        private final long offset;
        private final long[] stride;

        Strided(INDArray array) {
            INDArray a = array.dataType() == TYPE ? array : array.castTo(TYPE);
            if (a.data().offset() != 0) {
                a = a.dup('c');
            }
            data = a.data().asNioFloat();
            offset = a.offset();
            stride = a.stride();
        }

        float get(int i, int j) {
            return data.get((int) (offset + i * stride[0] + j * stride[1]));
        }

        float get(int i, int j, int k) {
            return data.get((int) (offset + i * stride[0] + j * stride[1] + k * stride[2]));
        }
    }
}
