# generated_bimodal_clip.gp -- a --load --generate run: the histogram of the
# generated_n samples of the loaded clip generator on the 1D bimodal target,
# over the target's density. (generated_bimodal_gp.gp: the gp run.)
# generated_hist_bimodal_clip.dat: bin centre x, real density, generated density.
load "values.gp"
method = "clip"
fig_name = "generated_bimodal_clip"
load "style.gp"
set title sprintf("%s on the bimodal target, step %d: a histogram of %d samples of G", \
                  method, value("generated_step_bimodal_" . method), generated_n)
set xlabel "x"
set ylabel "density"
set xrange [bimodal_x_lo:bimodal_x_hi]
set yrange [0:*]
set xtics 1
set key top left
plot sprintf("generated_hist_bimodal_%s.dat", method) using 1:3 with boxes fs solid 0.4 lc 1 \
        title "generated", \
     "" using 1:2 with lines lc rgb c_black title "data density"
