# ring_latent.gp -- the encoded means mu(x) of the ring training points,
# coloured by cluster, over the prior's 1- and 2-sd circles: does the prior's
# mass hold the codes? (ring_data.dat: x, y, mu_1, mu_2 (0 if the code has one
# dimension), cluster 0-based.)
# One script per data set: clusters_latent.gp is this one with ds = "clusters".
load "values.gp"
ds = "ring"
v(name) = value(ds . "_" . name)        # this data set's numbers in values.gp
fig_name = ds . "_latent"; fig_w = 900; fig_h = 800
load "style.gp"
# the weight training used is w x beta
set title sprintf("%s: encoded means mu(x), KL weight %g (%d of %d latent dims active)", \
                  ds, v("kl_weight") * v("beta"), v("active_dims"), v("latent_dim"))
set xlabel "z_1"
set ylabel "z_2"
set size ratio -1
set xrange [-3.5:3.5]
set yrange [-3.5:3.5]
set key top left
set object 1 circle at 0,0 size 1 fs empty border lc rgb "#555555" dt 2 lw 1.5
set object 2 circle at 0,0 size 2 fs empty border lc rgb "#999999" dt 3 lw 1.5
latent_file = ds . "_data.dat"
plot for [j = 1:v("n_clusters")] latent_file using 3:($5 == j - 1 ? $4 : 1/0) \
         with points lt j pt 7 ps 0.5 title sprintf("cluster %d", j), \
     NaN with lines lc rgb "#555555" dt 2 lw 1.5 title "prior: 1 sd circle", \
     NaN with lines lc rgb "#999999" dt 3 lw 1.5 title "prior: 2 sd circle"
