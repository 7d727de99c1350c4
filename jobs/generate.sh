#!/usr/bin/env bash
# Writes a synthetic sequence table (dev.sparklstm.jobs.GenerateSamplesJob), e.g.
#   jobs/generate.sh --kind sensor --sequences 400 --min-length 20 --max-length 60 \
#     --seed 7 --output /tmp/sensor-steps.parquet
# All options go to the job; jobs/generate.sh --help lists them.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/launch.sh" dev.sparklstm.jobs.GenerateSamplesJob "$@"
