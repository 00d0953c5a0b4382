#!/bin/sh
# fuzz.sh BINDIR MUTATOR [CAP] -- the robustness group of make check.
#
# A damaged file must never crash, hang or fool a program. For a checkpoint
# of every generator chapter, and for the MNIST IDX files, this makes
# seeded damaged copies (tests/fuzz-mutate.c says which: truncations at every
# field boundary and at random offsets, flipped bytes in every header field
# and in the data, size fields set to 0, 1 and huge, bytes appended) and
# loads each one (--load, or --data for the IDX files) under a time limit and,
# outside the sanitizers, a memory limit. Every case must end with exit status 1
# and exactly one line on stderr: never a signal, a hang, or exit 0.
#
# Then it kills saves at random moments and checks that the checkpoint that was
# there before is still there, byte for byte (or the new one, whole). And 10
# on a data set smaller than its measures take must say how many digits it needs.
#
# Prints one PASS/FAIL line per file (with the number of cases) and the
# failing cases, then "robust: N cases tried"; exit status 0 only when every
# case behaved. CAP (default 200) bounds the cases per file: when the plan has
# more, an even sample of them.
. tests/lib.sh
bindir=$1 mutator=$2 cap=${3:-200}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# sanitizers reserve terabytes of address space: no memory limit for them
case "$bindir" in *san*) memlimit=0 ;; *) memlimit=4000 ;; esac   # MB

# fuzz_file LABEL KIND FILE TARGET CMD...: every (or CAP sampled) case of FILE
# run by the mutator itself (one process per case): TARGET damaged, CMD run with
# a 30 s limit, TARGET made whole again; one PASS or FAIL line
fuzz_file() {
    label=$1 kind=$2 file=$3 target=$4; shift 4
    "$mutator" run "$kind" "$file" "$target" "$cap" "$memlimit" "$label" -- "$@" --quiet --out "$target.out"
}

# ---- checkpoints of the generator chapters --------------------------------------
# CHAPTER FLAGS: a small run's flags (the same flags load its checkpoint)
fuzz_chapter() {
    c=$1; shift
    if ! "$bindir/$c" --quick --quiet "$@" --save "$tmp/$c.ckpt" --out "$tmp/train-$c" > /dev/null 2> "$tmp/$c.err"; then
        echo "FAIL  robust $c: could not make a checkpoint"; sed 's/^/        /' "$tmp/$c.err"; return
    fi
    fuzz_file "$c checkpoint" ckpt "$tmp/$c.ckpt" "$tmp/damaged-$c.ckpt" \
        "$bindir/$c" --quick "$@" --load "$tmp/damaged-$c.ckpt" --generate 10
}

# ---- the MNIST IDX files ----------------------------------------------------------
# small_idx DIR: a small data set in the four files the MNIST chapters read:
# 300 training and 100 test digits, the training files plain, the test files
# gzipped
small_idx() {
    mkdir -p "$1" &&
    "$mutator" head datasets/mnist/t10k-images-idx3-ubyte.gz 300 "$1/train-images-idx3-ubyte" &&
    "$mutator" head datasets/mnist/t10k-labels-idx1-ubyte.gz 300 "$1/train-labels-idx1-ubyte" &&
    "$mutator" head datasets/mnist/t10k-images-idx3-ubyte.gz 100 "$1/t10k-images-idx3-ubyte" &&
    "$mutator" head datasets/mnist/t10k-labels-idx1-ubyte.gz 100 "$1/t10k-labels-idx1-ubyte" &&
    gzip -n -9 "$1/t10k-images-idx3-ubyte" "$1/t10k-labels-idx1-ubyte"
}

fuzz_idx() {
    idx=$tmp/idx
    if ! small_idx "$idx"; then
        echo "FAIL  robust MNIST: could not make the small IDX data set"; return
    fi
    for f in train-images-idx3-ubyte:idx train-labels-idx1-ubyte:idx \
             t10k-images-idx3-ubyte.gz:gz t10k-labels-idx1-ubyte.gz:gz; do
        name=${f%:*} kind=${f#*:}
        cp "$idx/$name" "$tmp/$name.orig"
        fuzz_file "MNIST $name" "$kind" "$tmp/$name.orig" "$idx/$name" \
            "$bindir/08-mnist-gan" --quick --model gan --steps 2 --data "$idx"
    done
}

# ---- saves killed half way ----------------------------------------------------------
# 11's checkpoint is about 35 MB: a save takes long enough to be hit. The first
# run's file must survive every later run killed in the middle of its save.
# A save writes .NAME.tmp-PID, then renames it: each run is killed when bytes
# appear in that file, plus 0, 3, 6, ... ms, so that the kills fall all through
# the writing (a late one may come after the rename: then it is the new file).
# On the small data set, so that a run is mostly the save, not loading MNIST.
fuzz_killed_saves() {
    c=11-aae kills=12 bad=0 in_save=0 keep=$tmp/keep.ckpt
    run11() { "$bindir/$c" --quick --quiet --variant unlabelled --data "$small" "$@" > /dev/null 2>&1; }
    # a save under way: its temporary file has bytes (at its start a run also
    # makes one, empty, to see that it will be able to save; that one is not it)
    saving() { for f in "$tmp"/.keep.ckpt.tmp-*; do [ -s "$f" ] && return 0; done; return 1; }
    run11 --steps 2 --save "$keep" --out "$tmp/k0"
    cp "$keep" "$tmp/old.ckpt"
    run11 --steps 3 --save "$tmp/new.ckpt" --out "$tmp/k1"
    for i in $(seq 1 $kills); do
        run11 --steps 3 --save "$keep" --out "$tmp/k3" &
        pid=$!
        until saving; do
            kill -0 $pid 2> /dev/null || break      # it ended before its save began
            sleep 0.002
        done
        sleep "$(awk -v i="$i" 'BEGIN { printf "%.3f", (i - 1) * 0.003 }')"
        kill -9 $pid 2> /dev/null
        wait $pid 2> /dev/null
        if saving; then in_save=$((in_save + 1)); fi
        rm -f "$tmp"/.keep.ckpt.tmp-*
        if cmp -s "$keep" "$tmp/old.ckpt"; then :
        elif cmp -s "$keep" "$tmp/new.ckpt"; then cp "$tmp/old.ckpt" "$keep"     # it finished: again
        else bad=$((bad + 1)); cp "$tmp/old.ckpt" "$keep"
            echo "        kill $i: the checkpoint is neither the old nor the new one"
        fi
    done
    if [ $bad -eq 0 ] && [ $in_save -gt 0 ] && run11 --load "$keep" --generate 5 --out "$tmp/k4"; then
        echo "PASS  robust $c: $kills saves killed, $in_save of them half written; the previous checkpoint intact and loadable ($kills cases)"
    else
        echo "FAIL  robust $c: saves killed ($bad damaged; $in_save of $kills killed half written, at least 1 needed)"
    fi
}

# The small data set, read (never damaged) by the MNIST chapters' checkpoint
# jobs and the killed saves: what they test is the checkpoint, and a run on
# 300 digits is a fraction of one on MNIST (under the sanitizers most of all).
# 10 needs more test digits than its 100 (below): it reads MNIST.
small=$tmp/small
if ! small_idx "$small"; then echo "FAIL  robust: could not make the small IDX data set"; exit 1; fi

# 10 on fewer digits than its yardsticks take (--quick: 100 test digits and 100
# of each bag, 2 more test digits for fjd): one line saying how many
few_digits() {
    label="robust 10-cyclegan --quick on 300 training and 100 test digits -> exit 1, one line: how many it needs"
    "$bindir/10-cyclegan" --quick --quiet --data "$small" --out "$tmp/few-out" > /dev/null 2> "$tmp/few.err"; st=$?
    if [ $st -eq 1 ] && [ "$(wc -l < "$tmp/few.err")" -eq 1 ] &&
       grep -q "needs at least 200 training and 102 test images, not 300 and 100$" "$tmp/few.err"; then echo "PASS  $label"
    else echo "FAIL  $label"; echo "exit status $st" | cat "$tmp/few.err" - | sed 's/^/        /'; fi
}

# Two jobs at a time (one per core), each into its own log, printed in order.
set -- "04-vae --single" "05-gan --target gaussian --compare-steps 0" \
       "06-mode-collapse --method vanilla" "07-wgan --method gp --target bimodal" \
       "08-mnist-gan --model gan --data $small" "09-infogan --digit 2 --data $small" \
       "10-cyclegan --compare none --restarts 0" "11-aae --variant unlabelled --data $small" idx killed few
running=0 logs="" n=0
for job in "$@"; do
    n=$((n + 1)) log=$tmp/job-$n.log
    case "$job" in
        idx)    [ -x "$bindir/08-mnist-gan" ] && fuzz_idx > "$log" 2>&1 & ;;
        # (killed saves: once, on the plain build; the sanitized unit test
        # test_data kills saves too)
        killed) [ -x "$bindir/11-aae" ] && [ "$memlimit" != 0 ] && fuzz_killed_saves > "$log" 2>&1 & ;;
        few)    [ -x "$bindir/10-cyclegan" ] && few_digits > "$log" 2>&1 & ;;
        *)      # shellcheck disable=SC2086
                [ -x "$bindir/${job%% *}" ] && fuzz_chapter $job > "$log" 2>&1 & ;;
    esac
    logs="$logs $log" running=$((running + 1))
    if [ $running -eq 2 ]; then wait; running=0; fi
done
wait
# shellcheck disable=SC2086
cat $logs 2> /dev/null > "$tmp/results"
cat "$tmp/results"
total=$(sed -n 's/.*: \([0-9][0-9]*\) damaged files.*/\1/p; s/.*(\([0-9][0-9]*\) cases)$/\1/p' "$tmp/results" |
        awk '{ s += $1 } END { print s + 0 }')
echo "robust: $total cases tried"
[ "$total" -gt 0 ] && ! grep -q "^FAIL" "$tmp/results"
