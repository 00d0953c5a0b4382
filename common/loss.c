/* loss.c -- see loss.h. */
#include "loss.h"

#include <math.h>

#include "guard.h"

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

double loss_bce_logits(const gsl_matrix *logits, const gsl_matrix *Y, double label,
                       gsl_matrix *dlogits)
{
    const double count = (double)(logits->size1 * logits->size2);
    double sum = 0.0;
    for (size_t i = 0; i < logits->size1; i++)
        for (size_t j = 0; j < logits->size2; j++) {
            double l = gsl_matrix_get(logits, i, j);
            double y = Y ? gsl_matrix_get(Y, i, j) : label;
            sum += fmax(l, 0.0) - l * y + log1p(exp(-fabs(l)));
            if (dlogits) {
                double p = l >= 0.0 ? 1.0 / (1.0 + exp(-l)) : exp(l) / (1.0 + exp(l));
                gsl_matrix_set(dlogits, i, j, (p - y) / count);
            }
        }
    return sum / count;
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

/* log sum_k e^z_k of row i, stably */
static double row_log_norm(const gsl_matrix *Z, size_t i)
{
    gsl_vector_const_view z = gsl_matrix_const_row(Z, i);
    const double m = gsl_vector_max(&z.vector);
    double total = 0.0;
    for (size_t k = 0; k < Z->size2; k++)
        total += exp(gsl_matrix_get(Z, i, k) - m);
    return m + log(total);
}

double loss_cluster_entropy(const gsl_matrix *Z, gsl_matrix *dZ)
{
    const size_t n = Z->size1, K = Z->size2;
    double pbar[LOSS_MAX_CLASSES] = {0}, log_pbar[LOSS_MAX_CLASSES], h_bar = 0.0, h_rows = 0.0;
    if (K > LOSS_MAX_CLASSES)
        die("loss_cluster_entropy: %zu classes (at most %d)", K, LOSS_MAX_CLASSES);
    for (size_t i = 0; i < n; i++) {                         /* pbar = mean of the rows */
        const double log_norm = row_log_norm(Z, i);
        for (size_t j = 0; j < K; j++)
            pbar[j] += exp(gsl_matrix_get(Z, i, j) - log_norm) / (double)n;
    }
    for (size_t j = 0; j < K; j++) {
        log_pbar[j] = log(pbar[j] > 1e-300 ? pbar[j] : 1e-300);
        h_bar -= pbar[j] * log_pbar[j];
    }
    for (size_t i = 0; i < n; i++) {
        const double log_norm = row_log_norm(Z, i);
        double h = 0.0, s = 0.0;                             /* H(p_i), S_i */
        for (size_t j = 0; j < K; j++) {
            const double log_p = gsl_matrix_get(Z, i, j) - log_norm, p = exp(log_p);
            h -= p * log_p, s += p * log_pbar[j];
        }
        h_rows += h;
        for (size_t j = 0; dZ && j < K; j++) {
            const double log_p = gsl_matrix_get(Z, i, j) - log_norm, p = exp(log_p);
            gsl_matrix_set(dZ, i, j, p * ((log_pbar[j] - s) - (log_p + h)) / (double)n);
        }
    }
    return h_rows / (double)n - h_bar;
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
