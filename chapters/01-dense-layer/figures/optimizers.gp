# optimizers.gp -- the training loss of SGD and Adam fitting the same linear
# map from the same start (fit_loss.dat: step, SGD loss, Adam loss).
load "values.gp"
fig_name = "optimizers"
load "style.gp"
set title "Fitting a linear map: same gradients, two optimisers"
set xlabel "step"
set ylabel "MSE (log scale)"
set logscale y
set format y "10^{%L}"
plot "fit_loss.dat" using 1:2 with lines title "SGD", \
     "fit_loss.dat" using 1:3 with lines title "Adam", \
     1e-4 with lines dt 2 lc rgb c_grey title "noise floor (0.01^2)"
