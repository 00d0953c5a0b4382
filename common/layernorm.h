/* layernorm.h -- layer normalisation: each sample normalised on its own.
 *
 * Introduced in chapter 09: the source's InfoGAN discriminator puts one after
 * its second convolution and after its dense layer. Batch normalisation
 * (batchnorm.h) takes a channel's statistics over the whole BATCH, so one
 * image's output depends on the others beside it; layer normalisation takes
 * them over the FEATURES of one sample, and a sample's output is its own.
 * A discriminator that sees a batch of real images, then a batch of fakes,
 * is a function of each image alone this way.
 *
 * A batch X (n, C*P) holds n samples of C features at each of P positions
 * (NCHW as in conv.h: P = H*W pixels of C channels; after a dense layer P = 1
 * and a row is one group of C features). For each sample i and position p,
 * over its C values x_c = X[i, c*P + p]:
 *
 *     mu = (1/C) sum_c x_c                   var = (1/C) sum_c (x_c - mu)^2
 *     xhat_c = (x_c - mu) / sqrt(var + eps)  y_c = g_c xhat_c + b_c
 *
 * with a gain g and a bias b per feature (C of each, trained; start at 1 and
 * 0). That is Keras's LayerNormalization() on channels-last images, which
 * normalises the last axis only: the channels of each pixel. (PyTorch's
 * nn.LayerNorm([C, H, W]) would normalise over C*H*W numbers at once: a
 * different layer under the same name.) eps is 1e-3 in Keras, 1e-5 in
 * PyTorch; a layer carries its own (default LAYERNORM_EPS).
 *
 * Backward. Every y_c of a group depends on every x_c of it, through mu and
 * var; the chain rule is batch normalisation's with the sums taken over the
 * group's C features instead of over the batch. With dxhat_c = g_c dy_c:
 *
 *     dx_c = (1 / sqrt(var + eps)) ( dxhat_c - mean_c(dxhat) - xhat_c mean_c(dxhat xhat) )
 *     dg_c += sum over samples and positions of dy_c xhat_c
 *     db_c += sum over samples and positions of dy_c
 *
 * No running averages, no training and evaluation modes: the statistics are
 * recomputed from each sample every time. Like dense.h, dg and db ACCUMULATE
 * into the params grad vector; dX is WRITTEN (it may be dY).
 */
#ifndef GENLAB_LAYERNORM_H
#define GENLAB_LAYERNORM_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "params.h"

#define LAYERNORM_EPS 1e-5

typedef struct layernorm {
    size_t features, positions;  /* C and P (1 after a dense layer)           */
    double eps;                  /* added to the variance (LAYERNORM_EPS)     */
    gsl_vector_view g, dg;       /* (C) gain: views into params value / grad  */
    gsl_vector_view b, db;       /* (C) bias: views into params value / grad  */
    gsl_vector *mean, *inv_std;  /* one sample's P statistics, for each of a
                                    team's two threads (scratch)              */
    gsl_vector *s1, *s2;         /* backward's two means, the same way        */
    gsl_vector *sums;            /* (LAYERNORM_CHUNK x 2C) backward: each
                                    sample's sums for dg and db (scratch)     */
} layernorm;

/* The backward pass takes the samples this many at a time (see layernorm.c). */
#define LAYERNORM_CHUNK 64

/* Scalars a layer norm of C features takes from a params block: C gains, C biases. */
size_t layernorm_size(size_t features);

/* Take the next slice of P, set g = 1 and b = 0 there. Free with
 * layernorm_free (the params block stays the caller's). */
layernorm *layernorm_new(params *P, size_t features, size_t positions);
void layernorm_free(layernorm *L);

/* Y = g xhat + b, each sample and position normalised over its C features.
 * X, Y (n, C*P); Y must not be X (backward needs X). Allocates nothing. */
void layernorm_forward(layernorm *L, const gsl_matrix *X, gsl_matrix *Y);

/* dg += sum dy xhat, db += sum dy; if dX != NULL, dX = dL/dX (dX may be dY).
 * X is the input of the forward pass, dY = dL/dY. */
void layernorm_backward(layernorm *L, const gsl_matrix *X, const gsl_matrix *dY,
                        gsl_matrix *dX);

/* dX = dL/dX alone (dX may be dY): dg and db are left as they are. */
void layernorm_backward_input(layernorm *L, const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *dX);

#endif
