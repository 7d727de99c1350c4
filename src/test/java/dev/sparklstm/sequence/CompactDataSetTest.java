package dev.sparklstm.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Java serialization of a {@link CompactDataSet} goes through {@link DataSetCodec} and gives back the same minibatch. */
class CompactDataSetTest {
    @Test
    void javaSerializationRoundTripsAsItself() throws IOException, ClassNotFoundException {
        Nd4j.getRandom().setSeed(3);
        INDArray features = Nd4j.rand(DataType.FLOAT, 2, 3, 4);
        INDArray labels = Nd4j.rand(DataType.FLOAT, 2, 2, 4);
        INDArray mask = Nd4j.createFromArray(new float[][] {{1, 1, 1, 1}, {1, 1, 0, 0}});
        CompactDataSet compact = new CompactDataSet(new DataSet(features, labels, null, mask));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(compact);
        }
        Object read;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            read = in.readObject();
        }
        // Only the codec's readResolve makes a CompactDataSet: ND4J's own serialization would not.
        CompactDataSet back = assertInstanceOf(CompactDataSet.class, read);
        assertArrayEquals(features.shape(), back.getFeatures().shape());
        assertArrayEquals(features.data().asFloat(), back.getFeatures().data().asFloat());
        assertArrayEquals(labels.data().asFloat(), back.getLabels().data().asFloat());
        assertNull(back.getFeaturesMaskArray());
        assertArrayEquals(mask.data().asFloat(), back.getLabelsMaskArray().data().asFloat());
    }
}
