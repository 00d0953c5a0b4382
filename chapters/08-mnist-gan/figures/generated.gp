# generated.gp -- (--generate K) the first 100 (at most) of the K samples of
# the loaded model; for a cGAN, column k asks for class k.
# generated.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "generated"
fig_w = 900; fig_h = int(900.0 * generated_h / generated_w) + 60
load "style.gp"
grid_w = generated_w; grid_h = generated_h
eval image_grid_setup
set title sprintf("%d samples of the %s loaded at step %d%s", generated_shown, \
                  generated_conditional ? "cGAN" : "GAN", generated_step, \
                  generated_conditional ? " (column = class asked for)" : "")
plot "generated.dat" matrix with image
