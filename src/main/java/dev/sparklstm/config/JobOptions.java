package dev.sparklstm.config;

/** What every job's parsed command line says about how to start: help only, and which Spark master. */
public interface JobOptions {
    /** Whether only the usage text was asked for. */
    boolean help();

    /** The Spark master given on the command line, or null. */
    String master();
}
