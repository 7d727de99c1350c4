package dev.sparklstm.bench;

import java.util.List;

/**
 * Floating-point operations of the GEMMs of a stacked LSTM, the count behind "fraction of the
 * machine's sgemm rate" in issue 8. Per layer with {@code I} inputs and {@code H} units, one
 * sequence step costs {@code 2 (I + H) 4H} in the forward (input projection and recurrent
 * product, a multiply and an add each); the backward costs about twice that (gradients with
 * respect to the inputs, the recurrent state and the weights). Gate math, the output layer and
 * the loss are not counted: they are small next to the GEMMs for the hidden sizes measured, and
 * leaving them out makes the fraction a lower bound of the useful work done.
 */
final class LstmFlops {
    private LstmFlops() {
    }

    /** GEMM FLOPs of the forward pass per sequence step (one example, one step) of stacked layers. */
    static long forwardPerSeqStep(int inputs, List<Integer> hiddenSizes) {
        if (inputs < 1 || hiddenSizes.isEmpty()) {
            throw new IllegalArgumentException("an LSTM stack needs at least 1 input and 1 layer, got " + inputs
                    + " inputs and layers " + hiddenSizes);
        }
        long flops = 0;
        int in = inputs;
        for (int hidden : hiddenSizes) {
            if (hidden < 1) {
                throw new IllegalArgumentException("layer sizes must be at least 1, got " + hiddenSizes);
            }
            flops += 2L * (in + hidden) * 4L * hidden;
            in = hidden;
        }
        return flops;
    }

    /** Forward plus backward (about twice the forward) per sequence step: three forwards. */
    static long trainingPerSeqStep(int inputs, List<Integer> hiddenSizes) {
        return 3 * forwardPerSeqStep(inputs, hiddenSizes);
    }
}
