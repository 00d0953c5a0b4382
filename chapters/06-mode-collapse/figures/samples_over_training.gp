# samples_over_training.gp -- what G draws while it trains: one row per
# method, one column per snapshot (before training, 10 %, 25 %, 50 %, the
# end). samples_<method>.dat holds the snapshots one after the other, snap_n
# rows each (x1 x2, or x). On the ring: the samples over samples of the data
# (real.dat, grey). On the bimodal line: their histogram (80 bins) over the
# true density (drawn from mode_at and mode_sd). Panel titles: modes covered
# and the share of samples within 3 sd of a mode.
load "values.gp"
fig_name = "samples_over_training"
fig_w = 1650; fig_h = 90 + 330 * n_runs
load "style.gp"
# each method keeps its colour in every figure of the chapter
method_colour(m) = m eq "vanilla" ? c_vermilion : m eq "smoothing" ? c_purple : \
                   m eq "featmatch" ? c_green : c_blue
method(i) = value(sprintf("method_%d", i))
bin_width = (range_hi - range_lo) / 80.0
bin(x) = range_lo + (floor((x - range_lo) / bin_width) + 0.5) * bin_width
density(x) = (exp(-0.5 * ((x - mode_at) / mode_sd)**2) + \
              exp(-0.5 * ((x + mode_at) / mode_sd)**2)) / (2 * mode_sd * sqrt(2 * pi))
set samples 401
unset key
set multiplot layout n_runs, n_snaps title sprintf("Samples of G over training on the %s, " . \
    "one row per method (panel titles: modes covered, share of samples within 3 sd of a mode)", \
    target_title)
if (target_dim == 2) {
    set size ratio -1
    set xrange [range_lo:range_hi]
    set yrange [range_lo:range_hi]
    set xtics 2
    set ytics 2
    set xlabel "x_1" offset 0,0.5
    set ylabel "x_2" offset 0.5,0
} else {
    set xrange [range_lo:range_hi]
    set yrange [0:2.5]
    set xtics 2
    set xlabel "x" offset 0,0.5
    set ylabel "density" offset 0.5,0
    set style fill solid 0.6 noborder
}
do for [i = 1:n_runs] {
    do for [k = 1:n_snaps] {
        snap = sprintf("snap_%d_%d_", i, k)
        set title sprintf("{/:Bold %s}, step %d\n%d of %d modes, %.0f%% sharp", method(i), \
            value(snap . "step"), value(snap . "covered"), n_modes, \
            100.0 * value(snap . "sharp")) font ",12"
        file = "samples_" . method(i) . ".dat"
        if (target_dim == 2) {
            plot "real.dat" using 1:2 with points pt 7 ps 0.6 lc rgb "#c8c8c8", \
                 file every ::((k - 1) * snap_n)::(k * snap_n - 1) using 1:2 \
                 with points pt 7 ps 0.25 lc rgb method_colour(method(i))
        } else {
            plot file every ::((k - 1) * snap_n)::(k * snap_n - 1) \
                 using (bin($1)):(1.0 / (snap_n * bin_width)) smooth frequency \
                 with boxes lc rgb method_colour(method(i)), \
                 density(x) with lines lw 2 lc rgb "#555555"
        }
    }
}
unset multiplot
