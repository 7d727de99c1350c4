package dev.sparklstm.config;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every key the training job understands, with its default and a one-line description. This enum
 * is the single source of the configuration reference: {@code --help} prints it and the README
 * lists the same keys.
 */
public enum ConfigKey {
    INPUT_PATH("input.path", "", "Input file or directory. Empty: the bundled sample data-samples/sensor-steps.parquet."),
    INPUT_FORMAT("input.format", "auto", "auto (from the extension; directories are probed), parquet or csv. CSV needs a header row."),
    INPUT_LAYOUT("input.layout", "long", "long: one row per time step; wide: one row per sequence with array columns."),
    INPUT_BAD_ROWS("input.bad-rows", "fail", "fail: any invalid row stops the job before it writes anything; reject: invalid rows go to rejected/ with a reason."),

    COLUMNS_SEQUENCE_ID("columns.sequence-id", "seq_id", "Sequence id column (string or integer)."),
    COLUMNS_TIME("columns.time", "t", "Time/order column (integer or timestamp; long layout only)."),
    COLUMNS_TIME_TYPE("columns.time-type", "auto", "auto (from the schema; CSV: integer), integer or timestamp: how to order a string time column."),
    COLUMNS_FEATURES("columns.features", "*", "Comma-separated feature columns, or * for every column without another role."),
    COLUMNS_CATEGORICAL("columns.categorical", "auto", "Comma-separated categorical feature columns; auto: the string-typed feature columns; none: no categorical columns."),
    COLUMNS_LABEL("columns.label", "label", "Label column; for regression, a comma-separated list of one or more numeric targets."),

    TASK_TYPE("task.type", "classification", "classification (softmax + cross-entropy) or regression (identity + MSE)."),
    TASK_OUTPUT("task.output", "per-step", "per-step: a label on every step (many-to-many); per-sequence: one label per sequence, read on its last step (many-to-one)."),
    TASK_CLASSES("task.classes", "", "Optional comma-separated list of the valid class labels, in output order; empty: learned from the data (sorted)."),

    MODEL_CELL("model.cell", "lstm", "Recurrent cell: lstm (the fused LSTM layer: DL4J's LSTM parameters and math; under truncated BPTT it backpropagates each segment from its carried state, where DL4J M2's LSTM restarts from zero), dl4j-lstm (DL4J's own LSTM layer; models of either load and score), or rnn (DL4J's SimpleRnn, a plain tanh RNN, for comparisons; full BPTT only)."),
    MODEL_LAYERS("model.layers", "32,32", "Comma-separated hidden sizes of the stacked LSTM layers."),
    MODEL_DROPOUT("model.dropout", "0.0", "Dropout probability on the LSTM layers' inputs, in [0, 1)."),
    MODEL_L2("model.l2", "0.0", "L2 regularization coefficient, in [0, 10]; 0: off."),
    MODEL_UPDATER("model.updater", "adam", "adam, sgd (with momentum) or rmsprop."),
    MODEL_LEARNING_RATE("model.learning-rate", "0.01", "Learning rate (> 0)."),
    MODEL_MOMENTUM("model.momentum", "0.9", "Momentum for the sgd updater, in [0, 1)."),
    MODEL_SEED("model.seed", "42", "Seed of the weight initialization and dropout."),
    MODEL_CLIPPING("model.clipping", "l2-norm", "Gradient clipping: l2-norm (per layer), element-wise, or none."),
    MODEL_CLIPPING_THRESHOLD("model.clipping-threshold", "1.0", "Clipping threshold (> 0)."),
    MODEL_TBPTT_LENGTH("model.tbptt-length", "auto", "Truncated BPTT forward length in steps; 0: full BPTT; auto: 50 for per-step tasks, 0 for per-sequence tasks (DL4J cannot truncate many-to-one)."),
    MODEL_TBPTT_BACKWARD_LENGTH("model.tbptt-backward-length", "0", "Truncated BPTT backward length; 0: same as model.tbptt-length."),

    TRAIN_EPOCHS("train.epochs", "10", "Number of passes over the training split."),
    TRAIN_WORKERS("train.workers", "0", "Parameter-averaging workers; 0: Spark's default parallelism (the cores of local mode or of the cluster)."),
    TRAIN_BATCH_SIZE("train.batch-size", "32", "Sequences per minibatch on each worker."),
    TRAIN_AVERAGING_FREQUENCY("train.averaging-frequency", "50", "Minibatches each worker fits between two parameter averagings."),
    TRAIN_APPROACH("train.approach", "direct", "dl4j-spark RDD training approach: direct (minibatches stay in the RDD) or export (written to train.export-dir first)."),
    TRAIN_EXPORT_DIR("train.export-dir", "", "Directory every executor can read, for train.approach=export; empty: dl4j-spark's default, a new directory under {hadoop.tmp.dir}/dl4j/. Deleted after training."),
    TRAIN_VALIDATION_FRACTION("train.validation-fraction", "0.2", "Fraction of sequences held out for validation, in [0, 1); 0: no validation."),
    TRAIN_SPLIT_SEED("train.split-seed", "7", "Seed of the train/validation split by sequence id."),
    TRAIN_PARTITIONS("train.partitions", "0", "Partitions used to group sequences; 0: the number of workers."),
    TRAIN_BUCKET_BY_LENGTH("train.bucket-by-length", "true", "Sort sequences by length in windows before batching, to limit padding."),
    TRAIN_CHECKPOINT_DIR("train.checkpoint-dir", "", "Directory of the end-of-epoch checkpoints a rerun resumes from; empty: .NAME.checkpoints next to the output NAME. Removed once the output is written."),

    SCORE_BATCH_SIZE("score.batch-size", "256", "Scoring: sequences per inference minibatch."),
    SCORE_CHUNK_LENGTH("score.chunk-length", "10000", "Scoring: sequences longer than this are scored alone, in chunks of this many steps with the LSTM state carried between chunks."),
    SCORE_PASS_THROUGH("score.pass-through", "", "Scoring: comma-separated input columns copied to every output row."),
    SCORE_PARTITIONS("score.partitions", "0", "Scoring: partitions used to group long-layout rows by sequence; 0: enough for at most 500,000 rows each, and at least Spark's default parallelism.");

    private static final Map<String, ConfigKey> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toMap(ConfigKey::key, Function.identity()));

    private final String key;
    private final String defaultValue;
    private final String description;

    ConfigKey(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** The key as written in config files and {@code --set}. */
    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** Looks a key up by its written name. */
    public static Optional<ConfigKey> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
