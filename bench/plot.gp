# plot.gp -- make bench's chart (bench/run.sh sets dat, fig_name, have_torch,
# subtitle). Left: ms per training iteration of every MNIST model, genlab and
# PyTorch at 1 and 2 threads (log scale: the models differ a hundredfold).
# Right: the share of gsl_blas_dgemm's speed each genlab iteration reaches.
# dat columns: model, ms genlab 1t, 2t, PyTorch f64 1t, 2t, f32 1t, 2t,
# GFLOP/s genlab 1t, dgemm 1t, genlab 2t, dgemm 2t ("-": not measured).
load "common/style.gp"
set datafile missing "-"
set multiplot title "make bench: one training iteration of the MNIST models\n{/*0.7 " . subtitle . "}"
set style data histogram
set style histogram clustered gap 1.5
set style fill solid 0.9 border -1
set boxwidth 0.9
set xtics nomirror rotate by -25 scale 0
set grid noxtics ytics

set origin 0, 0
set size 0.66, 0.92
set logscale y
set yrange [1:*]
set ylabel "ms per iteration (median)"
set key below horizontal maxcols 3 font ",11"
if (have_torch) {
    plot dat using 2:xtic(1) title "genlab f64, 1 thread" lt 1, '' using 3 title "genlab f64, 2 threads" lt 5, \
         '' using 4 title "PyTorch f64, 1 thread" lt 2, '' using 5 title "PyTorch f64, 2 threads" lt 7, \
         '' using 6 title "PyTorch f32, 1 thread" lt 3, '' using 7 title "PyTorch f32, 2 threads" lt 6
} else {
    plot dat using 2:xtic(1) title "genlab f64, 1 thread" lt 1, '' using 3 title "genlab f64, 2 threads" lt 5
}

set origin 0.66, 0
set size 0.34, 0.92
set xtics rotate by -60      # a narrower panel: steeper names, or they run into each other
unset logscale y
set autoscale y
stats dat using ($8 / $9) nooutput
r_max = STATS_max
stats dat using ($10 / $11) nooutput
r_max = STATS_max > r_max ? STATS_max : r_max
set yrange [0:(r_max > 1 ? 1.15 * r_max : 1.15)]
set ylabel "genlab GFLOP/s / dgemm's GFLOP/s"
set key below vertical
set label 1 "- - -  1: as fast as one big dgemm" at graph 0.5, graph 1.04 center font ",10" tc rgb c_grey
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb c_grey
plot dat using ($8 / $9):xtic(1) title "1 thread" lt 1, '' using ($10 / $11) title "2 threads" lt 5
unset multiplot
