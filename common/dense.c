/* dense.c -- see dense.h. */
#include "dense.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>

#include "matrix.h"

size_t dense_size(size_t in, size_t out)
{
    return in * out + out;
}

void dense_bind(dense *L, params *P, size_t in, size_t out)
{
    size_t at = params_take(P, dense_size(in, out));
    L->in = in;
    L->out = out;
    L->W = gsl_matrix_view_array(P->value->data + at, in, out);
    L->dW = gsl_matrix_view_array(P->grad->data + at, in, out);
    L->b = gsl_vector_view_array(P->value->data + at + in * out, out);
    L->db = gsl_vector_view_array(P->grad->data + at + in * out, out);
}

void dense_init_normal(dense *L, gsl_rng *r, double sd)
{
    for (size_t i = 0; i < L->in; i++)
        for (size_t j = 0; j < L->out; j++)
            gsl_matrix_set(&L->W.matrix, i, j, gsl_ran_gaussian(r, sd));
    gsl_vector_set_zero(&L->b.vector);
}

void dense_init_xavier(dense *L, gsl_rng *r)
{
    dense_init_normal(L, r, sqrt(2.0 / (double)(L->in + L->out)));
}

void dense_forward(const dense *L, const gsl_matrix *X, gsl_matrix *Y)
{
    /* Y = 1.0 * X W + 0.0 * Y */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, &L->W.matrix, 0.0, Y);
    mat_add_row_vector(Y, &L->b.vector);                    /* Y += b */
}

void dense_backward(dense *L, const gsl_matrix *X, const gsl_matrix *dY,
                    gsl_matrix *dX)
{
    /* dW += X^T dY   (beta = 1.0: accumulate into what is already there) */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, X, dY, 1.0, &L->dW.matrix);
    mat_add_col_sums(&L->db.vector, dY);                    /* db += sum_i dY[i,:] */
    if (dX)                                                 /* dX = dY W^T */
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, dY, &L->W.matrix, 0.0, dX);
}
