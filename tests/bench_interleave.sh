#!/bin/sh
# bench_train --serve 1 and bench/interleave.py, the pair script's --interleave: the
# coordinator on three copies of ours (LeNet, one thread, bursts of one step each) prints one
# row in pair_pytorch.sh's format; --serve refuses an unknown request and more than one
# configuration. Usage: bench_interleave.sh BENCH_TRAIN SOURCE_DIR. Skipped (77) without
# /usr/bin/python3, which interleave.py runs under (as bench_train_pytorch.py does).
set -u
bench=$1
src=$2
[ -x /usr/bin/python3 ] || { echo "skipped: no /usr/bin/python3"; exit 77; }
serve="--arch lenet --shape 1x28x28 --infer-batch 8 --serve 1"
# shellcheck disable=SC2086 # $serve is a list of words
row=$(/usr/bin/python3 "$src/bench/interleave.py" --bursts 2 --seconds 0 -- "$bench" $serve --threads 1 \
      -- "$bench" $serve --threads 1 -- "$bench" $serve --threads default) || { echo "interleave.py failed"; exit 1; }
echo "$row" | grep -Eq '^[0-9.]+ [0-9.]+ [0-9.]+ \| [0-9.]+ [0-9.]+ \| [0-9]+ [0-9]+ \| [0-9.]+ [0-9.]+, [0-9.]+$' ||
  { echo "unexpected row: $row"; exit 1; }
err=$(mktemp)
# shellcheck disable=SC2086
echo frobnicate | "$bench" $serve >/dev/null 2>"$err"
rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "unknown request frobnicate" "$err"; then
  echo "bad request: status $rc, $(cat "$err")"
  rm -f "$err"
  exit 1
fi
rm -f "$err"
"$bench" --arch lenet,custom --shape 1x28x28 --serve 1 </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || { echo "two configurations: status $rc"; exit 1; }
echo "ok: $row"
