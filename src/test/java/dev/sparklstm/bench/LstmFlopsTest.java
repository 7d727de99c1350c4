package dev.sparklstm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** The FLOP count behind the sgemm fraction of issue 8, and the benchmark's workload data. No timing. */
class LstmFlopsTest {

    @Test
    void countsTheGemmsOfEachLayer() {
        // Workload B: layer 1 has 8 inputs, layer 2 has 256; 2 (I + H) 4H each.
        long layer1 = 2L * (8 + 256) * 4 * 256;
        long layer2 = 2L * (256 + 256) * 4 * 256;
        assertEquals(540_672, layer1);
        assertEquals(1_048_576, layer2);
        assertEquals(layer1 + layer2, LstmFlops.forwardPerSeqStep(8, List.of(256, 256)));
        assertEquals(3 * (layer1 + layer2), LstmFlops.trainingPerSeqStep(8, List.of(256, 256)));
        assertEquals(2L * (8 + 32) * 128 + 2L * 64 * 128, LstmFlops.forwardPerSeqStep(8, List.of(32, 32)));
    }

    @Test
    void refusesEmptyStacks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LstmFlops.forwardPerSeqStep(8, List.of()));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LstmFlops.forwardPerSeqStep(8, List.of(32, 0)));
    }

    @Test
    void workloadBatchesAreFullLengthOneHot() {
        DataSet batch = LstmSpeedBenchmark.randomBatch(new Random(1), 4);
        assertEquals(List.of(4L, 8L, 50L), List.of(batch.getFeatures().shape()[0], batch.getFeatures().shape()[1],
                batch.getFeatures().shape()[2]));
        // One class per example and step.
        assertEquals(4.0 * 50, batch.getLabels().sumNumber().doubleValue(), 0.0);
        assertEquals(null, batch.getFeaturesMaskArray());
    }
}
