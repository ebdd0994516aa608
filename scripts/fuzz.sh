#!/usr/bin/env bash
# Fuzz every reader of the library with libFuzzer (tests/fuzz, docs/reliability.md):
# configure and build the fuzz targets with clang, ASan and UBSan (-DCS_FUZZ=ON) in build-fuzz/,
# write their seed corpora from the library as it is (fuzz_make_seeds), run each target for
# SECONDS, and fail if any of them finds something (a crash, a sanitizer report, a broken
# property, a leak, a timeout or an allocation over the limit).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default 30 seconds, every target)
#   SECONDS   run time of each target (libFuzzer's -max_total_time)
#   TARGET    idx_images idx_labels cifar10_tar cifar10_dir npy npz checkpoint safetensors results_store
#             perturb_spec cli_args png jpeg
# Environment:
#   CS_FUZZ_BUILD   the build directory (default build-fuzz)
#   CS_FUZZ_JOBS    targets run at once (default: the online CPUs)
#   CS_FUZZ_RUNS    also stop a target after this many inputs (default: no limit)
#   CS_FUZZ_CC      the compiler (default clang; scripts/setup.sh installs it)
#   CS_FUZZ_TIMEOUT seconds one input may take before it counts as a finding (default 30):
#                   libFuzzer measures wall time, so raise it where the fuzzers may be stopped
#                   (SIGSTOP) for minutes by other work on the machine
# The corpus each target grows is kept in BUILD/fuzz/corpus/TARGET and used by the next run;
# findings (the inputs) go to BUILD/fuzz/findings/TARGET/, logs to BUILD/fuzz/logs/. Run it
# under `nice -n 19` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(idx_images idx_labels cifar10_tar cifar10_dir npy npz checkpoint safetensors results_store perturb_spec
             cli_args png jpeg)
seconds=${1:-30}
case "$seconds" in
  ''|*[!0-9]*) echo "fuzz: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  case " ${all_targets[*]} " in
    *" $t "*) ;;
    *) echo "fuzz: unknown target '$t' (expected one of ${all_targets[*]})" >&2; exit 2 ;;
  esac
done
build=${CS_FUZZ_BUILD:-build-fuzz}
jobs=${CS_FUZZ_JOBS:-$(nproc)}
runs=${CS_FUZZ_RUNS:--1}
cc=${CS_FUZZ_CC:-clang}
timeout=${CS_FUZZ_TIMEOUT:-30}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (scripts/setup.sh installs clang)" >&2; exit 1; }

echo "fuzz: building the targets with $cc in $build"
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCS_FUZZ=ON \
  -DCS_BUILD_TESTS=OFF -DCS_BUILD_EXAMPLES=OFF -DCS_BUILD_BENCHMARKS=OFF -DCS_BUILD_DOCS=OFF \
  -DCS_WITH_MPI=OFF >/dev/null
build_targets=(fuzz_make_seeds)
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j "$(nproc)" --target "${build_targets[@]}"

# Only this run's targets lose their old seeds and logs: another run may be fuzzing other
# targets of the same build directory.
out=$build/fuzz
mkdir -p "$out/logs" "$out/seeds"
for t in "${targets[@]}"; do
  rm -rf "$out/seeds/$t" "$out/logs/$t.log" "$out/logs/$t.rc"
done
"$build/tests/fuzz/fuzz_make_seeds" "$out/seeds"

# Inputs up to 64 KiB: a CIFAR-10 archive of one record per batch is 27 KiB, a checkpoint of the
# largest seed model 50 KiB.
# A quarantine of 64 MiB instead of ASan's 256: freed memory is held back (and a use after free
# seen) until 64 MiB more have been freed, still far more than one input of these targets frees,
# and the memory recycled stays in cache and mapped (the IDX targets ran 1.3-1.5 times as many
# inputs per CPU second with it).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:allocator_may_return_null=1:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_target() {
  local t=$1 dict=tests/fuzz/$1.dict args=()
  mkdir -p "$out/corpus/$t" "$out/findings/$t"
  [ -f "$dict" ] && args+=("-dict=$dict")
  # The argument parsers print every refusal; the library itself never prints.
  [ "$t" = cli_args ] && args+=(-close_fd_mask=3)
  "$build/tests/fuzz/fuzz_$t" "${args[@]}" -max_total_time="$seconds" -runs="$runs" -max_len=65536 \
    -timeout="$timeout" -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$out/findings/$t/" "$out/corpus/$t" "$out/seeds/$t" > "$out/logs/$t.log" 2>&1
}

echo "fuzz: ${#targets[@]} target(s), $seconds s each, $jobs at a time"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  { rc=0; run_target "$t" || rc=$?; echo "$rc" > "$out/logs/$t.rc"; } &
done
wait
failed=0
printf '%-14s %12s %8s %8s %8s  %s\n' target executions exec/s cov ft result
for t in "${targets[@]}"; do
  rc=$(cat "$out/logs/$t.rc" 2>/dev/null || echo 1)
  log=$out/logs/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -n 1 | cut -d' ' -f2)
  ft=$( (grep -o 'ft: [0-9]*' "$log" || true) | tail -n 1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FINDING (exit $rc; $log)"
    failed=1
  fi
  printf '%-14s %12s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
if [ "$failed" -ne 0 ]; then
  for t in "${targets[@]}"; do
    if ls "$out/findings/$t"/* >/dev/null 2>&1 || ! grep -q '^stat::number_of_executed_units' "$out/logs/$t.log"; then
      echo "---- $t (inputs in $out/findings/$t/; reproduce: $build/tests/fuzz/fuzz_$t INPUT)"
      tail -n 40 "$out/logs/$t.log"
    fi
  done
  echo "fuzz: FAILED: a target found a problem"
  exit 1
fi
echo "fuzz: no findings"
