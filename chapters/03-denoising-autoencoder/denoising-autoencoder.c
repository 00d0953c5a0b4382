/* denoising-autoencoder.c -- PROTOTYPE for tuning */
#include "genlab.h"

typedef struct dae {
    size_t hidden, latent, max_batch;
    params *P;
    dense enc1, enc2, dec1, dec2;
    gsl_matrix *z1, *h1, *code, *z2, *h2;
    gsl_matrix *d_h2, *d_code, *d_h1;
} dae;

static dae *dae_new(size_t hidden, size_t latent, size_t max_batch)
{
    dae *net = calloc(1, sizeof *net);
    net->hidden = hidden; net->latent = latent; net->max_batch = max_batch;
    net->P = params_alloc(dense_size(2, hidden) + dense_size(hidden, latent)
                          + dense_size(latent, hidden) + dense_size(hidden, 2));
    dense_bind(&net->enc1, net->P, 2, hidden);
    dense_bind(&net->enc2, net->P, hidden, latent);
    dense_bind(&net->dec1, net->P, latent, hidden);
    dense_bind(&net->dec2, net->P, hidden, 2);
    net->z1 = gsl_matrix_alloc(max_batch, hidden);
    net->h1 = gsl_matrix_alloc(max_batch, hidden);
    net->code = gsl_matrix_alloc(max_batch, latent);
    net->z2 = gsl_matrix_alloc(max_batch, hidden);
    net->h2 = gsl_matrix_alloc(max_batch, hidden);
    net->d_h2 = gsl_matrix_alloc(max_batch, hidden);
    net->d_code = gsl_matrix_alloc(max_batch, latent);
    net->d_h1 = gsl_matrix_alloc(max_batch, hidden);
    return net;
}

static void dae_init(dae *net, gsl_rng *r)
{
    dense_init_xavier(&net->enc1, r);
    dense_init_xavier(&net->enc2, r);
    dense_init_xavier(&net->dec1, r);
    dense_init_xavier(&net->dec2, r);
}

static void dae_forward(dae *net, const gsl_matrix *X, gsl_matrix *Y)
{
    size_t n = X->size1;
    gsl_matrix_view z1 = mat_rows(net->z1, n), h1 = mat_rows(net->h1, n),
                    code = mat_rows(net->code, n), z2 = mat_rows(net->z2, n),
                    h2 = mat_rows(net->h2, n);
    dense_forward(&net->enc1, X, &z1.matrix);
    act_forward(ACT_RELU, &z1.matrix, &h1.matrix);
    dense_forward(&net->enc2, &h1.matrix, &code.matrix);
    dense_forward(&net->dec1, &code.matrix, &z2.matrix);
    act_forward(ACT_RELU, &z2.matrix, &h2.matrix);
    dense_forward(&net->dec2, &h2.matrix, Y);
}

static void dae_backward(dae *net, const gsl_matrix *X, const gsl_matrix *dY)
{
    size_t n = X->size1;
    gsl_matrix_view z1 = mat_rows(net->z1, n), h1 = mat_rows(net->h1, n),
                    code = mat_rows(net->code, n), z2 = mat_rows(net->z2, n),
                    h2 = mat_rows(net->h2, n), d_h2 = mat_rows(net->d_h2, n),
                    d_code = mat_rows(net->d_code, n), d_h1 = mat_rows(net->d_h1, n);
    dense_backward(&net->dec2, &h2.matrix, dY, &d_h2.matrix);
    act_backward(ACT_RELU, &z2.matrix, &h2.matrix, &d_h2.matrix, &d_h2.matrix);
    dense_backward(&net->dec1, &code.matrix, &d_h2.matrix, &d_code.matrix);
    dense_backward(&net->enc2, &h1.matrix, &d_code.matrix, &d_h1.matrix);
    act_backward(ACT_RELU, &z1.matrix, &h1.matrix, &d_h1.matrix, &d_h1.matrix);
    dense_backward(&net->enc1, X, &d_h1.matrix, NULL);
}

typedef struct train_cfg { long epochs, batch; double lr, noise, lr_end; int sgd; } train_cfg;

static double train(dae *net, const gsl_matrix *clean, const train_cfg *cfg, gsl_rng *r,
                    gsl_vector *log)
{
    size_t n = clean->size1;
    gsl_matrix *noisy = gsl_matrix_alloc(n, 2);
    gsl_matrix *Xb = gsl_matrix_alloc(cfg->batch, 2), *Cb = gsl_matrix_alloc(cfg->batch, 2);
    gsl_matrix *Yb = gsl_matrix_alloc(cfg->batch, 2), *dYb = gsl_matrix_alloc(cfg->batch, 2);
    size_t *idx = malloc(n * sizeof *idx);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    optimizer *opt = cfg->sgd ? optim_sgd(net->P, cfg->lr, 0.0) : optim_adam(net->P, cfg->lr, 0.9, 0.999);
    double last = 0;
    long step = 0;
    for (long e = 0; e < cfg->epochs; e++) {
        double frac = (double)e / (double)cfg->epochs;
        opt->lr = cfg->lr * pow(cfg->lr_end / cfg->lr, frac);
        gsl_matrix_memcpy(noisy, clean);
        if (cfg->noise > 0) rng_add_gaussian(r, noisy, cfg->noise);
        rng_shuffle(r, idx, n);
        double sum = 0; size_t cnt = 0;
        for (size_t s = 0; s < n; s += (size_t)cfg->batch) {
            size_t m = n - s < (size_t)cfg->batch ? n - s : (size_t)cfg->batch;
            gsl_matrix_view x = mat_rows(Xb, m), c = mat_rows(Cb, m), y = mat_rows(Yb, m), dy = mat_rows(dYb, m);
            mat_gather_rows(&x.matrix, noisy, idx + s, m);
            mat_gather_rows(&c.matrix, clean, idx + s, m);
            dae_forward(net, &x.matrix, &y.matrix);
            double l = loss_mse(&y.matrix, &c.matrix, &dy.matrix);
            check_finite(l, "loss", ++step);
            params_zero_grad(net->P);
            dae_backward(net, &x.matrix, &dy.matrix);
            optim_step(opt);
            sum += l * (double)m; cnt += m;
        }
        last = sum / (double)cnt;
        if (log) gsl_vector_set(log, (size_t)e, last);
    }
    optim_free(opt);
    free(idx);
    gsl_matrix_free(noisy); gsl_matrix_free(Xb); gsl_matrix_free(Cb); gsl_matrix_free(Yb); gsl_matrix_free(dYb);
    return last;
}

static void bayes(const gsl_matrix *prior, const gsl_matrix *Y, double s, gsl_matrix *out)
{
    size_t K = prior->size1;
    double *lw = malloc(K * sizeof *lw);
    for (size_t i = 0; i < Y->size1; i++) {
        double y0 = gsl_matrix_get(Y, i, 0), y1 = gsl_matrix_get(Y, i, 1), mx = -INFINITY;
        for (size_t k = 0; k < K; k++) {
            double a = y0 - gsl_matrix_get(prior, k, 0), b = y1 - gsl_matrix_get(prior, k, 1);
            lw[k] = -(a * a + b * b) / (2 * s * s);
            if (lw[k] > mx) mx = lw[k];
        }
        double w = 0, m0 = 0, m1 = 0;
        for (size_t k = 0; k < K; k++) {
            double e = exp(lw[k] - mx);
            w += e; m0 += e * gsl_matrix_get(prior, k, 0); m1 += e * gsl_matrix_get(prior, k, 1);
        }
        gsl_matrix_set(out, i, 0, m0 / w); gsl_matrix_set(out, i, 1, m1 / w);
    }
    free(lw);
}

static void curve(gsl_matrix *C, int midpoint)
{
    size_t n = C->size1;
    for (size_t i = 0; i < n; i++) {
        double t = midpoint ? 4 * M_PI * ((double)i + 0.5) / (double)n
                            : 4 * M_PI * (double)i / (double)(n - 1);
        gsl_matrix_set(C, i, 0, t / (4 * M_PI));
        gsl_matrix_set(C, i, 1, sin(t));
    }
}

#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    long sgd = 0, epochs = 2000, batch = 300, hidden = 8, points = 300, reps = 1, neval = 1;
    double lr = 0.01, lr_end = -1, noise = 0.3;
    cli_option opts[] = {
        {"epochs", CLI_INT, &epochs, "epochs", 1, 1e7, NULL, 0},
        {"batch", CLI_INT, &batch, "batch", 1, 1e6, NULL, 0},
        {"hidden", CLI_INT, &hidden, "hidden", 1, 1024, NULL, 0},
        {"points", CLI_INT, &points, "points", 2, 1e6, NULL, 0},
        {"sgd", CLI_INT, &sgd, "sgd", 0, 1, NULL, 0},
        {"reps", CLI_INT, &reps, "reps", 1, 1e6, NULL, 0},
        {"neval", CLI_INT, &neval, "eval copies", 1, 1e6, NULL, 0},
        {"lr", CLI_REAL, &lr, "lr", 0, 10, NULL, 0},
        {"lr-end", CLI_REAL, &lr_end, "lr end", -1, 10, NULL, 0},
        {"noise", CLI_REAL, &noise, "noise", 0, 10, NULL, 0},
    };
    cli c;
    cli_init(&c, "03-denoising-autoencoder", "proto", 42, opts, sizeof opts / sizeof opts[0]);
    cli_parse_or_exit(&c, argc, argv);
    if (lr_end < 0) lr_end = lr;
    gsl_rng *r = rng_new((unsigned long)c.seed);
    gsl_matrix *clean = gsl_matrix_alloc((size_t)points, 2);
    curve(clean, 0);
    gsl_matrix *dense_c = gsl_matrix_alloc(4000, 2);
    curve(dense_c, 1);
    size_t ne = (size_t)(points * neval);
    gsl_matrix *cl = gsl_matrix_alloc(ne, 2), *y = gsl_matrix_alloc(ne, 2), *o = gsl_matrix_alloc(ne, 2);
    for (size_t i = 0; i < ne; i++) { gsl_matrix_set(cl, i, 0, gsl_matrix_get(clean, i % points, 0)); gsl_matrix_set(cl, i, 1, gsl_matrix_get(clean, i % points, 1)); }
    gsl_matrix_memcpy(y, cl);
    rng_add_gaussian(r, y, noise);
    double nm = mat_mse(y, cl);
    bayes(clean, y, noise, o); double bd = nm / mat_mse(o, cl);
    bayes(dense_c, y, noise, o); double bc = nm / mat_mse(o, cl);
    printf("noisy %.5f bayes_grid %.4f bayes_curve %.4f\n", nm, bd, bc);
    train_cfg cfg = {epochs, batch, lr, noise, lr_end, (int)sgd};
    dae *net = dae_new((size_t)hidden, 2, ne > (size_t)batch ? ne : (size_t)batch);
    double t0 = now_seconds();
    for (long rep = 0; rep < reps; rep++) {
        dae_init(net, r);
        double l = train(net, clean, &cfg, r, NULL);
        dae_forward(net, y, o);
        double ratio = nm / mat_mse(o, cl);
        train_cfg pc = cfg; pc.noise = 0; dae_init(net, r); double lp = train(net, clean, &pc, r, NULL);
        dae_forward(net, y, o); printf("plain AE loss %.5f ratio %.4f\n", lp, nm / mat_mse(o, cl));
        printf("rep %ld final loss %.5f ratio %.4f vs_bayes %.3f\n", rep, l, ratio, ratio / bd);
    }
    fprintf(stderr, "time %.3f\n", now_seconds() - t0);
    return 0;
}
#endif
