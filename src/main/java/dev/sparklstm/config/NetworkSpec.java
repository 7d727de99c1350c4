package dev.sparklstm.config;

import java.io.Serializable;
import java.util.List;

/**
 * The network: stacked LSTM layer sizes, regularization, updater, clipping and truncated BPTT.
 *
 * @param cell              recurrent cell
 * @param layerSizes        hidden sizes of the LSTM layers, bottom first
 * @param dropout           dropout probability on LSTM inputs (0 = off)
 * @param l2                L2 coefficient (0 = off)
 * @param updater           optimizer
 * @param learningRate      learning rate
 * @param momentum          momentum of the SGD updater
 * @param seed              initialization seed
 * @param clipping          gradient clipping mode
 * @param clippingThreshold clipping threshold
 * @param tbpttLength       truncated BPTT forward length, 0 for full BPTT
 * @param tbpttBackwardLength truncated BPTT backward length, 0 for full BPTT
 */
public record NetworkSpec(
        Cell cell,
        List<Integer> layerSizes,
        double dropout,
        double l2,
        Updater updater,
        double learningRate,
        double momentum,
        long seed,
        Clipping clipping,
        double clippingThreshold,
        int tbpttLength,
        int tbpttBackwardLength) implements Serializable {

    /**
     * Recurrent cells: LSTM is the fused layer ({@code dev.sparklstm.nn.FusedLstm}), DL4J_LSTM DL4J's own
     * LSTM layer (same parameters; models of either load and score), RNN DL4J's SimpleRnn.
     */
    public enum Cell { LSTM, DL4J_LSTM, RNN }

    /** Optimizers. */
    public enum Updater { ADAM, SGD, RMSPROP }

    /** Gradient clipping modes. */
    public enum Clipping { L2_NORM, ELEMENT_WISE, NONE }

    /** The truncated BPTT length used when {@code model.tbptt-length=auto} on per-step tasks. */
    public static final int AUTO_TBPTT_LENGTH = 50;

    public NetworkSpec {
        layerSizes = List.copyOf(layerSizes);
        if (tbpttBackwardLength > tbpttLength) {
            throw new IllegalArgumentException("config model.tbptt-backward-length must be at most model.tbptt-length ("
                    + tbpttLength + "), got '" + tbpttBackwardLength + "'");
        }
    }

    /** Whether training uses truncated BPTT. */
    public boolean truncatedBptt() {
        return tbpttLength > 0;
    }

    static NetworkSpec from(Settings s, DataSpec data) {
        List<Integer> sizes = new java.util.ArrayList<>();
        for (String item : s.getList(ConfigKey.MODEL_LAYERS)) {
            int size;
            try {
                size = Integer.parseInt(item);
            } catch (NumberFormatException e) {
                throw s.invalid(ConfigKey.MODEL_LAYERS, "a comma-separated list of layer sizes between 1 and 4096");
            }
            if (size < 1 || size > 4096) {
                throw s.invalid(ConfigKey.MODEL_LAYERS, "a comma-separated list of layer sizes between 1 and 4096");
            }
            sizes.add(size);
        }
        if (sizes.isEmpty() || sizes.size() > 16) {
            throw s.invalid(ConfigKey.MODEL_LAYERS, "a comma-separated list of 1 to 16 layer sizes");
        }
        Cell cell = Cell.valueOf(DataSpec.enumName(s.getChoice(ConfigKey.MODEL_CELL, "lstm", "dl4j-lstm", "rnn")));
        int tbptt;
        String rawTbptt = s.get(ConfigKey.MODEL_TBPTT_LENGTH);
        if (rawTbptt.equalsIgnoreCase("auto")) {
            tbptt = data.isPerSequence() || cell == Cell.RNN ? 0 : AUTO_TBPTT_LENGTH;
        } else {
            tbptt = s.getInt(ConfigKey.MODEL_TBPTT_LENGTH, 0, 100_000);
            if (tbptt > 0 && cell == Cell.RNN) {
                throw new IllegalArgumentException("config model.tbptt-length must be 0 or auto for model.cell=rnn "
                        + "(DL4J M2's SimpleRnn computes wrong gradients under truncated BPTT), got '" + rawTbptt + "'");
            }
            if (tbptt > 0 && data.isPerSequence()) {
                throw new IllegalArgumentException("config model.tbptt-length must be 0 or auto for task.output="
                        + "per-sequence (DL4J's truncated BPTT gives gradient only to the last segment of a "
                        + "many-to-one sequence), got '" + rawTbptt + "'");
            }
        }
        int backward = s.getInt(ConfigKey.MODEL_TBPTT_BACKWARD_LENGTH, 0, 100_000);
        if (tbptt == 0 && backward > 0) {
            throw new IllegalArgumentException("config model.tbptt-backward-length must be 0 when training uses "
                    + "full BPTT (model.tbptt-length resolves to 0), got '" + backward + "'");
        }
        return new NetworkSpec(
                cell,
                sizes,
                s.getDouble(ConfigKey.MODEL_DROPOUT, 0.0, 1.0, true),
                s.getDouble(ConfigKey.MODEL_L2, 0.0, 10.0, false),
                Updater.valueOf(DataSpec.enumName(s.getChoice(ConfigKey.MODEL_UPDATER, "adam", "sgd", "rmsprop"))),
                positive(s, ConfigKey.MODEL_LEARNING_RATE, 10.0),
                s.getDouble(ConfigKey.MODEL_MOMENTUM, 0.0, 1.0, true),
                s.getLong(ConfigKey.MODEL_SEED),
                NetworkSpec.Clipping.valueOf(DataSpec.enumName(
                        s.getChoice(ConfigKey.MODEL_CLIPPING, "l2-norm", "element-wise", "none"))),
                positive(s, ConfigKey.MODEL_CLIPPING_THRESHOLD, 1e6),
                tbptt,
                tbptt == 0 ? 0 : (backward == 0 ? tbptt : backward));
    }

    private static double positive(Settings s, ConfigKey key, double max) {
        String allowed = "a number in (0, " + max + "]";
        double value;
        try {
            value = Double.parseDouble(s.get(key));
        } catch (NumberFormatException e) {
            throw s.invalid(key, allowed);
        }
        if (!(value > 0.0 && value <= max)) {
            throw s.invalid(key, allowed);
        }
        return value;
    }
}
