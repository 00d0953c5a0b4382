/* ============================================================================
 * Chapter 01 -- The dense layer
 *
 * Every model in this course, from the 2-4-1-4-2 autoencoder to the MNIST
 * GAN, is built from one brick: the dense (fully connected) layer
 *
 *     Y = X W + b          X (batch, in)   W (in, out)   b (out)   Y (batch, out)
 *
 * followed by an element-wise nonlinearity. This chapter takes the brick
 * apart:
 *
 *   1. the forward pass, written out, on the source text's own test
 *      (batch 3, 4 -> 2);
 *   2. the backward pass, written out: what dW, db and dX are, and why
 *      backward() must COMPUTE gradients but never APPLY them;
 *   3. Xavier initialisation: why the weights start at sd sqrt(2/(in+out));
 *   4. the gradient check: how we know every backward pass in common/ is right;
 *   5. optimisers as a separate step: SGD and Adam fitting a linear map.
 *
 * Sections 1 and 2 write the layer out here, each line next to the equation
 * it computes: layer_forward and layer_backward. common/dense.c holds the
 * same code (dense_forward, dense_backward), and that copy is the one every
 * later chapter calls; section 2 checks, on the demo's numbers, that the two
 * agree to the last bit. Sections 3 to 5 run the chapter's own layer.
 * ========================================================================== */
#include "genlab.h"

/* The knobs of the chapter. Their defaults, their flags and what --quick
 * changes are in Appendix C at the end. */
typedef struct config {
    long fan_in, fan_out, batch;     /* the demo layer (sections 1, 2)      */
    long depth, width;               /* the initialisation study (3)        */
    long steps;                      /* the linear fit (5) ...              */
    double lr, adam_lr;              /* ... and its two learning rates      */
} config;

/* ----------------------------------------------------------------------------
 * 1. The forward pass
 *
 * One sample per row. Row i of Y is row i of X times W, plus b:
 *
 *     Y[i, j] = sum_k X[i, k] W[k, j] + b[j]
 *
 * All rows at once that is one matrix product, which gsl_blas_dgemm hands to
 * OpenBLAS, plus b in every row. We put b into every row of Y first and let
 * the one dgemm add X W on top of it (Y = 1.0 X W + 1.0 Y): that way Y goes
 * through memory once, not twice. The source text runs this on a batch of 3
 * random inputs of size 4 and a layer with 2 outputs; we do the same, with
 * our own random numbers.
 *
 * Where the numbers live: all of a network's parameters sit in one flat
 * block (common/params.h: a value vector and a grad vector of the same
 * size), so that an optimiser can treat every number alike. dense_bind takes
 * this layer's slice of the block and points four views at it: W and b into
 * the values, dW and db into the gradients. A `dense` is only those views.
 * ------------------------------------------------------------------------- */

/* Y = X W + b     X (batch, in)   W (in, out)   b (out)   Y (batch, out) */
static void layer_forward(const dense *L, const gsl_matrix *X, gsl_matrix *Y)
{
    for (size_t i = 0; i < Y->size1; i++) {         /* Y[i, :] = b, each row */
        gsl_vector_view row = gsl_matrix_row(Y, i);
        gsl_vector_memcpy(&row.vector, &L->b.vector);
    }
    /* Y = 1.0 * X W + 1.0 * Y          (batch, out) = (batch, in) (in, out) */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, &L->W.matrix, 1.0, Y);
}

static void print_matrix(const char *name, const gsl_matrix *M)
{
    printf("%s (%zu x %zu):\n", name, M->size1, M->size2);
    for (size_t i = 0; i < M->size1; i++) {
        printf("   ");
        for (size_t j = 0; j < M->size2; j++)
            printf(" %9.5f", gsl_matrix_get(M, i, j));
        printf("\n");
    }
}

/* The demo layer of sections 1 and 2, and the batch it is run on. */
typedef struct demo {
    params *P;
    dense layer;
    gsl_matrix *X, *Y;          /* input (batch, in), output (batch, out) */
} demo;

/* Few enough numbers to print them all? */
static int demo_printable(const demo *d)
{
    return d->X->size1 * (d->X->size2 + d->Y->size2) <= 64;
}

/* 1. forward, on the source's test: batch 3, 4 inputs, 2 outputs */
static void forward_demo(demo *d, gsl_rng *r, size_t batch, size_t in, size_t out)
{
    printf("== 1. Forward pass Y = X W + b, batch %zu, %zu -> %zu\n", batch, in, out);
    d->P = params_alloc(dense_size(in, out));
    dense_bind(&d->layer, d->P, in, out);
    dense_init_xavier(&d->layer, r);
    d->X = gsl_matrix_alloc(batch, in);
    d->Y = gsl_matrix_alloc(batch, out);
    rng_fill_gaussian(r, d->X, 0.0, 1.0);
    layer_forward(&d->layer, d->X, d->Y);            /* Y = X W + b (section 1) */
    printf("input shape  (%zu, %zu)\noutput shape (%zu, %zu)\n", d->X->size1, d->X->size2,
           d->Y->size1, d->Y->size2);
    if (demo_printable(d)) {
        print_matrix("X", d->X);
        print_matrix("W", &d->layer.W.matrix);
        print_matrix("Y", d->Y);
    }
}

static void demo_free(demo *d)
{
    gsl_matrix_free(d->X);
    gsl_matrix_free(d->Y);
    params_free(d->P);
}

/* ----------------------------------------------------------------------------
 * 2. The backward pass
 *
 * Suppose something downstream hands us dY = dL/dY, how the loss L changes
 * with each output. The chain rule through Y = X W + b gives three things:
 *
 *     dW = X^T dY          how L changes with each weight         (in, out)
 *     db = sum_rows dY     with each bias (b is added to every row) (out)
 *     dX = dY W^T          with each input: passed on to the layer before
 *
 * The source texts' DenseLayer.backward() computes these AND immediately does
 * W -= lr dW. That looks harmless in an autoencoder, but it breaks a GAN. To
 * train the generator G we must backpropagate G's loss THROUGH the
 * discriminator D (we need dX of D's first layer: how D's verdict changes
 * with the fake sample). If D's backward also updates D, then every generator
 * step secretly trains D to call the fakes real -- the opposite of D's job.
 * (Seed 000's GAN works around it by copying the layer maths out by hand,
 * "# Skip D update"; Keras needs `discriminator.trainable = False`.)
 *
 * So in genlab, backward only ADDS gradients into the network's parameter
 * block, and an optimiser (section 5) applies them when, and only when, we
 * ask. "Freeze D" is then simply "don't call D's optimiser".
 *
 * ADDS, not writes: dW and db accumulate (beta = 1.0 in the dgemm below), so
 * a layer used twice in one step -- D on a real batch and on a fake one --
 * sums both contributions. The price is that every step starts with
 * params_zero_grad. dX is different: it belongs to this one call and is
 * overwritten (beta = 0.0).
 * ------------------------------------------------------------------------- */

/* dW += X^T dY;  db += column sums of dY;  dX = dY W^T (if dX is wanted).
 * X is the input forward saw; dY (batch, out) = dL/dY. */
static void layer_backward(dense *L, const gsl_matrix *X, const gsl_matrix *dY,
                           gsl_matrix *dX)
{
    /* dW += X^T dY                     (in, out) = (in, batch) (batch, out) */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, X, dY, 1.0, &L->dW.matrix);
    for (size_t i = 0; i < dY->size1; i++) {        /* db += dY[i, :], each row */
        gsl_vector_const_view row = gsl_matrix_const_row(dY, i);
        gsl_vector_add(&L->db.vector, &row.vector);  /* (out) */
    }
    if (dX)     /* dX = dY W^T          (batch, in) = (batch, out) (out, in) */
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, dY, &L->W.matrix, 0.0, dX);
}

/* 2. backward with dY = 1 everywhere, i.e. L = sum of all outputs. Returns
 * 1 if backward changed the weights (a bug), else 0. */
static int backward_demo(demo *d)
{
    const size_t batch = d->X->size1;
    gsl_matrix *dY = gsl_matrix_alloc(batch, d->Y->size2);
    gsl_matrix *dX = gsl_matrix_alloc(batch, d->X->size2);
    gsl_matrix_set_all(dY, 1.0);
    gsl_vector *before = gsl_vector_alloc(d->P->value->size);
    gsl_vector_memcpy(before, d->P->value);
    params_zero_grad(d->P);
    layer_backward(&d->layer, d->X, dY, dX);         /* section 2 */
    printf("\n== 2. Backward pass with dY = 1 (L = sum of all outputs)\n");
    printf("db = (%g, ...): each bias is added once per row, so dL/db = batch = %zu\n",
           gsl_vector_get(&d->layer.db.vector, 0), batch);
    if (demo_printable(d)) {
        print_matrix("dW = X^T dY (column sums of X, repeated)", &d->layer.dW.matrix);
        print_matrix("dX = dY W^T (row sums of W, repeated)", dX);
    }
    int changed = !gsl_vector_equal(before, d->P->value);
    printf("weights changed by backward(): %s\n", changed ? "YES (bug)" : "no");
    gsl_matrix_free(dY);
    gsl_matrix_free(dX);
    gsl_vector_free(before);
    return changed;
}

/* The same layer as common/dense.c? Run both on the demo's X, W, b, and on
 * a dY with no pattern to hide behind: Y itself (the dL/dY of
 * L = sum Y^2 / 2). Both make the same BLAS calls and the same additions in
 * the same order, so they should agree to the last bit, not just closely. */
static double max_abs_diff(const double *a, const double *b, size_t n)
{
    double worst = 0.0;
    for (size_t k = 0; k < n; k++)
        worst = fmax(worst, fabs(a[k] - b[k]));
    return worst;
}

/* The largest difference between the two over Y, dW, db and dX. */
static double compare_with_common(demo *d)
{
    const size_t batch = d->X->size1, in = d->X->size2, out = d->Y->size2;
    gsl_matrix *Y_common = gsl_matrix_alloc(batch, out);
    gsl_matrix *dX = gsl_matrix_alloc(batch, in), *dX_common = gsl_matrix_alloc(batch, in);
    gsl_vector *grad = gsl_vector_alloc(d->P->grad->size);

    dense_forward(&d->layer, d->X, Y_common);        /* common's Y; ours is d->Y  */
    double diff = max_abs_diff(d->Y->data, Y_common->data, batch * out);
    params_zero_grad(d->P);
    layer_backward(&d->layer, d->X, d->Y, dX);       /* ours: dW, db, dX          */
    gsl_vector_memcpy(grad, d->P->grad);
    params_zero_grad(d->P);
    dense_backward(&d->layer, d->X, d->Y, dX_common);/* common's                  */
    diff = fmax(diff, max_abs_diff(grad->data, d->P->grad->data, grad->size));
    diff = fmax(diff, max_abs_diff(dX->data, dX_common->data, batch * in));

    printf("the chapter's layer equals common/dense.c (Y, dW, db, dX): %s\n",
           diff == 0.0 ? "yes, to the last bit" : diff <= 1e-15 ? "yes, within 1e-15" : "NO");
    gsl_matrix_free(Y_common);
    gsl_matrix_free(dX);
    gsl_matrix_free(dX_common);
    gsl_vector_free(grad);
    return diff;
}

/* ----------------------------------------------------------------------------
 * 3. Xavier initialisation
 *
 * Push a batch through many layers. Each output is a sum of `in` products,
 * so with independent unit-variance inputs its variance is in * Var(W). If
 * Var(W) is too big the signal grows layer after layer (and a tanh saturates,
 * so its gradient vanishes); too small and it shrinks to nothing. Glorot and
 * Bengio (2010) balance the forward pass (wants Var(W) = 1/in) against the
 * backward pass (wants 1/out) with
 *
 *     Var(W) = 2 / (in + out),    i.e.  W ~ N(0, 2 / (in + out))
 *
 * which is what the source texts' `np.sqrt(2.0 / (input_dim + output_dim))`
 * does and what dense_init_xavier does. We measure it: the standard
 * deviation of the activations after each of `depth` tanh layers, for three
 * choices of the weights' sd.
 * ------------------------------------------------------------------------- */
typedef struct init_study {
    const char *label;
    double sd;          /* weight sd; 0 means Xavier */
} init_study;

static void activation_spread(gsl_rng *r, size_t depth, size_t width, size_t batch,
                              const init_study *studies, size_t n_studies,
                              gsl_matrix *spread /* (depth + 1, 1 + n_studies) */)
{
    params *P = params_alloc(dense_size(width, width));
    dense L;
    dense_bind(&L, P, width, width);
    gsl_matrix *A = gsl_matrix_alloc(batch, width), *Z = gsl_matrix_alloc(batch, width);

    for (size_t s = 0; s < n_studies; s++) {
        rng_fill_gaussian(r, A, 0.0, 1.0);                 /* unit-variance input */
        gsl_matrix_set(spread, 0, 0, 0.0);
        gsl_matrix_set(spread, 0, 1 + s, gsl_stats_sd(A->data, 1, batch * width));
        for (size_t l = 1; l <= depth; l++) {
            if (studies[s].sd > 0.0)
                dense_init_normal(&L, r, studies[s].sd);
            else
                dense_init_xavier(&L, r);
            layer_forward(&L, A, Z);                       /* Z = A W + b */
            act_forward(ACT_TANH, Z, A);                   /* A = tanh(Z) */
            gsl_matrix_set(spread, l, 0, (double)l);
            gsl_matrix_set(spread, l, 1 + s, gsl_stats_sd(A->data, 1, batch * width));
        }
    }
    gsl_matrix_free(A);
    gsl_matrix_free(Z);
    params_free(P);
}

/* The three choices of the study: too large, too small, Xavier. */
static const init_study init_studies[] = {
    {"sd 1 (too large: tanh saturates)", 1.0},
    {"sd 0.01 (too small: signal dies)", 0.01},
    {"Xavier: sd sqrt(2/(in+out))", 0.0},
};
#define N_INIT_STUDIES (sizeof init_studies / sizeof init_studies[0])

/* The spread of the activations at the last layer, for two of the studies. */
typedef struct init_result {
    double small_sd, xavier_sd;
} init_result;

/* The spread, layer by layer, for each study (Appendix A). */
static void figure_xavier(const char *dir, const gsl_matrix *spread, size_t width);

/* 3. Xavier: the study and its table */
static init_result xavier_study(gsl_rng *r, const char *dir, size_t depth, size_t width)
{
    gsl_matrix *spread = gsl_matrix_alloc(depth + 1, 1 + N_INIT_STUDIES);
    activation_spread(r, depth, width, 64, init_studies, N_INIT_STUDIES, spread);
    printf("\n== 3. Initialisation: sd of activations after %zu tanh layers of width %zu\n",
           depth, width);
    for (size_t s = 0; s < N_INIT_STUDIES; s++)
        printf("  %-34s %.4f\n", init_studies[s].label, gsl_matrix_get(spread, depth, 1 + s));
    init_result res = {gsl_matrix_get(spread, depth, 2), gsl_matrix_get(spread, depth, 3)};
    figure_xavier(dir, spread, width);
    gsl_matrix_free(spread);
    return res;
}

/* ----------------------------------------------------------------------------
 * 4. The gradient check
 *
 * A backward pass is a hand-derived formula, and hand derivations go wrong
 * (a missing 1/N, a transposed product). The definition of a derivative is a
 * referee that cannot be wrong:
 *
 *     dL/dx_i  ~  ( L(x + h e_i) - L(x - h e_i) ) / (2 h)
 *
 * For each piece of common/ we build a tiny network around it (a "probe")
 *
 *     X -> dense (our layer_forward) -> piece -> loss
 *
 * compute the analytic gradient with the backward passes (the piece's, then
 * our layer_backward), and compare it, entry by entry, with central
 * differences (common/gradcheck.c), both for the parameters (W, b) and for
 * the input X. A correct pass agrees to rounding error (the table prints its
 * order of magnitude); anything above 1e-6 is a bug.
 *
 * The table below is one run of each probe. The test machinery lives in
 * tests/test_01_dense_layer.c: the same probes on other shapes and several
 * draws, the chapter's layer_backward checked on its own, a deliberately
 * wrong gradient to prove the check can fail, and the chapter's layer
 * against common/dense.c on shapes other than the demo's.
 * ------------------------------------------------------------------------- */
typedef enum { PROBE_ACTIVATION, PROBE_SOFTMAX, PROBE_BCE, PROBE_XENT, PROBE_KL } probe_kind;

typedef struct probe {
    probe_kind kind;
    act_kind act;               /* for PROBE_ACTIVATION                        */
    params *P;
    dense layer;
    gsl_matrix *X, *dX;         /* input and its gradient      (n, in)         */
    gsl_matrix *Z, *A, *dA, *dZ;/* pre/post activation, grads  (n, out)        */
    gsl_matrix *T;              /* targets                     (n, out)        */
    gsl_matrix *V, *dV;         /* KL only: logvar and its gradient (n, out)   */
} probe;

/* Forward pass and loss; fills A (and the loss's gradient dA if want_grad). */
static double probe_forward(probe *p, int want_grad)
{
    layer_forward(&p->layer, p->X, p->Z);            /* Z = X W + b */
    gsl_matrix *dA = want_grad ? p->dA : NULL;
    switch (p->kind) {
    case PROBE_ACTIVATION:
        act_forward(p->act, p->Z, p->A);
        return loss_mse(p->A, p->T, dA);
    case PROBE_SOFTMAX:
        softmax_forward(p->Z, p->A);
        return loss_mse(p->A, p->T, dA);
    case PROBE_BCE:
        return loss_bce_logits(p->Z, p->T, 0.0, dA);
    case PROBE_XENT:
        return loss_softmax_xent(p->Z, p->T, dA);
    case PROBE_KL:  /* the dense output plays mu, V plays logvar */
        return loss_kl_normal(p->Z, p->V, dA, want_grad ? p->dV : NULL);
    }
    return 0.0;
}

static double probe_loss(void *ctx)
{
    return probe_forward(ctx, 0);
}

/* The analytic gradients: forward, then backward through piece and layer. */
static void probe_backward(probe *p)
{
    params_zero_grad(p->P);
    probe_forward(p, 1);
    switch (p->kind) {
    case PROBE_ACTIVATION:
        act_backward(p->act, p->Z, p->A, p->dA, p->dZ);
        break;
    case PROBE_SOFTMAX:
        softmax_backward(p->A, p->dA, p->dZ);
        break;
    default:  /* losses on logits: their gradient is already dL/dZ */
        gsl_matrix_memcpy(p->dZ, p->dA);
    }
    layer_backward(&p->layer, p->X, p->dZ, p->dX);   /* dW, db, dX */
}

static probe *probe_new(gsl_rng *r, probe_kind kind, act_kind act,
                        size_t n, size_t in, size_t out)
{
    probe *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->kind = kind;
    p->act = act;
    p->P = params_alloc(dense_size(in, out));
    dense_bind(&p->layer, p->P, in, out);
    /* random weights AND biases, so that every term of the formulas matters */
    for (size_t i = 0; i < p->P->value->size; i++)
        gsl_vector_set(p->P->value, i, gsl_ran_gaussian(r, 0.7));
    p->X = gsl_matrix_alloc(n, in);
    p->dX = gsl_matrix_alloc(n, in);
    p->Z = gsl_matrix_alloc(n, out);
    p->A = gsl_matrix_alloc(n, out);
    p->dA = gsl_matrix_alloc(n, out);
    p->dZ = gsl_matrix_alloc(n, out);
    p->T = gsl_matrix_alloc(n, out);
    p->V = gsl_matrix_alloc(n, out);
    p->dV = gsl_matrix_alloc(n, out);
    rng_fill_gaussian(r, p->X, 0.0, 1.0);
    rng_fill_gaussian(r, p->V, 0.0, 0.5);
    if (kind == PROBE_BCE) {            /* targets: probabilities in [0, 1] */
        rng_fill_uniform(r, p->T, 0.0, 1.0);
    } else if (kind == PROBE_XENT) {    /* targets: one-hot rows */
        gsl_matrix_set_zero(p->T);
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(p->T, i, gsl_rng_uniform_int(r, out), 1.0);
    } else {
        rng_fill_gaussian(r, p->T, 0.0, 1.0);
    }
    return p;
}

static void probe_free(probe *p)
{
    gsl_matrix *all[] = {p->X, p->dX, p->Z, p->A, p->dA, p->dZ, p->T, p->V, p->dV};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gsl_matrix_free(all[i]);
    params_free(p->P);
    free(p);
}

/* Check one probe: parameters (dW, db) and inputs (dX; for KL also dlogvar).
 * Returns the worst relative error and prints one row of the table. */
static double probe_check(probe *p, const char *name)
{
    probe_backward(p);
    gradcheck_result wrt_params = gradcheck(probe_loss, p, p->P->value->data,
                                            p->P->grad->data, p->P->value->size, 100000);
    gradcheck_result wrt_input = gradcheck(probe_loss, p, p->X->data, p->dX->data,
                                           p->X->size1 * p->X->size2, 100000);
    double worst = fmax(wrt_params.max_rel_err, wrt_input.max_rel_err);
    size_t checked = wrt_params.checked + wrt_input.checked;
    if (p->kind == PROBE_KL) {
        gradcheck_result wrt_logvar = gradcheck(probe_loss, p, p->V->data, p->dV->data,
                                                p->V->size1 * p->V->size2, 100000);
        worst = fmax(worst, wrt_logvar.max_rel_err);
        checked += wrt_logvar.checked;
    }
    /* the exact digits of a rounding-level error differ between BLAS
     * kernels, so the log prints its order of magnitude only */
    printf("  %-34s %5zu entries   max rel err < 1e%+d\n", name, checked,
           worst > 0 ? (int)ceil(log10(worst)) : -16);
    return worst;
}

/* 4. gradient check of every piece of common/; returns the worst error */
static double check_all_gradients(gsl_rng *r, size_t n, size_t in, size_t out)
{
    struct { const char *name; probe_kind kind; act_kind act; } cases[] = {
        {"dense + identity + MSE", PROBE_ACTIVATION, ACT_IDENTITY},
        {"dense + relu + MSE", PROBE_ACTIVATION, ACT_RELU},
        {"dense + leaky relu + MSE", PROBE_ACTIVATION, ACT_LEAKY_RELU},
        {"dense + sigmoid + MSE", PROBE_ACTIVATION, ACT_SIGMOID},
        {"dense + tanh + MSE", PROBE_ACTIVATION, ACT_TANH},
        {"dense + softmax + MSE", PROBE_SOFTMAX, ACT_IDENTITY},
        {"dense + BCE on logits", PROBE_BCE, ACT_IDENTITY},
        {"dense + softmax cross-entropy", PROBE_XENT, ACT_IDENTITY},
        {"dense (as mu) + KL to N(0, 1)", PROBE_KL, ACT_IDENTITY},
    };
    double worst = 0.0;
    printf("\n== 4. Gradient check (central differences, h = %g), batch %zu, %zu -> %zu\n",
           GRADCHECK_H, n, in, out);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        probe *p = probe_new(r, cases[c].kind, cases[c].act, n, in, out);
        worst = fmax(worst, probe_check(p, cases[c].name));
        probe_free(p);
    }
    printf("worst relative error: %s 1e-6\n", worst < 1e-6 ? "below" : "ABOVE");
    return worst;
}

/* ----------------------------------------------------------------------------
 * 5. Optimisers: applying the gradient is a separate step
 *
 * With gradients computed, the optimiser decides how far to move. We fit one
 * dense layer to a known linear map, y = x A + c + noise, by minimising the
 * MSE, once with plain SGD (x -= lr g) and once with Adam, which rescales each
 * parameter's step by a running estimate of its gradient's size (optim.h has
 * the formulas). Both use the same backward pass; only the step differs.
 *
 * The training loop is the pattern of every chapter to come:
 *
 *     zero the gradients -> forward -> loss -> backward -> optimiser step
 *
 * Everything it touches was allocated before the loop starts.
 *
 * What to expect: this problem is convex and well scaled, so plain SGD heads
 * straight for the answer and reaches the noise floor (MSE = 0.01^2) first.
 * Adam's step is about lr per parameter whatever the gradient's size (it
 * divides by the gradient's running RMS), so it crosses a distance of order
 * |A| in roughly |A| / lr steps. Adam earns its keep on the badly scaled,
 * ever-moving losses of the later chapters, not here.
 * ------------------------------------------------------------------------- */
typedef struct fit_result {
    double final_loss;
    double weight_err;   /* max |W - A| after training */
} fit_result;

static fit_result fit_linear_map(gsl_rng *r, optim_kind kind, double lr, long steps,
                                 size_t batch, size_t in, size_t out,
                                 const gsl_matrix *A_true, const gsl_vector *c_true,
                                 history *log, int quiet)
{
    params *P = params_alloc(dense_size(in, out));
    dense L;
    dense_bind(&L, P, in, out);
    dense_init_xavier(&L, r);
    optimizer *opt = kind == OPTIM_ADAM ? optim_adam(P, lr, 0.9, 0.999) : optim_sgd(P, lr, 0.0);

    gsl_matrix *X = gsl_matrix_alloc(batch, in), *Y = gsl_matrix_alloc(batch, out);
    gsl_matrix *Yhat = gsl_matrix_alloc(batch, out), *dYhat = gsl_matrix_alloc(batch, out);
    progress prog;
    progress_start(&prog, steps, quiet);
    double loss = 0.0;
    for (long step = 1; step <= steps; step++) {
        /* a fresh batch: y = x A + c + N(0, 0.01^2) */
        rng_fill_gaussian(r, X, 0.0, 1.0);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, A_true, 0.0, Y);
        mat_add_row_vector(Y, c_true);
        rng_add_gaussian(r, Y, 0.01);

        params_zero_grad(P);
        layer_forward(&L, X, Yhat);                   /* Yhat = X W + b          */
        loss = loss_mse(Yhat, Y, dYhat);              /* L = mean (Yhat - Y)^2   */
        check_finite(loss, kind == OPTIM_ADAM ? "Adam fit loss" : "SGD fit loss", step);
        layer_backward(&L, X, dYhat, NULL);           /* dW, db (X needs no dX)  */
        optim_step(opt);                              /* W -= ..., b -= ...      */

        history_add(log, step, &loss);                /* the loss curve          */
        progress_report(&prog, step, "loss %.4g", loss);
    }
    progress_end(&prog);

    fit_result res = {loss, 0.0};
    for (size_t i = 0; i < in; i++)
        for (size_t j = 0; j < out; j++)
            res.weight_err = fmax(res.weight_err, fabs(gsl_matrix_get(&L.W.matrix, i, j) -
                                                       gsl_matrix_get(A_true, i, j)));
    gsl_matrix_free(X); gsl_matrix_free(Y); gsl_matrix_free(Yhat); gsl_matrix_free(dYhat);
    optim_free(opt);
    params_free(P);
    return res;
}

typedef struct fit_pair {
    fit_result sgd, adam;
} fit_pair;

/* Both loss curves on one plot (Appendix A). */
static void figure_optimizers(const char *dir, const history *sgd, const history *adam);

/* 5. SGD vs Adam on y = x A + c, from the same start */
static fit_pair sgd_vs_adam(session *S, size_t in, size_t out, long steps, double lr,
                            double adam_lr)
{
    gsl_matrix *A_true = gsl_matrix_alloc(in, out);
    gsl_vector *c_true = gsl_vector_alloc(out);
    rng_fill_gaussian(S->rng, A_true, 0.0, 1.0);
    for (size_t j = 0; j < c_true->size; j++)
        gsl_vector_set(c_true, j, gsl_ran_gaussian(S->rng, 1.0));
    history *sgd_log = history_new((size_t)steps, 10, "mse");
    history *adam_log = history_new((size_t)steps, 10, "mse");
    fit_pair fit;
    fit.sgd = fit_linear_map(S->rng, OPTIM_SGD, lr, steps, 32, in, out, A_true, c_true,
                             sgd_log, S->cli.quiet);
    fit.adam = fit_linear_map(S->rng, OPTIM_ADAM, adam_lr, steps, 32, in, out, A_true, c_true,
                              adam_log, S->cli.quiet);
    printf("\n== 5. Fitting y = x A + c (%ld steps, batch 32)\n", steps);
    printf("  SGD  lr %-8g final MSE %.3e   max |W - A| %.2e\n", lr, fit.sgd.final_loss,
           fit.sgd.weight_err);
    printf("  Adam lr %-8g final MSE %.3e   max |W - A| %.2e\n", adam_lr, fit.adam.final_loss,
           fit.adam.weight_err);
    figure_optimizers(S->cli.out, sgd_log, adam_log);
    history_free(sgd_log);
    history_free(adam_log);
    gsl_matrix_free(A_true);
    gsl_vector_free(c_true);
    return fit;
}

/* ----------------------------------------------------------------------------
 * Appendix A. What the figures need
 *
 * The scripts are the .gp files in chapters/01-dense-layer/figures/; the
 * writers below give them their data files and the numbers of this run
 * (values.gp, common/figure.h).
 * ------------------------------------------------------------------------- */

/* xavier.gp: the sd of the activations, layer by layer, one line per study */
static void figure_xavier(const char *dir, const gsl_matrix *spread, size_t width)
{
    out_write_matrix(dir, "init_spread.dat", "layer  sd(sd=1)  sd(sd=0.01)  sd(xavier)", spread);
    fig_use("xavier");
    fig_value("layer_width", (double)width);
    fig_value("n_studies", (double)N_INIT_STUDIES);
    for (size_t s = 0; s < N_INIT_STUDIES; s++) {
        char name[32];
        snprintf(name, sizeof name, "study_label_%zu", s + 1);
        fig_text(name, "%s", init_studies[s].label);
    }
}

/* optimizers.gp: the two loss curves (step, mse, its trailing mean) */
static void figure_optimizers(const char *dir, const history *sgd, const history *adam)
{
    history_write(sgd, dir, "loss_sgd.dat");
    history_write(adam, dir, "loss_adam.dat");
    fig_use("optimizers");
}

/* ----------------------------------------------------------------------------
 * Appendix B. The results
 *
 * What the sections measured, for the results block and metrics.txt
 * (session_finish prints and writes them); tests/goals/01-dense-layer.goals
 * checks them for several seeds.
 * ------------------------------------------------------------------------- */
static void record_results(metrics *m, int backward_changed, double vs_common,
                           const init_result *init, double grad_err, const fit_pair *fit)
{
    metrics_set(m, "backward_changed_weights", backward_changed);
    metrics_set(m, "chapter_vs_common_max_diff", vs_common);
    metrics_set(m, "xavier_last_layer_sd", init->xavier_sd);
    metrics_set(m, "small_init_last_layer_sd", init->small_sd);
    metrics_set(m, "gradcheck_max_rel_err", grad_err);
    metrics_set(m, "sgd_fit_mse", fit->sgd.final_loss);
    metrics_set(m, "adam_fit_mse", fit->adam.final_loss);
    metrics_set(m, "sgd_weight_err", fit->sgd.weight_err);
    metrics_set(m, "adam_weight_err", fit->adam.weight_err);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags
 *
 * The knobs a student may turn, their defaults, and what --quick changes
 * (a run of a second or so, for the golden test). common/session reads them
 * with the common flags (--seed, --out, --quick, --quiet).
 * ------------------------------------------------------------------------- */

/* The recipe: the defaults a run changes by itself. --quick takes fewer
 * steps and narrower layers, unless the flag was given. */
static void recipe(config *cfg, const cli *c)
{
    if (!c->quick)
        return;
    if (!cli_given(c, "steps")) cfg->steps = 150;
    if (!cli_given(c, "width")) cfg->width = 64;
}

/* Start the run (common/session.h): the defaults, the flags, --out, the
 * seed; SESSION_PLAIN, as this chapter keeps no model to save or load. */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.fan_in = 4, .fan_out = 2, .batch = 3, .depth = 10,
                    .width = 256, .steps = 500, .lr = 0.05, .adam_lr = 0.02};
    cli_option options[] = {
        {"fan-in", CLI_INT, &cfg->fan_in, "inputs of the demo layer", 1, 1000, NULL, 0},
        {"fan-out", CLI_INT, &cfg->fan_out, "outputs of the demo layer", 1, 1000, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "rows in the demo batch", 1, 10000, NULL, 0},
        {"depth", CLI_INT, &cfg->depth, "tanh layers in the initialisation study", 1, 100, NULL, 0},
        {"width", CLI_INT, &cfg->width, "units per layer in the initialisation study", 2, 4096, NULL, 0},
        {"steps", CLI_INT, &cfg->steps, "training steps of the linear fit", 1, 1000000, NULL, 0},
        {"lr", CLI_REAL, &cfg->lr, "SGD learning rate of the linear fit", 1e-12, 1e12, NULL, 0},
        {"adam-lr", CLI_REAL, &cfg->adam_lr, "Adam learning rate of the linear fit", 1e-12, 1e12, NULL, 0},
    };
    session_start(S, "01-dense-layer", "The dense layer: forward, backward, Xavier init, gradient check.",
                  42, options, sizeof options / sizeof options[0], SESSION_PLAIN, argc, argv);
    recipe(cfg, &S->cli);
}

#ifndef GENLAB_TESTING
/* ----------------------------------------------------------------------------
 * main: the lesson's outline
 * ------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);         /* the flags (Appendix C), --out, the seed */

    /* 1-2. One layer, forward and backward written out, on the source's test */
    demo d;
    forward_demo(&d, S.rng, (size_t)cfg.batch, (size_t)cfg.fan_in, (size_t)cfg.fan_out);
    int changed = backward_demo(&d);
    double vs_common = compare_with_common(&d);   /* ... the same code as common/dense.c */
    demo_free(&d);

    /* 3. How the size of the initial weights decides what reaches the last layer */
    init_result init = xavier_study(S.rng, S.cli.out, (size_t)cfg.depth, (size_t)cfg.width);

    /* 4. Every backward pass in common/, against central differences */
    double grad_err = check_all_gradients(S.rng, 5, 4, 3);

    /* 5. Applying the gradient is a separate step: SGD and Adam on y = x A + c */
    fit_pair fit = sgd_vs_adam(&S, (size_t)cfg.fan_in, (size_t)cfg.fan_out, cfg.steps, cfg.lr,
                               cfg.adam_lr);

    record_results(&S.m, changed, vs_common, &init, grad_err, &fit);   /* Appendix B */
    session_finish(&S);                  /* results, metrics.txt, the figures */
    return 0;
}
#endif
