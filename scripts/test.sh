#!/usr/bin/env bash
# The whole test suite, as CI runs it: install the packages (Chromium included, for the report
# rendering check), then
#   1. the Doxygen reference of the public headers (warnings are errors);
#   2. a Release build with warnings as errors, and every test (unit, packaging, examples, and
#      the Python bindings' pytest suite, ctest's "python": docs/python.md);
#   3. the ABI check: the shared library against the committed baseline abi/ (scripts/abi.sh;
#      only additions are allowed within a major version);
#   4. a Debug build with AddressSanitizer + UndefinedBehaviorSanitizer, and every test again;
#   5. every libFuzzer target of tests/fuzz for CS_CI_FUZZ_SECONDS (default 20) seconds, as many
#      at once as there are CPUs (scripts/fuzz.sh, clang; docs/reliability.md): any finding fails.
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

# 20 s a target, two at a time on two cores: 80 s of fuzzing after a 2-3 minute build keeps the
# whole run near 10 minutes; scripts/fuzz.sh SECONDS runs them longer (docs/reliability.md).
echo "== fuzzing (libFuzzer, clang, ASan + UBSan)"
./scripts/fuzz.sh "${CS_CI_FUZZ_SECONDS:-20}"
