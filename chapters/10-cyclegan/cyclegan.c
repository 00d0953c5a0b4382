/* cyclegan.c -- chapter 10: CycleGAN, translation between two domains that
 * were never paired (source 003, section 7), on domains whose true mapping
 * WE know, so that every translation can be scored against the truth.
 *
 *     G_XY: X -> Y   G_YX: Y -> X   D_Y: "a real y?"   D_X: "a real x?"
 *     L = L_GAN(G_XY, D_Y) + L_GAN(G_YX, D_X) + lambda L_cyc  [+ identity]
 *
 * Part 1, a 2-D warm-up: X is a mixture of three Gaussians, Y = A X for a
 * known matrix A, each drawn on its own. Part 2, images: X = MNIST digits,
 * Y = MNIST digits with strokes one pixel thicker (a known dilation), from
 * the two disjoint halves of the training set. The lesson, measured
 * (README): the cycle loss is necessary, not sufficient. A generator that
 * can only look 3 pixels around keeps the content with or without it; one
 * that sees the whole image loses the content without it.
 * What the source leaves out and we add (section 3): the least-squares GAN
 * loss, an identity loss, a history buffer of fakes, and lambda = 10.
 * ========================================================================== */
#include "genlab.h"

#define SIDE 28
#define IMG (SIDE * SIDE)  /* 784 pixels per image                            */
#define SLOPE 0.2          /* LeakyReLU's slope everywhere                     */
#define SHOW 8             /* digits per direction in the translation figure   */
#define MAX_VARIANTS 4
#define SMOOTH 50          /* steps in the trailing mean of the loss curves    */

/* ----------------------------------------------------------------------------
 * 1. Two domains whose true map we know
 *
 * Paired data, (x, T(x)), would make this supervised regression. CycleGAN's
 * premise is that we only have a bag of x's and a separate bag of y's. We
 * build such bags ourselves, from a T we choose, and keep T hidden from the
 * model: it is used only to MEASURE, on test inputs, |G_XY(x) - T(x)|.
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
static void dilate(const double *x, double *y)           /* one image, T(x)  */
{
    for (int r = 0; r < SIDE; r++)
        for (int c = 0; c < SIDE; c++) {
            double v = x[r * SIDE + c];
            if (r > 0) v = fmax(v, x[(r - 1) * SIDE + c]);
            if (r < SIDE - 1) v = fmax(v, x[(r + 1) * SIDE + c]);
            if (c > 0) v = fmax(v, x[r * SIDE + c - 1]);
            if (c < SIDE - 1) v = fmax(v, x[r * SIDE + c + 1]);
            y[r * SIDE + c] = v;
        }
}

static const double TOY_W[3] = {0.6, 0.3, 0.1}, TOY_C[3][2] = {{-1.2, -0.6}, {1.2, -0.6}, {0.0, 1.2}};
#define TOY_SD 0.35

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

static void dilate_all(const gsl_matrix *A, gsl_matrix *B)
{
    for (size_t i = 0; i < A->size1; i++)
        dilate(gsl_matrix_const_ptr(A, i, 0), gsl_matrix_ptr(B, i, 0));
}

static gsl_matrix *rows_of(const gsl_matrix *A, size_t from, size_t n, int dilated)
{
    gsl_matrix *B = gsl_matrix_alloc(n, A->size2);
    gsl_matrix_const_view v = gsl_matrix_const_submatrix(A, from, 0, n, A->size2);
    if (dilated)
        dilate_all(&v.matrix, B);
    else
        gsl_matrix_memcpy(B, &v.matrix);
    return B;
}

static domains digits_new(const image_set *train, const image_set *test, size_t n_test)
{
    const size_t half = train->n / 2, n_ref = test->n - n_test;
    domains d = {.dim = IMG, .X = rows_of(train->images, 0, half, 0), .Y = rows_of(train->images, half, train->n - half, 1),
                 .tx = rows_of(test->images, 0, n_test, 0), .tx_true = rows_of(test->images, 0, n_test, 1),
                 .ty = rows_of(test->images, 0, n_test, 1), .ty_true = rows_of(test->images, 0, n_test, 0),
                 .label = xmalloc(n_test, "labels"), .ref_x = rows_of(test->images, n_test, n_ref, 0),
                 .ref_y = rows_of(test->images, n_test, n_ref, 1)};
    memcpy(d.label, test->labels, n_test);
    return d;
}

static domains toy_new(gsl_rng *r, size_t n_train, size_t n_test)
{
    domains d = {.dim = 2, .X = gsl_matrix_alloc(n_train, 2), .Y = gsl_matrix_alloc(n_train, 2),
                 .tx = gsl_matrix_alloc(n_test, 2), .tx_true = gsl_matrix_alloc(n_test, 2),
                 .ty = gsl_matrix_alloc(n_test, 2), .ty_true = gsl_matrix_alloc(n_test, 2)};
    toy_draw(r, d.X);
    toy_draw(r, d.Y);                       /* other x's ...                     */
    toy_map(d.Y, d.Y, 0);                   /* ... mapped: nothing is paired     */
    toy_draw(r, d.tx); toy_map(d.tx, d.tx_true, 0);
    toy_draw(r, d.ty_true); toy_map(d.ty_true, d.ty, 0);
    return d;
}

static void domains_free(domains *d)
{
    gsl_matrix *m[] = {d->X, d->Y, d->tx, d->tx_true, d->ty, d->ty_true, d->ref_x, d->ref_y};
    for (int k = 0; k < 8; k++)
        if (m[k])
            gsl_matrix_free(m[k]);
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
 *           convolution. The code sees every pixel: this generator CAN draw
 *           any digit for any input.
 *
 * An image generator ends in a clamp to [0, 1], not a sigmoid: it starts
 * near 0, the background, and cannot saturate. (With a sigmoid, which starts
 * every pixel at 1/2, lambda 10 trapped the local generator in an inverted
 * or an all-black map on two of three seeds: README.) Discriminators are
 * MLPs, 2 -> H -> H -> 1 or 784 -> H_D -> 1, one raw score out (section 3).
 *
 * Each network is a list of layers (common/seqnet.h): forward runs the list
 * keeping every output v[k], backward runs it in reverse from d[n] =
 * dL/d(output) to d[0] = dL/d(input), adding each layer's weight gradients.
 * The passes of section 4 are written here, in the chapter.
 * ------------------------------------------------------------------------- */
typedef enum { GEN_MLP, GEN_LOCAL, GEN_GLOBAL } gen_kind;
typedef struct config config;    /* the flags (Appendix C) */
static const char *const GEN_NAME[] = {"mlp", "local", "global"};

typedef struct cg_config {   /* one model's settings, from recipe() (Appendix C) */
    gen_kind gen;
    long steps, batch, width, code, d_hidden;  /* C or H; the global code; D's H */
    long pool;                /* history buffer of fakes (0: none)             */
    double lambda, identity;  /* cycle weight; identity weight / lambda        */
    double lr_g, lr_d, beta1;
    int one_sided;            /* no D_X: only G_XY is judged                   */
} cg_config;

static seqnet *make_generator(const cg_config *c, gsl_rng *r)
{
    const size_t C = (size_t)c->width, H = (size_t)c->code, n = (size_t)c->batch;
    const seq_spec two_d[] = {{SEQ_DENSE, C, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_DENSE, C, 0, 0, 0, 0},
                        {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_DENSE, 2, 0, 0, 0, 0}};
    const seq_spec local[] = {{SEQ_CONV, C, 3, 1, 1, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_CONV, C, 3, 1, 1, 0},
                          {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_CONV, 1, 3, 1, 1, 0}, {SEQ_CLAMP, 0, 0, 0, 0, 0}};
    const seq_spec global[] = {{SEQ_CONV, C, 4, 2, 1, 0}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},      /* 14 x 14 */
                           {SEQ_CONV, 2 * C, 4, 2, 1, 0}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},  /* 7 x 7   */
                           {SEQ_DENSE, H, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},                              /* code    */
                           {SEQ_DENSE, 2 * C * 49, 0, 0, 0, 7}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},
                           {SEQ_CONVT, C, 4, 2, 1, 0}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},     /* 14 x 14 */
                           {SEQ_CONVT, 1, 4, 2, 1, 0}, {SEQ_CLAMP, 0, 0, 0, 0, 0}};                             /* 28 x 28 */
    if (c->gen == GEN_MLP)
        return seqnet_new(2, 1, 1, two_d, 5, n, c->lr_g, c->beta1, r);
    if (c->gen == GEN_LOCAL)
        return seqnet_new(1, SIDE, SIDE, local, 6, n, c->lr_g, c->beta1, r);
    return seqnet_new(1, SIDE, SIDE, global, 16, n, c->lr_g, c->beta1, r);
}

static seqnet *make_discriminator(const cg_config *c, gsl_rng *r)
{
    const size_t H = (size_t)c->d_hidden;
    const seq_spec toy[] = {{SEQ_DENSE, H, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_DENSE, H, 0, 0, 0, 0},
                        {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_DENSE, 1, 0, 0, 0, 0}};
    const seq_spec img[] = {{SEQ_DENSE, H, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_DENSE, 1, 0, 0, 0, 0}};
    return c->gen == GEN_MLP ? seqnet_new(2, 1, 1, toy, 5, (size_t)c->batch, c->lr_d, c->beta1, r)
                             : seqnet_new(IMG, 1, 1, img, 3, (size_t)c->batch, c->lr_d, c->beta1, r);
}

/* ----------------------------------------------------------------------------
 * 3. The losses
 *
 * Adversarial. The source leaves the GAN loss as chapter 05's cross-entropy;
 * Zhu et al. use the LEAST-SQUARES GAN (Mao et al. 2017): D outputs a raw
 * score s and is pulled to 1 on real and 0 on fake, G pulls its fakes' score
 * to 1. Its gradient never vanishes on a confident D (it grows with the
 * distance to the target), which steadies two GANs trained at once:
 *
 *     L_D = 1/2 [ mean (D(y) - 1)^2 + mean D(G(x))^2 ]     L_G = mean (D(G(x)) - 1)^2
 *     d/ds mean (s - t)^2 = 2 (s - t) / n
 *
 * Cycle (the source's L_cyc), per pixel: the mean absolute difference
 *
 *     L_cyc = mean |G_YX(G_XY(x)) - x| + mean |G_XY(G_YX(y)) - y|
 *     d/da mean |a - b| = sign(a - b) / (n d)
 *
 * Identity (Zhu et al., 5.2; not in the source): a generator handed an
 * image already in its target domain should leave it alone,
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
    double L = 0.0;
    const double nd = (double)(A->size1 * A->size2);
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
 * The cycle trains BOTH generators: a wrong back is G_YX's fault or G_XY's.
 * D's gradients are computed on the way and thrown away.
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
    long pool_n, step;           /* fakes in each pool; steps done             */
    gsl_rng *r;                  /* training: batches, the pool's coins        */
} cyclegan;

static cyclegan *cyclegan_new(const cg_config *c, const domains *dom, unsigned long seed)
{
    cyclegan *m = xcalloc(1, sizeof *m, "the model");
    *m = (cyclegan){.cfg = *c, .dom = dom, .r = rng_new(seed), .ws = ws_new((size_t)c->batch)};
    m->gxy = make_generator(c, m->r); m->gyx = make_generator(c, m->r);
    m->dy = make_discriminator(c, m->r);
    m->dx = c->one_sided ? NULL : make_discriminator(c, m->r);
    gsl_matrix **b[] = {&m->x, &m->y, &m->fx, &m->fy, &m->px, &m->py};
    for (int k = 0; k < 6; k++)
        ws_add(m->ws, b[k], dom->dim);
    const size_t P = c->pool > 0 ? (size_t)c->pool : 1;
    m->pool_x = gsl_matrix_calloc(P, dom->dim); m->pool_y = gsl_matrix_calloc(P, dom->dim);
    return m;
}

static void cyclegan_free(cyclegan *m)
{
    seqnet_free(m->gxy); seqnet_free(m->gyx); seqnet_free(m->dx); seqnet_free(m->dy);
    ws_free(m->ws); gsl_matrix_free(m->pool_x); gsl_matrix_free(m->pool_y); gsl_rng_free(m->r); free(m);
}

/* in -> G -> fake -> F -> back; D judges fake (D may be NULL). Returns the
 * adversarial term, *cyc = mean |back - in|; with want_grad, their gradient
 * (adv + lambda cyc) is added into G's and F's params. */
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
            seqnet_backward(D);                                     /* D->d[0] = dL_adv/dfake */
            gsl_matrix_memcpy(G->d[gn], D->d[0]);
        }
    }
    *cyc = l1(seqnet_forward(F, fake), in, want_grad ? F->d[fn] : NULL, lambda);
    if (want_grad) {
        if (lambda > 0) {
            seqnet_backward(F);                                     /* F->d[0] = lambda dL_cyc/dfake */
            gsl_matrix_add(G->d[gn], F->d[0]);                   /* the two roads add */
        }
        seqnet_backward(G);
    }
    return adv;
}

/* G(in) ~ in, weight w: mean |G(in) - in| (gradient added into G's params) */
static double identity_pass(seqnet *G, const gsl_matrix *in, double w, int want_grad)
{
    const double L = l1(seqnet_forward(G, in), in, want_grad ? G->d[G->n_layers] : NULL, w);
    if (want_grad)
        seqnet_backward(G);
    return L;
}

/* The generators' loss at m->x, m->y; v: adversarial terms, cycle x, cycle
 * y, identity (unweighted means) */
static double g_loss(cyclegan *m, int want_grad, double *v)
{
    const double lambda = m->cfg.lambda, w_id = m->cfg.identity * lambda;
    if (want_grad) {
        params_zero_grad(m->gxy->P); params_zero_grad(m->gyx->P);
    }
    v[0] = cycle_pass(m, m->gxy, m->gyx, m->dy, m->x, m->fy, &v[1], want_grad);
    v[0] += cycle_pass(m, m->gyx, m->gxy, m->dx, m->y, m->fx, &v[2], want_grad);
    v[3] = 0.0;
    if (w_id > 0)
        v[3] = identity_pass(m->gxy, m->y, w_id, want_grad) + identity_pass(m->gyx, m->x, w_id, want_grad);
    return v[0] + lambda * (v[1] + v[2]) + w_id * v[3];
}

/* The discriminators' step, at fixed fakes m->px, m->py: L_D of section 3,
 * for D_Y (real y, fake G_XY(x)) and D_X (real x, fake G_YX(y)). */
static double d_one(seqnet *D, const gsl_matrix *real, const gsl_matrix *fake, int want_grad)
{
    gsl_matrix *ds = D->d[D->n_layers];
    double L = 0.5 * lsgan(seqnet_forward(D, real), 1.0, want_grad ? ds : NULL);
    if (want_grad) {
        gsl_matrix_scale(ds, 0.5);
        seqnet_backward(D);
    }
    L += 0.5 * lsgan(seqnet_forward(D, fake), 0.0, want_grad ? ds : NULL);
    if (want_grad) {
        gsl_matrix_scale(ds, 0.5);
        seqnet_backward(D);
    }
    return L;
}

static double d_loss(cyclegan *m, int want_grad)
{
    if (want_grad) {
        params_zero_grad(m->dy->P);
        if (m->dx)
            params_zero_grad(m->dx->P);
    }
    return d_one(m->dy, m->y, m->py, want_grad) + (m->dx ? d_one(m->dx, m->x, m->px, want_grad) : 0.0);
}

/* The history buffer (Shrivastava et al. 2017, used by Zhu et al.): D sees
 * fakes of EARLIER generators too, so that it cannot chase only the last
 * one (which makes the two oscillate). Until the pool is full, each new fake
 * goes in and is shown; then, with probability 1/2, a random old fake is
 * shown and the new one takes its place, else the new one is shown. */
static void pool_query(cyclegan *m, const gsl_matrix *fresh, gsl_matrix *pool, gsl_matrix *shown, long filled)
{
    const size_t P = (size_t)m->cfg.pool, dim = fresh->size2;
    for (size_t i = 0; i < fresh->size1; i++) {
        const double *f = gsl_matrix_const_ptr(fresh, i, 0);
        double *s = gsl_matrix_ptr(shown, i, 0);
        if (P == 0) {
            memcpy(s, f, dim * sizeof *s);
        } else if ((size_t)filled + i < P) {
            memcpy(gsl_matrix_ptr(pool, (size_t)filled + i, 0), f, dim * sizeof *s);
            memcpy(s, f, dim * sizeof *s);
        } else if (gsl_rng_uniform(m->r) < 0.5) {
            double *old = gsl_matrix_ptr(pool, gsl_rng_uniform_int(m->r, P), 0);
            memcpy(s, old, dim * sizeof *s);
            memcpy(old, f, dim * sizeof *s);
        } else {
            memcpy(s, f, dim * sizeof *s);
        }
    }
}

static void draw_batch(gsl_rng *r, const gsl_matrix *from, gsl_matrix *to)   /* with replacement */
{
    for (size_t i = 0; i < to->size1; i++)
        memcpy(gsl_matrix_ptr(to, i, 0), gsl_matrix_const_ptr(from, gsl_rng_uniform_int(r, from->size1), 0),
               to->size2 * sizeof(double));
}

/* One iteration: fresh x and y, the generators' step, the discriminators'
 * step on this step's fakes through the pool. v: D loss, then g_loss's v. */
static void iteration(cyclegan *m, double *v)
{
    draw_batch(m->r, m->dom->X, m->x);
    draw_batch(m->r, m->dom->Y, m->y);
    const double L = g_loss(m, 1, v + 1);
    optim_step(m->gxy->opt); optim_step(m->gyx->opt);
    pool_query(m, m->fy, m->pool_y, m->py, m->pool_n);
    pool_query(m, m->fx, m->pool_x, m->px, m->pool_n);
    if (m->cfg.pool > 0)
        m->pool_n = GSL_MIN(m->cfg.pool, m->pool_n + m->cfg.batch);
    v[0] = d_loss(m, 1);
    optim_step(m->dy->opt);
    if (m->dx)
        optim_step(m->dx->opt);
    check_finite(v[0] + L, "the discriminators' or generators' loss", m->step);
    m->step++;
}

/* ----------------------------------------------------------------------------
 * 5. Measuring a translation against the truth
 *
 * On test inputs, for both directions, with T known:
 *   cycle_l1_x        mean |G_YX(G_XY(x)) - x| per pixel (the source's loss)
 *   translation_l1_vs_truth_xy   mean |G_XY(x) - T(x)|: the error that
 *                     matters, and the one a real CycleGAN cannot measure
 *   label_kept_xy     the share of G_XY(x) the digit judge reads as x's
 *                     digit (next to the judge's reading of T(x) itself,
 *                     the best a perfect translator can score)
 *   fjd_xy            Frechet judge distance of G_XY(x) to real dilated
 *                     digits (other test digits): do the outputs look like
 *                     Y as a whole?
 * 2-D: the same with Euclidean distances over the spread of the target
 * (the root mean squared distance of its points to their mean); a restart
 * FINDS THE TRUE MAP when its error is below 10 % of the spread both ways.
 * ------------------------------------------------------------------------- */
typedef struct evaluation {
    double cycle[2], truth[2];   /* [0]: x -> y (-> x), [1]: y -> x (-> y)     */
    double kept[2], fjd[2];      /* images, with a judge                       */
} evaluation;

static double spread(const gsl_matrix *A)           /* sqrt(mean |a - mean a|^2) */
{
    double s = 0.0;
    for (size_t j = 0; j < A->size2; j++) {
        gsl_vector_const_view c = gsl_matrix_const_column(A, j);
        s += gsl_stats_variance(c.vector.data, c.vector.stride, c.vector.size);
    }
    return sqrt(s);
}

static double mean_distance(const gsl_matrix *A, const gsl_matrix *B)   /* mean |a_i - b_i| (Euclidean) */
{
    double s = 0.0;
    for (size_t i = 0; i < A->size1; i++) {
        gsl_vector_const_view a = gsl_matrix_const_row(A, i), b = gsl_matrix_const_row(B, i);
        double d2 = 0.0;
        for (size_t j = 0; j < A->size2; j++)
            d2 += gsl_pow_2(gsl_vector_get(&a.vector, j) - gsl_vector_get(&b.vector, j));
        s += sqrt(d2) / (double)A->size1;
    }
    return s;
}

/* the judge's share of images read as label */
static double kept(judge *j, const gsl_matrix *images, const unsigned char *label)
{
    return judge_verdicts(j, images, label, NULL, NULL).score;
}

/* One direction k: G from the test inputs, F back; out and back (n, dim) */
static void measure_direction(seqnet *G, seqnet *F, const gsl_matrix *in, const gsl_matrix *truth, gsl_matrix *out,
                              gsl_matrix *back, int toy, evaluation *e, int k)
{
    seqnet_apply(G, in, out);
    seqnet_apply(F, out, back);
    if (toy) {
        e->truth[k] = mean_distance(out, truth) / spread(truth);
        e->cycle[k] = mean_distance(back, in) / spread(in);
    } else {
        e->truth[k] = l1(out, truth, NULL, 0.0);
        e->cycle[k] = l1(back, in, NULL, 0.0);
    }
}

/* the first n test inputs; with a judge, label_kept; with refs, fjd */
static evaluation evaluate(cyclegan *m, size_t n, judge *j, const gauss_fit *ref_y, const gauss_fit *ref_x)
{
    evaluation e = {0};
    const domains *d = m->dom;
    const int toy = d->dim == 2;
    gsl_matrix *out = gsl_matrix_alloc(n, d->dim), *back = gsl_matrix_alloc(n, d->dim);
    gsl_matrix_const_view in[2] = {gsl_matrix_const_submatrix(d->tx, 0, 0, n, d->dim), gsl_matrix_const_submatrix(d->ty, 0, 0, n, d->dim)};
    gsl_matrix_const_view truth[2] = {gsl_matrix_const_submatrix(d->tx_true, 0, 0, n, d->dim),
                                      gsl_matrix_const_submatrix(d->ty_true, 0, 0, n, d->dim)};
    const gauss_fit *ref[2] = {ref_y, ref_x};
    for (int k = 0; k < 2; k++) {
        measure_direction(k ? m->gyx : m->gxy, k ? m->gxy : m->gyx, &in[k].matrix, &truth[k].matrix, out, back, toy, &e, k);
        if (j && !toy)
            e.kept[k] = kept(j, out, d->label);
        if (j && ref[k])
            e.fjd[k] = judge_fjd(j, ref[k], out);
    }
    gsl_matrix_free(out); gsl_matrix_free(back);
    return e;
}

/* ----------------------------------------------------------------------------
 * 6. Training, and a record of it
 *
 * Every step logs the losses (a history, section 3's terms); ten times a run
 * the log prints them with the scores on a fixed 200 test inputs, so one
 * sees the cycle error fall, and whether the truth error follows it.
 * ------------------------------------------------------------------------- */
#define WATCH_N 200
typedef struct recorder {
    long from, to, every;
    judge *j;                    /* NULL: no judge                            */
    history *loss;               /* d_loss adv cycle_x cycle_y identity       */
    progress prog;
    int print;                   /* print the log lines                       */
} recorder;

static void recorder_init(recorder *rec, const cyclegan *m, long to, judge *j, int print, int quiet)
{
    const long span = to - m->step;
    *rec = (recorder){.from = m->step, .to = to, .every = span >= 10 ? span / 10 : 1, .j = j, .print = print,
                      .loss = history_new((size_t)(span > 0 ? span : 1), SMOOTH, "d_loss g_adv cycle_x cycle_y identity")};
    progress_start(&rec->prog, span, quiet);
}

static void record(recorder *rec, cyclegan *m, const double *v)
{
    const long done = m->step - rec->from;
    history_add(rec->loss, m->step, v);
    if (rec->print && (done % rec->every == 0 || m->step == rec->to)) {
        const evaluation e = evaluate(m, GSL_MIN(WATCH_N, m->dom->tx->size1), rec->j, NULL, NULL);
        const size_t b = rec->loss->n, a = b > (size_t)rec->every ? b - (size_t)rec->every : 0;
        printf("step %5ld  D %.3f  G %.3f  cycle %.4f %.4f  truth %.4f %.4f", m->step, history_average(rec->loss, 0, a, b),
               history_average(rec->loss, 1, a, b), e.cycle[0], e.cycle[1], e.truth[0], e.truth[1]);
        if (rec->j)
            printf("  kept %.3f %.3f", e.kept[0], e.kept[1]);
        printf("\n");
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
 * R restarts (fresh networks, the same data) with lambda = 10 and R with
 * lambda = 0. For each: the cycle error and the truth error (section 5).
 * A cycle-consistent G_XY need not be A: any bijection that carries p_X onto
 * p_Y, with G_YX its inverse, has a zero cycle loss and fools both D's.
 * Three blobs of unequal weight pin down which blob goes where, not how each
 * blob is turned. Kept for the figure: the best and the worst restart.
 * ------------------------------------------------------------------------- */
typedef struct toy_result {
    double cycle_max[2], cycle_mean[2], found[2];  /* [0]: lambda 10, [1]: lambda 0 */
    gsl_matrix *right, *wrong;   /* (n, 6): x, G_XY(x), A x of two restarts    */
    double right_err, wrong_err, wrong_lambda;
} toy_result;

static void keep_map(cyclegan *m, gsl_matrix *into)
{
    const domains *d = m->dom;
    const size_t n = into->size1;
    gsl_matrix_const_view x = gsl_matrix_const_submatrix(d->tx, 0, 0, n, 2), t = gsl_matrix_const_submatrix(d->tx_true, 0, 0, n, 2);
    gsl_matrix_view a = gsl_matrix_submatrix(into, 0, 0, n, 2), g = gsl_matrix_submatrix(into, 0, 2, n, 2),
                    b = gsl_matrix_submatrix(into, 0, 4, n, 2);
    gsl_matrix_memcpy(&a.matrix, &x.matrix);
    seqnet_apply(m->gxy, &x.matrix, &g.matrix);
    gsl_matrix_memcpy(&b.matrix, &t.matrix);
}

static toy_result toy_warmup(const cg_config *base, long restarts, gsl_rng *r)
{
    printf("\n== 7. The 2-D warm-up: %ld restarts at lambda %g and at lambda 0, %ld steps each\n", restarts,
           base->lambda, base->steps);
    domains d = toy_new(r, 4096, 1000);
    toy_result t = {.right = gsl_matrix_alloc(200, 6), .wrong = gsl_matrix_alloc(200, 6), .right_err = INFINITY, .wrong_err = -1};
    for (int lz = 0; lz < 2; lz++) {
        cg_config c = *base;
        c.lambda = lz ? 0.0 : base->lambda;
        for (long k = 0; k < restarts; k++) {
            cyclegan *m = cyclegan_new(&c, &d, gsl_rng_get(r));
            train(m, c.steps, NULL);
            const evaluation e = evaluate(m, d.tx->size1, NULL, NULL, NULL);
            const double err = fmax(e.truth[0], e.truth[1]), cyc = fmax(e.cycle[0], e.cycle[1]);
            t.cycle_max[lz] = fmax(t.cycle_max[lz], cyc);
            t.cycle_mean[lz] += cyc / (double)restarts;
            t.found[lz] += (err < 0.1) / (double)restarts;
            printf("lambda %4g restart %ld: cycle error %.4f, truth error %.4f of the spread: %s\n", c.lambda, k + 1, cyc,
                   err, err < 0.1 ? "the true map" : "another map");
            if (!lz && err < t.right_err) {
                t.right_err = err;
                keep_map(m, t.right);
            }
            if (err > t.wrong_err && (!lz || t.wrong_err < 0.1)) {     /* a lambda-10 map first */
                t.wrong_err = err; t.wrong_lambda = c.lambda;
                keep_map(m, t.wrong);
            }
            cyclegan_free(m);
        }
        if (!lz && t.wrong_err < 0.1)
            t.wrong_err = -1;            /* every lambda-10 map right: show lambda 0's worst */
    }
    domains_free(&d);
    return t;
}

static void draw_toy(const toy_result *t, const char *out);

/* ----------------------------------------------------------------------------
 * 8. The experiment: which generator, which lambda
 *
 * The main model is the flags' (default: the local generator, lambda 10);
 * the comparison trains, with the same data and seed, the same at lambda 0,
 * and the other generator at lambda 10 and at 0. A variant's metrics carry
 * its name (local_lambda0_label_kept_xy ...); the main model's none.
 * ------------------------------------------------------------------------- */
typedef struct variant { cg_config cfg; char tag[32]; } variant;

typedef struct refs { gauss_fit *x, *y; } refs;        /* fjd references      */

static void report(const char *tag, const evaluation *e, double steps, metrics *M)
{
    const char *names[] = {"cycle_l1_x", "cycle_l1_y", "translation_l1_vs_truth_xy", "translation_l1_vs_truth_yx",
                           "label_kept_xy", "label_kept_yx", "fjd_xy", "fjd_yx"};
    const double val[] = {e->cycle[0], e->cycle[1], e->truth[0], e->truth[1], e->kept[0], e->kept[1], e->fjd[0], e->fjd[1]};
    for (int k = 0; k < 8; k++)
        metrics_setf(M, val[k], "%s%s%s", tag, *tag ? "_" : "", names[k]);
    if (!*tag)
        metrics_set(M, "fjd", e->fjd[0]), metrics_set(M, "steps", steps);
    printf("result: %-14s cycle %.4f %.4f  vs truth %.4f %.4f  label kept %.3f %.3f  fjd %.1f %.1f\n", *tag ? tag : "main",
           e->cycle[0], e->cycle[1], e->truth[0], e->truth[1], e->kept[0], e->kept[1], e->fjd[0], e->fjd[1]);
}

/* the variants of a run: [0] the main model, then the comparison */
static size_t variants(const cg_config *main_cfg, const cg_config *other, int compare, variant *v)
{
    size_t n = 0;
    v[n++] = (variant){*main_cfg, ""};
    if (compare && main_cfg->lambda > 0) {
        v[n] = (variant){*main_cfg, ""};
        v[n].cfg.lambda = 0.0;
        snprintf(v[n++].tag, sizeof v[0].tag, "%s_lambda0", GEN_NAME[main_cfg->gen]);
    }
    if (compare > 1) {
        v[n] = (variant){*other, ""};
        snprintf(v[n++].tag, sizeof v[0].tag, "%s", GEN_NAME[other->gen]);
        v[n] = (variant){*other, ""};
        v[n].cfg.lambda = 0.0;
        snprintf(v[n++].tag, sizeof v[0].tag, "%s_lambda0", GEN_NAME[other->gen]);
    }
    return n;
}

/* ============================================================================
 * Appendix A. Checkpoints: the four networks and their Adam states, both
 * history buffers, the step and the training generator: N steps, save,
 * resume to N + M is bit for bit N + M steps (tests/test_10_cyclegan.c).
 * ------------------------------------------------------------------------- */
static void describe(checkpoint *ck, cyclegan *m, gsl_vector_view *pools)
{
    seqnet *nets[] = {m->gxy, m->gyx, m->dx, m->dy};
    const char *names[] = {"G_XY", "G_YX", "D_X", "D_Y"};
    char name[CHECKPOINT_NAME_LEN];
    *ck = (checkpoint){0};
    for (int k = 0; k < 4; k++) {
        if (!nets[k])
            continue;
        checkpoint_add_params(ck, names[k], nets[k]->P);
        snprintf(name, sizeof name, "%s.adam", names[k]);
        checkpoint_add_optimizer(ck, name, nets[k]->opt);
    }
    pools[0] = gsl_vector_view_array(m->pool_x->data, m->pool_x->size1 * m->pool_x->size2);
    pools[1] = gsl_vector_view_array(m->pool_y->data, m->pool_y->size1 * m->pool_y->size2);
    checkpoint_add_vector(ck, "pool_x", &pools[0].vector); checkpoint_add_vector(ck, "pool_y", &pools[1].vector);
    checkpoint_add_long(ck, "pool_n", &m->pool_n); checkpoint_add_long(ck, "step", &m->step);
}

static void save_model(session *S, cyclegan *m)
{
    checkpoint ck;
    gsl_vector_view pools[2];
    char what[64];
    if (!S->save)
        return;
    describe(&ck, m, pools);
    gsl_rng_memcpy(S->rng, m->r);
    snprintf(what, sizeof what, "CycleGAN (%s) at step %ld", GEN_NAME[m->cfg.gen], m->step);
    session_save(S, &ck, what);
}

static void load_model(session *S, cyclegan *m)
{
    checkpoint ck;
    gsl_vector_view pools[2];
    describe(&ck, m, pools);
    session_load(S, &ck, "CycleGAN");
    gsl_rng_memcpy(m->r, S->rng);
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
    gsl_matrix *out = gsl_matrix_alloc(SHOW, IMG), *back = gsl_matrix_alloc(SHOW, IMG);
    for (int k = 0; k < 2; k++) {
        gsl_matrix_const_view in = gsl_matrix_const_submatrix(k ? d->ty : d->tx, 0, 0, SHOW, IMG),
                              truth = gsl_matrix_const_submatrix(k ? d->ty_true : d->tx_true, 0, 0, SHOW, IMG);
        seqnet_apply(k ? m->gyx : m->gxy, &in.matrix, out);
        seqnet_apply(k ? m->gxy : m->gyx, out, back);
        const gsl_matrix *rows[] = {&in.matrix, out, back, &truth.matrix};
        for (size_t r = 0; r < 4; r++)
            for (size_t i = 0; i < SHOW; i++)
                memcpy(gsl_matrix_ptr(tiles, (4 * v + r) * 2 * SHOW + k * SHOW + i, 0), gsl_matrix_const_ptr(rows[r], i, 0),
                       IMG * sizeof(double));
    }
    gsl_matrix_free(out); gsl_matrix_free(back);
}

static void draw_toy(const toy_result *t, const char *out)
{
    out_write_matrix(out, "toy_right.dat", "x1 x2, G_XY(x) 1 2, A x 1 2: the best lambda-10 restart", t->right);
    out_write_matrix(out, "toy_wrong.dat", "x1 x2, G_XY(x) 1 2, A x 1 2: the worst restart", t->wrong);
    fig_value("toy_right_err", t->right_err); fig_value("toy_wrong_err", t->wrong_err);
    fig_value("toy_wrong_lambda", t->wrong_lambda);
    fig_use("toy_maps");
}

static void draw_images(const gsl_matrix *tiles, size_t n_var, const variant *v, const recorder *rec, const char *out)
{
    fig_image_grid(out, "translations", tiles, SIDE, SIDE, 4 * n_var, 2 * SHOW);
    fig_use("translations");
    fig_value("n_variants", (double)n_var); fig_value("show", SHOW); fig_value("image_side", SIDE);
    for (size_t k = 0; k < n_var; k++)
        fig_text(out_name("variant_%zu", k + 1), "%s, lambda %g%s", GEN_NAME[v[k].cfg.gen], v[k].cfg.lambda,
                 v[k].cfg.one_sided ? ", one-sided" : v[k].cfg.identity > 0 ? ", identity" : "");
    if (rec && rec->loss->n > 0) {
        history_write(rec->loss, out, "loss.dat");
        fig_value("loss_mean_steps", SMOOTH); fig_value("lambda", v[0].cfg.lambda);
        fig_use("loss");
    }
}

/* --generate K: G_XY of the first K test digits and G_YX of their dilations */
static void generate(cyclegan *m, session *S)
{
    const size_t K = (size_t)S->generate, dim = m->dom->dim;
    gsl_matrix *out = gsl_matrix_alloc(K, dim);
    FILE *f = out_open(S->cli.out, "generated_samples.dat");
    fprintf(f, "# row i: the test digit's label, direction (0: G_XY(x), 1: G_YX(y)), then %zu pixels\n", dim);
    for (int k = 0; k < 2; k++) {
        gsl_matrix_const_view in = gsl_matrix_const_submatrix(k ? m->dom->ty : m->dom->tx, 0, 0, K, dim);
        seqnet_apply(k ? m->gyx : m->gxy, &in.matrix, out);
        for (size_t i = 0; i < K; i++) {
            fprintf(f, "%d %d", m->dom->label[i], k);
            for (size_t p = 0; p < dim; p++)
                fprintf(f, " %.9g", gsl_matrix_get(out, i, p));
            fputc('\n', f);
        }
        if (k == 0) {
            gsl_matrix_const_view shown = gsl_matrix_const_submatrix(out, 0, 0, GSL_MIN(K, 100), dim);
            fig_image_grid(S->cli.out, "generated", &shown.matrix, SIDE, SIDE, (GSL_MIN(K, 100) + 9) / 10, 10);
        }
    }
    out_close(f, "generated_samples.dat");
    gsl_matrix_free(out);
    fig_use("generated"); fig_value("generated_step", (double)m->step);
    printf("wrote %zu translations each way of the model at step %ld\n", K, m->step);
    metrics_set(&S->m, "generated_samples", (double)K);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags (the session adds --seed, --quick, --out, --quiet,
 * --save, --load, --generate, --resume) and the recipes.
 * ------------------------------------------------------------------------- */
typedef struct config {
    const char *generator, *compare, *data_dir, *judge_path;
    long steps, batch, width, code, d_hidden, pool, restarts, toy_steps;
    double lambda, identity, lr_g, lr_d, beta1;
    int one_sided;
    dataset_info ds;
    judge *j;
    size_t eval_n;
    unsigned long seed[3];       /* image models, the 2-D warm-up, spare       */
} config;

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
        {"beta1", CLI_REAL, &cfg->beta1, "Adam's beta1", 0, 0.999, NULL, 0},
        {"restarts", CLI_INT, &cfg->restarts, "restarts of the 2-D warm-up at each lambda (0: skip it)", 0, 1000, NULL, 0},
        {"toy-steps", CLI_INT, &cfg->toy_steps, "training steps of a 2-D restart (default 4000)", 1, 1e7, NULL, 0},
        {"data", CLI_STRING, &cfg->data_dir, "directory with the four MNIST IDX files (default datasets/mnist)", 0, 0, NULL, 0},
        {"judge", CLI_STRING, &cfg->judge_path, "the judge (default: build/judge/mnist.judge)", 0, 0, NULL, 0},
    };
    session_start(S, "10-cyclegan", "CycleGAN on unpaired domains whose true map we know", 42,
                  options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    for (int k = 0; k < 3; k++)              /* every random number from S->rng, in this order */
        cfg->seed[k] = gsl_rng_get(S->rng);
    cfg->eval_n = S->cli.quick ? 200 : 2000;
    cfg->ds = dataset_select("mnist", cfg->data_dir);
    cfg->j = dataset_open_judge(&cfg->ds, cfg->judge_path, "no label_kept or fjd in this run");
    note("data from %s", cfg->ds.dir);
    printf("10-cyclegan: seed %ld, %s generator, lambda %g%s%s\n", S->cli.seed, cfg->generator, cfg->lambda,
           cfg->one_sided ? ", one-sided" : "", cfg->j ? "; scored by the judge" : "; no judge");
}

/* A model's settings: a flag given wins; else the generator's default
 * (--quick: tiny). */
static cg_config recipe(const config *cfg, const cli *c, int quick, gen_kind gen)
{
    const int glob = gen == GEN_GLOBAL, toy = gen == GEN_MLP;
#define PICK(flag, field, value) (cli_given(c, flag) ? cfg->field : (value))
    return (cg_config){
        .gen = gen, .lambda = cfg->lambda, .one_sided = cfg->one_sided, .beta1 = cfg->beta1,
        .steps = toy ? PICK("toy-steps", toy_steps, quick ? 200 : 4000) : PICK("steps", steps, quick ? 20 : glob ? 1000 : 300),
        .batch = toy ? 128 : PICK("batch", batch, quick ? 8 : 32),
        .width = toy ? 32 : PICK("width", width, quick ? 4 : 8),
        .code = PICK("code", code, quick ? 16 : 128), .d_hidden = toy ? 32 : PICK("d-hidden", d_hidden, quick ? 32 : 256),
        .pool = toy ? 0 : PICK("pool", pool, 50), .identity = toy ? 0.0 : PICK("identity", identity, glob ? 0.5 : 0.0),
        .lr_g = PICK("lr-g", lr_g, 1e-3), .lr_d = toy ? 1e-3 : PICK("lr-d", lr_d, 2e-4)};
#undef PICK
}

/* section 7 with the flags' restarts; its metrics and figure */
static void run_toy(session *S, const config *cfg)
{
    const cg_config c = recipe(cfg, &S->cli, S->cli.quick, GEN_MLP);
    gsl_rng *r = rng_new(cfg->seed[1]);
    toy_result t = toy_warmup(&c, S->cli.quick && !cli_given(&S->cli, "restarts") ? 2 : cfg->restarts, r);
    const char *names[] = {"toy_cycle_error_max", "toy_cycle_error_mean", "toy_true_map_share"};
    for (int lz = 0; lz < 2; lz++) {
        const double val[] = {t.cycle_max[lz], t.cycle_mean[lz], t.found[lz]};
        for (int k = 0; k < 3; k++)
            metrics_setf(&S->m, val[k], "%s%s", names[k], lz ? "_lambda0" : "");
        printf("result: 2-D, lambda %g: cycle error at most %.4f of the spread, the true map in %.0f %% of the restarts\n",
               lz ? 0.0 : c.lambda, t.cycle_max[lz], 100 * t.found[lz]);
    }
    draw_toy(&t, S->cli.out);
    gsl_matrix_free(t.right); gsl_matrix_free(t.wrong);
    gsl_rng_free(r);
}

/* train (or load) and measure every variant; the main model is kept */
static void run_images(session *S, const config *cfg, const domains *d, const refs *rf)
{
    const gen_kind g = strcmp(cfg->generator, "global") == 0 ? GEN_GLOBAL : GEN_LOCAL;
    const cg_config main_cfg = recipe(cfg, &S->cli, S->cli.quick, g), other = recipe(cfg, &S->cli, S->cli.quick, g == GEN_LOCAL ? GEN_GLOBAL : GEN_LOCAL);
    variant v[MAX_VARIANTS];
    const int cmp = S->load || S->generate ? 0 : strcmp(cfg->compare, "none") == 0 ? 0 : strcmp(cfg->compare, "lambda0") == 0 ? 1 : 2;
    const size_t n_var = variants(&main_cfg, &other, cmp, v);
    gsl_matrix *tiles = gsl_matrix_calloc(4 * n_var * 2 * SHOW, IMG);
    recorder rec = {0}, *main_rec = NULL;
    for (size_t k = 0; k < n_var; k++) {
        const cg_config *c = &v[k].cfg;
        cyclegan *m = cyclegan_new(c, d, cfg->seed[0]);
        if (k == 0 && (S->load || S->resume))
            load_model(S, m);                                              /* Appendix A */
        if (k == 0 && S->generate) {
            generate(m, S);
            cyclegan_free(m);
            break;
        }
        printf("\n== 6. Training %s: %s generator (C %ld%s), lambda %g, identity %g, %s, pool %ld; Adam(%g) G %g, D %g; "
               "batch %ld", *v[k].tag ? v[k].tag : "the main model", GEN_NAME[c->gen], c->width,
               c->gen == GEN_GLOBAL ? out_name(", H %ld", c->code) : "", c->lambda, c->identity,
               c->one_sided ? "one-sided (D_Y only)" : "D_X and D_Y", c->pool, c->beta1, c->lr_g, c->lr_d, c->batch);
        printf(S->load ? "\n" : "; %ld steps\n", c->steps);
        if (k == 0)
            session_check_resume(S, m->step, c->steps);
        if (k == 0 && m->step > 0)
            printf("starts from a checkpoint at step %ld; %s\n", m->step, S->load ? "no training" : "training on");
        const long to = k == 0 && S->load ? m->step : c->steps;
        recorder_init(&rec, m, to, cfg->j, 1, S->cli.quiet);
        train(m, to, &rec);
        const evaluation e = evaluate(m, d->tx->size1, cfg->j, rf->y, rf->x);
        report(v[k].tag, &e, (double)m->step, &S->m);
        translation_rows(m, tiles, k);
        if (k == 0)
            save_model(S, m), main_rec = xmalloc(sizeof rec, "the record"), *main_rec = rec;
        else
            history_free(rec.loss);
        cyclegan_free(m);
    }
    if (!S->generate)
        draw_images(tiles, n_var, v, main_rec, S->cli.out);               /* Appendix B */
    if (main_rec)
        history_free(main_rec->loss), free(main_rec);
    gsl_matrix_free(tiles);
}

/* The judge's reading of the true translations: the ceiling of label_kept;
 * and the fjd references (real test digits that are not inputs) */
static refs judge_truth(const config *cfg, const domains *d, metrics *M)
{
    refs rf = {0};
    if (!cfg->j)
        return rf;
    const double ky = kept(cfg->j, d->tx_true, d->label), kx = kept(cfg->j, d->ty_true, d->label);
    rf.y = judge_feature_fit(cfg->j, d->ref_y); rf.x = judge_feature_fit(cfg->j, d->ref_x);
    gauss_fit_keep_root(rf.y); gauss_fit_keep_root(rf.x);
    const double fy = judge_fjd(cfg->j, rf.y, d->tx_true), fx = judge_fjd(cfg->j, rf.x, d->ty_true);
    metrics_set(M, "judge_reads_true_y", ky); metrics_set(M, "judge_reads_true_x", kx);
    metrics_set(M, "fjd_true_y", fy); metrics_set(M, "identity_l1_xy", l1(d->tx, d->tx_true, NULL, 0.0));
    printf("the judge reads the true T(x) as x's digit %.3f, plain x %.3f; fjd of T(x) %.2f, of plain x %.2f;\n"
           "an identity generator would score translation L1 %.4f\n", ky, kx, fy, fx, l1(d->tx, d->tx_true, NULL, 0.0));
    return rf;
}

/* main: the table of contents ------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);                                        /* Appendix C */
    image_set *train_set = mnist_load(cfg.ds.dir, "train"), *test_set = mnist_load(cfg.ds.dir, "t10k");
    printf("\n== 1. The domains: X = %zu plain digits, Y = %zu other digits, dilated; %zu test digits\n",
           train_set->n / 2, train_set->n - train_set->n / 2, cfg.eval_n);
    domains d = digits_new(train_set, test_set, cfg.eval_n);            /* section 1 */
    refs rf = judge_truth(&cfg, &d, &S.m);                              /* section 5 */
    run_images(&S, &cfg, &d, &rf);                                      /* sections 2-6, 8 */
    if (cfg.restarts > 0 && session_trains(&S))
        run_toy(&S, &cfg);                                              /* section 7 */
    if (rf.x)
        gauss_fit_free(rf.x), gauss_fit_free(rf.y);
    domains_free(&d);
    image_set_free(train_set); image_set_free(test_set);
    judge_free(cfg.j);
    printf("\n");
    session_finish(&S);
    return 0;
}
#endif
