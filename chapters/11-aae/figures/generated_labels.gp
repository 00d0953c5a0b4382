# generated_labels.gp -- the labelled model, --load F --generate K:
# K decoded prior samples (K = generated_count), sample i from component
# i mod 6, so column k of the grid is component k. generated_labels.dat: the
# first generated_shown of them (at most 60) as one grey-scale picture (a
# gnuplot matrix); all K are in generated_labels_pixels.dat. (generated_unlabelled.gp,
# generated_labels.gp and generated_source.gp differ only in `variant`.)
load "values.gp"
variant = "labels"
fig_name = "generated_" . variant
grid_w = value(fig_name . "_w"); grid_h = value(fig_name . "_h")
fig_w = 900; fig_h = int(900.0 * grid_h / grid_w) + 60
load "style.gp"
eval image_grid_setup
set title sprintf("%s model: %d of %d decoded prior samples, column k from component k", \
    variant, generated_shown, generated_count)
plot fig_name . ".dat" matrix with image
