package dev.sparklstm.nn;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element reads from a FLOAT array of any strides (rank 2 or 3) without ND4J ops per element.
 *
 * <p>The reads go through a direct buffer over the array's native memory, which does not keep
 * that memory alive: JavaCPP frees it once the array (or the FLOAT copy made here) is garbage
 * collected, and a caller's array can become unreachable while its last reads are still running
 * (the JIT ends a local's life at its last use). This object holds the array it reads, so callers
 * keep it reachable with {@link java.lang.ref.Reference#reachabilityFence} after their last read.
 * Without that, training read freed memory once in a while: seeded runs differed, and one run
 * stopped with NaN parameters.
 */
final class StridedFloats {
    /** The array the reads go to: kept so that its memory stays allocated while this object is reachable. */
    private final INDArray source;
    private final FloatBuffer data;
    private final long offset;
    private final long[] stride;

    StridedFloats(INDArray array) {
        INDArray a = array.dataType() == DataType.FLOAT ? array : array.castTo(DataType.FLOAT);
        if (a.data().offset() != 0) {
            a = a.dup('c');
        }
        source = a;
        data = a.data().asNioFloat();
        offset = a.offset();
        stride = a.stride();
    }

    float get(int i, int j) {
        return data.get((int) (offset + i * stride[0] + j * stride[1]));
    }

    float get(int i, int j, int k) {
        return data.get((int) (offset + i * stride[0] + j * stride[1] + k * stride[2]));
    }
}
