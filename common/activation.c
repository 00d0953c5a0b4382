/* activation.c -- see activation.h. */
#include "activation.h"
#include "simd.h"
#include "team.h"

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

/* One row of a leaky ReLU with slope s, forward and backward: shared by
 * ACT_LEAKY_RELU (s = ACT_LEAKY_SLOPE) and leaky_relu_forward/backward. */
static void leaky_row(double s, const double *z, double *a, size_t k)
{
    for (size_t j = 0; j < k; j++) a[j] = z[j] > 0.0 ? z[j] : s * z[j];
}

static void leaky_row_backward(double s, const double *z, const double *da, double *dz, size_t k)
{
    for (size_t j = 0; j < k; j++) dz[j] = z[j] > 0.0 ? da[j] : s * da[j];
}

/* The loops below walk each row through a plain pointer (rows of a view may
 * be apart by tda >= size2): this is the innermost work of every network.
 * The four element-wise passes work on rows [from, to) of their matrices; a
 * team of two threads (common/team.h) takes half the rows each. Every entry
 * is computed alone: the same bits however the rows are shared. */
typedef struct rows_job {
    act_kind kind;
    double slope;
    const gsl_matrix *Z, *A, *dA;
    gsl_matrix *out;
} rows_job;

static SIMD_CLONES void act_forward_rows(void *arg, size_t from, size_t to)
{
    const rows_job *job = arg;
    const act_kind kind = job->kind;
    const gsl_matrix *Z = job->Z;
    gsl_matrix *A = job->out;
    for (size_t i = from; i < to; i++) {
        const double *z = Z->data + i * Z->tda;
        double *a = A->data + i * A->tda;
        switch (kind) {
        case ACT_IDENTITY:
            for (size_t j = 0; j < Z->size2; j++) a[j] = z[j];
            break;
        case ACT_RELU:
            for (size_t j = 0; j < Z->size2; j++) a[j] = z[j] > 0.0 ? z[j] : 0.0;
            break;
        case ACT_LEAKY_RELU:
            leaky_row(ACT_LEAKY_SLOPE, z, a, Z->size2);
            break;
        case ACT_SIGMOID:
            for (size_t j = 0; j < Z->size2; j++) a[j] = stable_sigmoid(z[j]);
            break;
        case ACT_TANH:
            for (size_t j = 0; j < Z->size2; j++) a[j] = tanh(z[j]);
            break;
        }
    }
}

void act_forward(act_kind kind, const gsl_matrix *Z, gsl_matrix *A)
{
    rows_job job = {.kind = kind, .Z = Z, .out = A};
    team_range(Z->size1, team_min_items(Z->size2), act_forward_rows, &job);
}

static SIMD_CLONES void act_backward_rows(void *arg, size_t from, size_t to)
{
    const rows_job *job = arg;
    const act_kind kind = job->kind;
    const gsl_matrix *Z = job->Z, *A = job->A, *dA = job->dA;
    gsl_matrix *dZ = job->out;
    for (size_t i = from; i < to; i++) {
        const double *z = Z->data + i * Z->tda, *a = A->data + i * A->tda;
        const double *da = dA->data + i * dA->tda;
        double *dz = dZ->data + i * dZ->tda;
        switch (kind) {
        case ACT_IDENTITY:
            for (size_t j = 0; j < Z->size2; j++) dz[j] = da[j];
            break;
        case ACT_RELU:      /* da[j] read first: a select, not a branch and a load */
            for (size_t j = 0; j < Z->size2; j++) { const double g = da[j]; dz[j] = z[j] > 0.0 ? g : 0.0; }
            break;
        case ACT_LEAKY_RELU:
            leaky_row_backward(ACT_LEAKY_SLOPE, z, da, dz, Z->size2);
            break;
        case ACT_SIGMOID:   /* f' = a (1 - a) */
            for (size_t j = 0; j < Z->size2; j++) dz[j] = da[j] * (a[j] * (1.0 - a[j]));
            break;
        case ACT_TANH:      /* f' = 1 - a^2 */
            for (size_t j = 0; j < Z->size2; j++) dz[j] = da[j] * (1.0 - a[j] * a[j]);
            break;
        }
    }
}

void act_backward(act_kind kind, const gsl_matrix *Z, const gsl_matrix *A, const gsl_matrix *dA,
                  gsl_matrix *dZ)
{
    rows_job job = {.kind = kind, .Z = Z, .A = A, .dA = dA, .out = dZ};
    team_range(Z->size1, team_min_items(Z->size2), act_backward_rows, &job);
}

static SIMD_CLONES void leaky_forward_rows(void *arg, size_t from, size_t to)
{
    const rows_job *job = arg;
    const gsl_matrix *Z = job->Z;
    gsl_matrix *A = job->out;
    for (size_t i = from; i < to; i++)
        leaky_row(job->slope, Z->data + i * Z->tda, A->data + i * A->tda, Z->size2);
}

void leaky_relu_forward(double slope, const gsl_matrix *Z, gsl_matrix *A)
{
    rows_job job = {.slope = slope, .Z = Z, .out = A};
    team_range(Z->size1, team_min_items(Z->size2), leaky_forward_rows, &job);
}

static SIMD_CLONES void leaky_backward_rows(void *arg, size_t from, size_t to)
{
    const rows_job *job = arg;
    const gsl_matrix *Z = job->Z, *dA = job->dA;
    gsl_matrix *dZ = job->out;
    for (size_t i = from; i < to; i++)
        leaky_row_backward(job->slope, Z->data + i * Z->tda, dA->data + i * dA->tda,
                           dZ->data + i * dZ->tda, Z->size2);
}

void leaky_relu_backward(double slope, const gsl_matrix *Z, const gsl_matrix *dA, gsl_matrix *dZ)
{
    rows_job job = {.slope = slope, .Z = Z, .dA = dA, .out = dZ};
    team_range(Z->size1, team_min_items(Z->size2), leaky_backward_rows, &job);
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
