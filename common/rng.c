/* rng.c -- see rng.h. */
#include "rng.h"

#include <gsl/gsl_randist.h>

#include "guard.h"

gsl_rng *rng_new(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

void rng_fill_gaussian(gsl_rng *r, gsl_matrix *M, double mean, double sd)
{
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            gsl_matrix_set(M, i, j, mean + gsl_ran_gaussian_ziggurat(r, sd));
}

void rng_fill_uniform(gsl_rng *r, gsl_matrix *M, double lo, double hi)
{
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            gsl_matrix_set(M, i, j, gsl_ran_flat(r, lo, hi));
}

void rng_add_gaussian(gsl_rng *r, gsl_matrix *M, double sd)
{
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            *gsl_matrix_ptr(M, i, j) += gsl_ran_gaussian_ziggurat(r, sd);
}

void rng_shuffle(gsl_rng *r, size_t *idx, size_t n)
{
    gsl_ran_shuffle(r, idx, n, sizeof *idx);
}

unsigned char *rng_mask(gsl_rng *r, size_t n, double p)
{
    unsigned char *mask = xmalloc(n ? n : 1, "a mask");
    for (size_t i = 0; i < n; i++)
        mask[i] = gsl_rng_uniform(r) < p;
    return mask;
}
