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
 *      tiny network bend its line around the circle and do typically ten to
 *      fifty times better.
 *   2. A continuous map cannot flatten a closed curve onto a line without
 *      cutting or folding it somewhere. Our encoder must do that, and the
 *      figure "code vs angle" shows where it did.
 *   3. With a two-number bottleneck (--latent-dim 2) there is nothing left to
 *      squeeze: the reconstruction becomes almost perfect.
 *
 * Sections:
 *   1. The data: a noisy circle
 *   2. The network: 2 -> H -> k -> H -> 2
 *   3. Forward: encode, then decode
 *   4. Backward: the chain rule, layer by layer
 *   5. One training step, and mini-batches without allocation
 *   6. The source's recipe, reproduced
 *   7. Training that works: Adam, annealing, restarts
 *   8. The best linear code: PCA with GSL's eigen-solver
 *   9. What a 1D code must do to a closed curve
 *  10. Figures
 *  Appendix: the flags
 *  11. main
 */
#include "genlab.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_statistics_double.h>

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
 * axes. Keep that in mind for PCA in section 8.
 *
 * We also draw a fresh TEST sample (uniform random angles, new noise) to check
 * that the trained autoencoder has learned the circle, not these 200 points.
 * Expect its error to be higher and more variable than the training error:
 * a few test points that happen to fall where the code cuts the circle
 * (section 9) are each reconstructed up to a diameter away.
 * ------------------------------------------------------------------------- */
static gsl_matrix *circle_grid(size_t n, double noise, gsl_rng *r)
{
    gsl_matrix *X = gsl_matrix_alloc(n, 2);                     /* (n, 2) */
    for (size_t i = 0; i < n; i++) {
        double t = 2.0 * M_PI * (double)i / (double)(n - 1);
        gsl_matrix_set(X, i, 0, cos(t));
        gsl_matrix_set(X, i, 1, sin(t));
    }
    rng_add_gaussian(r, X, noise);
    return X;
}

static gsl_matrix *circle_random(size_t n, double noise, gsl_rng *r)
{
    gsl_matrix *X = gsl_matrix_alloc(n, 2);                     /* (n, 2) */
    for (size_t i = 0; i < n; i++) {
        double t = gsl_ran_flat(r, 0.0, 2.0 * M_PI);
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
 * 2. The network: 2 -> H -> k -> H -> 2
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
 * backward pass needs -- are allocated once, for the largest batch we will
 * ever push through, and used through views of their first n rows.
 * ------------------------------------------------------------------------- */
typedef struct autoencoder {
    size_t hidden, latent;      /* H, k                                     */
    params *P;                  /* every weight and bias, and its gradient  */
    dense enc1, enc2;           /* W1 (2, H), W2 (H, k)                     */
    dense dec1, dec2;           /* W3 (k, H), W4 (H, 2)                     */
    /* forward intermediates, (max_batch, width) */
    gsl_matrix *a1, *h1, *z;    /* (., H) (., H) (., k)                     */
    gsl_matrix *a2, *h2, *xhat; /* (., H) (., H) (., 2)                     */
    /* their gradients dL/d(.), same shapes */
    gsl_matrix *da1, *dh1, *dz, *da2, *dh2, *dxhat;
} autoencoder;

static autoencoder *ae_new(size_t hidden, size_t latent, size_t max_batch)
{
    autoencoder *ae = calloc(1, sizeof *ae);
    if (!ae)
        die("out of memory");
    ae->hidden = hidden;
    ae->latent = latent;
    ae->P = params_alloc(dense_size(2, hidden) + dense_size(hidden, latent) +
                         dense_size(latent, hidden) + dense_size(hidden, 2));
    dense_bind(&ae->enc1, ae->P, 2, hidden);
    dense_bind(&ae->enc2, ae->P, hidden, latent);
    dense_bind(&ae->dec1, ae->P, latent, hidden);
    dense_bind(&ae->dec2, ae->P, hidden, 2);
    ae->a1 = gsl_matrix_alloc(max_batch, hidden);
    ae->h1 = gsl_matrix_alloc(max_batch, hidden);
    ae->z = gsl_matrix_alloc(max_batch, latent);
    ae->a2 = gsl_matrix_alloc(max_batch, hidden);
    ae->h2 = gsl_matrix_alloc(max_batch, hidden);
    ae->xhat = gsl_matrix_alloc(max_batch, 2);
    ae->da1 = gsl_matrix_alloc(max_batch, hidden);
    ae->dh1 = gsl_matrix_alloc(max_batch, hidden);
    ae->dz = gsl_matrix_alloc(max_batch, latent);
    ae->da2 = gsl_matrix_alloc(max_batch, hidden);
    ae->dh2 = gsl_matrix_alloc(max_batch, hidden);
    ae->dxhat = gsl_matrix_alloc(max_batch, 2);
    return ae;
}

static void ae_free(autoencoder *ae)
{
    gsl_matrix *work[] = {ae->a1,  ae->h1,  ae->z,  ae->a2,  ae->h2,  ae->xhat,
                          ae->da1, ae->dh1, ae->dz, ae->da2, ae->dh2, ae->dxhat};
    for (size_t i = 0; i < sizeof work / sizeof work[0]; i++)
        gsl_matrix_free(work[i]);
    params_free(ae->P);
    free(ae);
}

/* Xavier-normal weights, zero biases: the source's initialisation. */
static void ae_init(autoencoder *ae, gsl_rng *r)
{
    dense_init_xavier(&ae->enc1, r);
    dense_init_xavier(&ae->enc2, r);
    dense_init_xavier(&ae->dec1, r);
    dense_init_xavier(&ae->dec2, r);
}

/* ----------------------------------------------------------------------------
 * 3. Forward: encode, then decode
 *
 * Each function works on the first n rows of the work matrices, n being the
 * rows of its input. The decoder is a function of its own because we also
 * call it on codes we choose (section 10 sweeps z to draw the curve the
 * decoder has learned).
 * ------------------------------------------------------------------------- */
static void ae_encode(autoencoder *ae, const gsl_matrix *X)        /* X (n, 2) */
{
    size_t n = X->size1;
    gsl_matrix_view a1 = mat_rows(ae->a1, n), h1 = mat_rows(ae->h1, n);
    gsl_matrix_view z = mat_rows(ae->z, n);
    dense_forward(&ae->enc1, X, &a1.matrix);              /* a1 = x W1 + b1  */
    act_forward(ACT_RELU, &a1.matrix, &h1.matrix);        /* h1 = relu(a1)   */
    dense_forward(&ae->enc2, &h1.matrix, &z.matrix);      /* z = h1 W2 + b2  */
}

static void ae_decode(autoencoder *ae, const gsl_matrix *Z)        /* Z (n, k) */
{
    size_t n = Z->size1;
    gsl_matrix_view a2 = mat_rows(ae->a2, n), h2 = mat_rows(ae->h2, n);
    gsl_matrix_view xhat = mat_rows(ae->xhat, n);
    dense_forward(&ae->dec1, Z, &a2.matrix);              /* a2 = z W3 + b3  */
    act_forward(ACT_RELU, &a2.matrix, &h2.matrix);        /* h2 = relu(a2)   */
    dense_forward(&ae->dec2, &h2.matrix, &xhat.matrix);   /* x^ = h2 W4 + b4 */
}

/* The reconstruction x^ of X: a view of the first n rows of ae->xhat. */
static gsl_matrix_view ae_forward(autoencoder *ae, const gsl_matrix *X)
{
    size_t n = X->size1;
    ae_encode(ae, X);
    gsl_matrix_view z = mat_rows(ae->z, n);
    ae_decode(ae, &z.matrix);
    return mat_rows(ae->xhat, n);
}

/* The reconstruction error of a whole data set, for logs and results. */
static double ae_mse(autoencoder *ae, const gsl_matrix *X)
{
    gsl_matrix_view xhat = ae_forward(ae, X);
    return mat_mse(&xhat.matrix, X);
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
 * Two remarks on the source's NumPy version. (a) It takes relu_derivative of
 * the layer's OUTPUT h rather than its input a; for ReLU that is harmless,
 * since h > 0 exactly where a > 0. (b) It writes dL/dx^ = 2 (x^ - x) / N while
 * its loss is np.mean over N*2 entries: its gradient is twice the gradient of
 * the loss it prints, so its "lr 0.005" is really a step of 0.01 on that loss.
 * Section 6 reproduces the source's steps exactly by using lr 0.01.
 * ------------------------------------------------------------------------- */
static void ae_backward(autoencoder *ae, const gsl_matrix *X, const gsl_matrix *dxhat)
{
    size_t n = X->size1;
    gsl_matrix_view a1 = mat_rows(ae->a1, n), h1 = mat_rows(ae->h1, n);
    gsl_matrix_view z = mat_rows(ae->z, n);
    gsl_matrix_view a2 = mat_rows(ae->a2, n), h2 = mat_rows(ae->h2, n);
    gsl_matrix_view da1 = mat_rows(ae->da1, n), dh1 = mat_rows(ae->dh1, n);
    gsl_matrix_view dz = mat_rows(ae->dz, n);
    gsl_matrix_view da2 = mat_rows(ae->da2, n), dh2 = mat_rows(ae->dh2, n);

    /* decoder */
    dense_backward(&ae->dec2, &h2.matrix, dxhat, &dh2.matrix);
    act_backward(ACT_RELU, &a2.matrix, &h2.matrix, &dh2.matrix, &da2.matrix);
    dense_backward(&ae->dec1, &z.matrix, &da2.matrix, &dz.matrix);
    /* encoder: it learns only through dz */
    dense_backward(&ae->enc2, &h1.matrix, &dz.matrix, &dh1.matrix);
    act_backward(ACT_RELU, &a1.matrix, &h1.matrix, &dh1.matrix, &da1.matrix);
    dense_backward(&ae->enc1, X, &da1.matrix, NULL);
}

/* The loss at the current parameters, and (if with_grad) its gradient in
 * ae->P->grad. Training and the gradient check both go through here. */
static double ae_loss(autoencoder *ae, const gsl_matrix *X, int with_grad)
{
    size_t n = X->size1;
    gsl_matrix_view xhat = ae_forward(ae, X);
    if (!with_grad)
        return loss_mse(&xhat.matrix, X, NULL);
    gsl_matrix_view dxhat = mat_rows(ae->dxhat, n);
    double loss = loss_mse(&xhat.matrix, X, &dxhat.matrix);  /* dL/dx^        */
    params_zero_grad(ae->P);                                  /* backward adds */
    ae_backward(ae, X, &dxhat.matrix);
    return loss;
}

/* ----------------------------------------------------------------------------
 * 5. One training step, and mini-batches without allocation
 *
 * A step: loss and gradient on a batch, check the loss is a number, let the
 * optimiser move the parameters. A FULL batch is the whole data set (what the
 * source does). A MINI-batch is a few rows: we shuffle the visiting order of
 * the rows, take them `batch` at a time, and reshuffle when a pass over the
 * data (an epoch) is done (the last n mod batch rows of an order wait for
 * the next epoch). The rows are copied into one matrix allocated before
 * training, so the loop itself allocates nothing. That is a batcher
 * (common/batch.h, about 30 lines): every later chapter draws its
 * minibatches through it, or through batch_draw, which picks rows with
 * replacement.
 *
 * Why mini-batches? For the same work, 200 / 32 ~ 6 updates instead of one,
 * and each update's gradient is a little noisy. Here the noise is welcome: it
 * shakes the network off the flat places where a full-batch gradient lingers.
 * ------------------------------------------------------------------------- */
/* A batch larger than the data set is the whole data set. */
static long batch_within(long batch, size_t n)
{
    if ((size_t)batch <= n)
        return batch;
    printf("batch %ld > %zu points: every step uses the whole data set\n", batch, n);
    return (long)n;
}

/* A loss curve: rows of (step, MSE on the whole data set). */
typedef struct curve {
    gsl_matrix *points;    /* (capacity, 2)                                  */
    size_t n;              /* rows used                                      */
} curve;

static void curve_add(curve *c, long step, double mse)
{
    if (c->n < c->points->size1) {
        gsl_matrix_set(c->points, c->n, 0, (double)step);
        gsl_matrix_set(c->points, c->n, 1, mse);
        c->n++;
    }
}

/* Room for the curve of a run of `steps` steps logged every `every` steps. */
static curve curve_new(long steps, long every)
{
    size_t rows = (size_t)(steps < 100 ? steps : 100) + (size_t)(steps / every) + 2;
    curve c = {gsl_matrix_alloc(rows, 2), 0};
    return c;
}

/* Log every ~1 % of a run. */
static long log_every(long steps)
{
    return steps / 100 > 0 ? steps / 100 : 1;
}

/* How a run of steps is scheduled and reported. */
typedef struct schedule {
    long first, last;      /* steps first..last (counted from 1)             */
    double lr;             /* peak learning rate                             */
    int anneal;            /* 1: cosine-decay lr to 0 between first and last */
    long log_every;        /* add a point to the curve every ... steps       */
    long print_every;      /* a line on stdout every ... steps (0: never)    */
} schedule;

/* Train for the steps of `s`, recording the full-data MSE on `c`. */
static void train(autoencoder *ae, optimizer *opt, batcher *b, const schedule *s,
                  curve *c, progress *prog, long prog_offset)
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

        /* every step of the first 100 (the curves are drawn on a log axis),
         * then every log_every steps */
        if (step - s->first < 100 || step % s->log_every == 0 || step == s->last)
            curve_add(c, step, ae_mse(ae, b->X));
        if (s->print_every > 0 &&
            ((step - s->first + 1) % s->print_every == 0 || step == s->last))
            printf("  step %6ld  mse %.5f\n", step, ae_mse(ae, b->X));
        progress_report(prog, prog_offset + step, "loss %.4f", loss);
    }
}

/* How many hidden units never switch on for any point of X? A "dead" ReLU
 * passes no gradient (section 4: da = dh * [a > 0] = 0 for every row), so no
 * step can ever revive it: the unit is gone for good. */
static size_t dead_units(autoencoder *ae, const gsl_matrix *X)
{
    size_t n = X->size1, dead = 0;
    ae_forward(ae, X);
    const gsl_matrix *H[2] = {ae->h1, ae->h2};
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < ae->hidden; j++) {
            int alive = 0;
            for (size_t i = 0; i < n && !alive; i++)
                alive = gsl_matrix_get(H[l], i, j) > 0.0;
            dead += !alive;
        }
    return dead;
}

/* ----------------------------------------------------------------------------
 * 6. The source's recipe, reproduced
 *
 * One Xavier start, 500 full-batch steps of plain gradient descent with the
 * source's step (lr 0.005 on its doubled gradient = lr 0.01 on ours, see
 * section 4). The source prints its loss and stops there, without saying what
 * that number means. It means: at 500 steps the network has learned a
 * (nearly) STRAIGHT LINE through the circle, and nothing more. Over seeds
 * 1..10 the source recipe ends between 0.21 and 0.49 (median 0.27), while
 * PCA's straight line (section 8) scores 0.25; with seed 8 it does not move
 * at all. README.md has the table.
 *
 * Why so slow? At the start the output hardly depends on the input: the
 * signal passes through four small random layers and a one-number
 * bottleneck, so the gradient of every weight is a product of several small
 * factors. Plain gradient descent moves each weight by lr times its
 * gradient: tiny gradients, tiny steps (with the default seed its loss
 * curve is nearly flat for the first 40 steps). What it finds first is the
 * cheapest improvement, a line, and the line is a plateau: the loss surface
 * is almost flat there -- in the loss figure several Adam runs, too, linger
 * at 0.25 for hundreds of steps. To leave it the ReLU units must divide the
 * circle between them, and the source's recipe runs out of steps long before
 * that.
 * ------------------------------------------------------------------------- */
#define SOURCE_STEPS 500
#define SOURCE_LR (0.005 * 2.0)   /* the source's 0.005, times its factor 2 */

/* From a fresh Xavier start, SOURCE_STEPS full-batch SGD steps. Records the
 * loss curve on c, copies the reconstructions of the data into X_src (n, 2),
 * sets *start to the error before the first step and returns the error
 * after the last. */
static double source_recipe(autoencoder *ae, batcher *full, gsl_rng *r, curve *c,
                            progress *prog, gsl_matrix *X_src, double *start)
{
    const gsl_matrix *X = full->X;
    ae_init(ae, r);
    *start = ae_mse(ae, X);
    printf("source recipe: one Xavier start, %d full-batch SGD steps, lr 0.005 (x2)\n"
           "  step %6d  mse %.5f\n", SOURCE_STEPS, 0, *start);
    optimizer *opt = optim_sgd(ae->P, SOURCE_LR, 0.0);
    schedule s = {1, SOURCE_STEPS, SOURCE_LR, 0, 1, 100};
    train(ae, opt, full, &s, c, prog, 0);
    optim_free(opt);
    gsl_matrix_view xhat = ae_forward(ae, X);
    gsl_matrix_memcpy(X_src, &xhat.matrix);
    return mat_mse(&xhat.matrix, X);
}

/* ----------------------------------------------------------------------------
 * 7. Training that works: Adam, annealing, restarts
 *
 * Three changes, each for a reason:
 *
 *   Adam instead of plain steps. Adam divides each parameter's gradient by a
 *   running estimate of its own size (optim.h), so every parameter moves by
 *   about lr per step whether its gradient is 1e-1 or 1e-4. That is exactly
 *   what the plateau of section 6 needs. Add mini-batches (section 5), and
 *   the line bends into a curve within a few hundred steps. (Plain SGD gets
 *   most of the way too, given a ten times larger step and mini-batches:
 *   --optimizer sgd --lr 0.1 ends at 0.011..0.040 on seeds 1..5. Full-batch
 *   SGD at the source's step stays at 0.09..0.15 even after 21000 steps.)
 *
 *   More steps, with the step size annealed. Bending the curve into a good
 *   fit takes thousands of steps. At the end, a large step on a noisy
 *   mini-batch gradient jitters around the minimum; letting lr decay to 0
 *   (cosine schedule) settles it.
 *
 *   Restarts. A network with only 4 ReLU units per hidden layer has MANY
 *   valleys: two runs from different starts can end at 0.005 and at 0.25. A
 *   unit can die (dead_units above), and the units that live can split the
 *   circle badly. Which valley a run ends in is largely decided in its first
 *   thousand steps. So we give R = 32 random starts a short audition of 1000
 *   steps each (cheap: 35 parameters), keep the one with the lowest error,
 *   and train only that one on. Choosing by the TRAINING error is fair here:
 *   the fresh test sample (section 1) tells us afterwards whether it was.
 *
 * Even so the result varies from seed to seed, from 0.004 to 0.06 (README.md
 * has the table): the valleys of a 4-unit network are that different. A
 * wider network (--hidden 16) more often finds a good one, because more
 * units can share the work. We keep the source's 4 units: with the recipe
 * above they beat PCA by a wide margin on every seed we tried (1..30).
 * ------------------------------------------------------------------------- */
typedef struct recipe {
    const char *optim;     /* "adam" or "sgd"                                */
    double lr;             /* peak learning rate                             */
    long restarts;         /* R random starts ...                            */
    long audition_steps;   /* ... trained this many steps each               */
    long steps;            /* steps the winner trains on, lr annealed to 0   */
} recipe;

static optimizer *make_optimizer(const char *name, params *P, double lr)
{
    if (optim_kind_from_name(name) == OPTIM_ADAM)
        return optim_adam(P, lr, 0.9, 0.999);
    return optim_sgd(P, lr, 0.0);
}

/* Audition rc->restarts Xavier starts for rc->audition_steps steps each,
 * recording each one's loss curve in curves[i]. Leaves the best start's
 * parameters in ae->P and returns ITS optimiser: Adam's running averages are
 * part of a run's state, so the winner carries on exactly where it stopped.
 * Prints one "mse (dead units)" entry per start. */
static optimizer *audition(autoencoder *ae, batcher *b, const recipe *rc, gsl_rng *r,
                           curve *curves, progress *prog, long prog_offset,
                           size_t *best_at, double *best_mse, double *worst_mse)
{
    gsl_vector *best = gsl_vector_alloc(ae->P->value->size);
    optimizer *best_opt = NULL;
    *best_mse = GSL_POSINF;
    *worst_mse = 0.0;
    for (long i = 0; i < rc->restarts; i++) {
        ae_init(ae, r);
        optimizer *opt = make_optimizer(rc->optim, ae->P, rc->lr);
        schedule s = {1, rc->audition_steps, rc->lr, 0, log_every(rc->audition_steps), 0};
        train(ae, opt, b, &s, &curves[i], prog, prog_offset + i * rc->audition_steps);

        double e = ae_mse(ae, b->X);
        printf("%s%.4f (%zu)%s", i % 8 == 0 ? "  " : " ", e, dead_units(ae, b->X),
               i % 8 == 7 || i + 1 == rc->restarts ? "\n" : "");
        *worst_mse = fmax(*worst_mse, e);
        if (e < *best_mse) {                   /* a new leader: keep it */
            *best_mse = e;
            *best_at = (size_t)i;
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

/* Sections 6 and 7 in the order of the story, on one progress line: the
 * source's recipe from a fresh start, the auditions, and the winner trained
 * on. What they leave for the measuring and the figures: */
typedef struct training {
    curve src;              /* the source recipe's loss curve                */
    gsl_matrix *X_src;      /* (n, 2) its reconstructions of the data        */
    double src_start;       /* its error before the first step ...           */
    double src_mse;         /* ... and after the last                        */
    curve *aud;             /* (restarts) one loss curve per audition        */
    long restarts;
    size_t best_at;         /* the winning start, counted from 0             */
    double best_mse;        /* the best and the worst error after an         */
    double worst_mse;       /*   audition                                    */
    curve fin;              /* the winner's curve, trained on                */
} training;

static training train_all(autoencoder *ae, const gsl_matrix *X, const recipe *rc, long batch,
                          double pca_mse, gsl_rng *r, int quiet)
{
    const size_t n = X->size1, H = ae->hidden;
    training t = {.restarts = rc->restarts};
    progress prog;
    progress_start(&prog, SOURCE_STEPS + rc->restarts * rc->audition_steps + rc->steps, quiet);

    /* 6. The source's recipe */
    batcher full = batcher_new(X, n, r);
    t.src = curve_new(SOURCE_STEPS, 1);
    t.X_src = gsl_matrix_alloc(n, 2);
    t.src_mse = source_recipe(ae, &full, r, &t.src, &prog, t.X_src, &t.src_start);
    printf("  -> recon mse %.5f, %.2f x PCA's\n", t.src_mse, t.src_mse / pca_mse);

    /* 7. Auditions: R random starts, a short run each; keep the best ... */
    printf("audition: %ld Xavier starts, %ld %s steps each (lr %g, batch %ld);\n"
           "  mse after the audition (dead units of %zu):\n",
           rc->restarts, rc->audition_steps, rc->optim, rc->lr, batch, 2 * H);
    batcher mini = batcher_new(X, (size_t)batch, r);
    t.aud = calloc((size_t)rc->restarts, sizeof *t.aud);          /* one per start */
    if (!t.aud)
        die("out of memory");
    for (long i = 0; i < rc->restarts; i++)
        t.aud[i] = curve_new(rc->audition_steps, log_every(rc->audition_steps));
    optimizer *opt = audition(ae, &mini, rc, r, t.aud, &prog, SOURCE_STEPS, &t.best_at,
                              &t.best_mse, &t.worst_mse);

    /* 7. ... and train the winner on, annealing the learning rate */
    printf("training start %zu on: %ld more %s steps, lr %g cosine-annealed to 0\n",
           t.best_at + 1, rc->steps, rc->optim, rc->lr);
    t.fin = curve_new(rc->steps, log_every(rc->steps));
    schedule s_fin = {rc->audition_steps + 1, rc->audition_steps + rc->steps, rc->lr, 1,
                      log_every(rc->steps), rc->steps / 5 > 0 ? rc->steps / 5 : 1};
    train(ae, opt, &mini, &s_fin, &t.fin, &prog,
          SOURCE_STEPS + (rc->restarts - 1) * rc->audition_steps);
    optim_free(opt);
    progress_end(&prog);
    batcher_free(&mini);
    batcher_free(&full);
    return t;
}

static void training_free(training *t)
{
    for (long i = 0; i < t->restarts; i++)
        gsl_matrix_free(t->aud[i].points);
    free(t->aud);
    gsl_matrix_free(t->src.points);
    gsl_matrix_free(t->fin.points);
    gsl_matrix_free(t->X_src);
}

/* ----------------------------------------------------------------------------
 * 8. The best linear code: PCA with GSL's eigen-solver
 *
 * If the encoder and decoder were linear, the best one-number code would be
 * known in closed form: project each centred point onto the direction of
 * greatest variance u (the first principal component), and reconstruct
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
 *
 * gsl_eigen_symmv solves symmetric eigenproblems (it overwrites C);
 * gsl_eigen_symmv_sort puts the largest eigenvalue first.
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
    gsl_vector_const_view c0 = gsl_matrix_const_column(X, 0);
    gsl_vector_const_view c1 = gsl_matrix_const_column(X, 1);
    p.mean[0] = gsl_stats_mean(c0.vector.data, c0.vector.stride, n);
    p.mean[1] = gsl_stats_mean(c1.vector.data, c1.vector.stride, n);

    gsl_matrix *Xc = gsl_matrix_alloc(n, 2);                   /* X - m, (n, 2) */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < 2; j++)
            gsl_matrix_set(Xc, i, j, gsl_matrix_get(X, i, j) - p.mean[j]);
    gsl_matrix *C = gsl_matrix_alloc(2, 2);                    /* (2, 2)        */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)n, Xc, Xc, 0.0, C);
    gsl_matrix_free(Xc);                                       /* C = Xc^T Xc/n */

    gsl_vector *eval = gsl_vector_alloc(2);
    gsl_matrix *evec = gsl_matrix_alloc(2, 2);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(2);
    gsl_eigen_symmv(C, eval, evec, w);
    gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC);
    p.lambda[0] = gsl_vector_get(eval, 0);
    p.lambda[1] = gsl_vector_get(eval, 1);
    p.u[0] = gsl_matrix_get(evec, 0, 0);       /* eigenvectors are COLUMNS */
    p.u[1] = gsl_matrix_get(evec, 1, 0);
    gsl_eigen_symmv_free(w);
    gsl_matrix_free(evec);
    gsl_vector_free(eval);
    gsl_matrix_free(C);
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
    printf("PCA: eigenvalues %.4f, %.4f; first direction (%.3f, %.3f); recon mse %.5f\n",
           pca.lambda[0], pca.lambda[1], pca.u[0], pca.u[1], pca_mse);
    return pca_mse;
}

/* ----------------------------------------------------------------------------
 * 9. What a 1D code must do to a closed curve
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
 * ------------------------------------------------------------------------- */
#define SWEEP 720
#define BAD_DIST 0.2

typedef struct cut_report {
    double worst_angle_deg, bad_arc_deg;
} cut_report;

/* S (SWEEP, k + 3): angle, code z_1..z_k, angle of the reconstruction,
 * squared error. */
static cut_report sweep_circle(autoencoder *ae, gsl_matrix *S)
{
    size_t k = ae->latent;
    gsl_matrix *C = gsl_matrix_alloc(SWEEP, 2);               /* (SWEEP, 2) */
    for (size_t i = 0; i < SWEEP; i++) {
        double t = 2.0 * M_PI * (double)i / SWEEP;
        gsl_matrix_set(C, i, 0, cos(t));
        gsl_matrix_set(C, i, 1, sin(t));
    }
    gsl_matrix_view xhat = ae_forward(ae, C);
    cut_report rep = {0.0, 0.0};
    double worst = -1.0;
    for (size_t i = 0; i < SWEEP; i++) {
        double x = gsl_matrix_get(&xhat.matrix, i, 0), y = gsl_matrix_get(&xhat.matrix, i, 1);
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
            rep.worst_angle_deg = deg;
        }
        if (err > BAD_DIST * BAD_DIST)
            rep.bad_arc_deg += 360.0 / SWEEP;
    }
    gsl_matrix_free(C);
    if (k == 1)
        printf("the circle is cut near %.1f degrees; %.1f degrees of it are reconstructed "
               "more than %g away\n", rep.worst_angle_deg, rep.bad_arc_deg, BAD_DIST);
    return rep;
}

/* The results block: the autoencoder on the data and on the test sample,
 * beside PCA and the source's recipe; the auditions; the cut. */
static void record_results(metrics *m, autoencoder *ae, const gsl_matrix *X,
                           const gsl_matrix *X_test, double pca_mse, const training *t,
                           const cut_report *cut)
{
    double mse = ae_mse(ae, X);
    metrics_set(m, "recon_mse", mse);
    metrics_set(m, "pca1_recon_mse", pca_mse);
    metrics_set(m, "recon_over_pca1", mse / pca_mse);
    metrics_set(m, "test_recon_mse", ae_mse(ae, X_test));
    metrics_set(m, "source_recipe_initial_mse", t->src_start);
    metrics_set(m, "source_recipe_recon_mse", t->src_mse);
    metrics_set(m, "audition_best_mse", t->best_mse);
    metrics_set(m, "audition_worst_mse", t->worst_mse);
    metrics_set(m, "dead_units", (double)dead_units(ae, X));
    metrics_set(m, "worst_angle_deg", cut->worst_angle_deg);
    metrics_set(m, "bad_arc_deg", cut->bad_arc_deg);
}

/* ----------------------------------------------------------------------------
 * 10. Figures
 *
 * loss           full-data MSE vs step (log-log) for the source's recipe,
 *                every audition and the winner's training, with PCA's error
 *                as a horizontal line.
 * reconstruction the data and its reconstructions: PCA's, the source
 *                recipe's, the autoencoder's (and, for k = 1, its decoder's
 *                curve).
 * code_vs_angle  the code, and the angle of the reconstruction, around the
 *                circle: where the one-number code cuts it.
 *
 * The scripts are the .gp files in chapters/02-autoencoder/figures/; the
 * program writes their data files and gives them the numbers of this run
 * (values.gp).
 * ------------------------------------------------------------------------- */
static void write_loss_figure(const char *dir, const curve *src, const curve *aud,
                              const recipe *rc, size_t best_at, long batch,
                              const curve *final, double pca_mse)
{
    /* the y axis reaches down to the decade of the best error, but not below
     * 1e-6: with a 2-number code the error falls to rounding noise */
    double lowest = pca_mse;
    for (size_t i = 0; i < final->n; i++)
        lowest = fmin(lowest, gsl_matrix_get(final->points, i, 1));
    double ymin = pow(10.0, floor(log10(fmax(lowest, 1e-6))));
    gsl_matrix_const_view s = gsl_matrix_const_submatrix(src->points, 0, 0, src->n, 2);
    gsl_matrix_const_view f = gsl_matrix_const_submatrix(final->points, 0, 0, final->n, 2);
    out_write_matrix(dir, "loss_source.dat", "step  mse (source recipe: full-batch SGD)",
                     &s.matrix);
    out_write_matrix(dir, "loss_final.dat", "step  mse (the best start, trained on)",
                     &f.matrix);
    FILE *a = out_open(dir, "loss_audition.dat");
    fprintf(a, "# step  mse; one block per start, separated by two blank lines\n");
    for (long r = 0; r < rc->restarts; r++) {
        for (size_t i = 0; i < aud[r].n; i++)
            fprintf(a, "%.9g %.9g\n", gsl_matrix_get(aud[r].points, i, 0),
                    gsl_matrix_get(aud[r].points, i, 1));
        fprintf(a, "\n\n");
    }
    out_close(a, "loss_audition.dat");

    fig_use("loss");
    fig_value("loss_ymin", ymin);
    fig_value("pca_mse", pca_mse);
    fig_value("source_steps", (double)SOURCE_STEPS);
    fig_value("n_auditions", (double)rc->restarts);
    fig_text("audition_optimizer", "%s", rc->optim);
    fig_value("audition_batch", (double)batch);
    fig_value("best_audition_index", (double)best_at);   /* 0-based, as gnuplot's index */
}

/* The curve the decoder draws: decode z for CURVE codes spread evenly over the
 * range of codes the data actually uses. Only for k = 1.
 * D (CURVE, 3): z, x^, y^. */
#define CURVE 400
static void decoder_curve(autoencoder *ae, double zmin, double zmax, gsl_matrix *D)
{
    gsl_matrix *Z = gsl_matrix_alloc(CURVE, 1);
    for (size_t i = 0; i < CURVE; i++)
        gsl_matrix_set(Z, i, 0, zmin + (zmax - zmin) * (double)i / (CURVE - 1));
    ae_decode(ae, Z);
    for (size_t i = 0; i < CURVE; i++) {
        gsl_matrix_set(D, i, 0, gsl_matrix_get(Z, i, 0));
        gsl_matrix_set(D, i, 1, gsl_matrix_get(ae->xhat, i, 0));
        gsl_matrix_set(D, i, 2, gsl_matrix_get(ae->xhat, i, 1));
    }
    gsl_matrix_free(Z);
}

/* recon.dat holds, per data point: x y, the autoencoder's x^ y^, PCA's, the
 * source recipe's, the point's angle and its code z_1..z_k (the code figure
 * reads those last columns too). decoder_curve.dat: the decoder's curve. */
static void write_reconstruction_figure(const char *dir, autoencoder *ae,
                                        const gsl_matrix *X, const gsl_matrix *X_pca,
                                        const gsl_matrix *X_src, double pca_mse,
                                        double src_mse)
{
    size_t n = X->size1, k = ae->latent;
    gsl_matrix *R = gsl_matrix_alloc(n, 9 + k);                   /* (n, 9 + k) */
    gsl_matrix_view xhat = ae_forward(ae, X);
    double zmin = GSL_POSINF, zmax = GSL_NEGINF;
    for (size_t i = 0; i < n; i++) {
        double x = gsl_matrix_get(X, i, 0), y = gsl_matrix_get(X, i, 1);
        double row[9] = {x, y,
                         gsl_matrix_get(&xhat.matrix, i, 0), gsl_matrix_get(&xhat.matrix, i, 1),
                         gsl_matrix_get(X_pca, i, 0), gsl_matrix_get(X_pca, i, 1),
                         gsl_matrix_get(X_src, i, 0), gsl_matrix_get(X_src, i, 1),
                         angle_deg(x, y)};
        for (size_t j = 0; j < 9; j++)
            gsl_matrix_set(R, i, j, row[j]);
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(R, i, 9 + j, gsl_matrix_get(ae->z, i, j));
        zmin = fmin(zmin, gsl_matrix_get(ae->z, i, 0));
        zmax = fmax(zmax, gsl_matrix_get(ae->z, i, 0));
    }
    double ae_err = mat_mse(&xhat.matrix, X);
    out_write_matrix(dir, "recon.dat",
                     "x y  ae_x ae_y  pca_x pca_y  source_x source_y  angle_deg  code...", R);
    gsl_matrix_free(R);
    if (k == 1) {
        gsl_matrix *D = gsl_matrix_alloc(CURVE, 3);
        decoder_curve(ae, zmin, zmax, D);
        out_write_matrix(dir, "decoder_curve.dat", "z  x y  (the decoder's curve)", D);
        gsl_matrix_free(D);
    }

    fig_use("reconstruction");
    fig_value("latent_dim", (double)k);
    fig_value("pca_mse", pca_mse);
    fig_value("source_mse", src_mse);
    fig_value("ae_mse", ae_err);
}

static void write_code_figure(const char *dir, const gsl_matrix *S, size_t latent,
                              const cut_report *cut)
{
    out_write_matrix(dir, "sweep.dat",
                     "angle_deg  code...  recon_angle_deg  squared_error"
                     "  (clean circle, every half degree)", S);
    fig_use("code_vs_angle");
    fig_value("latent_dim", (double)latent);
    fig_value("worst_angle_deg", cut->worst_angle_deg);
}

/* ----------------------------------------------------------------------------
 * Appendix: the flags
 *
 * The knobs the text invites you to turn, their defaults, and what --quick
 * changes (a run of seconds, for the golden test). common/session reads them
 * with the common flags (--seed, --out, --quick, --quiet).
 * ------------------------------------------------------------------------- */
typedef struct autoencoder_config {
    long latent, hidden;    /* the network: 2 -> hidden -> latent -> hidden -> 2 */
    long points;            /* the data: points on the circle ...            */
    double noise;           /* ... and the sd of their noise                 */
    long batch;             /* rows per step                                 */
    recipe train;           /* optimiser, lr, restarts, audition and final steps */
} autoencoder_config;

static void quick_recipe(autoencoder_config *cfg, const cli *c)
{
    if (c->quick) {                 /* shorter, unless the user said otherwise */
        if (!cli_given(c, "steps"))
            cfg->train.steps = 5000;
        if (!cli_given(c, "audition-steps"))
            cfg->train.audition_steps = 500;
        if (!cli_given(c, "restarts"))
            cfg->train.restarts = 8;
    }
}

/* Start the run (common/session.h): the defaults, the flags, --out, the
 * seed; SESSION_PLAIN, as this chapter keeps no model to save or load. */
static void start(session *S, autoencoder_config *cfg, int argc, char **argv)
{
    *cfg = (autoencoder_config){.latent = 1, .hidden = 4, .points = 200, .noise = 0.05,
                                .batch = 32,
                                .train = {.optim = "adam", .lr = 0.01, .restarts = 32,
                                          .audition_steps = 1000, .steps = 20000}};
    recipe *rc = &cfg->train;
    cli_option opts[] = {
        {"latent-dim", CLI_INT, &cfg->latent, "numbers in the code (the bottleneck)", 1, 8, NULL, 0},
        {"hidden", CLI_INT, &cfg->hidden, "units in each hidden ReLU layer", 1, 256, NULL, 0},
        {"steps", CLI_INT, &rc->steps, "training steps of the best start, after its audition",
         1, 1000000, NULL, 0},
        {"lr", CLI_REAL, &rc->lr, "learning rate (annealed to 0 in the final training)", 1e-6,
         10.0, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "rows per step (>= points: full batch)", 1, 1000000, NULL,
         0},
        {"optimizer", CLI_CHOICE, &rc->optim, "optimiser of auditions and training", 0, 0,
         "sgd|adam", 0},
        {"restarts", CLI_INT, &rc->restarts, "random starts auditioned", 1, 100, NULL, 0},
        {"audition-steps", CLI_INT, &rc->audition_steps, "steps each start gets", 1, 1000000,
         NULL, 0},
        {"points", CLI_INT, &cfg->points, "points on the circle", 10, 100000, NULL, 0},
        {"noise", CLI_REAL, &cfg->noise, "std of the Gaussian noise on each coordinate", 0.0, 1.0,
         NULL, 0},
    };
    session_start(S, "02-autoencoder",
                  "an autoencoder 2-4-1-4-2 learns a noisy circle; PCA beside it", 42, opts,
                  sizeof opts / sizeof opts[0], SESSION_PLAIN, argc, argv);
    quick_recipe(cfg, &S->cli);
}

#ifndef GENLAB_TESTING
/* ----------------------------------------------------------------------------
 * 11. main
 * ------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    session S;
    autoencoder_config cfg;
    start(&S, &cfg, argc, argv);         /* the flags (appendix), --out, the seed */
    const size_t n = (size_t)cfg.points, H = (size_t)cfg.hidden, k = (size_t)cfg.latent;

    /* 1. The data */
    gsl_matrix *X = circle_grid(n, cfg.noise, S.rng);
    gsl_matrix *X_test = circle_random(n, cfg.noise, S.rng);
    printf("data: %zu points on the unit circle, noise sd %g (and %zu fresh test points)\n",
           n, cfg.noise, n);
    cfg.batch = batch_within(cfg.batch, n);

    /* 2. The network */
    autoencoder *ae = ae_new(H, k, n > SWEEP ? n : SWEEP);
    printf("autoencoder: 2 -> %zu -> %zu -> %zu -> 2, ReLU hidden layers, %zu parameters\n",
           H, k, H, ae->P->value->size);

    /* 8. The yardstick: PCA's first component */
    gsl_matrix *X_pca = gsl_matrix_alloc(n, 2);
    double pca_mse = pca1_yardstick(X, X_pca);

    /* 6-7. The source's recipe, then auditions and the winner trained on */
    training t = train_all(ae, X, &cfg.train, cfg.batch, pca_mse, S.rng, S.cli.quiet);

    /* 9. Where the code cuts the circle */
    gsl_matrix *sweep = gsl_matrix_alloc(SWEEP, 3 + k);
    cut_report cut = sweep_circle(ae, sweep);

    /* Results */
    record_results(&S.m, ae, X, X_test, pca_mse, &t, &cut);

    /* 10. Figures */
    write_loss_figure(S.cli.out, &t.src, t.aud, &cfg.train, t.best_at, cfg.batch, &t.fin, pca_mse);
    write_reconstruction_figure(S.cli.out, ae, X, X_pca, t.X_src, pca_mse, t.src_mse);
    write_code_figure(S.cli.out, sweep, k, &cut);

    session_finish(&S);                  /* results, metrics.txt, the figures */
    note("wrote %s", S.cli.out);

    training_free(&t);
    gsl_matrix_free(sweep);
    gsl_matrix_free(X_pca);
    ae_free(ae);
    gsl_matrix_free(X_test);
    gsl_matrix_free(X);
    return 0;
}
#endif
