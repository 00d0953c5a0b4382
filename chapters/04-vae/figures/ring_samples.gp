# ring_samples.gp -- decoded prior samples (z ~ N(0, I), x = decoder(z);
# ring_samples.dat: x, y) in front of the ring training points, with each
# cluster's 3-sd circle.
# One script per data set: clusters_samples.gp is this one with ds = "clusters".
load "values.gp"
ds = "ring"
v(name) = value(ds . "_" . name)        # this data set's numbers in values.gp
fig_name = ds . "_samples"; fig_w = 900; fig_h = 800
load "style.gp"
set title sprintf("%s: %d decoded prior samples; %.0f%% within 3 sd of a centre", \
                  ds, n_prior_samples, 100 * v("support"))
set xlabel "x_1"
set ylabel "x_2"
set size ratio -1
set xrange [-2.6:2.6]
set yrange [-2.2:2.2]
set key top left
# each cluster's 3-sd circle: what sample_in_support counts as "in the support"
do for [j = 1:v("n_clusters")] {
    set object j circle at v(sprintf("centre_x_%d", j)), v(sprintf("centre_y_%d", j)) \
        size 3 * v("sd") fc rgb "#555555" fs empty border lc rgb "#555555" dt 2 lw 1.5 front
}
data_file = ds . "_data.dat"
samples_file = ds . "_samples.dat"
plot data_file using 1:2 with points pt 7 ps 0.5 lc rgb "#bbbbbb" title "data", \
     samples_file using 1:2 with points lt 6 pt 7 ps 0.35 title "samples", \
     NaN with lines lc rgb "#555555" dt 2 lw 1.5 title "3 sd of a cluster"
