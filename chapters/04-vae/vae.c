/* vae.c -- chapter 04: the variational autoencoder.
 *
 * Chapter 02's autoencoder squeezes each point to ONE code and back. That is
 * a fine compressor but a poor generator: nothing says what the codes between
 * the training codes decode to, so drawing a random code gives a random
 * answer. A variational autoencoder (VAE; Kingma & Welling, 2014) fixes this
 * by making the code a probability distribution:
 *
 *   encoder   x  ->  q(z | x) = N(mu(x), diag sigma^2(x))     "where could x's code be?"
 *   decoder   z  ->  x_hat(z)                                 "what does code z look like?"
 *   prior     p(z) = N(0, I)                                  "where codes should live"
 *
 * and training it to do two things at once: reconstruct x from a code DRAWN
 * from q(z | x), and keep q(z | x) close to the prior. If both succeed, codes
 * drawn from the prior decode to new, plausible data: a generative model.
 * Sections 1-10 tell that story, the appendix holds the plumbing; the sources
 * slip (README) in 000's KL gradient (5) and 002's finite differences (6).
 * Run:  make bin/04-vae && bin/04-vae          (bin/04-vae --help for the knobs)
 */
#include "genlab.h"
#include <stdarg.h>
#include <gsl/gsl_statistics.h>

/* ----------------------------------------------------------------------------
 * 1. The data
 *
 * Two small 2D data sets, both mixtures of round Gaussian clusters, so that we
 * know the truth and can grade the samples a trained VAE makes:
 *
 *   clusters (source 000):  100 points around each of (1, 1), (-1, -1), (1, -1),
 *                           standard deviation 0.3 per coordinate
 *   ring     (source 002):  200 points around each (cos a, sin a), a = 0, 90,
 *                           180, 270 degrees, sd 0.2 (the VAE never sees labels)
 * ------------------------------------------------------------------------- */
#define MAX_CLUSTERS 4
typedef struct dataset {
    const char *name;                  /* "clusters" or "ring"             */
    size_t n, k;                       /* points, clusters                 */
    double centre[MAX_CLUSTERS][2], sd;    /* sd per coordinate, all alike */
    gsl_matrix *X;                     /* (n, 2) the points                */
    size_t *label;                     /* (n)    their cluster             */
} dataset;

static dataset dataset_make(const char *name, gsl_rng *r)
{
    static const double c[3][2] = {{1, 1}, {-1, -1}, {1, -1}};
    const int ring = strcmp(name, "ring") == 0;
    const size_t per = ring ? 200 : 100, k = ring ? 4 : 3;
    dataset d = {.name = name, .k = k, .n = k * per, .sd = ring ? 0.2 : 0.3};
    for (size_t j = 0; j < d.k; j++) {
        d.centre[j][0] = ring ? cos(2.0 * M_PI * (double)j / 4) : c[j][0];
        d.centre[j][1] = ring ? sin(2.0 * M_PI * (double)j / 4) : c[j][1];
    }
    d.X = gsl_matrix_alloc(d.n, 2);
    d.label = xmalloc(d.n * sizeof *d.label, "the labels");
    for (size_t i = 0; i < d.n; i++) {
        size_t j = d.label[i] = i / per;
        gsl_matrix_set(d.X, i, 0, d.centre[j][0] + gsl_ran_gaussian(r, d.sd));
        gsl_matrix_set(d.X, i, 1, d.centre[j][1] + gsl_ran_gaussian(r, d.sd));
    }
    return d;
}

/* ----------------------------------------------------------------------------
 * 2. The network
 *
 * Encoder: one or two ReLU layers, then TWO linear heads reading the same
 * hidden features, one for the mean and one for the log-variance of q(z | x):
 *
 *     h   = relu(... relu(x W1 + b1) ...)          (n, hidden)
 *     mu  = h W_mu + b_mu                          (n, latent)
 *     lv  = h W_lv + b_lv                          (n, latent)  lv = log sigma^2
 *
 * Why log sigma^2? A variance must be positive, a linear layer outputs any
 * real number, and exp() makes it positive: no "stay above zero" to learn.
 * The decoder is the mirror image, z -> relu layers -> a linear x_hat (n, 2)
 * (000: one layer of 16; 002: two of 64). The work matrices live in a
 * workspace (workspace.h) sized once for the largest batch; ws_rows(m->ws, n)
 * shows n rows of each.
 * ------------------------------------------------------------------------- */
#define MAX_DEPTH 2
#define DATA_DIM 2
typedef struct vae {
    size_t depth;
    double kl_coef;          /* the weight on the KL term, see section 4    */
    params *P;               /* every weight, and its gradient (params.h)   */
    dense enc[MAX_DEPTH], mu_head, lv_head, dec[MAX_DEPTH], out;
    workspace *ws;  /* z before the ReLU, a after; d = dL/d of; dh: scratch */
    gsl_matrix *enc_z[MAX_DEPTH], *enc_a[MAX_DEPTH], *denc_a[MAX_DEPTH];
    gsl_matrix *dec_z[MAX_DEPTH], *dec_a[MAX_DEPTH], *ddec_a[MAX_DEPTH];
    gsl_matrix *mu, *lv, *sigma, *eps, *z, *dmu, *dlv, *dmu_kl, *dlv_kl, *dz;
    gsl_matrix *xhat, *dxhat, *dh;
} vae;

static vae *vae_new(size_t depth, size_t hidden, size_t latent, size_t capacity, gsl_rng *r)
{
    vae *m = xcalloc(1, sizeof *m, "a VAE");
    m->depth = depth;
    /* count, allocate, then let each layer take its slice, in a fixed order */
    size_t total = 2 * dense_size(hidden, latent) + dense_size(hidden, DATA_DIM);
    for (size_t l = 0; l < depth; l++)
        total += dense_size(l ? hidden : DATA_DIM, hidden) + dense_size(l ? hidden : latent, hidden);
    m->P = params_alloc(total);
    for (size_t l = 0; l < depth; l++)
        dense_bind(&m->enc[l], m->P, l ? hidden : DATA_DIM, hidden);
    dense_bind(&m->mu_head, m->P, hidden, latent);
    dense_bind(&m->lv_head, m->P, hidden, latent);
    for (size_t l = 0; l < depth; l++)
        dense_bind(&m->dec[l], m->P, l ? hidden : latent, hidden);
    dense_bind(&m->out, m->P, hidden, DATA_DIM);
    /* Xavier everywhere except the two heads, which start tiny (as in 002):
     * then every q(z | x) starts as mu ~ 0, sigma ~ 1, i.e. AT the prior, and
     * the KL term starts near zero instead of at some random large value.
     * Each layer's work matrices are (rows, hidden). */
    m->ws = ws_new(capacity);
    for (size_t l = 0; l < depth; l++) {
        dense_init_xavier(&m->enc[l], r);
        dense_init_xavier(&m->dec[l], r);
        gsl_matrix **wide[] = {&m->enc_z[l], &m->enc_a[l], &m->denc_a[l],
                               &m->dec_z[l], &m->dec_a[l], &m->ddec_a[l]};
        for (size_t i = 0; i < 6; i++)
            ws_add(m->ws, wide[i], hidden);
    }
    dense_init_normal(&m->mu_head, r, 0.01);
    dense_init_normal(&m->lv_head, r, 0.01);
    dense_init_xavier(&m->out, r);
    gsl_matrix **rest[] = {&m->mu, &m->lv, &m->sigma, &m->eps, &m->z, &m->dmu, &m->dlv,
                           &m->dmu_kl, &m->dlv_kl, &m->dz, &m->xhat, &m->dxhat, &m->dh};
    for (size_t i = 0; i < 13; i++)          /* 10 of (rows, latent), 2 of (rows, 2), dh */
        ws_add(m->ws, rest[i], i < 10 ? latent : i < 12 ? DATA_DIM : hidden);
    return m;
}

static void vae_free(vae *m)
{
    ws_free(m->ws);
    params_free(m->P);
    free(m);
}

/* Either half's ReLU layers, keeping z and a for backward: the last a. */
static const gsl_matrix *relu_layers(dense *L, size_t depth, const gsl_matrix *in,
                                     gsl_matrix **z, gsl_matrix **a)
{
    for (size_t l = 0; l < depth; l++) {
        dense_forward(&L[l], in, z[l]);
        act_forward(ACT_RELU, z[l], a[l]);
        in = a[l];
    }
    return in;
}

/* Encoder: X (n, 2) -> mu, lv (n, latent), both heads reading h. */
static void encode(vae *m, const gsl_matrix *X)
{
    const gsl_matrix *h = relu_layers(m->enc, m->depth, X, m->enc_z, m->enc_a);
    dense_forward(&m->mu_head, h, m->mu);
    dense_forward(&m->lv_head, h, m->lv);
}

/* Decoder: Z (n, latent) -> x_hat (n, 2). */
static void decode(vae *m, const gsl_matrix *Z)
{
    dense_forward(&m->out, relu_layers(m->dec, m->depth, Z, m->dec_z, m->dec_a), m->xhat);
}

/* ----------------------------------------------------------------------------
 * 3. The reparameterisation trick
 *
 * Training needs a code drawn from q(z | x) = N(mu, sigma^2), and then the
 * derivative of the loss with respect to mu and sigma. But a random draw is
 * not a function of mu: it has no derivative. So we move the randomness out
 * of the way. Draw eps ~ N(0, 1) FIRST, then build z from it with a
 * deterministic, differentiable recipe:
 *
 *     z = mu + sigma * eps,      sigma = exp(lv / 2)
 *
 * z has exactly the distribution N(mu, sigma^2), and eps is now just another
 * input, like the data. The chain rule, entry by entry (d = dL/dz):
 *
 *     dL/dmu = d                         (dz/dmu = 1)
 *     dL/dlv = d * eps * sigma / 2       (dz/dsigma = eps, dsigma/dlv = sigma / 2)
 *
 * With eps held fixed the loss is an ordinary function of the weights, and
 * tests/test_04_vae.c checks these lines against its finite differences.
 * ------------------------------------------------------------------------- */
static void reparam_forward(const gsl_matrix *mu, const gsl_matrix *lv,
                            const gsl_matrix *eps, gsl_matrix *sigma, gsl_matrix *z)
{
    for (size_t i = 0; i < mu->size1; i++)
        for (size_t j = 0; j < mu->size2; j++)
            gsl_matrix_set(sigma, i, j, exp(0.5 * gsl_matrix_get(lv, i, j)));
    gsl_matrix_memcpy(z, sigma);                /* z = sigma          */
    gsl_matrix_mul_elements(z, eps);            /*   * eps            */
    gsl_matrix_add(z, mu);                      /*   + mu             */
}

static void reparam_backward(const gsl_matrix *dz, const gsl_matrix *eps,
                             const gsl_matrix *sigma, gsl_matrix *dmu, gsl_matrix *dlv)
{
    gsl_matrix_memcpy(dmu, dz);                 /* dL/dmu = dL/dz         */
    gsl_matrix_memcpy(dlv, dz);                 /* dL/dlv = dL/dz ...     */
    gsl_matrix_mul_elements(dlv, eps);          /*   ... * eps            */
    gsl_matrix_mul_elements(dlv, sigma);        /*   ... * sigma          */
    gsl_matrix_scale(dlv, 0.5);                 /*   ... / 2              */
}

/* ----------------------------------------------------------------------------
 * 4. The loss: reconstruction + weight * KL
 *
 * For one point x, with z = mu + sigma * eps:
 *
 *     recon = 1/D sum_d (x_d - x_hat_d)^2                    (D = 2 coordinates)
 *     KL    = KL( N(mu, sigma^2) || N(0, I) )
 *           = sum_j 0.5 (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)     nats
 *
 * both averaged over the batch (loss_mse, loss_kl_normal: loss.h). The KL is
 * the price of a code: zero when q(z | x) IS the prior (the code says nothing
 * about x), growing with every bit it carries. Reconstruction wants telling
 * codes, KL cheap ones, and a weight w decides; like both sources we average
 * the KL per latent ENTRY (J = latent size):   loss = recon + w / J * KL.
 * What does w mean? The honest objective is the ELBO, the evidence lower
 * bound: for a decoder that says "x = x_hat(z) + noise N(0, s^2) per coordinate",
 *
 *     log p(x) >= ELBO = E_eps[ log N(x; x_hat(z), s^2 I) ] - KL
 *                      = - D * recon / (2 s^2) - D/2 log(2 pi s^2) - KL
 *
 * Multiply our loss by D / (2 s^2): it is -ELBO (plus a constant) exactly when
 * s^2 = w D / (2 J), w / 2 here. So w is not a fudge factor: it is the noise
 * the model believes the data has (000's w = 0.05: s = 0.16; 002's w = 1: s =
 * 0.71, "it is all noise" for clusters one unit from the origin, section 10),
 * and we report the ELBO (nats per point) under that s^2. beta-VAE multiplies
 * the ELBO's KL by beta > 1: kl_coef = w beta / J; training sees only w beta.
 * ------------------------------------------------------------------------- */
typedef struct loss_parts {
    double total, recon, kl;       /* kl in nats per point */
} loss_parts;
/* Forward pass on X (n, 2), the workspace showing n rows, eps already drawn. */
static loss_parts vae_forward(vae *m, const gsl_matrix *X)
{
    encode(m, X);
    reparam_forward(m->mu, m->lv, m->eps, m->sigma, m->z);
    decode(m, m->z);
    loss_parts p;
    p.recon = loss_mse(m->xhat, X, m->dxhat);                         /* and dL/dx_hat */
    p.kl = loss_kl_normal(m->mu, m->lv, m->dmu_kl, m->dlv_kl);        /* and dKL/d(mu, lv) */
    p.total = p.recon + m->kl_coef * p.kl;
    return p;
}

/* ----------------------------------------------------------------------------
 * 5. The backward pass
 *
 * The loss reaches the weights along two roads. The reconstruction road runs
 * back through the decoder to z, then through the reparameterisation to
 * (mu, lv). The KL road goes straight to (mu, lv): KL is a formula in them.
 * At the heads the two meet and add:
 *
 *     dL/dmu = d_recon/dz                   + kl_coef * dKL/dmu
 *     dL/dlv = d_recon/dz * eps * sigma / 2 + kl_coef * dKL/dlv
 *
 * and both heads read the same hidden features h, so h collects both,
 * dL/dh = dL/dmu W_mu^T + dL/dlv W_lv^T. (Source 000 divides its KL gradient
 * by n for a KL averaged over n * J entries: the gradient check catches it.)
 * ------------------------------------------------------------------------- */
/* Back through relu_layers, from da[depth - 1] (overwritten) to d_in (or NULL). */
static void relu_layers_backward(dense *L, size_t depth, const gsl_matrix *in, gsl_matrix **z,
                                 gsl_matrix **a, gsl_matrix **da, gsl_matrix *d_in)
{
    for (size_t l = depth; l-- > 0;) {
        act_backward(ACT_RELU, z[l], a[l], da[l], da[l]);
        dense_backward(&L[l], l ? a[l - 1] : in, da[l], l ? da[l - 1] : d_in);
    }
}

static void vae_backward(vae *m, const gsl_matrix *X)
{
    /* decoder, from dL/dx_hat (left by loss_mse) down to dL/dz */
    const size_t last = m->depth - 1;
    dense_backward(&m->out, m->dec_a[last], m->dxhat, m->ddec_a[last]);
    relu_layers_backward(m->dec, m->depth, m->z, m->dec_z, m->dec_a, m->ddec_a, m->dz);
    /* through z = mu + sigma * eps, then add the KL road */
    reparam_backward(m->dz, m->eps, m->sigma, m->dmu, m->dlv);
    gsl_matrix_scale(m->dmu_kl, m->kl_coef);
    gsl_matrix_scale(m->dlv_kl, m->kl_coef);
    gsl_matrix_add(m->dmu, m->dmu_kl);
    gsl_matrix_add(m->dlv, m->dlv_kl);
    /* the two heads; their input gradients add up in dL/dh */
    dense_backward(&m->mu_head, m->enc_a[last], m->dmu, m->denc_a[last]);
    dense_backward(&m->lv_head, m->enc_a[last], m->dlv, m->dh);
    gsl_matrix_add(m->denc_a[last], m->dh);
    /* encoder, down to the input (no dL/dX needed: the data is not learned) */
    relu_layers_backward(m->enc, m->depth, X, m->enc_z, m->enc_a, m->denc_a, NULL);
}

/* ----------------------------------------------------------------------------
 * 6. Why not finite differences? What source 002 does
 *
 * Source 002 estimates each gradient (of a random few weights per step) by a
 * central difference,   dL/dw ~ ( L(w + h) - L(w - h) ) / (2 h),  h = 1e-4.
 * Slow and sparse, it is above all noisy: L(w + h) and L(w - h) each draw
 * their OWN eps, and the difference of two losses under different noise,
 * divided by 2h, blows up (a finite difference of a random function is a
 * derivative only with the randomness held fixed). We measure it at 002's
 * start (initial weights, full batch), for the weight with the largest
 * gradient: the spread of 10 of 002's estimates and of 10 of our backward
 * passes, in units of the gradient (README: per seed).
 * ------------------------------------------------------------------------- */
typedef struct fd_report {
    double grad, sd_fd, sd_backprop;   /* dE[L]/dw (mean of 10 backprops); spreads */
} fd_report;
/* m->P->grad <- dL/d(every weight) for one fresh eps */
static void fresh_gradient(vae *m, const gsl_matrix *X, gsl_rng *r)
{
    rng_fill_gaussian(r, m->eps, 0.0, 1.0);
    vae_forward(m, X);
    params_zero_grad(m->P);
    vae_backward(m, X);
}

static fd_report source_fd_noise(vae *m, const gsl_matrix *X, gsl_rng *r)
{
    enum { REPEATS = 10 };
    const double h = 1e-4;
    ws_rows(m->ws, X->size1);
    gsl_vector *mean = gsl_vector_calloc(m->P->value->size);
    for (int k = 0; k < REPEATS; k++) {
        fresh_gradient(m, X, r);
        gsl_vector_add(mean, m->P->grad);
    }
    gsl_vector_scale(mean, 1.0 / REPEATS);
    size_t w = gsl_blas_idamax(mean);                /* the largest |gradient| */
    double *value = gsl_vector_ptr(m->P->value, w), bp[REPEATS], fd[REPEATS], L[2];
    for (int k = 0; k < REPEATS; k++) {
        fresh_gradient(m, X, r);                     /* ours: one draw   */
        bp[k] = gsl_vector_get(m->P->grad, w);
        const double saved = *value;                 /* 002: two draws   */
        for (int side = 0; side < 2; side++) {
            *value = saved + (side ? -h : h);
            rng_fill_gaussian(r, m->eps, 0.0, 1.0);
            L[side] = vae_forward(m, X).total;
        }
        *value = saved;
        fd[k] = (L[0] - L[1]) / (2 * h);
    }
    fd_report rep = {gsl_vector_get(mean, w), gsl_stats_sd(fd, 1, REPEATS),
                     gsl_stats_sd(bp, 1, REPEATS)};
    gsl_vector_free(mean);
    return rep;
}

/* ----------------------------------------------------------------------------
 * 7. Training
 *
 * Minibatches of shuffled points (batch.h: each point once per epoch), a fresh
 * eps for every point of every batch, Adam (optim.h). Each step: forward,
 * check the loss is a number, zero the gradients, backward, update, log in the
 * history (history.h). No allocation in the loop. The knobs (Appendix B):
 * ------------------------------------------------------------------------- */
typedef struct config {
    const char *data;            /* "clusters" or "ring"                      */
    long depth, hidden, latent, steps, batch;
    double lr, kl_weight, beta;
    int single;                  /* --single: the --data set only, no sweep   */
} config;
/* every: print a log line every `every` steps (0: none). */
static void train(vae *m, optimizer *opt, const gsl_matrix *X, const config *c, gsl_rng *r,
                  history *H, long every, int quiet)
{
    batcher b = batcher_new(X, (size_t)c->batch, r);
    ws_rows(m->ws, b.batch);
    progress pr;
    progress_start(&pr, c->steps, quiet);
    for (long step = 1; step <= c->steps; step++) {
        const gsl_matrix *xb = batcher_next(&b);              /* (batch, 2) */
        rng_fill_gaussian(r, m->eps, 0.0, 1.0);
        loss_parts p = vae_forward(m, xb);
        check_finite(p.total, "VAE loss", step);
        params_zero_grad(m->P);
        vae_backward(m, xb);
        optim_step(opt);
        history_add(H, step, (double[]){p.total, p.recon, p.kl});
        if (every && (step % every == 0 || step == 1))
            printf("  step %5ld  loss %.5f  recon %.5f  kl %.4f nats\n",
                   step, p.total, p.recon, p.kl);
        progress_report(&pr, step, "loss %.4f", p.total);
    }
    progress_end(&pr);
    batcher_free(&b);
}

/* ----------------------------------------------------------------------------
 * 8. Measuring a generator
 *
 * A small reconstruction error says the AUTOENCODER works. Whether the VAE is
 * a GENERATOR is a different question: decode codes drawn from the prior and
 * ask whether the results look like the data. Because we built the data, we
 * can grade each sample exactly:
 *
 *   sample_in_support   the share of 2000 decoded prior samples within 3 sd
 *                       of a true centre (a true point: 1 - e^-4.5 = 0.989)
 *   min_cluster_share   the smallest share of samples nearest one centre
 *                       (1/3 or 1/4 if fair, 0 if a cluster is forgotten)
 *
 * and on the data recon (over 8 eps draws), kl, the elbo (section 4), and
 * active_dims, the code coordinates whose mean mu_j(x) varies with x
 * (variance over the data above 0.1, a tenth of the prior's). "Decoded" means
 * x_hat(z), the centre of the decoder's Gaussian, as both sources plot it.
 * ------------------------------------------------------------------------- */
#define N_PRIOR 2000
#define EVAL_DRAWS 8
typedef struct evaluation {
    double recon, kl, elbo, support, min_share, share[MAX_CLUSTERS];
    long active_dims;
} evaluation;
/* samples (n, 2) <- decoder(z), z ~ N(0, I), in slices the workspace holds */
static void decode_prior(vae *m, gsl_rng *r, gsl_matrix *samples)
{
    const size_t cap = ws_max_rows(m->ws);
    for (size_t done = 0; done < samples->size1; done += cap) {
        const size_t n = samples->size1 - done < cap ? samples->size1 - done : cap;
        ws_rows(m->ws, n);
        rng_fill_gaussian(r, m->z, 0.0, 1.0);
        decode(m, m->z);
        gsl_matrix_view dst = gsl_matrix_submatrix(samples, done, 0, n, DATA_DIM);
        gsl_matrix_memcpy(&dst.matrix, m->xhat);
    }
}

/* Each sample goes to its nearest true centre; within 3 sd, it is in support. */
static void grade_samples(const dataset *d, const gsl_matrix *samples, evaluation *e)
{
    const size_t n = samples->size1;
    size_t count[MAX_CLUSTERS] = {0}, inside = 0;
    for (size_t i = 0; i < n; i++) {
        double bd = INFINITY, x = gsl_matrix_get(samples, i, 0), y = gsl_matrix_get(samples, i, 1);
        size_t best = 0;
        for (size_t j = 0; j < d->k; j++) {
            double dd = hypot(x - d->centre[j][0], y - d->centre[j][1]);
            if (dd < bd)
                bd = dd, best = j;
        }
        count[best]++;
        inside += bd <= 3.0 * d->sd;
    }
    e->support = (double)inside / (double)n;
    e->min_share = 1.0;
    for (size_t j = 0; j < d->k; j++)
        e->min_share = fmin(e->min_share, e->share[j] = (double)count[j] / (double)n);
}

/* samples (N_PRIOR, 2) receives the decoded prior samples. */
static evaluation evaluate(vae *m, const dataset *d, const config *c, gsl_rng *r,
                           gsl_matrix *samples)
{
    evaluation e = {0};
    ws_rows(m->ws, d->n);              /* on the data: recon over several eps draws */
    for (int k = 0; k < EVAL_DRAWS; k++) {
        rng_fill_gaussian(r, m->eps, 0.0, 1.0);
        loss_parts p = vae_forward(m, d->X);
        e.recon += p.recon / EVAL_DRAWS;
        e.kl = p.kl;                   /* the KL needs no draw */
    }
    double s2 = c->kl_weight * DATA_DIM / (2.0 * (double)c->latent);
    e.elbo = -DATA_DIM * e.recon / (2 * s2) - 0.5 * DATA_DIM * log(2 * M_PI * s2) - e.kl;
    for (size_t j = 0; j < (size_t)c->latent; j++) {
        gsl_vector_view col = gsl_matrix_column(m->mu, j);
        e.active_dims += gsl_stats_variance(col.vector.data, col.vector.stride, d->n) > 0.1;
    }
    decode_prior(m, r, samples);       /* from the prior: z ~ N(0, I), decode, grade */
    grade_samples(d, samples, &e);
    return e;
}

/* ----------------------------------------------------------------------------
 * 9. One experiment: build, train, measure, report
 *
 * One data set, its model, Adam, the history and the prior samples, made
 * once: the data drawn first, then the initial weights (what --seed repeats).
 * ------------------------------------------------------------------------- */
typedef struct vae_run {
    config cfg;
    dataset d;
    vae *m;
    optimizer *opt;                        /* its step: the steps trained    */
    history *hist;                         /* total, recon, KL of every step */
    gsl_matrix *samples;                   /* (N_PRIOR, 2)                   */
} vae_run;
static void vae_run_build(vae_run *R, const config *c, gsl_rng *r)
{
    R->cfg = *c;
    R->d = dataset_make(c->data, r);
    size_t rows = R->d.n > N_PRIOR ? R->d.n : N_PRIOR;           /* the largest batch */
    rows = (size_t)c->batch > rows ? (size_t)c->batch : rows;
    R->m = vae_new((size_t)c->depth, (size_t)c->hidden, (size_t)c->latent, rows, r);
    R->m->kl_coef = c->kl_weight * c->beta / (double)c->latent;      /* section 4 */
    R->opt = optim_adam(R->m->P, c->lr, 0.9, 0.999);
    /* the loss curves: trailing means over a hundredth of the steps */
    R->hist = history_new((size_t)c->steps, c->steps >= 100 ? (size_t)c->steps / 100 : 1,
                          "total recon kl");
    R->samples = gsl_matrix_alloc(N_PRIOR, DATA_DIM);
}

static void vae_run_free(vae_run *R)
{
    gsl_matrix_free(R->samples);
    history_free(R->hist);
    optim_free(R->opt);
    vae_free(R->m);
    gsl_matrix_free(R->d.X);
    free(R->d.label);
}

/* Build, (measure 002's gradient noise if fd), train (a log line every
 * `every` steps, 0: none), evaluate; R stays alive, to be drawn and saved. */
static evaluation run_dataset(vae_run *R, const config *c, gsl_rng *r, long every,
                              int quiet, fd_report *fd)
{
    vae_run_build(R, c, r);
    if (fd)
        *fd = source_fd_noise(R->m, R->d.X, r);
    train(R->m, R->opt, R->d.X, c, r, R->hist, every, quiet);
    return evaluate(R->m, &R->d, c, r, R->samples);
}

/* (in the appendices: a printf-made name, the log's model line, the figures) */
static void print_model(const config *c, int first, long loaded_steps);
static void draw_dataset(const char *dir, vae_run *R, const history *H, const evaluation *e);

/* An evaluation's log line and, given m, its metrics (prefix: the data set's
 * name for the second one; the --data set's numbers are THE results). */
static void report(metrics *m, const char *what, const char *prefix, const evaluation *e)
{
    const char *names[] = {"recon", "kl", "elbo", "sample_in_support", "min_cluster_share",
                           "active_dims"};
    const double v[] = {e->recon, e->kl, e->elbo, e->support, e->min_share,
                        (double)e->active_dims};
    printf("%s: recon %.4f  kl %.3f nats  elbo %.3f  in support %.3f  min cluster share %.3f  "
           "active dims %ld\n", what, e->recon, e->kl, e->elbo, e->support, e->min_share,
           e->active_dims);
    for (size_t k = 0; m && k < 6; k++)
        metrics_setf(m, v[k], "%s%s%s", prefix, *prefix ? "_" : "", names[k]);
}

/* Data set number i (0: the --data set): show the model; build it, (on the
 * first, measure 002's gradient noise), train and evaluate it, or evaluate
 * the one --load read; draw it, report it. */
static void experiment(session *S, vae_run *R, const config *c, size_t i)
{
    const int trains = session_trains(S);
    print_model(c, i == 0, trains ? -1 : R->opt->step);
    fd_report fd;
    evaluation e = trains ? run_dataset(R, c, S->rng, c->steps / 5, S->cli.quiet,
                                        i == 0 ? &fd : NULL)
                          : evaluate(R->m, &R->d, c, S->rng, R->samples);
    if (trains && i == 0) {
        printf("  002's finite differences at init: sd %.3g around a true gradient of "
               "%.3g (%.0fx); one backprop pass: sd %.3g\n",
               fd.sd_fd, fd.grad, fd.sd_fd / fabs(fd.grad), fd.sd_backprop);
        metrics_set(&S->m, "fd_noise_ratio", fd.sd_fd / fabs(fd.grad));
        metrics_set(&S->m, "backprop_noise_ratio", fd.sd_backprop / fabs(fd.grad));
    }
    draw_dataset(S->cli.out, R, trains ? R->hist : NULL, &e);
    report(&S->m, c->data, i ? c->data : "", &e);
}

/* ----------------------------------------------------------------------------
 * 10. The KL-weight sweep: the trade-off, and posterior collapse
 *
 * Source 000 invites us to "try varying kl_weight from 0.01 to 1.0": low
 * weights reconstruct well but generate badly (the codes spread out, leaving
 * gaps that the prior still fills with samples), high weights pack the codes
 * into the prior but blur the reconstructions. We retrain at each weight, all
 * else equal, on both data sets.
 *
 * At w = 1 (002's setting) the ring VAE's KL drops to almost 0 and every code
 * decodes to about the middle of the ring: POSTERIOR COLLAPSE, q(z | x) = p(z)
 * for every x. Not a bug of the optimiser but the best answer: naming which
 * of the 4 clusters x is in saves at most E|x|^2 - 2 (0.2)^2 = 1.0 of squared
 * error and costs at least w ln 4 = 1.39 w in KL (units of loss x 2), so
 * above w = 0.72 the code is not worth its price (goal: sweep_ring_kl_at_w1
 * < 0.2); s = 0.71 calls the ring "the centre, plus noise". The clusters,
 * further from their mean (saved 1.78, cost >= 1.10 w), survive w = 1 with
 * one code dimension off (goal: sweep_clusters_kl_at_w1 > 0.5). The cure is
 * a w whose noise is well below the clusters' spacing: our 0.3 (README).
 * ------------------------------------------------------------------------- */
static const double SWEEP_W[] = {0.01, 0.03, 0.1, 0.3, 0.7, 1.0}, SWEEP_W_QUICK[] = {0.01, 0.3, 1};
/* the columns of the sweep's table, one row per trained model */
enum { SW_DATA, SW_W, SW_RECON, SW_KL, SW_ELBO, SW_SUPPORT, SW_MIN_SHARE, SW_ACTIVE, SW_COLS };
static void draw_sweep(const char *dir, config *const *sets, size_t n_data, size_t n_w,
                       const gsl_matrix *sweep, const gsl_matrix *samples, double chosen_w);

/* chosen_w: this run's --kl-weight, marked in the figures (Appendix A). */
static void kl_sweep(session *S, config *const *sets, size_t n_data, double chosen_w)
{
    const double *w = S->cli.quick ? SWEEP_W_QUICK : SWEEP_W;
    const size_t n_w = (S->cli.quick ? sizeof SWEEP_W_QUICK : sizeof SWEEP_W) / sizeof *w;
    gsl_matrix *sweep = gsl_matrix_alloc(n_data * n_w, SW_COLS);
    gsl_matrix *samples = gsl_matrix_alloc(n_data * n_w * N_PRIOR, DATA_DIM);  /* all models' */
    printf("\n== 10. The KL-weight sweep: retrain at each weight w, all else equal (beta %g)\n",
           sets[0]->beta);
    for (size_t row = 0; row < n_data * n_w; row++) {
        config c = *sets[row / n_w];
        c.kl_weight = w[row % n_w];
        vae_run R;
        evaluation e = run_dataset(&R, &c, S->rng, 0, 1, NULL);
        gsl_matrix_view mine = gsl_matrix_submatrix(samples, row * N_PRIOR, 0, N_PRIOR, DATA_DIM);
        gsl_matrix_memcpy(&mine.matrix, R.samples);
        vae_run_free(&R);
        report(NULL, out_name("  %-8s w %-4g", c.data, c.kl_weight), "", &e);
        double v[SW_COLS] = {(double)(row / n_w), c.kl_weight, e.recon, e.kl, e.elbo,
                             e.support, e.min_share, (double)e.active_dims};
        gsl_vector_view table_row = gsl_vector_view_array(v, SW_COLS);
        gsl_matrix_set_row(sweep, row, &table_row.vector);
    }
    draw_sweep(S->cli.out, sets, n_data, n_w, sweep, samples, chosen_w);
    for (size_t i = 0, row = n_w - 1; i < n_data; i++, row += n_w) {     /* at w = 1 */
        const char *N = sets[i]->data;
        metrics_setf(&S->m, gsl_matrix_get(sweep, row, SW_KL), "sweep_%s_kl_at_w1", N);
        metrics_setf(&S->m, gsl_matrix_get(sweep, row, SW_SUPPORT), "sweep_%s_support_at_w1", N);
    }
    gsl_matrix_free(samples);
    gsl_matrix_free(sweep);
}

/* ----------------------------------------------------------------------------
 * Appendix A. What the figures need: their data and this run's numbers
 * (values.gp) for the scripts in figures/ (README: what to look at)
 * ------------------------------------------------------------------------- */
#define GRID_LINES 13      /* z = -3, -2.5, ..., 3                       */
#define GRID_POINTS 61     /* points along each line                     */


/* dir/file: "# header", then per row the first two columns of A and of B (a
 * second column 0 if there is none), and the cluster if label is given. */
static void write_points(const char *dir, const char *file, const char *header,
                         const gsl_matrix *A, const gsl_matrix *B, const size_t *label)
{
    FILE *f = out_open(dir, file);
    fprintf(f, "# %s\n", header);
    for (size_t i = 0; i < A->size1; i++) {
        for (const gsl_matrix *M = A; M; M = M == A ? B : NULL)
            fprintf(f, "%s%.6g %.6g", M == A ? "" : " ", gsl_matrix_get(M, i, 0),
                    M->size2 > 1 ? gsl_matrix_get(M, i, 1) : 0.0);
        if (label)
            fprintf(f, " %zu", label[i]);
        fputc('\n', f);
    }
    out_close(f, file);
}

/* A data set's size and true clusters (centres, sd) under its name. */
static void dataset_values(const dataset *d)
{
    fig_valuef((double)d->n, "%s_n_points", d->name);
    fig_valuef((double)d->k, "%s_n_clusters", d->name);
    fig_valuef(d->sd, "%s_sd", d->name);
    for (size_t j = 0; j < d->k; j++) {
        fig_valuef(d->centre[j][0], "%s_centre_x_%zu", d->name, j + 1);
        fig_valuef(d->centre[j][1], "%s_centre_y_%zu", d->name, j + 1);
    }
}

/* NAME_data, _latent (the points and their codes), _samples, _loss (not for a
 * model read by --load: H NULL) and _grid (the decoder as a map: lines of codes
 * over [-3, 3]^2, constant z_1 = u, then constant z_2). */
static void draw_dataset(const char *dir, vae_run *R, const history *H, const evaluation *e)
{
    const char *N = R->d.name, *figs[] = {"data", "latent", "samples", "grid", "loss"};
    const size_t J = (size_t)R->cfg.latent, rows = (J > 1 ? 2 * GRID_LINES : 1) * GRID_POINTS;
    vae *m = R->m;
    for (size_t k = 0; k < (H ? 5u : 4u); k++)
        fig_usef("%s_%s", N, figs[k]);
    dataset_values(&R->d);
    fig_valuef(R->cfg.kl_weight, "%s_kl_weight", N);
    fig_valuef(R->cfg.beta, "%s_beta", N);
    fig_valuef((double)J, "%s_latent_dim", N);
    fig_valuef((double)e->active_dims, "%s_active_dims", N);
    fig_valuef(e->support, "%s_support", N);
    fig_value("n_prior_samples", N_PRIOR);
    fig_value("grid_lines", GRID_LINES);
    fig_value("grid_points", GRID_POINTS);
    ws_rows(m->ws, R->d.n);
    encode(m, R->d.X);
    write_points(dir, out_name("%s_data.dat", N), "x y mu_1 mu_2 (0 if latent 1) cluster (0-based):"
                 " the points and their encoded means", R->d.X, m->mu, R->d.label);
    out_write_matrix(dir, out_name("%s_samples.dat", N), "x y: decoder(z) for z ~ N(0, I)", R->samples);
    if (H)
        history_write(H, dir, out_name("%s_loss.dat", N));
    ws_rows(m->ws, rows);
    gsl_matrix_set_zero(m->z);
    for (size_t row = 0; row < rows; row++) {
        const size_t L = row / GRID_POINTS, second = L >= GRID_LINES;
        double u = -3.0 + 6.0 * (double)(L % GRID_LINES) / (GRID_LINES - 1);
        double v = -3.0 + 6.0 * (double)(row % GRID_POINTS) / (GRID_POINTS - 1);
        gsl_matrix_set(m->z, row, 0, J == 1 || second ? v : u);
        if (J > 1)
            gsl_matrix_set(m->z, row, 1, second ? u : v);
    }
    decode(m, m->z);
    write_points(dir, out_name("%s_grid.dat", N), "x y z_1 z_2: decoder(z), grid_points "
                 "rows per line: grid_lines of constant z_1, then of z_2", m->xhat, m->z, NULL);
}

/* sweep, sweep_quality: the table, a row per model; sweep_NAME_samples: their
 * samples, N_PRIOR rows each, at the smallest w, the nearest this run's, the largest. */
static void draw_sweep(const char *dir, config *const *sets, size_t n_data, size_t n_w,
                       const gsl_matrix *sweep, const gsl_matrix *samples, double chosen_w)
{
    out_write_matrix(dir, "sweep.dat", "data(0,1) kl_weight recon kl(nats) elbo "
                     "sample_in_support min_cluster_share active_dims", sweep);
    out_write_matrix(dir, "sweep_samples.dat", "x y: decoded prior samples, n_prior_samples "
                     "rows for each model (row) of sweep.dat", samples);
    fig_use("sweep");
    fig_use("sweep_quality");
    fig_value("sweep_this_run_w", chosen_w);
    fig_value("sweep_n_w", (double)n_w);
    size_t pick = 0;
    for (size_t k = 1; k < n_w; k++)
        if (fabs(log(gsl_matrix_get(sweep, k, SW_W) / chosen_w)) <
            fabs(log(gsl_matrix_get(sweep, pick, SW_W) / chosen_w)))
            pick = k;
    fig_value("sweep_pick", (double)pick);
    for (size_t i = 0; i < n_data; i++) {
        fig_text(out_name("sweep_data_%zu", i + 1), "%s", sets[i]->data);
        fig_usef("sweep_%s_samples", sets[i]->data);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix B. The flags, each data set's recipe, and the log
 *
 * The chapter's knobs are a table (cli.h); session_start adds the flags of
 * every chapter (--seed, --quick, --out, --quiet) and Appendix C's.
 * ------------------------------------------------------------------------- */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.data = "clusters", .depth = 1, .hidden = 16, .latent = 2, .steps = 2000,
                    .batch = 64, .lr = 3e-3, .kl_weight = 0.3, .beta = 1.0, .single = 0};
    const cli_option opts[] = {
        {"data", CLI_CHOICE, &cfg->data, "data set: 000's three clusters or 002's ring of four", 0, 0, "clusters|ring", 0},
        {"kl-weight", CLI_REAL, &cfg->kl_weight, "weight w of the per-entry KL (decoder noise s^2 = w D / 2J)", 1e-3, 100, NULL, 0},
        {"beta", CLI_REAL, &cfg->beta, "beta-VAE factor on the KL: training uses w * beta", 0, 100, NULL, 0},
        {"latent-dim", CLI_INT, &cfg->latent, "size J of the code z", 1, 16, NULL, 0},
        {"hidden", CLI_INT, &cfg->hidden, "width of the hidden layers (ring: 64 unless given)", 1, 512, NULL, 0},
        {"steps", CLI_INT, &cfg->steps, "training steps (ring: 600 unless given)", 1, 1000000, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "minibatch size", 1, 2000, NULL, 0},
        {"lr", CLI_REAL, &cfg->lr, "Adam learning rate", 1e-7, 1e3, NULL, 0},
        {"single", CLI_FLAG, &cfg->single, "train only the --data set: no second data set, no sweep", 0, 0, NULL, 0},
    };
    session_start(S, "04-vae", "variational autoencoder on 2D clusters: ELBO, KL weight, beta-VAE",
                  42, opts, sizeof opts / sizeof opts[0], SESSION_SAVE_LOAD, argc, argv);
}

/* Each data set's network and budget (issue 4): 000's small one for its
 * clusters, 002's deeper one for the ring, which learns in fewer steps. */
static config recipe(const char *data, const session *S, const config *cfg)
{
    config c = *cfg;
    const int ring = strcmp(data, "ring") == 0;
    c.data = data, c.depth = ring ? 2 : 1;
    if (!cli_given(&S->cli, "hidden"))
        c.hidden = ring ? 64 : 16;
    if (!cli_given(&S->cli, "steps"))
        c.steps = S->cli.quick ? (ring ? 150 : 300) : (ring ? 600 : 2000);
    return c;
}

/* The model and its loss: to be trained (loaded_steps < 0) or read by --load. */
static void print_model(const config *c, int first, long loaded_steps)
{
    const char *more = c->depth > 1 ? " -> same" : "";
    printf("%s== %s %s VAE: 2 -> %ld%s -> (mu, logvar) %ld -> %ld%s -> 2\n"
           "  loss = recon + %g x %g / %ld x KL (decoder noise s = %.3g); ", first ? "" : "\n",
           loaded_steps < 0 ? "7. Training the" : "8. Measuring the loaded", c->data,
           c->hidden, more, c->latent, c->hidden, more, c->kl_weight, c->beta, c->latent,
           sqrt(c->kl_weight * DATA_DIM / (2.0 * (double)c->latent)));
    if (loaded_steps < 0)
        printf("%ld steps of Adam (lr %g), batch %ld\n", c->steps, c->lr, c->batch);
    else
        printf("loaded, trained %ld steps\n", loaded_steps);
}

/* ----------------------------------------------------------------------------
 * Appendix C. Keeping a trained VAE: --save, --load, --generate K
 *
 * One checkpoint (checkpoint.h) holds the VAEs of the run's data sets (not the
 * sweep's): per data set NAME (data set and objective, "ring.w0.3.b1", so that
 * other flags are refused), NAME.vae, NAME.adam (moments, step) and NAME.data
 * (the points, which --seed alone cannot redraw: README), and the generator.
 * --generate K decodes K prior samples per data set as section 8 does, from
 * a generator of their own. The rules are common/session.h's.
 * ------------------------------------------------------------------------- */
/* Describe what a checkpoint of these runs holds (nothing is copied yet). */
static void run_checkpoint(vae_run *runs, size_t n, checkpoint *ck)
{
    memset(ck, 0, sizeof *ck);
    for (size_t i = 0; i < n; i++) {
        vae_run *R = &runs[i];
        /* NAME: at most 8 + 2 + 11 + 2 + 11 = 34 characters (%g keeps 6
         * digits), so the longest block name, NAME.adam.step, fits in 47 */
        char base[CHECKPOINT_NAME_LEN];
        snprintf(base, sizeof base, "%s.w%g.b%g", R->cfg.data, R->cfg.kl_weight, R->cfg.beta);
        checkpoint_add_params(ck, out_name("%s.vae", base), R->m->P);
        checkpoint_add_optimizer(ck, out_name("%s.adam", base), R->opt);
        gsl_vector_view X = gsl_vector_view_array(R->d.X->data, R->d.n * DATA_DIM);
        checkpoint_add_vector(ck, out_name("%s.data", base), &X.vector);     /* (n, 2): 2n doubles */
    }
}

/* --generate K: per data set K decoded prior samples, graded, and their figure
 * generated_NAME (like NAME_samples; it draws N_PRIOR of them, not a solid blot). */
static void generate(session *S, vae_run *runs, size_t n)
{
    const long K = S->generate;
    for (size_t i = 0; i < n; i++)
        print_model(&runs[i].cfg, i == 0, runs[i].opt->step);
    printf("\n");
    gsl_rng *fixed = rng_new(S->sample_seed);
    gsl_matrix *samples = gsl_matrix_alloc((size_t)K, DATA_DIM);
    fig_value("generate_n", (double)K);
    fig_value("generate_shown", (double)(K < N_PRIOR ? K : N_PRIOR));
    for (size_t i = 0; i < n; i++) {
        const dataset *d = &runs[i].d;
        evaluation e = {0};
        decode_prior(runs[i].m, fixed, samples);
        grade_samples(d, samples, &e);
        out_write_matrix(S->cli.out, out_name("generated_%s.dat", d->name),
                         "x y: decoder(z) for z ~ N(0, I), one sample per row", samples);
        fig_usef("generated_%s", d->name);
        dataset_values(d);
        fig_valuef(e.support, "%s_generated_support", d->name);
        printf("%s: %ld decoded prior samples: in support %.3f  cluster shares", d->name, K,
               e.support);
        for (size_t j = 0; j < d->k; j++)
            printf(" %.3f", e.share[j]);
        printf("  min cluster share %.3f\n", e.min_share);
        const char *prefix = i ? d->name : "", *sep = i ? "_" : "";      /* as report() */
        metrics_setf(&S->m, e.support, "%s%ssample_in_support", prefix, sep);
        metrics_setf(&S->m, e.min_share, "%s%smin_cluster_share", prefix, sep);
    }
    gsl_matrix_free(samples);
    gsl_rng_free(fixed);
}

/* ----------------------------------------------------------------------------
 * main: the story in order.
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;                       /* flags, --out, seed, metrics, figures */
    config cfg;
    start(&S, &cfg, argc, argv);
    printf("04-vae: seed %ld\n\n", S.cli.seed);

    /* 1. the data set asked for and, unless --single, the other one */
    const char *other = strcmp(cfg.data, "clusters") == 0 ? "ring" : "clusters";
    config first = recipe(cfg.data, &S, &cfg), second = recipe(other, &S, &cfg);
    config *sets[2] = {&first, &second};
    const size_t n_data = cfg.single ? 1 : 2;
    const char *what = n_data > 1 ? "2 trained VAEs" : "1 trained VAE";
    vae_run runs[2];
    checkpoint ck;
    if (!session_trains(&S)) {          /* C. --load: built as training builds them, then read */
        for (size_t i = 0; i < n_data; i++)
            vae_run_build(&runs[i], sets[i], S.rng);
        run_checkpoint(runs, n_data, &ck);
        session_load(&S, &ck, what);
    }
    if (S.generate > 0) {                           /* C. samples, and stop */
        generate(&S, runs, n_data);
    } else {
        /* 2-9. build, (6. measure 002's gradient noise), train, measure, draw */
        for (size_t i = 0; i < n_data; i++)
            experiment(&S, &runs[i], sets[i], i);
        if (!cfg.single && session_trains(&S))      /* 10. the KL-weight sweep */
            kl_sweep(&S, sets, n_data, cfg.kl_weight);
    }
    run_checkpoint(runs, n_data, &ck);              /* C. --save: keep the trained VAEs */
    session_save(&S, &ck, what);
    for (size_t i = 0; i < n_data; i++)
        vae_run_free(&runs[i]);
    session_finish(&S);               /* results, metrics.txt, values.gp, scripts */
    return 0;
}
#endif
