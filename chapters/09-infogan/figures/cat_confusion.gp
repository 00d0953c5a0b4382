# cat_confusion.gp -- for each value of the categorical code (row), the share
# of its fixed-code samples the judge sees as each digit (column). A code
# that found the digits has one dark cell per row and per column; the
# matched cell of each row is outlined. Per cent in the cells.
# cat_confusion.dat: a 10 x 10 matrix, rows code values, columns classes.
load "values.gp"
fig_name = "cat_confusion"; fig_w = 1000; fig_h = 900
load "style.gp"
set title sprintf("InfoGAN, step %d: code value against the digit the judge sees", steps)
set xlabel "digit the judge sees"
set ylabel "value of the categorical code"
unset key
unset grid
set size ratio -1
set xrange [-0.5:9.5]
set yrange [ncat - 0.5:-0.5]
set cbrange [0:1]
set cblabel sprintf("share of the %d samples of the row", eval_n / ncat)
set palette defined (0 "#ffffff", 0.5 c_sky, 1 c_blue)
set xtics 1
set ytics 1
do for [k = 0:ncat - 1] {
    m = value(sprintf("cat_match_%d", k))
    set object rectangle from m - 0.5, k - 0.5 to m + 0.5, k + 0.5 front fillstyle empty border lc rgb c_vermilion lw 2.5
}
plot "cat_confusion.dat" matrix using 1:2:3 with image, \
     "" matrix using 1:2:($3 >= 0.005 && $3 < 0.6 ? sprintf("%.0f", 100 * $3) : "") \
        with labels tc rgb "#000000" font ",11", \
     "" matrix using 1:2:($3 >= 0.6 ? sprintf("%.0f", 100 * $3) : "") \
        with labels tc rgb "#ffffff" font ",11"
