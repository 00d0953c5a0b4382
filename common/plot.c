/* plot.c -- see plot.h. */
#include "plot.h"

#include "output.h"

FILE *plot_open(const char *dir, const char *name, const char *title,
                const char *xlabel, const char *ylabel, int width, int height)
{
    char file[256];
    snprintf(file, sizeof file, "%s.gp", name);
    FILE *f = out_open(dir, file);
    /* PDF size: 16 cm wide, same aspect ratio as the PNG */
    double pdf_w = 16.0, pdf_h = 16.0 * height / width;
    fprintf(f,
            "# %s -- render with: gnuplot %s  (or gnuplot -e \"fmt='pdf'\" %s)\n"
            "if (!exists(\"fmt\")) fmt = \"png\"\n"
            "if (fmt eq \"pdf\") {\n"
            "    set terminal pdfcairo enhanced color font \"Sans,9\" size %.1fcm,%.1fcm\n"
            "} else {\n"
            "    set terminal pngcairo enhanced color font \"Sans,14\" size %d,%d\n"
            "}\n"
            "set output \"%s.\".fmt\n"
            "set border lw 1.2\n"
            "set grid lc rgb \"#dddddd\" lw 1\n"
            "set key box lc rgb \"#bbbbbb\" opaque\n"
            "set linetype 1 lc rgb \"" PLOT_BLUE "\" lw 2.5 pt 7 ps 0.6\n"
            "set linetype 2 lc rgb \"" PLOT_ORANGE "\" lw 2.5 pt 5 ps 0.6\n"
            "set linetype 3 lc rgb \"" PLOT_GREEN "\" lw 2.5 pt 9 ps 0.6\n"
            "set linetype 4 lc rgb \"" PLOT_VERMILION "\" lw 2.5 pt 11 ps 0.6\n"
            "set linetype 5 lc rgb \"" PLOT_SKY "\" lw 2.5 pt 13 ps 0.6\n"
            "set linetype 6 lc rgb \"" PLOT_PURPLE "\" lw 2.5 pt 15 ps 0.6\n"
            "set linetype 7 lc rgb \"" PLOT_YELLOW "\" lw 2.5 pt 7 ps 0.6\n"
            "set linetype 8 lc rgb \"" PLOT_BLACK "\" lw 2.5 pt 7 ps 0.6\n"
            "set linetype cycle 8\n"
            "set title \"%s\"\n"
            "set xlabel \"%s\"\n"
            "set ylabel \"%s\"\n",
            file, file, file, pdf_w, pdf_h, width, height, name, title, xlabel, ylabel);
    return f;
}

FILE *plot_open_default(const char *dir, const char *name, const char *title,
                        const char *xlabel, const char *ylabel)
{
    return plot_open(dir, name, title, xlabel, ylabel, 1200, 750);
}

void plot_close(FILE *f)
{
    out_close(f, "gnuplot script");
}

void plot_image_grid(const char *dir, const char *name, const char *title,
                     const gsl_matrix *images, size_t h, size_t w,
                     size_t grid_rows, size_t grid_cols)
{
    const size_t H = grid_rows * (h + 1) + 1, W = grid_cols * (w + 1) + 1;
    char file[256];
    snprintf(file, sizeof file, "%s.dat", name);
    FILE *f = out_open(dir, file);
    /* row y = 0 is the TOP of the picture; the script flips the y axis */
    for (size_t y = 0; y < H; y++) {
        for (size_t x = 0; x < W; x++) {
            double v = 1.0;                                   /* gaps are white */
            size_t ty = y / (h + 1), tx = x / (w + 1), py = y % (h + 1), px = x % (w + 1);
            if (py > 0 && px > 0 && ty < grid_rows && tx < grid_cols) {
                size_t k = ty * grid_cols + tx;
                v = k < images->size1 ? 1.0 - gsl_matrix_get(images, k, (py - 1) * w + (px - 1))
                                      : 1.0;                  /* ink is dark */
            }
            fprintf(f, x ? " %.3f" : "%.3f", v);
        }
        fputc('\n', f);
    }
    out_close(f, file);
    /* square pixels: size the PNG from the picture's aspect ratio */
    int px_w = 900, px_h = (int)(900.0 * (double)H / (double)W) + 60;
    FILE *g = plot_open(dir, name, title, "", "", px_w, px_h);
    fprintf(g, "unset key\nunset tics\nunset border\nunset grid\nunset colorbox\n"
               "set size ratio -1\nset palette gray\nset cbrange [0:1]\n"
               "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n"
               "set margins 1, 1, 1, 3\n"
               /* "with image", not "with image pixels": the latter draws every
                * pixel as its own antialiased rectangle, and the seams between
                * them print as a grid of dots over the digits */
               "plot '%s' matrix with image\n", W - 1, H - 1, file);
    plot_close(g);
}
