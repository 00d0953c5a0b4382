#!/bin/sh
# run-checks.sh [--only GROUP] CHAPTER...
#
# Runs the test groups below (all of them, or one) and ends with the line
# "N passed, N failed". Exit status 0 only when nothing failed.
#   unit      every build/tests/test_* (cmocka, TAP output: one result per test)
#   clang     every C file compiles warning-free with clang too (gcc builds the rest)
#   blas      the chapters are linked against OpenBLAS
#   judge     the digit judge's accuracy on the 10 000 test digits is at least 0.985
#   golden    bin/NN --quick --seed 1 stdout == tests/golden/NN.out (numdiff);
#             09-11 again at OPENBLAS_NUM_THREADS=2 (the team, common/team.h),
#             08-11 again without it (the default threads: 1-thread bytes)
#   figures   every .gp of a --quick run renders to PNG without a word from gnuplot;
#             make figures trains the digit judge for 08-11 only (make -n -B)
#   shape     every chapter file reads as one lesson (tests/lesson-shape.sh:
#             at most 900 lines, the lesson two thirds, main at most 50 lines)
#   badinput  tests/cases/NN.bad, plus cases every chapter must handle
#   goals     tests/goals/NN.goals for seeds 1, 2, 3 (default runs; a line
#             'seeds 4 5' changes the seeds for the lines after it; lines that
#             start with 'slow' run only in `make goals`, i.e. GOALS_SLOW=1)
#   persist   the persistence flags, one table of cases for every generator
#             chapter (tests/persist.sh)
#   robust    damaged checkpoints and IDX files, saves killed half way
#             (tests/fuzz.sh: every case exit 1 with one line on stderr)
#   sanitize  --quick runs and unit tests built with ASan + UBSan, and a
#             sample of the robust cases on the sanitized programs
#   diagrams  every chapters/NN/diagrams/*.dot draws the sizes bin/NN --help
#             prints as defaults (tests/diagram-sizes.sh)
#   site      the docs site, built from the READMEs and diagrams, opened page
#             by page in headless Chromium: no broken link, missing image or
#             raw math (tests/site-check.sh; screenshot: build/site-check.png)
#   solutions every code exercise's reference solution (chapters/NN/solutions/
#             K.patch) still applies, builds (gcc and clang, -Werror) and
#             prints K.out (tests/solutions.sh)
#   grading   every verdict of make diff-exercise on fixture submissions,
#             its time limit and its sandbox (tests/diff-exercise-test.sh)
#   bench     make bench's plumbing on one tiny case (bench/run.sh: one quick
#             run, two iterations of one model in two rounds, no PyTorch;
#             both rounds' speedups listed): the table and its
#             files appear; every benchmark's multiply-add count agrees with
#             the gsl_blas_dgemm calls it makes; OpenBLAS's fast kernels
#
# Without --only the groups run side by side, CHECK_JOBS at a time (default:
# one per CPU), slowest first; each group's lines are printed together, in the
# order above, once all have finished. CHECK_JOBS=1 runs them one by one.
# GROUP may be a comma-separated list: golden and figures run as one job, as
# they read the same --quick --seed 1 run of every chapter (made once).
. tests/lib.sh
only=""
if [ "$1" = "--only" ]; then only=$2; shift 2; fi
chapters="$*"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

if [ -z "$only" ]; then
    jobs=${CHECK_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
    started=$(date +%s)
    # slowest first (by their wall times in a fresh-clone make check, session 13:
    # goals 262 s, sanitize 118, robust 90, persist 71, solutions 46, unit 38, ...),
    # so that the last group to start is a short one
    echo "make check: 17 test groups, $jobs at a time"
    # shellcheck disable=SC2016
    printf '%s\n' goals sanitize robust persist solutions unit site golden,figures bench grading clang badinput diagrams judge shape blas |
        xargs -P "$jobs" -I GROUP sh -c 's=$(date +%s); sh tests/run-checks.sh --only "$1" $2 > "$3/$1.log" 2>&1
            echo "  $1: $(tail -n 1 "$3/$1.log") ($(( $(date +%s) - s )) s)"' _ GROUP "$chapters" "$tmp"
    for g in unit clang blas judge golden,figures shape badinput goals persist robust sanitize diagrams site solutions grading bench; do
        if tail -n 1 "$tmp/$g.log" | grep -q '^[0-9]* passed, [0-9]* failed$'; then
            sed '$d' "$tmp/$g.log"
        else
            cat "$tmp/$g.log"; echo "FAIL  group $g did not finish"
        fi
    done > "$tmp/all.log"
    cat "$tmp/all.log"
    pass=$(grep -c '^PASS  ' "$tmp/all.log"); fail=$(grep -c '^FAIL  ' "$tmp/all.log")
    echo "(test groups: $(( $(date +%s) - started )) s wall)"
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]; exit
fi

ok()  { pass=$((pass + 1)); echo "PASS  $1"; }
bad() { fail=$((fail + 1)); echo "FAIL  $1"; if [ -n "$2" ] && [ -f "$2" ]; then sed 's/^/        /' "$2" | head -20; fi; }
want() { [ -z "$only" ] || case ",$only," in *",$1,"*) true ;; *) false ;; esac; }

# quick CHAPTER: bin/CHAPTER --quick --seed 1, run once for the golden and the
# figures groups: stdout in $tmp/quick-CHAPTER.out, files in $tmp/quick-CHAPTER/,
# stderr in $tmp/quick-CHAPTER.err; status 0 when the run went through
quick() {
    if [ ! -f "$tmp/quick-$1.status" ]; then
        bin/$1 --quick --seed 1 --quiet --out "$tmp/quick-$1" > "$tmp/quick-$1.out" 2> "$tmp/quick-$1.err"
        echo $? > "$tmp/quick-$1.status"
    fi
    [ "$(cat "$tmp/quick-$1.status")" = 0 ]
}

# cmocka binary -> one PASS/FAIL per test case, plus a FAIL if it crashed
run_cmocka() {
    label=$1 bin=$2
    CMOCKA_MESSAGE_OUTPUT=TAP "$bin" > "$tmp/tap" 2>&1; status=$?
    while IFS= read -r line; do
        case "$line" in
            "ok "*)     ok "$label: ${line#*- }" ;;
            "not ok "*) bad "$label: ${line#*- }" "$tmp/tap" ;;
        esac
    done < "$tmp/tap"
    if [ $status -ne 0 ] && ! grep -q "^not ok" "$tmp/tap"; then bad "$label: exit status $status" "$tmp/tap"; fi
}

if want unit; then
    for t in build/tests/test_*; do [ -x "$t" ] && run_cmocka "unit $(basename "$t")" "$t"; done
fi

if want clang; then
    # the course must build warning-free with clang as well as gcc
    if ! command -v clang > /dev/null 2>&1; then
        echo "clang is not installed (make deps installs it)" > "$tmp/err"; bad "clang -Werror" "$tmp/err"
    else
        for f in common/*.c chapters/*/*.c datasets/*.c datasets/*/*.c tests/*.c bench/*.c; do
            [ -f "$f" ] || continue
            extra=""; case "$f" in tests/*|bench/*) extra=-Wno-unused-function ;; esac
            if clang -std=c11 -D_POSIX_C_SOURCE=200809L -Icommon -Wall -Wextra -Werror -Wshadow \
                     -Wstrict-prototypes $extra -fsyntax-only "$f" > "$tmp/err" 2>&1; then ok "clang -Werror $f"
            else bad "clang -Werror $f" "$tmp/err"; fi
        done
    fi
fi

if want blas; then
    for c in $chapters; do
        if ldd "bin/$c" | grep -q openblas; then ok "blas $c links OpenBLAS"; else ldd "bin/$c" > "$tmp/ldd"; bad "blas $c links OpenBLAS" "$tmp/ldd"; fi
        # on a CPU with AVX, never OpenBLAS's Prescott fallback (common/blascore.h)
        if grep -qw avx /proc/cpuinfo 2> /dev/null; then
            core=$(env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 bin/$c --help 2>&1 >/dev/null | sed -n 's/^Core: //p' | tail -n 1)
            if [ -n "$core" ] && [ "$core" != Prescott ]; then ok "blas $c runs OpenBLAS's $core kernels"
            else echo "OpenBLAS kernels: ${core:-unknown}" > "$tmp/core"; bad "blas $c runs fast kernels, not the Prescott fallback" "$tmp/core"; fi
        fi
    done
fi

if want judge; then
    # the digit judge of the MNIST chapters (make judge): held-out accuracy
    acc=$(awk '$1 == "test_accuracy" { print $2 }' build/judge/mnist/metrics.txt 2>/dev/null)
    if [ -n "$acc" ] && awk -v a="$acc" 'BEGIN { exit !(a >= 0.985) }'; then ok "judge test_accuracy >= 0.985 (got $acc)"
    else bad "judge test_accuracy >= 0.985 (got ${acc:-nothing}; make judge)"; fi
fi

if want golden; then
    for c in $chapters; do
        g=tests/golden/$c.out
        if [ ! -f "$g" ]; then echo "no golden file (make golden)" > "$tmp/err"; bad "golden $c" "$tmp/err"; continue; fi
        tol=$NUMDIFF_TOL; [ -f tests/golden/$c.tol ] && tol=$(cat tests/golden/$c.tol)
        if ! quick "$c"; then
            bad "golden $c (the run failed)" "$tmp/quick-$c.err"
        elif numdiff -q $tol "$g" "$tmp/quick-$c.out" > /dev/null 2>&1; then
            ok "golden $c"
        else
            numdiff $tol "$g" "$tmp/quick-$c.out" > "$tmp/diff" 2>&1; bad "golden $c" "$tmp/diff"
        fi
    done
    # the team of two threads (common/team.h) in the chapters that lean on it
    # most: the same run at OPENBLAS_NUM_THREADS=2, to the byte where OpenBLAS's
    # kernels split a product exactly (bench/split-exact), else to the golden
    # tolerance
    for c in $chapters; do
        case "$c" in 09-*|10-*|11-*) ;; *) continue ;; esac
        quick "$c" || continue
        if ! OPENBLAS_NUM_THREADS=2 bin/$c --quick --seed 1 --quiet --out "$tmp/team-$c" > "$tmp/team-$c.out" 2> "$tmp/err"; then
            bad "golden $c at 2 threads (the run failed)" "$tmp/err"; continue
        fi
        case "${OPENBLAS_CORETYPE:-}" in
            Haswell|Zen|SandyBridge)
                if cmp -s "$tmp/quick-$c.out" "$tmp/team-$c.out"; then ok "golden $c at 2 threads: the same bytes as at 1 ($OPENBLAS_CORETYPE kernels)"
                else diff "$tmp/quick-$c.out" "$tmp/team-$c.out" > "$tmp/diff" 2>&1; bad "golden $c at 2 threads: the same bytes as at 1" "$tmp/diff"; fi ;;
            *)
                tol=$NUMDIFF_TOL; [ -f tests/golden/$c.tol ] && tol=$(cat tests/golden/$c.tol)
                if numdiff -q $tol "tests/golden/$c.out" "$tmp/team-$c.out" > /dev/null 2>&1; then ok "golden $c at 2 threads (${OPENBLAS_CORETYPE:-default} kernels: within the golden tolerance)"
                else numdiff $tol "tests/golden/$c.out" "$tmp/team-$c.out" > "$tmp/diff" 2>&1; bad "golden $c at 2 threads" "$tmp/diff"; fi ;;
        esac
    done
    # and without OPENBLAS_NUM_THREADS, as a student runs them: the team is on
    # by default only where it gives one thread's bits (two usable CPUs and
    # kernels that split exactly), so the bytes are the 1-thread run's always
    for c in $chapters; do
        case "$c" in 08-*|09-*|10-*|11-*) ;; *) continue ;; esac
        quick "$c" || continue
        if ! env -u OPENBLAS_NUM_THREADS bin/$c --quick --seed 1 --quiet --out "$tmp/default-$c" > "$tmp/default-$c.out" 2> "$tmp/err"; then
            bad "golden $c with the default threads (the run failed)" "$tmp/err"; continue
        fi
        if cmp -s "$tmp/quick-$c.out" "$tmp/default-$c.out"; then ok "golden $c with the default threads: the same bytes as at 1"
        else diff "$tmp/quick-$c.out" "$tmp/default-$c.out" > "$tmp/diff" 2>&1; bad "golden $c with the default threads: the same bytes as at 1" "$tmp/diff"; fi
    done
fi

if want shape; then
    for c in $chapters; do
        for f in chapters/$c/*.c; do
            if sh tests/lesson-shape.sh "$f" > "$tmp/shape" 2>&1; then ok "shape $(cat "$tmp/shape")"
            else bad "shape $f" "$tmp/shape"; fi
        done
    done
fi

if want figures; then
    # figures are gnuplot files in chapters/NN-name/figures/, never C strings
    if grep -nE '"[^"]*(set (term|output|title|xlabel|ylabel|key|xrange|yrange|multiplot)|^plot |"plot |splot )' \
            chapters/*/*.c datasets/*/*.c > "$tmp/gp-strings"; then bad "figures: gnuplot commands in C strings" "$tmp/gp-strings"
    else ok "figures: no gnuplot commands in chapters/*/*.c"; fi
    # make figures trains the digit judge for the chapters that score with it
    # (08-11), and only for them: what make -n -B would run, for the others
    # together and for each of those alone
    others=""
    for c in $chapters; do case "$c" in 08-*|09-*|10-*|11-*) ;; *) others="$others $c" ;; esac; done
    for group in "$others" $(echo "$chapters" | tr ' ' '\n' | grep -E '^(08|09|10|11)-'); do
        group=$(echo $group); [ -n "$group" ] || continue
        case "$group" in 08-*|09-*|10-*|11-*) want_judge=1 ;; *) want_judge=0 ;; esac
        make -n -B figures CHAPTERS="$group" > "$tmp/plan" 2>&1
        trains=$(grep -c '^bin/judge --quiet' "$tmp/plan")
        # (OPENBLAS_NUM_THREADS=1 before each run when make figures runs several at once)
        runs=0; for c in $group; do grep -Eq "^(OPENBLAS_NUM_THREADS=1 )?bin/$c --out figures/$c " "$tmp/plan" && runs=$((runs + 1)); done
        label="figures: make figures CHAPTERS=\"$group\" $([ $want_judge = 1 ] && echo trains || echo 'does not train') the judge"
        if [ "$trains" = "$want_judge" ] && [ "$runs" = "$(echo $group | wc -w)" ]; then ok "$label"
        else echo "judge trainings planned: $trains; chapter runs: $runs" >> "$tmp/plan"; bad "$label" "$tmp/plan"; fi
    done
    for c in $chapters; do
        d=$tmp/quick-$c
        if ! quick "$c"; then bad "figures $c (the run failed)" "$tmp/quick-$c.err"; continue; fi
        if render_dir "$d" png > "$tmp/err" 2>&1; then ok "figures $c ($(ls "$d"/*.png | wc -l) PNG)"; else bad "figures $c" "$tmp/err"; fi
    done
fi

# badinput: EXIT ARGS...; exit 2 must also print usage and write nothing
check_bad() {
    c=$1 want_status=$2; shift 2
    out=$tmp/bad-out
    rm -rf "$out"
    bin/$c --quiet --out "$out" "$@" > "$tmp/stdout" 2> "$tmp/stderr"; status=$?
    label="badinput $c $* -> exit $want_status"
    if [ $status -ne "$want_status" ]; then echo "exit status $status" >> "$tmp/stderr"; bad "$label" "$tmp/stderr"; return; fi
    if ! grep -q "^$c: error: " "$tmp/stderr"; then echo "(no '$c: error:' line on stderr)" >> "$tmp/stderr"; bad "$label" "$tmp/stderr"; return; fi
    if [ "$want_status" = 2 ] && [ -e "$out" ]; then echo "wrote $out" > "$tmp/stderr"; bad "$label" "$tmp/stderr"; return; fi
    if [ "$want_status" = 2 ] && ! grep -q "^usage: " "$tmp/stderr"; then echo "(no usage on stderr)" >> "$tmp/stderr"; bad "$label" "$tmp/stderr"; return; fi
    ok "$label"
}
if want badinput; then
    for c in $chapters; do
        check_bad "$c" 2 --bogus
        check_bad "$c" 2 --seed
        check_bad "$c" 2 --seed -1
        check_bad "$c" 2 --seed 12x
        check_bad "$c" 2 --quick=1
        check_bad "$c" 2 stray-argument
        # an --out that cannot be created: one line on stderr, exit 1
        rm -rf "$tmp/bad-out"
        bin/$c --quick --quiet --out /dev/null/cannot > "$tmp/stdout" 2> "$tmp/stderr"; status=$?
        if [ $status -eq 1 ] && [ "$(wc -l < "$tmp/stderr")" -eq 1 ]; then ok "badinput $c --out /dev/null/cannot -> exit 1, one line"
        else echo "exit status $status" >> "$tmp/stderr"; bad "badinput $c --out /dev/null/cannot -> exit 1, one line" "$tmp/stderr"; fi
        # an --out longer than any path: refused, never silently cut
        long=$tmp/$(printf 'd%.0s' $(seq 1 4100))
        bin/$c --quick --quiet --out "$long" > "$tmp/stdout" 2> "$tmp/stderr"; status=$?
        if [ $status -eq 1 ] && [ "$(wc -l < "$tmp/stderr")" -eq 1 ]; then ok "badinput $c --out (4100 characters) -> exit 1, one line"
        else echo "exit status $status" >> "$tmp/stderr"; bad "badinput $c --out (4100 characters) -> exit 1, one line" "$tmp/stderr"; fi
        [ -f tests/cases/$c.bad ] || continue
        while read -r st args; do
            case "$st" in ''|'#'*) continue ;; esac
            # shellcheck disable=SC2086
            check_bad "$c" "$st" $args
        done < tests/cases/$c.bad
    done
fi

# goal_lines CHAPTER: "ARGS|METRIC OP VALUE|SEEDS" for every goal line that runs
goal_lines() {
    seeds="1 2 3"
    while IFS= read -r line; do
        case "$line" in ''|'#'*) continue ;; "seeds "*) seeds=${line#seeds }; continue ;; esac
        case "$line" in "slow "*) [ -n "${GOALS_SLOW:-}" ] || continue; line=${line#slow } ;; esac
        args=$(echo "${line%%:*}" | sed 's/^ *//; s/ *$//'); [ "$args" = "-" ] && args=""
        echo "$args|${line#*:}|$seeds"
    done < "tests/goals/$1.goals"
}
if want goals; then
    # first every goal's run, two at a time (two cores); the checks below read
    # their metrics.txt, and run again, alone, any run that failed here
    for c in $chapters; do
        [ -f tests/goals/$c.goals ] || continue
        goal_lines "$c" | while IFS='|' read -r args goal seeds; do
            for seed in $seeds; do
                # no blank at the end of a line: xargs -L reads it as "continued on the next line"
                echo "$c $seed $tmp/goal-$(echo "$c $args $seed" | cksum | cut -d' ' -f1)${args:+ $args}"
            done
        done
    done | sort -u > "$tmp/goal-runs"
    # shellcheck disable=SC2016
    xargs -P 2 -L 1 sh -c 'bin/$0 --seed $1 --quiet --out "$2" $(shift 2; echo "$@") > /dev/null 2>&1 || rm -rf "$2"' \
        < "$tmp/goal-runs"
    for c in $chapters; do
        [ -f tests/goals/$c.goals ] || continue
        seeds="1 2 3"
        while IFS= read -r line; do
            case "$line" in ''|'#'*) continue ;; "seeds "*) seeds=${line#seeds }; continue ;; esac
            case "$line" in "slow "*) [ -n "${GOALS_SLOW:-}" ] || continue; line=${line#slow } ;; esac
            args=${line%%:*}; goal=${line#*:}
            args=$(echo "$args" | sed 's/^ *//; s/ *$//'); [ "$args" = "-" ] && args=""
            set -- $goal; metric=$1 op=$2 value=$3
            for seed in $seeds; do
                key=$(echo "$c $args $seed" | cksum | cut -d' ' -f1)
                d=$tmp/goal-$key
                if [ ! -f "$d/metrics.txt" ]; then
                    # shellcheck disable=SC2086
                    bin/$c --seed $seed --quiet --out "$d" $args > /dev/null 2> "$tmp/err" || { bad "goal $c seed $seed $args: the run failed" "$tmp/err"; continue; }
                    # it failed only among the others: their list (goal-runs) or xargs is wrong
                    bad "goal $c seed $seed${args:+ $args}: the run failed two at a time, not alone"
                fi
                got=$(awk -v m="$metric" '$1 == m { print $2 }' "$d/metrics.txt")
                label="goal $c seed $seed${args:+ $args}: $metric $op $value (got ${got:-nothing})"
                if [ -n "$got" ] && awk -v a="$got" -v op="$op" -v b="$value" 'BEGIN {
                        if (op == "<") r = a < b; else if (op == "<=") r = a <= b;
                        else if (op == ">") r = a > b; else if (op == ">=") r = a >= b; else r = 0;
                        exit !r }'; then ok "$label"; else bad "$label"; fi
            done
        done < tests/goals/$c.goals
    done
fi

# run_lines PREFIX SCRIPT ARGS...: a test script's PASS/FAIL lines counted like
# ours (PREFIX before each), its indented details and "robust: " notes shown;
# a script that fails without a FAIL line is a failure of its own
run_lines() {
    prefix=$1; shift
    sh "$@" > "$tmp/lines" 2>&1; lines_status=$?
    while IFS= read -r line; do
        case "$line" in
            "PASS  "*) ok "$prefix${line#PASS  }" ;;
            "FAIL  "*) bad "$prefix${line#FAIL  }" ;;
            "        "*) echo "$line" ;;
            "robust: "*) echo "      $line" ;;
        esac
    done < "$tmp/lines"
    if [ $lines_status -ne 0 ] && ! grep -q "^FAIL" "$tmp/lines"; then bad "$prefix$1 (exit $lines_status)" "$tmp/lines"; fi
}

if want persist; then
    run_lines "" tests/persist.sh
fi

if want robust; then
    run_lines "" tests/fuzz.sh bin build/fuzz-mutate 200
    # the largest models the flags allow, in 1.5 GB: one line, exit 1 (GSL's
    # own handler would abort with a core dump)
    for case in "05-gan --hidden 4096 --batch 100000" "07-wgan --hidden 4096 --batch 100000" \
                "08-mnist-gan --hidden 10000 --batch 10000"; do
        # shellcheck disable=SC2086
        (ulimit -v 1500000; exec bin/$case --quick --quiet --out "$tmp/big") > /dev/null 2> "$tmp/stderr"; status=$?
        if [ $status -eq 1 ] && [ "$(wc -l < "$tmp/stderr")" -eq 1 ] && grep -q "out of memory" "$tmp/stderr"; then
            ok "robust $case in 1.5 GB -> out of memory, exit 1, one line"
        else echo "exit status $status" >> "$tmp/stderr"; bad "robust $case in 1.5 GB -> out of memory, exit 1, one line" "$tmp/stderr"; fi
    done
fi

if want sanitize; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    for c in $chapters; do
        if build/san/bin/$c --quick --seed 1 --quiet --out "$tmp/san-$c" > /dev/null 2> "$tmp/err"; then ok "sanitize $c"
        else bad "sanitize $c" "$tmp/err"; fi
    done
    for t in build/san/tests/test_*; do
        [ -x "$t" ] || continue
        if "$t" > "$tmp/err" 2>&1; then ok "sanitize $(basename "$t")"; else bad "sanitize $(basename "$t")" "$tmp/err"; fi
    done
    # the loaders under ASan and UBSan: 20 cases a file (the full set runs above)
    run_lines "sanitize " tests/fuzz.sh build/san/bin build/fuzz-mutate 20
fi

if want solutions; then
    # shellcheck disable=SC2086
    run_lines "" tests/solutions.sh $chapters
fi
if want grading; then
    run_lines "" tests/diff-exercise-test.sh
fi
if want diagrams; then
    # shellcheck disable=SC2086
    run_lines "" tests/diagram-sizes.sh $chapters
fi
if want site; then
    # shellcheck disable=SC2086
    run_lines "" tests/site-check.sh $chapters
fi
if want bench; then
    # the numbers are not checked (a benchmark never fails the build), only
    # that make bench's steps run and write their table, text files and chart
    first=${chapters%% *}
    if sh bench/run.sh --out "$tmp/bench" --chapters "$first" --runs 1 --quick-only --iters 2 --warmup 0 \
            --only 08-gan --dgemm-seconds 0.01 --no-torch --rounds 2 > "$tmp/out" 2>&1 &&
       grep -q "^$first " "$tmp/bench/latest.txt" && grep -q "^  08-gan b100 " "$tmp/bench/latest.txt" &&
       grep -Eq "^side by side: $first --quick, [0-9]+ copies at once: [0-9.]+ s .*, [0-9.]+ s at one" "$tmp/bench/latest.txt" &&
       grep -Eq "^  08-gan +[0-9.]+ [0-9.]+$" "$tmp/bench/latest.txt" &&
       [ -n "$(find "$tmp/bench" -name '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9][0-9][0-9].txt')" ] &&
       [ -s "$tmp/bench/latest.png" ]; then ok "bench: bench/run.sh writes the table, its dated copy and the chart"
    else bad "bench: bench/run.sh writes the table, its dated copy and the chart" "$tmp/out"; fi
    # the speedup in pairs: 1 thread and 2 in turn in one process, two iterations each
    if OPENBLAS_NUM_THREADS=2 build/bench/iter-08 --paired --iters 2 --warmup 0 --only 08-gan > "$tmp/out" 2>&1 &&
       grep -Eq "^08-gan +paired +[0-9.]+ +[0-9.]+ +[0-9.]+ +2$" "$tmp/out" &&
       grep -A1 "^  08-gan b100 " "$tmp/bench/latest.txt" | grep -Eq " 2 .* [0-9]+[.][0-9][0-9]r?$"
    then ok "bench: the speedup measured in pairs (iter-08 --paired), in the table's speedup column"
    else bad "bench: the speedup measured in pairs (iter-08 --paired), in the table's speedup column" "$tmp/out"; fi
    # one iteration of every model: the count from the shapes (bench/flops.h) = what gsl_blas_dgemm sees
    for b in build/bench/iter-*; do
        if OPENBLAS_NUM_THREADS=1 "$b" --iters 1 --warmup 0 --dgemm-seconds 0 > "$tmp/out" 2>&1
        then ok "bench $(basename "$b"): multiply-adds counted from the shapes = gsl_blas_dgemm's"
        else bad "bench $(basename "$b"): multiply-adds counted from the shapes = gsl_blas_dgemm's" "$tmp/out"; fi
        if grep -qw avx /proc/cpuinfo 2> /dev/null; then
            core=$(env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 "$b" --only none 2>&1 | sed -n 's/^Core: //p' | tail -n 1)
            if [ -n "$core" ] && [ "$core" != Prescott ]; then ok "bench $(basename "$b") runs OpenBLAS's $core kernels"
            else echo "OpenBLAS kernels: ${core:-unknown}" > "$tmp/core"; bad "bench $(basename "$b") runs fast kernels" "$tmp/core"; fi
        fi
    done
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
