/* optim.c -- see optim.h. */
#include "optim.h"

#include <math.h>
#include <stdlib.h>

#include "guard.h"
#include <string.h>

static optimizer *optim_new(optim_kind kind, params *P, double lr, double b1, double b2)
{
    optimizer *opt = xcalloc(1, sizeof *opt, "an optimiser");
    opt->kind = kind;
    opt->lr = lr;
    opt->beta1 = b1;
    opt->beta2 = b2;
    opt->eps = 1e-8;
    opt->P = P;
    opt->m = gsl_vector_calloc(P->value->size);
    opt->v = gsl_vector_calloc(P->value->size);
    return opt;
}

optimizer *optim_sgd(params *P, double lr, double momentum)
{
    return optim_new(OPTIM_SGD, P, lr, momentum, 0.0);
}

optimizer *optim_adam(params *P, double lr, double beta1, double beta2)
{
    return optim_new(OPTIM_ADAM, P, lr, beta1, beta2);
}

optimizer *optim_rmsprop(params *P, double lr, double rho)
{
    return optim_new(OPTIM_RMSPROP, P, lr, 0.0, rho);
}

void optim_free(optimizer *opt)
{
    if (!opt)
        return;
    gsl_vector_free(opt->m);
    gsl_vector_free(opt->v);
    free(opt);
}

void optim_step(optimizer *opt)
{
    double *x = opt->P->value->data, *g = opt->P->grad->data;
    double *m = opt->m->data, *v = opt->v->data;
    const size_t n = opt->P->value->size;
    const double lr = opt->lr, b1 = opt->beta1, b2 = opt->beta2, eps = opt->eps;
    opt->step++;

    switch (opt->kind) {
    case OPTIM_SGD:
        for (size_t i = 0; i < n; i++) {
            m[i] = b1 * m[i] + g[i];                 /* velocity */
            x[i] -= lr * m[i];
        }
        break;
    case OPTIM_RMSPROP:
        for (size_t i = 0; i < n; i++) {
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            x[i] -= lr * g[i] / (sqrt(v[i]) + eps);
        }
        break;
    case OPTIM_ADAM: {
        /* bias corrections: early moments are averages over few steps */
        const double c1 = 1.0 - pow(b1, (double)opt->step);
        const double c2 = 1.0 - pow(b2, (double)opt->step);
        for (size_t i = 0; i < n; i++) {
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            x[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
        }
        break;
    }
    }
}

int optim_kind_from_name(const char *name)
{
    if (strcmp(name, "sgd") == 0)
        return OPTIM_SGD;
    if (strcmp(name, "adam") == 0)
        return OPTIM_ADAM;
    if (strcmp(name, "rmsprop") == 0)
        return OPTIM_RMSPROP;
    return -1;
}
