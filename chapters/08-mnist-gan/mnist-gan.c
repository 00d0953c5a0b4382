/* mnist-gan.c -- chapter 08: a GAN that draws the digit 2 (source 003,
 * section 4), and a conditional GAN that draws the digit you ask for (section
 * 5). Handwritten digits are points in 784 dimensions, where nobody can draw
 * a density: we look at samples, and a classifier trained on real digits
 * (the "judge", common/judge.h) scores a thousand of them. Three things
 * differ from the source, each explained where it happens and measured in
 * the README: Adam's beta1 (section 2), one D step per iteration (section
 * 4), real images with wrong labels (section 5).
 */
#include "genlab.h"

#define SIDE 28
#define IMG (SIDE * SIDE)  /* 784 pixels per image                           */
#define N_CLASSES 10
#define EVAL_N 1000        /* samples behind every judge score (--quick: 100) */
#define FJD_PER_EVAL 10    /* fjd: 10 x EVAL_N = 10 000 samples (--quick: 1000) */
#define FJD_SEED 7919UL    /* the fjd samples' seed: the evaluation seed + this */
#define GRID 10            /* sample grids are 10 x 10; progress rows 10 wide */
#define MAX_SNAPS 8        /* rows of the progress figure                     */
#define SMOOTH 200         /* steps in the trailing mean of the loss curves   */
#define GEN_BLOCK 1000     /* --generate's samples per block (a multiple of 10) */

/* ----------------------------------------------------------------------------
 * 1. The data: images as rows
 *
 * common/idx.h reads the MNIST files into an image_set: one image per row of
 * a (n, 784) matrix, pixels in [0, 1] (the source divides by 255 too), and a
 * label per row. The GAN keeps the training 2s, the cGAN every digit.
 * ------------------------------------------------------------------------- */
/* One split ("train" or "t10k"); only_class >= 0 keeps that class alone. */
static image_set *load_split(const char *dir, const char *prefix, int only_class)
{
    const unsigned char digit = (unsigned char)only_class;
    image_set *s = mnist_load_classes(dir, prefix, &digit, only_class >= 0);   /* none named: all */
    if (s->rows != SIDE || s->cols != SIDE)
        die("%s: images of %zu x %zu pixels, this chapter needs 28 x 28", dir, s->rows, s->cols);
    if (s->n == 0)
        die("%s: no %s images of class %d", dir, prefix, only_class);
    return s;
}

/* ----------------------------------------------------------------------------
 * 2. The two players
 *
 * Both are two-layer perceptrons (common/mlp.h), exactly the source's:
 *
 *     G:  [z | c]  (n, nz + nc)  -> (n, 256) ReLU -> (n, 784) sigmoid
 *     D:  [x | c]  (n, 784 + nc) -> (n, 256) ReLU -> (n, 1) logit
 *
 * c is the one-hot label: nc = 10 for the cGAN, 0 for the GAN, which is the
 * cGAN without a label (one struct, one loop for both). D's sigmoid lives in
 * loss_bce_logits, where a confident D can never produce log(0). Each player
 * has its own parameters and Adam: a step changes one and merely USES the
 * other. Adam's beta1 is 0.5, not Keras's 0.9: it is the memory of Adam's
 * running mean, and in a game old gradients point at where the OTHER player
 * used to be (README: exercise 2, a collapsed G).
 * ------------------------------------------------------------------------- */
typedef enum { MODEL_GAN, MODEL_CGAN } model_kind;
typedef enum { D_JOINT, D_SPLIT } d_update_kind;
typedef struct gan_config {  /* one model's settings, from recipe() (Appendix C) */
    model_kind kind;
    long steps;              /* training iterations: one D update, one G update */
    long batch, noise_dim, hidden;   /* rows per batch; nz; hidden units of G, D */
    long digit;              /* GAN: the class it learns (cGAN: not used)      */
    double lr_d, lr_g, beta1;   /* Adam: learning rates; beta1 (beta2 = 0.999) */
    d_update_kind d_update;  /* one D step on the whole loss, or the source's two */
    double mismatch;         /* cGAN: weight of real images with wrong labels   */
    act_kind d_act;          /* D's hidden activation                          */
} gan_config;

typedef struct gan {
    gan_config cfg;
    size_t nz, nc, n;        /* noise size, label size (0 or 10), batch rows    */
    params *PG, *PD;         /* their parameters, networks and optimisers      */
    mlp *G, *D;
    optimizer *optG, *optD;
    gsl_rng *r;              /* the training generator: batches, noise, labels  */
    long step;               /* iterations done                                 */
    const image_set *data;   /* what D sees as "real"                           */
    workspace *ws;           /* the work matrices below, n rows each            */
    gsl_matrix *g_in;        /* (n, nz + nc)  [z | c], G's input                */
    gsl_matrix *real, *fake; /* (n, 784 + nc) D's rows [x | c] and [G(z, c) | c] */
    gsl_matrix *wrong;       /* (n, 784 + nc) [x | c'], c' != c (section 5)     */
    gsl_matrix *dx;          /* (n, 784 + nc) dL/d[x | c], D's message to G     */
    gsl_matrix *dlogit;      /* (n, 1)        dL/dlogit                          */
    unsigned char *label;    /* (n)           class of each row of the batch     */
    size_t *idx;             /* (n)           which training image each row is   */
} gan;

static const char *model_tag(model_kind k) { return k == MODEL_CGAN ? "cgan" : "gan"; }

static gan *gan_new(const gan_config *cfg, const image_set *data, unsigned long seed)
{
    gan *g = xmalloc(sizeof *g, "a GAN");
    *g = (gan){.cfg = *cfg, .nz = (size_t)cfg->noise_dim, .n = (size_t)cfg->batch, .data = data,
               .nc = cfg->kind == MODEL_CGAN ? N_CLASSES : 0, .r = rng_new(seed)};
    const size_t wg[] = {g->nz + g->nc, (size_t)cfg->hidden, IMG},
                 wd[] = {IMG + g->nc, (size_t)cfg->hidden, 1};
    g->PG = params_alloc(mlp_size(wg, 3));
    g->PD = params_alloc(mlp_size(wd, 3));
    g->G = mlp_new(g->PG, wg, 3, ACT_RELU, ACT_SIGMOID, g->n);
    g->D = mlp_new(g->PD, wd, 3, cfg->d_act, ACT_IDENTITY, g->n);
    mlp_init_xavier(g->G, g->r);               /* Keras's default has the same variance */
    mlp_init_xavier(g->D, g->r);
    g->optG = optim_adam(g->PG, cfg->lr_g, cfg->beta1, 0.999);
    g->optD = optim_adam(g->PD, cfg->lr_d, cfg->beta1, 0.999);
    g->ws = ws_new(g->n);
    ws_add(g->ws, &g->g_in, g->nz + g->nc);
    ws_add(g->ws, &g->real, IMG + g->nc);
    ws_add(g->ws, &g->fake, IMG + g->nc);
    ws_add(g->ws, &g->wrong, IMG + g->nc);
    ws_add(g->ws, &g->dx, IMG + g->nc);
    ws_add(g->ws, &g->dlogit, 1);
    g->label = xcalloc(g->n, 1, "a GAN"), g->idx = xcalloc(g->n, sizeof *g->idx, "a GAN");
    return g;
}

static void gan_free(gan *g)
{
    mlp_free(g->G); mlp_free(g->D); params_free(g->PG); params_free(g->PD);
    optim_free(g->optG); optim_free(g->optD); gsl_rng_free(g->r); ws_free(g->ws);
    free(g->label); free(g->idx); free(g);
}

/* ----------------------------------------------------------------------------
 * 3. Building a batch: concatenation is all the conditioning there is
 *
 *     G's row i:  [ z_i (nz numbers from N(0, 1)) | one_hot(c_i) (10 numbers) ]
 *     D's row i:  [ x_i (784 pixels)              | one_hot(c_i) (10 numbers) ]
 *
 * so the label reaches the first hidden layer as ten extra inputs: one row
 * of W per label, a bias that depends on the label. Real rows are drawn with
 * replacement (the source's np.random.randint); D's fakes carry the labels
 * of the real rows beside them, so D compares real and fake 7s, not real 7s
 * with fake 3s. G's step draws labels uniformly.
 * ------------------------------------------------------------------------- */
static void put_onehot(gsl_matrix *M, size_t i, size_t from, size_t nc, int k)
{
    for (size_t j = 0; j < nc; j++)
        gsl_matrix_set(M, i, from + j, (int)j == k ? 1.0 : 0.0);
}

/* real [x | c] rows from the training images, and with --mismatch the same
 * images with a wrong label: rows and labels drawn first, row by row, then
 * the images copied (mat_gather_rows: on a team, half the rows each) */
static void real_batch(gan *g)
{
    const int mismatch = g->nc && g->cfg.mismatch > 0.0;
    for (size_t i = 0; i < g->n; i++) {
        g->idx[i] = gsl_rng_uniform_int(g->r, g->data->n);
        g->label[i] = g->data->labels[g->idx[i]];
        put_onehot(g->real, i, IMG, g->nc, g->label[i]);
        if (mismatch) {                              /* any other label: + 1..9 */
            const int shift = 1 + (int)gsl_rng_uniform_int(g->r, N_CLASSES - 1);
            put_onehot(g->wrong, i, IMG, g->nc, (g->label[i] + shift) % N_CLASSES);
        }
    }
    gsl_matrix_view x = gsl_matrix_submatrix(g->real, 0, 0, g->n, IMG);
    gsl_matrix_view w = gsl_matrix_submatrix(g->wrong, 0, 0, g->n, IMG);
    mat_gather_rows(&x.matrix, g->data->images, g->idx, g->n);
    if (mismatch)                                    /* the same images */
        mat_gather_rows(&w.matrix, g->data->images, g->idx, g->n);
}

/* G's input [z | c]: fresh noise; new labels, or (D's step) those in g->label */
static void noise_batch(gan *g, int new_labels)
{
    for (size_t i = 0; i < g->n; i++) {
        for (size_t j = 0; j < g->nz; j++)
            gsl_matrix_set(g->g_in, i, j, gsl_ran_gaussian(g->r, 1.0));
        if (g->nc && new_labels)
            g->label[i] = (unsigned char)gsl_rng_uniform_int(g->r, N_CLASSES);
        put_onehot(g->g_in, i, g->nz, g->nc, g->label[i]);
    }
}

/* fake = [G(z, c) | c] for the n rows of g_in (c: their labels, g->label) */
static void make_fakes(gan *g)
{
    gsl_matrix_view x = gsl_matrix_submatrix(g->fake, 0, 0, g->n, IMG);
    gsl_matrix_memcpy(&x.matrix, mlp_forward(g->G, g->g_in));          /* (n, 784) */
    for (size_t i = 0; i < g->n; i++)
        put_onehot(g->fake, i, IMG, g->nc, g->label[i]);
}

/* ----------------------------------------------------------------------------
 * 4. The discriminator's step (G fixed)
 *
 * D is a classifier: 1 for real rows, 0 for G's. Its loss is two binary
 * cross-entropies, each a mean over its batch:
 *
 *     L_D = BCE(l(x_real), 1) + BCE(l(G(z)), 0)
 *         = -mean log D(x_real) - mean log(1 - D(G(z)))
 *
 *     dL_D/dl = (sigmoid(l) - 1) / n  on real rows,   sigmoid(l) / n  on fakes
 *
 * mlp keeps the activations of its LAST forward pass only: real forward, real
 * backward, fake forward, fake backward, each backward adding into PD->grad.
 * The source's text takes ONE Adam step on L_D (--d-update joint, ours), its
 * code TWO, one per term (split): each sees one class only, and Adam's
 * running mean partly cancels them (README: exercise 1).
 * ------------------------------------------------------------------------- */
static double d_part(gan *g, const gsl_matrix *X, double target, double weight, int want_grad, double *mean_p)
{
    gsl_matrix_view dl = mat_rows(g->dlogit, X->size1);
    const gsl_matrix *logit = mlp_forward(g->D, X);                    /* (n, 1) */
    double loss = weight * loss_bce_logits(logit, NULL, target, want_grad ? &dl.matrix : NULL);
    if (mean_p)
        *mean_p = mean_sigmoid(logit);
    if (want_grad) {
        gsl_matrix_scale(&dl.matrix, weight);
        mlp_backward(g->D, &dl.matrix, NULL);                          /* += dL/dW */
    }
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. What the source's cGAN never shows D: a right image with a wrong label
 *
 * Nothing in the source tells D that a real 7 labelled "3" is wrong, and G at
 * first ignores c: D learns realism first and the labels very slowly
 * (README). A matching-aware D (Reed et al., 2016) also sees real images with
 * a wrong label c' (one of the nine others), which it must call fake:
 *
 *     L_D = BCE(l(x, c), 1) + BCE(l(G(z, c), c), 0) + w BCE(l(x, c'), 0)
 *
 * D must check that image and label agree from the first step, and G's
 * gradient through D carries that check. w = 2 (--mismatch w; 0 is the
 * source's loss) reaches class_accuracy 0.95 in 15 000 steps (README).
 * ------------------------------------------------------------------------- */
static double d_mismatch(gan *g, int want_grad)     /* the third term, if any */
{
    const int on = g->nc && g->cfg.mismatch > 0.0;
    return on ? d_part(g, g->wrong, 0.0, g->cfg.mismatch, want_grad, NULL) : 0.0;
}

/* L_D at the current batch (g->real, g->g_in); with want_grad, PD->grad =
 * dL_D/dtheta_D. The gradient check in tests/ differentiates this. */
static double d_loss(gan *g, int want_grad, double *p_real, double *p_fake)
{
    if (want_grad)
        params_zero_grad(g->PD);
    make_fakes(g);
    return d_part(g, g->real, 1.0, 1.0, want_grad, p_real)
         + d_part(g, g->fake, 0.0, 1.0, want_grad, p_fake) + d_mismatch(g, want_grad);
}

static double d_step(gan *g, double *p_real, double *p_fake)
{
    real_batch(g);
    noise_batch(g, 0);                       /* fakes get the real rows' labels */
    if (g->cfg.d_update == D_JOINT) {
        double loss = d_loss(g, 1, p_real, p_fake);
        optim_step(g->optD);                 /* one step on the whole L_D       */
        return loss;
    }
    make_fakes(g);                           /* as the source's code: two steps */
    params_zero_grad(g->PD);
    double loss = d_part(g, g->real, 1.0, 1.0, 1, p_real);
    optim_step(g->optD);
    params_zero_grad(g->PD);
    loss += d_part(g, g->fake, 0.0, 1.0, 1, p_fake) + d_mismatch(g, 1);
    optim_step(g->optD);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 6. The generator's step (D frozen): backpropagating through D
 *
 * G wants D to call its rows real (the non-saturating loss of chapter 05):
 *
 *     L_G = -mean log D(G(z, c)) = BCE(l(G(z, c)), 1)
 *
 * L_G reaches G's weights only through x = G(z, c), and D sits between x and
 * the loss. The chain rule, one row per sample:
 *
 *     dL/dl          = (sigmoid(l) - 1) / n                         (n, 1)
 *     dL/d[x | c]    = back through D, weights used, not changed    (n, 784 + nc)
 *     dL/dx          = the first 784 columns of that                (n, 784)
 *     dL/dtheta_G    = back through G from dL/dx                    (PG)
 *
 * mlp_backward_input computes only dL/d[x | c]: D's gradient and optimiser
 * are untouched, all that "discriminator.trainable = False" means. dL/dc is
 * dropped: c is an input we chose. (Taking the wrong 784 columns is the
 * classic slip; tests/ shows that the gradient check catches it.)
 * ------------------------------------------------------------------------- */
static double g_loss(gan *g, int want_grad)
{
    make_fakes(g);                                                     /* x = G(z, c) */
    gsl_matrix_view dl = mat_rows(g->dlogit, g->n);
    const gsl_matrix *logit = mlp_forward(g->D, g->fake);              /* l = D(x, c) */
    double loss = loss_bce_logits(logit, NULL, 1.0, want_grad ? &dl.matrix : NULL);
    if (!want_grad)
        return loss;
    params_zero_grad(g->PG);
    mlp_backward_input(g->D, &dl.matrix, g->dx);                       /* (n, 784 + nc) */
    gsl_matrix_view dimg = gsl_matrix_submatrix(g->dx, 0, 0, g->n, IMG);   /* (n, 784) */
    mlp_backward(g->G, &dimg.matrix, NULL);                            /* += dL/dtheta_G */
    return loss;
}

/* ----------------------------------------------------------------------------
 * 7. Measuring samples: the judge
 *
 * Losses measure G against a D that keeps changing, not the images. The
 * judge is a fixed yardstick: of a thousand samples, the share it calls a 2
 * (judge_share_target) or the class asked for (class_accuracy), its mean
 * confidence and its verdicts' histogram. The samples come from FIXED noise,
 * so two steps' scores differ only because G changed; cGAN sample i is
 * (z_{i / 10}, c = i mod 10), the first 100 the 10 x 10 grid (row = z,
 * column = c). One perfect 2 drawn every time scores 100 %, so
 * diversity_ratio divides the mean distance of two samples of a class by
 * that of two real images: about 1 for a G as varied as the data.
 *
 * And the samples as a whole: fjd, the Frechet distance (common/frechet.h)
 * between Gaussians fitted to the judge's last hidden layer on 10 000
 * samples and on the real TEST digits of G's classes: FID with the judge in
 * place of an ImageNet network (README). One perfect 2 drawn every time has
 * no spread, and a large fjd. fjd_floor (real TRAINING digits) is what a
 * perfect G scores, fjd_noise what noise images do.
 * ------------------------------------------------------------------------- */
typedef struct sample_set {
    size_t n;
    gsl_rng *r;               /* the fixed noise's own generator              */
    gsl_matrix *z, *images;   /* (n, nz) their fixed noise; (n, 784) the images
                                 of the last evaluation                        */
    unsigned char *want, *judged;   /* (n) class asked for (GAN: its digit), judged */
    double *conf;             /* (n) the judge's confidence                   */
    double div_real;          /* mean distance of two real images of a class  */
} sample_set;
typedef struct evaluation {   /* what measuring the samples gives             */
    judge_verdict judged;     /* share judged as asked, confidence, histogram,
                                 confusion [asked][judged] (common/judge.h)  */
    double diversity;         /* diversity_ratio                              */
} evaluation;

/* The next n samples' noise and asked-for class, from e->r: n = 1000 twice
 * is n = 2000 once (n a multiple of 10: a cGAN's ten never straddle two). */
static void sample_set_draw(sample_set *e, const gan *g)
{
    for (size_t i = 0; i < e->n; i++) {
        if (g->nc && i % N_CLASSES)          /* cGAN: the z of its block of ten */
            memcpy(gsl_matrix_ptr(e->z, i, 0), gsl_matrix_ptr(e->z, i - 1, 0), g->nz * sizeof(double));
        else
            for (size_t j = 0; j < g->nz; j++)
                gsl_matrix_set(e->z, i, j, gsl_ran_gaussian(e->r, 1.0));
        e->want[i] = (unsigned char)(g->nc ? i % N_CLASSES : (size_t)g->cfg.digit);
    }
}

/* n samples of fixed noise, and the yardstick of diversity: real images */
static sample_set *sample_set_new(const gan *g, size_t n, unsigned long seed)
{
    sample_set *e = xmalloc(sizeof *e, "the samples");
    *e = (sample_set){.n = n, .r = rng_new(seed), .z = gsl_matrix_alloc(n, g->nz),
                      .images = gsl_matrix_alloc(n, IMG), .want = xmalloc(n, "the samples"),
                      .judged = xmalloc(n, "the samples"), .conf = xmalloc(n * sizeof(double), "samples")};
    sample_set_draw(e, g);
    const size_t n_real = g->data->n < 2 * EVAL_N ? g->data->n : 2 * EVAL_N;
    e->div_real = mean_pair_distance(g->data->images, g->data->labels, n_real);
    return e;
}

static void sample_set_free(sample_set *e)
{
    gsl_rng_free(e->r); gsl_matrix_free(e->z); gsl_matrix_free(e->images);
    free(e->want); free(e->judged); free(e->conf); free(e);
}

/* images[0..m-1] = G(z_i, c_i) for the first m samples, batch by batch */
static void draw_samples(gan *g, const sample_set *e, size_t m, gsl_matrix *images)
{
    for (size_t start = 0; start < m; start += g->n) {
        const size_t k = m - start < g->n ? m - start : g->n;
        gsl_matrix_view in = mat_rows(g->g_in, k);
        for (size_t i = 0; i < k; i++) {
            memcpy(gsl_matrix_ptr(&in.matrix, i, 0), gsl_matrix_const_ptr(e->z, start + i, 0), g->nz * sizeof(double));
            put_onehot(&in.matrix, i, g->nz, g->nc, e->want[start + i]);
        }
        gsl_matrix_view dst = gsl_matrix_submatrix(images, start, 0, k, IMG);
        gsl_matrix_memcpy(&dst.matrix, mlp_forward(g->G, &in.matrix));   /* (k, 784) */
    }
}

/* Draw all n samples, measure their diversity, and let the judge count. */
static evaluation evaluate(gan *g, sample_set *e, judge *j)
{
    evaluation v = {0};
    draw_samples(g, e, e->n, e->images);
    v.diversity = mean_pair_distance(e->images, e->want, e->n) / e->div_real;
    if (j)
        v.judged = judge_verdicts(j, e->images, e->want, e->judged, e->conf);
    return v;
}

/* fjd's n samples: a z each (not one per ten), asking for the test digits' classes */
static sample_set *fjd_samples(const gan *g, const image_set *test, size_t n, unsigned long seed)
{
    sample_set *f = sample_set_new(g, n, seed);
    rng_fill_gaussian(f->r, f->z, 0.0, 1.0);
    for (size_t i = 0; i < n; i++)
        f->want[i] = g->nc ? test->labels[i % test->n] : (unsigned char)g->cfg.digit;
    return f;
}

/* z = style, c = class (source 003, section 5.2), as a number: split the ink
 * (mean pixel value) of cGAN sample (z_k, c) as an analysis of variance does,
 *     ink[k][c] = m + a_k + b_c + e_kc        a_k: effect of z_k, b_c: of class c
 * style_share = var(a) / (var(a) + var(e)): the share of what the class
 * leaves open that z alone sets, the same for every digit (about 0.1 if z
 * meant nothing across classes: a_k would be a mean of ten residuals). */
static double style_share(const sample_set *e)
{
    const size_t K = e->n / N_CLASSES;                  /* e->n <= EVAL_N */
    double ink[EVAL_N] = {0}, a[EVAL_N / N_CLASSES] = {0}, b[N_CLASSES] = {0}, m = 0.0, va = 0.0, ve = 0.0;
    for (size_t i = 0; i < K * N_CLASSES; i++) {
        for (size_t p = 0; p < IMG; p++)
            ink[i] += gsl_matrix_get(e->images, i, p) / IMG;
        m += ink[i] / (double)(K * N_CLASSES);
        a[i / N_CLASSES] += ink[i] / N_CLASSES;         /* row means    */
        b[i % N_CLASSES] += ink[i] / (double)K;         /* column means */
    }
    for (size_t k = 0; k < K; k++)
        va += (a[k] - m) * (a[k] - m) / (double)K;
    for (size_t i = 0; i < K * N_CLASSES; i++) {
        double r = ink[i] - a[i / N_CLASSES] - b[i % N_CLASSES] + m;
        ve += r * r / (double)(K * N_CLASSES);
    }
    return va + ve > 0.0 ? va / (va + ve) : 0.0;
}

/* ----------------------------------------------------------------------------
 * 8. Training: alternate the two steps, and keep a record
 *
 * One iteration: one D update (sections 4-5), one G update (section 6), each
 * on a fresh batch, as the source. train() runs until the model has done
 * `to_step`, from scratch or from a checkpoint. A recorder (the tests train
 * without one) keeps the losses in a history (common/history.h), the judge's
 * verdicts and a few snapshots, never touching g->r: it changes nothing.
 * ------------------------------------------------------------------------- */
typedef struct recorder {
    const char *tag;            /* "gan" / "cgan" in the log                  */
    judge *j;                   /* NULL: no judge scores                      */
    sample_set *e;              /* the fixed-z samples (section 7)            */
    long from, to, log_every, eval_every;      /* the steps this run trains   */
    long snap_at[MAX_SNAPS], snap_step[MAX_SNAPS];  /* snapshots: planned, taken */
    size_t n_snap_at, n_snaps;
    history *loss, *score;      /* every step: D loss, G loss, D(real), D(fake);
                                   every evaluation: score, confidence, diversity */
    gsl_matrix *snaps;          /* (MAX_SNAPS * 10, 784) the snapshots' samples */
    double goal;                /* the judge's score the issue asks for, and   */
    long steps_to_goal;         /* the first evaluated step that reached it (-1) */
    evaluation last;            /* at the last step                           */
    judge_verdict real;         /* the judge on the real test images          */
    image_set *test;            /* the real test digits of G's classes        */
    sample_set *f;              /* with a judge: the fjd's samples (section 7) */
    fjd_reference ref;          /* their reference, fjd_floor and fjd_noise    */
    history *fjd;               /* fjd at the start and at every log line      */
    progress prog;
} recorder;

/* The "== 8." header, the model's setup, and where training starts: at 0, or
 * at a checkpoint's step (--load: no further). Then a record from there to
 * rec->to on the samples e: about ten log lines and 40 evaluations (fewer in
 * short runs); snapshots at from and from + (to - from) / 2^k, k = 6 .. 0. */
static void recorder_init(recorder *rec, const session *S, const gan *g, const dataset_info *ds,
                          judge *j, sample_set *e, unsigned long fjd_seed)
{
    const gan_config *c = &g->cfg;
    const int cond = c->kind == MODEL_CGAN;
    printf("\n== 8. Training the %s: %s%s, %zu training images\n", cond ? "conditional GAN" : "GAN",
           cond ? "all classes" : "class ", cond ? "" : ds->class_name[c->digit], g->data->n);
    printf("G %zu -> %ld -> 784, D %zu -> %ld -> 1 (%s); Adam(%g, 0.999) lr D %g, G %g; batch %ld; "
           "D update %s", g->nz + g->nc, c->hidden, IMG + g->nc, c->hidden, act_name(c->d_act),
           c->beta1, c->lr_d, c->lr_g, c->batch, c->d_update == D_JOINT ? "joint" : "split");
    if (cond)
        printf("; wrong-label weight %g", c->mismatch);
    printf(S->load ? "\n" : "; %ld steps\n", c->steps);
    session_check_resume(S, g->step, c->steps);
    const long from = g->step, to = S->load ? from : c->steps, span = to - from;
    if (S->load || S->resume)
        printf("%s: starts from a checkpoint at step %ld; %s\n", model_tag(c->kind), from,
               to > from ? "training on" : "no training");
    *rec = (recorder){.tag = model_tag(c->kind), .j = j, .e = e, .from = from, .to = to,
                      .goal = cond ? 0.9 : 0.8, .steps_to_goal = -1};
    rec->log_every = rec->eval_every = span >= 10 ? span / 10 : 1;
    if (rec->log_every >= 40) {
        rec->eval_every = rec->log_every / 4;
        rec->log_every = 4 * rec->eval_every;
    }
    rec->snap_at[rec->n_snap_at++] = from;
    for (int k = MAX_SNAPS - 2; k >= 0; k--)
        if (from + span / (1L << k) > rec->snap_at[rec->n_snap_at - 1])
            rec->snap_at[rec->n_snap_at++] = from + span / (1L << k);
    rec->loss = history_new((size_t)(span > 0 ? span : 1), SMOOTH, "d_loss g_loss D_real D_fake");
    rec->score = history_new((size_t)(span / rec->eval_every + 12), 1, "score confidence diversity_ratio");
    rec->snaps = gsl_matrix_calloc(MAX_SNAPS * GRID, IMG);
    rec->test = load_split(ds->dir, "t10k", cond ? -1 : (int)c->digit);    /* REAL images */
    rec->fjd = history_new(rec->loss->cap / rec->log_every + 2, 1, "fjd");
    if (j) {
        rec->f = fjd_samples(g, rec->test, FJD_PER_EVAL * e->n, fjd_seed);
        rec->ref = fjd_reference_for(j, rec->test->images, g->data->images, rec->f->n, rec->f->r);
    }
    progress_start(&rec->prog, span, S->cli.quiet);
}

/* After every step (and before the first): evaluate, snapshot, log (the mean
 * losses since the last log line), as the step asks; the last step always. */
static void record(recorder *rec, gan *g, const double *v)
{
    const long step = g->step, done = step - rec->from;
    if (done > 0)
        history_add(rec->loss, step, v);
    evaluation ev = {0};
    if (done % rec->eval_every == 0 || step == rec->to) {   /* (every logged step too) */
        ev = rec->last = evaluate(g, rec->e, rec->j);
        history_add(rec->score, step, (const double[]){ev.judged.score, ev.judged.confidence, ev.diversity});
        if (rec->j && rec->steps_to_goal < 0 && ev.judged.score >= rec->goal)
            rec->steps_to_goal = step;
    }
    if (rec->n_snaps < rec->n_snap_at && step == rec->snap_at[rec->n_snaps]) {
        gsl_matrix_view rows = gsl_matrix_submatrix(rec->snaps, rec->n_snaps * GRID, 0, GRID, IMG);
        draw_samples(g, rec->e, GRID, &rows.matrix);
        rec->snap_step[rec->n_snaps++] = step;
    }
    const int log_line = done > 0 && (done % rec->log_every == 0 || step == rec->to);
    if (rec->f && (done == 0 || log_line)) {             /* fjd: the samples against the test digits */
        draw_samples(g, rec->f, rec->f->n, rec->f->images);
        history_add(rec->fjd, step, (const double[]){judge_fjd(rec->j, rec->ref.test, rec->f->images)});
    }
    if (log_line) {
        const size_t b = rec->loss->n, a = b >= (size_t)rec->log_every ? b - rec->log_every : 0;
        printf("%-4s step %6ld  D loss %.3f  G loss %.3f  D(real) %.2f  D(fake) %.2f", rec->tag,
               step, history_average(rec->loss, 0, a, b), history_average(rec->loss, 1, a, b),
               history_average(rec->loss, 2, a, b), history_average(rec->loss, 3, a, b));
        if (rec->j)
            printf("  judge %5.1f %%  fjd %6.2f", 100.0 * ev.judged.score, history_last(rec->fjd, 0));
        printf("  diversity %.2f\n", ev.diversity);
    }
    progress_report(&rec->prog, done, "D loss %.3f  G loss %.3f", v[0], v[1]);
}

static void recorder_free(recorder *rec)
{
    history_free(rec->loss); history_free(rec->score); history_free(rec->fjd);
    gsl_matrix_free(rec->snaps); sample_set_free(rec->e); image_set_free(rec->test);
    fjd_reference_free(&rec->ref);                 /* (nothing without a judge) */
    if (rec->f)
        sample_set_free(rec->f);
}

static void train(gan *g, long to_step, recorder *rec)
{
    double v[4] = {0};                            /* D loss, G loss, D(real), D(fake) */
    if (rec)
        record(rec, g, v);                        /* the starting point */
    while (g->step < to_step) {
        v[0] = d_step(g, &v[2], &v[3]);
        check_finite(v[0], "D loss", g->step);
        noise_batch(g, 1);                        /* G's step: fresh z, fresh labels */
        v[1] = g_loss(g, 1);
        optim_step(g->optG);
        check_finite(v[1], "G loss", g->step);
        g->step++;
        if (rec)
            record(rec, g, v);
    }
    if (rec && rec->to > rec->from)                /* "done in ... s" on stderr */
        progress_end(&rec->prog);
}

/* ----------------------------------------------------------------------------
 * 9. The verdict on the trained model
 *
 * Losses (mean of the last tenth of the steps), diversity, the judge's
 * verdicts; and what they are worth: the same judge on REAL test images.
 * ------------------------------------------------------------------------- */
static void measure(const gan *g, recorder *rec, const dataset_info *ds, metrics *m)
{
    const int cond = g->cfg.kind == MODEL_CGAN, d = (int)g->cfg.digit;
    const char *tag = rec->tag, *loss_name[] = {"d_loss", "g_loss", "d_real", "d_fake"};
    const size_t nl = rec->loss->n, tenth = nl / 10 > 0 ? nl / 10 : nl;
    for (size_t c = 0; c < 4 && nl > 0; c++)
        metrics_setf(m, history_average(rec->loss, c, nl - tenth, nl), "%s_%s", tag, loss_name[c]);
    metrics_setf(m, (double)g->step, "%s_steps", tag);
    if (rec->f)             /* the final verdict: on fjd's 10 000 samples, not 1000 */
        rec->last.judged = judge_verdicts(rec->j, rec->f->images, rec->f->want, NULL, NULL);
    const judge_verdict v = rec->last.judged;
    metrics_setf(m, rec->last.diversity, "%s_diversity_ratio", tag);
    if (rec->j) {
        const image_set *test = rec->test;                          /* REAL images */
        rec->real = judge_verdicts(rec->j, test->images, test->labels, NULL, NULL);
        const double worst = gsl_stats_min(v.confusion[0], N_CLASSES + 1, N_CLASSES);  /* the diagonal */
        if (cond)
            printf("cgan result: %.1f %% of %zu samples are judged the class asked for (worst class "
                   "%.1f %%), mean confidence %.3f\ncgan result: the judge itself is right on %.1f %% "
                   "of real test images\n", 100 * v.score, rec->f->n, 100 * worst, v.confidence,
                   100 * rec->real.score);
        else
            printf("gan result: the judge calls %.1f %% of %zu samples a %s (mean confidence %.3f); "
                   "real test images: %.1f %%\n", 100.0 * v.score, rec->f->n, ds->class_name[d],
                   v.confidence, 100.0 * rec->real.hist[d]);
        static const char *name[2][5] = {
            {"judge_share_target", "judge_mean_confidence", "judge_share_target_real", "gan_steps_to_goal"},
            {"class_accuracy", "class_accuracy_worst", "cgan_mean_confidence", "cgan_steps_to_goal",
             "judge_accuracy_real"}};
        const double value[2][5] = {{v.score, v.confidence, rec->real.hist[d], (double)rec->steps_to_goal},
                                    {v.score, worst, v.confidence, (double)rec->steps_to_goal, rec->real.score}};
        for (int k = 0; k < 5 && name[cond][k]; k++)
            metrics_set(m, name[cond][k], value[cond][k]);
        for (int k = 0; k < N_CLASSES && !cond; k++)
            metrics_setf(m, v.hist[k], "judge_share_%d", k);
        const double fjd = history_last(rec->fjd, 0), untrained = gsl_matrix_get(rec->fjd->rows, 0, 1);
        printf("%s result: Frechet judge distance %.2f on %zu samples against %zu test digits "
               "(real training digits %.2f, noise %.1f; at step %ld %.1f)\n", tag, fjd, rec->f->n,
               rec->ref.test->n, rec->ref.floor, rec->ref.noise, rec->from, untrained);
        const double fv[5] = {fjd, rec->ref.floor, rec->ref.noise, untrained, fjd / untrained};
        static const char *fn[5] = {"fjd", "fjd_floor", "fjd_noise", "fjd_start", "fjd_vs_start"};
        for (int k = 0; k < 5; k++)
            metrics_setf(m, fv[k], "%s_%s", tag, fn[k]);
    }
    printf("%s result: samples differ %.2f times as much as real images of a class do\n",
           tag, rec->last.diversity);
    if (cond) {                                         /* z = style (section 7) */
        const double share = style_share(rec->e);
        metrics_set(m, "cgan_style_ink_share", share);
        printf("cgan result: z alone sets %.0f %% of the ink that the class does not "
               "(about 10 %% if z meant nothing across classes)\n", 100.0 * share);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix A. Checkpoints: stop, and carry on exactly
 *
 * Both networks, both Adam states (moments and step counts), the step, the
 * training generator g->r (in the place of the session's S->rng, which is
 * done with) and the GAN's class: train to N, save, resume to N + M is bit
 * for bit train to N + M (tests/test_08_mnist_gan.c). Not the loss log.
 * ------------------------------------------------------------------------- */
static void describe(checkpoint *ck, gan *g)
{
    static const char *part[] = {"G", "D", "G.adam", "D.adam", "step"};
    char name[5][CHECKPOINT_NAME_LEN];
    for (int k = 0; k < 5; k++)
        snprintf(name[k], sizeof name[k], "%s.%s", model_tag(g->cfg.kind), part[k]);
    *ck = (checkpoint){0};
    checkpoint_add_params(ck, name[0], g->PG);
    checkpoint_add_params(ck, name[1], g->PD);
    checkpoint_add_optimizer(ck, name[2], g->optG);
    checkpoint_add_optimizer(ck, name[3], g->optD);
    checkpoint_add_long(ck, name[4], &g->step);
    if (g->cfg.kind == MODEL_GAN)
        checkpoint_add_long(ck, "gan.digit", &g->cfg.digit);
}

static void save_model(session *S, gan *g)           /* --save (else nothing) */
{
    checkpoint ck;
    char what[64];
    if (!S->save)
        return;
    describe(&ck, g);
    gsl_rng_memcpy(S->rng, g->r);
    snprintf(what, sizeof what, "%s at step %ld", model_tag(g->cfg.kind), g->step);
    session_save(S, &ck, what);
}

static void load_model(session *S, gan *g)           /* --load or --resume */
{
    checkpoint ck;
    const long digit = g->cfg.digit;
    describe(&ck, g);
    session_load(S, &ck, model_tag(g->cfg.kind));
    gsl_rng_memcpy(g->r, S->rng);
    if (g->cfg.kind == MODEL_GAN && g->cfg.digit != digit)
        die("%s: a GAN of class %ld; add --digit %ld", S->load ? S->load : S->resume,
            g->cfg.digit, g->cfg.digit);
}

/* ----------------------------------------------------------------------------
 * Appendix B. Figures (chapters/08-mnist-gan/figures/NAME.gp): the data of
 * P_loss, P_progress (P = gan or cgan), gan_samples, gan_judge,
 * cgan_style_class, cgan_confusion and generated, and values.gp.
 * ------------------------------------------------------------------------- */
static void draw(const gan *g, const recorder *rec, const dataset_info *ds, const char *out)
{
    const int cond = g->cfg.kind == MODEL_CGAN;
    const char *tag = rec->tag, *grid = cond ? "cgan_style_class" : "gan_samples";
    const char *judged = cond ? "cgan_confusion" : "gan_judge";
    char name[64], key[32];
    for (int k = 0; k < N_CLASSES; k++) {
        snprintf(key, sizeof key, "class_name_%d", k);
        fig_text(key, "%s", ds->class_name[k]);
    }
    fig_value("image_side", SIDE);
    fig_text("dataset_name", "%s", ds->title);
    if (!cond)
        fig_text("gan_class", "%s", ds->class_name[g->cfg.digit]);
    fig_valuef((double)g->step, "%s_steps", tag);
    fig_valuef((double)rec->e->n, "%s_eval_n", tag);
    fig_valuef((double)(rec->f ? rec->f->n : rec->e->n), "%s_judged_n", tag);
    if (rec->loss->n > 0) {                   /* P_loss: the loss history, the scores */
        snprintf(name, sizeof name, "%s_loss.dat", tag);
        history_write(rec->loss, out, name);
        snprintf(name, sizeof name, "%s_score.dat", tag);
        history_write(rec->score, out, name);
        fig_usef("%s_loss", tag);
        fig_value("loss_mean_steps", SMOOTH);
        fig_valuef(rec->j != NULL, "%s_with_judge", tag);
        fig_valuef(rec->goal, "%s_goal", tag);
        if (cond)
            fig_value("cgan_mismatch", g->cfg.mismatch);
        if (rec->f) {                         /* P_fjd: fjd over training */
            snprintf(name, sizeof name, "%s_fjd.dat", tag);
            history_write(rec->fjd, out, name);
            fig_valuef(rec->ref.floor, "%s_fjd_floor", tag);
            fig_valuef(rec->ref.noise, "%s_fjd_noise", tag);
            fig_valuef((double)rec->f->n, "%s_fjd_n", tag);
            fig_usef("%s_fjd", tag);
        }
    }
    if (rec->j) {                             /* the judge's histograms, or confusion */
        double h[N_CLASSES][3];
        for (int k = 0; k < N_CLASSES; k++)
            memcpy(h[k], (const double[]){k, rec->last.judged.hist[k], rec->real.hist[k]}, sizeof h[k]);
        gsl_matrix_const_view M = cond ? gsl_matrix_const_view_array(rec->last.judged.confusion[0], N_CLASSES, N_CLASSES)
                                       : gsl_matrix_const_view_array(h[0], N_CLASSES, 3);
        snprintf(name, sizeof name, "%s.dat", judged);
        out_write_matrix(out, name, cond ? "row a, column b: share of the samples asked for class a that "
                         "the judge calls b" : "class share_of_GAN_samples share_of_real_test_images", &M.matrix);
        fig_use(judged);
    }
    snprintf(name, sizeof name, "%s_progress", tag);       /* P_progress: the snapshots */
    fig_snapshot_grid(out, name, rec->snaps, SIDE, rec->n_snaps, GRID, rec->snap_step);
    gsl_matrix_const_view first = gsl_matrix_const_submatrix(rec->e->images, 0, 0, GRID * GRID, IMG);
    fig_image_grid(out, grid, &first.matrix, SIDE, SIDE, GRID, GRID);
    fig_use(grid);
}

/* --generate K: K samples (the first 100 as a grid) and the judge's score, in
 * blocks (K = 100 000 is 600 MB of pixels), from the session's sample seed:
 * the same samples on every call, and the first K' of them for K' < K. */
static void generate(gan *g, judge *j, session *S)
{
    const int cond = g->cfg.kind == MODEL_CGAN;
    const size_t K = (size_t)S->generate, shown = K < GRID * GRID ? K : GRID * GRID;
    sample_set *e = sample_set_new(g, K < GEN_BLOCK ? K : GEN_BLOCK, S->sample_seed);
    FILE *f = out_open(S->cli.out, "generated_samples.dat");
    fprintf(f, "# class_asked then 784 pixel values in [0, 1], row by row (28 x 28)\n");
    double right = 0.0, confidence = 0.0;            /* the judge's verdicts, summed */
    for (size_t start = 0; start < K; start += e->n) {
        const size_t k = K - start < e->n ? K - start : e->n;
        if (start > 0)
            sample_set_draw(e, g);
        draw_samples(g, e, k, e->images);
        gsl_matrix_const_view block = gsl_matrix_const_submatrix(e->images, 0, 0, k, IMG);
        if (start == 0)
            fig_image_grid(S->cli.out, "generated", &block.matrix, SIDE, SIDE, (shown + GRID - 1) / GRID, GRID);
        const judge_verdict v = j ? judge_verdicts(j, &block.matrix, e->want, NULL, NULL) : (judge_verdict){0};
        right += v.score * (double)k;
        confidence += v.confidence * (double)k;
        for (size_t i = 0; i < k; i++) {
            fprintf(f, "%d", e->want[i]);
            for (size_t p = 0; p < IMG; p++)
                fprintf(f, " %.9g", gsl_matrix_get(e->images, i, p));
            fputc('\n', f);
        }
    }
    out_close(f, "generated_samples.dat");
    sample_set_free(e);
    fig_use("generated");
    fig_value("generated_shown", (double)shown);
    fig_value("generated_step", (double)g->step);
    fig_value("generated_conditional", cond);
    printf("%s: wrote %zu samples of the model at step %ld\n", model_tag(g->cfg.kind), K, g->step);
    if (j) {
        printf("%s: the judge calls %.1f %% of them the class asked for (mean confidence %.3f)\n",
               model_tag(g->cfg.kind), 100.0 * right / (double)K, confidence / (double)K);
        metrics_set(&S->m, cond ? "class_accuracy" : "judge_share_target", right / (double)K);
        metrics_set(&S->m, cond ? "cgan_mean_confidence" : "judge_mean_confidence", confidence / (double)K);
    }
    metrics_set(&S->m, cond ? "cgan_samples" : "gan_samples", (double)K);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags (the session adds --seed, --quick, --out, --quiet,
 * --save, --load, --generate, --resume); 0: the model's own, by recipe().
 * ------------------------------------------------------------------------- */
typedef struct config {
    const char *model, *dataset, *data_dir, *judge_path, *d_update, *d_act;
    long steps, batch, noise_dim, hidden, digit;
    double lr_d, lr_g, beta1, mismatch;
    int conditional, run[2];     /* run: the models this run builds, [MODEL_GAN], [MODEL_CGAN] */
    dataset_info ds;             /* which images, from where (common/dataset.h) */
    judge *j;                    /* NULL: no judge available                    */
    size_t eval_n;               /* samples behind a judge score                */
    unsigned long seed[4];       /* each model's training and evaluation seeds  */
} config;

/* The flags, the models (a checkpoint holds one: a run that keeps one names
 * it), the seeds, the data, the judge (--judge, the dataset's, or none). */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.model = "both", .dataset = "mnist", .d_update = "joint", .d_act = "relu",
                    .hidden = 256, .digit = 2, .beta1 = 0.5, .mismatch = 2.0};
    const cli_option options[] = {
        {"model", CLI_CHOICE, &cfg->model, "what to train: the GAN, then the cGAN; or one of them (--save, --load, --resume: one)", 0, 0, "both|gan|cgan", 0},
        {"conditional", CLI_FLAG, &cfg->conditional, "the conditional GAN only (= --model cgan)", 0, 0, NULL, 0},
        {"steps", CLI_INT, &cfg->steps, "training iterations per model (not given: GAN 4000, cGAN 15000)", 1, 1e7, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "rows per batch (0: GAN 100, cGAN 50, as the source)", 0, 10000, NULL, 0},
        {"noise-dim", CLI_INT, &cfg->noise_dim, "size of z (0: GAN 100, cGAN 128)", 0, 10000, NULL, 0},
        {"hidden", CLI_INT, &cfg->hidden, "hidden units of G and of D", 1, 10000, NULL, 0},
        {"lr-d", CLI_REAL, &cfg->lr_d, "D's Adam learning rate (0: GAN 1e-4, cGAN 2e-4)", 0, 10, NULL, 0},
        {"lr-g", CLI_REAL, &cfg->lr_g, "G's Adam learning rate (0: 2e-4)", 0, 10, NULL, 0},
        {"beta1", CLI_REAL, &cfg->beta1, "Adam's beta1 for both players", 0, 0.999, NULL, 0},
        {"d-update", CLI_CHOICE, &cfg->d_update, "D: one step on the whole loss, or the source's two", 0, 0, "joint|split", 0},
        {"mismatch", CLI_REAL, &cfg->mismatch, "cGAN: weight w of D's real-image, wrong-label term (0: the source's loss)", 0, 10, NULL, 0},
        {"d-act", CLI_CHOICE, &cfg->d_act, "D's hidden activation", 0, 0, "relu|leaky-relu", 0},
        {"digit", CLI_INT, &cfg->digit, "the class the GAN learns", 0, 9, NULL, 0},
        {"dataset", CLI_CHOICE, &cfg->dataset, "which images", 0, 0, "mnist|fashion", 0},
        {"data", CLI_STRING, &cfg->data_dir, "directory with the four IDX files (default: by --dataset)", 0, 0, NULL, 0},
        {"judge", CLI_STRING, &cfg->judge_path, "the judge (default: build/judge/DATASET.judge)", 0, 0, NULL, 0},
    };
    session_parse(S, "08-mnist-gan", "a GAN on MNIST 2s and a conditional GAN on all digits", 42,
                  options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    if (cfg->conditional && cli_given(&S->cli, "model") && strcmp(cfg->model, "cgan") != 0)
        cli_usage_error(&S->cli, "--conditional is --model cgan; do not combine it with another --model");
    int *run = cfg->run, cgan_only = cfg->conditional || strcmp(cfg->model, "cgan") == 0;
    run[MODEL_GAN] = !cgan_only;
    run[MODEL_CGAN] = cgan_only || strcmp(cfg->model, "both") == 0;
    if (run[MODEL_GAN] && run[MODEL_CGAN] && (S->save || S->load || S->resume))
        cli_usage_error(&S->cli, "a checkpoint holds one model: add --model gan or --conditional");
    session_open(S);
    for (int k = 0; k < 4; k++)          /* every random number comes from S->rng, in a fixed */
        cfg->seed[k] = gsl_rng_get(S->rng);  /* order: --conditional trains the default's cGAN */
    cfg->eval_n = S->cli.quick ? EVAL_N / 10 : EVAL_N;
    cfg->ds = dataset_select(cfg->dataset, cfg->data_dir);
    cfg->j = dataset_open_judge(&cfg->ds, cfg->judge_path, "no judge scores in this run");
    note("data from %s", cfg->ds.dir);
    printf("08-mnist-gan: seed %ld, %s, %s%s\n", S->cli.seed, cfg->ds.title,
           run[MODEL_GAN] && run[MODEL_CGAN] ? "a GAN on one class, then a conditional GAN"
           : run[MODEL_GAN] ? "a GAN on one class" : "a conditional GAN",
           cfg->j ? "; scored by the judge" : "; no judge");
}

/* Each model's settings: the source's, unless a flag says otherwise. */
static gan_config recipe(const config *cfg, model_kind kind, int quick)
{
    const int cond = kind == MODEL_CGAN;
    return (gan_config){
        .kind = kind, .hidden = cfg->hidden, .digit = cfg->digit, .beta1 = cfg->beta1,
        .steps = cfg->steps ? cfg->steps : quick ? 20 : cond ? 15000 : 4000,
        .batch = cfg->batch ? cfg->batch : quick ? 20 : cond ? 50 : 100,
        .noise_dim = cfg->noise_dim ? cfg->noise_dim : cond ? 128 : 100,
        .lr_d = cfg->lr_d > 0 ? cfg->lr_d : cond ? 2e-4 : 1e-4, .lr_g = cfg->lr_g > 0 ? cfg->lr_g : 2e-4,
        .d_update = strcmp(cfg->d_update, "split") == 0 ? D_SPLIT : D_JOINT,
        .mismatch = cond ? cfg->mismatch : 0.0,
        .d_act = strcmp(cfg->d_act, "leaky-relu") == 0 ? ACT_LEAKY_RELU : ACT_RELU};
}

/* main: the table of contents ------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);          /* the flags, the data, the judge (Appendix C) */
    for (model_kind kind = MODEL_GAN; kind <= MODEL_CGAN; kind++) {
        if (!cfg.run[kind])               /* part 1: the GAN on one class; part 2: the cGAN */
            continue;
        const gan_config gc = recipe(&cfg, kind, S.cli.quick);
        image_set *data = load_split(cfg.ds.dir, "train", kind == MODEL_CGAN ? -1 : (int)gc.digit);
        gan *g = gan_new(&gc, data, cfg.seed[2 * kind]);                    /* sections 1-2 */
        if (S.load || S.resume)
            load_model(&S, g);                                              /* Appendix A */
        if (S.generate > 0) {
            generate(g, cfg.j, &S);                                         /* Appendix B */
        } else {
            recorder rec;                                                   /* section 8 */
            recorder_init(&rec, &S, g, &cfg.ds, cfg.j, sample_set_new(g, cfg.eval_n, cfg.seed[2 * kind + 1]),
                          cfg.seed[2 * kind + 1] + FJD_SEED);
            train(g, rec.to, &rec);                                         /* section 8 */
            measure(g, &rec, &cfg.ds, &S.m);                                /* section 9 */
            draw(g, &rec, &cfg.ds, S.cli.out);                              /* Appendix B */
            save_model(&S, g);                                              /* Appendix A */
            recorder_free(&rec);
        }
        gan_free(g); image_set_free(data);
    }
    printf("\n");                         /* then the results block, metrics.txt, the figures */
    if (cfg.j)
        judge_free(cfg.j);
    session_finish(&S);
    return 0;
}
#endif
