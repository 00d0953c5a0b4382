/* optim.h -- optimisers: the only code that changes parameters.
 *
 * Introduced in chapter 01 (SGD, Adam) and chapter 07 (RMSProp). An optimiser
 * reads the gradient a backward pass left in a params block and moves the
 * values. Keeping this apart from backward() is what lets a GAN freeze its
 * discriminator during the generator's step: simply don't step it.
 *
 * With g = grad, t = step count (from 1), all element-wise:
 *
 *   SGD       v = momentum v + g;   x -= lr v            (momentum 0: x -= lr g)
 *   RMSProp   s = rho s + (1 - rho) g^2;   x -= lr g / (sqrt(s) + eps)
 *   Adam      m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *             x -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * Defaults (optim_adam etc.) match PyTorch: Adam lr 1e-3, betas (0.9, 0.999),
 * eps 1e-8; RMSProp rho 0.99, eps 1e-8. Keras uses the same Adam betas but
 * eps 1e-7 and rho 0.9 for RMSProp; at these learning rates the difference is
 * invisible. GAN chapters pass betas (0.5, 0.999) as in the DCGAN paper.
 */
#ifndef GENLAB_OPTIM_H
#define GENLAB_OPTIM_H

#include <gsl/gsl_vector.h>

#include "params.h"

typedef enum { OPTIM_SGD, OPTIM_ADAM, OPTIM_RMSPROP } optim_kind;

typedef struct optimizer {
    optim_kind kind;
    double lr;
    double beta1;     /* Adam b1; SGD momentum                        */
    double beta2;     /* Adam b2; RMSProp rho                         */
    double eps;
    long step;        /* how many steps taken (Adam's t)              */
    params *P;        /* the parameters it moves (not owned)          */
    gsl_vector *m;    /* first moment (Adam) or velocity (SGD)        */
    gsl_vector *v;    /* second moment (Adam, RMSProp)                */
} optimizer;

optimizer *optim_sgd(params *P, double lr, double momentum);
optimizer *optim_adam(params *P, double lr, double beta1, double beta2);
optimizer *optim_rmsprop(params *P, double lr, double rho);
void optim_free(optimizer *opt);

/* One update of every parameter from P->grad. */
void optim_step(optimizer *opt);

/* "sgd" -> OPTIM_SGD etc.; returns -1 for an unknown name. */
int optim_kind_from_name(const char *name);

#endif
