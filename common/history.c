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
    H->sum = xcalloc(cols, sizeof *H->sum, "a loss history");
    H->names = xmalloc(strlen(names) + 1, "a loss history");
    strcpy(H->names, names);
    return H;
}

void history_free(history *H)
{
    if (!H)
        return;
    gsl_matrix_free(H->rows);
    free(H->sum);
    free(H->names);
    free(H);
}

/* The trailing mean, kept as a running sum: add the new value, subtract the
 * one that leaves the window. */
void history_add(history *H, long step, const double *values)
{
    if (H->n == H->cap)
        die("history: no room for row %zu (%zu rows were asked for)", H->n + 1, H->cap);
    const size_t i = H->n++;
    const double w = (double)(H->n < H->window ? H->n : H->window);
    double *row = gsl_matrix_ptr(H->rows, i, 0);
    row[0] = (double)step;
    for (size_t c = 0; c < H->cols; c++) {
        H->sum[c] += values[c];
        if (i >= H->window)
            H->sum[c] -= gsl_matrix_get(H->rows, i - H->window, 1 + c);
        row[1 + c] = values[c];
        row[1 + H->cols + c] = H->sum[c] / w;
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

void history_clear(history *H)
{
    H->n = 0;
    memset(H->sum, 0, H->cols * sizeof *H->sum);
}

void history_restore(history *H, size_t n)
{
    if (n > H->cap)
        die("history: %zu rows restored into room for %zu", n, H->cap);
    history_clear(H);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < H->cols; c++) {
            H->sum[c] += gsl_matrix_get(H->rows, i, 1 + c);
            if (i >= H->window)
                H->sum[c] -= gsl_matrix_get(H->rows, i - H->window, 1 + c);
        }
    H->n = n;
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
