# clusters_loss.gp -- training of the clusters VAE: total loss and reconstruction
# (left axis, log scale) and KL in nats per point (right axis), running means
# over blocks of steps (clusters_loss.dat: step, total, recon, KL).
# One script per data set: ring_loss.gp is this one with ds = "ring".
load "values.gp"
ds = "clusters"
v(name) = value(ds . "_" . name)        # this data set's numbers in values.gp
fig_name = ds . "_loss"
load "style.gp"
# the weight training used is w x beta, shared by the J entries of the code
set title sprintf("%s: training loss = recon + %g / %d x KL", \
                  ds, v("kl_weight") * v("beta"), v("latent_dim"))
set xlabel "training step"
set ylabel "loss, recon (MSE per coordinate)"
set xrange [0:v("steps")]
set logscale y
set y2label "KL (nats per point)"
set y2tics
set ytics nomirror
set y2range [0:1.4 * v("loss_kl_max") + 0.01]
set key top right
loss_file = ds . "_loss.dat"
plot loss_file using 1:2 with lines lt 1 title "total loss", \
     loss_file using 1:3 with lines lt 2 title "recon", \
     loss_file using 1:4 axes x1y2 with lines lt 3 title "KL (right axis)"
