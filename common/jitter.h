/* jitter.h -- a noisy, shifted copy of a batch of images.
 *
 * Introduced in chapter 11, where the encoder trains on such copies while
 * the decoder must rebuild the clean images (chapter 03's denoising idea):
 * it then maps unseen images the way it maps the training ones. Each row of
 * X is an image of width x height pixels, row by row. The copy is moved by
 * (dx, dy), each drawn uniformly from -max_shift .. max_shift per image,
 * filling with 0 what comes in from outside, then each pixel gets
 * N(0, noise_sd^2) noise. max_shift 0 leaves rows of any width unmoved (the
 * width and height are then not used); noise_sd 0 adds nothing and draws
 * nothing.
 */
#ifndef GENLAB_JITTER_H
#define GENLAB_JITTER_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

/* out (X's shape) = X's rows, shifted and noisy; the draws come from r, in
 * order: per image dx, dy (if max_shift > 0), then its pixels' noise. */
void image_jitter(gsl_rng *r, const gsl_matrix *X, gsl_matrix *out, size_t width, size_t height, int max_shift,
                  double noise_sd);

#endif
