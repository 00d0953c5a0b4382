/* norm.h -- a normalisation layer chosen at run time: layer norm or batch norm.
 *
 * Introduced in chapter 09, whose discriminator is normalised either as the
 * source does it (layer norm: each sample on its own, common/layernorm.h)
 * or as the InfoGAN paper does (batch norm: each channel over the batch,
 * common/batchnorm.h). Both take 2 x channels parameters (a scale gamma and
 * a shift beta per channel), so the choice changes what the parameters do,
 * not how many there are: a checkpoint must say which one it holds.
 *
 * Batch norm is used here with the statistics of the batch it is given,
 * always (BN_TRAIN): a discriminator that judges every batch by its own
 * mean and variance, real and fake batches apart, as during training. Its
 * running averages are kept up to date but never used.
 */
#ifndef GENLAB_NORM_H
#define GENLAB_NORM_H

#include "batchnorm.h"
#include "layernorm.h"

typedef struct anynorm {
    layernorm *ln;     /* exactly one of the two is set */
    batchnorm *bn;
} anynorm;

/* Take 2 ch parameters from P: batch norm if use_batch, else layer norm
 * with epsilon ln_eps. ch channels of `pixels` pixels each (1: a dense layer). */
anynorm norm_new(params *P, size_t ch, size_t pixels, int use_batch, double ln_eps);
void norm_free(anynorm *N);

/* Y = N(X); X, Y (n, ch * pixels). Backward: dX = dL/dX, and adds gamma's
 * and beta's gradients, as the two layers do. */
void norm_forward(anynorm *N, const gsl_matrix *X, gsl_matrix *Y);
void norm_backward(anynorm *N, const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *dX);

#endif
