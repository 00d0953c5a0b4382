# losses.gp -- one panel per run (clip, then gp; the ring, then the bimodal
# target): the critic's loss mean D(fake) - mean D(real) (minus its W1
# estimate), G's loss -mean D(fake) and, for gp, the gradient penalty, each as
# a trailing mean over loss_window steps.
# loss_TARGET_METHOD.dat: step, critic loss, penalty, G loss (raw), then the
# same three as trailing means (columns 5-7).
load "values.gp"
n_runs = run_ring_clip + run_ring_gp + run_bimodal_clip + run_bimodal_gp
fig_name = "losses"; fig_w = 1500; fig_h = 420 * ((n_runs + 1) / 2) + 60
load "style.gp"
set multiplot layout (n_runs + 1) / 2, (n_runs > 1 ? 2 : 1) \
    title sprintf("Losses (trailing means over %d steps)", loss_window)
set key top right font ",11"
set xlabel "generator step"
set ylabel "loss"
do for [target in "ring bimodal"] {
    do for [method in "clip gp"] {
        if (value(sprintf("run_%s_%s", target, method))) {
            set title sprintf("%s on the %s", method, target)
            file = sprintf("loss_%s_%s.dat", target, method)
            if (method eq "gp") {
                plot file using 1:5 with lines lt 1 title "critic: mean D(fake) - mean D(real)", \
                     "" using 1:7 with lines lt 2 title "generator: -mean D(fake)", \
                     "" using 1:6 with lines lt 3 title "gradient penalty"
            } else {
                plot file using 1:5 with lines lt 1 title "critic: mean D(fake) - mean D(real)", \
                     "" using 1:7 with lines lt 2 title "generator: -mean D(fake)"
            }
        }
    }
}
unset multiplot
