# translations.gp -- every image model of the run, one block of four rows
# each: the test inputs, their translations, the translations translated
# back, and the true answer the model never saw. Left half: digits x -> Y
# (thicker strokes); right half: dilated digits y -> X (thinner strokes).
# translations.dat: the picture as a matrix (28 x 28 tiles, 1-pixel white gaps).
load "values.gp"
fig_name = "translations"
fig_w = 1150; fig_h = int(820.0 * translations_h / translations_w) + 170
load "style.gp"
grid_w = translations_w; grid_h = translations_h
eval image_grid_setup
set margins 24, 2, 1, 7
tile = image_side + 1
set title "CycleGAN on MNIST: translations against the truth, per model" font ",16" offset 0, 1.5
set label 1 "X -> Y: x, G_{XY}(x), G_{YX}(G_{XY}(x)), T(x)" at show * tile / 2.0, -12 center font ",12"
set label 2 "Y -> X: y, G_{YX}(y), G_{XY}(G_{YX}(y)), T^{-1}(y)" at 3 * show * tile / 2.0, -12 center font ",12"
set ytics scale 0 font ",11" ()
rows = "input translated back truth"
do for [v = 1:n_variants] {
    set label 10 + v value(sprintf("variant_%d", v)) at -95, ((v - 1) * 4 + 2) * tile center rotate by 90 font ",10" tc rgb c_blue
    do for [r = 1:4] { set ytics add (word(rows, r) ((v - 1) * 4 + r - 0.5) * tile) }
}
set ytics
unset xtics
set border 0
set arrow 1 from show * tile - 0.5, -0.5 to show * tile - 0.5, translations_h - 0.5 nohead lc rgb c_vermilion lw 2 front
do for [v = 2:n_variants] { set arrow 10 + v from -0.5, (v - 1) * 4 * tile - 0.5 to translations_w - 0.5, (v - 1) * 4 * tile - 0.5 nohead lc rgb c_blue lw 2 front }
plot "translations.dat" matrix with image
