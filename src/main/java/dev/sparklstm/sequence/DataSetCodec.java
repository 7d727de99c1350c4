package dev.sparklstm.sequence;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A minibatch as one byte array: features, labels and the two masks (each may be absent), with
 * their shapes and values in 'c' order, copied in bulk. ND4J's own Java serialization of a
 * {@code DataSet} writes and reads every value through {@code DataOutputStream.writeFloat} /
 * {@code readFloat}, which made (de)serializing minibatches a visible part of each training epoch
 * that shuffles them (see {@code train.AveragingRounds}) and reads them from the cache
 * ({@link CompactDataSet}); a byte array is copied whole by every Spark serializer. FLOAT and
 * DOUBLE arrays keep their type and values exactly.
 */
public final class DataSetCodec {
    private static final byte ABSENT = 0;
    private static final byte FLOAT = 1;
    private static final byte DOUBLE = 2;

    private DataSetCodec() {
    }

    /** The bytes of {@code data}. */
    public static byte[] encode(DataSet data) {
        INDArray[] arrays = {data.getFeatures(), data.getLabels(), data.getFeaturesMaskArray(),
            data.getLabelsMaskArray()};
        int size = 0;
        for (INDArray array : arrays) {
            size += 1 + (array == null ? 0 : 4 + 8 * array.rank() + (int) array.length() * width(array));
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (INDArray array : arrays) {
            if (array == null) {
                out.put(ABSENT);
                continue;
            }
            INDArray c = array.isView() || array.ordering() != 'c' ? array.dup('c') : array;
            out.put(c.dataType() == DataType.DOUBLE ? DOUBLE : FLOAT);
            out.putInt(c.rank());
            for (long dim : c.shape()) {
                out.putLong(dim);
            }
            if (c.dataType() == DataType.DOUBLE) {
                out.asDoubleBuffer().put(c.data().asDouble(), 0, (int) c.length());
            } else {
                out.asFloatBuffer().put(c.data().asFloat(), 0, (int) c.length());
            }
            out.position(out.position() + (int) c.length() * width(c));
        }
        return out.array();
    }

    /** The minibatch {@link #encode} wrote. */
    public static DataSet decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        INDArray[] arrays = new INDArray[4];
        for (int i = 0; i < arrays.length; i++) {
            byte type = in.get();
            if (type == ABSENT) {
                continue;
            }
            long[] shape = new long[in.getInt()];
            long length = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.getLong();
                length *= shape[d];
            }
            if (type == DOUBLE) {
                double[] values = new double[(int) length];
                in.asDoubleBuffer().get(values);
                arrays[i] = Nd4j.create(values, shape, 'c');
                in.position(in.position() + values.length * 8);
            } else if (type == FLOAT) {
                float[] values = new float[(int) length];
                in.asFloatBuffer().get(values);
                arrays[i] = Nd4j.create(values, shape, 'c');
                in.position(in.position() + values.length * 4);
            } else {
                throw new IllegalArgumentException("not an encoded minibatch: array type " + type);
            }
        }
        return new DataSet(arrays[0], arrays[1], arrays[2], arrays[3]);
    }

    private static int width(INDArray array) {
        if (array.dataType() != DataType.FLOAT && array.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("minibatch arrays must be FLOAT or DOUBLE, got " + array.dataType());
        }
        return array.dataType() == DataType.DOUBLE ? 8 : 4;
    }
}
