package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The fused layer is a DL4J layer type: the configuration survives JSON, and a trained network
 * survives ModelSerializer with its Adam state, so training continues exactly where it stopped.
 */
class FusedLstmSerializationTest {
    private static final int INPUTS = 4;
    private static final int[] LENGTHS = {12, 8, 5};

    @ParameterizedTest(name = "perSequence={0}")
    @ValueSource(booleans = {false, true})
    void jsonAndModelSerializerRoundTripsKeepLayerTypeParamsAndUpdaterState(boolean perSequence) throws IOException {
        MultiLayerConfiguration conf = TestNets.config(TestNets.Kind.FUSED, DataType.FLOAT, INPUTS, new int[] {6, 5}, 3,
                perSequence, 0, new Adam(0.02));
        MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, fromJson);
        Object top = fromJson.getConf(1).getLayer();
        assertTrue((perSequence ? ((LastTimeStep) top).getUnderlying() : top) instanceof FusedLstm);
        assertTrue(fromJson.getConf(0).getLayer() instanceof FusedLstm);

        MultiLayerNetwork net = TestNets.network(conf);
        DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, 3, LENGTHS, perSequence, 4);
        for (int i = 0; i < 3; i++) {
            net.fit(data);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(bytes.toByteArray()), true);

        assertTrue(restored.getLayer(0) instanceof FusedLstmLayer);
        Object restoredTop = restored.getLayer(1);
        assertTrue((perSequence ? ((LastTimeStepLayer) restoredTop).getUnderlying() : restoredTop) instanceof FusedLstmLayer);
        assertEquals(net.params(), restored.params());
        assertTrue(net.getUpdater().getStateViewArray().amaxNumber().doubleValue() > 0, "Adam state must be non-zero");
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.output(data.getFeatures(), false, data.getFeaturesMaskArray(), data.getLabelsMaskArray()),
                restored.output(data.getFeatures(), false, data.getFeaturesMaskArray(), data.getLabelsMaskArray()));

        net.fit(data);
        restored.fit(data);
        assertEquals(net.params(), restored.params(), "continued training must use the restored Adam state");
    }
}
