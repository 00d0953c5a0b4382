# codes_labels.gp -- the labelled model:
# the codes of the test images at (up to) four points of training, coloured
# by class, over the prior's 3-sigma boxes; four square panels side by side,
# and the legend in a fifth, narrow one.
# codes_labels.dat: class, then x and y of each snapshot's codes (columns 2-3,
# 4-5, ...); for panel i = 1 .. N (N = codes_labels_n_snaps), values.gp gives
# its step, codes_labels_step_i, and the column of its x, codes_labels_col_i.
# prior_boxes.dat: one closed outline per component.
# (codes_unlabelled.gp, codes_labels.gp and codes_source.gp differ only in
# `variant`.)
load "values.gp"
variant = "labels"
fig_name = "codes_" . variant; fig_w = 1900; fig_h = 560
load "style.gp"
# one colour per class, as the components in prior.gp
class_colours = c_orange . " " . c_sky . " " . c_green . " " . c_blue . " " . c_vermilion . " " . c_purple
codes = fig_name . ".dat"
n_snaps = value(fig_name . "_n_snaps")
unset title
set size ratio -1
set xrange [-3:3]
set yrange [-3:3]
set xtics 1
set ytics 1
set xlabel "code z_1"
set ylabel "code z_2"
unset key
set multiplot title sprintf("%s model: codes of the test images during training " . \
    "(boxes: the prior's components 0-5, counter-clockwise from the right)", variant)
do for [i = 1:n_snaps] {
    set origin 0.22 * (i - 1), 0
    set size 0.22, 0.93
    set title sprintf("step %d", value(sprintf("%s_step_%d", fig_name, i)))
    xc = value(sprintf("%s_col_%d", fig_name, i))
    plot "prior_boxes.dat" using 1:2 with lines lc rgb c_black, \
         for [c = 0:n_classes - 1] codes using ($1 == c ? column(xc) : 1/0):(column(xc + 1)) \
             with points pt 7 ps 0.35 lc rgb word(class_colours, c + 1)
}
set origin 0.88, 0.1
set size 0.12, 0.8
unset title
unset border
unset tics
unset xlabel
unset ylabel
unset grid
set key center center vertical font ",13"
plot "prior_boxes.dat" using 1:2 with lines lt nodraw notitle, \
     keyentry with lines lc rgb c_black title "3-sigma boxes", \
     for [c = 0:n_classes - 1] keyentry with points pt 7 ps 1.5 lc rgb word(class_colours, c + 1) \
         title value(sprintf("class_name_%d", c))
unset multiplot
