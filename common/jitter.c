/* jitter.c -- a noisy, shifted copy of a batch of images (jitter.h). */
#include "jitter.h"

#include <gsl/gsl_randist.h>

void image_jitter(gsl_rng *r, const gsl_matrix *X, gsl_matrix *out, size_t width, size_t height, int max_shift,
                  double noise_sd)
{
    const int s = max_shift > 0 ? max_shift : 0, w = (int)width, h = (int)height;
    for (size_t i = 0; i < X->size1; i++) {
        const int dx = s ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * s + 1)) - s : 0;
        const int dy = s ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * s + 1)) - s : 0;
        for (size_t p = 0; p < X->size2; p++) {
            /* pixel p = (x, y) of the copy is pixel (x - dx, y - dy) of the image */
            const int y = s ? (int)p / w - dy : 0, x = s ? (int)p % w - dx : 0;
            double v = !s ? gsl_matrix_get(X, i, p)
                     : (x >= 0 && x < w && y >= 0 && y < h) ? gsl_matrix_get(X, i, (size_t)(y * w + x)) : 0.0;
            if (noise_sd > 0)
                v += gsl_ran_gaussian_ziggurat(r, noise_sd);
            gsl_matrix_set(out, i, p, v);
        }
    }
}
