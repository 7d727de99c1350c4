package dev.sparklstm.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The model file: a plain DL4J {@link ModelSerializer} zip with the updater state, so both this
 * project and plain DL4J can load it, plus its SHA-256 for the metadata.
 */
public final class ModelFiles {
    /** File name of the model zip inside {@code model/}. */
    public static final String MODEL_FILE = "model.zip";
    /** File name of the metadata inside {@code model/}. */
    public static final String METADATA_FILE = "metadata.json";

    private ModelFiles() {
    }

    /** Serializes a network (with updater state) to the bytes of a model zip. */
    public static byte[] toBytes(MultiLayerNetwork network) {
        return toBytes(network, true);
    }

    /** Serializes a network to the bytes of a model zip, with or without its updater state. */
    public static byte[] toBytes(MultiLayerNetwork network, boolean withUpdater) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(network, out, withUpdater);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the model", e);
        }
        return out.toByteArray();
    }

    /** Loads a network from model zip bytes, with its updater state. */
    public static MultiLayerNetwork fromBytes(byte[] bytes) {
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), true);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("model file is not a loadable DL4J model zip: " + e.getMessage(), e);
        }
    }

    /** Lower-case hex SHA-256 of some bytes. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
