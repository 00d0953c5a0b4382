/* figure.h -- what a run writes so that its figures can be drawn.
 *
 * Introduced in chapter 00. A figure is a gnuplot script kept in the chapter's
 * folder, chapters/NN-name/figures/NAME.gp, not C code: an instructor restyles
 * it by editing that file. The program writes only
 *
 *   - data files, plain columns (output.h: out_write_matrix and friends),
 *   - values.gp, the run's own numbers that the scripts use in titles,
 *     reference lines and ranges, one "name = value" line each:
 *
 *         gen_mean = 3.0213
 *         title_gauss = "N(3, 0.5) after 5000 steps"
 *
 *   - and, at the end of the run, copies of the scripts of the figures it
 *     drew (fig_use) and of the shared style (common/style.gp), so that `cd OUT && gnuplot NAME.gp`
 *     works in any --out directory. The scripts travel inside the program:
 *     the build embeds every chapters/NN-name/figures/NAME.gp (tests/embed-figures.sh).
 *
 * A script reads the values first, then the style, then draws:
 *
 *     load "values.gp"
 *     fig_name = "loss"
 *     load "style.gp"
 *     plot "loss.dat" using 1:2 with lines title "D loss"
 */
#ifndef GENLAB_FIGURE_H
#define GENLAB_FIGURE_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

/* Record a number (printed %.9g) or a text for values.gp. `name` must be a
 * gnuplot identifier (letters, digits, _; not starting with a digit); setting
 * a name again replaces its value. */
void fig_value(const char *name, double value);
void fig_text(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same two, and fig_use, with the name built printf-style:
 * fig_valuef(w1, "w1_%s", target), fig_usef("losses_%s", method). */
void fig_valuef(double value, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fig_usef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The texts texts[0 .. n-1] as PREFIX_0, PREFIX_1, ...: a legend's class
 * names, fig_text_list("class_name", names, 10) for class_name_0 .. _9. */
void fig_text_list(const char *prefix, const char *const *texts, size_t n);

/* The value recorded for `name` as it will appear in values.gp, or NULL. */
const char *fig_lookup(const char *name);

/* This run draws figure NAME: fig_write will copy the script NAME.gp. A
 * chapter whose runs draw different figures (--load draws the samples, not
 * the training curves) says which, so that every script in --out has its
 * data. */
void fig_use(const char *name);

/* Forget every recorded value (a test that runs a chapter twice). */
void fig_reset(void);

/* Write dir/values.gp, dir/style.gp and the scripts named by fig_use. */
void fig_write(const char *dir);

/* A grid of images (MNIST samples) as data for `plot 'NAME.dat' matrix with
 * image`: one grey-scale picture, ink dark on white, 1-pixel white gaps
 * between the tiles. images (n, h * w) in [0, 1], one image per row, drawn
 * left to right, top to bottom; tiles past n stay blank. Records the
 * picture's size as NAME_w and NAME_h (pixels) for the script. */
void fig_image_grid(const char *dir, const char *name, const gsl_matrix *images,
                    size_t h, size_t w, size_t grid_rows, size_t grid_cols);

/* Snapshots taken while training, as an image grid NAME (rows of cols
 * images, the first rows * cols rows of snaps) drawn by NAME.gp, with
 * NAME_rows and NAME_step_1, _2, ... (each row's training step). */
void fig_snapshot_grid(const char *dir, const char *name, const gsl_matrix *snaps,
                       size_t side, size_t rows, size_t cols, const long *step);

/* The scripts a program carries (generated at build time; a test binary has
 * none). */
typedef struct fig_script {
    const char *name;   /* "loss.gp" */
    const char *text;
} fig_script;

#endif
