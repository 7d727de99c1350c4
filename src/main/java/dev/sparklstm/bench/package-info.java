/**
 * Benchmarks that run without Spark, as the reference figures for the Spark jobs (see
 * BENCHMARKS.md and jobs/bench.sh): {@link dev.sparklstm.bench.InferenceBenchmark} times plain
 * DL4J {@code output()} on in-memory minibatches of the scorer's shape, and
 * {@link dev.sparklstm.bench.TrainingBenchmark} times plain single-JVM {@code network.fit} on the
 * minibatches the training job would build; {@link dev.sparklstm.bench.LstmSpeedBenchmark} times
 * issue 8's LSTM workloads for each LSTM implementation next to the OpenBLAS sgemm rate (with
 * jobs/lstm_speed.py for PyTorch, both run by jobs/bench-speed.sh). All print medians over
 * repetitions after a warm-up;
 * compare them only with figures measured in the same run on the same machine.
 *
 * <p>Report helpers of jobs/bench-adding.sh (LSTM vs plain RNN on the adding problem), also
 * Spark-free: {@link dev.sparklstm.bench.RegressionErrors} (test MSE and a constant baseline from
 * the scoring job's predictions), {@link dev.sparklstm.bench.LossCurvePlot} (per-epoch loss
 * curves from the training job's metrics, as a PNG) and {@link dev.sparklstm.bench.ParquetColumns}.
 */
package dev.sparklstm.bench;
