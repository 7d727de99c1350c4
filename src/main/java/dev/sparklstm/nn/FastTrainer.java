package dev.sparklstm.nn;

import java.lang.ref.Reference;
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
    private final GateMath gates = GateMath.get();
    /** Lane 0 adds up the gradients of the lanes in its buffer, the one the update reads (see {@link #step}). */
    private final Lane[] lanes;
    /** Each LSTM layer's RW packed once per segment for all lanes' per-step products. */
    private final FloatLstmKernel.PackedRw[] packedRw;
    private NativeBuffer params;
    private NativeBuffer state;
    private boolean loggedFallback;
    /** Per-sequence: the last unmasked step of each example and the top LSTM's mask by row (null: none). */
    private int[] lastStep = new int[0];
    private float[] topMaskRows = new float[0];
    private float[] topMask;
    /** The first example of each lane used for the current minibatch, then its batch size. */
    private int[] bounds = new int[0];

    /** Work a lane should have per segment before another is used ({@link Lanes#MIN_FLOPS_PER_LANE}; tests lower it). */
    private final double minLaneFlops;

    private FastTrainer(MultiLayerNetwork network, TrainingPlan plan, int threads, double minLaneFlops) {
        this.network = network;
        this.plan = plan;
        this.minLaneFlops = minLaneFlops;
        packedRw = new FloatLstmKernel.PackedRw[plan.lstms.size()];
        for (int l = 0; l < packedRw.length; l++) {
            packedRw[l] = new FloatLstmKernel.PackedRw(gates, plan.lstms.get(l).hidden());
        }
        lanes = new Lane[threads];
        for (int i = 0; i < threads; i++) {
            lanes[i] = new Lane();
        }
    }

    /** A trainer for {@code network}, or empty when the fast path does not support it (see {@link #unsupportedReason}). */
    public static Optional<FastTrainer> forNetwork(MultiLayerNetwork network) {
        return forNetwork(network, 1);
    }

    /**
     * As {@link #forNetwork(MultiLayerNetwork)}, splitting each minibatch's examples over up to
     * {@code threads} threads (the calling one and pool threads; see {@code Lanes}; one more per
     * 50 MFLOP of a segment's LSTM work, below which handing work over costs more): each runs the
     * forward and backward of its examples, their gradients are added up and one update follows,
     * so the result is the one-thread step's up to the order of float additions. Give the trainer
     * that many cores, with OpenBLAS at one thread (OMP_NUM_THREADS=1), or the threads compete.
     */
    public static Optional<FastTrainer> forNetwork(MultiLayerNetwork network, int threads) {
        return forNetwork(network, threads, Lanes.MIN_FLOPS_PER_LANE);
    }

    /** As {@link #forNetwork(MultiLayerNetwork, int)}, using another lane only per {@code minLaneFlops} of a segment's work. */
    static Optional<FastTrainer> forNetwork(MultiLayerNetwork network, int threads, double minLaneFlops) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        TrainingPlan plan = TrainingPlan.of(network);
        return plan.supported() ? Optional.of(new FastTrainer(network, plan, threads, minLaneFlops))
                : Optional.empty();
    }

    /** Why the fast path does not support {@code network}, or empty when it does. */
    public static Optional<String> unsupportedReason(MultiLayerNetwork network) {
        return Optional.ofNullable(TrainingPlan.of(network).reason);
    }

    /** The most threads a minibatch is split over. */
    public int threads() {
        return lanes.length;
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
        int segmentSteps = plan.tbptt > 0 ? Math.min(plan.tbptt, steps) : steps;
        bounds = Lanes.bounds(batch, Lanes.worthwhile(lanes.length,
                3 * plan.forwardFlops() * batch * segmentSteps, minLaneFlops));
        if (topMask != null && bounds.length > 2) {
            for (int i = 0; i < bounds.length - 1; i++) {
                lanes[i].maskRows(topMask, batch, steps, bounds[i], bounds[i + 1]);
            }
        }
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
            // A buffer's pointer is repositioned by each BLAS call: one per lane.
            lanes[0].params = params;
            for (int i = 1; i < lanes.length; i++) {
                lanes[i].params = NativeBuffer.over(p);
            }
        }
        INDArray s = network.getUpdater().getStateViewArray();
        if (state == null || !state.views(s)) {
            state = NativeBuffer.over(s);
        }
    }

    /** One optimizer step on the segment [start, start+steps); returns its score as DL4J computes it. */
    private double step(StridedFloats in, StridedFloats labels, StridedFloats mask, int batch, int start, int steps,
                        boolean carry) {
        int used = bounds.length - 1;
        Lanes.run(used, i -> {
            for (int l = 0; l < packedRw.length; l++) {
                packedRw[l].pack(lanes[i].params, plan.lstms.get(l).rw(), i, used);
            }
        });
        Lanes.run(used, i -> lanes[i].forwardBackward(in, labels, mask, bounds[i], bounds[i + 1], batch, start, steps,
                carry));
        double loss = 0;
        for (int i = 0; i < used; i++) {
            loss += lanes[i].loss;
        }
        // Without clipping or L2 nothing reads the summed gradient before Adam, which then adds
        // the last lane's itself: one pass over all gradients fewer (1.5-3% of workload B on 2 lanes).
        boolean lastInAdam = used > 1 && plan.clips().isEmpty() && plan.l2s().isEmpty();
        int summed = lastInAdam ? used - 1 : used;
        if (summed > 1) {
            Lanes.run(used, i -> addGradients(summed, (long) plan.numParams * i / used,
                    (long) plan.numParams * (i + 1) / used));
        }
        NativeBuffer grads = lanes[0].grads;
        NativeBuffer more = lastInAdam ? lanes[used - 1].grads : null;
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        int iteration = conf.getIterationCount();
        int epoch = conf.getEpochCount();
        double regScore = Updates.normalizeAndRegularize(gates, plan, params, grads, iteration, epoch);
        if (used > 1) {
            Lanes.run(used, i -> Updates.adam(plan, params, grads, more, state, iteration, epoch,
                    (long) plan.numParams * i / used, (long) plan.numParams * (i + 1) / used));
        } else {
            Updates.adam(plan, params, grads, state, iteration, epoch);
        }
        conf.setIterationCount(iteration + 1);
        return loss + regScore;
    }

    /** Adds the gradients of lanes 1 to {@code count - 1} to lane 0's, elements [from, to). */
    private void addGradients(int count, long from, long to) {
        for (int i = 1; i < count; i++) {
            gates.add(lanes[0].grads.bytes(), lanes[i].grads.bytes(), (int) from, (int) (to - from));
        }
    }

    /** One thread's share of a step: its examples' forward, loss and backward, with its own buffers. */
    private final class Lane {
        final FloatLstmKernel[] kernels = new FloatLstmKernel[plan.lstms.size()];
        final OutputStep output = new OutputStep(plan);
        final NativeBuffer grads = new NativeBuffer(TYPE);
        /** The network's parameters, with this lane's own pointer (lane 0: the trainer's). */
        NativeBuffer params;
        /** Per sequence with a feature mask: the top LSTM's mask by this lane's rows, t*count+i. */
        float[] topMask = new float[0];
        double loss;

        Lane() {
            for (int i = 0; i < kernels.length; i++) {
                kernels[i] = new FloatLstmKernel(gates);
                kernels[i].sharePackedRw(packedRw[i]);
            }
            grads.ensure(plan.numParams);
        }

        /** This lane's rows of the minibatch's row mask {@code rows} (t*batch+e), for examples [first, end). */
        void maskRows(float[] rows, int batch, int steps, int first, int end) {
            int count = end - first;
            if (topMask.length < count * steps) {
                topMask = new float[count * steps];
            }
            for (int t = 0; t < steps; t++) {
                System.arraycopy(rows, t * batch + first, topMask, t * count, count);
            }
        }

        /** Forward, loss and backward of examples [first, end) of the minibatch on the segment; gradients into {@link #grads}. */
        void forwardBackward(StridedFloats in, StridedFloats labels, StridedFloats mask, int first, int end, int batch,
                             int start, int steps, boolean carry) {
            int count = end - first;
            TrainingPlan.Lstm bottom = plan.lstms.get(0);
            int nIn = bottom.nIn();
            RowLayout.fromNcw(in, first, count, nIn, start, steps, kernels[0].inputRows(count, steps, nIn).bytes(), nIn);
            for (int l = 0; l < kernels.length; l++) {
                TrainingPlan.Lstm layer = plan.lstms.get(l);
                NativeBuffer source = l == 0 ? null : kernels[l - 1].outputRows();
                long sourceOffset = l == 0 ? 0 : kernels[l - 1].outputRowsOffset();
                float[] rowMask = plan.perSequence && l == kernels.length - 1 && FastTrainer.this.topMask != null
                        ? (bounds.length == 2 ? FastTrainer.this.topMask : topMask) : null;
                kernels[l].forwardFlat(count, steps, layer.nIn(), layer.hidden(), params, layer.w(), layer.rw(),
                        layer.b(), source, sourceOffset, carry, rowMask);
            }
            FloatLstmKernel top = kernels[kernels.length - 1];
            loss = output.run(params, grads, top, labels, mask, count, first, batch, start, steps,
                    plan.perSequence ? lastStep : null);
            for (int l = kernels.length - 1; l >= 0; l--) {
                kernels[l].backwardFlat(grads, l == 0 ? null : kernels[l - 1].outputGradientRows(), 0);
            }
        }
    }
}
