package dev.sparklstm.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedFileSystemTest {
    @TempDir
    java.nio.file.Path dir;

    private static Configuration sharedDefault() {
        Configuration conf = new Configuration(false);
        conf.set(SharedFileSystem.IMPL_KEY, SharedFileSystem.class.getName());
        conf.set("fs.defaultFS", SharedFileSystem.SCHEME + ":///");
        // A fresh instance, not one cached by another test.
        conf.setBoolean("fs." + SharedFileSystem.SCHEME + ".impl.disable.cache", true);
        return conf;
    }

    @Test
    void pathsWithoutASchemeAreTheSameLocalFilesUnderTheSharedScheme() throws IOException {
        FileSystem fs = FileSystem.get(sharedDefault());
        assertEquals(SharedFileSystem.SCHEME, fs.getUri().getScheme());
        Path plain = new Path(dir.resolve("a/b.txt").toString());
        try (OutputStream out = fs.create(plain)) {
            out.write("written".getBytes(StandardCharsets.UTF_8));
        }
        // The file is where the local path says, and no .crc file was written beside it.
        assertEquals("written", Files.readString(dir.resolve("a/b.txt")));
        try (Stream<java.nio.file.Path> files = Files.list(dir.resolve("a"))) {
            assertEquals(List.of("b.txt"), files.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        }
        FileStatus[] listed = fs.listStatus(new Path(dir.resolve("a").toString()));
        assertEquals(1, listed.length);
        assertEquals(new Path(SharedFileSystem.SCHEME + "://" + dir.resolve("a/b.txt")), listed[0].getPath());
        assertEquals(7, listed[0].getLen());
        // Hadoop's own local statuses fail here: they read permissions through a file: URI.
        assertEquals(Files.getOwner(dir.resolve("a/b.txt")).getName(), listed[0].getOwner());
        assertEquals(fs.getFileStatus(plain).getPermission(), listed[0].getPermission());
        assertEquals("rw", listed[0].getPermission().getUserAction().SYMBOL.substring(0, 2));
        assertTrue(fs.getFileStatus(new Path(dir.resolve("a").toString())).isDirectory());
        // The listing Spark's Hadoop input formats use (it reads the permissions).
        var located = fs.listLocatedStatus(new Path(dir.resolve("a").toString()));
        assertTrue(located.hasNext());
        assertEquals(listed[0].getPermission(), located.next().getPermission());

        // The qualified path names the same file; renames and deletes act on the local files.
        Path qualified = fs.makeQualified(plain);
        assertEquals(SharedFileSystem.SCHEME, qualified.toUri().getScheme());
        Path moved = new Path(SharedFileSystem.SCHEME + "://" + dir.resolve("c.txt"));
        assertTrue(fs.rename(qualified, moved));
        assertFalse(Files.exists(dir.resolve("a/b.txt")));
        byte[] read = new byte[7];
        try (var in = fs.open(moved)) {
            in.readFully(read);
        }
        assertArrayEquals("written".getBytes(StandardCharsets.UTF_8), read);
        assertTrue(fs.delete(new Path(dir.toString()), true));
        assertFalse(Files.exists(dir));
    }

    @Test
    void aPathWithTheSchemeFindsTheClassThroughTheSetting() throws IOException {
        Configuration conf = new Configuration(false);
        conf.set(SharedFileSystem.IMPL_KEY, SharedFileSystem.class.getName());
        Path path = new Path(SharedFileSystem.SCHEME + "://" + dir.resolve("x"));
        FileSystem fs = path.getFileSystem(conf);
        assertTrue(fs instanceof SharedFileSystem, fs.getClass().getName());
        assertTrue(fs.mkdirs(path));
        assertTrue(Files.isDirectory(dir.resolve("x")));
    }
}
