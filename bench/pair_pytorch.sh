#!/usr/bin/env bash
# Ours against PyTorch in one sitting: for each round and each ARCH:SHAPE, bench_train and then
# bench_train_pytorch.py with the same arguments, so that every ratio comes from a pair measured
# minutes apart (the host's speed drifts by 30 % and more within an hour). Prints one table row
# per pair; take medians of the ratios, not of the absolute figures.
#
#   bench/pair_pytorch.sh [--rounds N] [--seconds S] [--threads T] [--with-default] [--build DIR]
#                         [ARCH:SHAPE ...]
#
# --with-default adds, in every pair, ours as a program that configures nothing gets it
# (`bench_train --threads default`: no cs_model_set_threads call, the library's default thread
# count), with its own ratio to PyTorch at T threads.
#
# Default configurations: every architecture at width 1 on 3x32x32 and 1x28x28, googlenet at
# 3x32x32 only (the shape of issue 3's PyTorch reference; a width-1 googlenet pair takes
# minutes). Needs a Release build of bench_train and Debian's python3-torch. Run from the
# repository root.
set -euo pipefail

rounds=3
seconds=4
threads=2
with_default=0
build=build
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --with-default) with_default=1; shift ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "pair_pytorch: unknown option '$1'" >&2; exit 2 ;;
    *:*) configs+=("$1"); shift ;;
    *) echo "pair_pytorch: '$1' is not ARCH:SHAPE (e.g. resnet18:3x32x32)" >&2; exit 2 ;;
  esac
done
if [ ${#configs[@]} -eq 0 ]; then
  configs=(resnet18:3x32x32 unresnet18:3x32x32 resnet18:1x28x28 unresnet18:1x28x28
           googlenet:3x32x32 lenet:3x32x32 lenet:1x28x28 custom:3x32x32 custom:1x28x28
           vgg11:3x32x32 vgg11:1x28x28 mobilenetv2:3x32x32 mobilenetv2:1x28x28)
fi
ours="$build/bench/bench_train"
[ -x "$ours" ] || { echo "pair_pytorch: $ours not found; build the Release tree first" >&2; exit 1; }
theirs=(/usr/bin/python3 "$(dirname "$0")/bench_train_pytorch.py")

if [ "$with_default" -eq 1 ]; then
  echo "round arch shape time | train img/s ours pytorch ratio | infer img/s ours pytorch | peak MiB ours pytorch" \
       "| default: train img/s ratio, infer img/s"
else
  echo "round arch shape time | train img/s ours pytorch ratio | infer img/s ours pytorch | peak MiB ours pytorch"
fi
for ((round = 1; round <= rounds; ++round)); do
  for cfg in "${configs[@]}"; do
    arch=${cfg%%:*}
    shape=${cfg#*:}
    args=(--arch "$arch" --shape "$shape" --threads "$threads" --seconds "$seconds")
    # Last line of each: ours "arch shape width params MFLOP train GFLOP infer peak CPU-ms",
    # PyTorch's "arch shape width params train infer peak".
    o=$("$ours" "${args[@]}" | tail -1)
    p=$("${theirs[@]}" "${args[@]}" | tail -1)
    read -r _ _ _ _ _ o_train _ o_infer o_peak _ <<<"$o"
    read -r _ _ _ _ p_train p_infer p_peak <<<"$p"
    ratio=$(awk -v a="$o_train" -v b="$p_train" 'BEGIN { printf "%.2f", a / b }')
    line="$round $arch $shape $(date +%T) | $o_train $p_train $ratio | $o_infer $p_infer | $o_peak $p_peak"
    if [ "$with_default" -eq 1 ]; then
      d=$("$ours" --arch "$arch" --shape "$shape" --threads default --seconds "$seconds" | tail -1)
      read -r _ _ _ _ _ d_train _ d_infer _ <<<"$d"
      d_ratio=$(awk -v a="$d_train" -v b="$p_train" 'BEGIN { printf "%.2f", a / b }')
      line="$line | $d_train $d_ratio, $d_infer"
    fi
    echo "$line"
  done
done
