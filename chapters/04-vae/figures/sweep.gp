# sweep.gp -- the VAE trade-off: one model trained per KL weight w, its
# reconstruction error against its KL, one line per data set, each point
# labelled with its w (sweep.dat: data, w, recon, KL, elbo, in support, min
# cluster share, active dims; one row per model, data 0 or 1). Low w:
# informative codes, sharp; high w: cheap codes, blurry. A model at KL ~ 0
# has collapsed (section 10 of vae.c), and the figure says so.
load "values.gp"
fig_name = "sweep"
load "style.gp"
stats "sweep.dat" using 4:3 nooutput    # the largest KL, the range of recon
kl_max = STATS_max_x; recon_min = STATS_min_y; recon_max = STATS_max_y
# name posterior collapse where it happened: the model of the smallest KL,
# if that is below 0.1 nats (its row r of sweep.dat: data, w, recon, KL)
stats "sweep.dat" using 4 nooutput
if (STATS_min < 0.1) {
    r = STATS_index_min
    stats "sweep.dat" every ::r::r using (w = $2, recon = $3, kl = $4, $1) nooutput
    collapse_data = value(sprintf("sweep_data_%d", int(STATS_min) + 1))
    set arrow 1 from graph 0.1, graph 0.3 to kl, recon lc rgb "#555555" lw 1.5
    set label 1 sprintf("%s, w = %g: posterior collapse\nKL = %.2f: every code decodes\n" . \
                        "to about the data mean", collapse_data, w, kl) \
        at graph 0.03, graph 0.24 tc rgb "#555555"
}
set title "The VAE trade-off: cheaper codes (less KL) cost reconstruction"
set xlabel "KL(q(z|x) || p(z))  (nats per point)"
set ylabel "reconstruction error (MSE per coordinate)"
set logscale y
set key top right
set xrange [-0.3:1.15 * kl_max + 0.3]
set yrange [recon_min / 2:recon_max * 3]
# data set i's rows: column 1 == i
plot for [i = 0:1] "sweep.dat" using ($1 == i ? $4 : 1/0):3 with linespoints lt i + 1 pt 7 ps 1.5 \
         title value(sprintf("sweep_data_%d", i + 1)), \
     for [i = 0:1] "sweep.dat" using ($1 == i ? $4 : 1/0):3:(sprintf("w=%g", $2)) \
         with labels offset 1.2,0.9 left tc lt i + 1 notitle
