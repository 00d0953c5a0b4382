# generated_ring_clip.gp -- a --load --generate run: the generated_n samples of
# the loaded clip generator on the ring, over the 8 mode centres (orange).
# (generated_ring_gp.gp: the gp run.)
# generated_ring_clip.dat: x y, one sample per row; ring_centres.dat: x y.
load "values.gp"
method = "clip"
fig_name = "generated_ring_clip"; fig_w = 900; fig_h = 900
load "style.gp"
set title sprintf("%s on the ring, step %d: %d samples of G (orange: the 8 mode centres)", \
                  method, value("generated_step_ring_" . method), generated_n)
set xlabel "x_1"
set ylabel "x_2"
set size ratio -1
set xrange [-3:3]
set yrange [-3:3]
set xtics 1
set ytics 1
unset key
plot sprintf("generated_ring_%s.dat", method) using 1:2 with points pt 7 ps 0.25 lc 1, \
     "ring_centres.dat" using 1:2 with points pt 6 ps 1.8 lw 2 lc 2
