/* wgan.c -- chapter 07: the Wasserstein GAN, with weight clipping and with a
 * gradient penalty.
 *
 * Chapters 05 and 06 trained a discriminator that answers "how likely is this
 * sample to be real?" with a probability. When the real and the generated
 * samples sit in different places, a good discriminator answers "not at all"
 * for every fake, its sigmoid is flat there, and the generator learns little
 * about WHICH WAY to move. The Wasserstein GAN (Arjovsky, Chintala and Bottou,
 * 2017) replaces the probability with a score, and the classifier with a
 * "critic" whose score difference between real and fake data estimates the
 * Earth Mover's distance: how much probability mass must be moved, and how
 * far, to turn one distribution into the other. That distance keeps shrinking
 * smoothly as the generator gets closer, even when the two never overlap.
 *
 * The catch is a constraint on the critic (section 1), and the chapter is
 * about the two classic ways to impose it:
 *
 *     clip   weight clipping: RMSProp, lr 5e-5, every parameter in
 *            [-0.01, 0.01], 5 critic steps per generator step
 *            (Arjovsky et al.; section 4)
 *     gp     gradient penalty, lambda 10, Adam (0.5, 0.9), no clipping
 *            (Gulrajani et al., 2017). It needs the gradient of a gradient:
 *            section 5 derives it and writes it out by hand, section 7
 *            finds a trap in it and the fix.
 *
 * on two targets:
 *
 *     ring      8 Gaussians on a circle of radius 2, sd 0.02 each (2D)
 *     bimodal   1/2 N(-2, 0.3^2) + 1/2 N(+2, 0.3^2)     (1D; sd 0.3 as in
 *               chapter 05 and seed 004, where seed 000 uses 0.2)
 *
 * In 1D the true Wasserstein distance between two samples can be computed
 * exactly, so we can watch the critic's estimate against the truth.
 *
 * Run:   make bin/07-wgan && bin/07-wgan          (clip and gp, both targets)
 *        bin/07-wgan --method gp --target ring    (one run)
 *        bin/07-wgan --help                       (every knob)
 *        bin/07-wgan --save F, then --load F --generate 1000   (section 12)
 * ========================================================================== */
#include "genlab.h"

/* ----------------------------------------------------------------------------
 * 1. A critic instead of a discriminator: the source's conceptual numbers
 *
 * The Wasserstein-1 distance between the data distribution P_r and the
 * generator's P_g has a dual form (Kantorovich-Rubinstein):
 *
 *     W1(P_r, P_g) = max over f with |f(x) - f(y)| <= |x - y| of
 *                    E_{x ~ P_r} f(x) - E_{x ~ P_g} f(x)
 *
 * The critic D is a network playing f. It has no sigmoid: its output is a
 * score, any real number. Its loss and the generator's are
 *
 *     L_D = mean D(fake) - mean D(real)     (minimised: real high, fake low)
 *     L_G = -mean D(fake)                   (minimised: fakes scored high)
 *
 * and -L_D is the critic's estimate of W1. Seed 000 shows these formulas on
 * made-up scores: 100 "real" scores drawn from N(2, 1), 100 "fake" ones from
 * N(-1, 1). We do the same with our own random numbers (section 1 of the
 * log). Three remarks on what it prints:
 *
 *  - The "Earth Mover distance estimate" of about 3 is not a distance of
 *    anything. W1 is the maximum over 1-LIPSCHITZ functions only (slope at
 *    most 1 everywhere). Made-up scores obey no such bound: multiply every
 *    score by 10 and the "distance" becomes 30. Without the constraint the
 *    critic can make its estimate as large as it likes, and training it
 *    diverges. Sections 4 and 5 are the two ways to impose the constraint.
 *
 *  - The "gradient magnitude for G" it prints, |mean(-1 / 100)| = 0.01, is
 *    dL_G / dD(fake_i), the derivative with respect to each SCORE. That part
 *    is indeed constant. But the generator needs dL_G / dx_i, which is
 *    -(1/n) dD/dx at its sample: the critic's slope. That is not constant
 *    at all; it is exactly what the Lipschitz constraint keeps bounded (not
 *    exploding) while the critic's training keeps it informative (not zero).
 *    "No vanishing gradient" is a property of a well-trained, constrained
 *    critic, not of the loss formula.
 *
 *  - Its clipping example clips N(0, 0.5^2) weights to [-0.01, 0.01]: nearly
 *    all of them land exactly on a bound. Keep that in mind for section 4.
 * ------------------------------------------------------------------------- */
static void conceptual_numbers(gsl_rng *r, metrics *m)
{   /* everything here is made up, as in the source: no network yet */
    enum { N = 100 };
    double d_real[N], d_fake[N];
    for (size_t i = 0; i < N; i++) {
        d_real[i] = 2.0 + gsl_ran_gaussian(r, 1.0);   /* "the critic rates real highly" */
        d_fake[i] = -1.0 + gsl_ran_gaussian(r, 1.0);  /* "and fakes low"                */
    }
    const double mr = gsl_stats_mean(d_real, 1, N), mf = gsl_stats_mean(d_fake, 1, N);
    const double d_loss = -(mr - mf), g_loss = -mf;
    printf("1. The source's conceptual numbers (100 made-up scores each)\n");
    printf("   real scores ~ N(2, 1), fake scores ~ N(-1, 1)\n");
    printf("   critic loss  mean D(fake) - mean D(real) = %.4f\n", d_loss);
    printf("   G loss       -mean D(fake)               = %.4f\n", g_loss);
    printf("   'W1 estimate' mean D(real) - mean D(fake) = %.4f; scores x 10: %.4f (no Lipschitz bound, no distance)\n",
           mr - mf, 10.0 * (mr - mf));
    printf("   dL_G/dD(fake_i) = -1/%d = %.4f for every sample; dL_G/dx_i = -(1/%d) dD/dx depends on the critic\n",
           N, -1.0 / N, N);

    /* the source's clipping example: a 4 x 4 N(0, 0.5^2) matrix clipped to 0.01 */
    size_t at_bound = 0;
    double lo = 1e300, hi = -1e300;
    for (size_t i = 0; i < 16; i++) {
        double w = gsl_ran_gaussian(r, 0.5);
        lo = fmin(lo, w);
        hi = fmax(hi, w);
        at_bound += fabs(w) >= 0.01;
    }
    printf("   clipping 16 weights ~ N(0, 0.5^2), range [%.3f, %.3f], to [-0.01, 0.01]: %zu of 16 end on a bound\n",
           lo, hi, at_bound);
    metrics_set(m, "concept_d_loss", d_loss);
    metrics_set(m, "concept_g_loss", g_loss);
}

/* ----------------------------------------------------------------------------
 * 2. The real data
 *
 *     ring:     pick k in 0..7 uniformly, x = 2 (cos 2 pi k/8, sin 2 pi k/8)
 *               + N(0, 0.02^2 I)                                 x (n, 2)
 *     bimodal:  x = s + N(0, 0.3^2), s = -2 or +2 with probability 1/2
 *                                                                x (n, 1)
 *
 * The ring is the standard mode-collapse benchmark (chapter 06 uses it too):
 * eight tiny, well separated targets. Its modes are so narrow (sd 0.02 at a
 * distance 1.53 from each other) that a generator must be a very steep map
 * to hit them sharply: a continuous G always leaves some mass on the way
 * between modes. Section 8 measures both things separately.
 * ------------------------------------------------------------------------- */
typedef enum { TARGET_RING, TARGET_BIMODAL } target_kind;

#define RING_MODES 8
#define RING_RADIUS 2.0
#define RING_SD 0.02
#define BI_AT 2.0
#define SANE_RANGE 1e4   /* every target lies within +-3: a sample past this means G diverged */
#define BI_SD 0.3

static const char *target_name(target_kind t)
{
    return t == TARGET_RING ? "ring" : "bimodal";
}

static size_t target_dim(target_kind t)
{
    return t == TARGET_RING ? 2 : 1;
}

/* the ring's modes (centres, sd) as common/toy.h holds them */
static toy_modes ring_target(void)
{
    return toy_ring(RING_MODES, RING_RADIUS, RING_SD);
}

static void real_batch(target_kind t, gsl_rng *r, gsl_matrix *X)   /* X (n, dim) */
{
    if (t == TARGET_RING) {
        const toy_modes ring = ring_target();
        toy_sample(&ring, r, X);           /* a mode k in 0..7, then x, then y */
        return;
    }
    for (size_t i = 0; i < X->size1; i++)
        gsl_matrix_set(X, i, 0, toy_bimodal_draw(r, BI_AT, BI_SD));   /* coin, then x */
}

static double bimodal_density(double x)
{
    return toy_bimodal_pdf(x, BI_AT, BI_SD);
}

/* ----------------------------------------------------------------------------
 * 3. The critic, written out by hand
 *
 * The critic is an MLP with DEPTH hidden layers of H units and one linear
 * output, no sigmoid:
 *
 *     z_0 = x W_0 + b_0,          a_0 = f(z_0)         x (n, d), W_0 (d, H)
 *     z_l = a_{l-1} W_l + b_l,    a_l = f(z_l)         W_l (H, H), l = 1..DEPTH-1
 *     D   = a_{DEPTH-1} w + c                          w (H, 1), D (n, 1)
 *
 * Why not common/mlp.h, as for the generator? Because the gradient penalty
 * (section 5) needs more than forward and backward: it needs the critic's
 * gradient with respect to its INPUT, dD/dx, as a quantity in its own right,
 * and then the derivative of a function of dD/dx with respect to the
 * weights. For that we keep every intermediate of the input-gradient pass,
 * so the critic is written here, from common/dense.h pieces.
 *
 * f is LeakyReLU (slope 0.2 below zero; --act relu for plain ReLU). Both
 * are PIECEWISE LINEAR: f'(z) is 1 or 0.2 (or 0), a constant on each side of
 * zero, so f''(z) = 0 everywhere except at z = 0 itself, a set of measure
 * zero that a float practically never hits. (LeakyReLU is not smooth, it has
 * a kink at 0; what matters is that its slope is locally constant.) Section 5
 * uses this: the slopes M_l = f'(z_l) do not change when a weight moves a
 * little, so they behave as constants in the second derivative.
 *
 * Forward keeps z_l, a_l and the slopes M_l = f'(z_l), all (n, H).
 * ------------------------------------------------------------------------- */
#define DEPTH 3                    /* hidden layers, in the critic and in G */

typedef struct critic {
    size_t in, hidden, max_rows, n;
    act_kind act;                  /* ACT_LEAKY_RELU or ACT_RELU           */
    params *P;
    dense layer[DEPTH + 1];        /* DEPTH hidden layers, then the output */
    /* owned buffers, (max_rows, H) unless noted */
    gsl_matrix *Zb[DEPTH], *Ab[DEPTH], *Mb[DEPTH], *Eb[DEPTH];
    gsl_matrix *dAb, *dZb;         /* backward scratch                      */
    gsl_matrix *outb;              /* (max_rows, 1) D(x)                    */
    gsl_matrix *gradb, *Ub;        /* (max_rows, in) dD/dx and dP/d(dD/dx)  */
    /* views of the first n rows, set by critic_forward */
    gsl_matrix_view z[DEPTH], a[DEPTH], m[DEPTH], e[DEPTH];
    gsl_matrix_view out, grad;
    const gsl_matrix *X;           /* the input of the last forward pass    */
} critic;

static critic *critic_new(size_t in, size_t hidden, act_kind act, size_t max_rows)
{
    critic *C = calloc(1, sizeof *C);
    if (!C)
        die("out of memory");
    C->in = in;
    C->hidden = hidden;
    C->act = act;
    C->max_rows = max_rows;
    size_t total = dense_size(in, hidden) + (DEPTH - 1) * dense_size(hidden, hidden)
                 + dense_size(hidden, 1);
    C->P = params_alloc(total);
    for (size_t l = 0; l < DEPTH; l++) {
        dense_bind(&C->layer[l], C->P, l == 0 ? in : hidden, hidden);
        C->Zb[l] = gsl_matrix_calloc(max_rows, hidden);
        C->Ab[l] = gsl_matrix_calloc(max_rows, hidden);
        C->Mb[l] = gsl_matrix_calloc(max_rows, hidden);
        C->Eb[l] = gsl_matrix_calloc(max_rows, hidden);
    }
    dense_bind(&C->layer[DEPTH], C->P, hidden, 1);
    C->dAb = gsl_matrix_calloc(max_rows, hidden);
    C->dZb = gsl_matrix_calloc(max_rows, hidden);
    C->outb = gsl_matrix_calloc(max_rows, 1);
    C->gradb = gsl_matrix_calloc(max_rows, in);
    C->Ub = gsl_matrix_calloc(max_rows, in);
    return C;
}

static void critic_free(critic *C)
{
    for (size_t l = 0; l < DEPTH; l++) {
        gsl_matrix_free(C->Zb[l]);
        gsl_matrix_free(C->Ab[l]);
        gsl_matrix_free(C->Mb[l]);
        gsl_matrix_free(C->Eb[l]);
    }
    gsl_matrix_free(C->dAb);
    gsl_matrix_free(C->dZb);
    gsl_matrix_free(C->outb);
    gsl_matrix_free(C->gradb);
    gsl_matrix_free(C->Ub);
    params_free(C->P);
    free(C);
}

static void critic_init(critic *C, gsl_rng *r)
{
    for (size_t l = 0; l <= DEPTH; l++)
        dense_init_xavier(&C->layer[l], r);
}

/* For a piecewise-linear f the slope says everything: with M = f'(Z),
 * f(Z) = M * Z entry by entry (z > 0: 1 z; z < 0: 0.2 z or 0 z). One pass
 * over Z fills both A = f(Z) and M. (Plain loops over rows: this runs for
 * every hidden unit of every sample, several times per step.) */
static void act_with_slopes(act_kind act, const gsl_matrix *Z, gsl_matrix *A, gsl_matrix *M)
{
    const double below = act == ACT_LEAKY_RELU ? ACT_LEAKY_SLOPE : 0.0;
    for (size_t i = 0; i < Z->size1; i++) {
        const double *z = gsl_matrix_const_ptr(Z, i, 0);
        double *a = gsl_matrix_ptr(A, i, 0), *m = gsl_matrix_ptr(M, i, 0);
        for (size_t j = 0; j < Z->size2; j++) {
            m[j] = z[j] > 0.0 ? 1.0 : below;
            a[j] = m[j] * z[j];
        }
    }
}

/* Z = X W + b, as dense_forward in common/dense.c, but with the bias
 * copied into every row first and the product added on top (one BLAS call
 * with beta = 1): the critic runs this many times per step, on small
 * batches, where adding b row by row through GSL calls costs a tenth of
 * the time. */
static void affine(const dense *L, const gsl_matrix *X, gsl_matrix *Z)
{
    const double *b = L->b.vector.data;
    const size_t stride = L->b.vector.stride;
    for (size_t i = 0; i < Z->size1; i++) {
        double *z = gsl_matrix_ptr(Z, i, 0);
        for (size_t j = 0; j < Z->size2; j++)
            z[j] = b[j * stride];
    }
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, &L->W.matrix, 1.0, Z);
}

/* D(x) for the n rows of X (n <= max_rows). Returns the (n, 1) scores. */
static const gsl_matrix *critic_forward(critic *C, const gsl_matrix *X)
{
    const size_t n = X->size1;
    C->n = n;
    C->X = X;
    const gsl_matrix *in = X;
    for (size_t l = 0; l < DEPTH; l++) {
        C->z[l] = mat_rows(C->Zb[l], n);
        C->a[l] = mat_rows(C->Ab[l], n);
        C->m[l] = mat_rows(C->Mb[l], n);
        C->e[l] = mat_rows(C->Eb[l], n);
        affine(&C->layer[l], in, &C->z[l].matrix);                    /* z = a W + b */
        act_with_slopes(C->act, &C->z[l].matrix, &C->a[l].matrix,     /* a = f(z),   */
                        &C->m[l].matrix);                             /* M = f'(z)   */
        in = &C->a[l].matrix;
    }
    C->out = mat_rows(C->outb, n);
    C->grad = mat_rows(C->gradb, n);
    affine(&C->layer[DEPTH], in, &C->out.matrix);                     /* D = a w + c */
    return &C->out.matrix;
}

/* The ordinary backward pass. Given dOut = dL/dD (n, 1) for the last forward
 * pass, ADD dL/dW_l, dL/db_l, dL/dw, dL/dc into C->P->grad:
 *
 *     dA = dOut w^T;   then for l = DEPTH-1 .. 0:
 *     dZ_l = dA * M_l;   dW_l += a_{l-1}^T dZ_l;   db_l += sum_rows dZ_l;
 *     dA = dZ_l W_l^T                                                      */
static void critic_backward(critic *C, const gsl_matrix *dOut)
{
    const size_t n = C->n;
    gsl_matrix_view dA = mat_rows(C->dAb, n), dZ = mat_rows(C->dZb, n);
    dense_backward(&C->layer[DEPTH], &C->a[DEPTH - 1].matrix, dOut, &dA.matrix);
    for (size_t l = DEPTH; l-- > 0;) {
        gsl_matrix_memcpy(&dZ.matrix, &dA.matrix);
        gsl_matrix_mul_elements(&dZ.matrix, &C->m[l].matrix);        /* dZ = dA * f'(z) */
        const gsl_matrix *in = l == 0 ? C->X : &C->a[l - 1].matrix;
        dense_backward(&C->layer[l], in, &dZ.matrix, l == 0 ? NULL : &dA.matrix);
    }
}

/* ----------------------------------------------------------------------------
 * 3b. The critic's gradient with respect to its input
 *
 * Backpropagate the score itself (dOut = 1 for every row) down to x, without
 * touching the parameter gradients. Row by row, E_l = dD/dz_l:
 *
 *     E_{DEPTH-1} = w^T * M_{DEPTH-1}              (each row: w^T times its slopes)
 *     E_{l-1}     = (E_l W_l^T) * M_{l-1}           l = DEPTH-1 .. 1
 *     g           = E_0 W_0^T                       g = dD/dx, (n, d)
 *
 * (* is the entry-by-entry product.) Two users: the generator, whose
 * samples move along -(1/n) g (section 6), and the gradient penalty, which
 * wants the length of g to be 1 (section 5). We keep every E_l for the
 * latter.
 * ------------------------------------------------------------------------- */
static const gsl_matrix *critic_input_grad(critic *C)
{
    const size_t L = DEPTH - 1;
    gsl_matrix *E = &C->e[L].matrix;
    const gsl_matrix *w = &C->layer[DEPTH].W.matrix;                  /* (H, 1) */
    for (size_t i = 0; i < C->n; i++) {                      /* E = w^T * M, row by row */
        double *e = gsl_matrix_ptr(E, i, 0);
        const double *m = gsl_matrix_const_ptr(&C->m[L].matrix, i, 0);
        for (size_t k = 0; k < C->hidden; k++)
            e[k] = w->data[k * w->tda] * m[k];
    }
    for (size_t l = L; l > 0; l--) {          /* E_{l-1} = (E_l W_l^T) * M_{l-1} */
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &C->e[l].matrix, &C->layer[l].W.matrix,
                       0.0, &C->e[l - 1].matrix);
        gsl_matrix_mul_elements(&C->e[l - 1].matrix, &C->m[l - 1].matrix);
    }
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &C->e[0].matrix, &C->layer[0].W.matrix,
                   0.0, &C->grad.matrix);                              /* g = E_0 W_0^T */
    return &C->grad.matrix;
}

/* ----------------------------------------------------------------------------
 * 4. Keeping the critic 1-Lipschitz, way 1: weight clipping
 *
 * A network whose every weight lies in [-c, c] has a bounded slope: each
 * layer can stretch its input by at most (fan-in) x c, and the piecewise-
 * linear activations stretch nothing, so |dD/dx| <= K for some K that
 * depends on c and the widths. Not 1, but SOME K: the critic then estimates
 * K x W1 instead of W1, and an unknown constant factor does not change which
 * way the generator should move. Arjovsky et al. clip every parameter to
 * [-0.01, 0.01] after every critic step, and use RMSProp with lr 5e-5
 * (momentum-based optimisers made their critic unstable).
 *
 * The price, which Gulrajani et al. measured and this chapter's results show
 * again: the critic would like steeper slopes than the box allows, so its
 * parameters pile up on the walls (+-c; 20-50 % of them by the end here),
 * like the source's 4 x 4 example in section 1. A network of almost-binary
 * weights is a poor function class: the critic ends up with simple, nearly
 * planar value surfaces (figure critic_ring_clip), and the slope it hands to
 * the generator is tiny (of order 1e-4 here). RMSProp rescales G's step to
 * about lr whatever the gradient's size, so G still moves, but at lr 5e-5
 * it moves slowly: the paper trains for 100 000 generator steps and more,
 * this chapter for 2000.
 * ------------------------------------------------------------------------- */
static void clip_weights(params *P, double c)
{
    for (size_t i = 0; i < P->value->size; i++) {
        double *v = gsl_vector_ptr(P->value, i);
        *v = fmin(c, fmax(-c, *v));
    }
}

static double share_at_bound(const params *P, double c)
{
    size_t k = 0;
    for (size_t i = 0; i < P->value->size; i++)
        k += fabs(gsl_vector_get(P->value, i)) >= c * (1.0 - 1e-9);
    return (double)k / (double)P->value->size;
}

/* ----------------------------------------------------------------------------
 * 5. Way 2: the gradient penalty, and the gradient of a gradient
 *
 * A differentiable function is 1-Lipschitz exactly when |dD/dx| <= 1
 * everywhere, and the optimal critic has |dD/dx| = 1 on the lines along
 * which mass moves from generated to real points. Gulrajani et al.
 * therefore drop the clipping and add a soft penalty on the slope, at random
 * points between real and generated samples:
 *
 *     x_hat_i = eps_i x_real_i + (1 - eps_i) x_fake_i,     eps_i ~ U[0, 1]
 *     P       = lambda / n  sum_i ( |g_i| - 1 )^2,          g_i = dD/dx at x_hat_i
 *     L_D     = mean D(fake) - mean D(real) + P             (lambda = 10)
 *
 * (That is their "two-sided" penalty; section 7 explains why this chapter's
 * default is the one-sided variant, max(0, |g_i| - 1)^2. Everything below
 * holds for both, with |g_i| - 1 replaced by max(0, |g_i| - 1).)
 *
 * The GP critic is NOT clipped. The penalty already controls its slope, and
 * clipping on top would bring back everything it was meant to remove: the
 * weights piling on the walls and the crippled function class of section
 * 4. (Nor is it trained with RMSProp: Adam with beta1 = 0.5, beta2 = 0.9 as
 * in the paper.)
 *
 * To minimise L_D by gradient descent we need dP/dtheta, the derivative of a
 * function of g with respect to the critic's weights. g itself came out of a
 * backward pass, so this is a derivative of a derivative ("double backprop").
 * It is less scary than it sounds. Section 3b computed g by a chain of
 * matrix products that only involves the weights and the slopes M_l:
 *
 *     E_{DEPTH-1} = w^T * M_{DEPTH-1}
 *     E_{l-1}     = (E_l W_l^T) * M_{l-1}
 *     g           = E_0 W_0^T
 *
 * With a piecewise-linear f the slopes M_l are locally constant in the
 * weights (section 3): this chain is just a LINEAR network in disguise, run
 * from the output to the input, whose "weights" are the W_l^T and whose
 * "activations" multiply by fixed masks. So we backpropagate through it,
 * exactly as through any network. Start from the penalty:
 *
 *     U_i = dP/dg_i = 2 lambda / n  (|g_i| - 1)  g_i / |g_i|           (n, d)
 *
 * and walk the chain backwards, from g towards w:
 *
 *     g = E_0 W_0^T        dW_0 += U^T E_0          dE_0 = U W_0
 *     for l = 1 .. DEPTH-1:
 *       E_{l-1} = S_l * M_{l-1},  S_l = E_l W_l^T:
 *                          dS_l  = dE_{l-1} * M_{l-1}
 *                          dW_l += dS_l^T E_l       dE_l = dS_l W_l
 *     E_{DEPTH-1} = w^T * M_{DEPTH-1}:
 *                          dw   += column sums of (dE_{DEPTH-1} * M_{DEPTH-1})
 *
 * and the biases get NOTHING: b_l only decides where the kinks are, i.e.
 * which slopes are 1 and which 0.2, and moving b_l a little moves no kink
 * past a sample. The output bias c never enters g at all. (The gradient
 * check in tests/test_07_wgan.c agrees to about 1e-9, zero bias gradients
 * included.)
 *
 * With a smooth activation such as tanh there would be one more path: the
 * masks M_l = f'(Z_l) then change with Z_l, i.e. with x and with every
 * weight and bias below layer l. Differentiating E_{l-1} = S_l * M_{l-1}
 * with respect to M_{l-1} gives an extra
 *
 *     dP/dZ_{l-1} = dE_{l-1} * S_l * f''(Z_{l-1})
 *
 * (and dE_{DEPTH-1} * w^T * f''(Z_{DEPTH-1}) for the top layer), which must
 * then be backpropagated through the FORWARD pass, into W_0 .. W_{l-1} and
 * b_0 .. b_{l-1}, like any dL/dz. Piecewise-linear critics, the usual choice
 * for WGAN-GP, make f'' = 0 and spare us that second pass.
 *
 * Why not finite differences, as seed 004 uses for its whole GAN (on a
 * random 10 % of the weights)? Each weight would cost two extra forward
 * passes, and our critic has about 8600 of them (H = 64); here each
 * difference would moreover be a difference of input gradients. One
 * double-backward pass costs about as much as two forward passes, gives
 * every weight's derivative exactly, and is checked once against central
 * differences (section 10 and the tests).
 * ------------------------------------------------------------------------- */
static double critic_gp(critic *C, const gsl_matrix *Xhat, double lambda, int one_sided,
                        int want_grad, double *mean_norm)
{
    critic_forward(C, Xhat);
    const gsl_matrix *g = critic_input_grad(C);                       /* (n, d) */
    const size_t n = C->n, d = C->in;
    gsl_matrix_view U = mat_rows(C->Ub, n);
    double pen = 0.0, norms = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *gi = gsl_matrix_const_ptr(g, i, 0);
        double *ui = gsl_matrix_ptr(&U.matrix, i, 0);
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += gi[j] * gi[j];
        const double norm = sqrt(s);                              /* |g_i|       */
        const double excess = one_sided ? fmax(norm - 1.0, 0.0) : norm - 1.0;
        pen += excess * excess;
        norms += norm;
        /* U_i = 2 lambda / n (|g_i| - 1) g_i / |g_i|; a zero g would make
         * 0/0, and its direction does not matter then: use g_i / 1e-12 = 0 */
        const double coef = 2.0 * lambda / (double)n * excess / fmax(norm, 1e-12);
        for (size_t j = 0; j < d; j++)
            ui[j] = coef * gi[j];
    }
    if (mean_norm)
        *mean_norm = norms / (double)n;
    if (!want_grad)
        return lambda * pen / (double)n;

    /* the double backward, line by line as above; dE, dS reuse the scratch */
    gsl_matrix_view dE = mat_rows(C->dAb, n), dS = mat_rows(C->dZb, n);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &U.matrix, &C->e[0].matrix,
                   1.0, &C->layer[0].dW.matrix);                       /* dW_0 += U^T E_0 */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &U.matrix, &C->layer[0].W.matrix,
                   0.0, &dE.matrix);                                   /* dE_0 = U W_0    */
    for (size_t l = 1; l < DEPTH; l++) {
        gsl_matrix_memcpy(&dS.matrix, &dE.matrix);
        gsl_matrix_mul_elements(&dS.matrix, &C->m[l - 1].matrix);      /* dS = dE * M     */
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &dS.matrix, &C->e[l].matrix,
                       1.0, &C->layer[l].dW.matrix);                   /* dW_l += dS^T E_l */
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &dS.matrix, &C->layer[l].W.matrix,
                       0.0, &dE.matrix);                               /* dE_l = dS W_l   */
    }
    gsl_matrix_mul_elements(&dE.matrix, &C->m[DEPTH - 1].matrix);
    gsl_vector_view dw = gsl_matrix_column(&C->layer[DEPTH].dW.matrix, 0);
    mat_add_col_sums(&dw.vector, &dE.matrix);                          /* dw += sums      */
    return lambda * pen / (double)n;
}

/* ----------------------------------------------------------------------------
 * 6. The game, one critic step and one generator step at a time
 *
 * The generator is an ordinary MLP (common/mlp.h): noise z ~ N(0, I) of
 * dimension 2, DEPTH hidden ReLU layers, a linear output of the data's
 * dimension.
 *
 * Critic step (G fixed): fresh real data and fresh fakes, then
 *
 *     dL_D/dD(real_i) = -1/n,    dL_D/dD(fake_i) = +1/n
 *
 * through the ordinary backward pass, plus (gp) the penalty's gradient from
 * section 5; one optimiser step; (clip) clip every parameter.
 *
 * Generator step (critic fixed): L_G = -mean D(G(z)), so
 *
 *     dL_G/dx_i = -(1/n) g_i,    g_i = dD/dx at x_i = G(z_i)   (section 3b)
 *
 * and mlp_backward carries that into G's weights. The critic's optimiser is
 * not called: that is all "fixed" means.
 *
 * The critic takes several steps per generator step: 5 with clipping, as in
 * Arjovsky et al.; 10 with the penalty. In a vanilla GAN a much stronger
 * discriminator starves the generator (its sigmoid saturates). A Lipschitz
 * critic cannot saturate: the better it is trained, the better its W1
 * estimate and the slope it hands to G. So in a WGAN "train the critic
 * more" is the recommended setting, not a mistake. For the same reason the
 * gp critic learns faster than G: Adam with lr 1e-3 for the critic, 5e-4
 * for G (two time scales, Heusel et al. 2017), both falling linearly to 0
 * over the run, as in Gulrajani et al.'s CIFAR-10 code, so that the
 * generator ends where it is heading, not in mid-jitter. Gulrajani et al.
 * use 5 critic steps and lr 1e-4 throughout; in this chapter's 2000 steps
 * on the ring that reaches 8 and 5 modes (seeds 1, 2) with 2-7 % sharp
 * samples, against 8 modes and about 55 % with these settings (README,
 * exercise 1).
 * ------------------------------------------------------------------------- */
typedef enum { METHOD_CLIP, METHOD_GP } method_kind;

static const char *method_name(method_kind k)
{
    return k == METHOD_CLIP ? "clip" : "gp";
}

typedef struct wgan_config {
    method_kind method;
    target_kind target;
    long steps;            /* generator steps                               */
    long batch;
    long n_critic;         /* critic steps per generator step               */
    long hidden;           /* critic: units per hidden layer                */
    long g_hidden;         /* generator: units per hidden layer             */
    long noise_dim;
    double lr, g_lr;       /* the critic's and the generator's              */
    int decay;             /* both learning rates fall linearly to 0        */
    double clip;           /* clip: the box [-clip, clip]                   */
    double lambda;         /* gp: penalty weight                            */
    int one_sided;         /* gp: penalise only slopes above 1 (section 7)  */
    act_kind act;          /* the critic's hidden activation                */
} wgan_config;

/* Samples of G behind every measured number: 2000 on the ring (the
 * definition of the mode metrics, chapter 06) and ten times more in 1D,
 * where the exact W1 is cheap and 2000 samples leave too much luck in it
 * (section 8). */
#define EVAL_N_RING 2000
#define EVAL_N_1D 20000

static size_t eval_n(target_kind t)
{
    return t == TARGET_RING ? EVAL_N_RING : EVAL_N_1D;
}

typedef struct wgan {
    wgan_config cfg;
    size_t dim, max_rows;
    params *PG;
    mlp *G;
    critic *C;
    optimizer *optG, *optC;
    gsl_matrix *z;         /* (max_rows, noise_dim)                          */
    gsl_matrix *real;      /* (max_rows, dim) real samples                   */
    gsl_matrix *fake;      /* (max_rows, dim) a copy of G's output           */
    gsl_matrix *xhat;      /* (max_rows, dim) interpolates                   */
    gsl_matrix *dout;      /* (max_rows, 1)   dL/dD                          */
    gsl_matrix *dx;        /* (max_rows, dim) dL_G/dx                        */
} wgan;

static wgan *wgan_new(const wgan_config *cfg, gsl_rng *r)
{
    wgan *W = calloc(1, sizeof *W);
    if (!W)
        die("out of memory");
    W->cfg = *cfg;
    W->dim = target_dim(cfg->target);
    const size_t n_eval = eval_n(cfg->target);
    W->max_rows = (size_t)cfg->batch > n_eval ? (size_t)cfg->batch : n_eval;
    const size_t hg = (size_t)cfg->g_hidden;
    const size_t wg[DEPTH + 2] = {(size_t)cfg->noise_dim, hg, hg, hg, W->dim};
    W->PG = params_alloc(mlp_size(wg, DEPTH + 2));
    W->G = mlp_new(W->PG, wg, DEPTH + 2, ACT_RELU, ACT_IDENTITY, W->max_rows);
    mlp_init_xavier(W->G, r);
    W->C = critic_new(W->dim, (size_t)cfg->hidden, cfg->act, W->max_rows);
    critic_init(W->C, r);
    if (cfg->method == METHOD_CLIP) {
        W->optG = optim_rmsprop(W->PG, cfg->g_lr, 0.99);
        W->optC = optim_rmsprop(W->C->P, cfg->lr, 0.99);
        clip_weights(W->C->P, cfg->clip);          /* start inside the box */
    } else {
        W->optG = optim_adam(W->PG, cfg->g_lr, 0.5, 0.9);
        W->optC = optim_adam(W->C->P, cfg->lr, 0.5, 0.9);
    }
    W->z = gsl_matrix_calloc(W->max_rows, (size_t)cfg->noise_dim);
    W->real = gsl_matrix_calloc(W->max_rows, W->dim);
    W->fake = gsl_matrix_calloc(W->max_rows, W->dim);
    W->xhat = gsl_matrix_calloc(W->max_rows, W->dim);
    W->dout = gsl_matrix_calloc(W->max_rows, 1);
    W->dx = gsl_matrix_calloc(W->max_rows, W->dim);
    return W;
}

static void wgan_free(wgan *W)
{
    mlp_free(W->G);
    params_free(W->PG);
    critic_free(W->C);
    optim_free(W->optG);
    optim_free(W->optC);
    gsl_matrix *all[] = {W->z, W->real, W->fake, W->xhat, W->dout, W->dx};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gsl_matrix_free(all[i]);
    free(W);
}

/* n fresh samples of G into the first n rows of W->fake */
static gsl_matrix_view generate(wgan *W, gsl_rng *r, size_t n)
{
    gsl_matrix_view z = mat_rows(W->z, n), fake = mat_rows(W->fake, n);
    rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
    gsl_matrix_memcpy(&fake.matrix, mlp_forward(W->G, &z.matrix));
    return fake;
}

typedef struct step_stats {
    double critic_loss;    /* mean D(fake) - mean D(real), last critic step */
    double penalty;        /* gp: the penalty term, last critic step        */
    double grad_norm;      /* gp: mean |g| at the interpolates              */
    double g_loss;         /* -mean D(G(z))                                  */
} step_stats;

static void critic_step(wgan *W, gsl_rng *r, step_stats *st)
{
    const size_t n = (size_t)W->cfg.batch;
    gsl_matrix_view real = mat_rows(W->real, n), dout = mat_rows(W->dout, n);
    real_batch(W->cfg.target, r, &real.matrix);
    gsl_matrix_view fake = generate(W, r, n);
    params_zero_grad(W->C->P);

    const gsl_matrix *d = critic_forward(W->C, &real.matrix);
    double loss = -mat_mean(d);                                /* -mean D(real) */
    gsl_matrix_set_all(&dout.matrix, -1.0 / (double)n);
    critic_backward(W->C, &dout.matrix);

    d = critic_forward(W->C, &fake.matrix);
    loss += mat_mean(d);                                       /* +mean D(fake) */
    gsl_matrix_set_all(&dout.matrix, 1.0 / (double)n);
    critic_backward(W->C, &dout.matrix);
    st->critic_loss = loss;

    st->penalty = 0.0;
    if (W->cfg.method == METHOD_GP) {
        gsl_matrix_view xh = mat_rows(W->xhat, n);
        for (size_t i = 0; i < n; i++) {
            const double eps = gsl_rng_uniform(r);            /* x_hat = eps real + (1 - eps) fake */
            for (size_t j = 0; j < W->dim; j++)
                gsl_matrix_set(&xh.matrix, i, j, eps * gsl_matrix_get(&real.matrix, i, j)
                                                 + (1.0 - eps) * gsl_matrix_get(&fake.matrix, i, j));
        }
        st->penalty = critic_gp(W->C, &xh.matrix, W->cfg.lambda, W->cfg.one_sided, 1, &st->grad_norm);
    }
    optim_step(W->optC);
    if (W->cfg.method == METHOD_CLIP)
        clip_weights(W->C->P, W->cfg.clip);
}

static void generator_step(wgan *W, gsl_rng *r, step_stats *st)
{
    const size_t n = (size_t)W->cfg.batch;
    gsl_matrix_view z = mat_rows(W->z, n), dx = mat_rows(W->dx, n);
    rng_fill_gaussian(r, &z.matrix, 0.0, 1.0);
    const gsl_matrix *x = mlp_forward(W->G, &z.matrix);                 /* (n, dim) */
    st->g_loss = -mat_mean(critic_forward(W->C, x));
    gsl_matrix_memcpy(&dx.matrix, critic_input_grad(W->C));          /* g = dD/dx */
    gsl_matrix_scale(&dx.matrix, -1.0 / (double)n);                    /* -(1/n) g  */
    params_zero_grad(W->PG);
    mlp_backward(W->G, &dx.matrix, NULL);
    optim_step(W->optG);
}

/* ----------------------------------------------------------------------------
 * 7. A trap in one dimension, and the one-sided penalty
 *
 * In 1D the critic's slope g = dD/dx is a single number, and the two-sided
 * penalty wants it to be +1 or -1 everywhere between real and fake points.
 * Take the bimodal data (modes at -2 and +2) and a young generator whose
 * samples sit near 0. The best critic is D(x) = |x|: slope -1 on the left,
 * +1 on the right, W estimate about 2. But a critic that starts out, say,
 * increasing everywhere (D = x: estimate 0, penalty 0) must turn its left
 * slope from +1 into -1, and in 1D that means passing through 0, where the
 * penalty charges lambda (0 - 1)^2 = 10 on the left half of the points while
 * the estimate has gained only about 1. Gradient descent stops at a left
 * slope of about 0.9, where the two pulls balance: a local minimum. The
 * generator is then pushed the same way on BOTH sides, runs past one mode
 * and keeps going: trained in full on this target, the two-sided run ends
 * with W1 = 1.9, 2.0 and 13.8 for seeds 1-3, where the one-sided one ends
 * below 0.1 (README).
 *
 * In 2D and up this cannot happen: a gradient of length 1 can turn around
 * continuously by ROTATING, without ever getting shorter. Gulrajani et al.,
 * who worked on images and 2D toys, never met it.
 *
 * The fix is the ONE-SIDED penalty, which Gulrajani et al. mention as an
 * alternative and Petzka et al. (2018) argue for: charge only slopes ABOVE
 * 1, which is all the Lipschitz constraint asks for:
 *
 *     P = lambda / n  sum_i max(0, |g_i| - 1)^2
 *
 * Flat stretches are now free, the left slope can pass through 0, and the
 * trap is gone. In the double backward only U_i changes: (|g_i| - 1)
 * becomes max(0, |g_i| - 1).
 *
 * The experiment below shows it on fresh critics: G frozen at its
 * initialisation, TRAP_TRIALS critics trained for TRAP_STEPS steps with each
 * penalty; a critic is "trapped" when its average slopes on [-3, -1] and on
 * [1, 3] have the same sign. On the ring the one-sided penalty also did
 * better in our measurements (README), so it is this chapter's default;
 * --penalty two-sided gives Gulrajani et al.'s original.
 * ------------------------------------------------------------------------- */
#define TRAP_TRIALS 5
#define TRAP_STEPS 200

static void trap_demo(gsl_rng *r, const wgan_config *base, long steps, metrics *m)
{
    printf("\n3. The one-dimensional trap: G frozen, %d fresh critics per penalty, %ld critic steps each\n",
           TRAP_TRIALS, steps);
    for (int one_sided = 0; one_sided <= 1; one_sided++) {
        wgan_config cfg = *base;
        cfg.method = METHOD_GP;
        cfg.target = TARGET_BIMODAL;
        cfg.decay = 0;
        cfg.one_sided = one_sided;
        int trapped = 0;
        printf("   %-9s slopes (left, right):", one_sided ? "one-sided" : "two-sided");
        for (int t = 0; t < TRAP_TRIALS; t++) {
            wgan *W = wgan_new(&cfg, r);
            step_stats st;
            for (long k = 1; k <= steps; k++) {
                critic_step(W, r, &st);
                check_finite(st.critic_loss, "critic loss (trap experiment)", k);
                check_finite(st.penalty, "gradient penalty (trap experiment)", k);
            }
            /* the critic's average slope on [-3, -1] and on [1, 3] */
            gsl_matrix_view x = mat_rows(W->real, 4);
            const double at[4] = {-3.0, -1.0, 1.0, 3.0};
            for (size_t i = 0; i < 4; i++)
                gsl_matrix_set(&x.matrix, i, 0, at[i]);
            const gsl_matrix *d = critic_forward(W->C, &x.matrix);
            const double left = (gsl_matrix_get(d, 1, 0) - gsl_matrix_get(d, 0, 0)) / 2.0;
            const double right = (gsl_matrix_get(d, 3, 0) - gsl_matrix_get(d, 2, 0)) / 2.0;
            trapped += left * right > 0.0;           /* same sign on both sides */
            printf(" (%+.2f, %+.2f)", left, right);
            wgan_free(W);
        }
        printf("  -> %d of %d trapped\n", trapped, TRAP_TRIALS);
        metrics_set(m, one_sided ? "trapped_critics_one_sided" : "trapped_critics_two_sided", trapped);
    }
}

/* ----------------------------------------------------------------------------
 * 8. Measuring
 *
 * Every number below uses fresh samples of G: 2000 on the ring, 20000 on
 * the bimodal target (why so many: see the W1 paragraph).
 *
 * Ring (the definitions of chapter 06):
 *   modes_covered       a mode counts when >= 2 % of the samples lie within
 *                       3 sd = 0.06 of its centre (the strict criterion of
 *                       the mode-collapse literature);
 *   modes_reached       ... within 0.2 of its centre: mass in the right
 *                       place, even if not sharp;
 *   high_quality_share  the share of samples within 3 sd of SOME centre.
 *
 * Why report coverage AND sharpness? Because WGAN-GP trades one for the
 * other. W1 charges every unit of mass by the distance it must travel, so a
 * missing mode is expensive (1/8 of the mass, carried from the nearest
 * generated mass) and the critic's slope pulls some samples towards every
 * mode: all 8 are reached early. The same cost is lenient about sharpness: a
 * sample 0.1 from its mode costs 0.1, and a generator that continuously maps
 * Gaussian noise must pass THROUGH the gaps between modes to split its mass
 * eight ways, so some mass always lies on the bridges. A vanilla GAN's
 * discriminator punishes an off-data sample by a log-likelihood, however
 * close it is, and tends to the opposite: sharp mass on fewer modes (chapter
 * 06). Here the gp runs reach and cover all 8 modes with about half of their
 * samples sharp (a larger two-sided run, 3 x 128 units, got 56 % at best).
 *
 * Bimodal: the exact W1 between N = 20000 generated and 20000 real samples.
 * In 1D the optimal transport plan between two equal-size samples matches
 * them in sorted order (moving the i-th smallest onto the i-th smallest
 * never crosses paths), so
 *
 *     W1 = 1/N sum_i | a_(i) - b_(i) |      a_(i), b_(i): sorted samples
 *
 * How small can that be? Two perfect samples are not identical, and here
 * the coin flip that picks each point's mode dominates: a sample of 2000
 * with 1030 points on the left and 970 on the right must move 30/2000 of
 * its mass a distance 4, a W1 of 0.06 from nothing but luck. Drawn that
 * way, two samples of 2000 from the target differ by 0.06 on average and by
 * more than 0.1 one time in nine: a measurement that noisy cannot tell a
 * W1 of 0.05 from 0.1. Two things cut the luck:
 *
 *   - we draw the real sample STRATIFIED: exactly N/2 points per mode (the
 *     mixture weights are known to be 1/2). That removes the real side's
 *     coin flips without biasing anything; the generated side keeps its own.
 *   - N = 20000 instead of 2000. The luck shrinks like 1/sqrt(N), and
 *     sorting 20000 numbers costs nothing next to training.
 *
 * The run measures the resulting floor (a perfect generator's score) and
 * prints it: about 0.045 at N = 2000 with stratification, 0.013 at 20000.
 * (Measured over seeds 1-8, the same runs scored 0.05-0.11 with N = 2000,
 * and the final value could jump by 0.03 between two evaluations of an
 * almost frozen generator: that was the measurement, not G.)
 *
 * We also print W1 from the generated sample to the target DISTRIBUTION,
 * through the CDF form of the 1D distance, W1 = integral |F_n(x) - F(x)| dx,
 * which has no real sample in it at all.
 *
 * Both targets: the critic's own estimate, mean D(real) - mean D(fake) on
 * the same samples.
 * ------------------------------------------------------------------------- */
typedef struct eval {
    double w_est;                             /* the critic's estimate       */
    double w1_exact, w1_target;               /* bimodal only                */
    double covered, reached, hq;              /* ring only                   */
} eval;

/* The sorted-sample W1 (toy_w1_sorted), the target's CDF
 * F(x) = 1/2 Phi((x + 2)/0.3) + 1/2 Phi((x - 2)/0.3) (toy_bimodal_cdf) and
 * the ring's mode counts (toy_measure) are common/toy.h's: chapters 05 and
 * 06 measure with them too. */

/* W1 between the SORTED sample a[0..n-1] and the target itself:
 * integral |F_n(x) - F(x)| dx on a grid of step 1e-3 */
static double w1_to_target(const double *a, size_t n)
{
    const double lo = fmin(a[0], -BI_AT - 8.0 * BI_SD), hi = fmax(a[n - 1], BI_AT + 8.0 * BI_SD);
    /* a 1e-3 grid, but never more than 1e7 points: samples far out (a
     * diverging G) must not make the measurement run for hours */
    const double h = fmax(1e-3, (hi - lo) / 1e7);
    double s = 0.0;
    size_t below = 0;
    for (double x = lo + 0.5 * h; x < hi; x += h) {
        while (below < n && a[below] <= x)
            below++;
        s += fabs((double)below / (double)n - toy_bimodal_cdf(x, BI_AT, BI_SD)) * h;
    }
    return s;
}

/* the real evaluation sample: exactly half per mode (see above) */
static void real_stratified(gsl_rng *r, gsl_matrix *X)
{
    for (size_t i = 0; i < X->size1; i++)
        gsl_matrix_set(X, i, 0, (i < X->size1 / 2 ? -BI_AT : BI_AT) + gsl_ran_gaussian(r, BI_SD));
}

/* The floor: mean W1 between a perfect generator's N samples (plain
 * draws from the target) and a stratified real sample, over `trials`. */
static double w1_floor(gsl_rng *r, gsl_matrix *buf, double *xs, double *ys, int trials)
{
    const size_t n = EVAL_N_1D;
    gsl_matrix_view X = mat_rows(buf, n);
    double s = 0.0;
    for (int t = 0; t < trials; t++) {
        real_batch(TARGET_BIMODAL, r, &X.matrix);
        for (size_t i = 0; i < n; i++)
            xs[i] = gsl_matrix_get(&X.matrix, i, 0);
        real_stratified(r, &X.matrix);
        for (size_t i = 0; i < n; i++)
            ys[i] = gsl_matrix_get(&X.matrix, i, 0);
        s += toy_w1_sorted(xs, ys, n);
    }
    return s / trials;
}

/* the mode counts above for the rows of X (n, 2): reach 0.2, share 2 % */
static toy_coverage ring_coverage(const gsl_matrix *X)
{
    const toy_modes ring = ring_target();
    return toy_measure(&ring, X, 0.2, 0.02);
}

/* measure with eval_n samples (they are left in W->fake and W->real) */
static eval evaluate(wgan *W, gsl_rng *r, double *xs, double *ys)
{
    eval ev = {0};
    const size_t n = eval_n(W->cfg.target);
    gsl_matrix_view fake = generate(W, r, n);
    gsl_matrix_view real = mat_rows(W->real, n);
    if (W->cfg.target == TARGET_RING)
        real_batch(TARGET_RING, r, &real.matrix);
    else
        real_stratified(r, &real.matrix);
    ev.w_est = mat_mean(critic_forward(W->C, &real.matrix)) - mat_mean(critic_forward(W->C, &fake.matrix));
    if (W->cfg.target == TARGET_RING) {
        const toy_coverage cv = ring_coverage(&fake.matrix);
        ev.covered = cv.covered, ev.reached = cv.reached, ev.hq = cv.hq;
    } else {
        for (size_t i = 0; i < n; i++) {
            xs[i] = gsl_matrix_get(&fake.matrix, i, 0);
            ys[i] = gsl_matrix_get(&real.matrix, i, 0);
        }
        ev.w1_exact = toy_w1_sorted(xs, ys, n);              /* sorts xs and ys */
        ev.w1_target = w1_to_target(xs, n);
    }
    return ev;
}

/* ----------------------------------------------------------------------------
 * 9. One run: train, log, snapshot, measure
 *
 * Everything a run touches is allocated before its loop (run_new, wgan_new):
 * the networks' work matrices for the largest batch, the loss log (one row
 * per generator step, with a trailing mean over WINDOW steps next to the raw
 * values, because single WGAN losses are noisy), the table of measurements
 * (section 8, N_EVALS times during the run) and the snapshots of G's samples
 * before training, after 10 % and 33 % of it, and at the end. One generator
 * step is n_critic critic steps (section 6) followed by one generator step;
 * every loss goes through check_finite, so a diverging run stops with the
 * step at which it went bad.
 * ------------------------------------------------------------------------- */
#define N_SNAP 4           /* snapshots of the samples during training      */
#define SHOW_N 1000        /* samples drawn per ring snapshot               */
#define N_BINS 80          /* histogram bins, bimodal snapshots             */
#define N_EVALS 40         /* measurements during training                  */
#define WINDOW 50          /* trailing average of the loss curves           */
enum { LOG_STEP, LOG_CRITIC, LOG_PEN, LOG_G, LOG_CRITIC_AVG, LOG_PEN_AVG, LOG_G_AVG, LOG_COLS };
enum { EV_STEP, EV_WEST, EV_W1, EV_COVERED, EV_REACHED, EV_HQ, EV_W1_TARGET, EV_COLS };

typedef struct run {
    wgan_config cfg;
    wgan *W;
    gsl_matrix *log;               /* (steps, LOG_COLS)                         */
    gsl_matrix *evals;             /* (N_EVALS + 1, EV_COLS)                    */
    size_t n_evals;
    long snap_step[N_SNAP];
    gsl_matrix *snap[N_SNAP];      /* ring: (SHOW_N, 2) samples; bimodal:       */
                                   /* (N_BINS, 4) x, real pdf, gen pdf, D(x)   */
    double *xs, *ys;               /* (EVAL_N_1D) scratch                       */
    eval final;
    double grad_norm;              /* gp: mean |dD/dx| at x_hat, last steps     */
    long step;                     /* generator steps done (section 12)         */
} run;

/* generator steps between measurements: N_EVALS of them in a run, but at
 * least 5 steps apart (a measurement of 20000 samples costs more than a
 * short run's training step) */
static long eval_interval(long steps)
{
    return steps / N_EVALS > 5 ? steps / N_EVALS : 5;
}

static run *run_new(const wgan_config *cfg, gsl_rng *r)
{
    run *R = calloc(1, sizeof *R);
    if (!R)
        die("out of memory");
    R->cfg = *cfg;
    R->W = wgan_new(cfg, r);
    R->log = gsl_matrix_calloc((size_t)cfg->steps, LOG_COLS);
    R->evals = gsl_matrix_calloc((size_t)(cfg->steps / eval_interval(cfg->steps)) + 2, EV_COLS);
    for (int k = 0; k < N_SNAP; k++)
        R->snap[k] = cfg->target == TARGET_RING ? gsl_matrix_calloc(SHOW_N, 2)
                                                 : gsl_matrix_calloc(N_BINS, 4);
    R->xs = malloc(EVAL_N_1D * sizeof *R->xs);
    R->ys = malloc(EVAL_N_1D * sizeof *R->ys);
    if (!R->xs || !R->ys)
        die("out of memory");
    return R;
}

static void run_free(run *R)
{
    wgan_free(R->W);
    gsl_matrix_free(R->log);
    gsl_matrix_free(R->evals);
    for (int k = 0; k < N_SNAP; k++)
        gsl_matrix_free(R->snap[k]);
    free(R->xs);
    free(R->ys);
    free(R);
}

#define BI_LO -4.0
#define BI_HI 4.0

/* The 1D samples X (n, 1) as a histogram on N_BINS bins of [BI_LO, BI_HI]:
 * S (N_BINS, >= 3) gets the bin centre, the target's density there, and
 * the samples' density (count / (n width), so both curves have area 1). */
static void histogram_1d(const gsl_matrix *X, gsl_matrix *S)
{
    const size_t n = X->size1;
    const double width = (BI_HI - BI_LO) / N_BINS;
    gsl_matrix_set_zero(S);
    for (size_t i = 0; i < n; i++) {
        const double b = floor((gsl_matrix_get(X, i, 0) - BI_LO) / width);
        if (b >= 0.0 && b < N_BINS)
            *gsl_matrix_ptr(S, (size_t)b, 2) += 1.0 / ((double)n * width);
    }
    for (size_t b = 0; b < N_BINS; b++) {
        const double x = BI_LO + ((double)b + 0.5) * width;
        gsl_matrix_set(S, b, 0, x);
        gsl_matrix_set(S, b, 1, bimodal_density(x));
    }
}

static void take_snapshot(run *R, gsl_rng *r, int k, long step)
{
    wgan *W = R->W;
    R->snap_step[k] = step;
    if (R->cfg.target == TARGET_RING) {
        gsl_matrix_view fake = generate(W, r, SHOW_N);
        gsl_matrix_memcpy(R->snap[k], &fake.matrix);
        return;
    }
    /* bimodal: histogram of EVAL_N_1D samples as a density, and D(x) on the bins */
    gsl_matrix *S = R->snap[k];
    gsl_matrix_view fake = generate(W, r, EVAL_N_1D);
    histogram_1d(&fake.matrix, S);
    gsl_matrix_view grid = mat_rows(W->real, N_BINS);
    for (size_t b = 0; b < N_BINS; b++)
        gsl_matrix_set(&grid.matrix, b, 0, gsl_matrix_get(S, b, 0));
    const gsl_matrix *d = critic_forward(W->C, &grid.matrix);
    for (size_t b = 0; b < N_BINS; b++)
        gsl_matrix_set(S, b, 3, gsl_matrix_get(d, b, 0));
}

static void record_eval(run *R, gsl_rng *r, long step)
{
    eval ev = evaluate(R->W, r, R->xs, R->ys);
    double *row = gsl_matrix_ptr(R->evals, R->n_evals++, 0);
    row[EV_STEP] = (double)step;
    row[EV_WEST] = ev.w_est;
    row[EV_W1] = ev.w1_exact;
    row[EV_W1_TARGET] = ev.w1_target;
    row[EV_COVERED] = ev.covered;
    row[EV_REACHED] = ev.reached;
    row[EV_HQ] = ev.hq;
    R->final = ev;
}

static void train_run(run *R, gsl_rng *r, int quiet)
{
    const wgan_config *cfg = &R->cfg;
    const long steps = cfg->steps;
    const long snap_at[N_SNAP] = {0, steps / 10, steps / 3, steps};
    const long eval_every = eval_interval(steps);
    const long print_every = steps >= 10 ? steps / 10 : 1;
    int next_snap = 0;
    double sum[3] = {0};
    double gn_sum = 0.0;
    long gn_count = 0;
    step_stats st = {0};
    progress p;

    printf("\n== %s on the %s: %ld generator steps, %ld critic steps each, batch %ld\n",
           method_name(cfg->method), target_name(cfg->target), steps, cfg->n_critic, cfg->batch);
    if (cfg->method == METHOD_CLIP)
        printf("   RMSProp, lr %g (critic) and %g (G)%s, every critic parameter clipped to +-%g\n", cfg->lr,
               cfg->g_lr, cfg->decay ? " falling linearly to 0" : "", cfg->clip);
    else
        printf("   Adam (0.5, 0.9), lr %g (critic) and %g (G)%s, %s penalty, lambda %g, no clipping\n",
               cfg->lr, cfg->g_lr, cfg->decay ? " falling linearly to 0" : "",
               cfg->one_sided ? "one-sided" : "two-sided", cfg->lambda);
    progress_start(&p, steps, quiet);
    record_eval(R, r, 0);
    for (long step = 0; step <= steps; step++) {
        while (next_snap < N_SNAP && snap_at[next_snap] == step)
            take_snapshot(R, r, next_snap++, step);
        if (step == steps)
            break;

        if (cfg->decay) {               /* lr_t = lr (1 - t / steps), both players */
            const double f = 1.0 - (double)step / (double)steps;
            R->W->optC->lr = cfg->lr * f;
            R->W->optG->lr = cfg->g_lr * f;
        }
        for (long k = 0; k < cfg->n_critic; k++) {
            critic_step(R->W, r, &st);
            check_finite(st.critic_loss, "critic loss", step + 1);
            check_finite(st.penalty, "gradient penalty", step + 1);
        }
        generator_step(R->W, r, &st);
        check_finite(st.g_loss, "generator loss", step + 1);
        {   /* finite is not enough: a G whose samples run off to 1e9 would never
             * be stopped, and measuring it would take forever (section 8) */
            gsl_matrix_view last_fakes = mat_rows(R->W->fake, (size_t)cfg->batch);
            check_within(&last_fakes.matrix, SANE_RANGE, "generator samples", step + 1);
        }
        if (step >= steps - WINDOW) {
            gn_sum += st.grad_norm;
            gn_count++;
        }

        /* the log: raw values and a trailing mean over WINDOW steps */
        double *row = gsl_matrix_ptr(R->log, (size_t)step, 0);
        row[LOG_STEP] = (double)(step + 1);
        row[LOG_CRITIC] = st.critic_loss;
        row[LOG_PEN] = st.penalty;
        row[LOG_G] = st.g_loss;
        for (int c = 0; c < 3; c++) {
            sum[c] += row[LOG_CRITIC + c];
            if (step >= WINDOW)
                sum[c] -= gsl_matrix_get(R->log, (size_t)(step - WINDOW), LOG_CRITIC + c);
            row[LOG_CRITIC_AVG + c] = sum[c] / (double)(step < WINDOW ? step + 1 : WINDOW);
        }

        if ((step + 1) % eval_every == 0 || step + 1 == steps)
            record_eval(R, r, step + 1);
        if ((step + 1) % print_every == 0) {
            printf("step %5ld  critic loss %10.4g", step + 1, row[LOG_CRITIC_AVG]);
            if (cfg->method == METHOD_GP)
                printf("  penalty %7.4f", row[LOG_PEN_AVG]);
            printf("  G loss %10.4g  W estimate %10.4g", row[LOG_G_AVG], R->final.w_est);
            if (cfg->target == TARGET_RING)
                printf("  modes reached %.0f covered %.0f sharp %.2f\n", R->final.reached,
                       R->final.covered, R->final.hq);
            else
                printf("  exact W1 %.4f (to the target itself %.4f)\n", R->final.w1_exact, R->final.w1_target);
        }
        progress_report(&p, step + 1, "critic %.4f  G %.4f", row[LOG_CRITIC_AVG], row[LOG_G_AVG]);
    }
    progress_end(&p);
    R->grad_norm = gn_count ? gn_sum / (double)gn_count : 0.0;
    R->step = steps;
}

/* What one invocation runs (built from the flags in the appendix): each
 * selected method on each selected target, from that method's setting. */
typedef struct wgan_plan {
    wgan_config method[2];   /* by method_kind; .target is set per run       */
    const char *methods;     /* "all", "clip" or "gp"                         */
    const char *targets;     /* "both", "ring" or "bimodal"                   */
    long bimodal_steps;      /* the bimodal runs' steps (3500 unless --steps) */
    long trap_steps;         /* section 7's critics' steps                    */
} wgan_plan;

/* Build every selected run, ring first, clip before gp; train it unless
 * --load will fill it in (section 12). Returns how many (at most 4). */
static size_t build_runs(session *S, const wgan_plan *plan, run **runs)
{
    if (session_trains(S))
        printf("\n4. Training\n");
    size_t n_runs = 0;
    for (int t = 0; t < 2; t++) {
        const target_kind tk = t == 0 ? TARGET_RING : TARGET_BIMODAL;
        if (strcmp(plan->targets, "both") != 0 && strcmp(plan->targets, target_name(tk)) != 0)
            continue;
        for (int k = 0; k < 2; k++) {
            if (strcmp(plan->methods, "all") != 0 && strcmp(plan->methods, method_name((method_kind)k)) != 0)
                continue;
            wgan_config cfg = plan->method[k];
            cfg.target = tk;
            if (tk == TARGET_BIMODAL)
                cfg.steps = plan->bimodal_steps;
            run *R = run_new(&cfg, S->rng);
            if (session_trains(S))
                train_run(R, S->rng, S->cli.quiet);
            runs[n_runs++] = R;
        }
    }
    return n_runs;
}

/* ----------------------------------------------------------------------------
 * 10. Checking the double backward against the definition of a derivative
 *
 * A tiny critic (d inputs, H = 5, random weights AND biases, so that every
 * term matters), 6 random points, and the penalty P as the loss. The
 * analytic dP/dtheta of section 5 against central differences of P over
 * every parameter. The run prints the order of magnitude of the worst
 * relative error; tests/test_07_wgan.c checks more (the input gradient, the
 * whole critic loss, and that a wrong gradient is caught).
 * ------------------------------------------------------------------------- */
typedef struct gp_probe {
    critic *C;
    gsl_matrix *X;       /* (n, d) the points x_hat */
    double lambda;
    int one_sided;
} gp_probe;

static gp_probe gp_probe_new(gsl_rng *r, size_t d, size_t hidden, size_t n, act_kind act)
{
    gp_probe p = {critic_new(d, hidden, act, n), gsl_matrix_alloc(n, d), 10.0, 0};
    for (size_t i = 0; i < p.C->P->value->size; i++)
        gsl_vector_set(p.C->P->value, i, gsl_ran_gaussian(r, 0.7));
    rng_fill_gaussian(r, p.X, 0.0, 1.0);
    return p;
}

static void gp_probe_free(gp_probe *p)
{
    critic_free(p->C);
    gsl_matrix_free(p->X);
}

static double gp_probe_loss(void *ctx)
{
    gp_probe *p = ctx;
    return critic_gp(p->C, p->X, p->lambda, p->one_sided, 0, NULL);
}

/* fills C->P->grad with the analytic dP/dtheta, returns the check */
static gradcheck_result gp_probe_check(gp_probe *p)
{
    params_zero_grad(p->C->P);
    critic_gp(p->C, p->X, p->lambda, p->one_sided, 1, NULL);
    return gradcheck(gp_probe_loss, p, p->C->P->value->data, p->C->P->grad->data,
                     p->C->P->value->size, 100000);
}

/* Before the runs: section 1's made-up numbers, this section's check of the
 * double backward, and section 7's trap (gp only), in the log's order. */
static void before_the_runs(session *S, const wgan_plan *plan)
{
    const wgan_config *gp = &plan->method[METHOD_GP];
    conceptual_numbers(S->rng, &S->m);
    gp_probe probe = gp_probe_new(S->rng, 2, 5, 6, gp->act);
    probe.one_sided = gp->one_sided;
    gradcheck_result gc = gp_probe_check(&probe);
    gp_probe_free(&probe);
    printf("\n2. Gradient check of the penalty's double backward: %zu parameters, max rel err < 1e%+d\n",
           gc.checked, gc.max_rel_err > 0 ? (int)ceil(log10(gc.max_rel_err)) : -16);
    metrics_set(&S->m, "gp_gradcheck_max_rel_err", gc.max_rel_err);
    if (strcmp(plan->methods, "clip") != 0)
        trap_demo(S->rng, gp, plan->trap_steps, &S->m);
}

/* ----------------------------------------------------------------------------
 * 11. Results and figures
 * ------------------------------------------------------------------------- */
/* mean |dD/dx| over the rows of X: how steep the critic is where G's samples are */
static double mean_slope(critic *C, const gsl_matrix *X)
{
    critic_forward(C, X);
    const gsl_matrix *g = critic_input_grad(C);
    double s = 0.0;
    for (size_t i = 0; i < g->size1; i++) {
        gsl_vector_const_view row = gsl_matrix_const_row(g, i);
        s += gsl_blas_dnrm2(&row.vector);
    }
    return s / (double)g->size1;
}

static void report_run(run *R, metrics *m)
{
    const char *mn = method_name(R->cfg.method), *tn = target_name(R->cfg.target);
    char name[64];
    const eval *ev = &R->final;
    if (R->cfg.target == TARGET_RING) {
        printf("%s on the ring: modes reached %.0f/8 (within 0.2), covered %.0f/8 (within 3 sd), "
               "sharp samples %.1f %%, critic's W estimate %.4f\n",
               mn, ev->reached, ev->covered, 100.0 * ev->hq, ev->w_est);
        snprintf(name, sizeof name, "modes_covered_%s", mn);
        metrics_set(m, name, ev->covered);
        snprintf(name, sizeof name, "high_quality_share_%s", mn);
        metrics_set(m, name, ev->hq);
        snprintf(name, sizeof name, "modes_reached_%s", mn);
        metrics_set(m, name, ev->reached);
        snprintf(name, sizeof name, "w_estimate_ring_%s", mn);
        metrics_set(m, name, ev->w_est);
    } else {
        printf("%s on the bimodal target: exact W1 %.4f (to the target itself %.4f), critic's estimate %.4f\n",
               mn, ev->w1_exact, ev->w1_target, ev->w_est);
        snprintf(name, sizeof name, "w1_target_1d_%s", mn);
        metrics_set(m, name, ev->w1_target);
        snprintf(name, sizeof name, R->cfg.method == METHOD_GP ? "w1_exact_1d" : "w1_exact_1d_%s", mn);
        metrics_set(m, name, ev->w1_exact);
        snprintf(name, sizeof name, "w1_estimate_1d_%s", mn);
        metrics_set(m, name, ev->w_est);
    }
    /* the first 1000 rows of W->fake hold G's latest samples (the last snapshot) */
    gsl_matrix_view fake = mat_rows(R->W->fake, SHOW_N);
    const double slope = mean_slope(R->W->C, &fake.matrix);
    printf("%s: the critic's mean slope |dD/dx| at G's samples: %.3g\n", mn, slope);
    snprintf(name, sizeof name, "critic_slope_%s_%s", tn, mn);
    metrics_set(m, name, slope);
    if (R->cfg.method == METHOD_CLIP) {
        const double at = share_at_bound(R->W->C->P, R->cfg.clip);
        printf("%s: %.1f %% of the critic's parameters sit on a wall (+-%g)\n", mn, 100.0 * at, R->cfg.clip);
        snprintf(name, sizeof name, "clip_share_at_bound_%s", tn);
        metrics_set(m, name, at);
    } else {
        printf("%s: mean |dD/dx| at the interpolates over the last %d steps: %.3f (the penalty wants <= 1)\n",
               mn, WINDOW, R->grad_norm);
        snprintf(name, sizeof name, "gp_grad_norm_%s", tn);
        metrics_set(m, name, R->grad_norm);
    }
}

/* data files of one run: the loss log, the measurements, the snapshots */
static void write_run_data(const run *R, const char *dir)
{
    char file[96];
    const char *mn = method_name(R->cfg.method), *tn = target_name(R->cfg.target);
    snprintf(file, sizeof file, "loss_%s_%s.dat", tn, mn);
    out_write_matrix(dir, file, "step  critic_loss  penalty  g_loss  (raw, then trailing means over 50 steps)",
                     R->log);
    gsl_matrix_const_view ev = gsl_matrix_const_submatrix(R->evals, 0, 0, R->n_evals, EV_COLS);
    snprintf(file, sizeof file, "eval_%s_%s.dat", tn, mn);
    out_write_matrix(dir, file, "step  w_estimate  w1_exact(1d)  modes_covered  modes_reached  high_quality_share",
                     &ev.matrix);
    snprintf(file, sizeof file, "snap_%s_%s.dat", tn, mn);
    FILE *f = out_open(dir, file);
    fprintf(f, R->cfg.target == TARGET_RING ? "# x y, one block per snapshot (gnuplot index k)\n"
                                           : "# x  real_density  generated_density  D(x), one block per snapshot\n");
    for (int k = 0; k < N_SNAP; k++) {
        fprintf(f, "# step %ld\n", R->snap_step[k]);
        for (size_t i = 0; i < R->snap[k]->size1; i++) {
            for (size_t j = 0; j < R->snap[k]->size2; j++)
                fprintf(f, "%s%.6g", j ? " " : "", gsl_matrix_get(R->snap[k], i, j));
            fprintf(f, "\n");
        }
        fprintf(f, "\n\n");
    }
    out_close(f, file);
}

/* The critic's value over the plane [-3, 3]^2, for the surface figure. */
#define GRID 101
#define GRID_LO -3.0
#define GRID_HI 3.0

static void write_critic_surface(run *R, const char *dir)
{
    char file[96];
    snprintf(file, sizeof file, "critic_ring_%s.dat", method_name(R->cfg.method));
    FILE *f = out_open(dir, file);
    fprintf(f, "# x y D(x, y): the critic's value on a %d x %d grid\n", GRID, GRID);
    gsl_matrix_view row = mat_rows(R->W->real, GRID);             /* (GRID, 2) */
    const double h = (GRID_HI - GRID_LO) / (GRID - 1);
    for (size_t i = 0; i < GRID; i++) {
        for (size_t j = 0; j < GRID; j++) {
            gsl_matrix_set(&row.matrix, j, 0, GRID_LO + (double)i * h);
            gsl_matrix_set(&row.matrix, j, 1, GRID_LO + (double)j * h);
        }
        const gsl_matrix *d = critic_forward(R->W->C, &row.matrix);
        for (size_t j = 0; j < GRID; j++)
            fprintf(f, "%.4f %.4f %.6g\n", GRID_LO + (double)i * h, GRID_LO + (double)j * h,
                    gsl_matrix_get(d, j, 0));
        fprintf(f, "\n");
    }
    out_close(f, file);
}

static void write_centres(const char *dir)
{
    FILE *f = out_open(dir, "ring_centres.dat");
    fprintf(f, "# x y: the 8 mode centres of the ring\n");
    const toy_modes ring = ring_target();
    for (size_t k = 0; k < RING_MODES; k++)
        fprintf(f, "%.6f %.6f\n", ring.centre[k][0], ring.centre[k][1]);
    out_close(f, "ring_centres.dat");
}

/* Every data file of the trained runs, in --out, and the numbers their
 * figures need. (A loaded model has no training history to draw; --generate
 * draws its samples.) The figures are the gnuplot scripts in
 * chapters/07-wgan/figures/ (samples_ring, critic_ring_METHOD, modes_ring,
 * w1_bimodal, bimodal_METHOD, losses); they read the data files and
 * values.gp:
 *
 *   run_TARGET_METHOD          1 for a run of this invocation, else 0;
 *   n_snap                     the snapshots of G's samples per run;
 *   snap_step_TARGET_METHOD_K  the generator step of its K-th snapshot
 *                              (K = 1 .. n_snap);
 *   critic_grid_lo, _hi        the square of the critic surface;
 *   bimodal_x_lo, _hi          the x range of the 1D histograms;
 *   w1_floor, w1_eval_n        a perfect generator's W1, and the samples
 *                              per side of the exact W1;
 *   loss_window                the trailing mean of the loss curves. */
static void draw_runs(run *const *rs, size_t n, const char *dir, double floor)
{
    size_t n_ring = 0, n_bi = 0;
    char name[64];
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 2; k++) {
            snprintf(name, sizeof name, "run_%s_%s", target_name((target_kind)t),
                     method_name((method_kind)k));
            fig_value(name, 0.0);
        }
    fig_value("n_snap", N_SNAP);
    for (size_t i = 0; i < n; i++) {
        const char *mn = method_name(rs[i]->cfg.method), *tn = target_name(rs[i]->cfg.target);
        write_run_data(rs[i], dir);
        snprintf(name, sizeof name, "run_%s_%s", tn, mn);
        fig_value(name, 1.0);
        for (int k = 0; k < N_SNAP; k++) {
            snprintf(name, sizeof name, "snap_step_%s_%s_%d", tn, mn, k + 1);
            fig_value(name, (double)rs[i]->snap_step[k]);
        }
        if (rs[i]->cfg.target == TARGET_RING) {
            n_ring++;
            write_critic_surface(rs[i], dir);
            snprintf(name, sizeof name, "critic_ring_%s", mn);
        } else {
            n_bi++;
            snprintf(name, sizeof name, "bimodal_%s", mn);
        }
        fig_use(name);
    }
    if (n_ring) {
        write_centres(dir);
        fig_value("critic_grid_lo", GRID_LO);
        fig_value("critic_grid_hi", GRID_HI);
        fig_use("samples_ring");
        fig_use("modes_ring");
    }
    if (n_bi) {
        fig_value("bimodal_x_lo", BI_LO);
        fig_value("bimodal_x_hi", BI_HI);
        fig_value("w1_floor", floor);
        fig_value("w1_eval_n", EVAL_N_1D);
        fig_use("w1_bimodal");
    }
    fig_value("loss_window", WINDOW);
    fig_use("losses");
}

/* The results block: every run's final numbers (a loaded run is measured
 * now), the 1D ruler's floor, and (after training) the figures. */
static void measure_runs(session *S, run *const *runs, size_t n_runs)
{
    printf("\n5. Results\n");
    const run *first_bi = NULL;
    for (size_t i = 0; i < n_runs; i++) {
        if (!session_trains(S))
            record_eval(runs[i], S->rng, runs[i]->step);
        report_run(runs[i], &S->m);
        if (!first_bi && runs[i]->cfg.target == TARGET_BIMODAL)
            first_bi = runs[i];
    }
    double w1_floor_value = 0.0;
    if (first_bi) {
        w1_floor_value = w1_floor(S->rng, first_bi->W->real, first_bi->xs, first_bi->ys, 20);
        printf("a perfect generator would score W1 %.4f against the stratified real sample "
               "(mean of 20 draws of 20000)\n", w1_floor_value);
        metrics_set(&S->m, "w1_floor_1d", w1_floor_value);
    }
    if (session_trains(S))
        draw_runs(runs, n_runs, S->cli.out, w1_floor_value);
}

/* ----------------------------------------------------------------------------
 * 12. Keeping a trained model, and sampling it without training again
 *
 * --save FILE writes every run of the invocation into one checkpoint
 * (common/checkpoint.h, introduced in chapter 08); --load FILE builds the
 * same runs from the same flags and reads them back instead of training;
 * --generate K then draws K samples from each loaded generator, measures
 * them as section 8 does, and stops. What a run puts in the file, and why:
 *
 *   G.params, C.params   the two networks: G to sample, the critic to
 *                        measure (its W estimate and slope in the results);
 *   G.opt, C.opt         both optimisers' state (RMSProp's running squares,
 *                        or Adam's two moments and its step count t). A
 *                        sample does not need them, but a model that is to
 *                        be trained on does: a fresh Adam's first steps move
 *                        every weight by about lr, whatever its gradient;
 *   step                 the generator steps done;
 *   grad_norm            gp: the mean slope at the interpolates over the
 *                        last steps, which the results block reports and a
 *                        loaded model, whose critic takes no step, cannot
 *                        measure again;
 *
 * and once for the file, the training generator's state after the run.
 *
 * Every name starts with the run's target and method, and the critic's
 * blocks carry its activation too, e.g. "ring.gp.G.params" or
 * "bimodal.clip.C.leaky-relu.rmsprop.m". So a checkpoint of the gp runs does
 * not load into a clip run, a ring model not into the bimodal target, a
 * ReLU critic not into a LeakyReLU one; and another --hidden, --g-hidden or
 * --noise-dim changes a block's size. checkpoint_load compares every name
 * and size before it copies anything: a mismatch is one line and exit 1,
 * never a model of the wrong shape filled with someone else's numbers.
 * ------------------------------------------------------------------------- */
static void describe_runs(checkpoint *ck, run *const *rs, size_t n)
{
    *ck = (checkpoint){0};
    for (size_t i = 0; i < n; i++) {
        run *R = rs[i];
        wgan *W = R->W;
        const char *opt = R->cfg.method == METHOD_CLIP ? "rmsprop" : "adam";
        const char *act = W->C->act == ACT_RELU ? "relu" : "leaky-relu";
        char tag[16], name[CHECKPOINT_NAME_LEN];
        snprintf(tag, sizeof tag, "%s.%s", target_name(R->cfg.target), method_name(R->cfg.method));
        snprintf(name, sizeof name, "%s.G", tag);
        checkpoint_add_params(ck, name, W->PG);
        snprintf(name, sizeof name, "%s.G.%s", tag, opt);
        checkpoint_add_optimizer(ck, name, W->optG);
        snprintf(name, sizeof name, "%s.C.%s", tag, act);
        checkpoint_add_params(ck, name, W->C->P);
        snprintf(name, sizeof name, "%s.C.%s.%s", tag, act, opt);
        checkpoint_add_optimizer(ck, name, W->optC);
        snprintf(name, sizeof name, "%s.step", tag);
        checkpoint_add_long(ck, name, &R->step);
        if (R->cfg.method == METHOD_GP) {      /* one double: a vector of length 1 */
            gsl_vector_view gn = gsl_vector_view_array(&R->grad_norm, 1);
            snprintf(name, sizeof name, "%s.grad_norm", tag);
            checkpoint_add_vector(ck, name, &gn.vector);
        }
    }
}

/* --load: read every run from the file (a file of other runs or other
 * flags stops with one line naming the first difference), and say what came
 * back. */
static void load_runs(session *S, checkpoint *ck, run *const *rs, size_t n)
{
    char what[32];
    snprintf(what, sizeof what, "%zu run(s)", n);
    session_load(S, ck, what);
    printf("\n4. Loaded from a checkpoint, no training\n");
    for (size_t i = 0; i < n; i++)
        printf("   %s on the %s: generator step %ld\n", method_name(rs[i]->cfg.method),
               target_name(rs[i]->cfg.target), rs[i]->step);
}

/* --save: every run, and the training generator's state, in one file. */
static void save_runs(session *S, checkpoint *ck, size_t n)
{
    char what[32];
    snprintf(what, sizeof what, "%zu run(s)", n);
    session_save(S, ck, what);
}

/* --generate K: K samples of every loaded generator, from a generator of
 * their own seeded with the session's sample seed, --seed + 1000003 (the
 * same checkpoint and seed give the same files; every run gets the same
 * noise z), measured as in section 8:
 *
 *   ring      modes reached, covered and the share of sharp samples;
 *   bimodal   the exact W1 against K stratified real samples, and W1 to
 *             the target itself. (The ruler's floor grows as K shrinks:
 *             about 0.013 at K = 20000, 0.045 at 2000; section 8.)
 *
 * G's work matrices hold max_rows rows, so the samples come in chunks; K is
 * at most 100 000 (common/session.h), a few megabytes. */

/* The figure of one loaded generator's samples, generated_TARGET_METHOD
 * (chapters/07-wgan/figures/): it reads generated_ring_METHOD.dat or
 * generated_hist_bimodal_METHOD.dat, and from values.gp generated_n,
 * generated_step_TARGET_METHOD and (bimodal) bimodal_x_lo, _hi. */
static void use_generated_figure(const run *R, size_t K)
{
    const char *mn = method_name(R->cfg.method), *tn = target_name(R->cfg.target);
    char name[64];
    snprintf(name, sizeof name, "generated_%s_%s", tn, mn);
    fig_use(name);
    snprintf(name, sizeof name, "generated_step_%s_%s", tn, mn);
    fig_value(name, (double)R->step);
    fig_value("generated_n", (double)K);
    if (R->cfg.target == TARGET_BIMODAL) {
        fig_value("bimodal_x_lo", BI_LO);
        fig_value("bimodal_x_hi", BI_HI);
    }
}

static void generate_samples(run *const *rs, size_t n, long K, unsigned long seed, const char *dir,
                             metrics *m)
{
    const size_t k = (size_t)K;
    gsl_matrix *real = gsl_matrix_alloc(k, 1);                  /* bimodal: the ruler */
    gsl_matrix *hist = gsl_matrix_alloc(N_BINS, 3);
    double *xs = malloc(k * sizeof *xs), *ys = malloc(k * sizeof *ys);
    if (!xs || !ys)
        die("out of memory");
    int centres = 0;
    printf("\n5. Samples of the loaded generators (--generate %ld)\n", K);
    for (size_t i = 0; i < n; i++) {
        const run *R = rs[i];
        wgan *W = R->W;
        const char *mn = method_name(R->cfg.method), *tn = target_name(R->cfg.target);
        gsl_rng *fixed = rng_new(seed);
        gsl_matrix *X = gsl_matrix_alloc(k, W->dim);            /* (K, dim) */
        for (size_t at = 0; at < k; at += W->max_rows) {
            const size_t rows = k - at < W->max_rows ? k - at : W->max_rows;
            gsl_matrix_view fake = generate(W, fixed, rows);
            gsl_matrix_view dst = gsl_matrix_submatrix(X, at, 0, rows, W->dim);
            gsl_matrix_memcpy(&dst.matrix, &fake.matrix);
        }
        char file[96], header[160], metric[64];
        snprintf(file, sizeof file, "generated_%s_%s.dat", tn, mn);
        snprintf(header, sizeof header, "%s: %zu samples of G after %ld steps, one per row",
                 W->dim == 2 ? "x y" : "x", k, R->step);
        out_write_matrix(dir, file, header, X);
        if (R->cfg.target == TARGET_RING) {
            const toy_coverage cv = ring_coverage(X);
            const double covered = cv.covered, reached = cv.reached, hq = cv.hq;
            printf("%s on the ring, step %ld: %zu samples, modes reached %.0f/8 (within 0.2), "
                   "covered %.0f/8 (within 3 sd), sharp samples %.1f %%\n",
                   mn, R->step, k, reached, covered, 100.0 * hq);
            snprintf(metric, sizeof metric, "modes_covered_%s", mn);
            metrics_set(m, metric, covered);
            snprintf(metric, sizeof metric, "high_quality_share_%s", mn);
            metrics_set(m, metric, hq);
            snprintf(metric, sizeof metric, "modes_reached_%s", mn);
            metrics_set(m, metric, reached);
            if (!centres++)
                write_centres(dir);
        } else {
            real_stratified(fixed, real);
            for (size_t j = 0; j < k; j++) {
                xs[j] = gsl_matrix_get(X, j, 0);
                ys[j] = gsl_matrix_get(real, j, 0);
            }
            const double w1 = toy_w1_sorted(xs, ys, k);               /* sorts xs and ys */
            const double w1_target = w1_to_target(xs, k);
            printf("%s on the bimodal target, step %ld: %zu samples, exact W1 %.4f against %zu "
                   "stratified real samples (to the target itself %.4f)\n",
                   mn, R->step, k, w1, k, w1_target);
            snprintf(metric, sizeof metric, R->cfg.method == METHOD_GP ? "w1_exact_1d" : "w1_exact_1d_%s", mn);
            metrics_set(m, metric, w1);
            snprintf(metric, sizeof metric, "w1_target_1d_%s", mn);
            metrics_set(m, metric, w1_target);
            histogram_1d(X, hist);
            snprintf(file, sizeof file, "generated_hist_bimodal_%s.dat", mn);
            out_write_matrix(dir, file, "x  real_density  generated_density", hist);
        }
        use_generated_figure(R, k);
        gsl_matrix_free(X);
        gsl_rng_free(fixed);
    }
    metrics_set(m, "generated_samples", (double)K);
    gsl_matrix_free(real);
    gsl_matrix_free(hist);
    free(xs);
    free(ys);
}

/* ----------------------------------------------------------------------------
 * Appendix: the flags
 *
 * The knobs the text invites a student to turn, with the settings of
 * sections 4-6 as their defaults: gp's, and clip's own (Arjovsky et al.'s)
 * unless a flag says otherwise. common/session.h reads them together with
 * the common flags (--seed, --out, --quick, --quiet) and the persistence
 * flags of section 12 (--save, --load, --generate).
 * ------------------------------------------------------------------------- */

/* The per-method defaults and what --quick changes (30 steps, smaller
 * networks and batches: about a second, for the golden test); a flag the
 * user gave always wins. c holds the flags' values, gp's setting. */
static void recipe(wgan_plan *plan, wgan_config c, const cli *flags)
{
    plan->bimodal_steps = cli_given(flags, "steps") ? c.steps : 3500;
    plan->trap_steps = TRAP_STEPS;
    if (flags->quick) {
        if (!cli_given(flags, "steps")) c.steps = plan->bimodal_steps = 30;
        if (!cli_given(flags, "hidden")) c.hidden = 16;
        if (!cli_given(flags, "g-hidden")) c.g_hidden = 16;
        if (!cli_given(flags, "batch")) c.batch = 32;
        plan->trap_steps = 20;
    }
    c.method = METHOD_GP;
    plan->method[METHOD_GP] = c;
    c.method = METHOD_CLIP;                  /* clip: the paper's setting       */
    if (!cli_given(flags, "n-critic")) c.n_critic = 5;
    if (!cli_given(flags, "lr")) c.lr = 5e-5;
    if (!cli_given(flags, "g-lr")) c.g_lr = 5e-5;
    c.decay = 0;
    plan->method[METHOD_CLIP] = c;
}

/* Start the run (common/session.h): the defaults, the flags, --out, the
 * seed, --save / --load checked; then the plan. */
static void start(session *S, wgan_plan *plan, int argc, char **argv)
{
    const char *act = "leaky-relu", *penalty = "one-sided", *decay = "linear";
    wgan_config c = {.steps = 2000, .batch = 64, .n_critic = 10, .hidden = 64, .g_hidden = 64,
                     .noise_dim = 2, .lr = 1e-3, .g_lr = 5e-4, .clip = 0.01, .lambda = 10.0};
    plan->methods = "all";
    plan->targets = "both";
    cli_option options[] = {
        {"method", CLI_CHOICE, &plan->methods, "how the critic is kept 1-Lipschitz: clipping, penalty, or both",
         0, 0, "all|clip|gp", 0},
        {"target", CLI_CHOICE, &plan->targets, "the data: 8-Gaussian ring (2D), bimodal (1D) or both", 0, 0,
         "both|ring|bimodal", 0},
        {"steps", CLI_INT, &c.steps, "generator steps per run (bimodal: 3500 unless given)", 1, 1000000, NULL, 0},
        {"batch", CLI_INT, &c.batch, "samples per batch", 1, 100000, NULL, 0},
        {"n-critic", CLI_INT, &c.n_critic, "critic steps per generator step (clip: 5 unless given)", 1, 1000,
         NULL, 0},
        {"lr", CLI_REAL, &c.lr, "the critic's learning rate (clip: 5e-5 unless given)", 1e-12, 1e12, NULL, 0},
        {"g-lr", CLI_REAL, &c.g_lr, "the generator's learning rate (clip: 5e-5 unless given)", 1e-12, 1e12,
         NULL, 0},
        {"lr-decay", CLI_CHOICE, &decay, "gp: learning rates fall linearly to 0, or stay (clip: always stay)",
         0, 0, "linear|none", 0},
        {"clip", CLI_REAL, &c.clip, "clip: every critic parameter in [-clip, clip]", 1e-9, 1e9, NULL, 0},
        {"gp-lambda", CLI_REAL, &c.lambda, "gp: weight of the gradient penalty (0: no constraint at all)",
         0, 1e9, NULL, 0},
        {"penalty", CLI_CHOICE, &penalty, "gp: max(0, |g| - 1)^2 or Gulrajani et al.'s (|g| - 1)^2", 0, 0,
         "one-sided|two-sided", 0},
        {"hidden", CLI_INT, &c.hidden, "the critic's units per hidden layer (3 layers)", 1, 4096, NULL, 0},
        {"g-hidden", CLI_INT, &c.g_hidden, "the generator's units per hidden layer (3 layers)", 1, 4096, NULL, 0},
        {"noise-dim", CLI_INT, &c.noise_dim, "dimension of the generator's noise z", 1, 1024, NULL, 0},
        {"act", CLI_CHOICE, &act, "the critic's hidden activation (both piecewise linear)", 0, 0,
         "leaky-relu|relu", 0},
    };
    session_start(S, "07-wgan", "Wasserstein GAN: weight clipping and gradient penalty, on a ring and in 1D.",
                  42, options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD, argc, argv);
    c.act = strcmp(act, "relu") == 0 ? ACT_RELU : ACT_LEAKY_RELU;
    c.one_sided = strcmp(penalty, "one-sided") == 0;
    c.decay = strcmp(decay, "linear") == 0;
    recipe(plan, c, &S->cli);
}

/* ----------------------------------------------------------------------------
 * 13. main: the numbers before the runs, the runs (trained, or read from
 *     --load), their results and figures (or --generate's samples), --save
 * ------------------------------------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    wgan_plan plan;                         /* which runs, each method's setting */
    start(&S, &plan, argc, argv);           /* the flags: see the appendix       */

    /* 1, 5, 10 and 7: the made-up numbers, the gradient check of the double
     * backward, the 1D trap (a loaded model skips them: they train nothing
     * it holds) */
    if (session_trains(&S))
        before_the_runs(&S, &plan);

    /* 6 and 9. train each selected method on each selected target (or build
     * it and read it from --load, section 12) */
    run *runs[4];
    const size_t n_runs = build_runs(&S, &plan, runs);
    checkpoint ck;                          /* what --save and --load move       */
    describe_runs(&ck, runs, n_runs);
    if (!session_trains(&S))
        load_runs(&S, &ck, runs, n_runs);

    if (S.generate > 0)     /* 12. K samples of every loaded generator, measured, and stop */
        generate_samples(runs, n_runs, S.generate, S.sample_seed, S.cli.out, &S.m);
    else                    /* 8 and 11. results and figures (a loaded model is measured now) */
        measure_runs(&S, runs, n_runs);
    save_runs(&S, &ck, n_runs);             /* with --save (section 12)          */

    for (size_t i = 0; i < n_runs; i++)
        run_free(runs[i]);
    session_finish(&S);                     /* results, metrics.txt, figures     */
    return 0;
}
#endif
