# saturation.gp -- saturating against non-saturating G loss (section 10): four
# GANs continue from one state (a fresh G, a D trained alone first) with the
# same random numbers. Left column plain SGD, right column Adam; rows: the
# size of G's gradient, how real D finds the fakes (mean D(G(z))), and where
# the fakes are (the mean of the fake batch).
# saturation.dat: column 1 the G step, then three columns (gradient norm,
# mean D(G(z)), fake mean) per run, runs in the order SGD saturating, SGD
# non-saturating, Adam saturating, Adam non-saturating: SGD's columns 2-4
# and 5-7, Adam's 8-10 and 11-13.
load "values.gp"
fig_name = "saturation"
fig_w = 1400; fig_h = 1150
load "style.gp"
set multiplot layout 3,2 title sprintf("Saturating vs non-saturating G loss, from the same state (D trained alone for %d steps first)", saturation_head_start) font ",15"
set key top right font ",10"
do for [row = 0:2] {
    if (row == 0) {
        set logscale y
        set format y "10^{%L}"
        set yrange [*:*]
        set ylabel "||dL_G / d{/Symbol q}||"
        set xlabel ""
    }
    if (row == 1) {
        set ylabel "mean D(G(z)), log scale"
    }
    if (row == 2) {
        unset logscale y
        set format y "%g"
        set yrange [-0.5:5]
        set ylabel "mean of the fake batch"
        set xlabel "G step"
    }
    do for [o = 0:1] {
        opt = o == 0 ? sprintf("plain SGD (lr %g)", saturation_sgd_lr) : "Adam"
        set title opt . (row == 0 ? ": size of G's gradient" : \
                         row == 1 ? ": how real D finds the fakes" : \
                                    ": where the fakes are (target mean 3)")
        sat = 2 + row + 6 * o            # this panel's column, saturating run
        ns = sat + 3                     # and non-saturating run
        if (row < 2) {
            plot "saturation.dat" using 1:sat with lines lt 4 title "saturating", \
                 "" using 1:ns with lines lt 1 title "non-saturating"
        } else {
            plot "saturation.dat" using 1:sat with lines lt 4 title "saturating", \
                 "" using 1:ns with lines lt 1 title "non-saturating", \
                 3 with lines lt 8 dt 2 lw 1 title "target mean"
        }
    }
}
unset multiplot
