/* denoising-autoencoder.c -- chapter 03: learning to remove noise.
 *
 * Chapter 02 trained an autoencoder to give back its input. Here the input is
 * spoiled on purpose: a point of a clean curve plus Gaussian noise, and the
 * network must give back the CLEAN point. That is a denoising autoencoder
 * (DAE). We ask how good it is, and "good" needs a yardstick: for this toy
 * problem we know the clean curve and the noise exactly, so we can compute the
 * best denoiser that can exist (the Bayes-optimal one) and put the DAE beside
 * it. A plain autoencoder trained on clean data, the recipe of chapter 02,
 * goes beside them too: it shows that the noise during training is the whole
 * point.
 *
 * The story, in the order of the sections below:
 *   1. the data: 300 points of a sine, and their noisy copies
 *   2. what a denoiser should output: the posterior mean
 *   3. the network 2 -> 8 -> 2 -> 8 -> 2 and its forward pass
 *   4. its backward pass, written out layer by layer
 *   5. training: fresh noise every epoch, target = the clean signal
 *   6. the yardstick: the Bayes-optimal denoiser, computed exactly
 *   7. measuring: the noise reduction ratio
 *   8. a sweep over the noise level
 * and then the plumbing, out of the lesson's way: Appendix A what the figures
 * need, B the results, C the flags, what --quick changes, and the log's head.
 *
 * Run:   make bin/03-denoising-autoencoder && bin/03-denoising-autoencoder
 */
#include "genlab.h"

/* ----------------------------------------------------------------------------
 * 1. The data: a sine wave and its noisy copies
 *
 * The clean signal is a curve in the plane, sampled at n evenly spaced t:
 *
 *     c_i = ( t_i / 4 pi,  sin t_i ),      t_i = 4 pi i / (n - 1),  i = 0 .. n-1
 *
 * The first coordinate walks from 0 to 1 while the second goes through two
 * full periods of the sine. A noisy observation of c_i adds independent
 * Gaussian noise of standard deviation s to BOTH coordinates:
 *
 *     y_i = c_i + s eps_i,      eps_i ~ N(0, I_2)
 *
 * With s = 0.3 that is a lot of noise: the x-coordinate lives in [0, 1] and
 * half a period of the sine is only 0.125 wide in x. The mean squared error of
 * the noisy points themselves is E[(s eps)^2] = s^2 = 0.09 per coordinate.
 * ------------------------------------------------------------------------- */
static void sine_curve(gsl_matrix *C)                          /* C (n, 2) */
{
    const size_t n = C->size1;
    for (size_t i = 0; i < n; i++) {
        double t = 4.0 * M_PI * (double)i / (double)(n - 1);
        gsl_matrix_set(C, i, 0, t / (4.0 * M_PI));
        gsl_matrix_set(C, i, 1, sin(t));
    }
}

/* Y = C + s * Eps: the noisy copy of C made from a given standard-normal draw.
 * Keeping Eps apart lets the noise sweep of section 8 reuse ONE draw at every
 * noise level, so that its curves differ by the noise level and not by luck. */
static void add_scaled_noise(const gsl_matrix *C, const gsl_matrix *Eps, double s,
                             gsl_matrix *Y)
{
    gsl_matrix_memcpy(Y, Eps);
    gsl_matrix_scale(Y, s);                                 /* s eps     */
    gsl_matrix_add(Y, C);                                   /* c + s eps */
}

/* 1. data: the clean curve, and ONE noisy test sample drawn up front */
typedef struct sine_data {
    gsl_matrix *C;          /* (n, 2) the clean points                        */
    gsl_matrix *Eps;        /* (n, 2) one standard-normal draw ...            */
    gsl_matrix *Y;          /* (n, 2) ... and the held-out sample C + s Eps   */
} sine_data;

static sine_data sine_data_new(size_t n, double s, gsl_rng *r)
{
    sine_data d = {gsl_matrix_alloc(n, 2), gsl_matrix_alloc(n, 2), gsl_matrix_alloc(n, 2)};
    sine_curve(d.C);
    rng_fill_gaussian(r, d.Eps, 0.0, 1.0);
    add_scaled_noise(d.C, d.Eps, s, d.Y);
    return d;
}

static void sine_data_free(sine_data *d)
{
    gsl_matrix_free(d->C);
    gsl_matrix_free(d->Eps);
    gsl_matrix_free(d->Y);
}

/* ----------------------------------------------------------------------------
 * 2. What should a denoiser output?
 *
 * A denoiser is a function f that maps a noisy point y to a guess of the clean
 * point. The DAE is trained to minimise the expected squared error over clean
 * points AND noise:
 *
 *     L(f) = E_c E_eps || f(c + s eps) - c ||^2
 *
 * For every y, the best single guess under squared error is the mean of what
 * the clean point could have been, given that we saw y:
 *
 *     f*(y) = E[ c | y ]          (the posterior mean)
 *
 * Note what this is NOT: it is not "the nearest point of the curve". When a
 * noisy point could have come from two branches of the sine, the best guess
 * under squared error is a weighted average of both, which lies BETWEEN them,
 * off the curve. With s = 0.3 that happens everywhere: the Bayes outputs in
 * the figure fill two bands around y = +-0.8 instead of tracing the sine.
 *
 * So the DAE's loss has a known minimiser. A network that trains perfectly
 * and has enough capacity BECOMES the posterior-mean denoiser, and nothing can
 * do better on average. Two consequences we will see in the numbers:
 *   - the DAE's training loss cannot go below L(f*), the Bayes error, except
 *     by the luck of one epoch's noise; and L(f*) is far above zero when
 *     s = 0.3: no denoiser can undo noise this large;
 *   - "how good is our DAE?" has a precise answer: how close it gets to f*.
 *
 * The source text says the corruption "acts as a regularizer, preventing the
 * autoencoder from learning trivial solutions". That undersells it: here the
 * code is 2-D for 2-D data, so nothing at all stops a plain autoencoder from
 * learning (almost) the identity, and it does (section 7 measures it; the
 * README has its numbers). The noise is not a regulariser bolted on; it
 * DEFINES the task.
 * ------------------------------------------------------------------------- */

/* ----------------------------------------------------------------------------
 * 3. The network: 2 -> 8 -> 2 -> 8 -> 2 with ReLU
 *
 * The source's architecture, hidden width h = 8 and code size k = 2:
 *
 *     encoder   z1 = y W1 + b1      (n, h)     h1 = relu(z1)
 *               code = h1 W2 + b2   (n, k)     (linear: the code may be negative)
 *     decoder   z2 = code W3 + b3   (n, h)     h2 = relu(z2)
 *               out = h2 W4 + b4    (n, 2)     (linear: a point in the plane)
 *
 * 2*8+8 + 8*2+2 + 2*8+8 + 8*2+2 = 84 parameters in one params block.
 *
 * The forward pass keeps z1, h1, code, z2 and h2: the backward pass needs
 * every one of them. These work matrices live in one workspace
 * (common/workspace.h), allocated once for the largest batch (all n points:
 * we train full-batch, like the source), so that training allocates nothing;
 * ws_rows points them all at the rows a pass uses.
 * ------------------------------------------------------------------------- */
typedef struct dae {
    size_t hidden, latent;
    params *P;
    dense enc1, enc2, dec1, dec2;             /* 2->h, h->k, k->h, h->2        */
    workspace *ws;                            /* every matrix below, (n, .)    */
    gsl_matrix *z1, *h1, *code, *z2, *h2;     /* forward caches                */
    gsl_matrix *d_h1, *d_code, *d_h2;         /* backward buffers, same shapes */
    gsl_matrix *y, *out, *d_out;              /* training: noisy input, output,
                                                 dL/d out, (n, 2) each         */
} dae;

static dae *dae_new(size_t hidden, size_t latent, size_t max_batch)
{
    dae *net = calloc(1, sizeof *net);
    if (!net)
        die("out of memory");
    net->hidden = hidden;
    net->latent = latent;
    net->P = params_alloc(dense_size(2, hidden) + dense_size(hidden, latent) +
                          dense_size(latent, hidden) + dense_size(hidden, 2));
    dense_bind(&net->enc1, net->P, 2, hidden);
    dense_bind(&net->enc2, net->P, hidden, latent);
    dense_bind(&net->dec1, net->P, latent, hidden);
    dense_bind(&net->dec2, net->P, hidden, 2);
    net->ws = ws_new(max_batch);
    ws_add(net->ws, &net->z1, hidden);
    ws_add(net->ws, &net->h1, hidden);
    ws_add(net->ws, &net->code, latent);
    ws_add(net->ws, &net->z2, hidden);
    ws_add(net->ws, &net->h2, hidden);
    ws_add(net->ws, &net->d_h1, hidden);
    ws_add(net->ws, &net->d_code, latent);
    ws_add(net->ws, &net->d_h2, hidden);
    ws_add(net->ws, &net->y, 2);
    ws_add(net->ws, &net->out, 2);
    ws_add(net->ws, &net->d_out, 2);
    return net;
}

static void dae_free(dae *net)
{
    ws_free(net->ws);
    params_free(net->P);
    free(net);
}

/* Xavier-normal weights and zero biases, as in the source (chapter 01). */
static void dae_init(dae *net, gsl_rng *r)
{
    dense_init_xavier(&net->enc1, r);
    dense_init_xavier(&net->enc2, r);
    dense_init_xavier(&net->dec1, r);
    dense_init_xavier(&net->dec2, r);
}

/* out = decoder(encoder(Y)).   Y (n, 2) -> out (n, 2), n <= the workspace's rows. */
static void dae_forward(dae *net, const gsl_matrix *Y, gsl_matrix *out)
{
    ws_rows(net->ws, Y->size1);                             /* (n, .) each         */
    dense_forward(&net->enc1, Y, net->z1);                  /* z1 = y W1 + b1      */
    act_forward(ACT_RELU, net->z1, net->h1);                /* h1 = relu(z1)       */
    dense_forward(&net->enc2, net->h1, net->code);          /* code = h1 W2 + b2   */
    dense_forward(&net->dec1, net->code, net->z2);          /* z2 = code W3 + b3   */
    act_forward(ACT_RELU, net->z2, net->h2);                /* h2 = relu(z2)       */
    dense_forward(&net->dec2, net->h2, out);                /* out = h2 W4 + b4    */
}

/* ----------------------------------------------------------------------------
 * 4. The backward pass
 *
 * Given d_out = dL/d out (n, 2) for the last forward pass, walk the forward
 * pass backwards. Each dense layer adds its dW, db into the params block and
 * hands dL/d(its input) to the layer below; each ReLU lets a gradient through
 * only where its input was positive:
 *
 *     d_h2   = d_out W4^T               dW4 += h2^T d_out      db4 += sum d_out
 *     d_z2   = d_h2 * [z2 > 0]
 *     d_code = d_z2 W3^T                dW3 += code^T d_z2     db3 += sum d_z2
 *     d_h1   = d_code W2^T              dW2 += h1^T d_code     db2 += sum d_code
 *     d_z1   = d_h1 * [z1 > 0]
 *                                       dW1 += y^T d_z1        db1 += sum d_z1
 *
 * The gradient with respect to the input y itself is never needed, so the
 * first layer is asked for none (dX = NULL). Gradients ACCUMULATE: the caller
 * zeroes them first. The pass works on the rows the last forward pass used
 * (its caches). tests/test_03_denoising_autoencoder.c checks every one of the
 * 84 partial derivatives against finite differences.
 * ------------------------------------------------------------------------- */
static void dae_backward(dae *net, const gsl_matrix *Y, const gsl_matrix *d_out)
{
    dense_backward(&net->dec2, net->h2, d_out, net->d_h2);
    act_backward(ACT_RELU, net->z2, net->h2, net->d_h2, net->d_h2);   /* now d_z2 */
    dense_backward(&net->dec1, net->code, net->d_h2, net->d_code);
    dense_backward(&net->enc2, net->h1, net->d_code, net->d_h1);
    act_backward(ACT_RELU, net->z1, net->h1, net->d_h1, net->d_h1);   /* now d_z1 */
    dense_backward(&net->enc1, Y, net->d_h1, NULL);
}

/* The loss of section 2 on one batch, and its gradient:
 *     L = 1/(2n) sum_i || out_i - c_i ||^2   (the mean over all 2n entries)
 * loss_mse returns exactly this number and d_out = dL/d out to go with it.
 * (The source averages over 2n entries too but divides its gradient by n
 * only: its gradient is twice the true one, and its learning rate is really
 * twice what it says; the README measures what that does.) */
static double dae_loss(dae *net, const gsl_matrix *Y, const gsl_matrix *C,
                       gsl_matrix *out, gsl_matrix *d_out)
{
    dae_forward(net, Y, out);
    return loss_mse(out, C, d_out);
}

/* ----------------------------------------------------------------------------
 * 5. Training: fresh noise every epoch, the clean signal as the target
 *
 * One epoch = one full-batch step on all n points, as in the source. Before
 * each epoch we draw NEW noise, so the network never sees the same noisy
 * point twice: in effect an endless training set, and nothing to overfit.
 *
 *     for each epoch:   y = c + s eps  (fresh eps)
 *                       L = mse(dae(y), c);  grads = dL/dparams;  step
 *
 * With s = 0 the same loop trains a PLAIN autoencoder on the clean points
 * (input = target = c): chapter 02's recipe, same network, same optimiser.
 *
 * The optimiser. The source uses plain SGD with lr 0.002 for 1000 epochs.
 * That leaves this network far from trained, not at the limit of what a DAE
 * can do: its output comes out worse than the noisy input (the README's "Where
 * the source text needs a correction" has the numbers). Adam at lr 0.01
 * (per-parameter step sizes, chapter 01) gets close to the Bayes-optimal
 * denoiser in the same 1000 epochs: the goal (tests/goals) asks for at least
 * 85 % of its noise reduction ratio. SGD gets there too, given a larger step
 * and more of them (the README's exercise 2).
 *
 * Each model's loss, epoch by epoch, goes into a history (common/history.h):
 * the loss figure's data.
 * ------------------------------------------------------------------------- */
typedef struct train_config {
    long epochs;
    double lr;
    const char *optim;   /* "adam" or "sgd" */
    long log_every;      /* a stdout line every this many epochs; 0 = silent */
    int quiet;           /* no progress on stderr */
} train_config;

/* Train net to map C + noise * eps to C. Logs the loss of every epoch into
 * `log` (room for cfg->epochs rows) if not NULL; returns the last epoch's loss. */
static double train(dae *net, const gsl_matrix *C, double noise, const train_config *cfg,
                    gsl_rng *r, history *log)
{
    ws_rows(net->ws, C->size1);                   /* every epoch: all n points */
    gsl_matrix *Y = net->y;                       /* this epoch's noisy input  */
    optimizer *opt = strcmp(cfg->optim, "sgd") == 0
                         ? optim_sgd(net->P, cfg->lr, 0.0)
                         : optim_adam(net->P, cfg->lr, 0.9, 0.999);
    progress pr;
    progress_start(&pr, cfg->epochs, cfg->quiet);
    double loss = 0.0;
    for (long epoch = 1; epoch <= cfg->epochs; epoch++) {
        gsl_matrix_memcpy(Y, C);
        if (noise > 0.0)
            rng_add_gaussian(r, Y, noise);        /* y = c + s eps, fresh eps */
        loss = dae_loss(net, Y, C, net->out, net->d_out);   /* forward + dL/d out */
        check_finite(loss, "training loss", epoch);
        params_zero_grad(net->P);
        dae_backward(net, Y, net->d_out);         /* dL/dparams               */
        optim_step(opt);                          /* the only update          */
        if (log)
            history_add(log, epoch, &loss);
        if (cfg->log_every > 0 && (epoch % cfg->log_every == 0 || epoch == 1))
            printf("  epoch %5ld  loss %.5f\n", epoch, loss);
        progress_report(&pr, epoch, "loss %.5f", loss);
    }
    progress_end(&pr);
    optim_free(opt);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 6. The yardstick: the Bayes-optimal denoiser
 *
 * Section 2 said the best denoiser is the posterior mean E[c | y]. Here we
 * know everything needed to compute it. By Bayes' rule, with a prior that
 * puts equal weight 1/K on each of K candidate clean points c_k,
 *
 *     p(c_k | y)  proportional to  N(y; c_k, s^2 I) = exp(-|| y - c_k ||^2 / 2s^2) / (2 pi s^2)
 *
 *     E[c | y] = sum_k c_k w_k / sum_k w_k,     log w_k = -|| y - c_k ||^2 / (2 s^2)
 *
 * (the constant 1/(2 pi s^2 K) cancels between top and bottom). For a y far
 * from the curve every w_k underflows to 0 and we would divide 0 by 0, so we
 * subtract the largest log-weight m = max_k log w_k first (the log-sum-exp
 * trick): exp(log w_k - m) is at most 1, and at least one of them is exactly 1.
 *
 * Which prior? The noisy sample is made from the n points of section 1, each
 * equally likely, and the DAE is trained on those same n points. So the TRUE
 * prior of this experiment is the uniform distribution on the n clean points,
 * and the posterior over them is exactly Bayes-optimal: that is our
 * bayes_optimal_ratio. One could instead treat the sine itself as the signal
 * (t uniform on [0, 4 pi], a continuum): we also compute that posterior, with
 * 4096 points at the midpoints of equal t-intervals (bayes_curve_ratio). At
 * n = 300 the grid spacing (0.04 in t) is tiny next to s = 0.3 and the two
 * agree closely (the test checks within 1 %); with few points they part, and
 * only the first is the real limit for data drawn from those points (the
 * README's exercise 4).
 *
 * Cost: K exponentials per point, 300 x 4096 = 1.2 million for the curve
 * version: a few milliseconds.
 * ------------------------------------------------------------------------- */
#define CURVE_POINTS 4096

static void bayes_denoise(const gsl_matrix *prior, double s, const gsl_matrix *Y,
                          gsl_matrix *out)                /* prior (K, 2), Y, out (n, 2) */
{
    const size_t K = prior->size1;
    double *logw = malloc(K * sizeof *logw);
    if (!logw)
        die("out of memory");
    for (size_t i = 0; i < Y->size1; i++) {
        const double y0 = gsl_matrix_get(Y, i, 0), y1 = gsl_matrix_get(Y, i, 1);
        double m = -INFINITY;
        for (size_t k = 0; k < K; k++) {                /* log w_k and their max */
            double d0 = y0 - gsl_matrix_get(prior, k, 0);
            double d1 = y1 - gsl_matrix_get(prior, k, 1);
            logw[k] = -(d0 * d0 + d1 * d1) / (2.0 * s * s);
            m = fmax(m, logw[k]);
        }
        double wsum = 0.0, c0 = 0.0, c1 = 0.0;
        for (size_t k = 0; k < K; k++) {                /* sum_k w_k c_k, sum_k w_k */
            double w = exp(logw[k] - m);
            wsum += w;
            c0 += w * gsl_matrix_get(prior, k, 0);
            c1 += w * gsl_matrix_get(prior, k, 1);
        }
        gsl_matrix_set(out, i, 0, c0 / wsum);
        gsl_matrix_set(out, i, 1, c1 / wsum);
    }
    free(logw);
}

/* The continuous prior's stand-in: t_k = 4 pi (k + 1/2) / K, k = 0 .. K-1. */
static void sine_curve_midpoints(gsl_matrix *P)                 /* P (K, 2) */
{
    const size_t K = P->size1;
    for (size_t k = 0; k < K; k++) {
        double t = 4.0 * M_PI * ((double)k + 0.5) / (double)K;
        gsl_matrix_set(P, k, 0, t / (4.0 * M_PI));
        gsl_matrix_set(P, k, 1, sin(t));
    }
}

/* ----------------------------------------------------------------------------
 * 7. Measuring: the noise reduction ratio
 *
 * On one noisy sample y = c + s eps (drawn once, before training, and never
 * trained on), with MSE the mean over all 2n coordinates:
 *
 *     noisy_mse    = mse(y, c)           about s^2
 *     denoised_mse = mse(f(y), c)
 *     ratio        = noisy_mse / denoised_mse      (> 1: the denoiser helped)
 *
 * The same ratio for the Bayes denoiser is the ceiling, for the plain AE the
 * lesson. Dividing the DAE's ratio by the Bayes ratio on the SAME sample
 * cancels most of the luck of the draw: ratio_vs_bayes = 1 means perfect.
 * ------------------------------------------------------------------------- */
typedef struct scores {
    double noisy_mse, dae_mse, plain_mse, bayes_mse;
} scores;

static double ratio(double noisy_mse, double mse)
{
    return noisy_mse / mse;
}

/* Denoise Y with the DAE, the plain AE and the Bayes posterior (over `prior`)
 * and score them against the clean C. The outputs land in the three matrices. */
static scores score_all(dae *net, dae *plain, const gsl_matrix *prior, double s,
                        const gsl_matrix *C, const gsl_matrix *Y,
                        gsl_matrix *dae_out, gsl_matrix *plain_out, gsl_matrix *bayes_out)
{
    scores sc;
    dae_forward(net, Y, dae_out);
    dae_forward(plain, Y, plain_out);
    bayes_denoise(prior, s, Y, bayes_out);
    sc.noisy_mse = mat_mse(Y, C);
    sc.dae_mse = mat_mse(dae_out, C);
    sc.plain_mse = mat_mse(plain_out, C);
    sc.bayes_mse = mat_mse(bayes_out, C);
    return sc;
}

/* What measuring gives: the three denoisers' outputs on the held-out sample,
 * their scores, and the continuous-sine Bayes beside them. */
typedef struct evaluation {
    gsl_matrix *dae_out, *plain_out, *bayes_out;   /* (n, 2) the denoised Y  */
    scores sc;
    double curve_mse;                  /* Bayes over the continuous sine     */
    double dae_r, plain_r, bayes_r;    /* noise reduction ratios             */
} evaluation;

/* 6-7. the Bayes yardstick and the scores on the held-out noisy sample Y,
 * printed as a table */
static evaluation evaluate(dae *net, dae *plain, const gsl_matrix *C, const gsl_matrix *Y,
                           double noise)
{
    const size_t n = C->size1;
    evaluation ev = {.dae_out = gsl_matrix_alloc(n, 2), .plain_out = gsl_matrix_alloc(n, 2),
                     .bayes_out = gsl_matrix_alloc(n, 2)};
    gsl_matrix *curve_out = gsl_matrix_alloc(n, 2), *curve = gsl_matrix_alloc(CURVE_POINTS, 2);
    ev.sc = score_all(net, plain, C, noise, C, Y, ev.dae_out, ev.plain_out, ev.bayes_out);
    const scores *sc = &ev.sc;
    sine_curve_midpoints(curve);
    bayes_denoise(curve, noise, Y, curve_out);
    ev.curve_mse = mat_mse(curve_out, C);
    ev.dae_r = ratio(sc->noisy_mse, sc->dae_mse);
    ev.plain_r = ratio(sc->noisy_mse, sc->plain_mse);
    ev.bayes_r = ratio(sc->noisy_mse, sc->bayes_mse);
    printf("\n== 7. Measuring on the held-out noisy sample (%zu points, noise sd %g):\n", n, noise);
    printf("                         MSE to clean   noise reduction ratio\n");
    printf("  noisy input               %.5f        1.000\n", sc->noisy_mse);
    printf("  plain AE                  %.5f        %.3f\n", sc->plain_mse, ev.plain_r);
    printf("  DAE                       %.5f        %.3f\n", sc->dae_mse, ev.dae_r);
    printf("  Bayes-optimal             %.5f        %.3f   (posterior mean over the %zu points)\n",
           sc->bayes_mse, ev.bayes_r, n);
    printf("  Bayes, continuous sine    %.5f        %.3f   (posterior mean over %d curve points)\n",
           ev.curve_mse, ratio(sc->noisy_mse, ev.curve_mse), CURVE_POINTS);
    printf("the DAE reaches %.1f %% of the Bayes-optimal ratio; the plain AE %.1f %%\n",
           100.0 * ev.dae_r / ev.bayes_r, 100.0 * ev.plain_r / ev.bayes_r);
    gsl_matrix_free(curve_out);
    gsl_matrix_free(curve);
    return ev;
}

static void evaluation_free(evaluation *ev)
{
    gsl_matrix_free(ev->dae_out);
    gsl_matrix_free(ev->plain_out);
    gsl_matrix_free(ev->bayes_out);
}

/* ----------------------------------------------------------------------------
 * 8. A sweep over the noise level
 *
 * How do the three denoisers fare as the noise grows? For each level
 * s = 0.1, 0.2, ..., 0.1 N we train a fresh DAE at that noise (same recipe),
 * reuse the plain AE (it never saw noise, so it does not depend on s), and
 * score all three on c + s eps with ONE eps shared by every level.
 *
 * What to expect. The ratio is noisy_mse / denoised_mse, and the two parts
 * move differently with s:
 *   - small s: a noisy point is close to the curve and can be put back onto
 *     it. The noise across the curve is removed, the noise along it stays, so
 *     the best ratio tends to 2 (one of two dimensions cleaned) as s -> 0; to
 *     get there the network must bend sharply along a thin curve, which is
 *     hard for 8 ReLUs: this is where the DAE falls furthest behind Bayes.
 *   - large s: the wiggles drown, and the best guess slides towards the
 *     average of the whole curve. Its error stays bounded (by the spread of
 *     the clean points, about 0.29) while the noisy error grows like s^2, so
 *     every ratio grows, even though the denoised points say less and less.
 *   - the plain AE stays near 1 at every level: it was never asked to remove
 *     anything.
 * Table columns: noise, DAE ratio, plain AE ratio, Bayes ratio, DAE / Bayes
 * (NULL when there are no levels: --sweep 0).
 * ------------------------------------------------------------------------- */
static gsl_matrix *noise_sweep(long levels, const gsl_matrix *C, const gsl_matrix *Eps,
                               dae *plain, size_t hidden, size_t latent,
                               const train_config *cfg, gsl_rng *r)
{
    if (levels <= 0)
        return NULL;
    const size_t n = C->size1;
    gsl_matrix *table = gsl_matrix_alloc((size_t)levels, 5);
    gsl_matrix *Y = gsl_matrix_alloc(n, 2), *o1 = gsl_matrix_alloc(n, 2),
               *o2 = gsl_matrix_alloc(n, 2), *o3 = gsl_matrix_alloc(n, 2);
    dae *net = dae_new(hidden, latent, n);
    train_config quiet_cfg = *cfg;
    quiet_cfg.log_every = 0;
    printf("\n== 8. Noise sweep: a fresh DAE per level, the same plain AE, one shared eps\n");
    printf("  noise   DAE ratio   plain AE   Bayes   DAE / Bayes\n");
    for (long j = 0; j < levels; j++) {
        double s = 0.1 * (double)(j + 1);
        dae_init(net, r);
        train(net, C, s, &quiet_cfg, r, NULL);
        add_scaled_noise(C, Eps, s, Y);
        scores sc = score_all(net, plain, C, s, C, Y, o1, o2, o3);
        double row[5] = {s, ratio(sc.noisy_mse, sc.dae_mse), ratio(sc.noisy_mse, sc.plain_mse),
                         ratio(sc.noisy_mse, sc.bayes_mse), sc.bayes_mse / sc.dae_mse};
        for (size_t k = 0; k < 5; k++)
            gsl_matrix_set(table, (size_t)j, k, row[k]);
        printf("  %4.1f    %7.3f    %7.3f   %7.3f    %6.3f\n", row[0], row[1], row[2], row[3],
               row[4]);
    }
    dae_free(net);
    gsl_matrix_free(Y);
    gsl_matrix_free(o1);
    gsl_matrix_free(o2);
    gsl_matrix_free(o3);
    return table;
}

/* ----------------------------------------------------------------------------
 * Appendix A. What the figures need
 *
 *   denoise.gp  two panels over the same noisy sample: the plain AE's output
 *               (left) and the DAE's beside the Bayes posterior mean (right)
 *   loss.gp     training loss per epoch, DAE and plain AE, with the Bayes error
 *               as the floor the DAE cannot pass
 *   sweep.gp    noise reduction ratio against noise level, all three denoisers
 *
 * The scripts are the .gp files in chapters/03-denoising-autoencoder/figures/;
 * the functions below write their data files and give them the numbers of
 * this run (values.gp, written by session_finish).
 * ------------------------------------------------------------------------- */
static void figure_denoise(const char *dir, const sine_data *d, const evaluation *ev, double s)
{
    const gsl_matrix *parts[] = {d->C, d->Y, ev->dae_out, ev->plain_out, ev->bayes_out};
    gsl_matrix *M = gsl_matrix_alloc(d->C->size1, 10);            /* (x, y) of each, side by side */
    for (size_t k = 0; k < 5; k++) {
        gsl_matrix_view cols = gsl_matrix_submatrix(M, 0, 2 * k, M->size1, 2);
        gsl_matrix_memcpy(&cols.matrix, parts[k]);
    }
    out_write_matrix(dir, "denoise.dat",
                     "clean_x clean_y noisy_x noisy_y dae_x dae_y plain_x plain_y bayes_x bayes_y", M);
    gsl_matrix_free(M);

    fig_use("denoise");
    fig_value("n_points", (double)d->C->size1);
    fig_value("noise_sd", s);
    fig_value("plain_ae_ratio", ev->plain_r);
    fig_value("dae_ratio", ev->dae_r);
    fig_value("bayes_ratio", ev->bayes_r);
}

static void figure_loss(const char *dir, const history *dae_log, const history *plain_log,
                        double bayes_mse)
{
    history_write(dae_log, dir, "loss_dae.dat");         /* noisy -> clean */
    history_write(plain_log, dir, "loss_plain_ae.dat");  /* clean -> clean */
    fig_use("loss");
    fig_value("bayes_mse", bayes_mse);
}

static void figure_sweep(const char *dir, const gsl_matrix *table, double noise)
{
    if (!table)                                          /* no sweep, no figure */
        return;
    out_write_matrix(dir, "sweep.dat",
                     "noise dae_ratio plain_ae_ratio bayes_ratio dae_over_bayes", table);
    fig_use("sweep");
    fig_value("sweep_noise_max", gsl_matrix_get(table, table->size1 - 1, 0));
    fig_value("noise_sd", noise);
}

/* ----------------------------------------------------------------------------
 * Appendix B. The results
 *
 * The results block and metrics.txt (session_finish prints and writes them):
 * the scores of section 7, the final training losses, and (with a sweep) the
 * DAE's worst level against Bayes. tests/goals/03-denoising-autoencoder.goals
 * checks ratio_vs_bayes for several seeds.
 * ------------------------------------------------------------------------- */
static void record_results(metrics *m, const evaluation *ev, const history *dae_log,
                           const history *plain_log, const gsl_matrix *table)
{
    const scores *sc = &ev->sc;
    metrics_set(m, "noisy_mse", sc->noisy_mse);
    metrics_set(m, "denoised_mse", sc->dae_mse);
    metrics_set(m, "noise_reduction_ratio", ev->dae_r);
    metrics_set(m, "bayes_optimal_mse", sc->bayes_mse);
    metrics_set(m, "bayes_optimal_ratio", ev->bayes_r);
    metrics_set(m, "ratio_vs_bayes", ev->dae_r / ev->bayes_r);
    metrics_set(m, "plain_ae_mse", sc->plain_mse);
    metrics_set(m, "plain_ae_ratio", ev->plain_r);
    metrics_set(m, "bayes_curve_ratio", ratio(sc->noisy_mse, ev->curve_mse));
    metrics_set(m, "dae_final_loss", history_last(dae_log, 0));
    metrics_set(m, "plain_ae_final_loss", history_last(plain_log, 0));
    if (table) {
        double worst = INFINITY;
        for (size_t j = 0; j < table->size1; j++)
            worst = fmin(worst, gsl_matrix_get(table, j, 4));
        metrics_set(m, "sweep_min_ratio_vs_bayes", worst);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags, and the head of the log
 *
 * The knobs the text invites you to turn, their defaults, and what --quick
 * changes (a run of a second or so, for the golden test). common/session
 * reads them with the common flags (--seed, --out, --quick, --quiet).
 * ------------------------------------------------------------------------- */
typedef struct config {
    double noise;           /* s, the noise sd on both coordinates           */
    long points;            /* points on the clean sine                      */
    long hidden, latent;    /* the network 2 -> hidden -> latent -> hidden -> 2 */
    train_config train;     /* epochs, lr, optimiser, logging (section 5)    */
    long sweep;             /* noise levels of the sweep (0: none)           */
} config;

/* The recipe: the defaults a run changes by itself. --quick trains fewer
 * epochs, unless --epochs was given; then what follows from the flags: a log
 * line every fifth of the run, and --quiet. */
static void recipe(config *cfg, const cli *c)
{
    if (c->quick && !cli_given(c, "epochs"))
        cfg->train.epochs = 300;
    cfg->train.log_every = cfg->train.epochs >= 5 ? cfg->train.epochs / 5 : 1;
    cfg->train.quiet = c->quiet;
}

/* Start the run (common/session.h): the defaults, the flags, --out, the
 * seed; SESSION_PLAIN, as this chapter keeps no model to save or load. */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){
        .noise = 0.3, .points = 300, .hidden = 8, .latent = 2, .sweep = 6,
        .train = {.epochs = 1000, .lr = 0.01, .optim = "adam"}};
    train_config *t = &cfg->train;
    cli_option opts[] = {
        {"noise", CLI_REAL, &cfg->noise, "noise standard deviation s on both coordinates", 0.01, 3.0, NULL, 0},
        {"epochs", CLI_INT, &t->epochs, "full-batch training epochs (one step each)", 1, 1e7, NULL, 0},
        {"lr", CLI_REAL, &t->lr, "learning rate", 1e-7, 1e6, NULL, 0},
        {"optim", CLI_CHOICE, &t->optim, "optimiser (the source used sgd, lr 0.002)", 0, 0, "adam|sgd", 0},
        {"hidden", CLI_INT, &cfg->hidden, "hidden width of encoder and decoder", 1, 1024, NULL, 0},
        {"latent-dim", CLI_INT, &cfg->latent, "size of the code", 1, 64, NULL, 0},
        {"points", CLI_INT, &cfg->points, "points on the clean sine", 2, 100000, NULL, 0},
        {"sweep", CLI_INT, &cfg->sweep, "noise sweep over s = 0.1, 0.2, ..., 0.1 N (0: none)", 0, 30, NULL, 0},
    };
    session_start(S, "03-denoising-autoencoder",
                  "a denoising autoencoder on a noisy sine, beside the Bayes-optimal denoiser", 42,
                  opts, sizeof opts / sizeof opts[0], SESSION_PLAIN, argc, argv);
    recipe(cfg, &S->cli);
}

/* The head of the log: the seed, the data, the model and how it trains, as
 * the flags chose them. */
static void print_setup(const session *S, const config *cfg, size_t n_params)
{
    const train_config *t = &cfg->train;
    printf("03-denoising-autoencoder: seed %ld\n", S->cli.seed);
    printf("data:  %ld points of (t / 4 pi, sin t), t in [0, 4 pi]; noise sd %g on both coordinates\n",
           cfg->points, cfg->noise);
    printf("model: 2 -> %ld -> %ld -> %ld -> 2 (ReLU), %zu parameters; %s, lr %g, %ld full-batch epochs\n",
           cfg->hidden, cfg->latent, cfg->hidden, n_params, t->optim, t->lr, t->epochs);
}

#ifndef GENLAB_TESTING
/* ----------------------------------------------------------------------------
 * main: make the data, train the DAE and the plain AE, compute the Bayes
 * yardstick, measure, sweep the noise, draw.
 * ------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);         /* the flags (Appendix C), --out, the seed */
    const size_t n = (size_t)cfg.points, hidden = (size_t)cfg.hidden,
                 latent = (size_t)cfg.latent;
    const train_config *tc = &cfg.train;

    /* 1. data: the clean curve, and ONE noisy test sample drawn up front */
    sine_data d = sine_data_new(n, cfg.noise, S.rng);
    /* 3. the network, twice: the DAE and the plain AE */
    dae *net = dae_new(hidden, latent, n), *plain = dae_new(hidden, latent, n);
    print_setup(&S, &cfg, net->P->value->size);

    /* 5. train the DAE (fresh noise every epoch) and the plain AE (no noise) */
    history *dae_log = history_new((size_t)tc->epochs, 50, "loss");
    history *plain_log = history_new((size_t)tc->epochs, 50, "loss");
    printf("\n== 5. Training the DAE: noisy input, clean target, fresh noise every epoch\n");
    dae_init(net, S.rng);
    train(net, d.C, cfg.noise, tc, S.rng, dae_log);
    printf("training the plain AE (chapter 02's recipe): clean input, clean target\n");
    dae_init(plain, S.rng);
    train(plain, d.C, 0.0, tc, S.rng, plain_log);

    /* 6-7. the Bayes yardstick, and the three denoisers on the held-out sample */
    evaluation ev = evaluate(net, plain, d.C, d.Y, cfg.noise);

    /* 8. the noise sweep */
    gsl_matrix *sweep = noise_sweep(cfg.sweep, d.C, d.Eps, plain, hidden, latent, tc, S.rng);

    /* the figures' data (Appendix A) and the results (Appendix B) */
    figure_denoise(S.cli.out, &d, &ev, cfg.noise);
    figure_loss(S.cli.out, dae_log, plain_log, ev.sc.bayes_mse);
    figure_sweep(S.cli.out, sweep, cfg.noise);
    record_results(&S.m, &ev, dae_log, plain_log, sweep);
    session_finish(&S);                  /* results, metrics.txt, the figures */
    note("wrote %s/metrics.txt and the figure scripts", S.cli.out);

    gsl_matrix_free(sweep);              /* (NULL without a sweep: fine) */
    evaluation_free(&ev);
    history_free(dae_log);
    history_free(plain_log);
    dae_free(net);
    dae_free(plain);
    sine_data_free(&d);
    return 0;
}
#endif
