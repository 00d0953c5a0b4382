# cat_grid.gp -- the categorical code: each row one fixed z (and c_1, c_2),
# each column one value of the code; above each column the digit the judge
# sees most in it (the class matched to that value, section 9). Read down a
# column: one digit in ten styles, if the code found the digits.
# cat_grid.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "cat_grid"
fig_w = 1000; fig_h = int(860.0 * cat_grid_h / cat_grid_w) + 170
load "style.gp"
set title sprintf("InfoGAN, %s, step %d: rows z, columns the code's values", model_title, steps)
set xlabel "value of the categorical code (above: the digit the judge matched to it)"
set ylabel "fixed z (one per row)"
unset key; unset border; unset grid; unset colorbox
set size ratio -1
set palette gray
set cbrange [0:1]
set xrange [-0.5:cat_grid_w - 0.5]
set yrange [cat_grid_h - 0.5:-0.5]
tile = image_side + 1
set xtics scale 0 ()
set x2tics scale 0 ()
do for [c = 0:ncat - 1] {
    set xtics add (sprintf("%d", c) c * tile + tile / 2.0)
    if (with_judge) { set x2tics add (sprintf("%d", value(sprintf("cat_match_%d", c))) c * tile + tile / 2.0) }
}
set x2range [-0.5:cat_grid_w - 0.5]
set ytics scale 0 ()
do for [r = 1:10] { set ytics add (sprintf("z_{%d}", r) (r - 1) * tile + tile / 2.0) }
plot "cat_grid.dat" matrix with image
