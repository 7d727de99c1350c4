#!/usr/bin/env bash
# Shared launcher of the jobs/ scripts: builds the job jar when it is missing or older than the
# sources, then runs a main class with spark-submit when it is on the PATH, else with plain java
# in local mode (Spark's jars from the Maven build, listed in target/spark-classpath.txt).
# Usage (from a job script): launch.sh MAIN_CLASS [job options...]
# Environment:
#   SPARK_LSTM_DRIVER_MEMORY  driver heap (default 4g)
#   SPARK_LSTM_JAVA_OPTS      extra JVM options for the driver (and executors under spark-submit)
#   SPARK_LSTM_NO_SUBMIT=1    use plain java even when spark-submit is on the PATH
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN_CLASS="$1"
shift

job_jar() {
  # No ls here: with pipefail a missing jar (a fresh checkout) would end the script silently.
  local jars=("$ROOT"/target/spark-lstm-*-job.jar)
  if [[ -f "${jars[0]}" ]]; then
    echo "${jars[0]}"
  fi
}

JAR="$(job_jar)"
if [[ -z "$JAR" || ! -f "$ROOT/target/spark-classpath.txt" ]] \
    || [[ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]]; then
  echo "building the job jar (mvn package, first build downloads ~2 GB of jars)..." >&2
  # Maven 3.8 prints terminal reset codes even in batch mode: strip them (pipefail keeps its status).
  (cd "$ROOT" && mvn -q -B -Dstyle.color=never -DskipTests package) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
  JAR="$(job_jar)"
  touch "$JAR"
fi

# The --add-opens options Spark and ND4J need on Java 17; the pom property is the one source.
JAVA17_OPENS="$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' "$ROOT/pom.xml")"
if [[ -z "$JAVA17_OPENS" ]]; then
  echo "launch.sh: property java17.opens not found in $ROOT/pom.xml" >&2
  exit 1
fi
DRIVER_OPTS="$JAVA17_OPENS -Dspark-lstm.home=$ROOT -Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties ${SPARK_LSTM_JAVA_OPTS:-}"

# One native (OpenMP) thread per Spark task: Spark already runs a task per core, and ND4J's default
# of all cores per task oversubscribes the CPU (2-3x slower in BENCHMARKS.md). Override by setting
# OMP_NUM_THREADS yourself.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

if command -v spark-submit >/dev/null 2>&1 && [[ "${SPARK_LSTM_NO_SUBMIT:-0}" != "1" ]]; then
  exec spark-submit --class "$MAIN_CLASS" \
    --conf "spark.executorEnv.OMP_NUM_THREADS=$OMP_NUM_THREADS" \
    --driver-memory "${SPARK_LSTM_DRIVER_MEMORY:-4g}" \
    --driver-java-options "$DRIVER_OPTS" \
    --conf "spark.executor.extraJavaOptions=$JAVA17_OPENS ${SPARK_LSTM_JAVA_OPTS:-}" \
    "$JAR" "$@"
fi

# Word splitting of the option lists is intended.
# shellcheck disable=SC2086
exec java -Xmx"${SPARK_LSTM_DRIVER_MEMORY:-4g}" $DRIVER_OPTS \
  -cp "$JAR:$(cat "$ROOT/target/spark-classpath.txt")" "$MAIN_CLASS" "$@"
