/* infogan.c -- chapter 09: InfoGAN on a DCGAN backbone (source 003, section
 * 6). G takes, besides the noise z, codes nobody labels, and is rewarded when
 * a third network Q reads them back from the image: so the codes come to mean
 * something you can see (a slant, a loop; with a categorical code, the
 * digit). Part 1: the source's model, the digit 2 and two continuous codes.
 * Part 2 (--categorical 10): the paper's, all digits and a ten-way code.
 * Unlike the source (README): narrower networks by default (--recipe source),
 * Q's loss wired as in the paper's code, uniform z in the figures too. */
#include "genlab.h"

#define SIDE 28
#define IMG (SIDE * SIDE)  /* 784 pixels per image                            */
#define N_CLASSES 10
#define N_CONT 2           /* continuous codes c_1, c_2, uniform on [-1, 1]     */
#define EVAL_N 1000        /* fixed-code samples behind every score (--quick: 100) */
#define FJD_N 10000        /* fjd's samples (--quick: 1000)                      */
#define GRID 10            /* sample grids 10 x 10, progress rows 10 wide        */
#define SWEEP 8            /* the code sweeps are 8 x 8, as in the source      */
#define MAX_SNAPS 8
#define SMOOTH 100         /* steps in the trailing mean of the loss curves    */

/* ----------------------------------------------------------------------------
 * 1. DCGAN: convolutions for images
 *
 * Data as in chapter 08 (MNIST, one image per row; no model sees a label).
 * A convolution (common/conv.h) slides one small filter over the image:
 * local patterns, the same weights everywhere. It is translation EQUIVARIANT
 * (shift the input, the feature map shifts with it), not invariant as the
 * source says. G goes the other way, 7x7 to 28x28, with transposed
 * convolutions: each is the ADJOINT of a convolution, <conv(x), y> =
 * <x, conv^T(y)> (tests/test_conv.c), so one's forward pass is the other's
 * backward pass. Kernel 4, stride 2, padding 1: 7 -> 14 -> 28 -> 14 -> 7.
 *
 *     G:  [z | cat | c] -> dense H, BN, ReLU -> dense 2F x 7 x 7, BN, ReLU
 *         -> convT F (14 x 14), BN, ReLU -> convT 1 (28 x 28), sigmoid
 *     trunk: x -> conv F (14 x 14), LReLU -> conv 2F (7 x 7), N, LReLU
 *         -> dense H, N, LReLU = features f, shared by the two heads:
 *     D: dense 1 (a logit)          Q: dense 128, N, LReLU -> dense ncat + 2
 *
 * The source: H = 1024, F = 64, LeakyReLU slope 0.3 (Keras's default).
 * Batch norm (common/batchnorm.h) normalises each unit of the dense 2F x 7
 * x 7 layer (Keras does it before the reshape; per channel, G collapses:
 * README), each channel of the convT. N (common/norm.h): the source's layer
 * norm, D's verdict on an image independent of its batch; or (--d-norm batch)
 * the paper's batch norm, with the statistics of the batch D is shown, real
 * and fake apart (D sees how a batch differs from real ones); or (conv, the
 * categorical default) batch norm only after the convolution. Biases kept.
 * ------------------------------------------------------------------------- */
typedef enum { WIRE_PAPER, WIRE_SOURCE } wiring_kind;
enum { NORM_LAYER, NORM_BATCH, NORM_CONV }; static const char *const D_NORMS[] = {"layer", "batch", "conv"}; /* N */
typedef struct ig_config {    /* one model's settings, from recipe() (Appendix C) */
    long steps, batch, noise_dim; /* iterations; rows per batch; z's size (62)     */
    long ncat, digit;         /* categorical code's values (0: none, one digit: this) */
    long dense, channels;     /* H and F above                                     */
    long d_steps, d_norm;     /* D updates per G update (source: 2); N: NORM_*     */
    long lr_drop_at;          /* from this iteration on, every rate / 10 (0: never) */
    double reseed;            /* section 7: copy a code value at this imbalance (0: never) */
    double lr_d, lr_g, lr_q, beta1, slope, ln_eps;  /* Adam; LeakyReLU; layer norm */
    double info_w, cat_w;     /* lambda: weight of L_Q; of its categorical part    */
    wiring_kind wiring;       /* which parameters L_Q trains (section 5)           */
} ig_config;

typedef struct buf { gsl_matrix *v, *d; } buf;  /* a layer's output, and dL/d(it) */

typedef struct infogan {
    ig_config cfg;
    size_t nz, ncat, nin, nq, n;     /* z, categorical, G's input, Q's output; batch rows */
    params *PG, *PD, *PQ;            /* G; trunk + D head; Q head                 */
    optimizer *optG, *optD, *optQ, *optGq;  /* optGq: --wiring source's 2nd Adam of G */
    dense g1, g2, d3, dh, q1, q2;    conv g3, g4, d1, d2;     /* the layers, as drawn */
    batchnorm *gb1, *gb2, *gb3;      anynorm dl2, dl3, ql1;
    buf in, h1, n1, a1, h2, n2, a2, h3, n3, a3, h4, x;        /* G, in its order  */
    buf t1, s1, t2, l2, s2, t3, l3, f, logit, u1, m1, r1, qo; /* trunk, heads     */
    gsl_matrix *real;                /* (n, 784) a batch of training images       */
    gsl_vector *work;                /* the convolutions' scratch                 */
    workspace *ws;                   /* owns the buffers above                    */
    gsl_rng *r;                      /* training: batches, codes                  */
    long step;                       /* iterations done                           */
    const image_set *data;
} infogan;

static infogan *infogan_new(const ig_config *cfg, const image_set *data, unsigned long seed)
{
    infogan *m = xcalloc(1, sizeof *m, "the model");
    const size_t H = (size_t)cfg->dense, F = (size_t)cfg->channels, n = (size_t)cfg->batch, S = 2 * F * 49;
    *m = (infogan){.cfg = *cfg, .nz = (size_t)cfg->noise_dim, .ncat = (size_t)cfg->ncat, .n = n, .r = rng_new(seed),
                   .nin = (size_t)(cfg->noise_dim + cfg->ncat) + N_CONT, .nq = (size_t)cfg->ncat + N_CONT, .data = data};
    m->PG = params_alloc(dense_size(m->nin, H) + dense_size(H, S) + conv_size(2 * F, F, 4) + conv_size(F, 1, 4)
                         + batchnorm_size(H) + batchnorm_size(S) + batchnorm_size(F));
    m->PD = params_alloc(conv_size(1, F, 4) + conv_size(F, 2 * F, 4) + dense_size(S, H) + dense_size(H, 1)
                         + layernorm_size(2 * F) + layernorm_size(H));     /* = batchnorm_size */
    m->PQ = params_alloc(dense_size(H, 128) + layernorm_size(128) + dense_size(128, m->nq));
    dense_bind(&m->g1, m->PG, m->nin, H);                m->gb1 = batchnorm_new(m->PG, H, 1);
    dense_bind(&m->g2, m->PG, H, S);                     m->gb2 = batchnorm_new(m->PG, S, 1);
    convt_bind(&m->g3, m->PG, 2 * F, F, 7, 7, 4, 2, 1);  m->gb3 = batchnorm_new(m->PG, F, 196);
    convt_bind(&m->g4, m->PG, F, 1, 14, 14, 4, 2, 1);
    conv_bind(&m->d1, m->PD, 1, F, SIDE, SIDE, 4, 2, 1);
    conv_bind(&m->d2, m->PD, F, 2 * F, 14, 14, 4, 2, 1); m->dl2 = norm_new(m->PD, 2 * F, 49, cfg->d_norm != NORM_LAYER, cfg->ln_eps);
    dense_bind(&m->d3, m->PD, S, H);                     m->dl3 = norm_new(m->PD, H, 1, cfg->d_norm == NORM_BATCH, cfg->ln_eps);
    dense_bind(&m->dh, m->PD, H, 1);
    dense_bind(&m->q1, m->PQ, H, 128);                   m->ql1 = norm_new(m->PQ, 128, 1, cfg->d_norm == NORM_BATCH, cfg->ln_eps);
    dense_bind(&m->q2, m->PQ, 128, m->nq);
    for (dense **L = (dense *[]){&m->g1, &m->g2, &m->d3, &m->dh, &m->q1, &m->q2, NULL}; *L; L++)
        dense_init_xavier(*L, m->r);                /* Xavier: Keras's Glorot default, as a normal */
    for (conv **L = (conv *[]){&m->g3, &m->g4, &m->d1, &m->d2, NULL}; *L; L++)
        conv_init_xavier(*L, m->r);
    m->optG = optim_adam(m->PG, cfg->lr_g, cfg->beta1, 0.999);
    m->optD = optim_adam(m->PD, cfg->lr_d, cfg->beta1, 0.999);
    m->optQ = optim_adam(m->PQ, cfg->lr_q, cfg->beta1, 0.999);
    m->optGq = cfg->wiring == WIRE_SOURCE ? optim_adam(m->PG, cfg->lr_q, cfg->beta1, 0.999) : NULL;
    m->ws = ws_new(n);                        /* every layer's output and gradient */
    buf *b[] = {&m->in, &m->h1, &m->n1, &m->a1, &m->t3, &m->l3, &m->f, &m->h2, &m->n2, &m->a2, &m->t2, &m->l2,
                &m->s2, &m->h3, &m->n3, &m->a3, &m->t1, &m->s1, &m->u1, &m->m1, &m->r1, &m->h4, &m->x, &m->logit, &m->qo};
    const size_t w[] = {m->nin, H, H, H, H, H, H, S, S, S, S, S, S, F * 196, F * 196, F * 196, F * 196, F * 196,
                        128, 128, 128, IMG, IMG, 1, m->nq};
    for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
        ws_add(m->ws, &b[k]->v, w[k]), ws_add(m->ws, &b[k]->d, w[k]);
    ws_add(m->ws, &m->real, IMG);
    m->work = conv_work_alloc(16 * (F * 49 > 196 ? F * 49 : 196));   /* im2col: g3, d2 | g4, d1 */
    return m;
}

static void infogan_free(infogan *m)
{
    params_free(m->PG); params_free(m->PD); params_free(m->PQ);
    optim_free(m->optG); optim_free(m->optD); optim_free(m->optQ); optim_free(m->optGq);
    batchnorm_free(m->gb1); batchnorm_free(m->gb2); batchnorm_free(m->gb3); norm_free(&m->dl2); norm_free(&m->dl3); norm_free(&m->ql1);
    ws_free(m->ws); gsl_vector_free(m->work); gsl_rng_free(m->r); free(m);
}

/* ----------------------------------------------------------------------------
 * 2. The generator G(z, c), forward and backward
 *
 * One line per layer; backward walks them bottom up, turning dL/d(output)
 * into dL/d(input) and adding dL/d(weights) to PG's gradient (the layers'
 * headers give the formulas). Batch norm trains on the batch's statistics
 * (BN_TRAIN) and measures with its running averages (BN_EVAL).
 * ------------------------------------------------------------------------- */
static const gsl_matrix *g_forward(infogan *m, const gsl_matrix *in, bn_mode mode)
{
    dense_forward(&m->g1, in, m->h1.v);                      /* (n, H)            */
    batchnorm_forward(m->gb1, m->h1.v, m->n1.v, mode);
    act_forward(ACT_RELU, m->n1.v, m->a1.v);
    dense_forward(&m->g2, m->a1.v, m->h2.v);                 /* (n, 2F x 7 x 7)   */
    batchnorm_forward(m->gb2, m->h2.v, m->n2.v, mode);       /* per unit          */
    act_forward(ACT_RELU, m->n2.v, m->a2.v);
    convt_forward(&m->g3, m->a2.v, m->h3.v, m->work);        /* (n, F x 14 x 14)  */
    batchnorm_forward(m->gb3, m->h3.v, m->n3.v, mode);       /* per channel       */
    act_forward(ACT_RELU, m->n3.v, m->a3.v);
    convt_forward(&m->g4, m->a3.v, m->h4.v, m->work);        /* (n, 28 x 28)      */
    act_forward(ACT_SIGMOID, m->h4.v, m->x.v);               /* pixels in (0, 1)  */
    return m->x.v;
}

static void g_backward(infogan *m)                           /* from x.d = dL/dx  */
{
    act_backward(ACT_SIGMOID, m->h4.v, m->x.v, m->x.d, m->h4.d);
    convt_backward(&m->g4, m->a3.v, m->h4.d, m->a3.d, m->work);
    act_backward(ACT_RELU, m->n3.v, m->a3.v, m->a3.d, m->n3.d);
    batchnorm_backward(m->gb3, m->h3.v, m->n3.d, m->h3.d);
    convt_backward(&m->g3, m->a2.v, m->h3.d, m->a2.d, m->work);
    act_backward(ACT_RELU, m->n2.v, m->a2.v, m->a2.d, m->n2.d);
    batchnorm_backward(m->gb2, m->h2.v, m->n2.d, m->h2.d);
    dense_backward(&m->g2, m->a1.v, m->h2.d, m->a1.d);
    act_backward(ACT_RELU, m->n1.v, m->a1.v, m->a1.d, m->n1.d);
    batchnorm_backward(m->gb1, m->h1.v, m->n1.d, m->h1.d);
    dense_backward(&m->g1, m->in.v, m->h1.d, NULL);          /* z and c are ours  */
}

/* ----------------------------------------------------------------------------
 * 3. One trunk, two heads: D and Q
 *
 * D and Q both need to see what is in an image: they share the trunk (the
 * source's "extractor") and each adds a head, D's a logit (its sigmoid in
 * the loss, as in 08), Q's its guess of the codes. f feeds both heads, so
 * dL/df is the SUM of what comes back through each.
 * ------------------------------------------------------------------------- */
static void d_forward(infogan *m, const gsl_matrix *X, int with_q)
{
    const double s = m->cfg.slope;
    conv_forward(&m->d1, X, m->t1.v, m->work);               /* (n, F x 14 x 14)  */
    leaky_relu_forward(s, m->t1.v, m->s1.v);
    conv_forward(&m->d2, m->s1.v, m->t2.v, m->work);         /* (n, 2F x 7 x 7)   */
    norm_forward(&m->dl2, m->t2.v, m->l2.v);                 /* LN: each pixel's 2F channels */
    leaky_relu_forward(s, m->l2.v, m->s2.v);
    dense_forward(&m->d3, m->s2.v, m->t3.v);                 /* (n, H)            */
    norm_forward(&m->dl3, m->t3.v, m->l3.v);
    leaky_relu_forward(s, m->l3.v, m->f.v);                  /* features f        */
    dense_forward(&m->dh, m->f.v, m->logit.v);               /* D: (n, 1) logit   */
    if (!with_q)
        return;
    dense_forward(&m->q1, m->f.v, m->u1.v);                  /* Q: (n, 128)       */
    norm_forward(&m->ql1, m->u1.v, m->m1.v);
    leaky_relu_forward(s, m->m1.v, m->r1.v);
    dense_forward(&m->q2, m->r1.v, m->qo.v);                 /* (n, ncat + 2)     */
}

/* from logit.d (with_d) and qo.d (with_q) to the heads' and the trunk's
 * gradients (+=) and, if dX is not NULL, dL/dX */
static void d_backward(infogan *m, const gsl_matrix *X, int with_d, int with_q, gsl_matrix *dX)
{
    const double s = m->cfg.slope;
    if (with_d)
        dense_backward(&m->dh, m->f.v, m->logit.d, m->f.d);
    if (with_q) {
        dense_backward(&m->q2, m->r1.v, m->qo.d, m->r1.d);
        leaky_relu_backward(s, m->m1.v, m->r1.d, m->m1.d);
        norm_backward(&m->ql1, m->u1.v, m->m1.d, m->u1.d);
        dense_backward(&m->q1, m->f.v, m->u1.d, with_d ? m->l3.d : m->f.d);
        if (with_d)
            gsl_matrix_add(m->f.d, m->l3.d);                 /* df = D's share + Q's */
    }
    leaky_relu_backward(s, m->l3.v, m->f.d, m->l3.d);
    norm_backward(&m->dl3, m->t3.v, m->l3.d, m->t3.d);
    dense_backward(&m->d3, m->s2.v, m->t3.d, m->s2.d);
    leaky_relu_backward(s, m->l2.v, m->s2.d, m->l2.d);
    norm_backward(&m->dl2, m->t2.v, m->l2.d, m->t2.d);
    conv_backward(&m->d2, m->s1.v, m->t2.d, m->s1.d, m->work);
    leaky_relu_backward(s, m->t1.v, m->s1.d, m->t1.d);
    conv_backward(&m->d1, X, m->t1.d, dX, m->work);
}

/* ----------------------------------------------------------------------------
 * 4. InfoGAN: rewarding G for codes that can be read back
 *
 * A plain GAN's G ignores c. InfoGAN asks for a large mutual information:
 *
 *     min_{G,Q} max_D  V(D, G) - lambda I(c; G(z, c))
 *
 * I(c; x) = H(c) - H(c | x) needs the posterior p(c | x), which nobody has.
 * Barber and Agakov: for ANY guess Q(c | x), with a gap E KL(p || Q) >= 0,
 *
 *     I(c; x) >= H(c) + E_{z, c} log Q(c | x = G(z, c))
 *
 * H(c) is fixed, so raising the bound is lowering -E log Q over G AND Q: Q
 * learns to read c, G to write it legibly. (Training Q is not "equivalent
 * to maximising the mutual information", as the source says: it raises a
 * lower bound.) Q a Gaussian of fixed variance around mu(x) makes -log Q =
 * (c - mu(x))^2 / (2 sigma^2) + const, the source's MSE; for a categorical
 * code Q is a softmax and -log Q a cross-entropy:
 *
 *     L_Q = MSE(mu, c) + w_cat xent(Q's logits, cat)          (w_cat: --cat-weight)
 *
 * lambda MSE is -log Q for sigma^2 = 1/lambda: lambda = 2 (--info-weight; 1 with
 * a categorical code, and the source's). z, c are uniform on [-1, 1].
 * ------------------------------------------------------------------------- */
static void draw_codes(gsl_rng *r, gsl_matrix *in, size_t nz, size_t ncat, int gauss_z)
{
    for (size_t i = 0; i < in->size1; i++) {
        double *row = gsl_matrix_ptr(in, i, 0);
        for (size_t j = 0; j < nz; j++)                      /* z ~ U[-1, 1]^nz   */
            row[j] = gauss_z ? gsl_ran_gaussian(r, 1.0) : gsl_ran_flat(r, -1.0, 1.0);
        const size_t k = ncat ? gsl_rng_uniform_int(r, ncat) : 0;
        for (size_t j = 0; j < ncat; j++)                    /* cat: one-hot      */
            row[nz + j] = j == k;
        for (size_t j = 0; j < N_CONT; j++)                  /* c ~ U[-1, 1]^2    */
            row[nz + ncat + j] = gsl_ran_flat(r, -1.0, 1.0);
    }
}

static gsl_matrix_view cols(gsl_matrix *A, size_t from, size_t k) { return gsl_matrix_submatrix(A, 0, from, A->size1, k); }

/* L_Q of Q's output qo for the codes in m->in; with want_grad, qo.d = dL_Q/dqo
 * times `scale` (lambda, the weight the caller gives it) */
static double info_loss(infogan *m, double scale, int want_grad)
{
    gsl_matrix_view c = cols(m->in.v, m->nz + m->ncat, N_CONT), mu = cols(m->qo.v, m->ncat, N_CONT),
                    dmu = cols(m->qo.d, m->ncat, N_CONT);
    double L = loss_mse(&mu.matrix, &c.matrix, want_grad ? &dmu.matrix : NULL);
    if (m->ncat) {
        gsl_matrix_view cat = cols(m->in.v, m->nz, m->ncat), lg = cols(m->qo.v, 0, m->ncat),
                        dlg = cols(m->qo.d, 0, m->ncat);
        L += m->cfg.cat_w * loss_softmax_xent(&lg.matrix, &cat.matrix, want_grad ? &dlg.matrix : NULL);
        if (want_grad)
            gsl_matrix_scale(&dlg.matrix, m->cfg.cat_w);
    }
    if (want_grad)
        gsl_matrix_scale(m->qo.d, scale);
    return L;
}

/* ----------------------------------------------------------------------------
 * 5. Who trains what: the discriminator's step
 *
 * D is chapter 08's classifier, G fixed: L_D = BCE(D(x), 1) + BCE(D(G(z, c)), 0).
 * What L_Q trains is a choice (--wiring):
 *
 *   paper   (ours) the trunk, Q's head and G: D's step trains the trunk and
 *           Q's head on L_D + lambda L_Q (on D's fakes), G's step takes
 *           L_G + lambda L_Q in one Adam step.
 *   source  the trunk learns L_D alone; a third step trains Q's head and G
 *           on L_Q through the FROZEN trunk, with a second Adam for G: two
 *           half-informed steps, each with its own running averages.
 *
 * A frozen layer is still backpropagated THROUGH; its gradient is computed
 * and not used. Two D steps per G step, as the source (--d-steps); each one
 * Adam step on the whole L_D (the source's Keras code takes two, real then
 * fake: chapter 08's --d-update split).
 * ------------------------------------------------------------------------- */
static double d_part(infogan *m, const gsl_matrix *X, double target, int with_q, int want_grad)
{
    d_forward(m, X, with_q);
    double L = loss_bce_logits(m->logit.v, NULL, target, want_grad ? m->logit.d : NULL);
    if (with_q)
        L += m->cfg.info_w * info_loss(m, m->cfg.info_w, want_grad);
    if (want_grad)
        d_backward(m, X, 1, with_q, NULL);                   /* += dL/dtheta_D (and Q) */
    return L;
}

/* L_D (+ lambda L_Q on the fakes, --wiring paper) at m->real, m->in; with
 * want_grad, PD->grad and PQ->grad hold its gradient */
static double d_loss(infogan *m, int want_grad)
{
    if (want_grad)
        params_zero_grad(m->PD), params_zero_grad(m->PQ);
    const double L = d_part(m, m->real, 1.0, 0, want_grad);
    const gsl_matrix *x = g_forward(m, m->in.v, BN_TRAIN);   /* the fakes          */
    return L + d_part(m, x, 0.0, m->cfg.wiring == WIRE_PAPER, want_grad);
}

static double d_step(infogan *m)
{
    for (size_t i = 0; i < m->n; i++)                        /* real: with replacement */
        memcpy(gsl_matrix_ptr(m->real, i, 0), gsl_matrix_const_ptr(m->data->images,
               gsl_rng_uniform_int(m->r, m->data->n), 0), IMG * sizeof(double));
    draw_codes(m->r, m->in.v, m->nz, m->ncat, 0);
    const double L = d_loss(m, 1);
    optim_step(m->optD);
    if (m->cfg.wiring == WIRE_PAPER)
        optim_step(m->optQ);
    return L;
}

/* ----------------------------------------------------------------------------
 * 6. The generator's step, and the source's Q step
 *
 *     L_G = BCE(D(G(z, c)), 1)  [+ lambda L_Q(Q(G(z, c)), c)  with --wiring paper]
 *
 * (non-saturating, chapter 05). Both terms reach G only through x: back
 * through heads and trunk to dL/dx (section 3), then through G (section 2);
 * D's and Q's gradients are computed on the way, and only optG steps. With
 * --wiring source a third step trains PG (optGq) and PQ (optQ) on lambda L_Q.
 * ------------------------------------------------------------------------- */
/* with_d: the BCE term; with_q: lambda L_Q. The paper's L_G is (1, 1); the
 * source's G step (1, 0), its Q step (0, 1) */
static double g_loss(infogan *m, int with_d, int with_q, int want_grad, double *q_part)
{
    const gsl_matrix *x = g_forward(m, m->in.v, BN_TRAIN);
    d_forward(m, x, with_q);
    const double L = with_d ? loss_bce_logits(m->logit.v, NULL, 1.0, want_grad ? m->logit.d : NULL) : 0.0;
    *q_part = with_q ? info_loss(m, m->cfg.info_w, want_grad) : 0.0;
    if (want_grad) {
        params_zero_grad(m->PG); params_zero_grad(m->PD); params_zero_grad(m->PQ);
        d_backward(m, x, with_d, with_q, m->x.d);            /* dL/dx, (n, 784)   */
        g_backward(m);                                       /* += dL/dtheta_G    */
    }
    return L + m->cfg.info_w * *q_part;
}

/* One iteration: d_steps D steps, then G (and the source's Q step); from
 * --lr-drop-at on, every Adam at a tenth of its rate, to settle the end of a
 * run. v: the mean D loss, G's BCE term, L_Q. */
static void iteration(infogan *m, double *v)
{
    const int paper = m->cfg.wiring == WIRE_PAPER;
    const double f = m->cfg.lr_drop_at > 0 && m->step >= m->cfg.lr_drop_at ? 0.1 : 1.0;  /* the last stretch: / 10 */
    m->optD->lr = f * m->cfg.lr_d, m->optG->lr = f * m->cfg.lr_g, m->optQ->lr = f * m->cfg.lr_q;
    if (m->optGq)
        m->optGq->lr = f * m->cfg.lr_q;
    v[0] = 0.0;
    for (long k = 0; k < m->cfg.d_steps; k++)
        v[0] += d_step(m) / (double)m->cfg.d_steps;
    draw_codes(m->r, m->in.v, m->nz, m->ncat, 0);
    v[1] = g_loss(m, 1, paper, 1, &v[2]);
    v[1] -= m->cfg.info_w * v[2];                            /* log the BCE alone */
    optim_step(m->optG);
    if (!paper) {
        draw_codes(m->r, m->in.v, m->nz, m->ncat, 0);
        g_loss(m, 0, 1, 1, &v[2]);
        optim_step(m->optGq);
        optim_step(m->optQ);
    }
    check_finite(v[0] + v[1] + v[2], "D, G or Q loss", m->step);
    m->step++;
}

/* ----------------------------------------------------------------------------
 * 7. Training, and a record of it: scores of samples of FIXED codes (their
 * own generator; with a categorical code in blocks of ncat, one z and c and
 * every value of the code). The recorder never touches m->r.
 * ------------------------------------------------------------------------- */
typedef struct sample_set {
    size_t n;
    gsl_rng *r;                  /* the fixed codes' own generator             */
    gsl_matrix *codes, *images;  /* (n, nin) G's inputs, (n, 784) their images */
    gsl_matrix *q;               /* (n, ncat + 2) Q's output on the images     */
    unsigned char *want, *judged;/* the digit (part 1) or code value; the judge's class */
    int gauss_z;                 /* z ~ N(0, 1) (the source's plots)           */
} sample_set;

static void sample_set_draw(sample_set *e, const infogan *m)  /* the next n codes */
{
    draw_codes(e->r, e->codes, m->nz, m->ncat, e->gauss_z);
    for (size_t i = 0; i < e->n; i++) {
        const size_t k = m->ncat ? i % m->ncat : 0;
        if (k > 0)                                           /* z and c of its block */
            memcpy(gsl_matrix_ptr(e->codes, i, 0), gsl_matrix_ptr(e->codes, i - k, 0), m->nin * sizeof(double));
        for (size_t j = 0; j < m->ncat; j++)
            gsl_matrix_set(e->codes, i, m->nz + j, j == k);
        e->want[i] = (unsigned char)(m->ncat ? k : (size_t)m->cfg.digit);
    }
}

static sample_set *sample_set_new(const infogan *m, size_t n, unsigned long seed, int gauss_z)
{
    sample_set *e = xmalloc(sizeof *e, "the samples");
    *e = (sample_set){n, rng_new(seed), gsl_matrix_alloc(n, m->nin), gsl_matrix_alloc(n, IMG), gsl_matrix_alloc(n, m->nq),
                      xmalloc(n, "the samples"), xmalloc(n, "the samples"), gauss_z};
    sample_set_draw(e, m);
    return e;
}

static void sample_set_free(sample_set *e)
{
    gsl_rng_free(e->r); gsl_matrix_free(e->codes); gsl_matrix_free(e->images); gsl_matrix_free(e->q);
    free(e->want); free(e->judged); free(e);
}

/* images = G(codes), BN's running averages; q = Q(images) if q; batch by batch */
static const gsl_matrix *run_samples(infogan *m, const gsl_matrix *codes, gsl_matrix *images, gsl_matrix *q)
{
    for (size_t s = 0; s < codes->size1; s += m->n) {
        const size_t k = codes->size1 - s < m->n ? codes->size1 - s : m->n;
        ws_rows(m->ws, k);
        gsl_matrix_const_view c = gsl_matrix_const_submatrix(codes, s, 0, k, m->nin);
        gsl_matrix_view x = gsl_matrix_submatrix(images, s, 0, k, IMG), qv;
        gsl_matrix_memcpy(m->in.v, &c.matrix);
        gsl_matrix_memcpy(&x.matrix, g_forward(m, m->in.v, BN_EVAL));
        if (q) {
            qv = gsl_matrix_submatrix(q, s, 0, k, m->nq);
            d_forward(m, m->x.v, 1);
            gsl_matrix_memcpy(&qv.matrix, m->qo.v);
        }
    }
    ws_rows(m->ws, m->n);
    return images;
}

typedef struct evaluation {
    double q_mse[N_CONT + 1];   /* Q's squared error on c_1, c_2, and their mean  */
    double q_cat, cat_acc;      /* q_cat_accuracy, cat_code_accuracy (section 8)  */
    judge_verdict judged;       /* share judged the digit; or [code][class] shares */
    int match[N_CLASSES];       /* the class matched to each code value          */
} evaluation;
static evaluation evaluate(infogan *m, sample_set *e, judge *j);

typedef struct recorder {
    judge *j;                               /* NULL: no judge scores               */
    sample_set *e;                          /* the fixed-code samples              */
    long from, to, log_every, eval_every;   /* the steps this run trains           */
    long snap_step[MAX_SNAPS];  size_t n_snaps;   /* snapshots: at from + k (to - from) / 7 */
    history *loss, *score;      /* every step: v of iteration(); every evaluation: section 8's */
    gsl_matrix *snaps;          /* (MAX_SNAPS * 10, 784) samples while training */
    evaluation last;            progress prog;
    sample_set *f;              /* with a judge: fjd's FJD_N samples, their own codes */
    fjd_reference ref;          /* the test digits' features, fjd_floor, fjd_noise */
    double fjd_start, fjd_end;  /* fjd of f: untrained G (0: not from scratch), trained */
} recorder;

static void recorder_init(recorder *rec, const session *S, const infogan *m, judge *j, sample_set *e, const dataset_info *ds, unsigned long fjd_seed)
{
    const ig_config *c = &m->cfg;
    printf("\n== 7. Training on %zu images: H %ld, F %ld, slope %g; Adam(%g) lr D %g, G %g, Q %g; batch %ld; %ld "
           "D steps per G step; wiring %s; lambda %g%s%s", m->data->n, c->dense, c->channels, c->slope, c->beta1, c->lr_d,
           c->lr_g, c->lr_q, c->batch, c->d_steps, c->wiring == WIRE_PAPER ? "paper" : "source", c->info_w,
           (const char *[]){"", "; batch norm in D and Q", "; batch norm after D's convolution"}[c->d_norm],
           c->reseed > 0 ? "; re-seeding starved code values" : "");
    printf(S->load ? "\n" : "; %ld steps\n", c->steps);
    session_check_resume(S, m->step, c->steps);
    const long from = m->step, to = S->load ? from : c->steps, span = to - from;
    if (S->load || S->resume)
        printf("starts from a checkpoint at step %ld; %s\n", from, to > from ? "training on" : "no training");
    *rec = (recorder){.j = j, .e = e, .from = from, .to = to, .snaps = gsl_matrix_calloc(MAX_SNAPS * GRID, IMG),
                      .eval_every = span >= 20 ? span / 20 : 1};     /* 20 evaluations, 10 log lines */
    rec->log_every = span >= 20 ? 2 * rec->eval_every : 1;
    rec->loss = history_new((size_t)(span > 0 ? span : 1), SMOOTH, "d_loss g_loss q_loss");
    rec->score = history_new((size_t)(span / rec->eval_every + 4), 1, "q_code_mse judge_share cat_code_accuracy q_cat_accuracy fjd");
    if (j) {   /* fjd (chapter 08, common/judge.h) before training: the same samples score the untrained G */
        image_set *test = dataset_load(ds, "t10k", m->ncat ? -1 : (int)c->digit);
        rec->f = sample_set_new(m, e->n * (FJD_N / EVAL_N), fjd_seed, 0);
        rec->ref = fjd_reference_for(j, test->images, m->data->images, rec->f->n, rec->f->r);   /* noise: f's generator */
        image_set_free(test);
    }
    progress_start(&rec->prog, span, S->cli.quiet);
}

static void record(recorder *rec, infogan *m, const double *v)
{
    const long step = m->step, done = step - rec->from, span = rec->to - rec->from;
    if (done > 0)
        history_add(rec->loss, step, v);
    if (done % rec->eval_every == 0 || step == rec->to) {
        const evaluation ev = rec->last = evaluate(m, rec->e, rec->j);   /* fjd of its eval_n images: */
        const double fjd = rec->f ? judge_fjd(rec->j, rec->ref.test, rec->e->images) : 0.0;     /* cheap, biased up */
        history_add(rec->score, step, (const double[]){ev.q_mse[N_CONT], ev.judged.score, ev.cat_acc, ev.q_cat, fjd});
        if (rec->f && step == 0)          /* from scratch: fjd_start, on fjd's own FJD_N samples */
            rec->fjd_start = judge_fjd(rec->j, rec->ref.test, run_samples(m, rec->f->codes, rec->f->images, NULL));
    }
    if (rec->n_snaps < MAX_SNAPS && done >= (long)rec->n_snaps * span / (MAX_SNAPS - 1)) {
        gsl_matrix_view rows = gsl_matrix_submatrix(rec->snaps, rec->n_snaps * GRID, 0, GRID, IMG);
        gsl_matrix_const_view codes = gsl_matrix_const_submatrix(rec->e->codes, 0, 0, GRID, m->nin);
        run_samples(m, &codes.matrix, &rows.matrix, NULL);
        rec->snap_step[rec->n_snaps++] = step;
    }
    if (done > 0 && (done % rec->log_every == 0 || step == rec->to)) {
        const size_t b = rec->loss->n, a = b >= (size_t)rec->log_every ? b - rec->log_every : 0;
        const evaluation *l = &rec->last;
        printf("step %6ld  D %.3f  G %.3f  Q %.4f  q_code_mse %.4f", step, history_average(rec->loss, 0, a, b),
               history_average(rec->loss, 1, a, b), history_average(rec->loss, 2, a, b), l->q_mse[N_CONT]);
        if (m->ncat)
            printf("  Q reads cat %5.1f %%", 100.0 * l->q_cat);
        if (rec->j)
            printf(m->ncat ? "  cat_code_accuracy %.3f" : "  judge %5.1f %%", m->ncat ? l->cat_acc : 100.0 * l->judged.score);
        printf("\n");
    }
    progress_report(&rec->prog, done, "D %.3f  G %.3f  Q %.4f", v[0], v[1], v[2]);
}

/* Re-seeding a starved code value (--reseed). Two digits sharing a code
 * value leave another split over two (README), and Q shows it on REAL digits
 * with no label: of 64 batches of training images, the share whose likeliest
 * value is k is near twice the mean for the shared value, half of it for a
 * half of the split digit. As k-means does for an empty cluster (VQ-VAE for
 * a dead code), the idlest value becomes a copy of the busiest: G's input
 * row (plus a tenth of noise), Q's output column and bias. L_Q pushes the
 * twins apart; the digits they shared are the largest difference there is. */
static void reseed_codes(infogan *m)
{
    double share[N_CLASSES] = {0};
    const size_t probe = GSL_MIN(64, m->data->n / m->n) * m->n;
    for (size_t s = 0; s < probe; s += m->n) {              /* Q's reading of real digits */
        gsl_matrix_const_view X = gsl_matrix_const_submatrix(m->data->images, s, 0, m->n, IMG);
        d_forward(m, &X.matrix, 1);
        for (size_t i = 0; i < m->n; i++)                   /* the likeliest: the largest logit */
            share[gsl_stats_max_index(gsl_matrix_const_ptr(m->qo.v, i, 0), 1, m->ncat)] += 1.0 / (double)probe;
    }
    const size_t lo = gsl_stats_min_index(share, 1, m->ncat), hi = gsl_stats_max_index(share, 1, m->ncat);
    if (share[hi] <= m->cfg.reseed * share[lo])
        return;
    gsl_vector_view g_hi = gsl_matrix_row(&m->g1.W.matrix, m->nz + hi), g_lo = gsl_matrix_row(&m->g1.W.matrix, m->nz + lo),
                    q_hi = gsl_matrix_column(&m->q2.W.matrix, hi), q_lo = gsl_matrix_column(&m->q2.W.matrix, lo);
    const double noise = 0.1 * gsl_blas_dnrm2(&g_hi.vector) / sqrt((double)g_hi.vector.size);   /* a tenth of its rms */
    for (size_t j = 0; j < g_hi.vector.size; j++)
        gsl_vector_set(&g_lo.vector, j, gsl_vector_get(&g_hi.vector, j) + gsl_ran_gaussian(m->r, noise));
    gsl_vector_memcpy(&q_lo.vector, &q_hi.vector);
    gsl_vector_set(&m->q2.b.vector, lo, gsl_vector_get(&m->q2.b.vector, hi));
    printf("step %6ld  code value %zu (%.3f of the real digits) re-seeded from value %zu (%.3f)\n", m->step, lo, share[lo], hi, share[hi]);
}

static void train(infogan *m, long to_step, recorder *rec)
{
    double v[3] = {0};
    if (rec)
        record(rec, m, v);                                   /* the starting point */
    while (m->step < to_step) {
        iteration(m, v);
        if (m->ncat && m->cfg.reseed > 0 && m->step % GSL_MAX(m->cfg.steps / 12, 1) == 0 && 4 * m->step >= m->cfg.steps
            && 3 * m->step <= 2 * m->cfg.steps)
            reseed_codes(m);           /* every 12th of the run, from 1/4 (sooner, values still form: README) to 2/3 */
        if (rec)
            record(rec, m, v);
    }
    if (rec && rec->to > rec->from)
        progress_end(&rec->prog);
}

/* ----------------------------------------------------------------------------
 * 8. Measuring what the codes mean
 *
 * q_code_mse: Q's squared error on c (1/3: Q knows nothing). With sigma^2 =
 * MSE, the bound of section 4 in nats (I itself is infinite for a G one to
 * one in c): I(c_k; x) >= log 2 - 0.5 log(2 pi e MSE_k). The judge: the
 * share called the model's digit; or cat_code_accuracy, the share judged as
 * the class matched to its code value (best one-to-one matching, judge.h).
 * code_effect_k: the mean pixel change from c_k = -1 to +1, z fixed, over
 * that between two z; code_slant_k: what c_k does to the slant (common/ink.h,
 * > 0 leaning right).
 * ------------------------------------------------------------------------- */
static evaluation evaluate(infogan *m, sample_set *e, judge *j)
{
    evaluation v = {0};
    double count[N_CLASSES][N_CLASSES] = {{0}};
    run_samples(m, e->codes, e->images, e->q);
    for (size_t i = 0; i < e->n; i++) {
        for (size_t k = 0; k < N_CONT; k++) {
            const double d = gsl_matrix_get(e->q, i, m->ncat + k) - gsl_matrix_get(e->codes, i, m->nz + m->ncat + k);
            v.q_mse[k] += d * d / (double)e->n;
            v.q_mse[N_CONT] += d * d / (double)(e->n * N_CONT);
        }
        if (m->ncat)                                         /* Q's guess: its largest logit */
            v.q_cat += (gsl_stats_max_index(gsl_matrix_const_ptr(e->q, i, 0), 1, m->ncat) == e->want[i]) / (double)e->n;
    }
    if (!j)
        return v;
    v.judged = judge_verdicts(j, e->images, e->want, e->judged, NULL);
    for (size_t i = 0; i < e->n; i++)
        count[e->want[i]][e->judged[i]] += 1.0;
    v.cat_acc = m->ncat ? judge_best_matching(count, m->ncat, v.match) / (double)e->n : 0.0;
    return v;
}

/* G of e's first `rows` codes, ncols versions each: c_k from -1 to 1, the
 * other code 0 (k = N_CONT: both 0) */
static void sweep(infogan *m, const sample_set *e, size_t k, size_t rows, size_t ncols, gsl_matrix *images)
{
    gsl_matrix *codes = gsl_matrix_alloc(rows * ncols, m->nin);
    for (size_t i = 0; i < rows * ncols; i++) {
        memcpy(gsl_matrix_ptr(codes, i, 0), gsl_matrix_const_ptr(e->codes, i / ncols, 0), m->nin * sizeof(double));
        for (size_t c = 0; c < N_CONT; c++)
            gsl_matrix_set(codes, i, m->nz + m->ncat + c, c == k ? -1.0 + 2.0 * (double)(i % ncols) / (double)(ncols - 1) : 0.0);
    }
    run_samples(m, codes, images, NULL); gsl_matrix_free(codes);
}

/* code_effect_k and code_slant_k over the first half of e's codes */
static void code_effects(infogan *m, const sample_set *e, double *effect, double *dslant)
{
    const size_t rows = e->n / 2, block = m->ncat ? m->ncat : 1;
    gsl_matrix *x = gsl_matrix_alloc(2 * rows, IMG);
    sweep(m, e, N_CONT, rows, 1, x);
    double dz = 0.0;                 /* two z, the same codes (in blocks: the same cat) */
    for (size_t r = 0; r + block < rows; r++)
        dz += ink_change(gsl_matrix_ptr(x, r, 0), gsl_matrix_ptr(x, r + block, 0), IMG) / (double)(rows - block);
    for (size_t k = 0; k < N_CONT; k++) {
        sweep(m, e, k, rows, 2, x);                          /* c_k = -1, then +1 */
        effect[k] = dslant[k] = 0.0;
        for (size_t r = 0; r < rows; r++) {
            const double *lo = gsl_matrix_ptr(x, 2 * r, 0), *hi = gsl_matrix_ptr(x, 2 * r + 1, 0);
            effect[k] += ink_change(hi, lo, IMG) / dz / (double)rows;
            dslant[k] += (ink_slant(hi, SIDE, SIDE) - ink_slant(lo, SIDE, SIDE)) / (double)rows;
        }
    }
    gsl_matrix_free(x);
}

/* The last evaluation's scores, the bound, what the codes do, the scores
 * with the source's Gaussian z, fjd and fjd_vs_start (as chapter 08) */
static void measure(infogan *m, recorder *rec, judge *j, unsigned long gauss_seed, metrics *M)
{
    printf("\n== 8. What the codes mean\n");
    const evaluation *v = &rec->last;
    const size_t nl = rec->loss->n, tenth = nl / 10 > 0 ? nl / 10 : nl;
    for (size_t c = 0; c < 3 && nl > 0; c++)
        metrics_set(M, (const char *[]){"d_loss", "g_loss", "q_loss"}[c], history_average(rec->loss, c, nl - tenth, nl));
    metrics_set(M, "steps", (double)m->step); metrics_set(M, "q_code_mse", v->q_mse[N_CONT]);
    double effect[N_CONT], dslant[N_CONT]; code_effects(m, rec->e, effect, dslant);
    for (size_t k = 0; k < N_CONT; k++) {
        const double value[] = {v->q_mse[k], log(2.0) - 0.5 * log(2.0 * M_PI * M_E * v->q_mse[k]), effect[k], dslant[k]};
        for (int q = 0; q < 4; q++)
            metrics_setf(M, value[q], "%s_%zu", (const char *[]){"q_code_mse", "mi_bound", "code_effect", "code_slant"}[q], k + 1);
        printf("result: c_%zu: Q's squared error %.4f, I(c_%zu; x) >= %.2f nats, effect %.2f, slant %+.3f\n",
               k + 1, value[0], k + 1, value[1], effect[k], dslant[k]);
    }
    if (m->ncat) {
        printf("result: Q reads its categorical code on %.1f %% of the samples\n", 100.0 * v->q_cat);
        metrics_set(M, "q_cat_accuracy", v->q_cat);
    }
    if (!j)
        return;
    sample_set *g = sample_set_new(m, rec->e->n, gauss_seed, 1);   /* the source's plots: Gaussian z */
    const evaluation vg = evaluate(m, g, j);
    const char *share = m->ncat ? "cat_code_accuracy" : "judge_share_target";
    const double s = m->ncat ? v->cat_acc : v->judged.score, sg = m->ncat ? vg.cat_acc : vg.judged.score;
    metrics_set(M, share, s); metrics_setf(M, sg, "%s_gauss_z", share); metrics_set(M, "q_code_mse_gauss_z", vg.q_mse[N_CONT]);
    printf("result: %s %.3f; with Gaussian z, as the source plots: %.3f (q_code_mse %.4f)\n", share, s, sg, vg.q_mse[N_CONT]);
    for (size_t k = 0; k < m->ncat; k++)
        metrics_setf(M, (double)v->match[k], "cat_code_class_%zu", k);
    sample_set_free(g);
    const double fjd = rec->fjd_end = judge_fjd(j, rec->ref.test, run_samples(m, rec->f->codes, rec->f->images, NULL)),
                 s0 = rec->fjd_start, val[] = {fjd, rec->ref.floor, rec->ref.noise, s0, fjd / s0};
    for (int k = 0; k < (s0 > 0 ? 5 : 3); k++)     /* fjd: fjd_start's samples; fjd_start: from scratch only */
        metrics_set(M, (const char *[]){"fjd", "fjd_floor", "fjd_noise", "fjd_start", "fjd_vs_start"}[k], val[k]);
    printf("result: Frechet judge distance %.2f on %zu samples against %zu test digits (real training digits %.2f, "
           "noise %.1f)\n", fjd, rec->f->n, rec->ref.test->n, rec->ref.floor, rec->ref.noise);
    printf(s0 > 0 ? "result: the untrained G's, on the same samples: fjd_start %.2f; fjd_vs_start %.4f\n"
                  : "result: no fjd_start: this run started from a checkpoint, not from an untrained G\n", s0, fjd / s0);
    fjd_reference_free(&rec->ref); sample_set_free(rec->f); rec->f = NULL;   /* (floor, noise: kept) */
}

/* ----------------------------------------------------------------------------
 * Appendix A. Checkpoints: the three parameter blocks, every Adam state,
 * batch norm's running averages (they draw what we measure), the step and
 * the training generator: N steps, save, resume to N + M is bit for bit
 * N + M steps (tests/test_09_infogan.c). The flags say which model it is.
 * ------------------------------------------------------------------------- */
static void describe(checkpoint *ck, infogan *m)
{
    *ck = (checkpoint){0};
    checkpoint_add_params(ck, "G", m->PG); checkpoint_add_params(ck, "D", m->PD); checkpoint_add_params(ck, "Q", m->PQ);
    checkpoint_add_optimizer(ck, "G.adam", m->optG); checkpoint_add_optimizer(ck, "D.adam", m->optD);
    checkpoint_add_optimizer(ck, "Q.adam", m->optQ);
    if (m->optGq)                                            /* --wiring source */
        checkpoint_add_optimizer(ck, "G.adam_q", m->optGq);
    checkpoint_add_batchnorm(ck, "G.bn1", m->gb1); checkpoint_add_batchnorm(ck, "G.bn2", m->gb2); checkpoint_add_batchnorm(ck, "G.bn3", m->gb3);
    checkpoint_add_long(ck, "step", &m->step); checkpoint_add_long(ck, "digit", &m->cfg.digit); checkpoint_add_long(ck, "d_norm", &m->cfg.d_norm);
}

static void save_model(session *S, infogan *m)
{
    checkpoint ck;
    char what[64];
    if (!S->save)
        return;
    describe(&ck, m); gsl_rng_memcpy(S->rng, m->r);          /* and the training generator */
    snprintf(what, sizeof what, "InfoGAN at step %ld", m->step); session_save(S, &ck, what);
}

static void load_model(session *S, infogan *m)
{
    checkpoint ck;
    const long digit = m->cfg.digit, d_norm = m->cfg.d_norm;
    describe(&ck, m); session_load(S, &ck, "InfoGAN");
    gsl_rng_memcpy(m->r, S->rng);
    if (!m->ncat && m->cfg.digit != digit)
        die("%s: a model of the digit %ld; add --digit %ld", S->load ? S->load : S->resume, m->cfg.digit, m->cfg.digit);
    if (m->cfg.d_norm != d_norm)      /* same sizes, other layers (or a bad file): refuse */
        die("%s: a model with --d-norm %s", S->load ? S->load : S->resume, (unsigned long)m->cfg.d_norm <= NORM_CONV ? D_NORMS[m->cfg.d_norm] : "?");
}

/* ----------------------------------------------------------------------------
 * Appendix B. Figures (chapters/09-infogan/figures/NAME.gp): the data of
 * loss, q_error, fjd, progress, sweep_c1/2, samples or cat_grid,
 * cat_confusion, generated; and values.gp.
 * ------------------------------------------------------------------------- */
static void draw(infogan *m, const recorder *rec, const dataset_info *ds, const char *out)
{
    fig_value("image_side", SIDE); fig_value("steps", (double)m->step); fig_value("eval_n", (double)rec->e->n);
    fig_value("ncat", (double)m->ncat); fig_value("with_judge", rec->j != NULL);
    fig_value("loss_mean_steps", SMOOTH);
    if (m->ncat)
        fig_text("model_title", "all digits, a %zu-way categorical code", m->ncat);
    else
        fig_text("model_title", "the digit %s", ds->class_name[m->cfg.digit]);
    if (rec->loss->n > 0) {
        history_write(rec->loss, out, "loss.dat"); history_write(rec->score, out, "score.dat");
        fig_use("loss"); fig_use("q_error");
    }
    if (rec->j && rec->loss->n > 0) {                        /* fjd over training */
        fig_value("fjd_floor", rec->ref.floor); fig_value("fjd_noise", rec->ref.noise); fig_value("fjd_n", (double)(FJD_N / EVAL_N * rec->e->n));
        fig_value("fjd_start", rec->fjd_start); fig_value("fjd_end", rec->fjd_end); fig_use("fjd");
    }
    fig_snapshot_grid(out, "progress", rec->snaps, SIDE, rec->n_snaps, GRID, rec->snap_step);
    gsl_matrix *x = gsl_matrix_alloc(SWEEP * SWEEP, IMG);     /* rows: z, columns: c_k */
    for (size_t k = 0; k < N_CONT; k++) {
        sweep(m, rec->e, k, SWEEP, SWEEP, x);
        fig_image_grid(out, k ? "sweep_c2" : "sweep_c1", x, SIDE, SIDE, SWEEP, SWEEP); fig_usef("sweep_c%zu", k + 1);
    }
    gsl_matrix_free(x);
    const char *grid = m->ncat ? "cat_grid" : "samples";
    gsl_matrix_const_view first = gsl_matrix_const_submatrix(rec->e->images, 0, 0, GRID * GRID, IMG);
    fig_image_grid(out, grid, &first.matrix, SIDE, SIDE, GRID, GRID); fig_use(grid);
    if (!m->ncat || !rec->j)
        return;
    for (size_t k = 0; k < m->ncat; k++)                    /* code value -> judged class */
        fig_valuef(rec->last.match[k], "cat_match_%zu", k);
    gsl_matrix_const_view M = gsl_matrix_const_view_array(rec->last.judged.confusion[0], N_CLASSES, N_CLASSES);
    out_write_matrix(out, "cat_confusion.dat", "row k: code value k; column c: the share the judge calls c", &M.matrix); fig_use("cat_confusion");
}

/* --generate K: K samples of the loaded model, their codes first (the first
 * 100 as a grid), in blocks from the session's sample seed */
static void generate(infogan *m, session *S)
{
    const size_t K = (size_t)S->generate, shown = K < GRID * GRID ? K : GRID * GRID;
    sample_set *e = sample_set_new(m, K < EVAL_N ? K : EVAL_N, S->sample_seed, 0);
    FILE *f = out_open(S->cli.out, "generated_samples.dat");
    fprintf(f, "# the codes (categorical one-hot, then c_1 c_2), then 784 pixels in [0, 1], row by row\n");
    for (size_t start = 0; start < K; start += e->n) {
        const size_t k = K - start < e->n ? K - start : e->n;
        if (start > 0)                                        /* the next block */
            sample_set_draw(e, m);
        gsl_matrix_view codes = gsl_matrix_submatrix(e->codes, 0, 0, k, m->nin), x = gsl_matrix_submatrix(e->images, 0, 0, k, IMG);
        run_samples(m, &codes.matrix, &x.matrix, NULL);
        if (start == 0)
            fig_image_grid(S->cli.out, "generated", &x.matrix, SIDE, SIDE, (shown + GRID - 1) / GRID, GRID);
        gsl_matrix_view c = gsl_matrix_submatrix(e->codes, 0, m->nz, k, m->nin - m->nz);   /* cat, c_1, c_2 */
        out_write_rows(f, &c.matrix, &x.matrix);
    }
    out_close(f, "generated_samples.dat"); sample_set_free(e); fig_use("generated");
    fig_value("generated_shown", (double)shown); fig_value("generated_step", (double)m->step); fig_value("ncat", (double)m->ncat);
    printf("wrote %zu samples of the model at step %ld\n", K, m->step);
    metrics_set(&S->m, "generated_samples", (double)K);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags (the session adds --seed, --quick, --out, --quiet,
 * --save, --load, --generate, --resume) and the recipes.
 * ------------------------------------------------------------------------- */
typedef struct config {
    const char *recipe, *dataset, *data_dir, *judge_path, *wiring, *d_norm;
    long steps, batch, noise_dim, dense, channels, digit, categorical, d_steps, lr_drop_at;
    double lr_d, lr_g, lr_q, beta1, slope, info_w, cat_w, reseed;
    dataset_info ds;
    judge *j;  size_t eval_n;    /* NULL: no judge available; fixed-code samples */
    unsigned long seed[4];       /* training, evaluation, Gaussian-z and fjd samples */
} config;

static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.recipe = "default", .dataset = "mnist", .wiring = "paper", .d_norm = "layer",
                    .noise_dim = 62, .digit = 2, .d_steps = 2, .slope = 0.3, .cat_w = 1.0};
    const cli_option options[] = {
        {"recipe", CLI_CHOICE, &cfg->recipe, "default: narrow networks, batch 64; source: the source's model and settings", 0, 0, "default|source", 0},
        {"categorical", CLI_INT, &cfg->categorical, "values of a categorical code, all digits (0: none, one digit)", 0, 10, NULL, 0},
        {"steps", CLI_INT, &cfg->steps, "training iterations (default 1000, categorical 12000; source 5000)", 1, 1e7, NULL, 0},
        {"batch", CLI_INT, &cfg->batch, "rows per batch (default 64, categorical 32; source 256)", 1, 4096, NULL, 0},
        {"dense", CLI_INT, &cfg->dense, "units of G's first and the trunk's last dense layer (default 512; source 1024)", 1, 8192, NULL, 0},
        {"channels", CLI_INT, &cfg->channels, "channels at 14 x 14, twice that at 7 x 7 (default 32; source 64)", 1, 512, NULL, 0},
        {"noise-dim", CLI_INT, &cfg->noise_dim, "size of z", 1, 10000, NULL, 0},
        {"lr-d", CLI_REAL, &cfg->lr_d, "Adam learning rate of the trunk and D's head (default 2e-4)", 1e-7, 1, NULL, 0},
        {"lr-g", CLI_REAL, &cfg->lr_g, "G's Adam learning rate (default 1e-3)", 1e-7, 1, NULL, 0},
        {"lr-q", CLI_REAL, &cfg->lr_q, "Q's head (and G's second Adam with --wiring source) (default 2e-4; source 1e-3)", 1e-7, 1, NULL, 0},
        {"lr-drop-at", CLI_INT, &cfg->lr_drop_at, "from this iteration on, every Adam rate / 10 (0: never)", 0, 1e7, NULL, 0},
        {"reseed", CLI_REAL, &cfg->reseed, "re-seed the code value real digits claim least when the busiest claims this many times more (categorical 2, --quick none; 0: never)", 0, 100, NULL, 0},
        {"beta1", CLI_REAL, &cfg->beta1, "Adam's beta1 (default 0.5; source 0.9, Keras's)", 0, 0.999, NULL, 0},
        {"d-steps", CLI_INT, &cfg->d_steps, "D steps per G step (default 2, as the source; categorical 1)", 1, 10, NULL, 0},
        {"wiring", CLI_CHOICE, &cfg->wiring, "what Q's loss trains: trunk, Q and G (paper), or Q and G in a step of their own (source)", 0, 0, "paper|source", 0},
        {"info-weight", CLI_REAL, &cfg->info_w, "lambda, the weight of Q's loss (default 2; categorical and source 1; 0: a plain GAN)", 0, 100, NULL, 0},
        {"cat-weight", CLI_REAL, &cfg->cat_w, "weight of the categorical part of Q's loss", 0, 100, NULL, 0},
        {"slope", CLI_REAL, &cfg->slope, "LeakyReLU's slope in D and Q (default 0.3, Keras's; categorical 0.1, the paper's)", 0, 1, NULL, 0},
        {"d-norm", CLI_CHOICE, &cfg->d_norm, "D's and Q's normalisation (default layer; categorical conv): layer (source), batch (paper), conv (batch norm after the conv only)", 0, 0, "layer|batch|conv", 0},
        {"digit", CLI_INT, &cfg->digit, "the digit a model without categorical code learns", 0, 9, NULL, 0},
        {"dataset", CLI_CHOICE, &cfg->dataset, "which images", 0, 0, "mnist|fashion", 0},
        {"data", CLI_STRING, &cfg->data_dir, "directory with the four IDX files (default: by --dataset)", 0, 0, NULL, 0},
        {"judge", CLI_STRING, &cfg->judge_path, "the judge (default: build/judge/DATASET.judge)", 0, 0, NULL, 0},
    };
    session_start(S, "09-infogan", "InfoGAN on a DCGAN backbone: codes that mean something", 42,
                  options, sizeof options / sizeof options[0], SESSION_SAVE_LOAD | SESSION_RESUME, argc, argv);
    for (int k = 0; k < 4; k++)              /* every random number from S->rng, in this order */
        cfg->seed[k] = gsl_rng_get(S->rng);
    cfg->eval_n = S->cli.quick ? EVAL_N / 10 : EVAL_N; cfg->ds = dataset_select(cfg->dataset, cfg->data_dir);
    cfg->j = dataset_open_judge(&cfg->ds, cfg->judge_path, "no judge scores in this run"); note("data from %s", cfg->ds.dir);
    printf("09-infogan: seed %ld, %s, recipe %s, %s%s\n", S->cli.seed, cfg->ds.title, cfg->recipe,
           cfg->categorical ? "all classes and a categorical code" : "one class and two continuous codes",
           cfg->j ? "; scored by the judge" : "; no judge");
}

/* The model's settings: a flag given wins; else the recipe's (--quick: tiny, too short to re-seed). */
static ig_config recipe(const config *cfg, const cli *c, int quick)
{
    const int src = strcmp(cfg->recipe, "source") == 0, cat = cfg->categorical > 0;
#define PICK(flag, field, value) (cli_given(c, flag) ? cfg->field : (value))
    const char *wiring = PICK("wiring", wiring, src ? "source" : "paper"), *d_norm = PICK("d-norm", d_norm, cat && !src ? "conv" : "layer");
    return (ig_config){
        .steps = PICK("steps", steps, quick ? 20 : src ? 5000 : cat ? 12000 : 1000),
        .batch = PICK("batch", batch, quick ? 16 : src ? 256 : cat ? 32 : 64),
        .dense = PICK("dense", dense, quick ? 64 : src ? 1024 : 512),
        .channels = PICK("channels", channels, quick ? 8 : src ? 64 : 32),
        .noise_dim = cfg->noise_dim, .ncat = cfg->categorical, .digit = cfg->digit, .d_steps = PICK("d-steps", d_steps, cat && !src ? 1 : 2),
        .d_norm = d_norm[0] == 'l' ? NORM_LAYER : d_norm[0] == 'b' ? NORM_BATCH : NORM_CONV,
        .ln_eps = 1e-3, .slope = PICK("slope", slope, cat && !src ? 0.1 : 0.3), .info_w = PICK("info-weight", info_w, src || cat ? 1.0 : 2.0), .cat_w = cfg->cat_w,
        .lr_d = PICK("lr-d", lr_d, 2e-4), .lr_g = PICK("lr-g", lr_g, 1e-3),
        .lr_q = PICK("lr-q", lr_q, strcmp(wiring, "source") == 0 ? 1e-3 : 2e-4),
        .beta1 = PICK("beta1", beta1, src ? 0.9 : 0.5), .lr_drop_at = cfg->lr_drop_at,
        .reseed = PICK("reseed", reseed, cat && !src && !quick ? 2.0 : 0.0), .wiring = strcmp(wiring, "source") == 0 ? WIRE_SOURCE : WIRE_PAPER};
#undef PICK
}

/* main: the table of contents ------------------------------------------- */
#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);                                        /* Appendix C */
    const ig_config gc = recipe(&cfg, &S.cli, S.cli.quick);
    image_set *data = dataset_load(&cfg.ds, "train", gc.ncat ? -1 : (int)gc.digit);
    infogan *m = infogan_new(&gc, data, cfg.seed[0]);                   /* sections 1-3 */
    if (S.load || S.resume)
        load_model(&S, m);                                              /* Appendix A */
    if (S.generate > 0) {
        generate(m, &S);                                         /* Appendix B */
    } else {
        recorder rec;
        recorder_init(&rec, &S, m, cfg.j, sample_set_new(m, cfg.eval_n, cfg.seed[1], 0), &cfg.ds, cfg.seed[3]);
        train(m, rec.to, &rec);                                         /* sections 4-7 */
        measure(m, &rec, cfg.j, cfg.seed[2], &S.m);                     /* section 8 */
        draw(m, &rec, &cfg.ds, S.cli.out);                              /* Appendix B */
        save_model(&S, m);                                              /* Appendix A */
        history_free(rec.loss); history_free(rec.score); gsl_matrix_free(rec.snaps); sample_set_free(rec.e);
    }
    infogan_free(m);
    image_set_free(data);
    judge_free(cfg.j);
    printf("\n");
    session_finish(&S);
    return 0;
}
#endif
