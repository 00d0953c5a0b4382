# cgan_progress.gp -- the conditional GAN while it learns: one row per
# snapshot step (more of them early, where the pictures change fastest), one
# fixed z and the label c = 0 .. 9 across every row.
# cgan_progress.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "cgan_progress"
fig_w = 1000; fig_h = int(860.0 * cgan_progress_h / cgan_progress_w) + 170
load "style.gp"
set title "cGAN while training: one fixed z, the label c per column"
set xlabel "label c (the class asked for)"
set ylabel "training step"
unset key; unset border; unset grid; unset colorbox
set size ratio -1
set palette gray
set cbrange [0:1]
set xrange [-0.5:cgan_progress_w - 0.5]
set yrange [cgan_progress_h - 0.5:-0.5]
tile = image_side + 1                       # a tile and its gap, in pixels
set xtics scale 0 ()                        # a label at the middle of each tile
do for [c = 1:10] { set xtics add (value(sprintf("class_name_%d", c - 1)) (c - 1) * tile + tile / 2.0) }
set ytics scale 0 ()
do for [r = 1:cgan_progress_rows] {
    set ytics add (sprintf("step %d", value(sprintf("cgan_progress_step_%d", r))) (r - 1) * tile + tile / 2.0)
}
# "with image", not "with image pixels": the latter draws every pixel as its
# own antialiased rectangle, and the seams print as a grid of dots
plot "cgan_progress.dat" matrix with image
