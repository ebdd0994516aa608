#!/bin/sh
# The measured part of docs/scaling.md: one study trained from scratch with 1 and with 2 MPI
# ranks of one thread per cell (and, for reference, by one process without MPI with --jobs 1
# and 2), each into a fresh store; prints the wall times, the speed-up and efficiency, and
# every rank's busy and idle time (rank 0's summary lines). Checks that the stores are equal.
# Run it on an otherwise idle machine: a busy core spoils every number.
#
# Usage: bench/mpi_scaling.sh [--build DIR] [--work DIR] [STUDY OPTIONS...]
#   default study: the quick profile with one seed and three models (15 cells, about a
#   minute on one core): --profile quick --seeds 1 --models lenet@10/0.05,custom:0.25@8/0.05,resnet18:0.125@2/0.05
set -eu
build=build
work=${TMPDIR:-/tmp}/classsens-mpi-scaling
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    set -- --profile quick --seeds 1 --models "lenet@10/0.05,custom:0.25@8/0.05,resnet18:0.125@2/0.05"
fi
cli=$build/examples/classsens
[ -x "$cli" ] || { echo "mpi_scaling: no $cli (build first)" >&2; exit 2; }
command -v mpirun > /dev/null || { echo "mpi_scaling: mpirun not found (scripts/setup.sh installs it)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rm -rf "$work"
mkdir -p "$work"

now() { date +%s.%N; }
run() { # NAME COMMAND...
    name=$1
    shift
    t0=$(now)
    "$@" --threads 1 --no-report --out "$work/$name" > "$work/$name.out" 2> "$work/$name.err" ||
        { cat "$work/$name.err"; echo "mpi_scaling: $name failed" >&2; exit 1; }
    t1=$(now)
    echo "$name $t0 $t1" | awk '{ printf "%s %.3f\n", $1, $3 - $2 }' >> "$work/times"
}

echo "study: $*"
run jobs1 "$cli" study "$@" --jobs 1
run jobs2 "$cli" study "$@" --jobs 2
run np1 mpirun -np 1 "$cli" study "$@"
run np2 mpirun -np 2 "$cli" study "$@"

for s in jobs2 np1 np2; do
    for f in "$work/jobs1/cells/"*.json; do
        g=$work/$s/cells/$(basename "$f")
        grep -v seconds "$f" > "$work/a" && grep -v seconds "$g" > "$work/b" && cmp -s "$work/a" "$work/b" ||
            { echo "mpi_scaling: $g differs from $f" >&2; exit 1; }
    done
done
cells=$(ls "$work/jobs1/cells/"*.json | wc -l)
t_jobs1=$(awk '$1 == "jobs1" { print $2 }' "$work/times")
t_jobs2=$(awk '$1 == "jobs2" { print $2 }' "$work/times")
t_np1=$(awk '$1 == "np1" { print $2 }' "$work/times")
t_np2=$(awk '$1 == "np2" { print $2 }' "$work/times")
echo "$cells cells; stores identical (cells without timings)"
awk -v a="$t_jobs1" -v b="$t_jobs2" -v c="$t_np1" -v d="$t_np2" 'BEGIN {
    printf "%-26s %9s %9s %11s\n", "run", "wall s", "speed-up", "efficiency"
    printf "%-26s %9.1f %9.2f %10.1f %%\n", "one process, --jobs 1", a, 1, 100
    printf "%-26s %9.1f %9.2f %10.1f %%\n", "one process, --jobs 2", b, a / b, 50 * a / b
    printf "%-26s %9.1f %9.2f %10.1f %%\n", "mpirun -np 1", c, 1, 100
    printf "%-26s %9.1f %9.2f %10.1f %%\n", "mpirun -np 2", d, c / d, 50 * c / d
}'
echo "per rank (busy = from handing a cell out to storing it):"
grep -h "^mpi: rank" "$work/np1.err" "$work/np2.err" | sed 's/^/  /'
