#!/bin/sh
# run-tsan.sh -- the team of two threads (common/team.h) under ThreadSanitizer.
#
# Builds tests/test_team.c and chapters 09, 10 and 11 with -fsanitize=thread
# into build/tsan/ (each with the whole of common/, compiled in), runs the test
# and each chapter's --quick --seed 1 at OPENBLAS_NUM_THREADS=2, and fails on
# any ThreadSanitizer report. The AVX2 clones of common/simd.h are left out:
# their ifunc resolvers run before ThreadSanitizer has started, and crash it.
# Not part of make check (a minute of building); `make tsan`.
. tests/lib.sh
out=build/tsan; mkdir -p "$out"
flags="-D_POSIX_C_SOURCE=200809L -DGENLAB_SIMD_H -DSIMD_CLONES= -Icommon -std=c11 -O1 -g -fsanitize=thread"
libs="-lgsl -lopenblas -lz -lm -pthread"
fails=0
report() {   # LABEL STATUS LOG
    if [ "$2" -eq 0 ] && ! grep -q "WARNING: ThreadSanitizer" "$3"; then echo "PASS  tsan $1"
    else fails=$((fails + 1)); echo "FAIL  tsan $1 (exit $2)"; grep -A12 "WARNING: ThreadSanitizer" "$3" | head -24 | sed 's/^/        /'; fi
}
# shellcheck disable=SC2086
if gcc $flags -o "$out/test_team" tests/test_team.c common/*.c $libs -lcmocka 2> "$out/build.log"; then
    OPENBLAS_NUM_THREADS=1 "$out/test_team" > "$out/test_team.log" 2>&1
    report "test_team" $? "$out/test_team.log"
else fails=$((fails + 1)); echo "FAIL  tsan: test_team does not build"; head -5 "$out/build.log"; fi
for c in 09-infogan 10-cyclegan 11-aae; do
    src=$(ls chapters/$c/*.c | head -n 1)
    # shellcheck disable=SC2086
    if gcc $flags -o "$out/$c" "$src" build/gen/$c/figures.c common/*.c $libs 2> "$out/build.log"; then
        OPENBLAS_NUM_THREADS=2 "$out/$c" --quick --seed 1 --quiet --out "$out/run-$c" > /dev/null 2> "$out/$c.log"
        report "$c --quick at 2 threads" $? "$out/$c.log"
    else fails=$((fails + 1)); echo "FAIL  tsan: $c does not build"; head -5 "$out/build.log"; fi
done
echo "$fails failed"
[ "$fails" -eq 0 ]
