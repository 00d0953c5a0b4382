# loss.gp -- InfoGAN over training, in two panels. Top: D's and G's losses at
# every step (thin) and their running means (thick), with the values at the
# game's equilibrium (D(x) = 1/2 everywhere). Bottom: Q's loss L_Q, the
# squared error on the continuous codes (plus the cross-entropy of the
# categorical one), on a log scale: the mutual-information term going down.
# loss.dat: step, D loss, G loss (its BCE alone), Q loss, then their running
# means (columns 5-7).
load "values.gp"
fig_name = "loss"; fig_w = 1200; fig_h = 1000
load "style.gp"
set xlabel "training step (D steps, then one G step)"
set multiplot layout 2,1 title sprintf("InfoGAN, %s: losses", model_title) font ",16"

set title sprintf("D and G (thin: every step; thick: mean of the last %d steps)", loss_mean_steps)
set ylabel "loss"
set yrange [0:6]
set key top right horizontal maxrows 2 font ",11"
plot "loss.dat" using 1:2 with lines lw 0.5 lc rgb "#a9cce3" notitle, \
     "" using 1:3 with lines lw 0.5 lc rgb "#f5cba7" notitle, \
     "" using 1:5 with lines lt 1 title "D loss: BCE(real, 1) + BCE(fake, 0)", \
     2 * log(2) with lines lt 1 dt 2 lw 1.5 title "2 ln 2", \
     "" using 1:6 with lines lt 2 title "G loss: -log D(G(z, c))", \
     log(2) with lines lt 2 dt 2 lw 1.5 title "ln 2"

set title "Q: its loss L_Q (squared error on c, + cross-entropy of the categorical code)"
set ylabel "L_Q"
set logscale y
set yrange [*:*]
set key top right
plot "loss.dat" using 1:4 with lines lw 0.5 lc rgb "#b8e0d2" notitle, \
     "" using 1:7 with lines lt 3 title "L_Q (running mean)", \
     1.0 / 3 with lines lt 8 dt 2 lw 1.5 title "1/3: the squared error of a Q that knows nothing"
unset multiplot
