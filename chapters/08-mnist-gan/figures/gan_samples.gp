# gan_samples.gp -- 100 samples of the trained GAN, from the first 100 fixed z's.
# gan_samples.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "gan_samples"
fig_w = 900; fig_h = int(900.0 * gan_samples_h / gan_samples_w) + 60
load "style.gp"
grid_w = gan_samples_w; grid_h = gan_samples_h
eval image_grid_setup
set title sprintf("GAN after %d steps: 100 samples (fixed z)", gan_steps)
plot "gan_samples.dat" matrix with image
