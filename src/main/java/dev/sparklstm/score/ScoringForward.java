package dev.sparklstm.score;

import dev.sparklstm.nn.FastForward;
import dev.sparklstm.train.TaskCores;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward passes of one scoring task on its own network clone: {@link FastForward} (the
 * project's forward on the network's parameters, no ND4J on its hot path) when it supports the
 * network, else DL4J's {@code output} and {@code rnnTimeStep}, with one log line per model and
 * JVM saying why. Results are C-order values of DL4J's output shape, in an array reused from call
 * to call (read it before the next call). Not thread-safe: one per task.
 */
final class ScoringForward {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringForward.class);
    /** Broadcast ids of the models whose fallback was already logged in this JVM. */
    private static final Set<Long> REPORTED = ConcurrentHashMap.newKeySet();

    private final MultiLayerNetwork network;
    private final boolean perSequence;
    /** Null when DL4J computes the forward. */
    private final FastForward fast;
    private float[] values = new float[0];

    ScoringForward(MultiLayerNetwork network, long modelId, boolean perSequence) {
        this.network = network;
        this.perSequence = perSequence;
        this.fast = FastForward.forNetwork(network, TaskCores.current()).orElse(null);
        if (fast == null && REPORTED.add(modelId)) {
            LOG.info("Scoring with DL4J's network.output: the fast forward does not support this network: {}",
                    FastForward.unsupportedReason(network).orElse("?"));
        } else if (fast != null && REPORTED.add(modelId)) {
            LOG.info(fast.batchIndependent()
                    ? "Scoring with the fast forward; each sequence's scores are the same bits in any partitioning"
                    : "Scoring with the fast forward; with another partitioning scores may differ in the last float"
                    + " bits (BLAS sums by batch shape; exact where vectors hold 16 floats and hidden sizes are"
                    + " multiples of 16)");
        }
        if (fast != null && fast.perSequence() != perSequence) {
            throw new IllegalStateException("the model's network has " + (fast.perSequence() ? "one output per sequence"
                    : "one output per step") + " but its metadata says otherwise");
        }
    }

    /** True when the fast forward is used (tests). */
    boolean isFast() {
        return fast != null;
    }

    /**
     * {@code network.output(features, false, mask, null)}: values [batch, outputs, steps] (per
     * step) or [batch, outputs] (per sequence) in C order.
     */
    float[] output(INDArray features, INDArray mask) {
        if (fast == null) {
            return network.output(features, false, mask, null).dup('c').data().asFloat();
        }
        fast.output(features, mask, room(fast.outputLength((int) features.size(0), (int) features.size(2))));
        return values;
    }

    /** Starts a stream of chunks of one long sequence (state cleared). */
    void startStream() {
        if (fast == null) {
            network.rnnClearPreviousState();
        } else {
            fast.rnnClearPreviousState();
        }
    }

    /**
     * The next chunk of the stream ([1, inputs, steps], no padding), state carried: per step the
     * chunk's outputs [outputs, steps]; per sequence the output at the chunk's last step (after the
     * last chunk, the sequence's output).
     */
    float[] nextChunk(INDArray chunk) {
        if (fast != null) {
            fast.rnnTimeStep(chunk, room(fast.outputLength((int) chunk.size(0), (int) chunk.size(2))));
            return values;
        }
        if (!perSequence) {
            return network.rnnTimeStep(chunk).dup('c').data().asFloat();
        }
        INDArray last = lastStepOfChunk(network, chunk);
        return network.getLayer(network.getnLayers() - 1).activate(last, false, LayerWorkspaceMgr.noWorkspaces())
                .dup('c').data().asFloat();
    }

    /** Ends the stream: DL4J's state is cleared so the next minibatch starts fresh. */
    void endStream() {
        startStream();
    }

    private float[] room(int n) {
        if (values.length < n) {
            values = new float[n];
        }
        return values;
    }

    /**
     * Runs one chunk through the recurrent layers with {@code rnnTimeStep} (state carried) and
     * returns the top layer's activation at the chunk's last step. DL4J M2's {@code LastTimeStep}
     * wrapper does not support {@code rnnTimeStep} (it hands the full sequence to the dense output
     * layer), so the per-sequence network is driven layer by layer.
     */
    private static INDArray lastStepOfChunk(MultiLayerNetwork network, INDArray chunk) {
        INDArray x = chunk;
        for (int i = 0; i < network.getnLayers() - 1; i++) {
            Layer layer = network.getLayer(i);
            if (layer instanceof BaseWrapperLayer wrapper) {
                layer = wrapper.getUnderlying();
            }
            x = ((RecurrentLayer) layer).rnnTimeStep(x, LayerWorkspaceMgr.noWorkspaces());
        }
        return x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(x.size(2) - 1)).dup('c');
    }
}
