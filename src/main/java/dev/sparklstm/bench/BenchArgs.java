package dev.sparklstm.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name value} options of a benchmark main, checked against the names it knows. Every
 * error names the option, the value and what is allowed.
 */
final class BenchArgs {
    /** Repeatable option: each occurrence is kept, in order. */
    static final String SET = "--set";
    private final Map<String, String> values = new HashMap<>();
    private final List<String> sets = new ArrayList<>();

    BenchArgs(String[] args, Set<String> names) {
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!names.contains(name)) {
                throw new IllegalArgumentException("unknown option '" + name + "'; allowed: " + names.stream().sorted()
                        .toList());
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new IllegalArgumentException("option " + name + " needs a value");
            }
            if (name.equals(SET)) {
                sets.add(args[++i]);
            } else if (values.put(name, args[++i]) != null) {
                throw new IllegalArgumentException("option " + name + " is given more than once");
            }
        }
    }

    /** The values of every {@code --set}, in order. */
    List<String> sets() {
        return List.copyOf(sets);
    }

    String string(String name, String defaultValue) {
        String value = values.getOrDefault(name, defaultValue);
        if (value == null) {
            throw new IllegalArgumentException("option " + name + " is required");
        }
        return value;
    }

    int integer(String name, int defaultValue, int min, int max) {
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'", e);
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + parsed);
        }
        return parsed;
    }

    /** A comma-separated list of integers, each in [min, max]. */
    List<Integer> integers(String name, String defaultValue, int min, int max) {
        List<Integer> list = new ArrayList<>();
        for (String part : string(name, defaultValue).split(",")) {
            int parsed;
            try {
                parsed = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a comma-separated list of integers, got '"
                        + string(name, defaultValue) + "'", e);
            }
            if (parsed < min || parsed > max) {
                throw new IllegalArgumentException(name + " values must be between " + min + " and " + max + ", got "
                        + parsed);
            }
            list.add(parsed);
        }
        return list;
    }

    long longValue(String name, long defaultValue) {
        String value = values.get(name);
        try {
            return value == null ? defaultValue : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'", e);
        }
    }

    /** Runs a benchmark main: prints usage on a bad option and exits 2, like the jobs. */
    static void run(String usage, String[] args, Main main) {
        if (List.of(args).contains("--help")) {
            System.out.print(usage);
            return;
        }
        try {
            main.run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(usage);
            System.exit(2);
        }
    }

    /** The body of a benchmark main. */
    interface Main {
        void run(String[] args);
    }
}
