package dev.sparklstm.nn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the gate math once per JVM, as Lucene's VectorizationProvider does: the Vector API
 * implementation is loaded reflectively only when the {@code jdk.incubator.vector} module is in
 * the boot layer (the JVM was started with {@code --add-modules jdk.incubator.vector}), so this
 * class and the scalar path never link against the incubator module.
 */
final class GateMathProvider {
    private static final Logger LOG = LoggerFactory.getLogger(GateMathProvider.class);
    static final GateMath INSTANCE = choose();

    private GateMathProvider() {
    }

    private static GateMath choose() {
        if (!Boolean.parseBoolean(System.getProperty(GateMath.VECTOR_PROPERTY, "true"))) {
            LOG.info("Fused LSTM gate math: scalar ({}=false)", GateMath.VECTOR_PROPERTY);
            return new ScalarGateMath();
        }
        GateMath vector = vectorOrNull();
        if (vector == null) {
            LOG.info("Fused LSTM gate math: scalar (start the JVM with --add-modules jdk.incubator.vector to vectorize)");
            return new ScalarGateMath();
        }
        LOG.info("Fused LSTM gate math: {}", vector.name());
        return vector;
    }

    /** The Vector API implementation, or null when the module is absent or cannot be linked. */
    static GateMath vectorOrNull() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (GateMath) Class.forName("dev.sparklstm.nn.VectorGateMath")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("Vector API present but the vectorized gate math failed to load; using scalar", e);
            return null;
        }
    }
}
