/* iter-09.c -- one training iteration of chapter 09's InfoGAN (the chapter's
 * own iteration(): 2 D steps, the G step, and with the source's wiring its
 * Q step), timed from the chapter's code. See iter-common.h. Two models:
 *
 *   09-infogan      the default run: H 512, F 32, batch 64, wiring paper
 *   09-info-src     --recipe source --batch 64: the source's networks (H 1024,
 *                   F 64) and wiring (a third step: Q and G on L_Q), at the
 *                   default's batch instead of the source's 256
 */
#define GENLAB_TESTING
#include "../chapters/09-infogan/infogan.c"
#include "iter-common.h"

static void ig_iteration(void *model)
{
    double v[3];
    iteration(model, v);
}

/* G forward: two dense, two transposed convolutions */
static void g_fwd(flops *f, const infogan *m)
{
    flops_dense_fwd(f, m->n, &m->g1);
    flops_dense_fwd(f, m->n, &m->g2);
    flops_conv_fwd(f, m->n, &m->g3);
    flops_conv_fwd(f, m->n, &m->g4);
}

static void g_bwd(flops *f, const infogan *m)            /* weights; no dL/d(codes) */
{
    flops_conv_bwd(f, m->n, &m->g4, 1);
    flops_conv_bwd(f, m->n, &m->g3, 1);
    flops_dense_bwd(f, m->n, &m->g2, 1, 1);
    flops_dense_bwd(f, m->n, &m->g1, 1, 0);
}

static void d_fwd(flops *f, const infogan *m, int with_q)
{
    flops_conv_fwd(f, m->n, &m->d1);
    flops_conv_fwd(f, m->n, &m->d2);
    flops_dense_fwd(f, m->n, &m->d3);
    flops_dense_fwd(f, m->n, &m->dh);
    if (with_q) {
        flops_dense_fwd(f, m->n, &m->q1);
        flops_dense_fwd(f, m->n, &m->q2);
    }
}

/* d_backward(): weights always (used or not), dL/dX if dx */
static void d_bwd(flops *f, const infogan *m, int with_d, int with_q, int dx)
{
    if (with_d)
        flops_dense_bwd(f, m->n, &m->dh, 1, 1);
    if (with_q) {
        flops_dense_bwd(f, m->n, &m->q2, 1, 1);
        flops_dense_bwd(f, m->n, &m->q1, 1, 1);
    }
    flops_dense_bwd(f, m->n, &m->d3, 1, 1);
    flops_conv_bwd(f, m->n, &m->d2, 1);
    flops_conv_bwd(f, m->n, &m->d1, dx);
}

static flops ig_flops(const infogan *m)
{
    flops f = {0};
    const int paper = m->cfg.wiring == WIRE_PAPER;
    for (long k = 0; k < m->cfg.d_steps; k++) {           /* d_step: real, then fakes */
        d_fwd(&f, m, 0);
        d_bwd(&f, m, 1, 0, 0);
        g_fwd(&f, m);
        d_fwd(&f, m, paper);
        d_bwd(&f, m, 1, paper, 0);
    }
    g_fwd(&f, m);                                         /* G step */
    d_fwd(&f, m, paper);
    d_bwd(&f, m, 1, paper, 1);
    g_bwd(&f, m);
    if (!paper) {                                         /* the source's Q step */
        g_fwd(&f, m);
        d_fwd(&f, m, 1);
        d_bwd(&f, m, 0, 1, 1);
        g_bwd(&f, m);
    }
    return f;
}

static void run(bench_opts *o, const char *name, const ig_config *cfg, const image_set *data,
                long warmup, long iters)
{
    if (!bench_wants(o, name))
        return;
    infogan *m = infogan_new(cfg, data, 1);
    const flops f = ig_flops(m);
    bench_model(o, name, cfg->batch, ig_iteration, m, &f, warmup, iters);
    infogan_free(m);
}

int main(int argc, char **argv)
{
    bench_opts o = bench_start(argc, argv);
    const dataset_info ds = dataset_select("mnist", NULL);
    image_set *data = dataset_load(&ds, "train", 2);
    /* recipe()'s values for a default run, and for --recipe source --batch 64 */
    const ig_config def = {.steps = 1000, .batch = 64, .dense = 512, .channels = 32, .noise_dim = 62,
                           .ncat = 0, .digit = 2, .d_steps = 2, .ln_eps = 1e-3, .slope = 0.3,
                           .info_w = 2.0, .cat_w = 1.0, .lr_d = 2e-4, .lr_g = 1e-3, .lr_q = 2e-4,
                           .beta1 = 0.5, .wiring = WIRE_PAPER};
    ig_config src = def;
    src.steps = 5000;
    src.dense = 1024;
    src.channels = 64;
    src.info_w = 1.0;
    src.lr_q = 1e-3;
    src.beta1 = 0.9;
    src.wiring = WIRE_SOURCE;
    run(&o, "09-infogan", &def, data, 5, 60);
    run(&o, "09-info-src", &src, data, 2, 20);
    image_set_free(data);
    return o.failed;
}
