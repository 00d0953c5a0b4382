# sweep_quality.gp -- are decoded prior samples like the data? For each KL
# weight of the sweep (one training run each), the share of samples within 3
# sd of a cluster (solid) and the smallest cluster's share (dashed), per data
# set, with this run's w marked (sweep.dat: data, w, recon, KL, elbo, in
# support, min cluster share, active dims; index 0 and 1 the two data sets).
load "values.gp"
fig_name = "sweep_quality"
load "style.gp"
set title "Are decoded prior samples like the data? (each point: one training run)"
set xlabel "KL weight w (log scale)"
set ylabel sprintf("fraction of %d prior samples", n_prior_samples)
set logscale x
set xrange [0.8 * sweep_w_first:1.25 * sweep_w_last]
set yrange [0:1.05]
set key bottom left
set arrow 1 from sweep_this_run_w, graph 0 to sweep_this_run_w, graph 1 nohead dt 2 lc rgb "#555555"
set label 1 sprintf("this run: w = %g", sweep_this_run_w) \
    at sweep_this_run_w, graph 0.55 offset 0.5,0 tc rgb "#555555"
plot "sweep.dat" index 0 using 2:6 with linespoints lt 1 pt 7 ps 1.2 \
         title sweep_data_1 . ": within 3 sd of a cluster", \
     "" index 0 using 2:7 with linespoints lt 1 dt 2 pt 5 ps 1.2 \
         title sweep_data_1 . ": smallest cluster share", \
     "sweep.dat" index 1 using 2:6 with linespoints lt 2 pt 7 ps 1.2 \
         title sweep_data_2 . ": within 3 sd of a cluster", \
     "" index 1 using 2:7 with linespoints lt 2 dt 2 pt 5 ps 1.2 \
         title sweep_data_2 . ": smallest cluster share"
