# generator_2d.gp -- in 2D, G(z) = z/10 + z/|z| maps a round Gaussian cloud
# onto a ring: the same points before and after G (generator_2d.dat: z1, z2,
# G(z)_1, G(z)_2), side by side with equal axes.
load "values.gp"
fig_name = "generator_2d"; fig_w = 1400; fig_h = 700
load "style.gp"
set multiplot layout 1,2 title "In 2D: G(z) = z/10 + z/|z| maps a Gaussian cloud onto a ring"
set size ratio -1
set xrange [-3.5:3.5]
set yrange [-3.5:3.5]
set key top right
set title "noise z, drawn from N(0, I)"
set xlabel "z_1"
set ylabel "z_2"
plot "generator_2d.dat" using 1:2 with points pt 7 ps 0.35 lt 1 \
         title sprintf("%d samples of z", ring_points)
set title sprintf("x = G(z): mean radius %.3f", ring_radius_mean)
set xlabel "x_1"
set ylabel "x_2"
plot "generator_2d.dat" using 3:4 with points pt 7 ps 0.35 lt 2 title "the same samples, G(z)"
unset multiplot
