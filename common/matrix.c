/* matrix.c -- see matrix.h. */
#define _DEFAULT_SOURCE                 /* madvise's MADV_HUGEPAGE (Linux) */
#include "matrix.h"
#include "simd.h"
#include "team.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void mem_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t from = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t to = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (p && to > from)
        (void)madvise((void *)from, to - from, MADV_HUGEPAGE);   /* advice: may be ignored */
#else
    (void)p, (void)bytes;
#endif
}

gsl_matrix *mat_alloc_large(size_t n1, size_t n2)
{
    gsl_matrix *M = gsl_matrix_alloc(n1, n2);
    if (M)
        mem_advise_huge(M->data, n1 * n2 * sizeof(double));   /* before anything is written */
    return M;
}

/* A gsl_block of n zeros that gsl_block_free can free (it calls free() on the
 * data, then on the block). calloc, unlike gsl_block_calloc's malloc + memset,
 * knows that memory fresh from the kernel is zero already: it writes nothing,
 * and a page nobody writes is never faulted in. */
static gsl_block *block_calloc(size_t n)
{
    gsl_block *b = malloc(sizeof *b);
    double *data = calloc(n, sizeof *data);
    if (!b || !data) {
        free(b), free(data);
        GSL_ERROR_NULL("block_calloc: no memory for the zeros", GSL_ENOMEM);
    }
    b->size = n;
    b->data = data;
    mem_advise_huge(data, n * sizeof *data);
    return b;
}

gsl_matrix *mat_calloc_large(size_t n1, size_t n2)
{
    if (n1 == 0 || n2 == 0)              /* nothing to allocate: GSL's own way */
        return gsl_matrix_calloc(n1, n2);
    gsl_block *b = block_calloc(n1 * n2);
    gsl_matrix *M = b ? gsl_matrix_alloc_from_block(b, 0, n1, n2, n2) : NULL;
    if (!M) {
        gsl_block_free(b);
        return NULL;
    }
    M->owner = 1;                        /* gsl_matrix_free frees the block too */
    return M;
}

gsl_vector *vec_calloc_large(size_t n)
{
    if (n == 0)
        return gsl_vector_calloc(0);
    gsl_block *b = block_calloc(n);
    gsl_vector *v = b ? gsl_vector_alloc_from_block(b, 0, n, 1) : NULL;
    if (!v) {
        gsl_block_free(b);
        return NULL;
    }
    v->owner = 1;
    return v;
}

gsl_matrix_view mat_rows(gsl_matrix *M, size_t n)
{
    return gsl_matrix_submatrix(M, 0, 0, n, M->size2);
}

gsl_matrix_view mat_row_block(gsl_matrix *M, size_t first, size_t n)
{
    return gsl_matrix_submatrix(M, first, 0, n, M->size2);
}

SIMD_CLONES void mat_add_row_vector(gsl_matrix *Y, const gsl_vector *b)
{
    if (b->size != Y->size2)
        GSL_ERROR_VOID("mat_add_row_vector: vector and rows differ in length", GSL_EBADLEN);
    const double *add = b->data;
    const size_t stride = b->stride;
    for (size_t i = 0; i < Y->size1; i++) {     /* plain pointers: a vectorised inner loop */
        double *row = Y->data + i * Y->tda;
        for (size_t j = 0; j < Y->size2; j++)
            row[j] += add[j * stride];
    }
}

typedef struct col_sums_job {
    gsl_vector *s;
    const gsl_matrix *D;
} col_sums_job;

/* s[j] += D[0,j], then D[1,j], ...: the order gsl_vector_add row by row
 * would take, through plain pointers so that the compiler can vectorise
 * the inner loop, for the columns [from, to) (a team: half each) */
static SIMD_CLONES void col_sums_range(void *arg, size_t from, size_t to)
{
    const col_sums_job *J = arg;
    double *sum = J->s->data;
    const size_t stride = J->s->stride;
    for (size_t i = 0; i < J->D->size1; i++) {
        const double *row = J->D->data + i * J->D->tda;
        for (size_t j = from; j < to; j++)
            sum[j * stride] += row[j];
    }
}

void mat_add_col_sums(gsl_vector *s, const gsl_matrix *D)
{
    /* every dense layer's backward pass calls this (db) */
    if (s->size != D->size2)
        GSL_ERROR_VOID("mat_add_col_sums: vector and rows differ in length", GSL_EBADLEN);
    col_sums_job J = {s, D};
    team_range(D->size2, team_min_items(D->size1), col_sums_range, &J);
}

double mat_mean(const gsl_matrix *M)
{
    double sum = 0.0;
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            sum += gsl_matrix_get(M, i, j);
    return sum / (double)(M->size1 * M->size2);
}

double mat_mse(const gsl_matrix *A, const gsl_matrix *B)
{
    double sum = 0.0;
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++) {
            double d = gsl_matrix_get(A, i, j) - gsl_matrix_get(B, i, j);
            sum += d * d;
        }
    return sum / (double)(A->size1 * A->size2);
}

typedef struct gather_job {
    gsl_matrix *dst;
    const gsl_matrix *src;
    const size_t *idx;
} gather_job;

/* rows [from, to) of dst: whole rows of doubles, one memcpy each */
static void gather_range(void *arg, size_t from, size_t to)
{
    const gather_job *J = arg;
    for (size_t i = from; i < to; i++)
        memcpy(J->dst->data + i * J->dst->tda, J->src->data + J->idx[i] * J->src->tda,
               J->dst->size2 * sizeof(double));
}

void mat_gather_rows(gsl_matrix *dst, const gsl_matrix *src, const size_t *idx, size_t n)
{
    if (dst->size2 != src->size2 || n > dst->size1)
        GSL_ERROR_VOID("mat_gather_rows: the rows do not fit", GSL_EBADLEN);
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= src->size1)
            GSL_ERROR_VOID("mat_gather_rows: a row number is out of range", GSL_EINVAL);
    gather_job J = {dst, src, idx};
    team_range(n, team_min_items(dst->size2), gather_range, &J);   /* a batch of images: half each */
}

int mat_all_finite(const gsl_matrix *M)
{
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            if (!isfinite(gsl_matrix_get(M, i, j)))
                return 0;
    return 1;
}
