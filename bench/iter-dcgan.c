/* iter-dcgan.c -- milliseconds per training iteration of the networks planned
 * for chapter 09 (InfoGAN on a DCGAN backbone, MNIST 28x28, the InfoGAN
 * paper's sizes), built from common/ layers only (no chapter exists yet).
 *
 *   G: [z 62 | one-hot c 10 | cont 2] = 74 -> dense 1024, BN, ReLU
 *      -> dense 128*7*7, BN, ReLU -> convT 128->64 k4 s2 p1 (7->14), BN, ReLU
 *      -> convT 64->1 k4 s2 p1 (14->28), sigmoid
 *   D trunk: conv 1->64 k4 s2 p1 (28->14), LReLU 0.1 -> conv 64->128 (14->7),
 *      BN, LReLU -> dense 128*7*7 -> 1024, BN, LReLU = h
 *   heads on h: real/fake logit (1024 -> 1);
 *      Q: 1024 -> 128, BN, LReLU -> 12 = 10 class logits + 2 means
 *
 * One iteration, batch 64, double precision:
 *   D step: G(z) without gradients; D on 64 real images (forward, backward),
 *           D on the 64 fakes (forward, backward); BCE on logits; Adam on D.
 *   G step: fresh codes, G, D, loss = BCE(D(G), 1) + xent(Q class logits, c)
 *           + MSE(Q means, cont) (a fixed-variance Gaussian NLL); backward
 *           through Q and the trunk into G; Adam on G and on Q.
 * The "real" images are rows of uniform [0, 1] numbers: the arithmetic does
 * not depend on the pixel values.
 *
 * Usage: iter-dcgan            prints "dcgan  MS_PER_ITERATION"
 *        iter-dcgan --narrow   G and D dense 512, channels 32/64 ("dcgan-n")
 *        iter-dcgan --iters N  time N iterations instead of ITERS
 *        iter-dcgan --check    finite differences of a few weights through
 *                              G -> D -> loss on a batch of 4, then exit
 *
 * Glue written here that common/ does not have (yet): a leaky ReLU with
 * slope 0.1 (activation.h fixes ACT_LEAKY_SLOPE at 0.2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "activation.h"
#include "batchnorm.h"
#include "conv.h"
#include "dense.h"
#include "loss.h"
#include "matrix.h"
#include "optim.h"
#include "params.h"
#include "rng.h"
#include "iter-common.h"

/* an iteration takes a good fraction of a second: fewer of them */
#undef WARMUP
#undef ITERS
#define WARMUP 3
#define ITERS 15

#define IMG 28
#define NZ 62
#define NCAT 10
#define NCONT 2
#define NIN (NZ + NCAT + NCONT)
#define NDATA 1024
#define LEAK 0.1

typedef struct sizes {
    size_t batch, g_hidden, g_ch1, g_ch2, d_ch1, d_ch2, d_hidden, q_hidden;
} sizes;

/* ---- glue: leaky ReLU with slope LEAK (common/ has only 0.2) ---- */
static void leaky_forward(const gsl_matrix *Z, gsl_matrix *A)
{
    for (size_t i = 0; i < Z->size1; i++) {
        const double *z = Z->data + i * Z->tda;
        double *a = A->data + i * A->tda;
        for (size_t j = 0; j < Z->size2; j++)
            a[j] = z[j] > 0.0 ? z[j] : LEAK * z[j];
    }
}

static void leaky_backward(const gsl_matrix *Z, const gsl_matrix *dA, gsl_matrix *dZ)
{
    for (size_t i = 0; i < Z->size1; i++) {
        const double *z = Z->data + i * Z->tda, *da = dA->data + i * dA->tda;
        double *dz = dZ->data + i * dZ->tda;
        for (size_t j = 0; j < Z->size2; j++)
            dz[j] = z[j] > 0.0 ? da[j] : LEAK * da[j];
    }
}

/* ---- the networks: layers, activations (value + gradient buffers) ---- */
typedef struct buf {
    gsl_matrix *v, *g;   /* value and dLoss/dvalue, same shape */
} buf;

static buf buf_new(size_t n, size_t k)
{
    return (buf){gsl_matrix_calloc(n, k), gsl_matrix_calloc(n, k)};
}

static void buf_free(buf b)
{
    gsl_matrix_free(b.v);
    gsl_matrix_free(b.g);
}

typedef struct model {
    sizes s;
    params *Pg, *Pd, *Pq;             /* G; D trunk + real/fake head; Q head */
    optimizer *opt_g, *opt_d, *opt_q;
    /* G */
    dense g_fc1, g_fc2;
    batchnorm *g_bn1, *g_bn2, *g_bn3;
    conv g_ct1, g_ct2;
    buf zin, g_a1, g_b1, g_r1, g_a2, g_b2, g_r2, g_a3, g_b3, g_r3, g_a4, g_x;
    /* D trunk and heads */
    conv d_c1, d_c2;
    batchnorm *d_bn2, *d_bn3, *q_bn1;
    dense d_fc3, d_out, q_fc1, q_fc2;
    buf d_c1o, d_l1, d_c2o, d_b2, d_l2, d_a3, d_b3, d_h, d_logit, q_a1, q_b1, q_l1, q_out;
    gsl_vector *work;                 /* shared conv workspace */
    gsl_matrix *data, *real;          /* the "dataset" and one batch of it */
    size_t *idx;
    gsl_rng *r;
} model;

static size_t max2(size_t a, size_t b) { return a > b ? a : b; }

static model *model_new(sizes s, unsigned long seed)
{
    model *M = calloc(1, sizeof *M);
    if (!M)
        abort();
    M->s = s;
    M->r = rng_new(seed);
    const size_t n = s.batch, q = IMG / 4, h = IMG / 2;   /* 7, 14 */
    /* G's parameters */
    M->Pg = params_alloc(dense_size(NIN, s.g_hidden) + batchnorm_size(s.g_hidden)
                         + dense_size(s.g_hidden, s.g_ch1 * q * q) + batchnorm_size(s.g_ch1)
                         + conv_size(s.g_ch1, s.g_ch2, 4) + batchnorm_size(s.g_ch2)
                         + conv_size(s.g_ch2, 1, 4));
    dense_bind(&M->g_fc1, M->Pg, NIN, s.g_hidden);
    M->g_bn1 = batchnorm_new(M->Pg, s.g_hidden, 1);
    dense_bind(&M->g_fc2, M->Pg, s.g_hidden, s.g_ch1 * q * q);
    M->g_bn2 = batchnorm_new(M->Pg, s.g_ch1, q * q);
    convt_bind(&M->g_ct1, M->Pg, s.g_ch1, s.g_ch2, q, q, 4, 2, 1);
    M->g_bn3 = batchnorm_new(M->Pg, s.g_ch2, h * h);
    convt_bind(&M->g_ct2, M->Pg, s.g_ch2, 1, h, h, 4, 2, 1);
    /* D trunk + real/fake head */
    M->Pd = params_alloc(conv_size(1, s.d_ch1, 4) + conv_size(s.d_ch1, s.d_ch2, 4)
                         + batchnorm_size(s.d_ch2) + dense_size(s.d_ch2 * q * q, s.d_hidden)
                         + batchnorm_size(s.d_hidden) + dense_size(s.d_hidden, 1));
    conv_bind(&M->d_c1, M->Pd, 1, s.d_ch1, IMG, IMG, 4, 2, 1);
    conv_bind(&M->d_c2, M->Pd, s.d_ch1, s.d_ch2, h, h, 4, 2, 1);
    M->d_bn2 = batchnorm_new(M->Pd, s.d_ch2, q * q);
    dense_bind(&M->d_fc3, M->Pd, s.d_ch2 * q * q, s.d_hidden);
    M->d_bn3 = batchnorm_new(M->Pd, s.d_hidden, 1);
    dense_bind(&M->d_out, M->Pd, s.d_hidden, 1);
    /* Q head */
    M->Pq = params_alloc(dense_size(s.d_hidden, s.q_hidden) + batchnorm_size(s.q_hidden)
                         + dense_size(s.q_hidden, NCAT + NCONT));
    dense_bind(&M->q_fc1, M->Pq, s.d_hidden, s.q_hidden);
    M->q_bn1 = batchnorm_new(M->Pq, s.q_hidden, 1);
    dense_bind(&M->q_fc2, M->Pq, s.q_hidden, NCAT + NCONT);
    /* DCGAN's initialisation: N(0, 0.02^2) everywhere */
    dense_init_normal(&M->g_fc1, M->r, 0.02);
    dense_init_normal(&M->g_fc2, M->r, 0.02);
    conv_init_normal(&M->g_ct1, M->r, 0.02);
    conv_init_normal(&M->g_ct2, M->r, 0.02);
    conv_init_normal(&M->d_c1, M->r, 0.02);
    conv_init_normal(&M->d_c2, M->r, 0.02);
    dense_init_normal(&M->d_fc3, M->r, 0.02);
    dense_init_normal(&M->d_out, M->r, 0.02);
    dense_init_normal(&M->q_fc1, M->r, 0.02);
    dense_init_normal(&M->q_fc2, M->r, 0.02);
    /* InfoGAN's learning rates: D 2e-4, G 1e-3 (Q with D's) */
    M->opt_g = optim_adam(M->Pg, 1e-3, 0.5, 0.999);
    M->opt_d = optim_adam(M->Pd, 2e-4, 0.5, 0.999);
    M->opt_q = optim_adam(M->Pq, 2e-4, 0.5, 0.999);
    /* activations */
    M->zin = buf_new(n, NIN);
    M->g_a1 = buf_new(n, s.g_hidden);  M->g_b1 = buf_new(n, s.g_hidden);  M->g_r1 = buf_new(n, s.g_hidden);
    size_t g2 = s.g_ch1 * q * q, g3 = s.g_ch2 * h * h;
    M->g_a2 = buf_new(n, g2);  M->g_b2 = buf_new(n, g2);  M->g_r2 = buf_new(n, g2);
    M->g_a3 = buf_new(n, g3);  M->g_b3 = buf_new(n, g3);  M->g_r3 = buf_new(n, g3);
    M->g_a4 = buf_new(n, IMG * IMG);  M->g_x = buf_new(n, IMG * IMG);
    size_t d1 = s.d_ch1 * h * h, d2 = s.d_ch2 * q * q;
    M->d_c1o = buf_new(n, d1);  M->d_l1 = buf_new(n, d1);
    M->d_c2o = buf_new(n, d2);  M->d_b2 = buf_new(n, d2);  M->d_l2 = buf_new(n, d2);
    M->d_a3 = buf_new(n, s.d_hidden);  M->d_b3 = buf_new(n, s.d_hidden);  M->d_h = buf_new(n, s.d_hidden);
    M->d_logit = buf_new(n, 1);
    M->q_a1 = buf_new(n, s.q_hidden);  M->q_b1 = buf_new(n, s.q_hidden);  M->q_l1 = buf_new(n, s.q_hidden);
    M->q_out = buf_new(n, NCAT + NCONT);
    size_t ws = max2(max2(conv_work_size(&M->g_ct1), conv_work_size(&M->g_ct2)),
                     max2(conv_work_size(&M->d_c1), conv_work_size(&M->d_c2)));
    M->work = gsl_vector_alloc(ws);
    M->data = gsl_matrix_alloc(NDATA, IMG * IMG);
    rng_fill_uniform(M->r, M->data, 0.0, 1.0);
    M->real = gsl_matrix_alloc(n, IMG * IMG);
    M->idx = malloc(n * sizeof *M->idx);
    if (!M->idx)
        abort();
    return M;
}

static void model_free(model *M)
{
    params_free(M->Pg);  params_free(M->Pd);  params_free(M->Pq);
    optim_free(M->opt_g);  optim_free(M->opt_d);  optim_free(M->opt_q);
    batchnorm_free(M->g_bn1);  batchnorm_free(M->g_bn2);  batchnorm_free(M->g_bn3);
    batchnorm_free(M->d_bn2);  batchnorm_free(M->d_bn3);  batchnorm_free(M->q_bn1);
    buf all[] = {M->zin, M->g_a1, M->g_b1, M->g_r1, M->g_a2, M->g_b2, M->g_r2, M->g_a3,
                 M->g_b3, M->g_r3, M->g_a4, M->g_x, M->d_c1o, M->d_l1, M->d_c2o, M->d_b2,
                 M->d_l2, M->d_a3, M->d_b3, M->d_h, M->d_logit, M->q_a1, M->q_b1, M->q_l1,
                 M->q_out};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        buf_free(all[i]);
    gsl_vector_free(M->work);
    gsl_matrix_free(M->data);
    gsl_matrix_free(M->real);
    free(M->idx);
    gsl_rng_free(M->r);
    free(M);
}

/* views of zin's three parts and of Q's two outputs */
static gsl_matrix_view cols(gsl_matrix *A, size_t from, size_t k)
{
    return gsl_matrix_submatrix(A, 0, from, A->size1, k);
}

/* fresh codes: z ~ N(0, 1), c uniform over 10 classes (one-hot), cont ~ U(-1, 1) */
static void sample_codes(model *M)
{
    gsl_matrix *Z = M->zin.v;
    gsl_matrix_view z = cols(Z, 0, NZ), c = cols(Z, NZ, NCAT), u = cols(Z, NZ + NCAT, NCONT);
    rng_fill_gaussian(M->r, &z.matrix, 0.0, 1.0);
    gsl_matrix_set_zero(&c.matrix);
    for (size_t i = 0; i < Z->size1; i++)
        gsl_matrix_set(&c.matrix, i, gsl_rng_uniform_int(M->r, NCAT), 1.0);
    rng_fill_uniform(M->r, &u.matrix, -1.0, 1.0);
}

static void g_forward(model *M)
{
    dense_forward(&M->g_fc1, M->zin.v, M->g_a1.v);
    batchnorm_forward(M->g_bn1, M->g_a1.v, M->g_b1.v, BN_TRAIN);
    act_forward(ACT_RELU, M->g_b1.v, M->g_r1.v);
    dense_forward(&M->g_fc2, M->g_r1.v, M->g_a2.v);
    batchnorm_forward(M->g_bn2, M->g_a2.v, M->g_b2.v, BN_TRAIN);
    act_forward(ACT_RELU, M->g_b2.v, M->g_r2.v);
    convt_forward(&M->g_ct1, M->g_r2.v, M->g_a3.v, M->work);
    batchnorm_forward(M->g_bn3, M->g_a3.v, M->g_b3.v, BN_TRAIN);
    act_forward(ACT_RELU, M->g_b3.v, M->g_r3.v);
    convt_forward(&M->g_ct2, M->g_r3.v, M->g_a4.v, M->work);
    act_forward(ACT_SIGMOID, M->g_a4.v, M->g_x.v);
}

/* from g_x.g = dL/dx down to G's parameters */
static void g_backward(model *M)
{
    act_backward(ACT_SIGMOID, M->g_a4.v, M->g_x.v, M->g_x.g, M->g_a4.g);
    convt_backward(&M->g_ct2, M->g_r3.v, M->g_a4.g, M->g_r3.g, M->work);
    act_backward(ACT_RELU, M->g_b3.v, M->g_r3.v, M->g_r3.g, M->g_b3.g);
    batchnorm_backward(M->g_bn3, M->g_a3.v, M->g_b3.g, M->g_a3.g);
    convt_backward(&M->g_ct1, M->g_r2.v, M->g_a3.g, M->g_r2.g, M->work);
    act_backward(ACT_RELU, M->g_b2.v, M->g_r2.v, M->g_r2.g, M->g_b2.g);
    batchnorm_backward(M->g_bn2, M->g_a2.v, M->g_b2.g, M->g_a2.g);
    dense_backward(&M->g_fc2, M->g_r1.v, M->g_a2.g, M->g_r1.g);
    act_backward(ACT_RELU, M->g_b1.v, M->g_r1.v, M->g_r1.g, M->g_b1.g);
    batchnorm_backward(M->g_bn1, M->g_a1.v, M->g_b1.g, M->g_a1.g);
    dense_backward(&M->g_fc1, M->zin.v, M->g_a1.g, NULL);
}

/* D trunk and the real/fake logit on images X; with_q: the Q head too */
static void d_forward(model *M, const gsl_matrix *X, int with_q)
{
    conv_forward(&M->d_c1, X, M->d_c1o.v, M->work);
    leaky_forward(M->d_c1o.v, M->d_l1.v);
    conv_forward(&M->d_c2, M->d_l1.v, M->d_c2o.v, M->work);
    batchnorm_forward(M->d_bn2, M->d_c2o.v, M->d_b2.v, BN_TRAIN);
    leaky_forward(M->d_b2.v, M->d_l2.v);
    dense_forward(&M->d_fc3, M->d_l2.v, M->d_a3.v);
    batchnorm_forward(M->d_bn3, M->d_a3.v, M->d_b3.v, BN_TRAIN);
    leaky_forward(M->d_b3.v, M->d_h.v);
    dense_forward(&M->d_out, M->d_h.v, M->d_logit.v);
    if (!with_q)
        return;
    dense_forward(&M->q_fc1, M->d_h.v, M->q_a1.v);
    batchnorm_forward(M->q_bn1, M->q_a1.v, M->q_b1.v, BN_TRAIN);
    leaky_forward(M->q_b1.v, M->q_l1.v);
    dense_forward(&M->q_fc2, M->q_l1.v, M->q_out.v);
}

/* from d_logit.g (and q_out.g if with_q) down to the trunk's parameters and,
 * if dX != NULL, the images */
static void d_backward(model *M, const gsl_matrix *X, gsl_matrix *dX, int with_q)
{
    dense_backward(&M->d_out, M->d_h.v, M->d_logit.g, M->d_h.g);
    if (with_q) {
        dense_backward(&M->q_fc2, M->q_l1.v, M->q_out.g, M->q_l1.g);
        leaky_backward(M->q_b1.v, M->q_l1.g, M->q_b1.g);
        batchnorm_backward(M->q_bn1, M->q_a1.v, M->q_b1.g, M->q_a1.g);
        /* h feeds both heads: dh = (logit head's share) + (Q head's share) */
        dense_backward(&M->q_fc1, M->d_h.v, M->q_a1.g, M->d_b3.g);
        gsl_matrix_add(M->d_h.g, M->d_b3.g);
    }
    leaky_backward(M->d_b3.v, M->d_h.g, M->d_b3.g);
    batchnorm_backward(M->d_bn3, M->d_a3.v, M->d_b3.g, M->d_a3.g);
    dense_backward(&M->d_fc3, M->d_l2.v, M->d_a3.g, M->d_l2.g);
    leaky_backward(M->d_b2.v, M->d_l2.g, M->d_b2.g);
    batchnorm_backward(M->d_bn2, M->d_c2o.v, M->d_b2.g, M->d_c2o.g);
    conv_backward(&M->d_c2, M->d_l1.v, M->d_c2o.g, M->d_l1.g, M->work);
    leaky_backward(M->d_c1o.v, M->d_l1.g, M->d_c1o.g);
    conv_backward(&M->d_c1, X, M->d_c1o.g, dX, M->work);
}

/* the generator's loss on the current G output (D, Q forward; gradients into
 * d_logit.g and q_out.g): BCE(D(G), real) + xent(class) + MSE(means) */
static double g_loss(model *M)
{
    d_forward(M, M->g_x.v, 1);
    gsl_matrix_view zc = cols(M->zin.v, NZ, NCAT), zu = cols(M->zin.v, NZ + NCAT, NCONT);
    gsl_matrix_view qc = cols(M->q_out.v, 0, NCAT), qu = cols(M->q_out.v, NCAT, NCONT);
    gsl_matrix_view dqc = cols(M->q_out.g, 0, NCAT), dqu = cols(M->q_out.g, NCAT, NCONT);
    return loss_bce_logits(M->d_logit.v, NULL, 1.0, M->d_logit.g)
           + loss_softmax_xent(&qc.matrix, &zc.matrix, &dqc.matrix)
           + loss_mse(&qu.matrix, &zu.matrix, &dqu.matrix);
}

static void d_step(model *M)
{
    const size_t n = M->s.batch;
    sample_codes(M);
    g_forward(M);                                   /* fakes, no backward */
    for (size_t i = 0; i < n; i++)
        M->idx[i] = gsl_rng_uniform_int(M->r, NDATA);
    mat_gather_rows(M->real, M->data, M->idx, n);
    params_zero_grad(M->Pd);
    d_forward(M, M->real, 0);                       /* real -> 1 */
    loss_bce_logits(M->d_logit.v, NULL, 1.0, M->d_logit.g);
    d_backward(M, M->real, NULL, 0);
    d_forward(M, M->g_x.v, 0);                      /* fake -> 0 */
    loss_bce_logits(M->d_logit.v, NULL, 0.0, M->d_logit.g);
    d_backward(M, M->g_x.v, NULL, 0);
    optim_step(M->opt_d);
}

static void g_step(model *M)
{
    sample_codes(M);
    g_forward(M);
    params_zero_grad(M->Pg);
    params_zero_grad(M->Pd);                        /* D's grads: computed, not used */
    params_zero_grad(M->Pq);
    g_loss(M);
    d_backward(M, M->g_x.v, M->g_x.g, 1);
    g_backward(M);
    optim_step(M->opt_g);
    optim_step(M->opt_q);
}

/* ---- --check: central differences through G -> D -> loss ---- */
static double loss_at(model *M)
{
    g_forward(M);
    return g_loss(M);
}

static int check(void)
{
    sizes s = {4, 1024, 128, 64, 64, 128, 1024, 128};
    model *M = model_new(s, 7);
    sample_codes(M);
    params_zero_grad(M->Pg);
    params_zero_grad(M->Pd);
    params_zero_grad(M->Pq);
    double L0 = loss_at(M);
    d_backward(M, M->g_x.v, M->g_x.g, 1);
    g_backward(M);
    /* a few weights of every layer of G, and of D's trunk */
    struct { const char *name; params *P; size_t off, len; } layer[] = {
        {"G dense 74->1024 W", M->Pg, 0, NIN * 1024},
        {"G BN1 gamma", M->Pg, dense_size(NIN, 1024), 1024},
        {"G dense 1024->6272 W", M->Pg, dense_size(NIN, 1024) + 2048, 1024 * 6272},
        {"G convT 128->64 W", M->Pg, (size_t)(M->g_ct1.W.matrix.data - M->Pg->value->data), 128 * 64 * 16},
        {"G BN3 beta", M->Pg, (size_t)(M->g_bn3->beta.vector.data - M->Pg->value->data), 64},
        {"G convT 64->1 W", M->Pg, (size_t)(M->g_ct2.W.matrix.data - M->Pg->value->data), 64 * 16},
        {"G convT 64->1 b", M->Pg, (size_t)(M->g_ct2.b.vector.data - M->Pg->value->data), 1},
        {"D conv 1->64 W", M->Pd, 0, 64 * 16},
        {"D conv 64->128 W", M->Pd, (size_t)(M->d_c2.W.matrix.data - M->Pd->value->data), 128 * 1024},
        {"Q dense 1024->128 W", M->Pq, 0, 1024 * 128},
    };
    const double h = 1e-5;
    double worst = 0.0;
    printf("loss %.6f (batch 4); central differences, h = %g\n", L0, h);
    printf("%-22s %8s %14s %14s %10s\n", "layer", "index", "backprop", "numeric", "rel.err");
    gsl_rng *pick = rng_new(3);
    for (size_t l = 0; l < sizeof layer / sizeof layer[0]; l++)
        for (int t = 0; t < 3; t++) {
            size_t i = layer[l].off + (layer[l].len > 1 ? gsl_rng_uniform_int(pick, layer[l].len) : 0);
            double *w = gsl_vector_ptr(layer[l].P->value, i), w0 = *w;
            double analytic = gsl_vector_get(layer[l].P->grad, i);
            *w = w0 + h;
            double Lp = loss_at(M);
            *w = w0 - h;
            double Lm = loss_at(M);
            *w = w0;
            double numeric = (Lp - Lm) / (2 * h);
            double rel = fabs(analytic - numeric) / fmax(1e-8, fabs(analytic) + fabs(numeric));
            worst = fmax(worst, rel);
            printf("%-22s %8zu %14.6e %14.6e %10.2e\n", layer[l].name, i - layer[l].off,
                   analytic, numeric, rel);
            if (layer[l].len == 1)
                break;
        }
    printf("worst relative error %.2e: %s\n", worst, worst < 1e-5 ? "ok" : "MISMATCH");
    gsl_rng_free(pick);
    model_free(M);
    return worst < 1e-5 ? 0 : 1;
}

int main(int argc, char **argv)
{
    sizes s = {64, 1024, 128, 64, 64, 128, 1024, 128};
    const char *name = "dcgan";
    long iters = ITERS;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--check"))
            return check();
        else if (!strcmp(argv[a], "--narrow")) {
            s = (sizes){64, 512, 64, 32, 32, 64, 512, 128};
            name = "dcgan-n";
        } else if (!strcmp(argv[a], "--iters") && a + 1 < argc)
            iters = atol(argv[++a]);
        else {
            fprintf(stderr, "usage: %s [--check] [--narrow] [--iters N]\n", argv[0]);
            return 2;
        }
    }
    if (iters < 1)
        iters = 1;
    model *M = model_new(s, 1);
    for (long i = 0; i < WARMUP; i++) {
        d_step(M);
        g_step(M);
    }
    const double t0 = seconds_now();
    for (long i = 0; i < iters; i++) {
        d_step(M);
        g_step(M);
    }
    report_ms(name, seconds_now() - t0, iters);
    model_free(M);
    return 0;
}
