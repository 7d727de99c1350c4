package dev.sparklstm.train;

import java.math.BigDecimal;

/**
 * Reads one cell as the value its role needs and says why when it cannot. A reason is returned
 * as a string (null when the value is fine) so the caller can put it on the rejected row.
 */
final class RowValues {
    private RowValues() {
    }

    /** Parses a numeric cell (numbers, or strings as written in CSV); NaN when the cell is null or unparsable. */
    static double toDouble(Object value) {
        if (value instanceof Number) {
            return ((Number) value).doubleValue();
        }
        if (value instanceof String) {
            try {
                return Double.parseDouble(((String) value).trim());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** Why a numeric cell cannot be used, or null. */
    static String numericProblem(Object value, String column, String role) {
        if (value == null) {
            return role + " \"" + column + "\" is null";
        }
        if (value instanceof String) {
            String text = ((String) value).trim();
            try {
                double parsed = Double.parseDouble(text);
                return finiteProblem(parsed, value, column, role);
            } catch (NumberFormatException e) {
                return role + " \"" + column + "\" value '" + value + "' is not a number";
            }
        }
        if (value instanceof BigDecimal) {
            return null;
        }
        if (value instanceof Number) {
            return finiteProblem(((Number) value).doubleValue(), value, column, role);
        }
        return role + " \"" + column + "\" value '" + value + "' is not a number";
    }

    private static String finiteProblem(double parsed, Object raw, String column, String role) {
        if (Double.isNaN(parsed)) {
            return role + " \"" + column + "\" is NaN";
        }
        if (Double.isInfinite(parsed)) {
            return role + " \"" + column + "\" is infinite (" + raw + ")";
        }
        return null;
    }

    /** Number of elements of an array cell (a Java list or a Scala sequence, as Spark hands them out). */
    static int size(Object array) {
        if (array instanceof java.util.List<?> list) {
            return list.size();
        }
        return ((scala.collection.Seq<?>) array).length();
    }

    /** Element {@code i} of an array cell. */
    static Object element(Object array, int i) {
        if (array instanceof java.util.List<?> list) {
            return list.get(i);
        }
        return ((scala.collection.Seq<?>) array).apply(i);
    }

    /** A categorical cell or class label as a string; integral numbers without a decimal point. */
    static String toCategory(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String) {
            return ((String) value).trim();
        }
        return String.valueOf(value);
    }
}
