/* aae.c -- chapter 11: the adversarial autoencoder, without and with labels.
 *
 * An autoencoder (chapter 02) learns WHERE the data lives in its latent space,
 * but nobody tells it what that space should look like: the codes end up in
 * some arbitrary shape, different every run, with holes in between. Decoding
 * a random point then gives garbage, so an autoencoder is not a generative
 * model. The adversarial autoencoder (Makhzani et al., 2015) fixes the shape
 * of the code distribution in advance -- a PRIOR p(z) we can sample from --
 * and enforces it with a GAN played in the latent space:
 *
 *     encoder E    784 -> 500 -> 300 -> 2      image x -> code z = E(x)
 *     decoder G    2 -> 300 -> 500 -> 784      code z  -> image (sigmoid)
 *     critic  D    2 -> 100 -> 100 -> 1        code    -> logit of "from the prior"
 *
 * Each training iteration has three steps (section 5):
 *
 *     1. reconstruction   E and G learn to rebuild x from E(x)
 *     2. discriminator    D learns: prior samples are REAL, codes are FAKE
 *     3. regularisation   E learns to make D call its codes real (D frozen)
 *
 * When it works, the codes of the data fill the prior, and decoding a prior
 * sample gives a plausible image: a generative model.
 *
 * As in the source text (seed 003, section 8) we use the digits 0-5 and a
 * 2-dimensional code, so the code space can simply be drawn, and a prior of
 * six elongated Gaussians on a circle (section 2). Two variants train side by
 * side in the default run:
 *
 *     unlabelled   D sees the code only: the codes move into the petals,
 *                  but WHICH digit goes to which petal is up to chance, and
 *                  (we measure it in section 8) some petals stay empty;
 *     labels       D also sees a one-hot label (section 6): digit k is sent
 *                  to petal k, the latent space becomes a class map.
 *
 * Section 6 also explains, and measures, why the source's labelled version
 * cannot do that: its labels never reach the encoder. Section 7 lists the
 * four changes to the source's training recipe that the goals needed.
 *
 * Run:   make bin/11-aae && bin/11-aae            (both variants, ~5 min CPU)
 *        bin/11-aae --labels                      (the labelled one only)
 *        bin/11-aae --variant source              (the source's labelled version)
 *        bin/11-aae --dataset fashion             (classes 0-5 of Fashion-MNIST)
 *        bin/11-aae --help                        (every knob)
 * Look:  cd out/11-aae && gnuplot codes_labels.gp   (and the other .gp files)
 * ========================================================================== */
#include "genlab.h"

/* ----------------------------------------------------------------------------
 * 1. The data: six classes of MNIST (or Fashion-MNIST)
 *
 * Six classes keep the picture readable: six clusters, six colours. With the
 * shipped MNIST split that is about 5 100 training and 860 test digits. All
 * figures and metrics use the TEST digits, which the model never trained on.
 * The class names (digit 0 .. digit 5, or Fashion-MNIST's T-shirt ..
 * sandal), the data directory and the judge come with the dataset
 * (common/dataset.h).
 * ------------------------------------------------------------------------- */
#define N_CLASSES 6
#define IMG 784                    /* 28 x 28 pixels in [0, 1]             */

static image_set *load_six_classes(const char *dir, const char *prefix)
{
    static const unsigned char keep[N_CLASSES] = {0, 1, 2, 3, 4, 5};
    image_set *s = mnist_load(dir, prefix);
    image_set_filter(s, keep, N_CLASSES);
    if (s->n == 0)
        die("%s: no images of the classes 0-5 in the %s split", dir, prefix);
    if (s->images->size2 != IMG)
        die("%s: the images are not 28 x 28", dir);
    return s;
}

/* ----------------------------------------------------------------------------
 * 2. The prior: six Gaussians on a circle
 *
 * The source's sampler draws, for each sample, a component k in 0..5 and two
 * independent normals, then places them in the k-th "petal":
 *
 *     u ~ N(0, 0.3^2)    along the petal (radially)
 *     v ~ N(0, 0.05^2)   across it
 *     theta_k = 2 pi k / 6
 *     z = R(theta_k) (1.4 + u, v)
 *       = ( (1.4 + u) cos theta_k - v sin theta_k,
 *           (1.4 + u) sin theta_k + v cos theta_k )
 *
 * R(theta) is the rotation by theta. So component k is a thin ellipse whose
 * centre sits 1.4 from the origin in direction theta_k, six times longer
 * (sd 0.3) along the radius than across it (sd 0.05).
 *
 * (The source names the two spreads x_var = 0.3 and y_var = 0.05, but passes
 * them to np.random.normal as the SCALE, which is the standard deviation: the
 * variances are 0.09 and 0.0025. We follow what the code does. It also draws
 * the component with Python's random.randint and the normals with NumPy,
 * two generators with two seeds, so fixing NumPy's seed alone does not make
 * its runs repeatable. Here one seeded generator draws everything.)
 *
 * Inverting the placement tells us where a code sits relative to component k:
 *
 *     a =  x cos theta_k + y sin theta_k - 1.4      (along, in units of 1)
 *     c = -x sin theta_k + y cos theta_k            (across)
 *
 * A code is "in component k" when it lies inside the component's 3-sigma box,
 * |a| <= 3 * 0.3 and |c| <= 3 * 0.05: 99.5 % of the prior's own samples of
 * that component do. The six boxes do not overlap, so a code is in one
 * component or in none. Section 8 builds the metrics on this test.
 * ------------------------------------------------------------------------- */
#define PRIOR_SHIFT 1.4
#define PRIOR_SD_ALONG 0.3
#define PRIOR_SD_ACROSS 0.05
#define PRIOR_BOX 3.0              /* the box: 3 sd in each direction      */

static double component_angle(size_t k)
{
    return 2.0 * M_PI * (double)k / N_CLASSES;
}

/* One sample of component k into (x, y). */
static void prior_sample(gsl_rng *r, size_t k, double *x, double *y)
{
    const double u = gsl_ran_gaussian(r, PRIOR_SD_ALONG);
    const double v = gsl_ran_gaussian(r, PRIOR_SD_ACROSS);
    const double t = component_angle(k);
    *x = (PRIOR_SHIFT + u) * cos(t) - v * sin(t);
    *y = (PRIOR_SHIFT + u) * sin(t) + v * cos(t);
}

/* The component whose 3-sigma box holds (x, y), or -1 for none. */
static int component_of(double x, double y)
{
    for (size_t k = 0; k < N_CLASSES; k++) {
        const double t = component_angle(k);
        const double a = x * cos(t) + y * sin(t) - PRIOR_SHIFT;
        const double c = -x * sin(t) + y * cos(t);
        if (fabs(a) <= PRIOR_BOX * PRIOR_SD_ALONG && fabs(c) <= PRIOR_BOX * PRIOR_SD_ACROSS)
            return (int)k;
    }
    return -1;
}

/* ----------------------------------------------------------------------------
 * 3. The three networks
 *
 * All three are plain MLPs with ReLU hidden layers (common/mlp.h), sized as
 * in the source:
 *
 *     E: 784 -> 500 -> 300 -> 2     linear output: a code can be anywhere
 *     G: 2 -> 300 -> 500 -> 784     linear output = LOGITS; the image is
 *                                   sigmoid(logits), pixels in (0, 1)
 *     D: d -> 100 -> 100 -> 1       linear output = logit of "real"
 *
 * d is 2 (the code) without labels, and 2 + 7 with labels (section 6).
 * D ends in a logit, not a sigmoid as in the source, so that its loss can be
 * computed in the stable form of loss_bce_logits (chapter 05): the same
 * mathematics, no log(0).
 *
 * Each step has its own Adam (betas 0.9 and 0.999, the Keras defaults the
 * source uses), just as each compiled Keras model has its own optimiser: one
 * for E and G in the reconstruction step, one for D, and a SEPARATE one for
 * E in the regularisation step. So the encoder's weights are moved by two
 * Adams with two sets of moment estimates. That matters: Adam divides every
 * step by the running size of ITS gradient, so the reconstruction pull and
 * the adversarial pull on E each move it by about their learning rate per
 * step, however different the sizes of the two losses are. The learning
 * rates, not the loss sizes, set the balance between the two pulls; section
 * 7a uses that (5e-4 for D and the adversarial step, as in the source, but
 * 1e-4 for reconstruction).
 * ------------------------------------------------------------------------- */
#define CODE 2                     /* the latent dimension                  */
#define ONEHOT 7                   /* 6 classes + 1 "no label" slot         */
#define NO_LABEL 6                 /* the index of the "no label" slot      */
#define ENC_H1 500                 /* the source's sizes                   */
#define ENC_H2 300
#define D_HIDDEN 100
#define EVAL_CHUNK 500             /* rows per forward pass when measuring  */

typedef enum { VARIANT_UNLABELLED, VARIANT_LABELS, VARIANT_SOURCE } variant_kind;
typedef enum { RECON_BCE, RECON_MSE } recon_kind;

static const char *variant_name(variant_kind v)
{
    return v == VARIANT_UNLABELLED ? "unlabelled" : v == VARIANT_LABELS ? "labels" : "source";
}

typedef struct aae_config {
    size_t x_dim, h1, h2, d_hidden;  /* 784, 500, 300, 100 (the tests check
                                        gradients on a small copy)         */
    variant_kind variant;
    recon_kind recon;
    size_t batch;
    double lr;
    double lr_rec;                 /* Adam's lr in step 1 (E and G)         */
    double beta1;                  /* Adam's beta1, all four optimisers     */
    long lr_drop_at;               /* from this iteration on, lr / 10 (0: never) */
    double noise;                  /* sd of Gaussian noise on E's training input */
    long shift;                    /* largest random shift (pixels) of it   */
    long d_steps;                  /* D updates per iteration               */
    double label_share;            /* labels: share of training digits whose
                                      label D may see (section 6)            */
} aae_config;

typedef struct aae {
    aae_config cfg;
    size_t d_in;                   /* D's input width: 2 or 2 + 7           */
    params *PE, *PG, *PD;
    mlp *E, *G, *D;
    optimizer *optE_rec, *optG, *optD, *optE_adv;
    /* work matrices, allocated once (batch rows unless noted) */
    gsl_matrix *X;                 /* (batch, 784) images of steps 1 and 2  */
    gsl_matrix *X2;                /* (batch, 784) images of step 3         */
    gsl_matrix *Xin;               /* (batch, 784) what E sees of X         */
    gsl_matrix *img;               /* (max(batch, EVAL_CHUNK), 784) sigmoid */
    gsl_matrix *dimg, *dlogits;    /* (batch, 784)                          */
    gsl_matrix *dcode;             /* (batch, 2)                            */
    gsl_matrix *real, *real2, *fake;  /* (batch, d_in) D's inputs           */
    gsl_matrix *dlogit;            /* (batch, 1)                            */
    gsl_matrix *dDin;              /* (batch, d_in) dLoss/d(D's input)      */
    size_t *idx;                   /* (batch) which training images         */
    unsigned char *slot;           /* (batch) one-hot slot per row          */
} aae;

static aae *aae_new(const aae_config *cfg, gsl_rng *r)
{
    aae *A = calloc(1, sizeof *A);
    if (!A)
        die("out of memory");
    A->cfg = *cfg;
    A->d_in = cfg->variant == VARIANT_UNLABELLED ? CODE : CODE + ONEHOT;
    const size_t B = cfg->batch, rows = B > EVAL_CHUNK ? B : EVAL_CHUNK;
    const size_t x = cfg->x_dim;
    const size_t we[] = {x, cfg->h1, cfg->h2, CODE};
    const size_t wg[] = {CODE, cfg->h2, cfg->h1, x};
    const size_t wd[] = {A->d_in, cfg->d_hidden, cfg->d_hidden, 1};
    A->PE = params_alloc(mlp_size(we, 4));
    A->PG = params_alloc(mlp_size(wg, 4));
    A->PD = params_alloc(mlp_size(wd, 4));
    A->E = mlp_new(A->PE, we, 4, ACT_RELU, ACT_IDENTITY, rows);
    A->G = mlp_new(A->PG, wg, 4, ACT_RELU, ACT_IDENTITY, rows);
    A->D = mlp_new(A->PD, wd, 4, ACT_RELU, ACT_IDENTITY, B);
    mlp_init_xavier(A->E, r);
    mlp_init_xavier(A->G, r);
    mlp_init_xavier(A->D, r);
    A->optE_rec = optim_adam(A->PE, cfg->lr_rec, cfg->beta1, 0.999);
    A->optG = optim_adam(A->PG, cfg->lr_rec, cfg->beta1, 0.999);
    A->optD = optim_adam(A->PD, cfg->lr, cfg->beta1, 0.999);
    A->optE_adv = optim_adam(A->PE, cfg->lr, cfg->beta1, 0.999);
    A->X = gsl_matrix_calloc(B, x);
    A->X2 = gsl_matrix_calloc(B, x);
    A->Xin = gsl_matrix_calloc(B, x);
    A->img = gsl_matrix_calloc(rows, x);
    A->dimg = gsl_matrix_calloc(B, x);
    A->dlogits = gsl_matrix_calloc(B, x);
    A->dcode = gsl_matrix_calloc(B, CODE);
    A->real = gsl_matrix_calloc(B, A->d_in);
    A->real2 = gsl_matrix_calloc(B, A->d_in);
    A->fake = gsl_matrix_calloc(B, A->d_in);
    A->dlogit = gsl_matrix_calloc(B, 1);
    A->dDin = gsl_matrix_calloc(B, A->d_in);
    A->idx = calloc(B, sizeof *A->idx);
    A->slot = calloc(B, 1);
    if (!A->idx || !A->slot)
        die("out of memory");
    return A;
}

static void aae_free(aae *A)
{
    mlp_free(A->E);
    mlp_free(A->G);
    mlp_free(A->D);
    params_free(A->PE);
    params_free(A->PG);
    params_free(A->PD);
    optim_free(A->optE_rec);
    optim_free(A->optG);
    optim_free(A->optD);
    optim_free(A->optE_adv);
    gsl_matrix *all[] = {A->X, A->X2, A->Xin, A->img, A->dimg, A->dlogits, A->dcode,
                         A->real, A->real2, A->fake, A->dlogit, A->dDin};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gsl_matrix_free(all[i]);
    free(A->idx);
    free(A->slot);
    free(A);
}

/* The decoder's images for the codes Z (n <= EVAL_CHUNK rows): sigmoid of
 * its logits, in the first n rows of A->img. */
static gsl_matrix_view decode(aae *A, const gsl_matrix *Z)
{
    gsl_matrix_view out = mat_rows(A->img, Z->size1);
    act_forward(ACT_SIGMOID, mlp_forward(A->G, Z), &out.matrix);
    return out;
}

/* ----------------------------------------------------------------------------
 * 4. Step 1: reconstruction, and why binary cross-entropy
 *
 * E and G together are an ordinary autoencoder. (While training, E sees a
 * noisy, shifted copy x~ of the image and G must rebuild the clean x: section
 * 7d. recon_loss takes both.) With l = G(E(x~)) the decoder's logits and
 * p = sigmoid(l) its image, we use the binary cross-entropy of every pixel,
 * averaged over the n * 784 entries:
 *
 *     L_rec = -1/(n 784) sum [ x log p + (1 - x) log(1 - p) ]
 *     dL_rec/dl = (p - x) / (n 784)                       (loss_bce_logits)
 *
 * Why BCE and not the source's mean squared error? MNIST pixels are nearly
 * binary (most are exactly 0, the strokes are close to 1), and a sigmoid
 * output says "this pixel is ink with probability p": BCE is the
 * log-likelihood of exactly that model. Its gradient with respect to the
 * logit is simply p - x. MSE through a sigmoid has the gradient
 *
 *     dL_mse/dl = 2 (p - x) p (1 - p) / (n 784)
 *
 * which fades to nothing when the sigmoid saturates, even on the WRONG side
 * (p near 0 where x = 1), so confidently wrong pixels learn slowly. The
 * source avoids that by giving its decoder a linear output trained by MSE,
 * which works but lets pixels leave [0, 1]. --recon mse trains our sigmoid
 * decoder with MSE instead (exercise 3); recon_mse, the metric, is the mean
 * squared pixel error on the test digits in both cases.
 *
 * Backward: G gets dL/dl, E gets dL/dz = what G's backward pass hands down.
 * Both parameter blocks take one Adam step each.
 * ------------------------------------------------------------------------- */
static double recon_loss(aae *A, const gsl_matrix *Xin, const gsl_matrix *X, int want_grad)
{
    const size_t n = X->size1;
    const gsl_matrix *z = mlp_forward(A->E, Xin);                   /* (n, 2)   */
    const gsl_matrix *l = mlp_forward(A->G, z);                     /* (n, 784) */
    gsl_matrix_view dl = mat_rows(A->dlogits, n), dz = mat_rows(A->dcode, n);
    double loss;
    if (A->cfg.recon == RECON_BCE) {
        loss = loss_bce_logits(l, X, 0.0, want_grad ? &dl.matrix : NULL);
    } else {
        gsl_matrix_view p = mat_rows(A->img, n), dp = mat_rows(A->dimg, n);
        act_forward(ACT_SIGMOID, l, &p.matrix);                     /* p = sigmoid(l) */
        loss = loss_mse(&p.matrix, X, want_grad ? &dp.matrix : NULL);
        if (want_grad)                                              /* dl = dp p (1 - p) */
            act_backward(ACT_SIGMOID, l, &p.matrix, &dp.matrix, &dl.matrix);
    }
    if (want_grad) {
        params_zero_grad(A->PE);
        params_zero_grad(A->PG);
        mlp_backward(A->G, &dl.matrix, &dz.matrix);                 /* dz = dL/dz */
        mlp_backward(A->E, &dz.matrix, NULL);
    }
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. Steps 2 and 3: a GAN in the latent space
 *
 * Which side is "real"? The PRIOR's samples are real; the encoder's codes
 * are fake. The encoder plays the generator: it is the one that must learn
 * to produce samples (codes) that look as if they came from p(z). (Ports of
 * this model have swapped the two and then wondered why the codes never
 * move towards the prior; the labels below are the only correct choice.)
 *
 * Step 2, the discriminator (E fixed), with s = D's logit:
 *
 *     L_D = BCE(s(prior samples), 1) + BCE(s(codes), 0)
 *
 * Both terms backpropagate into D's gradient, then D takes one Adam step.
 * (The source calls train_on_batch twice, real then fake: two Adam steps per
 * iteration on one-sided batches. One step on both halves is the usual
 * form; we report the same sum of the two losses as the source's D_loss.)
 * The source sets encoder.trainable = False before compiling D "so that the
 * encoder is not affected". That line is harmless but does nothing: D is
 * trained on the NUMBERS encoder.predict returned, so no gradient could
 * reach the encoder anyway.
 *
 * Step 3, the encoder fools D (D fixed), on a fresh batch:
 *
 *     L_adv = BCE(s(E(x)), 1) = -mean log sigmoid(s)
 *     dL_adv/ds = (sigmoid(s) - 1) / n
 *
 * This is the non-saturating generator loss of chapter 05: "make D call my
 * codes real", rather than "minimise D's success" (whose gradient vanishes
 * exactly when D wins clearly, early on). The gradient flows THROUGH D to
 * its input, mlp_backward_input, which leaves D's parameter gradients
 * untouched; its first two columns are dL/dz, and E's backward pass takes it
 * from there. D's optimiser is not called: that is all "frozen" means.
 * ------------------------------------------------------------------------- */

/* Row i of a D input: the code (x, y), then (with labels) the one-hot of slot. */
static void set_din(gsl_matrix *Din, size_t i, double x, double y, unsigned slot)
{
    gsl_matrix_set(Din, i, 0, x);
    gsl_matrix_set(Din, i, 1, y);
    for (size_t j = CODE; j < Din->size2; j++)
        gsl_matrix_set(Din, i, j, j - CODE == slot ? 1.0 : 0.0);
}

/* L_D for the given real rows (one or two batches) and fake rows. */
static double disc_loss(aae *A, const gsl_matrix *real, const gsl_matrix *real2,
                        const gsl_matrix *fake, int want_grad)
{
    const size_t n = fake->size1;
    gsl_matrix_view ds = mat_rows(A->dlogit, n);
    gsl_matrix *dsp = want_grad ? &ds.matrix : NULL;
    if (want_grad)
        params_zero_grad(A->PD);
    double loss = loss_bce_logits(mlp_forward(A->D, real), NULL, 1.0, dsp);   /* real: 1 */
    if (want_grad)
        mlp_backward(A->D, dsp, NULL);
    if (real2) {
        loss += loss_bce_logits(mlp_forward(A->D, real2), NULL, 1.0, dsp);
        if (want_grad)
            mlp_backward(A->D, dsp, NULL);
    }
    loss += loss_bce_logits(mlp_forward(A->D, fake), NULL, 0.0, dsp);        /* fake: 0 */
    if (want_grad)
        mlp_backward(A->D, dsp, NULL);
    return loss;
}

/* L_adv for the images X whose codes go to D with the one-hot slots slot[i]. */
static double adv_loss(aae *A, const gsl_matrix *X, const unsigned char *slot, int want_grad)
{
    const size_t n = X->size1;
    const gsl_matrix *z = mlp_forward(A->E, X);                     /* (n, 2)    */
    gsl_matrix_view din = mat_rows(A->fake, n), ds = mat_rows(A->dlogit, n);
    for (size_t i = 0; i < n; i++)
        set_din(&din.matrix, i, gsl_matrix_get(z, i, 0), gsl_matrix_get(z, i, 1), slot[i]);
    const double loss = loss_bce_logits(mlp_forward(A->D, &din.matrix), NULL, 1.0,
                                        want_grad ? &ds.matrix : NULL);
    if (want_grad) {
        gsl_matrix_view dD = mat_rows(A->dDin, n), dz = mat_rows(A->dcode, n);
        mlp_backward_input(A->D, &ds.matrix, &dD.matrix);           /* D frozen  */
        gsl_matrix_view dcols = gsl_matrix_submatrix(&dD.matrix, 0, 0, n, CODE);
        gsl_matrix_memcpy(&dz.matrix, &dcols.matrix);               /* dL/dz     */
        params_zero_grad(A->PE);
        mlp_backward(A->E, &dz.matrix, NULL);
    }
    return loss;
}

/* ----------------------------------------------------------------------------
 * 6. Labels: what D is told, and why the source's version cannot work
 *
 * With labels, D sees the code together with a one-hot vector of 7 slots:
 * the six classes and one "no label" slot. The idea (Makhzani et al., 2015,
 * section 5) is that D judges a code GIVEN a class: prior samples of
 * component k arrive with one-hot(k), codes of digits k arrive with
 * one-hot(k) too. D can then learn "with label k, real codes are in petal
 * k", and the only way for E to fool it on a digit k is to put that digit's
 * code into petal k. That is how the label reaches the encoder: through D's
 * verdict on (code, label) PAIRS.
 *
 *     real row i:  [ prior sample of component k_i ,  one-hot(k_i) ]
 *     fake row i:  [ E(x_i)                         ,  one-hot(k_i) ]   k_i = label of x_i
 *
 * We pair row for row: the real row i is drawn from the component of the
 * fake row i's label, so both halves carry the same labels and D cannot
 * tell them apart by the label alone. The "no label" slot is for digits
 * whose label we do not know (semi-supervised training, --label-share < 1):
 * such a digit goes to D with the slot 6, and its real partner is a prior
 * sample from a RANDOM component, also with slot 6. For those, D judges the
 * whole mixture, as in the unlabelled model.
 *
 * What the source does instead (--variant source reproduces it):
 *
 *     real:  [ prior sample of k , one-hot(k) ]       (a first real batch)
 *     real:  [ prior sample of k , one-hot(6) ]       (a second real batch)
 *     fake:  [ E(x)              , one-hot(6) ]       every code, "no label"
 *     E:     fools D with         one-hot(6)          every code, "no label"
 *
 * Every code D ever judges, and every code E is trained on, carries the
 * "no label" slot: the digit's label is never used at all (train_labels
 * appears only in the plotting function). D does learn the petals-with-
 * labels pairs, but it never sees a FAKE with a class label, so it can
 * simply answer "real" to anything with a class slot; what it must
 * discriminate is slot 6, the whole mixture against all codes: exactly the
 * unlabelled model. The source's labelled model is the unlabelled model with
 * an extra batch of real samples. Its cluster_purity (share of digits k in
 * petal k) is whatever the random assignment of digits to petals gives, like
 * the unlabelled model's; we measure it in the README.
 * ------------------------------------------------------------------------- */

/* The slots of the rows of a batch: the labels D may see. */
static void batch_slots(const aae *A, const unsigned char *labels, const unsigned char *known,
                        const size_t *idx, size_t n, unsigned char *slot)
{
    for (size_t i = 0; i < n; i++) {
        if (A->cfg.variant == VARIANT_LABELS && known[idx[i]])
            slot[i] = labels[idx[i]];                               /* its own label */
        else
            slot[i] = NO_LABEL;                                     /* source: always */
    }
}

/* ----------------------------------------------------------------------------
 * 7. One training iteration, and four changes to the source's recipe
 *
 * As in the source, each iteration draws its batches at random (with
 * replacement) from the training digits:
 *
 *     batch x (n digits)     step 1 on x; then step 2 with E(x) as fakes
 *     batch x' (n digits)    step 3 on x'
 *
 * Trained exactly as the source trains it (lr 5e-4 everywhere, constant,
 * one D update per iteration, clean inputs), our labelled model puts only
 * about 70 % of the TEST digits into the 3-sigma box of their component
 * after 4000 iterations (seed 1: 0.72, while 0.93 of the TRAINING digits
 * land there), and the unlabelled one about 20 %. The codes hover near the
 * petals but keep jittering around them, and they are wider across than the
 * prior's thin 0.05. Four changes, each a flag, fix that; the README shows
 * what removing each one costs:
 *
 *  a. A slower reconstruction step: --lr-rec 1e-4 for E and G in step 1,
 *     while D and the encoder's adversarial step keep the source's 5e-4.
 *     Reconstruction wants the codes of different digits far apart, in both
 *     directions; the prior wants them on thin lines. Each step has its own
 *     Adam, so each pulls E by about its learning rate per iteration
 *     (section 3): the ratio of the two rates sets who wins. Makhzani et al.
 *     themselves ran the regularisation phase at 10 times the reconstruction
 *     phase's learning rate. The price: slightly blurrier reconstructions
 *     (recon_mse about 0.051 instead of 0.045).
 *
 *  b. A learning-rate drop: from iteration --lr-drop-at (3000 of 4000) on,
 *     every rate is divided by 10, as in the paper's schedule. A GAN's two
 *     players never stop pushing each other around; with large steps the
 *     codes circle the petals instead of settling in them.
 *
 *  c. Several D updates per iteration: --d-steps 5, each on fresh prior
 *     samples against the same codes (D is tiny: 5 updates cost about 10 %
 *     of an iteration). A D that lags behind gives the encoder a blurred
 *     picture of the thin petals; without it, our unlabelled model can even
 *     collapse (seed 2: prior_match 0.06 instead of 0.97).
 *
 *  d. A noisy, shifted input: while training, the encoder sees each image
 *     shifted by up to --shift 1 pixel and with N(0, 0.3^2) noise added to
 *     each pixel (--noise), and the decoder must still rebuild the CLEAN
 *     image (chapter 03's denoising idea). With 5 000 training digits and
 *     a 2-D code, the encoder otherwise learns the training digits by heart:
 *     without it, 0.999 of the training digits but only 0.81 of the test
 *     digits land in their box (seed 2, --noise 0 --shift 0 --d-steps 1).
 *     We measure on test digits, which is what a generative model is for.
 *
 * All randomness comes from one generator r, in a fixed order, and nothing
 * else is needed to continue a run: that is why a checkpoint (weights, the
 * four optimisers' moments and step counts, r's state, the step) resumes
 * training exactly, bit for bit (tests/test_11_aae.c checks it).
 * ------------------------------------------------------------------------- */
typedef struct step_losses {
    double rec, d, adv;
} step_losses;

typedef struct train_data {
    const image_set *set;
    const unsigned char *known;    /* (set->n) 1 = the label may be shown    */
} train_data;

/* What the encoder sees of the clean images X while training: each image
 * shifted by up to cfg.shift pixels (28 x 28 only), plus N(0, noise^2) noise. */
static void corrupt(const aae *A, gsl_rng *r, const gsl_matrix *X, gsl_matrix *out)
{
    const int s = A->cfg.x_dim == IMG ? (int)A->cfg.shift : 0;
    for (size_t i = 0; i < X->size1; i++) {
        const int dx = s ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * s + 1)) - s : 0;
        const int dy = s ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * s + 1)) - s : 0;
        for (size_t p = 0; p < X->size2; p++) {
            const int y = s ? (int)p / 28 - dy : 0, x = s ? (int)p % 28 - dx : 0;
            double v = !s ? gsl_matrix_get(X, i, p)
                     : (x >= 0 && x < 28 && y >= 0 && y < 28) ? gsl_matrix_get(X, i, (size_t)(y * 28 + x)) : 0.0;
            if (A->cfg.noise > 0)
                v += gsl_ran_gaussian_ziggurat(r, A->cfg.noise);
            gsl_matrix_set(out, i, p, v);
        }
    }
}

static void aae_step(aae *A, const train_data *T, gsl_rng *r, long step, step_losses *out)
{
    const size_t n = A->cfg.batch, N = T->set->n;
    const unsigned char *labels = T->set->labels;
    const int dropped = A->cfg.lr_drop_at > 0 && step >= A->cfg.lr_drop_at;
    const double f = dropped ? 0.1 : 1.0;
    A->optE_rec->lr = A->optG->lr = f * A->cfg.lr_rec;
    A->optD->lr = A->optE_adv->lr = f * A->cfg.lr;

    /* step 1: reconstruction on a random batch x */
    for (size_t i = 0; i < n; i++)
        A->idx[i] = gsl_rng_uniform_int(r, N);
    mat_gather_rows(A->X, T->set->images, A->idx, n);
    corrupt(A, r, A->X, A->Xin);
    out->rec = recon_loss(A, A->Xin, A->X, 1);
    check_finite(out->rec, "reconstruction loss", step);
    optim_step(A->optE_rec);
    optim_step(A->optG);

    /* step 2: D on prior samples (real) against the codes of x (fake);
     * d_steps updates, each with fresh prior samples, on the same codes */
    batch_slots(A, labels, T->known, A->idx, n, A->slot);
    const gsl_matrix *z = mlp_forward(A->E, A->Xin);
    for (size_t i = 0; i < n; i++)
        set_din(A->fake, i, gsl_matrix_get(z, i, 0), gsl_matrix_get(z, i, 1), A->slot[i]);
    for (long t = 0; t < A->cfg.d_steps; t++) {
        for (size_t i = 0; i < n; i++) {
            double px, py;
            const unsigned s = A->slot[i];              /* k_i, or 6: no label    */
            const size_t k = s < N_CLASSES ? s : gsl_rng_uniform_int(r, N_CLASSES);
            prior_sample(r, k, &px, &py);
            if (A->cfg.variant != VARIANT_SOURCE) {
                set_din(A->real, i, px, py, s);         /* (unlabelled: no one-hot) */
            } else {                                    /* the source's two reals */
                set_din(A->real, i, px, py, (unsigned)k);
                prior_sample(r, gsl_rng_uniform_int(r, N_CLASSES), &px, &py);
                set_din(A->real2, i, px, py, NO_LABEL);
            }
        }
        out->d = disc_loss(A, A->real, A->cfg.variant == VARIANT_SOURCE ? A->real2 : NULL, A->fake, 1);
        check_finite(out->d, "discriminator loss", step);
        optim_step(A->optD);
    }

    /* step 3: E fools the frozen D, on a fresh batch x' */
    for (size_t i = 0; i < n; i++)
        A->idx[i] = gsl_rng_uniform_int(r, N);
    mat_gather_rows(A->X, T->set->images, A->idx, n);
    corrupt(A, r, A->X, A->X2);
    batch_slots(A, labels, T->known, A->idx, n, A->slot);
    out->adv = adv_loss(A, A->X2, A->slot, 1);
    check_finite(out->adv, "adversarial loss", step);
    optim_step(A->optE_adv);
}

/* ----------------------------------------------------------------------------
 * 8. Measuring: does the code distribution match the prior?
 *
 * On the test digits x with labels y, with z = E(x):
 *
 *     recon_mse        mean over pixels of (sigmoid(G(z)) - x)^2
 *     prior_match      share of test codes inside SOME component's 3-sigma
 *                      box (section 2); codes of a perfect AAE land there
 *                      99.5 % of the time, codes between the petals or
 *                      outside the circle do not count
 *     cluster_purity   share of test digits of class k whose code is in
 *                      the box of component k: the labelled model's promise
 *     cluster_purity_any_order
 *                      the same, for the best one-to-one assignment of
 *                      classes to components (of the 6! = 720): how well the
 *                      UNLABELLED model separates the classes, whichever
 *                      petal it chose for each
 *     components_used  how many components hold at least half their fair
 *                      share (1/12) of the test codes. prior_match alone
 *                      cannot see a petal left EMPTY: codes crowded into
 *                      four petals are all "inside some box". A prior is
 *                      only matched when all six are used.
 * ------------------------------------------------------------------------- */
typedef struct scores {
    double recon_mse, prior_match, purity, purity_any;
    int components_used;                      /* holding >= 1/12 of the codes */
    size_t count[N_CLASSES][N_CLASSES + 1];   /* [class][component, or 6 = none] */
} scores;

/* Best sum over one-to-one assignments of the rows of count to columns. */
static size_t best_assignment(const size_t count[N_CLASSES][N_CLASSES + 1], size_t row,
                              unsigned used)
{
    if (row == N_CLASSES)
        return 0;
    size_t best = 0;
    for (size_t k = 0; k < N_CLASSES; k++)
        if (!(used & (1u << k))) {
            const size_t s = count[row][k] + best_assignment(count, row + 1, used | (1u << k));
            best = s > best ? s : best;
        }
    return best;
}

/* Encode (and decode) every image of S; codes into Z (S->n, 2) if not NULL. */
static void evaluate(aae *A, const image_set *S, gsl_matrix *Z, scores *sc)
{
    memset(sc, 0, sizeof *sc);
    double sq = 0.0;
    for (size_t off = 0; off < S->n; off += EVAL_CHUNK) {
        const size_t m = S->n - off < EVAL_CHUNK ? S->n - off : EVAL_CHUNK;
        gsl_matrix_const_view x = gsl_matrix_const_submatrix(S->images, off, 0, m, S->images->size2);
        const gsl_matrix *z = mlp_forward(A->E, &x.matrix);
        for (size_t i = 0; i < m; i++) {
            const double zx = gsl_matrix_get(z, i, 0), zy = gsl_matrix_get(z, i, 1);
            const int k = component_of(zx, zy);
            sc->count[S->labels[off + i]][k < 0 ? N_CLASSES : (size_t)k]++;
            if (Z) {
                gsl_matrix_set(Z, off + i, 0, zx);
                gsl_matrix_set(Z, off + i, 1, zy);
            }
        }
        gsl_matrix_view p = decode(A, z);
        sq += mat_mse(&p.matrix, &x.matrix) * (double)(m * S->images->size2);
    }
    size_t inside = 0, pure = 0;
    for (size_t c = 0; c < N_CLASSES; c++) {
        pure += sc->count[c][c];
        for (size_t k = 0; k < N_CLASSES; k++)
            inside += sc->count[c][k];
    }
    const double n = (double)S->n;
    sc->recon_mse = sq / (n * (double)S->images->size2);
    sc->prior_match = (double)inside / n;
    sc->purity = (double)pure / n;
    sc->purity_any = (double)best_assignment(sc->count, 0, 0) / n;
    for (size_t k = 0; k < N_CLASSES; k++) {
        size_t in_k = 0;
        for (size_t c = 0; c < N_CLASSES; c++)
            in_k += sc->count[c][k];
        sc->components_used += (double)in_k >= n / (2.0 * N_CLASSES);
    }
}

/* ----------------------------------------------------------------------------
 * 9. A run: one or more models trained side by side
 *
 * The default run trains the unlabelled and the labelled model in the same
 * loop, one iteration of each per step, drawing from the same generator. A
 * checkpoint then holds every model of the run plus that one generator, and
 * --resume continues all of them exactly. Along the way we keep:
 *
 *   - the three losses of every step (for the loss curves),
 *   - the test metrics at EVALS evenly spaced steps (for their curves),
 *   - the test codes at 4 snapshot steps (for the code-space figure).
 * ------------------------------------------------------------------------- */
#define MAX_MODELS 3
#define N_SNAP 4
#define EVALS 20

static const double SNAP_AT[N_SNAP] = {0.02, 0.1, 0.3, 1.0};   /* of the steps */

typedef struct model_record {
    aae *A;
    gsl_matrix *loss;              /* (steps - from, 4) step, rec, d, adv   */
    gsl_matrix *evals;             /* (EVALS + 2, 5) step, mse, match, purity, any */
    size_t n_loss, n_evals;
    gsl_matrix *snap[N_SNAP];      /* (n_test, 2) codes                     */
    long snap_step[N_SNAP];
    int snap_taken[N_SNAP];
    scores final;
} model_record;

typedef struct run {
    size_t n_models;
    model_record m[MAX_MODELS];
    long step;                     /* iterations done (of every model)      */
    long steps;                    /* the target                            */
    const image_set *test;
} run;

static void run_init(run *R, const aae_config *cfgs, size_t n_models, long steps,
                     const image_set *test, gsl_rng *r)
{
    memset(R, 0, sizeof *R);
    R->n_models = n_models;
    R->steps = steps;
    R->test = test;
    for (size_t i = 0; i < n_models; i++) {
        model_record *M = &R->m[i];
        M->A = aae_new(&cfgs[i], r);
        M->loss = gsl_matrix_calloc((size_t)steps, 4);
        M->evals = gsl_matrix_calloc(EVALS + 2, 5);
        for (int k = 0; k < N_SNAP; k++) {
            M->snap[k] = gsl_matrix_calloc(test->n, CODE);
            M->snap_step[k] = (long)ceil(SNAP_AT[k] * (double)steps);
        }
    }
}

static void run_free(run *R)
{
    for (size_t i = 0; i < R->n_models; i++) {
        model_record *M = &R->m[i];
        aae_free(M->A);
        gsl_matrix_free(M->loss);
        gsl_matrix_free(M->evals);
        for (int k = 0; k < N_SNAP; k++)
            gsl_matrix_free(M->snap[k]);
    }
}

/* What a checkpoint of this run holds. Block names carry the variant, so a
 * checkpoint of the labelled model does not load into an unlabelled one. */
static void run_checkpoint(run *R, checkpoint *ck)
{
    memset(ck, 0, sizeof *ck);
    char name[CHECKPOINT_NAME_LEN];
    for (size_t i = 0; i < R->n_models; i++) {
        aae *A = R->m[i].A;
        const char *v = variant_name(A->cfg.variant);
        snprintf(name, sizeof name, "%s.E", v);        checkpoint_add_params(ck, name, A->PE);
        snprintf(name, sizeof name, "%s.G", v);        checkpoint_add_params(ck, name, A->PG);
        snprintf(name, sizeof name, "%s.D", v);        checkpoint_add_params(ck, name, A->PD);
        snprintf(name, sizeof name, "%s.E.adam_rec", v); checkpoint_add_optimizer(ck, name, A->optE_rec);
        snprintf(name, sizeof name, "%s.G.adam", v);   checkpoint_add_optimizer(ck, name, A->optG);
        snprintf(name, sizeof name, "%s.D.adam", v);   checkpoint_add_optimizer(ck, name, A->optD);
        snprintf(name, sizeof name, "%s.E.adam_adv", v); checkpoint_add_optimizer(ck, name, A->optE_adv);
    }
    checkpoint_add_long(ck, "step", &R->step);
}

static void record_eval(run *R, model_record *M)
{
    scores sc;
    evaluate(M->A, R->test, NULL, &sc);
    if (M->n_evals < M->evals->size1) {
        const double row[5] = {(double)R->step, sc.recon_mse, sc.prior_match, sc.purity, sc.purity_any};
        for (size_t j = 0; j < 5; j++)
            gsl_matrix_set(M->evals, M->n_evals, j, row[j]);
        M->n_evals++;
    }
}

/* Train every model of R from R->step up to to_step. `log` gets a line now
 * and then (NULL: silent, as in the tests). Measuring uses no randomness, so
 * it never changes what training does. */
static void train(run *R, const train_data *T, gsl_rng *r, long to_step, int quiet, FILE *log)
{
    const long from = R->step, every_eval = (to_step + EVALS - 1) / EVALS;
    const long every_log = 2 * every_eval;                  /* about 10 lines */
    progress prog;
    progress_start(&prog, to_step - from, quiet);
    if (from == 0)
        for (size_t i = 0; i < R->n_models; i++)
            record_eval(R, &R->m[i]);
    while (R->step < to_step) {
        step_losses s[MAX_MODELS];
        for (size_t i = 0; i < R->n_models; i++) {
            model_record *M = &R->m[i];
            aae_step(M->A, T, r, R->step, &s[i]);
            if (M->n_loss < M->loss->size1) {
                const double row[4] = {(double)(R->step + 1), s[i].rec, s[i].d, s[i].adv};
                for (size_t j = 0; j < 4; j++)
                    gsl_matrix_set(M->loss, M->n_loss, j, row[j]);
                M->n_loss++;
            }
        }
        R->step++;
        for (size_t i = 0; i < R->n_models; i++) {
            model_record *M = &R->m[i];
            if (R->step % every_eval == 0 || R->step == to_step)
                record_eval(R, M);
            for (int k = 0; k < N_SNAP; k++)
                if (R->step == M->snap_step[k]) {
                    scores sc;
                    evaluate(M->A, R->test, M->snap[k], &sc);
                    M->snap_taken[k] = 1;
                }
            if (log && (R->step % every_log == 0 || R->step == to_step)) {
                const gsl_matrix *e = M->evals;
                const size_t last = M->n_evals - 1;
                fprintf(log, "step %6ld  %-10s  recon %.4f  D %.3f  adv %.3f  prior_match %.3f  purity %.3f\n",
                        R->step, variant_name(M->A->cfg.variant), s[i].rec, s[i].d, s[i].adv,
                        gsl_matrix_get(e, last, 2), gsl_matrix_get(e, last, 3));
            }
        }
        progress_report(&prog, R->step - from, "recon %.4f  D %.3f  adv %.3f", s[0].rec, s[0].d, s[0].adv);
    }
    progress_end(&prog);
}

/* ----------------------------------------------------------------------------
 * 10. Generating: decode prior samples
 *
 * This is what the whole construction was for. Draw z from the prior, decode
 * it. For the figures we arrange the samples by component: row k of a grid
 * decodes samples of component k, so for the labelled model row k should be
 * made of digits k, and for the unlabelled model each row should at least be
 * ONE kind of digit. The judge (chapter 08's digit classifier) checks both
 * claims on 100 samples per component:
 *
 *     sample_class_accuracy   share of the samples of component k judged k
 *     component_consistency   per component, the share of its samples in
 *                             its most frequent judged class, averaged
 *     judge_confidence        the judge's mean top probability
 * ------------------------------------------------------------------------- */
#define SAMPLES_PER_COMP 100
#define GRID_COLS 12               /* samples per component in the figure  */

/* The figures' prior samples come from fixed generators of their own, not
 * from the run's: the prior figure and --generate from --seed +
 * SESSION_SAMPLE_SEED (session.h), the samples figure from --seed +
 * SAMPLES_FIGURE_SEED. So they do not depend on how long a run trained. */
#define SAMPLES_FIGURE_SEED 2000003UL

/* Prior samples first, first + 1, ... into the rows of Z (n, 2); sample j
 * is from component j % 6, and comp[i] says which (so a long run of samples
 * can be drawn a chunk at a time: the same numbers as all at once). */
static void prior_batch(gsl_rng *r, size_t first, gsl_matrix *Z, unsigned char *comp)
{
    for (size_t i = 0; i < Z->size1; i++) {
        const size_t k = (first + i) % N_CLASSES;
        double x, y;
        prior_sample(r, k, &x, &y);
        gsl_matrix_set(Z, i, 0, x);
        gsl_matrix_set(Z, i, 1, y);
        if (comp)
            comp[i] = (unsigned char)k;
    }
}

/* Decode the codes Z (n, 2) into images (n, 784), EVAL_CHUNK rows at a time. */
static void decode_all(aae *A, const gsl_matrix *Z, gsl_matrix *images)
{
    for (size_t off = 0; off < Z->size1; off += EVAL_CHUNK) {
        const size_t m = Z->size1 - off < EVAL_CHUNK ? Z->size1 - off : EVAL_CHUNK;
        gsl_matrix_const_view z = gsl_matrix_const_submatrix(Z, off, 0, m, CODE);
        gsl_matrix_view out = gsl_matrix_submatrix(images, off, 0, m, images->size2);
        gsl_matrix_view p = decode(A, &z.matrix);
        gsl_matrix_memcpy(&out.matrix, &p.matrix);
    }
}

typedef struct judged {
    double class_accuracy, consistency, confidence;
} judged;

/* The judge's verdicts, counted as the samples come (a chunk at a time). */
typedef struct judge_tally {
    size_t hist[N_CLASSES][10];    /* [component][judged class]            */
    size_t right, n;
    double confidence;             /* sum of the top probabilities         */
} judge_tally;

/* Judge images (n, 784), image i decoded from a sample of component comp[i]. */
static void judge_count(judge *J, const gsl_matrix *images, const unsigned char *comp,
                        judge_tally *t)
{
    const size_t n = images->size1;
    unsigned char *cls = malloc(n);
    double *conf = malloc(n * sizeof *conf);
    if (!cls || !conf)
        die("out of memory");
    judge_classify(J, images, cls, conf);
    for (size_t i = 0; i < n; i++) {
        t->hist[comp[i]][cls[i]]++;
        t->right += cls[i] == comp[i];
        t->confidence += conf[i];
    }
    t->n += n;
    free(cls);
    free(conf);
}

static judged judge_verdict(const judge_tally *t)
{
    double cons = 0.0;
    for (size_t k = 0; k < N_CLASSES; k++) {
        size_t top = 0, tot = 0;
        for (size_t d = 0; d < 10; d++) {
            top = t->hist[k][d] > top ? t->hist[k][d] : top;
            tot += t->hist[k][d];
        }
        cons += tot ? (double)top / (double)tot / N_CLASSES : 0.0;
    }
    return (judged){(double)t->right / (double)t->n, cons, t->confidence / (double)t->n};
}

/* ----------------------------------------------------------------------------
 * 11. Figures
 *
 *   prior            2000 prior samples, coloured by component, with the
 *                    3-sigma boxes that the metrics count
 *   codes_V          the test digits' codes at 4 points of training,
 *                    coloured by class, over the same boxes
 *   manifold_V       the decoder over the code plane: the image decoded at
 *                    each point of a 20 x 20 grid on [-2.4, 2.4]^2
 *   samples_V        decoded prior samples, row k from component k
 *   losses_V         the three losses, and the test metrics while training
 *   generated_V      (--load F --generate K) the first 60 of K decoded
 *                    prior samples, column k from component k (all K:
 *                    the data file generated_V_pixels.dat)
 *
 * V is the model: unlabelled, labels or source. The scripts are the .gp files
 * in chapters/11-aae/figures/ (one per figure and model); the program writes
 * the data files and gives the scripts the numbers of this run (values.gp).
 * ------------------------------------------------------------------------- */
#define PLANE 2.4                  /* the manifold grid's half-width        */
#define PLANE_N 20

static void write_boxes(const char *dir)
{
    FILE *f = out_open(dir, "prior_boxes.dat");
    fprintf(f, "# x y: outline of each component's 3-sigma box, one block per component\n");
    const double a[5] = {-1, 1, 1, -1, -1}, c[5] = {-1, -1, 1, 1, -1};
    for (size_t k = 0; k < N_CLASSES; k++) {
        const double t = component_angle(k);
        for (int j = 0; j < 5; j++) {
            const double u = PRIOR_SHIFT + a[j] * PRIOR_BOX * PRIOR_SD_ALONG;
            const double v = c[j] * PRIOR_BOX * PRIOR_SD_ACROSS;
            fprintf(f, "%.6f %.6f\n", u * cos(t) - v * sin(t), u * sin(t) + v * cos(t));
        }
        fprintf(f, "\n");
    }
    out_close(f, "prior_boxes.dat");
}

/* The prior's own samples, from a fixed generator seeded with `seed`. */
static void figure_prior(const char *dir, unsigned long seed)
{
    enum { N = 2000 };
    gsl_matrix *Z = gsl_matrix_alloc(N, CODE);
    unsigned char comp[N];
    gsl_rng *fixed = rng_new(seed);
    prior_batch(fixed, 0, Z, comp);
    gsl_rng_free(fixed);
    FILE *f = out_open(dir, "prior.dat");
    fprintf(f, "# x y component: samples of the prior\n");
    for (size_t i = 0; i < N; i++)
        fprintf(f, "%.6f %.6f %d\n", gsl_matrix_get(Z, i, 0), gsl_matrix_get(Z, i, 1), comp[i]);
    out_close(f, "prior.dat");
    gsl_matrix_free(Z);
    write_boxes(dir);
    fig_value("n_classes", N_CLASSES);
    fig_use("prior");
}

static void figure_codes(const char *dir, const model_record *M, const image_set *test,
                         const char *const *names)
{
    const char *v = variant_name(M->A->cfg.variant);
    char file[64], name[64], key[96];
    snprintf(file, sizeof file, "codes_%s.dat", v);
    snprintf(name, sizeof name, "codes_%s", v);
    FILE *f = out_open(dir, file);
    fprintf(f, "# x y class: codes of the test images, one block per snapshot (gnuplot index)\n");
    int taken = 0;
    for (int k = 0; k < N_SNAP; k++) {
        if (!M->snap_taken[k])
            continue;
        fprintf(f, "# step %ld\n", M->snap_step[k]);
        for (size_t i = 0; i < test->n; i++)
            fprintf(f, "%.5f %.5f %d\n", gsl_matrix_get(M->snap[k], i, 0),
                    gsl_matrix_get(M->snap[k], i, 1), test->labels[i]);
        fprintf(f, "\n\n");
        taken++;
        snprintf(key, sizeof key, "%s_step_%d", name, taken);   /* the panel's title */
        fig_value(key, (double)M->snap_step[k]);
    }
    out_close(f, file);
    snprintf(key, sizeof key, "%s_n_snaps", name);
    fig_value(key, taken);
    for (size_t c = 0; c < N_CLASSES; c++) {                    /* the legend */
        snprintf(key, sizeof key, "class_name_%zu", c);
        fig_text(key, "%s", names[c]);
    }
    fig_use(name);
}

static void figure_manifold(const char *dir, aae *A)
{
    gsl_matrix *Z = gsl_matrix_alloc(PLANE_N * PLANE_N, CODE);
    gsl_matrix *images = gsl_matrix_alloc(PLANE_N * PLANE_N, IMG);
    for (size_t i = 0; i < PLANE_N; i++)          /* row i: z_2 from +PLANE down */
        for (size_t j = 0; j < PLANE_N; j++) {    /* column j: z_1 from -PLANE   */
            gsl_matrix_set(Z, i * PLANE_N + j, 0, -PLANE + 2.0 * PLANE * (double)j / (PLANE_N - 1));
            gsl_matrix_set(Z, i * PLANE_N + j, 1, PLANE - 2.0 * PLANE * (double)i / (PLANE_N - 1));
        }
    decode_all(A, Z, images);
    char name[64];
    snprintf(name, sizeof name, "manifold_%s", variant_name(A->cfg.variant));
    fig_image_grid(dir, name, images, 28, 28, PLANE_N, PLANE_N);
    fig_value("manifold_half_width", PLANE);
    fig_use(name);
    gsl_matrix_free(Z);
    gsl_matrix_free(images);
}

/* Decoded prior samples: row k of the grid = component k. Returns the judge's
 * verdict on SAMPLES_PER_COMP samples per component if J is not NULL. */
static judged figure_samples(const char *dir, aae *A, gsl_rng *fixed, judge *J)
{
    const size_t n = SAMPLES_PER_COMP * N_CLASSES;
    gsl_matrix *Z = gsl_matrix_alloc(n, CODE), *images = gsl_matrix_alloc(n, IMG);
    gsl_matrix *grid = gsl_matrix_alloc(N_CLASSES * GRID_COLS, IMG);
    unsigned char *comp = malloc(n);
    if (!comp)
        die("out of memory");
    prior_batch(fixed, 0, Z, comp);
    decode_all(A, Z, images);
    for (size_t k = 0; k < N_CLASSES; k++)        /* sample j of component k is row j*6 + k */
        for (size_t j = 0; j < GRID_COLS; j++) {
            gsl_vector_view to = gsl_matrix_row(grid, k * GRID_COLS + j);
            gsl_vector_const_view from = gsl_matrix_const_row(images, j * N_CLASSES + k);
            gsl_vector_memcpy(&to.vector, &from.vector);
        }
    char name[64];
    snprintf(name, sizeof name, "samples_%s", variant_name(A->cfg.variant));
    fig_image_grid(dir, name, grid, 28, 28, N_CLASSES, GRID_COLS);
    fig_use(name);
    judged jd = {0, 0, 0};
    if (J) {
        judge_tally t = {{{0}}, 0, 0, 0.0};
        judge_count(J, images, comp, &t);
        jd = judge_verdict(&t);
    }
    gsl_matrix_free(Z);
    gsl_matrix_free(images);
    gsl_matrix_free(grid);
    free(comp);
    return jd;
}

static void figure_losses(const char *dir, const model_record *M)
{
    const char *v = variant_name(M->A->cfg.variant);
    enum { WINDOW = 50 };
    char file[64], efile[64], name[64];
    snprintf(file, sizeof file, "loss_%s.dat", v);
    FILE *f = out_open(dir, file);
    fprintf(f, "# step recon D adv, then trailing means over %d steps of the same three\n", WINDOW);
    double sum[3] = {0, 0, 0};
    for (size_t i = 0; i < M->n_loss; i++) {
        for (size_t j = 0; j < 3; j++) {
            sum[j] += gsl_matrix_get(M->loss, i, j + 1);
            if (i >= WINDOW)
                sum[j] -= gsl_matrix_get(M->loss, i - WINDOW, j + 1);
        }
        const double w = (double)(i + 1 < WINDOW ? i + 1 : WINDOW);
        fprintf(f, "%.0f %.6g %.6g %.6g %.6g %.6g %.6g\n", gsl_matrix_get(M->loss, i, 0),
                gsl_matrix_get(M->loss, i, 1), gsl_matrix_get(M->loss, i, 2),
                gsl_matrix_get(M->loss, i, 3), sum[0] / w, sum[1] / w, sum[2] / w);
    }
    out_close(f, file);
    snprintf(efile, sizeof efile, "eval_%s.dat", v);
    gsl_matrix_const_view ev = gsl_matrix_const_submatrix(M->evals, 0, 0, M->n_evals > 0 ? M->n_evals : 1, 5);
    out_write_matrix(dir, efile, "step  test_recon_mse  prior_match  cluster_purity  cluster_purity_any_order",
                     &ev.matrix);
    snprintf(name, sizeof name, "losses_%s", v);
    fig_value("loss_window", WINDOW);
    fig_text("recon_loss", "%s", M->A->cfg.recon == RECON_BCE ? "BCE" : "MSE");
    fig_use(name);
}

/* --generate K: K prior samples of every model (sample i from component
 * i % 6), decoded from the same z by every model. All K images go to
 * generated_V_pixels.dat, a chunk at a time: K may be 100 000, and 100 000
 * images held at once would be 600 MB of doubles. The grid, generated_V,
 * shows the first GENERATE_SHOWN of them, ten rows of the six components. */
#define GENERATE_SHOWN 60

static void generate(run *R, judge *J, session *S)
{
    const char *dir = S->cli.out;
    const long K = S->generate;
    const size_t n = (size_t)K, shown = n < GENERATE_SHOWN ? n : GENERATE_SHOWN;
    gsl_matrix *Z = gsl_matrix_alloc(EVAL_CHUNK, CODE), *grid = gsl_matrix_alloc(shown, IMG);
    unsigned char comp[EVAL_CHUNK];
    for (size_t i = 0; i < R->n_models; i++) {
        aae *A = R->m[i].A;
        const char *v = variant_name(A->cfg.variant);
        char name[64];
        snprintf(name, sizeof name, "generated_%s_pixels.dat", v);
        FILE *f = out_open(dir, name);
        fprintf(f, "# 784 pixels in [0, 1] per row; row i decodes a prior sample of component i %% 6\n");
        gsl_rng *fixed = rng_new(S->sample_seed);   /* every model decodes the same z */
        judge_tally t = {{{0}}, 0, 0, 0.0};
        for (size_t off = 0; off < n; off += EVAL_CHUNK) {
            const size_t rows = n - off < EVAL_CHUNK ? n - off : EVAL_CHUNK;
            gsl_matrix_view z = mat_rows(Z, rows);
            prior_batch(fixed, off, &z.matrix, comp);
            gsl_matrix_view img = decode(A, &z.matrix);                 /* (rows, 784) */
            for (size_t r = 0; r < rows; r++) {
                for (size_t p = 0; p < IMG; p++)
                    fprintf(f, p ? " %.4f" : "%.4f", gsl_matrix_get(&img.matrix, r, p));
                fputc('\n', f);
                if (off + r < shown) {
                    gsl_vector_view to = gsl_matrix_row(grid, off + r);
                    gsl_vector_view from = gsl_matrix_row(&img.matrix, r);
                    gsl_vector_memcpy(&to.vector, &from.vector);
                }
            }
            if (J)
                judge_count(J, &img.matrix, comp, &t);
        }
        gsl_rng_free(fixed);
        out_close(f, name);
        snprintf(name, sizeof name, "generated_%s", v);
        fig_image_grid(dir, name, grid, 28, 28, (shown + N_CLASSES - 1) / N_CLASSES, N_CLASSES);
        fig_value("generated_count", (double)K);
        fig_value("generated_shown", (double)shown);
        fig_use(name);
        printf("%s: wrote %ld samples (the grid: the first %zu, column k from component k)\n", v, K, shown);
        if (J) {
            judged jd = judge_verdict(&t);
            printf("%s: judge: %.3f judged as their component's class, consistency %.3f, confidence %.3f\n",
                   v, jd.class_accuracy, jd.consistency, jd.confidence);
            snprintf(name, sizeof name, "sample_class_accuracy_%s", v);
            metrics_set(&S->m, name, jd.class_accuracy);
        }
    }
    gsl_matrix_free(Z);
    gsl_matrix_free(grid);
}

/* ----------------------------------------------------------------------------
 * 12. Results
 *
 * Metric names: in a run of one model, recon_mse, prior_match,
 * cluster_purity (models with labels) and cluster_purity_any_order. In the
 * default run of two, the unlabelled model keeps the plain names and the
 * labelled one gets the suffix _labels -- except cluster_purity, which only
 * means something for the labelled model and keeps its plain name there.
 * ------------------------------------------------------------------------- */
static void report(run *R, const image_set *train_set, judge *J, const char *const *names,
                   session *S)
{
    const char *dir = S->cli.out;
    metrics *m = &S->m;
    for (size_t i = 0; i < R->n_models; i++) {
        model_record *M = &R->m[i];
        aae *A = M->A;
        const char *v = variant_name(A->cfg.variant);
        const char *sfx = R->n_models == 1 || A->cfg.variant == VARIANT_UNLABELLED ? ""
                        : A->cfg.variant == VARIANT_LABELS ? "_labels" : "_source";
        const int labelled = A->cfg.variant != VARIANT_UNLABELLED;
        scores *sc = &M->final;
        evaluate(A, R->test, NULL, sc);
        printf("\n%s model after %ld iterations, on %zu test images:\n", v, R->step, R->test->n);
        printf("  recon_mse %.5f   prior_match %.3f   cluster_purity %.3f   any order %.3f   "
               "components used %d of 6\n",
               sc->recon_mse, sc->prior_match, sc->purity, sc->purity_any, sc->components_used);
        scores tr;
        evaluate(A, train_set, NULL, &tr);
        printf("  (on the %zu training images: recon_mse %.5f   prior_match %.3f   cluster_purity %.3f)\n",
               train_set->n, tr.recon_mse, tr.prior_match, tr.purity);
        printf("  class -> component:    0    1    2    3    4    5 none\n");
        for (size_t c = 0; c < N_CLASSES; c++) {
            printf("  %-8s          ", names[c]);
            for (size_t k = 0; k <= N_CLASSES; k++)
                printf(" %4zu", sc->count[c][k]);
            printf("\n");
        }
        char name[64];
        snprintf(name, sizeof name, "recon_mse%s", sfx);
        metrics_set(m, name, sc->recon_mse);
        snprintf(name, sizeof name, "prior_match%s", sfx);
        metrics_set(m, name, sc->prior_match);
        if (labelled) {
            snprintf(name, sizeof name, "cluster_purity%s",
                     A->cfg.variant == VARIANT_LABELS || R->n_models == 1 ? "" : sfx);
            metrics_set(m, name, sc->purity);
        }
        snprintf(name, sizeof name, "cluster_purity_any_order%s", sfx);
        metrics_set(m, name, sc->purity_any);
        snprintf(name, sizeof name, "components_used%s", sfx);
        metrics_set(m, name, sc->components_used);
        snprintf(name, sizeof name, "prior_match_train%s", sfx);
        metrics_set(m, name, tr.prior_match);

        /* every model decodes the same z */
        gsl_rng *fixed = rng_new((unsigned long)S->cli.seed + SAMPLES_FIGURE_SEED);
        judged jd = figure_samples(dir, A, fixed, J);
        gsl_rng_free(fixed);
        if (J) {
            printf("  judge on %d decoded prior samples per component: class k from component k %.3f, "
                   "one class per component %.3f, confidence %.3f\n",
                   SAMPLES_PER_COMP, jd.class_accuracy, jd.consistency, jd.confidence);
            snprintf(name, sizeof name, "component_consistency%s", sfx);
            metrics_set(m, name, jd.consistency);
            if (labelled) {
                snprintf(name, sizeof name, "sample_class_accuracy%s", sfx);
                metrics_set(m, name, jd.class_accuracy);
            }
            snprintf(name, sizeof name, "judge_confidence%s", sfx);
            metrics_set(m, name, jd.confidence);
        }
        if (!M->snap_taken[N_SNAP - 1]) {       /* a loaded model: its codes now */
            evaluate(A, R->test, M->snap[N_SNAP - 1], sc);
            M->snap_step[N_SNAP - 1] = R->step;
            M->snap_taken[N_SNAP - 1] = 1;
        }
        figure_codes(dir, M, R->test, names);
        figure_manifold(dir, A);
        if (M->n_loss > 0)
            figure_losses(dir, M);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix (skip on a first reading): the flags, and what they make
 *
 * The flags of this chapter with their defaults; the recipe that completes
 * them (--quick, --labels, the dataset: directory, class names, and the
 * judge's default, common/dataset.h); the models of the run. The common
 * flags and --save/--load/--generate/--resume are the session's
 * (common/session.h).
 * ------------------------------------------------------------------------- */
typedef struct aae_flags {
    const char *dataset, *data_dir, *judge_path, *variant, *recon;
    long steps, batch, lr_drop_at, shift, d_steps;
    double lr, lr_rec, label_share, beta1, noise;
    int labels;                    /* --labels: = --variant labels          */
    dataset_info data;             /* --dataset and --data, decided (dataset.h) */
} aae_flags;

#define MAX_FLAGS 20

/* The defaults into F, and the table through which the flags change them;
 * returns the number of flags. */
static size_t declare_flags(aae_flags *F, cli_option *table)
{
    *F = (aae_flags){.dataset = "mnist", .variant = "both", .recon = "bce", .steps = 4000,
                     .batch = 100, .lr_drop_at = 3000, .shift = 1, .d_steps = 5, .lr = 5e-4,
                     .lr_rec = 1e-4, .label_share = 1.0, .beta1 = 0.9, .noise = 0.3};
    const cli_option flags[] = {
        {"dataset", CLI_CHOICE, &F->dataset, "which images (classes 0-5 of either)", 0, 0, "mnist|fashion", 0},
        {"data", CLI_STRING, &F->data_dir, "directory with the four IDX files (default: by --dataset)", 0, 0, NULL, 0},
        {"judge", CLI_STRING, &F->judge_path, "the judge scoring decoded samples (default: build/judge/DATASET.judge, "
                                              "skipped if absent)", 0, 0, NULL, 0},
        {"variant", CLI_CHOICE, &F->variant, "both = unlabelled + labels; source = the source's labelled version",
         0, 0, "both|unlabelled|labels|source", 0},
        {"labels", CLI_FLAG, &F->labels, "only the label-conditioned model (= --variant labels)", 0, 0, NULL, 0},
        {"label-share", CLI_REAL, &F->label_share, "labels: share of training images whose label D sees", 0, 1, NULL, 0},
        {"recon", CLI_CHOICE, &F->recon, "reconstruction loss on the sigmoid output", 0, 0, "bce|mse", 0},
        {"steps", CLI_INT, &F->steps, "training iterations (of each model)", 1, 10000000, NULL, 0},
        {"batch", CLI_INT, &F->batch, "images per batch", 1, 10000, NULL, 0},
        {"lr", CLI_REAL, &F->lr, "Adam learning rate of D and of the encoder's adversarial step", 1e-9, 10, NULL, 0},
        {"lr-rec", CLI_REAL, &F->lr_rec, "Adam learning rate of the reconstruction step (E and G)", 1e-9, 10, NULL, 0},
        {"lr-drop-at", CLI_INT, &F->lr_drop_at, "from this iteration on, the learning rate is lr / 10 (0: never)",
         0, 10000000, NULL, 0},
        {"noise", CLI_REAL, &F->noise, "sd of Gaussian noise added to the encoder's training input", 0, 10, NULL, 0},
        {"shift", CLI_INT, &F->shift, "largest random shift (pixels) of the encoder's training input", 0, 6, NULL, 0},
        {"d-steps", CLI_INT, &F->d_steps, "discriminator updates per iteration (fresh prior samples each)",
         1, 100, NULL, 0},
        {"beta1", CLI_REAL, &F->beta1, "Adam's beta1 (momentum), all four optimisers", 0, 0.999, NULL, 0},
    };
    const size_t n = sizeof flags / sizeof flags[0];
    if (n > MAX_FLAGS)
        die("internal error: more than %d flags", MAX_FLAGS);
    memcpy(table, flags, sizeof flags);
    return n;
}

/* What the flags leave open: --labels, --quick's shorter run (flags given
 * explicitly win), the data directory and the class names of the dataset. */
static void recipe(aae_flags *F, const cli *c)
{
    if (F->labels) {
        if (cli_given(c, "variant") && strcmp(F->variant, "labels") != 0)
            cli_usage_error(c, "--labels contradicts --variant");
        F->variant = "labels";
    }
    if (c->quick) {
        if (!cli_given(c, "steps")) F->steps = 30;
        if (!cli_given(c, "batch")) F->batch = 50;
        if (!cli_given(c, "lr-drop-at")) F->lr_drop_at = 20;
    }
    F->data = dataset_select(F->dataset, F->data_dir);
}

/* The models of the run (--variant): one configuration each; returns how many. */
static size_t model_configs(const aae_flags *F, aae_config cfgs[MAX_MODELS])
{
    const aae_config base = {
        .x_dim = IMG, .h1 = ENC_H1, .h2 = ENC_H2, .d_hidden = D_HIDDEN,
        .variant = VARIANT_UNLABELLED,
        .recon = strcmp(F->recon, "mse") == 0 ? RECON_MSE : RECON_BCE,
        .batch = (size_t)F->batch, .lr = F->lr, .lr_rec = F->lr_rec, .beta1 = F->beta1,
        .lr_drop_at = F->lr_drop_at, .noise = F->noise, .shift = F->shift,
        .d_steps = F->d_steps, .label_share = F->label_share};
    const int both = strcmp(F->variant, "both") == 0;
    size_t n = 0;
    if (both || strcmp(F->variant, "unlabelled") == 0)
        cfgs[n++] = base;
    if (both || strcmp(F->variant, "labels") == 0) {
        cfgs[n] = base;
        cfgs[n++].variant = VARIANT_LABELS;
    }
    if (strcmp(F->variant, "source") == 0) {
        cfgs[n] = base;
        cfgs[n++].variant = VARIANT_SOURCE;
    }
    return n;
}

/* Which training labels D may see (--label-share): 1 = shown. Draws from r. */
static unsigned char *labels_shown(size_t n, double share, gsl_rng *r)
{
    unsigned char *known = malloc(n);
    if (!known)
        die("out of memory");
    for (size_t i = 0; i < n; i++)
        known[i] = gsl_rng_uniform(r) < share;
    return known;
}

static void print_recipe(const aae_flags *F)
{
    printf("models: %s; encoder 784-500-300-2, decoder 2-300-500-784 (sigmoid, %s loss), "
           "D (2 or 2 + 7)-100-100-1\n", F->variant, F->recon);
    printf("Adam lr %g (beta1 %g), lr / 10 from iteration %ld, batch %ld, %ld iterations each\n",
           F->lr, F->beta1, F->lr_drop_at, F->batch, F->steps);
    printf("encoder's training input: shifted by up to %ld px, noise sd %g; label share %g\n",
           F->shift, F->noise, F->label_share);
    printf("prior: 6 Gaussians at radius %.1f, sd %.2f along x %.2f across\n",
           PRIOR_SHIFT, PRIOR_SD_ALONG, PRIOR_SD_ACROSS);
}

/* ----------------------------------------------------------------------------
 * main: the lesson in order
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    aae_flags F;
    cli_option flags[MAX_FLAGS];
    const size_t n_flags = declare_flags(&F, flags);
    session S;
    session_parse(&S, "11-aae", "Adversarial autoencoder on digits 0-5: unlabelled and label-conditioned.",
                  42, flags, n_flags, SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    recipe(&F, &S.cli);                 /* its usage errors come before anything is written */
    session_open(&S);

    /* 1. the data: six classes, training and test; the judge of samples */
    image_set *train_set = load_six_classes(F.data.dir, "train");
    image_set *test_set = load_six_classes(F.data.dir, "t10k");
    printf("11-aae: %s classes 0-5, %zu training and %zu test images\n", F.data.name, train_set->n, test_set->n);
    judge *J = dataset_open_judge(&F.data, F.judge_path, "samples are not scored");

    /* 3, 9. the models of this run, side by side; 6. which labels D may see */
    aae_config cfgs[MAX_MODELS];
    const size_t n_models = model_configs(&F, cfgs);
    run R;
    run_init(&R, cfgs, n_models, F.steps, test_set, S.rng);
    unsigned char *known = labels_shown(train_set->n, F.label_share, S.rng);
    const train_data T = {train_set, known};
    print_recipe(&F);

    /* 7, 9. train, or load what was trained (--resume: and train it on) */
    checkpoint ck;
    run_checkpoint(&R, &ck);
    if (S.load || S.resume) {
        session_load(&S, &ck, "the run");
        printf("loaded a checkpoint at iteration %ld\n", R.step);
        session_check_resume(&S, R.step, F.steps);
    }
    if (S.generate) {                                   /* 10. samples, and only those */
        generate(&R, J, &S);
    } else {
        if (session_trains(&S)) {
            printf("\ntraining\n");
            train(&R, &T, S.rng, F.steps, S.cli.quiet, stdout);
        }
        figure_prior(S.cli.out, S.sample_seed);          /* 8, 11, 12. measure and draw */
        report(&R, train_set, J, F.data.class_title, &S);
    }
    session_save(&S, &ck, "the run");
    session_finish(&S);

    run_free(&R);
    free(known);
    if (J)
        judge_free(J);
    image_set_free(train_set);
    image_set_free(test_set);
    return 0;
}
#endif
