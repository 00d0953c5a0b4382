#!/bin/sh
# persist.sh -- the persistence flags behave the same in every generator chapter.
#
# One table of cases, run against each chapter with a small run's flags:
# save, load, generate (twice: the same files), resume bit for bit (the
# chapters that resume: a run saved at N steps and resumed to 2N ends with
# the same checkpoint, byte for byte, as one run of 2N), the combinations the
# rules refuse (exit 2, usage, nothing written), another chapter's checkpoint
# and a damaged one (exit 1, one line). Damage in depth and killed saves are
# tests/fuzz.sh's. Prints PASS/FAIL lines; exit 0 when all pass.
. tests/lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "PASS  persist $1"; }
bad() { fails=$((fails + 1)); echo "FAIL  persist $1"; [ -f "$2" ] && sed 's/^/        /' "$2" | head -8; }

# expect EXIT LABEL ARGS...: run, check the exit status (and one error line
# for 1, the usage for 2)
expect() {
    want=$1 label=$2; shift 2
    rm -rf "$tmp/out"
    "$@" --quiet --out "$tmp/out" > "$tmp/stdout" 2> "$tmp/stderr"; st=$?
    if [ $st -ne "$want" ]; then echo "exit $st" >> "$tmp/stderr"; bad "$label -> exit $want" "$tmp/stderr"; return 1; fi
    if [ "$want" = 1 ] && [ "$(wc -l < "$tmp/stderr")" -ne 1 ]; then bad "$label -> one line on stderr" "$tmp/stderr"; return 1; fi
    if [ "$want" = 2 ] && ! grep -q "^usage: " "$tmp/stderr"; then bad "$label -> usage" "$tmp/stderr"; return 1; fi
    if [ "$want" = 2 ] && [ -e "$tmp/out" ]; then bad "$label -> nothing written"; return 1; fi
    ok "$label -> exit $want"
}

# chapter | flags of a small run | resume steps (empty: no --resume)
while IFS='|' read -r c flags resume_steps; do
    case "$c" in ''|'#'*) continue ;; esac
    b=bin/$c a=$tmp/$c.ckpt
    # shellcheck disable=SC2086
    expect 0 "$c train --save" $b --quick $flags --save "$a" || continue
    # shellcheck disable=SC2086
    expect 0 "$c --load" $b --quick $flags --load "$a"
    # shellcheck disable=SC2086
    if expect 0 "$c --load --generate 50" $b --quick $flags --load "$a" --generate 50; then
        cp -r "$tmp/out" "$tmp/gen1"
        # shellcheck disable=SC2086
        $b --quick $flags --load "$a" --generate 50 --quiet --out "$tmp/gen2" > /dev/null 2>&1
        if diff -r "$tmp/gen1" "$tmp/gen2" > "$tmp/diff" 2>&1; then ok "$c --generate twice: the same files"
        else bad "$c --generate twice: the same files" "$tmp/diff"; fi
        rm -rf "$tmp/gen1" "$tmp/gen2"
    fi
    # shellcheck disable=SC2086
    expect 2 "$c --generate without --load" $b --quick $flags --generate 5
    # shellcheck disable=SC2086
    expect 2 "$c --load --save" $b --quick $flags --load "$a" --save "$tmp/other.ckpt"
    # shellcheck disable=SC2086
    expect 2 "$c --generate 0" $b --quick $flags --load "$a" --generate 0
    # shellcheck disable=SC2086
    expect 2 "$c --generate 100001" $b --quick $flags --load "$a" --generate 100001
    # shellcheck disable=SC2086
    expect 1 "$c --load of another chapter's checkpoint" $b --quick $flags --load "$tmp/previous.ckpt"
    head -c 1000 "$a" > "$tmp/cut.ckpt"
    # shellcheck disable=SC2086
    expect 1 "$c --load of a cut checkpoint" $b --quick $flags --load "$tmp/cut.ckpt"
    # shellcheck disable=SC2086
    expect 1 "$c --save into a missing directory" $b --quick $flags --save "$tmp/no/such/dir.ckpt"
    if [ -n "$resume_steps" ]; then
        n=$resume_steps
        # shellcheck disable=SC2086
        expect 2 "$c --load --resume" $b --quick $flags --load "$a" --resume "$a"
        # shellcheck disable=SC2086
        $b --quick $flags --steps $n --save "$tmp/half.ckpt" --quiet --out "$tmp/r1" > /dev/null 2>&1
        # shellcheck disable=SC2086
        $b --quick $flags --steps $((2 * n)) --save "$tmp/straight.ckpt" --quiet --out "$tmp/r2" > /dev/null 2>&1
        # shellcheck disable=SC2086
        $b --quick $flags --resume "$tmp/half.ckpt" --steps $((2 * n)) --save "$tmp/half.ckpt" --quiet --out "$tmp/r3" > /dev/null 2>&1
        if cmp -s "$tmp/straight.ckpt" "$tmp/half.ckpt"; then ok "$c --resume: $n + $n steps == $((2 * n)) steps, byte for byte (resumed into the same file)"
        else bad "$c --resume: $n + $n steps == $((2 * n)) steps, byte for byte"; fi
        # shellcheck disable=SC2086
        expect 1 "$c --resume at the saved step" $b --quick $flags --resume "$tmp/straight.ckpt" --steps $((2 * n))
    fi
    cp "$a" "$tmp/previous.ckpt"
done <<EOF
05-gan|--target gaussian --compare-steps 0|
04-vae|--single|
06-mode-collapse|--method vanilla|
07-wgan|--method gp --target bimodal|
08-mnist-gan|--model gan|10
09-infogan|--digit 2|10
09-infogan|--categorical 10 --d-norm batch|10
09-infogan|--categorical 10|10
10-cyclegan|--compare none --restarts 0|10
11-aae|--variant unlabelled|10
EOF
# 09's three normalisations have the same parameter sizes: the checkpoint says
# which one it holds, and the other is refused
b=bin/09-infogan
expect 0 "09-infogan --d-norm layer --save" $b --quick --save "$tmp/ln.ckpt"
expect 1 "09-infogan --d-norm batch --load of a layer-norm model" $b --quick --d-norm batch --load "$tmp/ln.ckpt"
expect 1 "09-infogan --d-norm batch --resume of a layer-norm model" $b --quick --d-norm batch --resume "$tmp/ln.ckpt" --steps 30
expect 1 "09-infogan --d-norm conv --load of a layer-norm model" $b --quick --d-norm conv --load "$tmp/ln.ckpt"

# 11-aae: a checkpoint names the code's style numbers; another --style-dims
# is refused in one line that names both values
if bin/11-aae --quick --variant unlabelled --style-dims 2 --save "$tmp/style2.ckpt" --quiet --out "$tmp/s2" > /dev/null 2>&1; then
    if expect 1 "11-aae --load of a --style-dims 2 checkpoint with the default (4)" bin/11-aae --quick --variant unlabelled --load "$tmp/style2.ckpt"; then
        if grep -q -- "--style-dims 2.*--style-dims 4" "$tmp/stderr"; then ok "11-aae another --style-dims: the error names both"
        else bad "11-aae another --style-dims: the error names both" "$tmp/stderr"; fi
    fi
    expect 0 "11-aae --load with the --style-dims it was saved with" bin/11-aae --quick --variant unlabelled --style-dims 2 --load "$tmp/style2.ckpt"
else
    bad "11-aae --style-dims 2 --save"
fi
[ $fails -eq 0 ]
