# samples_source.gp -- the source's labelled model (--variant source):
# decoded prior samples, row k of the grid from component k (top: 0).
# samples_source.dat: the grid as one grey-scale picture (a gnuplot matrix).
# (samples_unlabelled.gp, samples_labels.gp and samples_source.gp differ
# only in `variant`.)
load "values.gp"
variant = "source"
fig_name = "samples_" . variant
grid_w = value(fig_name . "_w"); grid_h = value(fig_name . "_h")
fig_w = 900; fig_h = int(900.0 * grid_h / grid_w) + 60
load "style.gp"
eval image_grid_setup
set title sprintf("%s model: decoded prior samples, row k from component k (top: 0)", variant)
plot fig_name . ".dat" matrix with image
