/* params.h -- all of a network's numbers in one flat block.
 *
 * Introduced in chapter 01. A network's weights and biases are not scattered
 * over many small allocations: they live in ONE gsl_vector `value`, and their
 * gradients in ONE gsl_vector `grad` of the same length. Each layer gets named
 * matrix/vector views into its slice of both (see dense.h).
 *
 * Why bother? Because everything that treats "all the parameters" then becomes
 * one loop over one vector:
 *   - an optimiser step       (optim.h: value -= lr * f(grad)),
 *   - zeroing the gradients   (params_zero_grad),
 *   - a checkpoint            (one fwrite of `value`),
 *   - a gradient check        (gradcheck.h perturbs value[i] one at a time).
 *
 * Usage: count the scalars first (dense_size() tells a layer's), allocate the
 * block, then let each layer take its slice in order with params_take().
 */
#ifndef GENLAB_PARAMS_H
#define GENLAB_PARAMS_H

#include <stddef.h>
#include <gsl/gsl_vector.h>

typedef struct params {
    gsl_vector *value;  /* (size) every parameter of the network            */
    gsl_vector *grad;   /* (size) dLoss/dvalue, accumulated by *_backward    */
    size_t used;        /* how many scalars params_take() has handed out     */
} params;

/* A zeroed block of `size` parameters and gradients. */
params *params_alloc(size_t size);
void params_free(params *P);

/* Hand out the next n scalars: returns their offset into value/grad.
 * Aborts (a programming error) if the block is too small. */
size_t params_take(params *P, size_t n);

/* grad = 0. Call before each backward pass: backward passes ACCUMULATE. */
void params_zero_grad(params *P);

/* sqrt(sum grad^2): the size of the last gradient, for logs and plots. */
double params_grad_norm(const params *P);

#endif
