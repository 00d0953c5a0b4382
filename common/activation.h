/* activation.h -- element-wise nonlinearities and their derivatives.
 *
 * Introduced in chapter 01. Each activation a = f(z) acts entry by entry, so
 * its backward pass is an element-wise product with f'(z):
 *
 *     dZ = dA * f'(z)          (* is entry-by-entry, shapes (n, k))
 *
 *   relu        f(z) = max(0, z)                 f'(z) = 1 if z > 0 else 0
 *   leaky relu  f(z) = z if z > 0 else s z       f'(z) = 1 if z > 0 else s   (s = 0.2)
 *   sigmoid     f(z) = 1 / (1 + e^-z)            f'(z) = f(z) (1 - f(z))
 *   tanh        f(z) = tanh z                    f'(z) = 1 - f(z)^2
 *
 * Softmax is not element-wise (each output depends on the whole row); it has
 * its own pair below. For classification, prefer loss_softmax_xent (loss.h),
 * which fuses softmax and cross-entropy into one stable step.
 */
#ifndef GENLAB_ACTIVATION_H
#define GENLAB_ACTIVATION_H

#include <gsl/gsl_matrix.h>

typedef enum {
    ACT_IDENTITY,    /* f(z) = z: a linear output (regression, logits) */
    ACT_RELU,
    ACT_LEAKY_RELU,  /* slope ACT_LEAKY_SLOPE for z < 0 (DCGAN's choice) */
    ACT_SIGMOID,
    ACT_TANH
} act_kind;

#define ACT_LEAKY_SLOPE 0.2

/* "relu", "leaky-relu", ... for logs. */
const char *act_name(act_kind kind);

/* A = f(Z). A may be the same matrix as Z (in place). */
void act_forward(act_kind kind, const gsl_matrix *Z, gsl_matrix *A);

/* dZ = dA * f'(Z). Needs Z (pre-activation) and A = f(Z). dZ may alias dA. */
void act_backward(act_kind kind, const gsl_matrix *Z, const gsl_matrix *A,
                  const gsl_matrix *dA, gsl_matrix *dZ);

/* Leaky ReLU with a slope of your choice (introduced in chapter 09):
 *
 *     f(z) = z if z > 0 else s z          f'(z) = 1 if z > 0 else s
 *
 * ACT_LEAKY_RELU above is s = ACT_LEAKY_SLOPE = 0.2 (DCGAN's). Keras's
 * LeakyReLU() defaults to s = 0.3, the InfoGAN paper uses 0.1: a network
 * copied from either needs its own s. A may be Z; dZ may be dA (in place). */
void leaky_relu_forward(double slope, const gsl_matrix *Z, gsl_matrix *A);
void leaky_relu_backward(double slope, const gsl_matrix *Z, const gsl_matrix *dA, gsl_matrix *dZ);

/* Row-wise softmax: S[i, j] = exp(Z[i, j] - m_i) / sum_k exp(Z[i, k] - m_i),
 * with m_i = max_k Z[i, k] subtracted so that exp() can never overflow. */
void softmax_forward(const gsl_matrix *Z, gsl_matrix *S);

/* Backward through softmax, row by row (the Jacobian-vector product):
 *     dZ[i, j] = S[i, j] * (dS[i, j] - sum_k dS[i, k] S[i, k])      */
void softmax_backward(const gsl_matrix *S, const gsl_matrix *dS, gsl_matrix *dZ);

#endif
