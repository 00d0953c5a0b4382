/* plot.h -- gnuplot scripts that a run writes about itself.
 *
 * Introduced in chapter 00. Every figure is one script NAME.gp next to the data
 * files it reads (by relative path). The program writes the script, so the
 * numbers in it (reference lines, titles with results) are the run's own,
 * never copied by hand. Render it with
 *
 *     cd out/NN-name && gnuplot NAME.gp                  -> NAME.png
 *     cd out/NN-name && gnuplot -e "fmt='pdf'" NAME.gp   -> NAME.pdf
 *
 * plot_open() writes the shared look: cairo terminals, a readable font, a
 * light grid, and the Okabe-Ito palette (safe for colour-blind readers) as
 * line types 1-8; the chapter then writes its own `plot` commands.
 */
#ifndef GENLAB_PLOT_H
#define GENLAB_PLOT_H

#include <stdio.h>
#include <gsl/gsl_matrix.h>

/* Okabe-Ito colours, also line types 1..8 in every script. */
#define PLOT_ORANGE    "#E69F00"
#define PLOT_SKY       "#56B4E9"
#define PLOT_GREEN     "#009E73"
#define PLOT_YELLOW    "#F0E442"
#define PLOT_BLUE      "#0072B2"
#define PLOT_VERMILION "#D55E00"
#define PLOT_PURPLE    "#CC79A7"
#define PLOT_BLACK     "#000000"

/* Open dir/NAME.gp and write the common preamble, the title and the axis
 * labels (gnuplot "enhanced" text: write _ as \\_ if you mean an underscore).
 * width x height is the PNG size in pixels; the PDF keeps the proportions.
 * Close with plot_close(). */
FILE *plot_open(const char *dir, const char *name, const char *title,
                const char *xlabel, const char *ylabel, int width, int height);

/* The default slide size, 1200 x 750. */
FILE *plot_open_default(const char *dir, const char *name, const char *title,
                        const char *xlabel, const char *ylabel);

void plot_close(FILE *f);

/* A grid of images (MNIST samples): writes NAME.dat, one big grey-scale
 * picture as a gnuplot matrix (1-pixel white gaps between tiles), and
 * NAME.gp, which draws it `with image`, square pixels, no axes.
 * images (n, h * w) in [0, 1], one image per row, drawn left to right, top
 * to bottom; tiles past n stay blank. Introduced in chapter 08. */
void plot_image_grid(const char *dir, const char *name, const char *title,
                     const gsl_matrix *images, size_t h, size_t w,
                     size_t grid_rows, size_t grid_cols);

#endif
