/* layernorm.c -- see layernorm.h.
 *
 * One sample at a time: its row, read as a (C, P) matrix (feature c at
 * position p is row[c * P + p]), is normalised column by column. The loops
 * run over c outside and p inside, so that every pass reads the row in
 * memory order; the P statistics of a sample live in four scratch vectors. */
#include "layernorm.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>

#include "guard.h"
#include "simd.h"

size_t layernorm_size(size_t features)
{
    return 2 * features;
}

layernorm *layernorm_new(params *P, size_t features, size_t positions)
{
    if (features == 0 || positions == 0)
        GSL_ERROR_NULL("layernorm_new: no features or no positions", GSL_EINVAL);
    layernorm *L = xcalloc(1, sizeof *L, "layer norm layer");
    size_t at = params_take(P, layernorm_size(features));
    L->features = features;
    L->positions = positions;
    L->eps = LAYERNORM_EPS;
    L->g = gsl_vector_view_array(P->value->data + at, features);
    L->dg = gsl_vector_view_array(P->grad->data + at, features);
    L->b = gsl_vector_view_array(P->value->data + at + features, features);
    L->db = gsl_vector_view_array(P->grad->data + at + features, features);
    gsl_vector_set_all(&L->g.vector, 1.0);
    gsl_vector_set_zero(&L->b.vector);
    L->mean = gsl_vector_calloc(positions);
    L->inv_std = gsl_vector_calloc(positions);
    L->s1 = gsl_vector_calloc(positions);
    L->s2 = gsl_vector_calloc(positions);
    return L;
}

void layernorm_free(layernorm *L)
{
    if (!L)
        return;
    gsl_vector_free(L->mean);
    gsl_vector_free(L->inv_std);
    gsl_vector_free(L->s1);
    gsl_vector_free(L->s2);
    free(L);
}

static int bad_shape(const layernorm *L, const gsl_matrix *A, const gsl_matrix *B)
{
    if (A->size2 != L->features * L->positions || B->size1 != A->size1 || B->size2 != A->size2)
        GSL_ERROR("layernorm: matrices must all be (n, features * positions)", GSL_EBADLEN);
    return 0;
}

/* mean[p] and inv_std[p] = 1 / sqrt(var[p] + eps) of one sample's row x;
 * two passes, the mean first (as batchnorm.c) */
SIMD_CLONES static void row_stats(layernorm *L, const double *x)
{
    const size_t C = L->features, P = L->positions;
    double *mu = L->mean->data, *inv = L->inv_std->data, *ss = L->s1->data;
    for (size_t p = 0; p < P; p++)
        mu[p] = ss[p] = 0.0;
    for (size_t c = 0; c < C; c++)
        for (size_t p = 0; p < P; p++)
            mu[p] += x[c * P + p];
    for (size_t p = 0; p < P; p++)
        mu[p] /= (double)C;                                  /* mu = mean_c x_c         */
    for (size_t c = 0; c < C; c++)
        for (size_t p = 0; p < P; p++) {
            double d = x[c * P + p] - mu[p];
            ss[p] += d * d;
        }
    for (size_t p = 0; p < P; p++)
        inv[p] = 1.0 / sqrt(ss[p] / (double)C + L->eps);     /* 1 / sqrt(var + eps)     */
}

SIMD_CLONES void layernorm_forward(layernorm *L, const gsl_matrix *X, gsl_matrix *Y)
{
    if (bad_shape(L, X, Y))
        return;
    const size_t C = L->features, P = L->positions;
    const double *g = L->g.vector.data, *b = L->b.vector.data;
    const size_t gs = L->g.vector.stride, bs = L->b.vector.stride;
    for (size_t i = 0; i < X->size1; i++) {
        const double *x = X->data + i * X->tda;
        double *y = Y->data + i * Y->tda;
        row_stats(L, x);
        const double *mu = L->mean->data, *inv = L->inv_std->data;
        for (size_t c = 0; c < C; c++)                       /* y = g xhat + b          */
            for (size_t p = 0; p < P; p++)
                y[c * P + p] = g[c * gs] * ((x[c * P + p] - mu[p]) * inv[p]) + b[c * bs];
    }
}

SIMD_CLONES void layernorm_backward(layernorm *L, const gsl_matrix *X, const gsl_matrix *dY,
                        gsl_matrix *dX)
{
    if (bad_shape(L, X, dY) || (dX && bad_shape(L, X, dX)))
        return;
    const size_t C = L->features, P = L->positions;
    const double *g = L->g.vector.data;
    double *dg = L->dg.vector.data, *db = L->db.vector.data;
    const size_t gs = L->g.vector.stride, dgs = L->dg.vector.stride, dbs = L->db.vector.stride;
    for (size_t i = 0; i < X->size1; i++) {
        const double *x = X->data + i * X->tda, *dy = dY->data + i * dY->tda;
        row_stats(L, x);                      /* the forward pass's mu and 1/sd again */
        const double *mu = L->mean->data, *inv = L->inv_std->data;
        double *s1 = L->s1->data, *s2 = L->s2->data;
        for (size_t p = 0; p < P; p++)
            s1[p] = s2[p] = 0.0;
        for (size_t c = 0; c < C; c++) {
            double sum_dy = 0.0, sum_dy_xhat = 0.0;
            for (size_t p = 0; p < P; p++) {
                const double xhat = (x[c * P + p] - mu[p]) * inv[p], d = dy[c * P + p];
                s1[p] += g[c * gs] * d;                        /* sum_c dxhat         */
                s2[p] += g[c * gs] * d * xhat;                 /* sum_c dxhat xhat    */
                sum_dy += d;
                sum_dy_xhat += d * xhat;
            }
            db[c * dbs] += sum_dy;                             /* db += sum dy        */
            dg[c * dgs] += sum_dy_xhat;                        /* dg += sum dy xhat   */
        }
        if (!dX)
            continue;
        double *dx = dX->data + i * dX->tda;
        for (size_t c = 0; c < C; c++)
            for (size_t p = 0; p < P; p++) {
                const double xhat = (x[c * P + p] - mu[p]) * inv[p];
                /* dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sqrt(var + eps) */
                dx[c * P + p] = inv[p] * (g[c * gs] * dy[c * P + p] - s1[p] / (double)C
                                          - xhat * (s2[p] / (double)C));
            }
    }
}
