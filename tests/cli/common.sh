# Shared by the end-to-end scripts of tests/cli (sourced, not run): failure counting, steps,
# the tiny IDX data set, store comparison and the closing verdict. A script sets `work` (its
# directory) before calling these.

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
die() {
    echo "FAIL: $*"
    exit 1
}
step() {
    echo "== $*"
}

# tiny_data GEN N_TRAIN N_TEST: a fresh $work with IDX files in $work/data (16x16, 3 classes);
# sets `data` to the --data spec.
tiny_data() {
    rm -rf "$work"
    mkdir -p "$work/data" || die "cannot create $work"
    "$1" "$work/data" "$2" "$3" 16 3 1 || die "make_tiny_idx failed"
    d=$work/data
    data="idx:$d/train-images-idx3-ubyte,$d/train-labels-idx1-ubyte,$d/t10k-images-idx3-ubyte,$d/t10k-labels-idx1-ubyte"
}

# same_cells REFERENCE OTHER CELLS: both stores hold CELLS cell files, equal without the lines
# of their timings (every timing's key contains "seconds"; cell files hold a member per line)
# and their checksum (which covers the timings too).
same_cells() {
    n=0
    for f in "$1"/cells/*.json; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        g=$2/cells/$(basename "$f")
        [ -f "$g" ] || { fail "$g is missing"; continue; }
        grep -v -e seconds -e '"checksum": ' "$f" > "$work/ref.stripped"
        grep -v -e seconds -e '"checksum": ' "$g" > "$work/other.stripped"
        [ "$(wc -l < "$work/ref.stripped")" -ge 10 ] || fail "$f is not laid out one member per line"
        cmp -s "$work/ref.stripped" "$work/other.stripped" || {
            fail "$g differs from $f beyond timings:"
            diff "$work/ref.stripped" "$work/other.stripped" | head -n 10
        }
    done
    [ "$n" -eq "$3" ] || fail "$1/cells holds $n cell files, expected $3"
    [ "$(ls "$2"/cells/*.json 2> /dev/null | wc -l)" -eq "$3" ] || fail "$2/cells does not hold $3 cell files"
}

# finish NAME: the verdict line and the exit code.
finish() {
    if [ $failures -ne 0 ]; then
        echo "$1: $failures failure(s); files kept in $work"
        exit 1
    fi
    echo "$1: all checks passed"
    exit 0
}
