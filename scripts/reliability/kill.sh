#!/usr/bin/env bash
# Kill-point matrix (issue 21): SIGKILL a debug-built quarry at every pass of every failpoint
# of its write paths and check nothing was lost, duplicated or left half done.
# See kill.py for the scenarios and checks.
#   scripts/reliability/kill.sh                       # every point (about 20 minutes)
#   scripts/reliability/kill.sh --max-points 20       # a seeded sample (CI)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 scripts/reliability/kill.py "$@"
