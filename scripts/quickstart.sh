#!/usr/bin/env bash
# Quick start: install the packages, build the library and the classsens tool, and run the main
# job: the quick study on Fashion-MNIST (every architecture at a small width on a training
# subset; baseline, two noise levels, two reduction levels, 3 seeds; under 10 minutes on 2
# cores). It writes its results store and report to ./classsens-quick (resumable: run it again
# after an interruption). Extra arguments go to `classsens study`, e.g.
#   ./scripts/quickstart.sh --out /tmp/study --jobs 4
#   ./scripts/quickstart.sh --profile article
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
echo
./build/examples/classsens study "$@"
