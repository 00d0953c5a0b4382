# tests/lib.sh -- shared by the test scripts (sourced, POSIX sh).
# Tests pin OpenBLAS to one thread: the same numbers on every run.
export OPENBLAS_NUM_THREADS=1
export LC_ALL=C
# The test programs use the OpenBLAS kernels the chapters pick for this CPU
# (common/blascore.h: on a CPU OpenBLAS does not know, not its slow fallback).
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -x bin/00-probability ]; then
    OPENBLAS_CORETYPE=$(OPENBLAS_VERBOSE=2 bin/00-probability --help 2>&1 > /dev/null | sed -n 's/^Core: //p' | tail -n 1)
    if [ -n "$OPENBLAS_CORETYPE" ]; then export OPENBLAS_CORETYPE; else unset OPENBLAS_CORETYPE; fi
fi
NUMDIFF_TOL="-a 1e-9 -r 1e-6"   # golden tolerance, unless tests/golden/NN.tol says otherwise

# render_dir DIR FMT: render every figure script in DIR to FMT (png or pdf);
# style.gp and values.gp are what the scripts load, not figures.
# Prints the first problem on stdout and returns 1 if gnuplot said anything.
render_dir() {
    dir=$1 fmt=$2 status=0 found=0
    for gp in "$dir"/*.gp; do
        [ -f "$gp" ] || continue
        case "$gp" in */style.gp|*/values.gp) continue ;; esac
        found=1
        name=$(basename "$gp" .gp)
        if ! (cd "$dir" && gnuplot -e "fmt='$fmt'" "$name.gp") > "$dir/.gnuplot.err" 2>&1; then
            echo "gnuplot failed on $gp:"; head -5 "$dir/.gnuplot.err"; status=1
        elif [ -s "$dir/.gnuplot.err" ]; then
            echo "gnuplot warned on $gp:"; head -5 "$dir/.gnuplot.err"; status=1
        elif [ ! -s "$dir/$name.$fmt" ]; then
            echo "no $name.$fmt from $gp"; status=1
        fi
        rm -f "$dir/.gnuplot.err"
    done
    if [ $found = 0 ]; then echo "no .gp scripts in $dir"; status=1; fi
    return $status
}
