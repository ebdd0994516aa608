#!/usr/bin/env bash
# The kill-9 soak at length (tests/cli/kill_soak.sh, docs/reliability.md): SIGKILL a tiny
# `classsens study` KILLS times at random moments, resuming after each, then compare its store
# with an uninterrupted run's. CI runs 5 kills (ctest's cli_kill_soak); this runs as many as asked.
#
# Usage: scripts/soak.sh [KILLS [SEED]]     (default 100 kills, seed 1)
# Environment: CS_SOAK_BUILD, the release build directory to use (default build, the preset's;
# configured and built here if needed). The work files go to BUILD/soak/.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-100}
seed=${2:-1}
build=${CS_SOAK_BUILD:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCS_WERROR=ON >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target classsens_cli make_tiny_idx >/dev/null
exec sh tests/cli/kill_soak.sh "$build/examples/classsens" "$build/tests/make_tiny_idx" "$build/soak" "$kills" "$seed"
