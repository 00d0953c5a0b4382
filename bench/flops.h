/* flops.h -- the multiply-adds of one training iteration, counted from the
 * model's shapes, and gsl_blas_dgemm's own speed on the largest of its GEMMs.
 *
 * Every layer of the course does its arithmetic in gsl_blas_dgemm calls
 * (common/dense.c, common/conv.c, common/mlp.c, common/seqnet.c). A product
 * C (m, n) = A B with the inner size k costs m n k multiply-adds, 2 m n k
 * flops. The functions below add, for each forward or backward pass of a
 * layer, the GEMMs that pass makes, with the shapes the layer's code uses:
 *
 *   dense (rows r, in i, out o)    forward   Y = X W           r x o x i
 *                                  backward  dW += X^T dY      i x o x r
 *                                            dX = dY W^T       r x i x o  (if wanted)
 *   conv, per image (F filters of C k^2 weights, P output pixels)
 *                                  forward   y = W col         F x P x C k^2
 *                                  backward  dW += dy col^T    F x C k^2 x P
 *                                            dcol = W^T dy     C k^2 x P x F (if wanted)
 *   transposed conv, per image (C in, F out, h w input pixels)
 *                                  forward   col = W^T x       F k^2 x h w x C
 *                                  backward  dW += x col^T     C x F k^2 x h w
 *                                            dx = W col        C x h w x F k^2 (if wanted)
 *
 * Bias additions, activations, normalisation, losses and Adam are left out:
 * they are O(size) passes, not products, and the ratio below is about how
 * well the products run. The count is checked in every run against a second
 * count made by wrapping gsl_blas_dgemm itself (the link flag
 * -Wl,--wrap=gsl_blas_dgemm, Makefile): wrap_macs sums m n k of every call
 * made, from the matrices' sizes. The two must agree exactly.
 */
#ifndef BENCH_FLOPS_H
#define BENCH_FLOPS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>

#include "conv.h"
#include "dense.h"
#include "mlp.h"
#include "seqnet.h"

typedef struct gemm_shape {
    size_t m, n, k;              /* C (m, n), inner size k                    */
    int ta, tb;                  /* A, B transposed                           */
} gemm_shape;

typedef struct flops {
    uint64_t macs;               /* multiply-adds of one iteration            */
    uint64_t calls;              /* gsl_blas_dgemm calls of one iteration     */
    gemm_shape big;              /* the single largest product (m n k)        */
} flops;

static void flops_gemm(flops *f, size_t times, int ta, int tb, size_t m, size_t n, size_t k)
{
    const uint64_t one = (uint64_t)m * n * k;
    f->macs += times * one;
    f->calls += times;
    if (one > (uint64_t)f->big.m * f->big.n * f->big.k)
        f->big = (gemm_shape){m, n, k, ta, tb};
}

static void flops_dense_fwd(flops *f, size_t rows, const dense *L)
{
    flops_gemm(f, 1, 0, 0, rows, L->out, L->in);
}

static void flops_dense_bwd(flops *f, size_t rows, const dense *L, int weights, int input)
{
    if (weights)
        flops_gemm(f, 1, 1, 0, L->in, L->out, rows);
    if (input)
        flops_gemm(f, 1, 0, 1, rows, L->in, L->out);
}

static void flops_conv_fwd(flops *f, size_t rows, const conv *L)
{
    const size_t kk = L->k * L->k;
    if (L->transposed)
        flops_gemm(f, rows, 1, 0, L->out_c * kk, L->in_h * L->in_w, L->in_c);
    else
        flops_gemm(f, rows, 0, 0, L->out_c, L->out_h * L->out_w, L->in_c * kk);
}

/* the input gradient alone (conv_backward_input, convt_backward_input) */
static void flops_conv_bwd_input(flops *f, size_t rows, const conv *L)
{
    const size_t kk = L->k * L->k;
    if (L->transposed)
        flops_gemm(f, rows, 0, 0, L->in_c, L->in_h * L->in_w, L->out_c * kk);
    else
        flops_gemm(f, rows, 1, 0, L->in_c * kk, L->out_h * L->out_w, L->out_c);
}

/* the weight gradient, then (input) the input gradient */
static void flops_conv_bwd(flops *f, size_t rows, const conv *L, int input)
{
    const size_t kk = L->k * L->k;
    if (L->transposed)
        flops_gemm(f, rows, 0, 1, L->in_c, L->out_c * kk, L->in_h * L->in_w);
    else
        flops_gemm(f, rows, 0, 1, L->out_c, L->in_c * kk, L->out_h * L->out_w);
    if (input)
        flops_conv_bwd_input(f, rows, L);
}

/* common/mlp.c: forward is one dense forward per layer */
static void flops_mlp_fwd(flops *f, size_t rows, const mlp *net)
{
    for (size_t l = 0; l < net->n_layers; l++)
        flops_dense_fwd(f, rows, &net->layer[l]);
}

/* mlp_backward (weights = 1) and mlp_backward_input (weights = 0): from the
 * last layer down; dX of layer 0 only when the caller passes one (input) */
static void flops_mlp_bwd(flops *f, size_t rows, const mlp *net, int weights, int input)
{
    for (size_t l = net->n_layers; l-- > 0;) {
        const int din = l > 0 || input;
        flops_dense_bwd(f, rows, &net->layer[l], weights, din);
        if (!din)
            break;
    }
}

/* common/seqnet.c (chapter 10): the dense and (transposed) convolution
 * layers in order; norms, activations and the clamp are not products */
static void flops_seq_fwd(flops *f, size_t rows, const seqnet *net)
{
    for (size_t l = 0; l < net->n_layers; l++) {
        const seq_layer *L = &net->L[l];
        if (L->kind == SEQ_DENSE)
            flops_dense_fwd(f, rows, &L->d);
        else if (L->kind == SEQ_CONV || L->kind == SEQ_CONVT)
            flops_conv_fwd(f, rows, &L->c);
    }
}

/* seqnet_backward (params and input), seqnet_backward_params (no d[0]: the
 * first layer's input product is skipped) and seqnet_backward_input (no
 * weight products) */
static void flops_seq_bwd_some(flops *f, size_t rows, const seqnet *net, int weights, int input)
{
    for (size_t l = net->n_layers; l-- > 0;) {
        const seq_layer *L = &net->L[l];
        const int din = l > 0 || input;
        if (L->kind == SEQ_DENSE)
            flops_dense_bwd(f, rows, &L->d, weights, din);
        else if ((L->kind == SEQ_CONV || L->kind == SEQ_CONVT) && weights)
            flops_conv_bwd(f, rows, &L->c, din);
        else if (L->kind == SEQ_CONV || L->kind == SEQ_CONVT)
            flops_conv_bwd_input(f, rows, &L->c);     /* (input: no weights means d[0]) */
    }
}

static void flops_seq_bwd(flops *f, size_t rows, const seqnet *net)
{
    flops_seq_bwd_some(f, rows, net, 1, 1);
}

/* ---- the second count: every gsl_blas_dgemm call, as it is made ----
 * (atomic: with a team of two, common/team.h, both threads make calls; a
 * product the team shares is then two calls, its multiply-adds the same) */
static _Atomic uint64_t wrap_macs, wrap_calls;

int __real_gsl_blas_dgemm(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                          const gsl_matrix *B, double beta, gsl_matrix *C);
int __wrap_gsl_blas_dgemm(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                          const gsl_matrix *B, double beta, gsl_matrix *C);
int __wrap_gsl_blas_dgemm(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                          const gsl_matrix *B, double beta, gsl_matrix *C)
{
    wrap_macs += (uint64_t)C->size1 * C->size2 * (ta == CblasNoTrans ? A->size2 : A->size1);
    wrap_calls++;
    return __real_gsl_blas_dgemm(ta, tb, alpha, A, B, beta, C);
}

#endif
