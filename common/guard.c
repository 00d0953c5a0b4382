/* guard.c -- see guard.h. */
#include "guard.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>

const char *genlab_program = "genlab";
int genlab_quiet;

void note(const char *fmt, ...)
{
    va_list ap;
    if (genlab_quiet)
        return;
    fprintf(stderr, "%s: ", genlab_program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: error: ", genlab_program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void check_finite(double value, const char *what, long step)
{
    if (!isfinite(value))
        die("%s became %s at step %ld (training diverged; try a smaller --lr)",
            what, isnan(value) ? "nan" : "inf", step);
}

void check_within(const gsl_matrix *X, double limit, const char *what, long step)
{
    for (size_t i = 0; i < X->size1; i++)
        for (size_t j = 0; j < X->size2; j++) {
            const double v = gsl_matrix_get(X, i, j);
            if (!(fabs(v) <= limit))       /* also true for NaN */
                die("%s reached %g at step %ld (outside +-%g: training diverged; try a smaller --lr)",
                    what, v, step, limit);
        }
}

void *xmalloc(size_t size, const char *what)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        die("out of memory: %zu bytes for %s", size, what);
    return p;
}

void *xcalloc(size_t n, size_t size, const char *what)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory: %zu x %zu bytes for %s", n, size, what);
    return p;
}

static void gsl_error_to_die(const char *reason, const char *file, int line, int gsl_errno)
{
    if (gsl_errno == GSL_ENOMEM)
        die("out of memory: %s (try a smaller --batch or --hidden)", reason);
    die("GSL error: %s (%s, line %d)", reason, file, line);
}

void guard_install_gsl_handler(void)
{
    gsl_set_error_handler(gsl_error_to_die);
}
