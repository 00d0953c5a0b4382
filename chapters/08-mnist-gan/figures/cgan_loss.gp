# cgan_loss.gp -- the conditional GAN over training, in two panels. Top: D's
# and G's losses at every step (thin) and their running means (thick); G's loss
# at the game's equilibrium (D(x) = 1/2), and D's too when D's loss has no
# wrong-label term (--mismatch 0). Bottom: the share of the fixed-z samples
# the judge calls the class asked for, and how varied they are.
# cgan_loss.dat: step, D loss, G loss, D(real), D(fake), then their running means
# (columns 6-9). cgan_score.dat: step, share judged as asked, mean
# judge confidence, diversity ratio (columns 2-3 are 0 without a judge).
load "values.gp"
fig_name = "cgan_loss"; fig_w = 1200; fig_h = 1000
load "style.gp"
set xlabel "training step (one D and one G update each)"
set multiplot layout 2,1 title sprintf("Conditional GAN, %s: losses and the judge", dataset_name) font ",16"

set title sprintf("losses (thin: every step; thick: mean of the last %d steps)", loss_mean_steps)
set ylabel "loss"
set yrange [0:5]
set key top center horizontal maxrows 2 font ",11"
if (cgan_mismatch > 0) {
    plot "cgan_loss.dat" using 1:2 with lines lw 0.5 lc rgb "#a9cce3" notitle, \
         "" using 1:3 with lines lw 0.5 lc rgb "#f5cba7" notitle, \
         "" using 1:6 with lines lt 1 \
            title sprintf("D loss: BCE(real, 1) + BCE(fake, 0) + %g BCE(wrong label, 0)", cgan_mismatch), \
         "" using 1:7 with lines lt 2 title "G loss: -log D(G(z))", \
         log(2) with lines lt 2 dt 2 lw 1.5 title "G at equilibrium: ln 2"
} else {
    plot "cgan_loss.dat" using 1:2 with lines lw 0.5 lc rgb "#a9cce3" notitle, \
         "" using 1:3 with lines lw 0.5 lc rgb "#f5cba7" notitle, \
         "" using 1:6 with lines lt 1 title "D loss: BCE(real, 1) + BCE(fake, 0)", \
         2 * log(2) with lines lt 1 dt 2 lw 1.5 title "D at equilibrium: 2 ln 2", \
         "" using 1:7 with lines lt 2 title "G loss: -log D(G(z))", \
         log(2) with lines lt 2 dt 2 lw 1.5 title "G at equilibrium: ln 2"
}

set title sprintf("%d fixed-z samples: what the judge sees, and how varied they are", cgan_eval_n)
set ylabel "share  /  ratio"
set yrange [0:1.35]
set key top center horizontal maxrows 2
if (cgan_with_judge) {
    plot "cgan_score.dat" using 1:4 with linespoints lt 4 title "diversity (1: as varied as real images)", \
         "" using 1:2 with linespoints lt 3 title "judged as the class asked for", \
         "" using 1:3 with lines lt 5 dt 3 title "mean judge confidence", \
         cgan_goal with lines lt 8 dt 2 lw 1.5 title sprintf("goal %g", cgan_goal), \
         1 with lines lt 4 dt 2 lw 1 notitle
} else {
    plot "cgan_score.dat" using 1:4 with linespoints lt 4 title "diversity (1: as varied as real images)", \
         1 with lines lt 4 dt 2 lw 1 notitle
}
unset multiplot
