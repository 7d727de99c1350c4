package dev.sparklstm.train;

import dev.sparklstm.nn.FastTrainer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker of {@link FastTrainingMaster}: dl4j-spark's parameter-averaging worker with
 * {@code processMinibatch} training through {@link FastTrainer} when the network is supported
 * (falling back to {@code network.fit}, logged once per JVM, when not). Made only without hooks,
 * listeners and statistics, so the stock method's hook and statistics calls have nothing to do.
 */
final class FastTrainingWorker extends ParameterAveragingTrainingWorker {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FastTrainingWorker.class);
    private static final AtomicBoolean LOGGED_FALLBACK = new AtomicBoolean();
    /** Minibatches this JVM trained through the fast path (for tests and logs). */
    static final AtomicLong FAST_MINIBATCHES = new AtomicLong();
    /** The most threads (spark.task.cpus) a fast trainer of this JVM split minibatches over (tests). */
    static final AtomicInteger MAX_THREADS = new AtomicInteger();

    /** The network the cached trainer belongs to: a new one arrives with every averaging round. */
    private transient MultiLayerNetwork trainedNetwork;
    private transient Optional<FastTrainer> trainer;
    /** The round's broadcast, on the driver (the superclass keeps it private). */
    private final transient Broadcast<NetBroadcastTuple> roundBroadcast;

    FastTrainingWorker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration configuration) {
        super(broadcast, saveUpdater, configuration, null, null, null);
        roundBroadcast = broadcast;
    }

    /** On the driver, once the round's results are in: frees its parameters on the executors. */
    void destroyBroadcast() {
        roundBroadcast.destroy();
    }

    @Override
    public ParameterAveragingTrainingResult processMinibatch(DataSet dataSet, MultiLayerNetwork network,
                                                             boolean isLast) {
        if (network != trainedNetwork) {
            trainedNetwork = network;
            trainer = FastTrainer.forNetwork(network, TaskCores.current());
            trainer.ifPresent(t -> MAX_THREADS.accumulateAndGet(t.threads(), Math::max));
            if (trainer.isEmpty() && LOGGED_FALLBACK.compareAndSet(false, true)) {
                LOG.info("fast training step not supported for this network, workers use MultiLayerNetwork.fit: {}",
                        FastTrainer.unsupportedReason(network).orElse("?"));
            }
        }
        if (trainer.isEmpty()) {
            return super.processMinibatch(dataSet, network, isLast);
        }
        trainer.get().fit(dataSet);
        FAST_MINIBATCHES.incrementAndGet();
        Nd4j.getExecutioner().commit();
        return isLast ? getFinalResult(network) : null;
    }
}
