#!/bin/sh
# End to end: `classsens study` on a tiny synthetic IDX data set, then
#   - the store and report files exist, are non-empty, results.csv and records.csv.gz have the
#     documented headers, records/ holds one record-score sidecar per cell;
#   - the report renders in headless Chromium (skipped, with a SKIP line, without Chromium);
#   - kill -9 during a run, run again: the store equals an uninterrupted run's (cell files
#     without their timings, summary.json, results.csv, records.csv.gz, every sidecar);
#   - --jobs 2 gives the same store as --jobs 1;
#   - `classsens report` rebuilds the same summary; a rerun of a complete store trains nothing;
#   - a store of another configuration is refused (exit 1, the message says so).
# Usage: study_e2e.sh CLASSSENS MAKE_TINY_IDX CHECK_REPORT_HTML WORKDIR
set -u
if [ $# -ne 4 ]; then
    echo "usage: study_e2e.sh CLASSSENS MAKE_TINY_IDX CHECK_REPORT_HTML WORKDIR" >&2
    exit 2
fi
cli=$1
gen=$2
check_html=$3
work=$4

. "$(dirname "$0")/common.sh"

rm -rf "$work"
mkdir -p "$work/data" || die "cannot create $work"
step "tiny data set: 2000 training + 300 test images of 1x16x16, 3 classes"
"$gen" "$work/data" 2000 300 16 3 1 || die "make_tiny_idx failed"
d=$work/data
data="idx:$d/train-images-idx3-ubyte,$d/train-labels-idx1-ubyte,$d/t10k-images-idx3-ubyte,$d/t10k-labels-idx1-ubyte"
cells=6   # 1 model x (baseline, shuffle:0.3, reduce:uniform:0.5) x 2 seeds

study() {
    "$cli" study --data "$data" --models lenet@4 --noise shuffle:0.3 --reduce uniform:0.5 --seeds 2 "$@"
}

# Cell files and summaries must be equal; timings (and so the checksum, which covers them) may
# differ. Cell files hold one member per line, and every timing's key contains "seconds".
strip_timings() {
    grep -v -e 'seconds' -e '"checksum": ' "$1"
}
same_store() { # REFERENCE OTHER
    n=0
    for f in "$1"/cells/*.json; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        g=$2/cells/$(basename "$f")
        if [ ! -f "$g" ]; then
            fail "$g is missing"
            continue
        fi
        strip_timings "$f" > "$work/ref.stripped"
        strip_timings "$g" > "$work/other.stripped"
        if [ "$(wc -l < "$work/ref.stripped")" -lt 10 ]; then
            fail "$f is not laid out one member per line: the comparison would be vacuous"
        fi
        if ! cmp -s "$work/ref.stripped" "$work/other.stripped"; then
            fail "$g differs from $f beyond timings:"
            diff "$work/ref.stripped" "$work/other.stripped" | head -n 10
        fi
    done
    [ "$n" -eq "$cells" ] || fail "$1/cells holds $n cell files, expected $cells"
    m=$(ls "$2"/cells/*.json 2>/dev/null | wc -l)
    [ "$m" -eq "$cells" ] || fail "$2/cells holds $m cell files, expected $cells"
    for f in summary.json results.csv records.csv.gz; do
        cmp -s "$1/$f" "$2/$f" || fail "$2/$f differs from $1/$f"
    done
    # Record scores hold no timing: every sidecar is byte for byte the same.
    for f in "$1"/records/*.bin; do
        [ -e "$f" ] || continue
        cmp -s "$f" "$2/records/$(basename "$f")" || fail "$2/records/$(basename "$f") differs from $f"
    done
}

# ---- A: one uninterrupted run -----------------------------------------------------------------
step "study into A (--jobs 1)"
study --jobs 1 --out "$work/A" > "$work/A.out" 2> "$work/A.err"
rc=$?
cat "$work/A.err"
cat "$work/A.out"
[ $rc -eq 0 ] || die "study A exited with $rc"
A=$(cd "$work/A" && pwd)
grep -qxF "report: $A/report.html" "$work/A.out" || fail "stdout does not end with 'report: $A/report.html'"
[ "$(wc -l < "$work/A.out")" -eq 1 ] || fail "stdout has more than the final line"
grep -q "^\[$cells/$cells\] lenet " "$work/A.err" || fail "no per-cell line '[$cells/$cells] lenet ...' on stderr"
if grep -q "$(printf '\r')" "$work/A.err"; then
    fail "progress bar control characters on stderr although it is not a terminal"
fi
for f in report.html results.csv summary.json study.json; do
    [ -s "$work/A/$f" ] || fail "A/$f is missing or empty"
done
nfig=0
for f in "$work/A"/figures/*.svg; do
    [ -e "$f" ] || continue
    nfig=$((nfig + 1))
    [ -s "$f" ] || fail "$f is empty"
done
[ $nfig -gt 0 ] || fail "A/figures holds no .svg file"
echo "A: $nfig figure files"
header=$(head -n 1 "$work/A/results.csv" | tr -d '\r')
[ "$header" = "model,condition,level,replicate,true,pred,count,noise,kept" ] || fail "results.csv header is '$header'"
[ "$(ls "$work/A"/cells/*.json 2>/dev/null | wc -l)" -eq $cells ] || fail "A/cells does not hold $cells cell files"
[ "$(ls "$work/A"/records/*.bin 2>/dev/null | wc -l)" -eq $cells ] || fail "A/records does not hold $cells sidecars"
header=$(gzip -dc "$work/A/records.csv.gz" | head -n 1 | tr -d '\r')
[ "$header" = "model,condition,replicate,record,given,true,flipped,confidence,variability,aum,other" ] ||
    fail "records.csv.gz header is '$header'"
# The quick profile trains without augmentation (--augment none), and the store says so.
grep -q '"crop_padding": 0,' "$work/A/study.json" || fail "A/study.json does not record crop_padding 0"
grep -q '"horizontal_flip": false' "$work/A/study.json" || fail "A/study.json does not record horizontal_flip false"

step "report.html in headless Chromium"
sh "$check_html" "$work/A/report.html"
rc=$?
if [ $rc -eq 77 ]; then
    echo "SKIP: browser check of report.html (Chromium not installed); everything else is checked"
elif [ $rc -ne 0 ]; then
    fail "browser check of A/report.html"
fi

# ---- B: killed after its first cell, then resumed ----------------------------------------------
step "study into B, killed (-9) after its first cell, then run again"
# Not through study(): `study ... &` would run in a subshell, and kill -9 of that subshell would
# leave classsens running on.
"$cli" study --data "$data" --models lenet@4 --noise shuffle:0.3 --reduce uniform:0.5 --seeds 2 --jobs 1 \
    --out "$work/B" > "$work/B1.out" 2> "$work/B1.err" &
pid=$!
waited=0
while ! ls "$work/B"/cells/*.json > /dev/null 2>&1; do
    kill -0 $pid 2> /dev/null || break
    sleep 0.05
    waited=$((waited + 1))
    [ $waited -lt 6000 ] || break
done
kill -9 $pid 2> /dev/null
wait $pid 2> /dev/null
kept=$(ls "$work/B"/cells/*.json 2> /dev/null | wc -l)
echo "B: $kept of $cells cells in the store after the kill"
[ "$kept" -ge 1 ] || fail "no cell in B after the first run"
study --jobs 1 --out "$work/B" > "$work/B2.out" 2> "$work/B2.err"
rc=$?
cat "$work/B2.err"
[ $rc -eq 0 ] || die "resumed study B exited with $rc"
if [ "$kept" -lt $cells ]; then
    grep -q "^resuming: $kept of $cells cells already in " "$work/B2.err" ||
        fail "the resumed run does not say 'resuming: $kept of $cells cells already in ...'"
else
    echo "NOTE: the first run finished before the kill; only the all-resumed path was exercised"
fi
same_store "$work/A" "$work/B"

# ---- C: two jobs -----------------------------------------------------------------------------
step "study into C (--jobs 2)"
study --jobs 2 --out "$work/C" > "$work/C.out" 2> "$work/C.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/C.err"; die "study C exited with $rc"; }
same_store "$work/A" "$work/C"

# ---- the report command and a rerun of a complete store -------------------------------------
step "classsens report A --out R"
"$cli" report "$work/A" --out "$work/R" > "$work/R.out" 2> "$work/R.err"
rc=$?
cat "$work/R.out" "$work/R.err"
[ $rc -eq 0 ] || fail "report exited with $rc"
grep -q "report: .*/R/report.html ($cells of $cells cells in " "$work/R.out" || fail "report's line is not as expected"
cmp -s "$work/A/summary.json" "$work/R/summary.json" || fail "R/summary.json differs from A/summary.json"

step "classsens report A --out T --target 0.8"
"$cli" report "$work/A" --out "$work/T" --target 0.8 > "$work/T.out" 2> "$work/T.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/T.err"; fail "report --target 0.8 exited with $rc"; }
# The default target is in A's summary, the one given in T's (learning_curves.target).
tr -d ' \n' < "$work/A/summary.json" | grep -q '"learning_curves":{[^}]*"target":0.9,' ||
    fail "A/summary.json has no learning_curves.target 0.9"
tr -d ' \n' < "$work/T/summary.json" | grep -q '"learning_curves":{[^}]*"target":0.8,' ||
    fail "T/summary.json has no learning_curves.target 0.8"

step "rerun of the complete store A, --quiet"
study --jobs 1 --quiet --out "$work/A" > "$work/A2.out" 2> "$work/A2.err"
rc=$?
[ $rc -eq 0 ] || fail "rerun of A exited with $rc"
[ ! -s "$work/A2.err" ] || { fail "--quiet printed on stderr:"; cat "$work/A2.err"; }
[ "$(wc -l < "$work/A2.out")" -eq 1 ] || fail "--quiet printed more than the final line"

# ---- another configuration into A -------------------------------------------------------------
step "study with --seeds 3 into A (another configuration)"
"$cli" study --data "$data" --models lenet@4 --noise shuffle:0.3 --reduce uniform:0.5 --seeds 3 --jobs 1 \
    --out "$work/A" > "$work/D.out" 2> "$work/D.err"
rc=$?
cat "$work/D.err"
[ $rc -eq 1 ] || fail "exit code $rc, expected 1"
# The error is one line, the last; the only other line allowed is the study's header.
[ "$(grep -c '^classsens: ' "$work/D.err")" -eq 1 ] || fail "not exactly one 'classsens: ' line on stderr"
tail -n 1 "$work/D.err" | grep -qi "^classsens: CS_ERR_[A-Z_]*: .*configuration" ||
    fail "the last line is not the error, or it does not mention the configuration"
[ "$(grep -vc '^study: ' "$work/D.err")" -eq 1 ] || fail "stderr has more than the header and the error"
[ "$(ls "$work/A"/cells/*.json | wc -l)" -eq $cells ] || fail "the refused run changed A/cells"

step "study with --augment crop:2+flip into A (another configuration: the store records augmentation)"
study --jobs 1 --augment crop:2+flip --out "$work/A" > "$work/E.out" 2> "$work/E.err"
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc, expected 1"
tail -n 1 "$work/E.err" | grep -qi "^classsens: CS_ERR_[A-Z_]*: .*configuration" ||
    fail "the last line is not the error, or it does not mention the configuration"

finish study_e2e
