/* gan.c -- chapter 05: a generative adversarial network, in one dimension.
 *
 * Two small networks play a game. The generator G turns noise z into numbers
 * x = G(z); the discriminator D looks at a number and says how likely it is
 * to be real. D learns to tell real from fake, G learns to fool D, and if all
 * goes well G ends up producing numbers distributed like the real data,
 * although nobody ever gave it a formula for that distribution: only D's
 * opinion, one batch at a time.
 *
 * Everything here is one-dimensional on purpose: a histogram shows the whole
 * generated distribution at a glance, and D(x) is a curve we can draw on top
 * of it. We train two targets,
 *
 *     gaussian   N(3, 0.5^2)                          (seed 000's GAN)
 *     bimodal    1/2 N(-2, 0.3^2) + 1/2 N(+2, 0.3^2)  (seed 004's GAN)
 *
 * then run one experiment on the generator's loss (the "saturating" loss of
 * the original minimax game against the "non-saturating" one used in
 * practice) and one on how gradients are computed (finite differences, as in
 * seed 004, against backpropagation).
 *
 * Section 12 keeps what was trained: --save FILE writes every GAN of the run
 * to a checkpoint, --load FILE --generate K samples them without training.
 *
 * Run:   make bin/05-gan && bin/05-gan          (both targets, a few seconds)
 *        bin/05-gan --help                      (every knob)
 *        bin/05-gan --save gan.ckpt && bin/05-gan --load gan.ckpt --generate 500
 */
#include "genlab.h"

#include <gsl/gsl_statistics_double.h>

/* ----------------------------------------------------------------------------
 * 1. The game
 *
 * D outputs a LOGIT l(x), a real number; the probability "x is real" is
 * D(x) = sigmoid(l(x)). D is a binary classifier, so it is trained with binary
 * cross-entropy, label 1 for real data and 0 for G's samples. We write its loss
 * as the SUM of the two halves, each a mean over its batch:
 *
 *     L_D = -mean_x log D(x)  -  mean_z log(1 - D(G(z)))
 *
 * The generator wants the opposite. The minimax game of Goodfellow et al.
 * gives G the loss
 *
 *     saturating:       L_G =  mean_z log(1 - D(G(z)))        (minimise)
 *
 * and the fix everybody uses in practice (seed 003, section 3.3) is
 *
 *     non-saturating:   L_G = -mean_z log D(G(z))             (minimise)
 *
 * Both are happiest when D(G(z)) = 1 and both have the same fixed point;
 * section 9 measures why the second one learns early on and the first one,
 * with a confident D, barely does.
 *
 * Where the game ends: if G's samples are distributed exactly like the data,
 * the best D can do is D(x) = 1/2 everywhere. Then
 *
 *     L_D = -log(1/2) - log(1/2) = 2 ln 2 = 1.386     (the SUM of two terms)
 *     L_G non-saturating   = -log(1/2) =  ln 2 = 0.693
 *     L_G saturating       =  log(1/2) = -ln 2 = -0.693
 *
 * Seed 004 plots its D loss (also the sum of both terms) and its G loss with
 * a single "Nash equilibrium" line at ln 2: right for G, off by a factor 2
 * for D. (Its line is added after the legend is drawn, so it never even gets
 * its label.) Our loss figures mark each curve's own level.
 * ------------------------------------------------------------------------- */
typedef enum { TARGET_GAUSSIAN, TARGET_BIMODAL } target_kind;
typedef enum { GLOSS_NON_SATURATING, GLOSS_SATURATING } gloss_kind;

static const char *target_name(target_kind t)
{
    return t == TARGET_GAUSSIAN ? "gaussian" : "bimodal";
}

static const char *gloss_name(gloss_kind k)
{
    return k == GLOSS_SATURATING ? "saturating" : "non-saturating";
}

/* ----------------------------------------------------------------------------
 * 2. The real data
 *
 * A GAN never sees a formula for the data, only samples. We can draw as many
 * as we like, so every training step gets a fresh batch (no epochs, no
 * overfitting of D to a fixed set). The density is used only for the plots.
 *
 *     gaussian:  x = 3 + 0.5 e,                 e ~ N(0, 1)
 *     bimodal:   x = s + 0.3 e,  s = -2 or +2 with probability 1/2 each
 * ------------------------------------------------------------------------- */
#define GAUSS_MEAN 3.0
#define GAUSS_SD 0.5
#define MODE_AT 2.0
#define MODE_SD 0.3

static void real_batch(target_kind t, gsl_rng *r, gsl_matrix *X)   /* X (n, 1) */
{
    for (size_t i = 0; i < X->size1; i++) {
        double x;
        if (t == TARGET_GAUSSIAN)
            x = GAUSS_MEAN + gsl_ran_gaussian(r, GAUSS_SD);
        else
            x = toy_bimodal_draw(r, MODE_AT, MODE_SD);          /* common/toy.h */
        gsl_matrix_set(X, i, 0, x);
    }
}

static double real_density(target_kind t, double x)
{
    if (t == TARGET_GAUSSIAN)
        return gsl_ran_gaussian_pdf(x - GAUSS_MEAN, GAUSS_SD);
    return toy_bimodal_pdf(x, MODE_AT, MODE_SD);   /* 1/2 N(x; -2, .3^2) + 1/2 N(x; 2, .3^2) */
}

/* ----------------------------------------------------------------------------
 * 3. The two players
 *
 * Both are small multilayer perceptrons (common/mlp.h) with the widths of
 * seed 000:
 *
 *     G:  z (n, noise_dim) -> 16 -> 16 -> 1   tanh hidden, linear output x
 *     D:  x (n, 1)         -> 16 -> 16 -> 1   tanh hidden, linear output l
 *
 * noise_dim is 1 for the Gaussian (seed 000) and 4 for the two modes (seed
 * 004); z ~ N(0, I), as in both sources' code (seed 000's prose says uniform
 * noise, its code draws np.random.randn).
 *
 * Output layers. G's is linear because data can be any real number. Seed 004
 * ends its generator with a sigmoid, like its discriminator, so its samples
 * can never leave (0, 1): run as printed, all 5000 land in [0.15, 0.82], far
 * from both of its modes at -2 and +2. D's output is linear too: it is a
 * logit, and the sigmoid lives inside the loss (loss_bce_logits), where
 * log sigmoid(l) is computed without ever taking log(0).
 *
 * Hidden units: tanh, where the sources use ReLU, and that is a measured
 * choice. A ReLU unit with weight w and bias b bends at x = -b/w. Initialised
 * with zero biases, every first-layer unit of D bends at x = 0, and so does
 * everything built on them: over the region where N(3, 0.5) lives, D's logit
 * is a straight line in x. A straight line tells "too far right" from "too
 * far left", but it cannot tell a narrow distribution from a wide one with
 * the same mean: for that D(x) must curve. So once G's mean is right, D goes
 * blind to the spread, and G's width drifts wherever the noise takes it.
 * The biases do learn to move the bends, just too slowly for this game.
 * Measured, seeds 1-5, everything else at its default: final gen_std
 * 0.37-0.99 with ReLU, 0.24-0.86 with leaky ReLU, 0.47-0.54 with tanh, which
 * curves everywhere. On the bimodal target, centred at 0, all three work.
 *
 * Initialisation: Xavier (dense.h). Seed 000 draws every weight from
 * N(0, 0.1^2), and that, with plain SGD at lr 0.001, is why its run ends at
 * a generated mean of about 0.06 for a target of 3.0. Through three layers of
 * such small weights G's output is about 0.003 wide and D says 1/2 to
 * everything, so both the signal D sends back (dL/dx) and G's parameter
 * gradients are products of small numbers; a step of lr times that barely
 * moves anything. Running seed 000's own code (seed 42) the fakes' mean goes
 * 0.001, 0.006, 0.015, 0.031, 0.065 at steps 400, 800, ..., 2000: doubling
 * every 400 steps, not stuck, just stopped long before arriving (with 8000
 * steps it does arrive, and overshoots to 4.3-4.9 with a spread of 0.1-0.2).
 * Its 1e-8 guards and its probabilities-not-logits BCE are not the culprit:
 * D's outputs stay between 0.46 and 0.61 at every checkpoint, nowhere near 0
 * or 1. The same
 * recipe here (--init small --optim sgd --act relu --lr-decay none
 * --steps 2000 --target gaussian) ends at means of 0.01-0.16, seeds 1-5.
 *
 * The two networks have separate parameter blocks and separate optimisers.
 * That separation is the whole trick of alternating training: an optimiser
 * only moves the block it was given, so "freeze D" just means "do not call
 * D's optimiser".
 * ------------------------------------------------------------------------- */
#define EVAL_CHUNK 500     /* rows per forward pass when sampling many x */
#define EVAL_N 10000       /* samples behind every measured number        */
#define N_BINS 80          /* histogram bins in the snapshot figures      */

typedef struct gan_config {
    target_kind target;
    gloss_kind gloss;
    long steps;            /* G steps (iterations)                         */
    long batch;
    long d_steps;          /* D steps per G step                           */
    long noise_dim;
    long hidden;           /* width of D's hidden layers (and G's ...)      */
    long g_hidden;         /* ... unless this is not 0                      */
    double lr_d, lr_g;
    int small_init;        /* N(0, 0.1^2) weights, as in seed 000           */
    int sgd;               /* plain SGD instead of Adam(0.5, 0.999)         */
    act_kind act;          /* hidden activation of both networks            */
    int lr_decay;          /* learning rates fall linearly to 0 (section 8) */
} gan_config;

typedef struct gan {
    gan_config cfg;        /* what it was built from (checkpoint names, 13) */
    long step;             /* G steps it has been trained                   */
    size_t noise_dim, max_rows;
    params *PG, *PD;
    mlp *G, *D;
    optimizer *optG, *optD;
    gsl_matrix *z;         /* (max_rows, noise_dim) noise                   */
    gsl_matrix *real;      /* (max_rows, 1) real samples, or grid points    */
    gsl_matrix *dlogit;    /* (max_rows, 1) dL/dl                           */
    gsl_matrix *dfake;     /* (max_rows, 1) dL/dx at x = G(z): D's message  */
} gan;

/* Both networks, their optimisers and every work matrix, sized once for the
 * largest number of rows any pass will see: a training batch, a chunk of
 * EVAL_CHUNK samples when measuring, or the N_BINS grid points of a plot. */
static gan *gan_new(const gan_config *cfg, gsl_rng *r)
{
    gan *g = calloc(1, sizeof *g);
    if (!g)
        die("out of memory");
    g->cfg = *cfg;
    g->noise_dim = (size_t)cfg->noise_dim;
    g->max_rows = (size_t)cfg->batch;
    if (g->max_rows < EVAL_CHUNK)
        g->max_rows = EVAL_CHUNK;
    if (g->max_rows < N_BINS)
        g->max_rows = N_BINS;

    const size_t h = (size_t)cfg->hidden, hg = cfg->g_hidden ? (size_t)cfg->g_hidden : h;
    const size_t wg[] = {g->noise_dim, hg, hg, 1}, wd[] = {1, h, h, 1};
    g->PG = params_alloc(mlp_size(wg, 4));
    g->PD = params_alloc(mlp_size(wd, 4));
    g->G = mlp_new(g->PG, wg, 4, cfg->act, ACT_IDENTITY, g->max_rows);
    g->D = mlp_new(g->PD, wd, 4, cfg->act, ACT_IDENTITY, g->max_rows);
    for (size_t l = 0; l < 3; l++) {
        if (cfg->small_init) {
            dense_init_normal(&g->G->layer[l], r, 0.1);
            dense_init_normal(&g->D->layer[l], r, 0.1);
        } else {
            dense_init_xavier(&g->G->layer[l], r);
            dense_init_xavier(&g->D->layer[l], r);
        }
    }
    if (cfg->sgd) {
        g->optG = optim_sgd(g->PG, cfg->lr_g, 0.0);
        g->optD = optim_sgd(g->PD, cfg->lr_d, 0.0);
    } else {
        /* beta1 = 0.5 (DCGAN): momentum that forgets faster, because the
         * other player keeps moving the loss surface under our feet. */
        g->optG = optim_adam(g->PG, cfg->lr_g, 0.5, 0.999);
        g->optD = optim_adam(g->PD, cfg->lr_d, 0.5, 0.999);
    }
    g->z = gsl_matrix_alloc(g->max_rows, g->noise_dim);
    g->real = gsl_matrix_alloc(g->max_rows, 1);
    g->dlogit = gsl_matrix_alloc(g->max_rows, 1);
    g->dfake = gsl_matrix_alloc(g->max_rows, 1);
    return g;
}

static void gan_free(gan *g)
{
    if (!g)
        return;
    mlp_free(g->G);
    mlp_free(g->D);
    params_free(g->PG);
    params_free(g->PD);
    optim_free(g->optG);
    optim_free(g->optD);
    gsl_matrix_free(g->z);
    gsl_matrix_free(g->real);
    gsl_matrix_free(g->dlogit);
    gsl_matrix_free(g->dfake);
    free(g);
}

/* D's average "probability real" over a batch: mean_sigmoid (common/loss.h),
 * the mean of sigmoid(l) computed without overflow for any logit l. */

/* ----------------------------------------------------------------------------
 * 4. The discriminator's step (G fixed)
 *
 *     L_D = BCE(l(x_real), 1) + BCE(l(G(z)), 0)
 *     dL_D/dl = (sigmoid(l) - 1) / n   on the real half
 *             =  sigmoid(l)      / n   on the fake half
 *
 * mlp keeps the activations of its LAST forward pass only, so we do real
 * forward, real backward, fake forward, fake backward; the parameter
 * gradients of the two halves add up in PD->grad (backward accumulates).
 * G is only evaluated here: we never backpropagate into it, so nothing about
 * G changes.
 *
 * (Seed 000's layers update their weights inside backward(), so its D scores
 * the fake half with weights the real half has already moved. Ours computes
 * the gradient of one loss at one point and then takes one step.)
 * ------------------------------------------------------------------------- */
static double d_loss_and_grad(gan *g, const gsl_matrix *real, const gsl_matrix *z,
                              double *d_real, double *d_fake)
{
    const size_t n = real->size1;
    gsl_matrix_view dl = mat_rows(g->dlogit, n);
    params_zero_grad(g->PD);

    const gsl_matrix *l_real = mlp_forward(g->D, real);             /* (n, 1) */
    double loss = loss_bce_logits(l_real, NULL, 1.0, &dl.matrix);
    if (d_real)
        *d_real = mean_sigmoid(l_real);
    mlp_backward(g->D, &dl.matrix, NULL);

    const gsl_matrix *fake = mlp_forward(g->G, z);                  /* (n, 1) */
    const gsl_matrix *l_fake = mlp_forward(g->D, fake);
    loss += loss_bce_logits(l_fake, NULL, 0.0, &dl.matrix);
    if (d_fake)
        *d_fake = mean_sigmoid(l_fake);
    mlp_backward(g->D, &dl.matrix, NULL);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. The generator's step (D fixed): backpropagating THROUGH D
 *
 * G's loss depends on G's parameters theta only through x = G(z), and D sits
 * between x and the loss. The chain rule, one sample per row:
 *
 *     dL_G/dl      = from the loss (below)                        (n, 1)
 *     dL_G/dx      = dL_G/dl  * dl/dx     backward through D      (n, 1)
 *     dL_G/dtheta  = dL_G/dx  * dx/dtheta backward through G      (PG)
 *
 * The middle line is where D's weights are USED but must not be CHANGED:
 * mlp_backward_input() walks back through D computing only dL/dx, without
 * touching D's parameter gradients, and we never call optim_step(g->optD) in
 * this step. That is all "freeze D" means. dL_G/dx is D's message to G: for
 * every fake sample, which way to move it to look more real.
 *
 * The two losses differ only in the first line. With s = sigmoid(l):
 *
 *     non-saturating  L = -mean log s       = BCE(l, 1)   dL/dl = (s - 1)/n
 *     saturating      L =  mean log(1 - s)  = -BCE(l, 0)  dL/dl = -s / n
 *
 * Early on, D easily rejects G's samples: s = D(G(z)) is close to 0. Then the
 * saturating gradient -s/n is close to 0 too, while the non-saturating one is
 * close to -1/n, as large as it gets. Same fixed point, very different first
 * steps: section 9 measures it. (Seed 003 argues that log(1 - D(G(z))) is
 * close to 0 there, hence the gradient is too. The conclusion is right, the
 * reason slightly off: a small value does not make a small slope. What
 * matters is that log(1 - sigmoid(l)) flattens out as l goes to -infinity;
 * its slope, -sigmoid(l), is what vanishes.)
 * ------------------------------------------------------------------------- */
static double g_loss_and_grad(gan *g, const gsl_matrix *z, gloss_kind kind, int want_grad,
                              double *d_fake)
{
    const size_t n = z->size1;
    gsl_matrix_view dl = mat_rows(g->dlogit, n);
    gsl_matrix_view dx = mat_rows(g->dfake, n);

    const gsl_matrix *fake = mlp_forward(g->G, z);                  /* x = G(z)  */
    const gsl_matrix *logit = mlp_forward(g->D, fake);              /* l = D(x)  */
    double loss;
    if (kind == GLOSS_NON_SATURATING) {
        loss = loss_bce_logits(logit, NULL, 1.0, &dl.matrix);       /* (s - 1)/n */
    } else {
        loss = -loss_bce_logits(logit, NULL, 0.0, &dl.matrix);      /* s / n ... */
        gsl_matrix_scale(&dl.matrix, -1.0);                         /* ... -s / n */
    }
    if (d_fake)
        *d_fake = mean_sigmoid(logit);
    if (!want_grad)
        return loss;
    params_zero_grad(g->PG);
    mlp_backward_input(g->D, &dl.matrix, &dx.matrix);   /* dL/dx through frozen D */
    mlp_backward(g->G, &dx.matrix, NULL);               /* dL/dtheta into PG->grad */
    return loss;
}

/* ----------------------------------------------------------------------------
 * 6. Alternating steps (seed 003, section 3.4)
 *
 * Fix G, take a gradient step for D; fix D, take a gradient step for G;
 * repeat. One iteration here is k steps of D (k = --d-steps, 1 by default
 * as in both sources), then one step of G, each with fresh real data and
 * fresh noise. "Fix" costs nothing: D's step never backpropagates into G, and
 * G's step never calls D's optimiser.
 * ------------------------------------------------------------------------- */
typedef struct step_stats {
    double d_loss, g_loss;  /* D's loss (mean over its k steps), G's loss     */
    double d_real, d_fake;  /* mean D(x) on real and on fake samples          */
    double g_grad_norm;     /* ||dL_G/dtheta|| of this step                   */
    double fake_mean;       /* mean and standard deviation of this step's     */
    double fake_std;        /* fake batch                                     */
} step_stats;

static double d_step(gan *g, const gan_config *cfg, gsl_rng *r, double *d_real)
{
    const size_t n = (size_t)cfg->batch;
    gsl_matrix_view real = mat_rows(g->real, n);
    gsl_matrix_view z = mat_rows(g->z, n);
    real_batch(cfg->target, r, &real.matrix);
    rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
    double loss = d_loss_and_grad(g, &real.matrix, &z.matrix, d_real, NULL);
    optim_step(g->optD);                              /* D learns; G untouched */
    return loss;
}

static void train_step(gan *g, const gan_config *cfg, gsl_rng *r, step_stats *st)
{
    const size_t n = (size_t)cfg->batch;
    gsl_matrix_view z = mat_rows(g->z, n);

    st->d_loss = 0.0;
    for (long k = 0; k < cfg->d_steps; k++)
        st->d_loss += d_step(g, cfg, r, &st->d_real);
    st->d_loss /= (double)cfg->d_steps;

    rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
    st->g_loss = g_loss_and_grad(g, &z.matrix, cfg->gloss, 1, &st->d_fake);
    const gsl_matrix *x = &g->G->av[g->G->n_layers - 1].matrix;      /* G's last output */
    st->fake_mean = gsl_stats_mean(x->data, x->tda, x->size1);
    st->fake_std = x->size1 > 1 ? gsl_stats_sd_m(x->data, x->tda, x->size1, st->fake_mean) : 0.0;
    st->g_grad_norm = params_grad_norm(g->PG);
    optim_step(g->optG);                 /* G learns; D's optimiser is NOT called */
}

/* ----------------------------------------------------------------------------
 * 7. Measuring a generator
 *
 * A GAN has no likelihood to report, and its losses say who is winning the
 * game, not how good the samples are. So we look at the samples themselves:
 * EVAL_N = 10000 draws of G(z), against the target.
 *
 *   gaussian:  gen_mean and gen_std (goal: within 0.1 of 3 and 0.5)
 *   bimodal:   mode_share_left / right, the share of samples below / above 0
 *              (goal: each between 0.3 and 0.7; a collapsed G gives 0 and 1),
 *              and gap_share_bimodal, the share with |x| < 1, between the
 *              modes (0.04 % of the data). G maps connected noise to x
 *              continuously, so it cannot jump from one mode to the other: it
 *              always leaves a thin bridge of samples across the gap.
 *   both:      w1, the Wasserstein-1 distance between the generated samples
 *              and as many fresh real ones. In 1D it is exact and cheap: sort
 *              both, pair them up in order, average |a_i - b_i|. Two samples
 *              of 10000 drawn from the data itself are 0.01-0.03 apart.
 * ------------------------------------------------------------------------- */
static void sample_generator(gan *g, gsl_rng *r, double *out, size_t count)
{
    for (size_t i = 0; i < count; i += EVAL_CHUNK) {
        size_t m = count - i < EVAL_CHUNK ? count - i : EVAL_CHUNK;
        gsl_matrix_view z = mat_rows(g->z, m);                  /* (m, noise_dim) */
        rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
        const gsl_matrix *x = mlp_forward(g->G, &z.matrix);     /* (m, 1)         */
        for (size_t k = 0; k < m; k++)
            out[i + k] = gsl_matrix_get(x, k, 0);
    }
}

static void sample_real(target_kind t, gsl_rng *r, gsl_matrix *buf, double *out, size_t count)
{
    for (size_t i = 0; i < count; i += EVAL_CHUNK) {
        size_t m = count - i < EVAL_CHUNK ? count - i : EVAL_CHUNK;
        gsl_matrix_view x = mat_rows(buf, m);
        real_batch(t, r, &x.matrix);
        for (size_t k = 0; k < m; k++)
            out[i + k] = gsl_matrix_get(&x.matrix, k, 0);
    }
}

/* The numbers above for n samples xs of G (sorted in place by the W1), with
 * as many real samples drawn from r into ys (buf: a work matrix of at least
 * EVAL_CHUNK rows). */
typedef struct sample_stats {
    double mean, sd;
    double left, gap;      /* shares below 0, and with |x| < 1 */
    double w1;
} sample_stats;

static sample_stats summarize_samples(target_kind t, gsl_rng *r, gsl_matrix *buf, double *xs,
                                      double *ys, size_t n)
{
    sample_stats st;
    st.mean = gsl_stats_mean(xs, 1, n);
    st.sd = gsl_stats_sd_m(xs, 1, n, st.mean);
    size_t left = 0, gap = 0;
    for (size_t i = 0; i < n; i++) {
        left += xs[i] < 0.0;
        gap += fabs(xs[i]) < 1.0;          /* between the modes (data: 0.04 %) */
    }
    st.left = (double)left / (double)n;
    st.gap = (double)gap / (double)n;
    sample_real(t, r, buf, ys, n);
    st.w1 = toy_w1_sorted(xs, ys, n);      /* sorts both: common/toy.h */
    return st;
}

/* The classic picture at one moment of training: on a grid of bin centres,
 * the real density, a histogram of G's samples (as a density) and D(x). */
#define N_SNAP 4

typedef struct snapshot {
    long step;
    gsl_matrix *M;         /* (N_BINS, 4): x, real density, generated density, D(x) */
    double gen_mean, gen_std, outside;   /* outside: share of samples off the grid */
} snapshot;

static void plot_range(target_kind t, double *lo, double *hi)
{
    *lo = t == TARGET_GAUSSIAN ? -1.0 : -4.0;
    *hi = t == TARGET_GAUSSIAN ? 6.0 : 4.0;
}

/* The picture's columns on N_BINS bin centres: x, the real density, the n
 * samples xs as a histogram scaled to a density, and D(x), into M (N_BINS, 4).
 * Returns the share of the samples that fall off the plot. */
static double histogram_with_d(gan *g, target_kind t, const double *xs, size_t n, gsl_matrix *M)
{
    double lo, hi;
    plot_range(t, &lo, &hi);
    const double width = (hi - lo) / N_BINS;

    gsl_matrix_view col = gsl_matrix_submatrix(M, 0, 2, N_BINS, 1);
    gsl_matrix_set_zero(&col.matrix);
    size_t outside = 0;
    for (size_t i = 0; i < n; i++) {
        double b = floor((xs[i] - lo) / width);
        if (b < 0.0 || b >= N_BINS) {
            outside++;
            continue;
        }
        double *c = gsl_matrix_ptr(M, (size_t)b, 2);
        *c += 1.0 / ((double)n * width);              /* counts -> density */
    }

    gsl_matrix_view grid = mat_rows(g->real, N_BINS);           /* (N_BINS, 1) */
    for (size_t k = 0; k < N_BINS; k++) {
        double x = lo + ((double)k + 0.5) * width;
        gsl_matrix_set(&grid.matrix, k, 0, x);
        gsl_matrix_set(M, k, 0, x);
        gsl_matrix_set(M, k, 1, real_density(t, x));
    }
    const gsl_matrix *logit = mlp_forward(g->D, &grid.matrix);
    for (size_t k = 0; k < N_BINS; k++) {
        double l = gsl_matrix_get(logit, k, 0);
        gsl_matrix_set(M, k, 3, l >= 0.0 ? 1.0 / (1.0 + exp(-l)) : exp(l) / (1.0 + exp(l)));
    }
    return (double)outside / (double)n;
}

static void take_snapshot(gan *g, target_kind t, gsl_rng *r, double *xs, snapshot *s, long step)
{
    sample_generator(g, r, xs, EVAL_N);
    s->step = step;
    s->gen_mean = gsl_stats_mean(xs, 1, EVAL_N);
    s->gen_std = gsl_stats_sd_m(xs, 1, EVAL_N, s->gen_mean);
    s->outside = histogram_with_d(g, t, xs, EVAL_N, s->M);
}

/* ----------------------------------------------------------------------------
 * 8. One full training run
 *
 * Everything the loop needs is allocated before it: the networks' work
 * matrices (gan_new), the loss log (one row per step) and the snapshots.
 * Snapshots are taken before the first step and at three later moments; the
 * loss log gets a trailing average over WINDOW steps next to the raw values,
 * because single GAN losses jump around a lot from batch to batch.
 *
 * The learning rates fall linearly from their starting value to 0 over the
 * run (--lr-decay linear). Near the equilibrium D's gradient is mostly batch
 * noise, and Adam scales every step to about lr whatever the gradient's size:
 * with a constant lr the two players never stop wandering, and where G's
 * samples happen to be at the last step is luck. Measured, seeds 1-5:
 * constant lr ends at gen_mean 2.71-3.14 and gen_std 0.10-0.48; the decay
 * lets the game settle, at 2.97-3.02 and 0.47-0.54.
 * ------------------------------------------------------------------------- */
#define WINDOW 100
enum { LOG_STEP, LOG_D, LOG_G, LOG_DREAL, LOG_DFAKE, LOG_D_AVG, LOG_G_AVG, LOG_COLS };

typedef struct run {
    gan_config cfg;
    gan *g;
    gsl_matrix *log;       /* (steps, LOG_COLS) */
    snapshot snap[N_SNAP];
    double *xs, *ys;       /* (EVAL_N) scratch samples */
} run;

static run *run_new(const gan_config *cfg, gsl_rng *r)
{
    run *R = calloc(1, sizeof *R);
    if (!R)
        die("out of memory");
    R->cfg = *cfg;
    R->g = gan_new(cfg, r);
    R->log = gsl_matrix_calloc((size_t)cfg->steps, LOG_COLS);
    for (int k = 0; k < N_SNAP; k++)
        R->snap[k].M = gsl_matrix_calloc(N_BINS, 4);
    R->xs = malloc(EVAL_N * sizeof *R->xs);
    R->ys = malloc(EVAL_N * sizeof *R->ys);
    if (!R->xs || !R->ys)
        die("out of memory");
    return R;
}

static void run_free(run *R)
{
    gan_free(R->g);
    gsl_matrix_free(R->log);
    for (int k = 0; k < N_SNAP; k++)
        gsl_matrix_free(R->snap[k].M);
    free(R->xs);
    free(R->ys);
    free(R);
}

static void train_run(run *R, gsl_rng *r, int quiet)
{
    const gan_config *cfg = &R->cfg;
    const long steps = cfg->steps;
    /* snapshot moments: before training, early, a third of the way, the end */
    const long at[N_SNAP] = {0, steps / 10, steps / 3, steps};
    const long every = steps >= 10 ? steps / 10 : 1;
    int next = 0;
    double d_sum = 0.0, g_sum = 0.0;
    step_stats st;
    progress p;

    printf("\n== target %s: %s loss for G, %ld steps, batch %ld, %ld D step(s) per G step\n",
           target_name(cfg->target), gloss_name(cfg->gloss), steps, cfg->batch, cfg->d_steps);
    progress_start(&p, steps, quiet);
    for (long step = 0; step <= steps; step++) {
        while (next < N_SNAP && at[next] == step)
            take_snapshot(R->g, cfg->target, r, R->xs, &R->snap[next++], step);
        if (step == steps)
            break;

        if (cfg->lr_decay) {                /* lr * (1 - step / steps) */
            const double f = 1.0 - (double)step / (double)steps;
            R->g->optD->lr = cfg->lr_d * f;
            R->g->optG->lr = cfg->lr_g * f;
        }
        train_step(R->g, cfg, r, &st);
        R->g->step = step + 1;
        check_finite(st.d_loss, "D loss", step + 1);
        check_finite(st.g_loss, "G loss", step + 1);

        double *row = gsl_matrix_ptr(R->log, (size_t)step, 0);
        d_sum += st.d_loss;
        g_sum += st.g_loss;
        if (step >= WINDOW) {
            d_sum -= gsl_matrix_get(R->log, (size_t)(step - WINDOW), LOG_D);
            g_sum -= gsl_matrix_get(R->log, (size_t)(step - WINDOW), LOG_G);
        }
        const double w = (double)(step < WINDOW ? step + 1 : WINDOW);
        row[LOG_STEP] = (double)(step + 1);
        row[LOG_D] = st.d_loss;
        row[LOG_G] = st.g_loss;
        row[LOG_DREAL] = st.d_real;
        row[LOG_DFAKE] = st.d_fake;
        row[LOG_D_AVG] = d_sum / w;
        row[LOG_G_AVG] = g_sum / w;

        if ((step + 1) % every == 0)
            printf("step %5ld  D loss %.4f  G loss %.4f  D(real) %.3f  D(fake) %.3f"
                   "  fakes %.3f +- %.3f\n", step + 1, row[LOG_D_AVG], row[LOG_G_AVG],
                   st.d_real, st.d_fake, st.fake_mean, st.fake_std);
        progress_report(&p, step + 1, "D %.3f  G %.3f", row[LOG_D_AVG], row[LOG_G_AVG]);
    }
    progress_end(&p);
}

/* Final numbers of a run into the metrics, with the target's name as suffix
 * for the extras; the four metric names are kept exactly. */
static void measure_run(run *R, gsl_rng *r, metrics *m)
{
    const target_kind t = R->cfg.target;
    const char *tn = target_name(t);
    char name[64];
    sample_generator(R->g, r, R->xs, EVAL_N);
    const sample_stats st = summarize_samples(t, r, R->g->real, R->xs, R->ys, EVAL_N);

    /* the losses' level over the last WINDOW steps */
    const size_t last = (size_t)R->cfg.steps - 1;
    const double d_end = gsl_matrix_get(R->log, last, LOG_D_AVG);
    const double g_end = gsl_matrix_get(R->log, last, LOG_G_AVG);

    printf("%s: generated mean %.3f  std %.3f  share below 0 %.3f  W1 to data %.4f\n",
           tn, st.mean, st.sd, st.left, st.w1);
    printf("%s: last %d steps  D loss %.4f (2 ln 2 = %.4f)  G loss %.4f (%s%.4f)\n", tn, WINDOW,
           d_end, 2.0 * M_LN2, g_end, R->cfg.gloss == GLOSS_SATURATING ? "-ln 2 = " : "ln 2 = ",
           R->cfg.gloss == GLOSS_SATURATING ? -M_LN2 : M_LN2);
    if (t == TARGET_GAUSSIAN) {
        metrics_set(m, "gen_mean", st.mean);
        metrics_set(m, "gen_std", st.sd);
    } else {
        metrics_set(m, "mode_share_left", st.left);
        metrics_set(m, "mode_share_right", 1.0 - st.left);
        metrics_set(m, "gap_share_bimodal", st.gap);
        metrics_set(m, "gen_mean_bimodal", st.mean);
        metrics_set(m, "gen_std_bimodal", st.sd);
    }
    snprintf(name, sizeof name, "w1_%s", tn);
    metrics_set(m, name, st.w1);
    snprintf(name, sizeof name, "d_loss_end_%s", tn);
    metrics_set(m, name, d_end);
    snprintf(name, sizeof name, "g_loss_end_%s", tn);
    metrics_set(m, name, g_end);
}

/* ----------------------------------------------------------------------------
 * 9. Saturating versus non-saturating, measured
 *
 * Seed 003's argument (its section 3.3) is about the START of training, when
 * D can reject G's samples with confidence. A freshly initialised D cannot
 * do that yet (it says about 1/2 to everything, and at
 * s = 1/2 the two losses' gradients -s/n and (s - 1)/n are equally large), so
 * we first give D a head start: --head-start steps (1000) of D alone, with G
 * fixed, on the Gaussian target. After that D(G(z)) is 0.002-0.003 (seeds
 * 1-5): D rejects the fakes with confidence, the situation of the text.
 *
 * Then four GANs continue from that SAME state (same G, same trained D,
 * copied parameter vectors) with the SAME random numbers (each gets a clone
 * of the run's generator, i.e. the same state of the one seeded stream):
 * saturating and non-saturating G loss, each with plain SGD (lr 0.02, both
 * players) and with Adam (the chapter's --lr-d, --lr-g). We record
 * ||dL_G/dtheta||, the mean D(G(z)) and the mean of the fake batch per step.
 *
 * What we measured (seeds 1-5): the saturating gradient starts 90 to 430
 * times smaller, exactly the text's story. With plain SGD a step is lr times
 * the gradient, so the saturating G barely moves: the fakes reach a mean of
 * 1.5 (half way) after 5-8 steps with the non-saturating loss, and after 37,
 * 136 or not within the 200 steps (three seeds) with the saturating one.
 * With Adam the picture changes: Adam divides every step by a running RMS of
 * the gradient, which undoes a uniform shrinking, so both losses arrive at
 * about the same time (63-100 steps saturating, 85-114 non-saturating). Adam
 * hides the saturation; it does not hide what -s/n does to the samples'
 * relative weights (the fakes D rejects most firmly count least), which is
 * why the non-saturating loss is still the one to use.
 * ------------------------------------------------------------------------- */
#define COMPARE_SGD_LR 0.02
enum { CMP_SGD_SAT, CMP_SGD_NS, CMP_ADAM_SAT, CMP_ADAM_NS, CMP_RUNS };
enum { CMP_GRAD, CMP_DFAKE, CMP_MEAN, CMP_PER_RUN };   /* columns of each run */
#define CMP_COLS (1 + CMP_RUNS * CMP_PER_RUN)          /* step, then 4 x 3    */

static const char *const cmp_name[CMP_RUNS] = {
    "sgd_saturating", "sgd_non_saturating", "adam_saturating", "adam_non_saturating"};

/* The four runs' settings: the chapter's Gaussian GAN with G loss and
 * optimiser set per run. Also used to rebuild them for --load (section 12). */
static void compare_configs(const gan_config *base, gan_config cfg[CMP_RUNS])
{
    for (int i = 0; i < CMP_RUNS; i++) {
        cfg[i] = *base;
        cfg[i].target = TARGET_GAUSSIAN;
        cfg[i].gloss = i == CMP_SGD_SAT || i == CMP_ADAM_SAT ? GLOSS_SATURATING : GLOSS_NON_SATURATING;
        cfg[i].sgd = i == CMP_SGD_SAT || i == CMP_SGD_NS;
        if (cfg[i].sgd)
            cfg[i].lr_d = cfg[i].lr_g = COMPARE_SGD_LR;
    }
}

/* Trains the four runs into out (one row per step) and hands the four GANs
 * to the caller in g (to free, or to --save). */
static void compare_g_losses(const gan_config *base, gsl_rng *r, long head_start, gsl_matrix *out,
                             gan *g[CMP_RUNS])
{
    gan_config cfg[CMP_RUNS];
    gsl_rng *rr[CMP_RUNS];
    step_stats st;

    /* the common starting point: fresh G, D trained alone for head_start steps */
    gan_config c0 = *base;
    c0.target = TARGET_GAUSSIAN;
    gan *g0 = gan_new(&c0, r);
    for (long k = 0; k < head_start; k++)
        check_finite(d_step(g0, &c0, r, NULL), "D loss (head start)", k + 1);

    compare_configs(base, cfg);
    for (int i = 0; i < CMP_RUNS; i++) {
        g[i] = gan_new(&cfg[i], r);
        gsl_vector_memcpy(g[i]->PG->value, g0->PG->value);     /* same G       */
        gsl_vector_memcpy(g[i]->PD->value, g0->PD->value);     /* same D       */
    }
    for (int i = 0; i < CMP_RUNS; i++)
        rr[i] = gsl_rng_clone(r);                              /* same draws   */
    for (size_t k = 0; k < out->size1; k++) {
        gsl_matrix_set(out, k, 0, (double)(k + 1));
        for (int i = 0; i < CMP_RUNS; i++) {
            train_step(g[i], &cfg[i], rr[i], &st);
            g[i]->step = (long)k + 1;
            check_finite(st.g_loss, "G loss (comparison)", (long)k + 1);
            check_finite(st.d_loss, "D loss (comparison)", (long)k + 1);
            size_t c = 1 + (size_t)i * CMP_PER_RUN;
            gsl_matrix_set(out, k, c + CMP_GRAD, st.g_grad_norm);
            gsl_matrix_set(out, k, c + CMP_DFAKE, st.d_fake);
            gsl_matrix_set(out, k, c + CMP_MEAN, st.fake_mean);
        }
    }
    for (int i = 0; i < CMP_RUNS; i++)
        gsl_rng_free(rr[i]);
    gan_free(g0);
}

/* first step at which run i's fake batch mean reached `level`, or -1 */
static long steps_to_reach(const gsl_matrix *cmp, int i, double level)
{
    for (size_t k = 0; k < cmp->size1; k++)
        if (gsl_matrix_get(cmp, k, 1 + (size_t)i * CMP_PER_RUN + CMP_MEAN) >= level)
            return (long)k + 1;
    return -1;
}

/* ----------------------------------------------------------------------------
 * 10. Why exact backpropagation, and not finite differences (seed 004)
 *
 * Seed 004 estimates its gradients by central differences,
 *
 *     dL/dw ~ (L(w + h) - L(w - h)) / (2h),      h = 1e-4,
 *
 * for a random 10 % of the weights at every step, leaving the other 90 % at
 * zero, and never computes a bias gradient at all (its biases stay 0 for the
 * whole run). That is the right tool to CHECK a gradient (tests/ does it) and
 * the wrong one to TRAIN with, for two reasons we measure here, once, on the
 * freshly initialised Gaussian GAN:
 *
 *   cost:  every sampled weight costs two full forward passes of G and D
 *          (about 60 per step for 10 % of G's 288 weights; 640 for all 321
 *          parameters), while one backward pass gives ALL the gradients for
 *          about the price of two forward passes. Timed here (on stderr): the
 *          10 % estimate takes about 15 times as long as the exact gradient.
 *   noise: the estimate is a random 10 % slice of the gradient, so its
 *          direction is far from the true one: the cosine between the two is
 *          about sqrt(0.1) = 0.32 when the gradient is spread evenly. Here it
 *          is worse. At the start, G's gradient is almost all "move every
 *          sample right", i.e. G's biases (97-100 % of the squared norm,
 *          seeds 1-5), which seed 004 never touches: cosine 0.001-0.06; over
 *          the weights alone 0.19-0.36. A step along such a direction makes a
 *          fraction of the progress, in a direction that changes at random
 *          from step to step.
 *
 * The difference quotients themselves are accurate in double precision (the
 * log prints how accurate: 1e-9 to 1e-6 relative), so the problem is not
 * rounding; it is the sampling and the cost.
 * ------------------------------------------------------------------------- */
static void fd_versus_backprop(gan *g, gsl_rng *r, size_t batch, metrics *m)
{
    const double h = 1e-4, share = 0.1;
    const size_t n = g->PG->value->size;
    gsl_vector *exact = gsl_vector_alloc(n), *fd = gsl_vector_calloc(n);
    gsl_matrix_view z = mat_rows(g->z, batch);
    rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);

    double t0 = now_seconds();
    g_loss_and_grad(g, &z.matrix, GLOSS_NON_SATURATING, 1, NULL);
    double t_exact = now_seconds() - t0;
    gsl_vector_memcpy(exact, g->PG->grad);

    size_t weights = 0, sampled = 0, evals = 0;
    double worst = 0.0;
    t0 = now_seconds();
    for (size_t l = 0; l < g->G->n_layers; l++) {
        dense *L = &g->G->layer[l];
        for (size_t k = 0; k < L->in * L->out; k++, weights++) {
            if (gsl_rng_uniform(r) >= share)
                continue;                       /* 90 %: no gradient this step */
            double *w = L->W.matrix.data + k;
            const size_t i = (size_t)(w - g->PG->value->data);
            const double saved = *w;
            *w = saved + h;
            double up = g_loss_and_grad(g, &z.matrix, GLOSS_NON_SATURATING, 0, NULL);
            *w = saved - h;
            double down = g_loss_and_grad(g, &z.matrix, GLOSS_NON_SATURATING, 0, NULL);
            *w = saved;
            evals += 2;
            sampled++;
            double num = (up - down) / (2.0 * h), ex = gsl_vector_get(exact, i);
            gsl_vector_set(fd, i, num);
            double rel = fabs(num - ex) / fmax(fabs(num) + fabs(ex), 1e-12);
            if (rel > worst)
                worst = rel;
        }
    }
    double t_fd = now_seconds() - t0;
    double bias_sq = 0.0, dot, dot_w;
    const double norm = gsl_blas_dnrm2(exact);
    gsl_blas_ddot(fd, exact, &dot);
    for (size_t l = 0; l < g->G->n_layers; l++) {       /* now zero the biases */
        gsl_vector_view db = gsl_vector_view_array(exact->data + (g->G->layer[l].db.vector.data -
                                                                  g->PG->grad->data), g->G->layer[l].out);
        double nb = gsl_blas_dnrm2(&db.vector);
        bias_sq += nb * nb;
        gsl_vector_set_zero(&db.vector);
    }
    gsl_blas_ddot(fd, exact, &dot_w);                 /* exact: weights only now */
    const double nfd = gsl_blas_dnrm2(fd), nw = gsl_blas_dnrm2(exact);   /* guard: 0 */
    const double cosine = nfd > 0.0 && norm > 0.0 ? dot / (nfd * norm) : 0.0;
    const double cosine_w = nfd > 0.0 && nw > 0.0 ? dot_w / (nfd * nw) : 0.0;
    const double bias_share = norm > 0.0 ? bias_sq / (norm * norm) : 0.0;

    printf("\n== finite differences as in seed 004 (h = %g, %.0f %% of G's weights)\n", h, 100 * share);
    printf("G has %zu parameters (%zu weights); this step sampled %zu weights: %zu forward\n"
           "passes of G and D, against one forward and one backward for all %zu exactly\n",
           n, weights, sampled, evals, n);
    printf("finite differences agree with backprop on the sampled weights to %.1e (relative),\n"
           "but the sampled gradient points %.0f degrees away from the true one (cosine %.3f):\n"
           "the biases, which seed 004 never updates, carry %.0f %% of the squared gradient;\n"
           "against the weights' part alone the cosine is still only %.3f\n",
           worst, acos(cosine) * 180.0 / M_PI, cosine, 100.0 * bias_share, cosine_w);
    note("finite differences %.2f ms, backprop %.3f ms for this step",
         1e3 * t_fd, 1e3 * t_exact);
    metrics_set(m, "fd_forward_passes", (double)evals);
    metrics_set(m, "fd_cosine_to_exact", cosine);
    metrics_set(m, "fd_max_rel_err", worst);
    metrics_set(m, "fd_bias_share", bias_share);
    metrics_set(m, "fd_cosine_weights_only", cosine_w);
    gsl_vector_free(exact);
    gsl_vector_free(fd);
}

/* ----------------------------------------------------------------------------
 * 11. Figures
 *
 *   loss_<target>        D's and G's losses over training, each with its
 *                        own equilibrium level (section 1)
 *   snapshots_<target>   the classic picture: real density, histogram of
 *                        G's samples and D(x), at four moments of training
 *   saturation           ||dL_G/dtheta|| and D(G(z)) over the first steps,
 *                        saturating against non-saturating loss
 *
 * The scripts are the .gp files in chapters/05-gan/figures/; the functions
 * here write the data files they read and give them the numbers of this run
 * (values.gp, written once at the end of the run by session_finish).
 * ------------------------------------------------------------------------- */
static void write_loss_figure(const run *R, const char *dir)
{
    const char *tn = target_name(R->cfg.target);
    char data[64], name[64];
    snprintf(data, sizeof data, "loss_%s.dat", tn);
    out_write_matrix(dir, data,
                     "step d_loss g_loss mean_d_real mean_d_fake d_loss_avg100 g_loss_avg100",
                     R->log);
    snprintf(name, sizeof name, "loss_%s", tn);
    fig_use(name);
    /* the script draws G's equilibrium level (ln 2 or -ln 2) from the loss */
    snprintf(name, sizeof name, "loss_%s_g_loss", tn);
    fig_text(name, "%s", gloss_name(R->cfg.gloss));
}

static void write_snapshot_figure(const run *R, const char *dir)
{
    const char *tn = target_name(R->cfg.target);
    char data[64], name[64];
    double lo, hi;
    plot_range(R->cfg.target, &lo, &hi);
    snprintf(data, sizeof data, "snapshots_%s.dat", tn);

    FILE *d = out_open(dir, data);
    for (int k = 0; k < N_SNAP; k++) {
        const snapshot *s = &R->snap[k];
        fprintf(d, "# step %ld (gen mean %.3f, std %.3f, %.1f %% outside the plot)\n"
                   "# x real_density generated_density D_of_x\n",
                s->step, s->gen_mean, s->gen_std, 100.0 * s->outside);
        for (size_t i = 0; i < N_BINS; i++)
            fprintf(d, "%.9g %.9g %.9g %.9g\n", gsl_matrix_get(s->M, i, 0),
                    gsl_matrix_get(s->M, i, 1), gsl_matrix_get(s->M, i, 2),
                    gsl_matrix_get(s->M, i, 3));
        fprintf(d, "\n\n");                         /* gnuplot: next index */
    }
    out_close(d, data);

    snprintf(name, sizeof name, "snapshots_%s", tn);
    fig_use(name);
    snprintf(name, sizeof name, "snapshots_%s_x_lo", tn);
    fig_value(name, lo);
    snprintf(name, sizeof name, "snapshots_%s_x_hi", tn);
    fig_value(name, hi);
    for (int k = 0; k < N_SNAP; k++) {               /* panel k + 1's title */
        const snapshot *s = &R->snap[k];
        snprintf(name, sizeof name, "snapshots_%s_step_%d", tn, k + 1);
        fig_value(name, (double)s->step);
        snprintf(name, sizeof name, "snapshots_%s_mean_%d", tn, k + 1);
        fig_value(name, s->gen_mean);
        snprintf(name, sizeof name, "snapshots_%s_std_%d", tn, k + 1);
        fig_value(name, s->gen_std);
    }
}

static void write_saturation_figure(const gsl_matrix *cmp, long head_start, const char *dir)
{
    char header[512];
    int len = snprintf(header, sizeof header, "step");
    for (int i = 0; i < CMP_RUNS; i++)
        len += snprintf(header + len, sizeof header - (size_t)len, " grad_norm_%s mean_D_fake_%s fake_mean_%s",
                        cmp_name[i], cmp_name[i], cmp_name[i]);
    out_write_matrix(dir, "saturation.dat", header, cmp);

    fig_use("saturation");
    fig_value("saturation_head_start", (double)head_start);
    fig_value("saturation_sgd_lr", COMPARE_SGD_LR);
}

/* ----------------------------------------------------------------------------
 * 12. Keeping the trained models: --save, --load, --generate
 *
 * A run trains up to six GANs: one per target (section 8) and the four of
 * the saturation experiment (section 9). --save FILE writes all of them into
 * one checkpoint (common/checkpoint.h) at the end of the run; --load FILE
 * builds the same models from the same flags and reads them back instead of
 * training, so a trained generator can be sampled again in a moment.
 *
 * What the checkpoint holds, for each GAN, and why:
 *
 *   G's parameters          what we sample from
 *   D's parameters          D(x) is drawn next to the samples, and a GAN is
 *                           a pair: G alone could not be trained on
 *   both optimisers' state  Adam's moments (SGD's velocity) and step count,
 *                           so that the game could go on where it stopped:
 *                           a fresh Adam takes full-size first steps
 *   the step                how long G was trained, for the log
 *
 * and once, the run's random generator.
 *
 * The block names say which model a block belongs to and what shape it has:
 *
 *     gaussian-ns.tanh.G1x16.params   G of the Gaussian run (non-saturating
 *                                     loss, tanh units), 1-D noise, hidden
 *                                     layers 16 wide
 *     cmp-sgd-sat.tanh.D16.sgd.m      the velocity of D's optimiser in the
 *                                     experiment's SGD + saturating run
 *
 * checkpoint_load compares every name and size with the model it loads into,
 * so a checkpoint loaded with another --hidden, --g-hidden, --noise-dim,
 * --act, --optim, --g-loss or --target is refused with one line that names the
 * first block that differs. Sizes alone would not do: tanh and ReLU networks
 * have the same sizes, and two different shapes can have the same count
 * (noise 1, width 16 and noise 19, width 10 both give G 321 parameters).
 *
 * --generate K draws K samples of every loaded G (K up to 100 000; without
 * --generate, a --load run draws EVAL_N). The noise comes from a generator
 * of its own, seeded with the session's sample seed (--seed +
 * SESSION_SAMPLE_SEED, common/session.h), new for every model: the same
 * checkpoint and seed give the same files, whatever other models the file
 * holds, and the training generator is never used.
 * ------------------------------------------------------------------------- */
#define MAX_MODELS (2 + CMP_RUNS)

typedef struct model_set {
    size_t n;
    gan *g[MAX_MODELS];
    const char *name[MAX_MODELS];    /* in file and metric names: "gaussian" ... */
    char role[MAX_MODELS][16];        /* in block names: "gaussian-ns" ...        */
} model_set;

/* role: the target and G loss of a main run ("gaussian-ns", "bimodal-sat"),
 * or optimiser and G loss of an experiment run ("cmp-sgd-sat") */
static void add_model(model_set *M, gan *g, const char *name, int experiment)
{
    const gan_config *c = &g->cfg;
    const char *loss = c->gloss == GLOSS_SATURATING ? "sat" : "ns";
    if (M->n == MAX_MODELS)
        die("more than %d models in one run", MAX_MODELS);
    if (experiment)
        snprintf(M->role[M->n], sizeof M->role[0], "cmp-%s-%s", c->sgd ? "sgd" : "adam", loss);
    else
        snprintf(M->role[M->n], sizeof M->role[0], "%s-%s", target_name(c->target), loss);
    M->name[M->n] = name;
    M->g[M->n++] = g;
}

static void free_models(model_set *M)
{
    for (size_t i = 0; i < M->n; i++)
        gan_free(M->g[i]);
    M->n = 0;
}

/* What a checkpoint of the models holds (see above); nothing is copied yet. */
static void describe_models(checkpoint *ck, model_set *M)
{
    *ck = (checkpoint){0};
    for (size_t i = 0; i < M->n; i++) {
        gan *g = M->g[i];
        const gan_config *c = &g->cfg;
        const char *act = act_name(c->act), *opt = c->sgd ? "sgd" : "adam";
        char G[CHECKPOINT_NAME_LEN], D[CHECKPOINT_NAME_LEN], name[CHECKPOINT_NAME_LEN + 8];
        snprintf(G, sizeof G, "%s.%s.G%ldx%ld", M->role[i], act, c->noise_dim,
                 c->g_hidden ? c->g_hidden : c->hidden);
        snprintf(D, sizeof D, "%s.%s.D%ld", M->role[i], act, c->hidden);
        checkpoint_add_params(ck, G, g->PG);
        checkpoint_add_params(ck, D, g->PD);
        snprintf(name, sizeof name, "%s.%s", G, opt);
        checkpoint_add_optimizer(ck, name, g->optG);
        snprintf(name, sizeof name, "%s.%s", D, opt);
        checkpoint_add_optimizer(ck, name, g->optD);
        snprintf(name, sizeof name, "%s.%s.step", M->role[i], act);
        checkpoint_add_long(ck, name, &g->step);
    }
}

/* --save: every GAN of the run and the run's generator (nothing without
 * --save). */
static void save_models(session *S, model_set *M)
{
    checkpoint ck;
    char what[32];
    describe_models(&ck, M);
    snprintf(what, sizeof what, "%zu GAN(s)", M->n);
    session_save(S, &ck, what);
}

/* --load: read the GANs of M (built from the flags, not trained) and the
 * generator back. */
static void load_models(session *S, model_set *M)
{
    checkpoint ck;
    char err[4400], what[32];
    describe_models(&ck, M);
    snprintf(what, sizeof what, "%zu GAN(s)", M->n);
    if (checkpoint_load(&ck, S->load, S->rng, err, sizeof err) == 0) {
        note("loaded %s from %s", what, S->load);
        return;
    }
    /* Refused, and nothing copied. A sound file of this chapter that holds a
     * whole number of GANs, but not this run's number, was saved with another
     * --target or --compare-steps: checkpoint_load says so as a model
     * mismatch (CHECKPOINT_ERR_MODEL) and tells how many blocks the file
     * holds (ck.file_blocks), so we can name the flags. */
    const size_t per_gan = ck.n / M->n;
    if (ck.error == CHECKPOINT_ERR_MODEL && ck.file_blocks != 0 && ck.file_blocks != ck.n &&
        ck.file_blocks % per_gan == 0)
        die("%s holds %zu GAN(s), a run with these flags has %zu: give the --target and "
            "--compare-steps (0 or not) it was saved with", S->load, ck.file_blocks / per_gan, M->n);
    session_load(S, &ck, what);     /* anything else: refused again, in every chapter's words */
}

/* "sgd_saturating" -> "sgd saturating" for a figure title, where gnuplot's
 * enhanced text would read _ as a subscript */
static void spaced(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s", name);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = ' ';
}

/* One panel per model, in the snapshots' style (figures/generated.gp): G's
 * samples as a histogram, the real density and D(x); panel i + 1 reads index
 * i of generated.dat. Here: the numbers of its titles and x ranges. */
static void write_generated_figure(const model_set *M, const sample_stats *st, long K)
{
    fig_use("generated");
    fig_value("generated_samples", (double)K);
    fig_value("generated_n", (double)M->n);
    for (size_t i = 0; i < M->n; i++) {
        double lo, hi;
        char title[64], name[64];
        plot_range(M->g[i]->cfg.target, &lo, &hi);
        spaced(M->name[i], title, sizeof title);
        snprintf(name, sizeof name, "generated_name_%zu", i + 1);
        fig_text(name, "%s", title);
        snprintf(name, sizeof name, "generated_steps_%zu", i + 1);
        fig_value(name, (double)M->g[i]->step);
        snprintf(name, sizeof name, "generated_mean_%zu", i + 1);
        fig_value(name, st[i].mean);
        snprintf(name, sizeof name, "generated_std_%zu", i + 1);
        fig_value(name, st[i].sd);
        snprintf(name, sizeof name, "generated_w1_%zu", i + 1);
        fig_value(name, st[i].w1);
        snprintf(name, sizeof name, "generated_x_lo_%zu", i + 1);
        fig_value(name, lo);
        snprintf(name, sizeof name, "generated_x_hi_%zu", i + 1);
        fig_value(name, hi);
    }
}

/* --generate K: for every model, its K samples (generated_<name>.dat), their
 * histogram with D(x) (generated.dat, generated.gp), the numbers of section 7
 * on stdout and in the metrics. The figure is a histogram, its size fixed
 * whatever K; the data files hold all K samples. */
static void generate_samples(session *S, model_set *M, long K)
{
    const unsigned long seed = S->sample_seed;
    const char *dir = S->cli.out;
    metrics *m = &S->m;
    const size_t n = (size_t)K;
    double *xs = malloc(n * sizeof *xs), *ys = malloc(n * sizeof *ys);
    gsl_matrix *H = gsl_matrix_alloc(N_BINS, 4);
    sample_stats st[MAX_MODELS];
    if (!xs || !ys)
        die("out of memory");
    printf("\n== %ld samples of each loaded generator (noise seed %lu)\n", K, seed);
    FILE *h = out_open(dir, "generated.dat");
    for (size_t i = 0; i < M->n; i++) {
        gan *g = M->g[i];
        const target_kind t = g->cfg.target;
        char file[64], name[64];
        gsl_rng *fixed = rng_new(seed);                 /* the same for every model */
        sample_generator(g, fixed, xs, n);

        snprintf(file, sizeof file, "generated_%s.dat", M->name[i]);
        FILE *f = out_open(dir, file);
        fprintf(f, "# %ld samples x = G(z) of the %s model after %ld steps\n# x\n", K, M->name[i],
                g->step);
        for (size_t k = 0; k < n; k++)
            fprintf(f, "%.9g\n", xs[k]);
        out_close(f, file);

        const double outside = histogram_with_d(g, t, xs, n, H);
        st[i] = summarize_samples(t, fixed, g->real, xs, ys, n);     /* sorts xs */
        fprintf(h, "# %s after %ld steps (mean %.3f, std %.3f, %.1f %% outside the plot)\n"
                   "# x real_density generated_density D_of_x\n",
                M->name[i], g->step, st[i].mean, st[i].sd, 100.0 * outside);
        for (size_t k = 0; k < N_BINS; k++)
            fprintf(h, "%.9g %.9g %.9g %.9g\n", gsl_matrix_get(H, k, 0), gsl_matrix_get(H, k, 1),
                    gsl_matrix_get(H, k, 2), gsl_matrix_get(H, k, 3));
        fprintf(h, "\n\n");                             /* gnuplot: next index */

        printf("%-20s %5ld steps: mean %.3f  std %.3f  share below 0 %.3f  W1 to data %.4f",
               M->name[i], g->step, st[i].mean, st[i].sd, st[i].left, st[i].w1);
        if (t == TARGET_BIMODAL)
            printf("  between the modes %.3f", st[i].gap);
        printf("\n");
        snprintf(name, sizeof name, "gen_mean_%s", M->name[i]);
        metrics_set(m, name, st[i].mean);
        snprintf(name, sizeof name, "gen_std_%s", M->name[i]);
        metrics_set(m, name, st[i].sd);
        snprintf(name, sizeof name, "w1_%s", M->name[i]);
        metrics_set(m, name, st[i].w1);
        if (t == TARGET_BIMODAL) {
            snprintf(name, sizeof name, "mode_share_left_%s", M->name[i]);
            metrics_set(m, name, st[i].left);
            snprintf(name, sizeof name, "mode_share_right_%s", M->name[i]);
            metrics_set(m, name, 1.0 - st[i].left);
            snprintf(name, sizeof name, "gap_share_%s", M->name[i]);
            metrics_set(m, name, st[i].gap);
        }
        gsl_rng_free(fixed);
    }
    out_close(h, "generated.dat");
    metrics_set(m, "generated_samples", (double)K);
    write_generated_figure(M, st, K);
    gsl_matrix_free(H);
    free(xs);
    free(ys);
}

/* ----------------------------------------------------------------------------
 * 13. The three experiments
 *
 * What one run does, decided from the flags by recipe() (appendix): which
 * targets it trains, their GANs, and how long the saturation experiment runs.
 * ------------------------------------------------------------------------- */
typedef struct run_plan {
    int gaussian, bimodal;      /* the targets of --target                        */
    gan_config gauss, bi;       /* their GANs (section 9 starts from gauss)       */
    long compare_steps;         /* section 9's experiment; 0: skipped             */
    long head_start;            /* its D-only steps first                         */
} run_plan;

/* Build, (optionally) compare gradient methods on the fresh GAN, train,
 * measure, draw: one target. Returns the trained GAN (for --save). */
static gan *train_target(session *S, const gan_config *cfg, int with_fd)
{
    gsl_rng *r = S->rng;
    run *R = run_new(cfg, r);
    if (with_fd)
        fd_versus_backprop(R->g, r, (size_t)cfg->batch, &S->m);  /* section 10 */
    train_run(R, r, S->cli.quiet);                              /* section 8  */
    measure_run(R, r, &S->m);                                   /* section 7  */
    write_loss_figure(R, S->cli.out);                           /* section 11 */
    write_snapshot_figure(R, S->cli.out);
    gan *g = R->g;
    R->g = NULL;                                /* kept: run_free leaves it */
    run_free(R);
    return g;
}

/* Section 9's experiment, its log lines, metrics and figure; its four
 * trained GANs go into M (for --save). */
static void saturation_experiment(session *S, const gan_config *cfg, long head_start, long steps,
                                  model_set *M)
{
    gan *g[CMP_RUNS];
    gsl_matrix *cmp = gsl_matrix_alloc((size_t)steps, CMP_COLS);
    compare_g_losses(cfg, S->rng, head_start, cmp, g);
    printf("\n== G loss compared on the gaussian target: D trained alone for %ld steps, then\n"
           "   %ld steps from that same state, with the same random numbers\n", head_start, steps);
    for (int i = 0; i < CMP_RUNS; i++) {
        const size_t col = 1 + (size_t)i * CMP_PER_RUN;
        const long reach = steps_to_reach(cmp, i, 1.5);
        char name[64];
        printf("%-20s first step: ||grad G|| %.3g, D(G(z)) %.4f; fakes reach mean 1.5 %s%ld\n",
               cmp_name[i], gsl_matrix_get(cmp, 0, col + CMP_GRAD),
               gsl_matrix_get(cmp, 0, col + CMP_DFAKE), reach < 0 ? "never, -1 = " : "at step ", reach);
        snprintf(name, sizeof name, "g_grad_first_%s", cmp_name[i]);
        metrics_set(&S->m, name, gsl_matrix_get(cmp, 0, col + CMP_GRAD));
        snprintf(name, sizeof name, "steps_to_halfway_%s", cmp_name[i]);
        metrics_set(&S->m, name, (double)reach);
        add_model(M, g[i], cmp_name[i], 1);
    }
    write_saturation_figure(cmp, head_start, S->cli.out);
    gsl_matrix_free(cmp);
}

/* --load: the same GANs a training run with these flags ends with, built
 * (fresh weights, drawn as training would draw them) to be read, not trained. */
static void build_models(model_set *M, const run_plan *P, gsl_rng *r)
{
    if (P->gaussian)
        add_model(M, gan_new(&P->gauss, r), "gaussian", 0);
    if (P->bimodal)
        add_model(M, gan_new(&P->bi, r), "bimodal", 0);
    if (P->compare_steps > 0) {
        gan_config cc[CMP_RUNS];
        compare_configs(&P->gauss, cc);
        for (int i = 0; i < CMP_RUNS; i++)
            add_model(M, gan_new(&cc[i], r), cmp_name[i], 1);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix (skip on a first reading): the flags, and the recipe of a run
 *
 * The chapter's knobs are a table (cli.h). session_start adds the flags every
 * chapter has (--seed, --quick, --out, --quiet) and, after the chapter's,
 * section 12's --save, --load and --generate, with their rules: --generate
 * needs --load, and --load trains nothing, so it takes no --save.
 * ------------------------------------------------------------------------- */
typedef struct gan_flags {      /* the knobs as given; recipe() completes them */
    const char *target, *g_loss, *init, *optim, *act, *lr_decay;
    long steps, batch, d_steps, noise_dim, hidden, g_hidden, compare_steps, head_start;
    double lr_d, lr_g;
} gan_flags;

static void start_run(session *S, gan_flags *F, int argc, char **argv)
{
    const gan_flags defaults = {
        .target = "both", .g_loss = "non-saturating", .init = "xavier", .optim = "adam",
        .act = "tanh", .lr_decay = "linear", .steps = 5000, .batch = 64, .d_steps = 1,
        .noise_dim = 0, .hidden = 16, .g_hidden = 0, .compare_steps = 200, .head_start = 1000,
        .lr_d = 1e-3, .lr_g = 1e-3};
    *F = defaults;
    const cli_option opts[] = {
        {"target", CLI_CHOICE, &F->target, "which data to learn", 0, 0, "both|gaussian|bimodal", 0},
        {"g-loss", CLI_CHOICE, &F->g_loss, "generator loss", 0, 0, "non-saturating|saturating", 0},
        {"steps", CLI_INT, &F->steps, "training iterations (G steps) per target", 1, 1e7, NULL, 0},
        {"batch", CLI_INT, &F->batch, "samples per batch (real and fake each)", 1, 1e5, NULL, 0},
        {"lr-d", CLI_REAL, &F->lr_d, "discriminator learning rate", 1e-8, 100, NULL, 0},
        {"lr-g", CLI_REAL, &F->lr_g, "generator learning rate", 1e-8, 100, NULL, 0},
        {"d-steps", CLI_INT, &F->d_steps, "D steps per G step", 1, 100, NULL, 0},
        {"noise-dim", CLI_INT, &F->noise_dim, "noise dimension (0: 1 for gaussian, 4 for bimodal)", 0, 1024, NULL, 0},
        {"hidden", CLI_INT, &F->hidden, "width of the hidden layers of D and G", 1, 4096, NULL, 0},
        {"g-hidden", CLI_INT, &F->g_hidden, "width of G's hidden layers alone (0: same as --hidden)", 0, 4096, NULL, 0},
        {"act", CLI_CHOICE, &F->act, "hidden activation of G and D", 0, 0, "tanh|leaky-relu|relu", 0},
        {"init", CLI_CHOICE, &F->init, "weight init (small: N(0, 0.1^2) as in seed 000)", 0, 0, "xavier|small", 0},
        {"optim", CLI_CHOICE, &F->optim, "optimiser of both players", 0, 0, "adam|sgd", 0},
        {"lr-decay", CLI_CHOICE, &F->lr_decay, "learning-rate schedule", 0, 0, "linear|none", 0},
        {"compare-steps", CLI_INT, &F->compare_steps, "steps of the saturating vs non-saturating runs (0: skip)", 0, 1e6, NULL, 0},
        {"head-start", CLI_INT, &F->head_start, "D-only steps before that comparison", 0, 1e6, NULL, 0},
    };
    session_start(S, "05-gan", "a 1D GAN: N(3, 0.5) and a two-mode mixture; saturating vs non-saturating G loss",
                  42, opts, sizeof opts / sizeof opts[0], SESSION_SAVE_LOAD, argc, argv);
}

/* The flags' words as settings; each target's noise (1-D for the Gaussian as
 * in seed 000, 4-D for the two modes as in seed 004, unless --noise-dim);
 * --quick shortens only what the user left alone. (Without --generate, a
 * --load run samples EVAL_N from each model: section 12.) */
static run_plan recipe(const session *S, const gan_flags *F)
{
    const cli *c = &S->cli;
    const int quick = c->quick;      /* shorten only what the user left alone */
    const gan_config base = {
        .gloss = strcmp(F->g_loss, "saturating") == 0 ? GLOSS_SATURATING : GLOSS_NON_SATURATING,
        .steps = quick && !cli_given(c, "steps") ? 300 : F->steps,
        .batch = F->batch, .d_steps = F->d_steps, .hidden = F->hidden, .g_hidden = F->g_hidden,
        .lr_d = F->lr_d, .lr_g = F->lr_g,
        .small_init = strcmp(F->init, "small") == 0, .sgd = strcmp(F->optim, "sgd") == 0,
        .lr_decay = strcmp(F->lr_decay, "linear") == 0,
        .act = strcmp(F->act, "relu") == 0 ? ACT_RELU : strcmp(F->act, "tanh") == 0 ? ACT_TANH : ACT_LEAKY_RELU,
    };
    run_plan P = {
        .gaussian = strcmp(F->target, "bimodal") != 0,
        .bimodal = strcmp(F->target, "gaussian") != 0,
        .gauss = base, .bi = base,
        .compare_steps = quick && !cli_given(c, "compare-steps") ? 60 : F->compare_steps,
        .head_start = quick && !cli_given(c, "head-start") ? 300 : F->head_start,
    };
    P.gauss.target = TARGET_GAUSSIAN;
    P.gauss.noise_dim = F->noise_dim ? F->noise_dim : 1;
    P.bi.target = TARGET_BIMODAL;
    P.bi.noise_dim = F->noise_dim ? F->noise_dim : 4;
    return P;
}

/* The log's first lines: the two players and how they learn. */
static void print_setup(const session *S, const gan_flags *F)
{
    const long gh = F->g_hidden ? F->g_hidden : F->hidden;
    printf("05-gan: seed %ld; G: noise -> %ld -> %ld -> 1, D: 1 -> %ld -> %ld -> 1, %s hidden units,\n"
           "%s init, %s (lr D %g, G %g, %s schedule)\n", S->cli.seed, gh, gh, F->hidden, F->hidden,
           F->act, F->init, strcmp(F->optim, "sgd") == 0 ? "plain SGD" : "Adam(0.5, 0.999)", F->lr_d,
           F->lr_g, F->lr_decay);
}

/* ----------------------------------------------------------------------------
 * main: the story in order.
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;                       /* flags, --out, seed, metrics, figures */
    gan_flags flags;
    start_run(&S, &flags, argc, argv);
    const run_plan P = recipe(&S, &flags);
    print_setup(&S, &flags);
    model_set M = {0};               /* every GAN of the run (section 12) */

    if (session_trains(&S)) {
        /* 1. N(3, 0.5), after a look at what finite differences would cost */
        if (P.gaussian)
            add_model(&M, train_target(&S, &P.gauss, 1), "gaussian", 0);

        /* 2. the two modes at -2 and +2 */
        if (P.bimodal)
            add_model(&M, train_target(&S, &P.bi, !P.gaussian), "bimodal", 0);

        /* 3. saturating vs non-saturating G loss, on the Gaussian */
        if (P.compare_steps > 0)
            saturation_experiment(&S, &P.gauss, P.head_start, P.compare_steps, &M);

        save_models(&S, &M);         /* 12. --save: keep every GAN of the run */
    } else {
        /* 12. --load: the same models, read instead of trained, then sampled */
        build_models(&M, &P, S.rng);
        load_models(&S, &M);
        generate_samples(&S, &M, S.generate ? S.generate : EVAL_N);
    }

    free_models(&M);
    session_finish(&S);              /* results, metrics.txt, values.gp, scripts */
    return 0;
}
#endif
