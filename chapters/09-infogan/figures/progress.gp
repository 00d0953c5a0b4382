# progress.gp -- InfoGAN while it learns: one row per snapshot step (more of
# them early, where the pictures change fastest), the same 10 fixed codes
# (z and c) in every row, so a column follows one input through training.
# progress.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "progress"
fig_w = 1000; fig_h = int(860.0 * progress_h / progress_w) + 170
load "style.gp"
set title sprintf("InfoGAN, %s, while training: the same 10 inputs in every row", model_title)
set xlabel "fixed input (z, c)"
set ylabel "training step"
unset key; unset border; unset grid; unset colorbox
set size ratio -1
set palette gray
set cbrange [0:1]
set xrange [-0.5:progress_w - 0.5]
set yrange [progress_h - 0.5:-0.5]
tile = image_side + 1
set xtics scale 0 ()
do for [c = 1:10] { set xtics add (sprintf("%d", c) (c - 1) * tile + tile / 2.0) }
set ytics scale 0 ()
do for [r = 1:progress_rows] {
    set ytics add (sprintf("step %d", value(sprintf("progress_step_%d", r))) (r - 1) * tile + tile / 2.0)
}
plot "progress.dat" matrix with image
