package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.DataSpec;
import dev.sparklstm.jobs.TrainOptions;
import dev.sparklstm.schema.ColumnRoles;
import dev.sparklstm.sequence.SequenceRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/**
 * Spark-free checks of the executor functions that turn input rows into sequences: each bad case
 * is rejected with a reason naming the column and value, a sequence with one bad row is rejected
 * whole, and every input row comes out exactly once (in a valid sequence or rejected).
 */
class RowsToSequencesFnTest {

    // ---- long layout: seq_id, t, x1, x2, label (+ the order column appended by TrainingRun) ----

    private static final StructType LONG = new StructType()
            .add("seq_id", DataTypes.StringType)
            .add("t", DataTypes.IntegerType)
            .add("x1", DataTypes.DoubleType)
            .add("x2", DataTypes.DoubleType)
            .add("label", DataTypes.StringType);
    private static final int ORDER_INDEX = LONG.size();
    private static final int REASON = LONG.size();

    private static DataSpec spec(String... sets) {
        List<String> args = new ArrayList<>(List.of("--output", "unused"));
        for (String set : sets) {
            args.add("--set");
            args.add(set);
        }
        return TrainOptions.parse(args.toArray(new String[0])).config().data();
    }

    private static LongRowsToSequencesFn longFn(StructType schema, String... sets) {
        DataSpec spec = spec(sets);
        ColumnRoles roles = ColumnRoles.resolve(spec, schema, true);
        return new LongRowsToSequencesFn(new SequenceAssembler(spec, roles, schema, true), spec.isPerSequence(),
                schema.fieldIndex("t"), schema.size(), "t");
    }

    /** A long-layout row as TrainingRun hands it over: input columns plus the sortable time. */
    private static Row step(String id, Integer t, Double x1, Double x2, String label) {
        return RowFactory.create(id, t, x1, x2, label, t == null ? null : t.longValue());
    }

    private static List<Row> goodSequence(String id, int length) {
        List<Row> rows = new ArrayList<>();
        for (int t = 0; t < length; t++) {
            rows.add(step(id, t, 0.5 * t, 1.0 - t, t % 2 == 0 ? "a" : "b"));
        }
        return rows;
    }

    private static List<AssembledSequence> run(LongRowsToSequencesFn fn, List<Row> sortedRows) {
        List<AssembledSequence> out = new ArrayList<>();
        fn.call(sortedRows.iterator()).forEachRemaining(out::add);
        return out;
    }

    /** Reasons of all rejected rows, keyed "id/t" (long layout; a repeated key gets "#2", "#3", ...). */
    private static Map<String, String> reasonsByStep(List<AssembledSequence> assembled) {
        Map<String, String> reasons = new HashMap<>();
        for (AssembledSequence a : assembled) {
            for (Row row : a.rejectedRows()) {
                assertEquals(LONG.size() + 1, row.size(), "rejected row = input columns + reason, no helper column");
                String key = row.get(0) + "/" + row.get(1);
                for (int n = 2; reasons.containsKey(key); n++) {
                    key = row.get(0) + "/" + row.get(1) + "#" + n;
                }
                reasons.put(key, row.getString(REASON));
            }
        }
        return reasons;
    }

    /**
     * Every input row comes out exactly once: each rejected row (minus its reason) matches a
     * distinct input row (minus the helper order column), and the input rows left over are
     * exactly the steps of the valid sequences, sequence by sequence.
     */
    private static void assertEveryRowOnce(List<Row> input, List<AssembledSequence> assembled) {
        Map<List<Object>, Integer> remaining = new HashMap<>();
        for (Row row : input) {
            remaining.merge(values(row, row.size() - 1), 1, Integer::sum);
        }
        long used = 0;
        Map<String, Integer> validLengths = new HashMap<>();
        for (AssembledSequence a : assembled) {
            if (a.isValid()) {
                assertTrue(a.rejectedRows().isEmpty());
                used += a.sequence().length();
                assertNull(validLengths.put(a.sequence().id(), a.sequence().length()), "sequence built twice");
            } else {
                assertNull(a.sequence());
                assertFalse(a.rejectedRows().isEmpty());
                for (Row row : a.rejectedRows()) {
                    List<Object> key = values(row, row.size() - 1);
                    Integer count = remaining.get(key);
                    assertTrue(count != null && count > 0, "rejected row " + row + " is not an unused input row");
                    remaining.put(key, count - 1);
                }
            }
        }
        Map<String, Integer> leftOver = new HashMap<>();
        remaining.forEach((row, count) -> {
            if (count > 0) {
                leftOver.merge(String.valueOf(row.get(0)), count, Integer::sum);
            }
        });
        assertEquals(validLengths, leftOver, "rows not rejected are exactly the steps of the valid sequences");
        long rejected = assembled.stream().mapToLong(a -> a.rejectedRows().size()).sum();
        assertEquals(input.size(), used + rejected, "input rows = used rows + rejected rows");
    }

    private static List<Object> values(Row row, int width) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            values.add(row.get(i));
        }
        return values;
    }

    @Test
    void validSequencesAreBuiltInTimeOrder() {
        List<Row> rows = new ArrayList<>(goodSequence("s1", 3));
        rows.addAll(goodSequence("s2", 2));
        List<AssembledSequence> out = run(longFn(LONG), rows);
        assertEquals(2, out.size());
        SequenceRecord s1 = out.get(0).sequence();
        assertEquals("s1", s1.id());
        assertEquals(3, s1.length());
        assertArrayEquals(new double[] {0.0, 1.0, 0.5, 0.0, 1.0, -1.0}, s1.numeric(), 0.0);
        assertArrayEquals(new String[] {"a", "b", "a"}, s1.classLabels());
        assertEquals("s2", out.get(1).sequence().id());
        assertEveryRowOnce(rows, out);
    }

    @Test
    void nullSequenceIdRejectsEachRowAlone() {
        // Spark sorts null ids first; each such row is its own rejection, the next sequence is unaffected.
        List<Row> rows = new ArrayList<>(List.of(step(null, 0, 1.0, 1.0, "a"), step(null, 1, 1.0, 1.0, "b")));
        rows.addAll(goodSequence("s1", 3));
        List<AssembledSequence> out = run(longFn(LONG), rows);
        assertEquals(3, out.size());
        assertFalse(out.get(0).isValid());
        assertFalse(out.get(1).isValid());
        assertEquals(1, out.get(0).rejectedRows().size());
        assertEquals("sequence id is null", out.get(0).rejectedRows().get(0).getString(REASON));
        assertEquals("sequence id is null", out.get(1).rejectedRows().get(0).getString(REASON));
        assertEquals(1, out.get(1).rejectedRows().get(0).get(1), "the rejected row keeps its input values");
        assertTrue(out.get(2).isValid());
        assertEquals(3, out.get(2).sequence().length());
        assertEveryRowOnce(rows, out);
    }

    @Test
    void nullTimeRejectsTheWholeSequence() {
        // Null times sort first within the sequence.
        List<Row> rows = new ArrayList<>(List.of(step("s1", null, 1.0, 1.0, "a")));
        rows.addAll(goodSequence("s1", 3));
        rows.addAll(goodSequence("s2", 2));
        List<AssembledSequence> out = run(longFn(LONG), rows);
        assertEquals(2, out.size());
        assertFalse(out.get(0).isValid());
        List<Row> rejected = out.get(0).rejectedRows();
        assertEquals(4, rejected.size());
        assertEquals("time \"t\" is null", rejected.get(0).getString(REASON));
        for (int i = 1; i < 4; i++) {
            assertEquals("sequence s1 has an invalid row (time \"t\" is null)", rejected.get(i).getString(REASON));
        }
        assertTrue(out.get(1).isValid());
        assertEveryRowOnce(rows, out);
    }

    @Test
    void unparsableStringTimeIsNamedWithItsValue() {
        StructType schema = new StructType().add("seq_id", DataTypes.StringType).add("t", DataTypes.StringType)
                .add("x1", DataTypes.DoubleType).add("label", DataTypes.StringType);
        // The order column is null when the string time cannot be parsed (TrainingRun.orderColumn).
        List<Row> rows = List.of(
                RowFactory.create("s1", "noon", 1.0, "a", null),
                RowFactory.create("s1", "0", 1.0, "a", 0L),
                RowFactory.create("s1", "1", 2.0, "b", 1L));
        List<AssembledSequence> out = run(longFn(schema), rows);
        assertEquals(1, out.size());
        List<Row> rejected = out.get(0).rejectedRows();
        assertEquals("time \"t\" value 'noon' is not a valid time", rejected.get(0).getString(4));
        assertEquals("sequence s1 has an invalid row (time \"t\" value 'noon' is not a valid time)",
                rejected.get(2).getString(4));
        assertEveryRowOnce(rows, out);
    }

    @Test
    void duplicateTimeStepsMarkBothRows() {
        List<Row> rows = new ArrayList<>(List.of(
                step("s1", 0, 1.0, 1.0, "a"),
                step("s1", 1, 1.0, 1.0, "a"),
                step("s1", 1, 2.0, 2.0, "b"),
                step("s1", 2, 1.0, 1.0, "a")));
        rows.addAll(goodSequence("s2", 2));
        List<AssembledSequence> out = run(longFn(LONG), rows);
        Map<String, String> reasons = reasonsByStep(out);
        String duplicate = "duplicate time step t=1 in sequence s1";
        assertEquals(duplicate, out.get(0).rejectedRows().get(1).getString(REASON));
        assertEquals(duplicate, out.get(0).rejectedRows().get(2).getString(REASON));
        assertEquals("sequence s1 has an invalid row (" + duplicate + ")", reasons.get("s1/0"));
        assertEquals("sequence s1 has an invalid row (" + duplicate + ")", reasons.get("s1/2"));
        assertEquals(4, out.get(0).rejectedRows().size());
        assertEquals(duplicate, reasons.get("s1/1"));
        assertEquals(duplicate, reasons.get("s1/1#2"));
        assertTrue(out.get(1).isValid(), "the next sequence is not affected");
        assertEveryRowOnce(rows, out);
    }

    @Test
    void tripleTimeStepMarksAllThree() {
        List<Row> rows = List.of(step("s1", 0, 1.0, 1.0, "a"), step("s1", 0, 1.0, 1.0, "a"),
                step("s1", 0, 1.0, 1.0, "b"));
        List<AssembledSequence> out = run(longFn(LONG), rows);
        for (Row row : out.get(0).rejectedRows()) {
            assertEquals("duplicate time step t=0 in sequence s1", row.getString(REASON));
        }
        assertEveryRowOnce(rows, out);
    }

    @Test
    void badNumericFeaturesNameTheColumn() {
        assertRejectedStep(step("s1", 1, Double.NaN, 1.0, "a"), "feature \"x1\" is NaN");
        assertRejectedStep(step("s1", 1, 1.0, Double.POSITIVE_INFINITY, "a"), "feature \"x2\" is infinite (Infinity)");
        assertRejectedStep(step("s1", 1, 1.0, Double.NEGATIVE_INFINITY, "a"), "feature \"x2\" is infinite (-Infinity)");
        assertRejectedStep(step("s1", 1, null, 1.0, "a"), "feature \"x1\" is null");
    }

    @Test
    void badLabelsNameTheColumnAndValue() {
        assertRejectedStep(step("s1", 1, 1.0, 1.0, null), "label \"label\" is null");
        // With declared classes, anything else is refused; the reason lists the allowed classes.
        LongRowsToSequencesFn declared = longFn(LONG, "task.classes=a,b");
        List<Row> rows = new ArrayList<>(goodSequence("s1", 3));
        rows.set(2, step("s1", 2, 1.0, 1.0, "c"));
        List<AssembledSequence> out = run(declared, rows);
        String reason = out.get(0).rejectedRows().get(2).getString(REASON);
        assertTrue(reason.startsWith("label \"label\" value 'c' is not one of task.classes"), reason);
        assertTrue(reason.contains("a") && reason.contains("b"), reason);
        assertEquals("sequence s1 has an invalid row (" + reason + ")",
                out.get(0).rejectedRows().get(0).getString(REASON));
        // Without declared classes, any label value is a class.
        assertTrue(run(longFn(LONG), rows).get(0).isValid());
    }

    /** Puts {@code bad} as step 1 of a 3-step sequence s1, followed by a good s2. */
    private static void assertRejectedStep(Row bad, String expectedReason) {
        List<Row> rows = new ArrayList<>(goodSequence("s1", 3));
        rows.set(1, bad);
        rows.addAll(goodSequence("s2", 2));
        List<AssembledSequence> out = run(longFn(LONG), rows);
        assertEquals(2, out.size());
        assertFalse(out.get(0).isValid(), expectedReason);
        Map<String, String> reasons = reasonsByStep(out);
        assertEquals(expectedReason, reasons.get("s1/1"));
        assertEquals("sequence s1 has an invalid row (" + expectedReason + ")", reasons.get("s1/0"));
        assertEquals("sequence s1 has an invalid row (" + expectedReason + ")", reasons.get("s1/2"));
        assertTrue(out.get(1).isValid());
        assertEveryRowOnce(rows, out);
    }

    @Test
    void regressionLabelsMustBeFiniteNumbers() {
        // As read from CSV, where a column with a non-number is inferred as string.
        StructType schema = new StructType().add("seq_id", DataTypes.LongType).add("t", DataTypes.IntegerType)
                .add("x1", DataTypes.DoubleType).add("y", DataTypes.StringType);
        LongRowsToSequencesFn fn = longFn(schema, "task.type=regression", "columns.label=y");
        List<Row> rows = List.of(
                RowFactory.create(7L, 0, 1.0, "1.5", 0L),
                RowFactory.create(7L, 1, 1.0, "abc", 1L),
                RowFactory.create(8L, 0, 1.0, " 2.5 ", 0L),
                RowFactory.create(8L, 1, 1.0, "NaN", 1L),
                RowFactory.create(9L, 0, 1.0, "Infinity", 0L),
                RowFactory.create(10L, 0, 1.0, "-0.25", 0L));
        List<AssembledSequence> out = run(fn, rows);
        assertEquals(4, out.size());
        assertEquals("label \"y\" value 'abc' is not a number", out.get(0).rejectedRows().get(1).getString(4));
        assertEquals("sequence 7 has an invalid row (label \"y\" value 'abc' is not a number)",
                out.get(0).rejectedRows().get(0).getString(4));
        assertEquals("label \"y\" is NaN", out.get(1).rejectedRows().get(1).getString(4));
        assertEquals("label \"y\" is infinite (Infinity)", out.get(2).rejectedRows().get(0).getString(4));
        assertTrue(out.get(3).isValid());
        assertArrayEquals(new double[] {-0.25}, out.get(3).sequence().targets(), 0.0);
        assertEveryRowOnce(rows, out);

        List<AssembledSequence> nan = run(fn, List.of(RowFactory.create(1L, 0, 1.0, null, 0L)));
        assertEquals("label \"y\" is null", nan.get(0).rejectedRows().get(0).getString(4));
    }

    @Test
    void categoricalFeatureMustNotBeNull() {
        StructType schema = new StructType().add("seq_id", DataTypes.StringType).add("t", DataTypes.IntegerType)
                .add("mode", DataTypes.StringType).add("label", DataTypes.StringType);
        List<Row> rows = List.of(RowFactory.create("s1", 0, "run", "a", 0L), RowFactory.create("s1", 1, null, "b", 1L));
        List<AssembledSequence> out = run(longFn(schema), rows);
        assertEquals("categorical feature \"mode\" is null", out.get(0).rejectedRows().get(1).getString(4));
        assertEveryRowOnce(rows, out);
    }

    @Test
    void perSequenceTaskReadsTheLabelOnTheLastStepOnly() {
        LongRowsToSequencesFn fn = longFn(LONG, "task.output=per-sequence");
        List<Row> rows = List.of(
                step("s1", 0, 1.0, 1.0, null), step("s1", 1, 1.0, 1.0, "a"),
                step("s2", 0, 1.0, 1.0, "a"), step("s2", 1, 1.0, 1.0, null));
        List<AssembledSequence> out = run(fn, rows);
        assertTrue(out.get(0).isValid(), "labels before the last step are not read");
        assertArrayEquals(new String[] {"a"}, out.get(0).sequence().classLabels());
        assertFalse(out.get(1).isValid());
        assertEquals("label \"label\" is null", out.get(1).rejectedRows().get(1).getString(REASON));
        assertEquals("sequence s2 has an invalid row (label \"label\" is null)",
                out.get(1).rejectedRows().get(0).getString(REASON));
        assertEveryRowOnce(rows, out);
    }

    @Test
    void assembleTakesOneSequenceDirectly() {
        LongRowsToSequencesFn fn = longFn(LONG);
        AssembledSequence ok = fn.assemble("s9", goodSequence("s9", 4));
        assertTrue(ok.isValid());
        assertEquals(4, ok.sequence().length());
        AssembledSequence nullId = fn.assemble(null, List.of(step(null, 0, 1.0, 1.0, "a")));
        assertEquals("sequence id is null", nullId.rejectedRows().get(0).getString(REASON));
        List<Row> bad = goodSequence("s9", 4);
        bad.set(3, step("s9", 3, 1.0, Double.NaN, "a"));
        AssembledSequence rejected = fn.assemble("s9", bad);
        assertEquals(4, rejected.rejectedRows().size());
        assertEquals("feature \"x2\" is NaN", rejected.rejectedRows().get(3).getString(REASON));
        assertEquals("sequence s9 has an invalid row (feature \"x2\" is NaN)",
                rejected.rejectedRows().get(0).getString(REASON));
    }

    @Test
    void mixedPartitionAccountsForEveryRowExactlyOnce() {
        List<Row> rows = new ArrayList<>();
        rows.add(step(null, 3, 1.0, 1.0, "a"));
        rows.addAll(goodSequence("s0", 5));
        rows.add(step("s1", null, 1.0, 1.0, "a"));
        rows.addAll(goodSequence("s1", 2));
        rows.addAll(goodSequence("s2", 1));
        rows.addAll(List.of(step("s3", 0, 1.0, 1.0, "a"), step("s3", 0, 1.0, 1.0, "b")));
        rows.addAll(List.of(step("s4", 0, 1.0, 1.0, "a"), step("s4", 1, Double.NaN, 1.0, "b"),
                step("s4", 2, 1.0, 1.0, null)));
        rows.addAll(goodSequence("s5", 6));
        List<AssembledSequence> out = run(longFn(LONG), rows);
        assertEveryRowOnce(rows, out);
        Map<String, String> reasons = reasonsByStep(out);
        assertEquals(1 + 3 + 2 + 3, reasons.size());
        long valid = out.stream().filter(AssembledSequence::isValid).count();
        assertEquals(3, valid, "s0, s2, s5");
        // s4 has two bad rows: each keeps its own reason, the good row names the first one.
        assertEquals("feature \"x1\" is NaN", reasons.get("s4/1"));
        assertEquals("label \"label\" is null", reasons.get("s4/2"));
        assertEquals("sequence s4 has an invalid row (feature \"x1\" is NaN)", reasons.get("s4/0"));
    }

    @Test
    void emptyPartitionGivesNothing() {
        Iterator<AssembledSequence> out = longFn(LONG).call(List.<Row>of().iterator());
        assertFalse(out.hasNext());
    }

    // ---- wide layout: seq_id, x1 array<double>, x2 array<double>, label array<string> or string ----

    private static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType);
    private static final StructType WIDE = new StructType()
            .add("seq_id", DataTypes.StringType).add("x1", DOUBLES).add("x2", DOUBLES)
            .add("label", DataTypes.createArrayType(DataTypes.StringType));
    private static final StructType WIDE_PER_SEQUENCE = new StructType()
            .add("seq_id", DataTypes.StringType).add("x1", DOUBLES).add("x2", DOUBLES)
            .add("label", DataTypes.StringType);

    private static WideRowToSequenceFn wideFn(StructType schema, String... sets) {
        List<String> all = new ArrayList<>(List.of("input.layout=wide"));
        all.addAll(List.of(sets));
        DataSpec spec = spec(all.toArray(new String[0]));
        ColumnRoles roles = ColumnRoles.resolve(spec, schema, true);
        return new WideRowToSequenceFn(new SequenceAssembler(spec, roles, schema, true), spec.isPerSequence(),
                schema.fieldNames());
    }

    /** An array cell as Spark hands it over (a Scala Seq), or null. */
    @SafeVarargs
    private static <T> Object array(T... values) {
        return values == null ? null : JavaConverters.asScalaBuffer(Arrays.asList(values)).toList();
    }

    private static Row wide(StructType schema, Object... values) {
        return new GenericRowWithSchema(values, schema);
    }

    private static String wideReason(WideRowToSequenceFn fn, Row row) {
        AssembledSequence out = fn.call(row);
        assertFalse(out.isValid());
        assertEquals(1, out.rejectedRows().size(), "one input row, one rejected row");
        Row rejected = out.rejectedRows().get(0);
        assertEquals(row.size() + 1, rejected.size());
        for (int i = 0; i < row.size(); i++) {
            assertEquals(row.get(i), rejected.get(i), "rejected row keeps input column " + i);
        }
        return rejected.getString(row.size());
    }

    @Test
    void wideValidRowBecomesOneSequence() {
        WideRowToSequenceFn fn = wideFn(WIDE);
        AssembledSequence out = fn.call(wide(WIDE, "w1", array(1.0, 2.0, 3.0), array(4.0, 5.0, 6.0),
                array("a", "b", "a")));
        assertTrue(out.isValid());
        SequenceRecord s = out.sequence();
        assertEquals("w1", s.id());
        assertEquals(3, s.length());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, s.numeric(), 0.0);
        assertArrayEquals(new String[] {"a", "b", "a"}, s.classLabels());
    }

    @Test
    void wideBadRowsNameColumnAndStep() {
        WideRowToSequenceFn fn = wideFn(WIDE);
        assertEquals("sequence id is null",
                wideReason(fn, wide(WIDE, null, array(1.0), array(1.0), array("a"))));
        assertEquals("sequence w1 has no steps (empty arrays)",
                wideReason(fn, wide(WIDE, "w1", array(), array(), array())));
        assertEquals("array lengths differ in sequence w1: \"x1\" has 3 steps, \"x2\" has 2",
                wideReason(fn, wide(WIDE, "w1", array(1.0, 2.0, 3.0), array(1.0, 2.0), array("a", "b", "a"))));
        assertEquals("array lengths differ in sequence w1: \"x1\" has 2 steps, \"label\" has 3",
                wideReason(fn, wide(WIDE, "w1", array(1.0, 2.0), array(1.0, 2.0), array("a", "b", "a"))));
        assertEquals("array column \"x2\" is null",
                wideReason(fn, wide(WIDE, "w1", array(1.0, 2.0), null, array("a", "b"))));
        assertEquals("step 1: feature \"x1\" is NaN",
                wideReason(fn, wide(WIDE, "w1", array(1.0, Double.NaN), array(1.0, 2.0), array("a", "b"))));
        assertEquals("step 0: feature \"x2\" is infinite (Infinity)", wideReason(fn,
                wide(WIDE, "w1", array(1.0, 1.0), array(Double.POSITIVE_INFINITY, 2.0), array("a", "b"))));
        assertEquals("step 1: feature \"x2\" is null",
                wideReason(fn, wide(WIDE, "w1", array(1.0, 1.0), array(1.0, null), array("a", "b"))));
        assertEquals("step 0: label \"label\" is null",
                wideReason(fn, wide(WIDE, "w1", array(1.0, 1.0), array(1.0, 2.0), array(null, "b"))));
        String notAClass = wideReason(wideFn(WIDE, "task.classes=a,b"),
                wide(WIDE, "w1", array(1.0, 1.0), array(1.0, 2.0), array("a", "z")));
        assertTrue(notAClass.startsWith("step 1: label \"label\" value 'z' is not one of task.classes"), notAClass);
    }

    @Test
    void widePerSequenceLabelIsAScalar() {
        WideRowToSequenceFn fn = wideFn(WIDE_PER_SEQUENCE, "task.output=per-sequence");
        AssembledSequence ok = fn.call(wide(WIDE_PER_SEQUENCE, "w1", array(1.0, 2.0), array(3.0, 4.0), "b"));
        assertTrue(ok.isValid());
        assertArrayEquals(new String[] {"b"}, ok.sequence().classLabels());
        assertEquals("step 1: label \"label\" is null",
                wideReason(fn, wide(WIDE_PER_SEQUENCE, "w1", array(1.0, 2.0), array(3.0, 4.0), null)));
        assertEquals("sequence w2 has no steps (empty arrays)",
                wideReason(fn, wide(WIDE_PER_SEQUENCE, "w2", array(), array(), "a")));
    }

    @Test
    void wideRegressionTargetMustBeANumber() {
        StructType schema = new StructType().add("seq_id", DataTypes.IntegerType).add("x1", DOUBLES)
                .add("y", DataTypes.DoubleType);
        WideRowToSequenceFn fn = wideFn(schema, "task.type=regression", "task.output=per-sequence",
                "columns.label=y");
        assertEquals("step 2: label \"y\" is NaN", wideReason(fn, wide(schema, 5, array(1.0, 2.0, 3.0), Double.NaN)));
        AssembledSequence ok = fn.call(wide(schema, 5, array(1.0, 2.0, 3.0), 0.5));
        assertEquals("5", ok.sequence().id());
        assertArrayEquals(new double[] {0.5}, ok.sequence().targets(), 0.0);
    }
}
