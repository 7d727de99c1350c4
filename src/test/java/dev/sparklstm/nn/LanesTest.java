package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
    void anotherLaneOnlyForEnoughWork() {
        assertEquals(1, Lanes.worthwhile(2, 13e6, Lanes.MIN_FLOPS_PER_LANE), "workload A's training segment");
        assertEquals(2, Lanes.worthwhile(2, 3e9, Lanes.MIN_FLOPS_PER_LANE), "workload B's training segment");
        assertEquals(2, Lanes.worthwhile(4, 120e6, 50e6));
        assertEquals(1, Lanes.worthwhile(1, 3e9, 50e6));
        assertEquals(3, Lanes.worthwhile(3, 1, 0), "no minimum");
    }

    @Test
    void runsEveryLaneOnItsOwnThreadAndWaitsForAll() {
        ConcurrentHashMap<Integer, Thread> threads = new ConcurrentHashMap<>();
        // Each lane waits until all three run at once, which needs three threads.
        CountDownLatch running = new CountDownLatch(3);
        Lanes.run(3, lane -> {
            running.countDown();
            try {
                assertTrue(running.await(30, TimeUnit.SECONDS), "lanes did not run at the same time");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            threads.put(lane, Thread.currentThread());
        });
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
