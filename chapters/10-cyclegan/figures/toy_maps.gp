# toy_maps.gp -- the 2-D warm-up: where G_XY sends 200 test points x (arrows
# from x to G_XY(x)) against where the true map A sends them (orange points).
# Left: the best restart at lambda 10; right: the worst (a lambda-10 one if
# any restart missed the true map: cycle-consistent, and wrong).
# toy_right.dat, toy_wrong.dat: x1 x2, G_XY(x) 1 2, A x 1 2.
load "values.gp"
fig_name = "toy_maps"; fig_w = 1400; fig_h = 700
load "style.gp"
set multiplot layout 1,2 title "2-D warm-up: Y = diag(2, 1) R(45) X, drawn unpaired; arrows x -> G_{XY}(x)" font ",16"
set xlabel "coordinate 1"
set ylabel "coordinate 2"
set size ratio -1
set xrange [-4.5:4.5]; set yrange [-3.5:3.5]
set key bottom right font ",11"
do for [k = 1:2] {
    f = k == 1 ? "toy_right.dat" : "toy_wrong.dat"
    set title (k == 1 ? sprintf("best restart, lambda 10: error %.2f of the spread", toy_right_err) \
                      : sprintf("worst restart, lambda %g: error %.2f of the spread", toy_wrong_lambda, toy_wrong_err))
    plot f using 1:2 with points pt 7 ps 0.5 lc rgb c_grey title "x (domain X)", \
         f using 5:6 with points pt 7 ps 0.6 lc rgb c_orange title "true A x", \
         f using 1:2:($3 - $1):($4 - $2) every 2 with vectors head size 0.08,20 filled lc rgb c_blue lw 1 title "x -> G_{XY}(x)"
}
unset multiplot
