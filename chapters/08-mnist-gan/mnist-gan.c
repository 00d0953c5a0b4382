/* mnist-gan.c -- chapter 08: a GAN that draws the digit 2, and a conditional
 * GAN that draws whichever digit you ask for.
 *
 * Chapters 05-07 played the adversarial game on numbers and on 2D points,
 * where one histogram shows everything. Here the data are real handwritten
 * digits: 28 x 28 grey pixels, points in a 784-dimensional space. The game
 * does not change (D is a binary classifier, G learns through D's gradient);
 * how we tell whether it worked does. Nobody can draw a density in 784
 * dimensions, so we look at samples, and a classifier trained on real digits
 * (the "judge", common/judge.h) scores a thousand of them.
 *
 * Part 1 (source 003, section 4): a GAN trained on the 2s only.
 *     G:  z (100)            -> 256 ReLU -> 784 sigmoid   (an image)
 *     D:  x (784)            -> 256 ReLU -> 1             (a logit: "real?")
 * Part 2 (source 003, section 5): a conditional GAN on all ten digits.
 *     G:  [z (128) | c (10)] -> 256 ReLU -> 784 sigmoid
 *     D:  [x (784) | c (10)] -> 256 ReLU -> 1
 * c is the one-hot label. After training, c says which digit and z how it is
 * written (section 7 puts a number on it).
 *
 * Three things differ from the source, each explained where it happens and
 * measured in the README: Adam's beta1 (section 2), one D step per iteration
 * instead of two (section 4), and a cGAN discriminator that also sees real
 * images with wrong labels (section 5).
 */
#include "genlab.h"

#define SIDE 28
#define IMG (SIDE * SIDE)  /* 784 pixels per image                           */
#define N_CLASSES 10
#define EVAL_N 1000        /* samples behind every judge score (--quick: 100) */
#define GRID 10            /* sample grids are 10 x 10; progress rows 10 wide */
#define MAX_SNAPS 8        /* rows of the progress figure                     */
#define SMOOTH 200         /* steps in the trailing mean of the loss curves   */

/* ----------------------------------------------------------------------------
 * 1. The data: images as rows
 *
 * common/idx.h reads the standard MNIST files into an image_set: one image
 * per row of a (n, 784) matrix, pixel values in [0, 1] (the source divides
 * by 255 too), and a label per row. The GAN of part 1 keeps only the 2s of
 * the training split; the cGAN keeps everything. A GAN needs few examples:
 * its G never sees a training image, only D's opinion of its own drawings.
 * --data DIR takes another copy of MNIST; --dataset fashion learns
 * Fashion-MNIST, where class 2 is a pullover (common/dataset.h decides the
 * directory, the class names and the judge of each --dataset).
 * ------------------------------------------------------------------------- */
/* One split ("train" or "t10k"); only_class >= 0 keeps that class alone. */
static image_set *load_split(const char *dir, const char *prefix, int only_class)
{
    image_set *s = mnist_load(dir, prefix);
    if (only_class >= 0) {
        const unsigned char keep = (unsigned char)only_class;
        image_set_filter(s, &keep, 1);
    }
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
 * nc = 0 for the plain GAN and 10 for the cGAN: the GAN is the cGAN with no
 * label, so one struct and one training loop serve both parts.
 *
 * G ends in a sigmoid because pixels live in [0, 1]. D ends WITHOUT one: we
 * keep the logit and let loss_bce_logits apply the sigmoid inside the log,
 * where a confident D can never produce log(0). Same model as the source's
 * sigmoid + binary_crossentropy, no overflow.
 *
 * Each player has its own parameter block and its own Adam: one step changes
 * D and leaves G alone, the other changes G while D is merely USED (sections
 * 4 and 6). Initialisation is Xavier (Keras's default has the same variance).
 * Adam gets the source's learning rates but beta1 = 0.5 (DCGAN's choice, as
 * in chapter 05) where the source gets Keras's 0.9. beta1 is the memory of
 * Adam's running mean of the gradient: with 0.9 each step still follows the
 * gradients of the last ten or so, and in a game those point at where the
 * OTHER player used to be. With 0.9 our G collapses onto almost one 2
 * (README: exercise 2). --d-act leaky-relu gives D LeakyReLU units (slope
 * 0.2 below zero, also DCGAN's), so that a unit that is off still passes
 * some gradient on to G; here it changes little, so D keeps the source's ReLU.
 * ------------------------------------------------------------------------- */
typedef enum { MODEL_GAN, MODEL_CGAN } model_kind;
typedef enum { D_JOINT, D_SPLIT } d_update_kind;

typedef struct gan_config {  /* one model's settings, from recipe() (Appendix D) */
    model_kind kind;
    long steps;              /* training iterations: one D update, one G update */
    long batch, noise_dim;   /* rows per batch; nz, the size of z              */
    long hidden;             /* width of the hidden layer of G and of D        */
    long digit;              /* GAN: the class it learns (cGAN: not used)      */
    double lr_d, lr_g;
    double beta1;            /* Adam's beta1 for both players (beta2 = 0.999)  */
    d_update_kind d_update;  /* one D step on the whole loss, or the source's two */
    double mismatch;         /* cGAN: weight of real images with wrong labels   */
    act_kind d_act;          /* D's hidden activation                          */
} gan_config;

typedef struct gan {
    gan_config cfg;
    size_t nz, nc, n;        /* noise size, label size (0 or 10), batch rows    */
    params *PG, *PD;
    mlp *G, *D;
    optimizer *optG, *optD;
    gsl_rng *r;              /* the training generator: batches, noise, labels  */
    long step;               /* iterations done                                 */
    const image_set *data;   /* what D sees as "real"                           */
    workspace *ws;           /* the work matrices below, n rows each            */
    gsl_matrix *g_in;        /* (n, nz + nc)    [z | c], G's input              */
    gsl_matrix *real;        /* (n, 784 + nc)   [x | c], real rows for D        */
    gsl_matrix *fake;        /* (n, 784 + nc)   [G(z, c) | c], fake rows for D  */
    gsl_matrix *wrong;       /* (n, 784 + nc)   [x | c'], c' != c (section 5)   */
    gsl_matrix *dx;          /* (n, 784 + nc)   dL/d[x | c], D's message to G   */
    gsl_matrix *dlogit;      /* (n, 1)          dL/dlogit                       */
    unsigned char *label;    /* (n)             class of each row of the batch  */
} gan;

static const char *model_tag(model_kind k) { return k == MODEL_CGAN ? "cgan" : "gan"; }

static gan *gan_new(const gan_config *cfg, const image_set *data, unsigned long seed)
{
    gan *g = xcalloc(1, sizeof *g, "a GAN");
    *g = (gan){.cfg = *cfg, .nz = (size_t)cfg->noise_dim, .n = (size_t)cfg->batch,
               .nc = cfg->kind == MODEL_CGAN ? N_CLASSES : 0, .data = data, .r = rng_new(seed)};
    const size_t wg[] = {g->nz + g->nc, (size_t)cfg->hidden, IMG},
                 wd[] = {IMG + g->nc, (size_t)cfg->hidden, 1};
    g->PG = params_alloc(mlp_size(wg, 3));
    g->PD = params_alloc(mlp_size(wd, 3));
    g->G = mlp_new(g->PG, wg, 3, ACT_RELU, ACT_SIGMOID, g->n);
    g->D = mlp_new(g->PD, wd, 3, cfg->d_act, ACT_IDENTITY, g->n);
    mlp_init_xavier(g->G, g->r);
    mlp_init_xavier(g->D, g->r);
    g->optG = optim_adam(g->PG, cfg->lr_g, cfg->beta1, 0.999);
    g->optD = optim_adam(g->PD, cfg->lr_d, cfg->beta1, 0.999);
    g->ws = ws_new(g->n);
    ws_add(g->ws, &g->g_in, g->nz + g->nc);
    gsl_matrix **d_rows[] = {&g->real, &g->fake, &g->wrong, &g->dx};
    for (size_t k = 0; k < 4; k++)
        ws_add(g->ws, d_rows[k], IMG + g->nc);
    ws_add(g->ws, &g->dlogit, 1);
    g->label = xcalloc(g->n, 1, "a GAN");
    return g;
}

static void gan_free(gan *g)
{
    mlp_free(g->G); mlp_free(g->D);
    params_free(g->PG); params_free(g->PD);
    optim_free(g->optG); optim_free(g->optD);
    gsl_rng_free(g->r);
    ws_free(g->ws);
    free(g->label);
    free(g);
}

/* ----------------------------------------------------------------------------
 * 3. Building a batch: concatenation is all the conditioning there is
 *
 * The cGAN's whole idea fits in two lines. Row i of G's input and of D's
 * input are
 *
 *     [ z_i (nz numbers from N(0, 1)) | one_hot(c_i) (10 numbers) ]
 *     [ x_i (784 pixels)              | one_hot(c_i) (10 numbers) ]
 *
 * so the label reaches the first hidden layer of both networks as ten extra
 * inputs: one row of W per label, i.e. a bias that depends on the label.
 * With nc = 0 (the GAN) the label part is simply empty.
 *
 * Real rows are drawn with replacement, like the source's np.random.randint.
 * The fakes that D sees carry the labels of the real rows next to them (as
 * in the source), so D compares real and fake 7s with each other rather than
 * real 7s with fake 3s. In G's step the labels are drawn uniformly.
 * ------------------------------------------------------------------------- */
static void put_onehot(gsl_matrix *M, size_t i, size_t from, size_t nc, int k)
{
    for (size_t j = 0; j < nc; j++)
        gsl_matrix_set(M, i, from + j, (int)j == k ? 1.0 : 0.0);
}

/* real [x | c] rows from the training images, and with --mismatch the same
 * images with a wrong label (drawn right after each row: hence not batch_draw) */
static void real_batch(gan *g)
{
    for (size_t i = 0; i < g->n; i++) {
        size_t k = gsl_rng_uniform_int(g->r, g->data->n);
        memcpy(gsl_matrix_ptr(g->real, i, 0), gsl_matrix_const_ptr(g->data->images, k, 0),
               IMG * sizeof(double));
        g->label[i] = g->data->labels[k];
        put_onehot(g->real, i, IMG, g->nc, g->label[i]);
        if (g->nc && g->cfg.mismatch > 0.0) {   /* the same image, any other label */
            const int shift = 1 + (int)gsl_rng_uniform_int(g->r, N_CLASSES - 1);   /* 1..9 */
            memcpy(gsl_matrix_ptr(g->wrong, i, 0), gsl_matrix_const_ptr(g->real, i, 0),
                   IMG * sizeof(double));
            put_onehot(g->wrong, i, IMG, g->nc, (g->label[i] + shift) % N_CLASSES);
        }
    }
}

/* G's input [z | c]: fresh noise; the labels are drawn anew if new_labels
 * (and there are labels at all), otherwise those already in g->label */
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

/* fake = [G(z, c) | c] for the n rows of g_in */
static void make_fakes(gan *g)
{
    const gsl_matrix *x = mlp_forward(g->G, g->g_in);                 /* (n, 784) */
    gsl_matrix_view left = gsl_matrix_submatrix(g->fake, 0, 0, g->n, IMG);
    gsl_matrix_memcpy(&left.matrix, x);
    if (g->nc) {
        gsl_matrix_const_view c = gsl_matrix_const_submatrix(g->g_in, 0, g->nz, g->n, g->nc);
        gsl_matrix_view right = gsl_matrix_submatrix(g->fake, 0, IMG, g->n, g->nc);
        gsl_matrix_memcpy(&right.matrix, &c.matrix);
    }
}

/* ----------------------------------------------------------------------------
 * 4. The discriminator's step (G fixed)
 *
 * D is a classifier: label 1 for real rows, 0 for G's rows. Its loss is the
 * sum of two binary cross-entropies, each a mean over its batch:
 *
 *     L_D = BCE(l(x_real), 1) + BCE(l(G(z)), 0)
 *         = -mean log D(x_real) - mean log(1 - D(G(z)))
 *
 *     dL_D/dl = (sigmoid(l) - 1) / n  on real rows,   sigmoid(l) / n  on fakes
 *
 * mlp keeps the activations of its LAST forward pass only, so we go real
 * forward, real backward, fake forward, fake backward; backward passes add
 * into PD->grad, so after both it holds the gradient of the sum. G is only
 * run forward here: nothing about G changes. D's mean "probability real" on
 * a batch is mean_sigmoid (common/loss.h), safe for any logit.
 *
 * The source's text and code update D differently. The text takes "a
 * gradient step" on L_D: --d-update joint, ONE Adam step on the sum. The
 * code calls train_on_batch twice, on the real batch, then on the fake one:
 * TWO Adam steps, the second from weights the first has moved (--d-update
 * split). That is not one step at twice the learning rate: each split step
 * sees one class only, so Adam's running mean gets "push real up" and "push
 * fake down" in turn and partly cancels them, while its running square adds
 * them up. The split D is no surer, and G stays collapsed for longer
 * (README: exercise 1). We follow the text.
 * ------------------------------------------------------------------------- */
static double d_part(gan *g, const gsl_matrix *X, double target, double weight, int want_grad,
                     double *mean_p)
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
 * The source's D sees real images with their own labels and G's images with
 * the labels G was given. Nothing there says that a real 7 labelled "3" is
 * wrong: D can learn what a label means only from fakes that look like a 7
 * while carrying a 3. And G at first ignores c (ten small label inputs next
 * to 128 noise inputs), so its fakes look alike whatever c says. D learns
 * realism first, and the labels' meaning seeps in very slowly (README: "The
 * cGAN learns the label, but very late").
 *
 * The matching-aware discriminator (Reed et al., "Generative adversarial
 * text to image synthesis", 2016) adds the missing lesson as a third kind of
 * row: a real image with a wrong label c', drawn uniformly from the nine
 * other classes, which D must call fake:
 *
 *     L_D = BCE(l(x, c), 1) + BCE(l(G(z, c), c), 0) + w BCE(l(x, c'), 0)
 *
 * From the first step D has to check that image and label agree, and that
 * check is what G's gradient through D carries back to G. Reed et al. weigh
 * the two "fake" kinds 1/2 each; we weigh the label check up, w = 2
 * (--mismatch w; 0 is the source's loss), and class_accuracy reaches the
 * issue's 0.9 in the default 10 000 steps (README: results; w = 1).
 * ------------------------------------------------------------------------- */
static double d_mismatch(gan *g, int want_grad)
{
    if (!g->nc || g->cfg.mismatch <= 0.0)
        return 0.0;
    return d_part(g, g->wrong, 0.0, g->cfg.mismatch, want_grad, NULL);
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
 * G wants D to call its rows real. With the non-saturating loss (chapter 05,
 * and the source's combined model trained with target 1):
 *
 *     L_G = -mean log D(G(z, c)) = BCE(l(G(z, c)), 1)
 *
 * L_G depends on G's weights only through the image x = G(z, c), and D
 * sits between x and the loss. The chain rule, one row per sample:
 *
 *     dL/dl          = (sigmoid(l) - 1) / n                         (n, 1)
 *     dL/d[x | c]    = back through D, weights used, not changed    (n, 784 + nc)
 *     dL/dx          = the first 784 columns of that                (n, 784)
 *     dL/dtheta_G    = back through G from dL/dx                    (PG)
 *
 * mlp_backward_input walks back through D computing only dL/d[x | c]; D's
 * gradient buffer is not touched and D's optimiser is not called. That is
 * all "discriminator.trainable = False" means in the source. The last 10
 * columns, dL/dc, are the gradient with respect to the label: c is an
 * input we chose, not something G produced, so it is dropped. (Passing all
 * 794 columns, or the wrong 784, is the classic slip here; the test in
 * tests/test_08_mnist_gan.c shows that the gradient check catches it.)
 * ------------------------------------------------------------------------- */
static double g_loss(gan *g, int want_grad, double *p_fake)
{
    make_fakes(g);                                                     /* x = G(z, c) */
    gsl_matrix_view dl = mat_rows(g->dlogit, g->n);
    const gsl_matrix *logit = mlp_forward(g->D, g->fake);              /* l = D(x, c) */
    double loss = loss_bce_logits(logit, NULL, 1.0, want_grad ? &dl.matrix : NULL);
    if (p_fake)
        *p_fake = mean_sigmoid(logit);
    if (!want_grad)
        return loss;
    params_zero_grad(g->PG);
    mlp_backward_input(g->D, &dl.matrix, g->dx);                       /* (n, 784 + nc) */
    gsl_matrix_view dimg = gsl_matrix_submatrix(g->dx, 0, 0, g->n, IMG);   /* (n, 784) */
    mlp_backward(g->G, &dimg.matrix, NULL);                            /* += dL/dtheta_G */
    return loss;
}

static double g_step(gan *g, double *p_fake)
{
    noise_batch(g, 1);                       /* fresh z, fresh labels */
    double loss = g_loss(g, 1, p_fake);
    optim_step(g->optG);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 7. Measuring samples: the judge
 *
 * A GAN's losses do not say whether its images are good: they measure G
 * against a D that keeps changing. So we measure the samples themselves
 * with a fixed yardstick, the judge. For a thousand samples:
 *
 *     GAN:   judge_share_target = share the judge calls a 2
 *     cGAN:  class_accuracy     = share judged as the class c we asked for
 *
 * plus the judge's mean confidence (its largest softmax probability) and the
 * histogram of its verdicts. The samples come from FIXED noise, drawn once
 * from the seed and never from the training generator, so scores (and
 * pictures) at different steps differ only because G changed. For the cGAN
 * they are 100 z's, each drawn with all ten labels: sample i is
 * (z_{i / 10}, c = i mod 10), and the first 100 form the 10 x 10 grid of the
 * figures (row = z, column = c).
 *
 * One more number guards against a cheap trick: a G that draws the same
 * perfect 2 every time scores 100 % with the judge. diversity_ratio is the
 * mean distance between two samples of the same class divided by the same
 * for real training images: about 1 for a G as varied as the data, far less
 * for one collapsed onto a single 2 (chapter 06's mode collapse).
 * ------------------------------------------------------------------------- */
typedef struct sample_set {
    size_t n;
    gsl_rng *r;               /* the fixed noise's own generator              */
    gsl_matrix *z;            /* (n, nz) the fixed noise of each sample       */
    unsigned char *want;      /* (n) the class asked for (GAN: its digit)     */
    gsl_matrix *images;       /* (n, 784) the samples of the last evaluation  */
    unsigned char *judged;    /* (n) the judge's class                        */
    double *conf;             /* (n) the judge's confidence                   */
    double div_real;          /* mean distance of two real images of a class  */
} sample_set;

typedef struct evaluation {   /* what measuring the samples gives             */
    double score, confidence, diversity;        /* share judged as asked, ... */
    double hist[N_CLASSES];                     /* share judged as each class */
    double confusion[N_CLASSES][N_CLASSES];     /* [asked][judged], row shares */
    double class_score[N_CLASSES];              /* per asked class            */
} evaluation;

typedef struct settings {     /* what both models are measured with           */
    dataset_info dataset;     /* which images, from where (common/dataset.h)  */
    judge *j;                 /* NULL: no judge available                     */
    const char *out;
    size_t eval_n;            /* samples per judge score (multiple of 10)     */
    int quiet;
} settings;

/* Mean Euclidean distance between consecutive same-class rows (pairs 0-1,
 * 2-3, ... within each class): how different two images of one class are. */
static double mean_pair_distance(const gsl_matrix *images, const unsigned char *label, size_t n)
{
    double sum = 0.0;
    size_t pairs = 0;
    for (int k = 0; k < N_CLASSES; k++)
        for (size_t i = 0, first = n; i < n; i++) {   /* first: an unpaired row of class k */
            if (label[i] != k)
                continue;
            if (first == n) {
                first = i;
                continue;
            }
            double d2 = 0.0;
            for (size_t p = 0; p < IMG; p++) {
                double d = gsl_matrix_get(images, first, p) - gsl_matrix_get(images, i, p);
                d2 += d * d;
            }
            sum += sqrt(d2);
            pairs++;
            first = n;
        }
    return pairs ? sum / (double)pairs : 0.0;
}

/* The next n samples' noise and asked-for class, from e->r. Drawing n = 1000
 * twice gives the same 2000 samples as n = 2000 once (n a multiple of 10: a
 * cGAN's block of ten never straddles two calls). */
static void sample_set_draw(sample_set *e, const gan *g)
{
    for (size_t i = 0; i < e->n; i++) {
        if (g->nc && i % N_CLASSES) {        /* cGAN: the z of its block of ten */
            gsl_vector_const_view prev = gsl_matrix_const_row(e->z, i - 1);
            gsl_matrix_set_row(e->z, i, &prev.vector);
        } else {
            for (size_t j = 0; j < g->nz; j++)
                gsl_matrix_set(e->z, i, j, gsl_ran_gaussian(e->r, 1.0));
        }
        e->want[i] = (unsigned char)(g->nc ? i % N_CLASSES : (size_t)g->cfg.digit);
    }
}

/* n samples with fixed noise (the same seed, the same samples), and the
 * yardstick of diversity: up to 2000 real training images */
static sample_set *sample_set_new(const gan *g, size_t n, unsigned long seed)
{
    sample_set *e = xcalloc(1, sizeof *e, "the samples");
    *e = (sample_set){.n = n, .r = rng_new(seed), .z = gsl_matrix_alloc(n, g->nz),
                      .images = gsl_matrix_alloc(n, IMG), .want = xmalloc(n, "the samples"),
                      .judged = xmalloc(n, "the samples"),
                      .conf = xmalloc(n * sizeof *e->conf, "the samples")};
    sample_set_draw(e, g);
    const size_t n_real = g->data->n < 2 * EVAL_N ? g->data->n : 2 * EVAL_N;
    e->div_real = mean_pair_distance(g->data->images, g->data->labels, n_real);
    return e;
}

static void sample_set_free(sample_set *e)
{
    gsl_rng_free(e->r);
    gsl_matrix_free(e->z); gsl_matrix_free(e->images);
    free(e->want); free(e->judged); free(e->conf);
    free(e);
}

/* images[0..m-1] = G(z_i, c_i) for the first m samples, batch by batch */
static void draw_samples(gan *g, const sample_set *e, size_t m, gsl_matrix *images)
{
    for (size_t start = 0; start < m; start += g->n) {
        const size_t k = m - start < g->n ? m - start : g->n;
        gsl_matrix_view in = mat_rows(g->g_in, k);
        for (size_t i = 0; i < k; i++) {
            memcpy(gsl_matrix_ptr(&in.matrix, i, 0), gsl_matrix_const_ptr(e->z, start + i, 0),
                   g->nz * sizeof(double));
            put_onehot(&in.matrix, i, g->nz, g->nc, e->want[start + i]);
        }
        gsl_matrix_view dst = gsl_matrix_submatrix(images, start, 0, k, IMG);
        gsl_matrix_memcpy(&dst.matrix, mlp_forward(g->G, &in.matrix));   /* (k, 784) */
    }
}

/* Draw all n samples and measure how varied they are; with a judge, let it
 * classify them, and count. */
static evaluation evaluate(gan *g, sample_set *e, judge *j)
{
    evaluation v = {0};
    double asked[N_CLASSES] = {0};
    draw_samples(g, e, e->n, e->images);
    v.diversity = mean_pair_distance(e->images, e->want, e->n) / e->div_real;
    if (!j)
        return v;
    judge_classify(j, e->images, e->judged, e->conf);
    for (size_t i = 0; i < e->n; i++) {
        v.score += e->judged[i] == e->want[i];
        v.confidence += e->conf[i];
        v.hist[e->judged[i]] += 1.0;
        v.confusion[e->want[i]][e->judged[i]] += 1.0;
        asked[e->want[i]] += 1.0;
    }
    v.score /= (double)e->n;
    v.confidence /= (double)e->n;
    for (int a = 0; a < N_CLASSES; a++) {
        v.hist[a] /= (double)e->n;
        v.class_score[a] = asked[a] > 0 ? v.confusion[a][a] / asked[a] : 0.0;
        for (int b = 0; b < N_CLASSES; b++)
            v.confusion[a][b] = asked[a] > 0 ? v.confusion[a][b] / asked[a] : 0.0;
    }
    return v;
}

/* z = style, c = class (source 003, section 5.2), as a number. For the
 * cGAN's evaluation samples (z_k with c = 0 .. 9), take the ink of each one,
 * its mean pixel value (thick or thin, large or small strokes), and split it
 * the way an analysis of variance does:
 *
 *     ink[k][c] = m + a_k + b_c + e_kc        a_k: effect of z_k, b_c: of class c
 *
 * style_share = var(a) / (var(a) + var(e)): the share of the ink that does
 * not come from the class and is set by z alone, the same for every digit.
 * If z set nothing shared across classes (each (z, c) pair inked at random),
 * a_k would be a mean of ten residuals and the share about 0.1. */
static double style_share(const sample_set *e)
{
    const size_t K = e->n / N_CLASSES;
    double *ink = xcalloc(K * N_CLASSES, sizeof *ink, "ink"), *a = xcalloc(K, sizeof *a, "ink");
    double b[N_CLASSES] = {0}, m = 0.0, va = 0.0, ve = 0.0;
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
    free(ink);
    free(a);
    return va + ve > 0.0 ? va / (va + ve) : 0.0;
}

/* ----------------------------------------------------------------------------
 * 8. Training: alternate the two steps, and keep a record
 *
 * One iteration is one D update (sections 4-5) and one G update (section 6),
 * each on a fresh batch: the source's loop. train() runs iterations until
 * the model has done `to_step` of them, so "train to 4000" works the same
 * from a fresh model and from a checkpoint (Appendix A).
 *
 * A recorder (optional: the tests train without one) keeps the losses of
 * every step in a history (common/history.h; its trailing means over SMOOTH
 * steps draw the loss figure), the judge's score every eval_every steps, and
 * the first 10 fixed-z samples at a few snapshot steps. None of that touches
 * the training generator g->r, so recording never changes the training.
 * ------------------------------------------------------------------------- */
typedef struct recorder {
    const char *tag;            /* "gan" / "cgan" in the log                  */
    judge *j;                   /* NULL: no judge scores                      */
    sample_set *e;
    long from, to;              /* the steps this run trains                  */
    long log_every, eval_every;
    long snap_at[MAX_SNAPS], snap_step[MAX_SNAPS];
    size_t n_snap_at, n_snaps;
    history *loss;              /* every step: D loss, G loss, D(real), D(fake) */
    gsl_matrix *score;          /* (evals, 4) step score confidence diversity */
    size_t n_score;
    gsl_matrix *snaps;          /* (MAX_SNAPS * 10, 784) progress samples     */
    double goal;                /* the judge's score the issue asks for       */
    long steps_to_goal;         /* first evaluated step that reached it (-1)  */
    progress prog;
} recorder;

/* About ten log lines, and 40 evaluations (one per log line when that is
 * fewer). Snapshot steps: from, then from + (to - from) / 2^k for
 * k = 6 .. 0, so the early steps, where the pictures change fastest, get
 * more rows. */
static void recorder_init(recorder *rec, const gan *g, const settings *s, sample_set *e, long to)
{
    const long from = g->step, span = to - from;
    *rec = (recorder){.tag = model_tag(g->cfg.kind), .j = s->j, .e = e, .from = from, .to = to,
                      .goal = g->cfg.kind == MODEL_CGAN ? 0.9 : 0.8, .steps_to_goal = -1};
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
    rec->score = gsl_matrix_calloc((size_t)(span / rec->eval_every + 12), 4);
    rec->snaps = gsl_matrix_calloc(MAX_SNAPS * GRID, IMG);
    progress_start(&rec->prog, span, s->quiet);
}

static void recorder_free(recorder *rec)
{
    history_free(rec->loss);
    gsl_matrix_free(rec->score);
    gsl_matrix_free(rec->snaps);
}

/* quantity c of the loss history (0 D loss, 1 G loss, 2 D(real), 3 D(fake))
 * averaged over the logged rows [a, b) */
static double loss_mean(const history *H, size_t c, size_t a, size_t b)
{
    double s = 0.0;
    for (size_t i = a; i < b; i++)
        s += gsl_matrix_get(H->rows, i, 1 + c);
    return b > a ? s / (double)(b - a) : 0.0;
}

/* After every iteration (and once before the first), with its D loss, G
 * loss, D(real) and D(fake): log, evaluate, snapshot, as the step asks. A
 * log line shows the losses averaged since the previous one. */
static void record(recorder *rec, gan *g, const double *v)
{
    const long step = g->step, done = step - rec->from;
    if (done > 0)
        history_add(rec->loss, step, v);
    evaluation ev = {0};
    if (done % rec->eval_every == 0 || step == rec->to) {
        ev = evaluate(g, rec->e, rec->j);
        const double row[4] = {(double)step, ev.score, ev.confidence, ev.diversity};
        gsl_vector_const_view r = gsl_vector_const_view_array(row, 4);
        gsl_matrix_set_row(rec->score, rec->n_score++, &r.vector);
        if (rec->j && rec->steps_to_goal < 0 && ev.score >= rec->goal)
            rec->steps_to_goal = step;
    }
    if (rec->n_snaps < rec->n_snap_at && step == rec->snap_at[rec->n_snaps]) {
        gsl_matrix_view rows = gsl_matrix_submatrix(rec->snaps, rec->n_snaps * GRID, 0, GRID, IMG);
        draw_samples(g, rec->e, GRID, &rows.matrix);
        rec->snap_step[rec->n_snaps++] = step;
    }
    if (done > 0 && (done % rec->log_every == 0 || step == rec->to)) {   /* (an evaluated step) */
        const size_t b = rec->loss->n, a = b >= (size_t)rec->log_every ? b - rec->log_every : 0;
        printf("%-4s step %6ld  D loss %.3f  G loss %.3f  D(real) %.2f  D(fake) %.2f", rec->tag,
               step, loss_mean(rec->loss, 0, a, b), loss_mean(rec->loss, 1, a, b),
               loss_mean(rec->loss, 2, a, b), loss_mean(rec->loss, 3, a, b));
        if (rec->j)
            printf("  judge %5.1f %%", 100.0 * ev.score);
        printf("  diversity %.2f\n", ev.diversity);
    }
    progress_report(&rec->prog, done, "D loss %.3f  G loss %.3f", v[0], v[1]);
}

static void train(gan *g, long to_step, recorder *rec)
{
    double v[4] = {0};                            /* D loss, G loss, D(real), D(fake) */
    if (rec)
        record(rec, g, v);                        /* the starting point */
    while (g->step < to_step) {
        v[0] = d_step(g, &v[2], &v[3]);
        check_finite(v[0], "D loss", g->step);
        v[1] = g_step(g, NULL);
        check_finite(v[1], "G loss", g->step);
        g->step++;
        if (rec)
            record(rec, g, v);
    }
    if (rec && rec->to > rec->from) {
        const double secs = progress_end(&rec->prog);
        note("%s: %ld steps in %.1f s (%.2f ms per step)", rec->tag, rec->to - rec->from, secs,
             1e3 * secs / (double)(rec->to - rec->from));
    }
}

/* ----------------------------------------------------------------------------
 * 9. The verdict on the trained model
 *
 * At the end the fixed-z samples are measured once more, and the numbers go
 * to metrics.txt: the losses averaged over the last tenth of the steps, the
 * diversity ratio and the judge's verdicts. What is a judge's score worth?
 * The judge also scores REAL test images (the share of real 2s it calls a 2,
 * its accuracy on all real digits): a G that matches those is as good as
 * this judge can tell. For the cGAN, style_share (section 7) says how much
 * of the handwriting z alone sets.
 * ------------------------------------------------------------------------- */
static void write_judge_figure(const gan *g, const evaluation *v, const evaluation *real,
                               const settings *s);    /* Appendix B */

static void tagged_metric(metrics *m, const char *tag, const char *name, double value)
{
    char key[64];
    snprintf(key, sizeof key, "%s_%s", tag, name);      /* e.g. gan_d_loss */
    metrics_set(m, key, value);
}

static void measure(gan *g, sample_set *e, const recorder *rec, const settings *s, metrics *m)
{
    const int cond = g->cfg.kind == MODEL_CGAN, d = (int)g->cfg.digit;
    const char *tag = model_tag(g->cfg.kind), *loss_name[] = {"d_loss", "g_loss", "d_real", "d_fake"};
    const size_t nl = rec->loss->n, tenth = nl / 10 > 0 ? nl / 10 : nl;
    for (size_t c = 0; c < 4 && nl > 0; c++)
        tagged_metric(m, tag, loss_name[c], loss_mean(rec->loss, c, nl - tenth, nl));
    tagged_metric(m, tag, "steps", (double)g->step);
    const evaluation v = evaluate(g, e, s->j);
    tagged_metric(m, tag, "diversity_ratio", v.diversity);
    if (s->j) {
        evaluation real = {0};                          /* the judge on REAL images */
        image_set *test = load_split(s->dataset.dir, "t10k", cond ? -1 : d);
        unsigned char *pred = xmalloc(test->n, "the judge's verdicts");
        judge_classify(s->j, test->images, pred, NULL);
        for (size_t i = 0; i < test->n; i++) {
            real.hist[pred[i]] += 1.0 / (double)test->n;
            real.score += (pred[i] == test->labels[i]) / (double)test->n;
        }
        free(pred);
        image_set_free(test);
        if (cond) {
            double worst = 1.0;
            for (int k = 0; k < N_CLASSES; k++)
                worst = fmin(worst, v.class_score[k]);
            printf("cgan result: %.1f %% of %zu samples are judged the class asked for "
                   "(worst class %.1f %%), mean confidence %.3f\n",
                   100.0 * v.score, e->n, 100.0 * worst, v.confidence);
            printf("cgan result: the judge itself is right on %.1f %% of real test images\n",
                   100.0 * real.score);
            metrics_set(m, "class_accuracy", v.score);
            metrics_set(m, "class_accuracy_worst", worst);
            metrics_set(m, "cgan_mean_confidence", v.confidence);
            metrics_set(m, "cgan_steps_to_goal", (double)rec->steps_to_goal);
            metrics_set(m, "judge_accuracy_real", real.score);
        } else {
            printf("gan result: the judge calls %.1f %% of %zu samples a %s "
                   "(mean confidence %.3f); real test images: %.1f %%\n", 100.0 * v.score, e->n,
                   s->dataset.class_name[d], v.confidence, 100.0 * real.hist[d]);
            metrics_set(m, "judge_share_target", v.score);
            metrics_set(m, "judge_mean_confidence", v.confidence);
            metrics_set(m, "judge_share_target_real", real.hist[d]);
            metrics_set(m, "gan_steps_to_goal", (double)rec->steps_to_goal);
            for (int k = 0; k < N_CLASSES; k++) {
                char key[32];
                snprintf(key, sizeof key, "judge_share_%d", k);
                metrics_set(m, key, v.hist[k]);
            }
        }
        write_judge_figure(g, &v, &real, s);
    }
    printf("%s result: samples differ %.2f times as much as real images of a class do\n",
           tag, v.diversity);
    if (cond) {
        const double share = style_share(e);
        metrics_set(m, "cgan_style_ink_share", share);
        printf("cgan result: z alone sets %.0f %% of the ink that the class does not "
               "(about 10 %% if z meant nothing across classes)\n", 100.0 * share);
    }
}

/* ----------------------------------------------------------------------------
 * Appendix A. Checkpoints: stop, and carry on exactly
 *
 * A checkpoint (common/checkpoint.h) holds everything the next iteration
 * depends on: both parameter blocks, both Adam states (moments AND step
 * counts: Adam's bias correction uses t), the iteration counter, the state
 * of the training generator g->r, and for the GAN the class it learns. With
 * all of it restored, the next batch, noise and update are exactly those an
 * uninterrupted run would have made: train to N, save, load, train to N + M
 * gives bit for bit the weights of train to N + M (tests/test_08_mnist_gan.c
 * checks it). Leave out the generator state and the resumed run draws other
 * batches; leave out Adam's moments and its first steps are too large (a
 * fresh Adam's first step is lr in every direction). The loss log is not
 * kept: a resumed run's figures start where it resumed.
 *
 * Block names start with "gan." or "cgan.", so loading one model's file into
 * the other is refused, naming the first block that differs. The session
 * writes and reads the file (common/session.h) with its own generator,
 * S->rng; the one the next iteration depends on is g->r, so g->r travels in
 * S->rng's place (which has done its work: it drew the models' seeds).
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
 * Appendix B. Figures
 *
 *   P_loss          losses (top); judge's score and diversity ratio (bottom)
 *                   over training; P = gan or cgan
 *   P_progress      one row per snapshot step, the same 10 fixed-z samples in
 *                   every row (GAN: 10 z's; cGAN: one z with c = 0 .. 9)
 *   gan_samples     100 samples of the trained GAN
 *   gan_judge       which classes the judge sees in them, and in real 2s
 *   cgan_style_class  the 10 x 10 grid: each row one z, each column one c
 *   cgan_confusion  asked class against judged class
 *   generated       (--generate K) the first 100 of the K samples
 *
 * The scripts are chapters/08-mnist-gan/figures/NAME.gp; the program writes
 * their data and this run's numbers (values.gp): P_steps, P_eval_n, P_goal,
 * the class names class_name_K, ...; fig_image_grid adds NAME_w and NAME_h.
 * ------------------------------------------------------------------------- */
static void write_judge_figure(const gan *g, const evaluation *v, const evaluation *real,
                               const settings *s)
{
    const int cond = g->cfg.kind == MODEL_CGAN;
    const char *file = cond ? "cgan_confusion.dat" : "gan_judge.dat";
    FILE *d = out_open(s->out, file);
    fprintf(d, cond ? "# asked judged share (of the 100 samples asked for class `asked`)\n"
                    : "# class share_of_GAN_samples share_of_real_test_images name\n");
    for (int a = 0; a < N_CLASSES; a++) {
        if (!cond)
            fprintf(d, "%d %.6f %.6f %s\n", a, v->hist[a], real->hist[a], s->dataset.class_name[a]);
        for (int b = 0; b < N_CLASSES && cond; b++)
            fprintf(d, "%d %d %.6f\n", a, b, v->confusion[a][b]);
        if (cond)
            fprintf(d, "\n");
    }
    out_close(d, file);
    fig_use(cond ? "cgan_confusion" : "gan_judge");
}

static void tagged_value(const char *tag, const char *name, double value)
{
    char key[128];
    snprintf(key, sizeof key, "%s_%s", tag, name);      /* e.g. gan_steps */
    fig_value(key, value);
}

/* The loss figure, the progress figure and the final grid. */
static void draw(const gan *g, const sample_set *e, const recorder *rec, const settings *s)
{
    const int cond = g->cfg.kind == MODEL_CGAN;
    const char *tag = model_tag(g->cfg.kind), *grid = cond ? "cgan_style_class" : "gan_samples";
    char name[64];
    for (int k = 0; k < N_CLASSES; k++) {
        snprintf(name, sizeof name, "class_name_%d", k);
        fig_text(name, "%s", s->dataset.class_name[k]);
    }
    fig_value("image_side", SIDE);
    fig_text("dataset_name", "%s", s->dataset.title);
    if (!cond)
        fig_text("gan_class", "%s", s->dataset.class_name[g->cfg.digit]);
    tagged_value(tag, "steps", (double)g->step);
    tagged_value(tag, "eval_n", (double)e->n);
    if (rec->loss->n > 0) {                   /* P_loss: the loss history, the scores */
        snprintf(name, sizeof name, "%s_loss.dat", tag);
        history_write(rec->loss, s->out, name);
        snprintf(name, sizeof name, "%s_score.dat", tag);
        gsl_matrix_const_view S = gsl_matrix_const_submatrix(rec->score, 0, 0, rec->n_score, 4);
        out_write_matrix(s->out, name, rec->j
                         ? "step share_judged_as_asked mean_judge_confidence diversity_ratio"
                         : "step (no judge) (no judge) diversity_ratio", &S.matrix);
        snprintf(name, sizeof name, "%s_loss", tag);
        fig_use(name);
        fig_value("loss_mean_steps", SMOOTH);
        tagged_value(tag, "with_judge", rec->j != NULL);
        tagged_value(tag, "goal", rec->goal);
        if (cond)
            fig_value("cgan_mismatch", g->cfg.mismatch);
    }
    snprintf(name, sizeof name, "%s_progress", tag);       /* P_progress: the snapshots */
    gsl_matrix_const_view snaps = gsl_matrix_const_submatrix(rec->snaps, 0, 0, rec->n_snaps * GRID, IMG);
    fig_image_grid(s->out, name, &snaps.matrix, SIDE, SIDE, rec->n_snaps, GRID);
    fig_use(name);
    tagged_value(name, "rows", (double)rec->n_snaps);
    for (size_t r = 0; r < rec->n_snaps; r++) {            /* the step of each row */
        char key[32];
        snprintf(key, sizeof key, "step_%zu", r + 1);
        tagged_value(name, key, (double)rec->snap_step[r]);
    }
    gsl_matrix_const_view first = gsl_matrix_const_submatrix(e->images, 0, 0, GRID * GRID, IMG);
    fig_image_grid(s->out, grid, &first.matrix, SIDE, SIDE, GRID, GRID);
    fig_use(grid);
}

/* ----------------------------------------------------------------------------
 * Appendix C. Before training, and instead of it (--generate)
 * ------------------------------------------------------------------------- */
/* The "== 8." header with the model's setup, and where training starts: at
 * 0, or at a checkpoint's step. Returns the step to train to (--load: the
 * step the model has: no training). */
static long announce(const session *S, const gan *g, const settings *s)
{
    const gan_config *cfg = &g->cfg;
    const int cond = cfg->kind == MODEL_CGAN;
    printf("\n== 8. Training the %s: %s%s, %zu training images\n", cond ? "conditional GAN" : "GAN",
           cond ? "all classes" : "class ", cond ? "" : s->dataset.class_name[cfg->digit],
           g->data->n);
    printf("G %zu -> %ld -> 784, D %zu -> %ld -> 1 (%s); Adam(%g, 0.999) lr D %g, G %g; "
           "batch %ld; D update %s", g->nz + g->nc, cfg->hidden, IMG + g->nc, cfg->hidden,
           act_name(cfg->d_act), cfg->beta1, cfg->lr_d, cfg->lr_g, cfg->batch,
           cfg->d_update == D_JOINT ? "joint" : "split");
    if (cond)
        printf("; wrong-label weight %g", cfg->mismatch);
    if (!S->load)
        printf("; %ld steps", cfg->steps);
    printf("\n");
    session_check_resume(S, g->step, cfg->steps);
    const long to = S->load ? g->step : cfg->steps;
    if (S->load || S->resume)
        printf("%s: starts from a checkpoint at step %ld; %s\n", model_tag(cfg->kind), g->step,
               to > g->step ? "training on" : "no training");
    return to;
}

/* --generate K: K samples of a loaded model, the first 100 as a grid, the
 * judge's score. K may be 100 000 (600 MB of pixels), so the samples go
 * through in blocks of GEN_BLOCK, each drawn, written and judged before the
 * next. The noise comes from the session's sample seed, block after block
 * from one generator: the same K samples on every call, and the first K' of
 * them for any K' < K. */
#define GEN_BLOCK 1000      /* a multiple of 10: a cGAN's rows of ten stay whole */

static void generate(gan *g, const settings *s, session *S)
{
    const int cond = g->cfg.kind == MODEL_CGAN;
    const char *tag = model_tag(g->cfg.kind);
    const size_t K = (size_t)S->generate, shown = K < GRID * GRID ? K : GRID * GRID;
    sample_set *e = sample_set_new(g, K < GEN_BLOCK ? K : GEN_BLOCK, S->sample_seed);
    FILE *f = out_open(s->out, "generated_samples.dat");
    fprintf(f, "# class_asked then 784 pixel values in [0, 1], row by row (28 x 28)\n");
    double right = 0.0, confidence = 0.0;            /* the judge's verdicts, summed */
    for (size_t start = 0; start < K; start += e->n) {
        const size_t k = K - start < e->n ? K - start : e->n;
        if (start > 0)
            sample_set_draw(e, g);
        draw_samples(g, e, k, e->images);
        gsl_matrix_const_view block = gsl_matrix_const_submatrix(e->images, 0, 0, k, IMG);
        for (size_t i = 0; i < k; i++) {
            fprintf(f, "%d", e->want[i]);
            for (size_t p = 0; p < IMG; p++)
                fprintf(f, " %.9g", gsl_matrix_get(e->images, i, p));
            fputc('\n', f);
        }
        if (start == 0)
            fig_image_grid(s->out, "generated", &block.matrix, SIDE, SIDE, (shown + GRID - 1) / GRID, GRID);
        if (s->j)
            judge_classify(s->j, &block.matrix, e->judged, e->conf);
        for (size_t i = 0; i < k && s->j; i++) {
            right += e->judged[i] == e->want[i];
            confidence += e->conf[i];
        }
    }
    out_close(f, "generated_samples.dat");
    sample_set_free(e);
    fig_use("generated");
    fig_value("generated_shown", (double)shown);
    fig_value("generated_step", (double)g->step);
    fig_value("generated_conditional", cond);
    printf("%s: wrote %zu samples of the model at step %ld\n", tag, K, g->step);
    if (s->j) {
        printf("%s: the judge calls %.1f %% of them the class asked for (mean confidence %.3f)\n",
               tag, 100.0 * right / (double)K, confidence / (double)K);
        metrics_set(&S->m, cond ? "class_accuracy" : "judge_share_target", right / (double)K);
        metrics_set(&S->m, cond ? "cgan_mean_confidence" : "judge_mean_confidence",
                    confidence / (double)K);
    }
    metrics_set(&S->m, cond ? "cgan_samples" : "gan_samples", (double)K);
}

/* ----------------------------------------------------------------------------
 * Appendix D. The flags (skip on a first reading)
 *
 * The chapter's knobs; the session adds --seed, --quick, --out, --quiet and
 * --save, --load, --generate, --resume (common/session.h). A 0 means "the
 * model's own default", filled in by recipe().
 * ------------------------------------------------------------------------- */
typedef struct config {
    const char *model, *dataset, *data_dir, *judge_path, *d_update, *d_act;
    long steps, batch, noise_dim, hidden, digit;
    double lr_d, lr_g, beta1, mismatch;
    int conditional;
    int run[2];              /* the models this run builds: [MODEL_GAN], [MODEL_CGAN] */
} config;

/* The flags, then which model(s) this run builds. A checkpoint holds one
 * model, so a run that saves, loads or resumes one must say which (the file
 * is not peeked into: if it holds the other model, loading says so). These
 * usage errors come before anything is written. */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.model = "both", .dataset = "mnist", .d_update = "joint", .d_act = "relu",
                    .hidden = 256, .digit = 2, .beta1 = 0.5, .mismatch = 2.0};
    const cli_option options[] = {
        {"model", CLI_CHOICE, &cfg->model, "what to train: the GAN, then the cGAN; or one of them (--save, --load, --resume: one)", 0, 0, "both|gan|cgan", 0},
        {"conditional", CLI_FLAG, &cfg->conditional, "the conditional GAN only (= --model cgan)", 0, 0, NULL, 0},
        {"steps", CLI_INT, &cfg->steps, "training iterations per model (not given: GAN 4000, cGAN 10000)", 1, 1e7, NULL, 0},
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
                  options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD | SESSION_RESUME,
                  argc, argv);
    if (cfg->conditional && cli_given(&S->cli, "model") && strcmp(cfg->model, "cgan") != 0)
        cli_usage_error(&S->cli, "--conditional is --model cgan; do not combine it with another --model");
    const int cgan_only = cfg->conditional || strcmp(cfg->model, "cgan") == 0;
    cfg->run[MODEL_GAN] = !cgan_only;
    cfg->run[MODEL_CGAN] = cgan_only || strcmp(cfg->model, "both") == 0;
    if (cfg->run[MODEL_GAN] && cfg->run[MODEL_CGAN] && (S->save || S->load || S->resume))
        cli_usage_error(&S->cli, "a checkpoint holds one model: add --model gan or --conditional");
    session_open(S);
}

/* Each model's settings: the source's numbers, unless a flag says otherwise.
 * --quick (seconds, and minutes under valgrind) trains 20 steps of batch 20,
 * and scores 100 evaluation samples, not 1000 (the_settings). */
static gan_config recipe(const config *cfg, model_kind kind, int quick)
{
    const int cond = kind == MODEL_CGAN;
    return (gan_config){
        .kind = kind, .hidden = cfg->hidden, .digit = cfg->digit, .beta1 = cfg->beta1,
        .steps = cfg->steps ? cfg->steps : quick ? 20 : cond ? 10000 : 4000,
        .batch = cfg->batch ? cfg->batch : quick ? 20 : cond ? 50 : 100,
        .noise_dim = cfg->noise_dim ? cfg->noise_dim : cond ? 128 : 100,
        .lr_d = cfg->lr_d > 0 ? cfg->lr_d : cond ? 2e-4 : 1e-4,
        .lr_g = cfg->lr_g > 0 ? cfg->lr_g : 2e-4,
        .d_update = strcmp(cfg->d_update, "split") == 0 ? D_SPLIT : D_JOINT,
        .mismatch = cond ? cfg->mismatch : 0.0,
        .d_act = strcmp(cfg->d_act, "leaky-relu") == 0 ? ACT_LEAKY_RELU : ACT_RELU};
}

/* The data directory, the judge, the evaluation size: what both models
 * share; and the run's first line. The judge is the one given by --judge
 * (it must exist), or the dataset's default one if it has been built; NULL
 * (a run without judge scores) if not. */
static settings the_settings(const session *S, const config *cfg)
{
    settings s = {.dataset = dataset_select(cfg->dataset, cfg->data_dir), .out = S->cli.out,
                  .quiet = S->cli.quiet, .eval_n = S->cli.quick ? EVAL_N / 10 : EVAL_N};
    s.j = dataset_open_judge(&s.dataset, cfg->judge_path, "no judge scores in this run");
    note("data from %s", s.dataset.dir);
    printf("08-mnist-gan: seed %ld, %s, %s%s\n", S->cli.seed, s.dataset.title,
           cfg->run[MODEL_GAN] && cfg->run[MODEL_CGAN] ? "a GAN on one class, then a conditional GAN"
           : cfg->run[MODEL_GAN] ? "a GAN on one class" : "a conditional GAN",
           s.j ? "; scored by the judge" : "; no judge");
    return s;
}

/* ----------------------------------------------------------------------------
 * main: the table of contents
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);          /* the flags (Appendix D), --out, the seed */

    /* every random number of the run comes from S.rng: each model gets a
     * training generator and a fixed evaluation noise seeded from it, in a
     * fixed order, so `--conditional` alone trains exactly the cGAN of the
     * default run */
    unsigned long seeds[4];
    for (int k = 0; k < 4; k++)
        seeds[k] = gsl_rng_get(S.rng);
    settings s = the_settings(&S, &cfg);  /* the data (section 1), the judge (section 7) */

    for (model_kind kind = MODEL_GAN; kind <= MODEL_CGAN; kind++) {
        if (!cfg.run[kind])               /* part 1: the GAN on one class; part 2: the cGAN */
            continue;
        const gan_config gc = recipe(&cfg, kind, S.cli.quick);
        image_set *data = load_split(s.dataset.dir, "train",                 /* section 1 */
                                     kind == MODEL_CGAN ? -1 : (int)gc.digit);
        gan *g = gan_new(&gc, data, seeds[2 * kind]);                         /* section 2 */
        if (S.load || S.resume)
            load_model(&S, g);                                                /* Appendix A */
        if (S.generate > 0) {
            generate(g, &s, &S);                                              /* Appendix C */
        } else {
            const long to = announce(&S, g, &s);                              /* Appendix C */
            sample_set *e = sample_set_new(g, s.eval_n, seeds[2 * kind + 1]); /* section 7 */
            recorder rec;
            recorder_init(&rec, g, &s, e, to);
            train(g, to, &rec);                                               /* section 8 */
            measure(g, e, &rec, &s, &S.m);                                    /* section 9 */
            draw(g, e, &rec, &s);                                             /* Appendix B */
            save_model(&S, g);                                                /* Appendix A */
            recorder_free(&rec);
            sample_set_free(e);
        }
        gan_free(g);
        image_set_free(data);
    }
    printf("\n");                         /* then the results block, metrics.txt, the figures */
    if (s.j)
        judge_free(s.j);
    session_finish(&S);
    return 0;
}
#endif
