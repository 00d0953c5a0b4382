# cgan_confusion.gp -- for each class asked for (row), the share of the cGAN's
# fixed-z samples that the judge sees as each class (column): a good cGAN is
# dark on the diagonal only. Per cent in the cells (white on dark ones).
# cgan_confusion.dat: a 10 x 10 matrix, row = class asked, column = class
# judged, each row in shares of its samples.
load "values.gp"
fig_name = "cgan_confusion"; fig_w = 1000; fig_h = 900
load "style.gp"
set title "cGAN: the class asked for against the class the judge sees"
set xlabel "class the judge sees"
set ylabel "class asked for (label c)"
unset key
unset grid
set size ratio -1
set xrange [-0.5:9.5]
set yrange [9.5:-0.5]
set cbrange [0:1]
set cblabel sprintf("share of the samples asked for the row's class (%d in all)", cgan_judged_n)
set palette defined (0 "#ffffff", 0.5 c_sky, 1 c_blue)
set xtics ()
set ytics ()
do for [k = 0:9] {
    set xtics add (value(sprintf("class_name_%d", k)) k)
    set ytics add (value(sprintf("class_name_%d", k)) k)
}
plot "cgan_confusion.dat" matrix using 1:2:3 with image, \
     "" matrix using 1:2:($3 >= 0.005 && $3 < 0.6 ? sprintf("%.0f", 100 * $3) : "") \
        with labels tc rgb "#000000" font ",11", \
     "" matrix using 1:2:($3 >= 0.6 ? sprintf("%.0f", 100 * $3) : "") \
        with labels tc rgb "#ffffff" font ",11"
