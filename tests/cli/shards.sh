#!/bin/sh
# `classsens study --shard I/N` on a tiny synthetic IDX data set:
#   - three shards started at once into one store each train only their own cells, never
#     damage each other's, and say so; `classsens report` on the store then writes the same
#     summary.json and results.csv, and the cells the same bytes (without timings), as one
#     process without shards;
#   - `classsens status` counts the store complete; a shard run again trains nothing;
#   - a shard's split does not depend on the other shards: every cell is trained exactly once.
# Usage: shards.sh CLASSSENS MAKE_TINY_IDX WORKDIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: shards.sh CLASSSENS MAKE_TINY_IDX WORKDIR" >&2
    exit 2
fi
cli=$1
gen=$2
work=$3

. "$(dirname "$0")/common.sh"

tiny_data "$gen" 1500 300
cells=18 # 2 models x 3 conditions x 3 seeds
# The sanitizer build, several times slower, divides the epochs by CS_CLI_EPOCH_DIVISOR.
div=${CS_CLI_EPOCH_DIVISOR:-1}
study() {
    "$cli" study --data "$data" --models "lenet@$((8 / div + 1)),custom:0.25@$((3 / div + 1))" --noise shuffle:0.3 \
        --reduce uniform:0.5 --seeds 3 --jobs 1 "$@"
}

step "one process"
study --quiet --out "$work/ref" > "$work/ref.out" 2>&1 || { cat "$work/ref.out"; die "the reference run failed"; }

step "shards 0/3, 1/3 and 2/3 at once into one store"
for i in 0 1 2; do
    study --shard $i/3 --out "$work/shared" > "$work/s$i.out" 2> "$work/s$i.err" &
    eval "pid$i=\$!"
done
total=0
for i in 0 1 2; do
    eval "wait \$pid$i"
    rc=$?
    cat "$work/s$i.err"
    [ $rc -eq 0 ] || fail "shard $i/3 exited with $rc"
    grep -q "^shard $i/3 done: its cells are in .*; when every shard is done: classsens report " "$work/s$i.out" ||
        fail "shard $i/3 did not say it is done"
    grep -q "; shard $i/3$" "$work/s$i.err" || fail "shard $i/3's header does not name its shard"
    n=$(grep -c '^\[' "$work/s$i.err")
    [ "$n" -ge 1 ] || fail "shard $i/3 trained no cell"
    total=$((total + n))
done
[ "$total" -eq $cells ] || fail "the shards trained $total cells together, expected $cells (each exactly once)"
[ ! -e "$work/shared/report.html" ] || fail "a shard wrote a report"
[ -z "$(ls "$work/shared/running" 2> /dev/null)" ] || fail "claims left in shared/running"

step "classsens status"
"$cli" status "$work/shared" > "$work/status.out" 2>&1 || fail "status exited with $?"
cat "$work/status.out"
grep -q "$cells of $cells cells done, 0 running, 0 missing" "$work/status.out" || fail "status does not count the store complete"

step "classsens report on the shared store"
"$cli" report "$work/shared" > "$work/report.out" 2>&1 || { cat "$work/report.out"; fail "report failed"; }
for f in summary.json results.csv study.json; do
    cmp -s "$work/ref/$f" "$work/shared/$f" || fail "shared/$f differs from the one-process run's"
done
same_cells "$work/ref" "$work/shared" $cells

step "a shard run again trains nothing"
study --shard 1/3 --out "$work/shared" > "$work/again.out" 2> "$work/again.err" || fail "the rerun failed"
[ "$(grep -c '^\[' "$work/again.err")" -eq 0 ] || fail "the rerun trained cells"
grep -q "^resuming: " "$work/again.err" || fail "the rerun does not say it resumes"

finish shards
