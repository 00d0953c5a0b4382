/* test_conv.c -- unit tests of the convolution layers (common/conv.h) and
 * batch normalisation (common/batchnorm.h), the layers of chapters 09-10.
 *
 * Values against a direct loop-by-loop reference; the transposed convolution
 * against the adjoint of the convolution; finite-difference gradient checks
 * of every backward pass over strides, paddings and non-square images; the
 * "dX is written, not added to" contract; shapes of the DCGAN stack; and
 * that a wrong gradient or a wrong call is actually caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "genlab.h"

/* |a - b| <= eps, reporting both values when it fails */
#define assert_double_equal(a, b, eps) do {                                   \
        double a_ = (a), b_ = (b);                                            \
        if (!(fabs(a_ - b_) <= (eps)))                                        \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, \
                     (double)(eps));                                          \
    } while (0)

/* ---- shared helpers -------------------------------------------------------- */

/* One layer geometry: C input channels, F output channels, input H x W,
 * kernel k, stride s, padding p. */
typedef struct geom {
    size_t C, F, H, W, k, s, p;
} geom;

#define GEOM_FMT "(C=%zu F=%zu H=%zu W=%zu k=%zu s=%zu p=%zu)"
#define GEOM_ARGS(g) (g).C, (g).F, (g).H, (g).W, (g).k, (g).s, (g).p

/* convolutions: strides 1 and 2, paddings 0 and 1, non-square inputs, a
 * stride that does not divide H + 2p - k (the last column is never read),
 * DCGAN's k = 4, a 1 x 1 kernel, and a kernel wider than image and one side's
 * padding together (k 5, W 1, p 2: its last columns see only padding). The
 * last four are "same" convolutions with no more outputs than inputs, which
 * conv.c runs (partly) as their flipped twins (its section 5): F < C for a
 * 3 x 3 and a 5 x 5 kernel and one wider than the image, and F = C */
static const geom conv_cases[] = {
    {3, 4, 5, 6, 3, 1, 0}, {3, 4, 5, 6, 3, 1, 1}, {3, 4, 5, 6, 3, 2, 0},
    {3, 4, 5, 6, 3, 2, 1}, {2, 3, 6, 5, 4, 2, 1}, {2, 3, 4, 7, 2, 2, 0},
    {4, 2, 5, 6, 1, 1, 0}, {2, 3, 2, 1, 5, 1, 2},
    {4, 2, 5, 6, 3, 1, 1}, {3, 1, 6, 5, 5, 1, 2}, {4, 1, 2, 1, 5, 1, 2}, {3, 3, 5, 6, 3, 1, 1},
};
/* transposed convolutions (H x W is the small input that is grown) */
static const geom convt_cases[] = {
    {3, 4, 3, 4, 3, 1, 0}, {3, 4, 3, 4, 3, 1, 1}, {3, 4, 3, 4, 3, 2, 0},
    {3, 4, 3, 4, 3, 2, 1}, {2, 3, 3, 4, 4, 2, 1}, {2, 3, 4, 3, 2, 2, 0},
    {4, 2, 3, 5, 1, 1, 0}, {2, 3, 2, 1, 5, 1, 2},
};
#define N_CASES(a) (sizeof (a) / sizeof (a)[0])

static void bind_geom(conv *L, params *P, geom g, int transposed)
{
    if (transposed)
        convt_bind(L, P, g.C, g.F, g.H, g.W, g.k, g.s, g.p);
    else
        conv_bind(L, P, g.C, g.F, g.H, g.W, g.k, g.s, g.p);
}

static void layer_forward(const conv *L, const gsl_matrix *X, gsl_matrix *Y, gsl_vector *work)
{
    if (L->transposed)
        convt_forward(L, X, Y, work);
    else
        conv_forward(L, X, Y, work);
}

static void layer_backward(conv *L, const gsl_matrix *X, const gsl_matrix *dY,
                           gsl_matrix *dX, gsl_vector *work)
{
    if (L->transposed)
        convt_backward(L, X, dY, dX, work);
    else
        conv_backward(L, X, dY, dX, work);
}

/* sum_ij A[i,j] B[i,j]: the loss sum(Y .* R), and the inner product <A, B> */
static double sum_product(const gsl_matrix *A, const gsl_matrix *B)
{
    double s = 0.0;
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++)
            s += gsl_matrix_get(A, i, j) * gsl_matrix_get(B, i, j);
    return s;
}

static double max_abs_diff(const gsl_matrix *A, const gsl_matrix *B)
{
    double m = 0.0;
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++)
            m = fmax(m, fabs(gsl_matrix_get(A, i, j) - gsl_matrix_get(B, i, j)));
    return m;
}

static double max_abs(const gsl_matrix *A)
{
    double m = 0.0;
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++)
            m = fmax(m, fabs(gsl_matrix_get(A, i, j)));
    return m;
}

/* Check an analytic gradient against central differences (max relative error
 * < 1e-6), and then check that the checker is not blind: the same gradient
 * with one entry nudged by 1e-3 (1 + |entry|) must be reported, at that entry. */
static void check_gradient(gradcheck_loss loss, void *ctx, double *x, const double *analytic,
                           size_t n, const char *what)
{
    gradcheck_result res = gradcheck(loss, ctx, x, analytic, n, 100000);
    assert_int_equal(res.checked, n);
    if (!(res.max_rel_err < 1e-6))
        fail_msg("%s: max relative error %.3g at %zu (analytic %.12g, numeric %.12g)",
                 what, res.max_rel_err, res.worst, res.analytic, res.numeric);
    double *wrong = malloc(n * sizeof *wrong);
    assert_non_null(wrong);
    memcpy(wrong, analytic, n * sizeof *wrong);
    size_t at = n / 2;
    wrong[at] += 1e-3 * (1.0 + fabs(wrong[at]));
    res = gradcheck(loss, ctx, x, wrong, n, 100000);
    free(wrong);
    if (!(res.max_rel_err > 1e-4 && res.worst == at))
        fail_msg("%s: a wrong gradient went unnoticed (max relative error %.3g at %zu)",
                 what, res.max_rel_err, res.worst);
}

/* ---- references: the definitions, one loop per index ---------------------- */

/* Y[i,f,oy,ox] = b[f] + sum_{c,ky,kx} W[f,c,ky,kx] X[i,c,oy*s-p+ky,ox*s-p+kx] */
static void naive_conv(const conv *L, const gsl_matrix *X, gsl_matrix *Y)
{
    size_t k = L->k, H = L->in_h, W = L->in_w, Ho = L->out_h, Wo = L->out_w;
    for (size_t i = 0; i < X->size1; i++)
        for (size_t f = 0; f < L->out_c; f++)
            for (size_t oy = 0; oy < Ho; oy++)
                for (size_t ox = 0; ox < Wo; ox++) {
                    double sum = gsl_vector_get(&L->b.vector, f);
                    for (size_t c = 0; c < L->in_c; c++)
                        for (size_t ky = 0; ky < k; ky++)
                            for (size_t kx = 0; kx < k; kx++) {
                                long y = (long)(oy * L->stride + ky) - (long)L->pad;
                                long x = (long)(ox * L->stride + kx) - (long)L->pad;
                                if (y < 0 || x < 0 || y >= (long)H || x >= (long)W)
                                    continue;
                                sum += gsl_matrix_get(&L->W.matrix, f, (c * k + ky) * k + kx)
                                     * gsl_matrix_get(X, i, (c * H + (size_t)y) * W + (size_t)x);
                            }
                    gsl_matrix_set(Y, i, (f * Ho + oy) * Wo + ox, sum);
                }
}

/* Y[i,f,y*s-p+ky,x*s-p+kx] += W[c,f,ky,kx] X[i,c,y,x], then + b[f] */
static void naive_convt(const conv *L, const gsl_matrix *X, gsl_matrix *Y)
{
    size_t k = L->k, H = L->in_h, W = L->in_w, Ho = L->out_h, Wo = L->out_w;
    for (size_t i = 0; i < X->size1; i++)
        for (size_t f = 0; f < L->out_c; f++)
            for (size_t j = 0; j < Ho * Wo; j++)
                gsl_matrix_set(Y, i, f * Ho * Wo + j, gsl_vector_get(&L->b.vector, f));
    for (size_t i = 0; i < X->size1; i++)
        for (size_t c = 0; c < L->in_c; c++)
            for (size_t y = 0; y < H; y++)
                for (size_t x = 0; x < W; x++)
                    for (size_t f = 0; f < L->out_c; f++)
                        for (size_t ky = 0; ky < k; ky++)
                            for (size_t kx = 0; kx < k; kx++) {
                                long oy = (long)(y * L->stride + ky) - (long)L->pad;
                                long ox = (long)(x * L->stride + kx) - (long)L->pad;
                                if (oy < 0 || ox < 0 || oy >= (long)Ho || ox >= (long)Wo)
                                    continue;
                                size_t at = (f * Ho + (size_t)oy) * Wo + (size_t)ox;
                                double w = gsl_matrix_get(&L->W.matrix, c, (f * k + ky) * k + kx);
                                gsl_matrix_set(Y, i, at, gsl_matrix_get(Y, i, at)
                                                         + w * gsl_matrix_get(X, i, (c * H + y) * W + x));
                            }
}

/* ---- a layer with random weights and data, the loss sum(Y .* R) ----------- */
/* The loss is measured from its value at the point where the gradient is
 * checked:  L = sum((Y - Y0) .* R)  has the same gradient R as sum(Y .* R),
 * but a central difference of it only rounds the CHANGE of the sum, not the
 * whole sum (about 50, whose last digits would be noise of 1e-9 against the
 * 2e-5 step; a gradient near 0 then shows a relative error near 1e-6). */
typedef struct conv_probe {
    conv L;
    params *P;
    gsl_matrix *X, *Y, *R, *dX;   /* R: fixed random weights of the loss; dL/dY = R */
    gsl_matrix *Y0;               /* the output at the starting point               */
    gsl_vector *work;
} conv_probe;

/* sum((Y - Y0) .* R) */
static double sum_change_product(const gsl_matrix *Y, const gsl_matrix *Y0, const gsl_matrix *R)
{
    double s = 0.0;
    for (size_t i = 0; i < Y->size1; i++)
        for (size_t j = 0; j < Y->size2; j++)
            s += (gsl_matrix_get(Y, i, j) - gsl_matrix_get(Y0, i, j)) * gsl_matrix_get(R, i, j);
    return s;
}

static void probe_init(conv_probe *p, geom g, int transposed, size_t n, gsl_rng *r)
{
    p->P = params_alloc(conv_size(g.C, g.F, g.k));
    bind_geom(&p->L, p->P, g, transposed);
    /* weights, biases, inputs of size 1/4: a central difference's rounding
     * noise grows with |Y| ~ |W| |X|, while dL/dW grows only with |X| and
     * dL/dX only with |W|; smaller Y, relatively less noise on both */
    conv_init_normal(&p->L, r, 0.25);
    for (size_t f = 0; f < g.F; f++)
        gsl_vector_set(&p->L.b.vector, f, gsl_ran_gaussian(r, 0.25));
    p->X = gsl_matrix_alloc(n, g.C * g.H * g.W);
    p->dX = gsl_matrix_alloc(n, g.C * g.H * g.W);
    p->Y = gsl_matrix_alloc(n, g.F * p->L.out_h * p->L.out_w);
    p->R = gsl_matrix_alloc(n, g.F * p->L.out_h * p->L.out_w);
    rng_fill_gaussian(r, p->X, 0, 0.25);
    rng_fill_gaussian(r, p->R, 0, 1);
    p->work = gsl_vector_alloc(conv_work_size(&p->L));
    p->Y0 = gsl_matrix_alloc(p->Y->size1, p->Y->size2);
    layer_forward(&p->L, p->X, p->Y0, p->work);
}

static void probe_free(conv_probe *p)
{
    gsl_matrix_free(p->X); gsl_matrix_free(p->dX);
    gsl_matrix_free(p->Y); gsl_matrix_free(p->R); gsl_matrix_free(p->Y0);
    gsl_vector_free(p->work);
    params_free(p->P);
}

static double probe_loss(void *ctx)
{
    conv_probe *p = ctx;
    layer_forward(&p->L, p->X, p->Y, p->work);
    return sum_change_product(p->Y, p->Y0, p->R);
}

static void probe_grads(conv_probe *p)
{
    params_zero_grad(p->P);
    layer_forward(&p->L, p->X, p->Y, p->work);
    layer_backward(&p->L, p->X, p->R, p->dX, p->work);   /* dL/dY = R */
}

/* ---- 1. shapes: the formulas and the DCGAN stack ---------------------------- */
static void test_conv_shapes(void **state)
{
    (void)state;
    assert_int_equal(conv_out_size(28, 4, 2, 1), 14);     /* (28 + 2 - 4)/2 + 1 */
    assert_int_equal(conv_out_size(14, 4, 2, 1), 7);
    assert_int_equal(conv_out_size(5, 3, 2, 0), 2);       /* floor */
    assert_int_equal(conv_out_size(2, 4, 1, 0), 0);       /* does not fit */
    assert_int_equal(convt_out_size(7, 4, 2, 1), 14);     /* (7 - 1) 2 - 2 + 4 */
    assert_int_equal(convt_out_size(14, 4, 2, 1), 28);
    assert_int_equal(convt_out_size(1, 1, 1, 1), 0);      /* 1 - 2 < 1 */
    assert_int_equal(conv_size(64, 128, 4), 64 * 128 * 16 + 128);

    /* discriminator 1x28x28 -> 64x14x14 -> 128x7x7, generator back up */
    size_t n = 2;
    params *P = params_alloc(conv_size(1, 64, 4) + conv_size(64, 128, 4)
                             + conv_size(128, 64, 4) + conv_size(64, 1, 4));
    conv d1, d2, g1, g2;
    conv_bind(&d1, P, 1, 64, 28, 28, 4, 2, 1);
    conv_bind(&d2, P, 64, 128, 14, 14, 4, 2, 1);
    convt_bind(&g1, P, 128, 64, 7, 7, 4, 2, 1);
    convt_bind(&g2, P, 64, 1, 14, 14, 4, 2, 1);
    assert_int_equal(P->used, P->value->size);
    assert_true(d1.out_c == 64 && d1.out_h == 14 && d1.out_w == 14);
    assert_true(d2.out_c == 128 && d2.out_h == 7 && d2.out_w == 7);
    assert_true(g1.out_c == 64 && g1.out_h == 14 && g1.out_w == 14);
    assert_true(g2.out_c == 1 && g2.out_h == 28 && g2.out_w == 28);
    assert_true(d2.W.matrix.size1 == 128 && d2.W.matrix.size2 == 64 * 16);   /* (F, C k^2) */
    assert_true(g1.W.matrix.size1 == 128 && g1.W.matrix.size2 == 64 * 16);   /* (C, F k^2) */
    assert_int_equal(conv_work_size(&d2), 64 * 16 * 49);
    assert_int_equal(conv_work_size(&g1), 64 * 16 * 49);                     /* = d2's */
    assert_int_equal(conv_work_size(&g2), 1 * 16 * 196);

    gsl_rng *r = rng_new(1);
    conv *all[] = {&d1, &d2, &g1, &g2};
    size_t largest = 0;
    for (size_t l = 0; l < 4; l++) {
        conv_init_normal(all[l], r, 0.02);
        largest = conv_work_size(all[l]) > largest ? conv_work_size(all[l]) : largest;
    }
    gsl_vector *work = gsl_vector_alloc(largest);        /* one buffer for all four */
    gsl_matrix *img = gsl_matrix_alloc(n, 28 * 28), *h14 = gsl_matrix_alloc(n, 64 * 14 * 14);
    gsl_matrix *h7 = gsl_matrix_alloc(n, 128 * 7 * 7), *g14 = gsl_matrix_alloc(n, 64 * 14 * 14);
    gsl_matrix *out = gsl_matrix_alloc(n, 28 * 28);
    rng_fill_gaussian(r, img, 0, 1);
    conv_forward(&d1, img, h14, work);
    conv_forward(&d2, h14, h7, work);
    convt_forward(&g1, h7, g14, work);
    convt_forward(&g2, g14, out, work);
    assert_true(mat_all_finite(out));
    assert_true(max_abs(out) > 0.0);
    gsl_matrix_free(img); gsl_matrix_free(h14); gsl_matrix_free(h7);
    gsl_matrix_free(g14); gsl_matrix_free(out);
    gsl_vector_free(work);
    gsl_rng_free(r);
    params_free(P);
}

/* ---- 2. values: against the direct definition ------------------------------ */
/* Forward on views whose rows are apart by more than their length (tda > size2),
 * as a chapter's slice of a bigger matrix would be, against the reference. */
static void check_against_naive(int transposed, geom g, gsl_rng *r)
{
    size_t n = 3;
    conv_probe p;
    probe_init(&p, g, transposed, n, r);
    size_t din = p.X->size2, dout = p.Y->size2;
    gsl_matrix *Xbig = gsl_matrix_alloc(n, din + 3), *Ybig = gsl_matrix_alloc(n, dout + 5);
    gsl_matrix_set_all(Ybig, 99.0);
    gsl_matrix_view Xv = gsl_matrix_submatrix(Xbig, 0, 0, n, din);
    gsl_matrix_view Yv = gsl_matrix_submatrix(Ybig, 0, 0, n, dout);
    gsl_matrix_memcpy(&Xv.matrix, p.X);
    layer_forward(&p.L, &Xv.matrix, &Yv.matrix, p.work);
    (transposed ? naive_convt : naive_conv)(&p.L, p.X, p.Y);
    double err = max_abs_diff(&Yv.matrix, p.Y);
    if (!(err <= 1e-12 * (1.0 + max_abs(p.Y))))
        fail_msg("%s " GEOM_FMT ": differs from the reference by %.3g",
                 transposed ? "convt" : "conv", GEOM_ARGS(g), err);
    for (size_t i = 0; i < n; i++)                      /* nothing written past a row */
        for (size_t j = dout; j < dout + 5; j++)
            assert_double_equal(gsl_matrix_get(Ybig, i, j), 99.0, 0);
    gsl_matrix_free(Xbig); gsl_matrix_free(Ybig);
    probe_free(&p);
}

static void test_conv_matches_reference(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(2);
    for (size_t c = 0; c < N_CASES(conv_cases); c++)
        check_against_naive(0, conv_cases[c], r);
    gsl_rng_free(r);
}

static void test_convt_matches_reference(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(3);
    for (size_t c = 0; c < N_CASES(convt_cases); c++)
        check_against_naive(1, convt_cases[c], r);
    gsl_rng_free(r);
}

/* A 2x2 image, a 2x2 kernel of ones, stride 1, padding 1: a 3x3 output
 * worked out by hand (every window sums the pixels it covers). */
static void test_conv_by_hand(void **state)
{
    (void)state;
    params *P = params_alloc(conv_size(1, 1, 2));
    conv L;
    conv_bind(&L, P, 1, 1, 2, 2, 2, 1, 1);
    gsl_matrix_set_all(&L.W.matrix, 1.0);
    gsl_vector_set(&L.b.vector, 0, 0.5);
    double xs[] = {1, 2, 3, 4};
    gsl_matrix_view X = gsl_matrix_view_array(xs, 1, 4);
    gsl_matrix *Y = gsl_matrix_alloc(1, 9);
    gsl_vector *work = gsl_vector_alloc(conv_work_size(&L));
    conv_forward(&L, &X.matrix, Y, work);
    double want[] = {1, 3, 2, 4, 10, 6, 3, 7, 4};
    for (size_t j = 0; j < 9; j++)
        assert_double_equal(gsl_matrix_get(Y, 0, j), want[j] + 0.5, 1e-15);
    gsl_matrix_free(Y);
    gsl_vector_free(work);
    params_free(P);
}

/* ---- 3. the transposed convolution is the convolution's adjoint ------------- */
/* conv: C -> F on H x W; convt: F -> C on H_out x W_out, same k, s, p and the
 * same weight matrix (F, C k^2). Without biases, both are linear maps and
 *     <conv(X), Z> = <X, convt(Z)>      for every X, Z;
 * more: convt's forward IS conv's input gradient, and convt's input gradient
 * IS conv's forward. */
static void test_convt_is_adjoint_of_conv(void **state)
{
    (void)state;
    const geom cases[] = {
        {3, 4, 5, 6, 3, 1, 0}, {3, 4, 5, 6, 3, 1, 1}, {3, 4, 5, 7, 3, 2, 1},
        {2, 3, 6, 8, 4, 2, 1}, {1, 2, 28, 28, 4, 2, 1}, {2, 2, 4, 6, 2, 2, 0},
    };
    gsl_rng *r = rng_new(4);
    for (size_t c = 0; c < N_CASES(cases); c++) {
        geom g = cases[c];
        size_t n = 2;
        params *P = params_alloc(conv_size(g.C, g.F, g.k) + conv_size(g.F, g.C, g.k));
        conv A, B;
        conv_bind(&A, P, g.C, g.F, g.H, g.W, g.k, g.s, g.p);
        convt_bind(&B, P, g.F, g.C, A.out_h, A.out_w, g.k, g.s, g.p);
        assert_true(B.out_h == g.H && B.out_w == g.W);
        conv_init_normal(&A, r, 1.0);
        gsl_matrix_memcpy(&B.W.matrix, &A.W.matrix);          /* shared weights, b = 0 */
        size_t wsize = GSL_MAX(conv_work_size(&A), conv_work_size(&B));
        gsl_vector *work = gsl_vector_alloc(wsize);
        gsl_matrix *X = gsl_matrix_alloc(n, g.C * g.H * g.W), *AX = gsl_matrix_alloc(n, A.out_c * A.out_h * A.out_w);
        gsl_matrix *Z = gsl_matrix_alloc(n, AX->size2), *BZ = gsl_matrix_alloc(n, X->size2);
        gsl_matrix *dX = gsl_matrix_alloc(n, X->size2), *dZ = gsl_matrix_alloc(n, Z->size2);
        rng_fill_gaussian(r, X, 0, 1);
        rng_fill_gaussian(r, Z, 0, 1);
        conv_forward(&A, X, AX, work);
        convt_forward(&B, Z, BZ, work);
        double lhs = sum_product(AX, Z), rhs = sum_product(X, BZ);
        if (!(fabs(lhs - rhs) <= 1e-12 * (fabs(lhs) + fabs(rhs) + 1.0)))
            fail_msg(GEOM_FMT ": <conv X, Z> = %.17g but <X, convt Z> = %.17g",
                     GEOM_ARGS(g), lhs, rhs);
        /* convt forward = conv's dL/dX for dL/dY = Z */
        conv_backward(&A, X, Z, dX, work);
        assert_true(max_abs_diff(dX, BZ) <= 1e-12 * (1.0 + max_abs(BZ)));
        /* convt's dL/dZ for dL/dY = X  =  conv forward of X */
        convt_backward(&B, Z, X, dZ, work);
        assert_true(max_abs_diff(dZ, AX) <= 1e-12 * (1.0 + max_abs(AX)));
        gsl_matrix_free(X); gsl_matrix_free(AX); gsl_matrix_free(Z); gsl_matrix_free(BZ);
        gsl_matrix_free(dX); gsl_matrix_free(dZ);
        gsl_vector_free(work);
        params_free(P);
    }
    gsl_rng_free(r);
}

/* ---- 4. gradient checks of both layers ---------------------------------------- */
static void gradcheck_layer(int transposed, geom g, gsl_rng *r)
{
    conv_probe p;
    probe_init(&p, g, transposed, 2, r);
    probe_grads(&p);
    char what[160];
    const double *gW = p.L.dW.matrix.data, *gb = p.L.db.vector.data;
    size_t nW = p.L.W.matrix.size1 * p.L.W.matrix.size2, nb = g.F;
    snprintf(what, sizeof what, "%s " GEOM_FMT " weights", transposed ? "convt" : "conv", GEOM_ARGS(g));
    check_gradient(probe_loss, &p, p.L.W.matrix.data, gW, nW, what);
    snprintf(what, sizeof what, "%s " GEOM_FMT " bias", transposed ? "convt" : "conv", GEOM_ARGS(g));
    check_gradient(probe_loss, &p, p.L.b.vector.data, gb, nb, what);
    snprintf(what, sizeof what, "%s " GEOM_FMT " input", transposed ? "convt" : "conv", GEOM_ARGS(g));
    check_gradient(probe_loss, &p, p.X->data, p.dX->data, p.X->size1 * p.X->size2, what);
    probe_free(&p);
}

static void test_conv_gradcheck(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(5);
    for (size_t c = 0; c < N_CASES(conv_cases); c++)
        gradcheck_layer(0, conv_cases[c], r);
    gsl_rng_free(r);
}

static void test_convt_gradcheck(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(6);
    for (size_t c = 0; c < N_CASES(convt_cases); c++)
        gradcheck_layer(1, convt_cases[c], r);
    gsl_rng_free(r);
}

/* The whole-gradient version of test_common's check: a gradient 1% too large
 * everywhere, or the gradient of another stride, is caught. */
static void test_gradcheck_catches_wrong_gradients(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(7);
    for (int transposed = 0; transposed <= 1; transposed++) {
        geom g = transposed ? convt_cases[3] : conv_cases[3];
        conv_probe p;
        probe_init(&p, g, transposed, 2, r);
        probe_grads(&p);
        size_t nW = p.L.W.matrix.size1 * p.L.W.matrix.size2;
        gsl_matrix_scale(&p.L.dW.matrix, 1.01);
        gsl_matrix_scale(p.dX, 1.01);
        gradcheck_result gw = gradcheck(probe_loss, &p, p.L.W.matrix.data, p.L.dW.matrix.data, nW, 100000);
        gradcheck_result gx = gradcheck(probe_loss, &p, p.X->data, p.dX->data,
                                        p.X->size1 * p.X->size2, 100000);
        assert_true(gw.max_rel_err > 1e-3);
        assert_true(gx.max_rel_err > 1e-3);
        probe_free(&p);
    }
    /* the gradient of a stride-1 convolution offered for a stride-2 one
     * (same weights, same padding, the stride-2 output as a subsample) */
    geom g2 = {2, 3, 5, 5, 3, 2, 1}, g1 = {2, 3, 5, 5, 3, 1, 1};
    conv_probe p2, p1;
    probe_init(&p2, g2, 0, 1, r);
    probe_init(&p1, g1, 0, 1, r);
    gsl_matrix_memcpy(&p1.L.W.matrix, &p2.L.W.matrix);
    gsl_vector_memcpy(&p1.L.b.vector, &p2.L.b.vector);
    gsl_matrix_memcpy(p1.X, p2.X);
    gsl_matrix_set_zero(p1.R);                 /* R1 = R2 placed on the even pixels */
    for (size_t f = 0; f < 3; f++)
        for (size_t oy = 0; oy < 3; oy++)
            for (size_t ox = 0; ox < 3; ox++)
                gsl_matrix_set(p1.R, 0, f * 25 + 2 * oy * 5 + 2 * ox,
                               gsl_matrix_get(p2.R, 0, f * 9 + oy * 3 + ox) * 1.02);
    probe_grads(&p1);
    gradcheck_result gx = gradcheck(probe_loss, &p2, p2.X->data, p1.dX->data, 25 * 2, 100000);
    assert_true(gx.max_rel_err > 1e-3);
    gsl_matrix_scale(p1.dX, 1.0 / 1.02);       /* the same thing, done right, passes */
    gx = gradcheck(probe_loss, &p2, p2.X->data, p1.dX->data, 25 * 2, 100000);
    assert_true(gx.max_rel_err < 1e-6);
    probe_free(&p1);
    probe_free(&p2);
    gsl_rng_free(r);
}

/* ---- 5. backward WRITES dX and ADDS to dW, db ---------------------------------- */
static void test_backward_writes_dx(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(8);
    for (int transposed = 0; transposed <= 1; transposed++) {
        geom g = transposed ? convt_cases[4] : conv_cases[4];
        conv_probe p;
        probe_init(&p, g, transposed, 3, r);
        params_zero_grad(p.P);
        gsl_matrix_set_all(p.dX, 7.0);                 /* garbage that must vanish */
        layer_backward(&p.L, p.X, p.R, p.dX, p.work);
        gsl_matrix *first = gsl_matrix_alloc(p.dX->size1, p.dX->size2);
        gsl_vector *grad1 = gsl_vector_alloc(p.P->grad->size);
        gsl_matrix_memcpy(first, p.dX);
        gsl_vector_memcpy(grad1, p.P->grad);
        layer_backward(&p.L, p.X, p.R, p.dX, p.work);  /* again, into the same dX */
        assert_true(gsl_matrix_equal(first, p.dX));    /* =, not += */
        for (size_t j = 0; j < grad1->size; j++)       /* +=, not = */
            assert_double_equal(gsl_vector_get(p.P->grad, j), 2.0 * gsl_vector_get(grad1, j),
                                1e-12 * (1.0 + fabs(gsl_vector_get(grad1, j))));
        /* and the dX = NULL call adds the same parameter gradient */
        layer_backward(&p.L, p.X, p.R, NULL, p.work);
        assert_double_equal(gsl_vector_get(p.P->grad, 0), 3.0 * gsl_vector_get(grad1, 0),
                            1e-12 * (1.0 + fabs(gsl_vector_get(grad1, 0))));
        gsl_matrix_free(first);
        gsl_vector_free(grad1);
        probe_free(&p);
    }
    gsl_rng_free(r);
}

/* ---- 6. initialisation ---------------------------------------------------------- */
static double sample_sd(const gsl_matrix *W)
{
    double s = 0.0, ss = 0.0, m = (double)(W->size1 * W->size2);
    for (size_t i = 0; i < W->size1; i++)
        for (size_t j = 0; j < W->size2; j++) {
            s += gsl_matrix_get(W, i, j);
            ss += gsl_matrix_get(W, i, j) * gsl_matrix_get(W, i, j);
        }
    return sqrt(ss / m - (s / m) * (s / m));
}

static void test_conv_init(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(9);
    params *P = params_alloc(2 * conv_size(64, 128, 4));
    conv A, B;
    conv_bind(&A, P, 64, 128, 14, 14, 4, 2, 1);
    convt_bind(&B, P, 128, 64, 7, 7, 4, 2, 1);
    gsl_vector_set_all(&A.b.vector, 1.0);
    conv_init_normal(&A, r, 0.02);
    assert_double_equal(sample_sd(&A.W.matrix), 0.02, 0.02 * 0.02);
    assert_double_equal(gsl_vector_max(&A.b.vector), 0.0, 0);
    assert_double_equal(gsl_vector_min(&A.b.vector), 0.0, 0);
    double xavier = sqrt(2.0 / ((64.0 + 128.0) * 16.0));
    conv_init_xavier(&A, r);
    assert_double_equal(sample_sd(&A.W.matrix), xavier, 0.02 * xavier);
    conv_init_he(&A, r);                           /* fan_in = 64 * 16 */
    assert_double_equal(sample_sd(&A.W.matrix), sqrt(2.0 / (64.0 * 16.0)), 0.02 * sqrt(2.0 / 1024.0));
    conv_init_he(&B, r);                           /* fan_in = 128 * 16 / 2^2 */
    assert_double_equal(sample_sd(&B.W.matrix), sqrt(2.0 / 512.0), 0.02 * sqrt(2.0 / 512.0));
    params_free(P);
    gsl_rng_free(r);
}

/* ---- 7. wrong calls are refused, not run ------------------------------------------ */
static int gsl_errors;
static void count_gsl_error(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason; (void)file; (void)line; (void)gsl_errno;
    gsl_errors++;
}

static void test_bad_calls_are_refused(void **state)
{
    (void)state;
    gsl_error_handler_t *old = gsl_set_error_handler(count_gsl_error);
    gsl_rng *r = rng_new(10);
    conv_probe p;
    probe_init(&p, conv_cases[1], 0, 2, r);
    gsl_matrix *wide = gsl_matrix_alloc(2, p.X->size2 + 1), *tall = gsl_matrix_alloc(3, p.Y->size2);
    gsl_vector *small = gsl_vector_alloc(conv_work_size(&p.L) - 1);
    gsl_matrix_set_all(p.Y, 5.0);
    gsl_errors = 0;
    conv_forward(&p.L, wide, p.Y, p.work);         /* wrong input width */
    conv_forward(&p.L, p.X, tall, p.work);         /* wrong number of rows */
    conv_forward(&p.L, p.X, p.Y, small);           /* workspace too small */
    convt_forward(&p.L, p.X, p.Y, p.work);         /* a conv used as a convt */
    conv_backward(&p.L, p.X, p.R, wide, p.work);   /* dX of the wrong shape */
    assert_int_equal(gsl_errors, 5);
    assert_double_equal(max_abs(p.Y), 5.0, 0);     /* nothing was computed */
    assert_double_equal(params_grad_norm(p.P), 0.0, 0);
    conv L;
    params *Q = params_alloc(conv_size(1, 1, 7));
    conv_bind(&L, Q, 1, 1, 2, 2, 7, 1, 1);         /* 7x7 kernel, 4x4 padded image */
    assert_int_equal(gsl_errors, 6);
    assert_int_equal(Q->used, 0);
    batchnorm *bn = batchnorm_new(Q, 3, 2);
    batchnorm_forward(bn, wide, wide, BN_TRAIN);
    assert_int_equal(gsl_errors, 7);
    batchnorm_free(bn);
    params_free(Q);
    gsl_matrix_free(wide); gsl_matrix_free(tall); gsl_vector_free(small);
    probe_free(&p);
    gsl_rng_free(r);
    gsl_set_error_handler(old);
}

/* ---- 8. batch normalisation -------------------------------------------------------- */
typedef struct bn_probe {
    batchnorm *L;
    params *P;
    gsl_matrix *X, *Y, *R, *dX, *Y0;   /* as conv_probe */
    bn_mode mode;
} bn_probe;

static void bn_probe_init(bn_probe *p, size_t n, size_t C, size_t HW, bn_mode mode, gsl_rng *r)
{
    p->P = params_alloc(batchnorm_size(C));
    p->L = batchnorm_new(p->P, C, HW);
    p->mode = mode;
    for (size_t c = 0; c < C; c++) {
        gsl_vector_set(&p->L->gamma.vector, c, gsl_ran_gaussian(r, 1.0));
        gsl_vector_set(&p->L->beta.vector, c, gsl_ran_gaussian(r, 1.0));
        gsl_vector_set(p->L->running_mean, c, gsl_ran_gaussian(r, 1.0));
        gsl_vector_set(p->L->running_var, c, 0.5 + gsl_rng_uniform(r));
    }
    p->X = gsl_matrix_alloc(n, C * HW);
    p->Y = gsl_matrix_alloc(n, C * HW);
    p->R = gsl_matrix_alloc(n, C * HW);
    p->dX = gsl_matrix_alloc(n, C * HW);
    rng_fill_gaussian(r, p->X, 2.0, 3.0);    /* far from normalised already */
    rng_fill_gaussian(r, p->R, 0, 1);
    p->Y0 = gsl_matrix_alloc(n, C * HW);
    batchnorm_forward(p->L, p->X, p->Y0, mode);
}

static void bn_probe_free(bn_probe *p)
{
    gsl_matrix_free(p->X); gsl_matrix_free(p->Y); gsl_matrix_free(p->R); gsl_matrix_free(p->dX);
    gsl_matrix_free(p->Y0);
    batchnorm_free(p->L);
    params_free(p->P);
}

static double bn_probe_loss(void *ctx)
{
    bn_probe *p = ctx;
    batchnorm_forward(p->L, p->X, p->Y, p->mode);
    return sum_change_product(p->Y, p->Y0, p->R);
}

static void bn_probe_grads(bn_probe *p)
{
    params_zero_grad(p->P);
    batchnorm_forward(p->L, p->X, p->Y, p->mode);
    batchnorm_backward(p->L, p->X, p->R, p->dX);
}

static void test_batchnorm_gradcheck(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(11);
    /* (n, C, HW): images of 2x3 pixels, a dense layer's output (HW = 1), one image */
    const size_t shapes[][3] = {{4, 3, 6}, {5, 4, 1}, {1, 2, 9}};
    for (int mode = BN_TRAIN; mode <= BN_EVAL; mode++)
        for (size_t s = 0; s < 3; s++) {
            bn_probe p;
            bn_probe_init(&p, shapes[s][0], shapes[s][1], shapes[s][2], (bn_mode)mode, r);
            bn_probe_grads(&p);
            size_t C = shapes[s][1];
            char name[64], what[96];
            snprintf(name, sizeof name, "batchnorm %s n=%zu C=%zu HW=%zu",
                     mode == BN_TRAIN ? "train" : "eval", shapes[s][0], C, shapes[s][2]);
            snprintf(what, sizeof what, "%s gamma", name);
            check_gradient(bn_probe_loss, &p, p.L->gamma.vector.data, p.L->dgamma.vector.data, C, what);
            snprintf(what, sizeof what, "%s beta", name);
            check_gradient(bn_probe_loss, &p, p.L->beta.vector.data, p.L->dbeta.vector.data, C, what);
            snprintf(what, sizeof what, "%s input", name);
            check_gradient(bn_probe_loss, &p, p.X->data, p.dX->data, p.X->size1 * p.X->size2, what);
            bn_probe_free(&p);
        }
    gsl_rng_free(r);
}

/* every channel of a training-mode output has mean beta and variance gamma^2,
 * the running averages move as PyTorch moves them, evaluation mode uses them */
static void test_batchnorm_values(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(12);
    size_t n = 8, C = 3, HW = 5, m = n * HW;
    params *P = params_alloc(batchnorm_size(C));
    batchnorm *L = batchnorm_new(P, C, HW);
    assert_int_equal(P->used, 2 * C);
    assert_double_equal(gsl_vector_get(&L->gamma.vector, 2), 1.0, 0);
    assert_double_equal(gsl_vector_get(L->running_var, 1), 1.0, 0);
    double gamma[] = {1.5, -0.5, 2.0}, beta[] = {0.1, 0.2, -1.0};
    for (size_t c = 0; c < C; c++) {
        gsl_vector_set(&L->gamma.vector, c, gamma[c]);
        gsl_vector_set(&L->beta.vector, c, beta[c]);
    }
    gsl_matrix *X = gsl_matrix_alloc(n, C * HW), *Y = gsl_matrix_alloc(n, C * HW);
    rng_fill_gaussian(r, X, 3.0, 2.0);
    batchnorm_forward(L, X, Y, BN_TRAIN);
    double *vals = malloc(m * sizeof *vals), *outs = malloc(m * sizeof *outs);
    assert_non_null(vals);
    assert_non_null(outs);
    for (size_t c = 0; c < C; c++) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < HW; j++) {
                vals[i * HW + j] = gsl_matrix_get(X, i, c * HW + j);
                outs[i * HW + j] = gsl_matrix_get(Y, i, c * HW + j);
            }
        double mu = gsl_stats_mean(vals, 1, m), var = gsl_stats_variance_m(vals, 1, m, mu);
        double biased = var * (double)(m - 1) / (double)m;
        assert_double_equal(gsl_stats_mean(outs, 1, m), beta[c], 1e-12);
        double out_var = gsl_stats_variance_m(outs, 1, m, beta[c]) * (double)(m - 1) / (double)m;
        assert_double_equal(out_var, gamma[c] * gamma[c] * biased / (biased + BATCHNORM_EPS), 1e-12);
        assert_double_equal(gsl_vector_get(L->running_mean, c), 0.1 * mu, 1e-12);
        assert_double_equal(gsl_vector_get(L->running_var, c), 0.9 + 0.1 * var, 1e-12);  /* unbiased */
    }
    /* evaluation: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta,
     * one image at a time gives the same as the whole batch */
    gsl_vector_set(L->running_mean, 1, 2.5);
    gsl_vector_set(L->running_var, 1, 4.0);
    batchnorm_forward(L, X, Y, BN_EVAL);
    double x = gsl_matrix_get(X, 6, 1 * HW + 3);
    assert_double_equal(gsl_matrix_get(Y, 6, 1 * HW + 3),
                        -0.5 * (x - 2.5) / sqrt(4.0 + BATCHNORM_EPS) + 0.2, 1e-14);
    gsl_matrix_view row = gsl_matrix_submatrix(X, 6, 0, 1, C * HW);
    gsl_matrix *y1 = gsl_matrix_alloc(1, C * HW);
    batchnorm_forward(L, &row.matrix, y1, BN_EVAL);
    gsl_matrix_view yrow = gsl_matrix_submatrix(Y, 6, 0, 1, C * HW);
    assert_true(gsl_matrix_equal(y1, &yrow.matrix));
    assert_double_equal(gsl_vector_get(L->running_mean, 1), 2.5, 0);   /* not updated */
    /* backward writes dX (=) and accumulates dgamma, dbeta (+=), in both modes;
     * dX may be dY */
    for (int mode = BN_TRAIN; mode <= BN_EVAL; mode++) {
        batchnorm_forward(L, X, Y, (bn_mode)mode);
        gsl_matrix *dY = gsl_matrix_alloc(n, C * HW), *dX = gsl_matrix_alloc(n, C * HW);
        rng_fill_gaussian(r, dY, 0, 1);
        params_zero_grad(P);
        gsl_matrix_set_all(dX, 7.0);
        batchnorm_backward(L, X, dY, dX);
        gsl_matrix *first = gsl_matrix_alloc(n, C * HW);
        gsl_matrix_memcpy(first, dX);
        double g0 = gsl_vector_get(P->grad, 0), b0 = gsl_vector_get(P->grad, C);
        batchnorm_backward(L, X, dY, dX);
        assert_true(gsl_matrix_equal(first, dX));
        assert_double_equal(gsl_vector_get(P->grad, 0), 2.0 * g0, 1e-13 * (1.0 + fabs(g0)));
        assert_double_equal(gsl_vector_get(P->grad, C), 2.0 * b0, 1e-13 * (1.0 + fabs(b0)));
        batchnorm_backward(L, X, dY, dY);                   /* in place */
        assert_true(max_abs_diff(first, dY) == 0.0);
        gsl_matrix_free(dY); gsl_matrix_free(dX); gsl_matrix_free(first);
    }
    free(vals); free(outs);
    gsl_matrix_free(X); gsl_matrix_free(Y); gsl_matrix_free(y1);
    batchnorm_free(L);
    params_free(P);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_shapes),
        cmocka_unit_test(test_conv_by_hand),
        cmocka_unit_test(test_conv_matches_reference),
        cmocka_unit_test(test_convt_matches_reference),
        cmocka_unit_test(test_convt_is_adjoint_of_conv),
        cmocka_unit_test(test_conv_gradcheck),
        cmocka_unit_test(test_convt_gradcheck),
        cmocka_unit_test(test_gradcheck_catches_wrong_gradients),
        cmocka_unit_test(test_backward_writes_dx),
        cmocka_unit_test(test_conv_init),
        cmocka_unit_test(test_bad_calls_are_refused),
        cmocka_unit_test(test_batchnorm_gradcheck),
        cmocka_unit_test(test_batchnorm_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
