#!/bin/sh
# The Python test suite against one build of libclasssens (ctest runs it as the test "python").
# Usage: python/run_tests.sh LIBRARY [sanitize]
#   LIBRARY   path of libclasssens.so.1 to test (CLASSSENS_LIBRARY)
#   sanitize  the library is built with ASan + UBSan: preload the ASan runtime into Python
#             (leak checking off: the interpreter keeps memory to its exit by design)
# Exits 77 (skipped) when Debian's Python lacks cffi, numpy, pandas or pytest
# (scripts/setup.sh installs them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=${CS_PYTHON:-/usr/bin/python3}
if [ $# -lt 1 ]; then
  echo "usage: $0 LIBRARY [sanitize]" >&2
  exit 2
fi
if ! "$py" -c 'import cffi, numpy, pandas, pytest' 2>/dev/null; then
  echo "python: skipped: $py lacks cffi, numpy, pandas or pytest (scripts/setup.sh installs python3-cffi python3-numpy python3-pandas python3-pytest)"
  exit 77
fi
case $1 in
  /*) CLASSSENS_LIBRARY=$1 ;;
  *) CLASSSENS_LIBRARY=$(pwd)/$1 ;;
esac
PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export CLASSSENS_LIBRARY PYTHONPATH
if [ "${2:-}" = sanitize ]; then
  asan=$(${CC:-cc} -print-file-name=libasan.so)
  if [ ! -f "$asan" ]; then
    echo "python: skipped: no shared ASan runtime from ${CC:-cc} to preload into $py"
    exit 77
  fi
  LD_PRELOAD=$asan${LD_PRELOAD:+:$LD_PRELOAD}
  # Last, so that it wins over a detect_leaks=1 the caller (ctest's asan preset) set: the leaks
  # LeakSanitizer would report are the interpreter's own, which it never frees at exit.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  CS_PY_SANITIZE=1
  export LD_PRELOAD ASAN_OPTIONS CS_PY_SANITIZE
fi
cd "$here"
exec "$py" -m pytest -q -p no:cacheprovider tests
