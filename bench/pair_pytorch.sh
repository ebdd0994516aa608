#!/usr/bin/env bash
# Ours against PyTorch in one sitting: for each round and each ARCH:SHAPE, bench_train and then
# bench_train_pytorch.py with the same arguments, so that every ratio comes from a pair measured
# minutes apart (the host's speed drifts by 30 % and more within an hour). Prints one table row
# per pair, and at the end the table of docs/performance.md: per ARCH:SHAPE the training ratios of
# the rounds and their median (bold at 1.5 or more), the inference ratios' range, and our peak
# memory against PyTorch's samples (the ratio to their median, then to their lowest). Compare
# medians of ratios, not absolute figures.
#
#   bench/pair_pytorch.sh [--rounds N] [--seconds S] [--threads T] [--with-default] [--build DIR]
#                         [--interleave K] [ARCH:SHAPE ...]
#
# --with-default adds, in every pair, ours as a program that configures nothing gets it
# (`bench_train --threads default`: no cs_model_set_threads call, the library's default thread
# count), with its own ratio to PyTorch at T threads.
#
# --interleave K measures each pair in K alternating bursts of S seconds instead of one run per
# side (bench/interleave.py: both sides stay loaded, `--serve 1`, and take turns, so that a drift
# of the host's speed within minutes moves both sides of each ratio alike); the pair's training
# rates are then the medians of its bursts and its ratio the median of the bursts' ratios.
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
interleave=0
build=build
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --with-default) with_default=1; shift ;;
    --build) build="$2"; shift 2 ;;
    --interleave) interleave="$2"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    -*) echo "pair_pytorch: unknown option '$1'" >&2; exit 2 ;;
    *:*) configs+=("$1"); shift ;;
    *) echo "pair_pytorch: '$1' is not ARCH:SHAPE (e.g. resnet18:3x32x32)" >&2; exit 2 ;;
  esac
done
case "$interleave" in
  ''|*[!0-9]*) echo "pair_pytorch: --interleave takes a count of bursts, not '$interleave'" >&2; exit 2 ;;
esac
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
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for ((round = 1; round <= rounds; ++round)); do
  for cfg in "${configs[@]}"; do
    arch=${cfg%%:*}
    shape=${cfg#*:}
    if [ "$interleave" -gt 0 ]; then
      serve=(--arch "$arch" --shape "$shape" --serve 1)
      cmds=(-- "$ours" "${serve[@]}" --threads "$threads" -- "${theirs[@]}" "${serve[@]}" --threads "$threads")
      [ "$with_default" -eq 1 ] && cmds+=(-- "$ours" "${serve[@]}" --threads default)
      line="$round $arch $shape $(date +%T) | $(/usr/bin/python3 "$(dirname "$0")/interleave.py" \
        --bursts "$interleave" --seconds "$seconds" "${cmds[@]}")"
      echo "$line"
      echo "$line" >> "$rows"
      continue
    fi
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
    echo "$line" >> "$rows"
  done
done
awk -v threads="$threads" -f - "$rows" <<'AWK'
function median(s,    a, n, i, j, t) {
  n = split(s, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function mark(v) { return v + 0 >= 1.5 ? sprintf("**%.2f**", v) : sprintf("%.2f", v) }
function listed(s) { s = substr(s, 2); gsub(/ /, ", ", s); return s }
{
  split($0, part, / \| /)
  split(part[1], head, " "); split(part[2], train, " "); split(part[3], infer, " "); split(part[4], peak, " ")
  key = head[2] " " head[3]
  if (!(key in seen)) { seen[key] = 1; order[++cells] = key }
  set[key] = set[key] " " train[3]
  r = infer[1] / infer[2]
  if (!(key in lo) || r < lo[key]) lo[key] = r
  if (!(key in hi) || r > hi[key]) hi[key] = r
  if (!(key in ours) || peak[1] + 0 > ours[key]) ours[key] = peak[1] + 0
  theirs[key] = theirs[key] " " peak[2]
  if (!(key in plow) || peak[2] + 0 < plow[key]) plow[key] = peak[2] + 0
  if (!(key in phigh) || peak[2] + 0 > phigh[key]) phigh[key] = peak[2] + 0
  if (5 in part) { split(part[5], d, /[ ,]+/); def[key] = def[key] " " d[2] }
}
END {
  printf "\n| model | input | `set_threads(%d)` per round | median |%s inference ours / PyTorch | peak MiB ours / PyTorch (to its median; to its lowest) |\n", \
    threads, (order[1] in def) ? " default per round | median |" : ""
  printf "|---|---|---|---|%s---|---|\n", (order[1] in def) ? "---|---|" : ""
  for (i = 1; i <= cells; i++) {
    k = order[i]; split(k, ks, " ")
    printf "| %s | %s | %s | %s |", ks[1], ks[2], listed(set[k]), mark(median(set[k]))
    if (k in def) printf " %s | %s |", listed(def[k]), mark(median(def[k]))
    printf " %.1f–%.1f× | %d / %d–%d (%.2f; %.2f) |\n", lo[k], hi[k], ours[k], plow[k], phigh[k], \
      ours[k] / median(theirs[k]), ours[k] / plow[k]
  }
}
AWK
