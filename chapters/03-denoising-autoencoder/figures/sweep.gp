# sweep.gp -- noise reduction ratio against the noise level, all three
# denoisers, with a dashed line at this run's noise. Reads sweep.dat (noise,
# DAE ratio, plain AE ratio, Bayes ratio, DAE / Bayes).
load "values.gp"
fig_name = "sweep"
load "style.gp"
set title "Noise reduction ratio against the noise level"
set xlabel "noise standard deviation s"
set ylabel "noisy MSE / denoised MSE (higher is better)"
set xrange [0:sweep_noise_max + 0.05]
set yrange [0:*]
set key top left
set arrow from noise_sd, graph 0 to noise_sd, graph 1 nohead dt 2 lw 2 lc rgb "#999999"
set label "this run's noise" at noise_sd, graph 0.06 offset 0.6,0 tc rgb "#666666"
plot "sweep.dat" using 1:4 with linespoints lt 2 title "Bayes-optimal (the ceiling)", \
     "" using 1:2 with linespoints lt 1 title "DAE", \
     "" using 1:3 with linespoints lt 4 title "plain AE", \
     1 with lines dt 2 lc rgb c_black title "no change (ratio 1)"
