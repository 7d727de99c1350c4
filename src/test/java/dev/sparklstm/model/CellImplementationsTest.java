package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.nn.FusedLstmLayer;
import org.deeplearning4j.nn.layers.recurrent.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code model.cell=lstm} (fused) and {@code model.cell=dl4j-lstm} build networks with the same
 * parameter layout: models saved with either load as the layer they were saved with, and score the
 * same on the same parameters (whole sequences and streamed with rnnTimeStep).
 */
class CellImplementationsTest {
    @ParameterizedTest(name = "perSequence={0}")
    @ValueSource(booleans = {false, true})
    void modelsSavedWithEitherCellLoadAndScoreAlike(boolean perSequence) {
        MultiLayerNetwork fused = build("lstm", perSequence);
        MultiLayerNetwork dl4j = build("dl4j-lstm", perSequence);
        assertTrue(fused.getLayer(0) instanceof FusedLstmLayer);
        assertFalse(dl4j.getLayer(0) instanceof FusedLstmLayer);
        assertTrue(dl4j.getLayer(0) instanceof LSTM);
        assertTrue(fused.params().length() == dl4j.params().length());
        dl4j.setParams(fused.params().dup());

        MultiLayerNetwork fusedLoaded = ModelFiles.fromBytes(ModelFiles.toBytes(fused));
        MultiLayerNetwork dl4jLoaded = ModelFiles.fromBytes(ModelFiles.toBytes(dl4j));
        assertTrue(fusedLoaded.getLayer(0) instanceof FusedLstmLayer);
        assertFalse(dl4jLoaded.getLayer(0) instanceof FusedLstmLayer);

        Nd4j.getRandom().setSeed(6);
        INDArray features = Nd4j.randn(DataType.FLOAT, 4, 3, 30);
        INDArray a = fusedLoaded.output(features);
        INDArray b = dl4jLoaded.output(features);
        double diff = a.sub(b).amaxNumber().doubleValue();
        assertTrue(diff < 1e-5, "fused vs DL4J model output: " + diff);
        if (!perSequence) {
            fusedLoaded.rnnClearPreviousState();
            INDArray first = fusedLoaded.rnnTimeStep(features.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 13)));
            INDArray rest = fusedLoaded.rnnTimeStep(features.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(13, 30)));
            INDArray streamed = Nd4j.concat(2, first, rest);
            assertTrue(streamed.sub(b).amaxNumber().doubleValue() < 1e-5);
        }
    }

    private static MultiLayerNetwork build(String cell, boolean perSequence) {
        NetworkSpec spec = TrainConfig.from(Settings.defaults().with(ConfigKey.MODEL_CELL, cell)
                .with(ConfigKey.MODEL_LAYERS, "10,6").with(ConfigKey.MODEL_TBPTT_LENGTH, "0")).network();
        return NetworkFactory.create(spec, 3, 4, true, perSequence);
    }
}
