package dev.sparklstm.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparklstm.config.NetworkSpec;
import dev.sparklstm.model.NetworkFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The scoring task's forward on networks as the training job builds them (RMSProp, dropout, so
 * not trainable by the fast step): the fused default uses the fast forward, DL4J's LSTM falls
 * back to DL4J; both give {@code network.output} on a right-padded minibatch and the
 * whole-sequence output when a sequence is streamed in chunks.
 */
class ScoringForwardTest {
    private static final int INPUTS = 4;
    private static final int OUTPUTS = 3;
    private static final int STEPS = 13;
    private static final float TOLERANCE = 1e-5f;

    @ParameterizedTest(name = "cell={0} perSequence={1} classification={2}")
    @CsvSource({
        "LSTM, false, true", "LSTM, true, true", "LSTM, false, false", "LSTM, true, false",
        "DL4J_LSTM, false, true", "DL4J_LSTM, true, false",
    })
    void outputAndChunksMatchDl4j(NetworkSpec.Cell cell, boolean perSequence, boolean classification) {
        NetworkSpec spec = new NetworkSpec(cell, List.of(7, 5), 0.2, 0.0, NetworkSpec.Updater.RMSPROP, 0.01, 0.0, 3L,
                NetworkSpec.Clipping.NONE, 1.0, 0, 0);
        MultiLayerNetwork network = NetworkFactory.create(spec, INPUTS, OUTPUTS, classification, perSequence);
        Random random = new Random(5);
        INDArray params = network.params().dup();
        for (long i = 0; i < params.length(); i++) {
            params.putScalar(i, random.nextGaussian() * 0.5);
        }
        network.setParams(params);
        ScoringForward forward = new ScoringForward(network, 1L, perSequence);
        assertEquals(cell == NetworkSpec.Cell.LSTM, forward.isFast());

        int[] lengths = {STEPS, 9, 5, 1};
        INDArray features = Nd4j.randn(DataType.FLOAT, lengths.length, INPUTS, STEPS);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, lengths.length, STEPS);
        for (int e = 0; e < lengths.length; e++) {
            mask.get(NDArrayIndex.point(e), NDArrayIndex.interval(0, lengths[e])).assign(1);
        }
        float[] expected = network.output(features, false, mask, null).dup('c').data().asFloat();
        assertArrayEquals(expected, Arrays.copyOf(forward.output(features, mask), expected.length), TOLERANCE);

        INDArray one = features.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
        float[] whole = network.output(one, false, null, null).dup('c').data().asFloat();
        float[] chunked = new float[whole.length];
        forward.startStream();
        for (int start = 0; start < STEPS; start += 5) {
            int end = Math.min(STEPS, start + 5);
            float[] part = forward.nextChunk(one.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(start, end)).dup('c'));
            int width = end - start;
            for (int k = 0; k < OUTPUTS; k++) {
                if (perSequence) {
                    chunked[k] = part[k];
                } else {
                    System.arraycopy(part, k * width, chunked, k * STEPS + start, width);
                }
            }
        }
        forward.endStream();
        assertArrayEquals(whole, chunked, TOLERANCE, "chunks of 5 steps vs the whole sequence");
    }
}
