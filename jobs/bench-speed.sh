#!/usr/bin/env bash
# LSTM speed vs PyTorch (issue 8; see BENCHMARKS.md): training and inference of workloads A
# (hidden 32) and B (hidden 256) for every LSTM implementation of the project
# (dev.sparklstm.bench.LstmSpeedBenchmark: model.cell=lstm, the fused default, and dl4j-lstm) and
# for PyTorch (jobs/lstm_speed.py), plus the OpenBLAS sgemm rate and workload B's fraction of it.
#   1. installs Debian's python3-torch and libopenblas0-openmp with apt-get if missing (together:
#      alone, python3-torch's libblas.so.3 dependency can be met by the slow reference BLAS);
#   2. runs PyTorch with Debian's /usr/bin/python3 and LD_LIBRARY_PATH pointing at the OpenMP
#      OpenBLAS (checked: the script stops unless that libblas.so.3 is the one mapped);
#   3. runs the Java and the Python benchmark alternately, BENCH_ROUNDS times each (who goes first
#      alternates too), with the same OMP_NUM_THREADS, so machine load hits both alike;
#   4. prints a table of seq-steps/s (medians of all timed repetitions of all rounds), the ratios
#      to PyTorch, the sgemm rates and B's fraction (also written to WORK/results.md).
# Usage: jobs/bench-speed.sh
# Environment (all optional):
#   BENCH_ROUNDS            Java/Python alternations (default 3)
#   BENCH_WARMUP            untimed repetitions per process (default 3)
#   BENCH_REPEATS           timed repetitions per process (default 3)
#   BENCH_TRAIN_BATCHES     minibatches per training measurement (default 40, one epoch of the issue)
#   BENCH_INFER_CALLS       forward passes of a [256, 8, 50] batch per inference measurement (default 10;
#                           shorter ones read low on 2 cores while the JIT compiles)
#   BENCH_THREADS           threads of both sides (default: all cores, as PyTorch by default): PyTorch's
#                           torch.set_num_threads and OMP_NUM_THREADS; lstm's own threads (each lane a share
#                           of the minibatch's examples, OpenBLAS at one thread); dl4j-lstm's and sgemm's
#                           OpenBLAS threads. 1: one core per side, as one Spark task of jobs/launch.sh
#   BENCH_WORKLOADS         default A,B
#   BENCH_MODES             train, infer or both (default train,infer)
#   BENCH_IMPLS             Java implementations: lstm (fused; fast training step, fast forward), lstm-fit (fused;
#                           network.fit, network.output), dl4j-lstm (default lstm,dl4j-lstm)
#   BENCH_VECTOR            1 (default): vector gate math (jobs/launch.sh adds --add-modules
#                           jdk.incubator.vector); 0: scalar gate math (-Dsparklstm.vector=false)
#   BENCH_OPENBLAS_CORETYPE OPENBLAS_CORETYPE for both sides (default: unset, OpenBLAS detects the CPU
#                           on both sides; the Java side then runs with SPARK_LSTM_OPENBLAS_CORETYPE=none
#                           so that jobs/launch.sh's own choice does not favour one side)
#   BENCH_DIR               work directory for logs (default: a new /tmp/spark-lstm-speed.XXXXXX)
#   BENCH_REPORT_ONLY=1     only print the table again from the logs in BENCH_DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${BENCH_ROUNDS:-3}"
WARMUP="${BENCH_WARMUP:-3}"
REPEATS="${BENCH_REPEATS:-3}"
TRAIN_BATCHES="${BENCH_TRAIN_BATCHES:-40}"
INFER_CALLS="${BENCH_INFER_CALLS:-10}"
THREADS="${BENCH_THREADS:-$(getconf _NPROCESSORS_ONLN)}"
WORKLOADS="${BENCH_WORKLOADS:-A,B}"
MODES="${BENCH_MODES:-train,infer}"
IMPLS="${BENCH_IMPLS:-lstm,dl4j-lstm}"
VECTOR="${BENCH_VECTOR:-1}"
WORK="${BENCH_DIR:-$(mktemp -d /tmp/spark-lstm-speed.XXXXXX)}"
LOGS="$WORK/logs"
RESULTS="$WORK/results.md"
# Debian's python3 has python3-torch; a pyenv or venv python3 earlier in the PATH does not.
PYTHON=/usr/bin/python3
OPENBLAS_OPENMP_DIR=/usr/lib/x86_64-linux-gnu/openblas-openmp
mkdir -p "$LOGS"

export OMP_NUM_THREADS="$THREADS"
# OpenBLAS prints the kernel set it chose ("Core: Haswell"): recorded for both sides.
export OPENBLAS_VERBOSE=2
JAVA_CORE_CHOICE=none
if [[ -n "${BENCH_OPENBLAS_CORETYPE:-}" ]]; then
  export OPENBLAS_CORETYPE="$BENCH_OPENBLAS_CORETYPE"
  JAVA_CORE_CHOICE=auto
fi

load1() { cut -d' ' -f1 /proc/loadavg; }

install_pytorch() {
  local -a missing=()
  if ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
    missing+=(python3-torch)
  fi
  if [[ ! -e "$OPENBLAS_OPENMP_DIR/libblas.so.3" ]]; then
    missing+=(libopenblas0-openmp)
  fi
  if [[ ${#missing[@]} -eq 0 ]]; then
    return
  fi
  if [[ ! -x "$PYTHON" ]]; then
    echo "bench-speed.sh: $PYTHON is missing (Debian's python3 package)" >&2
    exit 1
  fi
  # Both in one transaction so that apt meets torch's libblas.so.3 with OpenBLAS, not reference BLAS.
  missing+=(libopenblas0-openmp)
  echo "bench-speed.sh: installing ${missing[*]} with apt-get (several minutes the first time)" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
      || { echo "bench-speed.sh: cannot install ${missing[*]}; install them and rerun" >&2; exit 1; }
  fi
}

run_java() { # run_java ROUND
  local log="$LOGS/java-$1.log" opts=""
  if [[ "$VECTOR" != "1" ]]; then
    opts="-Dsparklstm.vector=false"
  fi
  echo "$(date -u +%T) round $1: Java (load $(load1))" >&2
  echo "java-$1 load_before=$(load1)" >>"$LOGS/load.txt"
  # Both sides get the same OpenBLAS kernel choice: BENCH_OPENBLAS_CORETYPE (exported above, kept
  # by the launcher's auto) or OpenBLAS's own detection (none: the launcher adds nothing).
  if ! SPARK_LSTM_NO_SUBMIT=1 SPARK_LSTM_DRIVER_MEMORY=4g SPARK_LSTM_JAVA_OPTS="$opts" \
      SPARK_LSTM_OPENBLAS_CORETYPE="$JAVA_CORE_CHOICE" \
      "$ROOT/jobs/launch.sh" dev.sparklstm.bench.LstmSpeedBenchmark --impls "$IMPLS" --workloads "$WORKLOADS" --modes "$MODES" \
      --warmup "$WARMUP" --repeats "$REPEATS" --train-batches "$TRAIN_BATCHES" --infer-calls "$INFER_CALLS" \
      --threads "$THREADS" >"$log" 2>&1; then
    echo "bench-speed.sh: the Java benchmark failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  echo "java-$1 load_after=$(load1)" >>"$LOGS/load.txt"
}

run_python() { # run_python ROUND
  local log="$LOGS/python-$1.log"
  echo "$(date -u +%T) round $1: PyTorch (load $(load1))" >&2
  echo "python-$1 load_before=$(load1)" >>"$LOGS/load.txt"
  # LD_LIBRARY_PATH wins over the libblas.so.3 alternative (which may point at another BLAS) for
  # this process only; the system's alternatives are left alone.
  if ! LD_LIBRARY_PATH="$OPENBLAS_OPENMP_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      "$PYTHON" "$ROOT/jobs/lstm_speed.py" --workloads "$WORKLOADS" --modes "$MODES" --warmup "$WARMUP" --repeats "$REPEATS" \
      --train-batches "$TRAIN_BATCHES" --infer-calls "$INFER_CALLS" --threads "$THREADS" >"$log" 2>&1; then
    echo "bench-speed.sh: the PyTorch benchmark failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  if ! grep -q "^SPEED INFO side=python .*blas_libraries=.*openblas-openmp/libblas.so.3" "$log"; then
    echo "bench-speed.sh: PyTorch did not load $OPENBLAS_OPENMP_DIR/libblas.so.3; see the INFO line of $log" >&2
    exit 1
  fi
  echo "python-$1 load_after=$(load1)" >>"$LOGS/load.txt"
}

report() {
  {
    cat "$LOGS/command.txt"
    echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(getconf _NPROCESSORS_ONLN) cores;" \
      "date $(date -u +%F); commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src jobs || echo '+changes')"
    echo "OpenBLAS cores chosen: Java $(grep -h '^Core:' "$LOGS"/java-*.log | sort -u | tr '\n' ' ')|" \
      "PyTorch $(grep -h '^Core:' "$LOGS"/python-*.log | sort -u | tr '\n' ' ')"
    grep -h '^SPEED INFO' "$LOGS"/java-1.log "$LOGS"/python-1.log | sed 's/^SPEED INFO /  /'
    echo
    "$PYTHON" - "$LOGS" <<'EOF'
import glob, os, re, statistics, sys
logs = sys.argv[1]
samples, per_round, cpu_samples = {}, {}, {}
for path in sorted(glob.glob(os.path.join(logs, "*-*.log"))):
    rnd = re.search(r"-(\d+)\.log$", path).group(1)
    for line in open(path, errors="replace"):
        if not line.startswith(("SPEED SAMPLE ", "SPEED CPUSAMPLE ")):
            continue
        f = dict(kv.split("=", 1) for kv in line.split()[2:])
        k = (f["impl"], f["workload"], f["mode"])
        if line.startswith("SPEED CPUSAMPLE "):
            cpu_samples.setdefault(k, []).append(float(f["value"]))
            continue
        samples.setdefault(k, []).append(float(f["value"]))
        per_round.setdefault((k, rnd), []).append(float(f["value"]))
med = {k: statistics.median(v) for k, v in samples.items()}
cpu_med = {k: statistics.median(v) for k, v in cpu_samples.items()}
cols = [(m, w) for m in ("train", "infer") for w in ("A", "B")]
impls = [i for i in ("lstm", "dl4j-lstm", "pytorch") if any(k[0] == i for k in med)]
names = {"lstm": "lstm (fused, default)", "dl4j-lstm": "dl4j-lstm (DL4J LSTM)", "pytorch": "PyTorch nn.LSTM"}
goal = {("train", "A"): 2.5, ("train", "B"): 1.5, ("infer", "A"): 1.5, ("infer", "B"): 1.5}
def cell(x, fmt="{:,.0f}"):
    return "-" if x is None else fmt.format(x)
print("Seq-steps/s (median of all timed repetitions of all rounds; n = repetitions):")
print()
print("| implementation | " + " | ".join(f"{m} {w}" for m, w in cols) + " |")
print("|---|" + "---:|" * len(cols))
for i in impls:
    row = []
    for m, w in cols:
        k = (i, w, m)
        row.append(f"{med[k]:,.0f} (n={len(samples[k])})" if k in med else "-")
    print(f"| {names[i]} | " + " | ".join(row) + " |")
for i in impls:
    if i == "pytorch":
        continue
    row = []
    for m, w in cols:
        a, p = med.get((i, w, m)), med.get(("pytorch", w, m))
        if a is None or p is None:
            row.append("-")
            continue
        rounds = sorted({r for (k, r) in per_round if k == (i, w, m)})
        rr = [statistics.median(per_round[((i, w, m), r)]) / statistics.median(per_round[(("pytorch", w, m), r)])
              for r in rounds if (("pytorch", w, m), r) in per_round]
        spread = f" [rounds {min(rr):.2f}..{max(rr):.2f}]" if len(rr) > 1 else ""
        mark = ""
        if i == "lstm":
            mark = " ✓" if a / p >= goal[(m, w)] else f" ✗ (goal {goal[(m, w)]}x)"
        row.append(f"**{a / p:.2f}x**{spread}{mark}")
    print(f"| {i} ÷ PyTorch | " + " | ".join(row) + " |")
# Rates per second of CPU time (CPUSAMPLE lines; the measuring thread's with one thread, the
# process's with more, JIT, GC and waiting OpenMP threads included): on a small machine the
# JVM's JIT and GC threads can take the core from short measurements, which wall-clock rates count.
for i in impls:
    if i == "pytorch":
        continue
    row = []
    for m, w in cols:
        a, p = cpu_med.get((i, w, m)), cpu_med.get(("pytorch", w, m))
        row.append("-" if a is None or p is None else f"{a / p:.2f}x")
    if any(c != "-" for c in row):
        print(f"| {i} ÷ PyTorch, CPU time | " + " | ".join(row) + " |")
print()
sg = med.get(("openblas", "-", "sgemm"))
pm = med.get(("pytorch-mm", "-", "sgemm"))
sg_best = max(samples.get(("openblas", "-", "sgemm"), [0])) or None
pm_best = max(samples.get(("pytorch-mm", "-", "sgemm"), [0])) or None
print(f"sgemm 1024^3, {os.environ.get('OMP_NUM_THREADS', '?')} thread(s), median (best) of "
      f"{len(samples.get(('openblas', '-', 'sgemm'), []))} repetitions: OpenBLAS through JavaCPP "
      f"(what the fused layer calls) {cell(sg, '{:.1f}')} ({cell(sg_best, '{:.1f}')}) GFLOP/s; "
      f"PyTorch torch.mm {cell(pm, '{:.1f}')} ({cell(pm_best, '{:.1f}')}) GFLOP/s")
if sg and any(k[1] == "B" for k in med):
    h, n_in = 256, 8
    fwd = 2 * (n_in + h) * 4 * h + 2 * (h + h) * 4 * h
    print()
    print("Workload B's LSTM GEMM FLOP rate (forward 2(I+H)4H per layer and seq-step, training = 3x forward)"
          " as a fraction of the Java sgemm rate: median over median, and median over the best sgemm repetition"
          " (closer to an unloaded machine):")
    print()
    print("| implementation | train B GFLOP/s | fraction (of best) | infer B GFLOP/s | fraction (of best) |")
    print("|---|---:|---:|---:|---:|")
    for i in impls:
        t, f = med.get((i, "B", "train")), med.get((i, "B", "infer"))
        tg = None if t is None else t * 3 * fwd / 1e9
        fg = None if f is None else f * fwd / 1e9
        def frac(g):
            return "-" if g is None else f"{g / sg:.2f} ({g / sg_best:.2f})"
        print(f"| {names[i]} | {cell(tg, '{:.1f}')} | {frac(tg)} | {cell(fg, '{:.1f}')} | {frac(fg)} |")
EOF
    echo
    echo "Load average (1 min) before/after each process: $(tr '\n' ' ' <"$LOGS/load.txt")"
    awk -F= -v cores="$(getconf _NPROCESSORS_ONLN)" '{ s += $2; n++; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
      END { if (n) printf "load average: min %.1f, mean %.1f, max %.1f over %d readings (%s cores)\n", min, s / n, max, n, cores }' \
      "$LOGS/load.txt"
  } | tee "$RESULTS"
}

if [[ "${BENCH_REPORT_ONLY:-0}" == "1" ]]; then
  report
  exit 0
fi

install_pytorch
echo "bench-speed.sh: logs in $LOGS" >&2
echo "Command: jobs/bench-speed.sh (workloads $WORKLOADS, modes $MODES, impls $IMPLS, rounds $ROUNDS, warm-up $WARMUP, repeats $REPEATS, train batches" \
  "$TRAIN_BATCHES, inference calls $INFER_CALLS, OMP_NUM_THREADS=$THREADS, vector gate math $VECTOR," \
  "OPENBLAS_CORETYPE=${BENCH_OPENBLAS_CORETYPE:-auto}; started $(date -u +%FT%TZ))" >"$LOGS/command.txt"
: >"$LOGS/load.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then
    run_java "$round"
    run_python "$round"
  else
    run_python "$round"
    run_java "$round"
  fi
done
report
