package dev.sparklstm.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fused computation of one LSTM layer over one segment, holding the forward's working
 * memory until the matching backward. Arrays are DL4J's: input [batch, nIn, steps] (NCW),
 * state [batch, hidden], mask [batch, steps], parameters as DL4J's 'f'-order views with gate
 * blocks [g, f, o, i]. Not thread-safe: one kernel per layer instance.
 */
interface LstmKernel {
    /**
     * Runs the forward over a segment. {@code h0}/{@code c0} null means a zero state. With a mask,
     * masked steps output 0 and pass a zero state on, as DL4J's LSTM does with a layer mask.
     */
    void forward(INDArray input, INDArray h0, INDArray c0, INDArray mask, INDArray w, INDArray rw, INDArray b);

    /** The outputs of the last forward, [batch, hidden, steps] (a view of working memory: copy it). */
    INDArray output();

    /** The output at the last step of the last forward, [batch, hidden] (a view: copy it). */
    INDArray lastOutput();

    /** The cell state at the last step of the last forward, [batch, hidden] (a view: copy it). */
    INDArray lastCell();

    /**
     * Backpropagates {@code epsilon} [batch, hidden, steps] through the last forward (full
     * segment), writes the parameter gradients into the given views and the gradient with
     * respect to the input into {@code epsilonOut} [batch, nIn, steps].
     */
    void backward(INDArray epsilon, INDArray gradW, INDArray gradRw, INDArray gradB, INDArray epsilonOut);
}
