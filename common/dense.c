/* dense.c -- see dense.h. */
#include "dense.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>

#include "matrix.h"
#include "team.h"

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
    /* First every row of Y becomes b, then one BLAS call adds the product on
     * top: Y = 1.0 * X W + 1.0 * Y. (Adding b afterwards, row by row, would
     * stream Y through memory a second time; on the small batches of the toy
     * chapters that costs as much as the product.) On a team, each thread
     * fills the half of Y it then multiplies (team.h). */
    team_dgemm_bias(CblasNoTrans, CblasNoTrans, 1.0, X, &L->W.matrix, &L->b.vector, Y);
}

void dense_backward(dense *L, const gsl_matrix *X, const gsl_matrix *dY,
                    gsl_matrix *dX)
{
    /* dW += X^T dY   (beta = 1.0: accumulate into what is already there) */
    team_dgemm(CblasTrans, CblasNoTrans, 1.0, X, dY, 1.0, &L->dW.matrix);
    mat_add_col_sums(&L->db.vector, dY);                    /* db += sum_i dY[i,:] */
    if (dX)
        dense_backward_input(L, dY, dX);
}

void dense_backward_input(const dense *L, const gsl_matrix *dY, gsl_matrix *dX)
{
    team_dgemm(CblasNoTrans, CblasTrans, 1.0, dY, &L->W.matrix, 0.0, dX);   /* dX = dY W^T */
}
