package dev.sparklstm.nn;

import java.nio.ByteBuffer;

/**
 * An output layer's {@code logits = W^T x} for many rows of a few outputs, each row summed in a
 * fixed order whatever the number of rows, so a row's scores do not depend on which other rows
 * share its minibatch (OpenBLAS picks kernels by shape, so its sums do). With {@link LstmStep},
 * whose sums do not depend on the batch either, this makes the fast forward's output for an
 * example independent of its batch: scoring gives the same bits however the input is
 * partitioned. Made by {@link GateMath#rowProjection}; not thread-safe (scratch memory).
 */
interface RowProjection {
    /**
     * For rows r = 0..rows-1: {@code logits[r * nOut + k] = sum_j x[xOffset + r * xStride + j] *
     * W[j, k]} over j = 0..nIn-1, W [nIn, nOut] at element {@code wOff} of {@code params} ('f'
     * order, DL4J's layout); offsets count floats. No bias.
     */
    void project(ByteBuffer params, long wOff, ByteBuffer x, long xOffset, int xStride, int rows, ByteBuffer logits);
}
