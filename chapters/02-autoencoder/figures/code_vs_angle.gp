# code_vs_angle.gp -- two panels sharing the angle axis. Top: the code along
# the clean circle (sweep.dat: angle, z_1..z_k, recon angle, squared error),
# over the codes of the data points (recon.dat: column 9 the angle, then
# z_1..z_k). Bottom: the angle where each clean point's reconstruction lands,
# beside the diagonal a perfect autoencoder would draw. The cut is where the
# bottom panel leaves the diagonal; for a one-number code a dashed line marks
# the worst reconstructed angle.
load "values.gp"
fig_name = "code_vs_angle"; fig_w = 1200; fig_h = 900
load "style.gp"
if (latent_dim == 1) {
    set title "Where the one-number code cuts the circle"
} else {
    set title "The code around the circle"
}
set ylabel "code z"
# two panels, one above the other, sharing the angle axis
set multiplot layout 2,1
set lmargin 12
set rmargin 27
set xrange [0:360]
set xtics 45
set key outside right top vertical
if (latent_dim == 1) {
    set arrow 1 from worst_angle_deg, graph 0 to worst_angle_deg, graph 1 nohead dt 2 lw 2 \
        lc rgb "#555555"
    set label 1 "worst reconstructed" at worst_angle_deg, graph 0.92 offset 0.6,0
}
# Per code number j, in this order (the key pairs them): the codes of the data
# points, then the code along the clean circle. With several codes, "z_j of"
# tells them apart. The plot command is built as text, then run (@panel).
z_of(j) = latent_dim > 1 ? sprintf("z_%d of ", j) : ""
points(j) = sprintf("'recon.dat' using 9:%d with points lt %d pt 7 ps 0.5 ", 9 + j, j) . \
            sprintf("title '%sdata points'", z_of(j))
circle(j) = sprintf("'sweep.dat' using 1:%d with lines lt %d lw 3 ", 1 + j, j) . \
            sprintf("title '%sclean circle'", z_of(j))
panel = points(1) . ", " . circle(1)
do for [j = 2:latent_dim] {
    panel = panel . ", " . points(j) . ", " . circle(j)
}
plot @panel
unset title
set xlabel "angle of the point on the circle (degrees)"
set ylabel "angle of its reconstruction"
unset label 1
set ytics 90
plot x with lines lt 8 dt 2 lw 1 title "perfect", \
     "sweep.dat" using 1:(column(2 + latent_dim)) with points lt 4 pt 7 ps 0.4 \
         title "autoencoder"
unset multiplot
