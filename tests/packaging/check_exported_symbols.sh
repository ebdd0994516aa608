#!/usr/bin/env bash
# Checks the dynamic symbol table and the SONAME of the shared library.
#
# usage: check_exported_symbols.sh LIBRARY EXPECTED_SONAME [INCLUDE_DIR [VERSION_PREFIX]]
#
#  - every defined dynamic symbol must start with "cs_" and must not start with "cs__"
#    (the prefix of internal functions);
#  - at least 10 "cs_" symbols must be exported (guards against an empty library);
#  - the SONAME must be EXPECTED_SONAME (e.g. libclasssens.so.1);
#  - with INCLUDE_DIR, every function declared CS_API in the public headers under it must be
#    exported (a declared but missing function is a link error for every consumer);
#  - with VERSION_PREFIX (e.g. "CLASSSENS_1."), every exported cs_ symbol must carry a default
#    symbol version whose node starts with it (lib/classsens.map), and the node
#    VERSION_PREFIX"0" must exist.
#
# The tools can be overridden with NM=... and READELF=... (CMake passes CMAKE_NM/CMAKE_READELF).
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 4 ]; then
    echo "usage: $0 LIBRARY EXPECTED_SONAME [INCLUDE_DIR [VERSION_PREFIX]]" >&2
    exit 2
fi
lib=$1
expected_soname=$2
include_dir=${3:-}
version_prefix=${4:-}
NM=${NM:-nm}
READELF=${READELF:-readelf}
min_symbols=10
fail=0

if [ ! -f "$lib" ]; then
    echo "FAIL: $lib does not exist" >&2
    exit 1
fi

# "ADDRESS TYPE NAME[@@VERSION]" -> NAME; symbols without an address column are skipped by
# --defined-only already. The version nodes themselves are absolute symbols (type A) named
# like the node ("CLASSSENS_1.0"): they are not functions, so they are set aside here.
if ! nm_out=$("$NM" -D --defined-only --with-symbol-versions "$lib" 2>&1); then
    echo "FAIL: $NM -D --defined-only --with-symbol-versions $lib failed:" >&2
    echo "$nm_out" >&2
    exit 1
fi
entries=$(printf '%s\n' "$nm_out" | awk 'NF >= 3 && $2 != "A" { print $3 } NF == 2 && $1 != "A" { print $2 }')
nodes=$(printf '%s\n' "$nm_out" | awk 'NF >= 3 && $2 == "A" { print $3 } NF == 2 && $1 == "A" { print $2 }' \
        | sed 's/@.*//' | LC_ALL=C sort -u)
symbols=$(printf '%s\n' "$entries" | sed 's/@.*//' | LC_ALL=C sort -u)

foreign=$(printf '%s\n' "$symbols" | grep -v -e '^cs_' -e '^$' || true)
internal=$(printf '%s\n' "$symbols" | grep -e '^cs__' || true)
public=$(printf '%s\n' "$symbols" | grep -e '^cs_' | grep -v -e '^cs__' || true)
n_public=$(printf '%s\n' "$public" | grep -c . || true)

if [ -n "$foreign" ]; then
    echo "FAIL: $lib exports symbols outside the cs_ namespace:" >&2
    printf '%s\n' "$foreign" | sed 's/^/  /' >&2
    fail=1
fi
if [ -n "$internal" ]; then
    echo "FAIL: $lib exports internal (cs__) symbols:" >&2
    printf '%s\n' "$internal" | sed 's/^/  /' >&2
    fail=1
fi
if [ "$n_public" -lt "$min_symbols" ]; then
    echo "FAIL: $lib exports only $n_public cs_ symbols (expected at least $min_symbols)" >&2
    fail=1
fi

# ---- symbol versions ----------------------------------------------------------------------
if [ -n "$version_prefix" ]; then
    if ! printf '%s\n' "$nodes" | grep -qxF "${version_prefix}0"; then
        echo "FAIL: $lib has no version node ${version_prefix}0 (nodes: $(echo $nodes))" >&2
        fail=1
    fi
    # Every cs_ entry must read NAME@@NODE with NODE starting with the prefix.
    unversioned=$(printf '%s\n' "$entries" | grep -e '^cs_' \
                  | awk -v p="$version_prefix" '{ i = index($0, "@@"); if (i == 0 || index(substr($0, i + 2), p) != 1) print }' || true)
    if [ -n "$unversioned" ]; then
        echo "FAIL: $lib exports cs_ symbols without a ${version_prefix}x default version:" >&2
        printf '%s\n' "$unversioned" | sed 's/^/  /' >&2
        fail=1
    fi
fi

# ---- SONAME -------------------------------------------------------------------------------
soname=$("$READELF" -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ -z "$soname" ]; then
    echo "FAIL: $lib has no SONAME" >&2
    fail=1
elif [ "$soname" != "$expected_soname" ]; then
    echo "FAIL: $lib has SONAME '$soname', expected '$expected_soname'" >&2
    fail=1
fi

# ---- every public declaration is exported -------------------------------------------------
if [ -n "$include_dir" ]; then
    # "CS_API <return type> name(" on one line, as the headers are written.
    declared=$(find "$include_dir" -name '*.h' -exec cat {} + \
               | sed -n 's/^[[:space:]]*CS_API[^(]*[^[:alnum:]_]\([[:alpha:]_][[:alnum:]_]*\)[[:space:]]*(.*/\1/p' \
               | LC_ALL=C sort -u)
    if [ -z "$declared" ]; then
        echo "FAIL: found no CS_API declarations under $include_dir" >&2
        fail=1
    else
        missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$public"))
        if [ -n "$missing" ]; then
            echo "FAIL: functions declared CS_API in $include_dir but not exported by $lib:" >&2
            printf '%s\n' "$missing" | sed 's/^/  /' >&2
            fail=1
        fi
    fi
fi

if [ "$fail" -ne 0 ]; then
    echo "--- $NM -D --defined-only $lib:" >&2
    printf '%s\n' "$nm_out" >&2
    exit 1
fi
echo "ok: $n_public cs_ symbols exported, SONAME $soname${version_prefix:+, versions ${version_prefix}x (nodes: $(echo $nodes))}"
