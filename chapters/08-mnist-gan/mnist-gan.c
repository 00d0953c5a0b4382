/* mnist-gan.c -- chapter 08: a GAN that draws the digit 2, and a conditional
 * GAN that draws whichever digit you ask for.
 *
 * Chapters 05-07 played the adversarial game on numbers and on 2D points,
 * where one histogram shows everything. Here the data are real handwritten
 * digits: 28 x 28 grey pixels, i.e. points in a 784-dimensional space. The
 * game itself does not change (D is a binary classifier, G learns through D's
 * gradient). What changes is how we tell whether it worked: nobody can draw a
 * density in 784 dimensions. So we look at samples, and we ask a classifier
 * trained on real digits (the "judge", common/judge.h) to score a thousand of
 * them.
 *
 * Part 1 (source 003, section 4): a GAN trained on the 2s only.
 *     G:  z (100)          -> 256 ReLU -> 784 sigmoid   (an image)
 *     D:  x (784)          -> 256 ReLU -> 1             (a logit: "real?")
 * Part 2 (source 003, section 5): a conditional GAN on all ten digits.
 *     G:  [z (128) | c (10)] -> 256 ReLU -> 784 sigmoid
 *     D:  [x (784) | c (10)] -> 256 ReLU -> 1
 * c is the one-hot label. After training, z and c split the work between
 * them: c says which digit, z says how it is written (section 9 draws the
 * grid that shows it).
 *
 * Three things differ from the source, each for a reason measured where it
 * happens: Adam's beta1 (section 2), one D step per iteration instead of
 * two (section 4), and a cGAN discriminator that also sees real images with
 * wrong labels (section 4b).
 *
 * Run:   make judge bin/08-mnist-gan && bin/08-mnist-gan   (both, ~3 min CPU)
 *        bin/08-mnist-gan --conditional                     (the cGAN only)
 *        bin/08-mnist-gan --help                            (every knob)
 */
#include "genlab.h"

#define SIDE 28
#define IMG (SIDE * SIDE)  /* 784 pixels per image                         */
#define N_CLASSES 10
#define EVAL_N 1000        /* samples behind every judge score (--quick: 100) */
#define GRID 10            /* sample grids are 10 x 10; progress rows 10 wide */
#define MAX_SNAPS 8        /* rows of the progress figure                   */
#define SMOOTH 200         /* steps in the running mean of the loss curves  */

/* ----------------------------------------------------------------------------
 * 1. The data: images as rows
 *
 * common/idx.h reads the standard MNIST files into an image_set: one image
 * per row of a (n, 784) matrix, pixel values in [0, 1] (the source divides
 * by 255 too), and a label per row. The GAN of part 1 keeps only the 2s of
 * the training split; the cGAN keeps everything.
 *
 * The shipped data (datasets/mnist) are 8 576 training digits, 850 of them
 * 2s. The source trains on Keras's full MNIST, about 5 960 2s. A GAN needs
 * far fewer examples than that to learn what a 2 looks like: its G never
 * sees a training image, only D's opinion of its own drawings. --data DIR
 * takes the original 70 000 digits if you have them.
 *
 * The same program learns Fashion-MNIST (--dataset fashion): there class 2 is
 * a pullover. The judge for it is built by `make build/judge/fashion.judge`.
 * Which directory, which class names and which judge a --dataset means is
 * decided in one place for every MNIST program: common/dataset.h.
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
 *     G:  [z | c]  (n, nz + nc) -> (n, 256) ReLU -> (n, 784) sigmoid
 *     D:  [x | c]  (n, 784 + nc) -> (n, 256) ReLU -> (n, 1) logit
 *
 * nc = 0 for the plain GAN and 10 for the cGAN: the GAN is the cGAN with no
 * label, so one struct and one training loop serve both parts.
 *
 * G ends in a sigmoid because pixels live in [0, 1]. D ends WITHOUT one: the
 * source puts a sigmoid there and trains with Keras's binary_crossentropy;
 * we keep the logit and let loss_bce_logits apply the sigmoid inside the
 * log, where a confident D can never produce log(0). Same model, same
 * loss, no overflow.
 *
 * Each player has its own parameter block and its own Adam. That separation
 * is what lets one step change D and leave G alone, and the other step
 * change G while D is merely USED (sections 4 and 5). Initialisation is
 * Xavier (Keras's default for Dense layers has the same variance).
 *
 * Adam gets the source's learning rates (D 1e-4 and G 2e-4 for the GAN, 2e-4
 * for both in the cGAN) but beta1 = 0.5 where the source, by not setting it,
 * gets Keras's 0.9. beta1 is the memory of Adam's running mean of the
 * gradient: with 0.9 each step still follows the gradients of the last ten
 * or so, and in a game those point at where the OTHER player used to be (a
 * likely reason for what we see). Measured on the GAN (seed 42, 4000
 * steps): with 0.9, G collapses onto almost one 2. The judge still calls
 * 100 % of them a 2, but two samples differ only 0.44 times as much as two
 * real 2s do, and all ten columns of the progress figure show the same
 * picture. With 0.5 (DCGAN's choice, as in chapter 05) the ratio is about
 * 0.9. --beta1 0.9 repeats the experiment.
 *
 * --d-act leaky-relu gives D LeakyReLU units (slope 0.2 below zero, also
 * DCGAN's choice): a unit that is off still passes a fifth of the gradient
 * on to x, so G hears from every unit of D. Here it changes little (seed 42:
 * diversity 0.89 instead of 0.92, judge 0.964 instead of 0.939), so D keeps
 * the source's ReLU.
 * ------------------------------------------------------------------------- */
typedef enum { MODEL_GAN, MODEL_CGAN } model_kind;
typedef enum { D_JOINT, D_SPLIT } d_update_kind;

typedef struct gan_config {
    model_kind kind;
    long steps;              /* training iterations: one D update, one G update */
    long batch;
    long noise_dim;          /* nz, the size of z                              */
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
    gsl_matrix *g_in;        /* (n, nz + nc)    [z | c], G's input              */
    gsl_matrix *real;        /* (n, 784 + nc)   [x | c], real rows for D        */
    gsl_matrix *fake;        /* (n, 784 + nc)   [G(z, c) | c], fake rows for D  */
    gsl_matrix *wrong;       /* (n, 784 + nc)   [x | c'], c' != c (--mismatch)  */
    gsl_matrix *dlogit;      /* (n, 1)          dL/dlogit                       */
    gsl_matrix *dx;          /* (n, 784 + nc)   dL/d[x | c], D's message to G   */
    unsigned char *label;    /* (n)             class of each row of the batch  */
} gan;

static const char *model_tag(model_kind k)
{
    return k == MODEL_CGAN ? "cgan" : "gan";
}

static gan *gan_new(const gan_config *cfg, const image_set *data, unsigned long seed)
{
    gan *g = calloc(1, sizeof *g);
    if (!g)
        die("out of memory");
    g->cfg = *cfg;
    g->nz = (size_t)cfg->noise_dim;
    g->nc = cfg->kind == MODEL_CGAN ? N_CLASSES : 0;
    g->n = (size_t)cfg->batch;
    g->data = data;
    const size_t h = (size_t)cfg->hidden;
    const size_t wg[] = {g->nz + g->nc, h, IMG}, wd[] = {IMG + g->nc, h, 1};
    g->PG = params_alloc(mlp_size(wg, 3));
    g->PD = params_alloc(mlp_size(wd, 3));
    g->G = mlp_new(g->PG, wg, 3, ACT_RELU, ACT_SIGMOID, g->n);
    g->D = mlp_new(g->PD, wd, 3, cfg->d_act, ACT_IDENTITY, g->n);
    g->r = rng_new(seed);
    mlp_init_xavier(g->G, g->r);
    mlp_init_xavier(g->D, g->r);
    g->optG = optim_adam(g->PG, cfg->lr_g, cfg->beta1, 0.999);
    g->optD = optim_adam(g->PD, cfg->lr_d, cfg->beta1, 0.999);
    g->g_in = gsl_matrix_calloc(g->n, g->nz + g->nc);
    g->real = gsl_matrix_calloc(g->n, IMG + g->nc);
    g->fake = gsl_matrix_calloc(g->n, IMG + g->nc);
    g->wrong = gsl_matrix_calloc(g->n, IMG + g->nc);
    g->dlogit = gsl_matrix_calloc(g->n, 1);
    g->dx = gsl_matrix_calloc(g->n, IMG + g->nc);
    g->label = calloc(g->n, 1);
    if (!g->label)
        die("out of memory");
    return g;
}

static void gan_free(gan *g)
{
    mlp_free(g->G); mlp_free(g->D);
    params_free(g->PG); params_free(g->PD);
    optim_free(g->optG); optim_free(g->optD);
    gsl_rng_free(g->r);
    gsl_matrix_free(g->g_in); gsl_matrix_free(g->real); gsl_matrix_free(g->fake);
    gsl_matrix_free(g->wrong);
    gsl_matrix_free(g->dlogit); gsl_matrix_free(g->dx);
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

/* real [x | c] rows from the training images */
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
            const int wrong = (g->label[i] + shift) % N_CLASSES;
            memcpy(gsl_matrix_ptr(g->wrong, i, 0), gsl_matrix_const_ptr(g->real, i, 0),
                   IMG * sizeof(double));
            put_onehot(g->wrong, i, IMG, g->nc, wrong);
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

/* D's average "probability real" over a batch: mean_sigmoid (common/loss.h),
 * the mean of sigmoid(l) computed without overflow for any logit l. */

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
 * run forward here: nothing about G changes.
 *
 * There are two ways to update D, and the source's text and code pick
 * different ones. Section 3.4 says "perform a gradient step to update D" on
 * the loss above: that is --d-update joint, ONE Adam step on the sum. The
 * code calls discriminator.train_on_batch twice, once on the real batch and
 * once on the fake batch: TWO Adam steps per iteration, each on one of the
 * two terms, the second from weights the first has already moved
 * (--d-update split). You might expect two Adam steps to act like one
 * step at twice the learning rate. Measured (seed 42, 4000 steps), they do
 * not: the split D ends exactly as sure as the joint one (mean D(real)
 * 0.73, D(fake) 0.28 in both), while a joint D with twice the rate
 * (--lr-d 2e-4) ends well ahead (0.82, 0.18). A likely reason: each split
 * step sees one class only, so Adam's running mean of the gradient gets
 * "push real up" and "push fake down" in turn and partly cancels them,
 * while its running square adds them up. What the split update does change
 * is G: G stays collapsed onto one 2 for about 800 steps longer (the
 * diversity ratio of section 6 passes 0.4 at step 2300 instead of 1500)
 * and ends at 0.79 instead of 0.92. We follow the text.
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
 * 4b. What the source's cGAN never shows D: a right image with a wrong label
 *
 * The source's D sees two kinds of rows: real images with their own labels,
 * and G's images with the labels G was given. Nothing in that data says
 * that a real 7 labelled "3" is wrong. D can only learn what the label
 * means from fakes that look like a 7 while carrying a 3. And G, at first,
 * ignores c: its ten label inputs are ten small biases next to 128 noise
 * inputs, so its fakes look much the same whatever c says. So D learns to
 * judge realism first, and the label's meaning seeps in slowly. Measured on
 * our data with the source's loss (--mismatch 0; seed 42, our beta1 0.5):
 * the judge finds the asked-for class in 13.7 % of the samples after 6000
 * steps (chance is 10 %), 27.5 % after 12 000, and 0.9 is passed only at
 * step 26 250 (0.929 after the source's 30 000 steps: 4.5 minutes of CPU).
 *
 * The matching-aware discriminator (Reed et al., "Generative adversarial
 * text to image synthesis", 2016) adds the missing lesson as a third kind
 * of row: a real image with a wrong label c', which D must call fake:
 *
 *     L_D = BCE(l(x, c), 1) + BCE(l(G(z, c), c), 0) + w BCE(l(x, c'), 0)
 *
 * with c' drawn uniformly from the nine other classes (--mismatch w; 0
 * gives the source's loss). From the first step, D has to check that image
 * and label agree, and exactly that check is what G's gradient through D
 * carries back to G. Networks, optimiser and batch stay the source's.
 * Reed et al. weigh the two "fake" kinds 1/2 each; we weigh the label check
 * up instead, w = 2. Then class_accuracy passes 0.9 at step 3500 to 4000
 * and reaches 0.94 to 0.98 at step 10 000 (seeds 1-5 and 42); with w = 1 it
 * was 0.914 to 0.963, passing 0.9 as late as step 7750.
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
         + d_part(g, g->fake, 0.0, 1.0, want_grad, p_fake)
         + d_mismatch(g, want_grad);
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
    make_fakes(g);                           /* as the source: two steps        */
    params_zero_grad(g->PD);
    double loss = d_part(g, g->real, 1.0, 1.0, 1, p_real);
    optim_step(g->optD);
    params_zero_grad(g->PD);
    loss += d_part(g, g->fake, 0.0, 1.0, 1, p_fake) + d_mismatch(g, 1);
    optim_step(g->optD);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. The generator's step (D frozen): backpropagating through D
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
 * 6. Measuring samples: the judge
 *
 * A GAN's losses do not say whether its images are good: they measure G
 * against a D that keeps changing. So we measure the samples themselves
 * with a fixed yardstick, a classifier trained on real digits (the judge,
 * 96 % right on real test digits). For a thousand samples:
 *
 *     GAN:   judge_share_target = share the judge calls a 2
 *     cGAN:  class_accuracy     = share judged as the class c we asked for
 *                                 (100 samples per class)
 *
 * plus the judge's mean confidence (its largest softmax probability) and the
 * whole histogram of its verdicts. The thousand samples are drawn from
 * FIXED noise, chosen once from the seed and never from the training
 * generator: the same z at every evaluation, so scores (and pictures) at
 * different steps differ only because G changed. For the cGAN the 1000
 * samples are 100 z's, each drawn with all ten labels: sample i is
 * (z_{i / 10}, c = i mod 10), so the first 100 samples form the 10 x 10
 * grid of section 9 (row = z, column = c).
 *
 * One more number guards against a cheap trick: a G that draws the same
 * perfect 2 every time scores 100 % with the judge. diversity_ratio is the
 * mean distance between two samples of the same class divided by the same
 * for real training images: about 1 for a G as varied as the data, about
 * 0.2 here for one that has collapsed onto a single 2 (chapter 06's mode
 * collapse; what is left is pixel noise).
 * ------------------------------------------------------------------------- */
typedef struct evaluation {
    size_t n;
    gsl_matrix *z;            /* (n, nz) the fixed noise of each sample       */
    unsigned char *want;      /* (n) the class asked for (GAN: its digit)     */
    gsl_matrix *images;       /* (n, 784) the samples of the last evaluation  */
    unsigned char *judged;    /* (n) the judge's class                        */
    double *conf;             /* (n) the judge's confidence                   */
} evaluation;

static evaluation *evaluation_alloc(const gan *g, size_t n)
{
    evaluation *e = calloc(1, sizeof *e);
    if (!e)
        die("out of memory");
    e->n = n;
    e->z = gsl_matrix_alloc(n, g->nz);
    e->want = malloc(n);
    e->images = gsl_matrix_alloc(n, IMG);
    e->judged = malloc(n);
    e->conf = malloc(n * sizeof *e->conf);
    if (!e->want || !e->judged || !e->conf)
        die("out of memory");
    return e;
}

/* The noise and the asked-for class of all n samples, drawn from r. Drawing
 * n = 1000 twice from one r gives the same 2000 samples as n = 2000 once
 * (n a multiple of 10: a cGAN's block of ten never straddles two calls). */
static void evaluation_draw(evaluation *e, const gan *g, gsl_rng *r)
{
    for (size_t i = 0; i < e->n; i++) {
        if (g->nc && i % N_CLASSES) {        /* cGAN: the z of its block of ten */
            gsl_vector_const_view prev = gsl_matrix_const_row(e->z, i - 1);
            gsl_matrix_set_row(e->z, i, &prev.vector);
        } else {
            for (size_t j = 0; j < g->nz; j++)
                gsl_matrix_set(e->z, i, j, gsl_ran_gaussian(r, 1.0));
        }
        e->want[i] = (unsigned char)(g->nc ? i % N_CLASSES : (size_t)g->cfg.digit);
    }
}

/* n samples with fixed noise: the same seed, the same samples */
static evaluation *evaluation_new(const gan *g, size_t n, unsigned long seed)
{
    evaluation *e = evaluation_alloc(g, n);
    gsl_rng *r = rng_new(seed);
    evaluation_draw(e, g, r);
    gsl_rng_free(r);
    return e;
}

static void evaluation_free(evaluation *e)
{
    gsl_matrix_free(e->z); gsl_matrix_free(e->images);
    free(e->want); free(e->judged); free(e->conf);
    free(e);
}

/* images[0..m-1] = G(z_i, c_i) for the first m samples, batch by batch */
static void draw_samples(gan *g, const evaluation *e, size_t m, gsl_matrix *images)
{
    for (size_t start = 0; start < m; start += g->n) {
        const size_t k = m - start < g->n ? m - start : g->n;
        gsl_matrix_view in = mat_rows(g->g_in, k);
        for (size_t i = 0; i < k; i++) {
            memcpy(gsl_matrix_ptr(&in.matrix, i, 0), gsl_matrix_const_ptr(e->z, start + i, 0),
                   g->nz * sizeof(double));
            put_onehot(&in.matrix, i, g->nz, g->nc, e->want[start + i]);
        }
        const gsl_matrix *x = mlp_forward(g->G, &in.matrix);          /* (k, 784) */
        gsl_matrix_view dst = gsl_matrix_submatrix(images, start, 0, k, IMG);
        gsl_matrix_memcpy(&dst.matrix, x);
    }
}

typedef struct verdict {
    double score;                               /* share judged as asked    */
    double confidence;                          /* mean judge confidence     */
    double hist[N_CLASSES];                     /* share judged as each class */
    double confusion[N_CLASSES][N_CLASSES];     /* [asked][judged], row shares */
    double class_score[N_CLASSES];              /* per asked class           */
} verdict;

/* Draw all n samples, let the judge classify them, count. */
static verdict evaluate(gan *g, evaluation *e, judge *j)
{
    verdict v = {0};
    double asked[N_CLASSES] = {0};
    draw_samples(g, e, e->n, e->images);
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

/* Mean Euclidean distance between consecutive same-class rows (pairs 0-1,
 * 2-3, ... within each class): how different two images of one class are. */
static double mean_pair_distance(const gsl_matrix *images, const unsigned char *label, size_t n)
{
    double sum = 0.0;
    size_t pairs = 0;
    for (int k = 0; k < N_CLASSES; k++) {
        size_t first = n;                       /* an unpaired row of class k */
        for (size_t i = 0; i < n; i++) {
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
    }
    return pairs ? sum / (double)pairs : 0.0;
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
static double style_share(const evaluation *e)
{
    const size_t K = e->n / N_CLASSES;
    double *ink = calloc(K * N_CLASSES, sizeof *ink), *a = calloc(K, sizeof *a);
    double b[N_CLASSES] = {0}, m = 0.0, va = 0.0, ve = 0.0;
    if (!ink || !a)
        die("out of memory");
    for (size_t i = 0; i < K * N_CLASSES; i++) {
        gsl_vector_const_view row = gsl_matrix_const_row(e->images, i);
        for (size_t p = 0; p < IMG; p++)
            ink[i] += gsl_vector_get(&row.vector, p) / IMG;
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
 * 7. Training: alternate the two steps, and keep a record
 *
 * One iteration is one D update (section 4) and one G update (section 5),
 * each on a fresh batch: the source's loop. train() runs iterations until
 * the model has done `to_step` of them, so "train to 4000" works the same
 * from a fresh model and from a checkpoint (section 8).
 *
 * While training, a recorder (optional: the tests train without one) keeps
 * the losses of every step, the judge's score every eval_every steps, and
 * the first 10 fixed-z samples at a few snapshot steps. None of that touches
 * the training generator g->r, so recording never changes the training.
 * ------------------------------------------------------------------------- */
typedef struct recorder {
    const char *tag;            /* "gan" / "cgan" in the log                  */
    judge *j;                   /* NULL: no judge scores                      */
    evaluation *e;
    long from, to;              /* the steps this run trains                  */
    long log_every, eval_every;
    long snap_at[MAX_SNAPS];
    size_t n_snap_at;
    gsl_matrix *loss;           /* (to - from, 5) step d_loss g_loss D(real) D(fake) */
    size_t n_loss;
    gsl_matrix *score;          /* (evals, 4) step score confidence diversity */
    size_t n_score;
    gsl_matrix *snaps;          /* (MAX_SNAPS * 10, 784) progress samples     */
    long snap_step[MAX_SNAPS];
    size_t n_snaps;
    double goal;                /* the score the issue asks for               */
    double div_real;            /* mean distance of two real images of a class */
    long steps_to_goal;         /* first evaluated step that reached it (-1)  */
    progress prog;
} recorder;

/* Snapshot steps: from, then from + (to - from) / 2^k for k = 6 .. 0, so
 * the early steps, where the pictures change fastest, get more rows. */
static void recorder_init(recorder *rec, const char *tag, judge *j, evaluation *e,
                          long from, long to, double goal, double div_real, int quiet)
{
    *rec = (recorder){.tag = tag, .j = j, .e = e, .from = from, .to = to, .goal = goal,
                      .div_real = div_real, .steps_to_goal = -1};
    const long span = to - from;
    rec->log_every = span >= 10 ? span / 10 : 1;           /* about ten log lines */
    rec->eval_every = rec->log_every;                      /* and 40 evaluations, */
    if (rec->log_every >= 40) {                            /* each log line being one */
        rec->eval_every = rec->log_every / 4;
        rec->log_every = 4 * rec->eval_every;
    }
    rec->snap_at[rec->n_snap_at++] = from;
    for (int k = MAX_SNAPS - 2; k >= 0; k--) {
        long s = from + span / (1L << k);
        if (s > rec->snap_at[rec->n_snap_at - 1])
            rec->snap_at[rec->n_snap_at++] = s;
    }
    rec->loss = gsl_matrix_calloc((size_t)(span > 0 ? span : 1), 5);
    rec->score = gsl_matrix_calloc((size_t)(span / rec->eval_every + 12), 4);
    rec->snaps = gsl_matrix_calloc(MAX_SNAPS * GRID, IMG);
    progress_start(&rec->prog, span, quiet);
}

static void recorder_free(recorder *rec)
{
    gsl_matrix_free(rec->loss);
    gsl_matrix_free(rec->score);
    gsl_matrix_free(rec->snaps);
}

/* mean of column c of the loss log over rows [a, b) */
static double loss_mean(const recorder *rec, size_t c, size_t a, size_t b)
{
    double s = 0.0;
    for (size_t i = a; i < b; i++)
        s += gsl_matrix_get(rec->loss, i, c);
    return b > a ? s / (double)(b - a) : 0.0;
}

/* Called after every iteration (and once before the first): log, evaluate,
 * snapshot, as the step number asks. */
static void record(recorder *rec, gan *g, double ld, double lg, double p_real, double p_fake)
{
    const long step = g->step;
    if (step > rec->from) {
        gsl_matrix_set(rec->loss, rec->n_loss, 0, (double)step);
        gsl_matrix_set(rec->loss, rec->n_loss, 1, ld);
        gsl_matrix_set(rec->loss, rec->n_loss, 2, lg);
        gsl_matrix_set(rec->loss, rec->n_loss, 3, p_real);
        gsl_matrix_set(rec->loss, rec->n_loss, 4, p_fake);
        rec->n_loss++;
    }
    const long done = step - rec->from;
    const int log_now = done > 0 && (done % rec->log_every == 0 || step == rec->to);
    const int eval_now = done % rec->eval_every == 0 || step == rec->to;
    double score = -1.0, diversity = -1.0;
    if (eval_now) {
        verdict v = {0};
        if (rec->j)
            v = evaluate(g, rec->e, rec->j);
        else
            draw_samples(g, rec->e, rec->e->n, rec->e->images);
        diversity = mean_pair_distance(rec->e->images, rec->e->want, rec->e->n) / rec->div_real;
        score = rec->j ? v.score : -1.0;
        gsl_matrix_set(rec->score, rec->n_score, 0, (double)step);
        gsl_matrix_set(rec->score, rec->n_score, 1, v.score);
        gsl_matrix_set(rec->score, rec->n_score, 2, v.confidence);
        gsl_matrix_set(rec->score, rec->n_score, 3, diversity);
        rec->n_score++;
        if (rec->j && rec->steps_to_goal < 0 && v.score >= rec->goal)
            rec->steps_to_goal = step;
    }
    if (rec->n_snaps < rec->n_snap_at && step == rec->snap_at[rec->n_snaps]) {
        gsl_matrix_view rows = gsl_matrix_submatrix(rec->snaps, rec->n_snaps * GRID, 0, GRID, IMG);
        draw_samples(g, rec->e, GRID, &rows.matrix);
        rec->snap_step[rec->n_snaps++] = step;
    }
    if (log_now) {
        const size_t b = rec->n_loss, span = (size_t)rec->log_every, a = b >= span ? b - span : 0;
        printf("%-4s step %6ld  D loss %.3f  G loss %.3f  D(real) %.2f  D(fake) %.2f",
               rec->tag, step, loss_mean(rec, 1, a, b), loss_mean(rec, 2, a, b),
               loss_mean(rec, 3, a, b), loss_mean(rec, 4, a, b));
        if (score >= 0.0)
            printf("  judge %5.1f %%", 100.0 * score);
        printf("  diversity %.2f\n", diversity);
    }
    progress_report(&rec->prog, step - rec->from, "D loss %.3f  G loss %.3f", ld, lg);
}

static void train(gan *g, long to_step, recorder *rec)
{
    if (rec)
        record(rec, g, 0.0, 0.0, 0.0, 0.0);               /* the starting point */
    while (g->step < to_step) {
        double p_real, p_fake;
        const double ld = d_step(g, &p_real, &p_fake);
        check_finite(ld, "D loss", g->step);
        const double lg = g_step(g, NULL);
        check_finite(lg, "G loss", g->step);
        g->step++;
        if (rec)
            record(rec, g, ld, lg, p_real, p_fake);
    }
}

/* ----------------------------------------------------------------------------
 * 8. Checkpoints: stop, and carry on exactly
 *
 * A checkpoint (common/checkpoint.h) holds everything the next iteration
 * depends on: both parameter blocks, both Adam states (moments AND step
 * counts: Adam's bias correction uses t), the iteration counter, the
 * state of the training generator g->r, and for the GAN the class it
 * learns. With all of it restored, the next batch, the next noise and the
 * next update are exactly those an uninterrupted run would have made, so
 *
 *     train to N, save, load, train to N + M   ==   train to N + M
 *
 * bit for bit (tests/test_08_mnist_gan.c checks it). Leave out the
 * generator state and the resumed run draws other batches: close, but not
 * the same numbers. Leave out Adam's moments and the first steps after the
 * restart are too large (a fresh Adam's first step is lr in every
 * direction, whatever the gradient's size).
 *
 * Block names start with "gan." or "cgan.", so a file says which model it
 * holds, and loading a GAN's file into a cGAN (or back) is refused with a
 * message naming the first block that differs. A run that saves, loads or
 * resumes names its one model: --model gan or --conditional.
 * ------------------------------------------------------------------------- */
static void describe(checkpoint *ck, gan *g)
{
    char name[CHECKPOINT_NAME_LEN];
    const char *t = model_tag(g->cfg.kind);
    *ck = (checkpoint){0};
    snprintf(name, sizeof name, "%s.G", t);
    checkpoint_add_params(ck, name, g->PG);
    snprintf(name, sizeof name, "%s.D", t);
    checkpoint_add_params(ck, name, g->PD);
    snprintf(name, sizeof name, "%s.G.adam", t);
    checkpoint_add_optimizer(ck, name, g->optG);
    snprintf(name, sizeof name, "%s.D.adam", t);
    checkpoint_add_optimizer(ck, name, g->optD);
    snprintf(name, sizeof name, "%s.step", t);
    checkpoint_add_long(ck, name, &g->step);
    if (g->cfg.kind == MODEL_GAN)
        checkpoint_add_long(ck, "gan.digit", &g->cfg.digit);
}

/* The session writes and reads the file (common/session.h: the notes, the
 * one-line errors, a save that never leaves half a file). A checkpoint
 * carries one generator, the session's S->rng; the one the next iteration
 * depends on is the model's own g->r, so g->r travels in S->rng's place:
 * copied into it before saving, back out of it after loading. (S->rng has
 * done its work by then: it drew the models' seeds at the start of the run.) */
static void save_model(session *S, gan *g)
{
    checkpoint ck;
    char what[64];
    describe(&ck, g);
    gsl_rng_memcpy(S->rng, g->r);
    snprintf(what, sizeof what, "%s at step %ld", model_tag(g->cfg.kind), g->step);
    session_save(S, &ck, what);
}

/* --load or --resume: the model, its optimisers, its step and its generator
 * from the file */
static void load_model(session *S, gan *g)
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
 * 9. Figures
 *
 *   P_loss         D's and G's losses (top); the judge's score and the
 *                  diversity ratio of the fixed-z samples (bottom), over
 *                  training; P = gan or cgan
 *   P_progress     one row per snapshot step, the same 10 fixed-z samples in
 *                  every row (GAN: 10 z's; cGAN: one z with c = 0 .. 9)
 *   gan_samples    100 samples of the trained GAN
 *   gan_judge      which classes the judge sees in them, and in real 2s
 *   cgan_style_class   the 10 x 10 grid: each row one z, each column one c.
 *                  Read across a row: the same handwriting, ten digits. Read
 *                  down a column: one digit in ten handwritings.
 *   cgan_confusion asked class against judged class
 *   generated      (--generate K) the first 100 of the K samples
 *
 * The scripts are the .gp files in chapters/08-mnist-gan/figures/: the
 * program writes their data files and gives them the numbers of this run
 * (values.gp), such as P_steps (the model's step), P_eval_n (fixed-z samples
 * per judge score), P_goal and the class names; fig_image_grid adds each
 * picture's size NAME_w, NAME_h.
 * ------------------------------------------------------------------------- */

/* The names of the classes (digits, or Fashion-MNIST's garments) as
 * class_name_0 .. class_name_9, for the tics of the cGAN's figures, and the
 * side of a tile, for the tics of the labelled grids. */
static void write_class_names(const dataset_info *ds)
{
    char key[32];
    for (int k = 0; k < N_CLASSES; k++) {
        snprintf(key, sizeof key, "class_name_%d", k);
        fig_text(key, "%s", ds->class_name[k]);
    }
    fig_value("image_side", SIDE);
}

static void write_loss_figure(const recorder *rec, const char *dir, double mismatch)
{
    char data[64], sdata[64], name[64], key[64];
    snprintf(name, sizeof name, "%s_loss", rec->tag);
    snprintf(data, sizeof data, "%s_loss.dat", rec->tag);
    snprintf(sdata, sizeof sdata, "%s_score.dat", rec->tag);
    /* the log plus running means over the last SMOOTH steps */
    gsl_matrix *M = gsl_matrix_alloc(rec->n_loss > 0 ? rec->n_loss : 1, 7);
    double sd = 0.0, sg = 0.0;
    for (size_t i = 0; i < rec->n_loss; i++) {
        for (size_t c = 0; c < 5; c++)
            gsl_matrix_set(M, i, c, gsl_matrix_get(rec->loss, i, c));
        sd += gsl_matrix_get(rec->loss, i, 1);
        sg += gsl_matrix_get(rec->loss, i, 2);
        if (i >= SMOOTH) {
            sd -= gsl_matrix_get(rec->loss, i - SMOOTH, 1);
            sg -= gsl_matrix_get(rec->loss, i - SMOOTH, 2);
        }
        const double w = (double)(i + 1 < SMOOTH ? i + 1 : SMOOTH);
        gsl_matrix_set(M, i, 5, sd / w);
        gsl_matrix_set(M, i, 6, sg / w);
    }
    if (rec->n_loss == 0)
        gsl_matrix_set_zero(M);
    out_write_matrix(dir, data, "step d_loss g_loss mean_D_real mean_D_fake d_loss_mean200 g_loss_mean200", M);
    gsl_matrix_free(M);
    const int with_judge = rec->j != NULL;
    gsl_matrix_const_view S = gsl_matrix_const_submatrix(rec->score, 0, 0, rec->n_score, 4);
    out_write_matrix(dir, sdata, with_judge
                     ? "step share_judged_as_asked mean_judge_confidence diversity_ratio"
                     : "step (no judge) (no judge) diversity_ratio", &S.matrix);

    fig_use(name);
    fig_value("loss_mean_steps", SMOOTH);
    snprintf(key, sizeof key, "%s_with_judge", rec->tag);
    fig_value(key, with_judge);
    snprintf(key, sizeof key, "%s_goal", rec->tag);
    fig_value(key, rec->goal);
    if (strcmp(rec->tag, "cgan") == 0)
        fig_value("cgan_mismatch", mismatch);
}

static void write_progress_figure(const recorder *rec, const char *dir)
{
    char name[64], key[128];
    snprintf(name, sizeof name, "%s_progress", rec->tag);
    gsl_matrix_const_view S =
        gsl_matrix_const_submatrix(rec->snaps, 0, 0, rec->n_snaps * GRID, IMG);
    fig_image_grid(dir, name, &S.matrix, SIDE, SIDE, rec->n_snaps, GRID);
    fig_use(name);
    snprintf(key, sizeof key, "%s_rows", name);
    fig_value(key, (double)rec->n_snaps);
    for (size_t r = 0; r < rec->n_snaps; r++) {     /* the step of each row */
        snprintf(key, sizeof key, "%s_step_%zu", name, r + 1);
        fig_value(key, (double)rec->snap_step[r]);
    }
}

static void write_gan_judge_figure(const verdict *v, const verdict *real, const char *dir,
                                   const dataset_info *ds)
{
    FILE *d = out_open(dir, "gan_judge.dat");
    fprintf(d, "# class share_of_GAN_samples share_of_real_test_images name\n");
    for (int k = 0; k < N_CLASSES; k++)
        fprintf(d, "%d %.6f %.6f %s\n", k, v->hist[k], real->hist[k], ds->class_name[k]);
    out_close(d, "gan_judge.dat");
    fig_use("gan_judge");
}

static void write_confusion_figure(const verdict *v, const char *dir)
{
    FILE *d = out_open(dir, "cgan_confusion.dat");
    fprintf(d, "# asked judged share (of the 100 samples asked for class `asked`)\n");
    for (int a = 0; a < N_CLASSES; a++) {
        for (int b = 0; b < N_CLASSES; b++)
            fprintf(d, "%d %d %.6f\n", a, b, v->confusion[a][b]);
        fprintf(d, "\n");
    }
    out_close(d, "cgan_confusion.dat");
    fig_use("cgan_confusion");
}

/* ----------------------------------------------------------------------------
 * 10. One model from start to finish
 *
 * Both parts of the chapter go through run_model(): load the data, build
 * the model (or load it from a checkpoint), train it, measure it, draw it,
 * save it.
 * ------------------------------------------------------------------------- */
/* What both models share (the persistence flags are the session's). */
typedef struct settings {
    dataset_info dataset;       /* which images, from where (common/dataset.h) */
    judge *j;                   /* NULL: no judge available                 */
    const char *out;
    size_t eval_n;              /* samples per judge score (multiple of 10) */
    int quiet;
} settings;

static void print_setup(const gan *g, const settings *s, size_t n_train, int loaded)
{
    const gan_config *cfg = &g->cfg;
    const int cond = cfg->kind == MODEL_CGAN;
    printf("\n== %s: %s%s, %zu training images\n", cond ? "conditional GAN" : "GAN",
           cond ? "all classes" : "class ", cond ? "" : s->dataset.class_name[cfg->digit],
           n_train);
    printf("G %zu -> %ld -> 784, D %zu -> %ld -> 1 (%s); Adam(%g, 0.999) lr D %g, G %g; "
           "batch %ld; D update %s", g->nz + g->nc, cfg->hidden, IMG + g->nc, cfg->hidden,
           act_name(cfg->d_act), cfg->beta1, cfg->lr_d, cfg->lr_g, cfg->batch,
           cfg->d_update == D_JOINT ? "joint" : "split");
    if (cond)
        printf("; wrong-label weight %g", cfg->mismatch);
    if (!loaded)
        printf("; %ld steps", cfg->steps);
    printf("\n");
}

/* Metrics of the trained model, and the judge's figures. */
static void measure(gan *g, evaluation *e, const recorder *rec, const settings *s,
                    double div_real, metrics *m)
{
    const int cond = g->cfg.kind == MODEL_CGAN, d = (int)g->cfg.digit;
    const char *tag = model_tag(g->cfg.kind);
    char key[64];
    const size_t nl = rec->n_loss, tenth = nl / 10 > 0 ? nl / 10 : nl;
    static const char *loss_name[] = {"", "d_loss", "g_loss", "d_real", "d_fake"};
    for (size_t c = 1; c <= 4 && nl > 0; c++) {         /* over the last tenth of the steps */
        snprintf(key, sizeof key, "%s_%s", tag, loss_name[c]);
        metrics_set(m, key, loss_mean(rec, c, nl - tenth, nl));
    }
    snprintf(key, sizeof key, "%s_steps", tag);
    metrics_set(m, key, (double)g->step);

    draw_samples(g, e, e->n, e->images);
    const double diversity = mean_pair_distance(e->images, e->want, e->n) / div_real;
    snprintf(key, sizeof key, "%s_diversity_ratio", tag);
    metrics_set(m, key, diversity);
    if (s->j) {
        verdict v = evaluate(g, e, s->j), real = {0};
        image_set *test = load_split(s->dataset.dir, "t10k", cond ? -1 : d);
        unsigned char *pred = malloc(test->n);
        if (!pred)
            die("out of memory");
        judge_classify(s->j, test->images, pred, NULL);     /* the judge on REAL images */
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
            write_confusion_figure(&v, s->out);
        } else {
            printf("gan result: the judge calls %.1f %% of %zu samples a %s "
                   "(mean confidence %.3f); real test images: %.1f %%\n", 100.0 * v.score, e->n,
                   s->dataset.class_name[d], v.confidence, 100.0 * real.hist[d]);
            metrics_set(m, "judge_share_target", v.score);
            metrics_set(m, "judge_mean_confidence", v.confidence);
            metrics_set(m, "judge_share_target_real", real.hist[d]);
            metrics_set(m, "gan_steps_to_goal", (double)rec->steps_to_goal);
            for (int k = 0; k < N_CLASSES; k++) {
                snprintf(key, sizeof key, "judge_share_%d", k);
                metrics_set(m, key, v.hist[k]);
            }
            write_gan_judge_figure(&v, &real, s->out, &s->dataset);
        }
    }
    printf("%s result: samples differ %.2f times as much as real images of a class do\n",
           tag, diversity);
    if (cond) {
        const double share = style_share(e);
        metrics_set(m, "cgan_style_ink_share", share);
        printf("cgan result: z alone sets %.0f %% of the ink that the class does not "
               "(about 10 %% if z meant nothing across classes)\n", 100.0 * share);
    }
}

/* The loss figure, the progress figure and the final grid. */
static void draw(const gan *g, const evaluation *e, const recorder *rec, const settings *s)
{
    const int cond = g->cfg.kind == MODEL_CGAN;
    const char *tag = model_tag(g->cfg.kind);
    char key[64];
    write_class_names(&s->dataset);
    fig_text("dataset_name", "%s", s->dataset.title);
    if (!cond)
        fig_text("gan_class", "%s", s->dataset.class_name[g->cfg.digit]);
    snprintf(key, sizeof key, "%s_steps", tag);
    fig_value(key, (double)g->step);
    snprintf(key, sizeof key, "%s_eval_n", tag);
    fig_value(key, (double)e->n);
    if (rec->n_loss > 0)
        write_loss_figure(rec, s->out, cond ? g->cfg.mismatch : 0.0);
    write_progress_figure(rec, s->out);
    gsl_matrix_const_view grid = gsl_matrix_const_submatrix(e->images, 0, 0, GRID * GRID, IMG);
    const char *name = cond ? "cgan_style_class" : "gan_samples";
    fig_image_grid(s->out, name, &grid.matrix, SIDE, SIDE, GRID, GRID);
    fig_use(name);
}

/* --generate K: K samples of a loaded model, the first 100 as a grid, the
 * judge's score. K may be 100 000 (600 MB of pixels), so the samples go
 * through in blocks of GEN_BLOCK: each block is drawn, written and judged
 * before the next, and memory holds one block. The noise comes from the
 * session's sample seed (--seed + SESSION_SAMPLE_SEED), drawn block after
 * block from one generator: the same K samples on every call, and the first
 * K' of them for any K' < K. */
#define GEN_BLOCK 1000      /* a multiple of 10: a cGAN's rows of ten stay whole */

static void generate_only(gan *g, const settings *s, session *S)
{
    const int cond = g->cfg.kind == MODEL_CGAN;
    const char *tag = model_tag(g->cfg.kind);
    const size_t K = (size_t)S->generate, shown = K < GRID * GRID ? K : GRID * GRID;
    evaluation *e = evaluation_alloc(g, K < GEN_BLOCK ? K : GEN_BLOCK);
    gsl_rng *r = rng_new(S->sample_seed);
    FILE *f = out_open(s->out, "generated_samples.dat");
    fprintf(f, "# class_asked then 784 pixel values in [0, 1], row by row (28 x 28)\n");
    double right = 0.0, confidence = 0.0;            /* the judge's verdicts, summed */
    for (size_t start = 0; start < K; start += e->n) {
        const size_t k = K - start < e->n ? K - start : e->n;
        evaluation_draw(e, g, r);
        draw_samples(g, e, k, e->images);
        for (size_t i = 0; i < k; i++) {
            fprintf(f, "%d", e->want[i]);
            for (size_t p = 0; p < IMG; p++)
                fprintf(f, " %.9g", gsl_matrix_get(e->images, i, p));
            fputc('\n', f);
        }
        if (start == 0) {
            gsl_matrix_const_view first = gsl_matrix_const_submatrix(e->images, 0, 0, shown, IMG);
            fig_image_grid(s->out, "generated", &first.matrix, SIDE, SIDE,
                           (shown + GRID - 1) / GRID, GRID);
        }
        if (s->j) {
            gsl_matrix_const_view block = gsl_matrix_const_submatrix(e->images, 0, 0, k, IMG);
            judge_classify(s->j, &block.matrix, e->judged, e->conf);
            for (size_t i = 0; i < k; i++) {
                right += e->judged[i] == e->want[i];
                confidence += e->conf[i];
            }
        }
    }
    out_close(f, "generated_samples.dat");
    gsl_rng_free(r);
    evaluation_free(e);
    fig_use("generated");
    fig_value("generated_shown", (double)shown);
    fig_value("generated_step", (double)g->step);
    fig_value("generated_conditional", cond);
    printf("%s: wrote %zu samples of the model at step %ld\n", tag, K, g->step);
    if (s->j) {
        printf("%s: the judge calls %.1f %% of them the class asked for (mean confidence %.3f)\n",
               tag, 100.0 * right / (double)K, confidence / (double)K);
        metrics_set(&S->m, cond ? "class_accuracy" : "judge_share_target",
                    right / (double)K);
        metrics_set(&S->m, cond ? "cgan_mean_confidence" : "judge_mean_confidence",
                    confidence / (double)K);
    }
    metrics_set(&S->m, cond ? "cgan_samples" : "gan_samples", (double)K);
}

static void run_model(session *S, const gan_config *cfg, const settings *s,
                      unsigned long train_seed, unsigned long eval_seed)
{
    const char *tag = model_tag(cfg->kind);
    image_set *train_set = load_split(s->dataset.dir, "train",
                                      cfg->kind == MODEL_CGAN ? -1 : (int)cfg->digit);
    gan *g = gan_new(cfg, train_set, train_seed);
    const int from_file = S->load || S->resume;
    if (from_file)
        load_model(S, g);
    if (S->generate > 0) {
        generate_only(g, s, S);
    } else {
        print_setup(g, s, train_set->n, S->load != NULL);
        const long from = g->step;
        session_check_resume(S, from, cfg->steps);
        const long to = S->load ? from : cfg->steps;                    /* --load: no training */
        if (from_file)
            printf("%s: starts from a checkpoint at step %ld; %s\n", tag, from,
                   to > from ? "training on" : "no training");
        evaluation *e = evaluation_new(g, s->eval_n, eval_seed);
        const size_t n_real = train_set->n < 2 * EVAL_N ? train_set->n : 2 * EVAL_N;
        const double div_real = mean_pair_distance(train_set->images, train_set->labels, n_real);
        recorder rec;
        recorder_init(&rec, tag, s->j, e, from, to, cfg->kind == MODEL_CGAN ? 0.9 : 0.8,
                      div_real, s->quiet);
        const double t0 = now_seconds();
        train(g, to, &rec);
        const double secs = now_seconds() - t0;
        progress_end(&rec.prog);
        if (to > from)
            note("%s: %ld steps in %.1f s (%.2f ms per step)",
                    tag, to - from, secs, 1e3 * secs / (double)(to - from));
        measure(g, e, &rec, s, div_real, &S->m);
        draw(g, e, &rec, s);
        if (S->save)
            save_model(S, g);
        recorder_free(&rec);
        evaluation_free(e);
    }
    gan_free(g);
    image_set_free(train_set);
}

/* ----------------------------------------------------------------------------
 * Appendix: the flags (skip on a first reading)
 *
 * The chapter's knobs; the session adds --seed, --quick, --out, --quiet and
 * --save, --load, --generate, --resume (common/session.h). A 0 means "the
 * model's own default", filled in by recipe().
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
typedef struct mnist_gan_config {
    const char *model, *dataset, *data_dir, *judge_path, *d_update, *d_act;
    long steps, batch, noise_dim, hidden, digit;
    double lr_d, lr_g, beta1, mismatch;
    int conditional;
} mnist_gan_config;

/* The defaults into f, the flag table into opt; returns the number of flags. */
static size_t the_flags(mnist_gan_config *f, cli_option *opt)
{
    *f = (mnist_gan_config){.model = "both", .dataset = "mnist", .d_update = "joint",
                            .d_act = "relu", .hidden = 256, .digit = 2, .beta1 = 0.5,
                            .mismatch = 2.0};
    const cli_option table[] = {
        {"model", CLI_CHOICE, &f->model, "what to train: the GAN, then the cGAN; or one of them (--save, --load, --resume: one)", 0, 0, "both|gan|cgan", 0},
        {"conditional", CLI_FLAG, &f->conditional, "the conditional GAN only (= --model cgan)", 0, 0, NULL, 0},
        {"steps", CLI_INT, &f->steps, "training iterations per model (not given: GAN 4000, cGAN 10000)", 1, 1e7, NULL, 0},
        {"batch", CLI_INT, &f->batch, "rows per batch (0: GAN 100, cGAN 50, as the source)", 0, 10000, NULL, 0},
        {"noise-dim", CLI_INT, &f->noise_dim, "size of z (0: GAN 100, cGAN 128)", 0, 10000, NULL, 0},
        {"hidden", CLI_INT, &f->hidden, "hidden units of G and of D", 1, 10000, NULL, 0},
        {"lr-d", CLI_REAL, &f->lr_d, "D's Adam learning rate (0: GAN 1e-4, cGAN 2e-4)", 0, 10, NULL, 0},
        {"lr-g", CLI_REAL, &f->lr_g, "G's Adam learning rate (0: 2e-4)", 0, 10, NULL, 0},
        {"beta1", CLI_REAL, &f->beta1, "Adam's beta1 for both players", 0, 0.999, NULL, 0},
        {"d-update", CLI_CHOICE, &f->d_update, "D: one step on the whole loss, or the source's two", 0, 0, "joint|split", 0},
        {"mismatch", CLI_REAL, &f->mismatch, "cGAN: weight w of D's real-image, wrong-label term (0: the source's loss)", 0, 10, NULL, 0},
        {"d-act", CLI_CHOICE, &f->d_act, "D's hidden activation", 0, 0, "relu|leaky-relu", 0},
        {"digit", CLI_INT, &f->digit, "the class the GAN learns", 0, 9, NULL, 0},
        {"dataset", CLI_CHOICE, &f->dataset, "which images", 0, 0, "mnist|fashion", 0},
        {"data", CLI_STRING, &f->data_dir, "directory with the four IDX files (default: by --dataset)", 0, 0, NULL, 0},
        {"judge", CLI_STRING, &f->judge_path, "the judge (default: build/judge/DATASET.judge)", 0, 0, NULL, 0},
    };
    memcpy(opt, table, sizeof table);
    return sizeof table / sizeof table[0];
}

/* Which model(s) this run builds. A checkpoint holds one model, so a run
 * that saves, loads or resumes one must say which (the file is not peeked
 * into: if it holds the other model, loading says so). */
static void which_models(const session *S, const mnist_gan_config *f, int *run_gan, int *run_cgan)
{
    if (f->conditional && cli_given(&S->cli, "model") && strcmp(f->model, "cgan") != 0)
        cli_usage_error(&S->cli, "--conditional is --model cgan; do not combine it with another --model");
    const int cgan_only = f->conditional || strcmp(f->model, "cgan") == 0;
    *run_gan = !cgan_only;
    *run_cgan = cgan_only || strcmp(f->model, "both") == 0;
    if (*run_gan && *run_cgan && (S->save || S->load || S->resume))
        cli_usage_error(&S->cli, "a checkpoint holds one model: add --model gan or --conditional");
}

/* Each model's settings: the source's numbers, unless a flag says otherwise.
 * --quick (seconds, and minutes under valgrind) trains 20 steps of batch 20,
 * and the_settings() scores 100 evaluation samples, not 1000. */
static gan_config recipe(const mnist_gan_config *f, model_kind kind, int quick)
{
    const int cond = kind == MODEL_CGAN;
    return (gan_config){
        .kind = kind,
        .steps = f->steps ? f->steps : quick ? 20 : cond ? 10000 : 4000,
        .batch = f->batch ? f->batch : quick ? 20 : cond ? 50 : 100,
        .noise_dim = f->noise_dim ? f->noise_dim : cond ? 128 : 100,
        .hidden = f->hidden,
        .digit = f->digit,
        .lr_d = f->lr_d > 0 ? f->lr_d : cond ? 2e-4 : 1e-4,
        .lr_g = f->lr_g > 0 ? f->lr_g : 2e-4,
        .beta1 = f->beta1,
        .d_update = strcmp(f->d_update, "split") == 0 ? D_SPLIT : D_JOINT,
        .mismatch = cond ? f->mismatch : 0.0,
        .d_act = strcmp(f->d_act, "leaky-relu") == 0 ? ACT_LEAKY_RELU : ACT_RELU};
}

/* The data directory, the judge, the evaluation size: what both models share.
 * The judge is the one given by --judge (it must exist), or the dataset's
 * default one if it has been built; NULL (a run without judge scores) if not. */
static settings the_settings(const session *S, const mnist_gan_config *f)
{
    settings s = {.dataset = dataset_select(f->dataset, f->data_dir), .out = S->cli.out,
                  .quiet = S->cli.quiet, .eval_n = S->cli.quick ? EVAL_N / 10 : EVAL_N};
    s.j = dataset_open_judge(&s.dataset, f->judge_path, "no judge scores in this run");
    return s;
}

/* ----------------------------------------------------------------------------
 * 11. main: the table of contents
 * ------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    /* start the run: the flags (appendix), --out, the seed, the checkpoint rules */
    mnist_gan_config f;
    cli_option flags[SESSION_MAX_OPTIONS];
    session S;
    session_parse(&S, "08-mnist-gan", "a GAN on MNIST 2s and a conditional GAN on all digits", 42,
                  flags, the_flags(&f, flags), SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    int run_gan, run_cgan;
    which_models(&S, &f, &run_gan, &run_cgan);      /* usage errors before anything is written */
    session_open(&S);

    /* every random number of the run comes from S.rng: each model gets a
     * training generator and a fixed evaluation noise seeded from it, in a
     * fixed order, so `--conditional` alone trains exactly the cGAN of the
     * default run */
    unsigned long seeds[4];
    for (int k = 0; k < 4; k++)
        seeds[k] = gsl_rng_get(S.rng);

    /* the data (section 1) and the judge (section 6) */
    settings s = the_settings(&S, &f);
    note("data from %s", s.dataset.dir);
    printf("08-mnist-gan: seed %ld, %s, %s%s\n", S.cli.seed, s.dataset.title,
           run_gan && run_cgan ? "a GAN on one class, then a conditional GAN"
                               : run_gan ? "a GAN on one class" : "a conditional GAN",
           s.j ? "; scored by the judge" : "; no judge");

    /* part 1: the GAN on one class; part 2: the cGAN on all ten (section 10:
     * build or load, train, measure, draw, save) */
    if (run_gan) {
        const gan_config cfg = recipe(&f, MODEL_GAN, S.cli.quick);
        run_model(&S, &cfg, &s, seeds[0], seeds[1]);
    }
    if (run_cgan) {
        const gan_config cfg = recipe(&f, MODEL_CGAN, S.cli.quick);
        run_model(&S, &cfg, &s, seeds[2], seeds[3]);
    }

    /* the results block, metrics.txt, the figures */
    printf("\n");
    if (s.j)
        judge_free(s.j);
    session_finish(&S);
    return 0;
}
#endif
