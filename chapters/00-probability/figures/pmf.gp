# pmf.gp -- the loaded die: counted frequencies for growing N against the
# true PMF (pmf.dat: column 1 the face, 2 the true P(X = x), then count/N for
# each N of the legend, pmf_n columns for N = pmf_rolls_1, pmf_rolls_2, ...).
# Grouped bars, built by hand so that the true PMF can be drawn as one black
# line across each group: bar j of face x sits at x + offset_j.
load "values.gp"
fig_name = "pmf"
load "style.gp"
set title "A loaded die: counted frequencies approach the true PMF"
set xlabel "face x"
set ylabel "P(X = x)  or  count(X = x) / N"
set xrange [0.4:6.6]
set yrange [0:0.55]
set xtics 1,1,6
set style fill solid 0.85 border lc rgb "#555555"
set key top left
set label 1 "face 4:\nnever rolled" at 4,0.07 center
bar_w = 0.8 / pmf_n
plot for [j = 1:pmf_n] "pmf.dat" using ($1 + (j - 1 - (pmf_n - 1) / 2.0) * bar_w):(column(j + 2)):(bar_w) \
         with boxes lt j title sprintf("N = %d", value(sprintf("pmf_rolls_%d", j))), \
     "pmf.dat" using ($1 - 0.45):2:(0.9):(0) with vectors nohead lw 4 lc rgb c_black \
         title "true P(X = x)"
