# fjd.gp -- how close the samples are to the test digits, over training: the
# Frechet judge distance (chapter 08) at every evaluation, on a log scale,
# with its yardsticks. The curve is measured on the eval_n fixed-code samples
# the other scores use (with a categorical code: eval_n / ncat z, each with
# every code value), so that it costs almost nothing; fjd is biased upwards
# with fewer samples, so the curve tends to lie above the metrics' fjd, on
# fjd_n samples of their own (the two large points: the untrained G, when
# the run starts from scratch, and the trained one).
# score.dat: step, q_code_mse, judge share, cat_code_accuracy,
# q_cat_accuracy, fjd (and the same five again: their means over one row).
load "values.gp"
fig_name = "fjd"; fig_w = 1200; fig_h = 800
load "style.gp"
set title sprintf("InfoGAN, %s: Frechet judge distance to the test digits", model_title)
set xlabel "training step"
set ylabel "fjd (d^2, log scale; lower is closer to the data)"
set logscale y
set xrange [-0.02 * steps : 1.02 * steps]
set key below maxrows 3 spacing 1.1
set bmargin 9
plot "score.dat" using 1:6 with linespoints lt 1 \
        title sprintf("on the %d fixed-code samples of the scores (biased upwards)", eval_n), \
     "+" using (0):(fjd_start > 0 ? fjd_start : NaN) every ::0::0 with points lt 2 pt 7 ps 2.5 \
        title (fjd_start > 0 ? sprintf("untrained G, on %d samples: fjd\\_start %.1f", fjd_n, fjd_start) : ""), \
     "+" using (steps):(fjd_end) every ::0::0 with points lt 3 pt 7 ps 2.5 \
        title sprintf("trained G, on %d samples: fjd %.2f", fjd_n, fjd_end), \
     fjd_noise with lines lt 4 dt 2 lw 1.5 title sprintf("uniform-noise images: %.0f", fjd_noise), \
     fjd_floor with lines lt 8 dt 2 lw 1.5 title sprintf("real training digits: %.2f", fjd_floor)
