#!/bin/sh
# run-sanitize.sh CHAPTER...: make sanitize (ASan + UBSan builds of chapters and unit tests)
exec sh tests/run-checks.sh --only sanitize "$@"
