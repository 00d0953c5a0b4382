# loss.gp -- training loss per epoch, DAE and plain AE, with the Bayes error
# on the test sample as the floor the DAE cannot pass. Reads loss_dae.dat
# (noisy -> clean) and loss_plain_ae.dat (clean -> clean): epoch, loss, its
# trailing mean.
load "values.gp"
fig_name = "loss"
load "style.gp"
set title "Training loss (MSE to the clean signal)"
set xlabel "epoch"
set ylabel "mean squared error (log scale)"
set logscale y
set format y "10^{%L}"
set key bottom left
plot "loss_plain_ae.dat" using 1:2 with lines lt 2 title "plain AE: clean input -> clean target", \
     "loss_dae.dat" using 1:2 with lines lt 1 title "DAE: noisy input -> clean target", \
     bayes_mse with lines dt 2 lw 3 lc rgb c_black \
         title "Bayes-optimal MSE on the test sample: the DAE's floor"
