/* loss.c -- see loss.h. */
#include "loss.h"

#include <math.h>

#include "team.h"

double loss_mse(const gsl_matrix *P, const gsl_matrix *T, gsl_matrix *dP)
{
    const double count = (double)(P->size1 * P->size2);
    double sum = 0.0;
    for (size_t i = 0; i < P->size1; i++)
        for (size_t j = 0; j < P->size2; j++) {
            double diff = gsl_matrix_get(P, i, j) - gsl_matrix_get(T, i, j);
            sum += diff * diff;
            if (dP)
                gsl_matrix_set(dP, i, j, 2.0 * diff / count);
        }
    return sum / count;
}

/* Binary cross-entropy, LOSS_CHUNK entries at a time: each entry's term (and
 * its gradient) computed into `terms` by a team of two threads (common/team.h),
 * half the entries each, then the terms summed here in the entries' order, so
 * that the sum rounds as one thread's running sum does. One e = e^-|l| serves
 * both the term and the sigmoid:
 *     sigmoid(l) = 1 / (1 + e)  for l >= 0,    e / (1 + e)  for l < 0. */
#define LOSS_CHUNK 4096

typedef struct bce_job {
    const gsl_matrix *logits, *Y;
    double label, count;
    gsl_matrix *dlogits;
    size_t first;               /* the chunk's first entry, row-major */
    double *terms;
} bce_job;

static void bce_terms(void *arg, size_t from, size_t to)
{
    const bce_job *J = arg;
    const size_t d = J->logits->size2;
    for (size_t k = from; k < to; k++) {
        const size_t i = (J->first + k) / d, j = (J->first + k) % d;
        const double l = J->logits->data[i * J->logits->tda + j];
        const double y = J->Y ? J->Y->data[i * J->Y->tda + j] : J->label;
        const double e = exp(-fabs(l));
        J->terms[k] = fmax(l, 0.0) - l * y + log1p(e);           /* max(l, 0) - l y + log(1 + e^-|l|) */
        if (J->dlogits) {
            const double p = l >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            J->dlogits->data[i * J->dlogits->tda + j] = (p - y) / J->count;
        }
    }
}

double loss_bce_logits(const gsl_matrix *logits, const gsl_matrix *Y, double label,
                       gsl_matrix *dlogits)
{
    const size_t entries = logits->size1 * logits->size2;
    double terms[LOSS_CHUNK], sum = 0.0;
    bce_job J = {logits, Y, label, (double)entries, dlogits, 0, terms};
    for (J.first = 0; J.first < entries; J.first += LOSS_CHUNK) {
        const size_t n = entries - J.first < LOSS_CHUNK ? entries - J.first : LOSS_CHUNK;
        team_range(n, 1024, bce_terms, &J);
        for (size_t k = 0; k < n; k++)
            sum += terms[k];
    }
    return sum / J.count;
}

double loss_softmax_xent(const gsl_matrix *Z, const gsl_matrix *Y, gsl_matrix *dZ)
{
    const double n = (double)Z->size1;
    double sum = 0.0;
    for (size_t i = 0; i < Z->size1; i++) {
        /* log sum_k e^z_k = m + log sum_k e^(z_k - m), m = max_k z_k */
        gsl_vector_const_view z = gsl_matrix_const_row(Z, i);
        double m = gsl_vector_max(&z.vector), total = 0.0;
        for (size_t k = 0; k < Z->size2; k++)
            total += exp(gsl_matrix_get(Z, i, k) - m);
        double log_norm = m + log(total);
        for (size_t j = 0; j < Z->size2; j++) {
            double log_p = gsl_matrix_get(Z, i, j) - log_norm;   /* log softmax */
            double y = gsl_matrix_get(Y, i, j);
            sum -= y * log_p;
            if (dZ)
                gsl_matrix_set(dZ, i, j, (exp(log_p) - y) / n);
        }
    }
    return sum / n;
}

double loss_kl_normal(const gsl_matrix *mu, const gsl_matrix *logvar,
                      gsl_matrix *dmu, gsl_matrix *dlogvar)
{
    const double n = (double)mu->size1;
    double sum = 0.0;
    for (size_t i = 0; i < mu->size1; i++)
        for (size_t j = 0; j < mu->size2; j++) {
            double m = gsl_matrix_get(mu, i, j), lv = gsl_matrix_get(logvar, i, j);
            double var = exp(lv);
            sum += 0.5 * (m * m + var - 1.0 - lv);
            if (dmu)
                gsl_matrix_set(dmu, i, j, m / n);
            if (dlogvar)
                gsl_matrix_set(dlogvar, i, j, 0.5 * (var - 1.0) / n);
        }
    return sum / n;
}

double sigmoid(double l)
{
    return l >= 0.0 ? 1.0 / (1.0 + exp(-l)) : exp(l) / (1.0 + exp(l));
}

double mean_sigmoid(const gsl_matrix *logits)
{
    double s = 0.0;
    for (size_t i = 0; i < logits->size1; i++)
        s += sigmoid(gsl_matrix_get(logits, i, 0));
    return s / (double)logits->size1;
}
