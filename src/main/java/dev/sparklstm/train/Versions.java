package dev.sparklstm.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Library versions recorded in model metadata, from a resource that Maven fills in at build time. */
final class Versions {
    private Versions() {
    }

    static Map<String, String> all(String sparkRuntimeVersion) {
        Properties build = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("/spark-lstm-build.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spark-lstm-build.properties", e);
        }
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("spark-lstm", build.getProperty("spark-lstm.version", "unknown"));
        versions.put("spark", sparkRuntimeVersion);
        versions.put("spark-build", build.getProperty("spark.version", "unknown"));
        versions.put("dl4j", build.getProperty("dl4j.version", "unknown"));
        versions.put("java", System.getProperty("java.version"));
        return versions;
    }
}
