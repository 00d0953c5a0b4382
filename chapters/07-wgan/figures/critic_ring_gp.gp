# critic_ring_gp.gp -- the gp critic's value D(x) over the plane as a colour
# map, with G's final samples (white dots) and the 8 mode centres on top.
# (critic_ring_clip.gp: the clip run.)
# critic_ring_gp.dat: x y D(x, y) on a 101 x 101 grid; snap_ring_gp_K.dat: G's
# samples at the K-th snapshot, the last (K = n_snap) at the end of training; ring_centres.dat: x y of the centres.
load "values.gp"
method = "gp"
fig_name = "critic_ring_gp"; fig_w = 1100; fig_h = 900
load "style.gp"
set title sprintf("%s: the critic's value D(x) over the plane, with G's final samples", method)
set xlabel "x_1"
set ylabel "x_2"
set size ratio -1
set xrange [critic_grid_lo:critic_grid_hi]
set yrange [critic_grid_lo:critic_grid_hi]
set cblabel "critic value D(x)"
set palette defined (0 "#440154", 1 "#3b528b", 2 "#21918c", 3 "#5ec962", 4 "#fde725")
set key outside bottom center horizontal opaque fc rgb "#666666" textcolor rgb "#ffffff"
plot sprintf("critic_ring_%s.dat", method) using 1:2:3 with image notitle, \
     sprintf("snap_ring_%s_%d.dat", method, n_snap) using 1:2 \
        with points pt 7 ps 0.35 lc rgb "#ffffff" title "generated samples", \
     "ring_centres.dat" using 1:2 with points pt 6 ps 2 lw 2 lc rgb c_vermilion title "mode centres"
