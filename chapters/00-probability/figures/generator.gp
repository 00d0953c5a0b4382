# generator.gp -- x = G(z): on the left the fixed function G itself
# (generator_map.dat: z, G(z)) against the identity; on the right the
# histogram of G(z) for z ~ N(0, 1) (generator_hist.dat: bin centre,
# histogram density, exact mean density over the bin), the exact density from
# the change of variables and the N(0, 1) density that went in
# (generator_pdf.dat: x, p_x(x), N(0, 1) density).
load "values.gp"
fig_name = "generator"; fig_w = 1500; fig_h = 650
load "style.gp"
set multiplot layout 1,2 title "A fixed function G turns one Gaussian bump into two"
set title sprintf("the generator: x = G(z) = z + %g tanh(%g z)", gen_amp, gen_steep)
set xlabel "noise z, drawn from N(0, 1)"
set ylabel "x = G(z)"
set key top left
plot "generator_map.dat" using 1:2 with lines lt 1 title "G(z)", \
     x with lines lt 8 dt 3 lw 1.5 title "identity"
set title "what comes out: the distribution of x = G(z)"
set xlabel "x"
set ylabel "density"
set yrange [0:1.5 * gen_pdf_top]
set key top right
set style fill solid 0.5 border lc rgb c_grey
plot "generator_hist.dat" using 1:2:(gen_bin_w) with boxes lt 5 \
         title sprintf("histogram of G(z), %d samples", gen_samples), \
     "generator_pdf.dat" using 1:2 with lines lt 2 title "p_z(G^{-1}(x)) / G'(G^{-1}(x))", \
     "generator_pdf.dat" using 1:3 with lines lt 8 dt 2 lw 1.5 title "N(0, 1): the noise z"
unset multiplot
