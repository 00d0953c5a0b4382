/* loss.h -- loss functions, each with its gradient.
 *
 * Introduced in chapter 01 (MSE, BCE, cross-entropy) and chapter 04 (KL).
 * Every function returns the loss (a mean, so its size does not depend on the
 * batch) and, when the gradient matrix is not NULL, OVERWRITES it with the
 * derivative of exactly that returned number. The normalisation is part of the
 * gradient: if the loss divides by N, so does the gradient. (The source texts'
 * autoencoder averages its MSE over N*d entries but divides its gradient by N
 * only; the gradient checks in tests/ catch exactly this kind of slip.)
 */
#ifndef GENLAB_LOSS_H
#define GENLAB_LOSS_H

#include <gsl/gsl_matrix.h>

/* Mean squared error over all n*d entries:
 *     L = 1/(n d) sum_ij (P_ij - T_ij)^2          dL/dP = 2 (P - T) / (n d)   */
double loss_mse(const gsl_matrix *P, const gsl_matrix *T, gsl_matrix *dP);

/* Binary cross-entropy on LOGITS (pre-sigmoid scores) l, targets y in [0, 1],
 * averaged over all entries. With p = sigmoid(l):
 *     L = -1/(n k) sum [ y log p + (1 - y) log(1 - p) ]
 *       =  1/(n k) sum [ max(l, 0) - l y + log(1 + e^-|l|) ]   (never overflows)
 *     dL/dl = (sigmoid(l) - y) / (n k)
 * Pass a target matrix Y, or Y = NULL to use the same `label` for every entry
 * (1 for "real", 0 for "fake", 0.9 for one-sided label smoothing). Working on
 * logits is what keeps a confident discriminator from producing log(0). */
double loss_bce_logits(const gsl_matrix *logits, const gsl_matrix *Y, double label,
                       gsl_matrix *dlogits);

/* Softmax cross-entropy on logits Z (n, k) against target probabilities Y
 * (usually one-hot rows), averaged over the n rows:
 *     L = -1/n sum_i sum_j Y_ij log softmax(Z_i)_j
 *     dL/dZ = (softmax(Z) - Y) / n                                          */
double loss_softmax_xent(const gsl_matrix *Z, const gsl_matrix *Y, gsl_matrix *dZ);

/* KL( N(mu, sigma^2) || N(0, 1) ) for a diagonal Gaussian, summed over the
 * latent dimensions and averaged over the n rows, with logvar = log sigma^2:
 *     KL = 1/n sum_i sum_j 0.5 (mu^2 + e^logvar - 1 - logvar)
 *     dKL/dmu = mu / n       dKL/dlogvar = 0.5 (e^logvar - 1) / n           */
double loss_kl_normal(const gsl_matrix *mu, const gsl_matrix *logvar,
                      gsl_matrix *dmu, gsl_matrix *dlogvar);

/* sigmoid(l) = 1 / (1 + e^-l) for any l, without overflow: for l < 0 it is
 * computed as e^l / (1 + e^l), so e^-l is never formed for a large -l. */
double sigmoid(double l);

/* The mean of sigmoid(l) over the first column of logits: a discriminator's
 * average "probability real" over a batch. Stable for any l: for l >= 0 it
 * computes 1 / (1 + e^-l), else e^l / (1 + e^l), so e^x never overflows.
 * (Chapters 05, 06 and 08 log it as D(x) and D(G(z)).) */
double mean_sigmoid(const gsl_matrix *logits);

#endif
