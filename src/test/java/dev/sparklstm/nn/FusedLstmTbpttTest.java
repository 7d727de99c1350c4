package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Truncated BPTT fit with the fused layer (2 stacked layers, right-padded batch, T=25 with
 * segments of 10: three optimizer steps per fit, state carried between segments).
 *
 * <p>It matches DL4J's LSTM math backpropagated from each segment's carried start state
 * ({@link StatefulBackpropLstm}). It also matches stock DL4J when a sequence fits one segment;
 * beyond one segment stock DL4J M2 differs because its LSTM backward recomputes every segment
 * from a zero state (its gradient is not the gradient of the forward it trained on).
 */
class FusedLstmTbpttTest {
    private static final int INPUTS = 5;
    private static final int OUTPUTS = 3;
    private static final int[] SIZES = {8, 6};

    @Test
    void multiSegmentFitMatchesDl4jBackpropFromTheCarriedState() {
        int[] lengths = {25, 25, 18, 9};
        MultiLayerNetwork fused = fitted(TestNets.Kind.FUSED, lengths, new Sgd(0.2));
        MultiLayerNetwork oracle = fitted(TestNets.Kind.STATEFUL_DL4J, lengths, new Sgd(0.2));
        MultiLayerNetwork stock = fitted(TestNets.Kind.DL4J, lengths, new Sgd(0.2));
        MultiLayerNetwork start = start(TestNets.Kind.DL4J);
        double moved = TestNets.maxAbsDiff(start.params(), fused.params());
        double diff = TestNets.maxAbsDiff(oracle.params(), fused.params());
        double stockDiff = TestNets.maxAbsDiff(stock.params(), fused.params());
        assertTrue(moved > 1e-2, "training must move the parameters, moved " + moved);
        assertTrue(diff < 1e-5, "fused vs DL4J backprop from the carried state: " + diff);
        assertTrue(stockDiff > 1e-4, "stock DL4J M2 backprops later segments from a zero state;"
                + " if this now matches, DL4J changed: " + stockDiff);
    }

    @Test
    void singleSegmentFitMatchesStockDl4j() {
        int[] lengths = {10, 7, 10};
        MultiLayerNetwork fused = fitted(TestNets.Kind.FUSED, lengths, new Sgd(0.2));
        MultiLayerNetwork stock = fitted(TestNets.Kind.DL4J, lengths, new Sgd(0.2));
        double diff = TestNets.maxAbsDiff(stock.params(), fused.params());
        assertTrue(diff < 1e-5, "fused vs stock DL4J, one segment: " + diff);
    }

    private static MultiLayerNetwork start(TestNets.Kind kind) {
        return start(kind, new Sgd(0.2));
    }

    private static MultiLayerNetwork start(TestNets.Kind kind, IUpdater updater) {
        MultiLayerNetwork net = TestNets.network(TestNets.config(kind, DataType.FLOAT, INPUTS, SIZES, OUTPUTS, false,
                10, updater));
        TestNets.randomize(net, 5, 0.3);
        return net;
    }

    private static MultiLayerNetwork fitted(TestNets.Kind kind, int[] lengths, IUpdater updater) {
        MultiLayerNetwork net = start(kind, updater);
        for (int round = 0; round < 3; round++) {
            DataSet data = TestNets.batch(DataType.FLOAT, INPUTS, OUTPUTS, lengths, false, 20 + round);
            net.fit(data);
        }
        return net;
    }
}
