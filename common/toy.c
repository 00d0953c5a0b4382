/* toy.c -- the toy targets of chapters 05-07 and their metrics (see toy.h). */
#include "toy.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>

#include "guard.h"

toy_modes toy_ring(size_t n, double radius, double sd)
{
    if (n == 0 || n > TOY_MAX_MODES)
        die("toy_ring: %zu modes (1 to %d)", n, TOY_MAX_MODES);
    toy_modes t;
    memset(&t, 0, sizeof t);
    t.dim = 2;
    t.n = n;
    t.sd = sd;
    for (size_t k = 0; k < n; k++) {
        t.centre[k][0] = radius * cos(2.0 * M_PI * (double)k / (double)n);
        t.centre[k][1] = radius * sin(2.0 * M_PI * (double)k / (double)n);
    }
    return t;
}

toy_modes toy_line(double at, double sd)
{
    toy_modes t;
    memset(&t, 0, sizeof t);
    t.dim = 1;
    t.n = 2;
    t.sd = sd;
    t.centre[0][0] = -at;
    t.centre[1][0] = at;
    return t;
}

void toy_sample(const toy_modes *t, gsl_rng *r, gsl_matrix *X)
{
    for (size_t i = 0; i < X->size1; i++) {
        const size_t k = gsl_rng_uniform_int(r, t->n);        /* pick a mode  */
        for (size_t j = 0; j < t->dim; j++)                   /* + N(0, sd^2) */
            gsl_matrix_set(X, i, j, t->centre[k][j] + gsl_ran_gaussian(r, t->sd));
    }
}

double toy_bimodal_draw(gsl_rng *r, double at, double sd)
{
    const double s = gsl_rng_uniform(r) < 0.5 ? -at : at;
    return s + gsl_ran_gaussian(r, sd);
}

double toy_bimodal_pdf(double x, double at, double sd)
{
    return 0.5 * gsl_ran_gaussian_pdf(x + at, sd) + 0.5 * gsl_ran_gaussian_pdf(x - at, sd);
}

double toy_bimodal_cdf(double x, double at, double sd)
{
    return 0.5 * gsl_cdf_gaussian_P(x + at, sd) + 0.5 * gsl_cdf_gaussian_P(x - at, sd);
}

double toy_w1_sorted(double *a, double *b, size_t n)
{
    gsl_sort(a, 1, n);
    gsl_sort(b, 1, n);
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += fabs(a[i] - b[i]);             /* i-th smallest onto i-th smallest */
    return s / (double)n;
}

toy_coverage toy_measure(const toy_modes *t, const gsl_matrix *S, double reach,
                         double min_share)
{
    size_t sharp[TOY_MAX_MODES] = {0}, near[TOY_MAX_MODES] = {0}, inside = 0;
    const size_t n = S->size1;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;                    /* the nearest mode ...          */
        double best_d2 = INFINITY;
        for (size_t k = 0; k < t->n; k++) {
            double d2 = 0.0;
            for (size_t j = 0; j < t->dim; j++) {
                const double d = gsl_matrix_get(S, i, j) - t->centre[k][j];
                d2 += d * d;
            }
            if (d2 < best_d2)
                best_d2 = d2, best = k;
        }
        const double d = sqrt(best_d2);     /* ... and how far it is         */
        if (d <= 3.0 * t->sd) {
            sharp[best]++;
            inside++;
        }
        if (d <= reach)
            near[best]++;
    }
    toy_coverage cv = {0.0, 0.0, (double)inside / (double)n};
    for (size_t k = 0; k < t->n; k++) {
        cv.covered += (double)sharp[k] >= min_share * (double)n;
        cv.reached += (double)near[k] >= min_share * (double)n;
    }
    return cv;
}
