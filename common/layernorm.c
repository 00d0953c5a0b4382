/* layernorm.c -- see layernorm.h.
 *
 * One sample at a time: its row, read as a (C, P) matrix (feature c at
 * position p is row[c * P + p]), is normalised column by column. The loops
 * run over c outside and p inside, so that every pass reads the row in
 * memory order; the P statistics of a sample live in four scratch vectors.
 *
 * Samples are independent, so a team of two threads (common/team.h) takes
 * them in turn, each with its own scratch. Only dg and db are sums over the
 * samples, and their order decides how they round: the backward pass stores
 * each sample's 2C sums (for LAYERNORM_CHUNK samples at a time) and adds
 * them into dg and db afterwards, sample after sample, as one thread would. */
#include "layernorm.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>

#include "guard.h"
#include "simd.h"
#include "team.h"

/* Where the second thread's scratch starts: past P, and a cache line (8
 * doubles) further, so that the two threads never write the same line. */
static size_t scratch_stride(size_t positions)
{
    return ((positions + 7) & ~(size_t)7) + 8;
}

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
    L->mean = gsl_vector_calloc(2 * scratch_stride(positions));
    L->inv_std = gsl_vector_calloc(2 * scratch_stride(positions));
    L->s1 = gsl_vector_calloc(2 * scratch_stride(positions));
    L->s2 = gsl_vector_calloc(2 * scratch_stride(positions));
    L->sums = gsl_vector_calloc(LAYERNORM_CHUNK * 2 * features);
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
    gsl_vector_free(L->sums);
    free(L);
}

static int bad_shape(const layernorm *L, const gsl_matrix *A, const gsl_matrix *B)
{
    if (A->size2 != L->features * L->positions || B->size1 != A->size1 || B->size2 != A->size2)
        GSL_ERROR("layernorm: matrices must all be (n, features * positions)", GSL_EBADLEN);
    return 0;
}

/* One thread's scratch: the P statistics of the sample it works on. */
typedef struct scratch {
    double *mu, *inv, *s1, *s2;
} scratch;

static scratch thread_scratch(const layernorm *L, int thread)
{
    const size_t at = (size_t)thread * scratch_stride(L->positions);
    return (scratch){L->mean->data + at, L->inv_std->data + at, L->s1->data + at, L->s2->data + at};
}

/* mean[p] and inv_std[p] = 1 / sqrt(var[p] + eps) of one sample's row x;
 * two passes, the mean first (as batchnorm.c) */
SIMD_CLONES static void row_stats(const layernorm *L, const double *x, scratch t)
{
    const size_t C = L->features, P = L->positions;
    double *mu = t.mu, *inv = t.inv, *ss = t.s1;
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

typedef struct rows_job {
    const layernorm *L;
    const gsl_matrix *X, *dY;
    gsl_matrix *Y, *dX;
    size_t first;                /* backward: the chunk's first sample */
} rows_job;

SIMD_CLONES static void forward_sample(void *arg, size_t i, int thread)
{
    const rows_job *J = arg;
    const layernorm *L = J->L;
    const size_t C = L->features, P = L->positions;
    const double *g = L->g.vector.data, *b = L->b.vector.data;
    const size_t gs = L->g.vector.stride, bs = L->b.vector.stride;
    const double *x = J->X->data + i * J->X->tda;
    double *y = J->Y->data + i * J->Y->tda;
    const scratch t = thread_scratch(L, thread);
    row_stats(L, x, t);
    const double *mu = t.mu, *inv = t.inv;
    for (size_t c = 0; c < C; c++)                           /* y = g xhat + b          */
        for (size_t p = 0; p < P; p++)
            y[c * P + p] = g[c * gs] * ((x[c * P + p] - mu[p]) * inv[p]) + b[c * bs];
}

void layernorm_forward(layernorm *L, const gsl_matrix *X, gsl_matrix *Y)
{
    if (bad_shape(L, X, Y))
        return;
    rows_job J = {L, X, NULL, Y, NULL, 0};
    team_each(X->size1, team_min_items(L->features * L->positions), forward_sample, &J);
}

/* Sample J->first + i: its sums of dy and of dy xhat over the positions,
 * feature by feature, into row i of L->sums (C of each), and its dx. */
SIMD_CLONES static void backward_sample(void *arg, size_t i, int thread)
{
    const rows_job *J = arg;
    const layernorm *L = J->L;
    const size_t C = L->features, P = L->positions, row = J->first + i;
    const double *g = L->g.vector.data;
    const size_t gs = L->g.vector.stride;
    const double *x = J->X->data + row * J->X->tda, *dy = J->dY->data + row * J->dY->tda;
    double *sums = L->sums->data + i * 2 * C;                /* sum dy | sum dy xhat    */
    const scratch t = thread_scratch(L, thread);
    row_stats(L, x, t);                       /* the forward pass's mu and 1/sd again */
    const double *mu = t.mu, *inv = t.inv;
    double *s1 = t.s1, *s2 = t.s2;
    for (size_t p = 0; p < P; p++)
        s1[p] = s2[p] = 0.0;
    for (size_t c = 0; c < C; c++) {
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (size_t p = 0; p < P; p++) {
            const double xhat = (x[c * P + p] - mu[p]) * inv[p], d = dy[c * P + p];
            s1[p] += g[c * gs] * d;                            /* sum_c dxhat         */
            s2[p] += g[c * gs] * d * xhat;                     /* sum_c dxhat xhat    */
            sum_dy += d;
            sum_dy_xhat += d * xhat;
        }
        sums[c] = sum_dy;
        sums[C + c] = sum_dy_xhat;
    }
    if (!J->dX)
        return;
    double *dx = J->dX->data + row * J->dX->tda;
    for (size_t c = 0; c < C; c++)
        for (size_t p = 0; p < P; p++) {
            const double xhat = (x[c * P + p] - mu[p]) * inv[p];
            /* dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sqrt(var + eps) */
            dx[c * P + p] = inv[p] * (g[c * gs] * dy[c * P + p] - s1[p] / (double)C
                                      - xhat * (s2[p] / (double)C));
        }
}

/* with_params: add dg and db (else only dX) */
static void backward(layernorm *L, const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *dX, int with_params)
{
    if (bad_shape(L, X, dY) || (dX && bad_shape(L, X, dX)))
        return;
    const size_t C = L->features;
    double *dg = L->dg.vector.data, *db = L->db.vector.data;
    const size_t dgs = L->dg.vector.stride, dbs = L->db.vector.stride;
    for (size_t first = 0; first < X->size1; first += LAYERNORM_CHUNK) {
        const size_t n = X->size1 - first < LAYERNORM_CHUNK ? X->size1 - first : LAYERNORM_CHUNK;
        rows_job J = {L, X, dY, NULL, dX, first};
        team_each(n, team_min_items(L->features * L->positions), backward_sample, &J);
        for (size_t i = 0; with_params && i < n; i++) {      /* then the sums, in the samples' order */
            const double *sums = L->sums->data + i * 2 * C;
            for (size_t c = 0; c < C; c++) {
                db[c * dbs] += sums[c];                        /* db += sum dy        */
                dg[c * dgs] += sums[C + c];                    /* dg += sum dy xhat   */
            }
        }
    }
}

void layernorm_backward(layernorm *L, const gsl_matrix *X, const gsl_matrix *dY,
                        gsl_matrix *dX)
{
    backward(L, X, dY, dX, 1);
}

void layernorm_backward_input(layernorm *L, const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *dX)
{
    backward(L, X, dY, dX, 0);
}
