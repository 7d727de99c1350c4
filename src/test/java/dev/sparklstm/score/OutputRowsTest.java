package dev.sparklstm.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.DataSpec;
import dev.sparklstm.sequence.FeatureEncoder;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** Output rows in Spark's internal form, one per layout, checked cell by cell (no Spark session). */
class OutputRowsTest {
    private static scala.collection.Seq<Object> seq(Object... values) {
        return scala.collection.JavaConverters.asScalaBuffer(List.of(values)).toSeq();
    }

    @Test
    void widePerStepClassificationUnrollsTheLabelArrayAndKeepsScalarPassThrough() {
        StructType input = new StructType().add("id", DataTypes.LongType)
                .add("a", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.createArrayType(DataTypes.StringType)).add("note", DataTypes.StringType);
        FeatureEncoder encoder = new FeatureEncoder(List.of("a"), new double[] {0}, new double[] {1}, List.of(),
                List.of(), DataSpec.TaskType.CLASSIFICATION, DataSpec.Output.PER_STEP, List.of("ok", "warn", "fault"),
                List.of());
        OutputLayout layout = new OutputLayout(input, "id", "", List.of("note", "label"), new boolean[] {false, true},
                true, false, encoder);
        assertEquals(List.of("id", "step", "note", "label", "prediction", "probabilities"),
                List.of(layout.schema.fieldNames()));
        Row source = RowFactory.create(7L, seq(0.5, 1.5), seq("ok", "fault"), "n");
        // [outputs, steps] order for one sequence of 2 steps: step 1 has probabilities 0.1, 0.2, 0.7.
        float[] values = {0.6f, 0.1f, 0.3f, 0.2f, 0.1f, 0.7f};
        InternalRow row = new OutputRows(layout, 3).row(source, 1, 2, values, 1, 2);
        assertEquals(6, row.numFields());
        assertEquals(7L, row.getLong(0));
        assertEquals(1, row.getInt(1));
        assertEquals(UTF8String.fromString("n"), row.getUTF8String(2));
        assertEquals(UTF8String.fromString("fault"), row.getUTF8String(3), "the label of step 1");
        assertEquals(UTF8String.fromString("fault"), row.getUTF8String(4), "the class with the largest probability");
        assertArrayEquals(new double[] {0.1f, 0.2f, 0.7f}, row.getArray(5).toDoubleArray());
    }

    @Test
    void longPerSequenceRegressionWritesLengthAndOnePredictionPerTarget() {
        StructType input = new StructType().add("seq", DataTypes.StringType).add("t", DataTypes.IntegerType)
                .add("x", DataTypes.DoubleType).add("y1", DataTypes.DoubleType).add("y2", DataTypes.DoubleType);
        FeatureEncoder encoder = new FeatureEncoder(List.of("x"), new double[] {0}, new double[] {1}, List.of(),
                List.of(), DataSpec.TaskType.REGRESSION, DataSpec.Output.PER_SEQUENCE, List.of(), List.of("y1", "y2"));
        OutputLayout layout = new OutputLayout(input, "seq", "t", List.of("t", "y1", "y2"),
                new boolean[] {false, false, false}, false, true, encoder);
        assertEquals(List.of("seq", "t", "y1", "y2", "sequence_length", "prediction_y1", "prediction_y2"),
                List.of(layout.schema.fieldNames()));
        assertEquals(List.of("prediction_y1", "prediction_y2"), layout.parquetNumberColumns());
        Row last = RowFactory.create("s1", 9, 0.25, null, 2.0);
        InternalRow row = new OutputRows(layout, 2).row(last, -1, 10, new float[] {1.5f, -0.5f}, 0, 1);
        assertEquals(UTF8String.fromString("s1"), row.getUTF8String(0));
        assertEquals(9, row.getInt(1));
        assertTrue(row.isNullAt(2), "a null label passes through as null");
        assertEquals(2.0, row.getDouble(3));
        assertEquals(10, row.getInt(4));
        assertEquals(1.5, row.getDouble(5));
        assertEquals(-0.5, row.getDouble(6));
    }
}
