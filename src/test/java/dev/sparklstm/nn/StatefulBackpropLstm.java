package dev.sparklstm.nn;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test oracle for truncated BPTT: DL4J's own LSTM code, but backpropagating each segment from the
 * state the segment's forward started from. DL4J M2's TBPTT fit calls {@code backpropGradient},
 * which recomputes the segment's forward from a zero state; this layer instead hands the carried
 * start state to DL4J's {@code tbpttBackpropGradient} (with an unlimited backward length), which
 * is DL4J's LSTM backward over the forward that actually produced the outputs.
 */
public class StatefulBackpropLstm extends LSTM {
    public StatefulBackpropLstm() {
        setRnnDataFormat(RNNFormat.NCW);
    }

    static StatefulBackpropLstm from(LSTM lstm) {
        return FusedLstm.copySettings(lstm, new StatefulBackpropLstm());
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        OracleLayer layer = new OracleLayer(conf, dataType);
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        Map<String, INDArray> paramTable = initializer().init(conf, paramsView, initializeParams);
        layer.setParamTable(paramTable);
        layer.setConf(conf);
        return layer;
    }

    /** The layer: DL4J's LSTM remembering each segment's start state for its backward. */
    static class OracleLayer extends org.deeplearning4j.nn.layers.recurrent.LSTM {
        private INDArray startH;
        private INDArray startC;

        OracleLayer(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean store,
                                                    LayerWorkspaceMgr workspaceMgr) {
            startH = tBpttStateMap.get(STATE_KEY_PREV_ACTIVATION);
            startC = tBpttStateMap.get(STATE_KEY_PREV_MEMCELL);
            return super.rnnActivateUsingStoredState(input, training, store, workspaceMgr);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            if (startH == null) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            stateMap.put(STATE_KEY_PREV_ACTIVATION, startH);
            stateMap.put(STATE_KEY_PREV_MEMCELL, startC);
            try {
                return super.tbpttBackpropGradient(epsilon, Integer.MAX_VALUE, workspaceMgr);
            } finally {
                stateMap.clear();
                startH = null;
                startC = null;
            }
        }
    }
}
