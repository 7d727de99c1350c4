package dev.sparklstm.jobs;

import dev.sparklstm.config.JobOptions;
import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.Settings;
import dev.sparklstm.config.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        String configFile = null;
        String input = null;
        String output = null;
        String master = null;
        boolean overwrite = false;
        boolean resume = false;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    return new TrainOptions(null, null, false, false, null, true);
                }
                case "--overwrite" -> overwrite = true;
                case "--resume" -> resume = true;
                case "--config" -> configFile = value(args, ++i, arg);
                case "--input" -> input = value(args, ++i, arg);
                case "--output" -> output = value(args, ++i, arg);
                case "--master" -> master = value(args, ++i, arg);
                case "--set" -> overrides.add(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'; see --help");
            }
        }
        if (output == null || output.isBlank()) {
            throw new IllegalArgumentException("--output DIR is required");
        }
        Settings settings = Settings.defaults();
        if (configFile != null) {
            settings = settings.withFile(Path.of(configFile));
        }
        if (input != null) {
            settings = settings.with(ConfigKey.INPUT_PATH, input);
        }
        for (String override : overrides) {
            settings = settings.withOverride(override);
        }
        return new TrainOptions(TrainConfig.from(settings), output, overwrite, resume, master, false);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
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
