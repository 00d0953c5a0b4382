#!/bin/sh
# diff-exercise.sh CH K SUBMISSION [LIMIT] -- an instructor's look at a
# student's answer to code exercise K of chapter CH (make diff-exercise).
#
# SUBMISSION is the student's whole chapter file (e.g. vae.c), or a directory
# of such files (*.c, one per student). Each one is built in a scratch copy
# with the course's flags, run as `--quick --seed 1` plus the exercise's
# K.args in the sandbox of tests/exercise-lib.sh, LIMIT seconds at most
# (default 120), and compared with the reference solution, which is the
# chapter file with chapters/NN-name/solutions/K.patch applied:
#   1. the source: diff -u of the reference against the submission;
#   2. the output: numdiff of K.out against the submission's stdout, with the
#      golden tolerances;
#   3. one line: "FILE: VERDICT", VERDICT one of
#        matches
#        differs in N numbers          (or "... and in length")
#        does not compile: FIRST ERROR
#        crashed (signal N, NAME)
#        timed out
#        failed (exit status N: ...)   (it stopped itself, e.g. a NaN guard)
# For a directory only the verdict lines are printed, one per file; each
# full report is kept in build/diff-exercise/NN-name-K/FILE.txt.
# Exit status: 0 when every submission matches, 1 otherwise, 2 on bad usage.
. tests/lib.sh
. tests/exercise-lib.sh
usage() { echo "usage: make diff-exercise CH=NN EX=K SUBMISSION=file.c|directory [LIMIT=seconds]" >&2; exit 2; }
[ $# -ge 3 ] || usage
c=$(ex_chapter "$1") || { echo "diff-exercise: no chapter '$1' in chapters/" >&2; usage; }
k=$2 sub=$3 limit=${4:-120}
patch=chapters/$c/solutions/$k.patch
[ -f "$patch" ] || { echo "diff-exercise: no exercise '$k' for $c (no $patch)" >&2; usage; }
[ -f "chapters/$c/solutions/$k.out" ] || { echo "diff-exercise: no chapters/$c/solutions/$k.out (make golden-solutions)" >&2; exit 2; }
[ -e "$sub" ] || { echo "diff-exercise: no submission $sub" >&2; usage; }
case "$limit" in ''|*[!0-9]*) echo "diff-exercise: LIMIT must be a number of seconds" >&2; usage ;; esac
src=$(ex_source "$c")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 711 "$tmp"    # the sandboxed run (as nobody) must reach its directory

# the reference: the chapter with the solution applied
mkdir -p "$tmp/ref/${src%/*}"; cp "$src" "$tmp/ref/$src"
if ! (cd "$tmp/ref" && patch -p1 --fuzz=0 --no-backup-if-mismatch -s < "$OLDPWD/$patch") > "$tmp/patch.log" 2>&1; then
    echo "diff-exercise: $patch does not apply to $src (make check's solutions group says more)" >&2; exit 1
fi
ref=$tmp/ref/$src

# report FILE N: the full report of one submission on stdout; its verdict line
# last; the verdict also in $tmp/verdict
report() {
    f=$1 t=$tmp/sub-$2 name=$1
    echo "== 1. source: the reference solution ($src + $patch) against $name"
    if diff -u --label "reference ($src + solutions/$k.patch)" --label "$name" "$ref" "$f" > "$tmp/src.diff"; then
        echo "(identical to the reference)"
    else
        cat "$tmp/src.diff"
        changed=$(diff "$src" "$f" | grep -c '^[<>]') ; refchanged=$(diff "$src" "$ref" | grep -c '^[<>]')
        echo "(against the original $src: the submission changes $changed lines, the reference $refchanged)"
    fi
    tol=$(ex_tol "$c" "$k")
    if ! ex_build "$c" "$f" "$t"; then
        head -20 "$t/build.log" | sed 's/^/    /'
        verdict="does not compile: $(ex_first_error "$t")"
    else
        # shellcheck disable=SC2046
        ex_run "$t" "$limit" $(ex_args "$c" "$k")
        echo "== 2. output: chapters/$c/solutions/$k.out against the submission's stdout (numdiff $tol)"
        if [ "$ex_verdict_run" != ok ]; then
            echo "(no output to compare: the run $ex_verdict_run; the end of its stderr:)"
            tail -n 5 "$t/stderr" | sed 's/^/    /'
            verdict=$ex_verdict_run
        elif ex_compare "chapters/$c/solutions/$k.out" "$t/stdout" "$tol"; then
            echo "(the same numbers, within the tolerance)"
            verdict=matches
        else
            cat "$t/numdiff"
            verdict="differs in $ex_ndiff numbers"
            [ "$ex_length_differs" = yes ] && verdict="$verdict and in length"
        fi
    fi
    echo "$verdict" > "$tmp/verdict"
    echo "== 3. verdict"
    echo "$name: $verdict"
}

all=0
if [ -d "$sub" ]; then
    keep=build/diff-exercise/$c-$k
    rm -rf "$keep"; mkdir -p "$keep"
    n=0
    for f in "$sub"/*.c; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        report "$f" "$n" > "$keep/$(basename "$f" .c).txt" 2>&1
        echo "$(basename "$f"): $(cat "$tmp/verdict")"
        [ "$(cat "$tmp/verdict")" = matches ] || all=1
    done
    [ $n -gt 0 ] || { echo "diff-exercise: no .c files in $sub" >&2; exit 2; }
    echo "(full reports: $keep/)"
else
    report "$sub" 1
    [ "$(cat "$tmp/verdict")" = matches ] || all=1
fi
exit $all
