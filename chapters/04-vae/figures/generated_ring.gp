# generated_ring.gp -- --load ... --generate K: the K decoded prior samples of
# the loaded ring VAE (generated_ring.dat: x, y), with the true cluster
# centres and their 3-sd circles.
# One script per data set: generated_clusters.gp is this one with ds = "clusters".
load "values.gp"
ds = "ring"
v(name) = value(ds . "_" . name)        # this data set's numbers in values.gp
fig_name = "generated_" . ds; fig_w = 900; fig_h = 800
load "style.gp"
# the figure draws the first generate_shown samples (at most 2000: more would paint
# the support solid); the file holds all generate_n, and the share counts them all
if (generate_shown < generate_n) {
    set title sprintf("%s: the first %d of %d decoded prior samples of the loaded VAE;\n%.0f%% of all %d within 3 sd of a centre", \
                      ds, generate_shown, generate_n, 100 * v("generated_support"), generate_n)
} else {
    set title sprintf("%s: %d decoded prior samples of the loaded VAE; %.0f%% within 3 sd of a centre", \
                      ds, generate_n, 100 * v("generated_support"))
}
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
# the centres as a data block, to draw them as points
set print $centres
do for [j = 1:v("n_clusters")] {
    print sprintf("%.9g %.9g", v(sprintf("centre_x_%d", j)), v(sprintf("centre_y_%d", j)))
}
unset print
samples_file = "generated_" . ds . ".dat"
plot samples_file every ::0::(generate_shown - 1) using 1:2 with points lt 6 pt 7 ps 0.35 title "samples", \
     $centres using 1:2 with points lt 8 pt 2 ps 2.5 lw 3 title "cluster centres", \
     NaN with lines lc rgb "#555555" dt 2 lw 1.5 title "3 sd of a cluster"
