/* mode-collapse.c -- chapter 06: mode collapse, caused for real and fixed for real.
 *
 * A GAN's generator is never told to cover the data. It is told to fool the
 * discriminator, and fooling D with ONE kind of convincing sample is just as
 * good, for the next step, as fooling it with every kind. When G finds such a
 * sample, all of its output drifts there and the other modes of the data are
 * forgotten: MODE COLLAPSE. D soon learns that this one spot is fake, G moves
 * the whole crowd to another spot, and the two chase each other around the
 * data (mode hopping) instead of settling on a generator that covers it.
 *
 * This chapter makes that happen on purpose, on the standard test for it, a
 * ring of 8 sharp Gaussians, and then tries three remedies from the
 * literature, each a flag, all in the SAME setting:
 *
 *   vanilla    the GAN of chapter 05 (non-saturating G loss)
 *   smoothing  one-sided label smoothing: D's target for real data is 0.9
 *   featmatch  feature matching: G matches the mean of D's features on real data
 *   mbstd      minibatch standard deviation: D sees how spread out a batch is
 *
 * and counts, for 2000 samples of each trained generator, how many of the 8
 * modes it covers and how many of its samples are sharp (section 8).
 *
 * What the source texts did. Seed 000's section 7 announces a mode-collapse
 * demo and a label-smoothing fix, but its code trains no discriminator (it
 * builds one and never uses its output), nudges all of G's last weights by
 * 0.001 * (mean(real) - mean(fake)), and defines `smooth_label = 0.9`
 * without ever using it; the "with smoothing" run has no D at all and differs
 * only by random noise added to that nudge. Matching the MEAN of a symmetric
 * bimodal target (modes at -2 and +2) pulls every sample to 0, between the
 * modes: in our C port of the demo (5 seeds) both runs end with a generated
 * std of 0.001 to 0.02 and none of 1000 samples within 3 sd of either mode.
 * Its check "all samples near single mode: std < 0.5" then prints True for a
 * generator that is near NO mode, and "better diversity: std > 0.5" prints
 * False for the "fixed" one. Seed 004's section 2 only names mode collapse.
 * So everything below is new: a real D, real losses, real remedies, measured.
 *
 * The story, in the order main() tells it:
 *   1. the targets: the ring of 8, and 000's bimodal line
 *   2. the players, and why D is split into a body and a head
 *   3. remedy 1: one-sided label smoothing
 *   4. remedy 2: feature matching (forward and backward)
 *   5. remedy 3: minibatch standard deviation (forward and backward)
 *   6. D's forward and backward passes, with or without the extra column
 *   7. the two alternating steps
 *   8. measuring coverage: modes covered, modes reached, sharp samples
 *   9. the setting in which the vanilla GAN collapses, and why
 *  10. one training run per method
 *  11. figures
 *  12. saving a trained run, and sampling it without training
 *  13. main (after an appendix: the flags)
 *
 * Run:  make bin/06-mode-collapse && bin/06-mode-collapse   (all four, ~17 s)
 *       bin/06-mode-collapse --method vanilla --d-steps 3   (one method, a knob)
 *       bin/06-mode-collapse --save run.ckpt                (train, keep the models)
 *       bin/06-mode-collapse --load run.ckpt --generate 500 (sample them, no training)
 *       bin/06-mode-collapse --help
 */
#include "genlab.h"

/* ----------------------------------------------------------------------------
 * 1. The targets
 *
 *   ring      8 Gaussians on a circle of radius 2, centres (2 cos a, 2 sin a)
 *             for a = 0, 45, ..., 315 degrees, each with sd 0.02 per
 *             coordinate, equally likely. The modes are tiny (a real sample
 *             is within 3 sd = 0.06 of its centre 98.9 % of the time) and
 *             1.53 apart, so "covering a mode" and "being sharp" are both
 *             easy to count and hard to fake. (Metz et al. 2016 and most
 *             papers since use exactly this ring.)
 *   bimodal   the line of seed 000: -2 or +2 with probability 1/2, plus
 *             N(0, 0.2^2).
 *
 * As in chapter 05, every step draws a fresh batch: there is no data set to
 * memorise, only a distribution to match.
 * ------------------------------------------------------------------------- */
typedef enum { TARGET_RING, TARGET_BIMODAL } target_kind;

/* The modes themselves (centres, sd), their sampling and the coverage count
 * of section 8 live in common/toy.h, shared with chapters 05 and 07. */
typedef struct target {
    const char *name, *title;
    toy_modes m;                /* dim, n modes, centre[k], sd per coordinate */
    double lo, hi;              /* plot range on every axis                  */
} target;

static target target_make(target_kind kind)
{
    target t;
    memset(&t, 0, sizeof t);
    if (kind == TARGET_RING) {
        t.name = "ring";
        t.title = "ring of 8 Gaussians";
        t.m = toy_ring(8, 2.0, 0.02);
        t.lo = -2.7;
        t.hi = 2.7;
    } else {
        t.name = "bimodal";
        t.title = "bimodal line";
        t.m = toy_line(2.0, 0.2);
        t.lo = -4.0;
        t.hi = 4.0;
    }
    return t;
}

/* n fresh samples into the rows of X (n, dim): pick a mode, add N(0, sd^2) */
static void real_batch(const target *t, gsl_rng *r, gsl_matrix *X)
{
    toy_sample(&t->m, r, X);
}

/* the true density of the 1D target (the line, modes at -2 and +2), for the
 * histogram figures */
static double density_1d(const target *t, double x)
{
    return toy_bimodal_pdf(x, t->m.centre[1][0], t->m.sd);
}

/* ----------------------------------------------------------------------------
 * 2. The players
 *
 *   G:  z (n, noise_dim) -> 64 -> 64 -> 64 -> x (n, dim)     ReLU, linear out
 *   D:  x (n, dim) -> 64 -> 64 -> 64 = f(x) (n, 64)  -> logit (n, 1)
 *       \____________ body ___________/             head
 *
 * D is the chapter 05 discriminator, cut in two: a BODY that turns a sample
 * into 64 features f(x) (the last hidden layer, after its ReLU), and a HEAD,
 * one dense layer, that turns the features into the logit. Nothing changes
 * for the vanilla GAN (head(body(x)) is the same MLP), but two of the
 * remedies need the cut: feature matching reads f(x), and the minibatch
 * standard deviation may insert an extra column between body and head.
 * Body and head are two common/mlp.h stacks taking consecutive slices of ONE
 * parameter block PD, so one optimiser moves all of D, and "freeze D" is
 * still "don't call D's optimiser".
 *
 * Both networks start from Xavier weights; both optimisers are Adam with
 * betas (0.5, 0.999), the DCGAN choice used throughout the course.
 * ------------------------------------------------------------------------- */
typedef enum { M_VANILLA, M_SMOOTHING, M_FEATMATCH, M_MBSTD, N_METHODS } method_kind;
typedef enum { MBSTD_INPUT, MBSTD_FEATURES } mbstd_place;

static const char *method_name[N_METHODS] = {"vanilla", "smoothing", "featmatch", "mbstd"};
static const char *method_label[N_METHODS] = {
    "vanilla GAN", "one-sided label smoothing", "feature matching", "minibatch standard deviation"};

#define N_HIDDEN 3            /* hidden layers of G and of D's body */

/* One run's setting: the flags (appendix), and the method of this run. */
typedef struct mode_collapse_config {
    target tg;
    method_kind method;
    mbstd_place mbstd_at;
    long steps, batch, d_steps, g_hidden, d_hidden, noise_dim;
    double lr_d, lr_g, lr_decay, smoothing;
} mode_collapse_config;

/* ----------------------------------------------------------------------------
 * 3. Remedy 1: one-sided label smoothing (Salimans et al. 2016)
 *
 * D's loss on real data uses the target 0.9 instead of 1; fakes keep 0:
 *
 *     L_D = BCE(l(x_real), 0.9) + BCE(l(G(z)), 0)
 *
 * The best D for this loss is D*(x) = 0.9 p_data / (p_data + p_G): never above
 * 0.9, so D has no reason to push its logits to +-infinity and its gradient
 * towards the data stays gentle instead of cliff-like. "One-sided", because
 * smoothing the FAKE label too (0.1) would make D* = (0.9 p_data + 0.1 p_G) /
 * (p_data + p_G): wherever G puts mass and there is no data, that is the
 * constant 0.1, whatever the sample's exact position, so a misplaced sample
 * would feel no pull at all towards the data.
 *
 * Note what this remedy does NOT do: it gives G no reason at all to spread.
 * It only softens D. Against the collapse of section 9 that is not enough:
 * 0-3 modes covered on seeds 1-7, 9, 10, and all 8 once, on seed 8, which is
 * luck (README). It is a stabiliser, not a cure.
 *
 * With a real label a, the game's end point (p_G = p_data) moves: D* = a/2,
 * so D's loss there is -a ln(a/2) - (2 - a) ln(1 - a/2) (1.376 for a = 0.9,
 * 2 ln 2 = 1.386 for a = 1) and G's non-saturating loss is -ln(a/2) (0.799,
 * or ln 2 = 0.693). The loss figure marks these levels.
 * ------------------------------------------------------------------------- */
static double d_loss_at_equilibrium(double a)
{
    return -a * log(a / 2.0) - (2.0 - a) * log(1.0 - a / 2.0);
}

/* ----------------------------------------------------------------------------
 * 4. Remedy 2: feature matching (Salimans et al. 2016)
 *
 * Instead of "make D say real", G's loss becomes "make D's features of a
 * fake batch look, on average, like its features of a real batch":
 *
 *     L_G = sum_j ( mu_fake_j - mu_real_j )^2,
 *     mu_fake_j = 1/n sum_i f_j(G(z_i)),    mu_real_j = 1/n sum_i f_j(x_i)
 *
 * D is trained exactly as in the vanilla GAN, so its features are the ones
 * that tell real from fake. A generator that puts all its samples on one mode
 * has the features of that mode, not the average over all 8, so it pays for
 * every missing mode. (Compare seed 000's demo, which matches the mean of x
 * itself: for a symmetric target that is 0, no mode at all. D's 64 learned
 * features are a much richer summary than one mean.)
 *
 * Backward: mu_real is a constant for G; each fake sample i enters mu_fake_j
 * with weight 1/n, so
 *
 *     dL_G / df_j(G(z_i)) = 2 (mu_fake_j - mu_real_j) / n        (n, 64)
 *
 * the same row for every sample, then on through D's body (without touching
 * D's gradients) to dL/dx, and through G. Checked in tests/test_06_mode_collapse.c.
 *
 * Measured in the setting of section 9: 7 or 8 modes covered on each of 10
 * seeds, with 73-89 % of the samples sharp. Feature matching is known for
 * trading sharpness for coverage; here it gives up little.
 * ------------------------------------------------------------------------- */
static void col_means(const gsl_matrix *F, gsl_vector *mu)
{
    gsl_vector_set_zero(mu);
    mat_add_col_sums(mu, F);
    gsl_vector_scale(mu, 1.0 / (double)F->size1);
}

/* Ffake (n, K), mu_real (K) -> L_G; writes mu_fake (K) and dF (n, K) */
static double featmatch_loss(const gsl_matrix *Ffake, const gsl_vector *mu_real,
                             gsl_vector *mu_fake, gsl_matrix *dF)
{
    const size_t n = Ffake->size1, K = Ffake->size2;
    col_means(Ffake, mu_fake);
    double loss = 0.0;
    for (size_t j = 0; j < K; j++) {
        const double d = gsl_vector_get(mu_fake, j) - gsl_vector_get(mu_real, j);
        loss += d * d;
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(dF, i, j, 2.0 * d / (double)n);
    }
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. Remedy 3: minibatch standard deviation (Karras et al. 2018)
 *
 * A discriminator that looks at one sample at a time CANNOT see mode
 * collapse: every single collapsed sample may look perfectly real. Only the
 * batch as a whole is suspicious. So we let D see one number about the whole
 * batch A (n, K) it is judging, its spread:
 *
 *     m_j  = 1/n sum_i A_ij                      column means       (K)
 *     sd_j = sqrt( 1/n sum_i (A_ij - m_j)^2 + eps )                  (K)
 *     s    = 1/K sum_j sd_j                      one number per batch
 *
 * and append s as an extra column to every row, [A | s] (n, K + 1), before D
 * reads on. Real batches always have the spread of all 8 modes (s = 1.41 on
 * the input: each coordinate of the ring has sd sqrt(2)); a collapsed batch
 * has a much smaller s, and D learns to call small-s batches fake. Real and
 * fake batches go through D separately (they always did), so each gets its
 * own s. eps = 1e-8 keeps the square root differentiable for a batch with
 * no spread at all.
 *
 * Backward. D's backward pass hands us d[A | s] (n, K + 1). The first K
 * columns are A's direct path. The last column is dL/d(s in row i); s is the
 * same number in every row, so dL/ds = sum_i d[A | s]_{i,K}. Then, through
 * the formulas above (the derivative of m_j drops out, because
 * sum_i (A_ij - m_j) = 0):
 *
 *     d sd_j / d A_ij = (A_ij - m_j) / (n sd_j)
 *     dL/dA_ij = d[A | s]_ij  +  dL/ds (A_ij - m_j) / (n K sd_j)
 *
 * The second term pushes every sample AWAY from the batch mean when D
 * wants a larger spread (dL/ds < 0 for G): the anti-collapse force.
 *
 * Where to take A. Karras et al. append s late in D, to the features
 * (A = f(x), K = 64: `--mbstd-at features`). On this small 2D problem that
 * spreads G over the ring (7 or 8 modes reached on each of 5 seeds) but
 * leaves the samples blurred (7-43 % sharp, 1-6 modes covered); our reading
 * is that a large spread of 64 features is also bought by samples scattered
 * AROUND the modes. At the INPUT (A = x, K = 2, the default) the spread D
 * compares is the spread of the samples themselves, and G covers the ring
 * sharply: 6-8 modes covered on each of 10 seeds, 86-96 % of the samples
 * sharp (README). D then reads rows (x_1, x_2, s).
 * ------------------------------------------------------------------------- */
#define MBSTD_EPS 1e-8

/* A (n, K) -> s; leaves the column means and sds (K) for the backward pass */
static double mbstd_forward(const gsl_matrix *A, gsl_vector *mean, gsl_vector *sd)
{
    const size_t n = A->size1, K = A->size2;
    double s = 0.0;
    for (size_t j = 0; j < K; j++) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < n; i++)
            m += gsl_matrix_get(A, i, j);
        m /= (double)n;
        for (size_t i = 0; i < n; i++) {
            const double d = gsl_matrix_get(A, i, j) - m;
            v += d * d;
        }
        gsl_vector_set(mean, j, m);
        gsl_vector_set(sd, j, sqrt(v / (double)n + MBSTD_EPS));
        s += gsl_vector_get(sd, j);
    }
    return s / (double)K;
}

/* dA[i, j] += ds (A[i, j] - m_j) / (n K sd_j) */
static void mbstd_backward(const gsl_matrix *A, const gsl_vector *mean, const gsl_vector *sd,
                           double ds, gsl_matrix *dA)
{
    const size_t n = A->size1, K = A->size2;
    for (size_t j = 0; j < K; j++) {
        const double c = ds / ((double)n * (double)K * gsl_vector_get(sd, j));
        const double m = gsl_vector_get(mean, j);
        for (size_t i = 0; i < n; i++)
            *gsl_matrix_ptr(dA, i, j) += c * (gsl_matrix_get(A, i, j) - m);
    }
}

/* [A | s] into the first n rows of buf (rows >= n, cols K + 1); returns the view */
static gsl_matrix_view mbstd_append(gsl_matrix *buf, const gsl_matrix *A,
                                    gsl_vector *mean, gsl_vector *sd)
{
    const size_t n = A->size1, K = A->size2;
    gsl_matrix_view left = gsl_matrix_submatrix(buf, 0, 0, n, K);
    gsl_matrix_memcpy(&left.matrix, A);
    const double s = mbstd_forward(A, mean, sd);
    for (size_t i = 0; i < n; i++)
        gsl_matrix_set(buf, i, K, s);                  /* the same s in every row */
    return mat_rows(buf, n);
}

/* d[A | s] (n, K + 1) -> dA (n, K): the direct path plus the path through s */
static void mbstd_split_grad(const gsl_matrix *dAs, const gsl_matrix *A, const gsl_vector *mean,
                             const gsl_vector *sd, gsl_matrix *dA)
{
    const size_t n = A->size1, K = A->size2;
    gsl_matrix_const_view left = gsl_matrix_const_submatrix(dAs, 0, 0, n, K);
    gsl_matrix_memcpy(dA, &left.matrix);
    double ds = 0.0;
    for (size_t i = 0; i < n; i++)
        ds += gsl_matrix_get(dAs, i, K);
    mbstd_backward(A, mean, sd, ds, dA);
}

/* ----------------------------------------------------------------------------
 * 6. D's forward and backward passes
 *
 *   vanilla, smoothing, featmatch:   x -> body -> f -> head -> logit
 *   mbstd at the input:         [x | s] -> body -> f -> head -> logit
 *   mbstd at the features:           x -> body -> [f | s] -> head -> logit
 *
 * All work matrices are allocated once (gan_new), for the largest batch.
 * mlp remembers a POINTER to the input of its last forward pass, so the views
 * [x | s] and [f | s] live in the gan struct, not on the stack.
 * ------------------------------------------------------------------------- */
#define EVAL_N 2000            /* samples behind every coverage number  */
#define EVAL_CHUNK 500         /* rows per forward pass when sampling   */

typedef struct gan {
    method_kind method;
    mbstd_place mbstd_at;
    size_t dim, noise_dim, dh, max_rows;
    params *PG, *PD;
    mlp *G, *body, *head;
    optimizer *optG, *optD;
    gsl_matrix *z;               /* (max_rows, noise_dim)                       */
    gsl_matrix *real;            /* (max_rows, dim)                             */
    gsl_matrix *dlogit;          /* (max_rows, 1)                               */
    gsl_matrix *dF;              /* (max_rows, dh)   dL/df                      */
    gsl_matrix *dx;              /* (max_rows, dim)  dL/dx: D's message to G    */
    gsl_matrix *xs, *dxs;        /* (max_rows, dim + 1)  [x | s] and its grad   */
    gsl_matrix *fs, *dfs;        /* (max_rows, dh + 1)   [f | s] and its grad   */
    gsl_matrix_view xsv, fsv;    /* the rows D saw last                         */
    gsl_vector *mb_mean, *mb_sd; /* (dim + dh) column stats of the last [. | s] */
    gsl_vector *mu_real, *mu_fake;   /* (dh) feature means                      */
} gan;

static int uses_mbstd(const gan *g, mbstd_place where)
{
    return g->method == M_MBSTD && g->mbstd_at == where;
}

static gan *gan_new(const mode_collapse_config *c, gsl_rng *r)
{
    gan *g = calloc(1, sizeof *g);
    if (!g)
        die("out of memory");
    g->method = c->method;
    g->mbstd_at = c->mbstd_at;
    g->dim = c->tg.m.dim;
    g->noise_dim = (size_t)c->noise_dim;
    g->dh = (size_t)c->d_hidden;
    g->max_rows = (size_t)c->batch > EVAL_CHUNK ? (size_t)c->batch : EVAL_CHUNK;
    const size_t gh = (size_t)c->g_hidden, dh = g->dh;
    const size_t x_in = g->dim + (size_t)uses_mbstd(g, MBSTD_INPUT);
    const size_t f_in = dh + (size_t)uses_mbstd(g, MBSTD_FEATURES);

    const size_t wg[N_HIDDEN + 2] = {g->noise_dim, gh, gh, gh, g->dim};   /* G      */
    const size_t wb[N_HIDDEN + 1] = {x_in, dh, dh, dh};                   /* body   */
    const size_t wh[2] = {f_in, 1};                                       /* head   */
    g->PG = params_alloc(mlp_size(wg, N_HIDDEN + 2));
    g->PD = params_alloc(mlp_size(wb, N_HIDDEN + 1) + mlp_size(wh, 2));
    g->G = mlp_new(g->PG, wg, N_HIDDEN + 2, ACT_RELU, ACT_IDENTITY, g->max_rows);
    g->body = mlp_new(g->PD, wb, N_HIDDEN + 1, ACT_RELU, ACT_RELU, g->max_rows);
    g->head = mlp_new(g->PD, wh, 2, ACT_IDENTITY, ACT_IDENTITY, g->max_rows);
    mlp_init_xavier(g->G, r);
    mlp_init_xavier(g->body, r);
    mlp_init_xavier(g->head, r);
    g->optG = optim_adam(g->PG, c->lr_g, 0.5, 0.999);
    g->optD = optim_adam(g->PD, c->lr_d, 0.5, 0.999);

    g->z = gsl_matrix_alloc(g->max_rows, g->noise_dim);
    g->real = gsl_matrix_alloc(g->max_rows, g->dim);
    g->dlogit = gsl_matrix_alloc(g->max_rows, 1);
    g->dF = gsl_matrix_alloc(g->max_rows, dh);
    g->dx = gsl_matrix_alloc(g->max_rows, g->dim);
    g->xs = gsl_matrix_alloc(g->max_rows, g->dim + 1);
    g->dxs = gsl_matrix_alloc(g->max_rows, g->dim + 1);
    g->fs = gsl_matrix_alloc(g->max_rows, dh + 1);
    g->dfs = gsl_matrix_alloc(g->max_rows, dh + 1);
    g->mb_mean = gsl_vector_alloc(g->dim + dh);
    g->mb_sd = gsl_vector_alloc(g->dim + dh);
    g->mu_real = gsl_vector_alloc(dh);
    g->mu_fake = gsl_vector_alloc(dh);
    return g;
}

static void gan_free(gan *g)
{
    mlp_free(g->G);
    mlp_free(g->body);
    mlp_free(g->head);
    params_free(g->PG);
    params_free(g->PD);
    optim_free(g->optG);
    optim_free(g->optD);
    gsl_matrix *M[] = {g->z, g->real, g->dlogit, g->dF, g->dx, g->xs, g->dxs, g->fs, g->dfs};
    for (size_t k = 0; k < sizeof M / sizeof *M; k++)
        gsl_matrix_free(M[k]);
    gsl_vector_free(g->mb_mean);
    gsl_vector_free(g->mb_sd);
    gsl_vector_free(g->mu_real);
    gsl_vector_free(g->mu_fake);
    free(g);
}

/* D's logits (n, 1) for the rows of X (n, dim) */
static const gsl_matrix *d_forward(gan *g, const gsl_matrix *X)
{
    const gsl_matrix *in = X;
    if (uses_mbstd(g, MBSTD_INPUT)) {
        g->xsv = mbstd_append(g->xs, X, g->mb_mean, g->mb_sd);      /* (n, dim + 1) */
        in = &g->xsv.matrix;
    }
    const gsl_matrix *F = mlp_forward(g->body, in);                 /* (n, dh)      */
    if (uses_mbstd(g, MBSTD_FEATURES)) {
        g->fsv = mbstd_append(g->fs, F, g->mb_mean, g->mb_sd);      /* (n, dh + 1)  */
        F = &g->fsv.matrix;
    }
    return mlp_forward(g->head, F);                                 /* (n, 1)       */
}

/* Given dlogit (n, 1) for the last d_forward: ADD D's parameter gradients into
 * PD->grad if param_grads (D's step), and write dL/dX (n, dim) into dX if it
 * is not NULL (G's step, with param_grads = 0: D is used, never changed). */
static void d_backward(gan *g, const gsl_matrix *dlogit, gsl_matrix *dX, int param_grads)
{
    const size_t n = dlogit->size1;
    void (*back)(mlp *, const gsl_matrix *, gsl_matrix *) =
        param_grads ? mlp_backward : mlp_backward_input;
    gsl_matrix_view dF = mat_rows(g->dF, n);                        /* (n, dh) */

    if (uses_mbstd(g, MBSTD_FEATURES)) {
        gsl_matrix_view dfs = mat_rows(g->dfs, n);                  /* (n, dh + 1) */
        back(g->head, dlogit, &dfs.matrix);
        const gsl_matrix *F = &g->body->av[N_HIDDEN - 1].matrix;    /* f of last pass */
        mbstd_split_grad(&dfs.matrix, F, g->mb_mean, g->mb_sd, &dF.matrix);
    } else {
        back(g->head, dlogit, &dF.matrix);
    }

    if (uses_mbstd(g, MBSTD_INPUT) && dX) {
        gsl_matrix_view dxs = mat_rows(g->dxs, n);                  /* (n, dim + 1) */
        back(g->body, &dF.matrix, &dxs.matrix);
        gsl_matrix_view X = gsl_matrix_submatrix(g->xs, 0, 0, n, g->dim);
        mbstd_split_grad(&dxs.matrix, &X.matrix, g->mb_mean, g->mb_sd, dX);
    } else {
        /* (at the input, s depends on the data only, not on D's weights:
         *  D's own step needs no gradient through it) */
        back(g->body, &dF.matrix, dX);
    }
}

/* D's average "probability real" over a batch: mean_sigmoid (common/loss.h),
 * the mean of sigmoid(l) computed without overflow for any logit l. */

/* ----------------------------------------------------------------------------
 * 7. The two alternating steps
 *
 * D's step (G fixed), with real label a = 0.9 for smoothing, 1 otherwise:
 *
 *     L_D = BCE(l(x_real), a) + BCE(l(G(z)), 0)
 *
 * Two forward/backward pairs (mlp keeps only the last pass's activations);
 * backward ACCUMULATES, so PD->grad ends up holding the gradient of the sum.
 *
 * G's step (D fixed):
 *
 *     vanilla, smoothing, mbstd:  L_G = BCE(l(G(z)), 1)  (non-saturating, ch. 05)
 *     featmatch:                  L_G = section 4's feature distance
 *
 * G's label is 1 even for smoothing: smoothing is a property of D's targets
 * only (one-sided). The gradient reaches G through D by mlp_backward_input,
 * which leaves PD->grad alone. Every gradient here is exact backpropagation
 * (seed 004 estimates its GAN's gradients by finite differences on a random
 * 10 % of the weights; chapter 05 measures why we do not).
 * ------------------------------------------------------------------------- */
static double d_loss_and_grad(gan *g, const gsl_matrix *real, const gsl_matrix *z,
                              double real_label, double *d_real)
{
    const size_t n = real->size1;
    gsl_matrix_view dl = mat_rows(g->dlogit, n);
    params_zero_grad(g->PD);

    const gsl_matrix *lr = d_forward(g, real);                     /* (n, 1)   */
    double loss = loss_bce_logits(lr, NULL, real_label, &dl.matrix);
    *d_real = mean_sigmoid(lr);
    d_backward(g, &dl.matrix, NULL, 1);

    const gsl_matrix *fake = mlp_forward(g->G, z);                 /* (n, dim) */
    const gsl_matrix *lf = d_forward(g, fake);
    loss += loss_bce_logits(lf, NULL, 0.0, &dl.matrix);
    d_backward(g, &dl.matrix, NULL, 1);
    return loss;
}

/* real (n, dim) is used by feature matching only */
static double g_loss_and_grad(gan *g, const gsl_matrix *real, const gsl_matrix *z, double *d_fake)
{
    const size_t n = z->size1;
    gsl_matrix_view dx = mat_rows(g->dx, n);
    double loss;
    params_zero_grad(g->PG);
    const gsl_matrix *fake = mlp_forward(g->G, z);                 /* x = G(z) (n, dim) */
    if (g->method == M_FEATMATCH) {
        gsl_matrix_view dF = mat_rows(g->dF, n);
        *d_fake = mean_sigmoid(d_forward(g, fake));                   /* for the log only */
        col_means(mlp_forward(g->body, real), g->mu_real);         /* constant for G   */
        const gsl_matrix *Ff = mlp_forward(g->body, fake);         /* (n, dh)          */
        loss = featmatch_loss(Ff, g->mu_real, g->mu_fake, &dF.matrix);
        mlp_backward_input(g->body, &dF.matrix, &dx.matrix);       /* dL/dx            */
    } else {
        gsl_matrix_view dl = mat_rows(g->dlogit, n);
        const gsl_matrix *lf = d_forward(g, fake);                 /* (n, 1)           */
        loss = loss_bce_logits(lf, NULL, 1.0, &dl.matrix);         /* (s - 1) / n      */
        *d_fake = mean_sigmoid(lf);
        d_backward(g, &dl.matrix, &dx.matrix, 0);                  /* through frozen D */
    }
    mlp_backward(g->G, &dx.matrix, NULL);                          /* into PG->grad    */
    return loss;
}

typedef struct step_stats {
    double d_loss, g_loss, d_real, d_fake;
} step_stats;

/* k = --d-steps steps of D, then one step of G; fresh data and noise each time */
static void train_step(gan *g, const mode_collapse_config *c, gsl_rng *r, step_stats *st)
{
    const size_t n = (size_t)c->batch;
    gsl_matrix_view real = mat_rows(g->real, n);
    gsl_matrix_view z = mat_rows(g->z, n);
    const double real_label = c->method == M_SMOOTHING ? c->smoothing : 1.0;

    st->d_loss = 0.0;
    for (long k = 0; k < c->d_steps; k++) {
        real_batch(&c->tg, r, &real.matrix);
        rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
        st->d_loss += d_loss_and_grad(g, &real.matrix, &z.matrix, real_label, &st->d_real);
        optim_step(g->optD);                           /* D learns; G untouched */
    }
    st->d_loss /= (double)c->d_steps;

    if (c->method == M_FEATMATCH)
        real_batch(&c->tg, r, &real.matrix);
    rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
    st->g_loss = g_loss_and_grad(g, &real.matrix, &z.matrix, &st->d_fake);
    optim_step(g->optG);                 /* G learns; D's optimiser is not called */
}

/* ----------------------------------------------------------------------------
 * 8. Measuring coverage
 *
 * A GAN's losses say who is winning, not what G draws. So we draw: 2000
 * samples of G(z), each given to its nearest mode, and count
 *
 *   modes_covered       modes that receive at least 2 % of the samples
 *                       (40 of 2000) WITHIN 3 sd of the centre (0.06 on the
 *                       ring): the strict criterion of the mode-collapse
 *                       literature. A perfect generator covers all 8: each
 *                       mode gets 1/8 = 12.5 % of the samples, and 98.9 % of
 *                       those fall within 3 sd.
 *   high_quality_share  the share of all samples within 3 sd of SOME mode:
 *                       how sharp G is (perfect: 0.989)
 *   modes_reached       modes with at least 2 % of the samples within 0.2 of
 *                       the centre: mass in the right place, even if blurred
 *
 * A collapsed generator has few modes covered; a generator that spreads its
 * samples all over the plane reaches many modes but has a small sharp share.
 * Only the two together say "covers the data, sharply".
 * ------------------------------------------------------------------------- */
#define REACH_RADIUS 0.2
#define MIN_SHARE 0.02

typedef toy_coverage coverage;   /* covered, reached, hq (common/toy.h) */

/* rows of out (count, dim) <- G(z) for fresh z */
static void sample_generator(gan *g, gsl_rng *r, gsl_matrix *out)
{
    const size_t count = out->size1;
    for (size_t i = 0; i < count; i += EVAL_CHUNK) {
        const size_t m = count - i < EVAL_CHUNK ? count - i : EVAL_CHUNK;
        gsl_matrix_view z = mat_rows(g->z, m);                         /* (m, noise) */
        rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
        const gsl_matrix *x = mlp_forward(g->G, &z.matrix);            /* (m, dim)   */
        gsl_matrix_view dst = gsl_matrix_submatrix(out, i, 0, m, out->size2);
        gsl_matrix_memcpy(&dst.matrix, x);
    }
}

static coverage measure(const target *t, const gsl_matrix *S)
{
    return toy_measure(&t->m, S, REACH_RADIUS, MIN_SHARE);
}

/* ----------------------------------------------------------------------------
 * 9. A setting in which the vanilla GAN collapses, and why
 *
 * Mode collapse is not a bug that always happens; it is a failure of the
 * balance between the players. A plain GAN of 3 x 128 ReLU layers (Adam 1e-3
 * for both, batch 256, 3000 steps) covered 8, 8 and 3 modes over three seeds
 * when this chapter was planned; this program in that setting (--g-hidden
 * 128 --d-hidden 128 --lr-g 1e-3 --lr-decay 1 --steps 3000) covers 7, 8, 8
 * and 8 modes with seeds 1, 2, 3 and 42, with 55-96 % sharp samples: a matter
 * of setting and luck. To study collapse we need a setting where it is NOT
 * luck, so we pick one on purpose:
 *
 *     G's steps 4 times D's:  lr_G = 4e-3, lr_D = 1e-3, one D step per G step
 *
 * (Adam's learning rate is, roughly, the size of each parameter's step.)
 *
 * Why that collapses. G's update moves every sample along D's gradient at the
 * same time. When D lags behind, its landscape is a smooth hill centred
 * wherever it last saw real data win; a fast G moves the WHOLE batch up that
 * hill in a few steps, as one tight flock. By the time D has learned that the
 * hilltop is fake, the flock is there, and D's new gradient sends it on,
 * together, to the next hill. The flock never splits into 8, because nothing
 * in the vanilla loss rewards splitting: each sample is judged alone. The
 * samples figure shows it: a small blob travelling around the ring (seeds 1,
 * 2, 42), or, at best, a thin thread that G drags along the ring (seeds 3-5:
 * it passes within 0.2 of all 8 modes but sits sharply on only 2).
 *
 * The same machinery with --d-steps 3 (D gets three steps per G step, i.e.
 * keeps up) is balanced again: 6-8 modes covered (mean 6.8 over 5 seeds) with
 * 93-96 % sharp samples. So is --lr-g 1e-3 (6-8 modes, mean 7.0). Seed 000's
 * list warns of "training D too many steps per G step -- D dominates"; here
 * too FEW is what breaks the game. Balance is the point, not a direction.
 *
 * Both learning rates decay linearly to lr_decay = 1/10 of their start by the
 * last step, so that the last snapshot shows where each method settled, not
 * a generator in mid-jump. The remedies hardly need it (without it, seeds
 * 1-3: feature matching covers 7-8 modes with 45-84 % sharp samples, mbstd
 * 7-8 with 71-95 %); the vanilla GAN without it ends as a smear caught
 * between two hops (1-3 modes covered, 8-25 % sharp). README, exercise 3.
 * ------------------------------------------------------------------------- */

/* The setting, as the log's first lines state it. */
static void print_setting(const mode_collapse_config *c, long seed)
{
    printf("06-mode-collapse: target %s (%zu modes, sd %g), seed %ld\n", c->tg.name,
           c->tg.m.n, c->tg.m.sd, seed);
    printf("G: %ld -> %ld x 3 -> %zu   D: %zu -> %ld x 3 -> 1   ReLU, Adam (0.5, 0.999)\n",
           c->noise_dim, c->g_hidden, c->tg.m.dim, c->tg.m.dim, c->d_hidden);
    printf("lr G %g, lr D %g (decaying linearly to x %g), %ld D step(s) per G step, "
           "batch %ld, %ld steps\n", c->lr_g, c->lr_d, c->lr_decay, c->d_steps, c->batch, c->steps);
    printf("smoothing: real label %g   mbstd: at the %s\n", c->smoothing,
           c->mbstd_at == MBSTD_INPUT ? "input" : "features");
}

/* ----------------------------------------------------------------------------
 * 10. One training run per method
 *
 * Every method starts from the same state of the one random stream (main()
 * saves it before the first run and restores it before each): the same
 * initial G, the same first batches. A difference between two rows of the
 * table is the method's doing, not the dice's. For the same reason a single
 * method (--method mbstd) gives exactly its row of the full run.
 *
 * Recorded per run: the losses every step, the coverage every
 * max(ceil(steps / N_EVAL), MIN_GAP) steps and at the end (2000 samples each time),
 * N_SNAP snapshots of SNAP_N samples for the figure, and the trained G and D
 * themselves, kept after training for --save (section 12). run_new builds
 * them, drawing their first weights from r: that is the first thing a run
 * takes from the random stream.
 * ------------------------------------------------------------------------- */
#define N_SNAP 5
#define SNAP_N 1000
#define N_EVAL 40               /* coverage measured about this often per run */
#define MIN_GAP 5
#define WINDOW 50               /* steps in the losses' running mean */
enum { LOG_STEP, LOG_D, LOG_G, LOG_DREAL, LOG_DFAKE, LOG_COLS };

typedef struct run {
    mode_collapse_config cfg;
    gan *g;                     /* G and D, trained by train_run                  */
    long step;                  /* training steps behind g (a checkpoint's too)   */
    gsl_matrix *log;            /* (steps, LOG_COLS) raw values per step          */
    gsl_matrix *curve;          /* (N_EVAL + 2, 4): step covered reached hq       */
    size_t n_curve;             /* rows used                                      */
    gsl_matrix *snap[N_SNAP];   /* (SNAP_N, dim) samples at snap_step             */
    long snap_step[N_SNAP];
    coverage snap_cov[N_SNAP];
    coverage final;
    double d_end, g_end;        /* loss means over the last WINDOW steps          */
} run;

static run *run_new(const mode_collapse_config *c, gsl_rng *r)
{
    run *R = calloc(1, sizeof *R);
    if (!R)
        die("out of memory");
    R->cfg = *c;
    R->g = gan_new(c, r);
    R->log = gsl_matrix_calloc((size_t)c->steps, LOG_COLS);
    R->curve = gsl_matrix_calloc(N_EVAL + 2, 4);
    for (int k = 0; k < N_SNAP; k++)
        R->snap[k] = gsl_matrix_calloc(SNAP_N, c->tg.m.dim);
    return R;
}

static void run_free(run *R)
{
    gan_free(R->g);
    gsl_matrix_free(R->log);
    gsl_matrix_free(R->curve);
    for (int k = 0; k < N_SNAP; k++)
        gsl_matrix_free(R->snap[k]);
    free(R);
}

/* mean of column c of the log over the WINDOW steps ending at row `last` */
static double log_mean(const gsl_matrix *log, size_t c, size_t last)
{
    const size_t from = last + 1 >= WINDOW ? last + 1 - WINDOW : 0;
    double s = 0.0;
    for (size_t i = from; i <= last; i++)
        s += gsl_matrix_get(log, i, c);
    return s / (double)(last + 1 - from);
}

/* Train R from r's current state, printing the log and the run's last line. */
static void train_run(run *R, gsl_rng *r, int quiet)
{
    const mode_collapse_config *c = &R->cfg;
    gsl_matrix *S = gsl_matrix_alloc(EVAL_N, c->tg.m.dim);          /* (EVAL_N, dim) */
    const double t0 = now_seconds();
    const long steps = c->steps;
    const long snap_at[N_SNAP] = {0, steps / 10, steps / 4, steps / 2, steps};
    const long print_every = steps >= 5 ? steps / 5 : 1;
    gan *g = R->g;
    step_stats st = {0.0, 0.0, 0.0, 0.0};
    int next_snap = 0;
    const long gap = (steps + N_EVAL - 1) / N_EVAL;              /* ceil: <= N_EVAL gaps */
    const long eval_every = gap > MIN_GAP ? gap : MIN_GAP;
    progress p;

    printf("\n== %s (%s)\n", method_name[c->method], method_label[c->method]);
    progress_start(&p, steps, quiet);
    for (long step = 0; step <= steps; step++) {
        const int is_eval = step % eval_every == 0 || step == steps;
        const int is_snap = next_snap < N_SNAP && snap_at[next_snap] == step;
        coverage cv = {0, 0, 0};
        if (is_eval || is_snap || (step > 0 && step % print_every == 0)) {
            sample_generator(g, r, S);                     /* S (EVAL_N, dim) */
            cv = measure(&c->tg, S);
        }
        if (is_eval) {
            const double row[4] = {(double)step, cv.covered, cv.reached, cv.hq};
            for (size_t j = 0; j < 4; j++)
                gsl_matrix_set(R->curve, R->n_curve, j, row[j]);
            R->n_curve++;
        }
        while (next_snap < N_SNAP && snap_at[next_snap] == step) {
            gsl_matrix_const_view top = gsl_matrix_const_submatrix(S, 0, 0, SNAP_N, c->tg.m.dim);
            gsl_matrix_memcpy(R->snap[next_snap], &top.matrix);
            R->snap_step[next_snap] = step;
            R->snap_cov[next_snap] = cv;
            next_snap++;
        }
        if (step > 0 && step % print_every == 0) {
            const size_t last = (size_t)step - 1;
            printf("step %5ld  D loss %.3f  G loss %.3f  D(real) %.3f  D(fake) %.3f  "
                   "modes covered %.0f  reached %.0f  sharp %.3f\n",
                   step, log_mean(R->log, LOG_D, last), log_mean(R->log, LOG_G, last),
                   log_mean(R->log, LOG_DREAL, last), log_mean(R->log, LOG_DFAKE, last),
                   cv.covered, cv.reached, cv.hq);
        }
        if (step == steps)
            break;

        /* linear decay (section 9): factor 1 at the first step, lr_decay at the
         * last. An optimizer keeps its rate in a plain field: one assignment. */
        const double f = 1.0 - (1.0 - c->lr_decay) * (double)step / (double)(steps > 1 ? steps - 1 : 1);
        g->optG->lr = c->lr_g * f;
        g->optD->lr = c->lr_d * f;
        train_step(g, c, r, &st);
        check_finite(st.d_loss, "D loss", step + 1);
        check_finite(st.g_loss, "G loss", step + 1);

        const double row[LOG_COLS] = {(double)(step + 1), st.d_loss, st.g_loss, st.d_real, st.d_fake};
        for (size_t j = 0; j < LOG_COLS; j++)
            gsl_matrix_set(R->log, (size_t)step, j, row[j]);
        progress_report(&p, step + 1, "%s: D %.3f  G %.3f", method_name[c->method],
                        st.d_loss, st.g_loss);
    }
    progress_end(&p);
    R->final = R->snap_cov[N_SNAP - 1];
    R->d_end = log_mean(R->log, LOG_D, (size_t)steps - 1);
    R->g_end = log_mean(R->log, LOG_G, (size_t)steps - 1);
    R->step = steps;
    gsl_matrix_free(S);
    note("%s: %.1f s", method_name[c->method], now_seconds() - t0);
    printf("%s: %.0f of %zu modes covered, %.0f reached, sharp share %.3f\n",
           method_name[c->method], R->final.covered, c->tg.m.n, R->final.reached, R->final.hq);
}

/* metric WHAT_METHOD, e.g. modes_covered_mbstd */
static void set_metric(metrics *m, const char *what, const char *method, double value)
{
    char name[64];
    snprintf(name, sizeof name, "%s_%s", what, method);
    metrics_set(m, name, value);
}

/* the results table of a training run, and its numbers into m */
static void print_table(run *const *runs, size_t n_runs, metrics *m)
{
    printf("\n%-10s %14s %14s %19s\n", "method", "modes_covered", "modes_reached",
           "high_quality_share");
    for (size_t i = 0; i < n_runs; i++) {
        const run *R = runs[i];
        const char *mn = method_name[R->cfg.method];
        printf("%-10s %14.0f %14.0f %19.3f\n", mn, R->final.covered, R->final.reached, R->final.hq);
        set_metric(m, "modes_covered", mn, R->final.covered);
        set_metric(m, "modes_reached", mn, R->final.reached);
        set_metric(m, "high_quality_share", mn, R->final.hq);
        set_metric(m, "d_loss_end", mn, R->d_end);
        set_metric(m, "g_loss_end", mn, R->g_end);
    }
}

/* ----------------------------------------------------------------------------
 * 11. Figures
 *
 *   samples_over_training  one row per method, one column per snapshot
 *                          (before training, 10 %, 25 %, 50 %, the end): the
 *                          samples over the data (ring), or their histogram
 *                          over the true density (bimodal)
 *   modes_vs_step          modes covered and the sharp share, every method,
 *                          over training
 *   losses                 D's and G's losses per method (running means over
 *                          50 steps) with the level each has where the game
 *                          ends (section 3)
 *
 * The scripts are the .gp files in chapters/06-mode-collapse/figures/ (and
 * generated.gp, section 12); the program writes the data files they read and
 * gives them the numbers of this run (values.gp): the target, the methods in
 * the order of the table (method_1, method_2, ...), each panel's coverage.
 * ------------------------------------------------------------------------- */
#define N_BINS 80

/* the density histogram of the 1D samples S (n, 1): N_BINS lines "centre density" */
static void write_histogram(FILE *f, const target *t, const gsl_matrix *S)
{
    const size_t n = S->size1;
    const double width = (t->hi - t->lo) / N_BINS;
    double count[N_BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        const double b = floor((gsl_matrix_get(S, i, 0) - t->lo) / width);
        if (b >= 0.0 && b < N_BINS)
            count[(size_t)b] += 1.0;
    }
    for (size_t b = 0; b < N_BINS; b++)
        fprintf(f, "%.5g %.5g\n", t->lo + ((double)b + 0.5) * width, count[b] / ((double)n * width));
}

static void write_snapshots(const char *dir, const run *R)
{
    const target *t = &R->cfg.tg;
    char file[64];
    snprintf(file, sizeof file, "samples_%s.dat", method_name[R->cfg.method]);
    FILE *f = out_open(dir, file);
    if (t->m.dim == 2)
        fprintf(f, "# x1 x2: %d samples of G(z); one block (gnuplot index) per snapshot\n", SNAP_N);
    else
        fprintf(f, "# x density: histogram of %d samples of G(z); one block per snapshot\n", SNAP_N);
    for (int k = 0; k < N_SNAP; k++) {
        fprintf(f, "%s# step %ld\n", k ? "\n\n" : "", R->snap_step[k]);
        if (t->m.dim == 2) {
            for (size_t i = 0; i < SNAP_N; i++)
                fprintf(f, "%.5g %.5g\n", gsl_matrix_get(R->snap[k], i, 0),
                        gsl_matrix_get(R->snap[k], i, 1));
            continue;
        }
        write_histogram(f, t, R->snap[k]);
    }
    out_close(f, file);
}

/* the true density of the 1D target at 401 points, into dir/file */
static void write_density(const char *dir, const char *file, const target *t)
{
    FILE *f = out_open(dir, file);
    fprintf(f, "# x density: the true density of the data\n");
    for (int i = 0; i <= 400; i++) {
        const double x = t->lo + (t->hi - t->lo) * i / 400.0;
        fprintf(f, "%.5g %.6g\n", x, density_1d(t, x));
    }
    out_close(f, file);
}

/* real.dat: SNAP_N samples of the ring (drawn from r), or the line's density */
static void write_real(const char *dir, const target *t, gsl_rng *r)
{
    if (t->m.dim == 2) {
        gsl_matrix *X = gsl_matrix_alloc(SNAP_N, 2);
        real_batch(t, r, X);
        out_write_matrix(dir, "real.dat", "x1 x2: samples of the real data", X);
        gsl_matrix_free(X);
        return;
    }
    write_density(dir, "real.dat", t);
}

/* What every figure of a run needs: the target, and the methods drawn
 * (their names pick the data files, their labels title the loss panels). */
static void run_figure_values(run *const *runs, size_t n_runs)
{
    const target *t = &runs[0]->cfg.tg;
    fig_text("target_title", "%s", t->title);
    fig_value("target_dim", (double)t->m.dim);
    fig_value("n_modes", (double)t->m.n);
    fig_value("range_lo", t->lo);                     /* x range (and y, on the ring) */
    fig_value("range_hi", t->hi);
    fig_value("bin_width", (t->hi - t->lo) / N_BINS); /* the histograms' boxes         */
    fig_value("n_runs", (double)n_runs);
    for (size_t i = 0; i < n_runs; i++) {
        char name[48];
        snprintf(name, sizeof name, "method_%zu", i + 1);
        fig_text(name, "%s", method_name[runs[i]->cfg.method]);
        snprintf(name, sizeof name, "method_label_%zu", i + 1);
        fig_text(name, "%s", method_label[runs[i]->cfg.method]);
    }
}

/* samples_over_training: snap_I_K_step, _covered, _sharp for run I, snapshot K */
static void samples_figure_values(run *const *runs, size_t n_runs)
{
    fig_use("samples_over_training");
    fig_value("n_snaps", N_SNAP);
    for (size_t i = 0; i < n_runs; i++)
        for (int k = 0; k < N_SNAP; k++) {
            const run *R = runs[i];
            char name[48];
            snprintf(name, sizeof name, "snap_%zu_%d_step", i + 1, k + 1);
            fig_value(name, (double)R->snap_step[k]);
            snprintf(name, sizeof name, "snap_%zu_%d_covered", i + 1, k + 1);
            fig_value(name, R->snap_cov[k].covered);
            snprintf(name, sizeof name, "snap_%zu_%d_sharp", i + 1, k + 1);
            fig_value(name, R->snap_cov[k].hq);
        }
}

static void write_coverage(const char *dir, run *const *runs, size_t n_runs)
{
    FILE *f = out_open(dir, "coverage.dat");
    fprintf(f, "# step, then per method (");
    for (size_t i = 0; i < n_runs; i++)
        fprintf(f, "%s%s", i ? ", " : "", method_name[runs[i]->cfg.method]);
    fprintf(f, "): modes_covered modes_reached high_quality_share\n");
    for (size_t row = 0; row < runs[0]->n_curve; row++) {
        fprintf(f, "%g", gsl_matrix_get(runs[0]->curve, row, 0));
        for (size_t i = 0; i < n_runs; i++)
            fprintf(f, " %g %g %.4f", gsl_matrix_get(runs[i]->curve, row, 1),
                    gsl_matrix_get(runs[i]->curve, row, 2), gsl_matrix_get(runs[i]->curve, row, 3));
        fprintf(f, "\n");
    }
    out_close(f, "coverage.dat");

    fig_use("modes_vs_step");
    fig_value("eval_n", EVAL_N);
    fig_value("train_steps", (double)runs[0]->cfg.steps);
}

/* losses_<method>.dat, and the levels where the game ends: d_eq_I, g_eq_I */
static void write_losses(const char *dir, run *const *runs, size_t n_runs)
{
    for (size_t i = 0; i < n_runs; i++) {
        const run *R = runs[i];
        char file[64];
        snprintf(file, sizeof file, "losses_%s.dat", method_name[R->cfg.method]);
        FILE *f = out_open(dir, file);
        fprintf(f, "# step D_loss G_loss D(real) D(fake): running means over %d steps\n", WINDOW);
        for (size_t s = 0; s < R->log->size1; s++)
            fprintf(f, "%zu %.5g %.5g %.4g %.4g\n", s + 1, log_mean(R->log, LOG_D, s),
                    log_mean(R->log, LOG_G, s), log_mean(R->log, LOG_DREAL, s),
                    log_mean(R->log, LOG_DFAKE, s));
        out_close(f, file);
    }
    fig_use("losses");
    fig_value("loss_window", WINDOW);
    for (size_t i = 0; i < n_runs; i++) {
        const mode_collapse_config *c = &runs[i]->cfg;
        const method_kind m = c->method;
        const double a = m == M_SMOOTHING ? c->smoothing : 1.0;
        char name[48];
        snprintf(name, sizeof name, "d_eq_%zu", i + 1);
        fig_value(name, d_loss_at_equilibrium(a));
        snprintf(name, sizeof name, "g_eq_%zu", i + 1);
        fig_value(name, m == M_FEATMATCH ? 0.0 : -log(a / 2.0));
    }
}

/* Everything a training run's figures need: the data files and the values.
 * (The real samples are drawn from r, after the last run.) */
static void write_figures(const char *dir, run *const *runs, size_t n_runs, gsl_rng *r)
{
    write_real(dir, &runs[0]->cfg.tg, r);
    for (size_t i = 0; i < n_runs; i++)
        write_snapshots(dir, runs[i]);
    run_figure_values(runs, n_runs);
    samples_figure_values(runs, n_runs);
    write_coverage(dir, runs, n_runs);
    write_losses(dir, runs, n_runs);
}

/* ----------------------------------------------------------------------------
 * 12. Saving a trained run, and sampling it without training
 *
 * Training takes seconds here, but a student comparing generators, or an
 * instructor drawing fresh samples for a slide, should not have to retrain,
 * nor to remember the seed and every flag that made a collapsed generator.
 * So --save FILE writes ONE checkpoint (common/checkpoint.h) of the whole
 * run, and --load FILE --generate K samples it.
 *
 * What a checkpoint holds, per method trained:
 *
 *   <target>.<method>.G.params            G's weights: all that sampling needs
 *   <target>.<method>.D.params            D's weights (body and head, one block)
 *   <target>.<method>.G.adam.m/.v/.step   both Adam optimisers' moments and
 *   <target>.<method>.D.adam.m/.v/.step   step counts
 *   <target>.<method>.steps               training steps behind the weights
 *
 * plus the state of the random stream at the end of the run. G alone would do
 * for sampling; D, the optimisers and the stream make the file the whole
 * state of the game at its last step, so it can be probed (what does D think
 * of G's samples?) or trained on from exactly there (tests/ does so and gets
 * the same weights, bit for bit, as the run that never stopped).
 *
 * The names carry the target and the method ("ring.mbstd.G.params"), so a
 * checkpoint of the ring does not load into a bimodal run, nor a run of
 * --method all into one of --method mbstd; the sizes stored with each block
 * catch a different --g-hidden, --d-hidden, --noise-dim or --mbstd-at. In
 * every case checkpoint_load names the first block that differs and leaves
 * the model untouched, and the program stops with that one line.
 *
 * Sampling a loaded run draws K samples of each G (--generate K, 1 to
 * 100 000; 2000 without it) from a generator of its own, seeded with
 * --seed + SESSION_SAMPLE_SEED (common/session.h) and reseeded for every
 * method: the same seed and checkpoint give the same file, and every method
 * gets the same noise z (as every method gets the same start in section 10),
 * so two rows differ by the method only. The samples are counted exactly as
 * in section 8.
 *
 * The rules around the flags are common/session.h's, the same in every
 * chapter: --generate needs --load, and --load trains nothing, so it takes
 * no --save. The --save file is checked writable before training, not
 * after; a --load file that is damaged, or not a checkpoint, is refused
 * before any work; one of another model, by session_load, in one line.
 * ------------------------------------------------------------------------- */
/* Describe the checkpoint of these runs (nothing is copied yet). */
static void run_checkpoint(run *const *runs, size_t n_runs, checkpoint *ck)
{
    memset(ck, 0, sizeof *ck);
    for (size_t i = 0; i < n_runs; i++) {
        run *R = runs[i];
        gan *g = R->g;
        char who[32], name[CHECKPOINT_NAME_LEN];
        snprintf(who, sizeof who, "%s.%s", R->cfg.tg.name, method_name[R->cfg.method]);
        snprintf(name, sizeof name, "%s.G", who);      checkpoint_add_params(ck, name, g->PG);
        snprintf(name, sizeof name, "%s.D", who);      checkpoint_add_params(ck, name, g->PD);
        snprintf(name, sizeof name, "%s.G.adam", who); checkpoint_add_optimizer(ck, name, g->optG);
        snprintf(name, sizeof name, "%s.D.adam", who); checkpoint_add_optimizer(ck, name, g->optD);
        snprintf(name, sizeof name, "%s.steps", who);  checkpoint_add_long(ck, name, &R->step);
    }
}

/* The figure of --generate (figures/generated.gp): one panel per method, its
 * samples over the mode centres (ring: the first GEN_DRAWN_MAX of the K, the
 * file holds them all) or the histogram of all K over the true density
 * (bimodal); gen_I_steps, _covered, _sharp for loaded run I. */
#define GEN_DRAWN_MAX 5000

static void generated_figure_values(run *const *runs, size_t n_runs, size_t K)
{
    fig_use("generated");
    run_figure_values(runs, n_runs);
    fig_value("gen_k", (double)K);
    fig_value("gen_drawn", (double)(K < GEN_DRAWN_MAX ? K : GEN_DRAWN_MAX));
    for (size_t i = 0; i < n_runs; i++) {
        const run *R = runs[i];
        char name[48];
        snprintf(name, sizeof name, "gen_%zu_steps", i + 1);
        fig_value(name, (double)R->step);
        snprintf(name, sizeof name, "gen_%zu_covered", i + 1);
        fig_value(name, R->final.covered);
        snprintf(name, sizeof name, "gen_%zu_sharp", i + 1);
        fig_value(name, R->final.hq);
    }
}

/* Measure every loaded G on K samples (section 8), one line each, into S->m.
 * With --generate K, also write the samples and their figure; a bare --load
 * draws no figure. */
static void sample_loaded(session *S, run *const *runs, size_t n_runs)
{
    const char *dir = S->cli.out;
    const int write_files = S->generate > 0;
    const size_t K = write_files ? (size_t)S->generate : EVAL_N;
    const unsigned long seed = S->sample_seed;
    const target *t = &runs[0]->cfg.tg;
    printf("\nloaded %zu model(s); their noise: seed %ld + %lu\n", n_runs, S->cli.seed,
           SESSION_SAMPLE_SEED);
    gsl_matrix *X = gsl_matrix_alloc(K, t->m.dim);                 /* (K, dim) */
    gsl_rng *fixed = rng_new(seed);
    for (size_t i = 0; i < n_runs; i++) {
        run *R = runs[i];
        const char *mn = method_name[R->cfg.method];
        gsl_rng_set(fixed, seed);                  /* the same z for every method */
        sample_generator(R->g, fixed, X);
        R->final = measure(t, X);
        printf("%s (trained %ld steps): %zu samples, %.0f of %zu modes covered, %.0f reached, "
               "sharp share %.3f\n", mn, R->step, K, R->final.covered, t->m.n,
               R->final.reached, R->final.hq);
        set_metric(&S->m, "modes_covered", mn, R->final.covered);
        set_metric(&S->m, "modes_reached", mn, R->final.reached);
        set_metric(&S->m, "high_quality_share", mn, R->final.hq);
        if (!write_files)
            continue;
        char file[64], header[160];
        snprintf(file, sizeof file, "generated_%s.dat", mn);
        snprintf(header, sizeof header, "%s: %zu samples of the loaded G (noise seed %lu)",
                 t->m.dim == 2 ? "x1 x2" : "x", K, seed);
        out_write_matrix(dir, file, header, X);
        if (t->m.dim == 1) {
            snprintf(file, sizeof file, "generated_hist_%s.dat", mn);
            FILE *f = out_open(dir, file);
            fprintf(f, "# x density: histogram of the %zu samples in generated_%s.dat\n", K, mn);
            write_histogram(f, t, X);
            out_close(f, file);
        }
    }
    if (write_files) {
        if (t->m.dim == 2) {
            gsl_matrix *C = gsl_matrix_alloc(t->m.n, 2);
            for (size_t k = 0; k < t->m.n; k++)
                for (size_t j = 0; j < 2; j++)
                    gsl_matrix_set(C, k, j, t->m.centre[k][j]);
            out_write_matrix(dir, "centres.dat", "x1 x2: the centres of the target's modes", C);
            gsl_matrix_free(C);
        } else {
            write_density(dir, "density.dat", t);
        }
        generated_figure_values(runs, n_runs, K);
    }
    gsl_rng_free(fixed);
    gsl_matrix_free(X);
}

/* ----------------------------------------------------------------------------
 * Appendix: the flags
 *
 * The knobs the text invites a student to turn, with section 9's setting as
 * their defaults, and what --quick changes (40 steps per method: well under a
 * second, for the golden test). common/session.h reads them together with
 * the common flags (--seed, --out, --quick, --quiet) and the persistence
 * flags of section 12 (--save, --load, --generate).
 * ------------------------------------------------------------------------- */

/* --quick: 40 steps per method, unless --steps was given. */
static void recipe(mode_collapse_config *c, const cli *flags)
{
    if (flags->quick && !cli_given(flags, "steps"))
        c->steps = 40;
}

/* Start the run (common/session.h): the defaults, the flags, --out, the seed,
 * --save / --load checked. *methods is "all" or one method's name. */
static void start(session *S, mode_collapse_config *c, const char **methods, int argc,
                  char **argv)
{
    const char *target_name = "ring", *mbstd_at = "input";
    *methods = "all";
    *c = (mode_collapse_config){.method = M_VANILLA, .steps = 2000, .batch = 256, .d_steps = 1,
                                .g_hidden = 64, .d_hidden = 64, .noise_dim = 2, .lr_d = 1e-3,
                                .lr_g = 4e-3, .lr_decay = 0.1, .smoothing = 0.9};
    cli_option opts[] = {
        {"method", CLI_CHOICE, methods, "train every method, or one", 0, 0,
         "all|vanilla|smoothing|featmatch|mbstd", 0},
        {"target", CLI_CHOICE, &target_name, "data: 8 Gaussians on a ring, or 000's bimodal line",
         0, 0, "ring|bimodal", 0},
        {"steps", CLI_INT, &c->steps, "training steps (G updates) per method", 1, 1e6, NULL, 0},
        {"batch", CLI_INT, &c->batch, "samples per batch, real and fake alike", 2, 10000, NULL, 0},
        {"lr-d", CLI_REAL, &c->lr_d, "D's Adam learning rate at the start", 1e-6, 0.1, NULL, 0},
        {"lr-g", CLI_REAL, &c->lr_g, "G's Adam learning rate at the start", 1e-6, 0.1, NULL, 0},
        {"lr-decay", CLI_REAL, &c->lr_decay, "both rates decay linearly to this fraction", 1e-3, 1,
         NULL, 0},
        {"d-steps", CLI_INT, &c->d_steps, "D steps per G step", 1, 50, NULL, 0},
        {"g-hidden", CLI_INT, &c->g_hidden, "units in each of G's 3 hidden layers", 1, 1024, NULL, 0},
        {"d-hidden", CLI_INT, &c->d_hidden, "units in each of D's 3 hidden layers", 1, 1024, NULL, 0},
        {"noise-dim", CLI_INT, &c->noise_dim, "dimension of G's noise z", 1, 64, NULL, 0},
        {"smoothing", CLI_REAL, &c->smoothing, "D's target for real data (smoothing method)", 0.5,
         1, NULL, 0},
        {"mbstd-at", CLI_CHOICE, &mbstd_at, "where the mbstd column joins D", 0, 0,
         "input|features", 0},
    };
    session_start(S, "06-mode-collapse",
                  "mode collapse on a ring of 8 Gaussians, and three remedies that work or do not",
                  42, opts, sizeof opts / sizeof *opts, SESSION_SAVE_LOAD, argc, argv);
    c->tg = target_make(strcmp(target_name, "ring") == 0 ? TARGET_RING : TARGET_BIMODAL);
    c->mbstd_at = strcmp(mbstd_at, "input") == 0 ? MBSTD_INPUT : MBSTD_FEATURES;
    recipe(c, &S->cli);
}

/* ----------------------------------------------------------------------------
 * 13. main: the setting, one run per method, the table, the figures (or,
 *     with --load, no training: the saved models, sampled)
 *
 * After the remedies, where next? All three patch the vanilla game. Chapter
 * 07 changes the game itself: a critic that scores instead of classifying
 * (WGAN), whose gradient does not fade when it wins, trained with weight
 * clipping or a gradient penalty, on this same ring.
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    mode_collapse_config c;                 /* the setting (section 9)         */
    const char *methods;                    /* "all", or one method's name     */
    start(&S, &c, &methods, argc, argv);    /* the flags: see the appendix     */
    print_setting(&c, S.cli.seed);

    /* one run per method (section 10), every one from the same state of the
     * random stream; with --load the models are built but not trained */
    gsl_rng *same_start = gsl_rng_clone(S.rng);
    run *runs[N_METHODS];
    size_t n_runs = 0;
    for (int k = 0; k < N_METHODS; k++) {
        if (strcmp(methods, "all") != 0 && strcmp(methods, method_name[k]) != 0)
            continue;
        c.method = (method_kind)k;
        gsl_rng_memcpy(S.rng, same_start);
        run *R = runs[n_runs++] = run_new(&c, S.rng);     /* G and D, first weights */
        if (session_trains(&S))
            train_run(R, S.rng, S.cli.quiet);
    }
    gsl_rng_free(same_start);

    checkpoint ck;                                  /* what --save and --load move */
    run_checkpoint(runs, n_runs, &ck);
    if (session_trains(&S)) {                       /* the table, the figures      */
        print_table(runs, n_runs, &S.m);
        write_figures(S.cli.out, runs, n_runs, S.rng);
        session_save(&S, &ck, "the run");           /* with --save (section 12)    */
    } else {                                        /* section 12: load, sample    */
        session_load(&S, &ck, "the run");           /* names what differs, if any  */
        sample_loaded(&S, runs, n_runs);
    }

    for (size_t i = 0; i < n_runs; i++)
        run_free(runs[i]);
    session_finish(&S);                     /* results, metrics.txt, figures   */
    return 0;
}
#endif
