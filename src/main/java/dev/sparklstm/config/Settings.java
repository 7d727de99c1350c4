package dev.sparklstm.config;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Raw key/value settings: the defaults of {@link ConfigKey}, overlaid by a config file and then by
 * {@code --set key=value} overrides. Typed accessors validate and say which key, which value and
 * what is allowed; raw strings never travel past the {@code config} package.
 */
public final class Settings implements Serializable {
    private static final long serialVersionUID = 1L;

    private final EnumMap<ConfigKey, String> values;

    private Settings(EnumMap<ConfigKey, String> values) {
        this.values = values;
    }

    /** Settings holding only the defaults. */
    public static Settings defaults() {
        EnumMap<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, key.defaultValue());
        }
        return new Settings(values);
    }

    /** Returns a copy with the entries of a Java properties file ({@code key = value}, {@code #} comments). */
    public Settings withFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config file " + file + " does not exist or is not a file");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config file " + file + " cannot be read: " + e.getMessage(), e);
        }
        Settings result = this;
        for (String name : new java.util.TreeSet<>(properties.stringPropertyNames())) {
            result = result.with(name, properties.getProperty(name), "in " + file);
        }
        return result;
    }

    /** Returns a copy with one {@code key=value} override, as given to {@code --set}. */
    public Settings withOverride(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--set expects key=value, got '" + assignment + "'");
        }
        return with(assignment.substring(0, eq).trim(), assignment.substring(eq + 1), "in --set");
    }

    /** Returns a copy with {@code key} set to {@code value}. */
    public Settings with(ConfigKey key, String value) {
        EnumMap<ConfigKey, String> copy = new EnumMap<>(values);
        copy.put(key, value.trim());
        return new Settings(copy);
    }

    private Settings with(String name, String value, String where) {
        ConfigKey key = ConfigKey.byName(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown config key '" + name + "' " + where + "; known keys: "
                        + Arrays.stream(ConfigKey.values()).map(ConfigKey::key).collect(Collectors.joining(", "))));
        return with(key, value);
    }

    /** The raw value of a key (defaults included), trimmed. */
    public String get(ConfigKey key) {
        return values.get(key);
    }

    /** All keys with their resolved values, in declaration order. */
    public Map<String, String> asMap() {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        values.forEach((k, v) -> map.put(k.key(), v));
        return Collections.unmodifiableMap(map);
    }

    /** The resolved settings as a properties file that {@link #withFile} reads back. */
    public String toPropertiesText() {
        StringBuilder text = new StringBuilder("# spark-lstm resolved configuration\n");
        values.forEach((k, v) -> text.append(k.key()).append(" = ").append(escape(v)).append('\n'));
        return text.toString();
    }

    /**
     * Escapes a value for {@link Properties#load}, which reads a backslash as an escape character:
     * unescaped, a value such as {@code C:\data} came back as {@code C:data}.
     */
    private static String escape(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\\' -> escaped.append("\\\\");
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                case '\f' -> escaped.append("\\f");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    public int getInt(ConfigKey key, int min, int max) {
        String raw = get(key);
        int value;
        try {
            value = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw invalid(key, "an integer between " + min + " and " + max);
        }
        if (value < min || value > max) {
            throw invalid(key, "an integer between " + min + " and " + max);
        }
        return value;
    }

    public long getLong(ConfigKey key) {
        try {
            return Long.parseLong(get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "an integer");
        }
    }

    /** A double in [min, max] (or [min, max) when {@code maxExclusive}). */
    public double getDouble(ConfigKey key, double min, double max, boolean maxExclusive) {
        String range = "a number in [" + min + ", " + max + (maxExclusive ? ")" : "]");
        double value;
        try {
            value = Double.parseDouble(get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, range);
        }
        if (!(value >= min && (maxExclusive ? value < max : value <= max))) {
            throw invalid(key, range);
        }
        return value;
    }

    public boolean getBoolean(ConfigKey key) {
        String raw = get(key).toLowerCase(Locale.ROOT);
        if (raw.equals("true") || raw.equals("false")) {
            return Boolean.parseBoolean(raw);
        }
        throw invalid(key, "true or false");
    }

    /** One of the allowed words, compared case-insensitively; returns it in lower case. */
    public String getChoice(ConfigKey key, String... allowed) {
        String raw = get(key).toLowerCase(Locale.ROOT);
        for (String option : allowed) {
            if (option.equals(raw)) {
                return option;
            }
        }
        throw invalid(key, "one of " + String.join(", ", allowed));
    }

    /** A comma-separated list with blanks removed; empty when the value is empty. */
    public List<String> getList(ConfigKey key) {
        List<String> items = new ArrayList<>();
        for (String item : get(key).split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return List.copyOf(items);
    }

    /** An error for this key's current value, naming what is allowed. */
    public IllegalArgumentException invalid(ConfigKey key, String expected) {
        return new IllegalArgumentException(
                "config " + key.key() + " must be " + expected + ", got '" + get(key) + "'");
    }
}
