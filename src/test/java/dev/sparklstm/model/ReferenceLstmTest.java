package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.nn.FusedLstmLayer;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The networks the project builds compute the LSTM equations, with the fused layer
 * ({@code model.cell=lstm}) and with DL4J's own ({@code dl4j-lstm}): two stacked layers, checked step
 * by step against {@link ReferenceLstm} over 100+ steps, on a right-padded batch of sequences of
 * different lengths (padding must not change the real steps).
 */
class ReferenceLstmTest {
    private static final int INPUTS = 5;
    private static final int[] LENGTHS = {130, 101, 57};

    @ParameterizedTest(name = "model.cell={0}")
    @ValueSource(strings = {"lstm", "dl4j-lstm"})
    void stackedLayersMatchTheEquationsOnAMaskedBatch(String cell) {
        NetworkSpec spec = TrainConfig.from(Settings.defaults().with(ConfigKey.MODEL_LAYERS, "12,7")
                .with(ConfigKey.MODEL_CELL, cell)
                .with(ConfigKey.TASK_TYPE, "regression").with(ConfigKey.MODEL_SEED, "11")).network();
        MultiLayerNetwork network = NetworkFactory.create(spec, INPUTS, 2, false, false);
        assertEquals(cell.equals("lstm"), network.getLayer(0) instanceof FusedLstmLayer);
        assertEquals(cell.equals("lstm"), network.getLayer(1) instanceof FusedLstmLayer);
        // Non-trivial parameters: the initial forget bias of 1 and small weights would hide mistakes.
        Random random = new Random(3);
        INDArray params = network.params();
        for (long p = 0; p < params.length(); p++) {
            params.putScalar(p, random.nextGaussian() * 0.4);
        }
        network.setParams(params);

        int steps = LENGTHS[0];
        int batch = LENGTHS.length;
        double[][][] x = new double[batch][][];
        INDArray features = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, INPUTS, steps);
        INDArray mask = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, steps);
        for (int n = 0; n < batch; n++) {
            x[n] = new double[LENGTHS[n]][INPUTS];
            for (int t = 0; t < LENGTHS[n]; t++) {
                mask.putScalar(n, t, 1.0);
                for (int k = 0; k < INPUTS; k++) {
                    x[n][t][k] = (float) (random.nextGaussian() * 1.5);
                    features.putScalar(new int[] {n, k, t}, x[n][t][k]);
                }
            }
            // Right padding holds garbage: it must not reach the real steps.
            for (int t = LENGTHS[n]; t < steps; t++) {
                for (int k = 0; k < INPUTS; k++) {
                    features.putScalar(new int[] {n, k, t}, 100.0);
                }
            }
        }
        List<INDArray> activations = network.feedForward(features, mask, mask);
        ReferenceLstm first = new ReferenceLstm(network.getLayer(0));
        ReferenceLstm second = new ReferenceLstm(network.getLayer(1));
        double worst = 0;
        for (int n = 0; n < batch; n++) {
            double[][] h1 = first.run(x[n]);
            double[][] h2 = second.run(h1);
            for (int t = 0; t < LENGTHS[n]; t++) {
                for (int j = 0; j < 12; j++) {
                    double dl4j = activations.get(1).getDouble(n, j, t);
                    worst = Math.max(worst, Math.abs(dl4j - h1[t][j]));
                    assertEquals(h1[t][j], dl4j, 1e-5, "layer 1, sequence " + n + ", step " + t + ", unit " + j);
                }
                for (int j = 0; j < 7; j++) {
                    double dl4j = activations.get(2).getDouble(n, j, t);
                    worst = Math.max(worst, Math.abs(dl4j - h2[t][j]));
                    assertEquals(h2[t][j], dl4j, 1e-5, "layer 2, sequence " + n + ", step " + t + ", unit " + j);
                }
            }
        }
        assertTrue(worst > 0, "the comparison must involve real float arithmetic");
    }
}
