/* history.c -- see history.h. */
#include "history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "output.h"

#define HISTORY_MAX_COLS 16

history *history_new(size_t cap, size_t window, const char *names)
{
    size_t cols = 0;
    for (const char *p = names; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        cols++;
        while (*p && *p != ' ')
            p++;
    }
    if (cols == 0 || cols > HISTORY_MAX_COLS || window == 0 || cap == 0)
        die("history: %zu quantities, window %zu and %zu rows: need 1-%d, >= 1 and >= 1",
            cols, window, cap, HISTORY_MAX_COLS);
    history *H = xcalloc(1, sizeof *H, "a loss history");
    H->cols = cols;
    H->window = window;
    H->cap = cap;
    H->rows = gsl_matrix_calloc(cap, 1 + 2 * cols);
    H->names = xmalloc(strlen(names) + 1, "a loss history");
    strcpy(H->names, names);
    return H;
}

void history_free(history *H)
{
    if (!H)
        return;
    gsl_matrix_free(H->rows);
    free(H->names);
    free(H);
}

/* The trailing mean is summed afresh over the window at every row: a
 * running sum (add the new value, subtract the one that leaves) would be
 * cheaper, but its rounding errors pile up, and once the values fall by many
 * orders of magnitude (a loss going from 1 to 1e-30) the subtraction cancels
 * to garbage. window * cols additions per step cost nothing next to a
 * training step, and the mean then depends only on the rows themselves, so a
 * resumed run logs exactly what one that never stopped would. */
void history_add(history *H, long step, const double *values)
{
    if (H->n == H->cap)
        die("history: no room for row %zu (%zu rows were asked for)", H->n + 1, H->cap);
    const size_t i = H->n++;
    const size_t from = H->n > H->window ? H->n - H->window : 0;
    double *row = gsl_matrix_ptr(H->rows, i, 0);
    row[0] = (double)step;
    for (size_t c = 0; c < H->cols; c++)
        row[1 + c] = values[c];
    for (size_t c = 0; c < H->cols; c++) {
        double sum = 0.0;
        for (size_t k = from; k < H->n; k++)
            sum += gsl_matrix_get(H->rows, k, 1 + c);
        row[1 + H->cols + c] = sum / (double)(H->n - from);
    }
}

double history_last(const history *H, size_t col)
{
    return H->n ? gsl_matrix_get(H->rows, H->n - 1, 1 + col) : NAN;
}

double history_mean(const history *H, size_t col)
{
    return H->n ? gsl_matrix_get(H->rows, H->n - 1, 1 + H->cols + col) : NAN;
}

double history_average(const history *H, size_t col, size_t from, size_t to)
{
    double sum = 0.0;
    for (size_t i = from; i < to; i++)
        sum += gsl_matrix_get(H->rows, i, 1 + col);
    return to > from ? sum / (double)(to - from) : 0.0;
}

void history_clear(history *H)
{
    H->n = 0;
}

void history_restore(history *H, size_t n)
{
    if (n > H->cap)
        die("history: %zu rows restored into room for %zu", n, H->cap);
    H->n = n;                   /* the means depend only on the rows: nothing to rebuild */
}

gsl_matrix_view history_rows(history *H)
{
    return gsl_matrix_submatrix(H->rows, 0, 0, H->n ? H->n : 1, H->rows->size2);
}

void history_write(const history *H, const char *dir, const char *file)
{
    FILE *f = out_open(dir, file);
    fprintf(f, "# step %s, then their trailing means over %zu steps\n", H->names, H->window);
    for (size_t i = 0; i < H->n; i++) {
        const double *row = gsl_matrix_const_ptr(H->rows, i, 0);
        fprintf(f, "%.0f", row[0]);
        for (size_t c = 1; c < H->rows->size2; c++)
            fprintf(f, " %.9g", row[c]);
        fputc('\n', f);
    }
    out_close(f, file);
}
