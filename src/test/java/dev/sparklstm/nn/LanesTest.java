package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LanesTest {
    @Test
    void boundsSplitIntoBlocksOfFourAndNeverLeaveALaneEmpty() {
        assertArrayEquals(new int[] {0, 128, 256}, Lanes.bounds(256, 2));
        assertArrayEquals(new int[] {0, 32, 64}, Lanes.bounds(64, 2));
        assertArrayEquals(new int[] {0, 8, 16}, Lanes.bounds(16, 2));
        assertArrayEquals(new int[] {0, 4, 6}, Lanes.bounds(6, 2));
        assertArrayEquals(new int[] {0, 4, 6}, Lanes.bounds(6, 3), "a third lane would have no block of its own");
        assertArrayEquals(new int[] {0, 3}, Lanes.bounds(3, 2));
        assertArrayEquals(new int[] {0, 12, 24, 30}, Lanes.bounds(30, 3));
        assertArrayEquals(new int[] {0, 7}, Lanes.bounds(7, 1));
        assertThrows(IllegalArgumentException.class, () -> Lanes.bounds(0, 2));
    }

    @Test
    void runsEveryLaneOnItsOwnThreadAndWaitsForAll() {
        ConcurrentHashMap<Integer, Thread> threads = new ConcurrentHashMap<>();
        Lanes.run(3, lane -> threads.put(lane, Thread.currentThread()));
        assertEquals(3, threads.size());
        assertEquals(Thread.currentThread(), threads.get(0), "lane 0 runs on the caller");
        assertEquals(3, threads.values().stream().distinct().count());
    }

    @Test
    void aFailingLaneFailsTheRunOnlyAfterTheOthersEnded() {
        AtomicInteger ended = new AtomicInteger();
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> Lanes.run(3, lane -> {
            if (lane == 1) {
                throw new IllegalStateException("lane 1 broke");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            ended.incrementAndGet();
        }));
        assertEquals("lane 1 broke", failure.getMessage());
        assertEquals(2, ended.get(), "lanes 0 and 2 ran to the end before the failure was thrown");
        assertTrue(failure.getSuppressed().length == 0);
    }
}
