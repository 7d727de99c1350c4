#!/usr/bin/env bash
# Trains an LSTM on a sequence table (dev.sparklstm.jobs.TrainJob). With no --input it trains on
# the bundled sample data-samples/sensor-steps.parquet:
#   jobs/train.sh --output /tmp/spark-lstm-run
# All options go to the job; jobs/train.sh --help lists them and every config key.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/launch.sh" dev.sparklstm.jobs.TrainJob "$@"
