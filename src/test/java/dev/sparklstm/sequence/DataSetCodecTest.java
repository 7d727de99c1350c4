package dev.sparklstm.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class DataSetCodecTest {
    @Test
    void minibatchesComeBackWithTheirShapesTypesValuesAndMasks() {
        Nd4j.getRandom().setSeed(1);
        INDArray features = Nd4j.rand(DataType.FLOAT, 3, 4, 5);
        INDArray labels = Nd4j.rand(DataType.FLOAT, 3, 2, 5);
        INDArray mask = Nd4j.createFromArray(new float[][] {{1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}, {1, 1, 1, 0, 0}});
        DataSet back = DataSetCodec.decode(DataSetCodec.encode(new DataSet(features, labels, mask, mask)));
        assertEquals(features, back.getFeatures());
        assertArrayEquals(features.shape(), back.getFeatures().shape());
        assertArrayEquals(features.data().asFloat(), back.getFeatures().data().asFloat());
        assertArrayEquals(labels.data().asFloat(), back.getLabels().data().asFloat());
        assertArrayEquals(mask.data().asFloat(), back.getFeaturesMaskArray().data().asFloat());
        assertArrayEquals(mask.shape(), back.getLabelsMaskArray().shape());
        assertEquals(DataType.FLOAT, back.getFeatures().dataType());
    }

    @Test
    void viewsFOrderDoublesAndMissingMasksToo() {
        INDArray whole = Nd4j.rand(DataType.DOUBLE, 4, 3, 6).dup('f');
        INDArray view = whole.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, 2);
        DataSet back = DataSetCodec.decode(DataSetCodec.encode(new DataSet(view, labels)));
        assertEquals(DataType.DOUBLE, back.getFeatures().dataType());
        assertArrayEquals(view.shape(), back.getFeatures().shape());
        assertArrayEquals(view.dup('c').data().asDouble(), back.getFeatures().data().asDouble());
        assertArrayEquals(labels.data().asDouble(), back.getLabels().data().asDouble());
        assertNull(back.getFeaturesMaskArray());
        assertNull(back.getLabelsMaskArray());
    }
}
