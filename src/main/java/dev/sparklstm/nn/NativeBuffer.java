package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Growable native working memory of a fused layer: one detached ND4J array (outside every
 * workspace, freed with this object), seen three ways: as a native pointer for OpenBLAS, as a
 * native-order {@link ByteBuffer} for the gate math, and as ND4J views (no copy) so that layout
 * changes to and from DL4J's arrays are single ND4J {@code assign} calls. It only grows, so a
 * layer allocates on its first segments and then never again for the same or smaller shapes.
 */
final class NativeBuffer {
    private static final byte[] ZEROS = new byte[1 << 14];
    private final DataType type;
    private final int elementBytes;
    private INDArray array;
    /** Offset of this buffer's start from {@code array.data().addressPointer()} (nonzero only for {@link #over}). */
    private long baseOffset;
    /** Offset of this buffer's start for ND4J views of {@code array.data()}, which count from the underlying start. */
    private long viewOffset;
    /** False for {@link #over}: the memory belongs to someone else and cannot grow. */
    private boolean growable = true;
    private long capacity;
    private ByteBuffer bytes;
    private FloatPointer floats;
    private DoublePointer doubles;

    NativeBuffer(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("fused LSTM buffers are FLOAT or DOUBLE, got " + type);
        }
        this.type = type;
        this.elementBytes = type == DataType.FLOAT ? 4 : 8;
    }

    /**
     * A buffer over existing contiguous FLOAT memory (a network's flat parameter, gradient or
     * updater-state view, or a dense array such as a layer's activations, element k being the k-th
     * in the array's own order): no copy, reads and writes go to that array. It cannot grow.
     */
    static NativeBuffer over(INDArray flat) {
        if (flat.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a FLOAT array, got " + flat.dataType());
        }
        boolean dense = java.util.Arrays.equals(flat.stride(), Nd4j.getStrides(flat.shape(), flat.ordering()));
        if (!dense && (!flat.isVector() || flat.elementWiseStride() != 1)) {
            throw new IllegalArgumentException("expected a contiguous vector, got shape "
                    + java.util.Arrays.toString(flat.shape()) + " with element-wise stride " + flat.elementWiseStride());
        }
        NativeBuffer buffer = new NativeBuffer(DataType.FLOAT);
        long size = flat.length();
        if (size * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("array too large for a direct view: " + size + " values");
        }
        buffer.array = flat;
        // A view's data() is itself a view buffer: addressPointer() already points at the buffer's
        // offset (address() does not), and the array's offset counts from the underlying start.
        buffer.baseOffset = flat.offset() - flat.data().offset();
        buffer.viewOffset = flat.offset();
        buffer.growable = false;
        Pointer base = flat.data().addressPointer();
        FloatPointer start = new FloatPointer(base).getPointer(buffer.baseOffset);
        start.capacity(size).limit(size);
        buffer.bytes = start.asByteBuffer().order(ByteOrder.nativeOrder());
        buffer.floats = new FloatPointer(base).getPointer(buffer.baseOffset);
        buffer.capacity = size;
        return buffer;
    }

    /** True if this buffer still views {@code flat} (the same memory as when it was made by {@link #over}). */
    boolean views(INDArray flat) {
        return array == flat;
    }

    /** Makes room for {@code elements} values; old contents are lost when it grows. */
    void ensure(long elements) {
        if (elements <= capacity) {
            return;
        }
        if (!growable) {
            throw new IllegalStateException("a buffer over an existing array cannot grow: " + elements + " > " + capacity);
        }
        long size = Math.max(elements, capacity + capacity / 2);
        if (size * elementBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("fused LSTM segment too large: " + elements + " values in one buffer"
                    + " (limit 2 GB); use shorter segments (model.tbptt-length) or smaller batches");
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            array = Nd4j.createUninitializedDetached(type, size);
        }
        Pointer base = array.data().addressPointer();
        if (type == DataType.FLOAT) {
            FloatPointer start = new FloatPointer(base);
            start.position(0).capacity(size).limit(size);
            bytes = start.asByteBuffer().order(ByteOrder.nativeOrder());
            floats = new FloatPointer(base);
        } else {
            DoublePointer start = new DoublePointer(base);
            start.position(0).capacity(size).limit(size);
            bytes = start.asByteBuffer().order(ByteOrder.nativeOrder());
            doubles = new DoublePointer(base);
        }
        if (bytes.capacity() != size * elementBytes) {
            throw new IllegalStateException("native view of " + size + " values has " + bytes.capacity() + " bytes");
        }
        capacity = size;
    }

    /** The native-order bytes of the whole buffer. */
    ByteBuffer bytes() {
        return bytes;
    }

    /**
     * The float pointer at element {@code offset}. One pointer object per buffer, repositioned on
     * each call (no allocation): pass each buffer at most once per BLAS call.
     */
    FloatPointer floatsAt(long offset) {
        return floats.position(offset);
    }

    /** As {@link #floatsAt(long)} for a DOUBLE buffer. */
    DoublePointer doublesAt(long offset) {
        return doubles.position(offset);
    }

    /** A C-order view of {@code shape} starting at element {@code offset} (no copy). */
    INDArray view(long offset, long... shape) {
        return Nd4j.create(array.data(), shape, Nd4j.getStrides(shape, 'c'), viewOffset + offset, 'c', type);
    }

    /** A view of {@code shape} with the given element strides, starting at element {@code offset} (no copy). */
    INDArray view(long offset, long[] shape, long[] strides) {
        return Nd4j.create(array.data(), shape, strides, viewOffset + offset, 'c', type);
    }

    /** A Fortran-order view (DL4J's parameter layout) of {@code shape} at element {@code offset}. */
    INDArray viewF(long offset, long... shape) {
        return Nd4j.create(array.data(), shape, Nd4j.getStrides(shape, 'f'), viewOffset + offset, 'f', type);
    }

    /** Sets {@code count} values from element {@code offset} to zero (bulk copies: a put per value ran at 7.5 GB/s). */
    void zero(long offset, long count) {
        int at = (int) (offset * elementBytes);
        int end = (int) ((offset + count) * elementBytes);
        while (at < end) {
            int length = Math.min(ZEROS.length, end - at);
            bytes.put(at, ZEROS, 0, length);
            at += length;
        }
    }
}
