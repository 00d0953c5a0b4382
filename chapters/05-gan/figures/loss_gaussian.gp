# loss_gaussian.gp -- D's and G's losses over the training of the gaussian GAN,
# each with its own equilibrium level, where D(x) = 1/2 everywhere (section 1):
# D's summed loss at 2 ln 2, G's at ln 2 (non-saturating) or -ln 2
# (saturating). Seed 004 draws one line at ln 2 for both.
# loss_gaussian.dat (a history, common/history.h): 1 step, 2 D loss, 3 G loss,
# 4 mean D(real), 5 mean D(fake), then 6-9 the trailing means of 2-5 over
# the last 100 steps.
load "values.gp"
fig_name = "loss_gaussian"
load "style.gp"
g_loss = loss_gaussian_g_loss    # "non-saturating" or "saturating"
sat = (g_loss eq "saturating")
d_eq = 2 * log(2)
g_eq = sat ? -log(2) : log(2)
set title sprintf("GAN losses, gaussian target (%s G loss)", g_loss)
set xlabel "training step (one G step each)"
set ylabel "loss (thin: per step, thick: mean of the last 100)"
set key top right
set yrange [(sat ? -1.6 : 0):2.2]
set label 1 "D: 2 ln 2 = 1.386" at graph 0.98, first d_eq offset 0,0.7 right
g_label = sat ? "G: -ln 2 = -0.693" : "G: ln 2 = 0.693"
set label 2 g_label at graph 0.98, first g_eq offset 0,-0.7 right
plot "loss_gaussian.dat" using 1:2 with lines lw 0.6 lc rgb "#a9cce3" notitle, \
     "loss_gaussian.dat" using 1:3 with lines lw 0.6 lc rgb "#f5cba7" notitle, \
     "loss_gaussian.dat" using 1:6 with lines lt 1 title "D loss (real + fake BCE, summed)", \
     "loss_gaussian.dat" using 1:7 with lines lt 2 title sprintf("G loss (%s)", g_loss), \
     d_eq with lines lt 8 dt 2 lw 1.5 title "equilibrium level, D(x) = 1/2", \
     g_eq with lines lt 8 dt 2 lw 1.5 notitle
