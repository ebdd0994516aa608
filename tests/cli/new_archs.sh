#!/bin/sh
# The architectures added after the article's five join a study like the others: VGG-11 and
# MobileNetV2 (narrow, one epoch) on the tiny 16x16 data set, with one noise condition and two
# seeds; the report is written, `classsens status` counts every cell of both, and training the
# same study with one cell at a time and with two at once gives the same cells and summary.
# Usage: new_archs.sh CLASSSENS MAKE_TINY_IDX WORKDIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: new_archs.sh CLASSSENS MAKE_TINY_IDX WORKDIR" >&2
    exit 2
fi
cli=$1
work=$3
. "$(dirname "$0")/common.sh"

tiny_data "$2" 300 90
cells=8 # 2 models x (baseline, shuffle:0.3) x 2 seeds

study() {
    "$cli" study --data "$data" --models vgg11:0.1@1,mobilenetv2:0.1@1 --noise shuffle:0.3 --reduce none \
        --seeds 2 --batch 32 --threads 1 --quiet "$@"
}

step "one cell at a time"
study --jobs 1 --out "$work/one" > "$work/one.log" 2>&1 || { cat "$work/one.log"; die "the study failed"; }
[ -f "$work/one/report.html" ] || fail "no report.html"
"$cli" status "$work/one" > "$work/status.txt" 2>&1 || fail "classsens status failed"
grep -q "$cells of $cells cells done" "$work/status.txt" || fail "status does not count $cells cells done"
grep -q "vgg11:0.1: *4 of 4 done" "$work/status.txt" || fail "status has no vgg11 line"
grep -q "mobilenetv2:0.1: *4 of 4 done" "$work/status.txt" || fail "status has no mobilenetv2 line"

step "two cells at once: the same store"
study --jobs 2 --out "$work/two" > "$work/two.log" 2>&1 || { cat "$work/two.log"; die "the study failed"; }
same_cells "$work/one" "$work/two" "$cells"
cmp -s "$work/one/summary.json" "$work/two/summary.json" || fail "summary.json differs between --jobs 1 and 2"

finish new_archs
