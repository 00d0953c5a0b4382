# tests/exercise-lib.sh -- build and run one chapter file outside the tree
# (sourced, POSIX sh, after tests/lib.sh, from the repository's root).
# Used by tests/solutions.sh (make check's solutions group: every reference
# solution still applies, builds and prints its expected output) and by
# tests/diff-exercise.sh (make diff-exercise: an instructor's look at a
# student's submission).
#
#   ex_chapter CH            chapters/NN-name of CH (04, 04-vae or chapters/04-vae)
#   ex_build CH SRC DIR      build SRC as chapter CH into DIR/prog (log DIR/build.log)
#   ex_run DIR LIMIT ARGS    run DIR/prog ARGS in the sandbox below, LIMIT seconds:
#                            DIR/stdout, DIR/stderr, ex_status, ex_verdict_run
#   ex_compare REF OUT TOL   numdiff: ex_ndiff numbers differ (0: same), DIR/numdiff
#
# The sandbox. A submission is a stranger's C program; the instructor runs it
# on their own machine. What ex_run does:
#   - a wall-clock limit (timeout, TERM then KILL) and a CPU-time limit;
#   - limits (prlimit) on memory (address space), on the size of any file it
#     writes (stdout included), no core files; and, when we are root, on the
#     number of processes (root itself would be exempt from that limit);
#   - cwd is its scratch directory DIR, --out is DIR/out;
#   - with unshare (util-linux, in every Debian): its own mount namespace in
#     which every mount is read-only except DIR, its own network namespace
#     (no network at all) and its own PID namespace (it sees and can signal
#     only its own processes, and all of them die with it);
#   - it runs without privileges: as nobody when we are root, otherwise as
#     ourselves with no capabilities, and no_new_privs either way.
# If the namespaces cannot be made here (a container that forbids them),
# ex_run refuses to run at all, unless EXERCISE_SANDBOX=limits, which keeps
# only the limits and the scratch cwd, and says so.
# What it does NOT protect against: reading (the program can read every file
# the invoking user -- or nobody -- can read, and print it); the compiler,
# which runs with the instructor's rights under the same time and memory
# limits (a submission can #include any readable file); using up its CPU and
# memory quota on a shared machine; and bugs in the kernel.
EX_MEM_KB=${EX_MEM_KB:-3000000}      # address space, KB (the MNIST chapters use ~0.7 GB)
EX_FILE_BLOCKS=${EX_FILE_BLOCKS:-200000}   # largest file, 512-byte blocks (100 MB)
EX_NPROC=${EX_NPROC:-64}
EX_BUILD_LIMIT=${EX_BUILD_LIMIT:-120}

ex_chapter() {
    case "$1" in
        chapters/*) c=${1#chapters/}; c=${c%/} ;;
        [0-9][0-9]-*) c=$1 ;;
        [0-9][0-9]) c=""; for d in chapters/"$1"-*; do [ -d "$d" ] && c=${d#chapters/} && break; done ;;
        *) c="" ;;
    esac
    [ -n "$c" ] && [ -d "chapters/$c" ] && echo "$c"
}

# the chapter's own C file (one per chapter)
ex_source() { for f in chapters/"$1"/*.c; do echo "$f"; return; done; }

# ex_build CH SRC DIR: the course's compiler and flags (make exercise-bin), under
# a time and memory limit; 0 when DIR/prog was built
ex_build() {
    mkdir -p "$3"
    cp "$2" "$3/$(basename "$(ex_source "$1")")"
    prlimit --as=$((EX_MEM_KB * 1024)) --fsize=$((EX_FILE_BLOCKS * 512)) -- \
        timeout -k 5 "$EX_BUILD_LIMIT" make -s --no-print-directory exercise-bin EXCH="$1" \
        EXSRC="$3/$(basename "$(ex_source "$1")")" EXBIN="$3/prog" > "$3/build.log" 2>&1
}

# the first compiler error of DIR/build.log, on one line
ex_first_error() {
    line=$(grep -m 1 -E '(error|fatal error):' "$1/build.log")
    [ -n "$line" ] || line=$(grep -m 1 . "$1/build.log")
    echo "${line#"$1"/}"
}

# can we make the namespaces here? (asked once)
ex_can_sandbox() {
    if [ -z "${ex_sandbox_ok:-}" ]; then
        if sh tests/exercise-sandbox.sh --probe > /dev/null 2>&1; then ex_sandbox_ok=yes; else ex_sandbox_ok=no; fi
    fi
    [ "$ex_sandbox_ok" = yes ]
}

# ex_run DIR LIMIT ARGS...: run DIR/prog --out DIR/out ARGS in the sandbox.
# Sets ex_status (exit status) and ex_verdict_run: ok, "timed out",
# "crashed (signal N, NAME)", "failed (exit status N: first stderr line)",
# or "sandbox failed: ...".
ex_run() {
    dir=$1 limit=$2; shift 2
    mkdir -p "$dir/out"
    EX_CPU=$((limit + 1)); export EX_CPU EX_MEM_KB EX_FILE_BLOCKS EX_NPROC
    if [ "$(id -u)" = 0 ]; then    # the program runs as nobody
        chown -R nobody:nogroup "$dir"; chmod 755 "$dir"
        d=$PWD                     # ... who must reach datasets/ and the judge from here:
        while [ "$d" != / ]; do    # a checkout inside a mktemp -d (mode 700) gets o+x
            [ "$(stat -c %A "$d" | cut -c10)" = - ] && chmod o+x "$d"
            d=$(dirname "$d")
        done
    fi
    # the MNIST chapters read datasets/ and the judge from the current directory
    ln -sfn "$PWD/datasets" "$dir/datasets"
    mkdir -p "$dir/build"; [ -d build/judge ] && ln -sfn "$PWD/build/judge" "$dir/build/judge"
    start=$(date +%s)
    if [ "${EXERCISE_SANDBOX:-}" = limits ]; then
        (cd "$dir" && exec prlimit --core=0 --as=$((EX_MEM_KB * 1024)) --fsize=$((EX_FILE_BLOCKS * 512)) \
            --cpu="$EX_CPU" -- timeout -k 3 "$limit" ./prog --out out "$@") > "$dir/stdout" 2> "$dir/stderr"
        ex_status=$?
    elif ex_can_sandbox; then
        timeout -k 3 "$limit" sh tests/exercise-sandbox.sh "$(cd "$dir" && pwd -P)" ./prog --out out "$@" \
            > "$dir/stdout" 2> "$dir/stderr"
        ex_status=$?
    else
        ex_status=90
        echo "sandbox: cannot make namespaces here (unshare failed); EXERCISE_SANDBOX=limits runs with the limits only" > "$dir/stderr"
    fi
    elapsed=$(( $(date +%s) - start ))
    if [ "$ex_status" = 0 ]; then ex_verdict_run=ok
    elif [ "$ex_status" = 90 ] && grep -q '^sandbox: ' "$dir/stderr"; then
        ex_verdict_run="sandbox failed: $(grep -m 1 '^sandbox: ' "$dir/stderr")"
    elif [ "$ex_status" = 124 ] || { [ "$ex_status" = 137 ] && [ "$elapsed" -ge "$limit" ]; }; then
        ex_verdict_run="timed out"
    elif [ "$ex_status" -gt 128 ]; then
        sig=$((ex_status - 128))
        ex_verdict_run="crashed (signal $sig, SIG$(kill -l "$sig" 2> /dev/null || echo '?'))"
        # a CPU-time limit is a time limit too
        [ "$sig" = 24 ] && ex_verdict_run="timed out"
    else
        ex_verdict_run="failed (exit status $ex_status: $(grep -m 1 . "$dir/stderr"))"
    fi
}

# ex_compare REF OUT TOL: ex_ndiff = fields (numbers, or words) that differ;
# ex_length_differs = yes when one output has lines the other lacks;
# numdiff's report in ${OUT%/*}/numdiff
ex_compare() {
    # shellcheck disable=SC2086
    numdiff $3 "$1" "$2" > "${2%/*}/numdiff" 2>&1
    # shellcheck disable=SC2086
    if numdiff -q $3 "$1" "$2" > /dev/null 2>&1; then ex_ndiff=0; ex_length_differs=no; return 0; fi
    ex_ndiff=$(grep -c '^##[0-9]* *#:[0-9]* *<==' "${2%/*}/numdiff")
    if grep -q 'has more lines than\|End of file' "${2%/*}/numdiff"; then ex_length_differs=yes; else ex_length_differs=no; fi
    [ "$ex_ndiff" -gt 0 ] || [ "$ex_length_differs" = yes ] || ex_ndiff=1
    return 1
}

# ex_tol CH K: numdiff tolerances of solution K of chapter CH
ex_tol() {
    if [ -f "chapters/$1/solutions/$2.tol" ]; then cat "chapters/$1/solutions/$2.tol"
    elif [ -f "tests/golden/$1.tol" ]; then cat "tests/golden/$1.tol"
    else echo "$NUMDIFF_TOL"; fi
}

# ex_args CH K: the exercise's extra flags (K.args), --quick --seed 1 first
ex_args() {
    a=""; [ -f "chapters/$1/solutions/$2.args" ] && a=$(grep -v '^#' "chapters/$1/solutions/$2.args" | tr '\n' ' ')
    echo "--quick --seed 1 --quiet $a"
}
