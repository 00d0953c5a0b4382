# fjd.gp -- every image model over training: the Frechet judge distance of
# its translations to real digits of the target domain, on a log scale (left
# G_XY: plain -> dilated, right G_YX: dilated -> plain), against the share of
# its own training (the local models train 300 steps, the global ones 1000). Each point is the
# translations of the first fjd_curve_n test inputs, fewer than the final
# fjd of metrics.txt uses, and fjd is biased upwards with few samples, so
# the two yardsticks below are of fjd_curve_n images too: the true
# translations of the same inputs (what a perfect translator scores) and
# real training digits of the target domain (fjd_floor's kind: a perfect
# generator). Above, uniform noise images (fjd_noise, all test inputs' count).
# fjd_K.dat (K = 1 .. n_variants, the model variant_K): step, fjd_xy, fjd_yx
# (then the same again: a history of window 1); the first row is the
# untrained generators.
load "values.gp"
fig_name = "fjd"; fig_w = 1600; fig_h = 820
load "style.gp"
do for [k = 1:n_variants] {           # the models train for different numbers of steps
    stats sprintf("fjd_%d.dat", k) using 1 nooutput
    eval sprintf("last_%d = STATS_max", k)
}
set multiplot layout 1, 2 title sprintf("Frechet judge distance to real digits over training (%d test inputs a point)", \
    fjd_curve_n) font ",16"
set xlabel "share of the model's training steps"
set ylabel "fjd (d^2, log scale)"
set logscale y
set yrange [5:1000]
set xrange [0:1]
set key below center vertical maxrows 4 Left reverse samplen 2 height 1 nobox noopaque font ",10"
do for [d = 1:2] {
    set title (d == 1 ? "X -> Y: G_{XY}(x) against dilated test digits" : "Y -> X: G_{YX}(y) against plain test digits")
    floor = d == 1 ? fjd_floor_curve_xy : fjd_floor_curve_yx
    truth = d == 1 ? fjd_true_curve_xy : fjd_true_curve_yx
    noise = d == 1 ? fjd_noise_xy : fjd_noise_yx
    plot for [k = 1:n_variants] sprintf("fjd_%d.dat", k) using ($1 / value(sprintf("last_%d", k))):(column(d + 1)) \
             with linespoints lt k title sprintf("%s (%d steps)", value(sprintf("variant_%d", k)), value(sprintf("last_%d", k))), \
         noise with lines lc rgb c_grey dt 2 lw 2 title sprintf("uniform noise images: %.0f", noise), \
         floor with lines lc rgb c_black dt 2 lw 2 title sprintf("%d real %straining digits: %.1f", fjd_curve_n, \
             d == 1 ? "dilated " : "", floor), \
         truth with lines lc rgb c_black dt 3 lw 2 title sprintf("the true %s of these inputs: %.1f", \
             d == 1 ? "T(x)" : "T^{-1}(y)", truth)
}
unset multiplot
