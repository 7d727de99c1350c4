package dev.sparklstm.model;

import java.util.function.Supplier;

/**
 * Turns ND4J's native out-of-memory failures into an error that says which setting to raise.
 *
 * <p>ND4J allocates through JavaCPP, which throws {@link OutOfMemoryError} when the process is
 * over {@code -Dorg.bytedeco.javacpp.maxphysicalbytes} (its whole resident size, heap included)
 * or its own allocations over {@code -Dorg.bytedeco.javacpp.maxbytes} ("Physical memory usage is
 * too high: physicalBytes (711M) > maxPhysicalBytes (700M)"). Left alone, that error is fatal to a
 * Spark executor (Spark exits the JVM on any {@code OutOfMemoryError} in a task, and the driver
 * only reports "executor lost ... exit code 52"); when it hits ND4J's static initialisation, later
 * tasks in the same JVM only see "Could not initialize class org.nd4j...". {@link #guard} rethrows
 * both as an {@link IllegalStateException} naming the limits, which Spark treats as an ordinary
 * task failure: retried, then reported by the driver with this message.
 */
public final class NativeMemory {
    /** The first explanation in this JVM, repeated when ND4J's failed initialisation resurfaces. */
    private static volatile IllegalStateException firstFailure;

    private NativeMemory() {
    }

    /** Runs {@code work}, explaining a native out-of-memory failure of ND4J. */
    public static <T> T guard(Supplier<T> work) {
        try {
            return work.get();
        } catch (OutOfMemoryError | ExceptionInInitializerError | NoClassDefFoundError e) {
            IllegalStateException explained = explain(e);
            if (explained == null) {
                throw e;
            }
            throw explained;
        }
    }

    /**
     * An explanation of {@code failure} when it is (or is caused by) JavaCPP's native
     * out-of-memory error, or ND4J's initialisation that failed earlier in this JVM for that
     * reason; null for anything else.
     */
    public static IllegalStateException explain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError && isJavaCpp(t)) {
                IllegalStateException explained = withoutCause(message(t), failure);
                if (firstFailure == null) {
                    firstFailure = explained;
                }
                return explained;
            }
        }
        IllegalStateException first = firstFailure;
        if (first != null && failure instanceof NoClassDefFoundError
                && String.valueOf(failure.getMessage()).contains("org.nd4j")) {
            return withoutCause(first.getMessage() + " (ND4J failed to initialise in this JVM then; now: "
                    + failure.getMessage() + ")", failure);
        }
        return null;
    }

    /**
     * The explanation carries the original's stack trace but not the original as its cause: Spark's
     * executor looks for fatal errors (OutOfMemoryError, LinkageError) down the cause chain
     * ({@code spark.executor.killOnFatalError.depth}) and would still exit the JVM.
     */
    private static IllegalStateException withoutCause(String message, Throwable original) {
        IllegalStateException explained = new IllegalStateException(message);
        explained.setStackTrace(original.getStackTrace());
        return explained;
    }

    private static boolean isJavaCpp(Throwable oom) {
        String text = messages(oom);
        return text.contains("maxPhysicalBytes") || text.contains("maxBytes") || text.contains("Cannot allocate new");
    }

    private static String message(Throwable oom) {
        return "ND4J could not allocate native (off-heap) memory in this JVM: " + messages(oom)
                + ". Raise the JavaCPP limits -Dorg.bytedeco.javacpp.maxphysicalbytes (the whole process: heap "
                + "plus off-heap) and -Dorg.bytedeco.javacpp.maxbytes in spark.executor.extraJavaOptions "
                + "(spark.driver.extraJavaOptions for the driver), together with spark.executor.memoryOverhead; "
                + "jobs/train.sh and jobs/score.sh set all three from SPARK_LSTM_OFFHEAP (executors) and "
                + "SPARK_LSTM_DRIVER_OFFHEAP (driver). Or use smaller minibatches.";
    }

    private static String messages(Throwable oom) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = oom; t != null; t = t.getCause()) {
            if (text.length() > 0) {
                text.append(": ");
            }
            text.append(t.getMessage());
        }
        return text.toString();
    }
}
