#!/usr/bin/env bash
# Shared launcher of the jobs/ scripts: builds the job jar when it is missing or older than the
# sources, then runs a main class with spark-submit when it is on the PATH, else with plain java
# in local mode (Spark's jars from the Maven build, in target/spark-home/jars).
# Usage (from a job script): launch.sh MAIN_CLASS [cluster options...] [job options...]
#
# Cluster options, taken out of the arguments and given to spark-submit (any order, mixed with the
# job's own options):
#   --master URL  --deploy-mode client|cluster  --driver-memory SIZE  --executor-memory SIZE
#   --executor-cores N  --num-executors N  --total-executor-cores N  --conf KEY=VALUE (repeatable)
# Without spark-submit, --master goes to the job itself, --conf KEY=VALUE becomes a -DKEY=VALUE
# system property (Spark reads spark.* properties from there) and --driver-memory the heap; the
# other cluster options need spark-submit.
#
# What the job needs on the driver and every executor, set here unless the same --conf is given:
#   - Java 17's --add-opens options (the java17.opens property of pom.xml) and the Vector API
#     module of the fused LSTM's gate math (vector.module; without it the gate math is scalar) in
#     spark.driver.extraJavaOptions / spark.executor.extraJavaOptions (a user value is appended);
#   - JavaCPP's off-heap limits for ND4J: -Dorg.bytedeco.javacpp.maxbytes=OFFHEAP and
#     -Dorg.bytedeco.javacpp.maxphysicalbytes=HEAP+OFFHEAP+512m, where OFFHEAP is
#     SPARK_LSTM_OFFHEAP (default 2g) for executors and SPARK_LSTM_DRIVER_OFFHEAP (default: the
#     driver memory) for the driver, and HEAP the executor or driver memory;
#   - spark.executor.memoryOverhead=OFFHEAP+512m (and spark.driver.memoryOverhead in cluster mode),
#     so the resource manager counts ND4J's off-heap memory, JVM metaspace and threads;
#   - spark.executorEnv.OMP_NUM_THREADS=OMP_NUM_THREADS (default 1: one native thread per task;
#     Spark already runs one task per executor core, so an executor's native threads = its cores);
#   - OPENBLAS_CORETYPE (OpenBLAS's kernel set) as SPARK_LSTM_OPENBLAS_CORETYPE says (below).
#
# Environment:
#   SPARK_LSTM_DRIVER_MEMORY  driver heap when --driver-memory is not given (default 4g)
#   SPARK_LSTM_OFFHEAP        ND4J off-heap limit per executor (default 2g)
#   SPARK_LSTM_DRIVER_OFFHEAP ND4J off-heap limit of the driver (default: the driver memory)
#   SPARK_LSTM_JAVA_OPTS      extra JVM options for the driver and the executors
#   SPARK_LSTM_OPENBLAS_CORETYPE  auto (default), none, or an OpenBLAS core name such as SkylakeX:
#                             - a core name: OPENBLAS_CORETYPE for the driver and the executors
#                               (spark.executorEnv); every machine's CPU must support it (an
#                               AVX-512 core on a CPU without AVX-512 dies with SIGILL);
#                             - none: never set (OpenBLAS detects each machine's CPU itself);
#                             - auto: an OPENBLAS_CORETYPE already in the environment is kept and
#                               passed to the executors too; else SkylakeX for this JVM only when
#                               this machine is an AMD CPU of family 25 or later (Zen 4, Zen 5)
#                               with the AVX-512 subsets those kernels use, where OpenBLAS 0.3.19
#                               picks its AVX2 kernels; executors are left to detect.
#   SPARK_LSTM_JOB_JAR        use this job jar as it is (never build)
#   SPARK_LSTM_NO_SUBMIT=1    use plain java even when spark-submit is on the PATH
#   SPARK_LSTM_DRY_RUN=1      print the command (one argument per line) instead of running it
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN_CLASS="$1"
shift

die() {
  echo "error: $*" >&2
  exit 2
}

# Size in MiB of a JVM-style size (512m, 4g, 1024k, 2t; a bare number is MiB as in Spark).
mib() {
  local v="${1,,}"
  [[ "$v" =~ ^([0-9]+)([kmgt]?)b?$ ]] || die "not a memory size: '$1' (use e.g. 512m or 4g)"
  local n="${BASH_REMATCH[1]}"
  case "${BASH_REMATCH[2]}" in
    k) echo $(((n + 1023) / 1024)) ;;
    g) echo $((n * 1024)) ;;
    t) echo $((n * 1024 * 1024)) ;;
    *) echo "$n" ;;
  esac
}

SUBMIT_ARGS=()
JOB_ARGS=()
declare -A CONF=()
CONF_KEYS=()
MASTER=""
DEPLOY_MODE="client"
DRIVER_MEMORY="${SPARK_LSTM_DRIVER_MEMORY:-4g}"
EXECUTOR_MEMORY="1g"
while (($# > 0)); do
  case "$1" in
    --master | --deploy-mode | --driver-memory | --executor-memory | --executor-cores | --num-executors \
      | --total-executor-cores | --conf)
      (($# >= 2)) || die "$1 needs a value"
      case "$1" in
        --master) MASTER="$2" ;;
        --deploy-mode)
          [[ "$2" == client || "$2" == cluster ]] || die "--deploy-mode must be client or cluster, got '$2'"
          DEPLOY_MODE="$2"
          ;;
        --driver-memory) mib "$2" >/dev/null && DRIVER_MEMORY="$2" ;;
        --executor-memory) mib "$2" >/dev/null && EXECUTOR_MEMORY="$2" && SUBMIT_ARGS+=("$1" "$2") ;;
        --conf)
          [[ "$2" == ?*=* ]] || die "--conf needs KEY=VALUE, got '$2'"
          [[ -v "CONF[${2%%=*}]" ]] || CONF_KEYS+=("${2%%=*}")
          CONF["${2%%=*}"]="${2#*=}"
          ;;
        *) SUBMIT_ARGS+=("$1" "$2") ;;
      esac
      shift 2
      ;;
    *)
      JOB_ARGS+=("$1")
      shift
      ;;
  esac
done
if [[ -v "CONF[spark.executor.memory]" ]]; then
  EXECUTOR_MEMORY="${CONF[spark.executor.memory]}"
fi

if [[ -n "${SPARK_LSTM_JOB_JAR:-}" ]]; then
  [[ -f "$SPARK_LSTM_JOB_JAR" ]] || die "SPARK_LSTM_JOB_JAR=$SPARK_LSTM_JOB_JAR is not a file"
  JAR="$SPARK_LSTM_JOB_JAR"
else
  job_jar() {
    # No ls here: with pipefail a missing jar (a fresh checkout) would end the script silently.
    local jars=("$ROOT"/target/spark-lstm-*-job.jar)
    if [[ -f "${jars[0]}" ]]; then
      echo "${jars[0]}"
    fi
  }
  build_if_stale() {
    JAR="$(job_jar)"
    if [[ -z "$JAR" || ! -f "$ROOT/target/spark-home/RELEASE" ]] \
        || [[ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]]; then
      echo "building the job jar (mvn package, first build downloads ~2 GB of jars)..." >&2
      # Maven 3.8 prints terminal reset codes even in batch mode: strip them (pipefail keeps its status).
      (cd "$ROOT" && mvn -q -B -Dstyle.color=never -DskipTests package) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
      JAR="$(job_jar)"
      touch "$JAR"
    fi
  }
  # Two scripts started together on a fresh or changed checkout would otherwise build into the
  # same target/ at once: the second waits for the first build and then finds the jar fresh.
  mkdir -p "$ROOT/target"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$ROOT/target/.job-jar.lock"
    flock 9
    build_if_stale
    exec 9>&-
  else
    build_if_stale
  fi
fi

# The --add-opens options Spark and ND4J need on Java 17; the pom property is the one source.
JAVA17_OPENS="$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' "$ROOT/pom.xml")"
if [[ -z "$JAVA17_OPENS" ]]; then
  echo "launch.sh: property java17.opens not found in $ROOT/pom.xml" >&2
  exit 1
fi
# The Vector API for the fused LSTM's gate math (a scalar fallback runs without it).
VECTOR_MODULE="$(sed -n 's:.*<vector.module>\(.*\)</vector.module>.*:\1:p' "$ROOT/pom.xml")"

# One native (OpenMP) thread per Spark task: Spark already runs a task per core, and ND4J's default
# of all cores per task oversubscribes the CPU (2-3x slower in BENCHMARKS.md). Tasks given several
# cores (--conf spark.task.cpus=N) run the fused LSTM on N threads of its own (keep 1 here); set
# OMP_NUM_THREADS=N yourself for model.cell=dl4j-lstm, which has no threads of its own.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# OpenBLAS kernel set. ND4J's OpenBLAS (0.3.19, JavaCPP's build, also what the fused LSTM calls)
# picks its kernels from the CPU models it knows, and on AMD CPUs with AVX-512 it picks AVX2 ones:
# "Zen" (Haswell kernels) on Zen 4 (family 25), "Haswell" on Zen 5 (family 26). The AVX-512
# "SkylakeX" kernels (OPENBLAS_CORETYPE=SkylakeX) trained workload A about 1.5x faster on a Zen 4
# and B as fast (issue 8, side by side), and about doubled 1024^3 sgemm on a Zen 5, whose AVX-512
# units are full width. OpenBLAS reads the variable once, when the library loads: it must be in
# the JVM's environment (spark.executorEnv for executors).
has_avx512_for_skylakex() { # true if this CPU is AMD family >= 25 with avx512 f, cd, bw, dq and vl
  local info="${SPARK_LSTM_CPUINFO:-/proc/cpuinfo}" vendor family flags f
  [[ -r "$info" ]] || return 1
  vendor="$(sed -n 's/^vendor_id[[:space:]]*: *//p' "$info" | head -n 1)"
  family="$(sed -n 's/^cpu family[[:space:]]*: *//p' "$info" | head -n 1)"
  flags=" $(sed -n 's/^flags[[:space:]]*: *//p' "$info" | head -n 1) "
  [[ "$vendor" == AuthenticAMD && "$family" =~ ^[0-9]+$ ]] && ((family >= 25)) || return 1
  for f in avx512f avx512cd avx512bw avx512dq avx512vl; do
    [[ "$flags" == *" $f "* ]] || return 1
  done
}
OPENBLAS_CORE_CHOICE="${SPARK_LSTM_OPENBLAS_CORETYPE:-auto}"
EXECUTOR_CORETYPE=""
case "$OPENBLAS_CORE_CHOICE" in
  none) unset OPENBLAS_CORETYPE ;;
  auto)
    if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
      EXECUTOR_CORETYPE="$OPENBLAS_CORETYPE"
    elif has_avx512_for_skylakex; then
      export OPENBLAS_CORETYPE=SkylakeX
    fi
    ;;
  *)
    [[ "$OPENBLAS_CORE_CHOICE" =~ ^[A-Za-z0-9_]+$ ]] \
      || die "SPARK_LSTM_OPENBLAS_CORETYPE must be auto, none or an OpenBLAS core name, got '$OPENBLAS_CORE_CHOICE'"
    export OPENBLAS_CORETYPE="$OPENBLAS_CORE_CHOICE"
    EXECUTOR_CORETYPE="$OPENBLAS_CORE_CHOICE"
    ;;
esac

# ND4J allocates outside the heap through JavaCPP, which refuses (OutOfMemoryError) past maxbytes
# of its own allocations or maxphysicalbytes of the whole process (heap included).
# Executors: SPARK_LSTM_OFFHEAP (default 2g), counted in spark.executor.memoryOverhead. The driver
# (which in local mode also runs the tasks): SPARK_LSTM_DRIVER_OFFHEAP, default its heap size,
# which is JavaCPP's own default.
OFFHEAP_MIB="$(mib "${SPARK_LSTM_OFFHEAP:-2g}")"
OVERHEAD_MIB=$((OFFHEAP_MIB + 512))
DRIVER_OFFHEAP_MIB="$(mib "${SPARK_LSTM_DRIVER_OFFHEAP:-$DRIVER_MEMORY}")"
DRIVER_OVERHEAD_MIB=$((DRIVER_OFFHEAP_MIB + 512))
offheap_opts() { # off-heap limit (MiB), heap size of the JVM
  echo "-Dorg.bytedeco.javacpp.maxbytes=${1}m -Dorg.bytedeco.javacpp.maxphysicalbytes=$(($(mib "$2") + $1 + 512))m"
}
EXECUTOR_OPTS="$JAVA17_OPENS $VECTOR_MODULE $(offheap_opts "$OFFHEAP_MIB" "$EXECUTOR_MEMORY") ${SPARK_LSTM_JAVA_OPTS:-}"
DRIVER_OPTS="$JAVA17_OPENS $VECTOR_MODULE $(offheap_opts "$DRIVER_OFFHEAP_MIB" "$DRIVER_MEMORY")"
if [[ "$DEPLOY_MODE" == client ]]; then
  # Local paths of this checkout: the bundled sample and the console logging configuration.
  DRIVER_OPTS="$DRIVER_OPTS -Dspark-lstm.home=$ROOT -Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties"
fi
# Last, so that the user's options win (the JVM takes the last of a repeated -D).
DRIVER_OPTS="$DRIVER_OPTS ${SPARK_LSTM_JAVA_OPTS:-}"

# A user's --conf for the same key: options are appended to ours, sizes replace ours.
add_conf() {
  local key="$1" value="$2"
  if [[ -v "CONF[$key]" ]]; then
    [[ "$key" == *extraJavaOptions ]] && CONF["$key"]="$value ${CONF[$key]}"
  else
    CONF_KEYS+=("$key")
    CONF["$key"]="$value"
  fi
}
add_conf spark.executor.extraJavaOptions "$EXECUTOR_OPTS"
add_conf spark.driver.extraJavaOptions "$DRIVER_OPTS"
add_conf spark.executor.memoryOverhead "${OVERHEAD_MIB}m"
add_conf spark.executorEnv.OMP_NUM_THREADS "$OMP_NUM_THREADS"
if [[ -n "$EXECUTOR_CORETYPE" ]]; then
  add_conf spark.executorEnv.OPENBLAS_CORETYPE "$EXECUTOR_CORETYPE"
fi
if [[ "$DEPLOY_MODE" == cluster ]]; then
  add_conf spark.driver.memoryOverhead "${DRIVER_OVERHEAD_MIB}m"
  add_conf spark.driverEnv.OMP_NUM_THREADS "$OMP_NUM_THREADS"
  add_conf spark.yarn.appMasterEnv.OMP_NUM_THREADS "$OMP_NUM_THREADS"
  if [[ -n "$EXECUTOR_CORETYPE" ]]; then
    add_conf spark.driverEnv.OPENBLAS_CORETYPE "$EXECUTOR_CORETYPE"
    add_conf spark.yarn.appMasterEnv.OPENBLAS_CORETYPE "$EXECUTOR_CORETYPE"
  fi
fi

run() {
  if [[ "${SPARK_LSTM_DRY_RUN:-0}" == "1" ]]; then
    if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
      echo "# environment: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" >&2
    fi
    printf '%s\n' "$@"
    exit 0
  fi
  exec "$@"
}

if command -v spark-submit >/dev/null 2>&1 && [[ "${SPARK_LSTM_NO_SUBMIT:-0}" != "1" ]]; then
  CONF_ARGS=()
  for key in "${CONF_KEYS[@]}"; do
    CONF_ARGS+=(--conf "$key=${CONF[$key]}")
  done
  MASTER_ARGS=()
  if [[ -n "$MASTER" ]]; then
    MASTER_ARGS=(--master "$MASTER")
  fi
  run spark-submit --class "$MAIN_CLASS" "${MASTER_ARGS[@]}" --deploy-mode "$DEPLOY_MODE" \
    --driver-memory "$DRIVER_MEMORY" "${SUBMIT_ARGS[@]}" "${CONF_ARGS[@]}" "$JAR" "${JOB_ARGS[@]}"
fi

# Plain java: one local JVM. Cluster options other than --master, --driver-memory and --conf need
# spark-submit.
if [[ "$DEPLOY_MODE" == cluster || ${#SUBMIT_ARGS[@]} -gt 0 ]]; then
  die "--deploy-mode cluster, --executor-memory, --executor-cores, --num-executors and --total-executor-cores need spark-submit on the PATH"
fi
SYSTEM_PROPS=()
for key in "${CONF_KEYS[@]}"; do
  case "$key" in
    spark.driver.extraJavaOptions | spark.executor.* | spark.driver.memoryOverhead) ;;
    *) SYSTEM_PROPS+=("-D$key=${CONF[$key]}") ;;
  esac
done
if [[ -n "$MASTER" ]]; then
  JOB_ARGS=(--master "$MASTER" "${JOB_ARGS[@]}")
fi
# Word splitting of the option list is intended.
# shellcheck disable=SC2086
run java -Xmx"$DRIVER_MEMORY" ${CONF[spark.driver.extraJavaOptions]} "${SYSTEM_PROPS[@]}" \
  -cp "$JAR:$ROOT/target/spark-home/jars/*" "$MAIN_CLASS" "${JOB_ARGS[@]}"
