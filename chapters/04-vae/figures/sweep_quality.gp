# sweep_quality.gp -- are decoded prior samples like the data? For each KL
# weight of the sweep (one training run each), the share of samples within 3
# sd of a cluster (solid) and the smallest cluster's share (dashed), per data
# set, with this run's w marked (sweep.dat: data, w, recon, KL, elbo, in
# support, min cluster share, active dims; one row per model, data 0 or 1).
load "values.gp"
fig_name = "sweep_quality"
load "style.gp"
stats "sweep.dat" using 2 nooutput      # the smallest and the largest w
set title "Are decoded prior samples like the data? (each point: one training run)"
set xlabel "KL weight w (log scale)"
set ylabel sprintf("fraction of %d prior samples", n_prior_samples)
set logscale x
set xrange [0.8 * STATS_min:1.25 * STATS_max]
set yrange [0:1.05]
set key bottom left
set arrow 1 from sweep_this_run_w, graph 0 to sweep_this_run_w, graph 1 nohead dt 2 lc rgb "#555555"
set label 1 sprintf("this run: w = %g", sweep_this_run_w) \
    at sweep_this_run_w, graph 0.55 offset 0.5,0 tc rgb "#555555"
# data set i's rows: column 1 == i
plot "sweep.dat" using 2:($1 == 0 ? $6 : 1/0) with linespoints lt 1 pt 7 ps 1.2 \
         title sweep_data_1 . ": within 3 sd of a cluster", \
     "" using 2:($1 == 0 ? $7 : 1/0) with linespoints lt 1 dt 2 pt 5 ps 1.2 \
         title sweep_data_1 . ": smallest cluster share", \
     "" using 2:($1 == 1 ? $6 : 1/0) with linespoints lt 2 pt 7 ps 1.2 \
         title sweep_data_2 . ": within 3 sd of a cluster", \
     "" using 2:($1 == 1 ? $7 : 1/0) with linespoints lt 2 dt 2 pt 5 ps 1.2 \
         title sweep_data_2 . ": smallest cluster share"
