package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link NativeBuffer#over} sees and writes the viewed array's own memory, also for a view with an
 * offset; {@link NativeBuffer#zero} clears exactly its range.
 */
class NativeBufferTest {
    @Test
    void overAnOffsetViewReadsAndWritesItsElements() {
        float[] values = new float[12];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        INDArray flat = Nd4j.create(values, new long[] {1, 12}, 'c');
        assertEquals(DataType.FLOAT, flat.dataType());
        INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 9)).reshape(1, 6);
        assertEquals(3, view.offset());
        NativeBuffer buffer = NativeBuffer.over(view);
        assertEquals(3f, buffer.bytes().getFloat(0));
        assertEquals(8f, buffer.bytes().getFloat(5 << 2));
        buffer.bytes().putFloat(1 << 2, -1f);
        assertEquals(-1f, flat.getFloat(0, 4));
        assertEquals(5f, buffer.view(2, 1, 1).getFloat(0));
        assertEquals(6f, buffer.floatsAt(3).get());
        assertThrows(IllegalStateException.class, () -> buffer.ensure(7));
    }

    @Test
    void zeroClearsExactlyItsRangeInBothTypes() {
        // Longer than one bulk copy (16 KB) and not a multiple of it, from an odd offset.
        int length = 20_000;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            NativeBuffer buffer = new NativeBuffer(type);
            buffer.ensure(length);
            for (int i = 0; i < length; i++) {
                put(buffer, type, i, i + 1);
            }
            buffer.zero(3, length - 10);
            for (int i = 0; i < length; i++) {
                double expected = i >= 3 && i < length - 7 ? 0 : i + 1;
                assertEquals(expected, get(buffer, type, i), type + " element " + i);
            }
        }
    }

    private static void put(NativeBuffer buffer, DataType type, int i, double value) {
        if (type == DataType.FLOAT) {
            buffer.bytes().putFloat(i << 2, (float) value);
        } else {
            buffer.bytes().putDouble(i << 3, value);
        }
    }

    private static double get(NativeBuffer buffer, DataType type, int i) {
        return type == DataType.FLOAT ? buffer.bytes().getFloat(i << 2) : buffer.bytes().getDouble(i << 3);
    }
}
