/* aae.c -- chapter 11: the adversarial autoencoder, without and with labels.
 *
 * An autoencoder (chapter 02) learns WHERE the data lives in its code space,
 * but nothing shapes that space: decoding a random point gives garbage. The
 * adversarial autoencoder (Makhzani et al., 2015) fixes the distribution of
 * the codes, a PRIOR p(z), with a GAN played in the code space:
 *
 *     encoder E    784 -> 500 -> 300 -> 2+S    image x -> code z = E(x)
 *     decoder G    2+S -> 300 -> 500 -> 784    code z  -> image (sigmoid)
 *     critic  D    2+S -> 100 -> 100 -> 1      code    -> logit of "from the prior"
 *
 * As in the source (seed 003, section 8): digits 0-5, six thin Gaussians in
 * a plane as the prior, two models side by side, one whose D also sees the
 * label (section 6). The code has S more "style" numbers (section 2; the
 * source's S = 0, ours 4). How to run it, and the source's errors: README.md.
 * ========================================================================== */
#include "genlab.h"
#include <gsl/gsl_cdf.h>

/* ----------------------------------------------------------------------------
 * 1. The data: six classes of MNIST (or Fashion-MNIST)
 *
 * Six classes, six colours: 36 017 training and 6031 test digits of the
 * official MNIST split. Every figure and metric uses the TEST digits.
 * ------------------------------------------------------------------------- */
#define N_CLASSES 6
#define IMG 784                    /* 28 x 28 pixels in [0, 1]             */

static image_set *load_six_classes(const char *dir, const char *prefix)
{
    static const unsigned char keep[N_CLASSES] = {0, 1, 2, 3, 4, 5};
    image_set *s = mnist_load_classes(dir, prefix, keep, N_CLASSES);
    if (s->n == 0 || s->images->size2 != IMG)
        die("%s: no 28 x 28 images of the classes 0-5 in the %s split", dir, prefix);
    return s;
}

/* ----------------------------------------------------------------------------
 * 2. The prior: six Gaussians on a circle, and S style numbers
 *
 * Draw a component k in 0..5 and two normals, u ~ N(0, 0.3^2) along the
 * k-th "petal" and v ~ N(0, 0.05^2) across it, and rotate them into place:
 *
 *     z = R(theta_k) (1.4 + u, v),   theta_k = 2 pi k / 6,   R = rotation
 *
 * Rotated back, a code is (a, c) = (x cos theta_k + y sin theta_k - 1.4,
 * -x sin theta_k + y cos theta_k) from petal k: "in component k" inside the
 * 3-sigma box |a| <= 3 * 0.3, |c| <= 3 * 0.05 (99.5 % of its own samples).
 *
 * A decoder maps each code to ONE image: with two numbers per digit, a point
 * of a petal must stand for every handwriting of its class that lands there,
 * and G draws their blurred mean. --style-dims S gives the code S more
 * numbers, the STYLE s ~ N(0, I_S): z = (petal, s). The petal says WHICH
 * digit, s how it is written (the source's S = 0; our default 4, README).
 * ------------------------------------------------------------------------- */
#define PRIOR_SHIFT 1.4
#define PRIOR_SD_ALONG 0.3
#define PRIOR_SD_ACROSS 0.05
#define PRIOR_BOX 3.0              /* the box: 3 sd in each direction      */
#define ANGLE(k) (2.0 * M_PI * (double)(k) / N_CLASSES)    /* theta_k      */
enum { PETAL = 2, MAX_STYLE = 64 };   /* the petal plane; --style-dims at most */

/* A code of component k into z[0 .. width - 1]: the petal, then the style. */
static void prior_sample(gsl_rng *r, size_t k, double *z, size_t width)
{
    const double u = gsl_ran_gaussian(r, PRIOR_SD_ALONG);
    const double v = gsl_ran_gaussian(r, PRIOR_SD_ACROSS);
    const double t = ANGLE(k);
    z[0] = (PRIOR_SHIFT + u) * cos(t) - v * sin(t);
    z[1] = (PRIOR_SHIFT + u) * sin(t) + v * cos(t);
    for (size_t j = PETAL; j < width; j++)
        z[j] = gsl_ran_gaussian(r, 1.0);
}

/* The component whose 3-sigma box holds (x, y), or -1 for none. */
static int component_of(double x, double y)
{
    for (size_t k = 0; k < N_CLASSES; k++) {
        const double t = ANGLE(k), a = x * cos(t) + y * sin(t) - PRIOR_SHIFT, c = -x * sin(t) + y * cos(t);
        if (fabs(a) <= PRIOR_BOX * PRIOR_SD_ALONG && fabs(c) <= PRIOR_BOX * PRIOR_SD_ACROSS)
            return (int)k;
    }
    return -1;
}

/* ----------------------------------------------------------------------------
 * 3. The three networks
 *
 * MLPs with ReLU hidden layers (mlp.h) and linear outputs: the code; the
 * image's LOGITS; the logit of "real" (loss_bce_logits is the stable form of
 * the source's sigmoid + BCE, chapter 05). With labels, D also sees a 7-slot
 * one-hot (section 6). Each step has its own Adam, as in the source: E and G
 * in step 1, D, and a SEPARATE one for E in step 3, so the learning rates,
 * not the losses, set the balance of E's two pulls (section 7a, README).
 * ------------------------------------------------------------------------- */
enum { ONEHOT = 7, NO_LABEL = 6 };     /* the one-hot: 6 classes, "no label" */
#define EVAL_CHUNK 500             /* rows per forward pass when measuring  */
typedef enum { VARIANT_UNLABELLED, VARIANT_LABELS, VARIANT_SOURCE } variant_kind;
typedef enum { RECON_BCE, RECON_MSE } recon_kind;
static const char *const VARIANT_NAME[] = {"unlabelled", "labels", "source"};

typedef struct aae_config {        /* one model's knobs (Appendix B)        */
    size_t x_dim, h1, h2, d_hidden;  /* 784, 500, 300, 100 (tests: smaller) */
    variant_kind variant;
    recon_kind recon;
    long batch, style;             /* images per batch; S, the style numbers */
    double lr, lr_rec, lr_dec, beta1;  /* Adam: D, step 3; E, step 1; G; all */
    long lr_drop_at;               /* from this iteration on, lr / 10 (0: never) */
    double noise;                  /* E's training input: noise sd, ...     */
    long shift, d_steps;           /* ... largest shift; D updates per iteration */
    double label_share;            /* share of the labels D may see         */
} aae_config;

typedef struct aae {
    aae_config cfg;
    size_t code, d_in;             /* 2 + S; D's input width: code (+ 7)    */
    mlp *E, *G, *D;                /* the networks, and their parameters:   */
    params *PE, *PG, *PD;
    optimizer *optE_rec, *optG, *optD, *optE_adv;
    workspace *ws;                 /* n rows each:                          */
    gsl_matrix *X, *Xin;           /* (n, 784) the images of steps 1-2; E's view of them */
    gsl_matrix *img, *dimg, *dlogits;  /* (n, 784) sigmoid(G), dL/dimg, dL/dlogits */
    gsl_matrix *fake, *dDin;       /* (n, d_in) D's input of the codes; dL/dinput */
    gsl_matrix *dcode, *dlogit;    /* (n, code) dL/dz; (n, 1) dL/ds         */
    size_t *idx; unsigned char *slot, *slot3;   /* (batch) which training images; one-hot slot per row, steps 1-2, 3 */
    gsl_matrix *X3, *X3in;         /* (n, 784) drawn ahead (section 7): x' of step 3, E's view of it */
    gsl_matrix *reals, *reals2;    /* (d_steps n, d_in) D's real inputs; the source's second (else NULL) */
} aae;

static aae *aae_new(const aae_config *cfg, gsl_rng *r)
{
    aae *A = xcalloc(1, sizeof *A, "a model");
    A->cfg = *cfg;
    A->code = PETAL + (size_t)cfg->style;
    A->d_in = cfg->variant == VARIANT_UNLABELLED ? A->code : A->code + ONEHOT;
    const size_t B = (size_t)cfg->batch, rows = B > EVAL_CHUNK ? B : EVAL_CHUNK, x = cfg->x_dim, c = A->code;
    const size_t we[] = {x, cfg->h1, cfg->h2, c}, wg[] = {c, cfg->h2, cfg->h1, x};
    const size_t wd[] = {A->d_in, cfg->d_hidden, cfg->d_hidden, 1};
    A->E = mlp_new(A->PE = params_alloc(mlp_size(we, 4)), we, 4, ACT_RELU, ACT_IDENTITY, rows);
    A->G = mlp_new(A->PG = params_alloc(mlp_size(wg, 4)), wg, 4, ACT_RELU, ACT_IDENTITY, rows);
    A->D = mlp_new(A->PD = params_alloc(mlp_size(wd, 4)), wd, 4, ACT_RELU, ACT_IDENTITY, B);
    mlp_init_xavier(A->E, r), mlp_init_xavier(A->G, r), mlp_init_xavier(A->D, r);
    A->optE_rec = optim_adam(A->PE, cfg->lr_rec, cfg->beta1, 0.999);    /* beta2 0.999: Keras's */
    A->optG = optim_adam(A->PG, cfg->lr_dec, cfg->beta1, 0.999), A->optD = optim_adam(A->PD, cfg->lr, cfg->beta1, 0.999);
    A->optE_adv = optim_adam(A->PE, cfg->lr, cfg->beta1, 0.999);
    A->ws = ws_new(rows);          /* a batch, or EVAL_CHUNK rows when measuring */
    gsl_matrix **buf[] = {&A->X, &A->Xin, &A->img, &A->dimg, &A->dlogits, &A->fake, &A->dDin, &A->dcode, &A->dlogit};
    const size_t width[] = {x, x, x, x, x, A->d_in, A->d_in, c, 1};
    for (size_t i = 0; i < sizeof width / sizeof width[0]; i++)
        ws_add(A->ws, buf[i], width[i]);
    A->X3 = gsl_matrix_alloc(B, x), A->X3in = gsl_matrix_alloc(B, x), A->reals = gsl_matrix_alloc((size_t)cfg->d_steps * B, A->d_in);
    A->reals2 = cfg->variant == VARIANT_SOURCE ? gsl_matrix_alloc((size_t)cfg->d_steps * B, A->d_in) : NULL;
    A->idx = xcalloc(B, sizeof *A->idx, "a model"), A->slot = xcalloc(B, 1, "a model"), A->slot3 = xcalloc(B, 1, "a model");
    return A;
}

static void aae_free(aae *A)
{
    mlp_free(A->E), mlp_free(A->G), mlp_free(A->D), params_free(A->PE), params_free(A->PG), params_free(A->PD);
    optim_free(A->optE_rec), optim_free(A->optG), optim_free(A->optD), optim_free(A->optE_adv);
    ws_free(A->ws), gsl_matrix_free(A->X3), gsl_matrix_free(A->X3in), gsl_matrix_free(A->reals), gsl_matrix_free(A->reals2);
    free(A->idx), free(A->slot), free(A->slot3), free(A);
}

/* The decoder's images of the codes Z (n <= EVAL_CHUNK rows): sigmoid(G(Z)). */
static const gsl_matrix *decode(aae *A, const gsl_matrix *Z)
{
    ws_rows(A->ws, Z->size1);
    act_forward(ACT_SIGMOID, mlp_forward(A->G, Z), A->img);
    return A->img;
}

/* ----------------------------------------------------------------------------
 * 4. Step 1: reconstruction, and why binary cross-entropy
 *
 * E and G are an autoencoder: G rebuilds the clean x from E(x~), x~ a noisy,
 * shifted copy of x (section 7d). With l = G(E(x~)) the logits and
 * p = sigmoid(l), the loss is each pixel's binary cross-entropy:
 *     L_rec = -1/(n 784) sum [ x log p + (1 - x) log(1 - p) ]
 *     dL_rec/dl = (p - x) / (n 784)                       (loss_bce_logits)
 *
 * BCE is the log-likelihood of "ink with probability p". MSE through the
 * sigmoid has 2 (p - x) p (1 - p) / (n 784), which fades where a pixel is
 * confidently WRONG (--recon mse; the source's linear output: README).
 * ------------------------------------------------------------------------- */
static double recon_loss(aae *A, const gsl_matrix *Xin, const gsl_matrix *X, int want_grad)
{
    ws_rows(A->ws, X->size1);
    const gsl_matrix *z = mlp_forward(A->E, Xin);                   /* (n, code) */
    const gsl_matrix *l = mlp_forward(A->G, z);                     /* (n, 784) */
    double loss;
    if (A->cfg.recon == RECON_BCE) {
        loss = loss_bce_logits(l, X, 0.0, want_grad ? A->dlogits : NULL);
    } else {
        act_forward(ACT_SIGMOID, l, A->img);                        /* p = sigmoid(l) */
        loss = loss_mse(A->img, X, want_grad ? A->dimg : NULL);
        if (want_grad)                                              /* dl = dp p (1 - p) */
            act_backward(ACT_SIGMOID, l, A->img, A->dimg, A->dlogits);
    }
    if (want_grad) {
        params_zero_grad(A->PE), params_zero_grad(A->PG);
        mlp_backward(A->G, A->dlogits, A->dcode);                   /* dz = dL/dz */
        mlp_backward(A->E, A->dcode, NULL);
    }
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. Steps 2 and 3: a GAN in the code space
 *
 * The PRIOR's samples are real, the codes fake: E plays the generator. With
 * s = D's logit, step 2 trains D on the codes E gave (one Adam step on both
 * halves; the source takes one per half, README), and step 3 trains E to
 * fool D, on a fresh batch, with D frozen: D's Adam is not called.
 *
 *     L_D   = BCE(s(prior samples), 1) + BCE(s(codes), 0)
 *     L_adv = BCE(s(E(x)), 1),    dL_adv/ds = (sigmoid(s) - 1) / n
 *
 * chapter 05's non-saturating loss: its gradient does not vanish when D wins
 * clearly. It flows THROUGH D to its input (mlp_backward_input); the first
 * 2 + S columns are dL/dz, for E's backward pass. D sees the WHOLE code, so
 * the style is pulled to N(0, I) as the plane is to the petals.
 * ------------------------------------------------------------------------- */
/* Row i of a D input: the code z[0 .. code - 1], then (with labels) the one-hot of slot. */
static void set_din(const aae *A, gsl_matrix *Din, size_t i, const double *z, unsigned slot)
{
    for (size_t j = 0; j < Din->size2; j++)
        gsl_matrix_set(Din, i, j, j < A->code ? z[j] : j - A->code == slot ? 1.0 : 0.0);
}

/* L_D for the real rows (real2: a second real batch, or NULL) and fake rows. */
static double disc_loss(aae *A, const gsl_matrix *real, const gsl_matrix *real2, const gsl_matrix *fake, int want_grad)
{
    ws_rows(A->ws, fake->size1);
    const gsl_matrix *half[3] = {real, real2, fake};
    gsl_matrix *ds = want_grad ? A->dlogit : NULL;
    if (want_grad)
        params_zero_grad(A->PD);
    double loss = 0.0;
    for (int h = 0; h < 3; h++)
        if (half[h]) {
            loss += loss_bce_logits(mlp_forward(A->D, half[h]), NULL, h < 2 ? 1.0 : 0.0, ds);
            if (want_grad)
                mlp_backward(A->D, ds, NULL);
        }
    return loss;
}

/* L_adv for the images X whose codes go to D with the one-hot slots slot[i]. */
static double adv_loss(aae *A, const gsl_matrix *X, const unsigned char *slot, int want_grad)
{
    const size_t n = X->size1;
    ws_rows(A->ws, n);
    const gsl_matrix *z = mlp_forward(A->E, X);                     /* (n, code) */
    for (size_t i = 0; i < n; i++)
        set_din(A, A->fake, i, gsl_matrix_const_ptr(z, i, 0), slot[i]);
    const double loss = loss_bce_logits(mlp_forward(A->D, A->fake), NULL, 1.0, want_grad ? A->dlogit : NULL);
    if (want_grad) {
        mlp_backward_input(A->D, A->dlogit, A->dDin);              /* D frozen  */
        gsl_matrix_view dz = gsl_matrix_submatrix(A->dDin, 0, 0, n, A->code);
        gsl_matrix_memcpy(A->dcode, &dz.matrix);                    /* dL/dz     */
        params_zero_grad(A->PE);
        mlp_backward(A->E, A->dcode, NULL);
    }
    return loss;
}

/* ----------------------------------------------------------------------------
 * 6. Labels: what D is told, and why the source's version cannot work
 *
 * With labels, D judges a code GIVEN a class (Makhzani et al., section 5):
 *
 *     real row i:  [ prior sample of component k_i ,  one-hot(k_i) ]
 *     fake row i:  [ E(x_i)                         ,  one-hot(k_i) ]   k_i = label of x_i
 *
 * E fools D on a digit k only with a code in petal k: the label reaches E
 * through D's verdict on PAIRS. An unshown label (--label-share) is slot 6,
 * "no label", with a RANDOM component. The source (--variant source) gives
 * EVERY code slot 6, so the labels never reach E (README: measured).
 * ------------------------------------------------------------------------- */
typedef struct train_data { const image_set *set; const unsigned char *known; } train_data;  /* known: 1 = shown */

/* A batch x of training images, drawn with replacement, into X; E's view of
 * it into Xin (section 7d); each row's slot: its label if D may see it. */
static void draw_batch(aae *A, const train_data *T, gsl_rng *r, gsl_matrix *X, gsl_matrix *Xin, unsigned char *slot)
{
    batch_draw(r, T->set->images, A->idx, X);
    image_jitter(r, X, Xin, 28, 28, A->cfg.x_dim == IMG ? (int)A->cfg.shift : 0, A->cfg.noise);
    for (size_t i = 0; i < X->size1; i++)
        slot[i] = A->cfg.variant == VARIANT_LABELS && T->known[A->idx[i]] ? T->set->labels[A->idx[i]] : NO_LABEL;
}

/* ----------------------------------------------------------------------------
 * 7. One training iteration, and five changes to the source's recipe
 *
 * Two batches drawn with replacement: x for steps 1 and 2, x' for step 3.
 * The source's recipe leaves the codes jittering around the petals and
 * decodes blurred digits; five changes, each a flag (README: what each is worth):
 *  a. --lr-rec 1e-4 for E in step 1, 5e-4 for D and step 3: the ratio of the
 *     rates sets who wins, spread digits or thin petals (section 3);
 *  b. --lr-drop-at 3000: every rate / 10 from there on, the paper's schedule;
 *  c. --d-steps 10: a lagging D shows E a blurred picture of the thin petals,
 *     which style numbers hide among S more directions;
 *  d. --shift 1 --noise 0.3: E sees a shifted, noisy x, G rebuilds the CLEAN
 *     x (chapter 03); else E learns the training digits by heart;
 *  e. --lr-dec 1e-3 for G: no adversary pulls on the decoder, so nothing asks
 *     it to be slow; at E's 1e-4 its digits are still blurred at the end.
 * One generator r draws everything, in order: a checkpoint resumes bit for bit.
 * The numbers of steps 2 and 3 depend on x's labels, not on the networks: the
 * team's second thread draws them ahead while this one computes step 1
 * (team_background, common/team.h), instead of making the step wait.
 * ------------------------------------------------------------------------- */
typedef struct step_losses { double rec, d, adv; } step_losses;

typedef struct later_draws { aae *A; const train_data *T; gsl_rng *r; } later_draws;   /* (team_background's ctx) */
static void draw_steps_2_3(void *p)
{
    const later_draws *L = p;
    aae *A = L->A;
    const size_t n = (size_t)A->cfg.batch;
    for (size_t row = 0; row < (size_t)A->cfg.d_steps * n; row++) {    /* step 2: row t n + i, update t */
        double z[PETAL + MAX_STYLE];
        const unsigned s = A->slot[row % n];            /* k_i, or 6: no label    */
        const size_t k = s < N_CLASSES ? s : gsl_rng_uniform_int(L->r, N_CLASSES);
        prior_sample(L->r, k, z, A->code);
        set_din(A, A->reals, row, z, A->reals2 ? (unsigned)k : s);     /* (unlabelled: no one-hot) */
        if (A->reals2)                                  /* the source's second real batch */
            prior_sample(L->r, gsl_rng_uniform_int(L->r, N_CLASSES), z, A->code), set_din(A, A->reals2, row, z, NO_LABEL);
    }
    draw_batch(A, L->T, L->r, A->X3, A->X3in, A->slot3);   /* step 3: a fresh batch x' */
}

static void aae_step(aae *A, const train_data *T, gsl_rng *r, long step, step_losses *out)
{
    const size_t n = (size_t)A->cfg.batch;
    const int source = A->cfg.variant == VARIANT_SOURCE;
    const double f = A->cfg.lr_drop_at > 0 && step >= A->cfg.lr_drop_at ? 0.1 : 1.0;
    A->optE_rec->lr = f * A->cfg.lr_rec, A->optG->lr = f * A->cfg.lr_dec, A->optD->lr = A->optE_adv->lr = f * A->cfg.lr;
    ws_rows(A->ws, n);
    /* step 1: reconstruction on a random batch x; E sees it shifted by up to
     * --shift pixels, plus N(0, noise^2) per pixel (change d, common/jitter.h) */
    draw_batch(A, T, r, A->X, A->Xin, A->slot);
    team_background(draw_steps_2_3, &(later_draws){A, T, r});      /* r is the helper's until team_wait */
    out->rec = recon_loss(A, A->Xin, A->X, 1);
    check_finite(out->rec, "reconstruction loss", step);
    optim_step(A->optE_rec), optim_step(A->optG);
    /* step 2: D, prior samples (real) against the codes of x (fake); d_steps
     * updates, each with fresh prior samples, on the same codes */
    const gsl_matrix *z = mlp_forward(A->E, A->Xin);
    for (size_t i = 0; i < n; i++)
        set_din(A, A->fake, i, gsl_matrix_const_ptr(z, i, 0), A->slot[i]);
    team_wait();
    for (long t = 0; t < A->cfg.d_steps; t++) {
        gsl_matrix_view real = mat_row_block(A->reals, (size_t)t * n, n);        /* drawn ahead */
        gsl_matrix_view real2 = mat_row_block(source ? A->reals2 : A->reals, (size_t)t * n, n);
        out->d = disc_loss(A, &real.matrix, source ? &real2.matrix : NULL, A->fake, 1);
        check_finite(out->d, "discriminator loss", step);
        optim_step(A->optD);
    }
    /* step 3: E fools the frozen D, on the fresh batch x' */
    out->adv = adv_loss(A, A->X3in, A->slot3, 1);
    check_finite(out->adv, "adversarial loss", step);
    optim_step(A->optE_adv);
}

/* ----------------------------------------------------------------------------
 * 8. Measuring: does the code distribution match the prior?
 *
 * On the test digits, with z = E(x):
 *     recon_mse         mean over pixels of (sigmoid(G(z)) - x)^2
 *     prior_match       share of codes inside some component's box
 *     cluster_purity    share of digits of class k in the box of component k
 *     ..._any_order     the same for the best assignment of classes (of 720)
 *     components_used   components holding half a fair share (1/12) of the
 *                       codes: prior_match cannot see a petal left EMPTY
 *     style_match       share of codes whose style has |s|^2 below the 99.5 %
 *                       quantile of chi^2_S (a ball: 3-sigma boxes would hold
 *                       0.9973^S of the prior). The rest: the petal plane only
 * ------------------------------------------------------------------------- */
typedef struct evaluation {
    size_t n;                                 /* images measured            */
    double recon_mse, prior_match, purity, purity_any, style_match;
    int components_used;
    size_t count[N_CLASSES][N_CLASSES + 1];   /* [class][component, 6 = none] */
} evaluation;

/* Encode (and decode) every image of S; the petals into Z (S->n, 2) if not NULL. */
static evaluation evaluate(aae *A, const image_set *S, gsl_matrix *Z)
{
    evaluation e = {.n = S->n};
    const size_t d = S->images->size2, style = (size_t)A->cfg.style;
    double sq = 0.0, in_ball = 0.0, ball = style ? gsl_cdf_chisq_Pinv(0.995, (double)style) : 0.0;
    for (size_t off = 0; off < S->n; off += EVAL_CHUNK) {
        const size_t m = S->n - off < EVAL_CHUNK ? S->n - off : EVAL_CHUNK;
        gsl_matrix_const_view x = gsl_matrix_const_submatrix(S->images, off, 0, m, d);
        const gsl_matrix *z = mlp_forward(A->E, &x.matrix);
        for (size_t i = 0; i < m; i++) {
            const int k = component_of(gsl_matrix_get(z, i, 0), gsl_matrix_get(z, i, 1));
            e.count[S->labels[off + i]][k < 0 ? N_CLASSES : (size_t)k]++;
            const double *s = gsl_matrix_const_ptr(z, i, 0) + PETAL;     /* the style s: |s|^2 */
            in_ball += cblas_ddot((int)style, s, 1, s, 1) <= ball;      /* (S = 0: 0 <= 0) */
            if (Z)                                                      /* the petal */
                memcpy(gsl_matrix_ptr(Z, off + i, 0), gsl_matrix_const_ptr(z, i, 0), PETAL * sizeof(double));
        }
        sq += mat_mse(decode(A, z), &x.matrix) * (double)(m * d);
    }
    size_t pure = 0, in_k[N_CLASSES + 1] = {0};
    double in_box[N_CLASSES][N_CLASSES];      /* count without "none": best_assignment's scores */
    for (size_t c = 0; c < N_CLASSES; c++) {
        pure += e.count[c][c];
        for (size_t k = 0; k <= N_CLASSES; k++)
            in_k[k] += e.count[c][k];
        for (size_t k = 0; k < N_CLASSES; k++)
            in_box[c][k] = (double)e.count[c][k];
    }
    const double n = (double)S->n;
    e.recon_mse = sq / (n * (double)d), e.prior_match = (double)(S->n - in_k[N_CLASSES]) / n, e.style_match = in_ball / n;
    e.purity = (double)pure / n, e.purity_any = best_assignment(&in_box[0][0], N_CLASSES, N_CLASSES) / n;
    for (size_t k = 0; k < N_CLASSES; k++)
        e.components_used += (double)in_k[k] >= n / (2.0 * N_CLASSES);
    return e;
}

/* ----------------------------------------------------------------------------
 * 9. Training: the models side by side
 *
 * An iteration of each model per step, from one generator. Per model: the
 * losses (their trailing means: the loss curves), the metrics at EVALS steps
 * (on the first MONITOR_N test digits) and the codes at N_SNAP steps.
 * ------------------------------------------------------------------------- */
enum { MAX_MODELS = 3, N_SNAP = 4, EVALS = 20, LOSS_WINDOW = 50, MONITOR_N = 1000 };
static const double SNAP_AT[N_SNAP] = {0.02, 0.1, 0.3, 1.0};   /* of the steps */
typedef struct model_record {
    aae *A;
    history *loss, *evals;         /* recon D adv; test recon_mse prior_match purity any */
    gsl_matrix *codes;             /* (n_test, 1 + 2 N_SNAP) class, x y per snapshot */
} model_record;

typedef struct run {
    size_t n_models;
    model_record m[MAX_MODELS];
    long step, snap_step[N_SNAP];  /* iterations done; when the codes are kept */
    int snap_taken[N_SNAP];
    const image_set *test;
    image_set monitor;             /* the first MONITOR_N test digits: the curves */
    judge *J;                      /* with a judge: fjd over training (section 10), */
    fjd_reference ref;             /* the test digits' features, floor, noise, */
    gsl_matrix *fjd_samples;       /* (10 000, 784) (--quick: 1000) from fjd_seed */
    unsigned long fjd_seed;
} run;

static void run_init(run *R, const aae_config *cfgs, size_t n_models, long steps, const image_set *test, gsl_rng *r)
{
    *R = (run){.n_models = n_models, .test = test, .monitor = image_set_head(test, MONITOR_N)};
    for (int k = 0; k < N_SNAP; k++)
        R->snap_step[k] = (long)ceil(SNAP_AT[k] * (double)steps);
    for (size_t i = 0; i < n_models; i++) {
        model_record *M = &R->m[i];
        M->A = aae_new(&cfgs[i], r);
        M->loss = history_new((size_t)steps, LOSS_WINDOW, "recon D adv");
        M->evals = history_new(EVALS + 2, 1, "test_recon_mse prior_match cluster_purity cluster_purity_any_order fjd");
        M->codes = gsl_matrix_calloc(R->monitor.n, 1 + 2 * N_SNAP);
        for (size_t j = 0; j < R->monitor.n; j++)
            gsl_matrix_set(M->codes, j, 0, test->labels[j]);
    }
}

static void run_free(run *R)
{
    fjd_reference_free(&R->ref), gsl_matrix_free(R->fjd_samples);     /* (NULL without a judge: nothing) */
    for (size_t i = 0; i < R->n_models; i++)
        aae_free(R->m[i].A), history_free(R->m[i].loss), history_free(R->m[i].evals), gsl_matrix_free(R->m[i].codes);
}

/* Snapshot k, now: the test codes of every model into their columns of codes. */
static void keep_codes(run *R, int k)
{
    R->snap_step[k] = R->step, R->snap_taken[k] = 1;
    for (size_t i = 0; i < R->n_models; i++) {
        gsl_matrix_view z = gsl_matrix_submatrix(R->m[i].codes, 0, 1 + 2 * (size_t)k, R->monitor.n, PETAL);
        evaluate(R->m[i].A, &R->monitor, &z.matrix);
    }
}

static void record_evals(run *R);                      /* section 10: the metrics, and fjd */

/* Every model of R from R->step to to_step; about ten lines to log (if not NULL). */
static void train(run *R, const train_data *T, gsl_rng *r, long to_step, int quiet, FILE *log)
{
    const long from = R->step, every_eval = GSL_MAX((to_step + EVALS - 1) / EVALS, 100);   /* >= 100 steps */
    progress prog;
    progress_start(&prog, to_step - from, quiet);
    if (from == 0)
        record_evals(R);
    while (R->step < to_step) {
        step_losses s[MAX_MODELS];
        for (size_t i = 0; i < R->n_models; i++) {
            aae_step(R->m[i].A, T, r, R->step, &s[i]);
            history_add(R->m[i].loss, R->step + 1, (double[]){s[i].rec, s[i].d, s[i].adv});
        }
        R->step++;
        if (R->step % every_eval == 0 || R->step == to_step)
            record_evals(R);
        for (int k = 0; k < N_SNAP; k++)
            if (R->step == R->snap_step[k])
                keep_codes(R, k);
        const int log_now = log && (R->step % (2 * every_eval) == 0 || R->step == to_step);
        for (size_t i = 0; log_now && i < R->n_models; i++)
            fprintf(log, "step %6ld  %-10s  recon %.4f  D %.3f  adv %.3f  prior_match %.3f  purity %.3f\n",
                    R->step, VARIANT_NAME[R->m[i].A->cfg.variant], s[i].rec, s[i].d, s[i].adv,
                    history_last(R->m[i].evals, 1), history_last(R->m[i].evals, 2));
        progress_report(&prog, R->step - from, "recon %.4f  D %.3f  adv %.3f", s[0].rec, s[0].d, s[0].adv);
    }
    progress_end(&prog);
}

/* ----------------------------------------------------------------------------
 * 10. Generating: decode prior samples, and judge them
 *
 * The point of it all: decode z drawn from the prior, sample j from petal
 * k = j % 6: a k for the labelled model. The judge (chapter 08) scores 100
 * per petal: sample_class_accuracy (judged k), component_consistency (share
 * of the top class), judge_confidence (its top probability).
 * ------------------------------------------------------------------------- */
#define SAMPLES_PER_COMP 100
#define SAMPLES_FIGURE_SEED 2000003UL  /* + --seed: the judged samples' generator */
#define FJD_SEED 3000017UL             /* + --seed: fjd's samples and noise images */

/* Prior samples first, first + 1, ... (j from component j % 6) into Z's rows. */
static void prior_batch(gsl_rng *r, size_t first, gsl_matrix *Z)
{
    for (size_t i = 0; i < Z->size1; i++)
        prior_sample(r, (first + i) % N_CLASSES, gsl_matrix_ptr(Z, i, 0), Z->size2);
}

typedef struct judged { judge_verdict v; double consistency; } judged;   /* asked: the component */

/* n decoded prior samples from a generator seeded with `seed`, a chunk at a
 * time: the first keep->size1 into keep, all to `pixels` if not NULL, and the
 * judge's verdict if J is not NULL. */
static judged sample_prior(aae *A, unsigned long seed, size_t n, gsl_matrix *keep, FILE *pixels, judge *J)
{
    judged t = {0};
    judge_tally tally = {0};
    gsl_matrix *Z = gsl_matrix_alloc(EVAL_CHUNK, A->code);
    unsigned char comp[EVAL_CHUNK];                             /* each sample's component */
    gsl_rng *fixed = rng_new(seed);
    for (size_t off = 0; off < n; off += EVAL_CHUNK) {
        gsl_matrix_view z = mat_rows(Z, n - off < EVAL_CHUNK ? n - off : EVAL_CHUNK);
        prior_batch(fixed, off, &z.matrix);
        const gsl_matrix *img = decode(A, &z.matrix);              /* (m, 784) */
        for (size_t i = 0; i < img->size1; i++) {
            gsl_vector_const_view row = gsl_matrix_const_row(img, i);
            comp[i] = (unsigned char)((off + i) % N_CLASSES);
            if (off + i < keep->size1)
                gsl_matrix_set_row(keep, off + i, &row.vector);
            for (size_t p = 0; pixels && p < IMG; p++)
                fprintf(pixels, p + 1 < IMG ? "%.4f " : "%.4f\n", gsl_vector_get(&row.vector, p));
        }
        if (J)
            judge_tally_add(J, img, comp, &tally);
    }
    t.v = judge_tally_verdict(&tally);                          /* the verdict */
    for (size_t k = 0; k < N_CLASSES; k++)                      /* consistency: a component's top class */
        t.consistency += gsl_stats_max(t.v.confusion[k], 1, 10) / N_CLASSES;
    gsl_rng_free(fixed), gsl_matrix_free(Z);
    return t;
}

/* fjd (chapter 08, common/judge.h): n decoded prior samples against the
 * judge's features of the test digits; R->ref holds those, fjd_floor (the
 * training digits) and fjd_noise. */
static void fjd_init(run *R, judge *J, const image_set *train, int quick, unsigned long seed)
{
    const size_t n = quick ? 1000 : 10000;
    R->J = J, R->fjd_seed = seed, R->fjd_samples = gsl_matrix_alloc(n, IMG);
    gsl_rng *noise = rng_new(seed + 1);
    R->ref = fjd_reference_for(J, R->test->images, train->images, n, noise), gsl_rng_free(noise);
}

/* A row of each model's evals: section 8 on the first MONITOR_N test digits, and fjd. */
static void record_evals(run *R)
{
    for (size_t i = 0; i < R->n_models; i++) {
        const evaluation e = evaluate(R->m[i].A, &R->monitor, NULL);
        if (R->J)
            sample_prior(R->m[i].A, R->fjd_seed, R->fjd_samples->size1, R->fjd_samples, NULL, NULL);
        const double fjd = R->J ? judge_fjd(R->J, R->ref.test, R->fjd_samples) : 0.0;
        history_add(R->m[i].evals, R->step, (double[]){e.recon_mse, e.prior_match, e.purity, e.purity_any, fjd});
    }
}

/* ----------------------------------------------------------------------------
 * 11. Results: what each model learned
 *
 * Section 8 on test and training digits (a gap is memorisation), where each
 * class's codes landed (a working labelled model: the diagonal), the judge's
 * verdict. In a run of two, "_labels" names the labelled model's metrics.
 * ------------------------------------------------------------------------- */
static void figures(const char *dir, const run *R, const model_record *M, const gsl_matrix *samples);
static void results(const run *R, const model_record *M, const image_set *train_set, judge *J,
                    const char *const *names, session *S)
{
    const variant_kind v = M->A->cfg.variant;
    gsl_matrix *samples = gsl_matrix_alloc(SAMPLES_PER_COMP * N_CLASSES, IMG);
    const image_set train_part = image_set_head(train_set, R->test->n);   /* as many as the test */
    const evaluation e = evaluate(M->A, R->test, NULL), tr = evaluate(M->A, &train_part, NULL);
    const judged jd = sample_prior(M->A, S->cli.seed + SAMPLES_FIGURE_SEED, samples->size1, samples, NULL, J);
    printf("\n== 11. Results: %s model after %ld iterations, on %zu test images:\n", VARIANT_NAME[v], R->step, e.n);
    printf("  recon_mse %.5f   prior_match %.3f   cluster_purity %.3f   any order %.3f   components used %d of 6\n",
           e.recon_mse, e.prior_match, e.purity, e.purity_any, e.components_used);
    if (M->A->cfg.style > 0)
        printf("  style_match %.3f (the %ld style numbers in the prior's 99.5 %% ball)\n", e.style_match, M->A->cfg.style);
    printf("  (on the %zu training images: recon_mse %.5f   prior_match %.3f   cluster_purity %.3f)\n",
           tr.n, tr.recon_mse, tr.prior_match, tr.purity);
    printf("  class -> component:    0    1    2    3    4    5 none\n");
    for (size_t c = 0; c < N_CLASSES; c++) {
        printf("  %-8s          ", names[c]);
        for (size_t k = 0; k <= N_CLASSES; k++)
            printf(k < N_CLASSES ? " %4zu" : " %4zu\n", e.count[c][k]);
    }
    const double fjd = history_last(M->evals, 4), fjd_start = history_average(M->evals, 4, 0, 1);
    if (J)
        printf("  judge on %d decoded prior samples per component: class k from component k %.3f, one class per "
               "component %.3f, confidence %.3f\n  Frechet judge distance of %zu decoded prior samples to the test "
               "digits %.2f (at the start %.1f; training digits %.2f, noise %.1f)\n", SAMPLES_PER_COMP, jd.v.score,
               jd.consistency, jd.v.confidence, R->fjd_samples->size1, fjd, fjd_start, R->ref.floor, R->ref.noise);
    const int lab = v != VARIANT_UNLABELLED;            /* (source runs alone) */
    const struct { const char *name; double value; int kept; } m[] = {
        {"recon_mse", e.recon_mse, 1}, {"prior_match", e.prior_match, 1}, {"cluster_purity", e.purity, lab},
        {"cluster_purity_any_order", e.purity_any, 1}, {"components_used", e.components_used, 1},
        {"prior_match_train", tr.prior_match, 1}, {"component_consistency", jd.consistency, J != NULL},
        {"sample_class_accuracy", jd.v.score, J && lab}, {"judge_confidence", jd.v.confidence, J != NULL},
        {"fjd", fjd, J != NULL}, {"fjd_start", fjd_start, J != NULL}, {"fjd_vs_start", fjd / fjd_start, J != NULL},
        {"style_match", e.style_match, M->A->cfg.style > 0}};
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++)
        if (m[k].kept)
            metrics_setf(&S->m, m[k].value, "%s%s", m[k].name, R->n_models > 1 && lab && k != 2 ? "_labels" : "");
    if (J)
        metrics_set(&S->m, "fjd_floor", R->ref.floor), metrics_set(&S->m, "fjd_noise", R->ref.noise);
    figures(S->cli.out, R, M, samples), gsl_matrix_free(samples);      /* Appendix A */
}

/* ----------------------------------------------------------------------------
 * Appendix A. The figures' data (skip on a first reading): prior, codes_V,
 * manifold_V, samples_V, losses_V, generated_V (V: the model), drawn by the
 * scripts in chapters/11-aae/figures/.
 * ------------------------------------------------------------------------- */
enum { PLANE_N = 20, GRID_COLS = 12, STYLE_ROWS = 8 };  /* manifold grid; samples per row; styles */
#define PLANE 2.4                  /* the manifold grid's half-width        */

/* "NAME_V" + ext into buf: the file or figure NAME of model v. */
static const char *named(char buf[static 64], const char *name, variant_kind v, const char *ext)
{
    return snprintf(buf, 64, "%s_%s%s", name, VARIANT_NAME[v], ext), buf;
}

/* prior.dat: 2000 samples (x, y, component) of the petal plane;
 * prior_boxes.dat: each box's outline, a block each; the class names. */
static void figure_prior(const char *dir, unsigned long seed, const char *const *names)
{
    gsl_matrix *Z = gsl_matrix_alloc(2000, PETAL + 1);
    gsl_matrix_view plane = gsl_matrix_submatrix(Z, 0, 0, Z->size1, PETAL);
    gsl_rng *fixed = rng_new(seed);
    prior_batch(fixed, 0, &plane.matrix);
    for (size_t i = 0; i < Z->size1; i++)
        gsl_matrix_set(Z, i, PETAL, (double)(i % N_CLASSES));
    out_write_matrix(dir, "prior.dat", "x y component: samples of the prior", Z);
    gsl_rng_free(fixed), gsl_matrix_free(Z);
    FILE *f = out_open(dir, "prior_boxes.dat");
    fprintf(f, "# x y: outline of each component's 3-sigma box, one block per component\n");
    for (size_t k = 0; k < N_CLASSES; k++)
        for (int j = 0; j < 5; j++) {              /* the corners (a, c), and back */
            const double t = ANGLE(k), a = j == 1 || j == 2 ? 1 : -1, c = j == 2 || j == 3 ? 1 : -1;
            const double u = PRIOR_SHIFT + a * PRIOR_BOX * PRIOR_SD_ALONG, v = c * PRIOR_BOX * PRIOR_SD_ACROSS;
            fprintf(f, "%.6f %.6f\n%s", u * cos(t) - v * sin(t), u * sin(t) + v * cos(t), j == 4 ? "\n" : "");
        }
    out_close(f, "prior_boxes.dat");
    fig_text_list("class_name", names, N_CLASSES), fig_value("n_classes", N_CLASSES), fig_use("prior");
}

/* codes_V (values.gp: panel i's step and column of x), manifold_V (z_1 from -PLANE
 * left, z_2 from +PLANE at the top), samples_V, and losses_V if it trained. */
static void figures(const char *dir, const run *R, const model_record *M, const gsl_matrix *samples)
{
    const variant_kind v = M->A->cfg.variant;
    char name[64];
    int taken = 0;
    out_write_matrix(dir, named(name, "codes", v, ".dat"), "class, then x y of the test codes per snapshot", M->codes);
    for (int k = 0; k < N_SNAP; k++)
        if (R->snap_taken[k])
            fig_valuef((double)R->snap_step[k], "codes_%s_step_%d", VARIANT_NAME[v], ++taken),
            fig_valuef(2 + 2 * k, "codes_%s_col_%d", VARIANT_NAME[v], taken);
    fig_valuef(taken, "codes_%s_n_snaps", VARIANT_NAME[v]), fig_usef("codes_%s", VARIANT_NAME[v]);
    const size_t code = M->A->code;
    gsl_matrix *Z = gsl_matrix_calloc(PLANE_N * PLANE_N, code), *grid = gsl_matrix_alloc(N_CLASSES * GRID_COLS, IMG);
    for (size_t i = 0; i < PLANE_N * PLANE_N; i++)      /* (style s = 0) */
        gsl_matrix_set(Z, i, 0, -PLANE + 2.0 * PLANE * (double)(i % PLANE_N) / (PLANE_N - 1)),
        gsl_matrix_set(Z, i, 1, PLANE - 2.0 * PLANE * (double)(i / PLANE_N) / (PLANE_N - 1));
    fig_image_grid(dir, named(name, "manifold", v, ""), decode(M->A, Z), 28, 28, PLANE_N, PLANE_N);
    fig_use(name), fig_value("manifold_half_width", PLANE);
    if (code > PETAL) {                                 /* styles_V: row i one style s_i, */
        gsl_rng *fixed = rng_new(SAMPLES_FIGURE_SEED);  /* column k petal k's centre */
        gsl_matrix_view styles = mat_rows(Z, STYLE_ROWS * N_CLASSES);
        for (size_t i = 0; i < styles.matrix.size1; i++) {
            double *z = gsl_matrix_ptr(Z, i, 0);
            if (i % N_CLASSES == 0)
                prior_sample(fixed, 0, z, code);        /* a new s */
            else
                memcpy(z + PETAL, z + PETAL - Z->tda, (code - PETAL) * sizeof *z);    /* the row's s */
            z[0] = PRIOR_SHIFT * cos(ANGLE(i % N_CLASSES)), z[1] = PRIOR_SHIFT * sin(ANGLE(i % N_CLASSES));
        }
        fig_image_grid(dir, named(name, "styles", v, ""), decode(M->A, &styles.matrix), 28, 28, STYLE_ROWS, N_CLASSES);
        fig_use(name), gsl_rng_free(fixed);
    }
    for (size_t i = 0; i < grid->size1; i++) {    /* row k, column j: sample j * 6 + k */
        gsl_vector_const_view from = gsl_matrix_const_row(samples, i % GRID_COLS * N_CLASSES + i / GRID_COLS);
        gsl_matrix_set_row(grid, i, &from.vector);
    }
    fig_image_grid(dir, named(name, "samples", v, ""), grid, 28, 28, N_CLASSES, GRID_COLS);
    fig_use(name), gsl_matrix_free(Z), gsl_matrix_free(grid);
    if (M->loss->n == 0)
        return;
    history_write(M->loss, dir, named(name, "loss", v, ".dat")), history_write(M->evals, dir, named(name, "eval", v, ".dat"));
    fig_value("loss_window", LOSS_WINDOW), fig_text("recon_loss", "%s", M->A->cfg.recon == RECON_BCE ? "BCE" : "MSE");
    fig_use(named(name, "losses", v, ""));
    fig_value("with_fjd", R->J != NULL), fig_value("fjd_floor", R->ref.floor), fig_value("fjd_noise", R->ref.noise);
}

/* ----------------------------------------------------------------------------
 * Appendix B. Keeping the models, --generate, and the flags: a checkpoint
 * holds S (named: another S is refused), E, G, D and the four Adams of each
 * model, named with its variant, and the step.
 * ------------------------------------------------------------------------- */
static void run_checkpoint(run *R, checkpoint *ck)
{
    static const char *const part[7] = {"E", "G", "D", "E.adam_rec", "G.adam", "D.adam", "E.adam_adv"};
    char name[CHECKPOINT_NAME_LEN];
    memset(ck, 0, sizeof *ck);
    snprintf(name, sizeof name, "--style-dims %ld", R->m[0].A->cfg.style);  /* first: checked first */
    checkpoint_add_long(ck, name, &R->m[0].A->cfg.style);
    for (size_t i = 0; i < R->n_models; i++) {
        aae *A = R->m[i].A;
        params *P[3] = {A->PE, A->PG, A->PD};
        optimizer *O[4] = {A->optE_rec, A->optG, A->optD, A->optE_adv};
        for (int j = 0; j < 7; j++) {
            snprintf(name, sizeof name, "%s.%s", VARIANT_NAME[A->cfg.variant], part[j]);
            j < 3 ? checkpoint_add_params(ck, name, P[j]) : checkpoint_add_optimizer(ck, name, O[j - 3]);
        }
    }
    checkpoint_add_long(ck, "step", &R->step);
}

/* --generate K: K samples (section 10) from the session's sample seed, all to
 * generated_V_pixels.dat, the first 60 (ten rows of six) to generated_V. */
static void generate(run *R, judge *J, session *S)
{
    const size_t n = (size_t)S->generate, shown = n < 60 ? n : 60, rows = (shown + N_CLASSES - 1) / N_CLASSES;
    gsl_matrix *grid = gsl_matrix_alloc(shown, IMG);
    char name[64];
    for (size_t i = 0; i < R->n_models; i++) {
        const variant_kind v = R->m[i].A->cfg.variant;
        FILE *f = out_open(S->cli.out, named(name, "generated", v, "_pixels.dat"));
        fprintf(f, "# 784 pixels in [0, 1] per row; row i decodes a prior sample of component i %% 6\n");
        const judged t = sample_prior(R->m[i].A, S->sample_seed, n, grid, f, J);
        out_close(f, name);
        fig_image_grid(S->cli.out, named(name, "generated", v, ""), grid, 28, 28, rows, N_CLASSES);
        fig_value("generated_count", (double)n), fig_value("generated_shown", (double)shown), fig_use(name);
        printf("%s: wrote %zu samples (the grid: the first %zu, column k from component k)\n", VARIANT_NAME[v], n, shown);
        if (J)
            printf("%s: judge: %.3f judged as their component's class, consistency %.3f, confidence %.3f\n",
                   VARIANT_NAME[v], t.v.score, t.consistency, t.v.confidence),
            metrics_setf(&S->m, t.v.score, "sample_class_accuracy_%s", VARIANT_NAME[v]);
    }
    gsl_matrix_free(grid);
}

typedef struct config {
    const char *dataset, *data_dir, *judge_path, *variant, *recon;
    long steps;
    int labels;                    /* --labels: = --variant labels          */
    aae_config model;              /* every model's knobs but its variant   */
    dataset_info data;             /* --dataset and --data, decided         */
} config;

/* The flags, then what they decide (--labels, --quick, dataset.h): usage
 * errors before anything is written. */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.dataset = "mnist", .variant = "both", .recon = "bce", .steps = 4000,
                    .model = {.x_dim = IMG, .h1 = 500, .h2 = 300, .d_hidden = 100, .batch = 100,
                              .lr = 5e-4, .lr_rec = 1e-4, .lr_dec = 1e-3, .beta1 = 0.9, .lr_drop_at = 3000,
                              .noise = 0.3, .shift = 1, .d_steps = 10, .label_share = 1.0, .style = 4}};
    aae_config *m = &cfg->model;
    const cli_option options[] = {
        {"dataset", CLI_CHOICE, &cfg->dataset, "which images (classes 0-5 of either)", 0, 0, "mnist|fashion", 0},
        {"data", CLI_STRING, &cfg->data_dir, "directory of the four IDX files (default: by --dataset)", 0, 0, NULL, 0},
        {"judge", CLI_STRING, &cfg->judge_path, "the samples' judge [build/judge/DATASET.judge if built]", 0, 0, NULL, 0},
        {"variant", CLI_CHOICE, &cfg->variant, "both = unlabelled + labels; source: the source's labelled version",
         0, 0, "both|unlabelled|labels|source", 0},
        {"labels", CLI_FLAG, &cfg->labels, "only the label-conditioned model (= --variant labels)", 0, 0, NULL, 0},
        {"label-share", CLI_REAL, &m->label_share, "share of the training images whose label D sees", 0, 1, NULL, 0},
        {"recon", CLI_CHOICE, &cfg->recon, "reconstruction loss on the sigmoid output", 0, 0, "bce|mse", 0},
        {"steps", CLI_INT, &cfg->steps, "training iterations (of each model)", 1, 10000000, NULL, 0},
        {"batch", CLI_INT, &m->batch, "images per batch", 1, 10000, NULL, 0},
        {"lr", CLI_REAL, &m->lr, "Adam's learning rate: D and the encoder's adversarial step", 1e-9, 10, NULL, 0},
        {"lr-rec", CLI_REAL, &m->lr_rec, "Adam's learning rate: the encoder's reconstruction step", 1e-9, 10, NULL, 0},
        {"lr-dec", CLI_REAL, &m->lr_dec, "Adam's learning rate: the decoder (reconstruction step)", 1e-9, 10, NULL, 0},
        {"lr-drop-at", CLI_INT, &m->lr_drop_at, "from this iteration on, lr / 10 (0: never)", 0, 10000000, NULL, 0},
        {"noise", CLI_REAL, &m->noise, "sd of the noise on the encoder's training input", 0, 10, NULL, 0},
        {"shift", CLI_INT, &m->shift, "largest random shift (pixels) of the encoder's training input", 0, 6, NULL, 0},
        {"d-steps", CLI_INT, &m->d_steps, "D updates per iteration (fresh prior samples each)", 1, 100, NULL, 0},
        {"beta1", CLI_REAL, &m->beta1, "Adam's beta1 (momentum), all four optimisers", 0, 0.999, NULL, 0},
        {"style-dims", CLI_INT, &m->style, "style numbers in the code, after the petal's 2", 0, MAX_STYLE, NULL, 0},
    };
    session_parse(S, "11-aae", "Adversarial autoencoder on digits 0-5: unlabelled and label-conditioned.", 42, options,
                  sizeof options / sizeof options[0], SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    const cli *c = &S->cli;
    if (cfg->labels && cli_given(c, "variant") && strcmp(cfg->variant, "labels") != 0)
        cli_usage_error(c, "--labels contradicts --variant");
    if (cfg->labels)
        cfg->variant = "labels";
    cli_quick_default(c, "steps", 30);    /* --steps 30 with --quick, unless given */
    cli_quick_default(c, "batch", 50);
    cli_quick_default(c, "lr-drop-at", 20);
    cfg->model.recon = strcmp(cfg->recon, "mse") == 0 ? RECON_MSE : RECON_BCE;
    cfg->data = dataset_select(cfg->dataset, cfg->data_dir);
    session_open(S);
}

/* The models of the run (--variant), with the recipe printed; how many. */
static size_t model_configs(const config *cfg, aae_config models[MAX_MODELS])
{
    const aae_config *m = &cfg->model;
    size_t n = 0;
    for (variant_kind v = VARIANT_UNLABELLED; v <= VARIANT_SOURCE; v++)
        if (!strcmp(cfg->variant, "both") ? v != VARIANT_SOURCE : !strcmp(cfg->variant, VARIANT_NAME[v]))
            models[n] = *m, models[n++].variant = v;
    const int c = PETAL + (int)m->style;
    printf("models: %s; encoder 784-500-300-%d, decoder %d-300-500-784 (sigmoid, %s loss), D (%d or %d + 7)-100-100-1\n"
           "Adam lr %g (D, E's step 3), %g (E's step 1), %g (G), beta1 %g, all / 10 from iteration %ld\n"
           "batch %ld, %ld iterations each, %ld D updates each; E's input shifted by up to %ld px, noise sd %g\n"
           "label share %g; prior: 6 Gaussians at radius %.1f, sd %.2f along x %.2f across, %ld style numbers ~ N(0, 1)\n",
           cfg->variant, c, c, cfg->recon, c, c, m->lr, m->lr_rec, m->lr_dec, m->beta1, m->lr_drop_at, m->batch,
           cfg->steps, m->d_steps, m->shift, m->noise, m->label_share, PRIOR_SHIFT, PRIOR_SD_ALONG, PRIOR_SD_ACROSS, m->style);
    return n;
}

/* ----------------------------------------------------------------------------
 * main: the lesson in order
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);                        /* the flags: Appendix B */

    /* 1. the data: six classes, training and test; the judge of samples */
    image_set *train_set = load_six_classes(cfg.data.dir, "train");
    image_set *test_set = load_six_classes(cfg.data.dir, "t10k");
    printf("11-aae: %s classes 0-5, %zu training and %zu test images\n", cfg.data.name, train_set->n, test_set->n);
    judge *J = dataset_open_judge(&cfg.data, cfg.judge_path, "samples are not scored");

    /* 3, 9. the models of this run, side by side; 6. which labels D may see */
    aae_config models[MAX_MODELS];
    run R;
    run_init(&R, models, model_configs(&cfg, models), cfg.steps, test_set, S.rng);
    if (J)                                              /* 10. fjd's yardsticks */
        fjd_init(&R, J, train_set, S.cli.quick, S.cli.seed + FJD_SEED);
    unsigned char *known = rng_mask(S.rng, train_set->n, cfg.model.label_share);  /* 1: shown */
    const train_data T = {train_set, known};

    /* 9. train, or load what was trained (--resume: and train it on) */
    checkpoint ck;
    run_checkpoint(&R, &ck);
    if (S.load || S.resume) {
        session_load(&S, &ck, "the run");
        printf("loaded a checkpoint at iteration %ld\n", R.step);
        session_check_resume(&S, R.step, cfg.steps);
    }
    if (S.generate) {
        generate(&R, J, &S);                            /* 10. samples, and only those */
    } else {
        if (session_trains(&S)) {
            printf("\n== 9. Training%s\n", R.n_models > 1 ? ": the models side by side" : "");
            train(&R, &T, S.rng, cfg.steps, S.cli.quiet, stdout);
        } else {
            keep_codes(&R, N_SNAP - 1);                 /* loaded: its codes, now */
        }
        figure_prior(S.cli.out, S.sample_seed, cfg.data.class_title);      /* Appendix A */
        for (size_t i = 0; i < R.n_models; i++)         /* 11. what each model learned */
            results(&R, &R.m[i], train_set, J, cfg.data.class_title, &S);
    }
    session_save(&S, &ck, "the run");
    session_finish(&S);
    run_free(&R), free(known), judge_free(J), image_set_free(train_set), image_set_free(test_set);
    return 0;
}
#endif
