package dev.sparklstm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing and validation of the configuration, without Spark. */
class ConfigTest {

    @TempDir
    Path dir;

    private static TrainConfig parse(String... assignments) {
        Settings settings = Settings.defaults();
        for (String assignment : assignments) {
            settings = settings.withOverride(assignment);
        }
        return TrainConfig.from(settings);
    }

    private static IllegalArgumentException refused(String... assignments) {
        return assertThrows(IllegalArgumentException.class, () -> parse(assignments),
                "should be refused: " + String.join(" ", assignments));
    }

    @Test
    void defaultsParseIntoTheDocumentedConfig() {
        TrainConfig config = TrainConfig.from(Settings.defaults());
        DataSpec data = config.data();
        assertEquals("", data.inputPath());
        assertEquals(DataSpec.Format.AUTO, data.format());
        assertEquals(DataSpec.Layout.LONG, data.layout());
        assertEquals(DataSpec.BadRows.FAIL, data.badRows());
        assertEquals("seq_id", data.sequenceIdColumn());
        assertEquals("t", data.timeColumn());
        assertEquals(DataSpec.TimeType.AUTO, data.timeType());
        assertEquals(List.of(), data.featureColumns(), "* means every column without another role");
        assertNull(data.categoricalColumns(), "auto means the string-typed features");
        assertEquals(List.of("label"), data.labelColumns());
        assertTrue(data.isClassification());
        assertFalse(data.isPerSequence());
        assertEquals(List.of(), data.classes());

        NetworkSpec network = config.network();
        assertEquals(List.of(32, 32), network.layerSizes());
        assertEquals(0.0, network.dropout());
        assertEquals(0.0, network.l2());
        assertEquals(NetworkSpec.Updater.ADAM, network.updater());
        assertEquals(0.01, network.learningRate());
        assertEquals(0.9, network.momentum());
        assertEquals(42L, network.seed());
        assertEquals(NetworkSpec.Clipping.L2_NORM, network.clipping());
        assertEquals(1.0, network.clippingThreshold());
        assertEquals(50, network.tbpttLength());
        assertEquals(50, network.tbpttBackwardLength());
        assertTrue(network.truncatedBptt());

        TrainingSpec training = config.training();
        assertEquals(new TrainingSpec(10, 0, 32, 50, TrainingSpec.Approach.DIRECT, "", 0.2, 7L, 0, true, ""), training);
    }

    @Test
    void fileOverridesDefaultsAndSetOverridesFile() throws IOException {
        Path file = dir.resolve("run.properties");
        Files.writeString(file, """
                # a comment
                model.layers = 16
                train.epochs = 3
                task.type = regression
                columns.label = y1, y2
                """, StandardCharsets.UTF_8);
        Settings settings = Settings.defaults().withFile(file).withOverride("train.epochs=5")
                .withOverride("model.learning-rate = 0.5");
        TrainConfig config = TrainConfig.from(settings);
        assertEquals(List.of(16), config.network().layerSizes(), "file over default");
        assertEquals(5, config.training().epochs(), "--set over file");
        assertEquals(0.5, config.network().learningRate(), "--set over default");
        assertEquals(DataSpec.TaskType.REGRESSION, config.data().taskType());
        assertEquals(List.of("y1", "y2"), config.data().labelColumns());
        assertEquals(32, config.training().batchSize(), "untouched keys keep their default");
        // The last --set wins.
        assertEquals(7, TrainConfig.from(settings.withOverride("train.epochs=6").withOverride("train.epochs=7"))
                .training().epochs());
    }

    @Test
    void unknownKeyIsRefusedListingEveryKnownKey() throws IOException {
        IllegalArgumentException fromSet = assertThrows(IllegalArgumentException.class,
                () -> Settings.defaults().withOverride("model.layer=8"));
        assertTrue(fromSet.getMessage().contains("'model.layer'"), fromSet.getMessage());
        assertTrue(fromSet.getMessage().contains("--set"), fromSet.getMessage());
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "train.epoch = 3\n", StandardCharsets.UTF_8);
        IllegalArgumentException fromFile = assertThrows(IllegalArgumentException.class,
                () -> Settings.defaults().withFile(file));
        assertTrue(fromFile.getMessage().contains("'train.epoch'"), fromFile.getMessage());
        assertTrue(fromFile.getMessage().contains(file.toString()), "names the file: " + fromFile.getMessage());
        for (IllegalArgumentException e : List.of(fromSet, fromFile)) {
            for (ConfigKey key : ConfigKey.values()) {
                assertTrue(e.getMessage().contains(key.key()), "lists " + key.key() + ": " + e.getMessage());
            }
        }
    }

    @Test
    void missingConfigFileIsRefused() {
        Path missing = dir.resolve("nope.properties");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.defaults().withFile(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    /** Each row: key, bad value, a piece of the message that says what is allowed. */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // integers with ranges
        "train.epochs              | 0          | an integer between 1 and 100000",
        "train.epochs              | abc        | an integer between 1 and 100000",
        "train.batch-size          | 1.5        | an integer between 1 and 100000",
        "train.workers             | -1         | an integer between 0 and 100000",
        "train.averaging-frequency | 0          | an integer between 1 and 100000",
        "train.partitions          | 99999999999 | an integer between 0 and 1000000",
        "model.tbptt-length        | -1         | an integer between 0 and 100000",
        "model.tbptt-length        | fifty      | an integer between 0 and 100000",
        "model.tbptt-backward-length | -3       | an integer between 0 and 100000",
        "model.seed                | 1.5        | an integer",
        "train.split-seed          | x          | an integer",
        // doubles with ranges
        "model.dropout             | 1.0        | a number in [0.0, 1.0)",
        "model.dropout             | -0.1       | a number in [0.0, 1.0)",
        "model.dropout             | NaN        | a number in [0.0, 1.0)",
        "model.dropout             | half       | a number in [0.0, 1.0)",
        "model.momentum            | 1          | a number in [0.0, 1.0)",
        "model.l2                  | -0.5       | a number in [0.0, 10.0]",
        "model.learning-rate       | 0          | a number in (0, 10.0]",
        "model.learning-rate       | 11         | a number in (0, 10.0]",
        "model.learning-rate       | fast       | a number in (0, 10.0]",
        "model.clipping-threshold  | -1         | a number in (0, 1000000.0]",
        "model.clipping-threshold  | Infinity   | a number in (0, 1000000.0]",
        "train.validation-fraction | 1          | a number in [0.0, 1.0)",
        // choices
        "input.format              | json       | one of auto, parquet, csv",
        "input.layout              | tall       | one of long, wide",
        "input.bad-rows            | skip       | one of fail, reject",
        "columns.time-type         | date       | one of auto, integer, timestamp",
        "task.type                 | ranking    | one of classification, regression",
        "task.output               | per-window | one of per-step, per-sequence",
        "model.updater             | adagrad    | one of adam, sgd, rmsprop",
        "model.clipping            | l1         | one of l2-norm, element-wise, none",
        "train.approach            | shared     | one of direct, export",
        // layer lists
        "model.layers              | \"32,abc\" | layer sizes between 1 and 4096",
        "model.layers              | 0          | layer sizes between 1 and 4096",
        "model.layers              | 5000       | layer sizes between 1 and 4096",
        "model.layers              | -8         | layer sizes between 1 and 4096",
        "model.layers              | \"\"       | 1 to 16 layer sizes",
        "model.layers              | \"1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\" | 1 to 16 layer sizes",
        // booleans
        "train.bucket-by-length    | yes        | true or false",
        "train.bucket-by-length    | 1          | true or false",
        // column names
        "columns.sequence-id       | \"\"       | a column name",
        "columns.time              | \"\"       | a column name for input.layout=long",
        "columns.features          | \" , \"    | a comma-separated list of columns or *",
        "columns.label             | \"\"       | at least one column",
    })
    void invalidValueNamesKeyValueAndWhatIsAllowed(String key, String value, String allowed) {
        IllegalArgumentException e = refused(key + "=" + value);
        String message = e.getMessage();
        assertTrue(message.contains(key), "names the key: " + message);
        assertTrue(message.contains("'" + value.trim() + "'"), "names the value: " + message);
        assertTrue(message.contains(allowed), "says what is allowed (" + allowed + "): " + message);
    }

    @Test
    void valuesAreTrimmedAndChoicesAreCaseInsensitive() {
        TrainConfig config = parse("model.updater= SGD ", "model.layers= 8 , 4 ", "train.bucket-by-length=FALSE",
                "model.momentum=0");
        assertEquals(NetworkSpec.Updater.SGD, config.network().updater());
        assertEquals(List.of(8, 4), config.network().layerSizes());
        assertFalse(config.training().bucketByLength());
        assertEquals(0.0, config.network().momentum());
    }

    @Test
    void autoTbpttIs50PerStepAnd0PerSequence() {
        NetworkSpec perStep = parse("model.tbptt-length=auto").network();
        assertEquals(NetworkSpec.AUTO_TBPTT_LENGTH, perStep.tbpttLength());
        assertEquals(50, perStep.tbpttLength());
        assertEquals(50, perStep.tbpttBackwardLength(), "backward length 0 means the forward length");
        NetworkSpec perSequence = parse("task.output=per-sequence", "model.tbptt-length=AUTO").network();
        assertEquals(0, perSequence.tbpttLength());
        assertEquals(0, perSequence.tbpttBackwardLength());
        assertFalse(perSequence.truncatedBptt());
        assertEquals(0, parse("task.output=per-sequence", "model.tbptt-length=0").network().tbpttLength());
    }

    @Test
    void explicitTbpttLengths() {
        NetworkSpec fwdOnly = parse("model.tbptt-length=20").network();
        assertEquals(20, fwdOnly.tbpttLength());
        assertEquals(20, fwdOnly.tbpttBackwardLength());
        NetworkSpec both = parse("model.tbptt-length=20", "model.tbptt-backward-length=10").network();
        assertEquals(20, both.tbpttLength());
        assertEquals(10, both.tbpttBackwardLength());
        NetworkSpec full = parse("model.tbptt-length=0").network();
        assertEquals(0, full.tbpttLength());
        assertFalse(full.truncatedBptt());

        IllegalArgumentException tooLong = refused("model.tbptt-length=20", "model.tbptt-backward-length=30");
        assertTrue(tooLong.getMessage().contains("model.tbptt-backward-length"), tooLong.getMessage());
        assertTrue(tooLong.getMessage().contains("'30'"), tooLong.getMessage());
        assertTrue(tooLong.getMessage().contains("at most model.tbptt-length (20)"), tooLong.getMessage());

        IllegalArgumentException withFullBptt = refused("model.tbptt-length=0", "model.tbptt-backward-length=10");
        assertTrue(withFullBptt.getMessage().contains("model.tbptt-backward-length must be 0"),
                withFullBptt.getMessage());
        assertTrue(withFullBptt.getMessage().contains("'10'"), withFullBptt.getMessage());
    }

    @Test
    void plainRnnCellTrainsWithFullBptt() {
        assertEquals(NetworkSpec.Cell.LSTM, parse().network().cell());
        NetworkSpec rnn = parse("model.cell=rnn").network();
        assertEquals(NetworkSpec.Cell.RNN, rnn.cell());
        assertEquals(NetworkSpec.Cell.DL4J_LSTM, parse("model.cell=dl4j-lstm").network().cell());
        assertEquals(50, parse("model.cell=dl4j-lstm").network().tbpttLength());
        assertEquals(0, rnn.tbpttLength());
        IllegalArgumentException e = refused("model.cell=rnn", "model.tbptt-length=10");
        assertTrue(e.getMessage().contains("model.tbptt-length must be 0 or auto for model.cell=rnn"), e.getMessage());
        assertTrue(e.getMessage().contains("'10'"), e.getMessage());
        IllegalArgumentException bad = refused("model.cell=gru");
        assertTrue(bad.getMessage().contains("config model.cell must be one of lstm, dl4j-lstm, rnn, got 'gru'"), bad.getMessage());
    }

    @Test
    void positiveTbpttIsRefusedForPerSequenceTasks() {
        IllegalArgumentException e = refused("task.output=per-sequence", "model.tbptt-length=20");
        assertTrue(e.getMessage().contains("model.tbptt-length"), e.getMessage());
        assertTrue(e.getMessage().contains("'20'"), e.getMessage());
        assertTrue(e.getMessage().contains("0 or auto"), e.getMessage());
        assertTrue(e.getMessage().contains("per-sequence"), e.getMessage());
    }

    @Test
    void classificationNeedsExactlyOneLabelColumn() {
        IllegalArgumentException e = refused("columns.label=a,b");
        assertTrue(e.getMessage().contains("columns.label"), e.getMessage());
        assertTrue(e.getMessage().contains("'a,b'"), e.getMessage());
        assertTrue(e.getMessage().contains("exactly one column"), e.getMessage());
        assertEquals(List.of("a", "b"), parse("task.type=regression", "columns.label=a,b").data().labelColumns());
    }

    @Test
    void declaredClassesNeedTwoDistinctLabels() {
        IllegalArgumentException one = refused("task.classes=ok");
        assertTrue(one.getMessage().contains("task.classes"), one.getMessage());
        assertTrue(one.getMessage().contains("'ok'"), one.getMessage());
        assertTrue(one.getMessage().contains("at least two"), one.getMessage());
        IllegalArgumentException duplicate = refused("task.classes=ok,warn,ok");
        assertTrue(duplicate.getMessage().contains("task.classes"), duplicate.getMessage());
        assertTrue(duplicate.getMessage().contains("'ok,warn,ok'"), duplicate.getMessage());
        assertTrue(duplicate.getMessage().contains("repeat"), duplicate.getMessage());
        IllegalArgumentException regression = refused("task.type=regression", "task.classes=a,b");
        assertTrue(regression.getMessage().contains("task.classes"), regression.getMessage());
        assertEquals(List.of("warn", "ok", "fault"), parse("task.classes=warn, ok ,fault").data().classes(),
                "declared order is output order");
    }

    @Test
    void categoricalAndFeatureLists() {
        assertEquals(List.of(), parse("columns.categorical=none").data().categoricalColumns());
        assertEquals(List.of("mode", "site"), parse("columns.categorical=mode, site").data().categoricalColumns());
        assertEquals(List.of("a", "b"), parse("columns.features=a,b").data().featureColumns());
        assertEquals("", parse("input.layout=wide", "columns.time=").data().timeColumn(),
                "the wide layout needs no time column");
    }

    @Test
    void resolvedPropertiesTextReadsBackToEqualSettings() throws IOException {
        Settings settings = Settings.defaults()
                .withOverride("input.path=C:\\data\\sensors #1.parquet")
                .withOverride("columns.label=température")
                .withOverride("task.classes=a=1,b:2,!c")
                .withOverride("model.layers=64,16")
                .withOverride("model.tbptt-length=20")
                .withOverride("train.export-dir=/tmp/x y\tz\nw");
        Path file = dir.resolve("config.properties");
        Files.writeString(file, settings.toPropertiesText(), StandardCharsets.UTF_8);
        Settings back = Settings.defaults().withFile(file);
        assertEquals(settings.asMap(), back.asMap());
        assertEquals("C:\\data\\sensors #1.parquet", back.get(ConfigKey.INPUT_PATH));

        TrainConfig config = TrainConfig.from(settings);
        TrainConfig reread = TrainConfig.from(back);
        assertEquals(config.data(), reread.data());
        assertEquals(config.network(), reread.network());
        assertEquals(config.training(), reread.training());
    }

    @Test
    void asMapHoldsEveryKeyInDeclarationOrder() {
        Map<String, String> map = Settings.defaults().asMap();
        assertEquals(ConfigKey.values().length, map.size());
        int i = 0;
        for (Map.Entry<String, String> entry : map.entrySet()) {
            ConfigKey key = ConfigKey.values()[i++];
            assertEquals(key.key(), entry.getKey());
            assertEquals(key.defaultValue(), entry.getValue());
        }
    }
}
