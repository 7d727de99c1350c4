package dev.sparklstm.score;

import dev.sparklstm.config.CommandLine;
import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.config.JobOptions;
import dev.sparklstm.config.Settings;
import java.util.List;
import java.util.Set;

/**
 * Command-line options of the scoring job, checked before any Spark work. Only the input and
 * scoring keys can be set: everything else (columns, task, preprocessing) comes from the model.
 *
 * @param model     model directory (or a training output directory)
 * @param input     input path, or null for the bundled sample
 * @param output    output directory
 * @param overwrite whether an existing output may be replaced
 * @param master    Spark master, or null
 * @param overrides {@code key=value} settings applied over the model's
 * @param help      whether only help was asked for
 */
public record ScoreOptions(String model, String input, String output, boolean overwrite, String master,
                           List<String> overrides, boolean help) implements JobOptions {

    /** Keys that scoring accepts with --set. */
    static final Set<ConfigKey> SCORING_KEYS = Set.of(ConfigKey.INPUT_FORMAT, ConfigKey.INPUT_BAD_ROWS,
            ConfigKey.SCORE_BATCH_SIZE, ConfigKey.SCORE_CHUNK_LENGTH, ConfigKey.SCORE_PASS_THROUGH,
            ConfigKey.SCORE_PARTITIONS);

    public ScoreOptions {
        overrides = overrides == null ? List.of() : List.copyOf(overrides);
    }

    /** Parses arguments; throws {@link IllegalArgumentException} naming the offending option. */
    public static ScoreOptions parse(String... args) {
        CommandLine line = CommandLine.parse(args, Set.of("--overwrite"),
                Set.of("--model", "--input", "--output", "--master"), Set.of("--set"));
        if (line.help()) {
            return new ScoreOptions(null, null, null, false, null, List.of(), true);
        }
        ScoreOptions options = new ScoreOptions(line.required("--model", "DIR"), line.value("--input", null),
                line.required("--output", "DIR"), line.has("--overwrite"), line.value("--master", null),
                line.values("--set"), false);
        options.apply(Settings.defaults());
        return options;
    }

    /** The model's settings with this run's input and scoring overrides; refuses model keys. */
    public Settings apply(Settings modelSettings) {
        // Scoring starts from the defaults of its own keys, not from what training used.
        Settings settings = modelSettings.with(ConfigKey.INPUT_PATH, input == null ? "" : input);
        for (ConfigKey key : SCORING_KEYS) {
            settings = settings.with(key, key.defaultValue());
        }
        for (String override : overrides) {
            Settings updated = settings.withOverride(override);
            for (ConfigKey key : ConfigKey.values()) {
                if (!SCORING_KEYS.contains(key) && !updated.get(key).equals(settings.get(key))) {
                    throw new IllegalArgumentException("config " + key.key() + " cannot be set when scoring: it is "
                            + "part of the model; scoring accepts " + SCORING_KEYS.stream().map(ConfigKey::key)
                            .sorted().toList());
                }
            }
            settings = updated;
        }
        settings.getInt(ConfigKey.SCORE_BATCH_SIZE, 1, 1_000_000);
        settings.getInt(ConfigKey.SCORE_CHUNK_LENGTH, 1, 100_000_000);
        settings.getInt(ConfigKey.SCORE_PARTITIONS, 0, 1_000_000);
        settings.getChoice(ConfigKey.INPUT_BAD_ROWS, "fail", "reject");
        settings.getChoice(ConfigKey.INPUT_FORMAT, "auto", "parquet", "csv");
        return settings;
    }

    /** The usage text. */
    public static String usage() {
        StringBuilder text = new StringBuilder("""
                Usage: jobs/score.sh --model DIR --output DIR [options]
                Scores a sequence table with a model written by jobs/train.sh.

                Options:
                  --model DIR         model directory (DIR/model of a training run, or the run's output)
                  --input PATH        input file or directory (Parquet or CSV); default: the bundled sample
                  --output DIR        output directory (predictions/, rejected/, summary.json)
                  --set KEY=VALUE     override a scoring key (repeatable)
                  --master URL        Spark master (default: spark-submit's, else local[*])
                  --overwrite         replace an existing output directory
                  --help              this text

                Scoring keys (default in brackets):
                """);
        for (ConfigKey key : ConfigKey.values()) {
            if (SCORING_KEYS.contains(key)) {
                text.append(String.format("  %-28s [%s]%n      %s%n", key.key(), key.defaultValue(), key.description()));
            }
        }
        return text.toString();
    }
}
