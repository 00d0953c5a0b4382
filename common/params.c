/* params.c -- see params.h. */
#include "params.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "matrix.h"
#include "team.h"

params *params_alloc(size_t size)
{
    params *P = xcalloc(1, sizeof *P, "parameters");
    P->value = vec_calloc_large(size);      /* zeros, faulted in only when written */
    P->grad = vec_calloc_large(size);
    return P;
}

void params_free(params *P)
{
    if (!P)
        return;
    gsl_vector_free(P->value);
    gsl_vector_free(P->grad);
    free(P);
}

size_t params_take(params *P, size_t n)
{
    if (P->used + n > P->value->size)
        GSL_ERROR_VAL("params_take: parameter block too small", GSL_ENOMEM, 0);
    size_t offset = P->used;
    P->used += n;
    return offset;
}

/* grad[from, to) = 0: the block is ours and contiguous, so one memset (all
 * bits 0 is +0.0), about twice as fast as gsl_vector_set_zero's strided loop */
static void zero_range(void *grad, size_t from, size_t to)
{
    memset((double *)grad + from, 0, (to - from) * sizeof(double));
}

void params_zero_grad(params *P)
{
    team_range(P->grad->size, team_min_items(1), zero_range, P->grad->data);   /* a large block: two halves */
}

double params_grad_norm(const params *P)
{
    return gsl_blas_dnrm2(P->grad);
}
