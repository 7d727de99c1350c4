package dev.sparklstm.nn;

import java.lang.ref.Reference;
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
    private final OutputStep output;
    private NativeBuffer params;
    private NativeBuffer state;
    private boolean loggedFallback;
    /** Per-sequence: the last unmasked step of each example and the top LSTM's mask by row (null: none). */
    private int[] lastStep = new int[0];
    private float[] topMaskRows = new float[0];
    private float[] topMask;

    private FastTrainer(MultiLayerNetwork network, TrainingPlan plan) {
        this.network = network;
        this.plan = plan;
        kernels = new FloatLstmKernel[plan.lstms.size()];
        for (int i = 0; i < kernels.length; i++) {
            kernels[i] = new FloatLstmKernel(GateMath.get());
        }
        grads.ensure(plan.numParams);
        output = new OutputStep(plan);
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
        StridedFloats in = new StridedFloats(features);
        StridedFloats out = new StridedFloats(labels);
        StridedFloats mask = outMask == null ? null : new StridedFloats(outMask);
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
        // The reads above went to native memory that only these objects keep allocated (StridedFloats).
        Reference.reachabilityFence(in);
        Reference.reachabilityFence(out);
        Reference.reachabilityFence(mask);
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
        int empty = RowLayout.maskRowsAndLastSteps(featureMask, batch, steps, topMask, lastStep);
        return empty < 0 ? null : "example " + empty + " is masked at every step (DL4J's LastTimeStep throws)";
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
    private double step(StridedFloats in, StridedFloats labels, StridedFloats mask, int batch, int start, int steps,
                        boolean carry) {
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
        double loss = output.run(params, grads, top, labels, mask, batch, start, steps,
                plan.perSequence ? lastStep : null);
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
}
