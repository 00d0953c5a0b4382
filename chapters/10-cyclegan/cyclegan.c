/* cyclegan.c -- chapter 10: CycleGAN, translation between two domains that
 * were never paired (source 003, section 7), on domains whose true mapping
 * WE know, so that every translation can be scored against the truth.
 *
 *     G_XY: X -> Y   G_YX: Y -> X   D_Y: "a real y?"   D_X: "a real x?"
 *     L = L_GAN(G_XY, D_Y) + L_GAN(G_YX, D_X) + lambda L_cyc  [+ identity]
 *
 * Images: X = MNIST digits, Y = digits with strokes one pixel thicker (a
 * known dilation), from disjoint halves of the training set; and a 2-D
 * warm-up, Y = A X for a known matrix A. The lesson, measured (README): the
 * cycle loss is necessary, not sufficient. A generator that sees 3 pixels
 * around keeps the content with or without it; one that sees the whole
 * image loses it without. Added to the source (section 3): the least-squares
 * GAN loss, an identity loss, a history buffer of fakes, lambda = 10.
 * ========================================================================== */
#include "genlab.h"
#define SIDE 28
#define IMG (SIDE * SIDE)  /* 784 pixels per image                            */
#define SHOW 8             /* digits per direction in the translation figure   */
#define SMOOTH 50          /* steps in the trailing mean of the loss curves    */
#define CURVE_N 200        /* test inputs of each point of the curves over training */
#define FJD_SEED 3000017UL /* + --seed: fjd_noise's images (not training's generator) */

/* ----------------------------------------------------------------------------
 * 1. Two domains whose true map we know
 *
 * Pairs (x, T(x)) would make this regression. CycleGAN has only a bag of
 * x's and a separate bag of y's. We build the bags from a T we choose and
 * hide T from the model: it only MEASURES, on test inputs, |G_XY(x) - T(x)|.
 *
 * 2-D: x from three Gaussians (weights 0.6, 0.3, 0.1, sd 0.35), y = A x' for
 * an INDEPENDENT draw x', A = diag(2, 1) R(45 deg): rotate, then stretch.
 *
 * Images: T = dilation by a plus-shaped 3 x 3 element, every pixel takes the
 * largest value among itself and its four neighbours:
 *
 *     T(x)[r, c] = max(x[r, c], x[r-1, c], x[r+1, c], x[r, c-1], x[r, c+1])
 *
 * Strokes grow one pixel in each direction; the digit stays the digit. (Why
 * not the square 3 x 3 element: our digit judge, trained on plain digits,
 * reads square-dilated test digits right only 85 % of the time, plus-dilated
 * ones 94 %: README.) X = plain digits of the first 30 000 training images,
 * Y = dilated digits of the other 30 000, so no pair exists in training.
 * ------------------------------------------------------------------------- */
static void dilate(const double *in, double *y)   /* one image, T(x) (y may be in) */
{
    double x[IMG];
    memcpy(x, in, sizeof x);
    for (int p = 0, r = 0, c = 0; p < IMG; p++, r = p / SIDE, c = p % SIDE)   /* GSL_MAX: no libm call */
        y[p] = GSL_MAX(GSL_MAX(x[p], GSL_MAX(r > 0 ? x[p - SIDE] : 0, r < SIDE - 1 ? x[p + SIDE] : 0)),
                       GSL_MAX(c > 0 ? x[p - 1] : 0, c < SIDE - 1 ? x[p + 1] : 0));
}

static const double TOY_W[3] = {0.6, 0.3, 0.1}, TOY_C[3][2] = {{-1.2, -0.6}, {1.2, -0.6}, {0.0, 1.2}}, TOY_SD = 0.35;

static void toy_draw(gsl_rng *r, gsl_matrix *X)          /* rows of X ~ p_X   */
{
    for (size_t i = 0; i < X->size1; i++) {
        const double u = gsl_rng_uniform(r);
        const int k = u < TOY_W[0] ? 0 : u < TOY_W[0] + TOY_W[1] ? 1 : 2;
        for (int j = 0; j < 2; j++)
            gsl_matrix_set(X, i, j, TOY_C[k][j] + gsl_ran_gaussian(r, TOY_SD));
    }
}

/* Y = A X row by row (inverse: A^-1). With c = s = cos 45 = sin 45:
 *     A = diag(2, 1) [c -s; s c] = [2c -2s; s c]    A^-1 = [c/2 s; -s/2 c] */
static void toy_map(const gsl_matrix *X, gsl_matrix *Y, int inverse)
{
    const double c = M_SQRT1_2, s = M_SQRT1_2;
    const double A[2][2] = {{2 * c, -2 * s}, {s, c}}, Ai[2][2] = {{c / 2, s}, {-s / 2, c}};
    const double (*M)[2] = inverse ? Ai : A;
    for (size_t i = 0; i < X->size1; i++) {
        const double a = gsl_matrix_get(X, i, 0), b = gsl_matrix_get(X, i, 1);
        gsl_matrix_set(Y, i, 0, M[0][0] * a + M[0][1] * b);
        gsl_matrix_set(Y, i, 1, M[1][0] * a + M[1][1] * b);
    }
}

/* The two bags for training, and test inputs with their truths. */
typedef struct domains {
    size_t dim;                  /* 2 or 784                                   */
    gsl_matrix *X, *Y;           /* (n, dim) training bags, never paired       */
    gsl_matrix *tx, *tx_true;    /* test x and T(x)                            */
    gsl_matrix *ty, *ty_true;    /* test y and T^-1(y)                         */
    unsigned char *label;        /* images: the digit of test row i            */
    gsl_matrix *ref_x, *ref_y;   /* images: other test digits, plain / dilated (fjd) */
} domains;

/* rows from .. from + n - 1 of A, plain or dilated: copied, or (own) where they lie */
static gsl_matrix *rows_of(gsl_matrix *A, size_t from, size_t n, int dilated, int own)
{
    gsl_matrix *B = own ? gsl_matrix_alloc_from_block(A->block, from * IMG, n, IMG, IMG) : mat_alloc_large(n, IMG);
    for (size_t i = 0; i < n; i++)
        if (dilated)
            dilate(gsl_matrix_const_ptr(A, from + i, 0), gsl_matrix_ptr(B, i, 0));
        else if (!own)
            memcpy(gsl_matrix_ptr(B, i, 0), gsl_matrix_const_ptr(A, from + i, 0), A->size2 * sizeof(double));
    return B;
}

static domains digits_new(image_set *train, const image_set *test, size_t n_test)   /* bags: train's own pixels, freed with d */
{
    if (train->n / 2 < n_test || test->n < n_test + 2)   /* section 8's yardsticks: n_test of each */
        die("--data: 10 needs at least %zu training and %zu test images, not %zu and %zu", 2 * n_test, n_test + 2, train->n, test->n);
    const size_t half = train->n / 2, n_ref = GSL_MIN(test->n - n_test, 2 * n_test);
    domains d = {.dim = IMG, .X = train->images, .Y = rows_of(train->images, half, train->n - half, 1, 1),
                 .tx = rows_of(test->images, 0, n_test, 0, 0), .tx_true = rows_of(test->images, 0, n_test, 1, 0),
                 .ty = rows_of(test->images, 0, n_test, 1, 0), .ty_true = rows_of(test->images, 0, n_test, 0, 0),
                 .label = xmalloc(n_test, "labels"), .ref_x = rows_of(test->images, n_test, n_ref, 0, 0),
                 .ref_y = rows_of(test->images, n_test, n_ref, 1, 0)};
    d.X->size1 = half, train->images = NULL;   /* X: the first half, Y the other, dilated */
    memcpy(d.label, test->labels, n_test);
    return d;
}

static domains toy_new(gsl_rng *r, size_t n_train, size_t n_test)
{
    domains d = {.dim = 2, .X = gsl_matrix_alloc(n_train, 2), .Y = gsl_matrix_alloc(n_train, 2),
                 .tx = gsl_matrix_alloc(n_test, 2), .tx_true = gsl_matrix_alloc(n_test, 2),
                 .ty = gsl_matrix_alloc(n_test, 2), .ty_true = gsl_matrix_alloc(n_test, 2)};
    toy_draw(r, d.X); toy_draw(r, d.Y);     /* other x's ...                     */
    toy_map(d.Y, d.Y, 0);                   /* ... mapped: nothing is paired     */
    toy_draw(r, d.tx); toy_map(d.tx, d.tx_true, 0);
    toy_draw(r, d.ty_true); toy_map(d.ty_true, d.ty, 0);
    return d;
}

static void domains_free(domains *d)
{
    gsl_matrix *m[] = {d->X, d->Y, d->tx, d->tx_true, d->ty, d->ty_true, d->ref_x, d->ref_y};
    for (int k = 0; k < 8; k++)
        gsl_matrix_free(m[k]);                        /* (NULL: nothing) */
    free(d->label);
}

/* ----------------------------------------------------------------------------
 * 2. The generators and the discriminators
 *
 * The source draws G as an encoder-decoder: squeeze the image into a code,
 * rebuild it in the other style. We build three generators, because WHAT A
 * GENERATOR CAN SEE decides what the cycle loss has to do:
 *
 *   mlp     (2-D) 2 -> H -> H -> 2, LeakyReLU; a linear output.
 *   local   three 3x3 convolutions, stride 1: 1 -> C -> C -> 1. An output
 *           pixel sees a 7 x 7 window of the input and nothing else: it can
 *           thicken a stroke, it cannot move a digit.
 *   global  the encoder-decoder: conv 4x4/2 (C, 14 x 14), conv 4x4/2 (2C,
 *           7 x 7), dense H (the code), dense back to 2C x 7 x 7, convT
 *           (C, 14 x 14), convT (1, 28 x 28); layer norm after every
 *           convolution. The code sees every pixel: it CAN draw any digit for any input.
 *
 * Image generators end in a clamp to [0, 1], not a sigmoid: they start near
 * 0, the background, and cannot saturate (a sigmoid starts every pixel at
 * 1/2; with it lambda 10 trapped the local generator in an inverted or a
 * black map: README). Discriminators: MLPs, 2 -> H -> H -> 1 or 784 -> H_D
 * -> 1, a raw score out (section 3). Each network is a list of layers
 * (common/seqnet.h): forward keeps every output v[k], backward goes from
 * d[n] = dL/d(output) to d[0] = dL/d(input), adding the weight gradients.
 * ------------------------------------------------------------------------- */
typedef enum { GEN_MLP, GEN_LOCAL, GEN_GLOBAL } gen_kind;
static const char *const GEN_NAME[] = {"mlp", "local", "global"};

typedef struct cg_config {   /* one model's settings, from recipe() (Appendix C) */
    gen_kind gen;
    long steps, batch, width, code, d_hidden, pool;  /* C or H; the code; D's H; the buffer */
    double lambda, identity;  /* cycle weight; identity weight / lambda        */
    double lr_g, lr_d, beta1;
    int one_sided, decay;     /* no D_X, only G_XY is judged; lr to 0 in the 2nd half */
} cg_config;

#define DENSE(k) {SEQ_DENSE, k, 0, 0, 0, 0}
#define CONV(kind, k, ks, st) {kind, k, ks, st, 1, 0}      /* padding 1 */
#define LAYER(kind) {kind, 0, 0, 0, 0, 0}                 /* LRELU, NORM, CLAMP */
static seqnet *make_generator(const cg_config *c, gsl_rng *r)
{
    const size_t C = (size_t)c->width, H = (size_t)c->code, n = (size_t)c->batch;
    const seq_spec two_d[] = {DENSE(C), LAYER(SEQ_LRELU), DENSE(C), LAYER(SEQ_LRELU), DENSE(2)};
    const seq_spec local[] = {CONV(SEQ_CONV, C, 3, 1), LAYER(SEQ_LRELU), CONV(SEQ_CONV, C, 3, 1), LAYER(SEQ_LRELU),
                              CONV(SEQ_CONV, 1, 3, 1), LAYER(SEQ_CLAMP)};
    const seq_spec global[] = {CONV(SEQ_CONV, C, 4, 2), LAYER(SEQ_NORM), LAYER(SEQ_LRELU),              /* C x 14 x 14  */
                               CONV(SEQ_CONV, 2 * C, 4, 2), LAYER(SEQ_NORM), LAYER(SEQ_LRELU),          /* 2C x 7 x 7   */
                               DENSE(H), LAYER(SEQ_LRELU),                                              /* the code: H  */
                               {SEQ_DENSE, 2 * C * 49, 0, 0, 0, 7}, LAYER(SEQ_NORM), LAYER(SEQ_LRELU),  /* 2C x 7 x 7   */
                               CONV(SEQ_CONVT, C, 4, 2), LAYER(SEQ_NORM), LAYER(SEQ_LRELU),             /* C x 14 x 14  */
                               CONV(SEQ_CONVT, 1, 4, 2), LAYER(SEQ_CLAMP)};                             /* 1 x 28 x 28  */
    return c->gen == GEN_MLP ? seqnet_new(2, 1, 1, two_d, 5, n, c->lr_g, c->beta1, r)
         : seqnet_new(1, SIDE, SIDE, c->gen == GEN_LOCAL ? local : global, c->gen == GEN_LOCAL ? 6 : 16, n, c->lr_g, c->beta1, r);
}

static seqnet *make_discriminator(const cg_config *c, gsl_rng *r)
{
    const size_t H = (size_t)c->d_hidden;
    const seq_spec toy[] = {DENSE(H), LAYER(SEQ_LRELU), DENSE(H), LAYER(SEQ_LRELU), DENSE(1)}, img[] = {DENSE(H), LAYER(SEQ_LRELU), DENSE(1)};
    return c->gen == GEN_MLP ? seqnet_new(2, 1, 1, toy, 5, (size_t)c->batch, c->lr_d, c->beta1, r)
                             : seqnet_new(IMG, 1, 1, img, 3, (size_t)c->batch, c->lr_d, c->beta1, r);
}

/* ----------------------------------------------------------------------------
 * 3. The losses
 *
 * Adversarial: Zhu et al. use the LEAST-SQUARES GAN (Mao et al. 2017), not
 * chapter 05's cross-entropy: D's raw score s is pulled to 1 on real and 0
 * on fake, G pulls its fakes' to 1. The gradient grows with the distance to
 * the target, never vanishes on a confident D, and steadies two GANs at once:
 *
 *     L_D = 1/2 [ mean (D(y) - 1)^2 + mean D(G(x))^2 ]     L_G = mean (D(G(x)) - 1)^2
 *     d/ds mean (s - t)^2 = 2 (s - t) / n
 *
 * Cycle (the source's L_cyc), per pixel: the mean absolute difference
 *
 *     L_cyc = mean |G_YX(G_XY(x)) - x| + mean |G_XY(G_YX(y)) - y|
 *     d/da mean |a - b| = sign(a - b) / (n d)
 *
 * Identity (Zhu et al.; not in the source): given an image already in its
 * target domain, a generator should leave it alone,
 *
 *     L_id = mean |G_XY(y) - y| + mean |G_YX(x) - x|,   weight w_id lambda
 *
 * (w_id: --identity; the paper 0.5). L1 because it blurs less than L2.
 * ------------------------------------------------------------------------- */
static double lsgan(const gsl_matrix *s, double target, gsl_matrix *ds)   /* s (n, 1) */
{
    double L = 0.0;
    const double n = (double)s->size1;
    for (size_t i = 0; i < s->size1; i++) {
        const double e = gsl_matrix_get(s, i, 0) - target;
        L += e * e / n;                                       /* mean (s - t)^2    */
        if (ds)
            gsl_matrix_set(ds, i, 0, 2.0 * e / n);            /* 2 (s - t) / n     */
    }
    return L;
}

/* mean |A - B|; if dA, dA = w sign(A - B) / (n d) (the caller's weight w) */
static double l1(const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *dA, double w)
{
    double L = 0.0, nd = (double)(A->size1 * A->size2);
    for (size_t i = 0; i < A->size1; i++) {
        const double *a = gsl_matrix_const_ptr(A, i, 0), *b = gsl_matrix_const_ptr(B, i, 0);
        double *g = dA ? gsl_matrix_ptr(dA, i, 0) : NULL;
        for (size_t j = 0; j < A->size2; j++) {
            L += fabs(a[j] - b[j]) / nd;
            if (g)
                g[j] = w * (double)((a[j] > b[j]) - (a[j] < b[j])) / nd;
        }
    }
    return L;
}

/* ----------------------------------------------------------------------------
 * 4. One training step
 *
 * The generators' step. Both generators move together, on one loss made of
 * passes, each one forward and straight back (a network's buffers hold one
 * pass at a time; the gradients ADD up in its params):
 *
 *   X cycle   x -> G_XY -> fy -> G_YX -> back:   mean (D_Y(fy) - 1)^2 + lambda |back - x|
 *             dL/dfy = (via D_Y) + (via G_YX): the two roads into fy add up
 *   Y cycle   the same from y, with G_YX, G_XY and D_X (one-sided: no D_X term)
 *   identity  G_XY(y) ~ y and G_YX(x) ~ x, weight w_id lambda
 *
 * The cycle trains BOTH generators. D's gradients are computed and dropped.
 * ------------------------------------------------------------------------- */
typedef struct cyclegan {
    cg_config cfg;
    const domains *dom;
    seqnet *gxy, *gyx, *dx, *dy;    /* D_X is NULL when one-sided                 */
    workspace *ws;
    gsl_matrix *x, *y;           /* (n, dim) this step's batches              */
    gsl_matrix *fx, *fy;         /* G_YX(y), G_XY(x): the fakes of this step   */
    gsl_matrix *px, *py;         /* the fakes D sees (from the history buffer) */
    gsl_matrix *pool_x, *pool_y; /* (pool, dim) older fakes                    */
    gsl_matrix *out, *back;      /* (test rows, dim) measuring's G(in), F(G(in)) */
    long pool_n, step;           /* fakes in each pool; steps done             */
    gsl_rng *r;                  /* training: batches, the pool's coins        */
} cyclegan;

static cyclegan *cyclegan_new(const cg_config *c, const domains *dom, unsigned long seed)
{
    cyclegan *m = xcalloc(1, sizeof *m, "the model");
    *m = (cyclegan){.cfg = *c, .dom = dom, .r = rng_new(seed), .ws = ws_new((size_t)c->batch)};
    m->gxy = make_generator(c, m->r); m->gyx = make_generator(c, m->r);
    m->dy = make_discriminator(c, m->r); m->dx = c->one_sided ? NULL : make_discriminator(c, m->r);
    gsl_matrix **b[] = {&m->x, &m->y, &m->fx, &m->fy, &m->px, &m->py};
    for (int k = 0; k < 6; k++)
        ws_add(m->ws, b[k], dom->dim);
    const size_t P = c->pool > 0 ? (size_t)c->pool : 1;
    m->pool_x = gsl_matrix_calloc(P, dom->dim); m->pool_y = gsl_matrix_calloc(P, dom->dim);
    m->out = gsl_matrix_alloc(dom->tx->size1, dom->dim); m->back = gsl_matrix_alloc(dom->tx->size1, dom->dim);
    return m;
}

static void cyclegan_free(cyclegan *m)
{
    seqnet_free(m->gxy); seqnet_free(m->gyx); seqnet_free(m->dx); seqnet_free(m->dy); ws_free(m->ws); gsl_rng_free(m->r);
    gsl_matrix_free(m->pool_x); gsl_matrix_free(m->pool_y); gsl_matrix_free(m->out); gsl_matrix_free(m->back); free(m);
}

/* in -> G -> fake -> F -> back, D (or NULL) judges fake. Returns the adversarial
 * term, *cyc = mean |back - in|; want_grad: adds d(adv + lambda cyc) into G, F. */
static double cycle_pass(cyclegan *m, seqnet *G, seqnet *F, seqnet *D, const gsl_matrix *in, gsl_matrix *fake,
                         double *cyc, int want_grad)
{
    const size_t gn = G->n_layers, fn = F->n_layers;
    const double lambda = m->cfg.lambda;
    gsl_matrix_memcpy(fake, seqnet_forward(G, in));                 /* (n, dim)         */
    double adv = 0.0;
    gsl_matrix_set_zero(G->d[gn]);
    if (D) {
        adv = lsgan(seqnet_forward(D, fake), 1.0, want_grad ? D->d[D->n_layers] : NULL);
        if (want_grad) {
            seqnet_backward_input(D);                               /* D->d[0] = dL_adv/dfake (D not trained here) */
            gsl_matrix_memcpy(G->d[gn], D->d[0]);
        }
    }
    *cyc = l1(seqnet_forward(F, fake), in, want_grad ? F->d[fn] : NULL, lambda);
    if (want_grad) {
        if (lambda > 0) {
            seqnet_backward(F);                                     /* F->d[0] = lambda dL_cyc/dfake */
            gsl_matrix_add(G->d[gn], F->d[0]);                   /* the two roads add */
        }
        seqnet_backward_params(G);                                  /* (in is data: no d[0]) */
    }
    return adv;
}

/* G(in) ~ in, weight w: mean |G(in) - in| (gradient added into G's params) */
static double identity_pass(seqnet *G, const gsl_matrix *in, double w, int want_grad)
{
    const double L = l1(seqnet_forward(G, in), in, want_grad ? G->d[G->n_layers] : NULL, w);
    if (want_grad)
        seqnet_backward_params(G);
    return L;
}

/* The generators' loss at m->x, m->y; v: adversarial, cycle x, cycle y, identity */
static double g_loss(cyclegan *m, int want_grad, double *v)
{
    const double lambda = m->cfg.lambda, w_id = m->cfg.identity * lambda;
    if (want_grad)
        params_zero_grad(m->gxy->P), params_zero_grad(m->gyx->P);
    v[0] = cycle_pass(m, m->gxy, m->gyx, m->dy, m->x, m->fy, &v[1], want_grad);
    v[0] += cycle_pass(m, m->gyx, m->gxy, m->dx, m->y, m->fx, &v[2], want_grad);
    v[3] = w_id > 0 ? identity_pass(m->gxy, m->y, w_id, want_grad) + identity_pass(m->gyx, m->x, w_id, want_grad) : 0.0;
    return v[0] + lambda * (v[1] + v[2]) + w_id * v[3];
}

/* The discriminators' step, at fixed fakes m->px, m->py: L_D of section 3,
 * for D_Y (real y, fake G_XY(x)) and D_X (real x, fake G_YX(y)). */
static double d_one(seqnet *D, const gsl_matrix *real, const gsl_matrix *fake, int want_grad)
{
    double L = 0.0;
    for (int k = 0; k < 2; k++) {                        /* real: target 1; fake: 0 */
        L += 0.5 * lsgan(seqnet_forward(D, k ? fake : real), k ? 0.0 : 1.0, want_grad ? D->d[D->n_layers] : NULL);
        if (want_grad) {
            gsl_matrix_scale(D->d[D->n_layers], 0.5);
            seqnet_backward_params(D);                   /* += dL_D/dtheta_D */
        }
    }
    return L;
}

static double d_loss(cyclegan *m, int want_grad)
{
    if (want_grad)
        params_zero_grad(m->dy->P), m->dx ? params_zero_grad(m->dx->P) : (void)0;
    return d_one(m->dy, m->y, m->py, want_grad) + (m->dx ? d_one(m->dx, m->x, m->px, want_grad) : 0.0);
}

/* The history buffer (Shrivastava et al. 2017, used by Zhu et al.): D sees
 * fakes of EARLIER generators too, so that it cannot chase only the last
 * one (which makes the two oscillate). Until the pool is full, each new fake
 * goes in and is shown; then, with probability 1/2, a random old fake is
 * shown and the new one takes its place, else the new one is shown. */
static void pool_query(cyclegan *m, const gsl_matrix *fresh, gsl_matrix *pool, gsl_matrix *shown, long filled)
{
    const size_t P = (size_t)m->cfg.pool, bytes = fresh->size2 * sizeof(double);
    for (size_t i = 0; i < fresh->size1; i++) {
        const double *f = gsl_matrix_const_ptr(fresh, i, 0);
        double *s = gsl_matrix_ptr(shown, i, 0);
        if (P > 0 && (size_t)filled + i < P) {               /* filling: keep it     */
            memcpy(gsl_matrix_ptr(pool, (size_t)filled + i, 0), f, bytes);
        } else if (P > 0 && gsl_rng_uniform(m->r) < 0.5) {  /* show an old one ...  */
            double *old = gsl_matrix_ptr(pool, gsl_rng_uniform_int(m->r, P), 0);
            memcpy(s, old, bytes);
            memcpy(old, f, bytes);                           /* ... the new one stays */
            continue;
        }
        memcpy(s, f, bytes);                                 /* show the new one     */
    }
}

/* One iteration: fresh x, y; G's step; D's on the pool's fakes. v: D loss, g_loss's v */
static void iteration(cyclegan *m, double *v)
{
    const double f = m->cfg.decay ? fmin(1.0, 2.0 - 2.0 * (double)m->step / (double)m->cfg.steps) : 1.0;
    m->gxy->opt->lr = m->gyx->opt->lr = f * m->cfg.lr_g;      /* (2-D) Zhu et al.'s schedule: */
    m->dy->opt->lr = f * m->cfg.lr_d;                            /* constant, then linear to 0 */
    if (m->dx)
        m->dx->opt->lr = f * m->cfg.lr_d;
    size_t rows[4096];                                           /* (--batch <= 4096) */
    batch_draw(m->r, m->dom->X, rows, m->x), batch_draw(m->r, m->dom->Y, rows, m->y);   /* with replacement */
    const double L = g_loss(m, 1, v + 1);
    optim_step(m->gxy->opt); optim_step(m->gyx->opt);
    pool_query(m, m->fy, m->pool_y, m->py, m->pool_n); pool_query(m, m->fx, m->pool_x, m->px, m->pool_n);
    m->pool_n = GSL_MIN(m->cfg.pool, m->pool_n + m->cfg.batch);       /* (no pool: 0) */
    v[0] = d_loss(m, 1); optim_step(m->dy->opt);
    if (m->dx)
        optim_step(m->dx->opt);
    check_finite(v[0] + L, "the discriminators' or generators' loss", m->step);
    m->step++;
}

/* ----------------------------------------------------------------------------
 * 5. Measuring a translation against the truth
 *
 * On test inputs, both directions (xy shown), T known:
 *   cycle_l1_x         mean |G_YX(G_XY(x)) - x| per pixel: the source's loss
 *   translation_l1_vs_truth_xy   mean |G_XY(x) - T(x)|: the error that
 *                      matters, and that a real CycleGAN cannot measure
 *   label_kept_xy      share of G_XY(x) the judge reads as x's digit (its
 *                      reading of T(x) itself is the ceiling)
 *   fjd_xy             Frechet judge distance to real dilated digits; next
 *                      to fjd_floor_xy (dilated TRAINING digits: section 8),
 *                      fjd_noise_xy (noise) and fjd_start_xy (untrained G_XY)
 * 2-D: Euclidean distances over the spread of the target (RMS distance to
 * its mean); a restart FINDS THE TRUE MAP below 10 % of it both ways.
 * ------------------------------------------------------------------------- */
typedef struct evaluation {
    double cycle[2], truth[2];   /* [0]: x -> y (-> x), [1]: y -> x (-> y)     */
    double kept[2], fjd[2];      /* images, with a judge                       */
} evaluation;

static double spread(const gsl_matrix *A)     /* sqrt(sum of the columns' variances) */
{
    double s = 0.0;
    for (size_t j = 0; j < A->size2; j++)
        s += gsl_stats_variance(gsl_matrix_const_ptr(A, 0, j), A->tda, A->size1);
    return sqrt(s);
}

static double mean_distance(const gsl_matrix *A, const gsl_matrix *B)   /* mean |a_i - b_i| (Euclidean) */
{
    double s = 0.0;
    for (size_t i = 0; i < A->size1; i++)
        s += hypot(gsl_matrix_get(A, i, 0) - gsl_matrix_get(B, i, 0), gsl_matrix_get(A, i, 1) - gsl_matrix_get(B, i, 1));
    return s / (double)A->size1;
}

/* the first n test inputs, both directions; with a judge label_kept, with
 * references (real y, real x) fjd */
static evaluation evaluate(cyclegan *m, size_t n, judge *j, const fjd_reference *ref)
{
    evaluation e = {0};
    const domains *d = m->dom; const int toy = d->dim == 2;
    gsl_matrix_view out = gsl_matrix_submatrix(m->out, 0, 0, n, d->dim), back = gsl_matrix_submatrix(m->back, 0, 0, n, d->dim);
    for (int k = 0; k < 2; k++) {
        gsl_matrix_const_view in = gsl_matrix_const_submatrix(k ? d->ty : d->tx, 0, 0, n, d->dim),
                              truth = gsl_matrix_const_submatrix(k ? d->ty_true : d->tx_true, 0, 0, n, d->dim);
        seqnet_apply(k ? m->gyx : m->gxy, &in.matrix, &out.matrix);       /* G(in)      */
        seqnet_apply(k ? m->gxy : m->gyx, &out.matrix, &back.matrix);     /* F(G(in))   */
        e.truth[k] = toy ? mean_distance(&out.matrix, &truth.matrix) / spread(&truth.matrix) : l1(&out.matrix, &truth.matrix, NULL, 0);
        e.cycle[k] = toy ? mean_distance(&back.matrix, &in.matrix) / spread(&in.matrix) : l1(&back.matrix, &in.matrix, NULL, 0);
        if (j && !toy)
            e.kept[k] = judge_verdicts(j, &out.matrix, d->label, NULL, NULL).score;
        if (j && ref && ref[k].test)
            e.fjd[k] = judge_fjd(j, ref[k].test, &out.matrix);
    }
    return e;
}

/* ----------------------------------------------------------------------------
 * 6. Training, and a record of it
 *
 * Every step logs section 3's terms; ten times a run the log adds the
 * scores of CURVE_N test inputs: does the truth error follow the cycle
 * error? With a judge, their fjd both ways makes a curve from the start on
 * (fjd.png; biased upwards by so few: its yardstick lines are as few).
 * ------------------------------------------------------------------------- */
typedef struct recorder {
    long from, to, every;
    judge *j; const fjd_reference *ref;   /* NULL: no judge; fjd's real y, real x (section 8) */
    history *loss, *fjd;         /* d_loss adv cycle_x cycle_y identity; fjd_xy fjd_yx */
    progress prog;
} recorder;

static void recorder_init(recorder *rec, cyclegan *m, long to, judge *j, const fjd_reference *ref, int quiet)
{
    const long span = to - m->step, every = span >= 10 ? span / 10 : 1;
    *rec = (recorder){.from = m->step, .to = to, .every = every, .j = j, .ref = ref,
                      .loss = history_new((size_t)(span > 0 ? span : 1), SMOOTH, "d_loss g_adv cycle_x cycle_y identity"),
                      .fjd = history_new((size_t)(span / every) + 2, 1, "fjd_xy fjd_yx")};
    history_add(rec->fjd, m->step, evaluate(m, GSL_MIN(CURVE_N, m->dom->tx->size1), j, ref).fjd);   /* the start */
    progress_start(&rec->prog, span, quiet);
}

static void record(recorder *rec, cyclegan *m, const double *v)
{
    const long done = m->step - rec->from;
    history_add(rec->loss, m->step, v);
    if (done % rec->every == 0 || m->step == rec->to) {
        const evaluation e = evaluate(m, GSL_MIN(CURVE_N, m->dom->tx->size1), rec->j, rec->ref);
        history_add(rec->fjd, m->step, e.fjd);
        const size_t b = rec->loss->n, a = b > (size_t)rec->every ? b - (size_t)rec->every : 0;
        printf("step %5ld  D %.3f  G %.3f  cycle %.4f %.4f  truth %.4f %.4f  kept %.3f %.3f\n", m->step,
               history_average(rec->loss, 0, a, b), history_average(rec->loss, 1, a, b), e.cycle[0], e.cycle[1], e.truth[0],
               e.truth[1], e.kept[0], e.kept[1]);
    }
    progress_report(&rec->prog, done, "D %.3f  G %.3f  cycle %.4f", v[0], v[1], v[2]);
}

static void train(cyclegan *m, long to_step, recorder *rec)
{
    double v[5] = {0};
    while (m->step < to_step) {
        iteration(m, v);
        if (rec)
            record(rec, m, v);
    }
    if (rec)
        progress_end(&rec->prog);
}

/* ----------------------------------------------------------------------------
 * 7. The 2-D warm-up: does a consistent cycle find the true map?
 *
 * R restarts (fresh networks, same data) at lambda 10 and R at 0: cycle and
 * truth errors (section 5). A cycle-consistent G_XY need not be A: ANY
 * bijection carrying p_X onto p_Y, with G_YX its inverse, has zero cycle
 * loss and fools both D's. Unequal blob weights pin down which blob goes
 * where, not how each is turned. The figure: the best and worst restart.
 * ------------------------------------------------------------------------- */
typedef struct toy_result {
    double cycle_max[2], cycle_mean[2], found[2];  /* [0]: lambda 10, [1]: lambda 0 */
    gsl_matrix *right, *wrong;   /* (n, 6): x, G_XY(x), A x of two restarts    */
    double right_err, wrong_err, wrong_lambda;
} toy_result;

static void keep_map(cyclegan *m, gsl_matrix *into)        /* rows: x, G_XY(x), A x */
{
    gsl_matrix_view g = gsl_matrix_submatrix(into, 0, 2, into->size1, 2);
    gsl_matrix_const_view x = gsl_matrix_const_submatrix(m->dom->tx, 0, 0, into->size1, 2);
    seqnet_apply(m->gxy, &x.matrix, &g.matrix);
    for (size_t i = 0; i < into->size1; i++)
        for (size_t j = 0; j < 2; j++) {
            gsl_matrix_set(into, i, j, gsl_matrix_get(m->dom->tx, i, j));
            gsl_matrix_set(into, i, 4 + j, gsl_matrix_get(m->dom->tx_true, i, j));
        }
}

static void draw_toy(const toy_result *t, const char *out);                                 /* Appendix B */

static void toy_warmup(session *S, const cg_config *base, long restarts, unsigned long seed)
{
    printf("\n== 7. The 2-D warm-up: %ld restarts at lambda %g and at lambda 0, %ld steps each\n", restarts,
           base->lambda, base->steps);
    gsl_rng *r = rng_new(seed);
    domains d = toy_new(r, 4096, 1000);
    toy_result t = {.right = gsl_matrix_alloc(200, 6), .wrong = gsl_matrix_alloc(200, 6), .right_err = INFINITY, .wrong_err = -1};
    for (int lz = 0; lz < 2; lz++) {
        cg_config c = *base;
        c.lambda = lz ? 0.0 : base->lambda;
        for (long k = 0; k < restarts; k++) {
            cyclegan *m = cyclegan_new(&c, &d, gsl_rng_get(r));
            train(m, c.steps, NULL);
            const evaluation e = evaluate(m, d.tx->size1, NULL, NULL);
            const double err = fmax(e.truth[0], e.truth[1]), cyc = fmax(e.cycle[0], e.cycle[1]);
            t.cycle_max[lz] = fmax(t.cycle_max[lz], cyc);
            t.cycle_mean[lz] += cyc / (double)restarts;
            t.found[lz] += (err < 0.1) / (double)restarts;
            printf("lambda %4g restart %ld: cycle error %.4f, truth error %.4f of the spread: %s\n", c.lambda, k + 1, cyc,
                   err, err < 0.1 ? "the true map" : "another map");
            if (!lz && err < t.right_err)
                t.right_err = err, keep_map(m, t.right);
            if (err > t.wrong_err && (!lz || t.wrong_err < 0.1))        /* a lambda-10 map first */
                t.wrong_err = err, t.wrong_lambda = c.lambda, keep_map(m, t.wrong);
            cyclegan_free(m);
        }
        if (!lz && t.wrong_err < 0.1)
            t.wrong_err = -1;            /* every lambda-10 map right: show lambda 0's worst */
        const double val[] = {t.cycle_max[lz], t.cycle_mean[lz], t.found[lz]};
        for (int q = 0; q < 3; q++)
            metrics_setf(&S->m, val[q], "toy_%s%s", (const char *[]){"cycle_error_max", "cycle_error_mean", "true_map_share"}[q],
                         lz ? "_lambda0" : "");
        printf("result: 2-D, lambda %g: cycle error at most %.4f of the spread, the true map in %.0f %% of the restarts\n",
               c.lambda, t.cycle_max[lz], 100 * t.found[lz]);
    }
    draw_toy(&t, S->cli.out);
    gsl_matrix_free(t.right); gsl_matrix_free(t.wrong);
    domains_free(&d), gsl_rng_free(r);
}

/* ----------------------------------------------------------------------------
 * 8. The experiment: which generator, which lambda
 *
 * The main model is the flags' (default: local, lambda 10); the comparison
 * trains it at lambda 0 and the other generator at lambda and at 0, on the
 * same data and seed. A variant's metrics carry its name
 * (local_lambda0_label_kept_xy ...); the main model's none.
 * ------------------------------------------------------------------------- */
typedef struct config {        /* the flags (Appendix C)                      */
    const char *generator, *compare, *data_dir, *judge_path;
    long steps, batch, width, code, d_hidden, pool, restarts, toy_steps;
    double lambda, identity, lr_g, lr_d, beta1;
    int one_sided;
    dataset_info ds;
    judge *j;                    /* NULL: no judge (no label_kept, no fjd)      */
    size_t eval_n;
    unsigned long seed[2];       /* the image models, the 2-D warm-up          */
} config;
typedef struct variant { cg_config cfg; char tag[32]; } variant;
static cg_config recipe(const config *cfg, const cli *c, int quick, gen_kind gen);           /* Appendix C */
static void save_or_load(session *S, cyclegan *m, int save);                                 /* Appendix A */
static void generate(cyclegan *m, session *S); static void translation_rows(cyclegan *m, gsl_matrix *tiles, size_t v);  /* B */
static void draw_images(const gsl_matrix *tiles, size_t n_var, const variant *v, const history *loss, const char *out);
/* e: trained; e0: untrained (with a judge: fjd_start, and fjd_vs_start = fjd / fjd_start) */
static void report(const char *tag, const evaluation *e, const evaluation *e0, double steps, metrics *M)
{
    const char *names[] = {"cycle_l1_x", "cycle_l1_y", "translation_l1_vs_truth_xy", "translation_l1_vs_truth_yx", "label_kept_xy",
                           "label_kept_yx", "fjd_xy", "fjd_yx", "fjd_start_xy", "fjd_start_yx", "fjd_vs_start_xy", "fjd_vs_start_yx"};
    const double val[] = {e->cycle[0], e->cycle[1], e->truth[0], e->truth[1], e->kept[0], e->kept[1], e->fjd[0], e->fjd[1],
                          e0->fjd[0], e0->fjd[1], e->fjd[0] / e0->fjd[0], e->fjd[1] / e0->fjd[1]};
    for (int k = 0; k < (e0->fjd[0] > 0 ? 12 : 8); k++)
        metrics_setf(M, val[k], "%s%s%s", tag, *tag ? "_" : "", names[k]);
    if (!*tag)
        metrics_set(M, "fjd", e->fjd[0]), metrics_set(M, "steps", steps);
    printf("result: %-14s cycle %.4f %.4f  vs truth %.4f %.4f  label kept %.3f %.3f  fjd %.1f %.1f\n", *tag ? tag : "main",
           e->cycle[0], e->cycle[1], e->truth[0], e->truth[1], e->kept[0], e->kept[1], e->fjd[0], e->fjd[1]);
    if (e0->fjd[0] > 0)
        printf("result: %-14s fjd untrained %.1f %.1f, now %.4f %.4f of it\n", *tag ? tag : "main", val[8], val[9], val[10], val[11]);
}

/* the variants of a run (--compare none: 1, lambda0: 2, all: 4), main first */
static size_t variants(const cg_config *main_cfg, const cg_config *other, int compare, variant *v)
{
    const cg_config *base[] = {main_cfg, main_cfg, other, other};
    const size_t n = compare == 0 || main_cfg->lambda == 0 ? 1 : compare == 1 ? 2 : 4;
    for (size_t k = 0; k < n; k++) {
        v[k].cfg = *base[k];
        v[k].cfg.lambda = k % 2 ? 0.0 : base[k]->lambda;
        snprintf(v[k].tag, sizeof v[k].tag, "%s%s", k ? GEN_NAME[base[k]->gen] : "", k % 2 ? "_lambda0" : "");
    }
    return n;
}

/* The judge on the TRUE translations (label_kept's ceiling). fjd's references
 * ([0] dilated): real test digits that are not inputs; its yardsticks (as
 * many images as the final fjd): floor, the target domain's TRAINING digits
 * (a perfect translator of these inputs scores less: fjd_true_y, _x), noise. */
static void judge_truth(session *S, const config *cfg, const domains *d, fjd_reference *ref)
{
    if (!cfg->j)
        return;
    const size_t n = d->tx->size1, n_curve = GSL_MIN(CURVE_N, n);
    gsl_rng *noise = rng_new((unsigned long)S->cli.seed + FJD_SEED);
    for (int k = 0; k < 2; k++) {                    /* floor: the target domain's training digits */
        const gsl_matrix *train = k ? d->X : d->Y, *truth = k ? d->ty_true : d->tx_true;
        gsl_matrix_const_view tr = gsl_matrix_const_submatrix(train, 0, 0, n, IMG), few = gsl_matrix_const_submatrix(train, 0, 0, n_curve, IMG),
                              t = gsl_matrix_const_submatrix(truth, 0, 0, n_curve, IMG);     /* fjd.gp: the curve's n_curve */
        ref[k] = fjd_reference_new(cfg->j, k ? d->ref_x : d->ref_y, &tr.matrix, n, noise);
        fig_valuef(judge_fjd(cfg->j, ref[k].test, &few.matrix), "fjd_floor_curve_%s", k ? "yx" : "xy");
        fig_valuef(judge_fjd(cfg->j, ref[k].test, &t.matrix), "fjd_true_curve_%s", k ? "yx" : "xy");
        fig_valuef(ref[k].noise, "fjd_noise_%s", k ? "yx" : "xy");
    }
    fig_value("fjd_curve_n", (double)n_curve), gsl_rng_free(noise);
    const double v[] = {judge_verdicts(cfg->j, d->tx_true, d->label, NULL, NULL).score,       /* the judge on T(x), */
                        judge_verdicts(cfg->j, d->ty_true, d->label, NULL, NULL).score,       /* on x             */
                        judge_fjd(cfg->j, ref[0].test, d->tx_true), l1(d->tx, d->tx_true, NULL, 0.0),
                        ref[0].floor, ref[0].noise, ref[1].floor, ref[1].noise, judge_fjd(cfg->j, ref[1].test, d->ty_true)};
    for (int k = 0; k < 9; k++)
        metrics_set(&S->m, (const char *[]){"judge_reads_true_y", "judge_reads_true_x", "fjd_true_y", "identity_l1_xy", "fjd_floor_xy",
                                             "fjd_noise_xy", "fjd_floor_yx", "fjd_noise_yx", "fjd_true_x"}[k], v[k]);
    printf("the judge reads T(x) as x's digit %.3f, x itself %.3f; fjd of T(x) %.2f; an identity G: L1 %.4f\nfjd's yardsticks, "
           "%zu images each: X -> Y: dilated training digits %.2f, noise %.1f; Y -> X: training digits %.2f, noise %.1f, the "
           "true T^-1(y) %.2f\n", v[0], v[1], v[2], v[3], n, v[4], v[5], v[6], v[7], v[8]);
}

/* train (or load) and measure every variant; only the main model is kept */
static void run_images(session *S, const config *cfg, const domains *d, const fjd_reference *ref)
{
    const gen_kind g = strcmp(cfg->generator, "global") == 0 ? GEN_GLOBAL : GEN_LOCAL;
    const cg_config main_cfg = recipe(cfg, &S->cli, S->cli.quick, g),
                    other = recipe(cfg, &S->cli, S->cli.quick, g == GEN_LOCAL ? GEN_GLOBAL : GEN_LOCAL);
    variant v[4];
    const int cmp = S->load ? 0 : strcmp(cfg->compare, "none") == 0 ? 0 : strcmp(cfg->compare, "lambda0") == 0 ? 1 : 2;
    const size_t n_var = variants(&main_cfg, &other, cmp, v);
    gsl_matrix *tiles = gsl_matrix_calloc(4 * n_var * 2 * SHOW, IMG);
    history *main_loss = NULL;
    for (size_t k = 0; k < n_var; k++) {
        const cg_config *c = &v[k].cfg;
        cyclegan *m = cyclegan_new(c, d, cfg->seed[0]);    /* untrained: fjd_start (--load: of the seed's start) */
        const evaluation e0 = S->generate ? (evaluation){0} : evaluate(m, d->tx->size1, cfg->j, ref);
        if (k == 0 && (S->load || S->resume))
            save_or_load(S, m, 0);                                         /* Appendix A */
        if (S->generate) {                                                 /* Appendix B */
            generate(m, S), cyclegan_free(m);
            break;
        }
        printf("\n== 6. Training %s: %s generator (C %ld, H %ld), lambda %g, identity weight %g, %s, pool %ld; Adam(%g) G %g, "
               "D %g; batch %ld", *v[k].tag ? v[k].tag : "the main model", GEN_NAME[c->gen], c->width, c->code, c->lambda,
               c->identity * c->lambda, c->one_sided ? "D_Y only" : "D_X and D_Y", c->pool, c->beta1, c->lr_g, c->lr_d, c->batch);
        printf(S->load ? "\n" : "; %ld steps\n", c->steps);
        if (k == 0)
            session_check_resume(S, m->step, c->steps);
        if (m->step > 0)
            printf("starts from a checkpoint at step %ld; %s\n", m->step, S->load ? "no training" : "training on");
        recorder rec;
        recorder_init(&rec, m, S->load ? m->step : c->steps, cfg->j, ref, S->cli.quiet);
        train(m, rec.to, &rec);
        const evaluation e = evaluate(m, d->tx->size1, cfg->j, ref);                       /* section 5 */
        report(v[k].tag, &e, &e0, (double)m->step, &S->m);
        if (cfg->j && rec.fjd->n > 1)                                   /* the curve (Appendix B) */
            history_write(rec.fjd, S->cli.out, out_name("fjd_%zu.dat", k + 1)), fig_use("fjd");
        history_free(rec.fjd);
        translation_rows(m, tiles, k);
        if (k == 0)
            save_or_load(S, m, 1), main_loss = rec.loss;
        else
            history_free(rec.loss);
        cyclegan_free(m);
    }
    if (!S->generate)
        draw_images(tiles, n_var, v, main_loss, S->cli.out);              /* Appendix B */
    history_free(main_loss), gsl_matrix_free(tiles);
}

/* ============================================================================
 * Appendix A. Checkpoints: the four networks, their Adam states, both history
 * buffers, the step and the generator: N steps, save, resume to N + M is bit
 * for bit N + M steps (tests/test_10_cyclegan.c).
 * ------------------------------------------------------------------------- */
static void describe(checkpoint *ck, cyclegan *m, gsl_vector_view *pools)
{
    seqnet *nets[] = {m->gxy, m->gyx, m->dx, m->dy};
    const char *names[] = {"G_XY", "G_YX", "D_X", "D_Y"};
    *ck = (checkpoint){0};
    for (int k = 0; k < 4; k++)
        if (nets[k]) {
            checkpoint_add_params(ck, names[k], nets[k]->P);
            checkpoint_add_optimizer(ck, out_name("%s.adam", names[k]), nets[k]->opt);
        }
    pools[0] = gsl_vector_view_array(m->pool_x->data, m->pool_x->size1 * m->pool_x->size2);
    pools[1] = gsl_vector_view_array(m->pool_y->data, m->pool_y->size1 * m->pool_y->size2);
    checkpoint_add_vector(ck, "pool_x", &pools[0].vector); checkpoint_add_vector(ck, "pool_y", &pools[1].vector);
    checkpoint_add_long(ck, "pool_n", &m->pool_n); checkpoint_add_long(ck, "step", &m->step);
}
static void save_or_load(session *S, cyclegan *m, int save)      /* save: if --save; load: --load, --resume */
{
    checkpoint ck; gsl_vector_view pools[2];
    describe(&ck, m, pools);
    if (save)
        gsl_rng_memcpy(S->rng, m->r), session_save(S, &ck, out_name("CycleGAN (%s) at step %ld", GEN_NAME[m->cfg.gen], m->step));
    else
        session_load(S, &ck, "CycleGAN"), gsl_rng_memcpy(m->r, S->rng);
}

/* ----------------------------------------------------------------------------
 * Appendix B. Figures (chapters/10-cyclegan/figures/NAME.gp): translations
 * (per variant: input, translated, back, truth; both directions), toy_maps,
 * loss; generated (--generate).
 * ------------------------------------------------------------------------- */
/* rows 4v .. 4v + 3 of the picture: x | y, G(x) | G(y), back, truth */
static void translation_rows(cyclegan *m, gsl_matrix *tiles, size_t v)
{
    const domains *d = m->dom;
    for (int k = 0; k < 2; k++) {
        gsl_matrix_const_view in = gsl_matrix_const_submatrix(k ? d->ty : d->tx, 0, 0, SHOW, IMG),
                              truth = gsl_matrix_const_submatrix(k ? d->ty_true : d->tx_true, 0, 0, SHOW, IMG);
        gsl_matrix_view out = gsl_matrix_submatrix(m->out, 0, 0, SHOW, IMG), back = gsl_matrix_submatrix(m->back, 0, 0, SHOW, IMG);
        seqnet_apply(k ? m->gyx : m->gxy, &in.matrix, &out.matrix);
        seqnet_apply(k ? m->gxy : m->gyx, &out.matrix, &back.matrix);
        const gsl_matrix *rows[] = {&in.matrix, &out.matrix, &back.matrix, &truth.matrix};
        for (size_t r = 0; r < 4; r++)
            for (size_t i = 0; i < SHOW; i++)
                memcpy(gsl_matrix_ptr(tiles, (4 * v + r) * 2 * SHOW + k * SHOW + i, 0), gsl_matrix_const_ptr(rows[r], i, 0),
                       IMG * sizeof(double));
    }
}
static void draw_toy(const toy_result *t, const char *out)
{
    out_write_matrix(out, "toy_right.dat", "x1 x2, G_XY(x) 1 2, A x 1 2: the best lambda-10 restart", t->right);
    out_write_matrix(out, "toy_wrong.dat", "x1 x2, G_XY(x) 1 2, A x 1 2: the worst restart", t->wrong);
    fig_value("toy_right_err", t->right_err); fig_value("toy_wrong_err", t->wrong_err);
    fig_value("toy_wrong_lambda", t->wrong_lambda), fig_use("toy_maps");
}
static void draw_images(const gsl_matrix *tiles, size_t n_var, const variant *v, const history *loss, const char *out)
{
    fig_image_grid(out, "translations", tiles, SIDE, SIDE, 4 * n_var, 2 * SHOW), fig_use("translations");
    fig_value("n_variants", (double)n_var); fig_value("show", SHOW); fig_value("image_side", SIDE);
    for (size_t k = 0; k < n_var; k++)
        fig_text(out_name("variant_%zu", k + 1), "%s, lambda %g%s", GEN_NAME[v[k].cfg.gen], v[k].cfg.lambda,
                 v[k].cfg.one_sided ? ", one-sided" : v[k].cfg.identity > 0 && v[k].cfg.lambda > 0 ? ", identity" : "");
    if (loss && loss->n > 0) {
        history_write(loss, out, "loss.dat");
        fig_value("loss_mean_steps", SMOOTH); fig_value("lambda", v[0].cfg.lambda); fig_value("identity_weight", v[0].cfg.identity);
        fig_use("loss");
    }
}

/* --generate K: G_XY of the first K test digits, G_YX of their dilations */
static void generate(cyclegan *m, session *S)
{
    const size_t K = GSL_MIN((size_t)S->generate, m->dom->tx->size1), shown = GSL_MIN(K, 100);
    FILE *f = out_open(S->cli.out, "generated_samples.dat");
    fprintf(f, "# a test digit's label, 0: G_XY(x) or 1: G_YX(y), then %d pixels\n", IMG);
    for (int k = 0; k < 2; k++) {
        gsl_matrix_const_view in = gsl_matrix_const_submatrix(k ? m->dom->ty : m->dom->tx, 0, 0, K, IMG);
        gsl_matrix_view out = gsl_matrix_submatrix(m->out, 0, 0, K, IMG);
        seqnet_apply(k ? m->gyx : m->gxy, &in.matrix, &out.matrix);
        for (size_t i = 0, p = 0; i < K; i++, p = 0)
            for (fprintf(f, "%d %d", m->dom->label[i], k); p < IMG; p++)
                fprintf(f, " %.9g%s", gsl_matrix_get(&out.matrix, i, p), p == IMG - 1 ? "\n" : "");
        gsl_matrix_view first = gsl_matrix_submatrix(m->out, 0, 0, shown, IMG);       /* G_XY's, as a grid */
        if (k == 0)
            fig_image_grid(S->cli.out, "generated", &first.matrix, SIDE, SIDE, (shown + 9) / 10, 10);
    }
    out_close(f, "generated_samples.dat");
    fig_use("generated"); fig_value("generated_step", (double)m->step); fig_value("generated_shown", (double)shown);
    printf("wrote %zu translations each way (the first %zu test digits) of the model at step %ld\n", K, K, m->step);
    metrics_set(&S->m, "generated_samples", (double)K);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags (the session adds --seed, --quick, --out, --quiet,
 * --save, --load, --generate, --resume) and the recipes.
 * ------------------------------------------------------------------------- */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.generator = "local", .compare = "all", .lambda = 10.0, .restarts = 4, .beta1 = 0.5};
    const cli_option options[] = {
        {"generator", CLI_CHOICE, &cfg->generator, "the main model's generator: local (3x3 convolutions) or global (encoder-decoder)", 0, 0, "local|global", 0},
        {"lambda", CLI_REAL, &cfg->lambda, "weight of the cycle loss (0: the naive model)", 0, 1000, NULL, 0},
        {"identity", CLI_REAL, &cfg->identity, "weight of the identity loss, times lambda (default: local 0, global 0.5)", 0, 10, NULL, 0},
        {"one-sided", CLI_FLAG, &cfg->one_sided, "no D_X: only G_XY's outputs are judged (the source's shortcut)", 0, 0, NULL, 0},
        {"compare", CLI_CHOICE, &cfg->compare, "train also: nothing, the main model at lambda 0, or that and the other generator at lambda and 0", 0, 0, "none|lambda0|all", 0},
        {"steps", CLI_INT, &cfg->steps, "training steps of each image model (default: local 300, global 1000)", 1, 1e7, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "rows per batch (default 32)", 1, 4096, NULL, 0},
        {"width", CLI_INT, &cfg->width, "channels C of the generators (default: local 8, global 8)", 1, 256, NULL, 0},
        {"code", CLI_INT, &cfg->code, "the global generator's code size H (default 128)", 1, 4096, NULL, 0},
        {"d-hidden", CLI_INT, &cfg->d_hidden, "hidden units of the image discriminators (default 256)", 1, 8192, NULL, 0},
        {"pool", CLI_INT, &cfg->pool, "history buffer of fakes per discriminator (default 50; 0: none)", 0, 10000, NULL, 0},
        {"lr-g", CLI_REAL, &cfg->lr_g, "the generators' Adam learning rate (default 1e-3)", 1e-7, 1, NULL, 0},
        {"lr-d", CLI_REAL, &cfg->lr_d, "the discriminators' Adam learning rate (default 2e-4)", 1e-7, 1, NULL, 0},
        {"restarts", CLI_INT, &cfg->restarts, "restarts of the 2-D warm-up at each lambda (0: skip it)", 0, 1000, NULL, 0},
        {"toy-steps", CLI_INT, &cfg->toy_steps, "training steps of a 2-D restart (default 4000)", 1, 1e7, NULL, 0},
        {"data", CLI_STRING, &cfg->data_dir, "directory with the four MNIST IDX files (default datasets/mnist)", 0, 0, NULL, 0},
        {"judge", CLI_STRING, &cfg->judge_path, "the judge (default: build/judge/mnist.judge)", 0, 0, NULL, 0},
    };
    session_start(S, "10-cyclegan", "CycleGAN on unpaired domains whose true map we know", 42,
                  options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    cli_quick_default(&S->cli, "restarts", 2);
    cfg->seed[0] = gsl_rng_get(S->rng), cfg->seed[1] = gsl_rng_get(S->rng);   /* every random number from S->rng, in order */
    cfg->eval_n = S->cli.quick ? 100 : 2000;
    cfg->ds = dataset_select("mnist", cfg->data_dir);
    cfg->j = dataset_open_judge(&cfg->ds, cfg->judge_path, "no label_kept or fjd in this run");
    note("data from %s", cfg->ds.dir);
    printf("10-cyclegan: seed %ld, %s generator, lambda %g%s%s\n", S->cli.seed, cfg->generator, cfg->lambda,
           cfg->one_sided ? ", one-sided" : "", cfg->j ? "; scored by the judge" : "; no judge");
}

/* A model's settings: a flag given wins, else the generator's (--quick: tiny) */
static cg_config recipe(const config *cfg, const cli *c, int quick, gen_kind gen)
{
    const int glob = gen == GEN_GLOBAL, toy = gen == GEN_MLP;
#define PICK(flag, field, value) (cli_given(c, flag) ? cfg->field : (value))
    return (cg_config){
        .gen = gen, .lambda = cfg->lambda, .one_sided = cfg->one_sided, .beta1 = cfg->beta1, .decay = toy,
        .steps = toy ? PICK("toy-steps", toy_steps, quick ? 200 : 4000) : PICK("steps", steps, quick ? (glob ? 6 : 20) : glob ? 1000 : 300),
        .batch = toy ? 128 : PICK("batch", batch, quick ? 8 : 32),
        .width = toy ? 32 : PICK("width", width, quick ? 4 : 8),
        .code = PICK("code", code, quick ? 16 : 128), .d_hidden = toy ? 32 : PICK("d-hidden", d_hidden, quick ? 32 : 256),
        .pool = toy ? 0 : PICK("pool", pool, 50), .identity = toy ? 0.0 : PICK("identity", identity, glob ? 0.5 : 0.0),
        .lr_g = PICK("lr-g", lr_g, 1e-3), .lr_d = toy ? 1e-3 : PICK("lr-d", lr_d, 2e-4)};
#undef PICK
}

/* main: the table of contents ------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S; config cfg;
    start(&S, &cfg, argc, argv);                                        /* Appendix C */
    image_set *train_set = mnist_load(cfg.ds.dir, "train"), *test_set = mnist_load(cfg.ds.dir, "t10k");
    printf("\n== 1. The domains: X = %zu plain digits, Y = %zu other digits, dilated; %zu test digits\n",
           train_set->n / 2, train_set->n - train_set->n / 2, cfg.eval_n);
    domains d = digits_new(train_set, test_set, cfg.eval_n);            /* section 1 */
    fjd_reference ref[2] = {{NULL, 0, 0}, {NULL, 0, 0}};                /* fjd's real Y, real X */
    judge_truth(&S, &cfg, &d, ref);                                     /* section 8 */
    run_images(&S, &cfg, &d, ref);                                      /* sections 2-6, 8 */
    const cg_config toy = recipe(&cfg, &S.cli, S.cli.quick, GEN_MLP);   /* 2-D, section 7 */
    if (cfg.restarts > 0 && session_trains(&S))
        toy_warmup(&S, &toy, cfg.restarts, cfg.seed[1]);
    fjd_reference_free(&ref[0]); fjd_reference_free(&ref[1]); domains_free(&d);
    image_set_free(train_set); image_set_free(test_set); judge_free(cfg.j);
    printf("\n");
    session_finish(&S);
    return 0;
}
#endif
