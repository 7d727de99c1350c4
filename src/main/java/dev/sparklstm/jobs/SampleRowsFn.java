package dev.sparklstm.jobs;

import dev.sparklstm.jobs.GenerateSamplesOptions.Kind;
import dev.sparklstm.jobs.GenerateSamplesOptions.Layout;
import dev.sparklstm.samples.SampleGenerator;
import dev.sparklstm.samples.SampleGenerator.AddingSequence;
import dev.sparklstm.samples.SampleGenerator.SensorSequence;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Runs on the executors: turns one sequence index into the rows of that sequence (one wide row, or
 * one row per step, made lazily) and counts them. Spark flattens lazily too, so a task holds one
 * sequence at a time.
 */
final class SampleRowsFn implements FlatMapFunction<Long, Row> {
    private static final long serialVersionUID = 1L;

    private final Kind kind;
    private final Layout layout;
    private final SampleGenerator generator;
    private final LongAccumulator rows;

    SampleRowsFn(Kind kind, Layout layout, SampleGenerator generator, LongAccumulator rows) {
        this.kind = kind;
        this.layout = layout;
        this.generator = generator;
        this.rows = rows;
    }

    /** The schema of the rows of a kind and layout. Columns are never null. */
    static StructType schema(Kind kind, Layout layout) {
        boolean wide = layout == Layout.WIDE;
        DataType doubles = wide ? DataTypes.createArrayType(DataTypes.DoubleType, false) : DataTypes.DoubleType;
        DataType strings = wide ? DataTypes.createArrayType(DataTypes.StringType, false) : DataTypes.StringType;
        List<StructField> fields = new ArrayList<>();
        fields.add(field(SampleGenerator.SEQ_ID, kind == Kind.SENSOR ? DataTypes.StringType : DataTypes.LongType));
        if (!wide) {
            fields.add(field(SampleGenerator.T, DataTypes.IntegerType));
        }
        if (kind == Kind.SENSOR) {
            fields.add(field(SampleGenerator.TEMPERATURE, doubles));
            fields.add(field(SampleGenerator.VIBRATION, doubles));
            fields.add(field(SampleGenerator.PRESSURE, doubles));
            fields.add(field(SampleGenerator.MODE, strings));
            fields.add(field(SampleGenerator.LABEL, strings));
        } else {
            fields.add(field(SampleGenerator.VALUE, doubles));
            fields.add(field(SampleGenerator.MARKER, doubles));
            fields.add(field(SampleGenerator.TARGET, DataTypes.DoubleType));
        }
        return DataTypes.createStructType(fields);
    }

    @Override
    public Iterator<Row> call(Long index) {
        boolean wide = layout == Layout.WIDE;
        if (kind == Kind.SENSOR) {
            SensorSequence s = generator.sensor(index);
            return wide
                    ? rows(1, t -> RowFactory.create(s.seqId(), s.temperature(), s.vibration(), s.pressure(),
                            s.mode(), s.label()))
                    : rows(s.length(), t -> RowFactory.create(s.seqId(), t, s.temperature()[t], s.vibration()[t],
                            s.pressure()[t], s.mode()[t], s.label()[t]));
        }
        AddingSequence a = generator.adding(index);
        return wide
                ? rows(1, t -> RowFactory.create(a.seqId(), a.value(), a.marker(), a.target()))
                : rows(a.length(), t -> RowFactory.create(a.seqId(), t, a.value()[t], a.marker()[t], a.target()));
    }

    private Iterator<Row> rows(int count, IntFunction<Row> row) {
        rows.add(count);
        return IntStream.range(0, count).mapToObj(row).iterator();
    }

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, false);
    }
}
