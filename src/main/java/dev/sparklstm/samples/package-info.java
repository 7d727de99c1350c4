/**
 * Synthetic sequence data for examples, tests and benchmarks, Spark-free.
 *
 * <p>{@link dev.sparklstm.samples.SampleGenerator} makes every sequence a pure function of a seed
 * and the sequence index, so a Spark job ({@code dev.sparklstm.jobs.GenerateSamplesJob}) can
 * generate tables of any size in parallel, and re-running it gives identical data. The bundled
 * samples in {@code data-samples/} were made that way; their README gives the commands.
 */
package dev.sparklstm.samples;
