package dev.sparklstm.nn;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Element reads from a FLOAT array of any strides (rank 2 or 3) without ND4J ops per element. */
final class StridedFloats {
    private final FloatBuffer data;
    private final long offset;
    private final long[] stride;

    StridedFloats(INDArray array) {
        INDArray a = array.dataType() == DataType.FLOAT ? array : array.castTo(DataType.FLOAT);
        if (a.data().offset() != 0) {
            a = a.dup('c');
        }
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
