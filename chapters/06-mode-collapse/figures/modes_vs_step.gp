# modes_vs_step.gp -- coverage over training, every method: modes covered
# (top) and the share of sharp samples (bottom), each measured on eval_n
# samples of G. coverage_<method>.dat: the step, modes_covered,
# modes_reached, high_quality_share (then the same again: the history's
# means over 1 row).
load "values.gp"
fig_name = "modes_vs_step"
fig_w = 1200; fig_h = 950
load "style.gp"
method_colour(m) = m eq "vanilla" ? c_vermilion : m eq "smoothing" ? c_purple : \
                   m eq "featmatch" ? c_green : c_blue
method(i) = value(sprintf("method_%d", i))
set multiplot layout 2,1 title sprintf("Coverage of the %s over training " . \
    "(%d samples of G at each point)", target_title, eval_n)
set key outside right top
set xrange [0:train_steps]
set title "modes covered: at least 2% of the samples within 3 sd of the mode"
set xlabel "training step (G updates)"
set ylabel sprintf("modes covered (of %d)", n_modes)
set yrange [-0.2:n_modes + 0.5]
set ytics 1
plot for [i = 1:n_runs] "coverage_" . method(i) . ".dat" using 1:2 \
     with linespoints lw 2.5 pt 7 ps 0.6 lc rgb method_colour(method(i)) title method(i)
set title "sharp samples: share within 3 sd of some mode (a perfect G: 0.989)"
set ylabel "share of samples"
set yrange [0:1.02]
set ytics 0.2
plot for [i = 1:n_runs] "coverage_" . method(i) . ".dat" using 1:4 \
     with linespoints lw 2.5 pt 7 ps 0.6 lc rgb method_colour(method(i)) title method(i)
unset multiplot
