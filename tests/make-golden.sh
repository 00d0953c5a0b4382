#!/bin/sh
# make-golden.sh CHAPTER...: rewrite tests/golden/CHAPTER.out from the current
# programs. Run it only when you know why the numbers moved, and say why in
# the commit message.
. tests/lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for c in "$@"; do
    bin/$c --quick --seed 1 --quiet --out "$tmp/$c" > tests/golden/$c.out || exit 1
    echo "wrote tests/golden/$c.out"
done
