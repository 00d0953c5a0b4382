# snapshots_gaussian.gp -- the classic picture of a GAN at four moments of the
# training of the gaussian GAN (before the first step, a tenth, a third of the
# way, the end), one panel each: the real density, a histogram of G's
# samples scaled to a density, and D(x) = P(real) against the dashed 1/2.
# snapshots_gaussian.dat: one index per moment, columns 1 x (bin centre), 2 real
# density, 3 generated density, 4 D(x).
load "values.gp"
fig_name = "snapshots_gaussian"
fig_w = 1400; fig_h = 1000
load "style.gp"
set xlabel "x"
set ylabel "density  /  D(x)"
set multiplot layout 2,2 title "gaussian target: data, generator and discriminator during training" font ",16"
set xrange [snapshots_gaussian_x_lo:snapshots_gaussian_x_hi]
set yrange [0:1.3]
set style fill transparent solid 0.45 noborder
set key top left font ",11"
do for [k = 1:4] {
    set title sprintf("step %d: generated mean %.2f, std %.2f", \
                      value(sprintf("snapshots_gaussian_step_%d", k)), \
                      value(sprintf("snapshots_gaussian_mean_%d", k)), \
                      value(sprintf("snapshots_gaussian_std_%d", k)))
    plot "snapshots_gaussian.dat" index (k - 1) using 1:3 with boxes lc rgb c_orange title "G(z), histogram", \
         "" index (k - 1) using 1:2 with lines lt 1 title "real density", \
         "" index (k - 1) using 1:4 with lines lt 3 title "D(x) = P(real)", \
         0.5 with lines lt 8 dt 2 lw 1 title "D = 1/2"
    unset key                            # the first panel's legend serves all four
}
unset multiplot
