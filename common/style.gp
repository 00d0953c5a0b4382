# style.gp -- the look of every genlab figure, shared by all chapters.
#
# A figure script sets its name (and, if it is not the default 1200 x 750
# slide, its size in pixels), then loads this file and the run's numbers:
#
#     fig_name = "loss"; fig_w = 1200; fig_h = 750
#     load "style.gp"
#     load "values.gp"
#
# Render with `gnuplot loss.gp` (PNG) or `gnuplot -e "fmt='pdf'" loss.gp`.
# Edit this file to restyle every figure of a chapter at once (then
# `make figures` re-renders without training again).
# Run on its own (say by a `for f in *.gp` loop) it has nothing to draw:
if (!exists("fig_name")) exit
if (!exists("fmt")) fmt = "png"
if (!exists("fig_w")) fig_w = 1200
if (!exists("fig_h")) fig_h = 750
# PDF: 16 cm (6.3 in) wide, the same proportions as the PNG
if (fmt eq "pdf") {
    set terminal pdfcairo enhanced color font "Sans,9" size 6.3, 6.3 * fig_h / fig_w
} else {
    set terminal pngcairo enhanced color font "Sans,14" size fig_w, fig_h
}
set output fig_name . "." . fmt
set border lw 1.2
set grid lc rgb "#dddddd" lw 1
set key box lc rgb "#bbbbbb" opaque

# The Okabe-Ito palette, safe for colour-blind readers: line types 1-8, and
# by name for scripts that colour by meaning.
c_blue = "#0072B2"; c_orange = "#E69F00"; c_green = "#009E73"; c_vermilion = "#D55E00"
c_sky = "#56B4E9"; c_purple = "#CC79A7"; c_yellow = "#F0E442"; c_black = "#000000"
c_grey = "#777777"
set linetype 1 lc rgb c_blue lw 2.5 pt 7 ps 0.6
set linetype 2 lc rgb c_orange lw 2.5 pt 5 ps 0.6
set linetype 3 lc rgb c_green lw 2.5 pt 9 ps 0.6
set linetype 4 lc rgb c_vermilion lw 2.5 pt 11 ps 0.6
set linetype 5 lc rgb c_sky lw 2.5 pt 13 ps 0.6
set linetype 6 lc rgb c_purple lw 2.5 pt 15 ps 0.6
set linetype 7 lc rgb c_yellow lw 2.5 pt 7 ps 0.6
set linetype 8 lc rgb c_black lw 2.5 pt 7 ps 0.6
set linetype cycle 8

# Image grids (MNIST samples): call after loading, before `plot`.
# Usage: grid_w = W; grid_h = H; eval image_grid_setup
image_grid_setup = "unset key; unset tics; unset border; unset grid; unset colorbox; " . \
    "set size ratio -1; set palette gray; set cbrange [0:1]; " . \
    "set xrange [-0.5:grid_w - 0.5]; set yrange [grid_h - 0.5:-0.5]; set margins 1, 1, 1, 3"
