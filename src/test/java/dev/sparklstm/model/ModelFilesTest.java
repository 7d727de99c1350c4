package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The model zip: bytes round trip with updater state, and refusal of bytes that are not a model. */
class ModelFilesTest {

    private static MultiLayerNetwork trained(boolean perSequence, DataSet batch) {
        MultiLayerNetwork network = NetworkFactory.create(ModelTestData.spec(List.of(6, 5), perSequence ? 0 : 4),
                3, 3, true, perSequence);
        network.fit(batch);
        network.fit(batch);
        return network;
    }

    private static DataSet perSequenceBatch() {
        INDArray features = ModelTestData.features(11, 3, 4, 7, 2);
        INDArray labels = Nd4j.createFromArray(new float[][] {{1, 0, 0}, {0, 0, 1}, {0, 1, 0}});
        return new DataSet(features, labels, ModelTestData.mask(4, 7, 2), null);
    }

    @Test
    void perStepNetworkRoundTripsWithUpdaterState() {
        DataSet batch = ModelTestData.perStepClassification(10, 3, 3, 9, 5, 3);
        MultiLayerNetwork network = trained(false, batch);
        byte[] bytes = ModelFiles.toBytes(network);
        MultiLayerNetwork loaded = ModelFiles.fromBytes(bytes);

        assertEquals(network.getLayerWiseConfigurations(), loaded.getLayerWiseConfigurations());
        assertEquals(network.params(), loaded.params(), "identical parameters");
        INDArray state = network.getUpdater().getStateViewArray();
        assertTrue(state.amaxNumber().doubleValue() > 0, "Adam moments are non-zero after training");
        assertEquals(state, loaded.getUpdater().getStateViewArray(), "identical updater state");
        INDArray expected = network.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                batch.getLabelsMaskArray());
        INDArray actual = loaded.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(),
                batch.getLabelsMaskArray());
        assertArrayEquals(flat(expected), flat(actual), 0f, "identical output");

        // The updater state really is in use: one more step on each gives the same parameters.
        network.fit(batch);
        loaded.fit(batch);
        assertEquals(network.params(), loaded.params(), "training continues identically");
        assertEquals(ModelFiles.sha256(bytes), ModelFiles.sha256(bytes.clone()));
    }

    private static float[] flat(INDArray array) {
        return array.dup('c').data().asFloat();
    }

    @Test
    void perSequenceNetworkRoundTrips() {
        DataSet batch = perSequenceBatch();
        MultiLayerNetwork network = trained(true, batch);
        MultiLayerNetwork loaded = ModelFiles.fromBytes(ModelFiles.toBytes(network));
        assertEquals(network.params(), loaded.params());
        assertArrayEquals(flat(network.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(), null)),
                flat(loaded.output(batch.getFeatures(), false, batch.getFeaturesMaskArray(), null)), 0f);
    }

    @Test
    void modelWithoutUpdaterStateLoads() {
        DataSet batch = ModelTestData.perStepClassification(12, 3, 3, 4, 4);
        MultiLayerNetwork network = trained(false, batch);
        byte[] withUpdater = ModelFiles.toBytes(network, true);
        byte[] without = ModelFiles.toBytes(network, false);
        assertTrue(without.length < withUpdater.length, without.length + " < " + withUpdater.length);
        assertEquals(network.params(), ModelFiles.fromBytes(without).params());
    }

    @Test
    void bytesThatAreNotAModelAreRefused() throws IOException {
        byte[] model = ModelFiles.toBytes(trained(false, ModelTestData.perStepClassification(13, 3, 3, 3)));
        byte[] garbage = "this is not a zip file at all".getBytes(StandardCharsets.UTF_8);
        byte[] truncated = Arrays.copyOf(model, model.length / 2);
        ByteArrayOutputStream otherZip = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(otherZip)) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        for (byte[] bytes : List.of(new byte[0], garbage, truncated, otherZip.toByteArray())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelFiles.fromBytes(bytes), bytes.length + " bytes");
            assertTrue(e.getMessage().contains("not a loadable DL4J model zip"), e.getMessage());
        }
    }

    @Test
    void sha256IsLowerCaseHex() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                ModelFiles.sha256("abc".getBytes(StandardCharsets.US_ASCII)));
        assertNotEquals(ModelFiles.sha256(new byte[] {1}), ModelFiles.sha256(new byte[] {2}));
    }
}
