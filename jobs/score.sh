#!/usr/bin/env bash
# Scores a sequence table with a trained model (dev.sparklstm.jobs.ScoreJob). With no --input it
# scores the bundled sample that training uses by default:
#   jobs/train.sh --output /tmp/spark-lstm-run
#   jobs/score.sh --model /tmp/spark-lstm-run/model --output /tmp/spark-lstm-scores
# All options go to the job; jobs/score.sh --help lists them.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/launch.sh" dev.sparklstm.jobs.ScoreJob "$@"
