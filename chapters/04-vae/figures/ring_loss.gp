# ring_loss.gp -- training of the ring VAE: total loss and reconstruction
# (left axis, log scale) and KL in nats per point (right axis), each a trailing
# mean over a hundredth of the steps (ring_loss.dat, a history: step, total,
# recon, KL, then their trailing means).
# One script per data set: clusters_loss.gp is this one with ds = "clusters".
load "values.gp"
ds = "ring"
v(name) = value(ds . "_" . name)        # this data set's numbers in values.gp
fig_name = ds . "_loss"
load "style.gp"
loss_file = ds . "_loss.dat"
# draw every n-th step, n the window of the means (a hundredth of the steps):
# then each point is the mean of the n steps up to it, and the points do not overlap
stats loss_file using 1 nooutput
n = STATS_records >= 100 ? STATS_records / 100 : 1
steps = STATS_max
stats loss_file every n::n - 1 using 7 nooutput    # the largest KL drawn
# the weight training used is w x beta, shared by the J entries of the code
set title sprintf("%s: training loss = recon + %g / %d x KL", \
                  ds, v("kl_weight") * v("beta"), v("latent_dim"))
set xlabel "training step"
set ylabel "loss, recon (MSE per coordinate)"
set xrange [0:steps]
set logscale y
set y2label "KL (nats per point)"
set y2tics
set ytics nomirror
set y2range [0:1.4 * STATS_max + 0.01]
set key top right
plot loss_file every n::n - 1 using 1:5 with lines lt 1 title "total loss", \
     loss_file every n::n - 1 using 1:6 with lines lt 2 title "recon", \
     loss_file every n::n - 1 using 1:7 axes x1y2 with lines lt 3 title "KL (right axis)"
