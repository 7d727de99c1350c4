package dev.sparklstm.score;

import dev.sparklstm.model.ModelFiles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The model of a scoring job, deserialized once per executor JVM from its broadcast bytes. Each
 * task gets its own clone: {@code rnnTimeStep} keeps state in the network and is not thread-safe
 * (PLATFORM-NOTES), and concurrent tasks of one executor must not share it.
 */
final class NetworkCache {
    private static final Map<Long, MultiLayerNetwork> LOADED = new ConcurrentHashMap<>();

    private NetworkCache() {
    }

    /** A private copy of the broadcast model for the calling task. */
    static MultiLayerNetwork forTask(Broadcast<byte[]> model) {
        MultiLayerNetwork template = LOADED.computeIfAbsent(model.id(), id -> ModelFiles.fromBytes(model.value()));
        synchronized (template) {
            return template.clone();
        }
    }
}
