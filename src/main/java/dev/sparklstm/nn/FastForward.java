package dev.sparklstm.nn;

import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Optional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inference forward pass of a supported network without ND4J on the hot path, as {@link
 * FastTrainer} is for training (ND4J's per-op costs and layout copies made DL4J's {@code output}
 * slower than PyTorch on small LSTMs). The LSTM layers ({@link FloatLstmForward}: the fused
 * equations without what a backward pass needs) read the weights from the network's flat
 * parameter view, the output layer is one GEMM over all rows plus bias and softmax or identity in
 * Java ({@link OutputForward}), and the result goes straight into the caller's array in the C
 * order of DL4J's output shape. {@link #output(INDArray, INDArray, float[])} computes what {@code
 * network.output(features, false, featureMask, null)} returns (tested to 1e-5):
 * <ul>
 *   <li>per step ({@code RnnOutputLayer}): [batch, nOut, steps]; the mask changes nothing (DL4J
 *       M2's {@code output} gives it to no layer that acts on it), so padded steps hold outputs
 *       computed from the padding: drop them;</li>
 *   <li>per sequence ({@code LastTimeStep} + {@code OutputLayer}): [batch, nOut] from each
 *       example's last unmasked step; the top LSTM gets the feature mask, as in DL4J.</li>
 * </ul>
 * {@link #rnnTimeStep} scores long sequences chunk by chunk with the LSTM state carried over, as
 * DL4J's {@code rnnTimeStep} does (per sequence: the output at each chunk's last step, which DL4J
 * M2's {@code LastTimeStep} cannot do).
 *
 * <p>Supported: what {@link TrainingPlan#forInference} accepts (fused LSTM stacks, FLOAT, softmax
 * or identity output; any updater, clipping, L2 or dropout, which do not act at inference); {@link
 * #forNetwork} says why not otherwise. Allocation-free after the first batch of a shape (the
 * buffers only grow). Not thread-safe: one per network and thread. Reads the parameters at every
 * call, so training or {@code setParams} between calls is seen (the view is re-bound when the
 * network replaces it).
 */
public final class FastForward {
    private static final DataType TYPE = DataType.FLOAT;

    private final MultiLayerNetwork network;
    private final TrainingPlan plan;
    private final Lane[] lanes;
    private final NativeBuffer result = new NativeBuffer(TYPE);
    private final boolean batchIndependent;
    private float[] values = new float[0];
    private float[] maskRows = new float[0];
    private int[] lastStep = new int[0];
    /** The array {@link #output(INDArray, INDArray)} returned last, reused while the shape stays. */
    private INDArray resultView;
    private long resultCapacity;
    /** Batch size of the state {@link #rnnTimeStep} carries, or -1 for none. */
    private int streamBatch = -1;
    /** The first example of each lane used by the current call, then the batch size. */
    private int[] bounds = new int[0];

    /** Work a lane should have per call before another is used ({@link Lanes#MIN_FLOPS_PER_LANE}; tests lower it). */
    private final double minLaneFlops;

    private FastForward(MultiLayerNetwork network, TrainingPlan plan, GateMath gates, int threads,
                        double minLaneFlops) {
        this.network = network;
        this.plan = plan;
        this.minLaneFlops = minLaneFlops;
        batchIndependent = gates.rowProjection(plan.outIn, plan.outN) != null
                && plan.lstms.stream().allMatch(l -> gates.lstmStep(l.nIn(), l.hidden()) != null);
        lanes = new Lane[threads];
        for (int i = 0; i < threads; i++) {
            lanes[i] = new Lane(gates);
        }
    }

    /** A forward pass for {@code network}, or empty when it is not supported (see {@link #unsupportedReason}). */
    public static Optional<FastForward> forNetwork(MultiLayerNetwork network) {
        return forNetwork(network, 1);
    }

    /**
     * As {@link #forNetwork(MultiLayerNetwork)}, splitting each batch's examples over up to {@code
     * threads} threads (the calling one and pool threads; see {@code Lanes}; one more per 50 MFLOP
     * of a call's LSTM work), each running the whole network on its examples. Outputs are the
     * one-thread forward's, bit for bit where {@link #batchIndependent()} holds, else up to
     * OpenBLAS's rounding. Give it that many cores, with OpenBLAS at one thread
     * (OMP_NUM_THREADS=1), or the threads compete.
     */
    public static Optional<FastForward> forNetwork(MultiLayerNetwork network, int threads) {
        return forNetwork(network, GateMath.get(), threads, Lanes.MIN_FLOPS_PER_LANE);
    }

    /**
     * As {@link #forNetwork(MultiLayerNetwork, int)} with the given gate math, using another lane
     * only per {@code minLaneFlops} of a call's LSTM work (tests).
     */
    static Optional<FastForward> forNetwork(MultiLayerNetwork network, GateMath gates, int threads,
                                            double minLaneFlops) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        TrainingPlan plan = TrainingPlan.forInference(network);
        return plan.supported() ? Optional.of(new FastForward(network, plan, gates, threads, minLaneFlops))
                : Optional.empty();
    }

    /** Why the fast forward does not support {@code network}, or empty when it does. */
    public static Optional<String> unsupportedReason(MultiLayerNetwork network) {
        return Optional.ofNullable(TrainingPlan.forInference(network).reason);
    }

    /**
     * True when every layer runs in an order fixed per example ({@link LstmStep} for each LSTM
     * layer, {@link RowProjection} for the output layer), so an example's outputs are the same
     * bits in any batch (with AVX-512's 16-float vectors, hidden sizes that are multiples of 16 and
     * at most 16 outputs). Otherwise OpenBLAS's sums may change in the last bits with the batch.
     */
    public boolean batchIndependent() {
        return batchIndependent;
    }

    /** The network this forward reads. */
    public MultiLayerNetwork network() {
        return network;
    }

    /** True when the network has one output per sequence ({@code LastTimeStep}), false for one per step. */
    public boolean perSequence() {
        return plan.perSequence;
    }

    /** Values per output for {@code batch} examples of {@code steps} steps: batch*nOut*steps, or batch*nOut per sequence. */
    public int outputLength(int batch, int steps) {
        long n = (long) batch * plan.outN * (plan.perSequence ? 1 : steps);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("output of " + n + " values is too large for one array");
        }
        return (int) n;
    }

    /**
     * {@code network.output(features, false, featureMask, null)} written into {@code dest} (at
     * least {@link #outputLength} long) in C order: {@code dest[(e*nOut + k)*steps + t]} per step,
     * {@code dest[e*nOut + k]} per sequence. Features [batch, nIn, steps], mask [batch, steps] or
     * null. Ends any {@link #rnnTimeStep} stream.
     */
    public void output(INDArray features, INDArray featureMask, float[] dest) {
        int batch = checkFeatures(features);
        int steps = (int) features.size(2);
        checkDest(dest, batch, steps);
        float[] rowMask = rowMask(featureMask, batch, steps);
        streamBatch = -1;
        // Only the LSTM under LastTimeStep sees the feature mask in DL4J's output(); with per-step
        // output the mask has no effect there (FastForwardTest checks both against DL4J).
        run(features, batch, steps, plan.perSequence ? rowMask : null, false, dest);
    }

    /**
     * As {@link #output(INDArray, INDArray, float[])}, into an ND4J array of DL4J's output shape
     * (C order) that belongs to this forward: it is overwritten by the next call, so copy what
     * must outlive it.
     */
    public INDArray output(INDArray features, INDArray featureMask) {
        int batch = checkFeatures(features);
        int steps = (int) features.size(2);
        int n = outputLength(batch, steps);
        if (values.length < n) {
            values = new float[n];
        }
        output(features, featureMask, values);
        return copyToResult(n, plan.perSequence ? new long[] {batch, plan.outN} : new long[] {batch, plan.outN, steps});
    }

    /**
     * The next chunk of a stream, like DL4J's {@code rnnTimeStep}: features [batch, nIn, steps]
     * of real steps (no mask: never feed padding into a stream you continue), the LSTM state
     * carried from the previous chunk (none after {@link #rnnClearPreviousState} or any {@link
     * #output} call). Per step, writes the chunk's outputs as {@link #output(INDArray, INDArray,
     * float[])} does; per sequence, the output at the chunk's last step, [batch, nOut] (after the
     * last chunk, the sequence's output). The batch size must not change within a stream.
     */
    public void rnnTimeStep(INDArray features, float[] dest) {
        int batch = checkFeatures(features);
        int steps = (int) features.size(2);
        checkDest(dest, batch, steps);
        boolean carry = streamBatch >= 0;
        if (carry && batch != streamBatch) {
            throw new IllegalArgumentException("rnnTimeStep: batch size " + batch + " differs from the stream's "
                    + streamBatch + " (call rnnClearPreviousState first)");
        }
        if (lastStep.length < batch) {
            lastStep = new int[batch];
        }
        Arrays.fill(lastStep, 0, batch, steps - 1);
        run(features, batch, steps, null, carry, dest);
        streamBatch = batch;
    }

    /** Forgets the state of the {@link #rnnTimeStep} stream. */
    public void rnnClearPreviousState() {
        streamBatch = -1;
    }

    /**
     * Every lane's examples through the network into {@code dest}; {@code topMask} (by row
     * t*batch+e, or null) goes to the top LSTM only; per sequence, outputs at {@link #lastStep}.
     * A stream keeps the split of its first chunk (a chunk's lanes carry their examples' state),
     * even where a shorter chunk alone would use fewer lanes.
     */
    private void run(INDArray features, int batch, int steps, float[] topMask, boolean carry, float[] dest) {
        INDArray p = network.params();
        if (!carry) {
            bounds = Lanes.bounds(batch, Lanes.worthwhile(lanes.length, plan.forwardFlops() * batch * steps,
                    minLaneFlops));
        }
        StridedFloats in = new StridedFloats(features);
        Lanes.run(bounds.length - 1, i -> lanes[i].run(p, in, bounds[i], bounds[i + 1], batch, steps, topMask, carry,
                dest));
        Reference.reachabilityFence(in); // the lanes read its memory (StridedFloats)
    }

    /** One thread's examples: its own LSTM kernels, output layer and parameter buffer. */
    private final class Lane {
        final FloatLstmForward[] kernels = new FloatLstmForward[plan.lstms.size()];
        final OutputForward outputLayer;
        /** The network's flat parameter view, re-bound when the network replaces it (setParams, cloning, dl4j-spark). */
        NativeBuffer params;
        /** This lane's rows of the top LSTM's mask, t*count+i. */
        float[] mask = new float[0];

        Lane(GateMath gates) {
            for (int i = 0; i < kernels.length; i++) {
                kernels[i] = new FloatLstmForward(gates);
            }
            outputLayer = new OutputForward(plan, gates.rowProjection(plan.outIn, plan.outN));
        }

        /** Examples [first, end) of the batch: input rows, every LSTM layer, the output layer into {@code dest}. */
        void run(INDArray p, StridedFloats in, int first, int end, int batch, int steps, float[] topMask,
                 boolean carry, float[] dest) {
            if (params == null || !params.views(p)) {
                params = NativeBuffer.over(p);
            }
            int count = end - first;
            float[] laneMask = topMask == null || count == batch ? topMask : maskRows(topMask, batch, steps, first, count);
            TrainingPlan.Lstm bottom = plan.lstms.get(0);
            NativeBuffer x = kernels[0].inputRows(count, steps, bottom.nIn(), bottom.hidden());
            RowLayout.fromNcw(in, first, count, bottom.nIn(), 0, steps, x.bytes(), bottom.nIn() + bottom.hidden());
            for (int l = 0; l < kernels.length; l++) {
                TrainingPlan.Lstm layer = plan.lstms.get(l);
                NativeBuffer source = l == 0 ? null : kernels[l - 1].outputRows();
                long sourceOffset = l == 0 ? 0 : kernels[l - 1].outputRowsOffset();
                int sourceStride = l == 0 ? 0 : kernels[l - 1].outputRowStride();
                if (carry) {
                    kernels[l].carryState();
                } else {
                    kernels[l].clearState();
                }
                kernels[l].forward(count, steps, layer.nIn(), layer.hidden(), params, layer.w(), layer.rw(), layer.b(),
                        source, sourceOffset, sourceStride, l == kernels.length - 1 ? laneMask : null);
            }
            FloatLstmForward top = kernels[kernels.length - 1];
            if (plan.perSequence) {
                outputLayer.perSequence(params, top, count, first, lastStep, dest);
            } else {
                outputLayer.perStep(params, top, count, first, steps, dest);
            }
        }

        private float[] maskRows(float[] rows, int batch, int steps, int first, int count) {
            if (mask.length < count * steps) {
                mask = new float[count * steps];
            }
            for (int t = 0; t < steps; t++) {
                System.arraycopy(rows, t * batch + first, mask, t * count, count);
            }
            return mask;
        }
    }

    /**
     * The mask by row t*batch+e (null without a mask) and, per sequence, each example's last
     * unmasked step in {@link #lastStep} (the last step where the mask is not 0, as DL4J's
     * {@code LastTimeStep} reads it).
     */
    private float[] rowMask(INDArray featureMask, int batch, int steps) {
        if (lastStep.length < batch) {
            lastStep = new int[batch];
        }
        if (featureMask == null) {
            Arrays.fill(lastStep, 0, batch, steps - 1);
            return null;
        }
        if (featureMask.rank() != 2 || featureMask.size(0) != batch || featureMask.size(1) != steps) {
            throw new IllegalArgumentException("feature mask must be [" + batch + ", " + steps + "], got "
                    + Arrays.toString(featureMask.shape()));
        }
        if (maskRows.length < batch * steps) {
            maskRows = new float[batch * steps];
        }
        int empty = RowLayout.maskRowsAndLastSteps(featureMask, batch, steps, maskRows, lastStep);
        if (plan.perSequence && empty >= 0) {
            throw new IllegalArgumentException("example " + empty + " is masked at every step (DL4J's LastTimeStep"
                    + " throws too): drop empty sequences");
        }
        return maskRows;
    }

    private int checkFeatures(INDArray features) {
        int nIn = plan.lstms.get(0).nIn();
        if (features.rank() != 3 || features.size(1) != nIn || features.size(2) < 1) {
            throw new IllegalArgumentException("features must be [batch, " + nIn + ", steps], got "
                    + Arrays.toString(features.shape()));
        }
        return (int) features.size(0);
    }

    private void checkDest(float[] dest, int batch, int steps) {
        int n = outputLength(batch, steps);
        if (dest.length < n) {
            throw new IllegalArgumentException("output array of length " + dest.length + " is shorter than the "
                    + n + " values of the output");
        }
    }

    /** Copies the first {@code n} values into {@link #result} and returns its view of {@code shape}. */
    private INDArray copyToResult(int n, long[] shape) {
        if (n > resultCapacity) {
            result.ensure(n);
            resultCapacity = n;
            resultView = null;
        }
        result.floatsAt(0).put(values, 0, n);
        if (resultView == null || !Arrays.equals(resultView.shape(), shape)) {
            resultView = result.view(0, shape);
        }
        return resultView;
    }
}
