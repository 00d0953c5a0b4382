/* history.h -- the loss log of a training run, and its trailing means.
 *
 * Introduced in chapter 02. One row per logged step: the step, the values of
 * a few quantities (losses, D's outputs, ...), and for each quantity its
 * TRAINING-CURVE version, the mean over the last `window` rows (fewer at the
 * start). Single minibatch losses jump around; the trailing mean shows where
 * they are going, and it is what the log lines and the loss figures print.
 *
 *     history *H = history_new(steps, 50, "D_loss G_loss");
 *     for (step = 1; ...) {
 *         double v[2] = {d_loss, g_loss};
 *         history_add(H, step, v);
 *         ... history_mean(H, 0) is D's loss averaged over the last 50 steps
 *     }
 *     history_write(H, dir, "loss.dat");    // step D_loss G_loss D_loss_mean G_loss_mean
 *
 * The room for every row is allocated by history_new: adding a row in a
 * training loop allocates nothing.
 */
#ifndef GENLAB_HISTORY_H
#define GENLAB_HISTORY_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

typedef struct history {
    size_t cols;           /* quantities per row                            */
    size_t window;         /* rows in a trailing mean                       */
    size_t n, cap;         /* rows logged, rows there is room for           */
    gsl_matrix *rows;      /* (cap, 1 + 2 cols): step, values, means        */
    char *names;           /* the quantities' names, space-separated        */
} history;

/* Room for `cap` rows of the quantities named in `names` (one word each,
 * separated by spaces, 1 to 16 of them), averaged over `window` >= 1 rows. */
history *history_new(size_t cap, size_t window, const char *names);
void history_free(history *H);

/* Log one row: the step and cols values. die() if there is no room left (a
 * bug in the caller). */
void history_add(history *H, long step, const double *values);

/* Quantity `col`: its last logged value, and its trailing mean at the last
 * row (NaN when nothing is logged). */
double history_last(const history *H, size_t col);
double history_mean(const history *H, size_t col);

/* Quantity `col` averaged over the logged rows from..to-1 (0 if none). */
double history_average(const history *H, size_t col, size_t from, size_t to);

/* Forget every row (the same room is reused). */
void history_clear(history *H);

/* The first n rows of H->rows were filled from elsewhere (a checkpoint that
 * kept them): take them as logged. A resumed run then logs the same means,
 * bit for bit, as one that never stopped (a mean depends only on the rows). */
void history_restore(history *H, size_t n);

/* The logged rows, (n, 1 + 2 cols); n may be 0, then the view has 1 row of
 * zeros and must not be used. */
gsl_matrix_view history_rows(history *H);

/* dir/file: a header line naming the columns and the window, then one line
 * per logged row. */
void history_write(const history *H, const char *dir, const char *file);

#endif
