/* mlp.h -- a stack of dense layers: the workhorse of the GAN chapters.
 *
 * Introduced in chapter 05 (chapters 01-04 write their small networks out
 * layer by layer, so that you see every step once). widths = {d0, d1, ..., dL}
 * builds L dense layers d0 -> d1 -> ... -> dL, each followed by the `hidden`
 * activation except the last, which is followed by `output`:
 *
 *     a_0 = X
 *     z_l = a_{l-1} W_l + b_l,   a_l = hidden(z_l)     l = 1 .. L-1
 *     z_L = a_{L-1} W_L + b_L,   a_L = output(z_L)     = the network's output
 *
 * All work matrices are allocated once, for max_batch rows; a forward pass on
 * n <= max_batch rows uses views of the first n rows. The output returned by
 * mlp_forward stays valid until the next forward pass.
 */
#ifndef GENLAB_MLP_H
#define GENLAB_MLP_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "activation.h"
#include "dense.h"
#include "params.h"

typedef struct mlp {
    size_t n_layers;          /* L                                               */
    size_t *width;            /* [L + 1]                                         */
    dense *layer;             /* [L]                                             */
    act_kind hidden, output;
    size_t max_batch, n;      /* capacity, and the rows of the last forward pass */
    const gsl_matrix *input;  /* X of the last forward pass (not owned)          */
    gsl_matrix **z, **a;      /* [L] pre- and post-activation, (max_batch, d_l)  */
    gsl_matrix **dz, **da;    /* [L] gradient buffers, same shapes               */
    gsl_matrix_view *zv, *av, *dzv, *dav;  /* [L] views of the first n rows      */
} mlp;

/* Scalars needed by such a stack (to size the params block). */
size_t mlp_size(const size_t *widths, size_t n_widths);

/* Build it on the next slice of P. */
mlp *mlp_new(params *P, const size_t *widths, size_t n_widths,
             act_kind hidden, act_kind output, size_t max_batch);
void mlp_free(mlp *net);

/* Xavier-normal weights, zero biases, every layer. */
void mlp_init_xavier(mlp *net, gsl_rng *r);

/* Output a_L for the rows of X (n <= max_batch). */
const gsl_matrix *mlp_forward(mlp *net, const gsl_matrix *X);

/* The output a_L of the last forward pass (what mlp_forward returned). */
const gsl_matrix *mlp_output(const mlp *net);

/* Given dOut = dL/da_L for the last forward pass: ADD dL/dW, dL/db of every
 * layer into the params grad vector, and write dL/dX into dX if not NULL. */
void mlp_backward(mlp *net, const gsl_matrix *dOut, gsl_matrix *dX);

/* Only dL/dX, leaving the parameter gradients untouched: the generator's step
 * in a GAN backpropagates THROUGH the discriminator this way. */
void mlp_backward_input(mlp *net, const gsl_matrix *dOut, gsl_matrix *dX);

#endif
