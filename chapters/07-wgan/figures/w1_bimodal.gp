# w1_bimodal.gp -- on the 1D bimodal target, per method: the exact W1 between
# w1_eval_n generated and w1_eval_n real samples (solid) and the critic's own
# estimate (dashed) over training; the dotted line is what a perfect generator
# would score against the same stratified real sample. The clip critic's
# estimate is on a far smaller scale (about 1e-4 of the distance): it gets the
# right axis.
# eval_bimodal_METHOD.dat: step, w_estimate, w1_exact(1d), ...
load "values.gp"
fig_name = "w1_bimodal"
load "style.gp"
set title "1D bimodal target: the critic's estimate against the exact W1"
set xlabel "generator step"
set ylabel "Wasserstein-1 distance"
if (run_bimodal_clip) {
    set y2label "clip critic's estimate (its own scale)"
    set y2tics
    set ytics nomirror
}
set key top right
# one or both methods: clip in line type 1, then gp
exact = sprintf(": exact W1, %d vs %d samples", w1_eval_n, w1_eval_n)
floor_title = sprintf("floor: a perfect generator's W1 (%.3f)", w1_floor)
if (run_bimodal_clip && run_bimodal_gp) {
    plot "eval_bimodal_clip.dat" using 1:3 with lines lt 1 title "clip" . exact, \
         "" using 1:2 axes x1y2 with linespoints lt 1 dt 2 \
            title "clip: critic's estimate (right axis)", \
         "eval_bimodal_gp.dat" using 1:3 with lines lt 2 title "gp" . exact, \
         "" using 1:2 with linespoints lt 2 dt 2 title "gp: critic's estimate", \
         w1_floor with lines lt 8 dt 3 title floor_title
} else {
    if (run_bimodal_clip) {
        plot "eval_bimodal_clip.dat" using 1:3 with lines lt 1 title "clip" . exact, \
             "" using 1:2 axes x1y2 with linespoints lt 1 dt 2 \
                title "clip: critic's estimate (right axis)", \
             w1_floor with lines lt 8 dt 3 title floor_title
    } else {
        plot "eval_bimodal_gp.dat" using 1:3 with lines lt 1 title "gp" . exact, \
             "" using 1:2 with linespoints lt 1 dt 2 title "gp: critic's estimate", \
             w1_floor with lines lt 8 dt 3 title floor_title
    }
}
