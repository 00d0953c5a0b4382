# loss.gp -- the main model over training. Top: the least-squares GAN terms,
# both discriminators' loss and both generators' adversarial loss (the
# sums of two, 1/2 each when D = 1/2 everywhere). Bottom: the
# cycle errors per pixel (and the identity term), on a log scale.
# loss.dat: step, d_loss, g_adv, cycle_x, cycle_y, identity, then their
# trailing means (columns 7-11).
load "values.gp"
fig_name = "loss"; fig_w = 1200; fig_h = 1000
load "style.gp"
set xlabel "training step"
set multiplot layout 2,1 title sprintf("CycleGAN, the main model (lambda %g): losses", lambda) font ",16"
set title sprintf("adversarial terms (thin: every step; thick: mean of the last %d)", loss_mean_steps)
set ylabel "least-squares loss"
set yrange [0:*]
set key top right font ",11"
plot "loss.dat" using 1:2 with lines lw 0.5 lc rgb "#a9cce3" notitle, \
     "" using 1:3 with lines lw 0.5 lc rgb "#f5cba7" notitle, \
     "" using 1:7 with lines lt 1 title "D_X + D_Y loss", \
     "" using 1:8 with lines lt 2 title "G_{XY} + G_{YX} adversarial loss", \
     0.5 with lines lt 8 dt 2 lw 1.5 title "both, when D = 1/2 everywhere"
set title "cycle consistency, mean |F(G(x)) - x| per pixel"
set ylabel "L1 per pixel"
set logscale y
set yrange [*:*]
plot "loss.dat" using 1:9 with lines lt 3 title "cycle x -> y -> x", \
     "" using 1:10 with lines lt 4 title "cycle y -> x -> y", \
     "" using 1:($11 > 0 ? $11 : 1/0) with lines lt 5 title (identity_weight > 0 ? "identity |G(y) - y|" : "")
unset multiplot
