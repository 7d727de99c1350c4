#!/usr/bin/env bash
# Before/after speed check (issue 8): the Java LSTM benchmark (dev.sparklstm.bench.LstmSpeedBenchmark,
# impl lstm) from several job jars, and optionally PyTorch (jobs/lstm_speed.py), each side with its
# own OPENBLAS_CORETYPE if asked, run one process after another in a rotating order per round, so
# that machine load hits all sides alike. Prints the median seq-steps/s per side and figure, by
# wall time and by the main thread's CPU time (the CPUSAMPLE lines: steadier on a loaded machine),
# and the ratio to the side named "pytorch". jobs/bench-speed.sh is the full Java-vs-PyTorch table;
# this script answers "did this change make the Java side faster" and "which OpenBLAS kernels".
# Usage: jobs/bench-speed-ab.sh OUT_DIR ROUNDS WORKLOADS MODES SIDE...
#   SIDE is LABEL=JAR for a Java job jar (copy target/spark-lstm-*-job.jar aside before changing the
#   code), or LABEL=- for PyTorch (LABEL must start with "pytorch"); either may end in @CORETYPE to
#   run that side with OPENBLAS_CORETYPE=CORETYPE (Java sides without one get OpenBLAS's own CPU
#   detection: SPARK_LSTM_OPENBLAS_CORETYPE=none).
# Example: jobs/bench-speed-ab.sh /tmp/ab 4 B train before=/tmp/before.jar after=target/spark-lstm-0.1.0-SNAPSHOT-job.jar pytorch=-
# Environment: AB_TRAIN_BATCHES (default 10), AB_INFER_CALLS (3), AB_WARMUP (1), AB_REPEATS (3),
# OMP_NUM_THREADS (1, both sides). PyTorch needs Debian's python3-torch (jobs/bench-speed.sh installs it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if (($# < 5)); then
  sed -n '2,20p' "$0" >&2
  exit 2
fi
OUT="$1"
ROUNDS="$2"
WORKLOADS="$3"
MODES="$4"
shift 4
SIDES=("$@")
mkdir -p "$OUT"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export OPENBLAS_VERBOSE=2
unset OPENBLAS_CORETYPE
COMMON=(--workloads "$WORKLOADS" --modes "$MODES" --warmup "${AB_WARMUP:-1}" --repeats "${AB_REPEATS:-3}"
  --train-batches "${AB_TRAIN_BATCHES:-10}" --infer-calls "${AB_INFER_CALLS:-3}")
for side in "${SIDES[@]}"; do
  [[ "$side" == ?*=?* ]] || { echo "bench-speed-ab.sh: a side is LABEL=JAR or LABEL=-, got '$side'" >&2; exit 2; }
  jar="${side#*=}"
  jar="${jar%@*}"
  [[ "$jar" == - || -f "$jar" ]] || { echo "bench-speed-ab.sh: no such jar: $jar" >&2; exit 2; }
done

n=${#SIDES[@]}
for ((round = 1; round <= ROUNDS; round++)); do
  for ((i = 0; i < n; i++)); do
    side="${SIDES[$(((i + round) % n))]}"
    label="${side%%=*}"
    jar="${side#*=}"
    core=""
    if [[ "$jar" == *@* ]]; then
      core="${jar#*@}"
      jar="${jar%@*}"
    fi
    log="$OUT/$label-$round.log"
    echo "$(date -u +%T) round $round: $label${core:+ (OPENBLAS_CORETYPE=$core)}, load $(cut -d' ' -f1 /proc/loadavg)" \
      | tee -a "$OUT/load.txt" >&2
    if [[ "$jar" == - ]]; then
      env ${core:+OPENBLAS_CORETYPE="$core"} LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 "$ROOT/jobs/lstm_speed.py" "${COMMON[@]}" --threads "$OMP_NUM_THREADS" >"$log" 2>&1
    else
      env ${core:+OPENBLAS_CORETYPE="$core"} SPARK_LSTM_OPENBLAS_CORETYPE="${core:-none}" SPARK_LSTM_JOB_JAR="$jar" \
        SPARK_LSTM_NO_SUBMIT=1 SPARK_LSTM_DRIVER_MEMORY=4g "$ROOT/jobs/launch.sh" dev.sparklstm.bench.LstmSpeedBenchmark \
        --impls lstm "${COMMON[@]}" >"$log" 2>&1
    fi || { echo "bench-speed-ab.sh: $label failed; last lines of $log:" >&2; tail -n 20 "$log" >&2; exit 1; }
  done
done

python3 - "$OUT" <<'EOF' | tee "$OUT/results.txt"
import glob, os, re, statistics, sys
out = sys.argv[1]
samples, rounds, cores = {}, {}, {}
for path in sorted(glob.glob(os.path.join(out, "*-*.log"))):
    label, rnd = re.match(r".*/(.+)-(\d+)\.log$", path).groups()
    for line in open(path, errors="replace"):
        if line.startswith("Core:"):
            cores.setdefault(label, set()).add(line.split(":", 1)[1].strip())
        kind = line.split()[1] if line.startswith("SPEED ") else ""
        if kind not in ("SAMPLE", "CPUSAMPLE"):
            continue
        f = dict(kv.split("=", 1) for kv in line.split()[2:])
        fig = "sgemm" if f["mode"] == "sgemm" else f["workload"] + " " + f["mode"]
        key = (fig, "cpu" if kind == "CPUSAMPLE" else "wall", label)
        samples.setdefault(key, []).append(float(f["value"]))
        rounds.setdefault(key + (rnd,), []).append(float(f["value"]))
labels = sorted({k[2] for k in samples})
print(f"seq-steps/s (sgemm: GFLOP/s), median of all timed repetitions; ratio to pytorch [per-round range]")
for fig in sorted({k[0] for k in samples}):
    for clock in ("wall", "cpu"):
        for label in labels:
            v = samples.get((fig, clock, label))
            if not v:
                continue
            m = statistics.median(v)
            text = f"{fig:8s} {clock:4s} {label:14s} {m:11.1f} (n={len(v)}, {min(v):.0f}..{max(v):.0f})"
            ref = samples.get((fig, clock, "pytorch"))
            if ref and label != "pytorch" and fig != "sgemm":
                per = [statistics.median(rounds[(fig, clock, label, r)]) / statistics.median(rounds[(fig, clock, "pytorch", r)])
                       for (fg, c, l, r) in rounds if (fg, c, l) == (fig, clock, label) and (fig, clock, "pytorch", r) in rounds]
                text += f"  {m / statistics.median(ref):.2f}x pytorch [{min(per):.2f}..{max(per):.2f}]"
            print(text)
print("OpenBLAS cores: " + "; ".join(f"{l}: {', '.join(sorted(c))}" for l, c in sorted(cores.items())))
EOF
echo "load average (1 min) at each start: $(awk '{print $NF}' "$OUT/load.txt" | tr '\n' ' ')" | tee -a "$OUT/results.txt"
