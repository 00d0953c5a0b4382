/* gan.c -- chapter 05: a generative adversarial network, in one dimension.
 *
 * Two small networks play a game. The generator G turns noise z into numbers
 * x = G(z); the discriminator D says how likely a number is to be real. D
 * learns to tell real from fake, G learns to fool D, and if all goes well G
 * ends up producing numbers distributed like the data, although nobody ever
 * gave it a formula for them: only D's opinion, one batch at a time. In 1D a
 * histogram shows all of G's distribution, with D(x) on top. README.md has
 * what each experiment measures, seed by seed, and what the sources got wrong.
 */
#include "genlab.h"

#include <stdarg.h>

/* ----------------------------------------------------------------------------
 * 1. The game
 *
 * D outputs a LOGIT l(x); the probability "x is real" is D(x) = sigmoid(l(x)).
 * D is a binary classifier, trained with binary cross-entropy, label 1 for
 * real data and 0 for G's samples. Its loss is the SUM of the two halves,
 * each a mean over its batch:
 *
 *     L_D = -mean_x log D(x)  -  mean_z log(1 - D(G(z)))
 *
 * G wants the opposite: the minimax game of Goodfellow et al. gives G the
 * first loss, the fix everybody uses (seed 003, 3.3) is the second. Same
 * fixed point; section 10 measures why the second learns early on and the
 * first, against a confident D, barely does.
 *
 *     saturating:       L_G =  mean_z log(1 - D(G(z)))        (minimise)
 *     non-saturating:   L_G = -mean_z log D(G(z))             (minimise)
 *
 * Where the game ends: if G's samples are distributed exactly like the data,
 * the best D can do is D(x) = 1/2 everywhere. Then (tests/ checks all three)
 *
 *     L_D = -log(1/2) - log(1/2) = 2 ln 2 = 1.386     (the SUM of two terms)
 *     L_G non-saturating   = -log(1/2) =  ln 2 = 0.693
 *     L_G saturating       =  log(1/2) = -ln 2 = -0.693
 *
 * (Seed 004 marks ln 2 for both losses: right for G, half of D's sum.)
 * ------------------------------------------------------------------------- */
typedef enum { TARGET_GAUSSIAN, TARGET_BIMODAL, N_TARGETS } target_kind;
typedef enum { GLOSS_NON_SATURATING, GLOSS_SATURATING } gloss_kind;

static const char *target_name(target_kind t) { return t == TARGET_GAUSSIAN ? "gaussian" : "bimodal"; }
static const char *gloss_name(gloss_kind k) { return k == GLOSS_SATURATING ? "saturating" : "non-saturating"; }

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
static const double GAUSS_MEAN = 3.0, GAUSS_SD = 0.5, MODE_AT = 2.0, MODE_SD = 0.3;

static void real_batch(target_kind t, gsl_rng *r, gsl_matrix *X)   /* X (n, 1) */
{
    for (size_t i = 0; i < X->size1; i++)
        gsl_matrix_set(X, i, 0, t == TARGET_GAUSSIAN ? GAUSS_MEAN + gsl_ran_gaussian(r, GAUSS_SD)
                                                     : toy_bimodal_draw(r, MODE_AT, MODE_SD));
}

static double real_density(target_kind t, double x)     /* bimodal: common/toy.h */
{
    return t == TARGET_GAUSSIAN ? gsl_ran_gaussian_pdf(x - GAUSS_MEAN, GAUSS_SD)
                                : toy_bimodal_pdf(x, MODE_AT, MODE_SD);
}

/* ----------------------------------------------------------------------------
 * 3. The two players
 *
 * Two small multilayer perceptrons (common/mlp.h), seed 000's widths:
 *
 *     G:  z (n, noise_dim) -> 16 -> 16 -> 1   tanh hidden, linear output x
 *     D:  x (n, 1)         -> 16 -> 16 -> 1   tanh hidden, linear output l
 *
 * z ~ N(0, I), 1-D for the Gaussian, 4-D for the two modes, as in the seeds.
 * G's output is linear: data can be any number (seed 004's sigmoid keeps its
 * samples in (0, 1)). D's is a logit: loss_bce_logits never takes log(0).
 *
 * Hidden units: tanh, not the sources' ReLU. A ReLU bends at x = -b/w: with
 * zero initial biases all of D bends at 0, and near 3 its logit is a line,
 * which tells "too far right" from "too far left" but not narrow from wide:
 * D goes blind to G's spread. tanh curves everywhere. Weights: Xavier. With
 * seed 000's N(0, 0.1^2) and plain SGD every gradient is a product of small
 * numbers, and G stalls far short of 3. (README measures both choices.)
 *
 * Separate parameter blocks and optimisers are the whole trick of alternating
 * training: an optimiser only moves its own block, so "freeze D" just means
 * "do not call D's optimiser".
 * ------------------------------------------------------------------------- */
#define EVAL_CHUNK 500     /* rows per forward pass when sampling many x   */
#define EVAL_N 10000       /* samples behind every measured number          */
#define N_BINS 80          /* histogram bins (grid points) of the pictures  */

typedef struct gan_setup {          /* one GAN, as recipe() (Appendix B) sets it */
    target_kind target;
    gloss_kind gloss;
    long steps, batch, d_steps;     /* G steps; samples per batch; D steps per G step */
    long noise_dim, hidden, g_hidden;   /* widths (G's hidden: g_hidden, if not 0) */
    double lr_d, lr_g;
    act_kind act;                   /* hidden activation of both networks          */
    int small_init, sgd, lr_decay;  /* seed 000's N(0, 0.1^2) weights and plain SGD;
                                       learning rates falling linearly to 0 (sec. 9) */
} gan_setup;

typedef struct gan {
    gan_setup setup;
    const char *name;               /* "gaussian", "sgd_saturating" ...: its files  */
    long step;                      /* G steps it has been trained                  */
    params *PG, *PD;
    mlp *G, *D;
    optimizer *optG, *optD;
    workspace *ws;                  /* work matrices (n, width), n <= max(batch, EVAL_CHUNK): */
    gsl_matrix *z, *real;           /*   noise (n, noise_dim), real samples (n, 1)  */
    gsl_matrix *dlogit, *dfake;     /*   dL/dl and dL/dx at x = G(z), (n, 1)        */
} gan;

static gan *gan_new(const gan_setup *s, const char *name, gsl_rng *r)
{
    gan *g = xmalloc(sizeof *g, "a GAN");
    *g = (gan){.setup = *s, .name = name};
    const size_t rows = s->batch > EVAL_CHUNK ? (size_t)s->batch : EVAL_CHUNK;   /* >= N_BINS */
    const size_t h = (size_t)s->hidden, hg = s->g_hidden ? (size_t)s->g_hidden : h;
    const size_t wg[] = {(size_t)s->noise_dim, hg, hg, 1}, wd[] = {1, h, h, 1};
    g->PG = params_alloc(mlp_size(wg, 4));
    g->PD = params_alloc(mlp_size(wd, 4));
    g->G = mlp_new(g->PG, wg, 4, s->act, ACT_IDENTITY, rows);
    g->D = mlp_new(g->PD, wd, 4, s->act, ACT_IDENTITY, rows);
    for (size_t l = 0; l < 6; l++) {                    /* layer l / 2 of G, then of D */
        dense *L = &(l % 2 ? g->D : g->G)->layer[l / 2];
        s->small_init ? dense_init_normal(L, r, 0.1) : dense_init_xavier(L, r);
    }
    /* Adam's beta1 = 0.5 (DCGAN): momentum that forgets faster, because the
     * other player keeps moving the loss surface under our feet. */
    g->optG = s->sgd ? optim_sgd(g->PG, s->lr_g, 0.0) : optim_adam(g->PG, s->lr_g, 0.5, 0.999);
    g->optD = s->sgd ? optim_sgd(g->PD, s->lr_d, 0.0) : optim_adam(g->PD, s->lr_d, 0.5, 0.999);
    g->ws = ws_new(rows);
    ws_add(g->ws, &g->z, (size_t)s->noise_dim);
    ws_add(g->ws, &g->real, 1);
    ws_add(g->ws, &g->dlogit, 1);
    ws_add(g->ws, &g->dfake, 1);
    return g;
}

static void gan_free(gan *g)
{
    mlp_free(g->G);
    mlp_free(g->D);
    params_free(g->PG);
    params_free(g->PD);
    optim_free(g->optG);
    optim_free(g->optD);
    ws_free(g->ws);
    free(g);
}

/* ----------------------------------------------------------------------------
 * 4. The discriminator's step (G fixed)
 *
 *     L_D = BCE(l(x_real), 1) + BCE(l(G(z)), 0)
 *     dL_D/dl = (sigmoid(l) - 1) / n   on the real half
 *             =  sigmoid(l)      / n   on the fake half
 *
 * mlp keeps the activations of its LAST forward pass only, so: real forward,
 * real backward, fake forward, fake backward; the halves' gradients add up
 * in PD->grad. G is only evaluated, never backpropagated into. (Seed 000's
 * layers step inside backward(), so its D scores the fake half with weights
 * the real half already moved; ours takes one step for one loss.)
 * ------------------------------------------------------------------------- */
static double d_loss_and_grad(gan *g, const gsl_matrix *real, const gsl_matrix *z, double *d_real)
{
    ws_rows(g->ws, real->size1);                                   /* (n, 1) */
    params_zero_grad(g->PD);
    const gsl_matrix *l_real = mlp_forward(g->D, real);
    double loss = loss_bce_logits(l_real, NULL, 1.0, g->dlogit);
    if (d_real)
        *d_real = mean_sigmoid(l_real);         /* D's mean "probability real" */
    mlp_backward(g->D, g->dlogit, NULL);

    const gsl_matrix *l_fake = mlp_forward(g->D, mlp_forward(g->G, z));   /* l(G(z)) */
    loss += loss_bce_logits(l_fake, NULL, 0.0, g->dlogit);
    mlp_backward(g->D, g->dlogit, NULL);
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
 * The middle line USES D's weights but must not CHANGE them: the walk back
 * through D computes only dL/dx (mlp_backward_input), and D's optimiser is
 * not called: that is all "freeze D" means. dL_G/dx is D's message to G:
 * for every fake sample, which way to move it to look more real.
 *
 * The two losses differ only in the first line. With s = sigmoid(l):
 *
 *     non-saturating  L = -mean log s       = BCE(l, 1)   dL/dl = (s - 1)/n
 *     saturating      L =  mean log(1 - s)  = -BCE(l, 0)  dL/dl = -s / n
 *
 * Early on D rejects G's samples: s = D(G(z)) is near 0, and so is the
 * saturating gradient -s/n, while the other is near -1/n, as large as it
 * gets. (Seed 003: log(1 - D(G(z))) is near 0 there, hence so is its slope.
 * But a small value need not have a small slope: what vanishes is the slope
 * itself, -sigmoid(l), as l goes to -infinity.)
 * ------------------------------------------------------------------------- */
static double g_loss_and_grad(gan *g, const gsl_matrix *z, gloss_kind kind, int want_grad,
                              double *d_fake)
{
    ws_rows(g->ws, z->size1);                                      /* (n, 1) */
    const gsl_matrix *logit = mlp_forward(g->D, mlp_forward(g->G, z));   /* l = D(G(z)) */
    const double loss = kind == GLOSS_NON_SATURATING
                            ? loss_bce_logits(logit, NULL, 1.0, g->dlogit)      /* dL/dl = (s - 1)/n */
                            : -loss_bce_logits(logit, NULL, 0.0, g->dlogit);    /* s / n ...         */
    if (kind == GLOSS_SATURATING)
        gsl_matrix_scale(g->dlogit, -1.0);                                      /* ... -s / n        */
    if (d_fake)
        *d_fake = mean_sigmoid(logit);
    if (want_grad) {
        params_zero_grad(g->PG);
        mlp_backward_input(g->D, g->dlogit, g->dfake);  /* dL/dx through frozen D */
        mlp_backward(g->G, g->dfake, NULL);             /* dL/dtheta into PG->grad */
    }
    return loss;
}

/* ----------------------------------------------------------------------------
 * 6. Why exact backpropagation, and not finite differences (seed 004)
 *
 * Seed 004 estimates its gradients by central differences,
 *
 *     dL/dw ~ (L(w + h) - L(w - h)) / (2h),      h = 1e-4,
 *
 * for a random 10 % of the weights each step, the rest left at 0, and no
 * bias gradient at all. That is the tool to CHECK a gradient (tests/ does
 * it), not to TRAIN with, as we measure once, on the fresh Gaussian GAN.
 * Cost: two forward passes of G and D per sampled weight (2 x 10 % x 288,
 * about 58 a step), where one backward pass gives all 321 gradients for the
 * price of about two (timings on stderr). Noise: a random 10 % slice of an evenly spread
 * gradient keeps a cosine of about sqrt(0.1) = 0.32 with it; here it is
 * worse, as G's first gradient is mostly "move every sample right", i.e. the
 * biases. The quotients themselves are accurate: the problem is sampling
 * (README: the numbers of seeds 1-5).
 * ------------------------------------------------------------------------- */
static void fd_versus_backprop(gan *g, gsl_rng *r, metrics *m)
{
    const double h = 1e-4, share = 0.1;
    const size_t n = g->PG->value->size;
    gsl_vector *exact = g->PG->grad, *fd = gsl_vector_calloc(n);  /* loss-only passes leave exact */
    ws_rows(g->ws, (size_t)g->setup.batch);
    rng_fill_gaussian(r, g->z, 0.0, 1.0);
    double t0 = now_seconds();
    g_loss_and_grad(g, g->z, GLOSS_NON_SATURATING, 1, NULL);
    const double t_exact = now_seconds() - t0;

    size_t weights = 0, sampled = 0;
    double worst = 0.0;                       /* largest relative error of a quotient */
    t0 = now_seconds();
    for (size_t l = 0; l < g->G->n_layers; l++) {
        dense *L = &g->G->layer[l];
        for (size_t k = 0; k < L->in * L->out; k++, weights++) {
            if (gsl_rng_uniform(r) >= share)
                continue;                             /* 90 %: no gradient this step */
            double *w = L->W.matrix.data + k, saved = *w, up, down;
            *w = saved + h;
            up = g_loss_and_grad(g, g->z, GLOSS_NON_SATURATING, 0, NULL);
            *w = saved - h;
            down = g_loss_and_grad(g, g->z, GLOSS_NON_SATURATING, 0, NULL);
            *w = saved;
            const size_t i = (size_t)(w - g->PG->value->data);
            const double num = (up - down) / (2.0 * h), ex = gsl_vector_get(exact, i);
            gsl_vector_set(fd, i, num);
            worst = fmax(worst, fabs(num - ex) / fmax(fabs(num) + fabs(ex), 1e-12));
            sampled++;
        }
    }
    const double t_fd = now_seconds() - t0;

    double bias_sq = 0.0, dot, dot_w;       /* the cosine to the exact gradient, */
    const double norm = gsl_blas_dnrm2(exact);          /* then to its weights alone */
    gsl_blas_ddot(fd, exact, &dot);
    for (size_t l = 0; l < g->G->n_layers; l++) {         /* zero the biases' part */
        bias_sq += gsl_pow_2(gsl_blas_dnrm2(&g->G->layer[l].db.vector));
        gsl_vector_set_zero(&g->G->layer[l].db.vector);
    }
    gsl_blas_ddot(fd, exact, &dot_w);
    const double nfd = gsl_blas_dnrm2(fd), nw = gsl_blas_dnrm2(exact);   /* guard: 0 */
    const double cosine = nfd > 0.0 && norm > 0.0 ? dot / (nfd * norm) : 0.0;
    const double cosine_w = nfd > 0.0 && nw > 0.0 ? dot_w / (nfd * nw) : 0.0;
    const double bias_share = norm > 0.0 ? bias_sq / (norm * norm) : 0.0;

    printf("\n== 6. Finite differences as in seed 004 (h = %g, %.0f %% of G's weights)\n", h, 100 * share);
    printf("G has %zu parameters (%zu weights); this step sampled %zu weights: %zu forward\n"
           "passes of G and D, against one forward and one backward for all %zu exactly\n",
           n, weights, sampled, 2 * sampled, n);
    printf("finite differences agree with backprop on the sampled weights to %.1e (relative),\n"
           "but the sampled gradient points %.0f degrees away from the true one (cosine %.3f):\n"
           "the biases, which seed 004 never updates, carry %.0f %% of the squared gradient;\n"
           "against the weights' part alone the cosine is still only %.3f\n",
           worst, acos(cosine) * 180.0 / M_PI, cosine, 100.0 * bias_share, cosine_w);
    note("finite differences %.2f ms, backprop %.3f ms for this step", 1e3 * t_fd, 1e3 * t_exact);
    metrics_set(m, "fd_forward_passes", (double)(2 * sampled));
    metrics_set(m, "fd_cosine_to_exact", cosine);
    metrics_set(m, "fd_max_rel_err", worst);
    metrics_set(m, "fd_bias_share", bias_share);
    metrics_set(m, "fd_cosine_weights_only", cosine_w);
    gsl_vector_free(fd);
}

/* ----------------------------------------------------------------------------
 * 7. Alternating steps (seed 003, section 3.4)
 *
 * Fix G, take a gradient step for D; fix D, take a gradient step for G;
 * repeat. One iteration here is k steps of D (k = --d-steps, 1 by default
 * as in both sources), then one step of G, each with fresh real data and
 * fresh noise. "Fix" costs nothing: D's step never backpropagates into G, and
 * G's step never calls D's optimiser.
 * ------------------------------------------------------------------------- */
typedef struct step_stats {
    double d_loss, g_loss;          /* D's loss (mean over its k steps), G's loss */
    double d_real, d_fake;          /* mean D(x) on real and on fake samples      */
    double g_grad_norm;             /* ||dL_G/dtheta|| of this step               */
    double fake_mean, fake_std;     /* of this step's fake batch                  */
} step_stats;

static double d_step(gan *g, gsl_rng *r, double *d_real)
{
    ws_rows(g->ws, (size_t)g->setup.batch);
    real_batch(g->setup.target, r, g->real);
    rng_fill_gaussian(r, g->z, 0.0, 1.0);
    const double loss = d_loss_and_grad(g, g->real, g->z, d_real);
    optim_step(g->optD);                              /* D learns; G untouched */
    return loss;
}

static void train_step(gan *g, gsl_rng *r, step_stats *st)
{
    const gan_setup *s = &g->setup;
    st->d_loss = 0.0;
    for (long k = 0; k < s->d_steps; k++)
        st->d_loss += d_step(g, r, &st->d_real);
    st->d_loss /= (double)s->d_steps;

    ws_rows(g->ws, (size_t)s->batch);
    rng_fill_gaussian(r, g->z, 0.0, 1.0);
    st->g_loss = g_loss_and_grad(g, g->z, s->gloss, 1, &st->d_fake);
    const gsl_matrix *x = mlp_output(g->G);                     /* the fakes, (n, 1) */
    st->fake_mean = gsl_stats_mean(x->data, x->tda, x->size1);
    st->fake_std = x->size1 > 1 ? gsl_stats_sd_m(x->data, x->tda, x->size1, st->fake_mean) : 0.0;
    st->g_grad_norm = params_grad_norm(g->PG);
    optim_step(g->optG);                 /* G learns; D's optimiser is NOT called */
}

/* ----------------------------------------------------------------------------
 * 8. Measuring a generator
 *
 * A GAN's losses say who is winning, not how good the samples are, so we
 * look at EVAL_N = 10000 samples G(z):
 *
 *   gaussian:  gen_mean and gen_std (goal: within 0.1 of 3 and 0.5)
 *   bimodal:   mode_share_left / right, below / above 0 (goal: each in 0.3 to
 *              0.7; a collapsed G gives 0 and 1), and gap_share_bimodal,
 *              |x| < 1 (0.04 % of the data): G maps connected noise to x
 *              continuously, so it always leaves a thin bridge between modes.
 *   both:      w1, the Wasserstein-1 distance to as many real samples, exact
 *              in 1D: sort both, pair them in order, average |a - b|.
 *
 * And the classic picture: real density, G's histogram and D(x) on a grid.
 * ------------------------------------------------------------------------- */
/* n numbers into out, EVAL_CHUNK rows at a time: samples of G, or of the data */
static void draw(gan *g, gsl_rng *r, int from_g, double *out, size_t n)
{
    for (size_t i = 0; i < n; i += EVAL_CHUNK) {
        ws_rows(g->ws, n - i < EVAL_CHUNK ? n - i : EVAL_CHUNK);               /* m rows */
        if (from_g)
            rng_fill_gaussian(r, g->z, 0.0, 1.0);                               /* (m, noise_dim) */
        else
            real_batch(g->setup.target, r, g->real);
        const gsl_matrix *x = from_g ? mlp_forward(g->G, g->z) : g->real;      /* (m, 1) */
        for (size_t k = 0; k < x->size1; k++)
            out[i + k] = gsl_matrix_get(x, k, 0);
    }
}

/* left, gap: the shares of samples below 0 and with |x| < 1 */
typedef struct evaluation { double mean, sd, left, gap, w1; } evaluation;

/* The numbers above for n samples xs of g (sorted in place by the W1), with
 * as many real samples drawn from r into ys. */
static evaluation evaluate(gan *g, gsl_rng *r, double *xs, double *ys, size_t n)
{
    evaluation e = {.mean = gsl_stats_mean(xs, 1, n)};
    e.sd = gsl_stats_sd_m(xs, 1, n, e.mean);
    for (size_t i = 0; i < n; i++) {              /* counts first, then shares */
        e.left += xs[i] < 0.0;
        e.gap += fabs(xs[i]) < 1.0;
    }
    e.left /= (double)n;
    e.gap /= (double)n;
    draw(g, r, 0, ys, n);
    e.w1 = toy_w1_sorted(xs, ys, n);       /* sorts both: common/toy.h */
    return e;
}

static const double plot_lo[] = {-1.0, -4.0}, plot_hi[] = {6.0, 4.0};   /* by target */

/* The picture into M (N_BINS, 4): x, real density, the n samples xs as a
 * density, D(x). Returns the share of xs that falls off the plot. */
static double histogram_with_d(gan *g, const double *xs, size_t n, gsl_matrix *M)
{
    const target_kind t = g->setup.target;
    const double lo = plot_lo[t], width = (plot_hi[t] - lo) / N_BINS;
    gsl_matrix_set_zero(M);
    size_t outside = 0;
    for (size_t i = 0; i < n; i++) {
        const double b = floor((xs[i] - lo) / width);
        if (b < 0.0 || b >= N_BINS)
            outside++;
        else
            *gsl_matrix_ptr(M, (size_t)b, 2) += 1.0 / ((double)n * width);     /* a density */
    }
    ws_rows(g->ws, N_BINS);
    for (size_t k = 0; k < N_BINS; k++) {
        const double x = lo + ((double)k + 0.5) * width;
        gsl_matrix_set(g->real, k, 0, x);                       /* the grid, (N_BINS, 1) */
        gsl_matrix_set(M, k, 0, x);
        gsl_matrix_set(M, k, 1, real_density(t, x));
    }
    const gsl_matrix *logit = mlp_forward(g->D, g->real);
    for (size_t k = 0; k < N_BINS; k++) {
        const double l = gsl_matrix_get(logit, k, 0);
        gsl_matrix_set(M, k, 3, l >= 0.0 ? 1.0 / (1.0 + exp(-l)) : exp(l) / (1.0 + exp(l)));
    }
    return (double)outside / (double)n;
}

/* ----------------------------------------------------------------------------
 * 9. One training run
 *
 * The loss log is a history (common/history.h): a row per step, with the
 * mean of the last WINDOW steps next to the raw values, which jump around
 * from batch to batch. Section 8's picture is taken at four moments. The
 * learning rates fall linearly to 0: near the equilibrium D's gradient is
 * mostly batch noise, and Adam scales every step to about lr whatever its
 * size, so with a constant lr the players never stop wandering.
 * ------------------------------------------------------------------------- */
#define WINDOW 100
#define N_SNAP 4

typedef struct snapshot {           /* section 8's picture after `step` steps, and */
    long step;                      /* its fakes' mean, sd and share off the grid  */
    double mean, sd, off;
    gsl_matrix *M;                  /* (N_BINS, 4)                                 */
} snapshot;

/* In the appendices: a name printf makes ("w1_gaussian"), the figures' data */
static void write_run_figures(const char *dir, const gan *g, const history *loss, const snapshot *snap);
static void write_saturation_figure(const gsl_matrix *cmp, long head_start, const char *dir);

/* One target: build, (once) section 6 on the fresh GAN, train, then measure G
 * and the losses' level at the end. Returns the GAN (for --save). */
static gan *train_target(session *S, const gan_setup *s, int with_fd)
{
    gsl_rng *r = S->rng;
    gan *g = gan_new(s, target_name(s->target), r);
    history *loss = history_new((size_t)s->steps, WINDOW, "d_loss g_loss mean_d_real mean_d_fake");
    double *xs = xmalloc(2 * EVAL_N * sizeof *xs, "samples");        /* G's, then the data's */
    const long steps = s->steps, every = steps >= 10 ? steps / 10 : 1;
    const long at[N_SNAP] = {0, steps / 10, steps / 3, steps};         /* the snapshots */
    snapshot snap[N_SNAP];
    step_stats st;
    progress p;
    for (int k = 0; k < N_SNAP; k++)
        snap[k].M = gsl_matrix_calloc(N_BINS, 4);
    if (with_fd)
        fd_versus_backprop(g, r, &S->m);

    printf("\n== 9. Training on the %s target: %s loss for G, %ld steps, batch %ld, %ld D step(s) per G step\n",
           target_name(s->target), gloss_name(s->gloss), steps, s->batch, s->d_steps);
    progress_start(&p, steps, S->cli.quiet);
    for (long step = 0, k = 0; step <= steps; step++) {
        for (; k < N_SNAP && at[k] == step; k++) {                 /* section 8's picture */
            draw(g, r, 1, xs, EVAL_N);
            snap[k].step = step;
            snap[k].mean = gsl_stats_mean(xs, 1, EVAL_N);
            snap[k].sd = gsl_stats_sd_m(xs, 1, EVAL_N, snap[k].mean);
            snap[k].off = histogram_with_d(g, xs, EVAL_N, snap[k].M);
        }
        if (step == steps)
            break;
        const double f = s->lr_decay ? 1.0 - (double)step / (double)steps : 1.0;   /* lr * f */
        g->optD->lr = s->lr_d * f, g->optG->lr = s->lr_g * f;
        train_step(g, r, &st);
        g->step = step + 1;
        check_finite(st.d_loss, "D loss", step + 1);
        check_finite(st.g_loss, "G loss", step + 1);
        history_add(loss, step + 1, (const double[]){st.d_loss, st.g_loss, st.d_real, st.d_fake});
        const double d_avg = history_mean(loss, 0), g_avg = history_mean(loss, 1);
        if ((step + 1) % every == 0)
            printf("step %5ld  D loss %.4f  G loss %.4f  D(real) %.3f  D(fake) %.3f  fakes %.3f +- %.3f\n",
                   step + 1, d_avg, g_avg, st.d_real, st.d_fake, st.fake_mean, st.fake_std);
        progress_report(&p, step + 1, "D %.3f  G %.3f", d_avg, g_avg);
    }
    progress_end(&p);

    /* the trained G (section 8), and the losses' level against their equilibrium (section 1) */
    const int sat = s->gloss == GLOSS_SATURATING;
    draw(g, r, 1, xs, EVAL_N);
    const evaluation e = evaluate(g, r, xs, xs + EVAL_N, EVAL_N);
    const double d_end = history_mean(loss, 0), g_end = history_mean(loss, 1);
    printf("%s: generated mean %.3f  std %.3f  share below 0 %.3f  W1 to data %.4f\n", g->name, e.mean,
           e.sd, e.left, e.w1);
    printf("%s: last %d steps  D loss %.4f (2 ln 2 = %.4f)  G loss %.4f (%s%.4f)\n", g->name, WINDOW, d_end,
           2.0 * M_LN2, g_end, sat ? "-ln 2 = " : "ln 2 = ", sat ? -M_LN2 : M_LN2);
    if (s->target == TARGET_GAUSSIAN) {                 /* the names, exactly */
        metrics_set(&S->m, "gen_mean", e.mean);
        metrics_set(&S->m, "gen_std", e.sd);
    } else {
        metrics_set(&S->m, "mode_share_left", e.left);
        metrics_set(&S->m, "mode_share_right", 1.0 - e.left);
        metrics_set(&S->m, "gap_share_bimodal", e.gap);
        metrics_set(&S->m, "gen_mean_bimodal", e.mean);
        metrics_set(&S->m, "gen_std_bimodal", e.sd);
    }
    metrics_setf(&S->m, e.w1, "w1_%s", g->name);
    metrics_setf(&S->m, d_end, "d_loss_end_%s", g->name);
    metrics_setf(&S->m, g_end, "g_loss_end_%s", g->name);

    write_run_figures(S->cli.out, g, loss, snap);
    history_free(loss);
    for (int k = 0; k < N_SNAP; k++)
        gsl_matrix_free(snap[k].M);
    free(xs);
    return g;
}

/* ----------------------------------------------------------------------------
 * 10. Saturating versus non-saturating, measured
 *
 * Seed 003's argument is about the START of training, when D rejects G's
 * samples with confidence; a fresh D says about 1/2 to everything, where
 * -s/n and (s - 1)/n are equally large. So D first trains alone for
 * --head-start steps on the Gaussian target, until D(G(z)) is near 0. Then
 * four GANs go on from that SAME state with the SAME random numbers (copied
 * parameters, cloned generators): saturating and non-saturating G loss,
 * with plain SGD (lr 0.02) and with Adam. Per step: ||dL_G/dtheta||, mean
 * D(G(z)) and the fakes' mean, and the first step at which that is half way
 * (1.5). The saturating gradient starts far smaller, and with SGD its G
 * barely moves. Adam divides each step by a running RMS of the gradient,
 * which undoes a uniform shrinking: both arrive together. But the fakes D
 * rejects most firmly still count least, so the non-saturating loss is
 * still the one to use. (README: the numbers of seeds 1-5.)
 * ------------------------------------------------------------------------- */
#define COMPARE_SGD_LR 0.02
enum { CMP_SGD_SAT, CMP_SGD_NS, CMP_ADAM_SAT, CMP_ADAM_NS, CMP_RUNS };
enum { CMP_GRAD, CMP_DFAKE, CMP_MEAN, CMP_PER_RUN };   /* columns of each run */

static const char *const cmp_name[CMP_RUNS] = {
    "sgd_saturating", "sgd_non_saturating", "adam_saturating", "adam_non_saturating"};

typedef struct run_plan {           /* what one run does, as recipe() (Appendix B) sets it */
    int trains[N_TARGETS];          /* the targets of --target, and their GANs            */
    gan_setup target[N_TARGETS];
    gan_setup cmp[CMP_RUNS];        /* here: the Gaussian GAN, with each run's G loss and optimiser */
    long compare_steps, head_start; /* (0 steps: skipped)                                 */
} run_plan;

/* The experiment, its log, metrics and figure; cmp (steps, 1 + 4 x 3) has
 * one row per step. Hands back the four trained GANs in g (for --save). */
static size_t saturation_experiment(session *S, const run_plan *P, gan *g[CMP_RUNS])
{
    const long steps = P->compare_steps, head_start = P->head_start;
    gsl_rng *r = S->rng, *rr[CMP_RUNS];
    gsl_matrix *cmp = gsl_matrix_alloc((size_t)steps, 1 + CMP_RUNS * CMP_PER_RUN);
    long reach[CMP_RUNS] = {-1, -1, -1, -1};          /* first step with fake mean >= 1.5 */
    step_stats st;
    gan *g0 = gan_new(&P->target[TARGET_GAUSSIAN], "head_start", r);   /* the common start */
    for (long k = 0; k < head_start; k++)
        check_finite(d_step(g0, r, NULL), "D loss (head start)", k + 1);
    for (int i = 0; i < CMP_RUNS; i++) {
        g[i] = gan_new(&P->cmp[i], cmp_name[i], r);
        gsl_vector_memcpy(g[i]->PG->value, g0->PG->value);     /* same G       */
        gsl_vector_memcpy(g[i]->PD->value, g0->PD->value);     /* same D       */
    }
    for (int i = 0; i < CMP_RUNS; i++)
        rr[i] = gsl_rng_clone(r);                              /* same draws   */
    for (long k = 0; k < steps; k++) {
        gsl_matrix_set(cmp, (size_t)k, 0, (double)(k + 1));
        for (int i = 0; i < CMP_RUNS; i++) {
            train_step(g[i], rr[i], &st);
            g[i]->step = k + 1;
            check_finite(st.g_loss, "G loss (comparison)", k + 1);
            check_finite(st.d_loss, "D loss (comparison)", k + 1);
            double *row = gsl_matrix_ptr(cmp, (size_t)k, 1 + (size_t)i * CMP_PER_RUN);
            row[CMP_GRAD] = st.g_grad_norm;
            row[CMP_DFAKE] = st.d_fake;
            row[CMP_MEAN] = st.fake_mean;
            if (reach[i] < 0 && st.fake_mean >= 1.5)
                reach[i] = k + 1;
        }
    }
    printf("\n== 10. G loss compared on the gaussian target: D trained alone for %ld steps, then\n"
           "   %ld steps from that same state, with the same random numbers\n", head_start, steps);
    for (int i = 0; i < CMP_RUNS; i++) {
        const double *first = gsl_matrix_const_ptr(cmp, 0, 1 + (size_t)i * CMP_PER_RUN);
        printf("%-20s first step: ||grad G|| %.3g, D(G(z)) %.4f; fakes reach mean 1.5 %s%ld\n", cmp_name[i],
               first[CMP_GRAD], first[CMP_DFAKE], reach[i] < 0 ? "never, -1 = " : "at step ", reach[i]);
        metrics_setf(&S->m, first[CMP_GRAD], "g_grad_first_%s", cmp_name[i]);
        metrics_setf(&S->m, (double)reach[i], "steps_to_halfway_%s", cmp_name[i]);
        gsl_rng_free(rr[i]);
    }
    write_saturation_figure(cmp, head_start, S->cli.out);
    gsl_matrix_free(cmp);
    gan_free(g0);
    return CMP_RUNS;
}

/* ----------------------------------------------------------------------------
 * Appendix A. The figures' data (skip on a first reading)
 *
 * loss_<target>, snapshots_<target> (section 8's picture at four moments),
 * saturation (10), generated (C): scripts in chapters/05-gan/figures/.
 * ------------------------------------------------------------------------- */

/* One picture of histogram_with_d as one index (a title, columns) of a file. */
static void write_picture(FILE *f, const gsl_matrix *M, const char *title)
{
    fprintf(f, "# %s\n# x real_density generated_density D_of_x\n", title);
    for (size_t i = 0; i < M->size1; i++)
        fprintf(f, "%.9g %.9g %.9g %.9g\n", gsl_matrix_get(M, i, 0), gsl_matrix_get(M, i, 1),
                gsl_matrix_get(M, i, 2), gsl_matrix_get(M, i, 3));
    fprintf(f, "\n\n");
}

static void write_run_figures(const char *dir, const gan *g, const history *loss, const snapshot *snap)
{
    const char *tn = g->name;
    char file[64], title[128];
    history_write(loss, dir, out_name("loss_%s.dat", tn));
    fig_usef("loss_%s", tn);
    fig_text(out_name("loss_%s_g_loss", tn), "%s", gloss_name(g->setup.gloss));   /* G's level */
    snprintf(file, sizeof file, "snapshots_%s.dat", tn);
    FILE *f = out_open(dir, file);
    for (int k = 0; k < N_SNAP; k++) {                 /* panel k + 1: the picture, its title */
        snprintf(title, sizeof title, "step %ld (gen mean %.3f, std %.3f, %.1f %% outside the plot)",
                 snap[k].step, snap[k].mean, snap[k].sd, 100.0 * snap[k].off);
        write_picture(f, snap[k].M, title);
        fig_valuef((double)snap[k].step, "snapshots_%s_step_%d", tn, k + 1);
        fig_valuef(snap[k].mean, "snapshots_%s_mean_%d", tn, k + 1);
        fig_valuef(snap[k].sd, "snapshots_%s_std_%d", tn, k + 1);
    }
    out_close(f, file);
    fig_usef("snapshots_%s", tn);
    fig_valuef(plot_lo[g->setup.target], "snapshots_%s_x_lo", tn);
    fig_valuef(plot_hi[g->setup.target], "snapshots_%s_x_hi", tn);
}

static void write_saturation_figure(const gsl_matrix *cmp, long head_start, const char *dir)
{
#define COLUMNS(run) " grad_norm_" run " mean_D_fake_" run " fake_mean_" run
    out_write_matrix(dir, "saturation.dat", "step" COLUMNS("sgd_saturating") COLUMNS("sgd_non_saturating")
                     COLUMNS("adam_saturating") COLUMNS("adam_non_saturating"), cmp);
    fig_use("saturation");
    fig_value("saturation_head_start", (double)head_start);
    fig_value("saturation_sgd_lr", COMPARE_SGD_LR);
}

/* ----------------------------------------------------------------------------
 * Appendix B. The flags, and the recipe of a run
 *
 * The chapter's knobs are a table (cli.h); session_start adds the flags of
 * every chapter and Appendix C's, with their rules (common/session.h).
 * ------------------------------------------------------------------------- */
typedef struct config {         /* the knobs as given; recipe() completes them */
    const char *target, *g_loss, *init, *optim, *act, *lr_decay;
    long steps, batch, d_steps, noise_dim, hidden, g_hidden, compare_steps, head_start;
    double lr_d, lr_g;
} config;

static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.target = "both", .g_loss = "non-saturating", .init = "xavier", .optim = "adam",
                    .act = "tanh", .lr_decay = "linear", .steps = 5000, .batch = 64, .d_steps = 1,
                    .hidden = 16, .compare_steps = 200, .head_start = 1000, .lr_d = 1e-3, .lr_g = 1e-3};
    const cli_option opts[] = {
        {"target", CLI_CHOICE, &cfg->target, "which data to learn", 0, 0, "both|gaussian|bimodal", 0},
        {"g-loss", CLI_CHOICE, &cfg->g_loss, "generator loss", 0, 0, "non-saturating|saturating", 0},
        {"steps", CLI_INT, &cfg->steps, "training iterations (G steps) per target", 1, 1e7, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "samples per batch (real and fake each)", 1, 1e5, NULL, 0},
        {"lr-d", CLI_REAL, &cfg->lr_d, "discriminator learning rate", 1e-8, 100, NULL, 0},
        {"lr-g", CLI_REAL, &cfg->lr_g, "generator learning rate", 1e-8, 100, NULL, 0},
        {"d-steps", CLI_INT, &cfg->d_steps, "D steps per G step", 1, 100, NULL, 0},
        {"noise-dim", CLI_INT, &cfg->noise_dim, "noise dimension (0: 1 for gaussian, 4 for bimodal)", 0, 1024, NULL, 0},
        {"hidden", CLI_INT, &cfg->hidden, "width of the hidden layers of D and G", 1, 4096, NULL, 0},
        {"g-hidden", CLI_INT, &cfg->g_hidden, "width of G's hidden layers alone (0: same as --hidden)", 0, 4096, NULL, 0},
        {"act", CLI_CHOICE, &cfg->act, "hidden activation of G and D", 0, 0, "tanh|leaky-relu|relu", 0},
        {"init", CLI_CHOICE, &cfg->init, "weight init (small: N(0, 0.1^2) as in seed 000)", 0, 0, "xavier|small", 0},
        {"optim", CLI_CHOICE, &cfg->optim, "optimiser of both players", 0, 0, "adam|sgd", 0},
        {"lr-decay", CLI_CHOICE, &cfg->lr_decay, "learning-rate schedule", 0, 0, "linear|none", 0},
        {"compare-steps", CLI_INT, &cfg->compare_steps, "steps of the saturating vs non-saturating runs (0: skip)", 0, 1e6, NULL, 0},
        {"head-start", CLI_INT, &cfg->head_start, "D-only steps before that comparison", 0, 1e6, NULL, 0},
    };
    session_start(S, "05-gan", "a 1D GAN: N(3, 0.5) and a two-mode mixture; saturating vs non-saturating G loss",
                  42, opts, sizeof opts / sizeof opts[0], SESSION_SAVE_LOAD, argc, argv);
    const long gh = cfg->g_hidden ? cfg->g_hidden : cfg->hidden;         /* the log's first lines */
    printf("05-gan: seed %ld; G: noise -> %ld -> %ld -> 1, D: 1 -> %ld -> %ld -> 1, %s hidden units,\n"
           "%s init, %s (lr D %g, G %g, %s schedule)\n", S->cli.seed, gh, gh, cfg->hidden, cfg->hidden,
           cfg->act, cfg->init, strcmp(cfg->optim, "sgd") == 0 ? "plain SGD" : "Adam(0.5, 0.999)",
           cfg->lr_d, cfg->lr_g, cfg->lr_decay);
}

/* The flags' words as settings; each target's noise (1-D for the Gaussian as
 * in seed 000, 4-D for the two modes as in seed 004, unless --noise-dim);
 * section 10's four runs; --quick shortens only what the user left alone. */
static run_plan recipe(const session *S, const config *cfg)
{
    const cli *c = &S->cli;
    run_plan P = {.trains = {strcmp(cfg->target, "bimodal") != 0, strcmp(cfg->target, "gaussian") != 0},
                  .compare_steps = c->quick && !cli_given(c, "compare-steps") ? 60 : cfg->compare_steps,
                  .head_start = c->quick && !cli_given(c, "head-start") ? 300 : cfg->head_start};
    for (int t = 0; t < N_TARGETS; t++)
        P.target[t] = (gan_setup){
            .target = (target_kind)t, .noise_dim = cfg->noise_dim ? cfg->noise_dim : t == TARGET_GAUSSIAN ? 1 : 4,
            .gloss = strcmp(cfg->g_loss, "saturating") == 0 ? GLOSS_SATURATING : GLOSS_NON_SATURATING,
            .steps = c->quick && !cli_given(c, "steps") ? 300 : cfg->steps,
            .batch = cfg->batch, .d_steps = cfg->d_steps, .hidden = cfg->hidden, .g_hidden = cfg->g_hidden,
            .lr_d = cfg->lr_d, .lr_g = cfg->lr_g,
            .small_init = strcmp(cfg->init, "small") == 0, .sgd = strcmp(cfg->optim, "sgd") == 0,
            .lr_decay = strcmp(cfg->lr_decay, "linear") == 0,
            .act = strcmp(cfg->act, "relu") == 0 ? ACT_RELU : strcmp(cfg->act, "tanh") == 0 ? ACT_TANH : ACT_LEAKY_RELU};
    for (int i = 0; i < CMP_RUNS; i++) {
        P.cmp[i] = P.target[TARGET_GAUSSIAN];
        P.cmp[i].gloss = i == CMP_SGD_SAT || i == CMP_ADAM_SAT ? GLOSS_SATURATING : GLOSS_NON_SATURATING;
        if ((P.cmp[i].sgd = i == CMP_SGD_SAT || i == CMP_SGD_NS))
            P.cmp[i].lr_d = P.cmp[i].lr_g = COMPARE_SGD_LR;
    }
    return P;
}

/* ----------------------------------------------------------------------------
 * Appendix C. Keeping the trained models: --save, --load, --generate
 *
 * --save: every GAN of the run in one checkpoint (G, D, both optimisers,
 * so that the game could go on, the step; once the generator). --load
 * builds the same GANs from the flags and reads them. Block names carry the
 * shaping flags ("gaussian-ns.tanh.G1x16.params": the Gaussian run's G,
 * non-saturating, tanh, 1-D noise, width 16; README), so other flags are
 * refused naming the first block that differs. --generate K samples each G
 * (EVAL_N without it) from noise seeded anew for each: same seed, same files.
 * ------------------------------------------------------------------------- */
typedef struct model_set { size_t n; gan *g[N_TARGETS + CMP_RUNS]; } model_set;   /* a run's GANs */

/* What a checkpoint of the models holds. A GAN's role in the names: target and
 * G loss ("gaussian-ns"), or for section 10's runs optimiser and loss. */
static void describe_models(checkpoint *ck, model_set *M)
{
    *ck = (checkpoint){0};
    for (size_t i = 0; i < M->n; i++) {
        gan *g = M->g[i];
        const gan_setup *s = &g->setup;
        const char *act = act_name(s->act), *opt = s->sgd ? "sgd" : "adam";
        const char *loss = s->gloss == GLOSS_SATURATING ? "sat" : "ns";
        char role[16], G[CHECKPOINT_NAME_LEN], D[CHECKPOINT_NAME_LEN];
        const int main_run = strcmp(g->name, target_name(s->target)) == 0;
        snprintf(role, sizeof role, "%s-%s", main_run ? g->name : s->sgd ? "cmp-sgd" : "cmp-adam", loss);
        snprintf(G, sizeof G, "%s.%s.G%ldx%ld", role, act, s->noise_dim, s->g_hidden ? s->g_hidden : s->hidden);
        snprintf(D, sizeof D, "%s.%s.D%ld", role, act, s->hidden);
        checkpoint_add_params(ck, G, g->PG);
        checkpoint_add_params(ck, D, g->PD);
        checkpoint_add_optimizer(ck, out_name("%s.%s", G, opt), g->optG);
        checkpoint_add_optimizer(ck, out_name("%s.%s", D, opt), g->optD);
        checkpoint_add_long(ck, out_name("%s.%s.step", role, act), &g->step);
    }
}

/* --save (without it, nothing), or --load into the GANs a training run with
 * these flags ends with, built (weights drawn as training would draw them). */
static void keep_models(session *S, model_set *M, const run_plan *P)
{
    checkpoint ck;
    char err[4400], what[32];
    for (int t = 0; !session_trains(S) && t < N_TARGETS; t++)
        if (P->trains[t])
            M->g[M->n++] = gan_new(&P->target[t], target_name((target_kind)t), S->rng);
    for (int i = 0; !session_trains(S) && P->compare_steps > 0 && i < CMP_RUNS; i++)
        M->g[M->n++] = gan_new(&P->cmp[i], cmp_name[i], S->rng);
    describe_models(&ck, M);
    snprintf(what, sizeof what, "%zu GAN(s)", M->n);
    const size_t per_gan = ck.n / M->n;
    if (session_trains(S))
        session_save(S, &ck, what);
    else if (checkpoint_load(&ck, S->load, S->rng, err, sizeof err) == 0)
        note("loaded %s from %s", what, S->load);
    else if (ck.error == CHECKPOINT_ERR_MODEL && ck.file_blocks != 0 && ck.file_blocks != ck.n &&
             ck.file_blocks % per_gan == 0)      /* a sound file, a whole number of GANs, not ours */
        die("%s holds %zu GAN(s), a run with these flags has %zu: give the --target and "
            "--compare-steps (0 or not) it was saved with", S->load, ck.file_blocks / per_gan, M->n);
    else
        session_load(S, &ck, what);        /* anything else: refused, in every chapter's words */
}

/* --generate K: for every model, its K samples (generated_<name>.dat), their
 * picture (generated.dat, one index per model) and section 8's numbers. */
static void generate_samples(session *S, model_set *M, long K)
{
    const size_t n = (size_t)K;
    double *xs = xmalloc(2 * n * sizeof *xs, "samples");
    gsl_matrix *H = gsl_matrix_alloc(N_BINS, 4);
    char title[128];
    printf("\n== Appendix C. %ld samples of each loaded generator (noise seed %lu)\n", K, S->sample_seed);
    FILE *h = out_open(S->cli.out, "generated.dat");
    fig_use("generated");
    fig_value("generated_samples", (double)K);
    fig_value("generated_n", (double)M->n);
    for (size_t i = 0; i < M->n; i++) {
        gan *g = M->g[i];
        gsl_rng *fixed = rng_new(S->sample_seed);       /* the same for every model */
        draw(g, fixed, 1, xs, n);
        gsl_matrix_view col = gsl_matrix_view_array(xs, n, 1);
        snprintf(title, sizeof title, "%ld samples x = G(z) of the %s model after %ld steps\n# x", K, g->name,
                 g->step);
        out_write_matrix(S->cli.out, out_name("generated_%s.dat", g->name), title, &col.matrix);
        const double off = histogram_with_d(g, xs, n, H);
        const evaluation e = evaluate(g, fixed, xs, xs + n, n);          /* sorts xs */
        snprintf(title, sizeof title, "%s after %ld steps (mean %.3f, std %.3f, %.1f %% outside the plot)",
                 g->name, g->step, e.mean, e.sd, 100.0 * off);
        write_picture(h, H, title);
        printf("%-20s %5ld steps: mean %.3f  std %.3f  share below 0 %.3f  W1 to data %.4f", g->name,
               g->step, e.mean, e.sd, e.left, e.w1);
        const int bimodal = g->setup.target == TARGET_BIMODAL;
        const char *key[] = {"gen_mean", "gen_std", "w1", "mode_share_left", "mode_share_right", "gap_share",
                             "steps", "mean", "std", "w1", "x_lo", "x_hi"};
        const double val[] = {e.mean, e.sd, e.w1, e.left, 1.0 - e.left, e.gap,
                              (double)g->step, e.mean, e.sd, e.w1, plot_lo[bimodal], plot_hi[bimodal]};
        for (int v = 0; v < (bimodal ? 6 : 3); v++)         /* the metrics; panel i + 1's title */
            metrics_setf(&S->m, val[v], "%s_%s", key[v], g->name);
        for (int v = 6; v < 12; v++)
            fig_valuef(val[v], "generated_%s_%zu", key[v], i + 1);
        printf(bimodal ? "  between the modes %.3f\n" : "\n", e.gap);
        for (char *p = strcpy(title, g->name); *p; p++)   /* "sgd saturating": in gnuplot */
            *p = *p == '_' ? ' ' : *p;                    /* titles, _ is a subscript     */
        fig_text(out_name("generated_name_%zu", i + 1), "%s", title);
        gsl_rng_free(fixed);
    }
    out_close(h, "generated.dat");
    metrics_set(&S->m, "generated_samples", (double)K);
    gsl_matrix_free(H);
    free(xs);
}

/* ----------------------------------------------------------------------------
 * main: the story in order.
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;                       /* flags, --out, seed, metrics, figures */
    config cfg;
    start(&S, &cfg, argc, argv);     /* B: the flags, the log's first lines  */
    const run_plan P = recipe(&S, &cfg);
    model_set M = {0};               /* every GAN of the run (C)             */

    if (session_trains(&S)) {
        if (P.trains[TARGET_GAUSSIAN])   /* 6 and 9: N(3, 0.5), after a look at finite differences */
            M.g[M.n++] = train_target(&S, &P.target[TARGET_GAUSSIAN], 1);
        if (P.trains[TARGET_BIMODAL])    /* 9: the two modes at -2 and +2 */
            M.g[M.n++] = train_target(&S, &P.target[TARGET_BIMODAL], !P.trains[TARGET_GAUSSIAN]);
        if (P.compare_steps > 0)         /* 10: saturating vs non-saturating G loss */
            M.n += saturation_experiment(&S, &P, M.g + M.n);
    }
    keep_models(&S, &M, &P);         /* C: --save every GAN of the run, or --load them */
    if (!session_trains(&S))
        generate_samples(&S, &M, S.generate ? S.generate : EVAL_N);     /* C */

    for (size_t i = 0; i < M.n; i++)
        gan_free(M.g[i]);
    session_finish(&S);              /* results, metrics.txt, values.gp, scripts */
    return 0;
}
#endif
