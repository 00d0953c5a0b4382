/* optim.c -- see optim.h. */
#include "optim.h"

#include <math.h>
#include <stdlib.h>

#include "guard.h"
#include "matrix.h"
#include "simd.h"
#include "team.h"
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
    opt->m = vec_calloc_large(P->value->size);
    opt->v = vec_calloc_large(P->value->size);
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

/* Adam's update of every parameter,
 *     m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2,
 *     x -= lr (m / c1) / (sqrt(v / c2) + eps),
 * with the division by c1 (c2) left out when the caller knows it is 1 (the
 * flags are constants at each call: three copies of the loop, no test in it).
 * Its speed is bound by the divider: 3 divisions and a root per number. */
static inline void adam_loop(double *restrict x, double *restrict m, double *restrict v,
                             const double *restrict g, size_t n, double lr, double b1,
                             double b2, double eps, double c1, double c2, int c1_is_1, int c2_is_1)
{
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        const double m_hat = c1_is_1 ? m[i] : m[i] / c1, v_hat = c2_is_1 ? v[i] : v[i] / c2;
        x[i] -= lr * m_hat / (sqrt(v_hat) + eps);
    }
}

typedef struct step_job {
    const optimizer *opt;
    double c1, c2;           /* Adam's bias corrections at this step */
} step_job;

/* The update of parameters [from, to): all of them on one thread, a half on
 * each of a team's two (common/team.h; each number is updated alone, so the
 * halves give the same bits as the whole). */
static SIMD_CLONES void step_range(void *arg, size_t from, size_t to)
{
    const step_job *job = arg;
    const optimizer *opt = job->opt;
    double *x = opt->P->value->data + from, *g = opt->P->grad->data + from;
    double *m = opt->m->data + from, *v = opt->v->data + from;
    const size_t n = to - from;
    const double lr = opt->lr, b1 = opt->beta1, b2 = opt->beta2, eps = opt->eps;
    const double c1 = job->c1, c2 = job->c2;

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
    case OPTIM_ADAM:
        /* once beta^t < 2^-53 (beta1 = 0.5: from step 54; beta2 = 0.9: from
         * step 350) the correction is 1 exactly, and dividing by it changes
         * nothing: the loop skips that division, the same numbers faster */
        if (c1 == 1.0 && c2 == 1.0)
            adam_loop(x, m, v, g, n, lr, b1, b2, eps, c1, c2, 1, 1);
        else if (c1 == 1.0)
            adam_loop(x, m, v, g, n, lr, b1, b2, eps, c1, c2, 1, 0);
        else
            adam_loop(x, m, v, g, n, lr, b1, b2, eps, c1, c2, 0, 0);
        break;
    }
}

void optim_step(optimizer *opt)
{
    opt->step++;
    step_job job = {opt, 1.0, 1.0};
    if (opt->kind == OPTIM_ADAM) {
        /* bias corrections: early moments are averages over few steps */
        job.c1 = 1.0 - pow(opt->beta1, (double)opt->step);
        job.c2 = 1.0 - pow(opt->beta2, (double)opt->step);
    }
    team_range(opt->P->value->size, team_min_items(1), step_range, &job);
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
