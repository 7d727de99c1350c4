package dev.sparklstm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparklstm.config.TrainingSpec.Approach;
import dev.sparklstm.io.SharedFileSystem;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** The check that refuses dl4j-spark's export approach where it would fail, before any work. */
class ExportApproachCheckTest {
    private static Configuration withDefaultFs(String uri) {
        Configuration conf = new Configuration(false);
        conf.set(SharedFileSystem.IMPL_KEY, SharedFileSystem.class.getName());
        conf.set("fs.defaultFS", uri);
        return conf;
    }

    @Test
    void exportOnAClusterWithTheLocalDefaultFileSystemIsRefusedNamingTheSettings() {
        Optional<String> problem = TrainingRun.exportProblem(Approach.EXPORT, "spark://host:7077",
                withDefaultFs("file:///"));
        assertTrue(problem.isPresent());
        String message = problem.get();
        for (String expected : new String[] {"train.approach=export", "file:///", "spark://host:7077",
                "train.approach=direct", "spark.hadoop.fs.defaultFS", "train.export-dir", "sharedfile:///"}) {
            assertTrue(message.contains(expected), "message without " + expected + ": " + message);
        }
    }

    @Test
    void exportRunsInLocalModeOrOnASharedDefaultFileSystem() {
        assertEquals(Optional.empty(), TrainingRun.exportProblem(Approach.EXPORT, "local[2]", withDefaultFs("file:///")));
        assertEquals(Optional.empty(), TrainingRun.exportProblem(Approach.EXPORT, "spark://host:7077",
                withDefaultFs(SharedFileSystem.SCHEME + ":///")));
        // dl4j-spark only knows local, local[N] and local[*] as local masters.
        assertTrue(TrainingRun.exportProblem(Approach.EXPORT, "local[2,3]", withDefaultFs("file:///")).isPresent());
    }

    @Test
    void theDirectApproachRunsAnywhere() {
        assertEquals(Optional.empty(), TrainingRun.exportProblem(Approach.DIRECT, "spark://host:7077",
                withDefaultFs("file:///")));
    }
}
