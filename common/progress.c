/* progress.c -- see progress.h. */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "guard.h"

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_start(progress *p, long total, int quiet)
{
    p->total = total;
    p->quiet = quiet;
    p->start = p->last = now_seconds();
    p->printed = 0;
}

void progress_report(progress *p, long step, const char *fmt, ...)
{
    if (p->quiet)
        return;
    double t = now_seconds();
    if (t - p->last < 1.0)   /* at most one line a second */
        return;
    p->last = t;
    p->printed = 1;
    double elapsed = t - p->start;
    double eta = step > 0 ? elapsed * (double)(p->total - step) / (double)step : 0.0;
    fprintf(stderr, "%s: step %ld/%ld  ", genlab_program, step, p->total);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "  %.1f s, ETA %.1f s\n", elapsed, eta);
}

double progress_end(progress *p)
{
    double elapsed = now_seconds() - p->start;
    if (p->printed && !p->quiet)
        fprintf(stderr, "%s: done in %.1f s\n", genlab_program, elapsed);
    return elapsed;
}
