# generated.gp -- (--generate K) the first 100 (at most) of the K samples of
# the loaded model, z and codes from their prior (a fixed seed).
# generated.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "generated"
fig_w = 900; fig_h = int(900.0 * generated_h / generated_w) + 60
load "style.gp"
grid_w = generated_w; grid_h = generated_h
eval image_grid_setup
set title sprintf("%d samples of the InfoGAN loaded at step %d%s", generated_shown, generated_step, \
                  ncat > 0 ? " (column = value of the categorical code)" : "")
plot "generated.dat" matrix with image
