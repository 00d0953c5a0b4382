#!/bin/sh
# compare.sh: milliseconds per training iteration of the MNIST chapters'
# models (build/bench/iter-*, built from the chapters' own code) next to the
# same models in PyTorch (bench/torch_iter.py), both in double precision on
# one CPU thread. Best of 3 runs of 200 iterations each (15 for the DCGAN
# planned for chapter 09, bench/iter-dcgan.c, which is built from common/
# layers because the chapter does not exist yet). PyTorch comes from
# Debian (apt-get install python3-torch); without it only our numbers print.
# A benchmark never fails the build: these are numbers to watch.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
best() {   # best_of_3 OUTFILE COMMAND...: per-name minimum over 3 runs
    out=$1; shift
    for i in 1 2 3; do "$@" >> "$tmp/all" || return 1; done
    awk '{ if (!($1 in m) || $2 < m[$1]) m[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
         END { for (i = 1; i <= n; i++) print order[i], m[order[i]] }' "$tmp/all" > "$out"
    rm -f "$tmp/all"
}
: > "$tmp/ours"
for b in build/bench/iter-*; do
    best "$tmp/one" "$b" || { echo "compare.sh: $b failed"; exit 0; }
    cat "$tmp/one" >> "$tmp/ours"
done
torch_py=/usr/bin/python3
if "$torch_py" -c "import torch" 2> /dev/null; then
    best "$tmp/torch" "$torch_py" bench/torch_iter.py 1 || : > "$tmp/torch"
    version=$("$torch_py" -c "import torch; print(torch.__version__)")
else
    : > "$tmp/torch"; version=""
    echo "(PyTorch is not installed: apt-get install python3-torch to compare)"
fi
echo
echo "ms per training iteration, float64, 1 thread (best of 3 x 200 iterations; dcgan 3 x 15)"
printf '%-28s %10s %14s %8s\n' model genlab "PyTorch ${version:-n/a}" ratio
while read -r name ms; do
    t=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/torch")
    case $name in gan) what="08 GAN (batch 100)" ;; cgan) what="08 cGAN (batch 50)" ;;
                  aae) what="11 AAE, labels (batch 100)" ;;
                  dcgan) what="09 DCGAN/InfoGAN (batch 64)" ;; *) what=$name ;; esac
    if [ -n "$t" ]; then
        printf '%-28s %10.2f %14.2f %8.2f\n' "$what" "$ms" "$t" "$(awk -v a="$ms" -v b="$t" 'BEGIN { print a / b }')"
    else
        printf '%-28s %10.2f %14s %8s\n' "$what" "$ms" - -
    fi
done < "$tmp/ours"
echo "(ratio < 1: genlab is faster)"
