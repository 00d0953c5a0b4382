/* loss.c -- see loss.h. */
#include "loss.h"

#include <math.h>

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
