# samples.gp -- 100 of the fixed-code samples of the trained model (z and the
# codes drawn from their prior, z uniform as in training).
# samples.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "samples"
fig_w = 900; fig_h = int(900.0 * samples_h / samples_w) + 60
load "style.gp"
grid_w = samples_w; grid_h = samples_h
eval image_grid_setup
set title sprintf("InfoGAN, %s: 100 samples after %d steps", model_title, steps)
plot "samples.dat" matrix with image
