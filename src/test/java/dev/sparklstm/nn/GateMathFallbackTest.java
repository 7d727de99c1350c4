package dev.sparklstm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The runtime choice of gate math in fresh JVMs: vectorized with {@code --add-modules
 * jdk.incubator.vector}, scalar without the module (executors started without the option must
 * still work), and scalar when {@code -Dsparklstm.vector=false} forces it.
 */
class GateMathFallbackTest {
    @Test
    void vectorWithTheModuleScalarWithoutItOrWhenForced() throws Exception {
        assertTrue(choice("--add-modules", "jdk.incubator.vector").startsWith("vector"));
        assertEquals("scalar", choice());
        assertEquals("scalar", choice("--add-modules", "jdk.incubator.vector", "-D" + GateMath.VECTOR_PROPERTY + "=false"));
    }

    private static String choice(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PrintGateMath.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, process.exitValue(), output);
        for (String line : output.split("\n")) {
            if (line.startsWith("GATE_MATH=")) {
                return line.substring("GATE_MATH=".length()).strip();
            }
        }
        throw new AssertionError("no GATE_MATH line in: " + output);
    }
}
