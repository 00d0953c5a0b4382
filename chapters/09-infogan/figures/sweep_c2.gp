# sweep_c2.gp -- what the continuous code c_2 does: each row one fixed z (and,
# with a categorical code, one value of it), each column c_2 from -1 to 1 in 8
# steps, c_1 = 0; the source's 8 x 8 grid, with uniform z as in training.
# sweep_c2.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "sweep_c2"
fig_w = 900; fig_h = int(760.0 * sweep_c2_h / sweep_c2_w) + 170
load "style.gp"
set title sprintf("InfoGAN, %s, step %d: c_2 from -1 to 1 (c_1 = 0)", model_title, steps)
set xlabel "c_2"
set ylabel "fixed z (one per row)"
unset key; unset border; unset grid; unset colorbox
set size ratio -1
set palette gray
set cbrange [0:1]
set xrange [-0.5:sweep_c2_w - 0.5]
set yrange [sweep_c2_h - 0.5:-0.5]
tile = image_side + 1
set xtics scale 0 ()
do for [c = 0:7] { set xtics add (sprintf("%.2f", -1 + 2 * c / 7.0) c * tile + tile / 2.0) }
set ytics scale 0 ()
do for [r = 1:8] { set ytics add (sprintf("z_{%d}", r) (r - 1) * tile + tile / 2.0) }
plot "sweep_c2.dat" matrix with image
