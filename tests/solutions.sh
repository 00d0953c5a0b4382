#!/bin/sh
# solutions.sh [--write] CHAPTER... -- the reference solutions of the code
# exercises never rot.
#
# For each chapters/NN-name/solutions/K.patch: copy the chapter's C file to a
# scratch tree, apply the patch there (patch -p1, no fuzz: a stale patch
# fails), build it with the course's flags against build/libgenlab.a, check it
# with clang -Werror too, run it as `--quick --seed 1` plus K.args, in the
# sandbox of tests/exercise-lib.sh, and compare its stdout with K.out by
# numdiff (tolerance K.tol, else tests/golden/NN-name.tol, else the golden
# default). With --write, K.out is written instead (make golden-solutions: say
# why in the commit message). Prints PASS/FAIL lines; exit 0 when all pass.
. tests/lib.sh
. tests/exercise-lib.sh
write=no
if [ "$1" = --write ]; then write=yes; shift; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 711 "$tmp"    # the sandboxed run (as nobody) must reach its directory
fails=0
ok()  { echo "PASS  solutions $1"; }
bad() { fails=$((fails + 1)); echo "FAIL  solutions $1"; if [ -f "$2" ]; then sed 's/^/        /' "$2" | head -12; fi; }

for c in "$@"; do
    for p in chapters/"$c"/solutions/*.patch; do
        [ -f "$p" ] || continue
        k=$(basename "$p" .patch) src=$(ex_source "$c")
        label="$c exercise $k"
        t=$tmp/$c-$k
        mkdir -p "$t/tree/${src%/*}"
        cp "$src" "$t/tree/$src"
        if ! (cd "$t/tree" && patch -p1 --fuzz=0 --no-backup-if-mismatch < "$OLDPWD/$p") > "$t/patch.log" 2>&1; then
            bad "$label: $p does not apply to $src" "$t/patch.log"; continue
        fi
        if grep -q 'offset' "$t/patch.log"; then
            echo "        note: $p applies with an offset (regenerate it with git diff)"
        fi
        if ! ex_build "$c" "$t/tree/$src" "$t/run"; then
            bad "$label: does not compile" "$t/run/build.log"; continue
        fi
        if command -v clang > /dev/null 2>&1 &&
           ! clang -std=c11 -D_POSIX_C_SOURCE=200809L -Icommon -Wall -Wextra -Werror -Wshadow \
                 -Wstrict-prototypes -fsyntax-only "$t/tree/$src" > "$t/clang.log" 2>&1; then
            bad "$label: clang -Werror" "$t/clang.log"; continue
        fi
        # shellcheck disable=SC2046
        ex_run "$t/run" 300 $(ex_args "$c" "$k")
        if [ "$ex_verdict_run" != ok ]; then
            echo "$ex_verdict_run" >> "$t/run/stderr"; bad "$label: the run $ex_verdict_run" "$t/run/stderr"; continue
        fi
        if [ $write = yes ]; then
            cp "$t/run/stdout" "chapters/$c/solutions/$k.out"; echo "wrote chapters/$c/solutions/$k.out"; continue
        fi
        if [ ! -f "chapters/$c/solutions/$k.out" ]; then
            echo "no chapters/$c/solutions/$k.out (make golden-solutions)" > "$t/err"; bad "$label" "$t/err"; continue
        fi
        if ex_compare "chapters/$c/solutions/$k.out" "$t/run/stdout" "$(ex_tol "$c" "$k")"; then
            ok "$label: applies, builds, prints $k.out"
        else
            bad "$label: output differs from $k.out in $ex_ndiff numbers" "$t/run/numdiff"
        fi
    done
done
[ $fails -eq 0 ]
