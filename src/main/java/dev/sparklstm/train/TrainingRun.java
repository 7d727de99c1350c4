package dev.sparklstm.train;

import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.DataSpec;
import dev.sparklstm.config.TrainConfig;
import dev.sparklstm.config.TrainingSpec;
import dev.sparklstm.io.InputReader;
import dev.sparklstm.io.OutputCommitter;
import dev.sparklstm.io.SharedFileSystem;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.model.ModelMetadata;
import dev.sparklstm.schema.ColumnRoles;
import dev.sparklstm.sequence.FeatureEncoder;
import dev.sparklstm.sequence.SequenceRecord;
import dev.sparklstm.sequence.TrainingStatistics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.paramavg.util.ExportSupport;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One training run, end to end: read and check the input, group rows into sequences on the
 * executors, account for every row (used or rejected), split by sequence, gather preprocessing
 * statistics on the training split, train by parameter averaging, evaluate every epoch, and
 * commit model, metrics, rejected rows and the resolved configuration atomically. Every epoch
 * ends with a checkpoint ({@link Checkpoints}); a rerun with the same output and settings goes on
 * from the newest complete one.
 */
public final class TrainingRun {
    /** Storage level of the cached sequences and minibatches. */
    static final StorageLevel STORAGE_LEVEL = StorageLevel.MEMORY_AND_DISK_SER();

    private final SparkSession spark;
    private final TrainConfig config;
    private final String output;
    private final boolean overwrite;
    private final boolean resume;
    private final PrintStream console;

    /**
     * @param resume whether a checkpoint must exist to go on from; without it, a matching checkpoint
     *               is still used when there is one
     */
    public TrainingRun(SparkSession spark, TrainConfig config, String output, boolean overwrite, boolean resume,
                       PrintStream console) {
        this.spark = spark;
        this.config = config;
        this.output = output;
        this.overwrite = overwrite;
        this.resume = resume;
        this.console = console;
    }

    /**
     * Runs training and commits the output; on failure nothing is left at the output path, and the
     * checkpoints of the epochs done so far are kept for a rerun (unless training diverged).
     */
    public TrainResult run() {
        exportProblem(config.training().approach(), spark.sparkContext().master(),
                spark.sparkContext().hadoopConfiguration()).ifPresent(problem -> {
                    throw new IllegalArgumentException(problem);
                });
        OutputCommitter committer = new OutputCommitter(spark.sparkContext().hadoopConfiguration(), output, overwrite)
                .checkTarget().checkSeparateFrom("--input", InputReader.resolvePath(config.data()));
        Checkpoints checkpoints = Checkpoints.of(spark.sparkContext().hadoopConfiguration(), output,
                config.training().checkpointDir(), console);
        try {
            TrainResult result = train(committer, checkpoints);
            committer.commit();
            console.println("output written to " + committer.target());
            checkpoints.deleteAll();
            return result;
        } catch (TrainingDivergedException e) {
            // The same settings would diverge again and other settings start over: nothing to resume.
            checkpoints.deleteAll();
            throw e;
        } finally {
            committer.abort();
        }
    }

    private TrainResult train(OutputCommitter committer, Checkpoints checkpoints) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        DataSpec spec = config.data();
        String location = InputReader.resolvePath(spec);
        Checkpoints.Checkpoint checkpoint = checkpoint(checkpoints, location);
        Dataset<Row> input = InputReader.read(spark, spec);
        ColumnRoles roles = ColumnRoles.resolve(spec, input.schema(), true, SequenceSource.matrixWidths(input, spec));
        console.printf("input %s%n  sequence id \"%s\"%s, numeric features %s, categorical features %s, labels %s%n",
                location, roles.sequenceId(), roles.time().isEmpty() ? "" : ", time \"" + roles.time() + "\"",
                roles.numericFeatures(), roles.categoricalFeatures(), roles.labels());

        int workers = config.training().workers() > 0 ? config.training().workers() : jsc.defaultParallelism();
        int partitions = config.training().partitions() > 0 ? config.training().partitions() : workers;
        JavaRDD<AssembledSequence> assembled = assemble(input, roles, partitions)
                .persist(STORAGE_LEVEL);
        List<JavaRDD<?>> cached = new ArrayList<>(List.of(assembled));
        try {
            return train(committer, checkpoints, checkpoint, jsc, input, roles, location, workers, assembled, cached);
        } finally {
            cached.forEach(JavaRDD::unpersist);
        }
    }

    private TrainResult train(OutputCommitter committer, Checkpoints checkpoints, Checkpoints.Checkpoint checkpoint,
                              JavaSparkContext jsc, Dataset<Row> input, ColumnRoles roles, String location,
                              int workers, JavaRDD<AssembledSequence> assembled, List<JavaRDD<?>> cached) {
        DataSpec spec = config.data();
        long inputRows = input.count();
        if (inputRows == 0) {
            throw new IllegalArgumentException("input " + location + " is empty: it has no rows");
        }
        long[] rowCounts = assembled.map(new SequenceFns.Counts(spec.layout() == DataSpec.Layout.WIDE))
                .reduce(new SequenceFns.SumCounts());
        long sequences = rowCounts[0];
        long usedRows = rowCounts[1];
        long rejectedRows = rowCounts[2];
        if (usedRows + rejectedRows != inputRows) {
            throw new IllegalStateException("row accounting failed: " + inputRows + " input rows but " + usedRows
                    + " used + " + rejectedRows + " rejected");
        }
        if (rejectedRows > 0) {
            List<Row> examples = assembled.flatMap(new SequenceFns.RejectedRows()).take(3);
            StringBuilder reasons = new StringBuilder();
            int idIndex = input.schema().fieldIndex(roles.sequenceId());
            for (Row row : examples) {
                reasons.append("\n  ").append(roles.sequenceId()).append('=').append(row.get(idIndex)).append(": ")
                        .append(row.getString(row.size() - 1));
            }
            if (spec.badRows() == DataSpec.BadRows.FAIL) {
                throw new IllegalArgumentException(rejectedRows + " of " + inputRows + " input rows are invalid, "
                        + "for example:" + reasons + "\nNothing was written. Fix the input, or set "
                        + ConfigKey.INPUT_BAD_ROWS.key() + "=reject to write them to rejected/ and train on the rest.");
            }
            console.printf("%d of %d input rows rejected (written to rejected/), for example:%s%n",
                    rejectedRows, inputRows, reasons);
        }
        if (sequences == 0) {
            throw new IllegalArgumentException("no valid sequence in input " + location + ": all " + inputRows
                    + " rows are invalid");
        }

        JavaRDD<SequenceRecord> valid = assembled.flatMap(new SequenceFns.ValidSequences());
        double fraction = config.training().validationFraction();
        long splitSeed = config.training().splitSeed();
        JavaRDD<SequenceRecord> trainSequences = valid.filter(new SequenceFns.InSplit(splitSeed, fraction, false));
        JavaRDD<SequenceRecord> validationSequences = valid.filter(new SequenceFns.InSplit(splitSeed, fraction, true));
        TrainingStatistics trainStats = statistics(trainSequences, roles);
        TrainingStatistics validationStats = statistics(validationSequences, roles);
        if (trainStats.sequences() == 0) {
            throw new IllegalArgumentException("the training split is empty: " + ConfigKey.TRAIN_VALIDATION_FRACTION.key()
                    + "=" + fraction + " left no sequence of " + sequences + " for training");
        }
        if (fraction > 0 && validationStats.sequences() == 0) {
            throw new IllegalArgumentException(ConfigKey.TRAIN_VALIDATION_FRACTION.key() + "=" + fraction
                    + " left no sequence for validation (" + sequences + " valid sequences in all); add data or set "
                    + ConfigKey.TRAIN_VALIDATION_FRACTION.key() + "=0");
        }
        List<String> classes = List.of();
        if (spec.isClassification()) {
            TreeSet<String> seen = new TreeSet<>(trainStats.classCounts().keySet());
            seen.addAll(validationStats.classCounts().keySet());
            classes = TrainingStatistics.orderClasses(spec.classes(), seen);
            if (classes.size() < 2) {
                throw new IllegalArgumentException("label column \"" + spec.labelColumns().get(0)
                        + "\" has only the class " + classes + " in the valid rows; classification needs two or more");
            }
        }
        ModelMetadata.Counts counts = new ModelMetadata.Counts(inputRows, usedRows, rejectedRows, sequences,
                trainStats.sequences(), validationStats.sequences(), trainStats.steps(), validationStats.steps());
        FeatureEncoder encoder = trainStats.toEncoder(roles.numericFeatures(), roles.categoricalFeatures(), spec, classes);
        if (checkpoint != null) {
            if (!checkpoint.metadata().counts().equals(counts)) {
                throw new IllegalArgumentException("the input changed since checkpoint " + checkpoint.location()
                        + " was written: its counts were " + checkpoint.metadata().counts() + ", now " + counts
                        + ". Train on the same input to resume, or delete " + checkpoints.location()
                        + " to start over.");
            }
            // The same statistics, summed in the order of the first run: resuming never moves the inputs.
            encoder = checkpoint.metadata().encoder();
        }
        console.printf("%d sequences: %d training (%d steps), %d validation (%d steps); network input %d, output %d%n",
                sequences, trainStats.sequences(), trainStats.steps(), validationStats.sequences(),
                validationStats.steps(), encoder.inputSize(), encoder.outputSize());
        Baseline baseline = Baseline.of(spec, trainStats, validationStats);
        if (baseline != null) {
            console.printf("baseline: %s gives validation %s %.4f%n", baseline.name(), baseline.metricName(),
                    baseline.value());
        }

        int batchSize = config.training().batchSize();
        JavaRDD<DataSet> trainData = trainSequences
                .mapPartitions(new ToMinibatchesFn(encoder, batchSize, config.training().bucketByLength()))
                .persist(STORAGE_LEVEL);
        cached.add(trainData);
        JavaRDD<DataSet> validationData = null;
        if (validationStats.sequences() > 0) {
            validationData = validationSequences.mapPartitions(new ToMinibatchesFn(encoder, batchSize, true))
                    .persist(STORAGE_LEVEL);
            cached.add(validationData);
        }

        FeatureEncoder finalEncoder = encoder;
        EpochLoop loop = new EpochLoop(jsc, config, encoder, workers, console);
        List<EpochMetrics> epochs = loop.run(trainData, validationData, trainStats.steps(),
                checkpoint == null ? null : ModelFiles.fromBytes(checkpoint.model()),
                checkpoint == null ? List.of() : checkpoint.epochs(),
                (network, done) -> {
                    byte[] bytes = ModelFiles.toBytes(network);
                    checkpoints.write(bytes, metadata(bytes, network, done, location, input.schema(), roles,
                            finalEncoder, counts), done);
                });
        MultiLayerNetwork network = loop.network();

        byte[] model = ModelFiles.toBytes(network);
        ModelMetadata metadata = metadata(model, network, epochs, location, input.schema(), roles, encoder, counts);
        committer.writeBytes("model/" + ModelFiles.MODEL_FILE, model);
        committer.writeBytes("model/" + ModelFiles.METADATA_FILE, metadata.toJson().getBytes(StandardCharsets.UTF_8));
        committer.writeBytes("config.properties", config.settings().with(ConfigKey.INPUT_PATH, location)
                .toPropertiesText().getBytes(StandardCharsets.UTF_8));
        MetricsTable.write(spark, epochs, committer.stagingPath("metrics"));
        spark.createDataFrame(assembled.flatMap(new SequenceFns.RejectedRows()),
                        SequenceSource.rejectedSchema(input.schema()))
                .coalesce(1).write().parquet(committer.stagingPath("rejected"));
        console.printf("rows: %d input = %d used + %d rejected%n", inputRows, usedRows, rejectedRows);
        return new TrainResult(committer.target().toString(), inputRows, usedRows, rejectedRows,
                trainStats.sequences(), validationStats.sequences(),
                baseline == null ? null : baseline.name(), baseline == null ? null : baseline.value(),
                epochs, metadata.modelSha256(), network);
    }

    /**
     * The newest complete checkpoint of this output when its settings match this run's, null when
     * there is none; a checkpoint written with other settings is an error, as is none with
     * {@code --resume}.
     */
    private Checkpoints.Checkpoint checkpoint(Checkpoints checkpoints, String location) {
        Checkpoints.Checkpoint checkpoint = checkpoints.latest().orElse(null);
        if (checkpoint == null) {
            if (resume) {
                throw new IllegalArgumentException("--resume: no complete checkpoint in " + checkpoints.location()
                        + " to resume from");
            }
            return null;
        }
        List<String> differences = Checkpoints.incompatibleSettings(checkpoint.metadata().config(),
                resolvedSettings(location));
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.location() + " (epoch " + checkpoint.epoch()
                    + ") was written with other settings: " + String.join(", ", differences) + ". Rerun with the "
                    + "same settings to resume, or delete " + checkpoints.location() + " to start over.");
        }
        if (checkpoint.epoch() > config.training().epochs()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.location() + " has " + checkpoint.epoch()
                    + " epochs done, more than " + ConfigKey.TRAIN_EPOCHS.key() + "=" + config.training().epochs()
                    + ". Set " + ConfigKey.TRAIN_EPOCHS.key() + " to at least " + checkpoint.epoch()
                    + ", or delete " + checkpoints.location() + " to start over.");
        }
        console.printf("resuming from checkpoint %s: epoch %d of %d done%n", checkpoint.location(), checkpoint.epoch(),
                config.training().epochs());
        return checkpoint;
    }

    private Map<String, String> resolvedSettings(String location) {
        return new LinkedHashMap<>(config.settings().with(ConfigKey.INPUT_PATH, location).asMap());
    }

    private ModelMetadata metadata(byte[] model, MultiLayerNetwork network, List<EpochMetrics> epochs, String location,
                                   StructType schema, ColumnRoles roles, FeatureEncoder encoder,
                                   ModelMetadata.Counts counts) {
        DataSpec spec = config.data();
        return new ModelMetadata(ModelMetadata.FORMAT_VERSION, java.time.Instant.now().toString(),
                Versions.all(spark.version()), resolvedSettings(location),
                new ModelMetadata.Task(word(spec.taskType()), word(spec.output()), word(spec.layout())),
                new ModelMetadata.Columns(roles.sequenceId(), roles.time(), roles.numericFeatures(),
                        roles.categoricalFeatures(), roles.labels()),
                fields(schema), ModelMetadata.Preprocessing.of(encoder), counts,
                ModelFiles.MODEL_FILE, ModelFiles.sha256(model), network.numParams(),
                finalMetrics(epochs.get(epochs.size() - 1)));
    }

    private JavaRDD<AssembledSequence> assemble(Dataset<Row> input, ColumnRoles roles, int partitions) {
        SequenceSource source = SequenceSource.of(input, config.data(), roles, partitions, true, false);
        return source.rows().mapPartitions(source.assemble());
    }

    private static TrainingStatistics statistics(JavaRDD<SequenceRecord> sequences, ColumnRoles roles) {
        return sequences.treeAggregate(
                new TrainingStatistics(roles.numericFeatures().size(), roles.categoricalFeatures().size()),
                new SequenceFns.AddStatistics(), new SequenceFns.MergeStatistics());
    }

    private static Map<String, Double> finalMetrics(EpochMetrics last) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("epoch", (double) last.epoch());
        metrics.put("train_loss", last.trainLoss());
        metrics.put("validation_loss", last.validationLoss());
        metrics.put("validation_accuracy", last.validationAccuracy());
        metrics.put("validation_rmse", last.validationRmse());
        metrics.put("validation_mae", last.validationMae());
        return metrics;
    }

    private static List<ModelMetadata.Field> fields(StructType schema) {
        List<ModelMetadata.Field> fields = new ArrayList<>();
        for (StructField field : schema.fields()) {
            fields.add(new ModelMetadata.Field(field.name(), field.dataType().simpleString()));
        }
        return fields;
    }

    private static String word(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Why dl4j-spark would refuse {@code approach} on {@code master} with this Hadoop configuration,
     * or empty when it runs: the export approach needs a local master or a default file system other
     * than {@code file} (HDFS, S3, or {@link SharedFileSystem} for a mount every node shares).
     * Checked before any work, where dl4j-spark would fail only after preparing the data.
     */
    static Optional<String> exportProblem(TrainingSpec.Approach approach, String master, Configuration hadoopConf) {
        if (approach != TrainingSpec.Approach.EXPORT) {
            return Optional.empty();
        }
        FileSystem fs;
        try {
            fs = FileSystem.get(hadoopConf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the default file system " + FileSystem.getDefaultUri(hadoopConf), e);
        }
        if (ExportSupport.exportSupported(master, fs)) {
            return Optional.empty();
        }
        return Optional.of(ConfigKey.TRAIN_APPROACH.key() + "=export needs a directory every executor can read, but"
                + " the default file system is " + fs.getUri() + " (local to each node) and the master is " + master
                + ": use " + ConfigKey.TRAIN_APPROACH.key() + "=direct, make a shared file system the default (e.g."
                + " --conf spark.hadoop.fs.defaultFS=hdfs://namenode:8020), or, when "
                + ConfigKey.TRAIN_EXPORT_DIR.key() + " is on a mount every node shares at the same path,"
                + " --conf spark.hadoop.fs.defaultFS=" + SharedFileSystem.SCHEME + ":///");
    }
}
