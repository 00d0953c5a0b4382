# prior.gp -- 2000 samples of the prior p(z), coloured by component, with the
# 3-sigma boxes that the metrics count (prior.dat: x, y, component;
# prior_boxes.dat: one closed outline per component, blank-line separated).
load "values.gp"
fig_name = "prior"; fig_w = 1000; fig_h = 900
load "style.gp"
# one colour per class/component, the same in the codes figures
class_colours = c_orange . " " . c_sky . " " . c_green . " " . c_blue . " " . c_vermilion . " " . c_purple
set title "The prior p(z): six Gaussians on a circle, with their 3-sigma boxes"
set xlabel "code z_1"
set ylabel "code z_2"
set size ratio -1
set xrange [-2.6:2.6]
set yrange [-2.6:2.6]
set key outside right top
plot for [k = 0:n_classes - 1] "prior.dat" using ($3 == k ? $1 : 1/0):2 with points pt 7 ps 0.4 \
         lc rgb word(class_colours, k + 1) title sprintf("component %d", k), \
     "prior_boxes.dat" using 1:2 with lines lc rgb c_black lw 1.5 title "3-sigma boxes"
