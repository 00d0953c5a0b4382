# cgan_fjd.gp -- the Frechet judge distance (fjd) of the cgan's samples over
# training, on a log scale: d^2 between Gaussians fitted to the judge's last
# hidden layer on cgan_fjd_n fixed-noise samples and on the real test digits.
# Two reference lines say what a value means: real training digits (what a
# perfect generator scores) and uniform noise images.
# cgan_fjd.dat: step, fjd (then the same again: a mean over one row).
load "values.gp"
fig_name = "cgan_fjd"
load "style.gp"
set title sprintf("%s: Frechet judge distance to the real test digits", "conditional GAN, all classes")
set xlabel "training step"
set ylabel "fjd (d^2, log scale)"
set logscale y
set key top right
plot "cgan_fjd.dat" using 1:2 with linespoints lt 1 title sprintf("%d samples of the cgan", cgan_fjd_n), \
     cgan_fjd_noise with lines lt 4 dt 2 title sprintf("uniform noise images: %.0f", cgan_fjd_noise), \
     cgan_fjd_floor with lines lt 3 dt 2 title sprintf("real training digits: %.2f", cgan_fjd_floor)
