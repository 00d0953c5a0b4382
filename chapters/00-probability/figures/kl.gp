# kl.gp -- KL divergence between two Gaussians: p, q and the two integrands
# (kl.dat: x, p(x), q(x), p log(p/q), q log(q/p)). The filled area is
# KL(p||q), positive although its integrand is negative where q > p; the
# dashed integrand has a different area, KL(q||p): KL is not a distance.
load "values.gp"
fig_name = "kl"
load "style.gp"
set title sprintf("KL(p||q) = %.4f (numeric) = %.4f (closed form),   KL(q||p) = %.4f", \
                  kl_numeric, kl_closed_form, kl_reverse)
set xlabel "x"
set ylabel "density, or integrand of KL (nats per unit of x)"
set xrange [kl_x_min:kl_x_max]
set key top left
set offsets 0, 0, graph 0.3, 0
set xzeroaxis lt -1 lw 1
set style fill transparent solid 0.25 noborder
plot "kl.dat" using 1:4 with filledcurves y=0 lt 3 title "p log(p/q): its area is KL(p||q)", \
     "kl.dat" using 1:4 with lines lt 3 notitle, \
     "kl.dat" using 1:5 with lines lt 6 dt 2 title "q log(q/p): its area is KL(q||p)", \
     "kl.dat" using 1:2 with lines lt 1 title sprintf("p = N(%g, %g^2)", kl_p_mean, kl_p_sd), \
     "kl.dat" using 1:3 with lines lt 2 title sprintf("q = N(%g, %g^2)", kl_q_mean, kl_q_sd)
