/* seqnet.h -- a network as a list of layers.
 *
 * Introduced in chapter 10, which builds four networks of three kinds (an
 * MLP, a stack of 3x3 convolutions, an encoder-decoder) and passes images
 * through them in several orders. Each layer is one of the course's own
 * (dense.h, conv.h, layernorm.h, activation.h); a seqnet only runs them in
 * order and keeps what backward needs:
 *
 *     forward    v[0] = X (a copy), v[k + 1] = layer_k(v[k]);   returns v[n]
 *     backward   from d[n] = dL/dv[n] down to d[0] = dL/dX, each layer
 *                ADDING its weight gradients into the net's params (every
 *                layer's header gives its formulas)
 *
 * A spec names each layer by its output. Images are NCHW rows (conv.h):
 *
 *     {SEQ_DENSE, k}                k units (side s > 0: read as k / s^2 channels of s x s)
 *     {SEQ_CONV, k, ks, st, pad}    a convolution to k channels, kernel ks, stride st
 *     {SEQ_CONVT, k, ks, st, pad}   a transposed convolution
 *     {SEQ_NORM}                    layer norm over each pixel's channels
 *     {SEQ_LRELU}, {SEQ_SIGMOID}    activations (LeakyReLU's slope: net->slope)
 *     {SEQ_CLAMP}                   y = min(max(x, 0), 1); dy/dx = 1 inside, 0 outside
 *
 * Weights start Xavier-normal (dense_init_xavier, conv_init_xavier); one
 * Adam optimiser moves them. The buffers live in the net's workspace, for
 * batches of up to max_rows rows (ws_rows(net->ws, n) for fewer): forward
 * and backward allocate nothing.
 */
#ifndef GENLAB_SEQNET_H
#define GENLAB_SEQNET_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "conv.h"
#include "dense.h"
#include "layernorm.h"
#include "optim.h"
#include "params.h"
#include "workspace.h"

#define SEQ_MAX_LAYERS 16

typedef enum { SEQ_DENSE, SEQ_CONV, SEQ_CONVT, SEQ_NORM, SEQ_LRELU, SEQ_SIGMOID, SEQ_CLAMP } seq_kind;
typedef struct seq_spec { seq_kind kind; size_t out, k, stride, pad, side; } seq_spec;
typedef struct seq_layer { seq_kind kind; dense d; conv c; layernorm *ln; } seq_layer;

typedef struct seqnet {
    size_t n_layers, in_width, out_width;
    double slope;                               /* the LeakyReLUs' (default 0.2) */
    seq_layer L[SEQ_MAX_LAYERS];
    params *P;
    optimizer *opt;                             /* Adam(lr, beta1, 0.999)       */
    gsl_matrix *v[SEQ_MAX_LAYERS + 1], *d[SEQ_MAX_LAYERS + 1];  /* outputs; their gradients */
    gsl_vector *work;                           /* the convolutions' scratch     */
    workspace *ws;                              /* owns v and d                  */
} seqnet;

/* n layers (at most SEQ_MAX_LAYERS) on inputs of c channels of h x w (a
 * vector: c = its size, h = w = 1); weights drawn from r. */
seqnet *seqnet_new(size_t c, size_t h, size_t w, const seq_spec *s, size_t n, size_t max_rows,
                   double lr, double beta1, gsl_rng *r);
void seqnet_free(seqnet *N);

/* X (rows, in_width) -> v[n] (rows, out_width); rows = the workspace's current rows */
const gsl_matrix *seqnet_forward(seqnet *N, const gsl_matrix *X);

/* From d[n]: params->grad += dL/dtheta, d[0] = dL/dX (for the last forward's X) */
void seqnet_backward(seqnet *N);

/* Its two halves, where only one is wanted (each does less work, with the same
 * numbers): _input, d[0] only, no parameter gradient (a net that is not being
 * trained but passes a gradient on: D in G's step); _params, the parameter
 * gradients only, no d[0] (a net whose input is data). */
void seqnet_backward_input(seqnet *N);
void seqnet_backward_params(seqnet *N);

/* out = net(in) for any number of rows, max_rows at a time */
void seqnet_apply(seqnet *N, const gsl_matrix *in, gsl_matrix *out);

#endif
