# clusters_grid.gp -- the decoder as a map: a square grid of codes over
# [-3, 3]^2, decoded and drawn as a warped mesh over the clusters training points
# (clusters_grid.dat: x, y, z_1, z_2; grid_points rows per line: grid_lines lines
# of constant z_1, then as many of constant z_2; a 1-dimensional code has one
# line).
# One script per data set: ring_grid.gp is this one with ds = "ring".
load "values.gp"
ds = "clusters"
v(name) = value(ds . "_" . name)        # this data set's numbers in values.gp
fig_name = ds . "_grid"; fig_w = 900; fig_h = 800
load "style.gp"
set title sprintf("%s: the decoder maps the square [-3,3]^2 of codes onto this mesh", ds)
set xlabel "x_1"
set ylabel "x_2"
set size ratio -1
set xrange [-2.6:2.6]
set yrange [-2.2:2.2]
set key top left
data_file = ds . "_data.dat"
grid_file = ds . "_grid.dat"
# line L of the grid: rows L * grid_points ... (L + 1) * grid_points - 1
if (v("latent_dim") > 1) {
    plot data_file using 1:2 with points pt 7 ps 0.5 lc rgb "#cccccc" title "data", \
         for [L = 0:grid_lines - 1] grid_file every ::(L * grid_points)::((L + 1) * grid_points - 1) \
             using 1:2 with lines lt 1 lw 1.2 title (L == 0 ? "z_1 fixed, z_2 varies" : ""), \
         for [L = grid_lines:2 * grid_lines - 1] grid_file every ::(L * grid_points)::((L + 1) * grid_points - 1) \
             using 1:2 with lines lt 2 lw 1.2 title (L == grid_lines ? "z_2 fixed, z_1 varies" : ""), \
         grid_file using 1:($3 == 0 && $4 == 0 ? $2 : 1/0) \
             with points lt 8 pt 7 ps 1.5 title "decoder(0)"
} else {
    plot data_file using 1:2 with points pt 7 ps 0.5 lc rgb "#cccccc" title "data", \
         grid_file using 1:2 with lines lt 1 lw 1.2 title "z_1 varies", \
         grid_file using 1:($3 == 0 && $4 == 0 ? $2 : 1/0) \
             with points lt 8 pt 7 ps 1.5 title "decoder(0)"
}
