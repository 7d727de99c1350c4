package dev.sparklstm.train;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dl4j-spark parameter averaging whose workers train each minibatch with
 * {@link dev.sparklstm.nn.FastTrainer} (same parameters and updater state as {@code network.fit},
 * much faster) when the network is supported, and with {@code network.fit} otherwise. Everything
 * else (splits, averaging of parameters and updater state, results) is dl4j-spark's.
 *
 * <p>Made from a configured {@link ParameterAveragingTrainingMaster.Builder} through the master's
 * protected {@code ParameterAveragingTrainingMaster(Builder)} constructor (M2's Builder has only
 * public constructors and its {@code build()} returns the stock class). With training hooks,
 * listeners or training statistics the stock worker is used (its hook, listener and statistics
 * fields are private), with a log line.
 */
public final class FastTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final Logger LOG = LoggerFactory.getLogger(FastTrainingMaster.class);
    private static final AtomicBoolean LOGGED_STOCK = new AtomicBoolean();

    /** A master with every setting of {@code builder}. */
    public FastTrainingMaster(ParameterAveragingTrainingMaster.Builder builder) {
        super(builder);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkDl4jMultiLayer network) {
        boolean hooks = trainingHookList != null && !trainingHookList.isEmpty();
        boolean withListeners = listeners != null && !listeners.isEmpty();
        if (hooks || withListeners || collectTrainingStats) {
            if (LOGGED_STOCK.compareAndSet(false, true)) {
                LOG.info("fast training step off: training hooks, listeners or statistics are configured; workers use"
                        + " MultiLayerNetwork.fit");
            }
            return super.getWorkerInstance(network);
        }
        // As ParameterAveragingTrainingMaster.getWorkerInstance does (M2), with our worker class.
        MultiLayerNetwork net = network.getNetwork();
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getLayerWiseConfigurations(), net.params(),
                net.getUpdater().getStateViewArray());
        Broadcast<NetBroadcastTuple> broadcast = network.getSparkContext().broadcast(tuple);
        WorkerConfiguration configuration = new WorkerConfiguration(false, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        return new FastTrainingWorker(broadcast, saveUpdater, configuration);
    }
}
