#!/bin/sh
# A store that cannot be fooled, and studies that survive a bad cell (issue 16), end to end with
# the classsens tool on a tiny study:
#   - every member of a cell file edited, one at a time (a digit changed, a string changed, a line
#     removed): `classsens study` refuses to resume (exit 1, its only line after the header
#     names the file and says to delete it, no "resuming" line before it) and `classsens report`
#     refuses to read the store (exit 1, one line naming the file);
#   - every member of study.json edited: the same, naming study.json;
#   - the temporary files an interrupted write leaves (store, report, figures) are removed by
#     the next run;
#   - a model with an absurd learning rate diverges: its cells are kept as failed (reason and
#     epoch), the study goes on and exits 0; `classsens status` and the report list them, the
#     report's statistics leave them out; a rerun leaves them failed, --retry-failed trains them
#     again; an edited failed-cell file is refused like a cell file.
# Usage: store_integrity.sh CLASSSENS MAKE_TINY_IDX WORKDIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: store_integrity.sh CLASSSENS MAKE_TINY_IDX WORKDIR" >&2
    exit 2
fi
cli=$1
gen=$2
work=$3

. "$(dirname "$0")/common.sh"

tiny_data "$gen" 300 60
study() { # OUT [OPTIONS...]
    out=$1
    shift
    "$cli" study --data "$data" --models lenet@2 --seeds 2 --noise shuffle:0.3 --reduce uniform:0.5 --out "$out" "$@"
}

# edit FILE KEY MODE: change the first line holding "KEY": (MODE digit: its first digit + 1
# mod 10; str: its string value gets an "x" in front; next: the first digit of the next line;
# drop: remove the line). Fails the test when the file did not change.
edit() {
    cp "$1" "$work/before.edit"
    awk -v key="\"$2\": " -v mode="$3" '
        function bump(s) {
            if (!match(s, /[0-9]/))
                return s
            return substr(s, 1, RSTART - 1) ((substr(s, RSTART, 1) + 1) % 10) substr(s, RSTART + 1)
        }
        pending { $0 = bump($0); pending = 0 }
        !done && index($0, key) {
            done = 1
            i = index($0, key) + length(key)
            head = substr($0, 1, i - 1)
            rest = substr($0, i)
            if (mode == "drop")
                next
            if (mode == "next")
                pending = 1
            else if (mode == "str")
                rest = "\"x" substr(rest, 2)
            else
                rest = bump(rest)
            $0 = head rest
        }
        { print }' "$work/before.edit" > "$1"
    cmp -s "$1" "$work/before.edit" && fail "editing \"$2\" ($3) did not change $1"
}

# copy_of STORE: $E becomes a fresh copy of STORE, to be edited.
copy_of() {
    E=$work/E
    rm -rf "$E"
    cp -r "$1" "$E"
}

# refused WHAT FILE_REGEX: `study` and `report` of $E both refuse, naming the file.
refused() {
    study "$E" --jobs 1 > "$work/r.out" 2> "$work/r.err"
    rc=$?
    [ $rc -eq 1 ] || { fail "$1: study exited with $rc, expected 1"; cat "$work/r.err"; }
    grep -q '^resuming' "$work/r.err" && fail "$1: study announced 'resuming' before refusing"
    [ "$(grep -vc '^study: ' "$work/r.err")" -eq 1 ] || { fail "$1: study printed more than the header and one error"; cat "$work/r.err"; }
    tail -n 1 "$work/r.err" | grep -Eq "^classsens: CS_ERR_[A-Z_]+: .*$2.*(delete the|restore it|use a new directory)" ||
        { fail "$1: study's last line does not name $2 and say what to do:"; tail -n 1 "$work/r.err"; }
    [ ! -s "$work/r.out" ] || fail "$1: study printed on stdout"
    "$cli" report "$E" > "$work/r.out" 2> "$work/r.err"
    rc=$?
    [ $rc -eq 1 ] || fail "$1: report exited with $rc, expected 1"
    [ "$(wc -l < "$work/r.err")" -eq 1 ] && grep -Eq "^classsens: CS_ERR_[A-Z_]+: .*$2" "$work/r.err" ||
        { fail "$1: report's error is not one line naming $2:"; cat "$work/r.err"; }
}

# ---- a complete store --------------------------------------------------------------------------
step "study S: 1 model x (baseline, shuffle:0.3, reduce:uniform:0.5) x 2 seeds"
S=$work/S
study "$S" --jobs 1 --quiet > /dev/null 2> "$work/S.err" || { cat "$work/S.err"; die "study S failed"; }
cell=lenet__shuffle-0.3__r1.json
grep -q '"checksum": "[0-9a-f]\{8\}"$' "$S/cells/$cell" || fail "$cell has no checksum as its last member"
grep -q '"checksum": "[0-9a-f]\{8\}"$' "$S/study.json" || fail "study.json has no checksum as its last member"

# ---- every member of a cell file ----------------------------------------------------------------
step "each member of cells/$cell edited: refused by study and report"
n=0
for spec in format:str version:digit config_hash:str model:str condition:str replicate:digit \
    perturbation:str init:str training:str threads:digit threads:drop train_size:digit train_size:drop \
    size_before:digit size_after:digit selected:digit changed:digit flip_rate:digit \
    class_counts_before:digit class_counts_after:digit transitions:next \
    epoch:digit epoch:drop loss:digit accuracy:digit lr:digit test_accuracy:digit test_accuracy:drop \
    confusion:next train_seconds:digit test_seconds:digit epoch_seconds:digit checksum:str checksum:drop; do
    key=${spec%:*}
    mode=${spec#*:}
    copy_of "$S"
    edit "$E/cells/$cell" "$key" "$mode"
    refused "cell member $key ($mode)" "cells/$cell"
    n=$((n + 1))
done
echo "$n cell edits refused"

# ---- every member of study.json -----------------------------------------------------------------
step "each member of study.json edited: refused by study and report"
for spec in format:str version:digit library:str config_hash:str name:str shape:digit train_records:digit \
    test_fingerprint:str test_size:digit seed:str replicates:digit matched_controls:drop width:digit \
    epochs:digit lr:digit crop_padding:digit level:digit checksum:str; do
    key=${spec%:*}
    mode=${spec#*:}
    copy_of "$S"
    edit "$E/study.json" "$key" "$mode"
    refused "study.json member $key ($mode)" "study.json"
done

# ---- temporary files of interrupted writes ------------------------------------------------------
step "stale temporary files are removed by the next run"
copy_of "$S"
for f in study.json.tmp.AbC123 cells/lenet__baseline__r0.json.tmp.x1Y2z3 running/lenet__baseline__r1.json.tmp.QWErty \
    report.html.tmp.a1b2c3 summary.json.tmp.zZ9yY8 figures/accuracy.svg.tmp.Mn0Pq1; do
    : > "$E/$f"
done
: > "$E/cells/notes.txt"
study "$E" --jobs 1 > "$work/t.out" 2> "$work/t.err" || { cat "$work/t.err"; fail "study over stale temporaries failed"; }
left=$(find "$E" -name '*.tmp.*' | wc -l)
[ "$left" -eq 0 ] || { fail "$left temporary files left:"; find "$E" -name '*.tmp.*'; }
[ -f "$E/cells/notes.txt" ] || fail "a file that is not a temporary file was removed"

# ---- a bad cell does not stop a study -------------------------------------------------------------
step "study F with a diverging model (lr 1e30): failed cells, the study goes on"
F=$work/F
fstudy() {
    "$cli" study --data "$data" --models lenet@2,lenet:0.5@2/1e30 --seeds 2 --noise none --reduce uniform:0.5 \
        --jobs 1 --out "${fout:-$F}" "$@"
}
fstudy > "$work/F.out" 2> "$work/F.err"
rc=$?
cat "$work/F.err"
[ $rc -eq 0 ] || fail "study F exited with $rc, expected 0 (failed cells do not stop a study)"
[ "$(grep -c 'FAILED: training diverged in epoch 1' "$work/F.err")" -eq 4 ] || fail "not 4 FAILED lines"
grep -q '^4 cells failed (training diverged).*--retry-failed' "$work/F.err" || fail "no closing line about the 4 failed cells"
[ "$(ls "$F"/failed/*.json 2> /dev/null | wc -l)" -eq 4 ] || fail "F/failed does not hold 4 files"
[ "$(ls "$F"/cells/*.json 2> /dev/null | wc -l)" -eq 4 ] || fail "F/cells does not hold 4 files"
grep -q '"reason": "cs_model_train: the loss became NaN or infinite' "$F/failed/lenet-0.5__baseline__r0.json" ||
    fail "the failed cell's file does not give the library's reason"
grep -q '"epoch": 1,' "$F/failed/lenet-0.5__baseline__r0.json" || fail "the failed cell's file does not give the epoch"

"$cli" status "$F" > "$work/st.out" 2> "$work/st.err"
rc=$?
cat "$work/st.out"
[ $rc -eq 0 ] || fail "status of F exited with $rc"
grep -q ': 4 of 8 cells done, 4 failed, 0 running, 0 missing$' "$work/st.out" || fail "status header"
grep -Eq '^  lenet:0.5: 0 of 4 done, 4 failed, 0 running, 0 missing$' "$work/st.out" || fail "status model line"
[ "$(grep -c 'epoch 1: cs_model_train: the loss became NaN' "$work/st.out")" -eq 4 ] || fail "status does not list 4 failed cells"

grep -q '4 failed (training diverged; left out of every statistic' "$F/report.html" || fail "report.html does not count the failed cells"
grep -q 'id="flags"' "$F/report.html" || fail "report.html has no failed-cells section"
grep -q '"cells_failed": 4,' "$F/summary.json" || fail "summary.json does not count 4 failed cells"
grep -q '"outlier_rule": "a replicate is an outlier' "$F/summary.json" || fail "summary.json does not state the outlier rule"

step "rerun of F: the failed cells stay failed; --retry-failed trains them again"
fstudy > "$work/F2.out" 2> "$work/F2.err"
rc=$?
[ $rc -eq 0 ] || fail "rerun of F exited with $rc"
grep -q '^resuming: 8 of 8 cells already in .*(4 of them failed and stay failed: --retry-failed' "$work/F2.err" ||
    { fail "the rerun does not say the failed cells stay failed"; cat "$work/F2.err"; }
grep -q 'FAILED' "$work/F2.err" && fail "the rerun trained failed cells without --retry-failed"
fstudy --retry-failed --no-report > "$work/F3.out" 2> "$work/F3.err"
rc=$?
[ $rc -eq 0 ] || fail "--retry-failed run exited with $rc"
grep -q '^resuming: 4 of 8 cells already in ' "$work/F3.err" || fail "--retry-failed does not resume the 4 finished cells only"
[ "$(grep -c 'FAILED: training diverged' "$work/F3.err")" -eq 4 ] || fail "--retry-failed did not train the 4 failed cells again"

step "an edited failed-cell file is refused"
copy_of "$F"
edit "$E/failed/lenet-0.5__baseline__r1.json" epoch digit
"$cli" status "$E" > "$work/fe.out" 2> "$work/fe.err"
rc=$?
[ $rc -eq 1 ] || fail "status of an edited failed cell exited with $rc"
grep -q 'failed/lenet-0.5__baseline__r1.json.*delete the file' "$work/fe.err" || { fail "status's error:"; cat "$work/fe.err"; }
fout=$E fstudy > "$work/fe.out" 2> "$work/fe.err"
rc=$?
[ $rc -eq 1 ] || fail "study over an edited failed cell exited with $rc, expected 1"
tail -n 1 "$work/fe.err" | grep -q 'failed/lenet-0.5__baseline__r1.json.*delete the file' ||
    { fail "study's error over an edited failed cell:"; cat "$work/fe.err"; }

finish store_integrity
