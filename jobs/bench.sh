#!/usr/bin/env bash
# Benchmarks of the scoring and training jobs against plain DL4J in one JVM (see BENCHMARKS.md):
#   1. generates sensor tables of 50-step sequences (1M and 10M rows by default);
#   2. trains a small model on the bundled sample (jobs/train.sh, 2 epochs);
#   3. scores each table with jobs/score.sh in local[2] with a 2 GB driver heap, under
#      /usr/bin/time -v (wall time, CPU time, peak RSS) and a GC log (largest heap after a
#      collection); score.partitions is left at 0 (automatic: at most 500,000 rows per partition),
#      and the largest table is also scored with score.partitions=2, the fixed default of earlier
#      versions, to show that memory follows the rows per partition;
#   4. times the scoring forward (the fast forward, else DL4J output()) and DL4J output() on in-memory
#      minibatches of the same shape (InferenceBenchmark);
#   5. trains with jobs/train.sh and in one JVM with the same training step (TrainingBenchmark) on the same table;
#   6. prints a table of rows/s, steps/s, peak memory and ratios (also written to WORK/results.md).
# Steps 3-5 run once per OpenMP thread setting in BENCH_THREADS ("default": OMP_NUM_THREADS unset,
# ND4J then uses all cores in every calling thread; "1": OMP_NUM_THREADS=1).
# Usage: jobs/bench.sh    (about 20 minutes on a 2-core machine)
# Environment (all optional):
#   BENCH_DIR                work directory (default: a new /tmp/spark-lstm-bench.XXXXXX)
#   BENCH_SIZES              scoring table sizes in sequences of 50 steps (default "20000 200000")
#   BENCH_THREADS            OpenMP settings to compare (default "default 1")
#   BENCH_PARTITIONED        OpenMP settings with the extra 2-partition run of the largest table (default "1")
#   BENCH_TRAIN_SEQUENCES    sequences of the training table, lengths 20..60 (default 2000)
#   BENCH_TRAIN_EPOCHS       epochs of the Spark training run; single JVM: 1 warm-up + the rest (default 4)
#   BENCH_KEEP=1             keep the generated tables and outputs (default: delete them, keep the logs)
#   BENCH_REPORT_ONLY=1      only print the table again from the logs in BENCH_DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$ROOT/jobs"
WORK="${BENCH_DIR:-$(mktemp -d /tmp/spark-lstm-bench.XXXXXX)}"
SIZES="${BENCH_SIZES:-20000 200000}"
THREADS="${BENCH_THREADS:-default 1}"
PARTITIONED="${BENCH_PARTITIONED:-1}"
TRAIN_SEQUENCES="${BENCH_TRAIN_SEQUENCES:-2000}"
TRAIN_EPOCHS="${BENCH_TRAIN_EPOCHS:-4}"
LENGTH=50
MASTER="local[2]"
HEAP=2g
mkdir -p "$WORK/logs"
LOGS="$WORK/logs"
RESULTS="$WORK/results.md"

# One JVM per step, launched by jobs/launch.sh with plain java, so /usr/bin/time sees the whole job.
export SPARK_LSTM_NO_SUBMIT=1
export SPARK_LSTM_DRIVER_MEMORY="$HEAP"
BENCH_LOG4J="-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2-bench.properties"

if ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "bench.sh: GNU time (/usr/bin/time -v) is missing; installing the Debian package 'time' with apt-get" >&2
  apt-get install -y -q time >&2 || { echo "bench.sh: cannot install 'time'; install it and rerun" >&2; exit 1; }
fi

cleanup() {
  if [[ "${BENCH_KEEP:-0}" != "1" ]]; then
    rm -rf "$WORK"/data "$WORK"/out
  fi
}
trap cleanup EXIT
mkdir -p "$WORK/data" "$WORK/out"

load1() { cut -d' ' -f1 /proc/loadavg; }

# step NAME THREADS JAVA_OPTS CMD...: runs CMD with the OpenMP thread setting and extra JVM options
# (SPARK_LSTM_JAVA_OPTS), output in LOGS/NAME.log, GNU time report in LOGS/NAME.time; shows the
# log's tail and stops if the command fails.
step() {
  local name="$1" threads="$2" opts="$3"
  shift 3
  local -a env_cmd=(env -u OMP_NUM_THREADS "SPARK_LSTM_JAVA_OPTS=$opts")
  if [[ "$threads" != "default" ]]; then
    env_cmd=(env "OMP_NUM_THREADS=$threads" "SPARK_LSTM_JAVA_OPTS=$opts")
  fi
  echo "$(date +%T) $name (load $(load1))" >&2
  echo "$name load_before=$(load1)" >>"$LOGS/load.txt"
  if ! "${env_cmd[@]}" /usr/bin/time -v -o "$LOGS/$name.time" "$@" >"$LOGS/$name.log" 2>&1; then
    echo "bench.sh: step $name failed; last lines of $LOGS/$name.log:" >&2
    tail -n 30 "$LOGS/$name.log" >&2
    exit 1
  fi
  echo "$name load_after=$(load1)" >>"$LOGS/load.txt"
}

wall_seconds() { # from a GNU time report: "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34"
  sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" \
    | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }'
}
cpu_seconds() { # user + system CPU time of a GNU time report
  sed -n 's/.*\(User\|System\) time (seconds): //p' "$1" | awk '{ s += $1 } END { printf "%.1f", s }'
}
cpu_percent() { sed -n 's/.*Percent of CPU this job got: //p' "$1"; }
peak_rss_mb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" | awk '{ printf "%.0f", $1 / 1024 }'; }
max_heap_after_gc_mb() { # from -Xlog:gc lines "... 512M->96M(2048M) ..."
  { grep -o '[0-9]*[KMG]->[0-9]*[KMG](' "$1" || true; } | sed 's/.*->//; s/(//' \
    | awk '/K$/ { v = $0 + 0; v /= 1024 } /M$/ { v = $0 + 0 } /G$/ { v = ($0 + 0) * 1024 } v > m { m = v } END { printf "%.0f", m }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = int((NR + 1) / 2);
  printf "%.0f", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
sum_job_seconds() { # LOG PATTERN: sum of Spark's "Job N finished: PATTERN ..., took X s"
  { grep "Job [0-9]* finished: $2" "$1" || true; } | sed 's/.*took \([0-9.]*\) s.*/\1/' | awk '{ s += $1 } END { printf "%.1f", s }'
}

"$JOBS/generate.sh" --help >/dev/null # builds the job jar first if it is stale (untimed)
if [[ "${BENCH_REPORT_ONLY:-0}" != "1" ]]; then

# 1. Tables.
for seqs in $SIZES; do
  step "generate-$seqs" default "" "$JOBS/generate.sh" --kind sensor --sequences "$seqs" --min-length "$LENGTH" \
    --max-length "$LENGTH" --seed 11 --master "$MASTER" --output "$WORK/data/sensor-$seqs.parquet"
done
step generate-train default "" "$JOBS/generate.sh" --kind sensor --sequences "$TRAIN_SEQUENCES" --min-length 20 \
  --max-length 60 --seed 7 --master "$MASTER" --output "$WORK/data/train.parquet"

# 2. The model that is scored.
step train-model default "" "$JOBS/train.sh" --master "$MASTER" --output "$WORK/out/model-run" --set train.epochs=2
MODEL="$WORK/out/model-run/model"

# 3.-5. Scoring, pure inference and training, once per thread setting.
for threads in $THREADS; do
  for seqs in $SIZES; do
    step "score-$threads-$seqs" "$threads" "$BENCH_LOG4J -Xlog:gc:file=$LOGS/score-$threads-$seqs.gc" \
      "$JOBS/score.sh" --master "$MASTER" --model "$MODEL" \
      --input "$WORK/data/sensor-$seqs.parquet" --output "$WORK/out/scores-$threads-$seqs"
    rm -rf "$WORK/out/scores-$threads-$seqs" # keep the disk use flat; the summary is in the log
  done
  if [[ " $PARTITIONED " == *" $threads "* ]]; then
    largest="${SIZES##* }"
    parts=2
    name="score-$threads-$largest-p$parts"
    step "$name" "$threads" "$BENCH_LOG4J -Xlog:gc:file=$LOGS/$name.gc" "$JOBS/score.sh" --master "$MASTER" \
      --model "$MODEL" --input "$WORK/data/sensor-$largest.parquet" --output "$WORK/out/$name" \
      --set "score.partitions=$parts"
    rm -rf "$WORK/out/$name"
  fi
  step "inference-$threads" "$threads" "" "$JOBS/launch.sh" dev.sparklstm.bench.InferenceBenchmark --model "$MODEL" \
    --length "$LENGTH" --batch-size 256 --threads 1,2
  step "train-spark-$threads" "$threads" "" "$JOBS/train.sh" --master "$MASTER" --input "$WORK/data/train.parquet" \
    --output "$WORK/out/train-$threads" --set "train.epochs=$TRAIN_EPOCHS" --set train.validation-fraction=0
  step "train-single-$threads" "$threads" "" "$JOBS/launch.sh" dev.sparklstm.bench.TrainingBenchmark \
    --sequences "$TRAIN_SEQUENCES" --min-length 20 --max-length 60 --seed 7 --warmup 1 \
    --epochs "$((TRAIN_EPOCHS - 1))"
done

fi

# 6. The table.
rm -f "$LOGS/score-rates.txt" "$LOGS/inference-best.txt"
{
  echo "## Results ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB RAM; $(java -version 2>&1 | head -n 1)"
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "- Spark master $MASTER, driver heap $HEAP (SPARK_LSTM_DRIVER_MEMORY), jobs launched with plain java by jobs/launch.sh"
  echo "- model: $(grep -o 'training \[[0-9, ]*\]' "$LOGS/train-model.log" | head -n 1 | sed 's/training //') LSTM, trained 2 epochs on the bundled sample; sequences of $LENGTH steps, score.batch-size 256"
  echo
  echo "### Scoring (jobs/score.sh) and pure inference (InferenceBenchmark)"
  echo
  echo "| OMP threads | rows | score.partitions | wall s | scoring pass s | validation pass s | rest s | job rows/s (scoring pass) | end-to-end rows/s | CPU % | CPU s per 1M rows | peak RSS MB | max heap after GC MB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for run in $(for threads in $THREADS; do
      (cd "$LOGS" && ls "score-$threads-"*.time | sed 's/\.time$//' | sort -t- -k3,3n -k4,4)
    done); do
    log="$LOGS/$run.log"
    threads=$(echo "$run" | cut -d- -f2)
    seqs=$(echo "$run" | cut -d- -f3)
    parts=$(echo "$run" | cut -s -d- -f4 | tr -d p)
    rows=$(sed -n 's/^rows: \([0-9]*\) input.*/\1/p' "$log")
    rate=$(sed -n 's/^rows: .*; \([0-9,]*\) rows\/s.*/\1/p' "$log" | tr -d ,)
    wall=$(wall_seconds "$LOGS/$run.time")
    cpu=$(cpu_seconds "$LOGS/$run.time")
    pass=$(awk -v r="$rows" -v q="$rate" 'BEGIN { printf "%.1f", r / q }')
    validation=$(sum_job_seconds "$log" "collect[A-Za-z]* at ScoringRun")
    rest=$(awk -v w="$wall" -v p="$pass" -v v="$validation" 'BEGIN { printf "%.1f", w - p - v }')
    e2e=$(awk -v r="$rows" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')
    cpu_per_mrow=$(awk -v r="$rows" -v c="$cpu" 'BEGIN { printf "%.1f", c / (r / 1e6) }')
    echo "| $threads | $rows | ${parts:-0 (auto)} | $wall | $pass | $validation | $rest | $rate | $e2e | $(cpu_percent "$LOGS/$run.time") | $cpu_per_mrow | $(peak_rss_mb "$LOGS/$run.time") | $(max_heap_after_gc_mb "$LOGS/$run.gc") |"
    if [[ -z "$parts" ]]; then
      echo "$threads $rows $rate $e2e $cpu_per_mrow" >>"$LOGS/score-rates.txt"
    fi
  done
  echo
  echo "| OMP threads | output() 1 thread rows/s | output() 2 threads rows/s | encode+output+copy 1 thread | encode+output+copy 2 threads | output() CPU s per 1M rows (1 / 2 threads) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for threads in $THREADS; do
    log="$LOGS/inference-$threads.log"
    fig() { sed -n "s/^inference $1 threads=$2 rows_per_s=\([0-9]*\).*/\1/p" "$log"; }
    cpufig() { sed -n "s/^inference $1 threads=$2 .*cpu_s_per_mrow=\([0-9.]*\).*/\1/p" "$log"; }
    echo "| $threads | $(fig output 1) | $(fig output 2) | $(fig 'encode+output+copy' 1) | $(fig 'encode+output+copy' 2) | $(cpufig output 1) / $(cpufig output 2) |"
    best=$(printf '%s\n%s\n' "$(fig output 1)" "$(fig output 2)" | sort -g | tail -n 1)
    cheapest=$(printf '%s\n%s\n' "$(cpufig output 1)" "$(cpufig output 2)" | sort -g | head -n 1)
    echo "$threads $best $cheapest" >>"$LOGS/inference-best.txt"
  done
  echo
  echo "Scoring as a fraction of pure inference (same OMP setting; rows/s against the faster of output() with 1 or 2"
  echo "threads; CPU time per row of output() alone, the cheaper of 1 or 2 threads, against the whole scoring job's):"
  echo
  echo "| OMP threads | rows | scoring pass rows/s / inference | end-to-end rows/s / inference | inference CPU per row / job CPU per row |"
  echo "|---|---:|---:|---:|---:|"
  while read -r threads rows rate e2e cpu_per_mrow; do
    best=$(awk -v t="$threads" '$1 == t { print $2 }' "$LOGS/inference-best.txt")
    cheapest=$(awk -v t="$threads" '$1 == t { print $3 }' "$LOGS/inference-best.txt")
    echo "| $threads | $rows | $(ratio "$rate" "$best") | $(ratio "$e2e" "$best") | $(ratio "$cheapest" "$cpu_per_mrow") |"
  done <"$LOGS/score-rates.txt"
  echo
  echo "### Training: jobs/train.sh (parameter averaging, local[2]) vs the same training step in one JVM (TrainingBenchmark)"
  echo
  echo "| OMP threads | train steps | Spark fit steps/s (median, epochs 2..$TRAIN_EPOCHS) | Spark epoch loop steps/s (incl. evaluation, all epochs) | Spark wall s, CPU % | single-JVM fit steps/s (median of $((TRAIN_EPOCHS - 1))) | single-JVM CPU % | Spark fit / single JVM |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for threads in $THREADS; do
    log="$LOGS/train-spark-$threads.log"
    steps=$(sed -n 's/.* training (\([0-9]*\) steps).*/\1/p' "$log" | head -n 1)
    spark=$(grep '^epoch [0-9]*/' "$log" | awk 'NR > 1' | sed 's/.*  \([0-9,]*\) steps\/s.*/\1/' | tr -d , | median)
    elapsed=$(grep '^epoch [0-9]*/' "$log" | tail -n 1 | sed 's/.*elapsed \([0-9:]*\).*/\1/' \
      | awk -F: '{ print $1 * 3600 + $2 * 60 + $3 }')
    loop=$(awk -v s="$steps" -v e="$TRAIN_EPOCHS" -v t="$elapsed" 'BEGIN { printf "%.0f", s * e / t }')
    single=$(sed -n 's/^training single-jvm steps_per_s=\([0-9]*\).*/\1/p' "$LOGS/train-single-$threads.log")
    echo "| $threads | $steps | $spark | $loop | $(wall_seconds "$LOGS/train-spark-$threads.time"), $(cpu_percent "$LOGS/train-spark-$threads.time") | $single | $(cpu_percent "$LOGS/train-single-$threads.time") | $(ratio "$spark" "$single") |"
  done
  echo
  echo "Load average (1 min) before/after each step, from /proc/loadavg ($(nproc) cores; above $(nproc) means other work"
  echo "shared the CPUs; a job's CPU % well below its thread count says the same):"
  echo
  echo '```'
  awk '{ split($2, kv, "="); v[$1] = v[$1] " " kv[1] "=" kv[2]; if (!($1 in seen)) { order[++n] = $1; seen[$1] = 1 } }
    END { for (i = 1; i <= n; i++) print order[i] ":" v[order[i]] }' "$LOGS/load.txt"
  echo '```'
} >"$RESULTS"
cat "$RESULTS"
echo
echo "logs and results in $WORK"
