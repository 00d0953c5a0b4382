# samples_ring.gp -- G's samples on the 8-Gaussian ring at the n_snap snapshot
# steps (before training, after 10 % and 33 % of it, at the end), one row per
# method trained (clip, then gp), with the 8 mode centres as orange circles.
# snap_ring_METHOD_K.dat: x y, the K-th snapshot (K = 1 .. n_snap);
# ring_centres.dat: x y of the centres.
load "values.gp"
fig_name = "samples_ring"; fig_w = 1600; fig_h = 420 * (run_ring_clip + run_ring_gp) + 60
load "style.gp"
set size ratio -1
set xrange [-3:3]
set yrange [-3:3]
set xtics 1
set ytics 1
set xlabel "x_1"
set ylabel "x_2"
unset key
set multiplot layout run_ring_clip + run_ring_gp, n_snap \
    title "Samples of G over training (orange: the 8 mode centres)"
do for [method in "clip gp"] {
    if (value("run_ring_" . method)) {
        do for [k = 1:n_snap] {
            step = value(sprintf("snap_step_ring_%s_%d", method, k))
            set title sprintf("%s, step %d", method, step)
            plot sprintf("snap_ring_%s_%d.dat", method, k) using 1:2 \
                    with points pt 7 ps 0.25 lc 1, \
                 "ring_centres.dat" using 1:2 with points pt 6 ps 1.8 lw 2 lc 2
        }
    }
}
unset multiplot
