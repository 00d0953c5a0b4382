# gan_progress.gp -- the GAN while it learns: one row per snapshot step (more
# of them early, where the pictures change fastest), the same 10 fixed noise
# vectors z in every row, so a column follows one z through training.
# gan_progress.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "gan_progress"
fig_w = 1000; fig_h = int(860.0 * gan_progress_h / gan_progress_w) + 170
load "style.gp"
set title "GAN while training: the same 10 noise vectors in every row"
set xlabel "fixed noise vector"
set ylabel "training step"
unset key; unset border; unset grid; unset colorbox
set size ratio -1
set palette gray
set cbrange [0:1]
set xrange [-0.5:gan_progress_w - 0.5]
set yrange [gan_progress_h - 0.5:-0.5]
tile = image_side + 1                       # a tile and its gap, in pixels
set xtics scale 0 ()                        # a label at the middle of each tile
do for [c = 1:10] { set xtics add (sprintf("z_{%d}", c) (c - 1) * tile + tile / 2.0) }
set ytics scale 0 ()
do for [r = 1:gan_progress_rows] {
    set ytics add (sprintf("step %d", value(sprintf("gan_progress_step_%d", r))) (r - 1) * tile + tile / 2.0)
}
# "with image", not "with image pixels": the latter draws every pixel as its
# own antialiased rectangle, and the seams print as a grid of dots
plot "gan_progress.dat" matrix with image
