/* batch.c -- see batch.h. */
#include "batch.h"

#include <stdlib.h>

#include "guard.h"
#include "matrix.h"
#include "rng.h"

batcher batcher_new(const gsl_matrix *X, size_t batch, gsl_rng *r)
{
    const size_t n = X->size1;
    if (batch == 0)
        die("a minibatch needs at least one row");
    if (batch > n)
        batch = n;
    batcher b = {X, NULL, batch, NULL, n, r};       /* next = n: shuffle first */
    if (batch < n)
        b.rows = gsl_matrix_alloc(batch, X->size2);
    b.order = xmalloc(n * sizeof *b.order, "a batch order");
    for (size_t i = 0; i < n; i++)
        b.order[i] = i;
    return b;
}

const gsl_matrix *batcher_next(batcher *b)
{
    const size_t n = b->X->size1;
    if (b->batch == n)
        return b->X;                                /* full batch */
    if (b->next + b->batch > n) {                   /* epoch done: a new order */
        rng_shuffle(b->r, b->order, n);
        b->next = 0;
    }
    mat_gather_rows(b->rows, b->X, b->order + b->next, b->batch);
    b->next += b->batch;
    return b->rows;
}

void batcher_free(batcher *b)
{
    if (b->rows)
        gsl_matrix_free(b->rows);
    free(b->order);
    b->rows = NULL;
    b->order = NULL;
}

void batch_draw(gsl_rng *r, const gsl_matrix *X, size_t *idx, gsl_matrix *dst)
{
    const size_t m = dst->size1;
    for (size_t i = 0; i < m; i++)
        idx[i] = (size_t)gsl_rng_uniform_int(r, X->size1);
    mat_gather_rows(dst, X, idx, m);
}
