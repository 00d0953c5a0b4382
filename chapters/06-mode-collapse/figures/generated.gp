# generated.gp -- the samples of --load FILE --generate K: one panel per
# loaded G. On the ring its samples (generated_<method>.dat: x1 x2; the
# first gen_drawn of the K, at most 5000, so that a large K stays a readable
# figure) over the mode centres (centres.dat, open circles); on the bimodal
# line the histogram of all K (80 bins) over the true density (drawn from
# mode_at and mode_sd). Panel titles: modes covered and the share of all K
# samples within 3 sd of a mode.
load "values.gp"
fig_name = "generated"
fig_w = 80 + 440 * n_runs; fig_h = target_dim == 2 ? 600 : 500
load "style.gp"
method_colour(m) = m eq "vanilla" ? c_vermilion : m eq "smoothing" ? c_purple : \
                   m eq "featmatch" ? c_green : c_blue
method(i) = value(sprintf("method_%d", i))
bin_width = (range_hi - range_lo) / 80.0
bin(x) = range_lo + (floor((x - range_lo) / bin_width) + 0.5) * bin_width
density(x) = (exp(-0.5 * ((x - mode_at) / mode_sd)**2) + \
              exp(-0.5 * ((x + mode_at) / mode_sd)**2)) / (2 * mode_sd * sqrt(2 * pi))
set samples 401
unset key
drawn = (target_dim == 2 && gen_drawn < gen_k) ? \
    sprintf("the first %d of %d samples", gen_drawn, gen_k) : sprintf("%d samples", gen_k)
set multiplot layout 1, n_runs title sprintf("%s of each loaded G on the %s\n" . \
    "panel titles: modes covered, share of samples within 3 sd of a mode%s", drawn, \
    target_title, target_dim == 2 ? "\nopen circles: the mode centres" : "") font ",11"
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
    set yrange [0:2.5<*]
    set xtics 2
    set xlabel "x" offset 0,0.5
    set ylabel "density" offset 0.5,0
    set style fill solid 0.6 noborder
}
do for [i = 1:n_runs] {
    gen = sprintf("gen_%d_", i)
    set title sprintf("{/:Bold %s}, trained %d steps\n%d of %d modes, %.0f%% sharp", method(i), \
        value(gen . "steps"), value(gen . "covered"), n_modes, \
        100.0 * value(gen . "sharp")) font ",12"
    if (target_dim == 2) {
        plot "generated_" . method(i) . ".dat" every ::0::(gen_drawn - 1) using 1:2 \
             with points pt 7 ps 0.3 lc rgb method_colour(method(i)), \
             "centres.dat" using 1:2 with points pt 6 ps 2.5 lw 2 lc rgb "#555555"
    } else {
        plot "generated_" . method(i) . ".dat" using (bin($1)):(1.0 / (gen_k * bin_width)) \
             smooth frequency with boxes lc rgb method_colour(method(i)), \
             density(x) with lines lw 2 lc rgb "#555555"
    }
}
unset multiplot
