/* ink.c -- see ink.h. */
#include "ink.h"

#include <math.h>

double ink_slant(const double *x, size_t width, size_t height)
{
    double w = 0.0, mx = 0.0, my = 0.0, cxy = 0.0, cyy = 0.0;
    for (size_t p = 0; p < width * height; p++)
        w += x[p], mx += x[p] * (double)(p % width), my += x[p] * (double)(p / width);
    if (w <= 0.0)
        return NAN;
    mx /= w, my /= w;                                       /* the ink's centre */
    for (size_t p = 0; p < width * height; p++) {
        const double dx = (double)(p % width) - mx, dy = (double)(p / width) - my;
        cxy += x[p] * dx * dy, cyy += x[p] * dy * dy;
    }
    return cyy > 0.0 ? -cxy / cyy : NAN;
}

double ink_change(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t p = 0; p < n; p++)
        s += fabs(a[p] - b[p]) / (double)n;
    return s;
}
