#!/bin/sh
# bench.sh CHAPTER...: wall time of each chapter's default run and --quick run
# (best of 3; a run longer than 30 s is not repeated). Benchmarks never fail
# the build: they are numbers to watch.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
best_of_3() {
    best=""
    for i in 1 2 3; do
        t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N)
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        best=$(awk -v a="$t" -v b="${best:-1e9}" 'BEGIN { print (a < b ? a : b) }')
        awk -v t="$t" 'BEGIN { exit !(t > 30) }' && break
    done
    printf '%.2f' "$best"
}
printf '%-28s %10s %10s\n' chapter "default s" "quick s"
for c in "$@"; do
    d=$(best_of_3 bin/$c --quiet --out "$tmp/$c")
    q=$(best_of_3 bin/$c --quick --quiet --out "$tmp/$c-quick")
    printf '%-28s %10s %10s\n' "$c" "$d" "$q"
done
