package dev.sparklstm.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklstm.config.ConfigKey;
import dev.sparklstm.io.ModelDirectory;
import dev.sparklstm.model.ModelFiles;
import dev.sparklstm.model.ModelMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * End-of-epoch checkpoints of a training run, so that a run whose driver died resumes instead of
 * starting over. Each checkpoint is a directory {@code epoch-NNNNNN/} holding a model directory
 * ({@code model.zip} with the updater state, {@code metadata.json} with the preprocessing, counts
 * and SHA-256) and {@code metrics.json} (every epoch so far). It is written under a hidden
 * temporary name and renamed into place, so a checkpoint that exists is complete; reading checks
 * the SHA-256 and the metrics again and passes over any checkpoint that fails, so a torn or
 * corrupted one is never used. The two newest checkpoints are kept, the directory is removed once
 * the run's output is committed.
 */
final class Checkpoints {
    static final String METRICS_FILE = "metrics.json";
    private static final String PREFIX = "epoch-";
    /** Settings that may change between a run and its resumption: they do not change what is learned. */
    private static final Set<String> MAY_CHANGE = Set.of(ConfigKey.TRAIN_EPOCHS.key(), ConfigKey.TRAIN_WORKERS.key(),
            ConfigKey.TRAIN_PARTITIONS.key(), ConfigKey.TRAIN_APPROACH.key(), ConfigKey.TRAIN_EXPORT_DIR.key(),
            ConfigKey.TRAIN_CHECKPOINT_DIR.key());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path dir;
    private final PrintStream console;

    private Checkpoints(FileSystem fs, Path dir, PrintStream console) {
        this.fs = fs;
        this.dir = dir;
        this.console = console;
    }

    /**
     * The checkpoints of the run writing {@code output}: in {@code configured} when not empty, else
     * in {@code .NAME.checkpoints} next to the output.
     */
    static Checkpoints of(Configuration hadoopConf, String output, String configured, PrintStream console) {
        try {
            Path target = new Path(output);
            FileSystem fs = target.getFileSystem(hadoopConf);
            target = fs.makeQualified(target);
            Path dir = configured.isEmpty()
                    ? new Path(target.getParent(), "." + target.getName() + ".checkpoints")
                    : fs.makeQualified(new Path(configured));
            return new Checkpoints(dir.getFileSystem(hadoopConf), dir, console);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of checkpoints for " + output, e);
        }
    }

    /** A complete, verified checkpoint. */
    record Checkpoint(String location, int epoch, ModelMetadata metadata, byte[] model, List<EpochMetrics> epochs) {
    }

    /** Where the checkpoints live. */
    Path location() {
        return dir;
    }

    /** The newest checkpoint that reads back whole, if any; a damaged one is reported and passed over. */
    Optional<Checkpoint> latest() {
        for (Path candidate : epochDirectories()) {
            try {
                return Optional.of(read(candidate));
            } catch (RuntimeException e) {
                console.printf("ignoring damaged checkpoint %s: %s%n", candidate, e.getMessage());
            }
        }
        return Optional.empty();
    }

    private Checkpoint read(Path path) {
        int epoch = epochOf(path.getName());
        ModelDirectory model = ModelDirectory.read(fs.getConf(), path.toString());
        List<EpochMetrics> epochs;
        try (InputStream in = fs.open(new Path(path, METRICS_FILE))) {
            epochs = JSON.readValue(in, new TypeReference<List<EpochMetrics>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(METRICS_FILE + " cannot be read: " + e.getMessage(), e);
        }
        for (int i = 0; i < epochs.size(); i++) {
            if (epochs.get(i).epoch() != i + 1) {
                throw new IllegalArgumentException(METRICS_FILE + " lists epoch " + epochs.get(i).epoch()
                        + " at position " + (i + 1));
            }
        }
        if (epochs.size() != epoch) {
            throw new IllegalArgumentException(METRICS_FILE + " has " + epochs.size() + " epochs, expected " + epoch);
        }
        return new Checkpoint(path.toString(), epoch, model.metadata(), model.model(), List.copyOf(epochs));
    }

    /**
     * Writes the checkpoint of the last epoch in {@code epochs}: model and metadata with its SHA-256,
     * and the metrics, under a temporary name that is renamed into place once complete. Then removes
     * all but the two newest checkpoints.
     */
    void write(byte[] model, ModelMetadata metadata, List<EpochMetrics> epochs) {
        int epoch = epochs.get(epochs.size() - 1).epoch();
        Path target = new Path(dir, name(epoch));
        Path temporary = new Path(dir, "." + name(epoch) + ".tmp-" + UUID.randomUUID());
        try {
            fs.mkdirs(dir);
            write(new Path(temporary, ModelFiles.MODEL_FILE), model);
            write(new Path(temporary, ModelFiles.METADATA_FILE), metadata.toJson().getBytes(StandardCharsets.UTF_8));
            write(new Path(temporary, METRICS_FILE), JSON.writeValueAsBytes(epochs));
            if (fs.exists(target)) {
                fs.delete(target, true); // left by an earlier attempt that got this far
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("rename of " + temporary + " to " + target + " failed");
            }
            List<Path> complete = epochDirectories();
            for (Path old : complete.subList(Math.min(2, complete.size()), complete.size())) {
                fs.delete(old, true);
            }
            for (FileStatus status : fs.listStatus(dir)) {
                if (status.getPath().getName().startsWith(".") && !status.getPath().equals(temporary)) {
                    fs.delete(status.getPath(), true); // temporary directories of killed runs
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target, e);
        } finally {
            try {
                fs.delete(temporary, true);
            } catch (IOException ignored) {
                // the rename moved it, or the error above says what failed
            }
        }
    }

    /** Removes every checkpoint; called once the run's output is in place. */
    void deleteAll() {
        try {
            fs.delete(dir, true);
        } catch (IOException e) {
            console.printf("could not remove checkpoints %s: %s%n", dir, e.getMessage());
        }
    }

    /**
     * The settings of this run that differ from those the checkpoint was written with, as
     * {@code key: then -> now}; settings that do not change what is learned (epochs, workers,
     * partitions, approach, directories) may differ.
     */
    static List<String> incompatibleSettings(Map<String, String> then, Map<String, String> now) {
        Map<String, String> sorted = new TreeMap<>(now);
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> entry : sorted.entrySet()) {
            String key = entry.getKey();
            String before = then.get(key);
            if (!MAY_CHANGE.contains(key) && !key.startsWith("score.") && !entry.getValue().equals(before)) {
                differences.add(key + ": " + (before == null ? "(not set)" : before) + " -> " + entry.getValue());
            }
        }
        return differences;
    }

    private List<Path> epochDirectories() {
        try {
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<Path> paths = new ArrayList<>();
            for (FileStatus status : fs.listStatus(dir)) {
                if (status.isDirectory() && epochOf(status.getPath().getName()) > 0) {
                    paths.add(status.getPath());
                }
            }
            paths.sort(Comparator.comparingInt((Path p) -> epochOf(p.getName())).reversed());
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
        }
    }

    private void write(Path path, byte[] bytes) throws IOException {
        try (OutputStream out = fs.create(path, false)) {
            out.write(bytes);
        }
    }

    private static String name(int epoch) {
        return String.format(Locale.ROOT, PREFIX + "%06d", epoch);
    }

    /** The epoch of a checkpoint directory name, or 0 when the name is not one. */
    private static int epochOf(String name) {
        if (!name.startsWith(PREFIX) || name.length() != PREFIX.length() + 6) {
            return 0;
        }
        try {
            return Integer.parseInt(name.substring(PREFIX.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
