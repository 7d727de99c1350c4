package dev.sparklstm.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.LSTMParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link FusedLstm}: DL4J's {@code LSTM} layer with its computation replaced by a
 * fused kernel ({@link FloatLstmKernel}, or {@link DoubleLstmKernel} in DOUBLE networks for
 * gradient checks). Same parameters, state keys ({@code prevAct}, {@code prevMem}), mask
 * semantics and workspace use as DL4J's layer:
 * <ul>
 *   <li>Outputs are created through the {@link LayerWorkspaceMgr} (ACTIVATIONS, ACTIVATION_GRAD)
 *       like DL4J's layers; the kernel's working memory lives outside every workspace and is
 *       reused across calls; states put in the state maps are detached copies.</li>
 *   <li>A layer mask (set by {@code LastTimeStep}; DL4J's {@code MultiLayerNetwork} does not give
 *       LSTM layers the feature mask) zeroes output and state at masked steps, as DL4J does;
 *       with right padding the real steps are unaffected. The backward ignores the mask, as
 *       DL4J's does.</li>
 *   <li>Outside training (FLOAT) the forward runs {@link FloatLstmForward}, which keeps nothing for
 *       a backward and reads the weights from the parameter view at every call; its rows and the training kernel's go into the
 *       'f'-order activations with a blocked transpose in Java ({@link RowLayout}), not ND4J's
 *       strided {@code assign}.</li>
 *   <li>The backward reuses the last training forward over the same input (DL4J recomputes it).
 *       Under truncated BPTT that forward started from the carried state, so the gradient is the
 *       true truncated gradient of each segment; DL4J M2's LSTM recomputes the segment from a
 *       zero state in its backward and so differs after the first segment (see
 *       FusedLstmTbpttTest). The whole segment is backpropagated (tbpttBackwardLength is not
 *       honoured, as in DL4J M2, which never calls {@code tbpttBackpropGradient}).</li>
 * </ul>
 * Not thread-safe, like every DL4J layer.
 */
public class FusedLstmLayer extends org.deeplearning4j.nn.layers.recurrent.LSTM {
    private transient LstmKernel kernel;
    private transient GateMath gateMath = GateMath.get();
    /** The (post-dropout) input of the last training forward held by the kernel, or null. */
    private transient INDArray forwardInput;
    /** The forward outside training (FLOAT): no ND4J op on its path, nothing kept for a backward. */
    private transient FloatLstmForward inference;
    /** {@link #inference}'s view of this layer's parameters, re-bound when DL4J replaces them. */
    private transient NativeBuffer paramView;
    private transient float[] maskRows = new float[0];
    /** True when the last forward ran {@link #inference}: its state is what rnnTimeStep stores. */
    private transient boolean lastWasInference;

    public FusedLstmLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        return activate(training, workspaceMgr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return forward(training, null, null, workspaceMgr);
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray out = forward(false, stateMap.get(STATE_KEY_PREV_ACTIVATION), stateMap.get(STATE_KEY_PREV_MEMCELL),
                workspaceMgr);
        storeLastState(stateMap);
        return out;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray out = forward(training, tBpttStateMap.get(STATE_KEY_PREV_ACTIVATION),
                tBpttStateMap.get(STATE_KEY_PREV_MEMCELL), workspaceMgr);
        if (storeLastForTBPTT) {
            storeLastState(tBpttStateMap);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (forwardInput == null || forwardInput != input) {
            // No training forward over this input (or it was consumed): from a zero state, as DL4J does.
            forward(true, null, null, workspaceMgr);
        }
        forwardInput = null;
        INDArray eps3 = epsilon.rank() == 2 ? epsilon.reshape(epsilon.size(0), epsilon.size(1), 1) : epsilon;
        INDArray in = input;
        long steps = in.rank() == 2 ? 1 : in.size(2);
        INDArray epsilonOut = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {in.size(0), in.size(1), steps}, 'f');
        INDArray gradW = gradientViews.get(LSTMParamInitializer.INPUT_WEIGHT_KEY);
        INDArray gradRw = gradientViews.get(LSTMParamInitializer.RECURRENT_WEIGHT_KEY);
        INDArray gradB = gradientViews.get(LSTMParamInitializer.BIAS_KEY);
        kernel().backward(eps3, gradW, gradRw, gradB, epsilonOut);
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(LSTMParamInitializer.INPUT_WEIGHT_KEY, gradW);
        gradient.gradientForVariable().put(LSTMParamInitializer.RECURRENT_WEIGHT_KEY, gradRw);
        gradient.gradientForVariable().put(LSTMParamInitializer.BIAS_KEY, gradB);
        weightNoiseParams.clear();
        INDArray epsilonNext = backpropDropOutIfPresent(epsilonOut);
        if (in.rank() == 2) {
            epsilonNext = epsilonNext.reshape(in.size(0), in.size(1));
        }
        return new Pair<>(gradient, epsilonNext);
    }

    /** Never called by DL4J M2's TBPTT fit; backpropagates the whole segment like {@link #backpropGradient}. */
    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackwardLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        return backpropGradient(epsilon, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        forwardInput = null;
    }

    private INDArray forward(boolean training, INDArray h0, INDArray c0, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray in = input.rank() == 2 ? input.reshape(input.size(0), input.size(1), 1) : input;
        if (in.rank() != 3) {
            throw new IllegalStateException("fused LSTM layer " + layerId() + " expects input [batch, nIn, steps], got "
                    + java.util.Arrays.toString(input.shape()));
        }
        if (in.size(1) != layerConf().getNIn()) {
            throw new IllegalArgumentException("fused LSTM layer " + layerId() + " expects " + layerConf().getNIn()
                    + " inputs per step, got input of shape " + java.util.Arrays.toString(in.shape()));
        }
        if (h0 != null && h0.size(0) != in.size(0)) {
            throw new IllegalStateException("fused LSTM layer " + layerId() + ": stored state has batch size "
                    + h0.size(0) + " but the input has " + in.size(0) + " (call rnnClearPreviousState between batches)");
        }
        INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, dataType,
                new long[] {in.size(0), layerConf().getNOut(), in.size(2)}, 'f');
        if (!training && dataType == DataType.FLOAT) {
            forwardInference(in, h0, c0, out);
            forwardInput = null;
            return out;
        }
        LstmKernel k = kernel();
        k.forward(in, h0, c0, maskArray, getParam(LSTMParamInitializer.INPUT_WEIGHT_KEY),
                getParam(LSTMParamInitializer.RECURRENT_WEIGHT_KEY), getParam(LSTMParamInitializer.BIAS_KEY));
        forwardInput = training ? input : null;
        lastWasInference = false;
        if (k instanceof FloatLstmKernel fk) {
            // ND4J's strided assign of these rows into the 'f' activations took a third of the
            // inference time (BENCHMARKS.md); a blocked transpose in Java does it in a few percent.
            RowLayout.toNcwF(fk.outputRows().bytes(), fk.outputRowsOffset(), (int) layerConf().getNOut(),
                    (int) in.size(0), (int) layerConf().getNOut(), (int) in.size(2), NativeBuffer.over(out).bytes());
        } else {
            out.assign(k.output());
        }
        return out;
    }

    /**
     * The forward outside training: input rows, state and mask into {@link FloatLstmForward}, which
     * reads the weights from this layer's flat parameter view (no ND4J op), then its output rows
     * into the 'f'-order activations {@code out}.
     */
    private void forwardInference(INDArray in, INDArray h0, INDArray c0, INDArray out) {
        int batch = (int) in.size(0);
        int nIn = (int) in.size(1);
        int steps = (int) in.size(2);
        int hidden = (int) layerConf().getNOut();
        if (inference == null) {
            inference = new FloatLstmForward(gateMath);
        }
        if (paramView == null || !paramView.views(paramsFlattened)) {
            paramView = NativeBuffer.over(paramsFlattened);
            checkParamView(LSTMParamInitializer.INPUT_WEIGHT_KEY, 0);
            checkParamView(LSTMParamInitializer.RECURRENT_WEIGHT_KEY, (long) nIn * 4 * hidden);
            checkParamView(LSTMParamInitializer.BIAS_KEY, (long) (nIn + hidden) * 4 * hidden);
        }
        NativeBuffer x = inference.inputRows(batch, steps, nIn, hidden);
        RowLayout.fromNcw(new StridedFloats(in), batch, nIn, steps, x.bytes(), nIn + hidden);
        if (h0 != null) {
            inference.setState(h0, c0);
        } else {
            inference.clearState();
        }
        float[] mask = null;
        if (maskArray != null) {
            maskRows = RowLayout.maskRows(maskArray, batch, steps, maskRows);
            mask = maskRows;
        }
        inference.forward(batch, steps, nIn, hidden, paramView, 0, (long) nIn * 4 * hidden,
                (long) (nIn + hidden) * 4 * hidden, null, 0, 0, mask);
        RowLayout.toNcwF(inference.outputRows().bytes(), inference.outputRowsOffset(), inference.outputRowStride(),
                batch, hidden, steps, NativeBuffer.over(out).bytes());
        lastWasInference = true;
    }

    /** W, RW and b are views of the flat parameter vector in that order (LSTMParamInitializer); checked, not assumed. */
    private void checkParamView(String key, long offset) {
        INDArray view = getParam(key);
        long expected = paramsFlattened.data().address() + (paramsFlattened.offset() + offset) * 4;
        if (view.data().address() + view.offset() * 4 != expected) {
            paramView = null;
            throw new IllegalStateException("fused LSTM layer " + layerId() + ": parameter " + key
                    + " is not at element " + offset + " of the layer's parameter view");
        }
    }

    /** For tests: the float gate math this layer uses (before its first forward); the JVM's choice by default. */
    void useGateMath(GateMath math) {
        if (kernel != null || inference != null) {
            throw new IllegalStateException("gate math must be chosen before the first forward");
        }
        gateMath = math;
    }

    private void storeLastState(java.util.Map<String, INDArray> state) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray h = lastWasInference ? inference.lastOutput() : kernel.lastOutput();
            INDArray c = lastWasInference ? inference.lastCell() : kernel.lastCell();
            state.put(STATE_KEY_PREV_ACTIVATION, h.dup('c'));
            state.put(STATE_KEY_PREV_MEMCELL, c.dup('c'));
        }
    }

    private LstmKernel kernel() {
        if (kernel == null) {
            if (dataType == DataType.FLOAT) {
                kernel = new FloatLstmKernel(gateMath);
            } else if (dataType == DataType.DOUBLE) {
                kernel = new DoubleLstmKernel(new DoubleGateMath());
            } else {
                throw new IllegalArgumentException("fused LSTM layer " + layerId() + " supports FLOAT and DOUBLE networks,"
                        + " got " + dataType + "; use DL4J's LSTM (model.cell=dl4j-lstm)");
            }
        }
        return kernel;
    }
}
