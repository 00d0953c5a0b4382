# losses_labels.gp -- the labelled model while training:
# left, the three losses (trailing means over loss_window steps); right, the
# test metrics. loss_labels.dat: step, recon, D, adv, then the trailing means
# of the three (columns 5-7). eval_labels.dat: step, test recon MSE, prior
# match, cluster purity, cluster purity in the best class order, fjd (columns
# 7-11 repeat them: a history of window 1). Both files are histories
# (history.h). A third panel, with a judge: the Frechet judge distance of the
# decoded prior samples to the test digits, with its two yardsticks.
# (losses_unlabelled.gp, losses_labels.gp and losses_source.gp differ only
# in `variant`.)
load "values.gp"
variant = "labels"
fig_name = "losses_" . variant; fig_w = with_fjd ? 2100 : 1500; fig_h = 560
load "style.gp"
unset title
set multiplot layout 1, (with_fjd ? 3 : 2) title sprintf("%s model: training (losses are trailing means over %d steps)", \
    variant, loss_window)
set xlabel "iteration"
set title "losses"
set ylabel "loss"
set logscale y
set key top right font ",11"
plot "loss_" . variant . ".dat" using 1:5 with lines lt 1 lw 2 \
         title sprintf("reconstruction (%s per pixel)", recon_loss), \
     "" using 1:6 with lines lt 2 lw 2 title "D: BCE(prior, 1) + BCE(codes, 0)", \
     "" using 1:7 with lines lt 3 lw 2 title "E: BCE(codes, 1)", \
     2 * log(2) with lines lt 8 dt 2 title "D at chance: 2 log 2"
unset logscale y
set title "test images"
set ylabel "share of test codes"
set yrange [0:1.02]
set key bottom right font ",11"
plot "eval_" . variant . ".dat" using 1:3 with linespoints lt 1 pt 7 title "prior match (in some 3-sigma box)", \
     "" using 1:4 with linespoints lt 2 pt 7 title "cluster purity (class k in box k)", \
     "" using 1:5 with linespoints lt 3 pt 7 dt 2 title "cluster purity, best class order"
if (with_fjd) {
    set title "Frechet judge distance to the test digits"
    set ylabel "fjd (d^2, log scale)"
    set logscale y
    set yrange [*:*]
    set key top right font ",11"
    plot "eval_" . variant . ".dat" using 1:6 with linespoints lt 1 pt 7 title "decoded prior samples", \
         fjd_noise with lines lt 4 dt 2 title sprintf("noise images: %.0f", fjd_noise), \
         fjd_floor with lines lt 3 dt 2 title sprintf("training digits: %.2f", fjd_floor)
}
unset multiplot
