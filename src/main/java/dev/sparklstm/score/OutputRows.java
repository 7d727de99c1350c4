package dev.sparklstm.score;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Function1;

/**
 * Builds the output rows of {@link OutputLayout} directly in Spark's internal form. The scoring
 * pass used to make generic {@code Row}s (boxed probabilities in a Scala buffer) and have
 * {@code createDataFrame} convert each one back with its row encoder, which validates every
 * value's external type: about 8% of the scoring work's task time in BENCHMARKS.md ("Cutting the
 * Spark side of scoring"). Here the
 * copied input columns go through Spark's own per-type converters, prediction labels are encoded
 * once, and probabilities become a primitive array. Not thread-safe: one per task.
 */
final class OutputRows {
    private final OutputLayout layout;
    private final int outputs;
    /** Converters of the copied columns, index-aligned with {@code layout.copyIndices}. */
    private final Function1<Object, Object>[] copy;
    private final Function1<Object, Object> id;
    private final Function1<Object, Object> time;
    private final UTF8String[] classes;
    private final int width;

    @SuppressWarnings("unchecked")
    OutputRows(OutputLayout layout, int outputs) {
        this.layout = layout;
        this.outputs = outputs;
        int field = 0;
        this.id = converter(layout.schema.fields()[field++].dataType());
        this.time = layout.timeIndex >= 0 ? converter(layout.schema.fields()[field].dataType()) : null;
        if (layout.timeIndex >= 0 || layout.stepColumn != null) {
            field++;
        }
        this.copy = new Function1[layout.copyIndices.length];
        for (int c = 0; c < copy.length; c++) {
            copy[c] = converter(layout.schema.fields()[field++].dataType());
        }
        this.classes = layout.classification
                ? layout.classes.stream().map(UTF8String::fromString).toArray(UTF8String[]::new) : null;
        this.width = layout.schema.size();
    }

    private static Function1<Object, Object> converter(DataType type) {
        return CatalystTypeConverters.createToCatalystConverter(type);
    }

    /**
     * The output row for {@code source} (the input row of the step, or the sequence's last row):
     * predictions at {@code values[offset + k * stride]} for output k.
     *
     * @param step   the step index (wide layout, per step), else ignored
     * @param length the sequence length (per-sequence output)
     */
    InternalRow row(Row source, int step, int length, float[] values, int offset, int stride) {
        Object[] cells = new Object[width];
        int i = 0;
        cells[i++] = id.apply(source.get(layout.idIndex));
        if (layout.timeIndex >= 0) {
            cells[i++] = time.apply(source.get(layout.timeIndex));
        } else if (layout.stepColumn != null) {
            cells[i++] = step;
        }
        for (int c = 0; c < copy.length; c++) {
            int index = layout.copyIndices[c];
            Object value;
            if (layout.perStepArray[c] && !source.isNullAt(index)) {
                List<Object> steps = source.getList(index);
                value = steps.get(step);
            } else {
                value = source.get(index);
            }
            cells[i++] = copy[c].apply(value);
        }
        if (layout.perSequence) {
            cells[i++] = length;
        }
        if (layout.classification) {
            double[] probabilities = new double[outputs];
            int best = 0;
            for (int k = 0; k < outputs; k++) {
                probabilities[k] = values[offset + k * stride];
                if (probabilities[k] > probabilities[best]) {
                    best = k;
                }
            }
            cells[i++] = classes[best];
            cells[i] = UnsafeArrayData.fromPrimitiveArray(probabilities);
        } else {
            for (int k = 0; k < outputs; k++) {
                cells[i++] = (double) values[offset + k * stride];
            }
        }
        return new GenericInternalRow(cells);
    }
}
