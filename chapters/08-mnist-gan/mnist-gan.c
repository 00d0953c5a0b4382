/* mnist-gan.c -- chapter 08: a GAN that draws the digit 2, and a conditional
 * GAN that draws whichever digit you ask for.
 *
 * Chapters 05-07 played the adversarial game on numbers and 2D points, where
 * one histogram shows everything. Here the data are handwritten digits, 28 x
 * 28 grey pixels: points in a 784-dimensional space. The game is the same; how
 * we tell whether it worked is not. Nobody can draw a density in 784
 * dimensions, so we look at samples, and a classifier trained on real digits
 * (the "judge", common/judge.h) scores a thousand of them.
 *
 * Part 1 (source 003, section 4): a GAN on the 2s only. Part 2 (section 5): a
 * conditional GAN on all ten digits, where c (the one-hot label) says which
 * digit and z how it is written. Three things differ from the source, each
 * explained where it happens and measured in the README: Adam's beta1
 * (section 2), one D step per iteration instead of two (section 4), and a
 * cGAN discriminator that also sees real images with wrong labels (section 5).
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
 * its G never sees a training image, only D's opinion of its drawings.
 * --dataset fashion learns Fashion-MNIST (class 2 is a pullover); --data DIR
 * reads the files from DIR (common/dataset.h).
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
 * label, so one struct and one training loop serve both parts. G ends in a
 * sigmoid because pixels live in [0, 1]. D ends WITHOUT one: loss_bce_logits
 * applies it inside the log, where a confident D can never produce log(0).
 *
 * Each player has its own parameter block and its own Adam: one step changes
 * D and leaves G alone, the other changes G while D is merely USED (sections
 * 4 and 6). Adam gets the source's learning rates, but beta1 = 0.5 (DCGAN's
 * choice) where the source gets Keras's 0.9. beta1 is the memory of Adam's
 * running mean of the gradient: with 0.9 each step still follows the last
 * ten or so gradients, and in a game those point at where the OTHER player
 * used to be; our G then collapses onto almost one 2 (README: exercise 2).
 * --d-act leaky-relu lets a D unit that is off still pass gradient on to G.
 * ------------------------------------------------------------------------- */
typedef enum { MODEL_GAN, MODEL_CGAN } model_kind;
typedef enum { D_JOINT, D_SPLIT } d_update_kind;

typedef struct gan_config {  /* one model's settings, from recipe() (Appendix C) */
    model_kind kind;
    long steps;              /* training iterations: one D update, one G update */
    long batch, noise_dim;   /* rows per batch; nz, the size of z              */
    long hidden;             /* width of the hidden layer of G and of D        */
    long digit;              /* GAN: the class it learns (cGAN: not used)      */
    double lr_d, lr_g, beta1;   /* Adam: learning rates; beta1 (beta2 = 0.999) */
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
    gsl_matrix **d_rows[] = {&g->real, &g->fake, &g->wrong, &g->dx};
    for (size_t k = 0; k < 4; k++)
        ws_add(g->ws, d_rows[k], IMG + g->nc);
    ws_add(g->ws, &g->dlogit, 1);
    g->label = xcalloc(g->n, 1, "a GAN");
    return g;
}

static void gan_free(gan *g)
{
    mlp_free(g->G); mlp_free(g->D); params_free(g->PG); params_free(g->PD);
    optim_free(g->optG); optim_free(g->optD); gsl_rng_free(g->r); ws_free(g->ws);
    free(g->label); free(g);
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
 * Real rows are drawn with replacement, like the source's np.random.randint.
 * The fakes D sees carry the labels of the real rows next to them (as in the
 * source), so D compares real and fake 7s rather than real 7s with fake 3s.
 * In G's step the labels are drawn uniformly.
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
    gsl_matrix_view x = gsl_matrix_submatrix(g->fake, 0, 0, g->n, IMG);
    gsl_matrix_memcpy(&x.matrix, mlp_forward(g->G, g->g_in));          /* (n, 784) */
    for (size_t i = 0; i < g->n; i++)
        put_onehot(g->fake, i, IMG, g->nc, g->label[i]);
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
 * run forward here. (D's mean "probability real" is mean_sigmoid, loss.h.)
 *
 * The source's text takes "a gradient step" on L_D: ONE Adam step on the sum
 * (--d-update joint). Its code calls train_on_batch twice, on the real batch
 * then on the fake one: TWO Adam steps, the second from moved weights
 * (--d-update split). That is not one step at twice the rate: each split
 * step sees one class only, so Adam's running mean gets "push real up" and
 * "push fake down" in turn and partly cancels them, while its running square
 * adds them up. G stays collapsed for longer (README: exercise 1).
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
 * In the source nothing says that a real 7 labelled "3" is wrong: D sees
 * real images with their labels and fakes with theirs, and G at first
 * ignores c (ten label inputs next to 128 noise inputs). D learns realism
 * first; the labels' meaning seeps in very slowly (README: "The cGAN learns
 * the label, but very late"). The matching-aware discriminator (Reed et al.,
 * 2016) adds the missing lesson: a real image with a wrong label c', drawn
 * from the nine other classes, which D must call fake:
 *
 *     L_D = BCE(l(x, c), 1) + BCE(l(G(z, c), c), 0) + w BCE(l(x, c'), 0)
 *
 * From the first step D must check that image and label agree, and that
 * check is what G's gradient through D carries back to G. We weigh it up,
 * w = 2 (--mismatch w; 0 is the source's loss): class_accuracy then reaches
 * the 0.9 within the default 10 000 steps.
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
 * G wants D to call its rows real. With the non-saturating loss (chapter 05;
 * the source trains its combined model towards target 1):
 *
 *     L_G = -mean log D(G(z, c)) = BCE(l(G(z, c)), 1)
 *
 * L_G depends on G's weights only through the image x = G(z, c), and D sits
 * between x and the loss. The chain rule, one row per sample:
 *
 *     dL/dl          = (sigmoid(l) - 1) / n                         (n, 1)
 *     dL/d[x | c]    = back through D, weights used, not changed    (n, 784 + nc)
 *     dL/dx          = the first 784 columns of that                (n, 784)
 *     dL/dtheta_G    = back through G from dL/dx                    (PG)
 *
 * mlp_backward_input computes only dL/d[x | c]: D's gradient and optimiser
 * are untouched, which is all "discriminator.trainable = False" means. dL/dc
 * is dropped: c is an input we chose, not something G made. (Taking the
 * wrong 784 columns is the classic slip; tests/ shows the check catches it.)
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

static double g_step(gan *g)
{
    noise_batch(g, 1);                       /* fresh z, fresh labels */
    double loss = g_loss(g, 1, NULL);
    optim_step(g->optG);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 7. Measuring samples: the judge
 *
 * A GAN's losses do not say whether its images are good: they measure G
 * against a D that keeps changing. So we measure the samples themselves with
 * a fixed yardstick, the judge: for a thousand samples, the share it calls a
 * 2 (GAN: judge_share_target) or the class c we asked for (cGAN:
 * class_accuracy), its mean confidence and the histogram of its verdicts.
 * The samples come from FIXED noise, drawn once from the seed, never from
 * the training generator: scores and pictures at different steps differ only
 * because G changed. For the cGAN sample i is (z_{i / 10}, c = i mod 10):
 * the first 100 form the 10 x 10 grid of the figures (row = z, column = c).
 *
 * A G that draws one perfect 2 every time scores 100 % with the judge. So
 * diversity_ratio compares the mean distance between two samples of a class
 * with that between two real training images: about 1 for a G as varied as
 * the data, far less for one collapsed onto a single 2 (chapter 06).
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
} evaluation;

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

/* The next n samples' noise and asked-for class, from e->r: n = 1000 twice
 * is n = 2000 once (n a multiple of 10: a cGAN's ten never straddle two). */
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
    sample_set *e = xmalloc(sizeof *e, "the samples");
    *e = (sample_set){.n = n, .r = rng_new(seed), .z = gsl_matrix_alloc(n, g->nz),
                      .images = gsl_matrix_alloc(n, IMG), .want = xmalloc(n, "the samples"),
                      .judged = xmalloc(n, "the samples"), .conf = xmalloc(n * sizeof(double), "")};
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
        for (int b = 0; b < N_CLASSES; b++)
            v.confusion[a][b] = asked[a] > 0 ? v.confusion[a][b] / asked[a] : 0.0;
    }
    return v;
}

/* z = style, c = class (source 003, section 5.2), as a number. Take the ink
 * of each cGAN sample (z_k, c), its mean pixel value, and split it the way
 * an analysis of variance does:
 *
 *     ink[k][c] = m + a_k + b_c + e_kc        a_k: effect of z_k, b_c: of class c
 *
 * style_share = var(a) / (var(a) + var(e)): the share of the ink that the
 * class leaves open and z alone sets, the same for every digit. If z set
 * nothing shared across classes, a_k would be a mean of ten residuals and
 * the share about 0.1. */
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
 * each on a fresh batch: the source's loop. train() runs until the model has
 * done `to_step` iterations, from a fresh model or a checkpoint alike. A
 * recorder (the tests train without one) keeps every step's losses in a
 * history (common/history.h), the judge's verdict every eval_every steps and
 * 10 fixed-z samples at a few snapshot steps, all without touching g->r:
 * recording never changes the training.
 * ------------------------------------------------------------------------- */
typedef struct recorder {
    const char *tag;            /* "gan" / "cgan" in the log                  */
    judge *j;                   /* NULL: no judge scores                      */
    sample_set *e;
    long from, to;              /* the steps this run trains                  */
    long log_every, eval_every;
    long snap_at[MAX_SNAPS], snap_step[MAX_SNAPS];
    size_t n_snap_at, n_snaps, n_score;
    history *loss;              /* every step: D loss, G loss, D(real), D(fake) */
    gsl_matrix *score;          /* (evals, 4) step score confidence diversity */
    gsl_matrix *snaps;          /* (MAX_SNAPS * 10, 784) progress samples     */
    double goal;                /* the judge's score the issue asks for       */
    long steps_to_goal;         /* first evaluated step that reached it (-1)  */
    evaluation final, real;     /* section 9: the samples, and real images    */
    progress prog;
} recorder;

/* About ten log lines and 40 evaluations (fewer for short runs). Snapshots
 * at from, then from + (to - from) / 2^k for k = 6 .. 0: more of them early,
 * where the pictures change fastest. */
static void recorder_init(recorder *rec, const gan *g, judge *j, sample_set *e, long to, int quiet)
{
    const long from = g->step, span = to - from;
    *rec = (recorder){.tag = model_tag(g->cfg.kind), .j = j, .e = e, .from = from, .to = to,
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
    progress_start(&rec->prog, span, quiet);
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
 * loss, D(real) and D(fake): evaluate, snapshot, log (the means since the
 * last log line), as the step asks. */
static void record(recorder *rec, gan *g, const double *v)
{
    const long step = g->step, done = step - rec->from;
    if (done > 0)
        history_add(rec->loss, step, v);
    evaluation ev = {0};
    if (done % rec->eval_every == 0 || step == rec->to) {   /* (every logged step too) */
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
    if (done > 0 && (done % rec->log_every == 0 || step == rec->to)) {
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
        v[1] = g_step(g);
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
 * At the end the fixed-z samples are measured once more: losses (mean of the
 * last tenth of the steps), diversity ratio, the judge's verdicts. What is a
 * judge's score worth? The judge also scores REAL test images: a G that
 * matches those is as good as this judge can tell.
 * ------------------------------------------------------------------------- */
/* metrics_set (m given) or fig_value (m NULL) of "TAG_NAME" */
static void tagged(metrics *m, const char *tag, const char *name, double value)
{
    char key[128];
    snprintf(key, sizeof key, "%s_%s", tag, name);
    if (m)
        metrics_set(m, key, value);
    else
        fig_value(key, value);
}

static void measure(gan *g, recorder *rec, const dataset_info *ds, metrics *m)
{
    const int cond = g->cfg.kind == MODEL_CGAN, d = (int)g->cfg.digit;
    const char *tag = rec->tag, *loss_name[] = {"d_loss", "g_loss", "d_real", "d_fake"};
    const size_t nl = rec->loss->n, tenth = nl / 10 > 0 ? nl / 10 : nl;
    for (size_t c = 0; c < 4 && nl > 0; c++)
        tagged(m, tag, loss_name[c], loss_mean(rec->loss, c, nl - tenth, nl));
    tagged(m, tag, "steps", (double)g->step);
    const evaluation v = rec->final = evaluate(g, rec->e, rec->j);
    tagged(m, tag, "diversity_ratio", v.diversity);
    if (rec->j) {
        evaluation *real = &rec->real;                  /* the judge on REAL images */
        image_set *test = load_split(ds->dir, "t10k", cond ? -1 : d);
        unsigned char *pred = xmalloc(test->n, "the judge's verdicts");
        judge_classify(rec->j, test->images, pred, NULL);
        for (size_t i = 0; i < test->n; i++) {
            real->hist[pred[i]] += 1.0 / (double)test->n;
            real->score += (pred[i] == test->labels[i]) / (double)test->n;
        }
        free(pred);
        image_set_free(test);
        double worst = 1.0;                             /* cGAN: the worst class */
        for (int k = 0; k < N_CLASSES; k++)
            worst = fmin(worst, v.confusion[k][k]);
        if (cond) {
            printf("cgan result: %.1f %% of %zu samples are judged the class asked for (worst class "
                   "%.1f %%), mean confidence %.3f\n", 100 * v.score, rec->e->n, 100 * worst, v.confidence);
            printf("cgan result: the judge itself is right on %.1f %% of real test images\n",
                   100.0 * real->score);
            metrics_set(m, "class_accuracy", v.score);
            metrics_set(m, "class_accuracy_worst", worst);
            metrics_set(m, "cgan_mean_confidence", v.confidence);
            metrics_set(m, "cgan_steps_to_goal", (double)rec->steps_to_goal);
            metrics_set(m, "judge_accuracy_real", real->score);
        } else {
            printf("gan result: the judge calls %.1f %% of %zu samples a %s (mean confidence %.3f); "
                   "real test images: %.1f %%\n", 100.0 * v.score, rec->e->n, ds->class_name[d],
                   v.confidence, 100.0 * real->hist[d]);
            metrics_set(m, "judge_share_target", v.score);
            metrics_set(m, "judge_mean_confidence", v.confidence);
            metrics_set(m, "judge_share_target_real", real->hist[d]);
            metrics_set(m, "gan_steps_to_goal", (double)rec->steps_to_goal);
            for (int k = 0; k < N_CLASSES; k++) {
                char key[32];
                snprintf(key, sizeof key, "judge_share_%d", k);
                metrics_set(m, key, v.hist[k]);
            }
        }
    }
    printf("%s result: samples differ %.2f times as much as real images of a class do\n",
           tag, v.diversity);
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
 * A checkpoint (common/checkpoint.h) holds all the next iteration depends
 * on: both networks, both Adam states (moments AND step counts: the bias
 * correction uses t), the step, the training generator g->r, and the GAN's
 * class. So train to N, save, resume to N + M is bit for bit train to N + M
 * (tests/test_08_mnist_gan.c; the README says what goes wrong without the
 * generator or Adam's moments). The loss log is not kept: a resumed run's
 * figures start where it resumed. Block names start with "gan." or "cgan.".
 * The session writes the file with its own generator S->rng (done with by
 * then: it drew the seeds), so g->r travels in its place.
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
 * Appendix B. Figures (scripts: chapters/08-mnist-gan/figures/NAME.gp)
 *
 * P_loss (P = gan or cgan: losses; judge's score and diversity), P_progress
 * (one row per snapshot), gan_samples, gan_judge (the judge on samples and
 * on real 2s), cgan_style_class (row = z, column = c), cgan_confusion, and
 * generated (--generate). values.gp gives them this run's numbers.
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
    tagged(NULL, tag, "steps", (double)g->step);
    tagged(NULL, tag, "eval_n", (double)rec->e->n);
    if (rec->loss->n > 0) {                   /* P_loss: the loss history, the scores */
        snprintf(name, sizeof name, "%s_loss.dat", tag);
        history_write(rec->loss, out, name);
        snprintf(name, sizeof name, "%s_score.dat", tag);
        gsl_matrix_const_view S = gsl_matrix_const_submatrix(rec->score, 0, 0, rec->n_score, 4);
        out_write_matrix(out, name, rec->j ? "step share_judged_as_asked mean_judge_confidence "
                         "diversity_ratio" : "step (no judge) (no judge) diversity_ratio", &S.matrix);
        snprintf(name, sizeof name, "%s_loss", tag);
        fig_use(name);
        fig_value("loss_mean_steps", SMOOTH);
        tagged(NULL, tag, "with_judge", rec->j != NULL);
        tagged(NULL, tag, "goal", rec->goal);
        if (cond)
            fig_value("cgan_mismatch", g->cfg.mismatch);
    }
    if (rec->j) {                             /* the judge's histogram, or confusion */
        snprintf(name, sizeof name, "%s.dat", judged);
        FILE *d = out_open(out, name);
        fprintf(d, cond ? "# asked judged share (of the 100 samples asked for class `asked`)\n"
                        : "# class share_of_GAN_samples share_of_real_test_images name\n");
        for (int a = 0; a < N_CLASSES; a++) {
            if (!cond)
                fprintf(d, "%d %.6f %.6f %s\n", a, rec->final.hist[a], rec->real.hist[a], ds->class_name[a]);
            for (int b = 0; b < N_CLASSES && cond; b++)
                fprintf(d, "%d %d %.6f\n%s", a, b, rec->final.confusion[a][b], b < N_CLASSES - 1 ? "" : "\n");
        }
        out_close(d, name);
        fig_use(judged);
    }
    snprintf(name, sizeof name, "%s_progress", tag);       /* P_progress: the snapshots */
    gsl_matrix_const_view snaps = gsl_matrix_const_submatrix(rec->snaps, 0, 0, rec->n_snaps * GRID, IMG);
    fig_image_grid(out, name, &snaps.matrix, SIDE, SIDE, rec->n_snaps, GRID);
    fig_use(name);
    tagged(NULL, name, "rows", (double)rec->n_snaps);
    for (size_t r = 0; r < rec->n_snaps; r++) {            /* the step of each row */
        snprintf(key, sizeof key, "step_%zu", r + 1);
        tagged(NULL, name, key, (double)rec->snap_step[r]);
    }
    gsl_matrix_const_view first = gsl_matrix_const_submatrix(rec->e->images, 0, 0, GRID * GRID, IMG);
    fig_image_grid(out, grid, &first.matrix, SIDE, SIDE, GRID, GRID);
    fig_use(grid);
}

/* --generate K: K samples of a loaded model (the first 100 as a grid) and the
 * judge's score, in blocks of GEN_BLOCK (K may be 100 000: 600 MB of pixels),
 * each drawn, written and judged before the next. The noise comes from the
 * session's sample seed: the same samples on every call, and the first K'
 * of them for any K' < K. */
#define GEN_BLOCK 1000      /* a multiple of 10: a cGAN's rows of ten stay whole */

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
        for (size_t i = 0; i < k; i++) {
            fprintf(f, "%d", e->want[i]);
            for (size_t p = 0; p < IMG; p++)
                fprintf(f, " %.9g", gsl_matrix_get(e->images, i, p));
            fputc('\n', f);
        }
        if (start == 0)
            fig_image_grid(S->cli.out, "generated", &block.matrix, SIDE, SIDE, (shown + GRID - 1) / GRID, GRID);
        if (j)
            judge_classify(j, &block.matrix, e->judged, e->conf);
        for (size_t i = 0; i < k && j; i++) {
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
 * Appendix C. The flags, and what a run starts from (skip on a first reading)
 *
 * The session adds --seed, --quick, --out, --quiet and --save, --load,
 * --generate, --resume (common/session.h). 0: the model's own, by recipe().
 * ------------------------------------------------------------------------- */
typedef struct config {
    const char *model, *dataset, *data_dir, *judge_path, *d_update, *d_act;
    long steps, batch, noise_dim, hidden, digit;
    double lr_d, lr_g, beta1, mismatch;
    int conditional;
    int run[2];              /* the models this run builds: [MODEL_GAN], [MODEL_CGAN] */
    dataset_info ds;         /* which images, from where (common/dataset.h)  */
    judge *j;                /* NULL: no judge available                     */
} config;

/* The flags; which model(s) this run builds (a checkpoint holds one, so a
 * run that saves, loads or resumes names it: usage errors before anything
 * is written); the data, the judge (--judge, else the dataset's if built,
 * else none), and the run's first line. */
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
                  options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    if (cfg->conditional && cli_given(&S->cli, "model") && strcmp(cfg->model, "cgan") != 0)
        cli_usage_error(&S->cli, "--conditional is --model cgan; do not combine it with another --model");
    int *run = cfg->run, cgan_only = cfg->conditional || strcmp(cfg->model, "cgan") == 0;
    run[MODEL_GAN] = !cgan_only;
    run[MODEL_CGAN] = cgan_only || strcmp(cfg->model, "both") == 0;
    if (run[MODEL_GAN] && run[MODEL_CGAN] && (S->save || S->load || S->resume))
        cli_usage_error(&S->cli, "a checkpoint holds one model: add --model gan or --conditional");
    session_open(S);
    cfg->ds = dataset_select(cfg->dataset, cfg->data_dir);
    cfg->j = dataset_open_judge(&cfg->ds, cfg->judge_path, "no judge scores in this run");
    note("data from %s", cfg->ds.dir);
    printf("08-mnist-gan: seed %ld, %s, %s%s\n", S->cli.seed, cfg->ds.title,
           run[MODEL_GAN] && run[MODEL_CGAN] ? "a GAN on one class, then a conditional GAN"
           : run[MODEL_GAN] ? "a GAN on one class" : "a conditional GAN",
           cfg->j ? "; scored by the judge" : "; no judge");
}

/* Each model's settings: the source's numbers, unless a flag says otherwise.
 * --quick (seconds; minutes under valgrind): 20 steps of batch 20. */
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

/* The "== 8." header, the model's setup, and where training starts (0, or a
 * checkpoint's step). Returns the step to train to (--load: no training). */
static long announce(const session *S, const gan *g, const dataset_info *ds)
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
    const long to = S->load ? g->step : c->steps;
    if (S->load || S->resume)
        printf("%s: starts from a checkpoint at step %ld; %s\n", model_tag(c->kind), g->step,
               to > g->step ? "training on" : "no training");
    return to;
}

/* ----------------------------------------------------------------------------
 * main: the table of contents
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);          /* the flags, the data, the judge (Appendix C) */
    /* every random number comes from S.rng: each model's training generator and
     * fixed evaluation noise are seeded from it, in a fixed order, so that
     * `--conditional` alone trains exactly the cGAN of the default run */
    unsigned long seeds[4];
    for (int k = 0; k < 4; k++)
        seeds[k] = gsl_rng_get(S.rng);
    for (model_kind kind = MODEL_GAN; kind <= MODEL_CGAN; kind++) {
        if (!cfg.run[kind])               /* part 1: the GAN on one class; part 2: the cGAN */
            continue;
        const gan_config gc = recipe(&cfg, kind, S.cli.quick);
        image_set *data = load_split(cfg.ds.dir, "train", kind == MODEL_CGAN ? -1 : (int)gc.digit);
        gan *g = gan_new(&gc, data, seeds[2 * kind]);                       /* sections 1-2 */
        if (S.load || S.resume)
            load_model(&S, g);                                              /* Appendix A */
        if (S.generate > 0) {
            generate(g, cfg.j, &S);                                         /* Appendix B */
        } else {
            const long to = announce(&S, g, &cfg.ds);                       /* Appendix C */
            sample_set *e = sample_set_new(g, S.cli.quick ? EVAL_N / 10 : EVAL_N,
                                           seeds[2 * kind + 1]);            /* section 7 */
            recorder rec;
            recorder_init(&rec, g, cfg.j, e, to, S.cli.quiet);
            train(g, to, &rec);                                             /* section 8 */
            measure(g, &rec, &cfg.ds, &S.m);                                /* section 9 */
            draw(g, &rec, &cfg.ds, S.cli.out);                              /* Appendix B */
            save_model(&S, g);                                              /* Appendix A */
            history_free(rec.loss); gsl_matrix_free(rec.score); gsl_matrix_free(rec.snaps);
            sample_set_free(e);
        }
        gan_free(g);
        image_set_free(data);
    }
    printf("\n");                         /* then the results block, metrics.txt, the figures */
    if (cfg.j)
        judge_free(cfg.j);
    session_finish(&S);
    return 0;
}
#endif
