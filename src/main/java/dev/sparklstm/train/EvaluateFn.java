package dev.sparklstm.train;

import dev.sparklstm.model.EvaluationResult;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.model.NativeMemory;
import dev.sparklstm.nn.FastForward;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Evaluates a partition of minibatches with a model shipped as zip bytes, through the fast forward
 * where it supports the network. The model travels as a byte array on purpose: dl4j-spark's own
 * {@code calculateScore} broadcasts the driver's live parameter INDArray, and in local mode
 * Spark's MemoryStore closes AutoCloseable broadcast values when the broadcast is cleaned, which
 * released the driver network's parameters mid-training ("You can't use DataBuffer once it was
 * released").
 */
final class EvaluateFn implements FlatMapFunction<Iterator<DataSet>, EvaluationResult> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> model;
    private final boolean classification;

    EvaluateFn(Broadcast<byte[]> model, boolean classification) {
        this.model = model;
        this.classification = classification;
    }

    @Override
    public Iterator<EvaluationResult> call(Iterator<DataSet> batches) {
        EvaluationResult result = new EvaluationResult(classification);
        if (!batches.hasNext()) {
            return List.of(result).iterator();
        }
        return NativeMemory.guard(() -> {
            MultiLayerNetwork network = ModelFiles.fromBytes(model.value());
            // The fast forward where it supports the network (about 2.5x DL4J's output here), else DL4J's.
            Optional<FastForward> fast = FastForward.forNetwork(network, TaskCores.current());
            while (batches.hasNext()) {
                DataSet batch = batches.next();
                if (fast.isPresent()) {
                    result.add(fast.get(), batch);
                } else {
                    result.add(network, batch);
                }
            }
            return List.of(result).iterator();
        });
    }

    /** Merges partial results. */
    static final class Merge implements Function2<EvaluationResult, EvaluationResult, EvaluationResult> {
        private static final long serialVersionUID = 1L;

        @Override
        public EvaluationResult call(EvaluationResult a, EvaluationResult b) {
            return a.merge(b);
        }
    }
}
