package dev.sparklstm.score;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.DataSpec;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.io.InputReader;
import dev.sparklstm.io.ModelDirectory;
import dev.sparklstm.io.OutputCommitter;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.model.ModelMetadata;
import dev.sparklstm.schema.ColumnRoles;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.train.AssembledSequence;
import dev.sparklstm.train.LongRowsToSequencesFn;
import dev.sparklstm.train.SequenceSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * One scoring run: load and verify the model, check the input against the model's schema and
 * column roles, then stream every partition through the network and write predictions, rejected
 * rows and a summary atomically. Input rows = scored rows + rejected rows, checked and reported.
 */
public final class ScoringRun {
    /** With {@code score.partitions=0}: at most this many input rows per grouping partition. */
    static final long ROWS_PER_PARTITION = 500_000;
    private static final long MAX_AUTO_PARTITIONS = 100_000;
    private final SparkSession spark;
    private final ScoreOptions options;
    private final PrintStream console;

    public ScoringRun(SparkSession spark, ScoreOptions options, PrintStream console) {
        this.spark = spark;
        this.options = options;
        this.console = console;
    }

    /** Scores and commits the output; on failure nothing is left at the output path. */
    public ScoreResult run() {
        OutputCommitter committer = new OutputCommitter(spark.sparkContext().hadoopConfiguration(), options.output(),
                options.overwrite()).checkTarget().checkSeparateFrom("--model", options.model());
        if (options.input() != null) {
            committer.checkSeparateFrom("--input", options.input());
        }
        try {
            ScoreResult result = score(committer);
            committer.commit();
            console.println("output written to " + committer.target());
            return result;
        } finally {
            committer.abort();
        }
    }

    private ScoreResult score(OutputCommitter committer) {
        ModelDirectory model = ModelDirectory.read(spark.sparkContext().hadoopConfiguration(), options.model());
        ModelFiles.fromBytes(model.model());
        ModelMetadata metadata = model.metadata();
        FeatureEncoder encoder = metadata.encoder();
        Settings settings = options.apply(modelSettings(metadata));
        DataSpec spec = TrainConfig.from(settings).data();
        String location = InputReader.resolvePath(spec);
        Dataset<Row> input = InputReader.read(spark, spec);
        ColumnRoles roles = ColumnRoles.resolve(spec, input.schema(), false);
        if (!roles.numericFeatures().equals(encoder.numericColumns())
                || !roles.categoricalFeatures().equals(encoder.categoricalColumns())) {
            throw new IllegalStateException("input roles " + roles + " do not match the model's features");
        }
        boolean labelled = roles.labels().size() == metadata.columns().labels().size();
        List<String> copy = new ArrayList<>(settings.getList(ConfigKey.SCORE_PASS_THROUGH));
        for (String column : copy) {
            if (!List.of(input.schema().fieldNames()).contains(column)) {
                throw new IllegalArgumentException("pass-through column \"" + column + "\" (config "
                        + ConfigKey.SCORE_PASS_THROUGH.key() + ") is not in the input; columns present: "
                        + List.of(input.schema().fieldNames()));
            }
        }
        if (labelled) {
            roles.labels().stream().filter(l -> !copy.contains(l)).forEach(copy::add);
        }
        copy.remove(roles.sequenceId());
        if (!spec.isPerSequence()) {
            copy.remove(roles.time()); // per-step output has the time column already
        }
        boolean wide = spec.layout() == DataSpec.Layout.WIDE;
        boolean[] unroll = new boolean[copy.size()];
        for (int i = 0; i < copy.size(); i++) {
            unroll[i] = wide && !spec.isPerSequence() && roles.labels().contains(copy.get(i))
                    && input.schema().apply(copy.get(i)).dataType() instanceof ArrayType;
        }
        boolean fail = spec.badRows() == DataSpec.BadRows.FAIL;
        // Only the columns the job reads go through the shuffle and the sort by (id, time). With
        // input.bad-rows=reject, rejected/ gets every input column, so then all of them do.
        Dataset<Row> used = fail ? input.select(usedColumns(input.schema(), roles, copy)) : input;
        OutputLayout layout = new OutputLayout(used.schema(), roles.sequenceId(), roles.time(), copy, unroll, wide,
                spec.isPerSequence(), encoder);
        console.printf("model %s (%s, %s), input %s%n", model.location(), metadata.task().type(),
                metadata.task().output(), location);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        long inputRows = input.count();
        if (inputRows == 0) {
            throw new IllegalArgumentException("input " + location + " is empty: it has no rows");
        }
        int partitions = partitions(settings.getInt(ConfigKey.SCORE_PARTITIONS, 0, 1_000_000), inputRows,
                jsc.defaultParallelism());
        SequenceSource source = SequenceSource.of(used, spec, roles, partitions, false, true);
        JavaRDD<Row> rows = source.rows();
        FlatMapFunction<Iterator<Row>, AssembledSequence> assemble = source.assemble();
        int chunkLength = settings.getInt(ConfigKey.SCORE_CHUNK_LENGTH, 1, 100_000_000);
        LongRowsToSequencesFn longRows = assemble instanceof LongRowsToSequencesFn fn ? fn : null;
        Broadcast<Map<String, String>> invalidLong = null;
        // input.bad-rows=fail: the scoring pass itself checks every sequence (it must read and
        // assemble them all anyway); the first invalid one fails its task and the job, and the
        // committer drops what was written. A separate check before it read, sorted and assembled
        // the whole input once more (BENCHMARKS.md, "Cutting the Spark side of scoring").
        Dataset<Row> rejected;
        if (fail) {
            // Every row is scored or the job fails: rejected/ is the empty table with its schema.
            rejected = spark.createDataFrame(List.of(), SequenceSource.rejectedSchema(input.schema()));
            if (longRows != null) {
                invalidLong = jsc.broadcast(Map.of());
            }
        } else {
            FlatMapFunction<Iterator<Row>, Row> rejectedFn = new SequenceSource.RejectedRows(assemble);
            if (longRows != null) {
                // Long sequences are scored as they stream by, so the invalid ones must be known first.
                Map<String, String> invalid = new HashMap<>();
                for (Tuple2<String, String> entry : rows.mapPartitions(
                        new LongStreams.InvalidSequences(longRows, chunkLength)).collect()) {
                    invalid.put(entry._1(), entry._2());
                }
                invalidLong = jsc.broadcast(invalid);
                rejectedFn = new LongStreams.RejectedRows(longRows, chunkLength, invalidLong);
            }
            rejected = spark.createDataFrame(rows.mapPartitions(rejectedFn),
                    SequenceSource.rejectedSchema(input.schema()));
        }

        Broadcast<byte[]> modelBytes = jsc.broadcast(model.model());
        LongAccumulator scored = jsc.sc().longAccumulator("rows scored");
        ScorePartitionFn scoreFn = new ScorePartitionFn(modelBytes, encoder, assemble, layout,
                settings.getInt(ConfigKey.SCORE_BATCH_SIZE, 1, 1_000_000),
                chunkLength, scored, longRows, invalidLong, fail);
        long start = System.nanoTime();
        try (Progress progress = new Progress(console, scored, start)) {
            // Internal rows straight to the writer (OutputRows), not Row + createDataFrame's encoder.
            // internalCreateDataFrame is private[sql] in Scala, public in bytecode; Spark 3.5 is pinned.
            DataFrameWriter<Row> writer = spark.internalCreateDataFrame(rows.mapPartitions(scoreFn).rdd(),
                    layout.schema, false).write();
            for (String column : layout.parquetNumberColumns()) {
                writer = writer.option("parquet.enable.dictionary#" + column, "false");
            }
            writer.parquet(committer.stagingPath("predictions"));
        } catch (Exception e) { // also Spark's checked SparkException, which Scala throws undeclared
            InvalidSequenceException invalid = InvalidSequenceException.in(e);
            if (invalid == null) {
                throw e;
            }
            throw invalidRows(location, List.of(invalid.getMessage()));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        rejected.write().parquet(committer.stagingPath("rejected"));
        modelBytes.destroy();

        Dataset<Row> predictions = spark.read().parquet(committer.stagingPath("predictions"));
        long scoredRows = usedRows(predictions, layout);
        long rejectedRows = spark.read().parquet(committer.stagingPath("rejected")).count();
        if (scoredRows + rejectedRows != inputRows) {
            throw new IllegalStateException("row accounting failed: " + inputRows + " input rows but " + scoredRows
                    + " scored + " + rejectedRows + " rejected");
        }
        Map<String, Double> metrics = labelled ? metrics(predictions, layout, roles.labels()) : Map.of();
        console.printf(Locale.ROOT, "rows: %d input = %d scored + %d rejected; %,.0f rows/s%s%n", inputRows,
                scoredRows, rejectedRows, scoredRows / seconds, metrics.isEmpty() ? "" : "; metrics " + metrics);
        ScoreResult result = new ScoreResult(committer.target().toString(), inputRows, scoredRows, rejectedRows,
                metrics, seconds);
        committer.writeBytes("summary.json", result.toJson(model.location(), metadata.modelSha256(), location)
                .getBytes(StandardCharsets.UTF_8));
        return result;
    }

    /**
     * Partitions for grouping long-layout rows by sequence: the configured number, or, for 0,
     * enough that none holds more than {@link #ROWS_PER_PARTITION} rows (at least Spark's default
     * parallelism). Each task sorts its partition by (sequence id, time), so memory follows rows
     * per partition, not rows (BENCHMARKS.md: at 10M rows, 2 partitions kept 1.5 GB of a 2 GB heap
     * after a collection, 20 partitions 0.56 GB); more partitions also move the progress line,
     * which counts rows as tasks end.
     */
    static int partitions(int configured, long inputRows, int defaultParallelism) {
        if (configured > 0) {
            return configured;
        }
        long needed = inputRows / ROWS_PER_PARTITION + (inputRows % ROWS_PER_PARTITION == 0 ? 0 : 1);
        return (int) Math.min(MAX_AUTO_PARTITIONS, Math.max(defaultParallelism, needed));
    }

    /**
     * The input columns scoring reads, in input order: sequence id, time, features (a matrix
     * column once for all its elements), labels and pass-through columns.
     */
    static org.apache.spark.sql.Column[] usedColumns(StructType schema, ColumnRoles roles, List<String> copy) {
        java.util.Set<String> names = new java.util.HashSet<>(copy);
        names.add(roles.sequenceId());
        names.add(roles.time());
        names.addAll(roles.categoricalFeatures());
        names.addAll(roles.labels());
        for (String feature : roles.numericFeatures()) {
            Map.Entry<String, Integer> element = List.of(schema.fieldNames()).contains(feature) ? null
                    : ColumnRoles.parseMatrixElement(feature);
            names.add(element == null ? feature : element.getKey());
        }
        return java.util.Arrays.stream(schema.fieldNames()).filter(names::contains)
                .map(name -> functions.col("`" + name.replace("`", "``") + "`"))
                .toArray(org.apache.spark.sql.Column[]::new);
    }

    private static IllegalArgumentException invalidRows(String location, List<String> examples) {
        return new IllegalArgumentException("input " + location + " has invalid rows, for example: " + examples
                + ". Nothing was written. Fix the input, or set " + ConfigKey.INPUT_BAD_ROWS.key()
                + "=reject to write them to rejected/ and score the rest.");
    }

    /** The model's training settings, with the feature lists pinned to exactly the model's features. */
    private static Settings modelSettings(ModelMetadata metadata) {
        Settings settings = Settings.defaults();
        for (Map.Entry<String, String> entry : metadata.config().entrySet()) {
            settings = settings.withOverride(entry.getKey() + "=" + entry.getValue());
        }
        List<String> features = new ArrayList<>(metadata.columns().numericFeatures());
        features.addAll(metadata.columns().categoricalFeatures());
        List<String> categorical = metadata.columns().categoricalFeatures();
        return settings.with(ConfigKey.COLUMNS_FEATURES, String.join(",", features))
                .with(ConfigKey.COLUMNS_CATEGORICAL, categorical.isEmpty() ? "none" : String.join(",", categorical));
    }

    private static long usedRows(Dataset<Row> predictions, OutputLayout layout) {
        if (layout.perSequence) {
            return layout.wide ? predictions.count()
                    : predictions.agg(functions.sum(layout.lengthColumn)).first().isNullAt(0) ? 0
                    : predictions.agg(functions.sum(layout.lengthColumn)).first().getLong(0);
        }
        return layout.wide ? predictions.filter(functions.col(layout.stepColumn).equalTo(0)).count() : predictions.count();
    }

    /** Accuracy, or RMSE, MAE and MSE averaged over targets, over rows with labels. */
    private static Map<String, Double> metrics(Dataset<Row> predictions, OutputLayout layout, List<String> labels) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (layout.classification) {
            Row row = predictions.filter(functions.col(labels.get(0)).isNotNull())
                    .agg(functions.avg(functions.when(functions.trim(functions.col(labels.get(0)).cast("string"))
                            .equalTo(functions.col(layout.predictionColumn)), 1.0).otherwise(0.0))).first();
            metrics.put("accuracy", row.isNullAt(0) ? Double.NaN : row.getDouble(0));
            return metrics;
        }
        double rmse = 0;
        double mae = 0;
        double mse = 0;
        for (int k = 0; k < labels.size(); k++) {
            org.apache.spark.sql.Column error = functions.col(labels.get(k)).cast("double").minus(functions.col(layout.targetColumns.get(k)));
            Row row = predictions.filter(functions.col(labels.get(k)).isNotNull())
                    .agg(functions.avg(error.multiply(error)), functions.avg(functions.abs(error))).first();
            rmse += Math.sqrt(row.getDouble(0)) / labels.size();
            mse += row.getDouble(0) / labels.size();
            mae += row.getDouble(1) / labels.size();
        }
        metrics.put("rmse", rmse);
        metrics.put("mae", mae);
        metrics.put("mse", mse);
        return metrics;
    }
}
