# xavier.gp -- how the spread of activations evolves through a deep stack of
# tanh layers, for each initialisation the chapter tries (init_spread.dat:
# column 1 the layer, then one column per initialisation).
load "values.gp"
fig_name = "xavier"
load "style.gp"
set title sprintf("Activation spread through tanh layers of width %d", layer_width)
set xlabel "layer"
set ylabel "sd of activations"
set logscale y
set format y "10^{%L}"
set key bottom left
plot for [s = 1:n_studies] "init_spread.dat" using 1:(column(s + 1)) \
     with linespoints title value(sprintf("study_label_%d", s))
