# gan_fjd.gp -- the Frechet judge distance (fjd) of the gan's samples over
# training, on a log scale: d^2 between Gaussians fitted to the judge's last
# hidden layer on gan_fjd_n fixed-noise samples and on the real test digits.
# Two reference lines say what a value means: real training digits (what a
# perfect generator scores) and uniform noise images.
# gan_fjd.dat: step, fjd (then the same again: a mean over one row).
load "values.gp"
fig_name = "gan_fjd"
load "style.gp"
set title sprintf("%s: Frechet judge distance to the real test digits", sprintf("GAN on class %s", gan_class))
set xlabel "training step"
set ylabel "fjd (d^2, log scale)"
set logscale y
set key top right
plot "gan_fjd.dat" using 1:2 with linespoints lt 1 title sprintf("%d samples of the gan", gan_fjd_n), \
     gan_fjd_noise with lines lt 4 dt 2 title sprintf("uniform noise images: %.0f", gan_fjd_noise), \
     gan_fjd_floor with lines lt 3 dt 2 title sprintf("real training digits: %.2f", gan_fjd_floor)
