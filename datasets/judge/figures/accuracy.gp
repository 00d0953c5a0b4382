# accuracy.gp -- the digit judge while it trains: accuracy on its (augmented)
# training split and on the held-out test split, epoch by epoch
# (accuracy.dat: epoch, mean loss, training accuracy, test accuracy).
load "values.gp"
fig_name = "accuracy"
load "style.gp"
set title "The digit judge: accuracy while training"
set xlabel "epoch"
set ylabel "accuracy"
set key bottom right
set yrange [0.95:1]
set xrange [0.5:judge_epochs + 0.5]
plot "accuracy.dat" using 1:3 with linespoints title "training digits (first 10 000)", \
     "accuracy.dat" using 1:4 with linespoints title "held-out test split", \
     required_accuracy with lines dt 2 lc rgb c_grey title sprintf("required: %g", required_accuracy)
