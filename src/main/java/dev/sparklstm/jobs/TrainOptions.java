package dev.sparklstm.jobs;

import dev.sparklstm.config.CommandLine;
import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.JobOptions;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * Command-line options of {@link TrainJob}, parsed and validated before any Spark work. Settings
 * are applied in this order: defaults, {@code --config} file, {@code --input}, {@code --set}.
 *
 * @param config    the validated configuration
 * @param output    output directory
 * @param overwrite whether an existing output may be replaced
 * @param resume    whether the run must go on from a checkpoint (a matching one is used anyway)
 * @param master    Spark master, or null to keep spark-submit's (local[*] when there is none)
 * @param help      whether only help was asked for
 */
public record TrainOptions(TrainConfig config, String output, boolean overwrite, boolean resume, String master,
                           boolean help)
        implements JobOptions {

    /** Parses arguments; throws {@link IllegalArgumentException} naming the offending option. */
    public static TrainOptions parse(String... args) {
        CommandLine line = CommandLine.parse(args, Set.of("--overwrite", "--resume"),
                Set.of("--config", "--input", "--output", "--master"), Set.of("--set"));
        if (line.help()) {
            return new TrainOptions(null, null, false, false, null, true);
        }
        String output = line.required("--output", "DIR");
        Settings settings = Settings.defaults();
        if (line.has("--config")) {
            settings = settings.withFile(Path.of(line.value("--config", null)));
        }
        if (line.has("--input")) {
            settings = settings.with(ConfigKey.INPUT_PATH, line.value("--input", null));
        }
        for (String override : line.values("--set")) {
            settings = settings.withOverride(override);
        }
        return new TrainOptions(TrainConfig.from(settings), output, line.has("--overwrite"), line.has("--resume"),
                line.value("--master", null), false);
    }

    /** The usage text with every config key. */
    public static String usage() {
        StringBuilder text = new StringBuilder("""
                Usage: jobs/train.sh --output DIR [options]
                Trains a stacked LSTM on a sequence table with Spark parameter averaging.

                Options:
                  --input PATH        input file or directory (Parquet or CSV); default: the bundled sample
                  --output DIR        output directory (model/, metrics/, rejected/, config.properties)
                  --config FILE       properties file with config keys (key = value)
                  --set KEY=VALUE     override one config key (repeatable; applied last)
                  --master URL        Spark master (default: spark-submit's, else local[*])
                  --overwrite         replace an existing output directory
                  --resume            go on from the newest checkpoint of this output (see train.checkpoint-dir);
                                      a rerun uses a checkpoint written with the same settings anyway,
                                      --resume makes its absence an error
                  --help              this text

                Config keys (default in brackets):
                """);
        for (ConfigKey key : ConfigKey.values()) {
            text.append(String.format("  %-28s [%s]%n      %s%n", key.key(), key.defaultValue(), key.description()));
        }
        return text.toString();
    }
}
