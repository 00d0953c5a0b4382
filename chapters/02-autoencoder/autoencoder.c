/* autoencoder.c -- chapter 02: squeezing a circle through one number.
 *
 * An autoencoder is two networks trained as one. The ENCODER maps a data point
 * x to a short code z; the DECODER maps the code back to a reconstruction x^.
 * Nobody tells the encoder what the code should mean: the only training signal
 * is how far x^ lands from x. Whatever the code ends up holding is what the
 * pair needed in order to rebuild the data: a representation, learned without
 * a single label.
 *
 *     x (2) --encoder--> z (k) --decoder--> x^ (2)        loss = mean |x^ - x|^2
 *
 * Our data are 200 points on the unit circle with a little noise. The circle is
 * a one-dimensional curve drawn in two dimensions, so one number -- the angle --
 * ought to be enough to describe a point. Can a network with a one-number
 * bottleneck find that number? Three things to take away:
 *
 *   1. The source text's training recipe (500 plain gradient steps) stops at
 *      about a straight line through the circle: roughly as good as the best
 *      LINEAR code, PCA's first principal component, which we compute exactly
 *      beside it. Adam, more steps, mini-batches and restarts let the same
 *      tiny network bend its line around the circle and do many times better
 *      (README.md: the metrics table).
 *   2. A continuous map cannot flatten a closed curve onto a line without
 *      cutting or folding it somewhere. Our encoder must do that, and the
 *      figure "code vs angle" shows where it did.
 *   3. With a two-number bottleneck (--latent-dim 2) there is nothing left to
 *      squeeze: the reconstruction becomes almost perfect.
 *
 * Sections: 1 the data, 2 the network and its workspace (common/workspace.h),
 * 3 forward, 4 backward, 5 training steps: mini-batches (common/batch.h) and
 * the loss log (common/history.h), 6 the best linear code (PCA), 7 the
 * source's recipe, 8 training that works, 9 measuring. Appendix A: the
 * results and the figures' data; B: the flags. Then main, the outline.
 */
#include "genlab.h"

#include <gsl/gsl_eigen.h>

/* The chapter's knobs, as the flags set them (Appendix B: flags, defaults). */
typedef struct config {
    long latent, hidden;    /* the network: 2 -> hidden -> latent -> hidden -> 2 */
    long points;            /* the data: points on the circle ...            */
    double noise;           /* ... and the sd of their noise                 */
    long batch;             /* rows per step                                 */
    const char *optim;      /* "adam" or "sgd" (section 8)                   */
    double lr;              /* peak learning rate                            */
    long restarts;          /* R random starts ...                           */
    long audition_steps;    /* ... trained this many steps each              */
    long steps;             /* steps the winner trains on, lr annealed to 0  */
} config;

/* ----------------------------------------------------------------------------
 * 1. The data: a noisy circle
 *
 * As in the source: n angles evenly spaced from 0 to 2 pi INCLUSIVE (NumPy's
 * linspace, so the first and last point start at the same place), the point
 * (cos t, sin t) on the unit circle, plus Gaussian noise of standard deviation
 * `noise` on each coordinate.
 *
 * Each coordinate has variance about 1/2 (the mean of cos^2 over a turn), so
 * the total variance of the data is about 1, shared equally between the two
 * axes. Keep that in mind for PCA in section 6.
 *
 * We also draw a fresh TEST sample (uniform random angles, new noise) to check
 * that the trained autoencoder has learned the circle, not these 200 points.
 * Expect its error to be higher and more variable than the training error:
 * a few test points that happen to fall where the code cuts the circle
 * (section 9) are each reconstructed up to a diameter away.
 * ------------------------------------------------------------------------- */
enum { GRID, RANDOM };      /* the data's angles, or the test sample's */

static gsl_matrix *circle(size_t n, double noise, int angles, gsl_rng *r)
{
    gsl_matrix *X = gsl_matrix_alloc(n, 2);                     /* (n, 2) */
    for (size_t i = 0; i < n; i++) {
        double t = angles == GRID ? 2.0 * M_PI * (double)i / (double)(n - 1)
                                  : gsl_ran_flat(r, 0.0, 2.0 * M_PI);
        gsl_matrix_set(X, i, 0, cos(t));
        gsl_matrix_set(X, i, 1, sin(t));
    }
    rng_add_gaussian(r, X, noise);
    return X;
}

/* The angle of a point in degrees, in [0, 360). */
static double angle_deg(double x, double y)
{
    double a = atan2(y, x) * 180.0 / M_PI;
    return a < 0.0 ? a + 360.0 : a;
}

/* ----------------------------------------------------------------------------
 * 2. The network: 2 -> H -> k -> H -> 2, and its workspace
 *
 * The source's model, with H = 4 hidden units and a code of k = 1 number:
 *
 *     encoder:   a1 = x W1 + b1      h1 = relu(a1)      z  = h1 W2 + b2
 *     decoder:   a2 = z W3 + b3      h2 = relu(a2)      x^ = h2 W4 + b4
 *
 * Four dense layers (chapter 01). The code z and the output x^ are LINEAR: a
 * ReLU there would forbid negative codes and negative coordinates, and half
 * the circle has negative coordinates.
 *
 * All 35 numbers (for H = 4, k = 1) live in one params block; each layer takes
 * its slice with dense_bind. The work matrices -- every intermediate the
 * backward pass needs, and its gradient -- are allocated once, for the
 * largest batch we will ever push through, so that training allocates
 * nothing; a pass over n rows uses their first n rows. That bookkeeping is
 * the job of a workspace (common/workspace.h, new here: a model's work
 * matrices, allocated once): ws_add registers a matrix with its width, and
 * ws_rows(ws, n) makes every registered matrix show its first n rows.
 * ------------------------------------------------------------------------- */
typedef struct autoencoder {
    size_t hidden, latent;      /* H, k                                     */
    params *P;                  /* every weight and bias, and its gradient  */
    dense enc1, enc2;           /* W1 (2, H), W2 (H, k)                     */
    dense dec1, dec2;           /* W3 (k, H), W4 (H, 2)                     */
    workspace *ws;              /* owns the work matrices below, (n, width) */
    gsl_matrix *a1, *h1, *z;    /* (n, H) (n, H) (n, k)                     */
    gsl_matrix *a2, *h2, *xhat; /* (n, H) (n, H) (n, 2)                     */
    gsl_matrix *da1, *dh1, *dz, *da2, *dh2, *dxhat;     /* their gradients dL/d(.) */
} autoencoder;

static autoencoder *ae_new(size_t hidden, size_t latent, size_t max_batch)
{
    autoencoder *ae = xcalloc(1, sizeof *ae, "an autoencoder");
    ae->hidden = hidden;
    ae->latent = latent;
    ae->P = params_alloc(dense_size(2, hidden) + dense_size(hidden, latent) +
                         dense_size(latent, hidden) + dense_size(hidden, 2));
    dense_bind(&ae->enc1, ae->P, 2, hidden);
    dense_bind(&ae->enc2, ae->P, hidden, latent);
    dense_bind(&ae->dec1, ae->P, latent, hidden);
    dense_bind(&ae->dec2, ae->P, hidden, 2);
    ae->ws = ws_new(max_batch);            /* each matrix and its gradient */
    ws_add(ae->ws, &ae->a1, hidden);    ws_add(ae->ws, &ae->da1, hidden);
    ws_add(ae->ws, &ae->h1, hidden);    ws_add(ae->ws, &ae->dh1, hidden);
    ws_add(ae->ws, &ae->z, latent);     ws_add(ae->ws, &ae->dz, latent);
    ws_add(ae->ws, &ae->a2, hidden);    ws_add(ae->ws, &ae->da2, hidden);
    ws_add(ae->ws, &ae->h2, hidden);    ws_add(ae->ws, &ae->dh2, hidden);
    ws_add(ae->ws, &ae->xhat, 2);       ws_add(ae->ws, &ae->dxhat, 2);
    return ae;
}

static void ae_free(autoencoder *ae)
{
    ws_free(ae->ws);
    params_free(ae->P);
    free(ae);
}

/* Xavier-normal weights, zero biases: the source's initialisation. */
static void ae_init(autoencoder *ae, gsl_rng *r)
{
    dense *layer[4] = {&ae->enc1, &ae->enc2, &ae->dec1, &ae->dec2};
    for (int l = 0; l < 4; l++)
        dense_init_xavier(layer[l], r);
}

/* ----------------------------------------------------------------------------
 * 3. Forward: encode, then decode
 *
 * Each function first points the work matrices at as many rows as its input
 * has. The decoder is a function of its own because we also call it on codes
 * we choose (the figures sweep z to draw the curve the decoder has learned).
 * ------------------------------------------------------------------------- */
static void ae_encode(autoencoder *ae, const gsl_matrix *X)        /* X (n, 2) */
{
    ws_rows(ae->ws, X->size1);
    dense_forward(&ae->enc1, X, ae->a1);                  /* a1 = x W1 + b1  */
    act_forward(ACT_RELU, ae->a1, ae->h1);                /* h1 = relu(a1)   */
    dense_forward(&ae->enc2, ae->h1, ae->z);              /* z = h1 W2 + b2  */
}

static void ae_decode(autoencoder *ae, const gsl_matrix *Z)        /* Z (n, k) */
{
    ws_rows(ae->ws, Z->size1);
    dense_forward(&ae->dec1, Z, ae->a2);                  /* a2 = z W3 + b3  */
    act_forward(ACT_RELU, ae->a2, ae->h2);                /* h2 = relu(a2)   */
    dense_forward(&ae->dec2, ae->h2, ae->xhat);           /* x^ = h2 W4 + b4 */
}

/* The reconstruction x^ of X (n, 2): ae->xhat, showing n rows. */
static const gsl_matrix *ae_forward(autoencoder *ae, const gsl_matrix *X)
{
    ae_encode(ae, X);
    ae_decode(ae, ae->z);
    return ae->xhat;
}

/* The reconstruction error of a whole data set, for logs and results. */
static double ae_mse(autoencoder *ae, const gsl_matrix *X)
{
    return mat_mse(ae_forward(ae, X), X);
}

/* ----------------------------------------------------------------------------
 * 4. Backward: the chain rule, layer by layer
 *
 * The loss is the mean over all n*2 entries (loss_mse in loss.h):
 *
 *     L = 1/(2n) sum_i |x^_i - x_i|^2           dL/dx^ = 2 (x^ - x) / (2n)
 *
 * Then we walk the forward pass backwards. Every dense layer turns the
 * gradient of its output into the gradients of its weights AND of its input
 * (dense_backward); every ReLU lets a gradient through where its input was
 * positive and blocks it elsewhere (act_backward):
 *
 *     dW4 += h2^T dx^     db4 += sum_rows dx^     dh2 = dx^ W4^T
 *     da2  = dh2 * [a2 > 0]
 *     dW3 += z^T da2      db3 += sum_rows da2     dz  = da2 W3^T
 *     dW2 += h1^T dz      db2 += sum_rows dz      dh1 = dz W2^T
 *     da1  = dh1 * [a1 > 0]
 *     dW1 += x^T da1      db1 += sum_rows da1     (dx is not needed)
 *
 * The line to notice is dz = da2 W3^T: the decoder's error is handed to the
 * encoder through the code. That is the whole trick: the encoder learns to
 * produce codes the decoder can use, although no one ever says what a good
 * code is. tests/test_02_autoencoder.c checks every entry of this gradient
 * against finite differences.
 *
 * The source's NumPy version writes dL/dx^ = 2 (x^ - x) / N for a loss that
 * averages over N*2 entries, twice the true gradient; section 7 accounts for
 * it (README.md: what the source text gets wrong).
 * ------------------------------------------------------------------------- */
/* The backward pass after ae_forward(ae, X), from dxhat = dL/dx^ (n, 2). */
static void ae_backward(autoencoder *ae, const gsl_matrix *X, const gsl_matrix *dxhat)
{
    /* decoder */
    dense_backward(&ae->dec2, ae->h2, dxhat, ae->dh2);
    act_backward(ACT_RELU, ae->a2, ae->h2, ae->dh2, ae->da2);
    dense_backward(&ae->dec1, ae->z, ae->da2, ae->dz);
    /* encoder: it learns only through dz */
    dense_backward(&ae->enc2, ae->h1, ae->dz, ae->dh1);
    act_backward(ACT_RELU, ae->a1, ae->h1, ae->dh1, ae->da1);
    dense_backward(&ae->enc1, X, ae->da1, NULL);
}

/* The loss at the current parameters, and (if with_grad) its gradient in
 * ae->P->grad. Training and the gradient check both go through here. */
static double ae_loss(autoencoder *ae, const gsl_matrix *X, int with_grad)
{
    const gsl_matrix *xhat = ae_forward(ae, X);
    if (!with_grad)
        return loss_mse(xhat, X, NULL);
    double loss = loss_mse(xhat, X, ae->dxhat);               /* dL/dx^        */
    params_zero_grad(ae->P);                                  /* backward adds */
    ae_backward(ae, X, ae->dxhat);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. Training steps: mini-batches and the loss log
 *
 * A step: loss and gradient on a batch, check the loss is a number, let the
 * optimiser move the parameters. A FULL batch is the whole data set (what the
 * source does). A MINI-batch is a few rows: we shuffle the visiting order of
 * the rows, take them `batch` at a time, and reshuffle when a pass over the
 * data (an epoch) is done (the last n mod batch rows of an order wait for
 * the next epoch). The rows are copied into one matrix allocated before
 * training, so the loop itself allocates nothing. That is a batcher
 * (common/batch.h, new here: minibatches by shuffled epochs, or drawn with
 * replacement by batch_draw); every later chapter uses one of the two.
 *
 * Why mini-batches? For the same work, 200 / 32 ~ 6 updates instead of one,
 * and each update's gradient is a little noisy. Here the noise is welcome: it
 * shakes the network off the flat places where a full-batch gradient lingers.
 *
 * While it trains, a run logs the MSE on the WHOLE data set, every step of
 * the first 100 (the figure's step axis is logarithmic), then every 1 % of
 * the run, into a history (common/history.h, new here: the loss log and its
 * trailing means). A minibatch loss jumps around, and later chapters follow
 * its trailing mean over many steps; the full-data MSE is smooth already, so
 * here the window is 1 step and the figure draws the values themselves.
 * ------------------------------------------------------------------------- */
/* A batch larger than the data set is the whole data set. */
static long batch_within(long batch, size_t n)
{
    if ((size_t)batch <= n)
        return batch;
    printf("batch %ld > %zu points: every step uses the whole data set\n", batch, n);
    return (long)n;
}

/* Log every ~1 % of a run. */
static long log_every(long steps)
{
    return steps / 100 > 0 ? steps / 100 : 1;
}

/* Room for the log of a run of `steps` steps: its first 100 steps, every
 * `every`-th step, and the last. Columns: step, mse (and its mean). */
static history *loss_log(long steps, long every)
{
    size_t rows = (size_t)(steps < 100 ? steps : 100) + (size_t)(steps / every) + 2;
    return history_new(rows, 1, "mse");
}

/* How a run of steps is scheduled and reported. */
typedef struct schedule {
    long first, last;      /* steps first..last (counted from 1)             */
    double lr;             /* peak learning rate                             */
    int anneal;            /* 1: cosine-decay lr to 0 between first and last */
    long log_every;        /* a row in the loss log every ... steps          */
    long print_every;      /* a line on stdout every ... steps (0: never)    */
} schedule;

/* Train for the steps of `s`, logging the full-data MSE in `log`. */
static void train(autoencoder *ae, optimizer *opt, batcher *b, const schedule *s,
                  history *log, progress *prog, long prog_offset)
{
    for (long step = s->first; step <= s->last; step++) {
        if (s->anneal) {
            /* cosine annealing: lr -> lr (1 + cos(pi t)) / 2, t from 0 to 1 */
            double t = (double)(step - s->first) / (double)(s->last - s->first + 1);
            opt->lr = s->lr * 0.5 * (1.0 + cos(M_PI * t));
        }
        double loss = ae_loss(ae, batcher_next(b), 1);
        check_finite(loss, "reconstruction loss", step);
        optim_step(opt);

        if (step - s->first < 100 || step % s->log_every == 0 || step == s->last)
            history_add(log, step, (double[1]){ae_mse(ae, b->X)});     /* a row: mse */
        if (s->print_every > 0 && ((step - s->first + 1) % s->print_every == 0 || step == s->last))
            printf("  step %6ld  mse %.5f\n", step, ae_mse(ae, b->X));
        progress_report(prog, prog_offset + step, "loss %.4f", loss);
    }
}

/* How many hidden units never switch on for any point of X? A "dead" ReLU
 * passes no gradient (section 4: da = dh * [a > 0] = 0 for every row), so no
 * step can ever revive it: the unit is gone for good. */
static size_t dead_units(autoencoder *ae, const gsl_matrix *X)
{
    size_t dead = 0;
    ae_forward(ae, X);
    const gsl_matrix *H[2] = {ae->h1, ae->h2};
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < ae->hidden; j++) {
            gsl_vector_const_view unit = gsl_matrix_const_column(H[l], j);
            dead += gsl_vector_max(&unit.vector) <= 0.0;
        }
    return dead;
}

/* ----------------------------------------------------------------------------
 * 6. The best linear code: PCA with GSL's eigen-solver
 *
 * Before we train, the yardstick. If the encoder and decoder were linear, the
 * best one-number code would be known in closed form: project each centred
 * point onto the direction of greatest variance u (the first principal
 * component), and reconstruct
 *
 *     x^ = m + ((x - m) . u) u          m = mean of the data
 *
 * u is the eigenvector with the largest eigenvalue of the 2x2 covariance
 *
 *     C = 1/n sum_i (x_i - m)^T (x_i - m) = 1/n Xc^T Xc      Xc = X - m, (n, 2)
 *
 * and the error PCA leaves is the variance along the other axis: MSE =
 * lambda_2 / 2 (divided by 2 because the MSE averages over 2 coordinates).
 *
 * For a circle both eigenvalues are about 1/2: there is no preferred axis, and
 * whichever one PCA keeps, it throws away half the variance. Its error is
 * about 0.25, and no linear code can do better. An autoencoder with ReLUs can
 * bend its one-dimensional line; that is the point of putting it beside PCA.
 * (For the same reason the direction PCA picks is decided by the noise: with
 * equal eigenvalues any direction would do.)
 * ------------------------------------------------------------------------- */
typedef struct pca1 {
    double mean[2];
    double u[2];           /* first principal direction, unit length         */
    double lambda[2];      /* eigenvalues, largest first                     */
} pca1;

static pca1 pca1_fit(const gsl_matrix *X)
{
    size_t n = X->size1;
    pca1 p;
    gsl_matrix *Xc = gsl_matrix_alloc(n, 2);                   /* X - m, (n, 2) */
    gsl_matrix_memcpy(Xc, X);
    for (size_t j = 0; j < 2; j++) {
        gsl_vector_view c = gsl_matrix_column(Xc, j);
        p.mean[j] = gsl_stats_mean(c.vector.data, c.vector.stride, n);
        gsl_vector_add_constant(&c.vector, -p.mean[j]);
    }
    double c[4], v[4];                         /* C and its eigenvectors, (2, 2) */
    gsl_matrix_view C = gsl_matrix_view_array(c, 2, 2), evec = gsl_matrix_view_array(v, 2, 2);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)n, Xc, Xc, 0.0, &C.matrix);
    gsl_matrix_free(Xc);                                       /* C = Xc^T Xc/n */

    gsl_vector_view eval = gsl_vector_view_array(p.lambda, 2);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(2);
    gsl_eigen_symmv(&C.matrix, &eval.vector, &evec.matrix, w);   /* symmetric; overwrites C */
    gsl_eigen_symmv_free(w);
    gsl_eigen_symmv_sort(&eval.vector, &evec.matrix, GSL_EIGEN_SORT_VAL_DESC);  /* largest 1st */
    p.u[0] = gsl_matrix_get(&evec.matrix, 0, 0);       /* eigenvectors are COLUMNS */
    p.u[1] = gsl_matrix_get(&evec.matrix, 1, 0);
    return p;
}

/* Xhat = m + ((X - m) . u) u, row by row.   X, Xhat (n, 2) */
static void pca1_reconstruct(const pca1 *p, const gsl_matrix *X, gsl_matrix *Xhat)
{
    for (size_t i = 0; i < X->size1; i++) {
        double dx = gsl_matrix_get(X, i, 0) - p->mean[0];
        double dy = gsl_matrix_get(X, i, 1) - p->mean[1];
        double s = dx * p->u[0] + dy * p->u[1];                /* the code */
        gsl_matrix_set(Xhat, i, 0, p->mean[0] + s * p->u[0]);
        gsl_matrix_set(Xhat, i, 1, p->mean[1] + s * p->u[1]);
    }
}

/* The yardstick: PCA's first component fitted to X, its reconstructions in
 * X_pca (n, 2); returns its error. */
static double pca1_yardstick(const gsl_matrix *X, gsl_matrix *X_pca)
{
    pca1 pca = pca1_fit(X);
    pca1_reconstruct(&pca, X, X_pca);
    double pca_mse = mat_mse(X_pca, X);
    printf("== 6. The best linear code, PCA: eigenvalues %.4f, %.4f; first direction "
           "(%.3f, %.3f); recon mse %.5f\n",
           pca.lambda[0], pca.lambda[1], pca.u[0], pca.u[1], pca_mse);
    return pca_mse;
}

/* ----------------------------------------------------------------------------
 * 7. The source's recipe, reproduced
 *
 * One Xavier start, 500 full-batch steps of plain gradient descent with the
 * source's step (lr 0.005 on its doubled gradient = lr 0.01 on ours, see
 * section 4). The source prints its loss and stops there, without saying what
 * that number means. It means: at 500 steps the network has learned a
 * (nearly) STRAIGHT LINE through the circle, about as good as PCA's (section
 * 6), and nothing more; on some seeds it does not move at all (README.md:
 * what the source text gets wrong, measured over seeds).
 *
 * Why so slow? At the start the output hardly depends on the input: the
 * signal passes through four small random layers and a one-number
 * bottleneck, so the gradient of every weight is a product of several small
 * factors. Plain gradient descent moves each weight by lr times its
 * gradient: tiny gradients, tiny steps (the source recipe's loss curve is
 * nearly flat at first). What it finds first is the cheapest improvement, a
 * line, and the line is a plateau: the loss surface is almost flat there --
 * in the loss figure several Adam runs, too, linger at PCA's error for a
 * while. To leave it the ReLU units must divide the circle between them,
 * and the source's recipe runs out of steps long before that.
 * ------------------------------------------------------------------------- */
#define SOURCE_STEPS 500
#define SOURCE_LR (0.005 * 2.0)   /* the source's 0.005, times its factor 2 */

/* Sections 7 and 8 in the order of the story, on one progress line: the
 * source's recipe from a fresh start, the auditions, and the winner trained
 * on. What they leave for the measuring and the figures: */
typedef struct training {
    history *src;           /* the source recipe's loss log                  */
    gsl_matrix *X_src;      /* (n, 2) its reconstructions of the data        */
    double src_start, src_mse;  /* its error before the first step and after */
    history **aud;          /* (restarts) one loss log per audition          */
    size_t best_at;         /* the winning start, counted from 0             */
    double best_mse, worst_mse; /* the best and worst error after an audition */
    history *fin;           /* the winner's log, trained on                  */
} training;

/* From a fresh Xavier start, SOURCE_STEPS full-batch SGD steps on X. */
static void source_recipe(autoencoder *ae, const gsl_matrix *X, double pca_mse, gsl_rng *r,
                          progress *prog, training *t)
{
    batcher full = batcher_new(X, X->size1, r);
    ae_init(ae, r);
    t->src_start = ae_mse(ae, X);
    printf("== 7. The source's recipe: one Xavier start, %d full-batch SGD steps, "
           "lr 0.005 (x2)\n  step %6d  mse %.5f\n", SOURCE_STEPS, 0, t->src_start);
    optimizer *opt = optim_sgd(ae->P, SOURCE_LR, 0.0);
    schedule s = {1, SOURCE_STEPS, SOURCE_LR, 0, 1, 100};
    t->src = loss_log(SOURCE_STEPS, 1);
    train(ae, opt, &full, &s, t->src, prog, 0);
    optim_free(opt);
    batcher_free(&full);
    t->X_src = gsl_matrix_alloc(X->size1, 2);
    gsl_matrix_memcpy(t->X_src, ae_forward(ae, X));
    t->src_mse = mat_mse(t->X_src, X);
    printf("  -> recon mse %.5f, %.2f x PCA's\n", t->src_mse, t->src_mse / pca_mse);
}

/* ----------------------------------------------------------------------------
 * 8. Training that works: Adam, annealing, restarts
 *
 * Three changes, each for a reason:
 *
 *   Adam instead of plain steps. Adam divides each parameter's gradient by a
 *   running estimate of its own size (optim.h), so every parameter moves by
 *   about lr per step whether its gradient is 1e-1 or 1e-4. That is exactly
 *   what the plateau of section 7 needs. Add mini-batches (section 5), and
 *   the line bends into a curve within a few hundred steps. (Plain SGD gets
 *   most of the way too, given a ten times larger step and mini-batches;
 *   full-batch SGD at the source's step does not: README.md, exercise 3.)
 *
 *   More steps, with the step size annealed. Bending the curve into a good
 *   fit takes thousands of steps. At the end, a large step on a noisy
 *   mini-batch gradient jitters around the minimum; letting lr decay to 0
 *   (cosine schedule) settles it.
 *
 *   Restarts. A network with only 4 ReLU units per hidden layer has MANY
 *   valleys: one start can end close to the circle, another on PCA's
 *   straight line (README.md, exercise 2). A unit can die (dead_units
 *   above), and the units that live can split the circle badly. Which valley
 *   a run ends in is largely decided in its first thousand steps. So we give
 *   R random starts a short audition each (cheap: 35 parameters), keep the
 *   one with the lowest error, and train only that one on. Choosing by the
 *   TRAINING error is fair here: the fresh test sample (section 1) tells us
 *   afterwards whether it was.
 *
 * Even so the result varies from seed to seed: the valleys of a 4-unit
 * network are that different. A wider network (--hidden 16) more often finds
 * a good one, because more units can share the work. We keep the source's 4
 * units: with the recipe above they beat PCA, by a wide margin, on every seed
 * we tried (the goal in tests/goals; README.md: the metrics table).
 * ------------------------------------------------------------------------- */
/* Audition cfg->restarts Xavier starts for cfg->audition_steps steps each,
 * logging each one's loss in t->aud[i]. Leaves the best start's parameters
 * in ae->P and returns ITS optimiser: Adam's running averages are part of a
 * run's state, so the winner carries on exactly where it stopped. Prints one
 * "mse (dead units)" entry per start. */
static optimizer *audition(autoencoder *ae, batcher *b, const config *cfg, gsl_rng *r,
                           training *t, progress *prog)
{
    gsl_vector *best = gsl_vector_alloc(ae->P->value->size);
    optimizer *best_opt = NULL;
    t->best_mse = GSL_POSINF;
    t->worst_mse = 0.0;
    for (long i = 0; i < cfg->restarts; i++) {
        ae_init(ae, r);
        optimizer *opt = optim_kind_from_name(cfg->optim) == OPTIM_ADAM
                             ? optim_adam(ae->P, cfg->lr, 0.9, 0.999)
                             : optim_sgd(ae->P, cfg->lr, 0.0);
        schedule s = {1, cfg->audition_steps, cfg->lr, 0, log_every(cfg->audition_steps), 0};
        train(ae, opt, b, &s, t->aud[i], prog, SOURCE_STEPS + i * cfg->audition_steps);

        double e = ae_mse(ae, b->X);
        printf("%s%.4f (%zu)%s", i % 8 == 0 ? "  " : " ", e, dead_units(ae, b->X),
               i % 8 == 7 || i + 1 == cfg->restarts ? "\n" : "");
        t->worst_mse = fmax(t->worst_mse, e);
        if (e < t->best_mse) {                 /* a new leader: keep it */
            t->best_mse = e;
            t->best_at = (size_t)i;
            gsl_vector_memcpy(best, ae->P->value);
            if (best_opt)
                optim_free(best_opt);
            best_opt = opt;
        } else {
            optim_free(opt);
        }
    }
    gsl_vector_memcpy(ae->P->value, best);
    gsl_vector_free(best);
    return best_opt;
}

static training train_all(autoencoder *ae, const gsl_matrix *X, const config *cfg,
                          double pca_mse, gsl_rng *r, int quiet)
{
    training t = {0};
    progress prog;
    progress_start(&prog, SOURCE_STEPS + cfg->restarts * cfg->audition_steps + cfg->steps, quiet);
    source_recipe(ae, X, pca_mse, r, &prog, &t);                /* section 7 */

    /* 8. Auditions: R random starts, a short run each; keep the best ... */
    printf("== 8. Training that works: an audition of %ld Xavier starts, %ld %s steps each "
           "(lr %g, batch %ld);\n  mse after the audition (dead units of %zu):\n",
           cfg->restarts, cfg->audition_steps, cfg->optim, cfg->lr, cfg->batch, 2 * ae->hidden);
    batcher mini = batcher_new(X, (size_t)cfg->batch, r);
    t.aud = xcalloc((size_t)cfg->restarts, sizeof *t.aud, "the audition logs");
    for (long i = 0; i < cfg->restarts; i++)
        t.aud[i] = loss_log(cfg->audition_steps, log_every(cfg->audition_steps));
    optimizer *opt = audition(ae, &mini, cfg, r, &t, &prog);

    /* 8. ... and train the winner on, annealing the learning rate */
    printf("training start %zu on: %ld more %s steps, lr %g cosine-annealed to 0\n",
           t.best_at + 1, cfg->steps, cfg->optim, cfg->lr);
    t.fin = loss_log(cfg->steps, log_every(cfg->steps));
    schedule s_fin = {cfg->audition_steps + 1, cfg->audition_steps + cfg->steps, cfg->lr, 1,
                      log_every(cfg->steps), cfg->steps / 5 > 0 ? cfg->steps / 5 : 1};
    train(ae, opt, &mini, &s_fin, t.fin, &prog,
          SOURCE_STEPS + (cfg->restarts - 1) * cfg->audition_steps);
    optim_free(opt);
    progress_end(&prog);
    batcher_free(&mini);
    return t;
}

static void training_free(training *t, const config *cfg)
{
    for (long i = 0; i < cfg->restarts; i++)
        history_free(t->aud[i]);
    free(t->aud);
    history_free(t->src);
    history_free(t->fin);
    gsl_matrix_free(t->X_src);
}

/* ----------------------------------------------------------------------------
 * 9. Measuring: what a 1D code must do to a closed curve
 *
 * Walk once around the circle and watch the code z(angle). The encoder is a
 * continuous function and the walk ends where it started, so z must come back
 * to its starting value: whatever it climbs, it has to come down again. On the
 * way down it hands out codes it already gave to another arc, and the
 * decoder, which sees only the code, cannot tell the two arcs apart. One of
 * them -- or a compromise between them -- gets reconstructed in the wrong
 * place. There is no way around this for a continuous encoder; a good one
 * makes the way down short and steep, almost a cut, and sacrifices the few
 * points on it. (PCA's line is the other extreme: it folds the whole circle
 * in half, every code is used twice, and for every point the coordinate
 * across the line is lost.) A steep cut can even hide BETWEEN two training
 * points, which are 1.8 degrees apart: there it costs the training error
 * nothing, and only the test sample, at random angles, finds it.
 *
 * To see it we sweep 720 points of the CLEAN circle, one every half degree,
 * and record the code, the angle at which the reconstruction lands, and the
 * squared reconstruction error. A perfect autoencoder would put every point
 * back at its own angle: a diagonal line. From the sweep we report
 *
 *     worst_angle_deg  the angle reconstructed worst: where the circle is cut
 *     bad_arc_deg      how many degrees of circle are reconstructed more than
 *                      BAD_DIST away from where they belong (a noise-free
 *                      point; the noise itself has sd 0.05)
 *
 * beside the errors on the data and on the test sample, and the dead units.
 * ------------------------------------------------------------------------- */
#define SWEEP 720
#define BAD_DIST 0.2

typedef struct evaluation {
    double recon_mse;        /* on the training points                        */
    double test_recon_mse;   /* on the fresh test sample (section 1)          */
    size_t dead_units;       /* hidden units that never switch on (section 5) */
    double worst_angle_deg;  /* where the circle is cut ...                   */
    double bad_arc_deg;      /* ... and how much of it is lost                */
    gsl_matrix *sweep;       /* (SWEEP, k + 3): angle, code z_1..z_k, angle of
                                the reconstruction, squared error             */
} evaluation;

/* Everything we measure of a trained autoencoder. */
static evaluation evaluate(autoencoder *ae, const gsl_matrix *X, const gsl_matrix *X_test)
{
    size_t k = ae->latent;
    gsl_matrix *S = gsl_matrix_alloc(SWEEP, k + 3);
    gsl_matrix *C = gsl_matrix_alloc(SWEEP, 2);               /* (SWEEP, 2) */
    for (size_t i = 0; i < SWEEP; i++) {
        double t = 2.0 * M_PI * (double)i / SWEEP;
        gsl_matrix_set(C, i, 0, cos(t));
        gsl_matrix_set(C, i, 1, sin(t));
    }
    const gsl_matrix *xhat = ae_forward(ae, C);
    evaluation e = {.sweep = S};
    double worst = -1.0;
    for (size_t i = 0; i < SWEEP; i++) {
        double x = gsl_matrix_get(xhat, i, 0), y = gsl_matrix_get(xhat, i, 1);
        double ex = x - gsl_matrix_get(C, i, 0), ey = y - gsl_matrix_get(C, i, 1);
        double err = ex * ex + ey * ey;
        double deg = 360.0 * (double)i / SWEEP;
        gsl_matrix_set(S, i, 0, deg);
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(S, i, 1 + j, gsl_matrix_get(ae->z, i, j));
        /* the reconstruction's angle, within 180 degrees of the point's own
         * (so that 359.5 -> 1.0 shows as 361, next to the diagonal) */
        double rec_deg = angle_deg(x, y);
        if (rec_deg - deg > 180.0)
            rec_deg -= 360.0;
        if (rec_deg - deg <= -180.0)
            rec_deg += 360.0;
        gsl_matrix_set(S, i, 1 + k, rec_deg);
        gsl_matrix_set(S, i, 2 + k, err);
        if (err > worst) {
            worst = err;
            e.worst_angle_deg = deg;
        }
        if (err > BAD_DIST * BAD_DIST)
            e.bad_arc_deg += 360.0 / SWEEP;
    }
    gsl_matrix_free(C);
    if (k == 1)
        printf("== 9. Where the code cuts the circle: near %.1f degrees; %.1f degrees of it "
               "are reconstructed more than %g away\n", e.worst_angle_deg, e.bad_arc_deg, BAD_DIST);
    e.recon_mse = ae_mse(ae, X);
    e.test_recon_mse = ae_mse(ae, X_test);
    e.dead_units = dead_units(ae, X);
    return e;
}

/* ----------------------------------------------------------------------------
 * Appendix A. The results and the figures' data
 *
 * The results block and metrics.txt; then the data files and this run's
 * numbers (values.gp) for the scripts in chapters/02-autoencoder/figures/
 * (loss, reconstruction, code_vs_angle), each of which says what it draws.
 * ------------------------------------------------------------------------- */
static void record_results(metrics *m, const evaluation *e, double pca_mse, const training *t)
{
    const struct { const char *name; double value; } row[] = {
        {"recon_mse", e->recon_mse}, {"pca1_recon_mse", pca_mse},
        {"recon_over_pca1", e->recon_mse / pca_mse}, {"test_recon_mse", e->test_recon_mse},
        {"source_recipe_initial_mse", t->src_start}, {"source_recipe_recon_mse", t->src_mse},
        {"audition_best_mse", t->best_mse}, {"audition_worst_mse", t->worst_mse},
        {"dead_units", (double)e->dead_units}, {"worst_angle_deg", e->worst_angle_deg},
        {"bad_arc_deg", e->bad_arc_deg}};
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++)
        metrics_set(m, row[i].name, row[i].value);
}

/* dir/file: the (step, mse) rows of `count` loss logs; several logs are
 * blocks (gnuplot's index), each followed by two blank lines. */
static void write_logs(const char *dir, const char *file, const char *header,
                       history *const *logs, long count)
{
    FILE *f = out_open(dir, file);
    fprintf(f, "# %s\n", header);
    for (long r = 0; r < count; r++) {
        for (size_t i = 0; i < logs[r]->n; i++)
            fprintf(f, "%.9g %.9g\n", gsl_matrix_get(logs[r]->rows, i, 0),
                    gsl_matrix_get(logs[r]->rows, i, 1));
        if (count > 1)
            fputs("\n\n", f);
    }
    out_close(f, file);
}

static void write_loss_figure(const char *dir, const training *t, const config *cfg, double pca_mse)
{
    write_logs(dir, "loss_source.dat", "step  mse (source recipe: full-batch SGD)", &t->src, 1);
    write_logs(dir, "loss_final.dat", "step  mse (the best start, trained on)", &t->fin, 1);
    write_logs(dir, "loss_audition.dat",
               "step  mse; one block per start, separated by two blank lines", t->aud,
               cfg->restarts);
    /* the y axis reaches down to the decade of the best error, but not below
     * 1e-6: with a 2-number code the error falls to rounding noise */
    gsl_vector_const_view mse = gsl_matrix_const_subcolumn(t->fin->rows, 1, 0, t->fin->n);
    double lowest = fmin(pca_mse, gsl_vector_min(&mse.vector));
    fig_use("loss");
    fig_value("loss_ymin", pow(10.0, floor(log10(fmax(lowest, 1e-6)))));
    fig_value("pca_mse", pca_mse);
    fig_value("source_steps", (double)SOURCE_STEPS);
    fig_value("n_auditions", (double)cfg->restarts);
    fig_text("audition_optimizer", "%s", cfg->optim);
    fig_value("audition_batch", (double)cfg->batch);
    fig_value("best_audition_index", (double)t->best_at);   /* 0-based, as gnuplot's index */
}

/* recon.dat holds, per data point: x y, the autoencoder's x^ y^, PCA's, the
 * source recipe's, the point's angle and its code z_1..z_k (the code figure
 * reads those last columns too). For k = 1, decoder_curve.dat: the decoder's
 * output for CURVE codes z spread evenly over the codes the data use. And
 * sweep.dat: the sweep of section 9 (evaluation.sweep). */
#define CURVE 400
static void write_reconstruction_figures(const char *dir, autoencoder *ae, const gsl_matrix *X,
                                         const gsl_matrix *X_pca, const training *t,
                                         double pca_mse, const evaluation *e)
{
    size_t n = X->size1, k = ae->latent;
    gsl_matrix *R = gsl_matrix_alloc(n, 9 + k);                   /* (n, 9 + k) */
    const gsl_matrix *part[] = {X, ae_forward(ae, X), X_pca, t->X_src, ae->z};
    const size_t at[] = {0, 2, 4, 6, 9};                          /* first column */
    for (size_t p = 0; p < 5; p++) {
        gsl_matrix_view to = gsl_matrix_submatrix(R, 0, at[p], n, part[p]->size2);
        gsl_matrix_memcpy(&to.matrix, part[p]);
    }
    for (size_t i = 0; i < n; i++)
        gsl_matrix_set(R, i, 8, angle_deg(gsl_matrix_get(X, i, 0), gsl_matrix_get(X, i, 1)));
    out_write_matrix(dir, "recon.dat",
                     "x y  ae_x ae_y  pca_x pca_y  source_x source_y  angle_deg  code...", R);
    gsl_matrix_free(R);
    if (k == 1) {
        double zmin, zmax;
        gsl_vector_view z_data = gsl_matrix_column(ae->z, 0);
        gsl_vector_minmax(&z_data.vector, &zmin, &zmax);
        gsl_matrix *D = gsl_matrix_alloc(CURVE, 3);                  /* z, x^, y^ */
        gsl_matrix_view z = gsl_matrix_submatrix(D, 0, 0, CURVE, 1);
        gsl_matrix_view xy = gsl_matrix_submatrix(D, 0, 1, CURVE, 2);
        for (size_t i = 0; i < CURVE; i++)
            gsl_matrix_set(D, i, 0, zmin + (zmax - zmin) * (double)i / (CURVE - 1));
        ae_decode(ae, &z.matrix);
        gsl_matrix_memcpy(&xy.matrix, ae->xhat);
        out_write_matrix(dir, "decoder_curve.dat", "z  x y  (the decoder's curve)", D);
        gsl_matrix_free(D);
    }
    fig_use("reconstruction");
    fig_value("latent_dim", (double)k);
    fig_value("pca_mse", pca_mse);
    fig_value("source_mse", t->src_mse);
    fig_value("ae_mse", e->recon_mse);
    out_write_matrix(dir, "sweep.dat",
                     "angle_deg  code...  recon_angle_deg  squared_error"
                     "  (clean circle, every half degree)", e->sweep);
    fig_use("code_vs_angle");
    fig_value("worst_angle_deg", e->worst_angle_deg);
}

/* ----------------------------------------------------------------------------
 * Appendix B. The flags
 *
 * The knobs (struct config, at the top), their defaults and what --quick
 * changes; common/session.h reads them with the common flags.
 * ------------------------------------------------------------------------- */
/* The one variant: --quick trains shorter, unless the user said otherwise. */
static void recipe(config *cfg, const cli *c)
{
    if (c->quick && !cli_given(c, "steps"))
        cfg->steps = 5000;
    if (c->quick && !cli_given(c, "audition-steps"))
        cfg->audition_steps = 500;
    if (c->quick && !cli_given(c, "restarts"))
        cfg->restarts = 8;
}

/* Start the run (common/session.h): the defaults, the flags, --out, the
 * seed; SESSION_PLAIN, as this chapter keeps no model to save or load. */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.latent = 1, .hidden = 4, .points = 200, .noise = 0.05, .batch = 32,
                    .optim = "adam", .lr = 0.01, .restarts = 32, .audition_steps = 1000,
                    .steps = 20000};
    cli_option opts[] = {
        {"latent-dim", CLI_INT, &cfg->latent, "numbers in the code (the bottleneck)", 1, 8, NULL, 0},
        {"hidden", CLI_INT, &cfg->hidden, "units in each hidden ReLU layer", 1, 256, NULL, 0},
        {"steps", CLI_INT, &cfg->steps, "training steps of the best start, after its audition",
         1, 1000000, NULL, 0},
        {"lr", CLI_REAL, &cfg->lr, "learning rate (annealed to 0 in the final training)", 1e-6,
         10.0, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "rows per step (>= points: full batch)", 1, 1000000, NULL,
         0},
        {"optimizer", CLI_CHOICE, &cfg->optim, "optimiser of auditions and training", 0, 0,
         "sgd|adam", 0},
        {"restarts", CLI_INT, &cfg->restarts, "random starts auditioned", 1, 100, NULL, 0},
        {"audition-steps", CLI_INT, &cfg->audition_steps, "steps each start gets", 1, 1000000,
         NULL, 0},
        {"points", CLI_INT, &cfg->points, "points on the circle", 10, 100000, NULL, 0},
        {"noise", CLI_REAL, &cfg->noise, "std of the Gaussian noise on each coordinate", 0.0, 1.0,
         NULL, 0},
    };
    session_start(S, "02-autoencoder",
                  "an autoencoder 2-4-1-4-2 learns a noisy circle; PCA beside it", 42, opts,
                  sizeof opts / sizeof opts[0], SESSION_PLAIN, argc, argv);
    recipe(cfg, &S->cli);
}

#ifndef GENLAB_TESTING
/* ----------------------------------------------------------------------------
 * main: the lesson's table of contents
 * ------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);         /* the flags (Appendix B), --out, the seed */
    const size_t n = (size_t)cfg.points;

    /* 1. The data, and a fresh test sample */
    gsl_matrix *X = circle(n, cfg.noise, GRID, S.rng);
    gsl_matrix *X_test = circle(n, cfg.noise, RANDOM, S.rng);
    printf("== 1. The data: %zu points on the unit circle, noise sd %g (and %zu fresh test "
           "points)\n", n, cfg.noise, n);
    cfg.batch = batch_within(cfg.batch, n);

    /* 2. The network, with room for the data and the sweep of section 9 */
    autoencoder *ae = ae_new((size_t)cfg.hidden, (size_t)cfg.latent, n > SWEEP ? n : SWEEP);
    printf("== 2. The network: 2 -> %ld -> %ld -> %ld -> 2, ReLU hidden layers, %zu "
           "parameters\n", cfg.hidden, cfg.latent, cfg.hidden, ae->P->value->size);

    /* 6. The yardstick: PCA's first component */
    gsl_matrix *X_pca = gsl_matrix_alloc(n, 2);
    double pca_mse = pca1_yardstick(X, X_pca);

    /* 7-8. The source's recipe, then auditions and the winner trained on */
    training t = train_all(ae, X, &cfg, pca_mse, S.rng, S.cli.quiet);

    /* 9. Measuring: the errors, the dead units, where the code cuts the circle */
    evaluation e = evaluate(ae, X, X_test);

    /* Appendix A. The results and the figures' data */
    record_results(&S.m, &e, pca_mse, &t);
    write_loss_figure(S.cli.out, &t, &cfg, pca_mse);
    write_reconstruction_figures(S.cli.out, ae, X, X_pca, &t, pca_mse, &e);

    session_finish(&S);                  /* results, metrics.txt, the figures */
    note("wrote %s", S.cli.out);
    training_free(&t, &cfg);
    gsl_matrix_free(e.sweep);
    gsl_matrix_free(X_pca);
    ae_free(ae);
    gsl_matrix_free(X_test);
    gsl_matrix_free(X);
    return 0;
}
#endif
