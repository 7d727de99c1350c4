package dev.sparklstm.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import dev.sparklstm.config.DataSpec;
import dev.sparklstm.schema.ColumnRoles;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * The input rows arranged for sequence assembly, shared by training and scoring: in the long
 * layout repartitioned by sequence id and sorted by (id, time) within partitions (grouping happens
 * on the executors, never on the driver); in the wide layout one row per sequence as read (rows
 * that share a sequence id are all invalid: {@link #duplicateIds}). Pair
 * {@link #rows()} with {@link #assemble()} in {@code mapPartitions}.
 *
 * @param rows     the arranged rows
 * @param assemble the partition function turning them into sequences or rejected rows
 */
public record SequenceSource(JavaRDD<Row> rows, FlatMapFunction<Iterator<Row>, AssembledSequence> assemble) {
    /** Helper column holding the sortable time value. */
    static final String ORDER_COLUMN = "__spark_lstm_order";
    /** Most duplicated wide-layout sequence ids that are rejected row by row; more fail the job. */
    static final int MAX_DUPLICATE_IDS = 10_000;

    /**
     * @param withLabels whether labels are required and checked (training) or ignored (scoring)
     * @param keepRows   whether valid sequences keep their input rows (scoring)
     */
    public static SequenceSource of(Dataset<Row> input, DataSpec spec, ColumnRoles roles, int partitions,
                                    boolean withLabels, boolean keepRows) {
        SequenceAssembler assembler = new SequenceAssembler(spec, roles, input.schema(), withLabels);
        if (spec.layout() == DataSpec.Layout.WIDE) {
            return new SequenceSource(input.javaRDD(), new WidePartition(new WideRowToSequenceFn(assembler,
                    spec.isPerSequence(), input.schema().fieldNames(), keepRows,
                    duplicateIds(input, roles.sequenceId()))));
        }
        Dataset<Row> sorted = input.withColumn(ORDER_COLUMN, orderColumn(input.schema(), spec))
                .repartition(partitions, col(roles.sequenceId()))
                .sortWithinPartitions(col(roles.sequenceId()), col(ORDER_COLUMN));
        return new SequenceSource(sorted.javaRDD(), new LongRowsToSequencesFn(assembler, spec.isPerSequence(),
                input.schema().fieldIndex(roles.time()), sorted.schema().fieldIndex(ORDER_COLUMN), roles.time(),
                keepRows));
    }

    /**
     * Wide layout: the sequence ids that more than one row has, with their row counts (one Spark
     * job that reads only the id column; usually empty). Their rows are rejected, or fail the job,
     * like any invalid row: two rows with one id are not one sequence, and scoring would write two
     * outputs under one id. At most {@link #MAX_DUPLICATE_IDS} such ids travel with the tasks;
     * more is an error before any other work.
     */
    static java.util.Map<String, Long> duplicateIds(Dataset<Row> input, String idColumn) {
        String copies = "__spark_lstm_copies";
        List<Row> found = input.where(col(idColumn).isNotNull()).groupBy(col(idColumn))
                .agg(org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)).as(copies))
                .where(col(copies).gt(1)).limit(MAX_DUPLICATE_IDS + 1).collectAsList();
        if (found.size() > MAX_DUPLICATE_IDS) {
            throw new IllegalArgumentException("more than " + MAX_DUPLICATE_IDS + " sequence ids of column \""
                    + idColumn + "\" are in more than one row (for example " + found.get(0).get(0) + ": "
                    + found.get(0).getLong(1) + " rows), but the wide layout (input.layout=wide) takes one row per "
                    + "sequence: deduplicate the input, or use input.layout=long for one row per time step");
        }
        java.util.Map<String, Long> ids = new java.util.HashMap<>();
        for (Row row : found) {
            ids.put(RowValues.toCategory(row.get(0)), row.getLong(1));
        }
        return ids;
    }

    /**
     * The vector width of each wide-layout matrix column ({@code array<array<number>>}), read from
     * the first row with at least one step; a column with no step in any row is an error.
     */
    public static java.util.Map<String, Integer> matrixWidths(Dataset<Row> input, DataSpec spec) {
        java.util.Map<String, Integer> widths = new java.util.HashMap<>();
        if (spec.layout() != DataSpec.Layout.WIDE) {
            return widths;
        }
        for (org.apache.spark.sql.types.StructField field : input.schema().fields()) {
            if (!ColumnRoles.isMatrix(field.dataType())) {
                continue;
            }
            Column column = col(field.name());
            List<Row> first = input.where(org.apache.spark.sql.functions.size(column).gt(0)
                            .and(org.apache.spark.sql.functions.element_at(column, 1).isNotNull()))
                    .select(org.apache.spark.sql.functions.size(org.apache.spark.sql.functions.element_at(column, 1)))
                    .takeAsList(1);
            if (first.isEmpty() || first.get(0).getInt(0) <= 0) {
                throw new IllegalArgumentException("matrix column \"" + field.name() + "\" has no non-empty feature "
                        + "vector in any row, so its width is unknown");
            }
            widths.put(field.name(), first.get(0).getInt(0));
        }
        return widths;
    }

    /** The input schema plus the reason column of {@code rejected/} (named so it clashes with no input column). */
    public static StructType rejectedSchema(StructType input) {
        String name = "reject_reason";
        while (List.of(input.fieldNames()).contains(name)) {
            name = name + "_";
        }
        return input.add(name, DataTypes.StringType, false);
    }

    /** A sortable time value; null when the time cell is null or (for strings) cannot be parsed. */
    static Column orderColumn(StructType schema, DataSpec spec) {
        Column time = col(spec.timeColumn());
        DataType type = schema.apply(spec.timeColumn()).dataType();
        if (!(type instanceof StringType)) {
            return time;
        }
        if (spec.timeType() == DataSpec.TimeType.TIMESTAMP) {
            return time.cast("timestamp");
        }
        return when(time.rlike("^\\s*-?\\d{1,18}\\s*$"), org.apache.spark.sql.functions.trim(time).cast("long"));
    }

    /** The wide layout's row-at-a-time assembly as a lazy partition function. */
    static final class WidePartition implements FlatMapFunction<Iterator<Row>, AssembledSequence> {
        private static final long serialVersionUID = 1L;
        private final WideRowToSequenceFn perRow;

        WidePartition(WideRowToSequenceFn perRow) {
            this.perRow = perRow;
        }

        @Override
        public Iterator<AssembledSequence> call(Iterator<Row> rows) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public AssembledSequence next() {
                    return perRow.call(rows.next());
                }
            };
        }
    }

    /** The rejected rows of a partition (input columns plus reason), without anything else. */
    public static final class RejectedRows implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final FlatMapFunction<Iterator<Row>, AssembledSequence> assemble;

        public RejectedRows(FlatMapFunction<Iterator<Row>, AssembledSequence> assemble) {
            this.assemble = assemble;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) throws Exception {
            Iterator<AssembledSequence> sequences = assemble.call(rows);
            return new BufferedIterator<>() {
                @Override
                protected boolean refill(java.util.ArrayDeque<Row> ready) {
                    if (!sequences.hasNext()) {
                        return false;
                    }
                    ready.addAll(sequences.next().rejectedRows());
                    return true;
                }
            };
        }
    }
}
