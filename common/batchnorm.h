/* batchnorm.h -- batch normalisation, per channel.
 *
 * Introduced in chapter 09: DCGAN puts one after almost every convolution,
 * and its generator does not train without them. The idea: whatever the
 * layers before it do, rescale each channel to mean 0 and variance 1 over
 * the batch, then let the network choose the scale and shift it wants back
 * (gamma, beta: two trained parameters per channel).
 *
 * A batch X (n, C*HW) holds n images of C channels of HW pixels each (NCHW,
 * as in conv.h); after a dense layer, HW = 1 and a channel is a column. The
 * statistics of channel c are taken over its m = n * HW numbers, every pixel
 * of every image of the batch. For each channel c, over those m values x_j:
 *
 *     mu = (1/m) sum_j x_j                   var = (1/m) sum_j (x_j - mu)^2
 *     xhat_j = (x_j - mu) / sqrt(var + eps)  y_j = gamma xhat_j + beta      (eps = 1e-5)
 *
 * Training mode (BN_TRAIN) uses the batch's mu and var, and keeps a running
 * average of them, as PyTorch does (momentum 0.1, the variance unbiased):
 *
 *     running_mean = (1 - momentum) running_mean + momentum mu
 *     running_var  = (1 - momentum) running_var  + momentum var m / (m - 1)
 *
 * Evaluation mode (BN_EVAL) uses running_mean and running_var instead, so that
 * one image's output no longer depends on the rest of its batch (to generate
 * samples one at a time, say).
 *
 * Backward. In training mode every output of a channel depends on every
 * input of it, through mu and var. With dxhat_j = gamma dy_j, the chain rule
 * through mu and var (using sum_j (x_j - mu) = 0) gives
 *
 *     dxhat_j / dx_i = (1 / sqrt(var + eps)) (delta_ij - 1/m - xhat_i xhat_j / m)
 *
 * and summing over j:
 *
 *     dx_i   = gamma / sqrt(var + eps) * ( dy_i - mean_j(dy_j) - xhat_i mean_j(dy_j xhat_j) )
 *     dgamma += sum_j dy_j xhat_j
 *     dbeta  += sum_j dy_j
 *
 * The two subtracted means are the gradient's share that would change the
 * batch's mean and variance, which normalisation throws away. In evaluation
 * mode mu and var are constants and dx_i = gamma dy_i / sqrt(running_var + eps).
 * backward() uses whichever mode the last forward pass ran in. Like dense.h:
 * dgamma, dbeta ACCUMULATE into the params grad vector; dX is WRITTEN.
 *
 * running_mean and running_var are not trained by gradients, so they are not
 * in the params block; they belong to the layer (save them in a checkpoint
 * with checkpoint_add_vector).
 */
#ifndef GENLAB_BATCHNORM_H
#define GENLAB_BATCHNORM_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "params.h"

#define BATCHNORM_EPS 1e-5
#define BATCHNORM_MOMENTUM 0.1

typedef enum { BN_TRAIN, BN_EVAL } bn_mode;

typedef struct batchnorm {
    size_t channels, pixels;       /* C and HW (1 after a dense layer)           */
    double momentum;               /* of the running averages (default 0.1)      */
    gsl_vector_view gamma, dgamma; /* (C) scale: views into params value / grad  */
    gsl_vector_view beta, dbeta;   /* (C) shift: views into params value / grad  */
    gsl_vector *running_mean;      /* (C) owned; start at 0                      */
    gsl_vector *running_var;       /* (C) owned; start at 1                      */
    gsl_vector *mean, *inv_std;    /* (C) mu and 1/sqrt(var + eps) that the last
                                      forward pass used (what backward needs)    */
    bn_mode mode;                  /* of the last forward pass                   */
} batchnorm;

/* Scalars a batchnorm of C channels takes from a params block: C gammas, C betas. */
size_t batchnorm_size(size_t channels);

/* Take the next slice of P, set gamma = 1 and beta = 0 there (normalisation
 * only, to begin with), running mean 0, running variance 1, momentum 0.1.
 * Free with batchnorm_free (the params block stays the caller's). */
batchnorm *batchnorm_new(params *P, size_t channels, size_t pixels);
void batchnorm_free(batchnorm *L);

/* Y = gamma xhat + beta, per channel, statistics by mode (see above).
 * X, Y (n, channels * pixels); Y must not be X (backward needs X). BN_TRAIN
 * also updates the running averages. Allocates nothing. */
void batchnorm_forward(batchnorm *L, const gsl_matrix *X, gsl_matrix *Y, bn_mode mode);

/* dgamma += sum dy xhat, dbeta += sum dy; if dX != NULL, dX = dL/dX (dX may
 * be dY). X is the input of the last forward pass, dY = dL/dY. */
void batchnorm_backward(batchnorm *L, const gsl_matrix *X, const gsl_matrix *dY,
                        gsl_matrix *dX);

#endif
