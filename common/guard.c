/* guard.c -- see guard.h. */
#include "guard.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *genlab_program = "genlab";

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
