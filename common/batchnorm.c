/* batchnorm.c -- see batchnorm.h.
 *
 * Channel c of image i is the contiguous run of `pixels` numbers starting at
 * X[i, c * pixels]; a channel's statistics gather that run from every row. */
#include "batchnorm.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>

#include "guard.h"
#include "simd.h"
#include "team.h"

size_t batchnorm_size(size_t channels)
{
    return 2 * channels;
}

batchnorm *batchnorm_new(params *P, size_t channels, size_t pixels)
{
    if (channels == 0 || pixels == 0)
        GSL_ERROR_NULL("batchnorm_new: no channels or no pixels", GSL_EINVAL);
    batchnorm *L = xcalloc(1, sizeof *L, "batch norm layer");
    size_t at = params_take(P, batchnorm_size(channels));
    L->channels = channels;
    L->pixels = pixels;
    L->momentum = BATCHNORM_MOMENTUM;
    L->gamma = gsl_vector_view_array(P->value->data + at, channels);
    L->dgamma = gsl_vector_view_array(P->grad->data + at, channels);
    L->beta = gsl_vector_view_array(P->value->data + at + channels, channels);
    L->dbeta = gsl_vector_view_array(P->grad->data + at + channels, channels);
    gsl_vector_set_all(&L->gamma.vector, 1.0);
    gsl_vector_set_zero(&L->beta.vector);
    L->running_mean = gsl_vector_calloc(channels);
    L->running_var = gsl_vector_alloc(channels);
    gsl_vector_set_all(L->running_var, 1.0);
    L->mean = gsl_vector_calloc(channels);
    L->inv_std = gsl_vector_calloc(channels);
    L->mode = BN_TRAIN;
    return L;
}

void batchnorm_free(batchnorm *L)
{
    if (!L)
        return;
    gsl_vector_free(L->running_mean);
    gsl_vector_free(L->running_var);
    gsl_vector_free(L->mean);
    gsl_vector_free(L->inv_std);
    free(L);
}

static int bad_shape(const batchnorm *L, const gsl_matrix *A, const gsl_matrix *B)
{
    if (A->size2 != L->channels * L->pixels || B->size1 != A->size1 || B->size2 != A->size2)
        GSL_ERROR("batchnorm: matrices must all be (n, channels * pixels)", GSL_EBADLEN);
    return 0;
}

/* Every channel is normalised on its own: a team of two threads (common/team.h)
 * takes half the channels each, with the same bits as one thread. */
typedef struct channels_job {
    batchnorm *L;
    const gsl_matrix *X, *dY;
    gsl_matrix *Y, *dX;
    bn_mode mode;
} channels_job;

SIMD_CLONES static void forward_channels(void *arg, size_t from, size_t to)
{
    const channels_job *J = arg;
    batchnorm *L = J->L;
    const gsl_matrix *X = J->X;
    gsl_matrix *Y = J->Y;
    const bn_mode mode = J->mode;
    const size_t n = X->size1, HW = L->pixels;
    const double m = (double)(n * HW);                  /* values per channel */
    for (size_t c = from; c < to; c++) {
        double mu, inv_std;
        if (mode == BN_TRAIN) {
            /* two passes, mean first: sum (x - mu)^2 does not lose digits the
             * way sum x^2 - m mu^2 does when |mu| is large against sd */
            double sum = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double *x = X->data + i * X->tda + c * HW;
                for (size_t j = 0; j < HW; j++)
                    sum += x[j];
            }
            mu = sum / m;                                      /* mu = mean x           */
            double ss = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double *x = X->data + i * X->tda + c * HW;
                for (size_t j = 0; j < HW; j++)
                    ss += (x[j] - mu) * (x[j] - mu);
            }
            double var = ss / m;                               /* var = mean (x - mu)^2 */
            inv_std = 1.0 / sqrt(var + BATCHNORM_EPS);
            /* running averages, the variance made unbiased (m / (m - 1)) */
            double a = L->momentum, unbiased = m > 1.0 ? var * m / (m - 1.0) : var;
            double *rm = gsl_vector_ptr(L->running_mean, c), *rv = gsl_vector_ptr(L->running_var, c);
            *rm = (1.0 - a) * *rm + a * mu;
            *rv = (1.0 - a) * *rv + a * unbiased;
        } else {
            mu = gsl_vector_get(L->running_mean, c);
            inv_std = 1.0 / sqrt(gsl_vector_get(L->running_var, c) + BATCHNORM_EPS);
        }
        gsl_vector_set(L->mean, c, mu);
        gsl_vector_set(L->inv_std, c, inv_std);
        /* y = gamma (x - mu) / sqrt(var + eps) + beta */
        double gamma = gsl_vector_get(&L->gamma.vector, c), beta = gsl_vector_get(&L->beta.vector, c);
        for (size_t i = 0; i < n; i++) {
            const double *x = X->data + i * X->tda + c * HW;
            double *y = Y->data + i * Y->tda + c * HW;
            for (size_t j = 0; j < HW; j++)
                y[j] = gamma * ((x[j] - mu) * inv_std) + beta;
        }
    }
}

void batchnorm_forward(batchnorm *L, const gsl_matrix *X, gsl_matrix *Y, bn_mode mode)
{
    if (bad_shape(L, X, Y))
        return;
    channels_job J = {L, X, NULL, Y, NULL, mode};
    team_range(L->channels, team_min_items(X->size1 * L->pixels), forward_channels, &J);
    L->mode = mode;
}

SIMD_CLONES static void backward_channels(void *arg, size_t from, size_t to)
{
    const channels_job *J = arg;
    batchnorm *L = J->L;
    const gsl_matrix *X = J->X, *dY = J->dY;
    gsl_matrix *dX = J->dX;
    const size_t n = X->size1, HW = L->pixels;
    const double m = (double)(n * HW);
    for (size_t c = from; c < to; c++) {
        double mu = gsl_vector_get(L->mean, c), inv_std = gsl_vector_get(L->inv_std, c);
        /* the two sums of the formula: sum dy and sum dy xhat */
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double *x = X->data + i * X->tda + c * HW;
            const double *dy = dY->data + i * dY->tda + c * HW;
            for (size_t j = 0; j < HW; j++) {
                sum_dy += dy[j];
                sum_dy_xhat += dy[j] * ((x[j] - mu) * inv_std);  /* dy xhat */
            }
        }
        *gsl_vector_ptr(&L->dbeta.vector, c) += sum_dy;          /* dbeta += sum dy       */
        *gsl_vector_ptr(&L->dgamma.vector, c) += sum_dy_xhat;    /* dgamma += sum dy xhat */
        if (!dX)
            continue;
        double scale = gsl_vector_get(&L->gamma.vector, c) * inv_std;   /* gamma / sqrt(var + eps) */
        /* training: the batch's mean and variance moved with x, so the parts of
         * dy along 1 and along xhat are removed; evaluation: they were constants */
        double mean_dy = L->mode == BN_TRAIN ? sum_dy / m : 0.0;
        double mean_dy_xhat = L->mode == BN_TRAIN ? sum_dy_xhat / m : 0.0;
        for (size_t i = 0; i < n; i++) {
            const double *x = X->data + i * X->tda + c * HW;
            const double *dy = dY->data + i * dY->tda + c * HW;
            double *dx = dX->data + i * dX->tda + c * HW;
            for (size_t j = 0; j < HW; j++) {
                double xhat = (x[j] - mu) * inv_std;
                /* dx = gamma / sqrt(var + eps) (dy - mean(dy) - xhat mean(dy xhat)) */
                dx[j] = scale * (dy[j] - mean_dy - xhat * mean_dy_xhat);
            }
        }
    }
}

void batchnorm_backward(batchnorm *L, const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *dX)
{
    if (bad_shape(L, X, dY) || (dX && bad_shape(L, X, dX)))
        return;
    channels_job J = {L, X, dY, NULL, dX, L->mode};
    team_range(L->channels, team_min_items(X->size1 * L->pixels), backward_channels, &J);
}
