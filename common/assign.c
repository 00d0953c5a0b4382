/* assign.c -- see assign.h. */
#include "assign.h"

#include <math.h>
#include <stdlib.h>

#include "guard.h"

static size_t bits_set(size_t mask)
{
    size_t n = 0;
    for (; mask; mask >>= 1)
        n += mask & 1;
    return n;
}

/* The dynamic programme of assign.h; with match (n_rows <= n_cols), also
 * the column of each row, found by walking back from the best full set */
static double assign(const double *score, size_t n_rows, size_t n_cols, int *match)
{
    if (n_rows > ASSIGN_MAX || n_cols > ASSIGN_MAX)
        die("best_assignment: %zu x %zu scores (at most %d on a side)", n_rows, n_cols, ASSIGN_MAX);
    /* the shorter side, item by item, takes places on the longer one */
    const int wide = n_rows <= n_cols;
    const size_t items = wide ? n_rows : n_cols, places = wide ? n_cols : n_rows;
    const size_t n_sets = (size_t)1 << places;
    double *best = xmalloc(n_sets * sizeof *best, "the assignment's table");
    unsigned char *last = xcalloc(n_sets, 1, "the assignment's table");   /* the place taken last */
    best[0] = 0.0;
    for (size_t S = 1; S < n_sets; S++)
        best[S] = -INFINITY;
    double result = items == 0 ? 0.0 : -INFINITY;
    size_t top = 0;
    for (size_t S = 0; S < n_sets; S++) {      /* every set's best is known by now */
        const size_t i = bits_set(S);          /* the next item */
        if (i == items) {
            if (best[S] > result)
                top = S;
            result = fmax(result, best[S]);
            continue;
        }
        if (i > items)
            continue;
        for (size_t j = 0; j < places; j++)
            if (!(S & ((size_t)1 << j))) {
                const double s = best[S] + (wide ? score[i * n_cols + j] : score[j * n_cols + i]);
                if (s > best[S | ((size_t)1 << j)]) {
                    best[S | ((size_t)1 << j)] = s;
                    last[S | ((size_t)1 << j)] = (unsigned char)j;
                }
            }
    }
    for (size_t S = top, i = items; match && wide && i > 0; i--) {   /* item i - 1 took last[S] */
        match[i - 1] = last[S];
        S &= ~((size_t)1 << last[S]);
    }
    free(best);
    free(last);
    return result;
}

double best_assignment(const double *score, size_t n_rows, size_t n_cols)
{
    return assign(score, n_rows, n_cols, NULL);
}

double best_assignment_match(const double *score, size_t n_rows, size_t n_cols, int *match)
{
    if (n_rows > n_cols)
        die("best_assignment_match: %zu rows for %zu columns (at most as many)", n_rows, n_cols);
    return assign(score, n_rows, n_cols, match);
}
