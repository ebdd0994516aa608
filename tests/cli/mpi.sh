#!/bin/sh
# `mpirun -np N classsens study` on a tiny synthetic IDX data set:
#   - 3 ranks (oversubscribed) give the same store as one process without MPI: every cell file
#     (without its timings), summary.json, results.csv and study.json byte for byte;
#   - kill -9 of a worker rank mid-cell ends the job (no hang) with a message naming that rank
#     and its cell; the finished cells stay; the same command with 2 ranks resumes to the same
#     store as one process;
#   - SIGTERM to mpirun keeps the finished cells and leaves no claim; 1 rank resumes;
#   - --data-per-rank (every rank reads the data) gives the same store; missing data is one
#     error line, not a hang;
#   - a diverging model: the failed cells, the run's closing line about them and the store are
#     those of one process; classsens status lists them; a rerun says they stay failed, and
#     --retry-failed trains them again;
#   - --shard under mpirun is refused.
# Usage: mpi.sh CLASSSENS MAKE_TINY_IDX MPIRUN WORKDIR
# Exits 77 (skipped) when mpirun cannot start two processes here.
set -u
if [ $# -ne 4 ]; then
    echo "usage: mpi.sh CLASSSENS MAKE_TINY_IDX MPIRUN WORKDIR" >&2
    exit 2
fi
cli=$1
gen=$2
mpirun=$3
work=$4
# CI runs as root; Open MPI refuses that unless told twice.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# No network interfaces beyond loopback are needed or wanted for one host.
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo

. "$(dirname "$0")/common.sh"

tiny_data "$gen" 1000 300
if ! "$mpirun" --oversubscribe -np 2 true > "$work/probe.out" 2>&1; then
    cat "$work/probe.out"
    echo "SKIP: $mpirun cannot start two processes here"
    exit 77
fi

# Compare two stores: cells without timings, then the report's tables and the configuration.
same_store() { # REFERENCE OTHER CELLS: the cells, the report's tables, the configuration, no claims
    same_cells "$1" "$2" "$3"
    for f in summary.json results.csv study.json; do
        cmp -s "$1/$f" "$2/$f" || fail "$2/$f differs from $1/$f"
    done
    [ -z "$(ls "$2/running" 2> /dev/null)" ] || fail "$2/running still holds claims: $(ls "$2/running")"
}

# Wait until a command's condition holds, at most $1 tenths of a second.
wait_for() { # TENTHS COMMAND...
    t=$1
    shift
    while ! "$@" > /dev/null 2>&1; do
        t=$((t - 1))
        [ $t -gt 0 ] || return 1
        sleep 0.1
    done
}

# ---- 3 ranks = 1 process ----------------------------------------------------------------------
fast() {
    "$cli" study --data "$data" --models lenet@3,custom:0.25@2 --noise shuffle:0.3 --reduce uniform:0.5 \
        --seeds 2 "$@"
}
step "one process, no MPI"
fast --jobs 1 --quiet --out "$work/ref" > "$work/ref.out" 2>&1 || { cat "$work/ref.out"; die "the reference run failed"; }
step "mpirun --oversubscribe -np 3"
"$mpirun" --oversubscribe -np 3 "$cli" study --data "$data" --models lenet@3,custom:0.25@2 \
    --noise shuffle:0.3 --reduce uniform:0.5 --seeds 2 --out "$work/m3" > "$work/m3.out" 2> "$work/m3.err"
rc=$?
cat "$work/m3.err"
[ $rc -eq 0 ] || die "mpirun -np 3 exited with $rc"
grep -q "^mpi: 3 ranks; 12 of 12 cells to train" "$work/m3.err" || fail "no 'mpi: 3 ranks; 12 of 12 cells to train' line"
grep -q "^\[12/12\] .* rank [0-2] on " "$work/m3.err" || fail "no '[12/12] ... rank R on HOST' line"
for r in 1 2; do
    grep -q " rank $r on " "$work/m3.err" || fail "rank $r trained no cell"
done
grep -q "^report: .*/m3/report.html" "$work/m3.out" || fail "no report line on stdout"
same_store "$work/ref" "$work/m3" 12
step "mpirun -np 2 --data-per-rank (every rank reads the data itself)"
"$mpirun" --oversubscribe -np 2 "$cli" study --data "$data" --models lenet@3,custom:0.25@2 \
    --noise shuffle:0.3 --reduce uniform:0.5 --seeds 2 --data-per-rank --out "$work/m2" > "$work/m2.out" 2> "$work/m2.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/m2.err"; fail "mpirun -np 2 --data-per-rank exited with $rc"; }
same_store "$work/ref" "$work/m2" 12
step "mpirun -np 2 with data missing: one error, no hang"
"$mpirun" --oversubscribe -np 2 "$cli" study --data "idx:$work/nothing,$work/nothing,$work/nothing,$work/nothing" \
    --models lenet@1 --out "$work/none" > "$work/none.out" 2> "$work/none.err"
rc=$?
cat "$work/none.err"
[ $rc -ne 0 ] || fail "a missing data set was accepted"
grep -q "^classsens: CS_ERR_NOT_FOUND: .*nothing" "$work/none.err" || fail "no CS_ERR_NOT_FOUND line naming the file"

# ---- failed cells ------------------------------------------------------------------------------
fail_args="--data $data --models lenet@2,lenet:0.5@2/1e30 --seeds 2 --noise none --reduce uniform:0.5"
# The closing line about failed cells, with the store's path made neutral.
closing_line() { # ERRFILE STORE
    grep 'cells failed (training diverged)' "$1" | sed "s|$2|STORE|g"
}
step "one process, a diverging model (lr 1e30)"
"$cli" study $fail_args --jobs 1 --out "$work/fref" > "$work/fref.out" 2> "$work/fref.err" ||
    { cat "$work/fref.err"; die "the reference run with failed cells failed"; }
step "mpirun -np 3, the same study: the same failed cells and closing line"
"$mpirun" --oversubscribe -np 3 "$cli" study $fail_args --out "$work/f3" > "$work/f3.out" 2> "$work/f3.err"
rc=$?
cat "$work/f3.err"
[ $rc -eq 0 ] || fail "mpirun -np 3 with failed cells exited with $rc, expected 0"
[ "$(grep -c 'FAILED: training diverged' "$work/f3.err")" -eq 4 ] || fail "not 4 FAILED lines"
grep -q "^4 cells failed (training diverged) and are kept as failed: .*classsens status $work/f3 lists them; --retry-failed" \
    "$work/f3.err" || fail "no closing line about the 4 failed cells"
[ "$(closing_line "$work/f3.err" "$work/f3")" = "$(closing_line "$work/fref.err" "$work/fref")" ] ||
    fail "the closing line differs from one process's: $(closing_line "$work/fref.err" "$work/fref")"
same_store "$work/fref" "$work/f3" 4
for f in "$work/fref/failed/"*.json; do
    g=$work/f3/failed/$(basename "$f")
    grep -v -e seconds -e '"checksum": ' "$f" > "$work/ref.stripped"
    grep -v -e seconds -e '"checksum": ' "$g" > "$work/other.stripped" 2> /dev/null || { fail "$g is missing"; continue; }
    cmp -s "$work/ref.stripped" "$work/other.stripped" || fail "$g differs from $f beyond timings"
done
[ "$(ls "$work/f3/failed/"*.json 2> /dev/null | wc -l)" -eq 4 ] || fail "f3/failed does not hold 4 files"
"$cli" status "$work/f3" > "$work/f3.status" 2>&1 || fail "status of f3 exited with $?"
cat "$work/f3.status"
grep -q ': 4 of 8 cells done, 4 failed, 0 running, 0 missing$' "$work/f3.status" || fail "status header of f3"
[ "$(grep -c 'epoch 1: cs_model_train: the loss became NaN' "$work/f3.status")" -eq 4 ] ||
    fail "status does not list the 4 failed cells of f3"
step "mpirun -np 2 reruns it: the failed cells stay failed; --retry-failed trains them again"
"$mpirun" --oversubscribe -np 2 "$cli" study $fail_args --out "$work/f3" > "$work/f4.out" 2> "$work/f4.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/f4.err"; fail "the rerun exited with $rc"; }
grep -q "^mpi: 2 ranks; 0 of 8 cells to train (8 already in .*, 4 of them failed and stay failed: --retry-failed" \
    "$work/f4.err" || { cat "$work/f4.err"; fail "the rerun does not say the failed cells stay failed"; }
grep -q -e FAILED -e 'cells failed' "$work/f4.err" && fail "the rerun trained or counted failed cells without --retry-failed"
"$mpirun" --oversubscribe -np 2 "$cli" study $fail_args --retry-failed --no-report --out "$work/f3" > "$work/f5.out" 2> "$work/f5.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/f5.err"; fail "--retry-failed under mpirun exited with $rc"; }
grep -q "^mpi: 2 ranks; 4 of 8 cells to train (4 already in [^,]*), " "$work/f5.err" ||
    { cat "$work/f5.err"; fail "--retry-failed does not train exactly the 4 failed cells"; }
grep -q '^4 cells failed (training diverged)' "$work/f5.err" || fail "--retry-failed: no closing line"

# ---- a worker killed mid-cell, then resumed with 2 ranks ----------------------------------------
# Cells long enough to be caught mid-training (a few seconds each; the sanitizer build, several
# times slower, divides the epochs by CS_CLI_EPOCH_DIVISOR).
slow_epochs=$((100 / ${CS_CLI_EPOCH_DIVISOR:-1}))
slow_args="--data $data --models lenet@$slow_epochs --noise shuffle:0.3 --reduce none --seeds 3"
step "one process, the slow study"
"$cli" study $slow_args --jobs 2 --quiet --no-report --out "$work/ref2" > "$work/ref2.out" 2>&1 ||
    { cat "$work/ref2.out"; die "the slow reference run failed"; }
"$cli" report "$work/ref2" > /dev/null || die "report of ref2 failed"

step "mpirun -np 3, kill -9 of a worker rank while it trains"
"$mpirun" --oversubscribe -np 3 "$cli" study $slow_args --out "$work/k" > "$work/k.out" 2> "$work/k.err" &
job=$!
some_cell() {
    ls "$work/k/cells/"*.json > /dev/null 2>&1
}
# A copy of the claim of a cell that rank 1 or 2 trains (claims come and go with the cells).
copy_worker_claim() {
    for f in "$work/k/running/"*.json; do
        cp "$f" "$work/victim.json" 2> /dev/null || continue
        grep -q '"worker": "rank [12]"' "$work/victim.json" && return 0
    done
    return 1
}
wait_for 3000 some_cell || fail "no cell stored within 300 s"
wait_for 3000 copy_worker_claim || die "no claim of rank 1 or 2 within 300 s"
victim_rank=$(sed -n 's/.*"worker": "rank \([0-9]*\)".*/\1/p' "$work/victim.json")
victim_pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$work/victim.json")
victim_cell=$(sed -n 's/.*"condition": "\(.*\)".*/\1/p' "$work/victim.json")
victim_rep=$(sed -n 's/.*"replicate": \([0-9]*\).*/\1/p' "$work/victim.json")
echo "killing rank $victim_rank (pid $victim_pid), training (lenet, $victim_cell, replicate $victim_rep)"
kill -9 "$victim_pid"
t=600
while kill -0 $job 2> /dev/null; do
    t=$((t - 1))
    if [ $t -le 0 ]; then
        kill -9 $job
        fail "mpirun still runs 60 s after rank $victim_rank died (a hang)"
        break
    fi
    sleep 0.1
done
wait $job
rc=$?
cat "$work/k.err"
[ $rc -ne 0 ] || fail "mpirun exited with 0 after a rank died"
# The rank may have stored that cell and started its next one just before the kill: the line
# names the rank and whichever cell it was training.
# Rank 0's handler names the dead rank and its cell when Open MPI leaves it the moment to (it
# kills the survivors one second after SIGTERM, and may stop forwarding their output first);
# in any case mpirun names the rank and the store keeps its claim, which `classsens status`
# marks stale.
if grep -q "^classsens: rank $victim_rank (.*pid $victim_pid) died while training (lenet, [^,]*, replicate [0-9])" \
    "$work/k.err"; then
    grep -q "died while training (lenet, $victim_cell, replicate $victim_rep)" "$work/k.err" ||
        echo "NOTE: rank $victim_rank had moved on from (lenet, $victim_cell, replicate $victim_rep) before the kill"
else
    echo "NOTE: rank 0's line did not come through; checking mpirun's line and the claim"
    grep -q "process rank $victim_rank with PID .* exited on signal 9" "$work/k.err" ||
        fail "neither rank 0 nor mpirun named rank $victim_rank"
    "$cli" status "$work/k" > "$work/k.status" 2>&1
    cat "$work/k.status"
    grep -q "lenet .* r[0-9] .*rank $victim_rank on .*pid $victim_pid.*stale" "$work/k.status" ||
        fail "classsens status does not show rank $victim_rank's cell as stale"
fi
kept=$(ls "$work/k/cells/"*.json 2> /dev/null | wc -l)
echo "k: $kept of 6 cells kept"
[ "$kept" -ge 1 ] || fail "the finished cells were lost"

step "the same command with 2 ranks resumes"
"$mpirun" --oversubscribe -np 2 "$cli" study $slow_args --out "$work/k" > "$work/k2.out" 2> "$work/k2.err"
rc=$?
cat "$work/k2.err"
[ $rc -eq 0 ] || fail "the resumed run exited with $rc"
grep -q "^mpi: 2 ranks; $((6 - kept)) of 6 cells to train ($kept already in " "$work/k2.err" ||
    fail "the resumed run does not train exactly the $((6 - kept)) missing cells"
same_store "$work/ref2" "$work/k" 6

# ---- SIGTERM to the job -----------------------------------------------------------------------
step "mpirun -np 3, SIGTERM to mpirun after the first cell"
"$mpirun" --oversubscribe -np 3 "$cli" study $slow_args --out "$work/t" > "$work/t.out" 2> "$work/t.err" &
job=$!
some_t_cell() {
    ls "$work/t/cells/"*.json > /dev/null 2>&1
}
wait_for 3000 some_t_cell || fail "no cell stored within 300 s"
kill -TERM $job
t=600
while kill -0 $job 2> /dev/null; do
    t=$((t - 1))
    [ $t -gt 0 ] || { kill -9 $job; fail "mpirun still runs 60 s after SIGTERM"; break; }
    sleep 0.1
done
wait $job
rc=$?
cat "$work/t.err"
[ $rc -ne 0 ] || echo "NOTE: the job had finished before SIGTERM arrived"
kept=$(ls "$work/t/cells/"*.json 2> /dev/null | wc -l)
[ "$kept" -ge 1 ] || fail "the finished cells were lost"
if [ $rc -ne 0 ] && [ -n "$(ls "$work/t/running" 2> /dev/null)" ]; then
    # Rank 0 removes the claims when it has the time; Open MPI may kill it first.
    echo "NOTE: claims left after SIGTERM (rank 0 was killed before its orderly stop): $(ls "$work/t/running")"
fi
for f in "$work/t/cells/"*.json; do
    grep -q '"format": "classsens-cell"' "$f" || fail "$f is not a whole cell file"
done
step "1 rank resumes"
"$mpirun" -np 1 "$cli" study $slow_args --out "$work/t" > "$work/t2.out" 2> "$work/t2.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/t2.err"; fail "the resumed run exited with $rc"; }
same_store "$work/ref2" "$work/t" 6

# ---- refused ------------------------------------------------------------------------------------
step "--shard under mpirun"
"$mpirun" --oversubscribe -np 2 "$cli" study $slow_args --shard 0/2 --out "$work/s" > "$work/s.out" 2> "$work/s.err"
rc=$?
[ $rc -ne 0 ] || fail "--shard under mpirun was accepted"
grep -q "classsens: error: --shard splits a study without MPI" "$work/s.err" || fail "no message about --shard"

finish mpi
