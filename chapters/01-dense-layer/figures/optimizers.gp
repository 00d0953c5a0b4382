# optimizers.gp -- the training loss of SGD and Adam fitting the same linear
# map from the same start (loss_sgd.dat, loss_adam.dat: step, loss, its
# trailing mean).
load "values.gp"
fig_name = "optimizers"
load "style.gp"
set title "Fitting a linear map: same gradients, two optimisers"
set xlabel "step"
set ylabel "MSE (log scale)"
set logscale y
set format y "10^{%L}"
plot "loss_sgd.dat" using 1:2 with lines title "SGD", \
     "loss_adam.dat" using 1:2 with lines title "Adam", \
     1e-4 with lines dt 2 lc rgb c_grey title "noise floor (0.01^2)"
