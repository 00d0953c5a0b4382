# density.gp -- a density is not a probability: the histogram of the Gamma
# samples normalised to count / (N w) (density_hist.dat: bin centre, histogram
# density, exact mean density over the bin) against the Gamma PDF
# (density_pdf.dat: x, p(x)), with the line p = 1 that the density goes above.
load "values.gp"
fig_name = "density"
load "style.gp"
set title "A density is not a probability: histogram of samples against the PDF"
set xlabel "x"
set ylabel "density p(x)  (probability per unit of x)"
set xrange [0:density_x_max]
set yrange [0:*]
set key top right
set style fill solid 0.5 border lc rgb c_grey
plot "density_hist.dat" using 1:2:(density_bin_w) with boxes lt 5 \
         title sprintf("histogram of %d samples, count / (N w)", density_samples), \
     "density_pdf.dat" using 1:2 with lines lt 2 \
         title sprintf("Gamma(%g, %g) PDF, peak %.2f", gamma_shape, gamma_scale, density_peak), \
     1 with lines lt 8 dt 3 lw 1.5 title "p = 1"
