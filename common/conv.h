/* conv.h -- the convolution layer and the transposed convolution layer.
 *
 * Introduced in chapter 09 (the DCGAN backbone of InfoGAN; chapter 10's
 * CycleGAN uses them too). A dense layer connects every input to every
 * output; a convolution connects each output pixel only to a small k x k
 * window of the input, and uses the SAME weights at every position. That is
 * what an image wants: an edge is an edge wherever it is.
 *
 * Layout. A batch of images is a gsl_matrix with one image per row, like
 * every batch in the course. Inside a row, an image is stored channel after
 * channel, each channel row after row ("NCHW"):
 *
 *     X (n, C*H*W),     X[i, c*H*W + y*W + x] = sample i, channel c, row y, column x
 *
 * So one row of X, read as a (C, H*W) matrix, holds one channel per row: the
 * products in conv.c use it in that shape directly, without copying.
 *
 * Convolution, C -> F channels, kernel k x k, stride s, padding p. Filter f
 * is a (C, k, k) block of weights; it visits the input every s pixels, and at
 * each stop takes the dot product with the window under it:
 *
 *     Y[i, f, oy, ox] = b[f] + sum_{c, ky, kx} W[f, c, ky, kx] X[i, c, oy*s - p + ky, ox*s - p + kx]
 *
 * where a pixel outside the image (up to p of them on each side) counts as 0.
 * The output is an (F, H_out, W_out) image with
 *
 *     H_out = (H + 2p - k) / s + 1        W_out = (W + 2p - k) / s + 1
 *
 * (integer division: when s does not divide H + 2p - k, the last rows or
 * columns of the input are never visited, exactly as in PyTorch).
 *
 * Transposed convolution, C -> F channels ("deconvolution" in the DCGAN
 * paper, though it does not undo anything). Each input pixel stamps a copy of
 * its filter, scaled by the pixel's value, onto the output, stamps s pixels
 * apart, overlapping stamps adding up:
 *
 *     Y[i, f, y*s - p + ky, x*s - p + kx] += W[c, f, ky, kx] X[i, c, y, x]     for every c, y, x, ky, kx
 *     then Y[i, f, ., .] += b[f]   (stamps landing outside the output are cut off)
 *
 *     H_out = (H - 1) s - 2p + k          W_out = (W - 1) s - 2p + k
 *
 * Read the two formulas side by side: the transposed convolution C -> F is
 * the ADJOINT (the transpose) of the convolution F -> C with the same weights.
 * Its forward pass is the convolution's input-gradient computation, and its
 * backward pass is the convolution's forward pass. That is the whole idea,
 * and why a generator can grow a 7x7 image to 14x14 to 28x28 with it while
 * its discriminator shrinks 28 -> 14 -> 7 with convolutions: with k = 4,
 * s = 2, p = 1 (DCGAN's choice), (28 + 2 - 4)/2 + 1 = 14 and (14 - 1) 2 - 2 + 4 = 28.
 * When s does not divide H + 2p - k, the transposed convolution of a conv's
 * output is smaller than the conv's input; choose sizes where it divides.
 *
 * Weights, one row per filter, each flattened in (c, ky, kx) order:
 *     convolution C -> F             W (F, C*k*k)   b (F)    = PyTorch's Conv2d weight (F, C, k, k)
 *     transposed convolution C -> F  W (C, F*k*k)   b (F)    = PyTorch's ConvTranspose2d weight (C, F, k, k)
 * The second is exactly the weight of the convolution F -> C it transposes.
 * (Note the difference to dense.h, whose W (in, out) has one column per
 * output: here a row is one filter, which is what the product in conv.c needs.)
 *
 * Backward passes follow dense.h: they ADD the weight and bias gradients into
 * the params block's grad vector (dW +=, db +=), WRITE the input gradient
 * (dX =, when dX is not NULL), and never change W or b.
 *
 * Workspace. Forward and backward allocate nothing: they need one scratch
 * buffer of conv_work_size(L) doubles, which the caller allocates once with
 * conv_work_alloc(conv_work_size(&L)) and passes to every call. Layers used
 * one after the other may share one buffer as large as the largest of theirs.
 * Its size does not depend on the batch: images are processed one at a time,
 * each through one matrix product (gsl_blas_dgemm, i.e. OpenBLAS).
 */
#ifndef GENLAB_CONV_H
#define GENLAB_CONV_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "params.h"

typedef struct conv {
    int transposed;              /* 0: convolution, 1: transposed convolution */
    size_t in_c, in_h, in_w;     /* input image: channels, height, width      */
    size_t out_c, out_h, out_w;  /* output image                              */
    size_t k, stride, pad;       /* kernel k x k, stride s, zero padding p    */
    gsl_matrix_view W, dW;       /* conv (out_c, in_c*k*k); transposed conv
                                    (in_c, out_c*k*k): views into value/grad  */
    gsl_vector_view b, db;       /* (out_c) views into params value / grad    */
} conv;

/* Output height (or width) of a convolution:  (h + 2p - k) / s + 1.
 * 0 when the kernel does not fit, h + 2p < k. */
size_t conv_out_size(size_t h, size_t k, size_t stride, size_t pad);

/* Output height (or width) of a transposed convolution:  (h - 1) s - 2p + k.
 * 0 when that is not positive. */
size_t convt_out_size(size_t h, size_t k, size_t stride, size_t pad);

/* Scalars a layer with in_c -> out_c channels and a k x k kernel needs:
 * in_c*out_c*k*k weights + out_c biases (the same for both kinds). */
size_t conv_size(size_t in_c, size_t out_c, size_t k);

/* Take this layer's slice of P, point W, dW, b, db at it and record the
 * geometry. The input images are (in_c, in_h, in_w). Sizes for which the
 * output would be empty are a programming error (GSL_EINVAL). */
void conv_bind(conv *L, params *P, size_t in_c, size_t out_c, size_t in_h,
               size_t in_w, size_t k, size_t stride, size_t pad);
void convt_bind(conv *L, params *P, size_t in_c, size_t out_c, size_t in_h,
                size_t in_w, size_t k, size_t stride, size_t pad);

/* W ~ N(0, sd^2), b = 0. DCGAN initialises every layer with sd = 0.02. */
void conv_init_normal(conv *L, gsl_rng *r, double sd);

/* Xavier/Glorot normal, as dense_init_xavier with a filter's fan-in and
 * fan-out:  W ~ N(0, 2 / (fan_in + fan_out)),  fan_in + fan_out = (in_c + out_c) k^2. */
void conv_init_xavier(conv *L, gsl_rng *r);

/* He (Kaiming) normal, for layers followed by a ReLU:  W ~ N(0, 2 / fan_in),
 * b = 0, with fan_in = the number of products summed into one output pixel:
 * in_c k^2 for a convolution, on average in_c k^2 / s^2 for a transposed one
 * (each output pixel is covered by about (k/s)^2 stamps per input channel). */
void conv_init_he(conv *L, gsl_rng *r);

/* Doubles of workspace forward and backward need: (channels of the image
 * side) * k^2 * (pixels of the other side), i.e. one image's im2col matrix;
 * for a "same" convolution with no more outputs than inputs, which conv.c
 * also runs as a transposed one (its section 5), the larger of its two im2col
 * matrices plus twice the weights. */
size_t conv_work_size(const conv *L);

/* The scratch buffer to pass: `doubles` (the largest conv_work_size() of the
 * layers that share it) for each thread of the team (common/team.h), so that
 * with two threads each builds its own im2col matrices. */
gsl_vector *conv_work_alloc(size_t doubles);

/* Convolution.  X (n, in_c*in_h*in_w) -> Y (n, out_c*out_h*out_w).
 * Y must not alias X; X and Y may be views (rows apart by tda). */
void conv_forward(const conv *L, const gsl_matrix *X, gsl_matrix *Y, gsl_vector *work);

/* dW += dL/dW, db += dL/db; if dX != NULL, dX = dL/dX (n, in_c*in_h*in_w).
 * X is the input forward() saw, dY = dL/dY (n, out_c*out_h*out_w). */
void conv_backward(conv *L, const gsl_matrix *X, const gsl_matrix *dY,
                   gsl_matrix *dX, gsl_vector *work);

/* Transposed convolution, same contracts. */
void convt_forward(const conv *L, const gsl_matrix *X, gsl_matrix *Y, gsl_vector *work);
void convt_backward(conv *L, const gsl_matrix *X, const gsl_matrix *dY,
                    gsl_matrix *dX, gsl_vector *work);

/* dX = dL/dX (n, in_c*in_h*in_w) alone, from dY: no weight gradient, for a
 * layer that is not being trained but must pass the gradient on. */
void conv_backward_input(const conv *L, const gsl_matrix *dY, gsl_matrix *dX, gsl_vector *work);
void convt_backward_input(const conv *L, const gsl_matrix *dY, gsl_matrix *dX, gsl_vector *work);

#endif
