package dev.sparklstm.nn;

import java.nio.ByteBuffer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The updater half of {@link FastTrainer}'s step, in DL4J M2's order (BaseMultiLayerUpdater,
 * UpdaterBlock): the gradient, already divided by the minibatch size, is normalized per layer,
 * gets L2 added ({@code g += l2 * p}, DL4J's "before updater" regularization), goes through Adam
 * and is subtracted from the parameters. Everything runs on flat buffers in DL4J's layouts.
 */
final class Updates {
    private Updates() {
    }

    /**
     * Per-layer gradient normalization (the norms, scaling and clamping in {@code gates}' loops,
     * vectorized where it is), then L2 into the gradient. Returns the L2 score term
     * ({@code 0.5 * l2 * sum p^2}, from the parameters before the update, as DL4J's score has it).
     */
    static double normalizeAndRegularize(GateMath gates, TrainingPlan plan, NativeBuffer params, NativeBuffer grads,
                                         int iteration, int epoch) {
        ByteBuffer g = grads.bytes();
        ByteBuffer p = params.bytes();
        for (TrainingPlan.Clip clip : plan.clips()) {
            int from = (int) clip.start();
            int length = (int) (clip.end() - clip.start());
            if (clip.kind() == GradientNormalization.ClipL2PerLayer) {
                double norm = Math.sqrt(gates.sumOfSquares(g, from, length));
                if (norm > clip.threshold()) {
                    // DL4J multiplies by threshold / norm in the array's type.
                    gates.scale(g, from, length, (float) (clip.threshold() / norm));
                }
            } else if (clip.kind() == GradientNormalization.ClipElementWiseAbsoluteValue) {
                gates.clamp(g, from, length, (float) clip.threshold());
            }
        }
        double score = 0;
        for (TrainingPlan.L2 l2 : plan.l2s()) {
            double coeff = l2.l2().getL2().valueAt(iteration, epoch);
            int from = (int) l2.start();
            int length = (int) (l2.end() - l2.start());
            score += coeff * 0.5 * gates.sumOfSquares(p, from, length);
            gates.addScaled(g, p, from, length, (float) coeff);
        }
        return score;
    }

    /**
     * Adam on every updater block and {@code params -= update}, as libnd4j's adamUpdater computes
     * it in float: {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
     * {@code update = m * lr sqrt(1 - b2^(t+1)) / (1 - b1^(t+1)) / (sqrt(v) + eps)} with t the
     * iteration count before this step. The state of a block is m then v, each as long as the block.
     * The element loop is {@link GateMath#adam} (vectorized where the Vector API is present).
     */
    static void adam(TrainingPlan plan, NativeBuffer params, NativeBuffer grads, NativeBuffer state, int iteration,
                     int epoch) {
        adam(plan, params, grads, null, state, iteration, epoch, 0, plan.numParams);
    }

    /**
     * As {@link #adam(TrainingPlan, NativeBuffer, NativeBuffer, NativeBuffer, int, int)} for the
     * parameters [from, to) only, with the gradient {@code grads + more} when {@code more} is not
     * null (see {@link GateMath#adam}): each element's update depends on nothing else, so threads
     * can share the work by range and give the same bits.
     */
    static void adam(TrainingPlan plan, NativeBuffer params, NativeBuffer grads, NativeBuffer more, NativeBuffer state,
                     int iteration, int epoch, long from, long to) {
        ByteBuffer g = grads.bytes();
        ByteBuffer extra = more == null ? null : more.bytes();
        ByteBuffer p = params.bytes();
        ByteBuffer s = state.bytes();
        GateMath math = GateMath.get();
        for (TrainingPlan.AdamBlock block : plan.blocks()) {
            Adam adam = block.adam();
            float lr = (float) adam.getLearningRate(iteration, epoch);
            float beta1 = (float) adam.getBeta1();
            float beta2 = (float) adam.getBeta2();
            float epsilon = (float) adam.getEpsilon();
            float beta1t = (float) Math.pow(beta1, iteration + 1);
            float beta2t = (float) Math.pow(beta2, iteration + 1);
            float stepSize = lr * (float) Math.sqrt(1f - beta2t) / (1f - beta1t);
            if (Float.isNaN(stepSize) || Float.isInfinite(stepSize) || stepSize == 0f) {
                stepSize = epsilon;
            }
            long first = Math.max(from, block.start());
            long end = Math.min(to, block.end());
            if (first >= end) {
                continue;
            }
            int length = (int) (block.end() - block.start());
            int skip = (int) (first - block.start());
            int mAt = (int) block.state() + skip;
            math.adam(p, g, extra, s, (int) first, (int) (end - first), mAt, mAt + length, beta1, beta2, stepSize, epsilon);
        }
    }
}
