package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link NativeBuffer#over} sees and writes the viewed array's own memory, also for a view with an offset. */
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
}
