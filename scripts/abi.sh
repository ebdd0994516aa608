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
#   - data members appended at the end of a struct that callers allocate in arrays and pass
#     with its element size (a CS_API parameter `cs_x *name, size_t elem_size`, found in the
#     headers: cs_class_score, cs_directed_confusion, cs_class_pair, cs_epoch_report), which
#     is how those grow: the library writes an older caller's smaller elements with the
#     members that fit (docs/conventions.md, "Arrays of structs that can grow");
#   - added enumerators, which abidiff already counts as harmless and does not report.
# Because such a suppression also hides a struct whose diff inserts nothing (a retyped member,
# or a change to a struct reached only through it), the check also compares every public
# struct's layout in the two descriptions: the baseline's members (name, type, offset) must all
# still be there, followed only by appended members in a growable struct, none in another.
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
# The structs that grow through an element size: the pointee of every public parameter that
# is followed by `size_t elem_size` (prototypes joined onto one line first).
arrays=$(cat "$headers"/classsens.h "$headers"/classsens/*.h 2> /dev/null | tr '\n' ' ' \
         | grep -oE '\bcs_[a-z0-9_]+ \*[a-z_][a-z0-9_]*,[[:space:]]*size_t elem_size\b' \
         | awk '{ print $1 }' | LC_ALL=C sort -u || true)
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
    for s in $versioned $arrays; do
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

# abidiff's has_data_member_inserted_at suppression also matches a struct whose diff has no
# inserted member at all (libabigail 2.2): a retyped member of a growable struct, or any
# change to a struct reached only through one (cs_study_event, through cs_study_options'
# callback), would pass it. So the layouts are compared here too, member by member (name,
# type id, offset in bits): every struct of the baseline must keep its members in the current
# description; a growable one (above) may have more after them, any other must be unchanged.
# (Type ids are hashes of the type's name, so a member keeps its id when its own type grows.)
layout() {
    awk '/<class-decl / && /name=.cs_/ {
             match($0, /name=.[a-z0-9_]+/); s = substr($0, RSTART + 6, RLENGTH - 6); i = 0
             if (match($0, /size-in-bits=.[0-9]+/)) print s "|size|" substr($0, RSTART + 14, RLENGTH - 14)
         }
         /<\/class-decl>/ { s = "" }
         s != "" && /<data-member / { match($0, /layout-offset-in-bits=.[0-9]+/); off = substr($0, RSTART + 23, RLENGTH - 23) }
         s != "" && /<var-decl / {
             match($0, /name=.[A-Za-z0-9_]+/); n = substr($0, RSTART + 6, RLENGTH - 6)
             match($0, /type-id=.[0-9a-f]+/); t = substr($0, RSTART + 9, RLENGTH - 9)
             printf "%s|%03d|%s|%s|%s\n", s, i++, off, n, t
         }' "$1" | LC_ALL=C sort -u
}
layout "$baseline" > "$build/layout-baseline.txt"
layout "$current" > "$build/layout-current.txt"
broken=$(awk -F'|' -v growable=" $(echo $versioned $arrays) " '
    FNR == NR { cur[$1 "|" $2] = $0; if ($2 != "size") count[$1]++; next }
    { base[$1] = 1; if ($2 != "size") bcount[$1]++
      if ($2 == "size") { bsize[$1] = $3; next }
      if (cur[$1 "|" $2] != $0) bad[$1] = bad[$1] " member " $2 + 0 " (" $4 ") moved, retyped or renamed;" }
    END {
        for (s in base) {
            g = index(growable, " " s " ") > 0
            split(cur[s "|size"], c, "|")
            if (!(s "|size" in cur)) bad[s] = bad[s] " no longer described;"
            else if (!g && (c[3] != bsize[s] || count[s] != bcount[s]))
                bad[s] = bad[s] " frozen, but its size or member count changed;"
            else if (g && c[3] + 0 < bsize[s] + 0) bad[s] = bad[s] " shrank;"
            if (bad[s] != "") print s ":" bad[s]
        }
    }' "$build/layout-current.txt" "$build/layout-baseline.txt" | LC_ALL=C sort)
if [ -n "$broken" ]; then
    echo "abi: struct layouts that changed other than by members appended to a growable struct:" >&2
    printf '%s\n' "$broken" | sed 's/^/  /' >&2
fi
if [ $rc -eq 0 ] && [ -z "$broken" ]; then
    echo "abi: OK, $lib keeps the ABI of $baseline (additions, if any, are allowed)"
    exit 0
fi
what=()
[ -n "$broken" ] && what+=("struct layout")
[ $((rc & 1)) -ne 0 ] && what+=("abidiff failed")
[ $((rc & 2)) -ne 0 ] && what+=("usage error")
[ $((rc & 4)) -ne 0 ] && what+=("ABI change")
[ $((rc & 8)) -ne 0 ] && what+=("incompatible ABI change")
echo "abi: FAIL (abidiff exit $rc; $(IFS=,; echo "${what[*]}")): $lib breaks $baseline." >&2
echo "abi: within major version 1 only additions are allowed (docs/conventions.md," >&2
echo "abi: \"Stability\"); if the change is meant for a new major version, run $0 update." >&2
exit 1
