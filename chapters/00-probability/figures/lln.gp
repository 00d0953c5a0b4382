# lln.gp -- the law of large numbers and its speed: the max counting error of
# each independent run (lln_runs.dat: N, then one column per run), their mean
# and the reference line c / sqrt(N) anchored on this run (lln.dat: N, mean
# error, c / sqrt(N)). On log-log axes 1/sqrt(N) is a line of slope -1/2.
load "values.gp"
fig_name = "lln"
load "style.gp"
c_run = "#c8c8c8"
set title "Law of large numbers: the error of counting shrinks like 1/sqrt(N)"
set xlabel "number of rolls N"
set ylabel "max over faces of |count/N - P(x)|"
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set key top right
plot for [i = 2:lln_reps + 1] "lln_runs.dat" using 1:i with lines lw 1 lc rgb c_run notitle, \
     1/0 with lines lw 1 lc rgb c_run title sprintf("each of the %d single runs", lln_reps), \
     "lln.dat" using 1:2 with linespoints lt 1 ps 1.2 \
         title sprintf("mean over runs (fitted slope %.3f)", lln_slope), \
     "lln.dat" using 1:3 with lines lt 2 dt 2 \
         title sprintf("%.3f / sqrt(N) (slope -1/2)", lln_anchor)
