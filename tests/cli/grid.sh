#!/bin/sh
# `classsens study --grid` end to end on a tiny IDX data set: two noise levels x two uniform
# reductions with matched controls, one epoch, two seeds. Checks
#   - --plan lists the grid cells (names "REDUCTION/NOISE") with the others, and trains nothing;
#   - the run stores every cell; `classsens status` counts them all;
#   - a grid cell's file records both stages, its reduced records equal to its reduction cell's
#     counts (nested seeds);
#   - results.csv has the noise and kept columns and places a grid cell at (0.2, 0.5);
#   - summary.json has "grid" (2 noise rows, 2 reductions, 9 surface points per model) and
#     "volume_share"; report.html has the section "Noise x volume" and no script;
#   - `classsens report` rebuilds the same summary.json; a rerun trains nothing;
#   - a grid without --matched: the report says that the volume share needs matched controls.
# Usage: grid.sh CLASSSENS MAKE_TINY_IDX WORKDIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: grid.sh CLASSSENS MAKE_TINY_IDX WORKDIR" >&2
    exit 2
fi
cli=$1
gen=$2
work=$3

. "$(dirname "$0")/common.sh"

tiny_data "$gen" 300 60
store=$work/store
study() {
    "$cli" study --data "$data" --models lenet@1 --noise shuffle:0.2,0.4 --reduce uniform:0.5,0.25 --grid \
        --matched --seeds 2 --jobs 2 --out "$store" "$@"
}
cells=22 # 1 model x (baseline, 2 noise, 2 controls, 2 reductions, 4 grid points) x 2 seeds

step "--plan lists the grid cells and trains nothing"
study --plan > "$work/plan.out" 2>&1 || { cat "$work/plan.out"; die "--plan failed"; }
grep -q "reduce:uniform:0.25/shuffle:0.4 " "$work/plan.out" || fail "--plan does not list reduce:uniform:0.25/shuffle:0.4"
[ "$(grep -c '/shuffle:' "$work/plan.out")" -eq 8 ] || fail "--plan lists $(grep -c '/shuffle:' "$work/plan.out") grid cells, expected 8"
[ ! -d "$store/cells" ] || [ -z "$(ls "$store/cells")" ] || fail "--plan trained cells"

step "the study, then status"
study --quiet > "$work/study.out" 2>&1 || { cat "$work/study.out"; die "the study failed"; }
[ "$(ls "$store"/cells/*.json | wc -l)" -eq $cells ] || fail "the store holds $(ls "$store"/cells/*.json | wc -l) cells, expected $cells"
"$cli" status "$store" > "$work/status.out" 2>&1 || fail "status failed"
grep -q "$cells of $cells cells done, 0 running, 0 missing" "$work/status.out" || { cat "$work/status.out"; fail "status does not count every cell"; }

step "a grid cell records both stages; its reduced set is its reduction cell's"
g=$store/cells/lenet__reduce-uniform-0.5-shuffle-0.2__r1.json
r=$store/cells/lenet__reduce-uniform-0.5__r1.json
grep -q '"reduction": {' "$g" || fail "$g has no reduction report"
grep -q '"version": 5' "$g" || fail "$g is not format 5"
# The reduction cell's class_counts_after is the grid cell's reduction stage's (the first
# class_counts_after in the grid file) and its noise stage's class_counts_before.
after_r=$(grep '"class_counts_after"' "$r")
[ "$(grep -cF -- "$(echo "$after_r" | sed 's/class_counts_after/class_counts_before/')" "$g")" -eq 1 ] ||
    fail "the grid cell's noise stage does not start from the reduction cell's records"
[ "$(grep -cF -- "$after_r" "$g")" -ge 1 ] || fail "the grid cell's reduction stage did not keep the reduction cell's records"

step "results.csv, summary.json, report.html"
head -n 1 "$store/results.csv" | grep -qx "model,condition,level,replicate,true,pred,count,noise,kept" ||
    fail "results.csv header is '$(head -n 1 "$store/results.csv")'"
grep -q '^lenet,reduce:uniform:0.5/shuffle:0.2,0.2,0,.*,0.2,0.5$' "$store/results.csv" || fail "results.csv has no grid row at (0.2, 0.5)"
grep -q '^lenet,baseline,0,0,.*,0,1$' "$store/results.csv" || fail "results.csv does not place the baseline at (0, 1)"
grep -q '"grid": {' "$store/summary.json" || fail "summary.json has no grid"
grep -q '"volume_share": {' "$store/summary.json" || fail "summary.json has no volume_share"
[ "$(grep -c '"kept": ' "$store/summary.json")" -eq 9 ] || fail "summary.json's surface has $(grep -c '"kept": ' "$store/summary.json") points, expected 9"
grep -q '<h2 id="grid">Noise x volume</h2>' "$store/report.html" || fail "report.html has no Noise x volume section"
grep -q '<script' "$store/report.html" && fail "report.html has a script"

step "report rebuilds the same summary; a rerun trains nothing"
"$cli" report "$store" --out "$work/again" > /dev/null 2>&1 || fail "report failed"
cmp -s "$store/summary.json" "$work/again/summary.json" || fail "report wrote another summary.json"
study > "$work/rerun.out" 2>&1 || fail "the rerun failed"
grep -q "trained 0" "$work/rerun.out" || grep -q "$cells of $cells" "$work/rerun.out" || {
    tail -n 3 "$work/rerun.out"; fail "the rerun does not say it trained nothing"; }

step "without --matched the report says what the volume share needs"
plain=$work/plain
"$cli" study --data "$data" --models lenet@1 --noise shuffle:0.2 --reduce uniform:0.5 --grid --seeds 1 --jobs 2 \
    --out "$plain" --quiet > "$work/plain.out" 2>&1 || { cat "$work/plain.out"; die "the study without --matched failed"; }
grep -q '"reason": "no matched controls' "$plain/summary.json" || fail "summary.json's volume_share gives no reason"
grep -q 'run it with <code>--matched</code>' "$plain/report.html" || fail "report.html does not say that --matched is needed"
grep -q 'run it with <code>--matched</code>' "$store/report.html" && fail "report.html asks for --matched of a study that has it"

finish grid
