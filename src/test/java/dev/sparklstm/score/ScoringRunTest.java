package dev.sparklstm.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ScoringRunTest {
    @Test
    void automaticPartitionsKeepRowsPerPartitionBounded() {
        assertEquals(2, ScoringRun.partitions(0, 1_000_000, 2), "1M rows fit in the default 2 partitions");
        assertEquals(3, ScoringRun.partitions(0, 1_000_001, 2), "one row more needs a third partition");
        assertEquals(20, ScoringRun.partitions(0, 10_000_000, 2), "10M rows: 500k each");
        assertEquals(8, ScoringRun.partitions(0, 10, 8), "never fewer than Spark's default parallelism");
        assertEquals(100_000, ScoringRun.partitions(0, Long.MAX_VALUE, 2), "capped");
    }

    @Test
    void configuredPartitionsAreUsedAsGiven() {
        assertEquals(5, ScoringRun.partitions(5, 10_000_000, 2));
        assertEquals(1, ScoringRun.partitions(1, 10, 8));
    }
}
