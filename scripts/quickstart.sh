#!/usr/bin/env bash
# Quick start: install the packages, build the library, and run the main job on the default
# data set (Fashion-MNIST). Usage: ./scripts/quickstart.sh [extra dataset_info arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
echo
./build/examples/dataset_info "$@"
