package dev.sparklstm.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputCommitterTest {
    @TempDir
    Path temp;

    private OutputCommitter committer(Path target, boolean overwrite) {
        return new OutputCommitter(new Configuration(), target.toString(), overwrite);
    }

    @Test
    void anOutputThatOverlapsTheInputIsRefused() {
        Path input = temp.resolve("table");
        for (Path output : List.of(input, input.resolve("scores"), temp)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> committer(output, true).checkTarget().checkSeparateFrom("--input", input.toString()));
            assertTrue(error.getMessage().contains("overlaps --input") && error.getMessage().contains("table"),
                    error.getMessage());
        }
        committer(temp.resolve("table-scores"), true).checkSeparateFrom("--input", input.toString());
        committer(temp.resolve("scores"), true).checkSeparateFrom("--input", "file:/elsewhere/table");
    }

    @Test
    void aFailedReplacementPutsThePreviousOutputBack() throws IOException {
        Path target = temp.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("model.zip"), "previous run");
        OutputCommitter committer = committer(target, true).checkTarget();
        // Nothing was staged, so moving the staging directory into place fails after the old output
        // was moved aside.
        assertThrows(UncheckedIOException.class, committer::commit);
        committer.abort();
        assertEquals("previous run", Files.readString(target.resolve("model.zip")));
        try (Stream<Path> siblings = Files.list(temp)) {
            assertEquals(List.of(target), siblings.toList());
        }
    }
}
