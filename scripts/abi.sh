#!/usr/bin/env bash
# The ABI of libclasssens.so against a committed baseline, with libabigail (Debian package
# abigail-tools; scripts/setup.sh installs it).
#
# usage: scripts/abi.sh update   write abi/classsens-1.0.abi from the current sources
#        scripts/abi.sh check    fail if the current sources break the baseline's ABI
#
# Both build the shared library alone, with debug information (-g -Og), in build-abi/ (or
# $CS_ABI_BUILD_DIR), and describe it with only what the public headers in include/ declare:
# `abidw --exported-interfaces-only --headers-dir include --drop-private-types` keeps the
# exported CS_API functions and the types they reach that are defined in those headers, so
# internal functions and structs never enter the baseline. (Enums that no signature names,
# such as cs_status, whose functions return int, are not part of it: the unit test
# status_codes_are_pinned_and_named pins those values.)
#
# The baseline is path-free and deterministic: no compilation directory, corpus path, source
# locations, architecture or DT_NEEDED list is written, and type ids are hashes of the types
# (not a counter that moves when an unrelated type is added), so `update` on another machine
# with the same compiler writes the same bytes.
#
# What fails the check (the policy of docs/conventions.md, "Stability"): abidiff's exit status
# is a bit set: 1 = error, 2 = usage error, 4 = ABI change, 8 = incompatible change (a removed
# symbol). Before looking at it, the suppressions written to build-abi/classsens.abignore take
# away what the 1.x promise allows:
#   - added functions and variables (new API in a minor release);
#   - data members appended at the end of a versioned struct (one that starts with
#     `size_t struct_size`, found in the headers), which is how those structs grow;
#   - added enumerators, which abidiff already counts as harmless and does not report.
# Everything left fails: bit 8 (removed function), bit 4 (a changed parameter or return type,
# a reordered or retyped struct member, a frozen struct that grew, a changed enumerator
# value...), and bits 1 and 2 (abidiff itself failed). So incompatible changes fail, additions
# pass. When an ABI change is intended (a new major version only), run `update` and commit
# abi/ with the change.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
    update|check) ;;
    *) echo "usage: $0 update|check" >&2; exit 2 ;;
esac

for tool in abidw abidiff cmake; do
    if ! command -v "$tool" > /dev/null; then
        echo "abi: $tool not found (scripts/setup.sh installs abigail-tools and cmake)" >&2
        exit 2
    fi
done

build=${CS_ABI_BUILD_DIR:-build-abi}
headers=include
baseline=abi/classsens-1.0.abi
jobs=${CS_ABI_JOBS:-$(nproc)}

echo "== abi: building the shared library with debug information in $build/"
mkdir -p "$build"
# -ffile-prefix-map: the translation units are named relative to the source tree in the
# debug information (and so in the baseline), wherever the clone is.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="-g -Og -ffile-prefix-map=$PWD/=" \
      -DCS_BUILD_TESTS=OFF -DCS_BUILD_EXAMPLES=OFF -DCS_BUILD_DOCS=OFF \
      -DCS_BUILD_BENCHMARKS=OFF -DCS_WITH_MPI=OFF > "$build/abi-configure.log" 2>&1 \
    || { cat "$build/abi-configure.log" >&2; exit 1; }
cmake --build "$build" --target classsens -j "$jobs" > "$build/abi-build.log" 2>&1 \
    || { cat "$build/abi-build.log" >&2; exit 1; }
lib=$(ls "$build"/libclasssens.so.* | grep -E '\.so\.[0-9]+$' | head -n 1)
[ -f "$lib" ] || { echo "abi: no libclasssens.so.N in $build" >&2; exit 1; }

abidw_flags=(--headers-dir "$headers" --drop-private-types --exported-interfaces-only
             --no-corpus-path --no-comp-dir-path --no-show-locs --no-architecture
             --no-elf-needed --type-id-style hash)

if [ "$mode" = update ]; then
    mkdir -p abi
    abidw "${abidw_flags[@]}" --out-file "$baseline.tmp" "$lib"
    # Belt and braces for "path-free": no absolute path of this machine may be in the file.
    if grep -q -e "$PWD" -e "path='/" "$baseline.tmp"; then
        echo "abi: the ABI description names a local path; not written" >&2
        rm -f "$baseline.tmp"
        exit 1
    fi
    mv "$baseline.tmp" "$baseline"
    echo "abi: wrote $baseline ($(grep -c '<elf-symbol ' "$baseline") symbols) from $lib"
    exit 0
fi

[ -f "$baseline" ] || { echo "abi: no baseline $baseline (run $0 update)" >&2; exit 2; }

# The structs that may grow at the end: those whose first member is `size_t struct_size`.
versioned=$(cat "$headers"/classsens.h "$headers"/classsens/*.h 2> /dev/null \
            | awk '/^typedef struct cs_[a-z0-9_]+ \{/ { name = $3; getline; if ($0 ~ /^[[:space:]]*size_t struct_size;/) print name }' \
            | LC_ALL=C sort -u)
suppressions=$build/classsens.abignore
{
    echo "# Written by scripts/abi.sh check: what the 1.x promise allows (docs/conventions.md)."
    # (libabigail ignores a suppression whose only property is change_kind.)
    echo "[suppress_function]"
    echo "  change_kind = added-function"
    echo "  name_regexp = .*"
    echo "[suppress_variable]"
    echo "  change_kind = added-variable"
    echo "  name_regexp = .*"
    for s in $versioned; do
        echo "[suppress_type]"
        echo "  type_kind = struct"
        echo "  name = $s"
        echo "  has_data_member_inserted_at = end"
    done
} > "$suppressions"

# The library is described exactly as `update` would describe it, and the two descriptions are
# compared: the same reader on both sides, so only the ABI can differ (not, say, the
# architecture field that the baseline leaves out). build-abi/current.abi stays for a look
# (`diff abi/classsens-1.0.abi build-abi/current.abi`).
current=$build/current.abi
abidw "${abidw_flags[@]}" --out-file "$current" "$lib"
set +e
abidiff --no-show-locs --suppressions "$suppressions" "$baseline" "$current"
rc=$?
set -e
if [ $rc -eq 0 ]; then
    echo "abi: OK, $lib keeps the ABI of $baseline (additions, if any, are allowed)"
    exit 0
fi
what=()
[ $((rc & 1)) -ne 0 ] && what+=("abidiff failed")
[ $((rc & 2)) -ne 0 ] && what+=("usage error")
[ $((rc & 4)) -ne 0 ] && what+=("ABI change")
[ $((rc & 8)) -ne 0 ] && what+=("incompatible ABI change")
echo "abi: FAIL (abidiff exit $rc: $(IFS=,; echo "${what[*]}")): $lib breaks $baseline." >&2
echo "abi: within major version 1 only additions are allowed (docs/conventions.md," >&2
echo "abi: \"Stability\"); if the change is meant for a new major version, run $0 update." >&2
exit 1
