package dev.sparklstm.config;

import java.io.Serializable;

/**
 * Distributed training: epochs, parameter-averaging workers and batches, split and partitioning.
 *
 * @param epochs             passes over the training split
 * @param workers            parameter-averaging workers; 0 means Spark's default parallelism
 * @param batchSize          sequences per worker minibatch
 * @param averagingFrequency minibatches per worker between averagings
 * @param approach           dl4j-spark RDD training approach
 * @param exportDir          export directory for {@link Approach#EXPORT}; empty for a temporary one
 * @param validationFraction fraction of sequences held out
 * @param splitSeed          seed of the split
 * @param partitions         partitions for sequence grouping; 0 means the number of workers
 * @param bucketByLength     whether to sort sequences by length in windows before batching
 * @param checkpointDir      directory of end-of-epoch checkpoints; empty for one next to the output
 */
public record TrainingSpec(
        int epochs,
        int workers,
        int batchSize,
        int averagingFrequency,
        Approach approach,
        String exportDir,
        double validationFraction,
        long splitSeed,
        int partitions,
        boolean bucketByLength,
        String checkpointDir) implements Serializable {

    /** dl4j-spark RDD training approaches. */
    public enum Approach { DIRECT, EXPORT }

    static TrainingSpec from(Settings s) {
        return new TrainingSpec(
                s.getInt(ConfigKey.TRAIN_EPOCHS, 1, 100_000),
                s.getInt(ConfigKey.TRAIN_WORKERS, 0, 100_000),
                s.getInt(ConfigKey.TRAIN_BATCH_SIZE, 1, 100_000),
                s.getInt(ConfigKey.TRAIN_AVERAGING_FREQUENCY, 1, 100_000),
                Approach.valueOf(DataSpec.enumName(s.getChoice(ConfigKey.TRAIN_APPROACH, "direct", "export"))),
                s.get(ConfigKey.TRAIN_EXPORT_DIR),
                s.getDouble(ConfigKey.TRAIN_VALIDATION_FRACTION, 0.0, 1.0, true),
                s.getLong(ConfigKey.TRAIN_SPLIT_SEED),
                s.getInt(ConfigKey.TRAIN_PARTITIONS, 0, 1_000_000),
                s.getBoolean(ConfigKey.TRAIN_BUCKET_BY_LENGTH),
                s.get(ConfigKey.TRAIN_CHECKPOINT_DIR));
    }
}
