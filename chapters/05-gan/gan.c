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
 * and run two experiments: finite differences, as in seed 004, against
 * backpropagation (section 6), and the "saturating" generator loss of the
 * original minimax game against the "non-saturating" one used in practice
 * (section 10). README.md has what they measure, seed by seed, and what the
 * source texts got wrong.
 *
 * Run:   make bin/05-gan && bin/05-gan          (both targets, a few seconds)
 *        bin/05-gan --save gan.ckpt && bin/05-gan --load gan.ckpt --generate 500
 */
#include "genlab.h"

#include <stdarg.h>

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
 * section 10 measures why the second one learns early on and the first one,
 * with a confident D, barely does.
 *
 * Where the game ends: if G's samples are distributed exactly like the data,
 * the best D can do is D(x) = 1/2 everywhere. Then (tests/ checks all three)
 *
 *     L_D = -log(1/2) - log(1/2) = 2 ln 2 = 1.386     (the SUM of two terms)
 *     L_G non-saturating   = -log(1/2) =  ln 2 = 0.693
 *     L_G saturating       =  log(1/2) = -ln 2 = -0.693
 *
 * (Seed 004 draws one "equilibrium" line at ln 2 for both of its losses:
 * right for G, half the level of D's, which is a sum too.)
 * ------------------------------------------------------------------------- */
typedef enum { TARGET_GAUSSIAN, TARGET_BIMODAL } target_kind;
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
#define GAUSS_MEAN 3.0
#define GAUSS_SD 0.5
#define MODE_AT 2.0
#define MODE_SD 0.3

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
 * Both are small multilayer perceptrons (common/mlp.h) with the widths of
 * seed 000:
 *
 *     G:  z (n, noise_dim) -> 16 -> 16 -> 1   tanh hidden, linear output x
 *     D:  x (n, 1)         -> 16 -> 16 -> 1   tanh hidden, linear output l
 *
 * noise_dim is 1 for the Gaussian (seed 000) and 4 for the two modes (seed
 * 004); z ~ N(0, I), as in both sources' code. G's output is linear because
 * data can be any real number (seed 004's ends in a sigmoid, so its samples
 * never leave (0, 1), far from its modes). D's is linear because it is a
 * logit: the sigmoid lives inside the loss (loss_bce_logits), where
 * log sigmoid(l) is computed without ever taking log(0).
 *
 * Hidden units: tanh, where the sources use ReLU. A ReLU unit bends at
 * x = -b/w, so with zero initial biases every unit of D bends at x = 0, and
 * where N(3, 0.5) lives D's logit is a straight line in x. A straight line
 * tells "too far right" from "too far left", not a narrow distribution from
 * a wide one with the same mean: once G's mean is right, D goes blind to the
 * spread and G's width drifts with the noise. tanh curves everywhere.
 *
 * Initialisation: Xavier (dense.h). Seed 000 draws every weight from
 * N(0, 0.1^2) and trains with plain SGD at lr 0.001: through three layers of
 * such weights every gradient is a product of small numbers, and its G's
 * mean, though it grows, stops far short of 3. (README has both, measured.)
 *
 * The two networks have separate parameter blocks and separate optimisers.
 * That separation is the whole trick of alternating training: an optimiser
 * only moves the block it was given, so "freeze D" just means "do not call
 * D's optimiser". Their work matrices live in one workspace, sized once for
 * the most rows any pass sees: a batch, or EVAL_CHUNK samples when measuring.
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
    int small_init, sgd;            /* N(0, 0.1^2) weights, plain SGD: as seed 000 */
    int lr_decay;                   /* learning rates fall linearly to 0 (sec. 9)  */
} gan_setup;

typedef struct gan {
    gan_setup setup;
    const char *name;               /* "gaussian", "sgd_saturating" ...: its files  */
    long step;                      /* G steps it has been trained                  */
    params *PG, *PD;
    mlp *G, *D;
    optimizer *optG, *optD;
    workspace *ws;                  /* the work matrices, (n, width) each:          */
    gsl_matrix *z, *real;           /*   noise (n, noise_dim), real samples (n, 1)  */
    gsl_matrix *dlogit, *dfake;     /*   dL/dl and dL/dx at x = G(z), (n, 1)        */
} gan;

static gan *gan_new(const gan_setup *s, const char *name, gsl_rng *r)
{
    gan *g = xcalloc(1, sizeof *g, "a GAN");
    g->setup = *s;
    g->name = name;
    const size_t rows = s->batch > EVAL_CHUNK ? (size_t)s->batch : EVAL_CHUNK;   /* >= N_BINS */
    const size_t h = (size_t)s->hidden, hg = s->g_hidden ? (size_t)s->g_hidden : h;
    const size_t wg[] = {(size_t)s->noise_dim, hg, hg, 1}, wd[] = {1, h, h, 1};
    g->PG = params_alloc(mlp_size(wg, 4));
    g->PD = params_alloc(mlp_size(wd, 4));
    g->G = mlp_new(g->PG, wg, 4, s->act, ACT_IDENTITY, rows);
    g->D = mlp_new(g->PD, wd, 4, s->act, ACT_IDENTITY, rows);
    for (size_t l = 0; l < 3; l++) {                       /* G's layer l, then D's */
        if (s->small_init) {
            dense_init_normal(&g->G->layer[l], r, 0.1);
            dense_init_normal(&g->D->layer[l], r, 0.1);
        } else {
            dense_init_xavier(&g->G->layer[l], r);
            dense_init_xavier(&g->D->layer[l], r);
        }
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
 * mlp keeps the activations of its LAST forward pass only, so we do real
 * forward, real backward, fake forward, fake backward; the parameter
 * gradients of the two halves add up in PD->grad (backward accumulates).
 * G is only evaluated here: we never backpropagate into it, so nothing about
 * G changes. (Seed 000's layers update their weights inside backward(), so
 * its D scores the fake half with weights the real half has already moved.
 * Ours computes the gradient of one loss at one point, then takes one step.)
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
 * steps: section 10 measures it. (Seed 003 argues that log(1 - D(G(z))) is
 * close to 0 there, hence so is the gradient. A small value does not make a
 * small slope: what vanishes is the slope of log(1 - sigmoid(l)), -sigmoid(l),
 * as l goes to -infinity, where the curve flattens out.)
 * ------------------------------------------------------------------------- */
static double g_loss_and_grad(gan *g, const gsl_matrix *z, gloss_kind kind, int want_grad,
                              double *d_fake)
{
    ws_rows(g->ws, z->size1);                                      /* (n, 1) */
    const gsl_matrix *logit = mlp_forward(g->D, mlp_forward(g->G, z));   /* l = D(G(z)) */
    double loss;
    if (kind == GLOSS_NON_SATURATING) {
        loss = loss_bce_logits(logit, NULL, 1.0, g->dlogit);        /* (s - 1)/n */
    } else {
        loss = -loss_bce_logits(logit, NULL, 0.0, g->dlogit);       /* s / n ... */
        gsl_matrix_scale(g->dlogit, -1.0);                          /* ... -s / n */
    }
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
 * for a random 10 % of the weights at every step, leaving the other 90 % at
 * zero, and never computes a bias gradient at all (its biases stay 0). That
 * is the right tool to CHECK a gradient (tests/ does it) and the wrong one to
 * TRAIN with, for two reasons we measure once, on the fresh Gaussian GAN:
 *
 *   cost:  every sampled weight costs two forward passes of G and D (about
 *          2 x 10 % x 288 = 58 a step), while one backward pass gives ALL
 *          321 gradients for about the price of two (timings on stderr).
 *   noise: a random 10 % slice of an evenly spread gradient keeps a cosine
 *          of about sqrt(0.1) = 0.32 to the true direction. Here it is worse:
 *          at the start, G's gradient is almost all "move every sample
 *          right", i.e. G's biases, which seed 004 never touches.
 *
 * The quotients themselves are accurate in double precision (the log prints
 * how accurate): the problem is not rounding, it is the sampling and the cost.
 * ------------------------------------------------------------------------- */
static void fd_versus_backprop(gan *g, gsl_rng *r, metrics *m)
{
    const double h = 1e-4, share = 0.1;
    const size_t n = g->PG->value->size;
    gsl_vector *exact = gsl_vector_alloc(n), *fd = gsl_vector_calloc(n);
    ws_rows(g->ws, (size_t)g->setup.batch);
    rng_fill_gaussian(r, g->z, 0.0, 1.0);
    double t0 = now_seconds();
    g_loss_and_grad(g, g->z, GLOSS_NON_SATURATING, 1, NULL);
    const double t_exact = now_seconds() - t0;
    gsl_vector_memcpy(exact, g->PG->grad);

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

    /* the cosine to the exact gradient, then to its weights' part alone */
    double bias_sq = 0.0, dot, dot_w;
    const double norm = gsl_blas_dnrm2(exact);
    gsl_blas_ddot(fd, exact, &dot);
    for (size_t l = 0; l < g->G->n_layers; l++) {              /* zero the biases */
        const dense *L = &g->G->layer[l];
        gsl_vector_view db = gsl_vector_view_array(exact->data + (L->db.vector.data - g->PG->grad->data), L->out);
        bias_sq += gsl_pow_2(gsl_blas_dnrm2(&db.vector));
        gsl_vector_set_zero(&db.vector);
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
    gsl_vector_free(exact);
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
 * A GAN has no likelihood to report, and its losses say who is winning the
 * game, not how good the samples are. So we look at the samples themselves:
 * EVAL_N = 10000 draws of G(z), against the target.
 *
 *   gaussian:  gen_mean and gen_std (goal: within 0.1 of 3 and 0.5)
 *   bimodal:   mode_share_left / right, the share of samples below / above 0
 *              (goal: each between 0.3 and 0.7; a collapsed G gives 0 and 1),
 *              and gap_share_bimodal, the share with |x| < 1, between the
 *              modes (0.04 % of the data). G maps connected noise to x
 *              continuously, so it cannot jump from one mode to the other:
 *              it always leaves a thin bridge of samples across the gap.
 *   both:      w1, the Wasserstein-1 distance between the generated samples
 *              and as many fresh real ones. In 1D it is exact and cheap: sort
 *              both, pair them up in order, average |a_i - b_i|.
 *
 * And the classic picture of a GAN at one moment: on a grid of bin centres,
 * the real density, a histogram of G's samples (as a density) and D(x).
 * ------------------------------------------------------------------------- */
static void sample_generator(gan *g, gsl_rng *r, double *out, size_t count)
{
    for (size_t i = 0; i < count; i += EVAL_CHUNK) {
        const size_t m = count - i < EVAL_CHUNK ? count - i : EVAL_CHUNK;
        ws_rows(g->ws, m);
        rng_fill_gaussian(r, g->z, 0.0, 1.0);                   /* (m, noise_dim) */
        const gsl_matrix *x = mlp_forward(g->G, g->z);          /* (m, 1)         */
        for (size_t k = 0; k < m; k++)
            out[i + k] = gsl_matrix_get(x, k, 0);
    }
}

typedef struct evaluation {
    double mean, sd;
    double left, gap;      /* shares below 0, and with |x| < 1 */
    double w1;             /* to as many fresh real samples    */
} evaluation;

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
    for (size_t i = 0; i < n; i += EVAL_CHUNK) {                 /* n real samples */
        const size_t m = n - i < EVAL_CHUNK ? n - i : EVAL_CHUNK;
        ws_rows(g->ws, m);
        real_batch(g->setup.target, r, g->real);
        for (size_t k = 0; k < m; k++)
            ys[i + k] = gsl_matrix_get(g->real, k, 0);
    }
    e.w1 = toy_w1_sorted(xs, ys, n);       /* sorts both: common/toy.h */
    return e;
}

/* the x range of a target's pictures */
static const double plot_lo[] = {[TARGET_GAUSSIAN] = -1.0, [TARGET_BIMODAL] = -4.0};
static const double plot_hi[] = {[TARGET_GAUSSIAN] = 6.0, [TARGET_BIMODAL] = 4.0};

/* The picture's columns on N_BINS bin centres: x, the real density, the n
 * samples xs as a histogram scaled to a density, and D(x), into M (N_BINS, 4).
 * Returns the share of the samples that fall off the plot. */
static double histogram_with_d(gan *g, const double *xs, size_t n, gsl_matrix *M)
{
    const target_kind t = g->setup.target;
    const double lo = plot_lo[t], width = (plot_hi[t] - lo) / N_BINS;
    gsl_matrix_view col = gsl_matrix_submatrix(M, 0, 2, N_BINS, 1);
    gsl_matrix_set_zero(&col.matrix);
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
 * Everything the loop needs is allocated before it: the networks' work
 * matrices (gan_new), the loss log and the snapshots. The log is a history
 * (common/history.h): one row per step, and next to the raw values their
 * trailing mean over the last WINDOW steps, because single GAN losses jump
 * around a lot from batch to batch. The snapshots, section 8's picture, are
 * taken before the first step, early, a third of the way, and at the end.
 *
 * The learning rates fall linearly from their starting value to 0 over the
 * run (--lr-decay linear). Near the equilibrium D's gradient is mostly batch
 * noise, and Adam scales every step to about lr whatever the gradient's size:
 * with a constant lr the two players never stop wandering, and where G's
 * samples happen to be at the last step is luck. The decay lets them settle.
 * ------------------------------------------------------------------------- */
#define WINDOW 100
#define N_SNAP 4

typedef struct run {
    gan *g;
    history *loss;                  /* d_loss g_loss mean_d_real mean_d_fake       */
    long snap_step[N_SNAP];         /* the snapshots: when, the picture (N_BINS, 4) */
    gsl_matrix *snap[N_SNAP];       /* and the fakes' mean, sd and share off it    */
    double snap_mean[N_SNAP], snap_sd[N_SNAP], snap_off[N_SNAP];
    double *xs, *ys;                /* (EVAL_N) samples                            */
} run;

static void train_run(run *R, gsl_rng *r, int quiet)
{
    gan *g = R->g;
    const gan_setup *s = &g->setup;
    const long steps = s->steps, every = steps >= 10 ? steps / 10 : 1;
    const long at[N_SNAP] = {0, steps / 10, steps / 3, steps};         /* snapshots */
    int k = 0;
    step_stats st;
    progress p;
    printf("\n== 9. Training on the %s target: %s loss for G, %ld steps, batch %ld, %ld D step(s) per G step\n",
           target_name(s->target), gloss_name(s->gloss), steps, s->batch, s->d_steps);
    progress_start(&p, steps, quiet);
    for (long step = 0; step <= steps; step++) {
        for (; k < N_SNAP && at[k] == step; k++) {                 /* section 8's picture */
            sample_generator(g, r, R->xs, EVAL_N);
            R->snap_step[k] = step;
            R->snap_mean[k] = gsl_stats_mean(R->xs, 1, EVAL_N);
            R->snap_sd[k] = gsl_stats_sd_m(R->xs, 1, EVAL_N, R->snap_mean[k]);
            R->snap_off[k] = histogram_with_d(g, R->xs, EVAL_N, R->snap[k]);
        }
        if (step == steps)
            break;
        if (s->lr_decay) {                            /* lr * (1 - step / steps) */
            g->optD->lr = s->lr_d * (1.0 - (double)step / (double)steps);
            g->optG->lr = s->lr_g * (1.0 - (double)step / (double)steps);
        }
        train_step(g, r, &st);
        g->step = step + 1;
        check_finite(st.d_loss, "D loss", step + 1);
        check_finite(st.g_loss, "G loss", step + 1);
        history_add(R->loss, step + 1, (const double[]){st.d_loss, st.g_loss, st.d_real, st.d_fake});
        const double d_avg = history_mean(R->loss, 0), g_avg = history_mean(R->loss, 1);
        if ((step + 1) % every == 0)
            printf("step %5ld  D loss %.4f  G loss %.4f  D(real) %.3f  D(fake) %.3f  fakes %.3f +- %.3f\n",
                   step + 1, d_avg, g_avg, st.d_real, st.d_fake, st.fake_mean, st.fake_std);
        progress_report(&p, step + 1, "D %.3f  G %.3f", d_avg, g_avg);
    }
    progress_end(&p);
}

/* Plumbing, in the appendices: a metric whose name printf makes; the data of
 * a run's figures and of section 10's. */
static void metric(metrics *m, double value, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void write_run_figures(const run *R, const char *dir);
static void write_saturation_figure(const gsl_matrix *cmp, long head_start, const char *dir);

/* One target from start to finish: build, section 6's look at finite
 * differences on the fresh GAN (once), train, then measure the trained G
 * (section 8) and the losses' level over the last WINDOW steps against their
 * equilibrium (section 1). The four metric names are kept exactly;
 * the others carry the target's name. Returns the GAN (for --save). */
static gan *train_target(session *S, const gan_setup *s, int with_fd)
{
    run R = {.g = gan_new(s, target_name(s->target), S->rng),
             .loss = history_new((size_t)s->steps, WINDOW, "d_loss g_loss mean_d_real mean_d_fake"),
             .xs = xmalloc(EVAL_N * sizeof(double), "samples"),
             .ys = xmalloc(EVAL_N * sizeof(double), "samples")};
    for (int k = 0; k < N_SNAP; k++)
        R.snap[k] = gsl_matrix_calloc(N_BINS, 4);
    if (with_fd)
        fd_versus_backprop(R.g, S->rng, &S->m);
    train_run(&R, S->rng, S->cli.quiet);

    const char *tn = R.g->name;
    const int sat = s->gloss == GLOSS_SATURATING;
    sample_generator(R.g, S->rng, R.xs, EVAL_N);
    const evaluation e = evaluate(R.g, S->rng, R.xs, R.ys, EVAL_N);
    const double d_end = history_mean(R.loss, 0), g_end = history_mean(R.loss, 1);
    printf("%s: generated mean %.3f  std %.3f  share below 0 %.3f  W1 to data %.4f\n", tn, e.mean, e.sd,
           e.left, e.w1);
    printf("%s: last %d steps  D loss %.4f (2 ln 2 = %.4f)  G loss %.4f (%s%.4f)\n", tn, WINDOW, d_end,
           2.0 * M_LN2, g_end, sat ? "-ln 2 = " : "ln 2 = ", sat ? -M_LN2 : M_LN2);
    if (s->target == TARGET_GAUSSIAN) {
        metrics_set(&S->m, "gen_mean", e.mean);
        metrics_set(&S->m, "gen_std", e.sd);
    } else {
        metrics_set(&S->m, "mode_share_left", e.left);
        metrics_set(&S->m, "mode_share_right", 1.0 - e.left);
        metrics_set(&S->m, "gap_share_bimodal", e.gap);
        metrics_set(&S->m, "gen_mean_bimodal", e.mean);
        metrics_set(&S->m, "gen_std_bimodal", e.sd);
    }
    metric(&S->m, e.w1, "w1_%s", tn);
    metric(&S->m, d_end, "d_loss_end_%s", tn);
    metric(&S->m, g_end, "g_loss_end_%s", tn);

    write_run_figures(&R, S->cli.out);
    history_free(R.loss);
    for (int k = 0; k < N_SNAP; k++)
        gsl_matrix_free(R.snap[k]);
    free(R.xs);
    free(R.ys);
    return R.g;
}

/* ----------------------------------------------------------------------------
 * 10. Saturating versus non-saturating, measured
 *
 * Seed 003's argument (its section 3.3) is about the START of training, when
 * D can reject G's samples with confidence. A freshly initialised D cannot
 * do that yet: it says about 1/2 to everything, and at s = 1/2 the two
 * losses' gradients -s/n and (s - 1)/n are equally large. So we first give D
 * a head start: --head-start steps of D alone, with G fixed, on the Gaussian
 * target, after which D(G(z)) is close to 0: the situation of the text.
 *
 * Then four GANs continue from that SAME state (same G, same trained D,
 * copied parameter vectors) with the SAME random numbers (each gets a clone
 * of the run's generator): saturating and non-saturating G loss, each with
 * plain SGD (lr 0.02, both players) and with Adam (--lr-d, --lr-g). We
 * record ||dL_G/dtheta||, the mean D(G(z)) and the fake batch's mean per
 * step, and the first step at which the fakes are half way (mean 1.5).
 *
 * The saturating gradient starts far smaller, the text's story, and with
 * plain SGD, whose step is lr times the gradient, its G barely moves. With
 * Adam both arrive at about the same time: Adam divides every step by a
 * running RMS of the gradient, which undoes a uniform shrinking. Adam hides
 * the saturation; it does not hide what -s/n does to the samples' relative
 * weights (the fakes D rejects most firmly count least), so the
 * non-saturating loss is still the one to use.
 * ------------------------------------------------------------------------- */
#define COMPARE_SGD_LR 0.02
enum { CMP_SGD_SAT, CMP_SGD_NS, CMP_ADAM_SAT, CMP_ADAM_NS, CMP_RUNS };
enum { CMP_GRAD, CMP_DFAKE, CMP_MEAN, CMP_PER_RUN };   /* columns of each run */

static const char *const cmp_name[CMP_RUNS] = {
    "sgd_saturating", "sgd_non_saturating", "adam_saturating", "adam_non_saturating"};

/* The four runs: the chapter's Gaussian GAN with G loss and optimiser set
 * per run. (Also how --load rebuilds them: Appendix C.) */
static void compare_setups(const gan_setup *base, gan_setup s[CMP_RUNS])
{
    for (int i = 0; i < CMP_RUNS; i++) {
        s[i] = *base;
        s[i].target = TARGET_GAUSSIAN;
        s[i].gloss = i == CMP_SGD_SAT || i == CMP_ADAM_SAT ? GLOSS_SATURATING : GLOSS_NON_SATURATING;
        s[i].sgd = i == CMP_SGD_SAT || i == CMP_SGD_NS;
        if (s[i].sgd)
            s[i].lr_d = s[i].lr_g = COMPARE_SGD_LR;
    }
}

/* The experiment, its log, metrics and figure; cmp (steps, 1 + 4 x 3) has
 * one row per step. The four trained GANs are handed back in g (for --save). */
static void saturation_experiment(session *S, const gan_setup *base, long head_start, long steps,
                                  gan *g[CMP_RUNS])
{
    gsl_rng *r = S->rng, *rr[CMP_RUNS];
    gan_setup s[CMP_RUNS], s0 = *base;
    gsl_matrix *cmp = gsl_matrix_alloc((size_t)steps, 1 + CMP_RUNS * CMP_PER_RUN);
    step_stats st;
    s0.target = TARGET_GAUSSIAN;        /* the common start: fresh G, D trained alone */
    gan *g0 = gan_new(&s0, "head_start", r);
    for (long k = 0; k < head_start; k++)
        check_finite(d_step(g0, r, NULL), "D loss (head start)", k + 1);
    compare_setups(base, s);
    for (int i = 0; i < CMP_RUNS; i++) {
        g[i] = gan_new(&s[i], cmp_name[i], r);
        gsl_vector_memcpy(g[i]->PG->value, g0->PG->value);     /* same G       */
        gsl_vector_memcpy(g[i]->PD->value, g0->PD->value);     /* same D       */
    }
    for (int i = 0; i < CMP_RUNS; i++)
        rr[i] = gsl_rng_clone(r);                              /* same draws   */
    for (size_t k = 0; k < (size_t)steps; k++) {
        gsl_matrix_set(cmp, k, 0, (double)(k + 1));
        for (int i = 0; i < CMP_RUNS; i++) {
            train_step(g[i], rr[i], &st);
            g[i]->step = (long)k + 1;
            check_finite(st.g_loss, "G loss (comparison)", (long)k + 1);
            check_finite(st.d_loss, "D loss (comparison)", (long)k + 1);
            double *row = gsl_matrix_ptr(cmp, k, 1 + (size_t)i * CMP_PER_RUN);
            row[CMP_GRAD] = st.g_grad_norm;
            row[CMP_DFAKE] = st.d_fake;
            row[CMP_MEAN] = st.fake_mean;
        }
    }
    printf("\n== 10. G loss compared on the gaussian target: D trained alone for %ld steps, then\n"
           "   %ld steps from that same state, with the same random numbers\n", head_start, steps);
    for (int i = 0; i < CMP_RUNS; i++) {
        const size_t c = 1 + (size_t)i * CMP_PER_RUN;
        long reach = -1;                           /* the first step with fake mean >= 1.5 */
        for (size_t k = 0; k < (size_t)steps && reach < 0; k++)
            if (gsl_matrix_get(cmp, k, c + CMP_MEAN) >= 1.5)
                reach = (long)k + 1;
        printf("%-20s first step: ||grad G|| %.3g, D(G(z)) %.4f; fakes reach mean 1.5 %s%ld\n", cmp_name[i],
               gsl_matrix_get(cmp, 0, c + CMP_GRAD), gsl_matrix_get(cmp, 0, c + CMP_DFAKE),
               reach < 0 ? "never, -1 = " : "at step ", reach);
        metric(&S->m, gsl_matrix_get(cmp, 0, c + CMP_GRAD), "g_grad_first_%s", cmp_name[i]);
        metric(&S->m, (double)reach, "steps_to_halfway_%s", cmp_name[i]);
        gsl_rng_free(rr[i]);
    }
    write_saturation_figure(cmp, head_start, S->cli.out);
    gsl_matrix_free(cmp);
    gan_free(g0);
}

/* ----------------------------------------------------------------------------
 * Appendix A. The figures' data (skip on a first reading)
 *
 * loss_<target> (the losses, each with its equilibrium level, section 1),
 * snapshots_<target> (section 8's picture at four moments), saturation
 * (section 10) and generated (a --load run's samples, Appendix C). The
 * scripts are chapters/05-gan/figures/NAME.gp; we write the data files they
 * read, and this run's numbers they use (values.gp, by session_finish).
 * ------------------------------------------------------------------------- */
static void metric(metrics *m, double value, const char *fmt, ...)
{
    char name[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    metrics_set(m, name, value);
}

/* fig_value under a name printf makes */
static void __attribute__((format(printf, 2, 3))) fig_valuef(double value, const char *fmt, ...)
{
    char name[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    fig_value(name, value);
}

/* One picture of histogram_with_d as one index of a data file. */
static void write_picture(FILE *f, const gsl_matrix *M, const char *title)
{
    fprintf(f, "# %s\n# x real_density generated_density D_of_x\n", title);
    for (size_t i = 0; i < M->size1; i++)
        fprintf(f, "%.9g %.9g %.9g %.9g\n", gsl_matrix_get(M, i, 0), gsl_matrix_get(M, i, 1),
                gsl_matrix_get(M, i, 2), gsl_matrix_get(M, i, 3));
    fprintf(f, "\n\n");                             /* gnuplot: next index */
}

static void write_run_figures(const run *R, const char *dir)
{
    const char *tn = R->g->name;
    char name[64], title[128];
    snprintf(name, sizeof name, "loss_%s.dat", tn);
    history_write(R->loss, dir, name);
    snprintf(name, sizeof name, "loss_%s", tn);
    fig_use(name);
    snprintf(name, sizeof name, "loss_%s_g_loss", tn);      /* G's level: ln 2 or -ln 2 */
    fig_text(name, "%s", gloss_name(R->g->setup.gloss));

    snprintf(name, sizeof name, "snapshots_%s.dat", tn);
    FILE *f = out_open(dir, name);
    for (int k = 0; k < N_SNAP; k++) {
        snprintf(title, sizeof title, "step %ld (gen mean %.3f, std %.3f, %.1f %% outside the plot)",
                 R->snap_step[k], R->snap_mean[k], R->snap_sd[k], 100.0 * R->snap_off[k]);
        write_picture(f, R->snap[k], title);
    }
    out_close(f, name);
    snprintf(name, sizeof name, "snapshots_%s", tn);
    fig_use(name);
    fig_valuef(plot_lo[R->g->setup.target], "snapshots_%s_x_lo", tn);
    fig_valuef(plot_hi[R->g->setup.target], "snapshots_%s_x_hi", tn);
    for (int k = 0; k < N_SNAP; k++) {                          /* panel k + 1's title */
        fig_valuef((double)R->snap_step[k], "snapshots_%s_step_%d", tn, k + 1);
        fig_valuef(R->snap_mean[k], "snapshots_%s_mean_%d", tn, k + 1);
        fig_valuef(R->snap_sd[k], "snapshots_%s_std_%d", tn, k + 1);
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

typedef struct run_plan {
    int gaussian, bimodal;          /* the targets of --target                   */
    gan_setup gauss, bi;            /* their GANs (section 10 starts from gauss) */
    long compare_steps, head_start; /* section 10 (0 steps: skipped)             */
} run_plan;

/* The flags' words as settings; each target's noise (1-D for the Gaussian as
 * in seed 000, 4-D for the two modes as in seed 004, unless --noise-dim);
 * --quick shortens only what the user left alone. */
static run_plan recipe(const session *S, const config *cfg)
{
    const cli *c = &S->cli;
    const gan_setup base = {
        .gloss = strcmp(cfg->g_loss, "saturating") == 0 ? GLOSS_SATURATING : GLOSS_NON_SATURATING,
        .steps = c->quick && !cli_given(c, "steps") ? 300 : cfg->steps,
        .batch = cfg->batch, .d_steps = cfg->d_steps, .hidden = cfg->hidden, .g_hidden = cfg->g_hidden,
        .lr_d = cfg->lr_d, .lr_g = cfg->lr_g,
        .small_init = strcmp(cfg->init, "small") == 0, .sgd = strcmp(cfg->optim, "sgd") == 0,
        .lr_decay = strcmp(cfg->lr_decay, "linear") == 0,
        .act = strcmp(cfg->act, "relu") == 0 ? ACT_RELU : strcmp(cfg->act, "tanh") == 0 ? ACT_TANH : ACT_LEAKY_RELU,
    };
    run_plan P = {.gaussian = strcmp(cfg->target, "bimodal") != 0, .bimodal = strcmp(cfg->target, "gaussian") != 0,
                  .gauss = base, .bi = base,
                  .compare_steps = c->quick && !cli_given(c, "compare-steps") ? 60 : cfg->compare_steps,
                  .head_start = c->quick && !cli_given(c, "head-start") ? 300 : cfg->head_start};
    P.gauss.target = TARGET_GAUSSIAN;
    P.gauss.noise_dim = cfg->noise_dim ? cfg->noise_dim : 1;
    P.bi.target = TARGET_BIMODAL;
    P.bi.noise_dim = cfg->noise_dim ? cfg->noise_dim : 4;
    return P;
}

/* ----------------------------------------------------------------------------
 * Appendix C. Keeping the trained models: --save, --load, --generate
 *
 * --save FILE writes every GAN of the run (the targets' and section 10's)
 * into one checkpoint (common/checkpoint.h): G, D (a GAN is a pair), both
 * optimisers' state (a fresh Adam would take full-size first steps) and the
 * step of each, and once the random generator. --load FILE builds the same
 * GANs from the same flags and reads them instead of training. The block
 * names carry the flags that shape a GAN, "gaussian-ns.tanh.G1x16.params"
 * (G of the Gaussian run, non-saturating loss, tanh, 1-D noise, width 16) or
 * "cmp-sgd-sat.tanh.D16.sgd.m" (section 10), so another shape is refused in
 * one line naming the first block that differs: sizes alone would not do
 * (tanh and ReLU networks have the same sizes). --generate K samples every
 * loaded G (without it, EVAL_N times) from noise of its own, seeded with the
 * session's sample seed anew for each: same checkpoint and seed, same files.
 * ------------------------------------------------------------------------- */
typedef struct model_set {
    size_t n;
    gan *g[2 + CMP_RUNS];
} model_set;

/* What a checkpoint of the models holds; nothing is copied yet. A GAN's role
 * in the names: its target and G loss ("gaussian-ns"), or for section 10's
 * runs, whose names are not a target's, optimiser and loss ("cmp-sgd-sat"). */
static void describe_models(checkpoint *ck, model_set *M)
{
    *ck = (checkpoint){0};
    for (size_t i = 0; i < M->n; i++) {
        gan *g = M->g[i];
        const gan_setup *s = &g->setup;
        const char *act = act_name(s->act), *opt = s->sgd ? "sgd" : "adam";
        const char *loss = s->gloss == GLOSS_SATURATING ? "sat" : "ns";
        char role[16], G[CHECKPOINT_NAME_LEN], D[CHECKPOINT_NAME_LEN], name[CHECKPOINT_NAME_LEN + 8];
        if (strcmp(g->name, target_name(s->target)) == 0)
            snprintf(role, sizeof role, "%s-%s", g->name, loss);
        else
            snprintf(role, sizeof role, "cmp-%s-%s", opt, loss);
        snprintf(G, sizeof G, "%s.%s.G%ldx%ld", role, act, s->noise_dim, s->g_hidden ? s->g_hidden : s->hidden);
        snprintf(D, sizeof D, "%s.%s.D%ld", role, act, s->hidden);
        checkpoint_add_params(ck, G, g->PG);
        checkpoint_add_params(ck, D, g->PD);
        snprintf(name, sizeof name, "%s.%s", G, opt);
        checkpoint_add_optimizer(ck, name, g->optG);
        snprintf(name, sizeof name, "%s.%s", D, opt);
        checkpoint_add_optimizer(ck, name, g->optD);
        snprintf(name, sizeof name, "%s.%s.step", role, act);
        checkpoint_add_long(ck, name, &g->step);
    }
}

/* --save (without it, nothing): every GAN of the run, and its generator */
static void save_models(session *S, model_set *M)
{
    checkpoint ck;
    char what[32];
    describe_models(&ck, M);
    snprintf(what, sizeof what, "%zu GAN(s)", M->n);
    session_save(S, &ck, what);
}

/* --load: the GANs a training run with these flags ends with, built (weights
 * drawn as training would draw them), then read. */
static void load_models(session *S, model_set *M, const run_plan *P)
{
    gan_setup cs[CMP_RUNS];
    compare_setups(&P->gauss, cs);
    if (P->gaussian)
        M->g[M->n++] = gan_new(&P->gauss, "gaussian", S->rng);
    if (P->bimodal)
        M->g[M->n++] = gan_new(&P->bi, "bimodal", S->rng);
    for (int i = 0; P->compare_steps > 0 && i < CMP_RUNS; i++)
        M->g[M->n++] = gan_new(&cs[i], cmp_name[i], S->rng);
    checkpoint ck;
    char err[4400], what[32];
    describe_models(&ck, M);
    snprintf(what, sizeof what, "%zu GAN(s)", M->n);
    const size_t per_gan = ck.n / M->n;
    if (checkpoint_load(&ck, S->load, S->rng, err, sizeof err) == 0)
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
    double *xs = xmalloc(n * sizeof *xs, "samples"), *ys = xmalloc(n * sizeof *ys, "samples");
    gsl_matrix *H = gsl_matrix_alloc(N_BINS, 4);
    char file[64], title[128];
    printf("\n== Appendix C. %ld samples of each loaded generator (noise seed %lu)\n", K, S->sample_seed);
    FILE *h = out_open(S->cli.out, "generated.dat");
    fig_use("generated");
    fig_value("generated_samples", (double)K);
    fig_value("generated_n", (double)M->n);
    for (size_t i = 0; i < M->n; i++) {
        gan *g = M->g[i];
        gsl_rng *fixed = rng_new(S->sample_seed);       /* the same for every model */
        sample_generator(g, fixed, xs, n);
        snprintf(file, sizeof file, "generated_%s.dat", g->name);
        FILE *f = out_open(S->cli.out, file);
        fprintf(f, "# %ld samples x = G(z) of the %s model after %ld steps\n# x\n", K, g->name, g->step);
        for (size_t k = 0; k < n; k++)
            fprintf(f, "%.9g\n", xs[k]);
        out_close(f, file);

        const double off = histogram_with_d(g, xs, n, H);
        const evaluation e = evaluate(g, fixed, xs, ys, n);              /* sorts xs */
        snprintf(title, sizeof title, "%s after %ld steps (mean %.3f, std %.3f, %.1f %% outside the plot)",
                 g->name, g->step, e.mean, e.sd, 100.0 * off);
        write_picture(h, H, title);
        printf("%-20s %5ld steps: mean %.3f  std %.3f  share below 0 %.3f  W1 to data %.4f", g->name,
               g->step, e.mean, e.sd, e.left, e.w1);
        metric(&S->m, e.mean, "gen_mean_%s", g->name);
        metric(&S->m, e.sd, "gen_std_%s", g->name);
        metric(&S->m, e.w1, "w1_%s", g->name);
        if (g->setup.target == TARGET_BIMODAL) {
            printf("  between the modes %.3f", e.gap);
            metric(&S->m, e.left, "mode_share_left_%s", g->name);
            metric(&S->m, 1.0 - e.left, "mode_share_right_%s", g->name);
            metric(&S->m, e.gap, "gap_share_%s", g->name);
        }
        printf("\n");
        for (char *p = strcpy(title, g->name); *p; p++)   /* "sgd saturating": in gnuplot */
            *p = *p == '_' ? ' ' : *p;                    /* titles, _ is a subscript     */
        snprintf(file, sizeof file, "generated_name_%zu", i + 1);
        fig_text(file, "%s", title);
        fig_valuef((double)g->step, "generated_steps_%zu", i + 1);
        fig_valuef(e.mean, "generated_mean_%zu", i + 1);
        fig_valuef(e.sd, "generated_std_%zu", i + 1);
        fig_valuef(e.w1, "generated_w1_%zu", i + 1);
        fig_valuef(plot_lo[g->setup.target], "generated_x_lo_%zu", i + 1);
        fig_valuef(plot_hi[g->setup.target], "generated_x_hi_%zu", i + 1);
        gsl_rng_free(fixed);
    }
    out_close(h, "generated.dat");
    metrics_set(&S->m, "generated_samples", (double)K);
    gsl_matrix_free(H);
    free(xs);
    free(ys);
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
        if (P.gaussian)              /* 6 and 9: N(3, 0.5), after a look at finite differences */
            M.g[M.n++] = train_target(&S, &P.gauss, 1);
        if (P.bimodal)               /* 9: the two modes at -2 and +2 */
            M.g[M.n++] = train_target(&S, &P.bi, !P.gaussian);
        if (P.compare_steps > 0) {   /* 10: saturating vs non-saturating G loss, on the Gaussian */
            saturation_experiment(&S, &P.gauss, P.head_start, P.compare_steps, M.g + M.n);
            M.n += CMP_RUNS;
        }
        save_models(&S, &M);         /* C: --save keeps every GAN of the run */
    } else {                         /* C: --load them instead, and sample them */
        load_models(&S, &M, &P);
        generate_samples(&S, &M, S.generate ? S.generate : EVAL_N);
    }

    for (size_t i = 0; i < M.n; i++)
        gan_free(M.g[i]);
    session_finish(&S);              /* results, metrics.txt, values.gp, scripts */
    return 0;
}
#endif
