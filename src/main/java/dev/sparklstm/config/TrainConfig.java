package dev.sparklstm.config;

import java.io.Serializable;

/**
 * The resolved, validated configuration of a training run. Built only through {@link #from}, so
 * every instance has passed validation; {@link #settings()} keeps the raw values for writing the
 * resolved configuration next to the outputs.
 *
 * @param data     input, columns and task
 * @param network  network architecture and optimizer
 * @param training distributed training
 * @param settings the raw settings this was parsed from
 */
public record TrainConfig(DataSpec data, NetworkSpec network, TrainingSpec training, Settings settings)
        implements Serializable {

    /** Parses and validates settings; throws {@link IllegalArgumentException} naming the key at fault. */
    public static TrainConfig from(Settings settings) {
        DataSpec data = DataSpec.from(settings);
        return new TrainConfig(data, NetworkSpec.from(settings, data), TrainingSpec.from(settings), settings);
    }
}
