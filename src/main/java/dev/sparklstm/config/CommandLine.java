package dev.sparklstm.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A job's command line, split into options before any Spark work: flags ({@code --overwrite}),
 * options with one value ({@code --output DIR} or {@code --output=DIR}, at most once) and
 * repeatable ones ({@code --set KEY=VALUE}). {@code --help} or {@code -h} anywhere wins over
 * everything else. Every error names the option and says what was expected.
 */
public final class CommandLine {
    private final Map<String, List<String>> values;
    private final boolean help;

    private CommandLine(Map<String, List<String>> values, boolean help) {
        this.values = values;
        this.help = help;
    }

    /**
     * Parses {@code args}.
     *
     * @param flags      options without a value
     * @param single     options with exactly one value, given at most once
     * @param repeatable options with one value that may be given again
     * @throws IllegalArgumentException for an unknown option, a positional argument, a missing
     *                                  value, a value given to a flag or a single option repeated
     */
    public static CommandLine parse(String[] args, Set<String> flags, Set<String> single, Set<String> repeatable) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            return new CommandLine(Map.of(), true);
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "': options start with --; see --help");
            }
            int eq = arg.indexOf('=');
            String name = eq >= 0 ? arg.substring(0, eq) : arg;
            String value;
            if (flags.contains(name)) {
                if (eq >= 0) {
                    throw new IllegalArgumentException(name + " takes no value, got '" + arg.substring(eq + 1) + "'");
                }
                value = "true";
            } else if (single.contains(name) || repeatable.contains(name)) {
                value = eq >= 0 ? arg.substring(eq + 1)
                        : i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : null;
                if (value == null) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
            } else {
                throw new IllegalArgumentException("unknown option '" + name + "'; see --help");
            }
            List<String> list = values.computeIfAbsent(name, n -> new ArrayList<>());
            if (!list.isEmpty() && !repeatable.contains(name)) {
                throw new IllegalArgumentException(name + " is given more than once");
            }
            list.add(value);
        }
        return new CommandLine(values, false);
    }

    /** Whether only the usage text was asked for. */
    public boolean help() {
        return help;
    }

    /** Whether a flag was given. */
    public boolean has(String flag) {
        return values.containsKey(flag);
    }

    /** The value of a single option, or {@code otherwise} when it was not given. */
    public String value(String option, String otherwise) {
        List<String> list = values.get(option);
        return list == null ? otherwise : list.get(0);
    }

    /** The value of an option that must be given and not blank. */
    public String required(String option, String placeholder) {
        String value = value(option, null);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(option + " " + placeholder + " is required");
        }
        return value;
    }

    /** Every value of a repeatable option, in order. */
    public List<String> values(String option) {
        return List.copyOf(values.getOrDefault(option, List.of()));
    }
}
