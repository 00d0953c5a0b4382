/* jitter.c -- a noisy, shifted copy of a batch of images (jitter.h). */
#include "jitter.h"

#include <string.h>
#include <gsl/gsl_randist.h>

#include "guard.h"

/* out = in moved by (dx, dy), what comes in from outside 0: pixel (x, y) of
 * out is pixel (x - dx, y - dy) of in. Each row of out is a slice of a row
 * of in (or zeros): one copy per row, no test per pixel. */
static void shifted(const double *in, double *out, int w, int h, int dx, int dy)
{
    const int x0 = dx > 0 ? dx : 0, x1 = dx < 0 ? w + dx : w;   /* columns that come from inside */
    for (int y = 0; y < h; y++) {
        double *row = out + (size_t)y * (size_t)w;
        const int sy = y - dy;
        if (sy < 0 || sy >= h || x1 <= x0) {
            memset(row, 0, (size_t)w * sizeof *row);
            continue;
        }
        memset(row, 0, (size_t)x0 * sizeof *row);
        memcpy(row + x0, in + (size_t)sy * (size_t)w + (x0 - dx), (size_t)(x1 - x0) * sizeof *row);
        memset(row + x1, 0, (size_t)(w - x1) * sizeof *row);
    }
}

void image_jitter(gsl_rng *r, const gsl_matrix *X, gsl_matrix *out, size_t width, size_t height, int max_shift,
                  double noise_sd)
{
    const int s = max_shift > 0 ? max_shift : 0, w = (int)width, h = (int)height;
    const size_t d = X->size2;
    if (s && d != width * height)
        die("image_jitter: rows of %zu numbers are not %zu x %zu images", d, width, height);
    for (size_t i = 0; i < X->size1; i++) {
        const int dx = s ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * s + 1)) - s : 0;
        const int dy = s ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * s + 1)) - s : 0;
        const double *in = gsl_matrix_const_ptr(X, i, 0);
        double *o = gsl_matrix_ptr(out, i, 0);
        if (s)
            shifted(in, o, w, h, dx, dy);
        else
            memmove(o, in, d * sizeof *o);          /* (out may be X itself) */
        if (noise_sd > 0)
            for (size_t p = 0; p < d; p++)
                o[p] += gsl_ran_gaussian_ziggurat(r, noise_sd);
    }
}
