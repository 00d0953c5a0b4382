# clusters_data.gp -- the training points of the clusters data set, coloured by the
# cluster each was drawn from (clusters_data.dat: x, y, mu_1, mu_2, cluster
# 0-based). The VAE never sees the colours.
# One script per data set: ring_data.gp is this one with ds = "ring".
load "values.gp"
ds = "clusters"
v(name) = value(ds . "_" . name)        # this data set's numbers in values.gp
fig_name = ds . "_data"; fig_w = 900; fig_h = 800
load "style.gp"
set title sprintf("%s: %d training points from %d Gaussian clusters (sd %g)", \
                  ds, v("n_points"), v("n_clusters"), v("sd"))
set xlabel "x_1"
set ylabel "x_2"
set size ratio -1
set xrange [-2.6:2.6]
set yrange [-2.2:2.2]
set key top left
data_file = ds . "_data.dat"
plot for [j = 1:v("n_clusters")] data_file using 1:($5 == j - 1 ? $2 : 1/0) \
     with points lt j pt 7 ps 0.5 title sprintf("cluster %d", j)
