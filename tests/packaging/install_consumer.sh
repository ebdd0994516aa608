#!/usr/bin/env bash
# Installs the built library into a temporary prefix and builds three consumers against it,
# the way users do, without anything from the source or build tree:
#   a) pkg-config, shared library;
#   b) find_package(classsens) with classsens::classsens and classsens::classsens_static;
#   c) pkg-config --static, static archive (checked not to need libclasssens.so).
# Each program must print "consumer ok". Quiet on success; on failure, prints the failing
# step's full output. KEEP_TMP=1 keeps the temporary directory for inspection.
#
# usage: install_consumer.sh BUILD_DIR SOURCE_DIR C_COMPILER BUILD_TYPE SANITIZE(ON|OFF) [CMAKE]
set -euo pipefail

if [ $# -lt 5 ] || [ $# -gt 6 ]; then
    echo "usage: $0 BUILD_DIR SOURCE_DIR C_COMPILER BUILD_TYPE SANITIZE [CMAKE]" >&2
    exit 2
fi
build_dir=$1
source_dir=$2
cc=$3
build_type=${4:-Release}
sanitize=$5
cmake=${6:-cmake}
consumer_src=$source_dir/tests/packaging/consumer

case "$sanitize" in
    ON|on|On|TRUE|true|True|YES|yes|Y|y|1)
        san_cflags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
        san_ldflags="-fsanitize=address,undefined" ;;
    *)
        san_cflags=""
        san_ldflags="" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/classsens-install.XXXXXX")
cleanup() {
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "install_consumer: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
prefix=$tmp/prefix
logs=$tmp/logs
mkdir -p "$logs"

# Nothing from the environment may make a consumer find another copy of the library.
unset PKG_CONFIG_PATH CMAKE_PREFIX_PATH classsens_DIR LD_LIBRARY_PATH CPATH C_INCLUDE_PATH \
      LIBRARY_PATH CFLAGS LDFLAGS || true

step=0
# run NAME COMMAND...: runs COMMAND with its output in a log; prints the log and fails on error.
run() {
    local name=$1
    shift
    step=$((step + 1))
    local log=$logs/$step-$name.log
    if ! "$@" >"$log" 2>&1; then
        echo "FAIL: $name" >&2
        echo "--- command: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# check_run NAME PROGRAM: runs a consumer and requires "consumer ok" in its output.
check_run() {
    local name=$1 prog=$2
    run "$name" "$prog"
    if ! grep -qx 'consumer ok' "$logs/$step-$name.log"; then
        echo "FAIL: $name did not print 'consumer ok':" >&2
        cat "$logs/$step-$name.log" >&2
        exit 1
    fi
}
# needed_libs BINARY: the DT_NEEDED entries of an ELF file.
needed_libs() {
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'
}

# ---- install ------------------------------------------------------------------------------
run install "$cmake" --install "$build_dir" --prefix "$prefix" --config "$build_type"

pcfile=$(find "$prefix" -path '*/pkgconfig/classsens.pc' -print -quit)
[ -n "$pcfile" ] || fail "no pkgconfig/classsens.pc under $prefix; installed files: $(cd "$prefix" && find . -type f)"
pcdir=$(dirname "$pcfile")
libdir=$(dirname "$pcdir")
[ -e "$libdir/libclasssens.so" ] || fail "no libclasssens.so next to $pcdir"
[ -e "$libdir/libclasssens.a" ] || fail "no libclasssens.a next to $pcdir"
[ -f "$prefix/include/classsens.h" ] || fail "classsens.h is not installed in $prefix/include"
[ -f "$prefix/include/classsens/version.h" ] || fail "classsens/version.h is not installed"
cmake_config=$(find "$prefix" -name classsensConfig.cmake -print -quit)
[ -n "$cmake_config" ] || fail "classsensConfig.cmake is not installed"

# The prefix is moved before use: both the .pc and the CMake package must be relocatable.
mv "$prefix" "$tmp/moved"
prefix=$tmp/moved
pcdir=$prefix/${pcdir#"$tmp/prefix/"}
libdir=$prefix/${libdir#"$tmp/prefix/"}

export PKG_CONFIG_PATH=$pcdir
pkgconf() {
    local out
    if ! out=$(pkg-config "$@" classsens 2>&1); then
        echo "FAIL: pkg-config $* classsens:" >&2
        echo "$out" >&2
        exit 1
    fi
    printf '%s\n' "$out"
}
pc_version=$(pkgconf --modversion)
pc_cflags=$(pkgconf --cflags)
pc_libs=$(pkgconf --libs)
pc_static_libs=$(pkgconf --static --libs)
case "$pc_cflags $pc_libs" in
    *"$prefix"*) ;;
    *) fail "pkg-config flags do not point into the prefix $prefix: $pc_cflags $pc_libs" ;;
esac

warn="-std=c11 -Wall -Wextra -Wpedantic -Werror"

# ---- a) pkg-config, shared ----------------------------------------------------------------
# shellcheck disable=SC2086  # the flags are lists of words
run pc-shared-build "$cc" $warn $san_cflags $pc_cflags -o "$tmp/consumer_pc" \
    "$consumer_src/main.c" $san_ldflags $pc_libs
needed_libs "$tmp/consumer_pc" | grep -qx 'libclasssens.so.[0-9]*' \
    || fail "consumer_pc does not need libclasssens.so.N: $(needed_libs "$tmp/consumer_pc" | tr '\n' ' ')"
# Make sure the copy in the prefix is the one that gets loaded.
resolved=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/consumer_pc" | awk '/libclasssens/ { print $3 }')
case "$resolved" in
    "$libdir"/*) ;;
    *) fail "consumer_pc loads libclasssens from '$resolved', not from $libdir" ;;
esac
LD_LIBRARY_PATH=$libdir check_run pc-shared-run "$tmp/consumer_pc"
out=$(cat "$logs/$step-pc-shared-run.log")
case "$out" in
    *"classsens $pc_version "*) ;;
    *) fail "consumer_pc reports a version other than pkg-config's $pc_version: $out" ;;
esac

# ---- b) find_package(classsens) -----------------------------------------------------------
run cmake-configure "$cmake" -S "$consumer_src" -B "$tmp/consumer-build" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE="$build_type" \
    -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
    -DCMAKE_C_FLAGS="$san_cflags" -DCMAKE_EXE_LINKER_FLAGS="$san_ldflags"
found_dir=$(sed -n 's/^classsens_DIR:[A-Z]*=//p' "$tmp/consumer-build/CMakeCache.txt")
case "$found_dir" in
    "$prefix"/*) ;;
    *) fail "find_package(classsens) found '$found_dir', not the package in $prefix" ;;
esac
run cmake-build "$cmake" --build "$tmp/consumer-build" --config "$build_type"
exe() {  # the executable, in a single- or a multi-config build tree
    local f
    for f in "$tmp/consumer-build/$1" "$tmp/consumer-build/$build_type/$1"; do
        [ -x "$f" ] && { echo "$f"; return; }
    done
    fail "$1 was not built"
}
cm_shared=$(exe consumer)
cm_static=$(exe consumer_static)
needed_libs "$cm_shared" | grep -q '^libclasssens\.so' \
    || fail "consumer (classsens::classsens) does not need libclasssens.so"
if needed_libs "$cm_static" | grep -q '^libclasssens\.so'; then
    fail "consumer_static (classsens::classsens_static) needs libclasssens.so"
fi
# No LD_LIBRARY_PATH: the build tree's RPATH must find the library in the prefix.
check_run cmake-shared-run "$cm_shared"
check_run cmake-static-run "$cm_static"

# ---- c) pkg-config --static ---------------------------------------------------------------
# pkg-config --static gives the archive's dependencies (Libs.private, Requires.private); the
# linker is told to take libclasssens itself from the archive, whatever else it finds.
static_libs=()
for w in $pc_static_libs; do
    if [ "$w" = -lclasssens ]; then
        static_libs+=(-l:libclasssens.a)
    else
        static_libs+=("$w")
    fi
done
# shellcheck disable=SC2086
run pc-static-build "$cc" $warn $san_cflags $pc_cflags -o "$tmp/consumer_pc_static" \
    "$consumer_src/main.c" $san_ldflags "${static_libs[@]}"
if needed_libs "$tmp/consumer_pc_static" | grep -q '^libclasssens\.so'; then
    fail "consumer_pc_static needs libclasssens.so: $(needed_libs "$tmp/consumer_pc_static" | tr '\n' ' ')"
fi
check_run pc-static-run "$tmp/consumer_pc_static"

echo "install_consumer: ok (pkg-config shared, pkg-config static, find_package shared + static)"
