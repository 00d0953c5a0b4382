# loss.gp -- the full-data MSE against the training step (log-log) for the
# source's recipe, every audition and the winner's training, with PCA's error
# as a horizontal line: where each run stands against the best linear code.
# Reads loss_source.dat and loss_final.dat (step, mse) and loss_audition.dat
# (step, mse; one block per start, the best one is block best_audition_index).
# The y axis reaches down to the decade of the best error, but not below 1e-6
# (loss_ymin): with a 2-number code the error falls to rounding noise.
load "values.gp"
fig_name = "loss"
load "style.gp"
set title "Reconstruction error while training"
set xlabel "training step"
set ylabel "MSE on all data points"
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set autoscale xfixmax
set yrange [loss_ymin:*]
set key bottom left
plot pca_mse with lines lt 4 dt 2 lw 2 title "PCA, first component", \
     "loss_source.dat" using 1:2 with lines lt 2 lw 3 \
         title sprintf("source recipe: %d full-batch SGD steps", source_steps), \
     "loss_audition.dat" using 1:2 with lines lt 5 lw 1 \
         title sprintf("%d auditions: %s, batch %d", n_auditions, audition_optimizer, \
                       audition_batch), \
     "loss_audition.dat" index best_audition_index using 1:2 with lines lt 1 lw 3 notitle, \
     "loss_final.dat" using 1:2 with lines lt 1 lw 3 \
         title "the best audition, trained on (lr annealed)"
