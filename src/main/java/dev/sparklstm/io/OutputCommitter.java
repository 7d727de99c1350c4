package dev.sparklstm.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Makes a run's output appear all at once or not at all. Everything is written under a hidden
 * staging directory next to the target (same file system, so the final step is a rename); only
 * {@link #commit()} moves it into place. An existing target is an error unless overwriting was
 * asked for, and then it is replaced only after the new output is complete.
 */
public final class OutputCommitter {
    private final FileSystem fs;
    private final Path target;
    private final Path staging;
    private final boolean overwrite;
    private boolean committed;
    /** Set when commit found the target taken: the staged output is then kept for the user. */
    private boolean keepStaging;

    public OutputCommitter(Configuration hadoopConf, String target, boolean overwrite) {
        try {
            Path path = new Path(target);
            this.fs = path.getFileSystem(hadoopConf);
            // No .crc side files next to the model and config on the local file system.
            this.fs.setWriteChecksum(false);
            this.target = fs.makeQualified(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of output " + target, e);
        }
        this.overwrite = overwrite;
        this.staging = new Path(this.target.getParent(),
                "." + this.target.getName() + ".staging-" + UUID.randomUUID());
    }

    /** Fails when the target exists and overwriting was not asked for. Call before any work. */
    public OutputCommitter checkTarget() {
        try {
            if (fs.exists(target) && !overwrite) {
                throw new IllegalArgumentException("output " + target + " already exists; choose another --output "
                        + "or pass --overwrite to replace it");
            }
            if (fs.exists(target) && fs.getFileStatus(target).isFile()) {
                throw new IllegalArgumentException("output " + target + " is a file, not a directory");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + target, e);
        }
        return this;
    }

    /**
     * Fails when the output and another path of the run (its input, its model) are the same
     * directory or one holds the other, so that {@code --overwrite} can never replace what the run
     * reads. Call before any work.
     *
     * @param what the role of the other path, for the message ("--input")
     */
    public OutputCommitter checkSeparateFrom(String what, String path) {
        Path other;
        try {
            other = fs.makeQualified(new Path(path));
        } catch (IllegalArgumentException e) {
            return this; // on another file system ("Wrong FS"): cannot overlap this output
        }
        if (contains(target, other) || contains(other, target)) {
            throw new IllegalArgumentException("output " + target + " overlaps " + what + " " + other
                    + ": a run never writes where it reads; choose another --output");
        }
        return this;
    }

    private static boolean contains(Path dir, Path path) {
        for (Path p = path; p != null; p = p.getParent()) {
            if (p.equals(dir)) {
                return true;
            }
        }
        return false;
    }

    /** The final location. */
    public Path target() {
        return target;
    }

    /** The staging directory itself, for a writer that fills the whole output. */
    public String stagingPath() {
        return staging.toString();
    }

    /** A path inside the staging directory, for writers such as Spark's Parquet writer. */
    public String stagingPath(String relative) {
        return new Path(staging, relative).toString();
    }

    /** Writes a small file (model, metadata, config) into the staging directory. */
    public void writeBytes(String relative, byte[] bytes) {
        try (OutputStream out = fs.create(new Path(staging, relative), false)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + relative + " under " + staging, e);
        }
    }

    /** Moves the staged output into place, replacing an existing target only when allowed. */
    public void commit() {
        try {
            Path old = null;
            if (fs.exists(target)) {
                if (!overwrite) {
                    keepStaging = true;
                    throw new IllegalStateException("output " + target + " appeared while the job ran; "
                            + "the new output is left in " + staging);
                }
                old = new Path(target.getParent(), "." + target.getName() + ".replaced-" + UUID.randomUUID());
                rename(target, old);
            }
            try {
                rename(staging, target);
            } catch (IOException e) {
                if (old != null) {
                    rename(old, target); // put the previous output back
                }
                throw e;
            }
            committed = true;
            if (old != null) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + staging + " to " + target, e);
        }
    }

    /**
     * Removes the staging directory unless the output was committed, or commit kept it because the
     * target appeared meanwhile (its error message points there). Safe to call more than once.
     */
    public void abort() {
        if (committed || keepStaging) {
            return;
        }
        try {
            fs.delete(staging, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove staging directory " + staging, e);
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename of " + from + " to " + to + " failed");
        }
    }
}
