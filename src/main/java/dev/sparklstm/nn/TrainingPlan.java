package dev.sparklstm.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * What {@link FastTrainer} needs to know about a network, read once from its configuration:
 * layer sizes, where each parameter lives in the flat parameter view, per-layer gradient
 * normalization, L2 terms and the updater blocks (offsets into the flat updater-state view).
 * {@link #of} returns either a plan or the reason the network is not supported. {@link
 * #forInference} (for {@link FastForward}) checks only what the forward pass depends on: any
 * updater, regularization, clipping, dropout or listeners are fine there, and its plan has no
 * clipping, L2 or updater entries.
 */
final class TrainingPlan {
    /** The supported output layers: softmax with cross-entropy, identity with mean squared error. */
    enum Output { SOFTMAX_MCXENT, IDENTITY_MSE }

    /** One LSTM layer: sizes and element offsets of W [nIn, 4H], RW [H, 4H], b [1, 4H] in the flat view. */
    record Lstm(int nIn, int hidden, long w, long rw, long b) {
    }

    /** Gradient normalization of one layer's parameter range [start, end). */
    record Clip(long start, long end, GradientNormalization kind, double threshold) {
    }

    /** An L2 term on the parameter range [start, end), applied to the gradient before the updater, as DL4J does. */
    record L2(long start, long end, L2Regularization l2) {
    }

    /** One DL4J updater block: parameters [start, end), Adam state at {@code state} (m, then v, each end-start long). */
    record AdamBlock(long start, long end, long state, Adam adam) {
    }

    final List<Lstm> lstms;
    final int outIn;
    final int outN;
    final long outW;
    final long outB;
    final Output output;
    /** LossMCXENT's softmax clipping in the score (probabilities kept in [eps, 1-eps]). */
    final double clipEps;
    final List<Clip> clips;
    final List<L2> l2s;
    final List<AdamBlock> blocks;
    final long numParams;
    /** Segment length under truncated BPTT, 0 for full BPTT. */
    final int tbptt;
    final boolean divideByMinibatch;
    /** LastTimeStep over the top LSTM and a dense OutputLayer (one output per sequence), full BPTT. */
    final boolean perSequence;
    /** Null when supported. */
    final String reason;

    private TrainingPlan(String reason) {
        this.reason = reason;
        lstms = List.of();
        outIn = outN = 0;
        outW = outB = numParams = 0;
        output = null;
        clipEps = 0;
        clips = List.of();
        l2s = List.of();
        blocks = List.of();
        tbptt = 0;
        divideByMinibatch = true;
        perSequence = false;
    }

    private TrainingPlan(List<Lstm> lstms, int outIn, int outN, long outW, long outB, Output output, double clipEps,
                         List<Clip> clips,
                         List<L2> l2s, List<AdamBlock> blocks, long numParams, int tbptt, boolean divideByMinibatch,
                         boolean perSequence) {
        this.perSequence = perSequence;
        this.lstms = List.copyOf(lstms);
        this.outIn = outIn;
        this.outN = outN;
        this.outW = outW;
        this.outB = outB;
        this.output = output;
        this.clipEps = clipEps;
        this.clips = List.copyOf(clips);
        this.l2s = List.copyOf(l2s);
        this.blocks = List.copyOf(blocks);
        this.numParams = numParams;
        this.tbptt = tbptt;
        this.divideByMinibatch = divideByMinibatch;
        this.reason = null;
    }

    List<Clip> clips() {
        return clips;
    }

    /** LSTM GEMM FLOPs of the forward per example and step: 2 (nIn + H) 4H per layer (a backward is twice that). */
    double forwardFlops() {
        double flops = 0;
        for (Lstm layer : lstms) {
            flops += 2.0 * (layer.nIn() + layer.hidden()) * 4 * layer.hidden();
        }
        return flops;
    }

    List<L2> l2s() {
        return l2s;
    }

    List<AdamBlock> blocks() {
        return blocks;
    }

    boolean supported() {
        return reason == null;
    }

    static TrainingPlan of(MultiLayerNetwork network) {
        return of(network, true);
    }

    /** The plan of the forward pass alone (no training-only checks); see the class comment. */
    static TrainingPlan forInference(MultiLayerNetwork network) {
        return of(network, false);
    }

    private static TrainingPlan of(MultiLayerNetwork network, boolean training) {
        try {
            return build(network, training);
        } catch (Unsupported e) {
            return new TrainingPlan(e.getMessage());
        }
    }

    private static TrainingPlan build(MultiLayerNetwork network, boolean training) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        require(network.params() != null && network.getLayers() != null, "the network is not initialized (call init())");
        require(conf.getDataType() == DataType.FLOAT, "the network is " + conf.getDataType() + ", the fast path is FLOAT only");
        require(!training || network.getListeners() == null || network.getListeners().isEmpty(),
                "training listeners are set");
        Map<Integer, InputPreProcessor> pre = conf.getInputPreProcessors();
        require(pre == null || pre.values().stream().allMatch(p -> p == null), "the network has input preprocessors");
        require(conf.getBackpropType() == BackpropType.Standard || conf.getBackpropType() == BackpropType.TruncatedBPTT,
                "backprop type " + conf.getBackpropType());
        int tbptt = conf.getBackpropType() == BackpropType.TruncatedBPTT ? conf.getTbpttFwdLength() : 0;
        int count = network.getnLayers();
        require(count >= 2, "the network needs at least one LSTM layer and an output layer, it has " + count + " layer(s)");

        List<Lstm> lstms = new ArrayList<>();
        List<Clip> clips = new ArrayList<>();
        List<L2> l2s = new ArrayList<>();
        long offset = 0;
        long outW = 0;
        int previousOut = -1;
        boolean perSequence = false;
        for (int i = 0; i < count; i++) {
            org.deeplearning4j.nn.conf.layers.Layer layerConf = conf.getConf(i).getLayer();
            String name = "layer " + i + " (" + layerConf.getClass().getSimpleName() + ")";
            boolean last = i == count - 1;
            if (layerConf instanceof LastTimeStep wrapper) {
                require(i == count - 2, name + ": LastTimeStep must wrap the top LSTM layer");
                require(!training || tbptt == 0, name + ": LastTimeStep needs full BPTT");
                layerConf = wrapper.getUnderlying();
                name = "layer " + i + " (LastTimeStep of " + layerConf.getClass().getSimpleName() + ")";
                perSequence = true;
            }
            if (!last) {
                require(layerConf.getClass() == FusedLstm.class, name + ": only fused LSTM layers (model.cell=lstm) are"
                        + " supported below the output layer");
            } else if (perSequence) {
                require(layerConf.getClass() == OutputLayer.class, name + ": under LastTimeStep the output layer must be"
                        + " an OutputLayer");
            } else {
                require(layerConf.getClass() == RnnOutputLayer.class, name + ": the output layer must be an"
                        + " RnnOutputLayer (per-step output)");
            }
            BaseLayer base = (BaseLayer) layerConf;
            // Weight noise (DropConnect) may apply at inference too; dropout never does.
            require(base.getWeightNoise() == null, name + ": weight noise is not supported");
            Map<String, INDArray> table = network.getLayer(i).paramTable();
            long start = offset;
            GradientNormalization norm = base.getGradientNormalization() == null ? GradientNormalization.None
                    : base.getGradientNormalization();
            if (training) {
                require(base.getIDropout() == null, name + ": dropout is not supported");
                require(base.getConstraints() == null || base.getConstraints().isEmpty(),
                        name + ": constraints are not supported");
                require(norm == GradientNormalization.None || norm == GradientNormalization.ClipL2PerLayer
                        || norm == GradientNormalization.ClipElementWiseAbsoluteValue, name + ": gradient normalization "
                        + norm + " is not supported");
            }
            for (Map.Entry<String, INDArray> param : table.entrySet()) {
                long length = param.getValue().length();
                if (training) {
                    checkUpdaterAndL2(base, param.getKey(), name, offset, length, l2s);
                }
                offset += length;
            }
            if (last) {
                outW = start;
            }
            if (training && norm != GradientNormalization.None) {
                clips.add(new Clip(start, offset, norm, base.getGradientNormalizationThreshold()));
            }
            if (!last) {
                FusedLstm lstm = (FusedLstm) layerConf;
                int nIn = (int) lstm.getNIn();
                int hidden = (int) lstm.getNOut();
                require(previousOut < 0 || previousOut == nIn, name + ": nIn " + nIn + " does not match the layer below");
                require(table.keySet().equals(java.util.Set.of("W", "RW", "b")), name + ": unexpected parameters " + table.keySet());
                long w = start;
                long rw = w + (long) nIn * 4 * hidden;
                long b = rw + (long) hidden * 4 * hidden;
                checkView(network, i, "W", w);
                checkView(network, i, "RW", rw);
                checkView(network, i, "b", b);
                lstms.add(new Lstm(nIn, hidden, w, rw, b));
                previousOut = hidden;
            }
        }
        BaseOutputLayer out = (BaseOutputLayer) conf.getConf(count - 1).getLayer();
        require(out.hasBias(), "the output layer has no bias");
        if (out instanceof RnnOutputLayer rnnOut) {
            require(rnnOut.getRnnDataFormat() == null || rnnOut.getRnnDataFormat() == RNNFormat.NCW,
                    "the output layer is " + rnnOut.getRnnDataFormat() + ", only NCW is supported");
        }
        require(out.getNIn() == previousOut, "the output layer's nIn does not match the top LSTM");
        Output output;
        double clipEps = 0;
        if (out.getActivationFn() instanceof ActivationSoftmax && out.getLossFn() instanceof LossMCXENT mcxent) {
            require(mcxent.getWeights() == null, "the loss has class weights");
            clipEps = mcxent.getSoftmaxClipEps();
            output = Output.SOFTMAX_MCXENT;
        } else if (out.getActivationFn() instanceof ActivationIdentity && out.getLossFn() instanceof LossMSE mse) {
            require(mse.getWeights() == null, "the loss has output weights");
            output = Output.IDENTITY_MSE;
        } else {
            throw new Unsupported("output layer " + out.getActivationFn() + " with " + out.getLossFn()
                    + " is not supported (softmax + MCXENT or identity + MSE)");
        }
        checkView(network, count - 1, "W", outW);
        checkView(network, count - 1, "b", outW + out.getNIn() * out.getNOut());
        require(offset == network.params().length(), "parameter count " + network.params().length()
                + " does not match the layers (" + offset + ")");

        List<AdamBlock> blocks = new ArrayList<>();
        Updater updater = training ? network.getUpdater() : null;
        require(!training || updater instanceof MultiLayerUpdater, "updater " + updater);
        for (UpdaterBlock block : training ? ((MultiLayerUpdater) updater).getUpdaterBlocks() : List.<UpdaterBlock>of()) {
            UpdaterBlock.ParamState first = block.getLayersAndVariablesInBlock().get(0);
            IUpdater config = first.getLayer().getConfig().getUpdaterByParam(first.getParamName());
            require(config instanceof Adam, "updater block " + config + " is not Adam");
            long length = block.getParamOffsetEnd() - block.getParamOffsetStart();
            require(block.getUpdaterViewOffsetEnd() - block.getUpdaterViewOffsetStart() == 2 * length,
                    "unexpected Adam state size in an updater block");
            blocks.add(new AdamBlock(block.getParamOffsetStart(), block.getParamOffsetEnd(),
                    block.getUpdaterViewOffsetStart(), (Adam) config));
        }
        return new TrainingPlan(lstms, (int) out.getNIn(), (int) out.getNOut(), outW, outW + out.getNIn() * out.getNOut(),
                output, clipEps, clips, l2s, blocks, offset, tbptt, network.conf().isMiniBatch(), perSequence);
    }

    /** Adam only, and only L2 regularization (added to {@code l2s}), for one parameter of a trained layer. */
    private static void checkUpdaterAndL2(BaseLayer base, String key, String name, long offset, long length,
                                          List<L2> l2s) {
        IUpdater updater = base.getUpdaterByParam(key);
        require(updater instanceof Adam, name + ": updater " + updater + " for parameter " + key
                + " is not supported (Adam only)");
        List<Regularization> regs = base.getRegularizationByParam(key);
        if (regs != null) {
            for (Regularization r : regs) {
                require(r instanceof L2Regularization, name + ": regularization " + r + " is not supported (L2 only)");
                l2s.add(new L2(offset, offset + length, (L2Regularization) r));
            }
        }
    }

    /** Checks that the layer's parameter {@code key} is the flat view at {@code offset} (same memory). */
    private static void checkView(MultiLayerNetwork network, int layer, String key, long offset) {
        INDArray view = network.getLayer(layer).getParam(key);
        INDArray flat = network.params();
        long viewAddress = view.data().address() + view.offset() * 4;
        long expected = flat.data().address() + (flat.offset() + offset) * 4;
        require(viewAddress == expected, "layer " + layer + " parameter " + key + " is not at the expected place in the"
                + " flat parameter view");
    }

    private static void require(boolean condition, String reason) {
        if (!condition) {
            throw new Unsupported(reason);
        }
    }

    /** Why a network is not supported; never escapes {@link #of}. */
    private static final class Unsupported extends RuntimeException {
        Unsupported(String reason) {
            super(reason, null, false, false);
        }
    }
}
