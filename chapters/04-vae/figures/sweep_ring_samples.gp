# sweep_ring_samples.gp -- the KL-weight sweep on the ring data set: decoded
# prior samples at the smallest weight, the one nearest this run's, and the
# largest, side by side over the training points (sweep_samples.dat: x, y;
# n_prior_samples rows for each model, in the order of the rows of sweep.dat:
# data 0 or 1, w, recon, KL, elbo, in support, ...).
# One script per data set: sweep_clusters_samples.gp is this one with ds = "clusters".
load "values.gp"
ds = "ring"
fig_name = "sweep_" . ds . "_samples"; fig_w = 1500; fig_h = 560
load "style.gp"
# the panels' models (rows of sweep.dat), and their w, KL and share in the support
first = (sweep_data_1 eq ds) ? 0 : sweep_n_w
array model[3] = [first, first + sweep_pick, first + sweep_n_w - 1]
array w[3]; array kl[3]; array support[3]
do for [p = 1:3] {
    stats "sweep.dat" every ::model[p]::model[p] using (w[p] = $2, kl[p] = $4, support[p] = $6) nooutput
}
set xlabel "x_1"
set ylabel "x_2"
set multiplot layout 1,3 title sprintf("%s: decoded prior samples as the KL weight grows", ds)
set size ratio -1
set xrange [-2.4:2.4]
set yrange [-2.2:2.2]
set key top left
data_file = ds . "_data.dat"
samples_file = "sweep_samples.dat"
do for [p = 1:3] {
    set title sprintf("w = %g: KL %.2f nats, %.0f%% in support", w[p], kl[p], 100 * support[p])
    rows = model[p] * n_prior_samples                      # the model's first row
    plot data_file using 1:2 with points pt 7 ps 0.4 lc rgb "#bbbbbb" title "data", \
         samples_file every ::rows::(rows + n_prior_samples - 1) using 1:2 \
             with points lt 6 pt 7 ps 0.3 title "samples"
}
unset multiplot
