#!/bin/sh
# Kill-9 soak: SIGKILL `classsens study` at random moments, again and again, and check that the
# store it leaves always reads and always resumes to the same results as an uninterrupted run.
#   1. A: one uninterrupted run of a tiny study (6 cells); its wall time T sets the range of the
#      kill moments. R: the same on a complete store without its report (verifying every cell,
#      then writing the report); its wall time T_R.
#   2. B: start the same study, SIGKILL it after a random delay in [0, T] ([0, T_R] when the
#      store is complete), run `classsens status` on what it left (must read), start it again
#      (it resumes) — until KILLS kills have landed on a live process. A run that finishes
#      before its kill completes the store; then the report files are deleted, and every other
#      time 3 to 6 random cells too, so that the next kills land in training, resuming and
#      report writing again (cells are deterministic: retraining gives the same bytes).
#   3. A last uninterrupted run of B, then: summary.json and results.csv are byte-identical to
#      A's, every cell file equals A's except the lines of its timings, and no temporary file
#      of an interrupted write is left in B (the store removes them at the next run).
# Each kill is counted by where it landed, as seen from the store just before it: "training" (a
# cell claimed in running/, or stored by this run), "report" (every cell stored, and the report's
# files or temporary files changed since the run started) or "start" (the store being opened and every cell verified,
# or the moment between two cells).
#
# Usage: kill_soak.sh CLASSSENS MAKE_TINY_IDX WORKDIR [KILLS [SEED]]   (default 5 kills, seed 1)
set -u
if [ $# -lt 3 ] || [ $# -gt 5 ]; then
    echo "usage: kill_soak.sh CLASSSENS MAKE_TINY_IDX WORKDIR [KILLS [SEED]]" >&2
    exit 2
fi
cli=$1
gen=$2
work=$3
kills_wanted=${4:-5}
seed=${5:-1}

. "$(dirname "$0")/common.sh"

tiny_data "$gen" 600 150
cells=6   # 1 model x (baseline, shuffle:0.3, reduce:uniform:0.5) x 2 seeds
study() {
    "$cli" study --data "$data" --models lenet@3 --noise shuffle:0.3 --reduce uniform:0.5 --seeds 2 \
        --jobs 2 "$@"
}
# The same in the background, started from this shell so that $! is classsens itself: a
# function run with `&` is a subshell, and SIGKILL to it would leave classsens running on.
study_bg() {
    "$cli" study --data "$data" --models lenet@3 --noise shuffle:0.3 --reduce uniform:0.5 --seeds 2 \
        --jobs 2 "$@" > "$work/B.out" 2> "$work/B.err" &
}
# now_ms: milliseconds on a clock that only needs to be monotonic over the run.
now_ms() {
    date +%s%3N
}
# A pseudo-random stream from SEED, one number in [0, 1) per call (state in $work/rng).
echo "$seed" > "$work/rng"
random01() {
    r=$(awk -v s="$(cat "$work/rng")" 'BEGIN { s = (s * 1103515245 + 12345) % 2147483648; print s; }')
    echo "$r" > "$work/rng"
    awk -v r="$r" 'BEGIN { printf "%.6f\n", r / 2147483648 }'
}
stored() {
    ls "$1"/cells/*.json 2> /dev/null | wc -l
}
# The report's files and temporary files, as one line per name (they change when it writes).
report_files() {
    ls -d "$1"/report.html* "$1"/results.csv* "$1"/summary.json* "$1"/figures "$1"/figures/* 2> /dev/null
}

step "A: one uninterrupted run"
t0=$(now_ms)
study --out "$work/A" > "$work/A.out" 2> "$work/A.err" || { cat "$work/A.err"; die "study A failed"; }
t_ms=$(( $(now_ms) - t0 ))
[ "$(stored "$work/A")" -eq $cells ] || die "A holds $(stored "$work/A") cells, expected $cells"
echo "A took $t_ms ms"
# The same on a complete store without its report: verifying every cell (resuming) and writing
# the report, the moments a kill in [0, T] rarely hits.
cp -r "$work/A" "$work/R"
rm -rf "$work/R/summary.json" "$work/R/results.csv" "$work/R/report.html" "$work/R/figures"
t0=$(now_ms)
study --out "$work/R" > "$work/R.out" 2> "$work/R.err" || { cat "$work/R.err"; die "study R failed"; }
r_ms=$(( $(now_ms) - t0 ))
echo "resuming a complete store and writing its report took $r_ms ms"

step "B: $kills_wanted SIGKILLs at random moments in [0, $t_ms] ms, or [0, $r_ms] ms on a complete store (seed $seed)"
range_ms=$t_ms
kills=0
at_start=0
at_training=0
at_report=0
finished=0
runs=0
while [ $kills -lt "$kills_wanted" ]; do
    runs=$((runs + 1))
    [ $runs -le $((kills_wanted * 10 + 20)) ] || die "$runs runs for $kills kills: the runs end before the kills"
    delay_ms=$(awk -v u="$(random01)" -v t="$range_ms" 'BEGIN { printf "%d", u * t }')
    before=$(stored "$work/B")
    report_files "$work/B" > "$work/report.before"
    study_bg --out "$work/B"
    pid=$!
    sleep "$(awk -v d="$delay_ms" 'BEGIN { printf "%.3f", d / 1000 }')"
    if kill -0 $pid 2> /dev/null; then
        now=$(stored "$work/B")
        claims=$(ls "$work/B"/running/*.json 2> /dev/null | wc -l)
        report_files "$work/B" > "$work/report.now"
        kill -9 $pid 2> /dev/null
        wait $pid 2> /dev/null
        rc=$?
        if [ $rc -eq 137 ]; then
            kills=$((kills + 1))
            if [ "$now" -ge $cells ] && ! cmp -s "$work/report.before" "$work/report.now"; then
                at_report=$((at_report + 1)); where=report
            elif [ "$claims" -gt 0 ] || [ "$now" -gt "$before" ]; then
                at_training=$((at_training + 1)); where=training
            else
                at_start=$((at_start + 1)); where=start
            fi
            echo "kill $kills at $delay_ms ms ($where): $(stored "$work/B") of $cells cells stored"
        else
            [ $rc -eq 0 ] || { cat "$work/B.err"; die "run $runs of B exited with $rc before its kill"; }
        fi
    else
        wait $pid
        rc=$?
        [ $rc -eq 0 ] || { cat "$work/B.err"; die "run $runs of B exited with $rc (after $delay_ms ms, not killed)"; }
    fi
    # Whatever moment the kill hit, the store reads.
    "$cli" status "$work/B" > "$work/status.out" 2>&1 || {
        cat "$work/status.out"
        die "classsens status cannot read B after run $runs"
    }
    range_ms=$t_ms
    if [ "$(stored "$work/B")" -ge $cells ] && [ -f "$work/B/summary.json" ]; then
        # Complete: take the report away, and every other time 3 to 6 cells too, so that kills
        # land in training, resuming and report writing again.
        finished=$((finished + 1))
        drop=$(awk -v u="$(random01)" 'BEGIN { printf "%d", u < 0.5 ? 0 : 3 + (u - 0.5) * 8 }')
        [ "$drop" -gt 0 ] || range_ms=$r_ms
        ls "$work/B"/cells/*.json | awk -v u="$(random01)" -v n="$drop" '
            BEGIN { srand(int(u * 1000000)) }
            { f[NR] = $0 }
            END { for (i = NR; i > 1; i--) { j = 1 + int(rand() * i); t = f[i]; f[i] = f[j]; f[j] = t }
                  for (i = 1; i <= n && i <= NR; i++) print f[i] }' |
            while read -r f; do rm -f "$f"; done
        rm -rf "$work/B/summary.json" "$work/B/results.csv" "$work/B/report.html" "$work/B/figures"
    fi
done
echo "B: $kills kills in $runs runs (start $at_start, training $at_training, report $at_report); the store was completed and cut back $finished times"

step "B: a last uninterrupted run, then compare with A"
study --out "$work/B" > "$work/B.out" 2> "$work/B.err" || { cat "$work/B.err"; die "the last run of B failed"; }
same_cells "$work/A" "$work/B" $cells
for f in summary.json results.csv; do
    cmp -s "$work/A/$f" "$work/B/$f" || fail "B/$f differs from A/$f after $kills kills"
done
left=$(find "$work/B" -name '*.tmp*' | wc -l)
if [ "$left" -ne 0 ]; then
    fail "$left temporary file(s) of interrupted writes left in B:"
    find "$work/B" -name '*.tmp*' | head -n 10
fi
echo "soak: $kills kills (start $at_start, training $at_training, report $at_report), result $( [ $failures -eq 0 ] && echo identical || echo DIFFERENT )"
finish kill_soak
