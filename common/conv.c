/* conv.c -- see conv.h.
 *
 * Both layers are built from two copying loops, im2col and col2im, and
 * gsl_blas_dgemm. Section 2 explains why that is all a convolution needs. */
#include "conv.h"
#include "simd.h"
#include "team.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ----------------------------------------------------------------------------
 * 1. Sizes, parameters, initialisation
 * ------------------------------------------------------------------------- */
size_t conv_out_size(size_t h, size_t k, size_t stride, size_t pad)
{
    if (stride == 0 || h + 2 * pad < k)
        return 0;
    return (h + 2 * pad - k) / stride + 1;           /* (H + 2p - k) / s + 1 */
}

size_t convt_out_size(size_t h, size_t k, size_t stride, size_t pad)
{
    if (h == 0)
        return 0;
    size_t full = (h - 1) * stride + k;              /* (H - 1) s + k ...    */
    return full > 2 * pad ? full - 2 * pad : 0;      /* ... - 2p             */
}

size_t conv_size(size_t in_c, size_t out_c, size_t k)
{
    return in_c * out_c * k * k + out_c;
}

static void bind(conv *L, params *P, int transposed, size_t in_c, size_t out_c,
                 size_t in_h, size_t in_w, size_t k, size_t stride, size_t pad)
{
    size_t (*out_size)(size_t, size_t, size_t, size_t) =
        transposed ? convt_out_size : conv_out_size;
    size_t out_h = out_size(in_h, k, stride, pad), out_w = out_size(in_w, k, stride, pad);
    if (in_c == 0 || out_c == 0 || k == 0 || stride == 0 || out_h == 0 || out_w == 0)
        GSL_ERROR_VOID("conv_bind/convt_bind: empty layer or output (check k, stride, padding)",
                       GSL_EINVAL);
    size_t at = params_take(P, conv_size(in_c, out_c, k));
    L->transposed = transposed;
    L->in_c = in_c;   L->in_h = in_h;   L->in_w = in_w;
    L->out_c = out_c; L->out_h = out_h; L->out_w = out_w;
    L->k = k;         L->stride = stride; L->pad = pad;
    /* one row per filter: conv (out_c, in_c k^2), transposed (in_c, out_c k^2) */
    size_t rows = transposed ? in_c : out_c;
    size_t cols = (transposed ? out_c : in_c) * k * k;
    L->W = gsl_matrix_view_array(P->value->data + at, rows, cols);
    L->dW = gsl_matrix_view_array(P->grad->data + at, rows, cols);
    L->b = gsl_vector_view_array(P->value->data + at + rows * cols, out_c);
    L->db = gsl_vector_view_array(P->grad->data + at + rows * cols, out_c);
}

void conv_bind(conv *L, params *P, size_t in_c, size_t out_c, size_t in_h,
               size_t in_w, size_t k, size_t stride, size_t pad)
{
    bind(L, P, 0, in_c, out_c, in_h, in_w, k, stride, pad);
}

void convt_bind(conv *L, params *P, size_t in_c, size_t out_c, size_t in_h,
                size_t in_w, size_t k, size_t stride, size_t pad)
{
    bind(L, P, 1, in_c, out_c, in_h, in_w, k, stride, pad);
}

void conv_init_normal(conv *L, gsl_rng *r, double sd)
{
    gsl_matrix *W = &L->W.matrix;
    for (size_t i = 0; i < W->size1; i++)
        for (size_t j = 0; j < W->size2; j++)
            gsl_matrix_set(W, i, j, gsl_ran_gaussian(r, sd));
    gsl_vector_set_zero(&L->b.vector);
}

void conv_init_xavier(conv *L, gsl_rng *r)
{
    double kk = (double)(L->k * L->k);
    conv_init_normal(L, r, sqrt(2.0 / ((double)(L->in_c + L->out_c) * kk)));
}

void conv_init_he(conv *L, gsl_rng *r)
{
    double kk = (double)(L->k * L->k), s = (double)L->stride;
    double fan_in = (double)L->in_c * kk;            /* products per output pixel */
    if (L->transposed)
        fan_in /= s * s;                             /* ~ (k/s)^2 stamps per pixel */
    conv_init_normal(L, r, sqrt(2.0 / fan_in));
}

static int runs_flipped(const conv *L);

size_t conv_work_size(const conv *L)
{
    /* conv: im2col of the input, (in_c k^2, out_h out_w);
     * transposed: im2col of the output, (out_c k^2, in_h in_w);
     * a "same" convolution run (partly) as its flipped twin (section 5):
     * the larger of its two im2col matrices, after the twin's weights and
     * their gradient (in_c x out_c k^2 each) */
    const size_t k2 = L->k * L->k;
    if (L->transposed)
        return L->out_c * k2 * L->in_h * L->in_w;
    if (runs_flipped(L))
        return 2 * L->in_c * L->out_c * k2 + GSL_MAX(L->in_c, L->out_c) * k2 * L->out_h * L->out_w;
    return L->in_c * k2 * L->out_h * L->out_w;
}

gsl_vector *conv_work_alloc(size_t doubles)
{
    return gsl_vector_alloc(doubles * (size_t)team_threads());
}

/* ----------------------------------------------------------------------------
 * 2. im2col: a convolution is one matrix product in disguise
 *
 * Take one image x (C, H, W) and one output position (oy, ox). The outputs
 * there, of all F filters at once, are
 *
 *     y[f, (oy,ox)] = sum_{(c,ky,kx)} W[f, (c,ky,kx)] patch[(c,ky,kx)]
 *
 * i.e. the weight matrix W (F, C k^2) times the window under the filter,
 * flattened into a column of C k^2 numbers. Put the windows of all P = H_out
 * W_out positions side by side, as the P columns of one matrix,
 *
 *     col (C k^2, P),  col[(c,ky,kx), (oy,ox)] = x[c, oy*s - p + ky, ox*s - p + kx]   (0 off the image)
 *
 * and every output of every filter comes out of ONE product:
 *
 *     y (F, P) = W (F, C k^2) col (C k^2, P)
 *
 * where y, filter f's P pixels in row f, is already the image's output in
 * NCHW order. Building col ("image to columns") is pure copying: each pixel
 * lands in the columns of every window that covers it, about (k/s)^2 of
 * them. That costs C k^2 P numbers of memory for one image, and in exchange
 * all the arithmetic, 2 F C k^2 P flops, is done by a tuned dgemm near the
 * machine's peak. The same sums written as six nested loops (as the
 * reference in tests/test_conv.c does) ran about 14 times slower on chapter
 * 09's 64 -> 128 channel layer on the machine this was written on.
 *
 * col2im goes the other way: it ADDS every entry of a (C k^2, P) matrix onto
 * the pixel it would have been copied from, so a pixel shared by several
 * windows collects the sum. It is the adjoint of im2col,
 *
 *     <im2col(x), c> = <x, col2im(c)>     for every x, c,
 *
 * which is exactly what the chain rule asks for: if col = im2col(x), then
 * dL/dx = col2im(dL/dcol).
 *
 * The geometry: an image (C, H, W) that windows are cut from, and the grid of
 * window positions (gh, gw). For a convolution the image is the layer's input
 * and the grid its output; for a transposed convolution, the other way round.
 * ------------------------------------------------------------------------- */
typedef struct windows {
    size_t C, H, W;     /* the image                        */
    size_t k, s, p;     /* kernel, stride, padding          */
    size_t gh, gw;      /* the grid of window positions     */
} windows;

static windows conv_windows(const conv *L)
{
    if (L->transposed)     /* the image is the output, the grid the input */
        return (windows){L->out_c, L->out_h, L->out_w, L->k, L->stride, L->pad,
                         L->in_h, L->in_w};
    return (windows){L->in_c, L->in_h, L->in_w, L->k, L->stride, L->pad,
                     L->out_h, L->out_w};
}

/* Which window columns ox see an image column x = ox*s - p + kx inside the
 * image, 0 <= x < W: the half-open range [lo, hi). Outside it the window hangs
 * over the padding. Computing the range once per kernel column keeps the
 * copying loops below free of a test per number. */
typedef struct span {
    size_t lo, hi;
} span;

static span inside(const windows *g, size_t kx)
{
    const long W = (long)g->W, p = (long)g->p, s = (long)g->s, gw = (long)g->gw;
    const long left = p - (long)kx, right = W + p - (long)kx;    /* x >= 0: ox s >= left; x < W: ox s < right */
    long lo = left > 0 ? (left + s - 1) / s : 0;                   /* ceil(left / s), at least 0  */
    long hi = right > 0 ? (right + s - 1) / s : 0;                 /* ceil(right / s), at least 0: a kernel
                                                                      column past the image sees none of it */
    if (hi > gw)
        hi = gw;
    if (lo > hi)
        lo = hi;
    return (span){(size_t)lo, (size_t)hi};
}

/* One row (c,ky,kx) of col when the windows move by 1 and the grid is the
 * image's size (a "same" convolution: 3 x 3, padding 1): the window rows that
 * see the image read consecutive image rows, so their runs lie one after the
 * other in memory, W apart, exactly as in the row of col. One copy of that
 * whole stretch, then the entries that hang over the left and right padding
 * (which the stretch filled from the neighbouring rows) set to 0, and the rows
 * over the top and bottom padding too. The same numbers as the row-by-row
 * copy below, in a few calls instead of one per image row. */
static void band_copy(const windows *g, const double *chan, double *row, size_t ky, size_t kx, span in)
{
    const long H = (long)g->H, p = (long)g->p, W = (long)g->W;
    const long oy_lo = p - (long)ky > 0 ? p - (long)ky : 0;                 /* first row with y >= 0 */
    const long oy_hi = H + p - (long)ky < H ? H + p - (long)ky : H;         /* past the last, y < H   */
    if (oy_lo >= oy_hi) {
        memset(row, 0, (size_t)(H * W) * sizeof *row);
        return;
    }
    memset(row, 0, (size_t)(oy_lo * W) * sizeof *row);                     /* top padding    */
    const long first = oy_lo * W + (long)in.lo, last = (oy_hi - 1) * W + (long)in.hi;
    /* row[oy W + ox] = chan[(oy - p + ky) W + ox - p + kx] for the whole stretch */
    memcpy(row + first, chan + first + ((long)ky - p) * W + (long)kx - p, (size_t)(last - first) * sizeof *row);
    for (long oy = oy_lo; oy < oy_hi; oy++) {
        double *out = row + oy * W;
        for (size_t ox = 0; ox < in.lo; ox++)
            out[ox] = 0.0;                                                  /* left padding   */
        for (size_t ox = in.hi; ox < (size_t)W; ox++)
            out[ox] = 0.0;                                                  /* right padding  */
    }
    memset(row + oy_hi * W, 0, (size_t)((H - oy_hi) * W) * sizeof *row);   /* bottom padding */
}

/* col[(c,ky,kx), (oy,ox)] = img[c, oy*s - p + ky, ox*s - p + kx], 0 off the image,
 * for the rows r = (c k + ky) k + kx of col in [r_from, r_to): row r goes to
 * out + (r - r_from) gh gw. img (C, H, W) contiguous; out contiguous. */
SIMD_CLONES static void im2col_rows(const windows *g, const double *img, double *out_rows, size_t r_from,
                                    size_t r_to)
{
    const long H = (long)g->H, p = (long)g->p, s = (long)g->s;
    const size_t P = g->gh * g->gw, gw = g->gw, step = g->s;
    for (size_t r = r_from; r < r_to; r++) {
        const size_t c = r / (g->k * g->k), ky = r / g->k % g->k, kx = r % g->k;
        double *row = out_rows + (r - r_from) * P;               /* row (c,ky,kx) */
        const span in = inside(g, kx);
        if (step == 1 && gw == g->W && g->gh == g->H && in.lo < in.hi) {
            band_copy(g, img + c * g->H * g->W, row, ky, kx, in);
            continue;
        }
        for (size_t oy = 0; oy < g->gh; oy++) {
            double *out = row + oy * gw;
            long y = (long)oy * s - p + (long)ky;                /* image row */
            if (y < 0 || y >= H) {                               /* padding   */
                memset(out, 0, gw * sizeof *out);
                continue;
            }
            for (size_t ox = 0; ox < in.lo; ox++)
                out[ox] = 0.0;                                   /* left padding  */
            if (in.lo < in.hi) {  /* from: the pixel of column lo, x = lo s - p + kx >= 0 */
                const double *from = img + (c * g->H + (size_t)y) * g->W + (in.lo * step + kx - (size_t)p);
                if (step == 1)                                   /* a run of the image row */
                    memcpy(out + in.lo, from, (in.hi - in.lo) * sizeof *out);
                else
                    for (size_t ox = in.lo, x = 0; ox < in.hi; ox++, x += step)
                        out[ox] = from[x];                       /* x = ox s - p + kx */
            }
            for (size_t ox = in.hi; ox < gw; ox++)
                out[ox] = 0.0;                                   /* right padding */
        }
    }
}

static void im2col(const windows *g, const double *img, double *col)
{
    im2col_rows(g, img, col, 0, g->C * g->k * g->k);
}

/* img = 0, then img[c, oy*s - p + ky, ox*s - p + kx] += col[(c,ky,kx), (oy,ox)]
 * for every entry that lands on the image: the adjoint of im2col. */
SIMD_CLONES static void col2im(const windows *g, const double *col, double *img)
{
    const long H = (long)g->H, p = (long)g->p, s = (long)g->s;
    const size_t P = g->gh * g->gw, gw = g->gw, step = g->s;
    memset(img, 0, g->C * g->H * g->W * sizeof *img);
    for (size_t c = 0; c < g->C; c++)
        for (size_t ky = 0; ky < g->k; ky++)
            for (size_t kx = 0; kx < g->k; kx++) {
                const double *row = col + ((c * g->k + ky) * g->k + kx) * P;
                const span in = inside(g, kx);
                for (size_t oy = 0; oy < g->gh; oy++) {
                    long y = (long)oy * s - p + (long)ky;
                    if (y < 0 || y >= H || in.lo == in.hi)
                        continue;                    /* fell on the padding: dropped */
                    const double *from = row + oy * gw;
                    double *to = img + (c * g->H + (size_t)y) * g->W + (in.lo * step + kx - (size_t)p);
                    if (step == 1)                   /* the same sums, a loop the compiler vectorises */
                        for (size_t ox = in.lo; ox < in.hi; ox++)
                            to[ox - in.lo] += from[ox];
                    else
                        for (size_t ox = in.lo, x = 0; ox < in.hi; ox++, x += step)
                            to[x] += from[ox];       /* the rest fell on the padding */
                }
            }
}

/* y[f, :] += b[f] for every channel f of one image y (F, P). */
SIMD_CLONES static void add_channel_bias(gsl_matrix *y, const gsl_vector *b)
{
    for (size_t f = 0; f < y->size1; f++) {
        double *row = y->data + f * y->tda;
        const double bf = gsl_vector_get(b, f);
        for (size_t j = 0; j < y->size2; j++)       /* plain pointers: vectorised */
            row[j] += bf;
    }
}

/* db[f] += sum_p dy[f, p] for one image dy (F, P). Each channel's sum is
 * added up in the order of its pixels, one after the other: every addition
 * waits for the one before (about 4 cycles). Four channels at a time keep four
 * such chains going side by side, with the same sums to the bit. */
SIMD_CLONES static void add_channel_sums(gsl_vector *db, const gsl_matrix *dy)
{
    const size_t F = dy->size1, P = dy->size2, t = dy->tda;
    size_t f = 0;
    for (; f + 4 <= F; f += 4) {
        const double *r0 = dy->data + f * t, *r1 = r0 + t, *r2 = r1 + t, *r3 = r2 + t;
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        for (size_t j = 0; j < P; j++) {
            s0 += r0[j];
            s1 += r1[j];
            s2 += r2[j];
            s3 += r3[j];
        }
        db->data[f * db->stride] += s0;
        db->data[(f + 1) * db->stride] += s1;
        db->data[(f + 2) * db->stride] += s2;
        db->data[(f + 3) * db->stride] += s3;
    }
    for (; f < F; f++) {
        const double *row = dy->data + f * t;
        double sum = 0.0;
        for (size_t j = 0; j < P; j++)
            sum += row[j];
        db->data[f * db->stride] += sum;
    }
}

/* Image i of a batch B, read as a (channels, pixels) matrix: one channel per
 * row. Rows of the batch are apart by tda, but each row itself is contiguous,
 * so the image is a plain matrix view of it. */
#define IMAGE(B, i, channels) \
    gsl_matrix_view_array((B)->data + (i) * (B)->tda, (channels), (B)->size2 / (channels))
#define CONST_IMAGE(B, i, channels) \
    gsl_matrix_const_view_array((B)->data + (i) * (B)->tda, (channels), (B)->size2 / (channels))

/* Wrong shapes are programming errors: report through GSL's error handler
 * (which aborts by default) and return 1. */
static int bad_shapes(const conv *L, int transposed, const char *who,
                      const gsl_matrix *X, const gsl_matrix *Y,
                      const gsl_matrix *dX, const gsl_vector *work)
{
    const char *what = NULL;
    if (L->transposed != transposed)
        what = transposed ? "layer was bound by conv_bind, not convt_bind"
                          : "layer was bound by convt_bind, not conv_bind";
    else if (X->size2 != L->in_c * L->in_h * L->in_w)
        what = "X (or dX) does not have in_c*in_h*in_w columns";
    else if (Y->size2 != L->out_c * L->out_h * L->out_w)
        what = "Y (or dY) does not have out_c*out_h*out_w columns";
    else if (Y->size1 != X->size1)
        what = "X and Y (or dY) have different numbers of rows";
    else if (dX && (dX->size1 != X->size1 || dX->size2 != X->size2))
        what = "dX does not have the shape of X";
    else if (work->stride != 1 || work->size < conv_work_size(L))
        what = "workspace smaller than conv_work_size() (or not contiguous)";
    if (!what)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %s", who, what);
    gsl_error(msg, __FILE__, __LINE__, GSL_EBADLEN);
    return 1;
}

/* ----------------------------------------------------------------------------
 * 3. The convolution, one image at a time
 *
 * For image i, with col = im2col(x_i):
 *
 *     forward    y = W col + b              (F, P) = (F, C k^2)(C k^2, P), + b[f] on row f
 *
 *     backward   dW += dy col^T             (F, C k^2) = (F, P)(P, C k^2)
 *                db += dy 1                 (F): each row of dy summed
 *                dcol = W^T dy              (C k^2, P) = (C k^2, F)(F, P)
 *                dx = col2im(dcol)          (C, H W)
 *
 * These are dense.h's three lines, transposed because here a column (not a
 * row) is one "sample", the window at one position: a convolution is a dense
 * layer applied to every window of the image with the same weights. The
 * weight gradient sums over all windows of all images, because every window
 * used the same W.
 * ------------------------------------------------------------------------- */
/* A team of two threads (common/team.h) takes a batch's images in turn where
 * they are independent: the forward pass, and the input gradient. Each thread
 * has its own im2col buffer, the second half of `work` when it holds two
 * (conv_work_alloc); the weight gradient, a sum over the images in their
 * order, is shared by its columns instead (weight_gradients below). */
typedef struct image_job {
    const conv *L;
    windows g;
    const gsl_matrix *X, *dY;
    gsl_matrix *Y, *dX;
    double *col[2];          /* this thread's buffer: col[0], the helper's: col[1] */
} image_job;

static image_job image_job_new(const conv *L, const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *Y,
                               gsl_matrix *dX, gsl_vector *work)
{
    const size_t one = conv_work_size(L);
    image_job J = {L, conv_windows(L), X, dY, Y, dX, {work->data, work->data}};
    if (work->size >= 2 * one)
        J.col[1] = work->data + one;
    return J;
}

/* the im2col buffer of `thread` (0 or 1): (C k^2, P) for a convolution,
 * (F k^2, h w) for a transposed one. Without a second buffer the team is
 * not asked (see image_loop), so thread is always 0 then. */
static gsl_matrix_view thread_col(const image_job *J, int thread)
{
    const conv *L = J->L;
    const size_t k2 = L->k * L->k;
    return L->transposed ? gsl_matrix_view_array(J->col[thread], L->out_c * k2, L->in_h * L->in_w)
                         : gsl_matrix_view_array(J->col[thread], L->in_c * k2, L->out_h * L->out_w);
}

/* every image of the batch through one(J, i, thread): shared by the team when
 * each thread has a buffer of its own, else one after the other */
static void image_loop(image_job *J, size_t n, team_each_fn one)
{
    if (J->col[1] != J->col[0])
        team_each(n, 1, one, J);
    else
        for (size_t i = 0; i < n; i++)
            one(J, i, 0);
}

static void conv_forward_image(void *arg, size_t i, int thread)
{
    const image_job *J = arg;
    const conv *L = J->L;
    gsl_matrix_view col = thread_col(J, thread);
    gsl_matrix_view y = IMAGE(J->Y, i, L->out_c);                       /* (F, P)     */
    im2col(&J->g, J->X->data + i * J->X->tda, col.matrix.data);         /* col = im2col(x) */
    /* y = W col:  (F, P) = (F, C k^2) (C k^2, P) */
    team_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &L->W.matrix, &col.matrix, 0.0, &y.matrix);
    add_channel_bias(&y.matrix, &L->b.vector);                          /* y += b     */
}

static int twin_for_weights(const conv *L);
static void twin_forward(const conv *L, const gsl_matrix *X, gsl_matrix *Y, gsl_vector *work);
static void twin_weight_gradients(conv *L, const gsl_matrix *X, const gsl_matrix *dY, gsl_vector *work);

void conv_forward(const conv *L, const gsl_matrix *X, gsl_matrix *Y, gsl_vector *work)
{
    if (bad_shapes(L, 0, "conv_forward", X, Y, NULL, work))
        return;
    if (twin_for_weights(L)) {                       /* fewer outputs than inputs: section 5 */
        twin_forward(L, X, Y, work);
        return;
    }
    image_job J = image_job_new(L, X, NULL, Y, NULL, work);
    image_loop(&J, X->size1, conv_forward_image);
}

static void conv_input_gradient_image(void *arg, size_t i, int thread)
{
    const image_job *J = arg;
    const conv *L = J->L;
    gsl_matrix_view col = thread_col(J, thread);
    gsl_matrix_const_view dy = CONST_IMAGE(J->dY, i, L->out_c);         /* (F, P)     */
    /* dcol = W^T dy:  (C k^2, P) = (C k^2, F) (F, P) */
    team_dgemm(CblasTrans, CblasNoTrans, 1.0, &L->W.matrix, &dy.matrix, 0.0, &col.matrix);
    col2im(&J->g, col.matrix.data, J->dX->data + i * J->dX->tda);       /* dx = col2im(dcol) */
}

/* The weight gradient sums over the images in their order: a team cannot
 * give half the images to each thread without changing how the sums round.
 * It splits the COLUMNS of dW instead, i.e. the rows r = (c,ky,kx) of col:
 * each thread runs through every image, builds only its rows of col (in its
 * own buffer) and adds only its columns of dW,
 *
 *     dW[:, r0:r1] += a col[r0:r1, :]^T      for image after image,
 *
 * with a = dy and col = im2col(x) for a convolution, a = x and col = im2col(dy)
 * for a transposed one (section 4). Every entry of dW gets the same products,
 * added in the same order, as from one thread. Thread 0 also adds db; and
 * when it holds ALL of col (one thread), the transposed convolution's
 * dx = W col as well, while col is at hand. */
typedef struct gradient_job {
    conv *L;
    windows g;
    const gsl_matrix *A, *S;     /* dW += a_i im2col(s_i)^T for each image i */
    size_t a_channels;           /* a_i read as (a_channels, pixels)         */
    const gsl_matrix *dY;
    gsl_matrix *dX;              /* transposed convolution only: dx = W col   */
    int dx_done;
    double *col[2];
} gradient_job;

static void weight_gradient_columns(void *arg, size_t from, size_t to)
{
    gradient_job *J = arg;
    conv *L = J->L;
    const int thread = from != 0, whole = from == 0 && to == L->dW.matrix.size2;
    gsl_matrix_view col = gsl_matrix_view_array(J->col[thread], to - from, J->g.gh * J->g.gw);
    gsl_matrix_view dW = gsl_matrix_submatrix(&L->dW.matrix, 0, from, L->dW.matrix.size1, to - from);
    for (size_t i = 0; i < J->A->size1; i++) {
        gsl_matrix_const_view a = CONST_IMAGE(J->A, i, J->a_channels);
        im2col_rows(&J->g, J->S->data + i * J->S->tda, col.matrix.data, from, to);
        /* dW[:, from:to] += a col^T; beta = 1 accumulates */
        team_dgemm(CblasNoTrans, CblasTrans, 1.0, &a.matrix, &col.matrix, 1.0, &dW.matrix);
        if (thread != 0)
            continue;
        gsl_matrix_const_view dy = CONST_IMAGE(J->dY, i, L->out_c);
        add_channel_sums(&L->db.vector, &dy.matrix);                    /* db += dy 1 */
        if (J->dX && whole) {
            /* dx = W col:  (C, h w) = (C, F k^2) (F k^2, h w), a convolution of dy */
            gsl_matrix_view dx = IMAGE(J->dX, i, L->in_c);
            team_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &L->W.matrix, &col.matrix, 0.0, &dx.matrix);
            J->dx_done = 1;
        }
    }
}

/* dW += sum_i a_i im2col(s_i)^T and db += sum_i dy_i 1; shared by columns
 * when each thread has a buffer (cuts at a multiple of 8 columns, as in
 * team_dgemm). Returns whether dX was computed too. */
static int weight_gradients(conv *L, const gsl_matrix *A, size_t a_channels, const gsl_matrix *S,
                            const gsl_matrix *dY, gsl_matrix *dX, gsl_vector *work)
{
    const size_t one = conv_work_size(L), columns = L->dW.matrix.size2;
    gradient_job J = {L, conv_windows(L), A, S, a_channels, dY, dX, 0, {work->data, work->data}};
    if (work->size >= 2 * one) {
        J.col[1] = work->data + one;
        team_range(columns, 8, weight_gradient_columns, &J);
    } else {
        weight_gradient_columns(&J, 0, columns);
    }
    return J.dx_done;
}

void conv_backward(conv *L, const gsl_matrix *X, const gsl_matrix *dY,
                   gsl_matrix *dX, gsl_vector *work)
{
    if (bad_shapes(L, 0, "conv_backward", X, dY, dX, work))
        return;
    if (twin_for_weights(L))                         /* fewer outputs than inputs: section 5 */
        twin_weight_gradients(L, X, dY, work);
    else /* dW += dy col^T:  (F, C k^2) = (F, P) (P, C k^2), col = im2col(x); db += dy 1 */
        weight_gradients(L, dY, L->out_c, X, dY, NULL, work);
    if (dX)          /* then dx, image by image (the buffers are free again) */
        conv_backward_input(L, dY, dX, work);
}

/* ----------------------------------------------------------------------------
 * 4. The transposed convolution: the convolution's backward pass, run forward
 *
 * Let conv be the convolution F -> C whose weight W (C, F k^2) this layer
 * shares (see conv.h). Its input gradient is  dx = col2im(W^T dy).  Put the
 * layer's input x (C, h w) where dy was, and that is this layer's forward
 * pass; the output y (F, H W) is where conv's dx was. Backward is then, by
 * the same argument, conv's forward pass (dx = W im2col(dy)) and conv's
 * weight gradient with the roles of x and dy swapped. For image i:
 *
 *     forward    col = W^T x                (F k^2, h w) = (F k^2, C)(C, h w)
 *                y = col2im(col) + b        (F, H W), + b[f] on channel f
 *
 *     backward   col = im2col(dy)           (F k^2, h w)
 *                dW += x col^T              (C, F k^2) = (C, h w)(h w, F k^2)
 *                db += dy 1                 (F): each channel of dy summed
 *                dx = W col                 (C, h w) = (C, F k^2)(F k^2, h w)
 *
 * Seen from one input pixel, of channel c at position (u, v): col = W^T x
 * puts row c of W, the pixel's filter, scaled by the pixel, into column
 * (u, v) (summed over the channels), and col2im stamps that column onto the
 * output with its corner at (u s - p, v s - p). Stride s spreads the stamps
 * s pixels apart: that is how the image grows by a factor s.
 * ------------------------------------------------------------------------- */
static void convt_forward_image(void *arg, size_t i, int thread)
{
    const image_job *J = arg;
    const conv *L = J->L;
    gsl_matrix_view col = thread_col(J, thread);
    gsl_matrix_const_view x = CONST_IMAGE(J->X, i, L->in_c);           /* (C, h w)   */
    gsl_matrix_view y = IMAGE(J->Y, i, L->out_c);                       /* (F, H W)   */
    /* col = W^T x:  (F k^2, h w) = (F k^2, C) (C, h w) */
    team_dgemm(CblasTrans, CblasNoTrans, 1.0, &L->W.matrix, &x.matrix, 0.0, &col.matrix);
    col2im(&J->g, col.matrix.data, y.matrix.data);                      /* y = col2im(col) */
    add_channel_bias(&y.matrix, &L->b.vector);                          /* y += b     */
}

void convt_forward(const conv *L, const gsl_matrix *X, gsl_matrix *Y, gsl_vector *work)
{
    if (bad_shapes(L, 1, "convt_forward", X, Y, NULL, work))
        return;
    image_job J = image_job_new(L, X, NULL, Y, NULL, work);
    image_loop(&J, X->size1, convt_forward_image);
}

/* dx = W im2col(dy), image by image: alone, or when the weight gradients'
 * loop was shared and so did not hold all of col */
static void convt_input_gradient_image(void *arg, size_t i, int thread)
{
    const image_job *J = arg;
    const conv *L = J->L;
    gsl_matrix_view col = thread_col(J, thread);
    im2col(&J->g, J->dY->data + i * J->dY->tda, col.matrix.data);     /* col = im2col(dy) */
    gsl_matrix_view dx = IMAGE(J->dX, i, L->in_c);
    /* dx = W col:  (C, h w) = (C, F k^2) (F k^2, h w) */
    team_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &L->W.matrix, &col.matrix, 0.0, &dx.matrix);
}

void convt_backward(conv *L, const gsl_matrix *X, const gsl_matrix *dY,
                    gsl_matrix *dX, gsl_vector *work)
{
    if (bad_shapes(L, 1, "convt_backward", X, dY, dX, work))
        return;
    /* dW += x col^T:  (C, F k^2) = (C, h w) (h w, F k^2), col = im2col(dy); db += dy 1;
     * and dx = W col in the same loop when one thread holds all of col */
    if (weight_gradients(L, X, L->in_c, dY, dY, dX, work) || !dX)
        return;
    convt_backward_input(L, dY, dX, work);
}

/* ----------------------------------------------------------------------------
 * 5. A thin "same" convolution, run as a transposed one
 *
 * Every product above is one image's im2col matrix times a small matrix.
 * When a layer has few channels, the im2col matrix is most of the work: a
 * convolution 8 -> 1 (chapter 10's last layer) copies each pixel into 72
 * rows to make ONE output row out of them, and its input gradient multiplies
 * W^T (72, 1) by dy (1, P), writing 72 rows from one, then adds them back
 * onto the image with col2im. The copying, not the arithmetic, sets the time.
 *
 * A convolution with stride 1 that keeps the image's size (k = 2p + 1: 3 x 3
 * with padding 1) has a twin: the transposed convolution C -> F, stride 1,
 * padding p, with the kernel turned by 180 degrees,
 *
 *     Wf[c, (f,ky,kx)] = W[f, (c, k-1-ky, k-1-kx)]      (C, F k^2)
 *
 * Both compute the same sums: output pixel (y, x) of channel f collects
 * W[f,c,ky,kx] x[c, y - p + ky, x - p + kx] over c, ky, kx; the twin's stamp
 * of input pixel (u, v) puts Wf[c, (f,ky',kx')] x[c,u,v] on (u - p + ky',
 * v - p + kx'), which with ky' = k-1-ky is the same product on the same pixel
 * (u = y - p + ky). The twin's matrices have F k^2 rows where the
 * convolution's have C k^2, so each pass takes the road with fewer rows
 * to copy, counting im2col's road (a product over a long side, C k^2 or
 * F k^2) as the better one on a tie:
 *
 *     pass               convolution's road          twin's road         twin when
 *     forward            W im2col(x)                 col2im(Wf^T x)      F < C
 *     input gradient     col2im(W^T dy)              Wf im2col(dy)       F <= C
 *     weight gradient    dW += dy im2col(x)^T        dWf += x im2col(dy)^T,
 *                                                    then dW += dWf turned back    F < C
 *
 * The multiply-adds are the same in number (F C k^2 per pixel); only the
 * order of the additions inside each sum changes, so the results agree to
 * the last few bits, not to all of them (tests/test_conv.c holds both roads
 * to the six nested loops). For chapter 10's 8 -> 8 and 8 -> 1 layers this
 * took its training iteration from 58 to 43 ms (one thread, bench/README.md).
 * ------------------------------------------------------------------------- */
static int runs_flipped(const conv *L)     /* the input gradient, at least: F <= C */
{
    return !L->transposed && L->stride == 1 && L->k == 2 * L->pad + 1 && L->out_c <= L->in_c;
}

static int twin_for_weights(const conv *L)  /* and the forward pass and dW: F < C */
{
    return runs_flipped(L) && L->out_c < L->in_c;
}

/* column (ch, k-1-ky, k-1-kx) of a weight matrix: tap (ky, kx) of channel ch, turned by 180 degrees */
static size_t turned(size_t ch, size_t k, size_t ky, size_t kx)
{
    return (ch * k + k - 1 - ky) * k + k - 1 - kx;
}

/* The twin of L: a transposed convolution C -> F on L's geometry, whose
 * weight Wf and gradient dWf live at the start of `work`; Wf filled from L's
 * W. Its biases are L's. *rest: the workspace after them, for im2col. */
static conv flipped_twin(const conv *L, gsl_vector *work, gsl_vector_view *rest)
{
    const size_t k = L->k, C = L->in_c, F = L->out_c, area = C * F * k * k;
    conv T = *L;
    T.transposed = 1;
    T.W = gsl_matrix_view_array(work->data, C, F * k * k);
    T.dW = gsl_matrix_view_array(work->data + area, C, F * k * k);
    for (size_t f = 0; f < F; f++)
        for (size_t c = 0; c < C; c++)
            for (size_t ky = 0; ky < k; ky++)
                for (size_t kx = 0; kx < k; kx++)      /* Wf[c, (f,ky,kx)] = W[f, (c,k-1-ky,k-1-kx)] */
                    gsl_matrix_set(&T.W.matrix, c, (f * k + ky) * k + kx,
                                   gsl_matrix_get(&L->W.matrix, f, turned(c, k, ky, kx)));
    *rest = gsl_vector_subvector(work, 2 * area, work->size - 2 * area);
    return T;
}

static void twin_forward(const conv *L, const gsl_matrix *X, gsl_matrix *Y, gsl_vector *work)
{
    gsl_vector_view rest;
    const conv T = flipped_twin(L, work, &rest);
    image_job J = image_job_new(&T, X, NULL, Y, NULL, &rest.vector);
    image_loop(&J, X->size1, convt_forward_image);                     /* y = col2im(Wf^T x) + b */
}

/* dWf = sum_i x_i im2col(dy_i)^T (and db += dy 1), then dW += dWf turned back:
 * dW[f, (c,ky,kx)] += dWf[c, (f,k-1-ky,k-1-kx)] */
static void twin_weight_gradients(conv *L, const gsl_matrix *X, const gsl_matrix *dY, gsl_vector *work)
{
    gsl_vector_view rest;
    conv T = flipped_twin(L, work, &rest);
    gsl_matrix_set_zero(&T.dW.matrix);
    weight_gradients(&T, X, L->in_c, dY, dY, NULL, &rest.vector);
    const size_t k = L->k;
    for (size_t f = 0; f < L->out_c; f++)
        for (size_t c = 0; c < L->in_c; c++)
            for (size_t ky = 0; ky < k; ky++)
                for (size_t kx = 0; kx < k; kx++)
                    *gsl_matrix_ptr(&L->dW.matrix, f, (c * k + ky) * k + kx) +=
                        gsl_matrix_get(&T.dW.matrix, c, turned(f, k, ky, kx));
}

/* ----------------------------------------------------------------------------
 * 6. The input gradient: after the weights' in a backward pass, or alone (a
 *    frozen layer that passes a gradient through)
 * ------------------------------------------------------------------------- */
void conv_backward_input(const conv *L, const gsl_matrix *dY, gsl_matrix *dX, gsl_vector *work)
{
    if (bad_shapes(L, 0, "conv_backward_input", dX, dY, NULL, work))
        return;
    if (runs_flipped(L)) {                           /* dx = Wf im2col(dy): section 5 */
        gsl_vector_view rest;
        const conv T = flipped_twin(L, work, &rest);
        image_job J = image_job_new(&T, dX, dY, NULL, dX, &rest.vector);
        image_loop(&J, dY->size1, convt_input_gradient_image);
        return;
    }
    image_job J = image_job_new(L, dX, dY, NULL, dX, work);
    image_loop(&J, dY->size1, conv_input_gradient_image);           /* dx = col2im(W^T dy) */
}

void convt_backward_input(const conv *L, const gsl_matrix *dY, gsl_matrix *dX, gsl_vector *work)
{
    if (bad_shapes(L, 1, "convt_backward_input", dX, dY, NULL, work))
        return;
    image_job J = image_job_new(L, dX, dY, NULL, dX, work);
    image_loop(&J, dY->size1, convt_input_gradient_image);          /* dx = W im2col(dy) */
}
