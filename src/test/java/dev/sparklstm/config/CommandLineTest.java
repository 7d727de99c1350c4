package dev.sparklstm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private static CommandLine parse(String... args) {
        return CommandLine.parse(args, Set.of("--overwrite"), Set.of("--output", "--master"), Set.of("--set"));
    }

    private static String refused(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> parse(args)).getMessage();
    }

    @Test
    void readsFlagsSingleAndRepeatableOptionsInBothSpellings() {
        CommandLine line = parse("--output", "out", "--set", "a=1", "--overwrite", "--set=b=2", "--master=local[2]");
        assertFalse(line.help());
        assertTrue(line.has("--overwrite"));
        assertEquals("out", line.required("--output", "DIR"));
        assertEquals("local[2]", line.value("--master", null));
        assertEquals(List.of("a=1", "b=2"), line.values("--set"));
        assertFalse(parse("--output", "o").has("--overwrite"));
        assertEquals("x", parse().value("--master", "x"));
    }

    @Test
    void helpWinsOverEverythingElse() {
        assertTrue(parse("--bogus", "stray", "--help").help());
        assertTrue(parse("-h").help());
    }

    @Test
    void mistakesNameTheOption() {
        assertEquals("unknown option '--epochs'; see --help", refused("--epochs", "3"));
        assertTrue(refused("out").contains("'out'"));
        assertEquals("--output needs a value", refused("--output"));
        assertEquals("--output needs a value", refused("--output", "--overwrite"));
        assertEquals("--output is given more than once", refused("--output", "a", "--output", "b"));
        assertEquals("--overwrite takes no value, got 'yes'", refused("--overwrite=yes"));
        assertEquals("--output DIR is required",
                assertThrows(IllegalArgumentException.class, () -> parse().required("--output", "DIR")).getMessage());
        assertEquals("--output DIR is required", assertThrows(IllegalArgumentException.class,
                () -> parse("--output", " ").required("--output", "DIR")).getMessage());
    }
}
