/* gradcheck.h -- is my backward pass right? Ask the definition of a derivative.
 *
 * Introduced in chapter 01. For a scalar loss L(x) and each coordinate i,
 *
 *     numeric_i = ( L(x + h e_i) - L(x - h e_i) ) / (2 h)       (central difference)
 *
 * agrees with the true dL/dx_i up to O(h^2). We compare it with the analytic
 * gradient a backward pass produced, by the relative error
 *
 *     rel_i = |analytic_i - numeric_i| / max(|analytic_i| + |numeric_i|, floor)
 *
 * The floor keeps entries whose gradient is (almost) exactly zero, like a dead
 * ReLU's, from dividing rounding noise by zero. With h = 1e-5 in double
 * precision a correct backward pass gives rel < 1e-7; a wrong factor anywhere
 * gives something of order 1e-2 to 1.
 *
 * Works on anything: x may be a params block's value vector (checks dW, db) or
 * the data of an input matrix (checks dX). `loss` must only evaluate the loss
 * at the current x (a forward pass); it must not change x.
 */
#ifndef GENLAB_GRADCHECK_H
#define GENLAB_GRADCHECK_H

#include <stddef.h>

#define GRADCHECK_H 1e-5
#define GRADCHECK_FLOOR 1e-6

typedef double (*gradcheck_loss)(void *ctx);

typedef struct gradcheck_result {
    double max_rel_err;    /* worst relative error over the checked entries */
    size_t worst;          /* its index                                     */
    double analytic;       /* the two values at that index                  */
    double numeric;
    size_t checked;        /* how many entries were compared                */
} gradcheck_result;

/* Compare analytic[0..n-1] (computed by the caller at the current x) with
 * central differences of loss(ctx) over x[0..n-1]. Checks every entry when
 * n <= max_checks, else max_checks entries spread evenly over the vector.
 * x is restored exactly afterwards. */
gradcheck_result gradcheck(gradcheck_loss loss, void *ctx, double *x,
                           const double *analytic, size_t n, size_t max_checks);

#endif
