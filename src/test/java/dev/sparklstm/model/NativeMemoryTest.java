package dev.sparklstm.model;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** JavaCPP's out-of-memory errors become errors naming the limits; anything else passes through. */
class NativeMemoryTest {
    /** JavaCPP's error as measured (Pointer.deallocator, M2 / JavaCPP 1.5.7). */
    private static OutOfMemoryError javaCppError() {
        OutOfMemoryError error = new OutOfMemoryError("Cannot allocate new LongPointer(1): totalBytes = 0, "
                + "physicalBytes = 711M");
        error.initCause(new OutOfMemoryError("Physical memory usage is too high: physicalBytes (711M) > "
                + "maxPhysicalBytes (700M)"));
        return error;
    }

    @Test
    void namesTheSettingsToRaise() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeMemory.guard(() -> {
            throw javaCppError();
        }));
        assertTrue(e.getMessage().contains("org.bytedeco.javacpp.maxphysicalbytes"), e.getMessage());
        assertTrue(e.getMessage().contains("spark.executor.memoryOverhead"), e.getMessage());
        assertTrue(e.getMessage().contains("SPARK_LSTM_OFFHEAP"), e.getMessage());
        assertTrue(e.getMessage().contains("physicalBytes (711M) > maxPhysicalBytes (700M)"), e.getMessage());
        // No Error in the cause chain, or Spark's executor still treats the failure as fatal and exits.
        assertNull(e.getCause());
        assertTrue(e.getStackTrace().length > 0);

        // ND4J's static initialisation failed that way: later uses in the JVM say so too.
        IllegalStateException later = NativeMemory.explain(
                new NoClassDefFoundError("Could not initialize class org.nd4j.linalg.factory.Nd4j"));
        assertTrue(later != null && later.getMessage().contains("maxphysicalbytes"), String.valueOf(later));
        assertNull(later.getCause());
        IllegalStateException wrapped = NativeMemory.explain(new ExceptionInInitializerError(javaCppError()));
        assertTrue(wrapped != null && wrapped.getMessage().contains("maxphysicalbytes"), String.valueOf(wrapped));
    }

    @Test
    void leavesOtherErrorsAlone() {
        OutOfMemoryError heap = new OutOfMemoryError("Java heap space");
        assertSame(heap, assertThrows(OutOfMemoryError.class, () -> NativeMemory.guard(() -> {
            throw heap;
        })));
        assertNull(NativeMemory.explain(new IllegalArgumentException("maxBytes")));
        assertNull(NativeMemory.explain(new NoClassDefFoundError("org/example/Missing")));
    }
}
