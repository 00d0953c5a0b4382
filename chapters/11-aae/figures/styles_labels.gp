# styles_labels.gp -- the labels model:
# what the style numbers do. Row i decodes one style s ~ N(0, I) (the same
# along the row) at the centre of each petal, column k at petal k's centre
# (k = 0 on the left). A row holding one handwriting across six digits is a
# style that learned how, not which. styles_labels.dat: the grid as one grey-scale
# picture (a gnuplot matrix). Written only when the code has style numbers
# (--style-dims above 0). (styles_unlabelled.gp, styles_labels.gp and
# styles_source.gp differ only in `variant`.)
load "values.gp"
variant = "labels"
fig_name = "styles_" . variant
grid_w = value(fig_name . "_w"); grid_h = value(fig_name . "_h")
fig_w = 700; fig_h = int(700.0 * grid_h / grid_w) + 60
load "style.gp"
eval image_grid_setup
set title sprintf("%s model: a style s per row, petal k in column k", variant)
plot fig_name . ".dat" matrix with image
