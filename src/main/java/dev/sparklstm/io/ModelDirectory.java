package dev.sparklstm.io;

import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.model.ModelMetadata;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A model directory written by training ({@code model/} inside a run's output, or the run output
 * itself), read from any Hadoop file system. Reading checks the model file against the SHA-256 in
 * the metadata, so a corrupted or truncated file is refused before any work.
 *
 * @param location the directory holding {@code model.zip} and {@code metadata.json}
 * @param metadata the parsed metadata
 * @param model    the verified model zip bytes
 */
public record ModelDirectory(String location, ModelMetadata metadata, byte[] model) {

    /** Reads and verifies a model directory; accepts a training output directory too. */
    public static ModelDirectory read(Configuration hadoopConf, String location) {
        try {
            Path dir = new Path(location);
            FileSystem fs = dir.getFileSystem(hadoopConf);
            if (!fs.exists(new Path(dir, ModelFiles.METADATA_FILE)) && fs.exists(new Path(dir, "model"))) {
                dir = new Path(dir, "model");
            }
            Path metadataPath = new Path(dir, ModelFiles.METADATA_FILE);
            Path modelPath = new Path(dir, ModelFiles.MODEL_FILE);
            if (!fs.exists(metadataPath) || !fs.exists(modelPath)) {
                throw new IllegalArgumentException("--model " + location + " is not a spark-lstm model directory: "
                        + "expected " + ModelFiles.METADATA_FILE + " and " + ModelFiles.MODEL_FILE + " in it (or in its "
                        + "model/ subdirectory)");
            }
            ModelMetadata metadata = ModelMetadata.fromJson(new String(readAll(fs, metadataPath),
                    StandardCharsets.UTF_8));
            byte[] model = readAll(fs, modelPath);
            String actual = ModelFiles.sha256(model);
            if (!actual.equals(metadata.modelSha256())) {
                throw new IllegalArgumentException("model file " + modelPath + " is corrupted or truncated: its SHA-256 "
                        + "is " + actual + " but " + ModelFiles.METADATA_FILE + " expects " + metadata.modelSha256());
            }
            return new ModelDirectory(dir.toString(), metadata, model);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("--model " + location + " cannot be read: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model directory " + location, e);
        }
    }

    private static byte[] readAll(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }
}
