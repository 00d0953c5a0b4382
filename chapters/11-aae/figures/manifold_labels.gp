# manifold_labels.gp -- the labelled model:
# the decoder over the code plane, the image decoded at each point of a
# 20 x 20 grid on [-h, h]^2 (h = manifold_half_width), z_1 growing to the
# right, z_2 upwards. manifold_labels.dat: the grid as one grey-scale picture
# (a gnuplot matrix). (manifold_unlabelled.gp, manifold_labels.gp and
# manifold_source.gp differ only in `variant`.)
load "values.gp"
variant = "labels"
fig_name = "manifold_" . variant
grid_w = value(fig_name . "_w"); grid_h = value(fig_name . "_h")
fig_w = 900; fig_h = int(900.0 * grid_h / grid_w) + 60
load "style.gp"
eval image_grid_setup
h = manifold_half_width
set title sprintf("%s model: decoder over the code plane, z_1 from %g (left) to %g, " . \
    "z_2 from %g (top) to %g", variant, -h, h, h, -h)
plot fig_name . ".dat" matrix with image
