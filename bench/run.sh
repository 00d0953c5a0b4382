#!/bin/sh
# run.sh: make bench -- how fast the course trains, in one table.
#
#   sh bench/run.sh [--out DIR] [--chapters "NN-name ..." | --chapters none]
#                   [--runs N] [--quick-only] [--iters N] [--warmup N]
#                   [--only MODEL] [--dgemm-seconds S] [--no-torch] [--rounds N]
#
# 1. Every chapter's default run and --quick run, whole process wall time
#    (bin/NN --quiet --out a scratch directory): the median of --runs runs
#    (3); a default run longer than 60 s is timed once (marked * in the table).
#    Then the last chapter's --quick run as many times at once as there are
#    CPUs, as a student gets them (each with its team, common/team.h) and at
#    one OpenBLAS thread each: what running two chapters side by side costs.
# 2. Every MNIST model per training iteration (build/bench/iter-*, the
#    chapters' own code, bench/iter-common.h), at 1 and 2 OpenBLAS threads:
#    median and 10th percentile of the iteration times, the multiply-adds of
#    one iteration counted from the shapes (bench/flops.h), the GFLOP/s they
#    make, and gsl_blas_dgemm's GFLOP/s on the iteration's largest product in
#    the same process: their ratio is the efficiency. Each program runs in
#    --rounds rounds (3) of 1 thread then 2; a model's rows are those of the
#    round whose speedup is the median of its rounds (all of them listed
#    under the table): one pair of runs can land on a slow moment of a VM.
#    The speedup column is measured in pairs instead: each program once more
#    (--paired), one thread and the team of two taking turns in blocks of 5
#    iterations within one process.
# 3. The same models in PyTorch (bench/torch_iter.py; Debian's python3-torch),
#    float64 and float32, at 1 and 2 threads, with the OpenBLAS kernels the C
#    programs use. Without PyTorch the table says so and has no such columns.
#
# Writes DIR/YYYY-MM-DD-HHMM.txt, DIR/latest.txt (the same table) and
# DIR/latest.png (bench/plot.gp); prints the table. --out defaults to
# bench/results. The other flags make a short run (the smoke test of make
# check): --quick-only skips the default runs, --iters/--warmup/--only go to
# the per-iteration programs and to PyTorch. Numbers to watch: never fails
# because something is slow; exit status 1 only if a step broke.
out=bench/results chapters="" runs=3 rounds=3 quick_only=0 torch=1 long=60 passon="" torch_passon=""
while [ $# -gt 0 ]; do
    case $1 in
        --out) out=$2; shift 2 ;;
        --chapters) chapters=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --quick-only) quick_only=1; shift ;;
        --iters|--warmup|--only) passon="$passon $1 $2"; torch_passon="$torch_passon $1 $2"; shift 2 ;;
        --dgemm-seconds) passon="$passon $1 $2"; shift 2 ;;
        --no-torch) torch=0; shift ;;
        --rounds) rounds=$2; shift 2 ;;
        *) echo "usage: sh bench/run.sh [--out DIR] [--chapters LIST|none] [--runs N] [--quick-only]" \
                "[--iters N] [--warmup N] [--only MODEL] [--dgemm-seconds S] [--no-torch] [--rounds N]" >&2; exit 2 ;;
    esac
done
[ -n "$chapters" ] || chapters=$(cd chapters && ls -d [0-9][0-9]-*)
[ "$chapters" = none ] && chapters=""
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out" || exit 1
status=0
stamp=$(date -u +%Y-%m-%d-%H%M) started=$(date -u '+%Y-%m-%d %H:%M UTC')
load1() { cut -d' ' -f1 /proc/loadavg; }
load_before=$(load1)

# ---- 1. chapters: wall seconds of the whole process --------------------------
wall() {   # wall COMMAND...: prints the seconds; exit status of COMMAND
    t0=$(date +%s.%N); "$@" > /dev/null 2>&1; st=$?; t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
    return $st
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
: > "$tmp/chapters"
for c in $chapters; do
    [ -x "bin/$c" ] || { echo "bench: bin/$c is missing (make)" >&2; status=1; continue; }
    d=- dn=0
    if [ $quick_only = 0 ]; then
        : > "$tmp/t"
        i=0
        while [ $i -lt "$runs" ]; do
            if ! wall "bin/$c" --quiet --out "$tmp/run" >> "$tmp/t"; then d=failed; status=1; break; fi
            i=$((i + 1))
            awk -v t="$(tail -n 1 "$tmp/t")" -v l=$long 'BEGIN { exit !(t > l) }' && break
        done
        [ "$d" = failed ] || { dn=$i; d=$(median < "$tmp/t"); }
    fi
    : > "$tmp/t"
    q=- i=0
    while [ $i -lt "$runs" ]; do
        if ! wall "bin/$c" --quick --quiet --out "$tmp/run" >> "$tmp/t"; then q=failed; status=1; break; fi
        i=$((i + 1))
    done
    [ "$q" = failed ] || q=$(median < "$tmp/t")
    rm -rf "$tmp/run"
    echo "$c $d $dn $q" >> "$tmp/chapters"
done
# side by side: the last chapter's --quick, one copy per CPU at once (whole wall)
side="" last=$c     # the loop's last chapter
if [ -n "$chapters" ] && [ -x "bin/$last" ]; then
    cpus=$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 1)
    at_once() {   # at_once THREADS (or "" for a student's default): wall seconds of cpus copies at once
        t0=$(date +%s.%N) i=0 failed=0 pids=""
        while [ $i -lt "$cpus" ]; do
            if [ -n "$1" ]; then OPENBLAS_NUM_THREADS=$1 "bin/$last" --quick --quiet --out "$tmp/side$i" > /dev/null 2>&1 &
            else env -u OPENBLAS_NUM_THREADS "bin/$last" --quick --quiet --out "$tmp/side$i" > /dev/null 2>&1 & fi
            pids="$pids $!" i=$((i + 1))
        done
        for p in $pids; do wait "$p" || failed=1; done
        t1=$(date +%s.%N); rm -rf "$tmp"/side*
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
        return $failed
    }
    if s_team=$(at_once "") && s_one=$(at_once 1); then
        side="$last --quick, $cpus copies at once: $s_team s as a student runs them (each with its team where it has one), $s_one s at one OpenBLAS thread each; one alone $(awk -v c="$last" '$1 == c { print $4 }' "$tmp/chapters") s"
    else echo "bench: $last --quick failed side by side" >&2; status=1; fi
fi

# ---- 2. per iteration, genlab at 1 and 2 OpenBLAS threads ----------------------
# one program at 1 thread, then the same at 2, then the next: a VM's speed can
# drift by 20 % in minutes, and a speedup should compare runs close in time.
# All of that --rounds times; then for each model the round with the median
# speedup gives its two rows (g1, g2), and the speedups of every round are kept
: > "$tmp/g1"; : > "$tmp/g2"; : > "$tmp/rounds"
r=1
while [ "$r" -le "$rounds" ]; do
    for b in build/bench/iter-*; do
        [ -x "$b" ] || continue
        for t in 1 2; do
            # shellcheck disable=SC2086
            OPENBLAS_NUM_THREADS=$t "$b" $passon > "$tmp/one" || { echo "bench: $b failed" >&2; status=1; }
            [ "$r" = 1 ] && grep '^#' "$tmp/one" >> "$tmp/g$t"
            grep -v '^#' "$tmp/one" | sed "s/^/$r $t /" >> "$tmp/rounds"
        done
    done
    r=$((r + 1))
done
# and the speedup measured in pairs: one process per program, one thread and two
# taking turns in blocks of 5 iterations (iter-common.h, --paired), so that both
# see the same minutes of the machine; this is the table's speedup column
: > "$tmp/paired"
for b in build/bench/iter-*; do
    [ -x "$b" ] || continue
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=2 "$b" $passon --paired > "$tmp/one" || { echo "bench: $b --paired failed" >&2; status=1; }
    grep -v '^#' "$tmp/one" >> "$tmp/paired"
done
# rounds: ROUND THREADS NAME BATCH MEDIAN ...; speedup of a round = MEDIAN at 1 / MEDIAN at 2
awk -v dir="$tmp" '
    { line[$1, $2, $3] = $0; if (!($3 in seen)) { seen[$3] = 1; name[++n] = $3 } if ($1 > nr) nr = $1 }
    END {
        for (i = 1; i <= n; i++) {
            m = name[i]; k = 0
            for (r = 1; r <= nr; r++)
                if (((r, 1, m) in line) && ((r, 2, m) in line)) {
                    split(line[r, 1, m], a, " "); split(line[r, 2, m], b, " ")
                    if (b[5] > 0) { k++; sp[k] = a[5] / b[5]; rd[k] = r }
                }
            for (x = 2; x <= k; x++)             # sort the speedups (and their rounds)
                for (y = x; y > 1 && sp[y - 1] > sp[y]; y--) {
                    t = sp[y]; sp[y] = sp[y - 1]; sp[y - 1] = t; t = rd[y]; rd[y] = rd[y - 1]; rd[y - 1] = t
                }
            if (!k) continue
            r = rd[int((k + 1) / 2)]
            for (t = 1; t <= 2; t++) { s = line[r, t, m]; sub(/^[0-9]+ [12] /, "", s); print s >> (dir "/g" t) }
            all = ""; for (x = 1; x <= k; x++) all = all (x > 1 ? " " : "") sprintf("%.2f", sp[x])
            printf "  %-12s %s\n", m, all >> (dir "/speedups")
        }
    }' "$tmp/rounds"
core=$(sed -n 's/^# core \([^ ]*\) .*/\1/p' "$tmp/g1" | head -n 1)
blas=$(sed -n 's/^# core [^ ]* threads [0-9]* \(OpenBLAS [0-9.]*\).*/\1/p' "$tmp/g1" | head -n 1)
# kernels asked for by the environment: say which OpenBLAS (and blas_pick_core)
# would take without it, as they can be much faster (a Zen 5 with AVX-512:
# SkylakeX-family kernels 1.5x the Haswell ones on these models)
forced=""
if [ -n "${OPENBLAS_CORETYPE:-}" ] && [ -x build/bench/split-exact ]; then
    own=$(env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 build/bench/split-exact --help 2>&1 | sed -n 's/^Core: //p' | tail -n 1)
    forced="; OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE set in the environment (without it: ${own:-?})"
fi

# ---- 3. PyTorch, float64 and float32, 1 and 2 threads --------------------------
py=/usr/bin/python3 torch_version=""
if [ $torch = 1 ] && "$py" -c "import torch" 2> /dev/null; then
    torch_version=$("$py" -c "import torch; print(torch.__version__)")
    # the same OpenBLAS kernels as ours (Debian's PyTorch uses the system OpenBLAS)
    tcore=${OPENBLAS_CORETYPE:-$core}
    case $tcore in ""|Prescott) tcore="" ;; esac
    for bits in 64 32; do
        for t in 1 2; do
            # shellcheck disable=SC2086
            env ${tcore:+OPENBLAS_CORETYPE=$tcore} OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t \
                "$py" bench/torch_iter.py $t $bits $torch_passon > "$tmp/p$bits-$t" || { echo "bench: PyTorch failed" >&2; status=1; }
        done
    done
fi

# ---- the table ------------------------------------------------------------------
{
    echo "make bench  $started  genlab $(git rev-parse --short HEAD 2> /dev/null || echo '?')"
    echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(getconf _NPROCESSORS_ONLN) CPUs;" \
         "${blas:-OpenBLAS}, core ${core:-?}$forced; load average (1 min) before $load_before, after $(load1)"
    if [ -n "$torch_version" ]; then
        echo "PyTorch $torch_version (python3-torch), OpenBLAS core ${tcore:-its own choice}"
    elif [ $torch = 1 ]; then
        echo "PyTorch: not installed (apt-get install python3-torch), its columns are left out"
    else
        echo "PyTorch: not run (--no-torch), its columns are left out"
    fi
    echo
    awk -v have_torch="${torch_version:+1}" -v side="$side" -v long=$long -v runs="$runs" -v rounds="$rounds" -v dir="$tmp" '
    function cell(med, p10) { return med == "" ? "-" : sprintf("%.1f (%.1f)", med, p10) }
    function read_models(file, key,    line, f) {
        while ((getline line < file) > 0) {
            if (line ~ /^#/) continue
            split(line, f, " ")
            med[key, f[1]] = f[2] == "" ? "" : f[3]; p10[key, f[1]] = f[4]
            if (key ~ /^g/) {
                batch[f[1]] = f[2]; mflop[f[1]] = f[5]; gf[key, f[1]] = f[6]; dg[key, f[1]] = f[7]
                shape[f[1]] = f[8] " x " f[9] " x " f[10] " (" f[11] ")"; iters[key, f[1]] = f[12]
                if (!(f[1] in seen)) { seen[f[1]] = 1; model[++nm] = f[1] }
            } else iters[key, f[1]] = f[5]
        }
    }
    function row(name, d, q, t, m) {
        printf "%-18s %3s %9s %7s", name, t, d, q
        printf " %16s", cell(med["g" t, m], p10["g" t, m])
        if (have_torch) printf " %16s %16s", cell(med["p64-" t, m], p10["p64-" t, m]), cell(med["p32-" t, m], p10["p32-" t, m])
        if (m == "") { printf "\n"; return }
        printf " %7s %6.1f %6.1f %5.2f", t == 1 ? sprintf("%.1f", mflop[m]) : "", gf["g" t, m], dg["g" t, m], gf["g" t, m] / dg["g" t, m]
        printf " %7s\n", t == 2 ? ((m in paired) ? paired[m] : sprintf("%.2f", med["g1", m] / med["g2", m]) "r") : ""
    }
    function models_of(prefix,    i) {
        for (i = 1; i <= nm; i++)
            if (!(model[i] in done) && (prefix == "" || index(model[i], prefix) == 1)) {
                done[model[i]] = 1
                row("  " model[i] " b" batch[model[i]], "", "", 1, model[i])
                row("", "", "", 2, model[i])
            }
    }
    BEGIN {
        read_models(dir "/g1", "g1"); read_models(dir "/g2", "g2")
        while ((getline line < (dir "/paired")) > 0) {     # NAME paired MS1 MS2 SPEEDUP ITERS
            split(line, f, " ")
            if (f[2] == "paired" && f[5] != "-") paired[f[1]] = f[5]
        }
        if (have_torch) { read_models(dir "/p64-1", "p64-1"); read_models(dir "/p64-2", "p64-2")
                          read_models(dir "/p32-1", "p32-1"); read_models(dir "/p32-2", "p32-2") }
        printf "%-18s %3s %9s %7s %16s", "", "", "wall s", "", "ms per iter"
        if (have_torch) printf " %16s %16s", "PyTorch", "PyTorch"
        if (nm) printf " %7s %-13s %5s %7s", "", " GFLOP/s", "", ""
        printf "\n%-18s %3s %9s %7s %16s", "chapter / model", "thr", "default", "quick", "genlab f64"
        if (have_torch) printf " %16s %16s", "f64", "f32"
        if (nm) printf " %7s %6s %6s %5s %7s", "MFLOP", "genlab", "dgemm", "ratio", "speedup"
        printf "\n"
        while ((getline line < (dir "/chapters")) > 0) {
            split(line, f, " ")
            d = f[2] == "-" || f[2] == "failed" ? f[2] : f[2] (f[3] < runs ? "*" : "")
            if (f[3] < runs && f[2] != "-" && f[2] != "failed") starred = 1
            printf "%-18s %3s %9s %7s\n", f[1], "", d, f[4]; nchap++
            split(f[1], num, "-")
            models_of(num[1] "-")
        }
        models_of("")
        print ""
        if (nchap) print "wall s: median of " runs " runs of the whole process (bin/NN --quiet, and --quick)" \
              (starred ? "; * a default run over " long " s, timed once" : "") \
              "\n  threads as a student gets them (OPENBLAS_NUM_THREADS as in this shell: unset, two where the team is exact)"
        if (side != "") print "side by side: " side
        if (nm) {
            print "ms per iter: median (10th percentile) of the iterations timed one by one, after a warm-up;" 
            printf "  iterations:"
            for (i = 1; i <= nm; i++) printf " %s %s%s", model[i], iters["g1", model[i]], i < nm ? "," : "\n"
            print "thr: OpenBLAS threads (PyTorch: torch.set_num_threads, OMP and OpenBLAS threads the same)"
            print "MFLOP: 2 x the multiply-adds of every forward and backward GEMM/convolution of one iteration"
            print "  (bench/flops.h; checked against every gsl_blas_dgemm call). GFLOP/s genlab: MFLOP / median;"
            print "  dgemm: gsl_blas_dgemm alone on the largest product, same run; ratio = genlab / dgemm"
            print "  speedup: in pairs, one process per program: 1 thread and 2 take turns in blocks of 5"
            print "  iterations (iter-* --paired), median at 1 / median at 2, both over the same minutes of"
            print "  the machine (r: no paired run; the ratio of the ms columns instead)"
            if (rounds > 1) {
                print "  the ms columns: every program timed in " rounds " rounds of 1 thread then 2 (separate runs);"
                print "  each model shows the round whose ratio is the median of its rounds. The ratios of all rounds:"
                while ((getline line < (dir "/speedups")) > 0) print line
            }
            print "largest product (m x n x k, A B transposed or not):"
            for (i = 1; i <= nm; i++) printf "  %-12s %s\n", model[i], shape[model[i]]
        }
    }'
} > "$tmp/table"
cat "$tmp/table"
cp "$tmp/table" "$out/$stamp.txt" && cp "$tmp/table" "$out/latest.txt" || status=1

# ---- the chart --------------------------------------------------------------------
if grep -qv '^#' "$tmp/g1" 2> /dev/null && command -v gnuplot > /dev/null; then
    for m in $(grep -v '^#' "$tmp/g1" | cut -d' ' -f1); do
        v() { [ -f "$1" ] && awk -v m="$m" -v k="$2" '$1 == m { print $k; f = 1 } END { if (!f) print "-" }' "$1" || echo -; }
        echo "$m $(v "$tmp/g1" 3) $(v "$tmp/g2" 3) $(v "$tmp/p64-1" 3) $(v "$tmp/p64-2" 3)" \
             "$(v "$tmp/p32-1" 3) $(v "$tmp/p32-2" 3) $(v "$tmp/g1" 6) $(v "$tmp/g1" 7) $(v "$tmp/g2" 6) $(v "$tmp/g2" 7)"
    done > "$tmp/chart.dat"
    gnuplot -e "dat = '$tmp/chart.dat'; fig_name = '$out/latest'; have_torch = ${torch_version:+1}+0" \
            -e "subtitle = '$(sed -n 2p "$tmp/table" | sed "s/'//g; s/; load.*//; s/_/\\\\_/g")'" bench/plot.gp 2> "$tmp/gp" && [ ! -s "$tmp/gp" ] ||
        { echo "bench: gnuplot:" >&2; cat "$tmp/gp" >&2; status=1; }
fi
echo "($out: $stamp.txt, latest.txt, latest.png)"
exit $status
