#!/usr/bin/env bash
# LSTM vs plain RNN on the adding problem through the project's own jobs (issue 5; see BENCHMARKS.md):
#   1. for each sequence length T, generates a training table and a separate test table of adding
#      sequences of exactly T steps (jobs/generate.sh, different seeds);
#   2. trains each cell (model.cell=lstm|rnn) with jobs/train.sh on the training table with the same
#      settings (hidden size, epochs, batch, averaging, learning rate, seed, clipping): Spark
#      parameter averaging in local[2], per-epoch validation MSE in the run's metrics/;
#   3. scores the test table with each model (jobs/score.sh) and computes the test MSE, and the MSE
#      of always predicting 1.0 on the same test rows, from predictions/ (RegressionErrors);
#   4. writes a markdown table (WORK/results.md) and a PNG of the per-epoch validation MSE, one panel
#      per T, one line per cell (LossCurvePlot).
# Usage: jobs/bench-adding.sh    (the published run 2: 19 minutes on a quiet 2-core machine; see BENCHMARKS.md)
#   ADDING_PLOT=docs/adding-lstm-vs-rnn.png jobs/bench-adding.sh   # the published plot
# Environment (all optional):
#   BENCH_DIR                  work directory (default: a new /tmp/spark-lstm-adding.XXXXXX)
#   ADDING_LENGTHS             sequence lengths T (default "50 100 200")
#   ADDING_CELLS               cells to compare (default "lstm rnn")
#   ADDING_TRAIN_SEQUENCES     sequences of each training table (default 2000; 10% validation)
#   ADDING_TEST_SEQUENCES      sequences of each test table (default 1000)
#   ADDING_TRAIN_SEED, ADDING_TEST_SEED  generator seeds (default 1 and 2)
#   ADDING_EPOCHS              train.epochs (default 15; run 1 in BENCHMARKS.md used 5)
#   ADDING_HIDDEN              model.layers, one recurrent layer (default 64)
#   ADDING_BATCH               train.batch-size (default 16)
#   ADDING_AVERAGING           train.averaging-frequency (default 4)
#   ADDING_LR                  model.learning-rate, Adam (default 0.01)
#   ADDING_MODEL_SEED          model.seed (default 42)
#   ADDING_CLIPPING            model.clipping-threshold, l2-norm clipping per layer (default 1.0)
#   ADDING_PLOT                where to write the PNG (default WORK/adding-lstm-vs-rnn.png)
#   BENCH_KEEP=1               keep the generated tables and outputs (default: delete them, keep logs and metrics)
#   BENCH_REPORT_ONLY=1        only write the table and the plot again from BENCH_DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$ROOT/jobs"
WORK="${BENCH_DIR:-$(mktemp -d /tmp/spark-lstm-adding.XXXXXX)}"
LENGTHS="${ADDING_LENGTHS:-50 100 200}"
CELLS="${ADDING_CELLS:-lstm rnn}"
TRAIN_SEQUENCES="${ADDING_TRAIN_SEQUENCES:-2000}"
TEST_SEQUENCES="${ADDING_TEST_SEQUENCES:-1000}"
TRAIN_SEED="${ADDING_TRAIN_SEED:-1}"
TEST_SEED="${ADDING_TEST_SEED:-2}"
EPOCHS="${ADDING_EPOCHS:-15}"
HIDDEN="${ADDING_HIDDEN:-64}"
BATCH="${ADDING_BATCH:-16}"
AVERAGING="${ADDING_AVERAGING:-4}"
LR="${ADDING_LR:-0.01}"
MODEL_SEED="${ADDING_MODEL_SEED:-42}"
CLIPPING="${ADDING_CLIPPING:-1.0}"
PLOT="${ADDING_PLOT:-$WORK/adding-lstm-vs-rnn.png}"
VALIDATION_FRACTION=0.1
MASTER="local[2]"
mkdir -p "$WORK/logs" "$WORK/metrics"
LOGS="$WORK/logs"
RESULTS="$WORK/results.md"

# One JVM per step, launched by jobs/launch.sh with plain java (OMP_NUM_THREADS=1 by default there).
export SPARK_LSTM_NO_SUBMIT=1
export SPARK_LSTM_DRIVER_MEMORY="${SPARK_LSTM_DRIVER_MEMORY:-2g}"

cleanup() {
  if [[ "${BENCH_KEEP:-0}" != "1" ]]; then
    rm -rf "$WORK"/data "$WORK"/out
  fi
}
trap cleanup EXIT
mkdir -p "$WORK/data" "$WORK/out"

load1() { cut -d' ' -f1 /proc/loadavg; }

# step NAME CMD...: runs CMD with its output in LOGS/NAME.log and its wall seconds in LOGS/NAME.seconds;
# shows the log's tail and stops if the command fails.
step() {
  local name="$1"
  shift
  echo "$(date +%T) $name (load $(load1))" >&2
  echo "$name load_before=$(load1)" >>"$LOGS/load.txt"
  local start end
  start=$(date +%s.%N)
  if ! "$@" >"$LOGS/$name.log" 2>&1; then
    echo "bench-adding.sh: step $name failed; last lines of $LOGS/$name.log:" >&2
    tail -n 30 "$LOGS/$name.log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }' >"$LOGS/$name.seconds"
  echo "$name load_after=$(load1)" >>"$LOGS/load.txt"
}

"$JOBS/generate.sh" --help >/dev/null # builds the job jar first if it is stale (untimed)
if [[ "${BENCH_REPORT_ONLY:-0}" != "1" ]]; then
  date -u +%Y-%m-%dT%H:%M:%SZ >"$LOGS/started.txt"
  for T in $LENGTHS; do
    step "generate-train-$T" "$JOBS/generate.sh" --kind adding --sequences "$TRAIN_SEQUENCES" --min-length "$T" \
      --max-length "$T" --seed "$TRAIN_SEED" --master "$MASTER" --output "$WORK/data/train-$T.parquet"
    step "generate-test-$T" "$JOBS/generate.sh" --kind adding --sequences "$TEST_SEQUENCES" --min-length "$T" \
      --max-length "$T" --seed "$TEST_SEED" --master "$MASTER" --output "$WORK/data/test-$T.parquet"
    for cell in $CELLS; do
      run="$T-$cell"
      step "train-$run" "$JOBS/train.sh" --config "$ROOT/conf/adding-regression.properties" \
        --input "$WORK/data/train-$T.parquet" --output "$WORK/out/train-$run" --master "$MASTER" \
        --set "model.cell=$cell" --set "model.layers=$HIDDEN" --set model.updater=adam \
        --set "model.learning-rate=$LR" --set "model.seed=$MODEL_SEED" --set model.clipping=l2-norm \
        --set "model.clipping-threshold=$CLIPPING" --set model.tbptt-length=0 --set "train.epochs=$EPOCHS" \
        --set "train.batch-size=$BATCH" --set "train.averaging-frequency=$AVERAGING" \
        --set "train.validation-fraction=$VALIDATION_FRACTION" --set train.workers=2
      rm -rf "$WORK/metrics/$run"
      cp -r "$WORK/out/train-$run/metrics" "$WORK/metrics/$run" # small; kept for BENCH_REPORT_ONLY
      step "score-$run" "$JOBS/score.sh" --model "$WORK/out/train-$run/model" --input "$WORK/data/test-$T.parquet" \
        --output "$WORK/out/score-$run" --master "$MASTER"
      step "errors-$run" "$JOBS/launch.sh" dev.sparklstm.bench.RegressionErrors \
        --predictions "$WORK/out/score-$run/predictions" --label target --constant 1.0
      rm -rf "$WORK/out/score-$run/predictions" # keep the disk use flat; the errors are in the log
    done
    rm -rf "$WORK/data/train-$T.parquet" "$WORK/data/test-$T.parquet"
  done
  date -u +%Y-%m-%dT%H:%M:%SZ >"$LOGS/finished.txt"
fi

# The plot: validation MSE per epoch, one panel per T, one line per cell.
# Runs that did not finish (e.g. a stopped benchmark) are left out of the plot and marked in the table.
curves=()
for T in $LENGTHS; do
  for cell in $CELLS; do
    if [[ -d "$WORK/metrics/$T-$cell" ]]; then
      curves+=(--curve "T = $T" "$cell" "$WORK/metrics/$T-$cell")
    fi
  done
done
[[ ${#curves[@]} -gt 0 ]] || { echo "bench-adding.sh: no finished run in $WORK/metrics" >&2; exit 1; }
mkdir -p "$(dirname "$PLOT")"
"$JOBS/launch.sh" dev.sparklstm.bench.LossCurvePlot --output "$PLOT" \
  --title "Adding problem, LSTM vs plain RNN: validation MSE per epoch (hidden $HIDDEN, Adam $LR, batch $BATCH)" \
  --column validation_loss --y-label "validation MSE (log scale)" \
  --line "predict 1.0 (MSE 1/6)=0.16667" --line "target 0.01=0.01" "${curves[@]}" 2>&1 | grep '^wrote' || true
[[ -f "$PLOT" ]] || { echo "bench-adding.sh: the plot was not written" >&2; exit 1; }

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1" | head -n 1; } # FILE KEY: value of KEY=value in a line
last_epoch_figure() { # LOG COLUMN-TEXT: the figure after TEXT on the last "epoch n/N" line
  grep '^epoch [0-9]*/' "$1" | tail -n 1 | sed -n "s/.*  $2 \([0-9.]*\).*/\1/p"
}
{
  echo "## Results ($(cat "$LOGS/started.txt" 2>/dev/null || echo '?') to $(cat "$LOGS/finished.txt" 2>/dev/null || echo '?'))"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB RAM; $(java -version 2>&1 | head -n 1)"
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "- data: $TRAIN_SEQUENCES training sequences (seed $TRAIN_SEED; ${VALIDATION_FRACTION} held out for validation) and $TEST_SEQUENCES test sequences (seed $TEST_SEED) of exactly T steps per T"
  echo "- training: one $HIDDEN-unit layer (model.cell), Adam $LR, l2-norm clipping $CLIPPING, full BPTT, batch $BATCH, $EPOCHS epochs, 2 workers averaging every $AVERAGING minibatches, model.seed $MODEL_SEED, master $MASTER"
  echo
  echo "| T | cell | test MSE | test RMSE | predict 1.0: test MSE | last validation MSE | first epoch with validation MSE < 0.01 | train wall s | score wall s |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  for T in $LENGTHS; do
    for cell in $CELLS; do
      run="$T-$cell"
      errors="$LOGS/errors-$run.log"
      if [[ ! -f "$errors" ]]; then
        echo "| $T | $cell | not finished | | | | | | |"
        continue
      fi
      first=$(grep '^epoch [0-9]*/' "$LOGS/train-$run.log" \
        | awk '{ for (i = 1; i < NF; i++) if ($i == "val" && $(i + 1) == "loss") { if ($(i + 2) + 0 < 0.01) { split($2, e, "/"); print e[1]; exit } } }')
      echo "| $T | $cell | $(field "$errors" mse) | $(field "$errors" rmse) | $(field "$errors" constant_mse) | $(last_epoch_figure "$LOGS/train-$run.log" 'val loss') | ${first:--} | $(cat "$LOGS/train-$run.seconds") | $(cat "$LOGS/score-$run.seconds") |"
    done
  done
  echo
  echo "Plot: $PLOT"
  echo
  echo "Load average (1 min) before/after each step, from /proc/loadavg ($(nproc) cores; above $(nproc) means other work"
  echo "shared the CPUs):"
  echo
  echo '```'
  awk '{ split($2, kv, "="); v[$1] = v[$1] " " kv[1] "=" kv[2]; if (!($1 in seen)) { order[++n] = $1; seen[$1] = 1 } }
    END { for (i = 1; i <= n; i++) print order[i] ":" v[order[i]] }' "$LOGS/load.txt"
  echo '```'
} >"$RESULTS"
cat "$RESULTS"
echo
echo "logs, metrics and results in $WORK"
