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
 * ring of 8 sharp Gaussians, and tries three remedies from the literature,
 * each a flag, all in the SAME setting, counting the modes each trained G
 * covers and its sharp samples (section 8):
 *
 *   vanilla    the GAN of chapter 05 (non-saturating G loss)
 *   smoothing  one-sided label smoothing: D's target for real data is 0.9
 *   featmatch  feature matching: G matches the mean of D's features on real data
 *   mbstd      minibatch standard deviation: D sees how spread out a batch is
 *
 * Seed 000's demo of this trains no discriminator at all and never uses its
 * smoothed label (README: "What the source texts got wrong"): all is new here.
 *
 * Sections 1-10 tell the story; Appendix A (figures), B (saving and sampling
 * a trained run) and C (the flags) can wait. Run: bin/06-mode-collapse (all
 * four methods, ~17 s), or one with a knob turned: --method vanilla --d-steps 3.
 */
#include <stdarg.h>

#include "genlab.h"

/* ----------------------------------------------------------------------------
 * 1. The targets
 *
 *   ring      8 Gaussians on a circle of radius 2, centres (2 cos a, 2 sin a)
 *             for a = 0, 45, ..., 315 degrees, sd 0.02 per coordinate,
 *             equally likely (Metz et al. 2016, and most papers since): tiny
 *             modes (a sample is within 3 sd = 0.06 of its centre 98.9 % of
 *             the time) 1.53 apart, so "covering a mode" and "being sharp"
 *             are both easy to count and hard to fake.
 *   bimodal   the line of seed 000: -2 or +2 with probability 1/2, plus
 *             N(0, 0.2^2).
 *
 * As in chapter 05, every step draws a fresh batch: there is no data set to
 * memorise, only a distribution to match. The modes, their sampling (pick a
 * mode, add N(0, sd^2)) and the coverage count of section 8 are common/toy.h's.
 * ------------------------------------------------------------------------- */
typedef struct target {
    const char *name, *title;
    toy_modes m;                /* dim, n modes, centre[k], sd per coordinate */
    double lo, hi;              /* plot range on every axis                  */
} target;

static target target_make(const char *name)          /* "ring" or "bimodal" */
{
    if (strcmp(name, "ring") == 0)
        return (target){"ring", "ring of 8 Gaussians", toy_ring(8, 2.0, 0.02), -2.7, 2.7};
    return (target){"bimodal", "bimodal line", toy_line(2.0, 0.2), -4.0, 4.0};
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
 * one dense layer, that turns them into the logit. head(body(x)) is the same
 * MLP, but two remedies need the cut: feature matching reads f(x), and the
 * minibatch sd may insert a column between the two. Body and head are two
 * common/mlp.h stacks on consecutive slices of ONE parameter block PD: one
 * optimiser moves all of D, and "freeze D" is "don't call D's optimiser".
 * Xavier weights; Adam (0.5, 0.999) for both, the DCGAN choice of the course.
 * ------------------------------------------------------------------------- */
typedef enum { M_VANILLA, M_SMOOTHING, M_FEATMATCH, M_MBSTD, N_METHODS } method_kind;
typedef enum { MBSTD_INPUT, MBSTD_FEATURES } mbstd_place;
static const char *method_name[N_METHODS] = {"vanilla", "smoothing", "featmatch", "mbstd"};
static const char *method_label[N_METHODS] = {
    "vanilla GAN", "one-sided label smoothing", "feature matching", "minibatch standard deviation"};

#define N_HIDDEN 3            /* hidden layers of G and of D's body */

/* One run's setting: the flags (Appendix C), and the method of this run. */
typedef struct config {
    target tg;
    method_kind method;         /* the method of the run being built          */
    const char *methods;        /* --method: "all", or one method's name      */
    mbstd_place mbstd_at;
    long steps, batch, d_steps, g_hidden, d_hidden, noise_dim;
    double lr_d, lr_g, lr_decay, smoothing;
} config;

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
 * (p_data + p_G): the constant 0.1 wherever G puts mass and there is no data,
 * so a misplaced sample would feel no pull at all towards the data.
 *
 * What it does NOT do: give G a reason to spread. It only softens D: a
 * stabiliser, not a cure for the collapse of section 9. With a real label a,
 * the game ends (p_G = p_data) at D* = a/2, where D's loss is -a ln(a/2) -
 * (2 - a) ln(1 - a/2) (2 ln 2 for a = 1) and G's -ln(a/2) (ln 2), marked in
 * the loss figure.
 * ------------------------------------------------------------------------- */
static double real_label(const config *c)               /* D's target for real data */
{
    return c->method == M_SMOOTHING ? c->smoothing : 1.0;
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
 * that tell real from fake. A generator with all its samples on one mode has
 * the features of that mode, not the average over all 8: it pays for every
 * missing mode (seed 000 matches the mean of x itself: 0, no mode at all).
 * Backward: mu_real is a constant for G; each fake sample i enters mu_fake_j
 * with weight 1/n, so
 *
 *     dL_G / df_j(G(z_i)) = 2 (mu_fake_j - mu_real_j) / n        (n, 64)
 *
 * the same row for every sample, then on through D's body (D's gradients
 * untouched) to dL/dx and through G (tests/test_06_mode_collapse.c checks
 * it). Here it covers the ring (goals: 7 modes or more, half sharp).
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
 * fake batches go through D separately, so each gets its own s. eps = 1e-8
 * keeps the square root differentiable for a batch with no spread at all.
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
 * Where to take A. Karras et al. use D's features (A = f(x), K = 64:
 * --mbstd-at features); here that spreads G, but blurred: a spread of 64
 * features is also bought by samples scattered AROUND the modes (README,
 * exercise 5). At the INPUT (A = x, K = 2, the default) D reads rows
 * (x_1, x_2, s), and G covers the ring sharply (goals: 6 modes, half sharp).
 * ------------------------------------------------------------------------- */
#define MBSTD_EPS 1e-8

/* A (n, K) -> As = [A | s] (n, K + 1); returns s, and leaves the column means
 * and sds (K) for the backward pass */
static double mbstd_forward(const gsl_matrix *A, gsl_matrix *As, gsl_vector *mean, gsl_vector *sd)
{
    const size_t n = A->size1, K = A->size2;
    double s = 0.0;
    for (size_t j = 0; j < K; j++) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < n; i++)
            m += gsl_matrix_get(A, i, j);
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            v += gsl_pow_2(gsl_matrix_get(A, i, j) - m);
        gsl_vector_set(mean, j, m);
        gsl_vector_set(sd, j, sqrt(v / (double)n + MBSTD_EPS));
        s += gsl_vector_get(sd, j);
    }
    gsl_matrix_view left = gsl_matrix_submatrix(As, 0, 0, n, K);
    gsl_matrix_memcpy(&left.matrix, A);
    gsl_vector_view last = gsl_matrix_column(As, K);
    gsl_vector_set_all(&last.vector, s / (double)K);          /* the same s in every row */
    return s / (double)K;
}

/* d[A | s] (n, K + 1) -> dA (n, K): the direct path plus the path through s */
static void mbstd_backward(const gsl_matrix *dAs, const gsl_matrix *A, const gsl_vector *mean,
                           const gsl_vector *sd, gsl_matrix *dA)
{
    const size_t n = A->size1, K = A->size2;
    double ds = 0.0;                                          /* dL/ds = sum_i d[A | s]_iK */
    for (size_t i = 0; i < n; i++)
        ds += gsl_matrix_get(dAs, i, K);
    for (size_t j = 0; j < K; j++) {
        const double c = ds / ((double)n * (double)K * gsl_vector_get(sd, j));
        const double m = gsl_vector_get(mean, j);
        for (size_t i = 0; i < n; i++)            /* d[A | s]_ij + ds (A_ij - m_j) / (n K sd_j) */
            gsl_matrix_set(dA, i, j, gsl_matrix_get(dAs, i, j) + c * (gsl_matrix_get(A, i, j) - m));
    }
}

/* ----------------------------------------------------------------------------
 * 6. D's forward and backward passes
 *
 *   vanilla, smoothing, featmatch:   x -> body -> f -> head -> logit
 *   mbstd at the input:         [x | s] -> body -> f -> head -> logit
 *   mbstd at the features:           x -> body -> [f | s] -> head -> logit
 *
 * The work matrices live in one workspace (common/workspace.h), allocated
 * once for the largest batch; ws_rows shows them all at a batch's n rows.
 * mlp remembers a POINTER to its last input: [x | s], [f | s] live there too.
 * ------------------------------------------------------------------------- */
#define EVAL_N 2000            /* samples behind every coverage number  */
#define EVAL_CHUNK 500         /* rows per forward pass when sampling   */
#define N_SNAP 5               /* snapshots of G's samples (section 10) */

/* One GAN: its setting (and method), G and D, their work matrices, and what
 * training it records (section 10). */
typedef struct gan {
    config cfg;
    params *PG, *PD;
    mlp *G, *body, *head;
    optimizer *optG, *optD;
    workspace *ws;               /* the matrices below, (n, width) each:        */
    gsl_matrix *z, *real;        /* (n, noise_dim), (n, dim)                    */
    gsl_matrix *dlogit, *dF;     /* (n, 1), (n, dh)  dL/dlogit, dL/df           */
    gsl_matrix *dx;              /* (n, dim)  dL/dx: D's message to G           */
    gsl_matrix *xs, *dxs;        /* (n, dim + 1)  [x | s] and its gradient      */
    gsl_matrix *fs, *dfs;        /* (n, dh + 1)   [f | s] and its gradient      */
    gsl_vector *mb_mean, *mb_sd; /* (dim + dh) column stats of the last [. | s] */
    gsl_vector *mu_real, *mu_fake;   /* (dh) feature means                      */
    long step;                   /* training steps behind the weights           */
    history *loss, *cover;       /* per step: losses; per evaluation: coverage  */
    gsl_matrix *snaps;           /* (N_SNAP * SNAP_N, dim) samples at snap_step */
    long snap_step[N_SNAP];      /* the snapshots' steps, their coverage,       */
    toy_coverage snap_ev[N_SNAP], final;   /* and the coverage at the end       */
} gan;

static int uses_mbstd(const gan *g, mbstd_place where)
{
    return g->cfg.method == M_MBSTD && g->cfg.mbstd_at == where;
}

static gan *gan_new(const config *c, gsl_rng *r)
{
    gan *g = xcalloc(1, sizeof *g, "a GAN");
    g->cfg = *c;
    const size_t rows = (size_t)c->batch > EVAL_CHUNK ? (size_t)c->batch : EVAL_CHUNK;
    const size_t dim = c->tg.m.dim, nz = (size_t)c->noise_dim;
    const size_t gh = (size_t)c->g_hidden, dh = (size_t)c->d_hidden;
    const size_t wg[N_HIDDEN + 2] = {nz, gh, gh, gh, dim};                          /* G    */
    const size_t wb[N_HIDDEN + 1] = {dim + (size_t)uses_mbstd(g, MBSTD_INPUT), dh, dh, dh};
    const size_t wh[2] = {dh + (size_t)uses_mbstd(g, MBSTD_FEATURES), 1};         /* head */

    g->PG = params_alloc(mlp_size(wg, N_HIDDEN + 2));
    g->PD = params_alloc(mlp_size(wb, N_HIDDEN + 1) + mlp_size(wh, 2));
    g->G = mlp_new(g->PG, wg, N_HIDDEN + 2, ACT_RELU, ACT_IDENTITY, rows);
    g->body = mlp_new(g->PD, wb, N_HIDDEN + 1, ACT_RELU, ACT_RELU, rows);
    g->head = mlp_new(g->PD, wh, 2, ACT_IDENTITY, ACT_IDENTITY, rows);
    mlp_init_xavier(g->G, r);
    mlp_init_xavier(g->body, r);
    mlp_init_xavier(g->head, r);
    g->optG = optim_adam(g->PG, c->lr_g, 0.5, 0.999);
    g->optD = optim_adam(g->PD, c->lr_d, 0.5, 0.999);

    g->ws = ws_new(rows);
    gsl_matrix **m[] = {&g->z, &g->real, &g->dlogit, &g->dF, &g->dx, &g->xs, &g->dxs, &g->fs,
                        &g->dfs};
    const size_t width[] = {nz, dim, 1, dh, dim, dim + 1, dim + 1, dh + 1, dh + 1};
    for (size_t k = 0; k < sizeof width / sizeof *width; k++)
        ws_add(g->ws, m[k], width[k]);
    g->mb_mean = gsl_vector_alloc(dim + dh); g->mb_sd = gsl_vector_alloc(dim + dh);
    g->mu_real = gsl_vector_alloc(dh); g->mu_fake = gsl_vector_alloc(dh);
    return g;
}

static void gan_free(gan *g)
{
    mlp_free(g->G); mlp_free(g->body); mlp_free(g->head);
    params_free(g->PG); params_free(g->PD);
    optim_free(g->optG); optim_free(g->optD);
    gsl_vector_free(g->mb_mean); gsl_vector_free(g->mb_sd);
    gsl_vector_free(g->mu_real); gsl_vector_free(g->mu_fake); ws_free(g->ws);
    history_free(g->loss); history_free(g->cover); gsl_matrix_free(g->snaps);
    free(g);
}

/* D's logits (n, 1) for the rows of X (n, dim); every work matrix now shows
 * n rows, for the backward pass that follows */
static const gsl_matrix *d_forward(gan *g, const gsl_matrix *X)
{
    ws_rows(g->ws, X->size1);
    if (uses_mbstd(g, MBSTD_INPUT))
        mbstd_forward(X, g->xs, g->mb_mean, g->mb_sd);              /* (n, dim + 1) */
    const gsl_matrix *F = mlp_forward(g->body, uses_mbstd(g, MBSTD_INPUT) ? g->xs : X);
    if (uses_mbstd(g, MBSTD_FEATURES))
        mbstd_forward(F, g->fs, g->mb_mean, g->mb_sd);              /* (n, dh + 1)  */
    return mlp_forward(g->head, uses_mbstd(g, MBSTD_FEATURES) ? g->fs : F);   /* (n, 1) */
}

/* Given dlogit (n, 1) for the last d_forward: ADD D's parameter gradients into
 * PD->grad if param_grads (D's step), and write dL/dX (n, dim) into dX if it
 * is not NULL (G's step, with param_grads = 0: D is used, never changed). */
static void d_backward(gan *g, const gsl_matrix *dlogit, gsl_matrix *dX, int param_grads)
{
    void (*back)(mlp *, const gsl_matrix *, gsl_matrix *) =
        param_grads ? mlp_backward : mlp_backward_input;
    if (uses_mbstd(g, MBSTD_FEATURES)) {
        back(g->head, dlogit, g->dfs);                              /* (n, dh + 1)    */
        const gsl_matrix *F = &g->body->av[N_HIDDEN - 1].matrix;    /* f of last pass */
        mbstd_backward(g->dfs, F, g->mb_mean, g->mb_sd, g->dF);
    } else {
        back(g->head, dlogit, g->dF);                               /* (n, dh)        */
    }
    if (uses_mbstd(g, MBSTD_INPUT) && dX) {
        back(g->body, g->dF, g->dxs);                               /* (n, dim + 1)   */
        gsl_matrix_view X = gsl_matrix_submatrix(g->xs, 0, 0, dX->size1, dX->size2);
        mbstd_backward(g->dxs, &X.matrix, g->mb_mean, g->mb_sd, dX);
    } else {    /* (at the input, s depends on the data only, not on D's weights:
                 *  D's own step needs no gradient through it) */
        back(g->body, g->dF, dX);
    }
}

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
 * G's label is 1 even for smoothing (one-sided: D's targets only). The
 * gradient reaches G through D by mlp_backward_input, which leaves PD->grad
 * alone: exact backpropagation (seed 004 uses finite differences; chapter 05
 * measures why we do not). The log's D(real), D(fake): mean_sigmoid (loss.h).
 * ------------------------------------------------------------------------- */
static double d_loss_and_grad(gan *g, const gsl_matrix *real, const gsl_matrix *z,
                              double real_label, double *d_real)
{
    params_zero_grad(g->PD);
    const gsl_matrix *lr = d_forward(g, real);                     /* (n, 1)   */
    double loss = loss_bce_logits(lr, NULL, real_label, g->dlogit);
    *d_real = mean_sigmoid(lr);
    d_backward(g, g->dlogit, NULL, 1);
    const gsl_matrix *fake = mlp_forward(g->G, z);                 /* (n, dim) */
    const gsl_matrix *lf = d_forward(g, fake);
    loss += loss_bce_logits(lf, NULL, 0.0, g->dlogit);
    d_backward(g, g->dlogit, NULL, 1);
    return loss;
}

/* real (n, dim) is used by feature matching only */
static double g_loss_and_grad(gan *g, const gsl_matrix *real, const gsl_matrix *z, double *d_fake)
{
    double loss;
    params_zero_grad(g->PG);
    const gsl_matrix *fake = mlp_forward(g->G, z);                 /* x = G(z) (n, dim) */
    if (g->cfg.method == M_FEATMATCH) {
        *d_fake = mean_sigmoid(d_forward(g, fake));                /* for the log only */
        col_means(mlp_forward(g->body, real), g->mu_real);         /* constant for G   */
        const gsl_matrix *Ff = mlp_forward(g->body, fake);         /* (n, dh)          */
        loss = featmatch_loss(Ff, g->mu_real, g->mu_fake, g->dF);
        mlp_backward_input(g->body, g->dF, g->dx);                 /* dL/dx            */
    } else {
        const gsl_matrix *lf = d_forward(g, fake);                 /* (n, 1)           */
        loss = loss_bce_logits(lf, NULL, 1.0, g->dlogit);          /* (s - 1) / n      */
        *d_fake = mean_sigmoid(lf);
        d_backward(g, g->dlogit, g->dx, 0);                        /* through frozen D */
    }
    mlp_backward(g->G, g->dx, NULL);                               /* into PG->grad    */
    return loss;
}

typedef struct step_stats {
    double d_loss, g_loss, d_real, d_fake;
} step_stats;

/* k = --d-steps steps of D, then one step of G; fresh data and noise each time */
static void train_step(gan *g, gsl_rng *r, step_stats *st)
{
    const config *c = &g->cfg;
    ws_rows(g->ws, (size_t)c->batch);                  /* real, z: (batch, width) */
    st->d_loss = 0.0;
    for (long k = 0; k < c->d_steps; k++) {
        toy_sample(&c->tg.m, r, g->real);
        rng_fill_gaussian(r, g->z, 0.0, 1.0);
        st->d_loss += d_loss_and_grad(g, g->real, g->z, real_label(c), &st->d_real);
        optim_step(g->optD);                           /* D learns; G untouched */
    }
    st->d_loss /= (double)c->d_steps;

    if (c->method == M_FEATMATCH)
        toy_sample(&c->tg.m, r, g->real);
    rng_fill_gaussian(r, g->z, 0.0, 1.0);
    st->g_loss = g_loss_and_grad(g, g->real, g->z, &st->d_fake);
    optim_step(g->optG);                 /* G learns; D's optimiser is not called */
}

/* ----------------------------------------------------------------------------
 * 8. Measuring coverage
 *
 * A GAN's losses say who is winning, not what G draws. So we draw 2000
 * samples of G(z), give each to its nearest mode, and count
 *
 *   modes_covered       modes with at least 2 % of the samples (40 of 2000)
 *                       WITHIN 3 sd of the centre (0.06 on the ring): the
 *                       strict criterion of the literature. A perfect G
 *                       covers all 8: each mode gets 12.5 % of the samples,
 *                       98.9 % of them within 3 sd.
 *   high_quality_share  the share of all samples within 3 sd of SOME mode:
 *                       how sharp G is (perfect: 0.989)
 *   modes_reached       modes with 2 % of the samples within 0.2 of the
 *                       centre: mass in the right place, even if blurred
 *
 * A collapsed G covers few modes; a G that sprays the plane reaches many but
 * has a small sharp share. Only both together say "covers the data, sharply".
 * ------------------------------------------------------------------------- */
#define REACH_RADIUS 0.2
#define MIN_SHARE 0.02

typedef toy_coverage evaluation;     /* covered, reached, hq (common/toy.h) */

/* The rows of S (count, dim) <- G(z) for fresh z, EVAL_CHUNK rows at a time;
 * then count them against the target's modes. */
static evaluation evaluate(gan *g, const target *t, gsl_rng *r, gsl_matrix *S)
{
    for (size_t i = 0; i < S->size1; i += EVAL_CHUNK) {
        const size_t m = S->size1 - i < EVAL_CHUNK ? S->size1 - i : EVAL_CHUNK;
        ws_rows(g->ws, m);
        rng_fill_gaussian(r, g->z, 0.0, 1.0);                          /* (m, noise) */
        gsl_matrix_view dst = gsl_matrix_submatrix(S, i, 0, m, S->size2);
        gsl_matrix_memcpy(&dst.matrix, mlp_forward(g->G, g->z));       /* (m, dim)   */
    }
    return toy_measure(&t->m, S, REACH_RADIUS, MIN_SHARE);
}

/* ----------------------------------------------------------------------------
 * 9. A setting in which the vanilla GAN collapses, and why
 *
 * Mode collapse is not a bug that always happens; it is a failure of the
 * balance between the players. A plain 3 x 128 GAN with equal learning rates
 * covers most of the ring on most seeds (README, exercise 6): collapse there
 * is luck. To study it we pick, on purpose, a setting where it is not:
 *
 *     G's steps 4 times D's:  lr_G = 4e-3, lr_D = 1e-3, one D step per G step
 *
 * (Adam's learning rate is, roughly, the size of each parameter's step.)
 * There the vanilla GAN collapses on every seed we tried (goal: at most 4 of
 * the 8 modes covered). Why: G's update moves every sample along D's gradient
 * at the same time. When D lags behind, its landscape is a smooth hill
 * centred wherever it last saw real data win; a fast G moves the WHOLE batch
 * up that hill in a few steps, as one tight flock. By the time D has learned
 * that the hilltop is fake, the flock is there, and D's new gradient sends it
 * on, together, to the next hill. It never splits into 8, because nothing in
 * the vanilla loss rewards splitting: each sample is judged alone. The
 * samples figure shows a small blob travelling around the ring, or at best a
 * thin thread dragged along it, near every mode but sharp on few.
 *
 * With --d-steps 3 (D keeps up) or --lr-g 1e-3 the game is balanced again
 * (README, exercises 1-2): seed 000 warns of "too many D steps per G step",
 * but here too FEW breaks the game. Balance is the point, not a direction.
 * Both rates decay linearly to 1/10 by the last step, so that the last
 * snapshot shows where a method settled, not a smear between two hops.
 * ------------------------------------------------------------------------- */
static void print_setting(const config *c, long seed)
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
 * Every method starts from the same state of the one random stream (saved
 * before the first run, restored before each): the same initial G, the same
 * first batches. A difference between two rows of the table is the method's
 * doing, not the dice's, and --method mbstd alone gives exactly its row.
 * Recorded per run, in two histories (common/history.h): the losses and D's
 * outputs every step with their running means over WINDOW steps (a batch's
 * loss jumps; the mean, which the log prints, shows where it goes), and the
 * evaluation every max(ceil(steps / N_EVAL), MIN_GAP) steps and at the end;
 * N_SNAP snapshots of SNAP_N samples; G and D, for --save (Appendix B).
 * (Chapter 07 then changes the game itself instead of patching it: WGAN.)
 * ------------------------------------------------------------------------- */
#define SNAP_N 1000
#define N_EVAL 40               /* coverage measured about this often per run */
#define MIN_GAP 5
#define WINDOW 50               /* steps in the losses' running mean */

/* A run's GAN and room for its records; its first weights: the run's first draws */
static gan *run_new(const config *c, gsl_rng *r)
{
    gan *g = gan_new(c, r);
    g->loss = history_new((size_t)c->steps, WINDOW, "D_loss G_loss D_real D_fake");
    g->cover = history_new(N_EVAL + 2, 1, "modes_covered modes_reached high_quality_share");
    g->snaps = gsl_matrix_calloc(N_SNAP * SNAP_N, c->tg.m.dim);
    return g;
}

/* Train g from r's current state, printing the log and the run's last line. */
static void train_run(gan *g, gsl_rng *r, int quiet)
{
    const config *c = &g->cfg;
    const long steps = c->steps;
    const size_t dim = c->tg.m.dim;
    const long snap_at[N_SNAP] = {0, steps / 10, steps / 4, steps / 2, steps};
    const long print_every = steps >= 5 ? steps / 5 : 1;
    const long gap = (steps + N_EVAL - 1) / N_EVAL;              /* ceil: <= N_EVAL gaps */
    const long eval_every = gap > MIN_GAP ? gap : MIN_GAP;
    gsl_matrix *S = gsl_matrix_alloc(EVAL_N, dim);
    step_stats st = {0.0, 0.0, 0.0, 0.0};
    int next_snap = 0;
    progress p;

    printf("\n== 10. Training: %s (%s)\n", method_name[c->method], method_label[c->method]);
    progress_start(&p, steps, quiet);
    for (long step = 0; step <= steps; step++) {
        const int is_eval = step % eval_every == 0 || step == steps;
        const int is_print = step > 0 && step % print_every == 0;
        evaluation ev = {0, 0, 0};
        if (is_eval || is_print || (next_snap < N_SNAP && snap_at[next_snap] == step))
            ev = evaluate(g, &c->tg, r, S);                      /* S (EVAL_N, dim) */
        if (is_eval)
            history_add(g->cover, step, (double[]){ev.covered, ev.reached, ev.hq});
        for (; next_snap < N_SNAP && snap_at[next_snap] == step; next_snap++) {
            gsl_matrix_view to = gsl_matrix_submatrix(g->snaps, next_snap * SNAP_N, 0, SNAP_N, dim);
            gsl_matrix_const_view from = gsl_matrix_const_submatrix(S, 0, 0, SNAP_N, dim);
            gsl_matrix_memcpy(&to.matrix, &from.matrix);
            g->snap_step[next_snap] = step;
            g->snap_ev[next_snap] = ev;
        }
        if (is_print)                         /* the losses: means of the last WINDOW steps */
            printf("step %5ld  D loss %.3f  G loss %.3f  D(real) %.3f  D(fake) %.3f  "
                   "modes covered %.0f  reached %.0f  sharp %.3f\n", step,
                   history_mean(g->loss, 0), history_mean(g->loss, 1), history_mean(g->loss, 2),
                   history_mean(g->loss, 3), ev.covered, ev.reached, ev.hq);
        if (step == steps)
            break;

        /* linear decay (section 9): factor 1 at the first step, lr_decay at the
         * last. An optimizer keeps its rate in a plain field: one assignment. */
        const double f = 1.0 - (1.0 - c->lr_decay) * (double)step / (double)(steps > 1 ? steps - 1 : 1);
        g->optG->lr = c->lr_g * f;
        g->optD->lr = c->lr_d * f;
        train_step(g, r, &st);
        check_finite(st.d_loss, "D loss", step + 1);
        check_finite(st.g_loss, "G loss", step + 1);
        history_add(g->loss, step + 1, (double[]){st.d_loss, st.g_loss, st.d_real, st.d_fake});
        progress_report(&p, step + 1, "%s: D %.3f  G %.3f", method_name[c->method],
                        st.d_loss, st.g_loss);
    }
    note("%s: %.1f s", method_name[c->method], progress_end(&p));
    g->final = g->snap_ev[N_SNAP - 1];
    g->step = steps;
    gsl_matrix_free(S);
    printf("%s: %.0f of %zu modes covered, %.0f reached, sharp share %.3f\n",
           method_name[c->method], g->final.covered, c->tg.m.n, g->final.reached, g->final.hq);
}

/* One run per method of --method, each from the same state of S->rng; with
 * --load they are built (their first weights drawn) but not trained. */
static size_t run_methods(session *S, config *c, gan **runs)
{
    gsl_rng *same_start = gsl_rng_clone(S->rng);
    size_t n_runs = 0;
    for (int k = 0; k < N_METHODS; k++) {
        if (strcmp(c->methods, "all") != 0 && strcmp(c->methods, method_name[k]) != 0)
            continue;
        c->method = (method_kind)k;
        gsl_rng_memcpy(S->rng, same_start);
        gan *g = runs[n_runs++] = run_new(c, S->rng);
        if (session_trains(S))
            train_run(g, S->rng, S->cli.quiet);
    }
    gsl_rng_free(same_start);
    return n_runs;
}

/* g's numbers into m, as modes_covered_mbstd, ... (losses: if trained here) */
static void record_metrics(metrics *m, const gan *g)
{
    static const char *what[5] = {"modes_covered", "modes_reached", "high_quality_share",
                                  "d_loss_end", "g_loss_end"};
    const double v[5] = {g->final.covered, g->final.reached, g->final.hq,
                         history_mean(g->loss, 0), history_mean(g->loss, 1)};
    for (size_t k = 0; k < (g->loss->n ? 5u : 3u); k++) {
        char name[64];
        snprintf(name, sizeof name, "%s_%s", what[k], method_name[g->cfg.method]);
        metrics_set(m, name, v[k]);
    }
}

/* the results table of a training run, and its numbers into m */
static void print_table(gan *const *runs, size_t n_runs, metrics *m)
{
    printf("\n%-10s %14s %14s %19s\n", "method", "modes_covered", "modes_reached",
           "high_quality_share");
    for (size_t i = 0; i < n_runs; i++) {
        const gan *g = runs[i];
        printf("%-10s %14.0f %14.0f %19.3f\n", method_name[g->cfg.method], g->final.covered,
               g->final.reached, g->final.hq);
        record_metrics(m, g);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix A. The figures' data
 *
 * The scripts in chapters/06-mode-collapse/figures/ (samples_over_training,
 * modes_vs_step, losses; generated, Appendix B) read the data files written
 * here and the run's numbers in values.gp: the target, the methods in the
 * order of the table (method_1, ...), each panel's coverage.
 * ------------------------------------------------------------------------- */
/* What every figure needs: the target (mode_at, mode_sd draw the line's
 * density), and the methods (names pick the files, labels title the panels) */
static void run_figure_values(gan *const *runs, size_t n_runs)
{
    const target *t = &runs[0]->cfg.tg;
    fig_text("target_title", "%s", t->title);
    fig_value("target_dim", (double)t->m.dim);
    fig_value("n_modes", (double)t->m.n);
    fig_value("mode_at", t->m.centre[1][0]);
    fig_value("mode_sd", t->m.sd);
    fig_value("range_lo", t->lo);                     /* x range (and y, on the ring) */
    fig_value("range_hi", t->hi);
    fig_value("n_runs", (double)n_runs);
    for (size_t i = 0; i < n_runs; i++) {
        char name[48];
        snprintf(name, sizeof name, "method_%zu", i + 1);
        fig_text(name, "%s", method_name[runs[i]->cfg.method]);
        snprintf(name, sizeof name, "method_label_%zu", i + 1);
        fig_text(name, "%s", method_label[runs[i]->cfg.method]);
    }
}

/* real.dat (ring: SNAP_N samples drawn from r after the last run), and per
 * method losses_, coverage_, samples_<method>.dat (snapshot k: rows k SNAP_N
 * on), the panels' snap_I_K_step/_covered/_sharp and section 3's levels */
static void write_figures(const char *dir, gan *const *runs, size_t n_runs, gsl_rng *r)
{
    const target *t = &runs[0]->cfg.tg;
    if (t->m.dim == 2) {
        gsl_matrix *X = gsl_matrix_alloc(SNAP_N, 2);
        toy_sample(&t->m, r, X);
        out_write_matrix(dir, "real.dat", "x1 x2: samples of the real data", X);
        gsl_matrix_free(X);
    }
    run_figure_values(runs, n_runs);
    fig_use("samples_over_training"); fig_use("modes_vs_step"); fig_use("losses");
    fig_value("n_snaps", N_SNAP);
    fig_value("snap_n", SNAP_N);
    fig_value("eval_n", EVAL_N);
    fig_value("train_steps", (double)runs[0]->cfg.steps);
    fig_value("loss_window", WINDOW);
    for (size_t i = 0; i < n_runs; i++) {
        const gan *g = runs[i];
        const char *mn = method_name[g->cfg.method];
        char file[64];
        snprintf(file, sizeof file, "losses_%s.dat", mn);
        history_write(g->loss, dir, file);
        snprintf(file, sizeof file, "coverage_%s.dat", mn);
        history_write(g->cover, dir, file);
        snprintf(file, sizeof file, "samples_%s.dat", mn);
        out_write_matrix(dir, file, "samples of G(z) (x, or x1 x2), one snapshot after the other",
                         g->snaps);
        for (int k = 0; k < N_SNAP; k++) {
            fig_valuef((double)g->snap_step[k], "snap_%zu_%d_step", i + 1, k + 1);
            fig_valuef(g->snap_ev[k].covered, "snap_%zu_%d_covered", i + 1, k + 1);
            fig_valuef(g->snap_ev[k].hq, "snap_%zu_%d_sharp", i + 1, k + 1);
        }
        const double a = real_label(&g->cfg);
        fig_valuef(-a * log(a / 2.0) - (2.0 - a) * log(1.0 - a / 2.0), "d_eq_%zu", i + 1);
        fig_valuef(g->cfg.method == M_FEATMATCH ? 0.0 : -log(a / 2.0), "g_eq_%zu", i + 1);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix B. Saving a trained run, and sampling it without training
 *
 * --save FILE writes ONE checkpoint (common/checkpoint.h) of the run, so that
 * nobody retrains to draw samples: per method G's and D's weights, both Adam
 * states and the steps behind them, named after the target and the method,
 * and the random stream: the whole game at its last step (tests/ trains on
 * from it, bit for bit). Another model's file is refused in one line. --load
 * FILE samples each G K times (--generate K, else 2000) from its own
 * generator, seeded --seed + SESSION_SAMPLE_SEED and reseeded per method: the
 * same noise z for all. The flags' rules are common/session.h's.
 * ------------------------------------------------------------------------- */
#define GEN_DRAWN_MAX 5000      /* ring samples drawn in generated.png (all are in the file) */

/* Describe the checkpoint of these runs (nothing is copied yet). */
static void run_checkpoint(gan *const *runs, size_t n_runs, checkpoint *ck)
{
    memset(ck, 0, sizeof *ck);
    for (size_t i = 0; i < n_runs; i++) {
        gan *g = runs[i];
        char who[32], name[CHECKPOINT_NAME_LEN];
        snprintf(who, sizeof who, "%s.%s", g->cfg.tg.name, method_name[g->cfg.method]);
        snprintf(name, sizeof name, "%s.G", who);      checkpoint_add_params(ck, name, g->PG);
        snprintf(name, sizeof name, "%s.D", who);      checkpoint_add_params(ck, name, g->PD);
        snprintf(name, sizeof name, "%s.G.adam", who); checkpoint_add_optimizer(ck, name, g->optG);
        snprintf(name, sizeof name, "%s.D.adam", who); checkpoint_add_optimizer(ck, name, g->optD);
        snprintf(name, sizeof name, "%s.steps", who);  checkpoint_add_long(ck, name, &g->step);
    }
}

/* Evaluate every loaded G on K samples, one line each, into S->m; with
 * --generate K, also write them (generated_<method>.dat), the mode centres,
 * and the values of figures/generated.gp. */
static void sample_loaded(session *S, gan *const *runs, size_t n_runs)
{
    const size_t K = S->generate > 0 ? (size_t)S->generate : EVAL_N;
    const target *t = &runs[0]->cfg.tg;
    printf("\nloaded %zu model(s); their noise: seed %ld + %lu\n", n_runs, S->cli.seed,
           SESSION_SAMPLE_SEED);
    gsl_matrix *X = gsl_matrix_alloc(K, t->m.dim);                 /* (K, dim) */
    gsl_rng *fixed = rng_new(S->sample_seed);
    for (size_t i = 0; i < n_runs; i++) {
        gan *g = runs[i];
        const char *mn = method_name[g->cfg.method];
        gsl_rng_set(fixed, S->sample_seed);        /* the same z for every method */
        g->final = evaluate(g, t, fixed, X);
        printf("%s (trained %ld steps): %zu samples, %.0f of %zu modes covered, %.0f reached, "
               "sharp share %.3f\n", mn, g->step, K, g->final.covered, t->m.n,
               g->final.reached, g->final.hq);
        record_metrics(&S->m, g);
        if (S->generate == 0)
            continue;
        char file[64], header[160];
        snprintf(file, sizeof file, "generated_%s.dat", mn);
        snprintf(header, sizeof header, "%zu samples of the loaded G (noise seed %lu)", K,
                 S->sample_seed);
        out_write_matrix(S->cli.out, file, header, X);
        fig_valuef((double)g->step, "gen_%zu_steps", i + 1);
        fig_valuef(g->final.covered, "gen_%zu_covered", i + 1);
        fig_valuef(g->final.hq, "gen_%zu_sharp", i + 1);
    }
    if (S->generate > 0) {
        gsl_matrix_const_view C =                   /* (n, dim) of centre[n][2] */
            gsl_matrix_const_view_array_with_tda(&t->m.centre[0][0], t->m.n, t->m.dim, 2);
        out_write_matrix(S->cli.out, "centres.dat", "the centres of the target's modes", &C.matrix);
        fig_use("generated");
        run_figure_values(runs, n_runs);
        fig_value("gen_k", (double)K);
        fig_value("gen_drawn", (double)(K < GEN_DRAWN_MAX ? K : GEN_DRAWN_MAX));
    }
    gsl_rng_free(fixed);
    gsl_matrix_free(X);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags: the knobs the text invites a student to turn, with
 * section 9's setting as their defaults (common/session.h adds --seed, --out,
 * --quick, --quiet, and --save, --load, --generate of Appendix B).
 * ------------------------------------------------------------------------- */
/* Every per-variant default: the target (section 1), where the mbstd column
 * joins D (section 5), and --quick's 40 steps (for the golden test). */
static void recipe(config *c, const cli *flags, const char *target_name, const char *mbstd_at)
{
    c->tg = target_make(target_name);
    c->mbstd_at = strcmp(mbstd_at, "input") == 0 ? MBSTD_INPUT : MBSTD_FEATURES;
    if (flags->quick && !cli_given(flags, "steps"))
        c->steps = 40;
}

static void start(session *S, config *cfg, int argc, char **argv)
{
    const char *target_name = "ring", *mbstd_at = "input";
    *cfg = (config){.methods = "all", .steps = 2000, .batch = 256, .d_steps = 1, .g_hidden = 64,
                    .d_hidden = 64, .noise_dim = 2, .lr_d = 1e-3, .lr_g = 4e-3, .lr_decay = 0.1,
                    .smoothing = 0.9};
    cli_option opts[] = {
        {"method", CLI_CHOICE, &cfg->methods, "train every method, or one", 0, 0,
         "all|vanilla|smoothing|featmatch|mbstd", 0},
        {"target", CLI_CHOICE, &target_name, "data: 8 Gaussians on a ring, or 000's bimodal line",
         0, 0, "ring|bimodal", 0},
        {"steps", CLI_INT, &cfg->steps, "training steps (G updates) per method", 1, 1e6, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "samples per batch, real and fake alike", 2, 1e4, NULL, 0},
        {"lr-d", CLI_REAL, &cfg->lr_d, "D's Adam learning rate at the start", 1e-6, 0.1, NULL, 0},
        {"lr-g", CLI_REAL, &cfg->lr_g, "G's Adam learning rate at the start", 1e-6, 0.1, NULL, 0},
        {"lr-decay", CLI_REAL, &cfg->lr_decay, "both rates decay linearly to this fraction",
         1e-3, 1, NULL, 0},
        {"d-steps", CLI_INT, &cfg->d_steps, "D steps per G step", 1, 50, NULL, 0},
        {"g-hidden", CLI_INT, &cfg->g_hidden, "units in each hidden layer of G", 1, 1024, NULL, 0},
        {"d-hidden", CLI_INT, &cfg->d_hidden, "units in each hidden layer of D", 1, 1024, NULL, 0},
        {"noise-dim", CLI_INT, &cfg->noise_dim, "dimension of G's noise z", 1, 64, NULL, 0},
        {"smoothing", CLI_REAL, &cfg->smoothing, "D's target for real data (smoothing method)",
         0.5, 1, NULL, 0},
        {"mbstd-at", CLI_CHOICE, &mbstd_at, "where the mbstd column joins D", 0, 0,
         "input|features", 0},
    };
    session_start(S, "06-mode-collapse",
                  "mode collapse on a ring of 8 Gaussians, and three remedies that work or do not",
                  42, opts, sizeof opts / sizeof *opts, SESSION_SAVE_LOAD, argc, argv);
    recipe(cfg, &S->cli, target_name, mbstd_at);
}

/* ----------------------------------------------------------------------------
 * main: the setting (section 9), one run per method (section 10), the table
 * and the figures; or, with --load, the saved models sampled (Appendix B).
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config c;                                       /* the setting (section 9)     */
    start(&S, &c, argc, argv);                      /* the flags: Appendix C       */
    print_setting(&c, S.cli.seed);

    gan *runs[N_METHODS];                           /* section 10: with --load,    */
    const size_t n_runs = run_methods(&S, &c, runs);/* built but not trained       */

    checkpoint ck;                                  /* what --save and --load move */
    run_checkpoint(runs, n_runs, &ck);
    if (session_trains(&S)) {                       /* the table, the figures      */
        print_table(runs, n_runs, &S.m);
        write_figures(S.cli.out, runs, n_runs, S.rng);
        session_save(&S, &ck, "the run");           /* with --save (Appendix B)    */
    } else {                                        /* Appendix B: load, sample    */
        session_load(&S, &ck, "the run");           /* names what differs, if any  */
        sample_loaded(&S, runs, n_runs);
    }

    for (size_t i = 0; i < n_runs; i++)
        gan_free(runs[i]);
    session_finish(&S);                             /* results, metrics.txt, figures */
    return 0;
}
#endif
