#!/bin/sh
# Run a command and check its exit code and what it printed.
# Usage: expect.sh RC REGEX COMMAND [ARGS...]
#   RC 0: stdout must match the extended regular expression REGEX and stderr be empty;
#   RC other: stdout must be empty and stderr exactly one line matching REGEX.
set -u
if [ $# -lt 3 ]; then
    echo "usage: expect.sh RC REGEX COMMAND [ARGS...]" >&2
    exit 2
fi
want=$1
regex=$2
shift 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-expect.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
rc=$?
bad=0
echo "\$ $*"
echo "exit code $rc"
echo "--- stdout"
cat "$tmp/out"
echo "--- stderr"
cat "$tmp/err"
echo "---"
if [ "$rc" -ne "$want" ]; then
    echo "FAIL: exit code $rc, expected $want"
    bad=1
fi
if [ "$want" -eq 0 ]; then
    if ! grep -Eq -- "$regex" "$tmp/out"; then
        echo "FAIL: stdout does not match /$regex/"
        bad=1
    fi
    if [ -s "$tmp/err" ]; then
        echo "FAIL: stderr is not empty"
        bad=1
    fi
else
    lines=$(wc -l < "$tmp/err")
    if [ "$lines" -ne 1 ]; then
        echo "FAIL: stderr has $lines lines, expected one"
        bad=1
    fi
    if ! grep -Eq -- "$regex" "$tmp/err"; then
        echo "FAIL: stderr does not match /$regex/"
        bad=1
    fi
    if [ -s "$tmp/out" ]; then
        echo "FAIL: stdout is not empty"
        bad=1
    fi
fi
[ $bad -eq 0 ] && echo "PASS"
exit $bad
