package dev.sparklstm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps README.md's configuration table in step with {@link ConfigKey}: every key is documented with
 * its actual default, and the table documents no key that does not exist.
 */
class ReadmeConfigTableTest {
    /** A table row: {@code | `key` | default | meaning |}. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z0-9.-]+)`\\s*\\|\\s*([^|]*?)\\s*\\|.*$");

    private static Map<String, String> readmeDefaults() throws IOException {
        // Surefire runs in the project root.
        Path readme = Path.of("README.md");
        assertTrue(Files.isRegularFile(readme), "README.md not found in " + Path.of("").toAbsolutePath());
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int start = text.indexOf("## Configuration reference");
        assertTrue(start >= 0, "README.md has a '## Configuration reference' section");
        int end = text.indexOf("\n## ", start + 1);
        String section = end < 0 ? text.substring(start) : text.substring(start, end);
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String line : section.split("\n")) {
            Matcher row = ROW.matcher(line.strip());
            if (row.matches()) {
                String previous = defaults.put(row.group(1), row.group(2));
                assertEquals(null, previous, "README lists " + row.group(1) + " twice");
            }
        }
        assertTrue(defaults.size() > 10, "the table was parsed: " + defaults.keySet());
        return defaults;
    }

    @Test
    void everyKeyIsDocumentedWithItsDefault() throws IOException {
        Map<String, String> documented = readmeDefaults();
        for (ConfigKey key : ConfigKey.values()) {
            String cell = documented.get(key.key());
            assertNotNull(cell, "README.md's configuration table lacks `" + key.key() + "` (default '"
                    + key.defaultValue() + "'); add a row");
            String expected = key.defaultValue().isEmpty() ? "(empty)" : "`" + key.defaultValue() + "`";
            assertEquals(expected, cell, "README.md's default of " + key.key());
        }
    }

    @Test
    void everyDocumentedKeyExists() throws IOException {
        for (String name : readmeDefaults().keySet()) {
            assertTrue(ConfigKey.byName(name).isPresent(), "README.md documents unknown key " + name);
        }
    }
}
