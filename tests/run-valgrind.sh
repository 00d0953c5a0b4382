#!/bin/sh
# run-valgrind.sh CHAPTER...: every chapter's --quick run and every unit test
# under valgrind memcheck; any error or leak fails.
. tests/lib.sh
# valgrind cannot run AVX-512 code, and shows OpenBLAS a CPU it knows: let it choose
unset OPENBLAS_CORETYPE
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
vg="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
for c in "$@"; do
    if $vg bin/$c --quick --seed 1 --quiet --out "$tmp/$c" > /dev/null 2> "$tmp/err"; then pass=$((pass + 1)); echo "PASS  valgrind $c"
    else fail=$((fail + 1)); echo "FAIL  valgrind $c"; head -30 "$tmp/err"; fi
done
for t in build/tests/test_*; do
    if $vg "$t" > "$tmp/err" 2>&1; then pass=$((pass + 1)); echo "PASS  valgrind $(basename "$t")"
    else fail=$((fail + 1)); echo "FAIL  valgrind $(basename "$t")"; grep -v "^\[" "$tmp/err" | head -30; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
