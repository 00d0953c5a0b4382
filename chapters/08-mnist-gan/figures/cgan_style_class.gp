# cgan_style_class.gp -- the trained cGAN's 10 x 10 grid: each row one noise
# vector z, each column one label c. Read across a row: the same handwriting,
# ten digits. Read down a column: one digit in ten handwritings.
# cgan_style_class.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "cgan_style_class"
fig_w = 1000; fig_h = int(860.0 * cgan_style_class_h / cgan_style_class_w) + 170
load "style.gp"
set title sprintf("cGAN after %d steps: z sets the style (row), c the class (column)", cgan_steps)
set xlabel "label c (the class asked for)"
set ylabel "noise z (one per row)"
unset key; unset border; unset grid; unset colorbox
set size ratio -1
set palette gray
set cbrange [0:1]
set xrange [-0.5:cgan_style_class_w - 0.5]
set yrange [cgan_style_class_h - 0.5:-0.5]
tile = image_side + 1                       # a tile and its gap, in pixels
set xtics scale 0 ()                        # a label at the middle of each tile
do for [c = 1:10] { set xtics add (value(sprintf("class_name_%d", c - 1)) (c - 1) * tile + tile / 2.0) }
set ytics scale 0 ()
do for [r = 1:10] { set ytics add (sprintf("z_{%d}", r) (r - 1) * tile + tile / 2.0) }
# "with image", not "with image pixels": the latter draws every pixel as its
# own antialiased rectangle, and the seams print as a grid of dots
plot "cgan_style_class.dat" matrix with image
