# generated.gp -- a --load run's samples: one panel per loaded model, in the
# style of the snapshots: a histogram of G's samples scaled to a density, the
# target's density and the loaded D(x) = P(real) against the dashed 1/2.
# generated.dat: one index per model, columns 1 x (bin centre), 2 real
# density, 3 generated density, 4 D(x).
load "values.gp"
fig_name = "generated"
n = generated_n                          # panels, two per row
cols = n > 1 ? 2 : 1
rows = int((n + cols - 1) / cols)
fig_w = cols > 1 ? 1400 : 1000
fig_h = 160 + 420 * rows
load "style.gp"
set xlabel "x"
set ylabel "density  /  D(x)"
set multiplot layout rows,cols title sprintf("%d samples from each loaded G, with the target density and D(x)", generated_samples) font ",16"
set yrange [0:1.3]
set style fill transparent solid 0.45 noborder
set key top left font ",11"
do for [i = 1:n] {
    set xrange [value(sprintf("generated_x_lo_%d", i)):value(sprintf("generated_x_hi_%d", i))]
    set title sprintf("%s, %d steps: mean %.2f, std %.2f, W1 %.3f", \
                      value(sprintf("generated_name_%d", i)), \
                      value(sprintf("generated_steps_%d", i)), \
                      value(sprintf("generated_mean_%d", i)), \
                      value(sprintf("generated_std_%d", i)), \
                      value(sprintf("generated_w1_%d", i)))
    plot "generated.dat" index (i - 1) using 1:3 with boxes lc rgb c_orange title "G(z), histogram", \
         "" index (i - 1) using 1:2 with lines lt 1 title "real density", \
         "" index (i - 1) using 1:4 with lines lt 3 title "D(x) = P(real)", \
         0.5 with lines lt 8 dt 2 lw 1 title "D = 1/2"
    unset key                            # the first panel's legend serves all
}
unset multiplot
