#!/usr/bin/env bash
# Before/after check of the scoring job (issue 3): scores one table with several job jars, one
# process after another in the same order every round (so that machine load hits all sides
# alike), each run in local[2] with a 2 GB driver heap and OMP_NUM_THREADS=1 as jobs/bench.sh does,
# under /usr/bin/time -v, with Spark's event log (per-task executor CPU time) and, with AB_JFR=1, a
# JFR recording of Java and native samples every 4 ms. Prints per run: wall s, process CPU s, load
# averages before/after, the scoring work's Spark time (the validation job of older jars plus the
# predictions write) and its executor CPU time, and the job's printed rows/s; then the medians per
# side, and with AB_JFR=1 the JFR breakdown of every run (jobs/jfr_breakdown.py).
# Usage: jobs/bench-score-ab.sh OUT_DIR ROUNDS TABLE MODEL_DIR LABEL=JAR... [-- SCORE_OPTION...]
#   copy target/spark-lstm-*-job.jar aside before changing the code, e.g.
#   jobs/bench-score-ab.sh /tmp/sab 3 /tmp/t.parquet /tmp/run/model before=/tmp/before.jar after=target/spark-lstm-0.1.0-SNAPSHOT-job.jar
# A run that fails (say, input.bad-rows=fail on a bad table) is reported, not fatal.
# Environment: AB_JFR=1 (record and break down with JFR; needs python3), AB_KEEP=1 (keep outputs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if (($# < 5)); then
  sed -n '2,16p' "$0" >&2
  exit 2
fi
OUT="$1"
ROUNDS="$2"
TABLE="$3"
MODEL="$4"
shift 4
SIDES=()
while (($# > 0)) && [[ "$1" != -- ]]; do
  [[ "$1" == ?*=?* && -f "${1#*=}" ]] || { echo "bench-score-ab.sh: a side is LABEL=JAR (an existing file), got '$1'" >&2; exit 2; }
  SIDES+=("$1")
  shift
done
[[ "${1:-}" == -- ]] && shift
EXTRA=("$@")
mkdir -p "$OUT/events"

JFC="$OUT/sample-4ms.jfc"
if [[ "${AB_JFR:-0}" == 1 ]]; then
  # The JDK's profile settings, with Java and native samples at the same period.
  java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  sed -e '/<event name="jdk.ExecutionSample">/,/<\/event>/ s/[0-9]* ms/4 ms/' \
    -e '/<event name="jdk.NativeMethodSample">/,/<\/event>/ s/[0-9]* ms/4 ms/' \
    "$java_home/lib/jfr/profile.jfc" >"$JFC"
fi

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
wall_seconds() {
  sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" \
    | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }'
}
cpu_seconds() { sed -n 's/.*\(User\|System\) time (seconds): //p' "$1" | awk '{ s += $1 } END { printf "%.1f", s }'; }
# Spark time of the scoring work: older jars' validation job (collect at ScoringRun) + the predictions write.
work_seconds() {
  { grep -E 'Job [0-9]+ finished: (collect at ScoringRun|parquet at ScoringRun)' "$1" || true; } | awk '
    /parquet at ScoringRun/ && !seen { seen = 1; sub(/.*took /, ""); s += $1; next }
    /collect at ScoringRun/ { sub(/.*took /, ""); s += $1 }
    END { printf "%.1f", s }'
}
# Executor CPU time of the same jobs' stages, plus their map stage, from the event log.
work_cpu() {
  python3 - "$1" <<'EOF'
import json, sys
names, cpu = {}, {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("Event") == "SparkListenerStageSubmitted":
        names[e["Stage Info"]["Stage ID"]] = e["Stage Info"]["Stage Name"]
    elif e.get("Event") == "SparkListenerTaskEnd":
        sid = e["Stage ID"]
        cpu[sid] = cpu.get(sid, 0) + (e.get("Task Metrics") or {}).get("Executor CPU Time", 0) / 1e9
writes = sorted(s for s in cpu if names.get(s, "").startswith("parquet at ScoringRun"))
keep = [s for s in cpu if "SequenceSource" in names.get(s, "") or names.get(s, "").startswith("collect at ScoringRun")]
print("%.1f" % sum(cpu[s] for s in keep + writes[:1]))
EOF
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = int((NR + 1) / 2);
  printf "%.1f", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

RESULTS="$OUT/runs.txt"
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for side in "${SIDES[@]}"; do
    label="${side%%=*}"
    jar="${side#*=}"
    name="$label-$round"
    opts="-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2-bench.properties"
    if [[ "${AB_JFR:-0}" == 1 ]]; then
      opts="$opts -XX:StartFlightRecording=filename=$OUT/$name.jfr,settings=$JFC"
    fi
    rm -rf "$OUT/out-$name" "$OUT/events/"*
    before="$(loadavg)"
    echo "$(date +%T) $name (load $before)" >&2
    status=ok
    env SPARK_LSTM_NO_SUBMIT=1 SPARK_LSTM_DRIVER_MEMORY=2g SPARK_LSTM_JOB_JAR="$jar" OMP_NUM_THREADS=1 \
      SPARK_LSTM_JAVA_OPTS="$opts" /usr/bin/time -v -o "$OUT/$name.time" "$ROOT/jobs/score.sh" --master 'local[2]' \
      --model "$MODEL" --input "$TABLE" --output "$OUT/out-$name" --conf spark.eventLog.enabled=true \
      --conf "spark.eventLog.dir=file:$OUT/events" "${EXTRA[@]}" >"$OUT/$name.log" 2>&1 || status=failed
    after="$(loadavg)"
    mv "$(ls -t "$OUT/events/"* | head -n 1)" "$OUT/$name.events"
    [[ "${AB_KEEP:-0}" == 1 ]] || rm -rf "$OUT/out-$name"
    rate="$(sed -n 's/^rows: .*; \([0-9,]*\) rows\/s.*/\1/p' "$OUT/$name.log" | tr -d ,)"
    echo "$label $name $(wall_seconds "$OUT/$name.time") $(cpu_seconds "$OUT/$name.time") $(work_seconds "$OUT/$name.log") \
$(work_cpu "$OUT/$name.events") ${rate:-n/a} $status [$before] [$after]" >>"$RESULTS"
  done
done

{
  echo "| run | wall s | process CPU s | scoring work s (Spark jobs) | scoring work executor CPU s | job rows/s | status | load before | load after |"
  echo "|---|---:|---:|---:|---:|---:|---|---|---|"
  awk '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s %s %s | %s %s %s |\n", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }' "$RESULTS" | tr -d '[]'
  echo
  echo "| side | median wall s | median process CPU s | median scoring work s | median scoring work executor CPU s |"
  echo "|---|---:|---:|---:|---:|"
  for side in "${SIDES[@]}"; do
    label="${side%%=*}"
    col() { awk -v l="$label" -v c="$1" '$1 == l && $8 == "ok" { print $c }' "$RESULTS" | median; }
    echo "| $label | $(col 3) | $(col 4) | $(col 5) | $(col 6) |"
  done
} | tee "$OUT/results.md"
if [[ "${AB_JFR:-0}" == 1 ]]; then
  echo
  recordings=()
  for round in $(seq 1 "$ROUNDS"); do
    for side in "${SIDES[@]}"; do
      if grep -q "^${side%%=*} ${side%%=*}-$round .* ok " "$RESULTS"; then
        recordings+=("$OUT/${side%%=*}-$round.jfr")
      fi
    done
  done
  "$ROOT/jobs/jfr_breakdown.py" "${recordings[@]}" | tee -a "$OUT/results.md"
fi
