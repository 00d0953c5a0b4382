/* batch.h -- minibatches: which rows of the data a training step sees.
 *
 * Introduced in chapter 02. Two ways to pick a minibatch of `batch` rows
 * from a data set X (n, d), one sample per row:
 *
 *   - by epochs (batcher): shuffle the order of the n rows, take them
 *     `batch` at a time, and shuffle again when fewer than `batch` are left
 *     (those few wait for the next epoch). Every row is seen once per epoch.
 *     A batch of n or more rows is the whole data set, in its own order: a
 *     full-batch step, as the source texts train.
 *   - with replacement (batch_draw): every row of the batch is an
 *     independent uniform draw from the n rows. Simpler, and the same thing
 *     in expectation; the MNIST chapters use it.
 *
 * Neither allocates per step: the batcher owns one (batch, d) matrix that
 * every call refills.
 */
#ifndef GENLAB_BATCH_H
#define GENLAB_BATCH_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

typedef struct batcher {
    const gsl_matrix *X;   /* (n, d) the data set, not owned                */
    gsl_matrix *rows;      /* (batch, d) room for one minibatch             */
    size_t batch;          /* rows per step, at most n                      */
    size_t *order;         /* (n) the visiting order, shuffled every epoch  */
    size_t next;           /* where in `order` the next batch starts        */
    gsl_rng *r;            /* the run's generator (the shuffles use it)     */
} batcher;

/* Batches of `batch` rows of X (batch >= 1; more than n means n). The first
 * call shuffles. */
batcher batcher_new(const gsl_matrix *X, size_t batch, gsl_rng *r);

/* The next minibatch, (batch, d): X itself when batch covers all of X, else
 * rows copied out of it. Valid until the next call. */
const gsl_matrix *batcher_next(batcher *b);

void batcher_free(batcher *b);

/* dst (m, d) gets m rows of X (n, d) drawn uniformly with replacement; the
 * chosen row numbers go to idx[0..m-1] (a caller's buffer of m entries), so
 * that labels or other columns can follow the same rows. */
void batch_draw(gsl_rng *r, const gsl_matrix *X, size_t *idx, gsl_matrix *dst);

#endif
