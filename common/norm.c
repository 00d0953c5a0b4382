/* norm.c -- see norm.h. */
#include "norm.h"

anynorm norm_new(params *P, size_t ch, size_t pixels, int use_batch, double ln_eps)
{
    anynorm N = {0};
    if (use_batch) {
        N.bn = batchnorm_new(P, ch, pixels);
    } else {
        N.ln = layernorm_new(P, ch, pixels);
        N.ln->eps = ln_eps;
    }
    return N;
}

void norm_free(anynorm *N)
{
    layernorm_free(N->ln);
    batchnorm_free(N->bn);
    *N = (anynorm){0};
}

void norm_forward(anynorm *N, const gsl_matrix *X, gsl_matrix *Y)
{
    if (N->bn)
        batchnorm_forward(N->bn, X, Y, BN_TRAIN);
    else
        layernorm_forward(N->ln, X, Y);
}

void norm_backward(anynorm *N, const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *dX)
{
    if (N->bn)
        batchnorm_backward(N->bn, X, dY, dX);
    else
        layernorm_backward(N->ln, X, dY, dX);
}
