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
 *
 * The story, in the order main() tells it:
 *   1. the data: three clusters (source 000) and a ring of four (source 002)
 *   2. the network: encoder to (mu, logvar), decoder back
 *   3. the reparameterisation trick, forward and backward
 *   4. the loss: reconstruction + weight * KL, and what the weight means
 *   5. the backward pass through all of it (checked in tests/test_04_vae.c)
 *   6. why not finite differences, as source 002 does? (measured)
 *   7. training
 *   8. measuring a generator: are its samples in the data's support?
 *   9. figures of one trained VAE
 *  10. the KL-weight sweep: the trade-off, and posterior collapse
 *  11. keeping a trained VAE: --save, --load, and --generate K samples
 *  appendix: the flags, and the recipe (network, steps) of each data set
 *
 * One run trains the --data set (its numbers are the results), then the other
 * data set, then the sweep on both; --single stops after the first. --load
 * skips the training (and the sweep) and measures a saved run instead.
 *
 * Run:  make bin/04-vae && bin/04-vae          (bin/04-vae --help for the knobs)
 */
#include "genlab.h"

#include <gsl/gsl_statistics.h>

/* ----------------------------------------------------------------------------
 * 1. The data
 *
 * Two small 2D data sets, both mixtures of round Gaussian clusters, so that we
 * know the truth and can grade the samples a trained VAE makes:
 *
 *   clusters (source 000):  100 points around each of (1, 1), (-1, -1), (1, -1),
 *                           standard deviation 0.3 per coordinate
 *   ring     (source 002):  200 points around each of (cos a, sin a) for
 *                           a = 0, 90, 180, 270 degrees, covariance 0.04 I,
 *                           i.e. standard deviation 0.2
 *
 * Each point remembers which cluster it came from (for colouring figures only;
 * the VAE never sees the label).
 * ------------------------------------------------------------------------- */
#define MAX_CLUSTERS 4

typedef struct dataset {
    const char *name;                  /* "clusters" or "ring"             */
    size_t n, k;                       /* points, clusters                 */
    double centre[MAX_CLUSTERS][2];
    double sd;                         /* per coordinate, every cluster    */
    gsl_matrix *X;                     /* (n, 2) the points                */
    size_t *label;                     /* (n)    their cluster             */
} dataset;

static dataset dataset_make(const char *name, gsl_rng *r)
{
    dataset d;
    memset(&d, 0, sizeof d);
    d.name = name;
    size_t per;
    if (strcmp(name, "clusters") == 0) {
        static const double c[3][2] = {{1, 1}, {-1, -1}, {1, -1}};
        d.k = 3, per = 100, d.sd = 0.3;
        memcpy(d.centre, c, sizeof c);
    } else {
        d.k = 4, per = 200, d.sd = 0.2;
        for (size_t j = 0; j < d.k; j++) {
            double a = 2.0 * M_PI * (double)j / (double)d.k;
            d.centre[j][0] = cos(a);
            d.centre[j][1] = sin(a);
        }
    }
    d.n = d.k * per;
    d.X = gsl_matrix_alloc(d.n, 2);
    d.label = malloc(d.n * sizeof *d.label);
    if (!d.label)
        die("out of memory");
    for (size_t i = 0; i < d.n; i++) {
        size_t j = i / per;
        d.label[i] = j;
        gsl_matrix_set(d.X, i, 0, d.centre[j][0] + gsl_ran_gaussian(r, d.sd));
        gsl_matrix_set(d.X, i, 1, d.centre[j][1] + gsl_ran_gaussian(r, d.sd));
    }
    return d;
}

static void dataset_free(dataset *d)
{
    gsl_matrix_free(d->X);
    free(d->label);
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
 * Why predict log sigma^2 and not sigma? A variance must be positive; a linear
 * layer outputs any real number. exp() turns any real number into a positive
 * one, so the network never has to be told "stay above zero".
 *
 * Decoder: the mirror image, z -> relu layers -> a linear output x_hat (n, 2).
 *
 *   clusters (000):  2 -> 16 -> (mu, lv) -> 16 -> 2
 *   ring     (002):  2 -> 64 -> 64 -> (mu, lv) -> 64 -> 64 -> 2
 *
 * Every matrix a pass needs is allocated once, for the largest batch (the
 * 2000 prior samples we decode at the end); vae_rows(m, n) points the views
 * at the first n rows, so training allocates nothing.
 * ------------------------------------------------------------------------- */
#define MAX_DEPTH 2
#define DATA_DIM 2

typedef struct vae {
    size_t depth, hidden, latent, capacity;
    double kl_coef;          /* the weight on the KL term, see section 4    */
    params *P;
    dense enc[MAX_DEPTH], mu_head, lv_head, dec[MAX_DEPTH], out;
    /* storage, (capacity, width) each. Names: z = before the ReLU, a = after
     * it; a leading d means "dL/d of it"; dh is scratch for the second head. */
    gsl_matrix *s_enc_z[MAX_DEPTH], *s_enc_a[MAX_DEPTH], *s_denc_a[MAX_DEPTH];
    gsl_matrix *s_dec_z[MAX_DEPTH], *s_dec_a[MAX_DEPTH], *s_ddec_a[MAX_DEPTH];
    gsl_matrix *s_mu, *s_lv, *s_sigma, *s_eps, *s_z, *s_xhat;
    gsl_matrix *s_dmu, *s_dlv, *s_dmu_kl, *s_dlv_kl, *s_dz, *s_dxhat, *s_dh;
    /* views of the first n rows of each, set by vae_rows() */
    size_t n;
    gsl_matrix_view enc_z[MAX_DEPTH], enc_a[MAX_DEPTH], denc_a[MAX_DEPTH];
    gsl_matrix_view dec_z[MAX_DEPTH], dec_a[MAX_DEPTH], ddec_a[MAX_DEPTH];
    gsl_matrix_view mu, lv, sigma, eps, z, xhat;
    gsl_matrix_view dmu, dlv, dmu_kl, dlv_kl, dz, dxhat, dh;
} vae;

static void vae_rows(vae *m, size_t n)
{
    m->n = n;
    for (size_t l = 0; l < m->depth; l++) {
        m->enc_z[l] = mat_rows(m->s_enc_z[l], n);
        m->enc_a[l] = mat_rows(m->s_enc_a[l], n);
        m->denc_a[l] = mat_rows(m->s_denc_a[l], n);
        m->dec_z[l] = mat_rows(m->s_dec_z[l], n);
        m->dec_a[l] = mat_rows(m->s_dec_a[l], n);
        m->ddec_a[l] = mat_rows(m->s_ddec_a[l], n);
    }
    m->mu = mat_rows(m->s_mu, n);
    m->lv = mat_rows(m->s_lv, n);
    m->sigma = mat_rows(m->s_sigma, n);
    m->eps = mat_rows(m->s_eps, n);
    m->z = mat_rows(m->s_z, n);
    m->xhat = mat_rows(m->s_xhat, n);
    m->dmu = mat_rows(m->s_dmu, n);
    m->dlv = mat_rows(m->s_dlv, n);
    m->dmu_kl = mat_rows(m->s_dmu_kl, n);
    m->dlv_kl = mat_rows(m->s_dlv_kl, n);
    m->dz = mat_rows(m->s_dz, n);
    m->dxhat = mat_rows(m->s_dxhat, n);
    m->dh = mat_rows(m->s_dh, n);
}

static vae *vae_new(size_t depth, size_t hidden, size_t latent, size_t capacity,
                    gsl_rng *r)
{
    vae *m = calloc(1, sizeof *m);
    if (!m)
        die("out of memory");
    m->depth = depth, m->hidden = hidden, m->latent = latent, m->capacity = capacity;

    /* count, allocate, then let each layer take its slice, in a fixed order */
    size_t total = 0;
    for (size_t l = 0; l < depth; l++)
        total += dense_size(l ? hidden : DATA_DIM, hidden)       /* encoder */
               + dense_size(l ? hidden : latent, hidden);        /* decoder */
    total += 2 * dense_size(hidden, latent) + dense_size(hidden, DATA_DIM);
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
     * the KL term starts near zero instead of at some random large value. */
    for (size_t l = 0; l < depth; l++) {
        dense_init_xavier(&m->enc[l], r);
        dense_init_xavier(&m->dec[l], r);
    }
    dense_init_normal(&m->mu_head, r, 0.01);
    dense_init_normal(&m->lv_head, r, 0.01);
    dense_init_xavier(&m->out, r);

    for (size_t l = 0; l < depth; l++) {
        m->s_enc_z[l] = gsl_matrix_alloc(capacity, hidden);
        m->s_enc_a[l] = gsl_matrix_alloc(capacity, hidden);
        m->s_denc_a[l] = gsl_matrix_alloc(capacity, hidden);
        m->s_dec_z[l] = gsl_matrix_alloc(capacity, hidden);
        m->s_dec_a[l] = gsl_matrix_alloc(capacity, hidden);
        m->s_ddec_a[l] = gsl_matrix_alloc(capacity, hidden);
    }
    gsl_matrix **lat[] = {&m->s_mu, &m->s_lv, &m->s_sigma, &m->s_eps, &m->s_z,
                          &m->s_dmu, &m->s_dlv, &m->s_dmu_kl, &m->s_dlv_kl, &m->s_dz};
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++)
        *lat[i] = gsl_matrix_alloc(capacity, latent);
    m->s_xhat = gsl_matrix_alloc(capacity, DATA_DIM);
    m->s_dxhat = gsl_matrix_alloc(capacity, DATA_DIM);
    m->s_dh = gsl_matrix_alloc(capacity, hidden);
    vae_rows(m, capacity);
    return m;
}

static void vae_free(vae *m)
{
    for (size_t l = 0; l < m->depth; l++) {
        gsl_matrix_free(m->s_enc_z[l]);
        gsl_matrix_free(m->s_enc_a[l]);
        gsl_matrix_free(m->s_denc_a[l]);
        gsl_matrix_free(m->s_dec_z[l]);
        gsl_matrix_free(m->s_dec_a[l]);
        gsl_matrix_free(m->s_ddec_a[l]);
    }
    gsl_matrix *all[] = {m->s_mu, m->s_lv, m->s_sigma, m->s_eps, m->s_z, m->s_dmu,
                         m->s_dlv, m->s_dmu_kl, m->s_dlv_kl, m->s_dz, m->s_xhat,
                         m->s_dxhat, m->s_dh};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gsl_matrix_free(all[i]);
    params_free(m->P);
    free(m);
}

/* Encoder: X (n, 2) -> mu, lv (n, latent). Keeps every activation for backward. */
static void encode(vae *m, const gsl_matrix *X)
{
    const gsl_matrix *in = X;
    for (size_t l = 0; l < m->depth; l++) {
        dense_forward(&m->enc[l], in, &m->enc_z[l].matrix);           /* (n, hidden) */
        act_forward(ACT_RELU, &m->enc_z[l].matrix, &m->enc_a[l].matrix);
        in = &m->enc_a[l].matrix;
    }
    dense_forward(&m->mu_head, in, &m->mu.matrix);                    /* (n, latent) */
    dense_forward(&m->lv_head, in, &m->lv.matrix);                    /* (n, latent) */
}

/* Decoder: Z (n, latent) -> x_hat (n, 2). */
static void decode(vae *m, const gsl_matrix *Z)
{
    const gsl_matrix *in = Z;
    for (size_t l = 0; l < m->depth; l++) {
        dense_forward(&m->dec[l], in, &m->dec_z[l].matrix);           /* (n, hidden) */
        act_forward(ACT_RELU, &m->dec_z[l].matrix, &m->dec_a[l].matrix);
        in = &m->dec_a[l].matrix;
    }
    dense_forward(&m->out, in, &m->xhat.matrix);                      /* (n, 2)      */
}

/* ----------------------------------------------------------------------------
 * 3. The reparameterisation trick
 *
 * Training needs a code drawn from q(z | x) = N(mu, sigma^2), and then the
 * derivative of the loss with respect to mu and sigma. But "draw z from
 * N(mu, sigma^2)" has no derivative: a random draw is not a function of mu.
 * So we move the randomness out of the way. Draw eps ~ N(0, 1) FIRST, then
 * build z from it with a deterministic, differentiable recipe:
 *
 *     z = mu + sigma * eps,      sigma = exp(lv / 2)
 *
 * z has exactly the distribution N(mu, sigma^2), and eps is now just another
 * input, like the data. The chain rule, entry by entry (d = dL/dz):
 *
 *     dL/dmu = d                         (dz/dmu = 1)
 *     dL/dlv = d * eps * sigma / 2       (dz/dsigma = eps, dsigma/dlv = sigma / 2)
 *
 * Because eps is an input, holding it fixed makes the loss an ordinary
 * function of the weights, and tests/test_04_vae.c checks these two lines
 * (and everything around them) against finite differences of exactly that.
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
 * both averaged over the batch; loss_mse and loss_kl_normal (common/loss.h)
 * compute them and their gradients. The KL term is the price of a code: zero
 * when q(z | x) IS the prior (the code says nothing about x), and growing with
 * every bit the code carries about x. Reconstruction wants informative codes;
 * KL wants uninformative ones. The weight decides.
 *
 * Both source texts average the KL per latent ENTRY (np.mean over n * J
 * numbers, J = latent size) rather than per point, and we keep that, so that
 * their weights mean the same thing here:
 *
 *     loss = recon + w / J * KL
 *
 * What does w mean? The honest VAE objective is the ELBO, the evidence lower
 * bound: for a decoder that says "x = x_hat(z) + Gaussian noise of variance
 * s^2 per coordinate",
 *
 *     log p(x) >= ELBO = E_eps[ log N(x; x_hat(z), s^2 I) ] - KL
 *                      = - D * recon / (2 s^2) - D/2 log(2 pi s^2) - KL
 *
 * Multiply our loss by D / (2 s^2) and compare: loss is -ELBO (plus a
 * constant) exactly when
 *
 *     s^2 = w D / (2 J)          (s^2 = w / 2 here, D = J = 2)
 *
 * So the KL weight is not a fudge factor: it is the noise the model believes
 * the data has. w = 0.05 (source 000's choice) says "the data are my
 * decoder's output give or take s = 0.16"; w = 1 (source 002's, implicitly)
 * says "give or take 0.71", which for clusters one unit from the origin means
 * "it is all noise" (section 10). We report the ELBO (nats per point, higher
 * is better) under that s^2.
 *
 * beta-VAE. Source 002 ends with beta-VAE (Higgins et al., 2017): multiply
 * the KL term of the ELBO by beta > 1 to press the codes harder towards the
 * prior. With the likelihood (s^2, i.e. w) fixed, that is
 *
 *     loss = recon + (w * beta) / J * KL
 *
 * so training sees only the product w * beta: --kl-weight 0.1 --beta 2 trains
 * exactly the network --kl-weight 0.2 trains. The difference is what the
 * numbers MEAN: --kl-weight moves the model's belief about the noise (and so
 * the ELBO we report), --beta keeps that belief and tilts the objective away
 * from the ELBO. m->kl_coef holds w * beta / J.
 * ------------------------------------------------------------------------- */
typedef struct loss_parts {
    double total, recon, kl;       /* kl in nats per point */
} loss_parts;

/* Forward pass on the first n rows of X with the noise already in m->eps. */
static loss_parts vae_forward(vae *m, const gsl_matrix *X)
{
    encode(m, X);
    reparam_forward(&m->mu.matrix, &m->lv.matrix, &m->eps.matrix,
                    &m->sigma.matrix, &m->z.matrix);
    decode(m, &m->z.matrix);
    loss_parts p;
    p.recon = loss_mse(&m->xhat.matrix, X, &m->dxhat.matrix);
    p.kl = loss_kl_normal(&m->mu.matrix, &m->lv.matrix, &m->dmu_kl.matrix,
                          &m->dlv_kl.matrix);
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
 * and both heads read the same hidden features h, so h collects both:
 *
 *     dL/dh = dL/dmu W_mu^T + dL/dlv W_lv^T
 *
 * Where the sources slip. Source 000's KL is np.mean(...) over n * J entries,
 * but its gradient is mu / n and (exp(lv) - 1) / (2 n): the gradient of the
 * KL averaged over n only, J = 2 times too large. (Its reconstruction gradient
 * 2 (x_hat - x) / n has the same slip for a mean over n * D entries.) With
 * D = J = 2 the two slips cancel in direction and simply double the step, so
 * its run is not hurt; change --latent-dim and the printed loss is no longer
 * the loss it descends. The test file catches exactly this with a gradient
 * check. (000 also reads enc_mu.weights AFTER enc_mu.backward has already
 * updated them; here backward never touches a weight: optim.h does.)
 * ------------------------------------------------------------------------- */
static void vae_backward(vae *m, const gsl_matrix *X)
{
    /* decoder, from dL/dx_hat (left by loss_mse) down to dL/dz */
    size_t last = m->depth - 1;
    dense_backward(&m->out, &m->dec_a[last].matrix, &m->dxhat.matrix,
                   &m->ddec_a[last].matrix);
    for (size_t l = m->depth; l-- > 0;) {
        gsl_matrix *da = &m->ddec_a[l].matrix;
        act_backward(ACT_RELU, &m->dec_z[l].matrix, &m->dec_a[l].matrix, da, da);
        gsl_matrix *below = l ? &m->ddec_a[l - 1].matrix : &m->dz.matrix;
        dense_backward(&m->dec[l], l ? &m->dec_a[l - 1].matrix : &m->z.matrix, da, below);
    }

    /* through z = mu + sigma * eps, then add the KL road */
    reparam_backward(&m->dz.matrix, &m->eps.matrix, &m->sigma.matrix,
                     &m->dmu.matrix, &m->dlv.matrix);
    gsl_matrix_scale(&m->dmu_kl.matrix, m->kl_coef);
    gsl_matrix_scale(&m->dlv_kl.matrix, m->kl_coef);
    gsl_matrix_add(&m->dmu.matrix, &m->dmu_kl.matrix);
    gsl_matrix_add(&m->dlv.matrix, &m->dlv_kl.matrix);

    /* the two heads; their input gradients add up in dL/dh */
    gsl_matrix *h = &m->enc_a[last].matrix, *dh = &m->denc_a[last].matrix;
    dense_backward(&m->mu_head, h, &m->dmu.matrix, dh);
    dense_backward(&m->lv_head, h, &m->dlv.matrix, &m->dh.matrix);
    gsl_matrix_add(dh, &m->dh.matrix);

    /* encoder, down to the input (no dL/dX needed: the data is not learned) */
    for (size_t l = m->depth; l-- > 0;) {
        gsl_matrix *da = &m->denc_a[l].matrix;
        act_backward(ACT_RELU, &m->enc_z[l].matrix, &m->enc_a[l].matrix, da, da);
        dense_backward(&m->enc[l], l ? &m->enc_a[l - 1].matrix : X, da,
                       l ? &m->denc_a[l - 1].matrix : NULL);
    }
}

/* ----------------------------------------------------------------------------
 * 6. Why not finite differences? What source 002 does
 *
 * Source 002 writes the forward pass and then (a "simplified" numerical
 * gradient, its comment says) estimates each gradient by a central difference,
 *
 *     dL/dw ~ ( L(w + h) - L(w - h) ) / (2 h),     h = 1e-4,
 *
 * on a random 5 % of the weights per step (biases are never trained). Three
 * things go wrong. It is slow: two full forward passes per weight, about 880
 * of them per step for the 64-wide ring network (240 for the 32-wide one its
 * code actually builds, despite its docstring). It is sparse: each weight
 * moves once every 20 steps on average. And it is noisy beyond use: each of
 * L(w + h) and L(w - h) calls reparameterise() again, so they see DIFFERENT
 * eps. The difference of two losses under different noise is not small, and
 * dividing it by 2h = 2e-4 blows it up. A finite difference of a random function is
 * only a derivative if the randomness is held fixed, which is exactly how our
 * gradient check in tests/ does it.
 *
 * Here we measure it on the freshly initialised network (where 002 starts),
 * full batch (as 002 trains): for the weight with the largest gradient, the
 * spread of 10 of 002's estimates against the spread of 10 of our backward
 * passes, each with its own fresh eps (so both are honest one-step
 * estimates). Over seeds 1-8 the finite difference scatters 120 to 1600
 * times the size of the gradient it estimates; one backward pass, about 0.1.
 * ------------------------------------------------------------------------- */
typedef struct fd_report {
    double grad;        /* dE[L]/dw, backprop averaged over 10 eps      */
    double sd_fd;       /* spread of 002's two-sided estimate          */
    double sd_backprop; /* spread of one reparameterised backward pass  */
} fd_report;

static fd_report source_fd_noise(vae *m, const gsl_matrix *X, gsl_rng *r)
{
    enum { REPEATS = 10 };
    const double h = 1e-4;
    vae_rows(m, X->size1);
    gsl_vector *mean = gsl_vector_calloc(m->P->value->size);
    for (int k = 0; k < REPEATS; k++) {
        rng_fill_gaussian(r, &m->eps.matrix, 0.0, 1.0);
        vae_forward(m, X);
        params_zero_grad(m->P);
        vae_backward(m, X);
        gsl_vector_add(mean, m->P->grad);
    }
    gsl_vector_scale(mean, 1.0 / REPEATS);
    size_t w = gsl_blas_idamax(mean);                /* the largest |gradient| */
    double *value = gsl_vector_ptr(m->P->value, w);

    double bp[REPEATS], fd[REPEATS];
    for (int k = 0; k < REPEATS; k++) {
        rng_fill_gaussian(r, &m->eps.matrix, 0.0, 1.0);  /* ours: one draw   */
        vae_forward(m, X);
        params_zero_grad(m->P);
        vae_backward(m, X);
        bp[k] = gsl_vector_get(m->P->grad, w);

        const double saved = *value;                     /* 002: two draws   */
        *value = saved + h;
        rng_fill_gaussian(r, &m->eps.matrix, 0.0, 1.0);
        double up = vae_forward(m, X).total;
        *value = saved - h;
        rng_fill_gaussian(r, &m->eps.matrix, 0.0, 1.0);
        double down = vae_forward(m, X).total;
        *value = saved;
        fd[k] = (up - down) / (2 * h);
    }
    fd_report rep = {gsl_vector_get(mean, w), gsl_stats_sd(fd, 1, REPEATS),
                     gsl_stats_sd(bp, 1, REPEATS)};
    gsl_vector_free(mean);
    return rep;
}

/* ----------------------------------------------------------------------------
 * 7. Training
 *
 * Minibatches of shuffled points, a fresh eps for every point of every batch,
 * Adam (optim.h). Each step: forward, check the loss is a number, zero the
 * gradients, backward, update. The history (total, recon, KL per step) goes
 * to the loss-curve figure. Nothing is allocated inside the loop. The caller
 * owns the optimiser, so that its moments can go into a checkpoint
 * (section 11); its step count is the number of steps trained.
 * ------------------------------------------------------------------------- */
typedef struct setting {
    const char *data;
    long depth, hidden, latent, steps, batch;
    double lr, kl_weight, beta;
} setting;

/* hist (steps, 3): total, recon, KL of each step. log: print every `every`
 * steps on stdout (0: print nothing). */
static void train(vae *m, optimizer *opt, const dataset *d, const setting *s, gsl_rng *r,
                  gsl_matrix *hist, gsl_matrix *Xb, size_t *idx, long every, int quiet)
{
    const size_t batch = (size_t)s->batch < d->n ? (size_t)s->batch : d->n;
    for (size_t i = 0; i < d->n; i++)
        idx[i] = i;
    size_t pos = d->n;                           /* forces a shuffle first */
    gsl_matrix_view xb = mat_rows(Xb, batch);
    vae_rows(m, batch);
    progress pr;
    progress_start(&pr, s->steps, quiet);
    for (long step = 1; step <= s->steps; step++) {
        if (pos + batch > d->n) {
            rng_shuffle(r, idx, d->n);
            pos = 0;
        }
        mat_gather_rows(Xb, d->X, idx + pos, batch);
        pos += batch;
        rng_fill_gaussian(r, &m->eps.matrix, 0.0, 1.0);

        loss_parts p = vae_forward(m, &xb.matrix);
        check_finite(p.total, "VAE loss", step);
        params_zero_grad(m->P);
        vae_backward(m, &xb.matrix);
        optim_step(opt);

        gsl_matrix_set(hist, (size_t)step - 1, 0, p.total);
        gsl_matrix_set(hist, (size_t)step - 1, 1, p.recon);
        gsl_matrix_set(hist, (size_t)step - 1, 2, p.kl);
        if (every && (step % every == 0 || step == 1))
            printf("  step %5ld  loss %.5f  recon %.5f  kl %.4f nats\n",
                   step, p.total, p.recon, p.kl);
        progress_report(&pr, step, "loss %.4f", p.total);
    }
    progress_end(&pr);
}

/* ----------------------------------------------------------------------------
 * 8. Measuring a generator
 *
 * A small reconstruction error says the AUTOENCODER works. Whether the VAE is
 * a GENERATOR is a different question: decode codes drawn from the prior and
 * ask whether the results look like the data. Because we built the data, we
 * can grade each sample exactly:
 *
 *   sample_in_support   the fraction of 2000 decoded prior samples within
 *                       3 sd of some true cluster centre (a true data point
 *                       lands there with probability 1 - e^-4.5 = 0.989)
 *   min_cluster_share   give each sample to its nearest centre; the smallest
 *                       share (1/3 or 1/4 if every cluster is represented
 *                       fairly, 0 if the generator forgot one)
 *
 * and on the data themselves:
 *
 *   recon  mean squared error per coordinate, averaged over 8 eps draws
 *   kl     KL(q(z|x) || p(z)) in nats per point: what the codes cost
 *   elbo   -D recon / (2 s^2) - D/2 log(2 pi s^2) - kl, s^2 = w D / (2 J)
 *          (section 4), nats per point
 *   active_dims  latent coordinates whose mean mu_j(x) really varies with x
 *          (variance over the data > 0.1, a tenth of the prior's); 0 means
 *          the codes carry nothing about x
 *
 * "Decoded" means x_hat(z), the centre of the decoder's Gaussian, as both
 * sources plot it. The model's full sample would add N(0, s^2) noise to it;
 * we grade the centres because that is where the decoder puts its mass.
 * ------------------------------------------------------------------------- */
#define N_PRIOR 2000
#define EVAL_DRAWS 8

typedef struct result {
    double recon, kl, elbo, loss, support, min_share;
    double share[MAX_CLUSTERS];
    long active_dims;
} result;

static size_t nearest_centre(const dataset *d, double x, double y, double *dist)
{
    size_t best = 0;
    double bd = INFINITY;
    for (size_t j = 0; j < d->k; j++) {
        double dd = hypot(x - d->centre[j][0], y - d->centre[j][1]);
        if (dd < bd)
            bd = dd, best = j;
    }
    *dist = bd;
    return best;
}

/* Decoded prior samples, one per row of samples: z ~ N(0, I), x = decoder(z).
 * Done in slices of at most the model's capacity rows, so any number fits. */
static void decode_prior(vae *m, gsl_rng *r, gsl_matrix *samples)
{
    for (size_t done = 0; done < samples->size1; done += m->n) {
        const size_t left = samples->size1 - done;
        vae_rows(m, left < m->capacity ? left : m->capacity);
        rng_fill_gaussian(r, &m->z.matrix, 0.0, 1.0);
        decode(m, &m->z.matrix);
        gsl_matrix_view dst = gsl_matrix_submatrix(samples, done, 0, m->n, DATA_DIM);
        gsl_matrix_memcpy(&dst.matrix, &m->xhat.matrix);
    }
}

/* Grade samples (n, 2) against the true clusters: support, shares, min share. */
static void grade_samples(const dataset *d, const gsl_matrix *samples, result *res)
{
    const size_t n = samples->size1;
    size_t count[MAX_CLUSTERS] = {0}, inside = 0;
    for (size_t i = 0; i < n; i++) {
        double dist;
        size_t j = nearest_centre(d, gsl_matrix_get(samples, i, 0),
                                  gsl_matrix_get(samples, i, 1), &dist);
        count[j]++;
        inside += dist <= 3.0 * d->sd;
    }
    res->support = (double)inside / (double)n;
    res->min_share = 1.0;
    for (size_t j = 0; j < d->k; j++) {
        res->share[j] = (double)count[j] / (double)n;
        res->min_share = fmin(res->min_share, res->share[j]);
    }
}

/* samples (N_PRIOR, 2) receives the decoded prior samples. */
static result evaluate(vae *m, const dataset *d, const setting *s, gsl_rng *r,
                       gsl_matrix *samples)
{
    result res;
    memset(&res, 0, sizeof res);
    const double J = (double)s->latent;

    /* on the data: recon over several eps draws; KL needs no draw */
    vae_rows(m, d->n);
    for (int k = 0; k < EVAL_DRAWS; k++) {
        rng_fill_gaussian(r, &m->eps.matrix, 0.0, 1.0);
        loss_parts p = vae_forward(m, d->X);
        res.recon += p.recon / EVAL_DRAWS;
        res.kl = p.kl;
    }
    res.loss = res.recon + m->kl_coef * res.kl;
    double s2 = s->kl_weight * DATA_DIM / (2.0 * J);
    res.elbo = -DATA_DIM * res.recon / (2 * s2) - 0.5 * DATA_DIM * log(2 * M_PI * s2) - res.kl;
    for (size_t j = 0; j < (size_t)s->latent; j++) {
        gsl_vector_view col = gsl_matrix_column(&m->mu.matrix, j);
        double var = gsl_stats_variance(col.vector.data, col.vector.stride, d->n);
        res.active_dims += var > 0.1;
    }

    /* from the prior: z ~ N(0, I), decode, grade */
    decode_prior(m, r, samples);
    grade_samples(d, samples, &res);
    return res;
}

/* ----------------------------------------------------------------------------
 * 9. Figures of one trained VAE
 *
 * Per data set, file names start with the data set's name:
 *   NAME_data      the training points, coloured by the cluster they came from
 *   NAME_latent    the encoded means mu(x), same colours, over the prior's
 *                  1- and 2-sd circles: does the prior's mass hold the codes?
 *   NAME_samples   2000 decoded prior samples over the data, with each
 *                  cluster's 3-sd circle (what sample_in_support counts)
 *   NAME_loss      total loss, reconstruction and KL per step (not for a
 *                  model loaded with --load: its history is not saved)
 *   NAME_grid      the decoder as a map: a square grid of codes over
 *                  [-3, 3]^2, decoded and drawn as a warped mesh
 *
 * The scripts are the .gp files in chapters/04-vae/figures/ (one copy per
 * data set: clusters_data.gp and ring_data.gp differ only in their data set's
 * name); the program writes the data files and gives the scripts this run's
 * numbers in values.gp, each data set's under its own prefix (clusters_sd,
 * ring_sd, ...).
 * ------------------------------------------------------------------------- */
#define GRID_LINES 13      /* z = -3, -2.5, ..., 3                       */
#define GRID_POINTS 61     /* points along each line                     */

/* This run draws figure N_what (N the data set). */
static void use_figure(const char *N, const char *what)
{
    char name[64];
    snprintf(name, sizeof name, "%s_%s", N, what);
    fig_use(name);
}

/* A data set's size and true clusters (their centres and 3-sd circles are
 * drawn over the samples): NAME_n_points, NAME_n_clusters, NAME_sd and
 * NAME_centre_x_J, NAME_centre_y_J for the clusters J = 1..k. */
static void record_dataset_values(const dataset *d)
{
    char key[64];
    snprintf(key, sizeof key, "%s_n_points", d->name);
    fig_value(key, (double)d->n);
    snprintf(key, sizeof key, "%s_n_clusters", d->name);
    fig_value(key, (double)d->k);
    snprintf(key, sizeof key, "%s_sd", d->name);
    fig_value(key, d->sd);
    for (size_t j = 0; j < d->k; j++) {
        snprintf(key, sizeof key, "%s_centre_x_%zu", d->name, j + 1);
        fig_value(key, d->centre[j][0]);
        snprintf(key, sizeof key, "%s_centre_y_%zu", d->name, j + 1);
        fig_value(key, d->centre[j][1]);
    }
}

/* Loss curves: running means over blocks of steps, to see through the noise. */
static void draw_loss(const char *dir, const char *N, const gsl_matrix *hist)
{
    const size_t steps = hist->size1, block = steps >= 100 ? steps / 100 : 1;
    double kl_max = 0;
    char key[64], file[64];
    snprintf(file, sizeof file, "%s_loss.dat", N);
    FILE *f = out_open(dir, file);
    fprintf(f, "# step total recon kl(nats): means over blocks of %zu steps\n", block);
    for (size_t b = 0; b + block <= steps; b += block) {
        double t = 0, rc = 0, kl = 0;
        for (size_t i = b; i < b + block; i++) {
            t += gsl_matrix_get(hist, i, 0);
            rc += gsl_matrix_get(hist, i, 1);
            kl += gsl_matrix_get(hist, i, 2);
        }
        fprintf(f, "%zu %.6g %.6g %.6g\n", b + block, t / block, rc / block, kl / block);
        kl_max = fmax(kl_max, kl / block);
    }
    out_close(f, file);
    use_figure(N, "loss");
    snprintf(key, sizeof key, "%s_steps", N);
    fig_value(key, (double)steps);
    snprintf(key, sizeof key, "%s_loss_kl_max", N);        /* sets the KL axis */
    fig_value(key, kl_max);
}

static void draw_dataset(const char *dir, const dataset *d, vae *m, const setting *s,
                         const gsl_matrix *hist, const gsl_matrix *samples,
                         const result *res)
{
    char key[64], file[64];
    const char *N = d->name;

    /* the numbers the titles show: the data set, the weights, the results */
    record_dataset_values(d);
    snprintf(key, sizeof key, "%s_kl_weight", N);
    fig_value(key, s->kl_weight);
    snprintf(key, sizeof key, "%s_beta", N);
    fig_value(key, s->beta);
    snprintf(key, sizeof key, "%s_latent_dim", N);
    fig_value(key, (double)s->latent);
    snprintf(key, sizeof key, "%s_active_dims", N);
    fig_value(key, (double)res->active_dims);
    snprintf(key, sizeof key, "%s_support", N);
    fig_value(key, res->support);
    fig_value("n_prior_samples", (double)samples->size1);

    /* the data, coloured by cluster */
    snprintf(file, sizeof file, "%s_data.dat", N);
    FILE *f = out_open(dir, file);
    fprintf(f, "# x y cluster (0-based)\n");
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "%.6g %.6g %zu\n", gsl_matrix_get(d->X, i, 0), gsl_matrix_get(d->X, i, 1),
                d->label[i]);
    out_close(f, file);
    use_figure(N, "data");

    /* encoded means of the training points */
    vae_rows(m, d->n);
    encode(m, d->X);
    snprintf(file, sizeof file, "%s_latent.dat", N);
    f = out_open(dir, file);
    fprintf(f, "# mu_1 mu_2 (0 if latent 1) cluster: the encoded mean of each point\n");
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "%.6g %.6g %zu\n", gsl_matrix_get(&m->mu.matrix, i, 0),
                s->latent > 1 ? gsl_matrix_get(&m->mu.matrix, i, 1) : 0.0, d->label[i]);
    out_close(f, file);
    use_figure(N, "latent");

    /* decoded prior samples over the data */
    snprintf(file, sizeof file, "%s_samples.dat", N);
    out_write_matrix(dir, file, "x y: decoder(z) for z ~ N(0, I)", samples);
    use_figure(N, "samples");

    /* loss curves (none for a loaded model: its history is not kept) */
    if (hist)
        draw_loss(dir, N, hist);

    /* the decoder as a map: lines of constant z_1, then of constant z_2 */
    const size_t per_line = GRID_POINTS, lines = s->latent > 1 ? 2 * GRID_LINES : 1;
    vae_rows(m, lines * per_line);
    gsl_matrix_set_zero(&m->z.matrix);
    for (size_t L = 0; L < lines; L++)
        for (size_t p = 0; p < per_line; p++) {
            double fixed = -3.0 + 6.0 * (double)(L % GRID_LINES) / (GRID_LINES - 1);
            double moving = -3.0 + 6.0 * (double)p / (per_line - 1);
            size_t row = L * per_line + p;
            if (s->latent == 1)
                gsl_matrix_set(&m->z.matrix, row, 0, moving);
            else if (L < GRID_LINES) {          /* z_1 fixed, z_2 moving */
                gsl_matrix_set(&m->z.matrix, row, 0, fixed);
                gsl_matrix_set(&m->z.matrix, row, 1, moving);
            } else {                            /* z_2 fixed, z_1 moving */
                gsl_matrix_set(&m->z.matrix, row, 0, moving);
                gsl_matrix_set(&m->z.matrix, row, 1, fixed);
            }
        }
    decode(m, &m->z.matrix);
    snprintf(file, sizeof file, "%s_grid.dat", N);
    f = out_open(dir, file);
    fprintf(f, "# x y z_1 z_2: decoder(z) along grid lines of z over [-3,3]^2;\n"
               "# index 0: lines of constant z_1, index 1: lines of constant z_2\n");
    for (size_t L = 0; L < lines; L++) {
        if (L == GRID_LINES)
            fprintf(f, "\n\n");
        for (size_t p = 0; p < per_line; p++) {
            size_t row = L * per_line + p;
            fprintf(f, "%.6g %.6g %.6g %.6g\n", gsl_matrix_get(&m->xhat.matrix, row, 0),
                    gsl_matrix_get(&m->xhat.matrix, row, 1), gsl_matrix_get(&m->z.matrix, row, 0),
                    s->latent > 1 ? gsl_matrix_get(&m->z.matrix, row, 1) : 0.0);
        }
        fprintf(f, "\n");
    }
    out_close(f, file);
    use_figure(N, "grid");
}

/* Everything one data set's experiment owns: the data, the model, its Adam,
 * and the buffers training needs (allocated here, once, not in the loop). */
typedef struct vae_run {
    setting s;
    dataset d;
    vae *m;
    optimizer *opt;           /* opt->step: the steps trained so far       */
    gsl_matrix *hist;         /* (steps, 3) the loss history, for figures  */
    gsl_matrix *Xb;           /* (batch, 2) one minibatch                  */
    gsl_matrix *samples;      /* (N_PRIOR, 2) decoded prior samples        */
    size_t *idx;              /* (n) the shuffled order of the points      */
} vae_run;

/* Make the data, build the model: the random draws of both, in this order. */
static void vae_run_build(vae_run *R, const setting *s, gsl_rng *r)
{
    memset(R, 0, sizeof *R);
    R->s = *s;
    R->d = dataset_make(s->data, r);
    size_t capacity = R->d.n > N_PRIOR ? R->d.n : N_PRIOR;
    if ((size_t)s->batch > capacity)
        capacity = (size_t)s->batch;
    R->m = vae_new((size_t)s->depth, (size_t)s->hidden, (size_t)s->latent, capacity, r);
    R->m->kl_coef = s->kl_weight * s->beta / (double)s->latent;
    R->opt = optim_adam(R->m->P, s->lr, 0.9, 0.999);
    R->hist = gsl_matrix_alloc((size_t)s->steps, 3);
    R->Xb = gsl_matrix_alloc((size_t)s->batch, DATA_DIM);
    R->samples = gsl_matrix_alloc(N_PRIOR, DATA_DIM);
    R->idx = malloc(R->d.n * sizeof *R->idx);
    if (!R->idx)
        die("out of memory");
}

static void vae_run_free(vae_run *R)
{
    free(R->idx);
    gsl_matrix_free(R->samples);
    gsl_matrix_free(R->Xb);
    gsl_matrix_free(R->hist);
    optim_free(R->opt);
    vae_free(R->m);
    dataset_free(&R->d);
}

/* One whole experiment on one data set: make the data, build, (measure 002's
 * gradient noise if fd), train, evaluate, (draw). The decoded prior samples
 * stay in R->samples; the run stays alive (to be saved) until vae_run_free.
 * every: stdout log interval, 0 for none. */
static result run_dataset(vae_run *R, const setting *s, gsl_rng *r, const char *dir,
                          long every, int quiet, int draw, fd_report *fd)
{
    vae_run_build(R, s, r);
    if (fd)
        *fd = source_fd_noise(R->m, R->d.X, r);
    train(R->m, R->opt, &R->d, s, r, R->hist, R->Xb, R->idx, every, quiet);
    result res = evaluate(R->m, &R->d, s, r, R->samples);
    if (draw)
        draw_dataset(dir, &R->d, R->m, s, R->hist, R->samples, &res);
    return res;
}

static void print_result(const char *what, const result *res)
{
    printf("%s: recon %.4f  kl %.3f nats  elbo %.3f  in support %.3f  "
           "min cluster share %.3f  active dims %ld\n",
           what, res->recon, res->kl, res->elbo, res->support, res->min_share, res->active_dims);
}

/* The model and its loss, as the log shows them. loaded_steps < 0: about to
 * train; otherwise the model came from --load after that many steps. */
static void print_model(const setting *s, int first, long loaded_steps)
{
    const char *more = s->depth > 1 ? " -> same" : "";
    printf("%s%s VAE: 2 -> %ld%s -> (mu, logvar) %ld -> %ld%s -> 2\n", first ? "" : "\n",
           s->data, s->hidden, more, s->latent, s->hidden, more);
    printf("  loss = recon + %g x %g / %ld x KL (decoder noise s = %.3g); ",
           s->kl_weight, s->beta, s->latent,
           sqrt(s->kl_weight * DATA_DIM / (2.0 * (double)s->latent)));
    if (loaded_steps >= 0)
        printf("loaded, trained %ld steps\n", loaded_steps);
    else
        printf("%ld steps of Adam (lr %g), batch %ld\n", s->steps, s->lr, s->batch);
}

/* The --data set's numbers are THE results; the other set's carry its name. */
static void record(metrics *m, const char *prefix, const result *res)
{
    const char *names[] = {"recon", "kl", "elbo", "sample_in_support",
                           "min_cluster_share", "active_dims"};
    double values[] = {res->recon, res->kl, res->elbo, res->support, res->min_share,
                       (double)res->active_dims};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char key[64];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "_" : "", names[k]);
        metrics_set(m, key, values[k]);
    }
}

/* What main does with data set number i (0: the --data set), sections 3-9:
 * show the model, then build it, (on the first data set, measure 002's
 * gradient noise), train, evaluate and draw it; or, for a model read with
 * --load (section 11), evaluate and draw it. The results go to the log and
 * to the run's metrics. */
static void experiment(session *S, vae_run *R, const setting *s, size_t i)
{
    print_model(s, i == 0, session_trains(S) ? -1 : R->opt->step);
    result res;
    if (!session_trains(S)) {
        res = evaluate(R->m, &R->d, s, S->rng, R->samples);
        draw_dataset(S->cli.out, &R->d, R->m, s, NULL, R->samples, &res);
    } else {
        fd_report fd;
        res = run_dataset(R, s, S->rng, S->cli.out, s->steps / 5, S->cli.quiet, 1,
                          i == 0 ? &fd : NULL);
        if (i == 0) {
            printf("  002's finite differences at init: sd %.3g around a true gradient of "
                   "%.3g (%.0fx); one backprop pass: sd %.3g\n",
                   fd.sd_fd, fd.grad, fd.sd_fd / fabs(fd.grad), fd.sd_backprop);
            metrics_set(&S->m, "fd_noise_ratio", fd.sd_fd / fabs(fd.grad));
            metrics_set(&S->m, "backprop_noise_ratio", fd.sd_backprop / fabs(fd.grad));
        }
    }
    print_result(s->data, &res);
    record(&S->m, i ? s->data : "", &res);
}

/* ----------------------------------------------------------------------------
 * 10. The KL-weight sweep: the trade-off, and posterior collapse
 *
 * Source 000 invites us to "try varying kl_weight from 0.01 to 1.0": low
 * weights reconstruct well but generate badly (the codes spread out and
 * leave gaps that the prior still fills with samples), high weights pack
 * the codes into the prior but blur the reconstructions. We retrain from
 * scratch at each weight, same recipe otherwise, on both data sets, and
 * plot reconstruction against KL: one curve per data set, running from
 * "informative codes, sharp" (low w) to "cheap codes, blurry" (high w).
 *
 * At w = 1, the ring VAE of source 002 (which uses exactly this per-entry
 * loss) does something more drastic: KL drops to almost 0 and every code
 * decodes to about the middle of the ring. That is POSTERIOR COLLAPSE: q(z | x)
 * = p(z) for every x, the code says nothing, the decoder outputs the data
 * mean. It is not a bug of the optimiser; at w = 1 it is the best answer.
 * Count, per point, in units of (loss x 2 = sum of squares + w KL):
 *
 *   - telling the decoder which of the 4 clusters x is in saves at most
 *     E|x|^2 - 2 (0.2)^2 = 1.08 - 0.08 = 1.0  of squared error,
 *   - and costs at least  w ln 4 = 1.39 w  in KL (naming one of 4 equally
 *     likely things takes ln 4 nats, and a Gaussian code needs more).
 *
 * Above w = 1 / 1.39 = 0.72 the code is not worth its price; in the sweep
 * w = 0.7 is on the edge and w = 1 has collapsed. In the language of
 * section 4: w = 1 means the decoder noise is s = 0.71, most of the spread
 * of the whole ring (a point is on average 1.0 from the centre), so the
 * model can explain the data as "the centre, plus noise" for free. The
 * three clusters sit further from their mean (sum of squares saved 1.78,
 * cost >= 1.10 w) and survive w = 1, with one code dimension switched off.
 *
 * The cure is not a trick but the right w: one that states a noise level
 * well below the clusters' spacing. Our default, w = 0.3 (s = 0.39), puts
 * 85-90 % of the samples in the support on both data sets, with a clear
 * margin below the ring's collapse.
 * ------------------------------------------------------------------------- */
static const double SWEEP_W[] = {0.01, 0.03, 0.1, 0.3, 0.7, 1.0};
static const double SWEEP_W_QUICK[] = {0.01, 0.3, 1.0};
#define SWEEP_COLS 8   /* data weight recon kl elbo support min_share active */

/* sweep (n_data * n_w, SWEEP_COLS) receives one row per trained model,
 * samples[i * n_w + k] (N_PRIOR, 2) its decoded prior samples. */
static void kl_sweep(setting *const *sets, size_t n_data, const double *w, size_t n_w,
                     gsl_rng *r, gsl_matrix *sweep, gsl_matrix **samples)
{
    printf("\nKL-weight sweep: retrain at each weight w, all else equal (beta %g)\n",
           sets[0]->beta);
    for (size_t i = 0; i < n_data; i++)
        for (size_t k = 0; k < n_w; k++) {
            setting s = *sets[i];
            s.kl_weight = w[k];
            vae_run R;
            result res = run_dataset(&R, &s, r, NULL, 0, 1, 0, NULL);
            gsl_matrix_memcpy(samples[i * n_w + k], R.samples);
            vae_run_free(&R);
            char what[64];
            snprintf(what, sizeof what, "  %-8s w %-4g", s.data, w[k]);
            print_result(what, &res);
            double row[SWEEP_COLS] = {(double)i, w[k], res.recon, res.kl, res.elbo,
                                      res.support, res.min_share, (double)res.active_dims};
            for (size_t c = 0; c < SWEEP_COLS; c++)
                gsl_matrix_set(sweep, i * n_w + k, c, row[c]);
        }
}

/* Three figures: the trade-off (recon against KL), the quality of the samples
 * against w, and, per data set, the decoded samples at the smallest weight,
 * the weight nearest the default, and the largest. Their scripts
 * (figures/sweep.gp, sweep_quality.gp, sweep_NAME_samples.gp) draw the two
 * data sets of the sweep, sweep_data_1 and sweep_data_2. */
static void draw_sweep(const char *dir, setting *const *sets, size_t n_data, size_t n_w,
                       const gsl_matrix *sweep, gsl_matrix *const *samples, double chosen_w)
{
    /* one data block per data set, so gnuplot can draw each as its own line */
    FILE *f = out_open(dir, "sweep.dat");
    fprintf(f, "# data(0,1) kl_weight recon kl(nats) elbo sample_in_support "
               "min_cluster_share active_dims; index 0: %s, index 1: %s\n",
            sets[0]->data, n_data > 1 ? sets[1]->data : "-");
    double kl_max = 0, recon_min = INFINITY, recon_max = 0;
    for (size_t i = 0; i < n_data; i++) {
        if (i)
            fprintf(f, "\n\n");
        for (size_t k = 0; k < n_w; k++) {
            const size_t row = i * n_w + k;
            for (size_t c = 0; c < SWEEP_COLS; c++)
                fprintf(f, "%.6g%s", gsl_matrix_get(sweep, row, c), c + 1 < SWEEP_COLS ? " " : "\n");
            kl_max = fmax(kl_max, gsl_matrix_get(sweep, row, 3));
            recon_min = fmin(recon_min, gsl_matrix_get(sweep, row, 2));
            recon_max = fmax(recon_max, gsl_matrix_get(sweep, row, 2));
        }
    }
    out_close(f, "sweep.dat");

    char key[64];
    fig_use("sweep");
    fig_use("sweep_quality");
    for (size_t i = 0; i < n_data; i++) {
        snprintf(key, sizeof key, "sweep_data_%zu", i + 1);
        fig_text(key, "%s", sets[i]->data);
    }
    fig_value("sweep_kl_max", kl_max);          /* the axes' ranges */
    fig_value("sweep_recon_min", recon_min);
    fig_value("sweep_recon_max", recon_max);
    fig_value("sweep_w_first", gsl_matrix_get(sweep, 0, 1));
    fig_value("sweep_w_last", gsl_matrix_get(sweep, n_w - 1, 1));
    fig_value("sweep_this_run_w", chosen_w);
    fig_value("n_prior_samples", (double)samples[0]->size1);
    /* name posterior collapse where it happened: the first model at KL ~ 0 */
    fig_value("sweep_collapse", 0);
    for (size_t row = 0; row < n_data * n_w; row++)
        if (gsl_matrix_get(sweep, row, 3) < 0.1) {
            fig_value("sweep_collapse", 1);
            fig_text("sweep_collapse_data", "%s",
                     sets[(size_t)gsl_matrix_get(sweep, row, 0)]->data);
            fig_value("sweep_collapse_w", gsl_matrix_get(sweep, row, 1));
            fig_value("sweep_collapse_kl", gsl_matrix_get(sweep, row, 3));
            fig_value("sweep_collapse_recon", gsl_matrix_get(sweep, row, 2));
            break;
        }

    /* samples at three weights, side by side, over each data set */
    size_t pick[3] = {0, 0, n_w - 1};
    for (size_t k = 1; k < n_w; k++)
        if (fabs(log(gsl_matrix_get(sweep, k, 1) / chosen_w)) <
            fabs(log(gsl_matrix_get(sweep, pick[1], 1) / chosen_w)))
            pick[1] = k;
    for (size_t i = 0; i < n_data; i++) {
        char file[64];
        snprintf(file, sizeof file, "sweep_%s_samples.dat", sets[i]->data);
        f = out_open(dir, file);
        fprintf(f, "# x y: decoded prior samples; index 0, 1, 2: w = %g, %g, %g\n",
                gsl_matrix_get(sweep, pick[0], 1), gsl_matrix_get(sweep, pick[1], 1),
                gsl_matrix_get(sweep, pick[2], 1));
        for (size_t p = 0; p < 3; p++) {
            const gsl_matrix *S = samples[i * n_w + pick[p]];
            for (size_t row = 0; row < S->size1; row++)
                fprintf(f, "%.6g %.6g\n", gsl_matrix_get(S, row, 0), gsl_matrix_get(S, row, 1));
            fprintf(f, "\n\n");
        }
        out_close(f, file);
        snprintf(key, sizeof key, "sweep_%s_samples", sets[i]->data);
        fig_use(key);
        /* each panel's title: its weight, its KL, its share in the support */
        for (size_t p = 0; p < 3; p++) {
            const size_t row = i * n_w + pick[p];
            snprintf(key, sizeof key, "sweep_%s_w_%zu", sets[i]->data, p + 1);
            fig_value(key, gsl_matrix_get(sweep, row, 1));
            snprintf(key, sizeof key, "sweep_%s_kl_%zu", sets[i]->data, p + 1);
            fig_value(key, gsl_matrix_get(sweep, row, 3));
            snprintf(key, sizeof key, "sweep_%s_support_%zu", sets[i]->data, p + 1);
            fig_value(key, gsl_matrix_get(sweep, row, 5));
        }
    }
}

/* Section 10 end to end: train at every weight, draw, record what w = 1 did.
 * chosen_w: this run's --kl-weight, the middle panel of the sample figures. */
static void run_sweep(session *S, setting *const *sets, size_t n_data, double chosen_w)
{
    const int quick = S->cli.quick;
    const double *w = quick ? SWEEP_W_QUICK : SWEEP_W;
    const size_t n_w = quick ? sizeof SWEEP_W_QUICK / sizeof SWEEP_W_QUICK[0]
                             : sizeof SWEEP_W / sizeof SWEEP_W[0];
    gsl_matrix *sweep = gsl_matrix_alloc(n_data * n_w, SWEEP_COLS);
    gsl_matrix *samples[2 * sizeof SWEEP_W / sizeof SWEEP_W[0]];
    for (size_t k = 0; k < n_data * n_w; k++)
        samples[k] = gsl_matrix_alloc(N_PRIOR, DATA_DIM);

    kl_sweep(sets, n_data, w, n_w, S->rng, sweep, samples);
    draw_sweep(S->cli.out, sets, n_data, n_w, sweep, samples, chosen_w);
    for (size_t i = 0; i < n_data; i++) {          /* the last weight is w = 1 */
        char key[64];
        snprintf(key, sizeof key, "sweep_%s_kl_at_w1", sets[i]->data);
        metrics_set(&S->m, key, gsl_matrix_get(sweep, i * n_w + n_w - 1, 3));
        snprintf(key, sizeof key, "sweep_%s_support_at_w1", sets[i]->data);
        metrics_set(&S->m, key, gsl_matrix_get(sweep, i * n_w + n_w - 1, 5));
    }
    for (size_t k = 0; k < n_data * n_w; k++)
        gsl_matrix_free(samples[k]);
    gsl_matrix_free(sweep);
}

/* ----------------------------------------------------------------------------
 * 11. Keeping a trained VAE: --save, --load, --generate K
 *
 * A trained generator is worth keeping: train once, then draw new samples
 * whenever you like without training again. --save FILE writes, at the end
 * of the run, one checkpoint (checkpoint.h, introduced in chapter 08) of the
 * VAEs the run trained on its data sets. Not the sweep's: those are there to
 * be compared with each other, and every run retrains them. Per data set:
 *
 *   NAME.vae.params     encoder, both heads and decoder. Sampling needs only
 *                       the decoder, but --load also measures recon and KL,
 *                       and those need the encoder
 *   NAME.adam.m, .v     Adam's moments: with them, training could go on
 *                       exactly where it stopped (chapter 08's --resume)
 *   NAME.adam.step      Adam's step count, which is also how many steps the
 *                       model was trained
 *   NAME.data           the training points. Why keep data in a model file?
 *                       The second data set is drawn from the generator AFTER
 *                       the first has trained, so --seed alone cannot redraw
 *                       it without training. Kept, --load measures the model
 *                       on exactly the points it learned from
 *
 * plus the random generator's state. NAME is the data set and the objective,
 * e.g. "ring.w0.3.b1": a checkpoint of the ring does not load as the clusters,
 * nor one trained at w = 0.3 as a model of w = 1 (its ELBO would be reported
 * under the wrong noise). A different --hidden or --latent-dim changes the
 * sizes of the blocks, --single their number. Each of these is refused with
 * a one-line message, never loaded as garbage.
 *
 * --generate K decodes K prior samples per data set exactly as section 8
 * does, z ~ N(0, I) and x = decoder(z), and grades them the same way. Its
 * codes come from a generator of their own, seeded with --seed + a constant
 * (the session's S.sample_seed): the same checkpoint and seed give the same
 * samples, byte for byte.
 *
 * The flags, their rules (--generate needs --load; --load trains nothing, so
 * it takes no --save) and the file handling are the same in every chapter
 * that keeps its models: common/session.h does them, and this section only
 * says WHAT a checkpoint of this chapter holds.
 * ------------------------------------------------------------------------- */
/* Describe what a checkpoint of these runs holds (nothing is copied yet). */
static void run_checkpoint(vae_run *runs, size_t n, checkpoint *ck)
{
    memset(ck, 0, sizeof *ck);
    for (size_t i = 0; i < n; i++) {
        vae_run *R = &runs[i];
        /* at most 8 + 2 + 11 + 2 + 11 = 34 characters (%g keeps 6 digits),
         * so the longest block name, base + ".adam.step", fits in 47 */
        char base[CHECKPOINT_NAME_LEN], name[CHECKPOINT_NAME_LEN + 16];
        snprintf(base, sizeof base, "%s.w%g.b%g", R->s.data, R->s.kl_weight, R->s.beta);
        snprintf(name, sizeof name, "%s.vae", base);
        checkpoint_add_params(ck, name, R->m->P);
        snprintf(name, sizeof name, "%s.adam", base);
        checkpoint_add_optimizer(ck, name, R->opt);
        /* the (n, 2) points are one contiguous run of 2n doubles */
        gsl_vector_view X = gsl_vector_view_array(R->d.X->data, R->d.n * DATA_DIM);
        snprintf(name, sizeof name, "%s.data", base);
        checkpoint_add_vector(ck, name, &X.vector);
    }
}

/* "2 trained VAEs": what the notes of --save and --load name. */
static const char *trained_vaes(size_t n, char *buf, size_t size)
{
    snprintf(buf, size, "%zu trained VAE%s", n, n > 1 ? "s" : "");
    return buf;
}

/* --load: build every model exactly as training would (same flags, so the
 * same shapes), then overwrite weights, Adam, data and generator from the
 * file. A file of another model is refused, naming the first difference. */
static void load_runs(session *S, vae_run *runs, setting *const *sets, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vae_run_build(&runs[i], sets[i], S->rng);
    checkpoint ck;
    run_checkpoint(runs, n, &ck);
    char what[64];
    session_load(S, &ck, trained_vaes(n, what, sizeof what));
}

/* --save (nothing without it): the trained VAEs and the run's generator. */
static void save_runs(session *S, vae_run *runs, size_t n)
{
    checkpoint ck;
    run_checkpoint(runs, n, &ck);
    char what[64];
    session_save(S, &ck, trained_vaes(n, what, sizeof what));
}

/* --generate K: per data set, K decoded prior samples, their figure
 * generated_NAME (like NAME_samples: the samples, the true centres and their
 * 3-sd circles), and their grades, printed and recorded like the run's own.
 * The data file holds all K samples and the grades count all K; the figure
 * draws the first N_PRIOR of them, as many as NAME_samples shows (100 000
 * points would paint the support solid and hide where the mass is). */
static void generate(session *S, vae_run *runs, setting *const *sets, size_t n)
{
    const long K = S->generate;
    for (size_t i = 0; i < n; i++)
        print_model(sets[i], i == 0, runs[i].opt->step);
    printf("\n");
    gsl_rng *fixed = rng_new(S->sample_seed);
    gsl_matrix *samples = gsl_matrix_alloc((size_t)K, DATA_DIM);
    for (size_t i = 0; i < n; i++) {
        const dataset *d = &runs[i].d;
        result res;
        memset(&res, 0, sizeof res);
        decode_prior(runs[i].m, fixed, samples);
        grade_samples(d, samples, &res);

        char file[64], key[64];
        snprintf(file, sizeof file, "generated_%s.dat", d->name);
        out_write_matrix(S->cli.out, file, "x y: decoder(z) for z ~ N(0, I), one sample per row",
                         samples);
        use_figure("generated", d->name);
        record_dataset_values(d);
        fig_value("generate_n", (double)K);
        fig_value("generate_shown", (double)(K < N_PRIOR ? K : N_PRIOR));
        snprintf(key, sizeof key, "%s_generated_support", d->name);
        fig_value(key, res.support);

        printf("%s: %ld decoded prior samples: in support %.3f  cluster shares", d->name, K,
               res.support);
        for (size_t j = 0; j < d->k; j++)
            printf(" %.3f", res.share[j]);
        printf("  min cluster share %.3f\n", res.min_share);
        const char *prefix = i ? d->name : "", *sep = i ? "_" : "";
        snprintf(key, sizeof key, "%s%ssample_in_support", prefix, sep);
        metrics_set(&S->m, key, res.support);
        snprintf(key, sizeof key, "%s%smin_cluster_share", prefix, sep);
        metrics_set(&S->m, key, res.min_share);
    }
    gsl_matrix_free(samples);
    gsl_rng_free(fixed);
}

/* ----------------------------------------------------------------------------
 * Appendix (skip on a first reading): the flags, and the recipe for each
 * data set
 *
 * The chapter's knobs are a table (cli.h). session_start adds the flags every
 * chapter has (--seed, --quick, --out, --quiet) and, after the chapter's,
 * section 11's --save, --load and --generate, with their rules: --generate
 * needs --load, and --load trains nothing, so it takes no --save.
 * ------------------------------------------------------------------------- */
typedef struct vae_config {
    setting flags;      /* the knobs as given; recipe() completes them      */
    int single;         /* --single: the --data set only, no sweep          */
} vae_config;

static void start_run(session *S, vae_config *cfg, int argc, char **argv)
{
    const vae_config defaults = {
        .flags = {.data = "clusters", .depth = 1, .hidden = 16, .latent = 2, .steps = 2000,
                  .batch = 64, .lr = 3e-3, .kl_weight = 0.3, .beta = 1.0},
        .single = 0};
    *cfg = defaults;
    setting *f = &cfg->flags;
    const cli_option opts[] = {
        {"data", CLI_CHOICE, &f->data, "data set: 000's three clusters or 002's ring of four", 0, 0, "clusters|ring", 0},
        {"kl-weight", CLI_REAL, &f->kl_weight, "weight w of the per-entry KL (decoder noise s^2 = w D / 2J)", 1e-3, 100, NULL, 0},
        {"beta", CLI_REAL, &f->beta, "beta-VAE factor on the KL: training uses w * beta", 0, 100, NULL, 0},
        {"latent-dim", CLI_INT, &f->latent, "size J of the code z", 1, 16, NULL, 0},
        {"hidden", CLI_INT, &f->hidden, "width of the hidden layers (ring: 64 unless given)", 1, 512, NULL, 0},
        {"steps", CLI_INT, &f->steps, "training steps (ring: 600 unless given)", 1, 1000000, NULL, 0},
        {"batch", CLI_INT, &f->batch, "minibatch size", 1, 2000, NULL, 0},
        {"lr", CLI_REAL, &f->lr, "Adam learning rate", 1e-7, 1e3, NULL, 0},
        {"single", CLI_FLAG, &cfg->single, "train only the --data set: no second data set, no sweep", 0, 0, NULL, 0},
    };
    session_start(S, "04-vae", "variational autoencoder on 2D clusters: ELBO, KL weight, beta-VAE",
                  42, opts, sizeof opts / sizeof opts[0], SESSION_SAVE_LOAD, argc, argv);
}

/* The architecture and the training budget of each data set (issue 4):
 * the small network of 000 for its clusters, 002's deeper one for the ring,
 * which learns fast enough in far fewer steps. Flags override both. */
static setting recipe(const char *data, const session *S, const vae_config *cfg)
{
    setting s = cfg->flags;
    s.data = data;
    int ring = strcmp(data, "ring") == 0;
    s.depth = ring ? 2 : 1;
    if (!cli_given(&S->cli, "hidden"))
        s.hidden = ring ? 64 : 16;
    if (!cli_given(&S->cli, "steps"))
        s.steps = S->cli.quick ? (ring ? 150 : 300) : (ring ? 600 : 2000);
    return s;
}

/* ----------------------------------------------------------------------------
 * main: the story in order.
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;                       /* flags, --out, seed, metrics, figures */
    vae_config cfg;
    start_run(&S, &cfg, argc, argv);
    printf("04-vae: seed %ld\n\n", S.cli.seed);

    /* 1-2. the data set asked for and, unless --single, the other one */
    const char *other = strcmp(cfg.flags.data, "clusters") == 0 ? "ring" : "clusters";
    setting first = recipe(cfg.flags.data, &S, &cfg), second = recipe(other, &S, &cfg);
    setting *sets[2] = {&first, &second};
    const size_t n_data = cfg.single ? 1 : 2;
    vae_run runs[2];
    if (!session_trains(&S))                        /* 11. --load: instead of training */
        load_runs(&S, runs, sets, n_data);

    if (S.generate > 0) {                           /* 11. samples, and stop */
        generate(&S, runs, sets, n_data);
    } else {
        /* 3-9. build, (measure 002's gradient noise), train, evaluate, draw */
        for (size_t i = 0; i < n_data; i++)
            experiment(&S, &runs[i], sets[i], i);

        /* 10. the KL-weight sweep on both data sets */
        if (!cfg.single && session_trains(&S))
            run_sweep(&S, sets, n_data, cfg.flags.kl_weight);
    }
    save_runs(&S, runs, n_data);                    /* 11. --save: keep the trained VAEs */

    for (size_t i = 0; i < n_data; i++)
        vae_run_free(&runs[i]);
    session_finish(&S);               /* results, metrics.txt, values.gp, scripts */
    return 0;
}
#endif
