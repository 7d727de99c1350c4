package dev.sparklstm.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.ConfigKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line parsing of the training job, without Spark. */
class TrainOptionsTest {

    @TempDir
    Path dir;

    private static IllegalArgumentException refused(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> TrainOptions.parse(args),
                "should be refused: " + String.join(" ", args));
    }

    @Test
    void parsesEveryOption() throws IOException {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "train.epochs = 3\ninput.path = /from/file\nmodel.layers = 16\n", StandardCharsets.UTF_8);
        TrainOptions options = TrainOptions.parse("--config", file.toString(), "--input", "/from/cli",
                "--output", "/out", "--master", "local[2]", "--overwrite", "--set", "train.epochs=4",
                "--set", "model.layers=8,8");
        assertFalse(options.help());
        assertEquals("/out", options.output());
        assertEquals("local[2]", options.master());
        assertTrue(options.overwrite());
        assertEquals("/from/cli", options.config().data().inputPath(), "--input over the file");
        assertEquals(4, options.config().training().epochs(), "--set over the file");
        assertEquals(List.of(8, 8), options.config().network().layerSizes());
        assertEquals("/from/set", TrainOptions.parse("--input", "/from/cli", "--set", "input.path=/from/set",
                "--output", "o").config().data().inputPath(), "--set over --input");
    }

    @Test
    void minimalOptionsUseDefaults() {
        TrainOptions options = TrainOptions.parse("--output", "o");
        assertEquals("o", options.output());
        assertFalse(options.overwrite());
        assertNull(options.master());
        assertEquals(10, options.config().training().epochs());
    }

    @Test
    void outputIsRequired() {
        assertTrue(refused().getMessage().contains("--output"));
        assertTrue(refused("--input", "x").getMessage().contains("--output"));
        assertTrue(refused("--output", " ").getMessage().contains("--output"));
    }

    @Test
    void unknownOptionIsRefused() {
        IllegalArgumentException e = refused("--output", "o", "--epochs", "3");
        assertTrue(e.getMessage().contains("'--epochs'"), e.getMessage());
        IllegalArgumentException positional = refused("o");
        assertTrue(positional.getMessage().contains("'o'"), positional.getMessage());
    }

    @Test
    void optionWithoutValueIsRefused() {
        for (String option : List.of("--output", "--input", "--config", "--master", "--set")) {
            IllegalArgumentException atEnd = refused("--output", "o", option);
            assertTrue(atEnd.getMessage().contains(option + " needs a value"), atEnd.getMessage());
        }
        IllegalArgumentException followedByOption = refused("--output", "--overwrite");
        assertTrue(followedByOption.getMessage().contains("--output needs a value"), followedByOption.getMessage());
    }

    @Test
    void setNeedsKeyEqualsValue() {
        IllegalArgumentException noEquals = refused("--output", "o", "--set", "train.epochs");
        assertTrue(noEquals.getMessage().contains("key=value"), noEquals.getMessage());
        assertTrue(noEquals.getMessage().contains("'train.epochs'"), noEquals.getMessage());
        IllegalArgumentException noKey = refused("--output", "o", "--set", "=3");
        assertTrue(noKey.getMessage().contains("key=value"), noKey.getMessage());
        IllegalArgumentException unknown = refused("--output", "o", "--set", "train.epoch=3");
        assertTrue(unknown.getMessage().contains("'train.epoch'"), unknown.getMessage());
        IllegalArgumentException invalid = refused("--output", "o", "--set", "train.epochs=0");
        assertTrue(invalid.getMessage().contains("train.epochs"), invalid.getMessage());
        // A value may contain '=': only the first one separates key and value.
        assertEquals("a=b", TrainOptions.parse("--output", "o", "--set", "input.path=a=b").config().data().inputPath());
    }

    @Test
    void missingConfigFileIsRefused() {
        Path missing = dir.resolve("missing.properties");
        IllegalArgumentException e = refused("--output", "o", "--config", missing.toString());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void helpNeedsNothingElse() {
        for (String help : List.of("--help", "-h")) {
            TrainOptions options = TrainOptions.parse(help);
            assertTrue(options.help());
            assertNull(options.config());
        }
        assertTrue(TrainOptions.parse("--output", "o", "--help").help());
        assertTrue(TrainOptions.parse("--set", "not-valid", "--help").help(), "help before validation");
    }

    @Test
    void usageListsEveryKeyWithItsDefault() {
        String usage = TrainOptions.usage();
        for (ConfigKey key : ConfigKey.values()) {
            assertTrue(usage.contains(key.key() + " "), key.key());
            assertTrue(usage.contains("[" + key.defaultValue() + "]"), key.key() + " default");
        }
    }
}
