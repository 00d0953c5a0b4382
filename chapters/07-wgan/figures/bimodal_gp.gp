# bimodal_gp.gp -- the gp run on the 1D bimodal target at each of the n_snap
# snapshot steps: the data density (black), G's histogram (blue bars) and the
# critic's curve D(x) on the right axis. (bimodal_clip.gp: the clip run.)
# snap_bimodal_gp_K.dat: x, real density, generated density, D(x) at the
# K-th snapshot (K = 1 .. n_snap).
load "values.gp"
method = "gp"
fig_name = "bimodal_gp"; fig_w = 1600; fig_h = 500
load "style.gp"
set multiplot layout 1, n_snap \
    title sprintf("%s on the bimodal target: data, generated histogram and the critic D(x)", method)
set xrange [bimodal_x_lo:bimodal_x_hi]
set yrange [0:1.6]
set xlabel "x"
set ylabel "density"
set y2tics
set ytics nomirror
set format y2 "%.2g"
set xtics 2
set key top left font ",10"
do for [k = 1:n_snap] {
    set title sprintf("step %d", value(sprintf("snap_step_bimodal_%s_%d", method, k)))
    if (k == n_snap) { set y2label "critic value D(x)" }
    plot sprintf("snap_bimodal_%s_%d.dat", method, k) using 1:3 \
            with boxes fs solid 0.4 lc 1 title "generated", \
         "" using 1:2 with lines lc rgb c_black title "data", \
         "" using 1:4 axes x1y2 with lines lt 4 title "D(x)"
}
unset multiplot
