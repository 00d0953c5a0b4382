# generated.gp -- (--generate K) G_XY of the first test digits (at most 100)
# by the loaded model: each digit with strokes one pixel thicker, if it works.
# generated.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "generated"
fig_w = 900; fig_h = int(900.0 * generated_h / generated_w) + 60
load "style.gp"
grid_w = generated_w; grid_h = generated_h
eval image_grid_setup
set title sprintf("G_{XY} of %d test digits, the model loaded at step %d", generated_shown, generated_step)
plot "generated.dat" matrix with image
