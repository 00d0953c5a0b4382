# samples_over_training.gp -- what G draws while it trains: one row per
# method, one column per snapshot (before training, 10 %, 25 %, 50 %, the
# end). On the ring: 1000 samples of G (samples_<method>.dat, index k, columns
# x1 x2) over samples of the data (real.dat, grey). On the bimodal line: their
# histogram (samples_<method>.dat, index k, columns centre density) over the
# true density (real.dat, columns x density). Panel titles: modes covered and
# the share of samples within 3 sd of a mode.
load "values.gp"
fig_name = "samples_over_training"
fig_w = 1650; fig_h = 90 + 330 * n_runs
load "style.gp"
# each method keeps its colour in every figure of the chapter
method_colour(m) = m eq "vanilla" ? c_vermilion : m eq "smoothing" ? c_purple : \
                   m eq "featmatch" ? c_green : c_blue
method(i) = value(sprintf("method_%d", i))
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
        if (target_dim == 2) {
            plot "real.dat" using 1:2 with points pt 7 ps 0.6 lc rgb "#c8c8c8", \
                 "samples_" . method(i) . ".dat" index (k - 1) using 1:2 \
                 with points pt 7 ps 0.25 lc rgb method_colour(method(i))
        } else {
            plot "samples_" . method(i) . ".dat" index (k - 1) using 1:2:(bin_width) \
                 with boxes lc rgb method_colour(method(i)), \
                 "real.dat" using 1:2 with lines lw 2 lc rgb "#555555"
        }
    }
}
unset multiplot
