# denoise.gp -- two panels over the same noisy sample: the plain AE's output
# (left) and the DAE's beside the Bayes posterior mean (right). Reads
# denoise.dat (clean x y, noisy x y, DAE x y, plain AE x y, Bayes x y).
load "values.gp"
fig_name = "denoise"; fig_w = 1500; fig_h = 700
load "style.gp"
set xlabel "x = t / 4{/Symbol p}"
set ylabel "y = sin t"
set xrange [-0.7:1.7]
set yrange [-2:2.6]
set key top center maxrows 2 width 1 font ",12"
set multiplot layout 1,2 \
    title sprintf("Denoising %d points of a sine, noise sd %.2g", n_points, noise_sd)
set title sprintf("plain AE (trained on clean data): ratio %.2f", plain_ae_ratio)
plot "denoise.dat" using 3:4 with points pt 7 ps 0.45 lc rgb "#bbbbbb" title "noisy input", \
     "" using 1:2 with lines lw 3 lc rgb c_black title "clean signal", \
     "" using 7:8 with points lt 4 pt 7 ps 0.6 title "plain AE output"
set title sprintf("DAE (trained on noisy data): ratio %.2f, Bayes-optimal %.2f", \
                  dae_ratio, bayes_ratio)
plot "denoise.dat" using 3:4 with points pt 7 ps 0.45 lc rgb "#bbbbbb" title "noisy input", \
     "" using 1:2 with lines lw 3 lc rgb c_black title "clean signal", \
     "" using 9:10 with points lt 2 pt 7 ps 0.9 title "Bayes posterior mean", \
     "" using 5:6 with points lt 1 pt 7 ps 0.5 title "DAE output"
unset multiplot
