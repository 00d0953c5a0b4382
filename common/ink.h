/* ink.h -- how a grey-level digit image leans, and how much two differ.
 *
 * Introduced in chapter 09, where a continuous code of InfoGAN often learns
 * the slant of the digits without being told: this measures it, so that the
 * chapter can say which code does it and by how much. A pixel's value is its
 * ink (0 blank, 1 black); rows run downwards. With the ink's centre (mx, my),
 *
 *     slant = -cov(column, row) / var(row)
 *           = -sum x_p (col_p - mx)(row_p - my) / sum x_p (row_p - my)^2
 *
 * the columns the ink drifts by per row going UP: > 0 for a digit leaning
 * right (its top is to the right of its bottom), 0 for an upright one, about
 * 1 for a stroke at 45 degrees. An image without ink, or with all its ink on
 * one row, has no slant: NaN.
 */
#ifndef GENLAB_INK_H
#define GENLAB_INK_H

#include <stddef.h>

/* x: width * height pixels, row by row */
double ink_slant(const double *x, size_t width, size_t height);

/* How much ink differs between two images of n pixels: the mean of
 * |a_p - b_p| (0: the same image; 1: black where the other is blank, all
 * over). Chapter 09 compares what a code does to an image with this. */
double ink_change(const double *a, const double *b, size_t n);

#endif
