# reconstruction.gp -- the data; PCA's reconstructions (a segment); the source
# recipe's; and the autoencoder's, with (for a one-number code) the curve its
# decoder draws as the code sweeps its range. Reads recon.dat (x y, ae_x ae_y,
# pca_x pca_y, source_x source_y, ...) and decoder_curve.dat (z, x, y; written
# only when latent_dim is 1).
load "values.gp"
fig_name = "reconstruction"; fig_w = 1000; fig_h = 1100
load "style.gp"
if (latent_dim == 1) {
    set title "Reconstructions through a one-number code"
} else {
    set title sprintf("Reconstructions through a %d-number code", latent_dim)
}
set xlabel "x_1"
set ylabel "x_2"
set size ratio -1
set xrange [-1.5:1.5]
set yrange [-1.5:1.5]
set key outside bottom center vertical maxrows 3
# the decoder's curve, a plot element only for a one-number code (@decoder
# below is replaced by this text)
decoder = ""
if (latent_dim == 1) {
    decoder = "'decoder_curve.dat' using 2:3 with lines lt 1 lw 2 " . \
              "title 'decoder(z), z over the codes used',"
}
plot "recon.dat" using 1:2 with points pt 7 ps 0.5 lc rgb "#aaaaaa" title "data", \
     "recon.dat" using 5:6 with points lt 2 pt 7 ps 0.6 \
         title sprintf("PCA, 1st component (MSE %.3g)", pca_mse), \
     "recon.dat" using 7:8 with points lt 3 pt 5 ps 0.5 \
         title sprintf("source recipe (MSE %.3g)", source_mse), \
     @decoder \
     "recon.dat" using 3:4 with points lt 1 pt 7 ps 0.6 \
         title sprintf("autoencoder (MSE %.3g)", ae_mse)
