/* activation.c -- see activation.h. */
#include "activation.h"

#include <math.h>

const char *act_name(act_kind kind)
{
    switch (kind) {
    case ACT_IDENTITY:   return "identity";
    case ACT_RELU:       return "relu";
    case ACT_LEAKY_RELU: return "leaky-relu";
    case ACT_SIGMOID:    return "sigmoid";
    case ACT_TANH:       return "tanh";
    }
    return "?";
}

/* 1 / (1 + e^-z), written so that exp() only ever sees a non-positive number. */
static double stable_sigmoid(double z)
{
    if (z >= 0.0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

static double act_value(act_kind kind, double z)
{
    switch (kind) {
    case ACT_IDENTITY:   return z;
    case ACT_RELU:       return z > 0.0 ? z : 0.0;
    case ACT_LEAKY_RELU: return z > 0.0 ? z : ACT_LEAKY_SLOPE * z;
    case ACT_SIGMOID:    return stable_sigmoid(z);
    case ACT_TANH:       return tanh(z);
    }
    return z;
}

/* f'(z), using a = f(z) where that is cheaper. */
static double act_slope(act_kind kind, double z, double a)
{
    switch (kind) {
    case ACT_IDENTITY:   return 1.0;
    case ACT_RELU:       return z > 0.0 ? 1.0 : 0.0;
    case ACT_LEAKY_RELU: return z > 0.0 ? 1.0 : ACT_LEAKY_SLOPE;
    case ACT_SIGMOID:    return a * (1.0 - a);
    case ACT_TANH:       return 1.0 - a * a;
    }
    return 1.0;
}

void act_forward(act_kind kind, const gsl_matrix *Z, gsl_matrix *A)
{
    for (size_t i = 0; i < Z->size1; i++)
        for (size_t j = 0; j < Z->size2; j++)
            gsl_matrix_set(A, i, j, act_value(kind, gsl_matrix_get(Z, i, j)));
}

void act_backward(act_kind kind, const gsl_matrix *Z, const gsl_matrix *A,
                  const gsl_matrix *dA, gsl_matrix *dZ)
{
    for (size_t i = 0; i < Z->size1; i++)
        for (size_t j = 0; j < Z->size2; j++) {
            double slope = act_slope(kind, gsl_matrix_get(Z, i, j), gsl_matrix_get(A, i, j));
            gsl_matrix_set(dZ, i, j, gsl_matrix_get(dA, i, j) * slope);
        }
}

void softmax_forward(const gsl_matrix *Z, gsl_matrix *S)
{
    for (size_t i = 0; i < Z->size1; i++) {
        gsl_vector_const_view z = gsl_matrix_const_row(Z, i);
        double m = gsl_vector_max(&z.vector), total = 0.0;
        for (size_t j = 0; j < Z->size2; j++) {
            double e = exp(gsl_matrix_get(Z, i, j) - m);
            gsl_matrix_set(S, i, j, e);
            total += e;
        }
        gsl_vector_view s = gsl_matrix_row(S, i);
        gsl_vector_scale(&s.vector, 1.0 / total);
    }
}

void softmax_backward(const gsl_matrix *S, const gsl_matrix *dS, gsl_matrix *dZ)
{
    for (size_t i = 0; i < S->size1; i++) {
        double dot = 0.0;                      /* sum_k dS[i,k] S[i,k] */
        for (size_t k = 0; k < S->size2; k++)
            dot += gsl_matrix_get(dS, i, k) * gsl_matrix_get(S, i, k);
        for (size_t j = 0; j < S->size2; j++)
            gsl_matrix_set(dZ, i, j,
                           gsl_matrix_get(S, i, j) * (gsl_matrix_get(dS, i, j) - dot));
    }
}
