/* dense.h -- the fully connected (dense) layer.
 *
 * Introduced in chapter 01. With one sample per row:
 *
 *     forward:   Y = X W + b          X (n, in)   W (in, out)   b (out)   Y (n, out)
 *
 *     backward, given dY = dL/dY (n, out):
 *                dW += X^T dY         (in, out)
 *                db += sum_rows dY    (out)
 *                dX  = dY W^T         (n, in)
 *
 * The backward pass COMPUTES gradients and adds them to the parameter block's
 * grad vector. It never changes W or b: updating is the optimiser's job
 * (optim.h). The source texts update inside backward(); chapter 01 explains
 * why that breaks a GAN, where the generator's gradient must flow THROUGH a
 * discriminator that is not allowed to learn during that step.
 *
 * Both products go through gsl_blas_dgemm, i.e. through OpenBLAS.
 */
#ifndef GENLAB_DENSE_H
#define GENLAB_DENSE_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "params.h"

typedef struct dense {
    size_t in, out;
    gsl_matrix_view W, dW;  /* (in, out) views into params value / grad */
    gsl_vector_view b, db;  /* (out)     views into params value / grad */
} dense;

/* How many scalars a dense layer needs: in*out weights + out biases. */
size_t dense_size(size_t in, size_t out);

/* Take this layer's slice of P and point W, dW, b, db at it. */
void dense_bind(dense *L, params *P, size_t in, size_t out);

/* Xavier/Glorot normal initialisation, as in the source texts:
 *     W ~ N(0, 2 / (in + out)),  b = 0.
 * It keeps the variance of activations and of gradients roughly constant from
 * layer to layer (chapter 01 shows what happens without it). */
void dense_init_xavier(dense *L, gsl_rng *r);

/* W ~ N(0, sd^2), b = 0: the source GAN's fixed "* 0.1" initialisation. */
void dense_init_normal(dense *L, gsl_rng *r, double sd);

/* Y = X W + b.   X (n, in) -> Y (n, out); Y must not alias X. */
void dense_forward(const dense *L, const gsl_matrix *X, gsl_matrix *Y);

/* dW += X^T dY; db += column sums of dY; if dX != NULL, dX = dY W^T.
 * X is the input that forward() saw. */
void dense_backward(dense *L, const gsl_matrix *X, const gsl_matrix *dY,
                    gsl_matrix *dX);

/* dX = dY W^T alone (no dW, no db): a frozen layer passing the gradient on. */
void dense_backward_input(const dense *L, const gsl_matrix *dY, gsl_matrix *dX);

#endif
