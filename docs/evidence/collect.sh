#!/bin/sh
# Copy what docs/evidence.md cites out of a finished store of the standard profile:
# summary.json, the report's figures under the article's numbering, and the tables that
# scripts/evidence_tables.py computes from the store. Run from the repository root:
#   ./build/examples/classsens study --profile standard --out STORE    (about 2 hours on 2 cores)
#   sh docs/evidence/collect.sh STORE
set -eu
store=${1:?usage: collect.sh STORE}
out=$(dirname "$0")
[ -f "$store/summary.json" ] || { echo "collect: $store has no summary.json (run classsens report $store)" >&2; exit 1; }
models="lenet custom-0.25 resnet18-0.125 unresnet18-0.125 googlenet-0.0625"
rm -rf "$out/figures"
mkdir -p "$out/figures"
cp "$store/summary.json" "$out/summary.json"
cp "$store/study.json" "$out/study.json"
fig() { # SRC DST
    cp "$store/figures/$1.svg" "$out/figures/$2.svg"
}
for m in $models; do
    fig "confusion_${m}_baseline" "figure1_baseline_$m"
    fig "confusion_${m}_shuffle-0.1" "figure2_noise10_$m"
    fig "relative_${m}_shuffle-0.1" "figure2_noise10_relative_$m"
    fig "confusion_${m}_reduce-uniform-0.4" "figure4_data40_$m"
    fig "relative_${m}_reduce-uniform-0.4" "figure4_data40_relative_$m"
done
fig weakest_shuffle-0.3 figure3_weakest_noise30
fig weakest_reduce-uniform-0.1 figure5_weakest_data10
for c in baseline shuffle-0.3 reduce-uniform-0.1; do
    fig "agreement_$c" "agreement_$c"
done
python3 scripts/evidence_tables.py "$store" --store "$store" \
    --params lenet=61706,custom:0.25=56770,resnet18:0.125=176258,unresnet18:0.125=173346,googlenet:0.0625=26245 \
    > "$out/tables.md"
du -sh "$out"
