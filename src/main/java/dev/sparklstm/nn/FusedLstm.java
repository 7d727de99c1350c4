package dev.sparklstm.nn;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a fused LSTM layer: a DL4J {@link LSTM} in every respect (parameters, their
 * layout and initialization, updater views, JSON form apart from the class name) whose layer
 * computes with {@link FusedLstmLayer}. Build a DL4J {@code LSTM} with its Builder and convert it
 * with {@link #from(LSTM)}, which keeps every setting the Builder made.
 *
 * <p>Only DL4J's default LSTM is fused: tanh cell activation, sigmoid gates, no weight noise,
 * NCW data. Anything else is refused when the network is built, with the reason.
 */
public class FusedLstm extends LSTM {

    /** For JSON; sets NCW like DL4J's Builder does (without it RnnOutputLayer sees mismatched lengths). */
    public FusedLstm() {
        super();
        setRnnDataFormat(RNNFormat.NCW);
    }

    /** A fused layer with every setting of a DL4J {@code LSTM} configuration. */
    public static FusedLstm from(LSTM lstm) {
        FusedLstm fused = copySettings(lstm, new FusedLstm());
        fused.checkSupported();
        return fused;
    }

    /**
     * Copies every field of DL4J's LSTM configuration chain from {@code source} to {@code target}:
     * DL4J's LSTM has no copy constructor and a private Builder constructor, and copying by hand
     * would silently miss a field in a later version.
     */
    static <T extends LSTM> T copySettings(LSTM source, T target) {
        for (Class<?> type = LSTM.class; type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                field.setAccessible(true);
                try {
                    field.set(target, field.get(source));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot copy LSTM setting " + field.getName(), e);
                }
            }
        }
        return target;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FusedLstm", getLayerName(), layerIndex, getNIn(), getNOut());
        checkSupported();
        FusedLstmLayer layer = new FusedLstmLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(paramTable);
        layer.setConf(conf);
        return layer;
    }

    /** Throws {@link IllegalArgumentException} naming the setting the fused layer does not implement. */
    void checkSupported() {
        String name = getLayerName() == null ? "" : " '" + getLayerName() + "'";
        if (getActivationFn() != null && !(getActivationFn() instanceof ActivationTanH)) {
            throw new IllegalArgumentException("fused LSTM layer" + name + " supports only the tanh cell activation, got "
                    + getActivationFn() + "; use DL4J's LSTM (model.cell=dl4j-lstm)");
        }
        if (getGateActivationFn() != null && !(getGateActivationFn() instanceof ActivationSigmoid)) {
            throw new IllegalArgumentException("fused LSTM layer" + name + " supports only sigmoid gates, got "
                    + getGateActivationFn() + "; use DL4J's LSTM (model.cell=dl4j-lstm)");
        }
        if (getWeightNoise() != null) {
            throw new IllegalArgumentException("fused LSTM layer" + name + " does not support weight noise ("
                    + getWeightNoise() + "); use DL4J's LSTM (model.cell=dl4j-lstm)");
        }
        if (getRnnDataFormat() != RNNFormat.NCW) {
            throw new IllegalArgumentException("fused LSTM layer" + name + " supports only NCW data, got "
                    + getRnnDataFormat());
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FusedLstm && super.equals(other);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FusedLstm;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 1;
    }
}
