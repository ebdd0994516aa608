#!/bin/sh
# `classsens status` on a store made by a tiny study, then edited by hand the way processes leave
# it: cells deleted (missing), claims written in running/ (a process on this host that is gone,
# one that is alive, one on another host, and a leftover claim of a finished cell). Checks
#   - the counts (header and per model), the running cells in index order with their worker,
#     host, pid and age, the stale marker only on the dead local process, the missing cells;
#   - the first 20 missing cells and "... and N more", every one with --all;
#   - the claim a running `classsens study` writes itself, live and then killed (-9): stale;
#   - a damaged claim (exit 1, one line naming the file, "delete it"), a directory that is not a
#     store (exit 1), bad options (exit 2), --help.
# Usage: status.sh CLASSSENS MAKE_TINY_IDX WORKDIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: status.sh CLASSSENS MAKE_TINY_IDX WORKDIR" >&2
    exit 2
fi
cli=$1
gen=$2
work=$3

. "$(dirname "$0")/common.sh"
# expect_line FILE EXTENDED_REGEX WHAT: FILE has a line matching the regex.
expect_line() {
    grep -Eq -- "$2" "$1" || fail "$3: no line matches /$2/ in $1"
}

rm -rf "$work"
mkdir -p "$work/data" || die "cannot create $work"
"$gen" "$work/data" 300 60 16 3 1 || die "make_tiny_idx failed"
d=$work/data
data="idx:$d/train-images-idx3-ubyte,$d/train-labels-idx1-ubyte,$d/t10k-images-idx3-ubyte,$d/t10k-labels-idx1-ubyte"

study() { # OUT SEEDS REDUCE
    "$cli" study --data "$data" --models lenet@1 --seeds "$2" --noise shuffle:0.3 --reduce "$3" --no-report \
        --quiet --out "$1" > /dev/null 2> "$work/study.err" || { cat "$work/study.err"; die "study into $1 failed"; }
}
run_status() { # ARGS...: stdout in $work/out, stderr in $work/err, exit code in $rc
    "$cli" status "$@" > "$work/out" 2> "$work/err"
    rc=$?
    cat "$work/out" "$work/err"
}

# ---- a complete store: 1 model x (baseline, shuffle:0.3, reduce:uniform:0.5) x 2 seeds ------------
step "study S (6 cells), then status S"
S=$work/S
study "$S" 2 uniform:0.5
hash=$(sed -n 's/^  "config_hash": "\([0-9a-f]*\)",$/\1/p' "$S/study.json")
[ -n "$hash" ] || die "no config_hash in $S/study.json"
run_status "$S"
[ $rc -eq 0 ] || fail "status of a complete store exited with $rc"
[ ! -s "$work/err" ] || fail "status printed on stderr"
expect_line "$work/out" "^study $hash on idx:train-images-idx3-ubyte: 6 of 6 cells done, 0 running, 0 missing$" "header"
expect_line "$work/out" "^  lenet: 6 of 6 done, 0 running, 0 missing$" "model line"
[ "$(wc -l < "$work/out")" -eq 2 ] || fail "a complete store's status is not exactly two lines"

# ---- cells deleted, claims written by hand ------------------------------------------------------
# claim FILE CONDITION REPLICATE WORKER HOST PID
mkdir -p "$S/running"
now=$(date +%s)
claim() {
    cat > "$S/running/$1" << EOF
{
  "format": "classsens-claim",
  "version": 3,
  "config_hash": "$hash",
  "model": "lenet",
  "condition": "$2",
  "replicate": $3,
  "worker": "$4",
  "host": "$5",
  "pid": $6,
  "since": $((now - 300)).5
}
EOF
}
host=$(uname -n)
# A process of this host that is gone: one that has exited and been reaped.
sh -c 'exit 0' &
dead=$!
wait $dead
kill -0 "$dead" 2> /dev/null && die "pid $dead still exists"

rm -f "$S/cells/lenet__baseline__r1.json" "$S/cells/lenet__shuffle-0.3__r0.json" \
    "$S/cells/lenet__shuffle-0.3__r1.json" "$S/cells/lenet__reduce-uniform-0.5__r0.json"
claim lenet__shuffle-0.3__r0.json shuffle:0.3 0 "rank 2" "$host" "$dead"
claim lenet__shuffle-0.3__r1.json shuffle:0.3 1 "local" "$host" $$
claim lenet__reduce-uniform-0.5__r0.json reduce:uniform:0.5 0 "shard 1/4" "elsewhere.invalid" 1
# Left behind by a process killed after storing its cell: ignored, not even read.
echo '{not json' > "$S/running/lenet__baseline__r0.json"

step "status S: 2 done, 3 running (one stale), 1 missing"
run_status "$S"
[ $rc -eq 0 ] || fail "status exited with $rc"
[ ! -s "$work/err" ] || fail "status printed on stderr"
expect_line "$work/out" "^study $hash on idx:train-images-idx3-ubyte: 2 of 6 cells done, 3 running, 1 missing$" "header"
expect_line "$work/out" "^  lenet: 2 of 6 done, 3 running, 1 missing$" "model line"
age="since ([0-9]{4}-[0-9]{2}-[0-9]{2} )?[0-9]{2}:[0-9]{2}:[0-9]{2} UTC \\([5-9]m ago\\)"
# The running cells, in (model, condition, replicate) order, then the missing one.
sed -n '/^running:$/,/^missing:$/p' "$work/out" | sed '1d;$d' > "$work/running"
[ "$(wc -l < "$work/running")" -eq 3 ] || fail "not three running cells listed"
line1="^  lenet +shuffle:0\\.3 +r0 +rank 2 on $host, pid $dead, $age, stale: process gone$"
line3="^  lenet +reduce:uniform:0\\.5 +r0 +shard 1/4 on elsewhere\\.invalid, pid 1, $age$"
sed -n 1p "$work/running" | grep -Eq "$line1" ||
    fail "running line 1 is not the dead local claim marked stale"
sed -n 2p "$work/running" | grep -Eq "^  lenet +shuffle:0\\.3 +r1 +local on $host, pid $$, $age$" ||
    fail "running line 2 is not the live local claim (unmarked)"
sed -n 3p "$work/running" | grep -Eq "$line3" ||
    fail "running line 3 is not the other host's claim (unmarked)"
[ "$(grep -c 'stale' "$work/out")" -eq 1 ] || fail "not exactly one claim marked stale"
sed -n '/^missing:$/,$p' "$work/out" | sed 1d > "$work/missing"
[ "$(wc -l < "$work/missing")" -eq 1 ] && grep -Eq "^  lenet +baseline +r1$" "$work/missing" ||
    fail "the missing section is not exactly (lenet, baseline, r1)"

step "a damaged claim is refused, naming the file"
echo '{"format": "classsens-claim",' > "$S/running/lenet__baseline__r1.json"
run_status "$S"
[ $rc -eq 1 ] || fail "exit code $rc for a damaged claim, expected 1"
[ ! -s "$work/out" ] || fail "stdout is not empty"
[ "$(wc -l < "$work/err")" -eq 1 ] || fail "stderr is not one line"
expect_line "$work/err" "^classsens: CS_ERR_CORRUPT: .*running/lenet__baseline__r1\\.json.*delete it" "error"
rm -f "$S/running/lenet__baseline__r1.json"

# ---- more than 20 missing cells --------------------------------------------------------------
step "study M (22 cells), every cell deleted: 20 listed and '... and 2 more'; all 22 with --all"
M=$work/M
study "$M" 11 none
rm -f "$M"/cells/*.json
run_status "$M"
[ $rc -eq 0 ] || fail "status exited with $rc"
expect_line "$work/out" ": 0 of 22 cells done, 0 running, 22 missing$" "header"
grep -q "^running:" "$work/out" && fail "a running section without running cells"
[ "$(grep -c '^  lenet  ' "$work/out")" -eq 20 ] || fail "not 20 missing cells listed"
expect_line "$work/out" "^  \\.\\.\\. and 2 more \\(--all lists every one\\)$" "the rest"
sed -n '/^missing:$/{n;p;q;}' "$work/out" | grep -Eq "^  lenet  baseline +r0$" ||
    fail "the first missing cell is not (lenet, baseline, r0)"
run_status "$M" --all
[ $rc -eq 0 ] || fail "status --all exited with $rc"
[ "$(grep -c '^  lenet  ' "$work/out")" -eq 22 ] || fail "--all does not list 22 missing cells"
grep -q "more" "$work/out" && fail "--all still says '... and N more'"
tail -n 1 "$work/out" | grep -Eq "^  lenet  shuffle:0\\.3 +r10$" ||
    fail "the last missing cell is not (lenet, shuffle:0.3, r10)"

# ---- a live run's own claim, then the same claim after the run is killed ----------------------
step "study L (one long cell) in the background: status shows its claim; after kill -9, stale"
L=$work/L
"$cli" study --data "$data" --models lenet@100000 --seeds 1 --noise none --reduce none --no-report --quiet \
    --out "$L" > /dev/null 2> "$work/L.err" &
pid=$!
trap 'kill -9 $pid 2> /dev/null' EXIT
waited=0
while ! ls "$L"/running/*.json > /dev/null 2>&1; do
    kill -0 $pid 2> /dev/null || break
    sleep 0.05
    waited=$((waited + 1))
    [ $waited -lt 2400 ] || break
done
if ls "$L"/running/*.json > /dev/null 2>&1; then
    run_status "$L"
    [ $rc -eq 0 ] || fail "status during the run exited with $rc"
    expect_line "$work/out" ": 0 of 1 cells done, 1 running, 0 missing$" "header during the run"
    expect_line "$work/out" "^  lenet +baseline +r0 +local on $host, pid $pid, since " "the run's own claim"
    grep -q "stale" "$work/out" && fail "the claim of a live process is marked stale"
    kill -9 $pid
    wait $pid 2> /dev/null
    run_status "$L"
    [ $rc -eq 0 ] || fail "status after the kill exited with $rc"
    expect_line "$work/out" "^  lenet +baseline +r0 +local on $host, pid $pid, since .*, stale: process gone$" \
        "the killed run's claim"
else
    cat "$work/L.err"
    fail "no claim appeared in $L/running while the study ran"
fi
kill -9 $pid 2> /dev/null
wait $pid 2> /dev/null
trap - EXIT

# ---- errors and help ---------------------------------------------------------------------------
step "errors and help"
run_status "$work/data"
[ $rc -eq 1 ] || fail "exit code $rc for a directory that is not a store, expected 1"
expect_line "$work/err" "^classsens: CS_ERR_NOT_FOUND: .*is not a results store" "not a store"
run_status "$S" --frobnicate
[ $rc -eq 2 ] || fail "exit code $rc for an unknown option, expected 2"
run_status
[ $rc -eq 2 ] || fail "exit code $rc without a directory, expected 2"
expect_line "$work/err" "^classsens: error: status: missing the store directory" "no directory"
run_status "$S" "$M"
[ $rc -eq 2 ] || fail "exit code $rc for two directories, expected 2"
run_status --help
[ $rc -eq 0 ] || fail "--help exited with $rc"
head -n 1 "$work/out" | grep -q "^usage: classsens status DIR" || fail "--help does not start with the usage line"

finish status
