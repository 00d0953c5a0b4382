# q_error.gp -- how well the codes can be read back, over training, on the
# fixed-code samples: Q's mean squared error on the continuous codes (left
# axis, log scale), and on the right axis the judge's share of samples of the
# model's digit, or (categorical code) cat_code_accuracy and Q's accuracy on
# its own categorical code.
# score.dat: step, q_code_mse, judge share, cat_code_accuracy, q_cat_accuracy,
# fjd (drawn by fjd.gp), and the same five again: their means over one row.
load "values.gp"
fig_name = "q_error"; fig_w = 1200; fig_h = 800
load "style.gp"
set title sprintf("InfoGAN, %s: can the codes be read back? (%d fixed-code samples)", model_title, eval_n)
set xlabel "training step"
set ylabel "Q's squared error on c_1, c_2 (mean)"
set logscale y
set yrange [0.005:2]
set ytics nomirror
set y2label "share of samples"
set y2range [0:1.05]
set y2tics 0.2
set key below maxrows 3 spacing 1.1
set bmargin 9
if (ncat > 0) {
    plot "score.dat" using 1:2 with linespoints lt 1 title "q\\_code\\_mse (left)", \
         1.0 / 3 with lines lt 1 dt 2 lw 1.5 title "1/3: Q knows nothing", \
         "" using 1:5 axes x1y2 with linespoints lt 2 title "q\\_cat\\_accuracy: Q reads its code (right)", \
         "" using 1:($4 > 0 ? $4 : NaN) axes x1y2 with linespoints lt 3 title "cat\\_code\\_accuracy: code = digit (right)", \
         0.8 axes x1y2 with lines lt 3 dt 2 lw 1.5 title "goal 0.8"
} else {
    plot "score.dat" using 1:2 with linespoints lt 1 title "q\\_code\\_mse (left)", \
         1.0 / 3 with lines lt 1 dt 2 lw 1.5 title "1/3: Q knows nothing", \
         0.03 with lines lt 1 dt 3 lw 1.5 title "goal 0.03", \
         "" using 1:(with_judge ? $3 : NaN) axes x1y2 with linespoints lt 2 \
            title "judged the model's digit (right)"
}
