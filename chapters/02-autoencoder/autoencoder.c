/* autoencoder.c -- chapter 02: an autoencoder squeezes a circle through one number.
 *
 * DRAFT for experiments.
 */
#include "genlab.h"

#include <gsl/gsl_eigen.h>

/* ---- data ---- */
static gsl_matrix *make_circle(size_t n, double noise, gsl_rng *r, gsl_vector *theta)
{
    gsl_matrix *X = gsl_matrix_alloc(n, 2);
    for (size_t i = 0; i < n; i++) {
        double t = 2.0 * M_PI * (double)i / (double)(n - 1);
        gsl_vector_set(theta, i, t);
        gsl_matrix_set(X, i, 0, cos(t));
        gsl_matrix_set(X, i, 1, sin(t));
    }
    rng_add_gaussian(r, X, noise);
    return X;
}

typedef struct autoencoder {
    size_t hidden, latent, max_batch;
    params *P;
    dense enc1, enc2, dec1, dec2;
    gsl_matrix *z1, *h1, *code, *z2, *h2, *xhat;
    gsl_matrix *dxhat, *dh2, *dcode, *dh1;
} autoencoder;

static autoencoder *ae_new(size_t hidden, size_t latent, size_t max_batch)
{
    autoencoder *ae = calloc(1, sizeof *ae);
    if (!ae)
        abort();
    ae->hidden = hidden;
    ae->latent = latent;
    ae->max_batch = max_batch;
    ae->P = params_alloc(dense_size(2, hidden) + dense_size(hidden, latent) +
                         dense_size(latent, hidden) + dense_size(hidden, 2));
    dense_bind(&ae->enc1, ae->P, 2, hidden);
    dense_bind(&ae->enc2, ae->P, hidden, latent);
    dense_bind(&ae->dec1, ae->P, latent, hidden);
    dense_bind(&ae->dec2, ae->P, hidden, 2);
    ae->z1 = gsl_matrix_alloc(max_batch, hidden);
    ae->h1 = gsl_matrix_alloc(max_batch, hidden);
    ae->code = gsl_matrix_alloc(max_batch, latent);
    ae->z2 = gsl_matrix_alloc(max_batch, hidden);
    ae->h2 = gsl_matrix_alloc(max_batch, hidden);
    ae->xhat = gsl_matrix_alloc(max_batch, 2);
    ae->dxhat = gsl_matrix_alloc(max_batch, 2);
    ae->dh2 = gsl_matrix_alloc(max_batch, hidden);
    ae->dcode = gsl_matrix_alloc(max_batch, latent);
    ae->dh1 = gsl_matrix_alloc(max_batch, hidden);
    return ae;
}

static void ae_free(autoencoder *ae)
{
    gsl_matrix *m[] = {ae->z1, ae->h1, ae->code, ae->z2, ae->h2, ae->xhat,
                       ae->dxhat, ae->dh2, ae->dcode, ae->dh1};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        gsl_matrix_free(m[i]);
    params_free(ae->P);
    free(ae);
}

static void ae_init(autoencoder *ae, gsl_rng *r)
{
    dense_init_xavier(&ae->enc1, r);
    dense_init_xavier(&ae->enc2, r);
    dense_init_xavier(&ae->dec1, r);
    dense_init_xavier(&ae->dec2, r);
}

static void ae_encode(autoencoder *ae, const gsl_matrix *X)
{
    size_t n = X->size1;
    gsl_matrix_view z1 = mat_rows(ae->z1, n), h1 = mat_rows(ae->h1, n);
    gsl_matrix_view code = mat_rows(ae->code, n);
    dense_forward(&ae->enc1, X, &z1.matrix);
    act_forward(ACT_RELU, &z1.matrix, &h1.matrix);
    dense_forward(&ae->enc2, &h1.matrix, &code.matrix);
}

static void ae_decode(autoencoder *ae, const gsl_matrix *Z)
{
    size_t n = Z->size1;
    gsl_matrix_view z2 = mat_rows(ae->z2, n), h2 = mat_rows(ae->h2, n);
    gsl_matrix_view xhat = mat_rows(ae->xhat, n);
    dense_forward(&ae->dec1, Z, &z2.matrix);
    act_forward(ACT_RELU, &z2.matrix, &h2.matrix);
    dense_forward(&ae->dec2, &h2.matrix, &xhat.matrix);
}

static gsl_matrix_view ae_forward(autoencoder *ae, const gsl_matrix *X)
{
    size_t n = X->size1;
    ae_encode(ae, X);
    gsl_matrix_view code = mat_rows(ae->code, n);
    ae_decode(ae, &code.matrix);
    return mat_rows(ae->xhat, n);
}

static void ae_backward(autoencoder *ae, const gsl_matrix *X, const gsl_matrix *dxhat)
{
    size_t n = X->size1;
    gsl_matrix_view z1 = mat_rows(ae->z1, n), h1 = mat_rows(ae->h1, n);
    gsl_matrix_view code = mat_rows(ae->code, n);
    gsl_matrix_view z2 = mat_rows(ae->z2, n), h2 = mat_rows(ae->h2, n);
    gsl_matrix_view dh2 = mat_rows(ae->dh2, n), dcode = mat_rows(ae->dcode, n);
    gsl_matrix_view dh1 = mat_rows(ae->dh1, n);
    dense_backward(&ae->dec2, &h2.matrix, dxhat, &dh2.matrix);
    act_backward(ACT_RELU, &z2.matrix, &h2.matrix, &dh2.matrix, &dh2.matrix);
    dense_backward(&ae->dec1, &code.matrix, &dh2.matrix, &dcode.matrix);
    dense_backward(&ae->enc2, &h1.matrix, &dcode.matrix, &dh1.matrix);
    act_backward(ACT_RELU, &z1.matrix, &h1.matrix, &dh1.matrix, &dh1.matrix);
    dense_backward(&ae->enc1, X, &dh1.matrix, NULL);
}

static double ae_mse(autoencoder *ae, const gsl_matrix *X)
{
    gsl_matrix_view xhat = ae_forward(ae, X);
    return mat_mse(&xhat.matrix, X);
}

static size_t dead_units(autoencoder *ae, const gsl_matrix *X)
{
    size_t n = X->size1, dead = 0;
    ae_forward(ae, X);
    gsl_matrix *H[2] = {ae->h1, ae->h2};
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < ae->hidden; j++) {
            int alive = 0;
            for (size_t i = 0; i < n; i++)
                if (gsl_matrix_get(H[l], i, j) > 0.0)
                    alive = 1;
            dead += !alive;
        }
    return dead;
}

#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    long latent = 1, hidden = 4, steps = 3000, batch = 32, points = 200, restarts = 1;
    double lr = 0.01, noise = 0.05;
    const char *opt_name = "adam";
    cli_option opts[] = {
        {"latent-dim", CLI_INT, &latent, "latent", 1, 8, NULL, 0},
        {"hidden", CLI_INT, &hidden, "hidden", 1, 256, NULL, 0},
        {"steps", CLI_INT, &steps, "steps", 1, 1000000, NULL, 0},
        {"batch", CLI_INT, &batch, "batch", 1, 100000, NULL, 0},
        {"points", CLI_INT, &points, "points", 10, 100000, NULL, 0},
        {"restarts", CLI_INT, &restarts, "restarts", 1, 100, NULL, 0},
        {"lr", CLI_REAL, &lr, "lr", 1e-6, 10, NULL, 0},
        {"noise", CLI_REAL, &noise, "noise", 0, 1, NULL, 0},
        {"optimizer", CLI_CHOICE, &opt_name, "opt", 0, 0, "sgd|adam", 0},
    };
    cli c;
    cli_init(&c, "02-autoencoder", "draft", 42, opts, sizeof opts / sizeof opts[0]);
    cli_parse_or_exit(&c, argc, argv);
    out_prepare(c.out);
    gsl_rng *r = rng_new((unsigned long)c.seed);
    gsl_vector *theta = gsl_vector_alloc((size_t)points);
    gsl_matrix *X = make_circle((size_t)points, noise, r, theta);
    if (batch > points) batch = points;
    autoencoder *ae = ae_new((size_t)hidden, (size_t)latent, (size_t)points);
    gsl_matrix *B = gsl_matrix_alloc((size_t)batch, 2);
    size_t *idx = malloc((size_t)points * sizeof *idx);
    for (size_t i = 0; i < (size_t)points; i++) idx[i] = i;
    long aud = getenv("AUD") ? atol(getenv("AUD")) : 0;
    gsl_vector *best = gsl_vector_alloc(ae->P->value->size); double bestm = 1e9;
    long total = steps;
    for (long rs = 0; rs < restarts + (aud > 0); rs++) {
        int cont = aud > 0 && rs == restarts;
        if (aud > 0) steps = cont ? total : aud;
        ae_init(ae, r);
        if (cont) gsl_vector_memcpy(ae->P->value, best);
        if (getenv("BIAS")) { double b0 = atof(getenv("BIAS")); gsl_vector_set_all(&ae->enc1.b.vector, b0); gsl_vector_set_all(&ae->dec1.b.vector, b0);}
        double mse0 = ae_mse(ae, X);
        optimizer *opt = strcmp(opt_name, "adam") == 0 ? optim_adam(ae->P, lr, 0.9, 0.999)
                                                      : optim_sgd(ae->P, lr, 0.0);
        size_t pos = (size_t)points;
        for (long s = 1; s <= steps; s++) {
            const gsl_matrix *Xb = X;
            gsl_matrix_view bv = mat_rows(B, (size_t)batch);
            if (batch < points) {
                if (pos + (size_t)batch > (size_t)points) { rng_shuffle(r, idx, (size_t)points); pos = 0; }
                mat_gather_rows(&bv.matrix, X, idx + pos, (size_t)batch);
                pos += (size_t)batch;
                Xb = &bv.matrix;
            }
            gsl_matrix_view xh = ae_forward(ae, Xb);
            params_zero_grad(ae->P);
            gsl_matrix_view dx = mat_rows(ae->dxhat, Xb->size1);
            double loss = loss_mse(&xh.matrix, Xb, &dx.matrix);
            check_finite(loss, "loss", s);
            ae_backward(ae, Xb, &dx.matrix);
            if (getenv("DECAY")) opt->lr = lr * 0.5 * (1.0 + cos(M_PI * (double)s / (double)steps));
            optim_step(opt);
            if (getenv("VERB") && s % (steps / 5) == 0) printf("  r%ld step %ld mse %.5f\n", rs, s, ae_mse(ae, X));
        }
        if (!cont && ae_mse(ae, X) < bestm) { bestm = ae_mse(ae, X); gsl_vector_memcpy(best, ae->P->value); }
        if (!aud || cont) printf("restart %ld: start %.4f final %.5f dead %zu\n", rs, mse0, ae_mse(ae, X), dead_units(ae, X));
        optim_free(opt);
    }
    ae_free(ae);
    return 0;
}
#endif
