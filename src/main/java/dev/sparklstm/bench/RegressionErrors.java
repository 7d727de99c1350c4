package dev.sparklstm.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Test-set errors of a regression model from the scoring job's {@code predictions/} table, without
 * Spark: mean squared error of the predictions, and that of always predicting a constant on the
 * same rows (the adding problem's trivial baseline is 1.0, the expected target: MSE about 1/6).
 * Rows without a label are skipped.
 *
 * <p>Command line:
 * <pre>
 * RegressionErrors --predictions DIR [--label target] [--prediction prediction_target] [--constant 1.0]
 * </pre>
 * prints one line: {@code rows=N mse=... rmse=... mae=... constant=C constant_mse=...}.
 */
public final class RegressionErrors {

    /**
     * The figures.
     *
     * @param rows        labelled rows
     * @param mse         mean squared error of the predictions
     * @param mae         mean absolute error of the predictions
     * @param constantMse mean squared error of the constant
     */
    public record Errors(long rows, double mse, double mae, double constantMse) {
    }

    private RegressionErrors() {
    }

    /** Errors of {@code prediction} against {@code label}, skipping NaN (null) labels. */
    public static Errors of(double[] label, double[] prediction, double constant) {
        long rows = 0;
        double squared = 0;
        double absolute = 0;
        double constantSquared = 0;
        for (int i = 0; i < label.length; i++) {
            if (Double.isNaN(label[i])) {
                continue;
            }
            double error = prediction[i] - label[i];
            squared += error * error;
            absolute += Math.abs(error);
            constantSquared += (constant - label[i]) * (constant - label[i]);
            rows++;
        }
        if (rows == 0) {
            throw new IllegalArgumentException("no labelled row: cannot compute errors");
        }
        return new Errors(rows, squared / rows, absolute / rows, constantSquared / rows);
    }

    public static void main(String[] args) {
        try {
            BenchArgs options = new BenchArgs(args, Set.of("--predictions", "--label", "--prediction", "--constant"));
            String label = options.string("--label", "target");
            String prediction = options.string("--prediction", "prediction_" + label);
            double constant;
            try {
                constant = Double.parseDouble(options.string("--constant", "1.0"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--constant must be a number, got '" + options.string("--constant", "")
                        + "'", e);
            }
            Map<String, double[]> table = ParquetColumns.read(options.string("--predictions", null),
                    List.of(label, prediction));
            Errors errors = of(table.get(label), table.get(prediction), constant);
            System.out.printf(Locale.ROOT, "rows=%d mse=%.6f rmse=%.6f mae=%.6f constant=%s constant_mse=%.6f%n",
                    errors.rows(), errors.mse(), Math.sqrt(errors.mse()), errors.mae(), constant, errors.constantMse());
        } catch (IllegalArgumentException e) {
            System.err.println("RegressionErrors: " + e.getMessage());
            System.exit(2);
        }
    }
}
