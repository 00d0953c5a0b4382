# losses.gp -- D's and G's losses while training, one panel per method
# (losses_<method>.dat: step, D loss, G loss, D(real), D(fake), then the same
# four as running means over loss_window steps, columns 6-9; the figure draws
# the means of the losses), each with the level it has where the game ends
# (dashed: d_eq_i and g_eq_i, section 3 of mode-collapse.c). The collapsed
# vanilla GAN sits right on its levels: the losses say who is winning, not
# whether G covers the data.
load "values.gp"
loss_cols = n_runs > 1 ? 2 : 1
loss_rows = (n_runs + loss_cols - 1) / loss_cols
fig_name = "losses"
fig_w = 1400; fig_h = 120 + 380 * loss_rows
load "style.gp"
method(i) = value(sprintf("method_%d", i))
set multiplot layout loss_rows, loss_cols title sprintf("Losses while training " . \
    "(running means over %d steps); dashed: each loss's level where the game ends", loss_window)
set xlabel "training step"
set ylabel "loss (BCE in nats)"
set key top center horizontal maxrows 2 font ",11"
set yrange [0:2.3<*]
do for [i = 1:n_runs] {
    file = "losses_" . method(i) . ".dat"
    d_eq = value(sprintf("d_eq_%d", i))
    g_eq = value(sprintf("g_eq_%d", i))
    set title value(sprintf("method_label_%d", i))
    plot file using 1:6 with lines lt 1 title "D loss", \
         file using 1:7 with lines lt 2 \
         title "G loss" . (method(i) eq "featmatch" ? " (feature distance)" : ""), \
         d_eq with lines lt 1 dt 2 lw 1.5 title sprintf("D: %.3f", d_eq), \
         g_eq with lines lt 2 dt 2 lw 1.5 title sprintf("G: %.3f", g_eq)
}
unset multiplot
