#!/usr/bin/env bash
# The whole test suite, as CI runs it: install the packages (Chromium included, for the report
# rendering check), then
#   1. the Doxygen reference of the public headers (warnings are errors);
#   2. a Release build with warnings as errors, and every test (unit, packaging, examples);
#   3. the ABI check: the shared library against the committed baseline abi/ (scripts/abi.sh;
#      only additions are allowed within a major version);
#   4. a Debug build with AddressSanitizer + UndefinedBehaviorSanitizer, and every test again.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

./scripts/setup.sh --with-browser

echo "== release build (-Werror)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

echo "== API reference (Doxygen, warnings are errors)"
cmake --build --preset release --target docs

echo "== tests, release build"
ctest --preset release -j "$jobs"

echo "== ABI check against abi/ (libabigail)"
CS_ABI_JOBS="$jobs" ./scripts/abi.sh check

echo "== tests, AddressSanitizer + UndefinedBehaviorSanitizer build"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"
