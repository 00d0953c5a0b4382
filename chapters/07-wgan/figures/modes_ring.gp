# modes_ring.gp -- the ring measurements over training, per method: the modes
# reached (>= 2 % of the samples within 0.2 of the centre) and covered (within
# 3 sd = 0.06) on the left axis, the share of sharp samples (within 3 sd of
# some centre) on the right axis.
# eval_ring_METHOD.dat: step, w_estimate, w1_exact(1d), modes_covered,
# modes_reached, high_quality_share.
load "values.gp"
fig_name = "modes_ring"; fig_w = 1200; fig_h = 820
load "style.gp"
set title "Modes found on the ring during training"
set xlabel "generator step"
set ylabel "modes (of 8)"
set yrange [0:8.5]
set y2range [0:1.0625]
set y2tics 0.25
set ytics nomirror
set y2label "share of sharp samples (within 3 sd)"
set key below vertical maxrows 3 font ",12" width 2
set bmargin 7
# one or both methods: clip in line type 1, then gp
if (run_ring_clip && run_ring_gp) {
    plot "eval_ring_clip.dat" using 1:5 with lines lt 1 title "clip: reached (0.2)", \
         "" using 1:4 with lines lt 1 dt 2 title "clip: covered (3 sd)", \
         "" using 1:6 axes x1y2 with lines lt 1 dt 3 title "clip: sharp share", \
         "eval_ring_gp.dat" using 1:5 with lines lt 2 title "gp: reached (0.2)", \
         "" using 1:4 with lines lt 2 dt 2 title "gp: covered (3 sd)", \
         "" using 1:6 axes x1y2 with lines lt 2 dt 3 title "gp: sharp share"
} else {
    method = run_ring_clip ? "clip" : "gp"
    plot sprintf("eval_ring_%s.dat", method) using 1:5 with lines lt 1 \
            title method . ": reached (0.2)", \
         "" using 1:4 with lines lt 1 dt 2 title method . ": covered (3 sd)", \
         "" using 1:6 axes x1y2 with lines lt 1 dt 3 title method . ": sharp share"
}
