/* seqnet.c -- see seqnet.h. */
#include "seqnet.h"

#include <math.h>
#include <stdlib.h>

#include "activation.h"
#include "guard.h"

seqnet *seqnet_new(size_t c, size_t h, size_t w, const seq_spec *s, size_t n, size_t max_rows,
                   double lr, double beta1, gsl_rng *r)
{
    if (n > SEQ_MAX_LAYERS)
        die("internal error: a seqnet of %zu layers (at most %d)", n, SEQ_MAX_LAYERS);
    seqnet *N = xcalloc(1, sizeof *N, "a network");
    size_t size = 0, shape[SEQ_MAX_LAYERS + 1][3] = {{c, h, w}}, work = 1;
    N->slope = 0.2;
    for (size_t k = 0; k < n; k++) {                   /* shapes and sizes first: one params block */
        const size_t *a = shape[k];
        size_t *b = shape[k + 1];
        b[0] = a[0]; b[1] = a[1]; b[2] = a[2];
        if (s[k].kind == SEQ_DENSE) {
            size += dense_size(a[0] * a[1] * a[2], s[k].out);
            b[1] = b[2] = s[k].side ? s[k].side : 1;
            b[0] = s[k].out / (b[1] * b[2]);
        } else if (s[k].kind == SEQ_CONV || s[k].kind == SEQ_CONVT) {
            size += conv_size(a[0], s[k].out, s[k].k);
            b[0] = s[k].out;
            b[1] = b[2] = s[k].kind == SEQ_CONV ? conv_out_size(a[1], s[k].k, s[k].stride, s[k].pad)
                                                : convt_out_size(a[1], s[k].k, s[k].stride, s[k].pad);
        } else if (s[k].kind == SEQ_NORM) {
            size += layernorm_size(a[0]);
        }
    }
    N->P = params_alloc(size);
    N->n_layers = n;
    N->ws = ws_new(max_rows);
    for (size_t k = 0; k < n; k++) {                   /* then bind and initialise */
        seq_layer *L = &N->L[k];
        const size_t *a = shape[k];
        L->kind = s[k].kind;
        if (L->kind == SEQ_DENSE) {
            dense_bind(&L->d, N->P, a[0] * a[1] * a[2], s[k].out);
            dense_init_xavier(&L->d, r);
        } else if (L->kind == SEQ_CONV || L->kind == SEQ_CONVT) {
            (L->kind == SEQ_CONV ? conv_bind : convt_bind)(&L->c, N->P, a[0], s[k].out, a[1], a[2], s[k].k,
                                                           s[k].stride, s[k].pad);
            conv_init_xavier(&L->c, r);
            work = work > conv_work_size(&L->c) ? work : conv_work_size(&L->c);
        } else if (L->kind == SEQ_NORM) {
            L->ln = layernorm_new(N->P, a[0], a[1] * a[2]);
        }
    }
    for (size_t k = 0; k <= n; k++) {
        ws_add(N->ws, &N->v[k], shape[k][0] * shape[k][1] * shape[k][2]);
        ws_add(N->ws, &N->d[k], shape[k][0] * shape[k][1] * shape[k][2]);
    }
    N->in_width = c * h * w;
    N->out_width = shape[n][0] * shape[n][1] * shape[n][2];
    N->work = conv_work_alloc(work);                 /* an im2col buffer per thread */
    N->opt = optim_adam(N->P, lr, beta1, 0.999);
    return N;
}

void seqnet_free(seqnet *N)
{
    if (!N)
        return;
    for (size_t k = 0; k < N->n_layers; k++)
        if (N->L[k].ln)
            layernorm_free(N->L[k].ln);
    params_free(N->P); optim_free(N->opt); ws_free(N->ws); gsl_vector_free(N->work); free(N);
}

/* y = min(max(x, 0), 1) as comparisons on plain pointers (fmin and fmax are
 * libm calls, one per number): a NaN or a -0 becomes +0, as with fmax */
static void clamp_forward(const gsl_matrix *X, gsl_matrix *Y)
{
    for (size_t i = 0; i < X->size1; i++) {
        const double *x = X->data + i * X->tda;
        double *y = Y->data + i * Y->tda;
        for (size_t j = 0; j < X->size2; j++)
            y[j] = x[j] > 0.0 ? (x[j] < 1.0 ? x[j] : 1.0) : 0.0;
    }
}

static void clamp_backward(const gsl_matrix *X, const gsl_matrix *dY, gsl_matrix *dX)
{
    for (size_t i = 0; i < X->size1; i++) {
        const double *x = X->data + i * X->tda, *dy = dY->data + i * dY->tda;
        double *dx = dX->data + i * dX->tda;
        for (size_t j = 0; j < X->size2; j++)
            dx[j] = x[j] > 0.0 && x[j] < 1.0 ? dy[j] : 0.0;
    }
}

const gsl_matrix *seqnet_forward(seqnet *N, const gsl_matrix *X)
{
    gsl_matrix_memcpy(N->v[0], X);
    for (size_t k = 0; k < N->n_layers; k++) {
        seq_layer *L = &N->L[k];
        const gsl_matrix *in = N->v[k];
        gsl_matrix *out = N->v[k + 1];
        switch (L->kind) {
        case SEQ_DENSE:   dense_forward(&L->d, in, out); break;
        case SEQ_CONV:    conv_forward(&L->c, in, out, N->work); break;
        case SEQ_CONVT:   convt_forward(&L->c, in, out, N->work); break;
        case SEQ_NORM:    layernorm_forward(L->ln, in, out); break;
        case SEQ_LRELU:   leaky_relu_forward(N->slope, in, out); break;
        case SEQ_SIGMOID: act_forward(ACT_SIGMOID, in, out); break;
        case SEQ_CLAMP:   clamp_forward(in, out); break;
        }
    }
    return N->v[N->n_layers];
}

/* with_params: add the parameter gradients; input: compute d[0] */
static void backward(seqnet *N, int with_params, int input)
{
    for (size_t k = N->n_layers; k-- > 0;) {
        seq_layer *L = &N->L[k];
        const gsl_matrix *in = N->v[k], *dout = N->d[k + 1];
        gsl_matrix *din = k > 0 || input ? N->d[k] : NULL;   /* (NULL: with_params) */
        switch (L->kind) {
        case SEQ_DENSE:
            if (with_params) dense_backward(&L->d, in, dout, din);
            else dense_backward_input(&L->d, dout, din);
            break;
        case SEQ_CONV:
            if (with_params) conv_backward(&L->c, in, dout, din, N->work);
            else conv_backward_input(&L->c, dout, din, N->work);
            break;
        case SEQ_CONVT:
            if (with_params) convt_backward(&L->c, in, dout, din, N->work);
            else convt_backward_input(&L->c, dout, din, N->work);
            break;
        case SEQ_NORM:
            if (with_params) layernorm_backward(L->ln, in, dout, din);
            else layernorm_backward_input(L->ln, in, dout, din);
            break;
        case SEQ_LRELU:   if (din) leaky_relu_backward(N->slope, in, dout, din); break;
        case SEQ_SIGMOID: if (din) act_backward(ACT_SIGMOID, in, N->v[k + 1], dout, din); break;
        case SEQ_CLAMP:   if (din) clamp_backward(in, dout, din); break;
        }
    }
}

void seqnet_backward(seqnet *N)
{
    backward(N, 1, 1);
}

void seqnet_backward_input(seqnet *N)
{
    backward(N, 0, 1);
}

void seqnet_backward_params(seqnet *N)
{
    backward(N, 1, 0);
}

void seqnet_apply(seqnet *N, const gsl_matrix *in, gsl_matrix *out)
{
    const size_t n = ws_max_rows(N->ws), was = ws_current_rows(N->ws);
    for (size_t s = 0; s < in->size1; s += n) {
        const size_t k = in->size1 - s < n ? in->size1 - s : n;
        ws_rows(N->ws, k);
        gsl_matrix_const_view a = gsl_matrix_const_submatrix(in, s, 0, k, in->size2);
        gsl_matrix_view b = gsl_matrix_submatrix(out, s, 0, k, out->size2);
        gsl_matrix_memcpy(&b.matrix, seqnet_forward(N, &a.matrix));
    }
    ws_rows(N->ws, was);
}
