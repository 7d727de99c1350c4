package dev.sparklstm.io;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local file system under the scheme {@value #SCHEME}, for a directory that every node of a
 * cluster mounts at the same path (NFS, a shared volume).
 *
 * <p>dl4j-spark's export training approach ({@code train.approach=export}) refuses to run on a
 * cluster whose default Hadoop file system is {@code file}, because a local path is usually not
 * shared between nodes. When it is, making this the default file system
 * ({@code --conf spark.hadoop.fs.defaultFS=sharedfile:///}) says so: paths without a scheme then
 * resolve to the same local files as before, under this scheme. The jobs register the scheme
 * ({@link #IMPL_KEY}) on the driver and, through Spark's {@code spark.hadoop.*} settings, on every
 * executor.
 *
 * <p>Unlike Hadoop's {@code file} scheme it writes no {@code .crc} checksum files. File statuses
 * carry their permissions, owner and group read at once: Hadoop's local statuses read them later
 * through a {@code file:} URI of their path, which this scheme's paths are not.
 */
public class SharedFileSystem extends RawLocalFileSystem {
    /** The URI scheme. */
    public static final String SCHEME = "sharedfile";
    /** The Hadoop setting that maps {@value #SCHEME} to this class. */
    public static final String IMPL_KEY = "fs." + SCHEME + ".impl";
    private static final URI ROOT = URI.create(SCHEME + ":///");

    @Override
    public URI getUri() {
        return ROOT;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return withPermissions(super.getFileStatus(f), true);
    }

    @Override
    public FileStatus getFileLinkStatus(Path f) throws IOException {
        return withPermissions(super.getFileLinkStatus(f), false);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        FileStatus[] statuses = super.listStatus(f);
        for (int i = 0; i < statuses.length; i++) {
            statuses[i] = withPermissions(statuses[i], true);
        }
        return statuses;
    }

    private FileStatus withPermissions(FileStatus status, boolean followLinks) throws IOException {
        java.nio.file.Path file = pathToFile(status.getPath()).toPath();
        PosixFileAttributes attributes = followLinks ? Files.readAttributes(file, PosixFileAttributes.class)
                : Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        FsPermission permission = FsPermission.valueOf(
                (status.isDirectory() ? "d" : "-") + PosixFilePermissions.toString(attributes.permissions()));
        return new FileStatus(status.getLen(), status.isDirectory(), status.getReplication(), status.getBlockSize(),
                status.getModificationTime(), status.getAccessTime(), permission, attributes.owner().getName(),
                attributes.group().getName(), status.isSymlink() ? status.getSymlink() : null, status.getPath());
    }
}
