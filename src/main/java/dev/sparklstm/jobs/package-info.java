/** spark-submit entry points: argument parsing, exit codes, and a testable {@code run} each. */
package dev.sparklstm.jobs;
