#!/usr/bin/env bash
# Spark training next to single-JVM training (issue 8; see BENCHMARKS.md): the training job
# (jobs/train.sh, parameter averaging in local[2]) and TrainingBenchmark (the same network, data
# and training step in one JVM, one thread), alternately, for each averaging frequency.
#   1. generates the training table once (jobs/generate.sh --kind sensor, lengths 20..60, seed 7);
#   2. per round and averaging frequency: the Spark job (BENCH_EPOCHS epochs, validation fraction
#      0.2), then the single JVM (1 warm-up + BENCH_EPOCHS - 1 timed epochs on all sequences);
#   3. prints, per frequency, the Spark job's fit steps/s (median of epochs 2.., all rounds), its
#      epoch-loop steps/s (fit + per-epoch evaluation), its last validation accuracy, the single
#      JVM's steps/s (median of all timed epochs) and the ratio (also in WORK/results.md).
# Steps are real (unpadded) sequence steps; the Spark job counts its training split only.
# Usage: jobs/bench-train.sh
# Environment (all optional):
#   BENCH_SEQUENCES   sequences of the training table (default 20000)
#   BENCH_EPOCHS      epochs per Spark run (default 8; with 4 the job was still warming up, BENCHMARKS.md)
#   BENCH_FREQS       averaging frequencies (default 50, the job's train.averaging-frequency)
#   BENCH_ROUNDS      alternations (default 2)
#   BENCH_DIR         work directory (default: a new /tmp/spark-lstm-train.XXXXXX)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEQUENCES="${BENCH_SEQUENCES:-20000}"
EPOCHS="${BENCH_EPOCHS:-8}"
FREQS="${BENCH_FREQS:-50}"
ROUNDS="${BENCH_ROUNDS:-2}"
WORK="${BENCH_DIR:-$(mktemp -d /tmp/spark-lstm-train.XXXXXX)}"
LOGS="$WORK/logs"
TABLE="$WORK/train-$SEQUENCES.parquet"
mkdir -p "$LOGS"
export SPARK_LSTM_NO_SUBMIT=1

load1() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = int((NR + 1) / 2);
  printf "%.0f", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

"$ROOT/jobs/generate.sh" --help >/dev/null # builds the job jar first if it is stale (untimed)
if [[ ! -d "$TABLE" ]]; then
  "$ROOT/jobs/generate.sh" --kind sensor --sequences "$SEQUENCES" --min-length 20 --max-length 60 --seed 7 \
    --master 'local[2]' --output "$TABLE" >"$LOGS/generate.log" 2>&1
fi

for ((round = 1; round <= ROUNDS; round++)); do
  for freq in $FREQS; do
    echo "$(date +%T) round $round: spark, averaging every $freq (load $(load1))" >&2
    rm -rf "$WORK/out"
    "$ROOT/jobs/train.sh" --master 'local[2]' --input "$TABLE" --output "$WORK/out" \
      --set "train.epochs=$EPOCHS" --set train.validation-fraction=0.2 \
      --set "train.averaging-frequency=$freq" >"$LOGS/spark-$freq-$round.log" 2>&1
    echo "$(date +%T) round $round: single JVM (load $(load1))" >&2
    "$ROOT/jobs/launch.sh" dev.sparklstm.bench.TrainingBenchmark --sequences "$SEQUENCES" --min-length 20 \
      --max-length 60 --seed 7 --warmup 1 --epochs "$((EPOCHS - 1))" >"$LOGS/single-$freq-$round.log" 2>&1
  done
done
rm -rf "$WORK/out"

{
  echo "## Spark training vs single JVM ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores; $SEQUENCES sequences, $EPOCHS epochs, $ROUNDS rounds"
  echo
  echo "| averaging every | Spark fit steps/s (median, epochs 2..) | Spark epoch loop steps/s | last val accuracy (per round) | single-JVM steps/s (median) | Spark fit / single JVM |"
  echo "|---:|---:|---:|---|---:|---:|"
  for freq in $FREQS; do
    fit=$(cat "$LOGS"/spark-"$freq"-*.log | sed -n 's/^epoch \([0-9]*\)\/[0-9]* .*  \([0-9,]*\) steps\/s .*/\1 \2/p' \
      | awk '$1 > 1 { gsub(",", "", $2); print $2 }' | median)
    loop=$(for f in "$LOGS"/spark-"$freq"-*.log; do
      steps=$(sed -n 's/.* training (\([0-9]*\) steps).*/\1/p' "$f" | head -n 1)
      secs=$(sed -n 's/^epoch [0-9]*\/[0-9]* .*elapsed \([0-9:]*\) .*/\1/p' "$f" | tail -n 1 \
        | awk -F: '{ print $1 * 3600 + $2 * 60 + $3 }')
      awk -v s="$steps" -v t="$secs" -v e="$EPOCHS" 'BEGIN { if (t > 0) printf "%.0f\n", s * e / t }'
    done | median)
    acc=$(for f in "$LOGS"/spark-"$freq"-*.log; do
      sed -n 's/^epoch .*val accuracy \([0-9.]*\).*/\1/p' "$f" | tail -n 1; done | paste -sd/)
    single=$(cat "$LOGS"/single-"$freq"-*.log | sed -n 's/^epoch [0-9]*: .* \([0-9,]*\) steps\/s.*/\1/p' \
      | tr -d , | median)
    echo "| $freq | $fit | $loop | $acc | $single | $(awk -v a="$fit" -v b="$single" 'BEGIN { printf "%.2f", a / b }') |"
  done
} | tee "$WORK/results.md"
