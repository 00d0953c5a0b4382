/* mlp.c -- see mlp.h. */
#include "mlp.h"

#include <gsl/gsl_blas.h>
#include <stdlib.h>

#include "guard.h"
#include "matrix.h"
#include "team.h"


size_t mlp_size(const size_t *widths, size_t n_widths)
{
    size_t total = 0;
    for (size_t l = 0; l + 1 < n_widths; l++)
        total += dense_size(widths[l], widths[l + 1]);
    return total;
}

mlp *mlp_new(params *P, const size_t *widths, size_t n_widths,
             act_kind hidden, act_kind output, size_t max_batch)
{
    mlp *net = xcalloc(1, sizeof *net, "network buffers");
    size_t L = n_widths - 1;
    net->n_layers = L;
    net->hidden = hidden;
    net->output = output;
    net->max_batch = max_batch;
    net->width = xcalloc(n_widths, sizeof *net->width, "network buffers");
    net->layer = xcalloc(L, sizeof *net->layer, "network buffers");
    net->z = xcalloc(L, sizeof *net->z, "network buffers");
    net->a = xcalloc(L, sizeof *net->a, "network buffers");
    net->dz = xcalloc(L, sizeof *net->dz, "network buffers");
    net->da = xcalloc(L, sizeof *net->da, "network buffers");
    net->zv = xcalloc(L, sizeof *net->zv, "network buffers");
    net->av = xcalloc(L, sizeof *net->av, "network buffers");
    net->dzv = xcalloc(L, sizeof *net->dzv, "network buffers");
    net->dav = xcalloc(L, sizeof *net->dav, "network buffers");
    for (size_t l = 0; l < n_widths; l++)
        net->width[l] = widths[l];
    for (size_t l = 0; l < L; l++) {
        dense_bind(&net->layer[l], P, widths[l], widths[l + 1]);
        net->z[l] = mat_calloc_large(max_batch, widths[l + 1]);
        net->a[l] = mat_calloc_large(max_batch, widths[l + 1]);
        net->dz[l] = mat_calloc_large(max_batch, widths[l + 1]);
        net->da[l] = mat_calloc_large(max_batch, widths[l + 1]);
    }
    return net;
}

void mlp_free(mlp *net)
{
    if (!net)
        return;
    for (size_t l = 0; l < net->n_layers; l++) {
        gsl_matrix_free(net->z[l]);
        gsl_matrix_free(net->a[l]);
        gsl_matrix_free(net->dz[l]);
        gsl_matrix_free(net->da[l]);
    }
    free(net->z); free(net->a); free(net->dz); free(net->da);
    free(net->zv); free(net->av); free(net->dzv); free(net->dav);
    free(net->layer);
    free(net->width);
    free(net);
}

void mlp_init_xavier(mlp *net, gsl_rng *r)
{
    for (size_t l = 0; l < net->n_layers; l++)
        dense_init_xavier(&net->layer[l], r);
}

const gsl_matrix *mlp_forward(mlp *net, const gsl_matrix *X)
{
    const size_t n = X->size1;
    if (n > net->max_batch || X->size2 != net->width[0]) {
        fprintf(stderr, "mlp_forward: got (%zu, %zu), expected at most (%zu, %zu)\n",
                n, X->size2, net->max_batch, net->width[0]);
        abort();
    }
    net->n = n;
    net->input = X;
    const gsl_matrix *in = X;
    for (size_t l = 0; l < net->n_layers; l++) {
        net->zv[l] = mat_rows(net->z[l], n);
        net->av[l] = mat_rows(net->a[l], n);
        net->dzv[l] = mat_rows(net->dz[l], n);
        net->dav[l] = mat_rows(net->da[l], n);
        act_kind f = l + 1 == net->n_layers ? net->output : net->hidden;
        dense_forward(&net->layer[l], in, &net->zv[l].matrix);          /* z = a W + b */
        act_forward(f, &net->zv[l].matrix, &net->av[l].matrix);         /* a = f(z)    */
        in = &net->av[l].matrix;
    }
    return in;
}

const gsl_matrix *mlp_output(const mlp *net)
{
    return &net->av[net->n_layers - 1].matrix;
}

static void backward(mlp *net, const gsl_matrix *dOut, gsl_matrix *dX, int param_grads)
{
    const gsl_matrix *da = dOut;
    for (size_t l = net->n_layers; l-- > 0;) {
        act_kind f = l + 1 == net->n_layers ? net->output : net->hidden;
        gsl_matrix *dz = &net->dzv[l].matrix;
        act_backward(f, &net->zv[l].matrix, &net->av[l].matrix, da, dz);   /* dz = da * f'(z) */
        const gsl_matrix *in = l == 0 ? net->input : &net->av[l - 1].matrix;
        gsl_matrix *din = l == 0 ? dX : &net->dav[l - 1].matrix;
        if (param_grads)
            dense_backward(&net->layer[l], in, dz, din);
        else if (din)                                                  /* dX = dz W^T */
            team_dgemm(CblasNoTrans, CblasTrans, 1.0, dz, &net->layer[l].W.matrix, 0.0, din);
        da = din;
        if (!din)
            break;
    }
}

void mlp_backward(mlp *net, const gsl_matrix *dOut, gsl_matrix *dX)
{
    backward(net, dOut, dX, 1);
}

void mlp_backward_input(mlp *net, const gsl_matrix *dOut, gsl_matrix *dX)
{
    backward(net, dOut, dX, 0);
}
