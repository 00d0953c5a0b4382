/* wgan.c -- chapter 07: the Wasserstein GAN. A good GAN discriminator says
 * "fake" to every fake; its sigmoid is flat there, and G learns little about
 * WHICH WAY to move. The WGAN's critic scores samples so that the gap between
 * real and fake scores estimates the Earth Mover's distance, which shrinks
 * smoothly as G gets closer, if the critic obeys a constraint (section 1):
 * weight clipping (4) or a gradient penalty (5, 7). README.md: what the runs
 * measured, what the sources got wrong, the longer explanations. */
#include "genlab.h"

/* ----------------------------------------------------------------------------
 * 1. A critic instead of a discriminator: the source's conceptual numbers
 * W1 between the data's P_r and G's P_g has a dual form (Kantorovich-
 * Rubinstein): the max over f with |f(x) - f(y)| <= |x - y| of
 * E_{P_r} f - E_{P_g} f. The critic D, a network with no sigmoid, plays f:
 *
 *     L_D = mean D(fake) - mean D(real)     (minimised: real high, fake low)
 *     L_G = -mean D(fake)                   (minimised: fakes scored high)
 *
 * and -L_D estimates W1, if D is 1-LIPSCHITZ (slope at most 1): seed 000's
 * made-up scores, times 10, give ten times the "distance". Its constant
 * "gradient for G" is per SCORE; G needs -(1/n) dD/dx, the critic's slope. */
static void conceptual_numbers(gsl_rng *r, metrics *m)
{   /* everything here is made up, as in the source: no network yet */
    enum { N = 100 };
    double d_real[N], d_fake[N], w[16], lo, hi;
    for (size_t i = 0; i < N; i++) {
        d_real[i] = 2.0 + gsl_ran_gaussian(r, 1.0);   /* "the critic rates real highly" */
        d_fake[i] = -1.0 + gsl_ran_gaussian(r, 1.0);  /* "and fakes low"                */
    }
    const double mr = gsl_stats_mean(d_real, 1, N), mf = gsl_stats_mean(d_fake, 1, N);
    printf("1. The source's conceptual numbers (100 made-up scores each)\n"
           "   real scores ~ N(2, 1), fake scores ~ N(-1, 1)\n"
           "   critic loss  mean D(fake) - mean D(real) = %.4f\n"
           "   G loss       -mean D(fake)               = %.4f\n"
           "   'W1 estimate' mean D(real) - mean D(fake) = %.4f; scores x 10: %.4f (no Lipschitz bound, no distance)\n"
           "   dL_G/dD(fake_i) = -1/%d = %.4f for every sample; dL_G/dx_i = -(1/%d) dD/dx depends on the critic\n",
           -(mr - mf), -mf, mr - mf, 10.0 * (mr - mf), N, -1.0 / N, N);
    size_t at_bound = 0;      /* the source's clipping example: 4 x 4 N(0, 0.5^2) weights */
    for (size_t i = 0; i < 16; i++) at_bound += fabs(w[i] = gsl_ran_gaussian(r, 0.5)) >= 0.01;
    gsl_stats_minmax(&lo, &hi, w, 1, 16);
    printf("   clipping 16 weights ~ N(0, 0.5^2), range [%.3f, %.3f], to [-0.01, 0.01]: %zu of 16 end on a bound\n",
           lo, hi, at_bound);
    metrics_set(m, "concept_d_loss", -(mr - mf));
    metrics_set(m, "concept_g_loss", -mf);
}

/* ----------------------------------------------------------------------------
 * 2. The real data
 *     ring      x = 2 (cos 2 pi k/8, sin 2 pi k/8) + N(0, 0.02^2 I), k uniform
 *               in 0..7: chapter 06's benchmark, modes 1.53 apart     x (n, 2)
 *     bimodal   x = s + N(0, 0.3^2), s = -2 or +2 with probability 1/2 (sd 0.3
 *               as in chapter 05 and seed 004; seed 000 uses 0.2)     x (n, 1) */
typedef enum { TARGET_RING, TARGET_BIMODAL } target_kind;
static const char *const TARGET_NAME[] = {"ring", "bimodal"};
#define BI_AT 2.0
#define BI_SD 0.3
#define SANE_RANGE 1e4   /* every target lies within +-3: a sample past this means G diverged */

static toy_modes ring_target(void) { return toy_ring(8, 2.0, 0.02); }   /* as common/toy.h holds it */

static void real_batch(target_kind t, gsl_rng *r, gsl_matrix *X)   /* X (n, dim) */
{
    const toy_modes ring = ring_target();
    if (t == TARGET_RING)
        toy_sample(&ring, r, X);           /* a mode k in 0..7, then x, then y */
    else
        for (size_t i = 0; i < X->size1; i++)
            gsl_matrix_set(X, i, 0, toy_bimodal_draw(r, BI_AT, BI_SD));   /* coin, then x */
}

/* ----------------------------------------------------------------------------
 * 3. The critic, and its gradient with respect to its input
 * The critic is an MLP (common/mlp.h, as in chapters 05-06): DEPTH hidden
 * layers z_l = a_{l-1} W_l + b_l, a_l = f(z_l) from a_{-1} = x (n, d), and a
 * linear output D = a_{DEPTH-1} w + c (n, 1). f is LeakyReLU (slope 0.2 below
 * 0; --act relu: 0), PIECEWISE LINEAR: its slopes M_l = f'(z_l) are constant
 * on each side of the kink, so f'' = 0 wherever a float lands. Section 5
 * needs dD/dx, the gradient with respect to the INPUT, as a quantity of its
 * own: the backward pass of the score itself, dD/dD = 1 on every row, with
 * no parameter gradients. With E_l = dD/dz_l and * entry by entry:
 *
 *     E_{DEPTH-1} = w^T * M_{DEPTH-1}              (each row: w^T times its slopes)
 *     E_{l-1}     = (E_l W_l^T) * M_{l-1}           l = DEPTH-1 .. 1
 *     g           = E_0 W_0^T                       g = dD/dx, (n, d)
 *
 * (mlp_backward_input with dOut = 1; it leaves E_l in net->dzv[l]). g moves
 * G's samples (section 6) and is what the penalty constrains. */
#define DEPTH 3                    /* hidden layers, in the critic and in G */

typedef struct critic {
    size_t in, n;                  /* n: the rows of the last forward pass  */
    act_kind act;                  /* ACT_LEAKY_RELU or ACT_RELU           */
    params *P;
    mlp *net;                      /* in -> H -> ... -> H -> 1              */
    dense *layer;                  /* net's: W_0 .. W_{DEPTH-1}, then w     */
    workspace *ws;                 /* the matrices below, n rows at a time  */
    gsl_matrix *dE, *dS, *ones;    /* (n, H) double backward scratch; (n, 1) dD/dD */
    gsl_matrix *grad, *U;          /* (n, in) g = dD/dx and U = dP/dg       */
} critic;

static critic *critic_new(size_t in, size_t h, act_kind act, size_t max_rows)
{
    critic *C = xcalloc(1, sizeof *C, "a critic");
    const size_t widths[DEPTH + 2] = {in, h, h, h, 1};
    *C = (critic){.in = in, .act = act, .ws = ws_new(max_rows), .P = params_alloc(mlp_size(widths, DEPTH + 2))};
    C->net = mlp_new(C->P, widths, DEPTH + 2, act, ACT_IDENTITY, max_rows);
    C->layer = C->net->layer;
    ws_add(C->ws, &C->dE, h);
    ws_add(C->ws, &C->dS, h);
    ws_add(C->ws, &C->ones, 1); gsl_matrix_set_all(C->ones, 1.0);                 /* dD/dD = 1 */
    ws_add(C->ws, &C->grad, in);
    ws_add(C->ws, &C->U, in);
    return C;
}

static void critic_free(critic *C) { mlp_free(C->net); ws_free(C->ws); params_free(C->P); free(C); }

static const gsl_matrix *critic_forward(critic *C, const gsl_matrix *X)   /* D (n, 1) */
{ ws_rows(C->ws, C->n = X->size1); return mlp_forward(C->net, X); }

static const gsl_matrix *critic_input_grad(critic *C)   /* g (n, d) at the last forward's rows */
{ mlp_backward_input(C->net, C->ones, C->grad); return C->grad; }

static const gsl_matrix *E(const critic *C, size_t l) { return &C->net->dzv[l].matrix; }   /* (n, H) */

static void mask(const critic *C, size_t l, const gsl_matrix *dE, gsl_matrix *dS)   /* dS = dE * M_l */
{ act_backward(C->act, &C->net->zv[l].matrix, &C->net->av[l].matrix, dE, dS); }

/* ----------------------------------------------------------------------------
 * 4. Keeping the critic 1-Lipschitz, way 1: weight clipping
 * With every weight in [-c, c], each layer stretches its input by at most
 * (fan-in) x c: |dD/dx| <= some K, and K x W1 points G the same way as W1.
 * Arjovsky et al. clip to [-0.01, 0.01] after every critic step (RMSProp,
 * lr 5e-5). The price (section 10): the weights pile up on the walls, and
 * almost binary weights make a poor critic that hands G a tiny slope. */
static void clip_weights(params *P, double c)
{
    for (size_t i = 0; i < P->value->size; i++)
        gsl_vector_set(P->value, i, fmin(c, fmax(-c, gsl_vector_get(P->value, i))));
}

static double share_at_bound(const params *P, double c)          /* |v| = c */
{
    size_t k = 0;
    for (size_t i = 0; i < P->value->size; i++)
        k += fabs(gsl_vector_get(P->value, i)) >= c * (1.0 - 1e-9);
    return (double)k / (double)P->value->size;
}

/* ----------------------------------------------------------------------------
 * 5. Way 2: the gradient penalty, and the gradient of a gradient
 * D is 1-Lipschitz exactly when |dD/dx| <= 1 everywhere, and the optimal
 * critic has |dD/dx| = 1 where mass moves. Gulrajani et al. drop the clipping
 * (no walls; Adam (0.5, 0.9)) and penalise the slope between real and fake:
 *
 *     x_hat_i = eps_i x_real_i + (1 - eps_i) x_fake_i,     eps_i ~ U[0, 1]
 *     P       = lambda / n  sum_i ( |g_i| - 1 )^2,          g_i = dD/dx at x_hat_i
 *     L_D     = mean D(fake) - mean D(real) + P             (lambda = 10)
 *
 * (section 7's one-sided default puts max(0, |g_i| - 1) in place of
 * |g_i| - 1, here and below). dP/dtheta is the derivative of a derivative,
 * but section 3's chain for g only involves the weights and the constant
 * masks M_l: it is a LINEAR network in disguise, run from output to input.
 * We backpropagate through it as through any network, from U = dP/dg:
 *
 *     U_i = dP/dg_i = 2 lambda / n  (|g_i| - 1)  g_i / |g_i|           (n, d)
 *     g = E_0 W_0^T        dW_0 += U^T E_0          dE_0 = U W_0
 *     for l = 1 .. DEPTH-1:
 *       E_{l-1} = S_l * M_{l-1},  S_l = E_l W_l^T:
 *                          dS_l  = dE_{l-1} * M_{l-1}
 *                          dW_l += dS_l^T E_l       dE_l = dS_l W_l
 *     E_{DEPTH-1} = w^T * M_{DEPTH-1}:
 *                          dw   += column sums of (dE_{DEPTH-1} * M_{DEPTH-1})
 *
 * and the biases get NOTHING: b_l only places the kinks, and moving it a
 * little moves no kink past a sample. (A smooth f, tanh, would add a path
 * through f'' and the forward pass: README.) Checked below against central
 * differences on a tiny critic with random weights AND biases. */
static double critic_gp(critic *C, const gsl_matrix *Xhat, double lambda, int one_sided,
                        int want_grad, double *mean_norm)
{
    critic_forward(C, Xhat);
    const gsl_matrix *g = critic_input_grad(C);                       /* (n, d) */
    const size_t n = C->n;
    double pen = 0.0, norms = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *gi = gsl_matrix_const_ptr(g, i, 0);
        double *ui = gsl_matrix_ptr(C->U, i, 0), s = 0.0;
        for (size_t j = 0; j < C->in; j++) s += gi[j] * gi[j];
        const double norm = sqrt(s);                              /* |g_i|       */
        const double excess = one_sided ? fmax(norm - 1.0, 0.0) : norm - 1.0;
        pen += excess * excess;
        norms += norm;
        /* U_i; at g_i = 0 (0/0) the direction does not matter: g_i / 1e-12 = 0 */
        const double coef = 2.0 * lambda / (double)n * excess / fmax(norm, 1e-12);
        for (size_t j = 0; j < C->in; j++) ui[j] = coef * gi[j];
    }
    if (mean_norm) *mean_norm = norms / (double)n;
    if (!want_grad) return lambda * pen / (double)n;
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, C->U, E(C, 0), 1.0, &C->layer[0].dW.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, C->U, &C->layer[0].W.matrix, 0.0, C->dE);
    for (size_t l = 1; l < DEPTH; l++) {         /* dW_0 += U^T E_0, dE_0 = U W_0, above */
        mask(C, l - 1, C->dE, C->dS);                                  /* dS = dE * M      */
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, C->dS, E(C, l), 1.0,
                       &C->layer[l].dW.matrix);                        /* dW_l += dS^T E_l */
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, C->dS, &C->layer[l].W.matrix,
                       0.0, C->dE);                                    /* dE_l = dS W_l    */
    }
    mask(C, DEPTH - 1, C->dE, C->dS);
    gsl_vector_view dw = gsl_matrix_column(&C->layer[DEPTH].dW.matrix, 0);
    mat_add_col_sums(&dw.vector, C->dS);                               /* dw += sums       */
    return lambda * pen / (double)n;
}

typedef struct gp_probe { critic *C; gsl_matrix *X; double lambda; int one_sided; } gp_probe;   /* X: x_hat */

static double gp_probe_loss(void *ctx)
{
    const gp_probe *p = ctx;
    return critic_gp(p->C, p->X, p->lambda, p->one_sided, 0, NULL);
}

static void check_double_backward(gsl_rng *r, act_kind act, int one_sided, metrics *m)
{
    gp_probe p = {critic_new(2, 5, act, 6), gsl_matrix_alloc(6, 2), 10.0, one_sided};
    for (size_t i = 0; i < p.C->P->value->size; i++)
        gsl_vector_set(p.C->P->value, i, gsl_ran_gaussian(r, 0.7));
    rng_fill_gaussian(r, p.X, 0.0, 1.0);
    params_zero_grad(p.C->P);
    critic_gp(p.C, p.X, p.lambda, p.one_sided, 1, NULL);              /* the analytic dP/dtheta */
    const gradcheck_result gc = gradcheck(gp_probe_loss, &p, p.C->P->value->data, p.C->P->grad->data,
                                          p.C->P->value->size, 100000);
    critic_free(p.C); gsl_matrix_free(p.X);
    printf("\n5. Gradient check of the penalty's double backward: %zu parameters, max rel err < 1e%+d\n",
           gc.checked, gc.max_rel_err > 0 ? (int)ceil(log10(gc.max_rel_err)) : -16);
    metrics_set(m, "gp_gradcheck_max_rel_err", gc.max_rel_err);
}

/* ----------------------------------------------------------------------------
 * 6. The game, one critic step and one generator step at a time
 * G is an MLP from noise z ~ N(0, I) (dimension 2) through DEPTH ReLU layers.
 * Critic step (G fixed): fresh real data and fakes, dL_D/dD = -1/n on real,
 * +1/n on fake rows, through the backward pass, plus (gp) section 5's
 * gradient; a step; (clip) clipping. Generator step (the critic's optimiser
 * is simply not called): L_G = -mean D(G(z)), so dL_G/dx_i = -(1/n) g_i at
 * x_i = G(z_i). A Lipschitz critic cannot saturate as a discriminator does:
 * the better trained, the better its slope. So it takes several steps per G
 * step (clip 5, gp 10) and, for gp, a faster rate than G (two time scales),
 * both rates falling linearly to 0, so that G ends where it is heading. */
typedef enum { METHOD_CLIP, METHOD_GP } method_kind;
static const char *const METHOD_NAME[] = {"clip", "gp"};

typedef struct setting {           /* one run: a method on a target, its knobs */
    method_kind method;
    target_kind target;
    long steps, batch, n_critic;   /* G steps, batch, critic steps per G step  */
    long hidden, g_hidden, noise_dim;   /* units per hidden layer: critic, G   */
    double lr, g_lr;               /* the critic's and G's learning rates...   */
    int decay;                     /* ... falling linearly to 0                */
    double clip, lambda;           /* clip: the box [-clip, clip]; gp: weight  */
    int one_sided;                 /* gp: penalise only slopes above 1 (s. 7)  */
    act_kind act;                  /* the critic's hidden activation           */
} setting;

#define EVAL_N_RING 2000   /* samples behind every measurement (section 8)  */
#define EVAL_N_1D 20000
#define EVAL_N(t) ((t) == TARGET_RING ? EVAL_N_RING : EVAL_N_1D)
#define WINDOW 50          /* trailing mean of the losses (section 9)       */
#define EVAL_EVERY(steps) ((steps) / 40 > 5 ? (steps) / 40 : 5)   /* ~40 measurements a run */
#define N_SNAP 4           /* G's samples kept for the figures: SHOW_N on   */
#define SHOW_N 1000        /* the ring, in 1D a histogram of N_BINS bins    */
#define N_BINS 80

typedef struct evaluation {        /* what measuring a model gives (section 8) */
    double w_est, w1_exact, w1_target;   /* the critic's estimate; 1D: exact W1, W1 to the target */
    double covered, reached, hq;   /* ring only: modes covered, reached; the sharp share */
} evaluation;

typedef struct wgan {              /* one run: the game, and what it records   */
    setting set;
    size_t dim;
    params *PG;                    /* G's parameters (the critic's: C->P)      */
    mlp *G;
    critic *C;
    optimizer *optG, *optC;
    workspace *ws;                 /* the matrices below, n rows at a time:    */
    gsl_matrix *real, *fake, *xhat, *dx;   /* (n, dim) data, G(z), x_hat, dL_G/dx */
    gsl_matrix *z, *dout;          /* (n, noise_dim) noise, (n, 1) dL/dD       */
    double critic_loss, penalty, grad_norm, g_loss;   /* the last steps' (grad_norm: mean |g| at x_hat) */
    history *loss;                 /* critic loss, penalty, G loss per step    */
    gsl_matrix *evals, *snap[N_SNAP];   /* section 8 over time (n_evals rows); Appendix A */
    size_t n_evals;
    long snap_step[N_SNAP], step;  /* ...; generator steps done                */
    double *xs, *ys;               /* (EVAL_N_1D) section 8's scratch          */
    evaluation final;              /* the last measurement                     */
    double slope_at_xhat;          /* gp: mean |dD/dx| at x_hat, last WINDOW   */
} wgan;

/* eval_rows: the most rows a forward pass will see besides a batch (a run
 * that is measured: EVAL_N; the trap experiment's critics: 0) */
static wgan *wgan_new(const setting *set, size_t eval_rows, gsl_rng *r)
{
    wgan *W = xcalloc(1, sizeof *W, "a WGAN");
    const size_t d = set->target == TARGET_RING ? 2 : 1, hg = (size_t)set->g_hidden;
    const size_t rows = GSL_MAX((size_t)set->batch, eval_rows);
    const size_t wg[DEPTH + 2] = {(size_t)set->noise_dim, hg, hg, hg, d};
    *W = (wgan){.set = *set, .dim = d, .PG = params_alloc(mlp_size(wg, DEPTH + 2)), .ws = ws_new(rows),
                .loss = history_new((size_t)set->steps, WINDOW, "critic_loss penalty g_loss"),
                .evals = gsl_matrix_calloc((size_t)(set->steps / EVAL_EVERY(set->steps)) + 2, 7),
                .xs = xmalloc(EVAL_N_1D * sizeof(double), "xs"), .ys = xmalloc(EVAL_N_1D * sizeof(double), "ys")};
    W->G = mlp_new(W->PG, wg, DEPTH + 2, ACT_RELU, ACT_IDENTITY, rows);
    mlp_init_xavier(W->G, r);
    W->C = critic_new(d, (size_t)set->hidden, set->act, rows);
    mlp_init_xavier(W->C->net, r);
    const int clip = set->method == METHOD_CLIP;             /* RMSProp for clip, Adam for gp */
    W->optG = clip ? optim_rmsprop(W->PG, set->g_lr, 0.99) : optim_adam(W->PG, set->g_lr, 0.5, 0.9);
    W->optC = clip ? optim_rmsprop(W->C->P, set->lr, 0.99) : optim_adam(W->C->P, set->lr, 0.5, 0.9);
    if (clip) clip_weights(W->C->P, set->clip);              /* start inside the box */
    gsl_matrix **slot[] = {&W->real, &W->fake, &W->xhat, &W->dx, &W->z, &W->dout};
    const size_t width[] = {d, d, d, d, (size_t)set->noise_dim, 1};
    for (size_t i = 0; i < 6; i++) ws_add(W->ws, slot[i], width[i]);
    for (int k = 0; k < N_SNAP; k++)    /* ring: samples; 1D: x, p(x), G's density, D(x) on bins */
        W->snap[k] = gsl_matrix_calloc(d == 2 ? SHOW_N : N_BINS, d == 2 ? 2 : 4);
    return W;
}

static void wgan_free(wgan *W)
{
    for (int k = 0; k < N_SNAP; k++) gsl_matrix_free(W->snap[k]);
    mlp_free(W->G); critic_free(W->C); params_free(W->PG); optim_free(W->optG); optim_free(W->optC);
    ws_free(W->ws); history_free(W->loss); gsl_matrix_free(W->evals); free(W->xs); free(W->ys); free(W);
}

static gsl_matrix *generate(wgan *W, gsl_rng *r, size_t n)     /* n samples into W->fake */
{
    ws_rows(W->ws, n);
    rng_fill_gaussian(r, W->z, 0.0, 1.0);
    gsl_matrix_memcpy(W->fake, mlp_forward(W->G, W->z));
    return W->fake;
}

static void critic_step(wgan *W, gsl_rng *r)
{
    const size_t n = (size_t)W->set.batch;
    ws_rows(W->ws, n);
    real_batch(W->set.target, r, W->real);
    const gsl_matrix *fake = generate(W, r, n);
    params_zero_grad(W->C->P);
    W->critic_loss = -mat_mean(critic_forward(W->C, W->real));          /* -mean D(real) */
    gsl_matrix_set_all(W->dout, -1.0 / (double)n);
    mlp_backward(W->C->net, W->dout, NULL);
    W->critic_loss += mat_mean(critic_forward(W->C, fake));             /* +mean D(fake) */
    gsl_matrix_set_all(W->dout, 1.0 / (double)n);
    mlp_backward(W->C->net, W->dout, NULL);
    W->penalty = 0.0;
    if (W->set.method == METHOD_GP) {
        for (size_t i = 0; i < n; i++) {
            const double eps = gsl_rng_uniform(r);            /* x_hat = eps real + (1 - eps) fake */
            for (size_t j = 0; j < W->dim; j++)
                gsl_matrix_set(W->xhat, i, j, eps * gsl_matrix_get(W->real, i, j)
                                              + (1.0 - eps) * gsl_matrix_get(fake, i, j));
        }
        W->penalty = critic_gp(W->C, W->xhat, W->set.lambda, W->set.one_sided, 1, &W->grad_norm);
    }
    optim_step(W->optC);
    if (W->set.method == METHOD_CLIP) clip_weights(W->C->P, W->set.clip);
}

static void generator_step(wgan *W, gsl_rng *r)
{
    const size_t n = (size_t)W->set.batch;
    ws_rows(W->ws, n);
    rng_fill_gaussian(r, W->z, 0.0, 1.0);
    W->g_loss = -mat_mean(critic_forward(W->C, mlp_forward(W->G, W->z)));   /* G(z): (n, dim) */
    gsl_matrix_memcpy(W->dx, critic_input_grad(W->C));                /* g = dD/dx */
    gsl_matrix_scale(W->dx, -1.0 / (double)n);                          /* -(1/n) g  */
    params_zero_grad(W->PG);
    mlp_backward(W->G, W->dx, NULL);
    optim_step(W->optG);
}

/* ----------------------------------------------------------------------------
 * 7. A trap in one dimension, and the one-sided penalty
 * In 1D the slope g = dD/dx is a number, and the two-sided penalty wants it
 * to be +-1 between real and fake points. On the bimodal data with G near 0
 * the best critic is D = |x|; one that starts out increasing must turn its
 * left slope from +1 to -1 THROUGH 0, where the penalty charges lambda on
 * half the points for a small gain: it stops halfway, and G, pushed the same
 * way on both sides, runs past a mode. (In 2D a gradient turns by rotating.)
 * Charging only slopes ABOVE 1, all that the constraint asks for,
 *
 *     P = lambda / n  sum_i max(0, |g_i| - 1)^2     (in section 5, only U_i changes)
 *
 * removes the trap. Shown on 5 fresh critics per penalty, G frozen: trapped
 * means mean slopes on [-3, -1] and [1, 3] of the same sign (goal: none). */
static void trap_demo(gsl_rng *r, setting set, long steps, metrics *m)
{
    printf("\n7. The one-dimensional trap: G frozen, 5 fresh critics per penalty, %ld critic steps each\n", steps);
    for (set.one_sided = 0; set.one_sided <= 1; set.one_sided++) {
        int trapped = 0;
        printf("   %-9s slopes (left, right):", set.one_sided ? "one-sided" : "two-sided");
        for (int t = 0; t < 5; t++) {
            wgan *W = wgan_new(&set, 0, r);
            for (long k = 1; k <= steps; k++) {
                critic_step(W, r);
                check_finite(W->critic_loss, "critic loss (trap experiment)", k);
                check_finite(W->penalty, "gradient penalty (trap experiment)", k);
            }
            gsl_matrix_view x = gsl_matrix_view_array((double[]){-3.0, -1.0, 1.0, 3.0}, 4, 1);
            const gsl_matrix *d = critic_forward(W->C, &x.matrix);
            const double left = (gsl_matrix_get(d, 1, 0) - gsl_matrix_get(d, 0, 0)) / 2.0;
            const double right = (gsl_matrix_get(d, 3, 0) - gsl_matrix_get(d, 2, 0)) / 2.0;
            trapped += left * right > 0.0;           /* same sign on both sides */
            printf(" (%+.2f, %+.2f)", left, right);
            wgan_free(W);
        }
        printf("  -> %d of 5 trapped\n", trapped);
        metrics_set(m, set.one_sided ? "trapped_critics_one_sided" : "trapped_critics_two_sided", trapped);
    }
}

/* ----------------------------------------------------------------------------
 * 8. Measuring
 * Ring (chapter 06, common/toy.h): a mode is REACHED when >= 2 % of the
 * samples lie within 0.2 of it, COVERED within 3 sd; the SHARP share lies
 * within 3 sd of some mode. Bimodal: the exact W1 between N generated and N
 * real samples, which in 1D match in sorted order (paths never cross):
 *
 *     W1 = 1/N sum_i | a_(i) - b_(i) |      a_(i), b_(i): sorted samples
 *
 * Each sample's mode is a coin flip whose luck alone costs W1: the real
 * sample is STRATIFIED (N/2 per mode), N is large, and section 10 prints the
 * floor left. Also: W1 to the target, integral |F_n - F| dx, and the critic's
 * own estimate on the same samples. */
static double w1_to_target(const double *a, size_t n)   /* a sorted; a 1e-3 grid, at most 1e7 points */
{
    const double lo = fmin(a[0], -BI_AT - 8.0 * BI_SD), hi = fmax(a[n - 1], BI_AT + 8.0 * BI_SD);
    const double h = fmax(1e-3, (hi - lo) / 1e7);
    double s = 0.0;
    size_t below = 0;
    for (double x = lo + 0.5 * h; x < hi; x += h) {
        while (below < n && a[below] <= x) below++;
        s += fabs((double)below / (double)n - toy_bimodal_cdf(x, BI_AT, BI_SD)) * h;
    }
    return s;
}

static void real_stratified(gsl_rng *r, gsl_matrix *X)   /* exactly half per mode */
{
    for (size_t i = 0; i < X->size1; i++)
        gsl_matrix_set(X, i, 0, (i < X->size1 / 2 ? -BI_AT : BI_AT) + gsl_ran_gaussian(r, BI_SD));
}

/* G's samples X (n, dim): on the ring the mode counts; in 1D the exact W1 to
 * the real Y (n, 1) (xs, ys: room for n) and W1 to the target */
static void measure_samples(target_kind t, const gsl_matrix *X, const gsl_matrix *Y,
                            double *xs, double *ys, evaluation *ev)
{
    const toy_modes ring = ring_target();
    if (t == TARGET_RING) {
        const toy_coverage cv = toy_measure(&ring, X, 0.2, 0.02);
        ev->covered = cv.covered, ev->reached = cv.reached, ev->hq = cv.hq;
        return;
    }
    for (size_t i = 0; i < X->size1; i++) {
        xs[i] = gsl_matrix_get(X, i, 0);
        ys[i] = gsl_matrix_get(Y, i, 0);
    }
    ev->w1_exact = toy_w1_sorted(xs, ys, X->size1);                  /* sorts xs and ys */
    ev->w1_target = w1_to_target(xs, X->size1);
}

/* fresh samples (left in W->fake, W->real); a row of eval_*.dat, and W->final */
static evaluation evaluate(wgan *W, gsl_rng *r, long step)
{
    evaluation ev = {0};
    const gsl_matrix *fake = generate(W, r, EVAL_N(W->set.target));
    if (W->set.target == TARGET_RING) real_batch(TARGET_RING, r, W->real);
    else real_stratified(r, W->real);
    ev.w_est = mat_mean(critic_forward(W->C, W->real)) - mat_mean(critic_forward(W->C, fake));
    measure_samples(W->set.target, fake, W->real, W->xs, W->ys, &ev);
    const double row[7] = {(double)step, ev.w_est, ev.w1_exact, ev.covered, ev.reached, ev.hq, ev.w1_target};
    for (size_t c = 0; c < 7; c++) gsl_matrix_set(W->evals, W->n_evals, c, row[c]);
    W->n_evals++;
    return W->final = ev;
}

/* ----------------------------------------------------------------------------
 * 9. One run: train, log, measure
 * A generator step is n_critic critic steps, then one G step; check_finite
 * stops a diverging run, naming the step. The log prints trailing means over
 * WINDOW steps (common/history.h): single WGAN losses are noisy. Section 8
 * measures ~40 times a run; G's samples are kept at 0, 10, 33, 100 %. */
static void take_snapshot(wgan *W, gsl_rng *r, int k, long step);   /* Appendix A */

static void train(wgan *W, gsl_rng *r, int quiet)
{
    const setting *s = &W->set;
    const long steps = s->steps, snap_at[N_SNAP] = {0, steps / 10, steps / 3, steps};
    const long eval_every = EVAL_EVERY(steps), print_every = steps >= 10 ? steps / 10 : 1;
    const char *decays = s->decay ? " falling linearly to 0" : "";
    int next_snap = 0;
    double sum_slopes = 0.0;           /* of gp's |g| at x_hat, last WINDOW steps */
    progress p;
    printf("\n== %s on the %s: %ld generator steps, %ld critic steps each, batch %ld\n",
           METHOD_NAME[s->method], TARGET_NAME[s->target], steps, s->n_critic, s->batch);
    if (s->method == METHOD_CLIP)
        printf("   RMSProp, lr %g (critic) and %g (G)%s, every critic parameter clipped to +-%g\n",
               s->lr, s->g_lr, decays, s->clip);
    else
        printf("   Adam (0.5, 0.9), lr %g (critic) and %g (G)%s, %s penalty, lambda %g, no clipping\n",
               s->lr, s->g_lr, decays, s->one_sided ? "one-sided" : "two-sided", s->lambda);
    progress_start(&p, steps, quiet);
    evaluate(W, r, 0);
    for (long step = 0; step <= steps; step++) {
        while (next_snap < N_SNAP && snap_at[next_snap] == step)
            take_snapshot(W, r, next_snap++, step);
        if (step == steps) break;
        if (s->decay) {                 /* lr_t = lr (1 - t / steps), both players */
            W->optC->lr = s->lr * (1.0 - (double)step / (double)steps);
            W->optG->lr = s->g_lr * (1.0 - (double)step / (double)steps);
        }
        for (long k = 0; k < s->n_critic; k++) {
            critic_step(W, r);
            check_finite(W->critic_loss, "critic loss", step + 1);
            check_finite(W->penalty, "gradient penalty", step + 1);
        }
        generator_step(W, r);
        check_finite(W->g_loss, "generator loss", step + 1);
        /* finite is not enough: samples running off to 1e9 would never be
         * stopped, and measuring them would take forever (section 8) */
        check_within(W->fake, SANE_RANGE, "generator samples", step + 1);
        if (step >= steps - WINDOW) sum_slopes += W->grad_norm;
        history_add(W->loss, step + 1, (const double[]){W->critic_loss, W->penalty, W->g_loss});
        if ((step + 1) % eval_every == 0 || step + 1 == steps) evaluate(W, r, step + 1);
        const double c_mean = history_mean(W->loss, 0), g_mean = history_mean(W->loss, 2);
        if ((step + 1) % print_every == 0) {
            printf("step %5ld  critic loss %10.4g", step + 1, c_mean);
            if (s->method == METHOD_GP) printf("  penalty %7.4f", history_mean(W->loss, 1));
            printf("  G loss %10.4g  W estimate %10.4g", g_mean, W->final.w_est);
            if (s->target == TARGET_RING)
                printf("  modes reached %.0f covered %.0f sharp %.2f\n", W->final.reached, W->final.covered,
                       W->final.hq);
            else
                printf("  exact W1 %.4f (to the target itself %.4f)\n", W->final.w1_exact, W->final.w1_target);
        }
        progress_report(&p, step + 1, "critic %.4f  G %.4f", c_mean, g_mean);
    }
    progress_end(&p);
    W->slope_at_xhat = sum_slopes / (double)(steps < WINDOW ? steps : WINDOW);
    W->step = steps;
}

/* ----------------------------------------------------------------------------
 * 10. Results: what each critic became
 * Section 8's numbers, the mean slope |dD/dx| at G's samples (what the
 * critic hands G), the share of clip's weights on a wall, gp's mean |dD/dx|
 * at x_hat over the last WINDOW steps; then the 1D ruler's floor: W1 between
 * plain draws from the target (a perfect G) and the stratified real sample. */

static void report(wgan *W, metrics *m)
{
    const char *mn = METHOD_NAME[W->set.method], *tn = TARGET_NAME[W->set.target];
    const evaluation *ev = &W->final;
    if (W->set.target == TARGET_RING) {
        printf("%s on the ring: modes reached %.0f/8 (within 0.2), covered %.0f/8 (within 3 sd), "
               "sharp samples %.1f %%, critic's W estimate %.4f\n",
               mn, ev->reached, ev->covered, 100.0 * ev->hq, ev->w_est);
        metrics_setf(m, ev->covered, "modes_covered_%s", mn);
        metrics_setf(m, ev->hq, "high_quality_share_%s", mn);
        metrics_setf(m, ev->reached, "modes_reached_%s", mn);
        metrics_setf(m, ev->w_est, "w_estimate_ring_%s", mn);
    } else {
        printf("%s on the bimodal target: exact W1 %.4f (to the target itself %.4f), critic's estimate %.4f\n",
               mn, ev->w1_exact, ev->w1_target, ev->w_est);
        metrics_setf(m, ev->w1_target, "w1_target_1d_%s", mn);
        metrics_setf(m, ev->w1_exact, "w1_exact_1d%s", W->set.method == METHOD_GP ? "" : "_clip");
        metrics_setf(m, ev->w_est, "w1_estimate_1d_%s", mn);
    }
    double slope;                      /* mean |dD/dx| over G's latest samples: section 5's |g_i| */
    ws_rows(W->ws, SHOW_N);
    critic_gp(W->C, W->fake, 0.0, 1, 0, &slope);
    printf("%s: the critic's mean slope |dD/dx| at G's samples: %.3g\n", mn, slope);
    metrics_setf(m, slope, "critic_slope_%s_%s", tn, mn);
    if (W->set.method == METHOD_CLIP) {
        const double at = share_at_bound(W->C->P, W->set.clip);
        printf("%s: %.1f %% of the critic's parameters sit on a wall (+-%g)\n", mn, 100.0 * at, W->set.clip);
        metrics_setf(m, at, "clip_share_at_bound_%s", tn);
    } else {
        printf("%s: mean |dD/dx| at the interpolates over the last %d steps: %.3f (the penalty wants <= 1)\n",
               mn, WINDOW, W->slope_at_xhat);
        metrics_setf(m, W->slope_at_xhat, "gp_grad_norm_%s", tn);
    }
}

static void measure_runs(session *S, wgan *const *runs, size_t n)  /* a loaded run is measured now */
{
    wgan *bi = NULL;
    printf("\n10. Results\n");
    for (size_t i = 0; i < n; i++) {
        if (!session_trains(S)) evaluate(runs[i], S->rng, runs[i]->step);
        report(runs[i], &S->m);
        if (!bi && runs[i]->dim == 1) bi = runs[i];
    }
    if (!bi) return;
    evaluation ev;
    double w1_floor = 0.0;
    ws_rows(bi->ws, EVAL_N_1D);
    for (int t = 0; t < 20; t++) {
        real_batch(TARGET_BIMODAL, S->rng, bi->fake);
        real_stratified(S->rng, bi->real);
        measure_samples(TARGET_BIMODAL, bi->fake, bi->real, bi->xs, bi->ys, &ev);
        w1_floor += ev.w1_exact;
    }
    printf("a perfect generator would score W1 %.4f against the stratified real sample "
           "(mean of 20 draws of 20000)\n", w1_floor / 20);
    metrics_set(&S->m, "w1_floor_1d", w1_floor / 20);
}

/* ----------------------------------------------------------------------------
 * Appendix A. What the figures need
 * The scripts in chapters/07-wgan/figures/ read the trained runs' data and values.gp:
 * run_TARGET_METHOD (1: this invocation ran it), n_snap, snap_step_..., ... */
#define BI_LO -4.0         /* the 1D histograms' range                      */
#define BI_HI 4.0
#define GRID 101           /* the critic's surface: GRID^2 points of [-3, 3]^2 */

/* S (N_BINS, >= 3): bin centre, the target's density, and the density of
 * the samples X (n, 1) (count / (n width): both curves have area 1) */
static void histogram_1d(const gsl_matrix *X, gsl_matrix *S)
{
    const double width = (BI_HI - BI_LO) / N_BINS;
    gsl_matrix_set_zero(S);
    for (size_t i = 0; i < X->size1; i++) {
        const double b = floor((gsl_matrix_get(X, i, 0) - BI_LO) / width);
        if (b >= 0.0 && b < N_BINS)
            *gsl_matrix_ptr(S, (size_t)b, 2) += 1.0 / ((double)X->size1 * width);
    }
    for (size_t b = 0; b < N_BINS; b++) {
        gsl_matrix_set(S, b, 0, BI_LO + ((double)b + 0.5) * width);
        gsl_matrix_set(S, b, 1, toy_bimodal_pdf(gsl_matrix_get(S, b, 0), BI_AT, BI_SD));
    }
}

static void take_snapshot(wgan *W, gsl_rng *r, int k, long step)   /* 1D: D(x) on the bins too */
{
    W->snap_step[k] = step;
    if (W->dim == 2) {
        gsl_matrix_memcpy(W->snap[k], generate(W, r, SHOW_N));
        return;
    }
    histogram_1d(generate(W, r, EVAL_N_1D), W->snap[k]);
    ws_rows(W->ws, N_BINS);
    gsl_vector_view x = gsl_matrix_column(W->snap[k], 0), d = gsl_matrix_column(W->snap[k], 3);
    gsl_matrix_set_col(W->real, 0, &x.vector);
    gsl_matrix_get_col(&d.vector, critic_forward(W->C, W->real), 0);
}

static void write_ring_centres(const char *dir)
{
    toy_modes ring = ring_target();
    gsl_matrix_view c = gsl_matrix_view_array(&ring.centre[0][0], ring.n, 2);
    out_write_matrix(dir, "ring_centres.dat", "x y: the 8 mode centres of the ring", &c.matrix);
}

/* values, and loss_, eval_, snap_TARGET_METHOD_K.dat; on the ring critic_ring_METHOD.dat */
static void draw_run(wgan *W, const char *dir)
{
    const char *mn = METHOD_NAME[W->set.method], *tn = TARGET_NAME[W->set.target];
    fig_valuef(1.0, "run_%s_%s", tn, mn);
    fig_use(out_name(W->dim == 2 ? "critic_ring_%s" : "bimodal_%s", mn));
    history_write(W->loss, dir, out_name("loss_%s_%s.dat", tn, mn));
    gsl_matrix_const_view ev = gsl_matrix_const_submatrix(W->evals, 0, 0, W->n_evals, 7);
    out_write_matrix(dir, out_name("eval_%s_%s.dat", tn, mn), "step  w_estimate  w1_exact(1d)  modes_covered  "
                     "modes_reached  high_quality_share  w1_to_target(1d)", &ev.matrix);
    for (int k = 0; k < N_SNAP; k++) {
        out_write_matrix(dir, out_name("snap_%s_%s_%d.dat", tn, mn, k + 1), W->dim == 2 ? "x y: G's samples"
                         : "x  real_density  generated_density  D(x)", W->snap[k]);
        fig_valuef((double)W->snap_step[k], "snap_step_%s_%s_%d", tn, mn, k + 1);
    }
    if (W->dim == 1) return;
    gsl_matrix *S = gsl_matrix_alloc(GRID * GRID, 3);                  /* x y D(x, y) */
    for (size_t i = 0; i < GRID * GRID; i++) {
        gsl_matrix_set(S, i, 0, -3.0 + 6.0 / (GRID - 1) * (double)(i / GRID));
        gsl_matrix_set(S, i, 1, -3.0 + 6.0 / (GRID - 1) * (double)(i % GRID));
    }
    for (size_t i = 0; i < GRID * GRID; i += GRID) {             /* GRID rows at a time */
        gsl_matrix_view xy = gsl_matrix_submatrix(S, i, 0, GRID, 2), d = gsl_matrix_submatrix(S, i, 2, GRID, 1);
        gsl_matrix_memcpy(&d.matrix, critic_forward(W->C, &xy.matrix));
    }
    out_write_matrix(dir, out_name("critic_ring_%s.dat", mn), "x y D(x, y): the critic over the plane", S);
    gsl_matrix_free(S);
}

static void draw_runs(session *S, wgan *const *runs, size_t n)
{
    int ring = 0, bimodal = 0;
    for (int t = 0; t < 4; t++)
        fig_valuef(0.0, "run_%s_%s", TARGET_NAME[t / 2], METHOD_NAME[t % 2]);
    fig_value("n_snap", N_SNAP);
    for (size_t i = 0; i < n; i++) {
        draw_run(runs[i], S->cli.out);
        ring |= runs[i]->dim == 2; bimodal |= runs[i]->dim == 1;
    }
    if (ring) {
        write_ring_centres(S->cli.out);
        fig_value("critic_grid_lo", -3.0); fig_value("critic_grid_hi", 3.0);
        fig_use("samples_ring"); fig_use("modes_ring");
    }
    if (bimodal) {
        fig_value("bimodal_x_lo", BI_LO); fig_value("bimodal_x_hi", BI_HI);
        fig_value("w1_floor", metrics_get(&S->m, "w1_floor_1d")); fig_value("w1_eval_n", EVAL_N_1D);
        fig_use("w1_bimodal");
    }
    fig_value("loss_window", WINDOW); fig_use("losses");
}

/* ----------------------------------------------------------------------------
 * Appendix B. Keeping a trained model, and sampling it without training again
 * --save: every run's G, critic, both optimisers' state, step and (gp) slope
 * at x_hat, which a loaded critic cannot measure again, under names carrying
 * target, method and activation: --load refuses other runs or flags in one
 * line. --generate K: K samples of each loaded G, written and measured. */
static void describe_runs(checkpoint *ck, wgan *const *runs, size_t n)
{
    *ck = (checkpoint){0};
    for (size_t i = 0; i < n; i++) {
        wgan *W = runs[i];
        const char *opt = W->set.method == METHOD_CLIP ? "rmsprop" : "adam", *act = act_name(W->set.act);
        const char *t = TARGET_NAME[W->set.target], *m = METHOD_NAME[W->set.method];
        checkpoint_add_params(ck, out_name("%s.%s.G", t, m), W->PG);
        checkpoint_add_optimizer(ck, out_name("%s.%s.G.%s", t, m, opt), W->optG);
        checkpoint_add_params(ck, out_name("%s.%s.C.%s", t, m, act), W->C->P);
        checkpoint_add_optimizer(ck, out_name("%s.%s.C.%s.%s", t, m, act, opt), W->optC);
        checkpoint_add_long(ck, out_name("%s.%s.step", t, m), &W->step);
        gsl_vector_view gn = gsl_vector_view_array(&W->slope_at_xhat, 1);   /* one double */
        if (W->set.method == METHOD_GP) checkpoint_add_vector(ck, out_name("%s.%s.grad_norm", t, m), &gn.vector);
    }
}

static void load_runs(session *S, checkpoint *ck, wgan *const *runs, size_t n)
{
    session_load(S, ck, out_name("%zu run(s)", n));
    printf("\nB. Loaded from a checkpoint, no training\n");
    for (size_t i = 0; i < n; i++)
        printf("   %s on the %s: generator step %ld\n", METHOD_NAME[runs[i]->set.method],
               TARGET_NAME[runs[i]->set.target], runs[i]->step);
}

/* in chunks of the work matrices' rows, from their own generator (--seed + 1000003) */
static void generate_samples(session *S, wgan *const *runs, size_t n)
{
    const size_t K = (size_t)S->generate;
    gsl_matrix *real = gsl_matrix_alloc(K, 1), *hist = gsl_matrix_alloc(N_BINS, 3);
    double *xs = xmalloc(K * sizeof *xs, "samples"), *ys = xmalloc(K * sizeof *ys, "samples");
    printf("\nB. Samples of the loaded generators (--generate %zu)\n", K);
    fig_value("generated_n", (double)K);
    for (size_t i = 0; i < n; i++) {
        wgan *W = runs[i];
        const char *mn = METHOD_NAME[W->set.method], *tn = TARGET_NAME[W->set.target];
        gsl_rng *fixed = rng_new(S->sample_seed);
        gsl_matrix *X = gsl_matrix_alloc(K, W->dim);
        for (size_t at = 0, rows = ws_max_rows(W->ws); at < K; at += rows) {
            gsl_matrix_view dst = gsl_matrix_submatrix(X, at, 0, K - at < rows ? K - at : rows, W->dim);
            gsl_matrix_memcpy(&dst.matrix, generate(W, fixed, dst.matrix.size1));
        }
        out_write_matrix(S->cli.out, out_name("generated_%s_%s.dat", tn, mn), "samples of G, one per row", X);
        evaluation ev;
        if (W->dim == 1) real_stratified(fixed, real);
        measure_samples(W->set.target, X, real, xs, ys, &ev);
        printf("%s on the %s, step %ld: %zu samples, ", mn, W->dim == 2 ? "ring" : "bimodal target", W->step, K);
        if (W->dim == 2) {
            printf("modes reached %.0f/8 (within 0.2), covered %.0f/8 (within 3 sd), sharp samples %.1f %%\n",
                   ev.reached, ev.covered, 100.0 * ev.hq);
            metrics_setf(&S->m, ev.covered, "modes_covered_%s", mn);
            metrics_setf(&S->m, ev.hq, "high_quality_share_%s", mn);
            metrics_setf(&S->m, ev.reached, "modes_reached_%s", mn);
            write_ring_centres(S->cli.out);
        } else {
            printf("exact W1 %.4f against %zu stratified real samples (to the target itself %.4f)\n",
                   ev.w1_exact, K, ev.w1_target);
            metrics_setf(&S->m, ev.w1_exact, "w1_exact_1d%s", W->set.method == METHOD_GP ? "" : "_clip");
            metrics_setf(&S->m, ev.w1_target, "w1_target_1d_%s", mn);
            histogram_1d(X, hist);
            out_write_matrix(S->cli.out, out_name("generated_hist_bimodal_%s.dat", mn), "x  real_density  "
                             "generated_density", hist);
            fig_value("bimodal_x_lo", BI_LO); fig_value("bimodal_x_hi", BI_HI);
        }
        fig_usef("generated_%s_%s", tn, mn);
        fig_valuef((double)W->step, "generated_step_%s_%s", tn, mn);
        gsl_matrix_free(X); gsl_rng_free(fixed);
    }
    metrics_set(&S->m, "generated_samples", (double)K);
    gsl_matrix_free(real); gsl_matrix_free(hist); free(xs); free(ys);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags, and the recipe of every run */
typedef struct config {    /* the knobs, as the flags set them, made into runs */
    setting run[4], trap;  /* the selected runs (ring first, clip first); section 7's: gp, bimodal */
    size_t n_runs;
    long trap_steps;       /* 0: no trap experiment (--method clip)         */
} config;

/* Every per-variant default, from c, gp's setting as the flags made it: clip's
 * (the paper's: 5 critic steps, lr 5e-5, no decay), the bimodal runs' 3500
 * steps, --quick's (about a second, for the golden test). Given flags win. */
static void recipe(config *cfg, setting c, const cli *flags, const char *methods, const char *targets)
{
    long bimodal_steps = cli_given(flags, "steps") ? c.steps : 3500;
    if (flags->quick) {
        if (!cli_given(flags, "steps")) c.steps = bimodal_steps = 30;
        if (!cli_given(flags, "hidden")) c.hidden = 16;
        if (!cli_given(flags, "g-hidden")) c.g_hidden = 16;
        if (!cli_given(flags, "batch")) c.batch = 32;
    }
    setting clip = c;
    clip.decay = 0;
    if (!cli_given(flags, "n-critic")) clip.n_critic = 5;
    if (!cli_given(flags, "lr")) clip.lr = 5e-5;
    if (!cli_given(flags, "g-lr")) clip.g_lr = 5e-5;
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 2; k++) {
            setting s = k == METHOD_CLIP ? clip : c;
            s.method = (method_kind)k, s.target = (target_kind)t;
            s.steps = t == TARGET_BIMODAL ? bimodal_steps : c.steps;
            if (t == TARGET_BIMODAL && k == METHOD_GP) cfg->trap = s;
            if ((strcmp(targets, "both") == 0 || strcmp(targets, TARGET_NAME[t]) == 0)
                && (strcmp(methods, "all") == 0 || strcmp(methods, METHOD_NAME[k]) == 0))
                cfg->run[cfg->n_runs++] = s;
        }
    cfg->trap_steps = strcmp(methods, "clip") == 0 ? 0 : flags->quick ? 20 : 200;
}

/* the knobs to turn, gp's setting as defaults (session.h adds the common flags) */
static void start(session *S, config *cfg, int argc, char **argv)
{
    const char *methods = "all", *targets = "both", *act = "leaky-relu", *penalty = "one-sided", *decay = "linear";
    setting c = {.steps = 2000, .batch = 64, .n_critic = 10, .hidden = 64, .g_hidden = 64, .noise_dim = 2,
                 .lr = 1e-3, .g_lr = 5e-4, .clip = 0.01, .lambda = 10.0};
    cli_option options[] = {
        {"method", CLI_CHOICE, &methods, "how the critic is kept 1-Lipschitz", 0, 0, "all|clip|gp", 0},
        {"target", CLI_CHOICE, &targets, "8-Gaussian ring (2D), bimodal (1D) or both", 0, 0, "both|ring|bimodal", 0},
        {"steps", CLI_INT, &c.steps, "generator steps per run (bimodal: 3500 unless given)", 1, 1000000, NULL, 0},
        {"batch", CLI_INT, &c.batch, "samples per batch", 1, 100000, NULL, 0},
        {"n-critic", CLI_INT, &c.n_critic, "critic steps per G step (clip: 5 unless given)", 1, 1000, NULL, 0},
        {"lr", CLI_REAL, &c.lr, "the critic's learning rate (clip: 5e-5 unless given)", 1e-12, 1e12, NULL, 0},
        {"g-lr", CLI_REAL, &c.g_lr, "the generator's learning rate (clip: 5e-5 unless given)", 1e-12, 1e12, NULL, 0},
        {"lr-decay", CLI_CHOICE, &decay, "gp: rates fall linearly to 0, or stay (clip: stay)", 0, 0, "linear|none", 0},
        {"clip", CLI_REAL, &c.clip, "clip: every critic parameter in [-clip, clip]", 1e-9, 1e9, NULL, 0},
        {"gp-lambda", CLI_REAL, &c.lambda, "gp: weight of the penalty (0: no constraint at all)", 0, 1e9, NULL, 0},
        {"penalty", CLI_CHOICE, &penalty, "gp: max(0, |g| - 1)^2 or (|g| - 1)^2", 0, 0, "one-sided|two-sided", 0},
        {"hidden", CLI_INT, &c.hidden, "the critic's units per hidden layer (3 layers)", 1, 4096, NULL, 0},
        {"g-hidden", CLI_INT, &c.g_hidden, "the generator's units per hidden layer (3 layers)", 1, 4096, NULL, 0},
        {"noise-dim", CLI_INT, &c.noise_dim, "dimension of the generator's noise z", 1, 1024, NULL, 0},
        {"act", CLI_CHOICE, &act, "the critic's hidden activation (piecewise linear)", 0, 0, "leaky-relu|relu", 0},
    };
    session_start(S, "07-wgan", "Wasserstein GAN: weight clipping and gradient penalty, on a ring and in 1D.",
                  42, options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD, argc, argv);
    c.act = strcmp(act, "relu") == 0 ? ACT_RELU : ACT_LEAKY_RELU;
    c.one_sided = strcmp(penalty, "one-sided") == 0;
    c.decay = strcmp(decay, "linear") == 0;
    *cfg = (config){0};
    recipe(cfg, c, &S->cli, methods, targets);
}

/* main: the lesson in order ------------------------------------------------ */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config cfg;
    wgan *runs[4];
    checkpoint ck;                                    /* B. what --save and --load move       */
    start(&S, &cfg, argc, argv);                      /* C. the flags, --out, the seed         */
    if (session_trains(&S)) {                         /* (--load trains nothing: it skips these) */
        conceptual_numbers(S.rng, &S.m);                                        /* 1. made-up scores */
        check_double_backward(S.rng, cfg.trap.act, cfg.trap.one_sided, &S.m);   /* 5. double backward */
        if (cfg.trap_steps) trap_demo(S.rng, cfg.trap, cfg.trap_steps, &S.m);   /* 7. the 1D trap    */
        printf("\n9. Training\n");
    }
    for (size_t i = 0; i < cfg.n_runs; i++) {         /* 9. each run, trained (or built for --load) */
        runs[i] = wgan_new(&cfg.run[i], EVAL_N(cfg.run[i].target), S.rng);
        if (session_trains(&S)) train(runs[i], S.rng, S.cli.quiet);
    }
    describe_runs(&ck, runs, cfg.n_runs);
    if (!session_trains(&S)) load_runs(&S, &ck, runs, cfg.n_runs);   /* B. read, not trained */
    if (S.generate > 0) {
        generate_samples(&S, runs, cfg.n_runs);       /* B. K samples of each, measured; stop  */
    } else {
        measure_runs(&S, runs, cfg.n_runs);           /* 10. results                          */
        if (session_trains(&S)) draw_runs(&S, runs, cfg.n_runs);       /* A. the figures' data */
    }
    session_save(&S, &ck, out_name("%zu run(s)", cfg.n_runs));   /* B. with --save                */
    for (size_t i = 0; i < cfg.n_runs; i++) wgan_free(runs[i]);
    session_finish(&S);                               /* results, metrics.txt, the figures     */
    return 0;
}
#endif
