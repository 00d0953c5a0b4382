/* iter-08.c -- one training iteration of chapter 08's models (one D update,
 * one G update, as train() does them; default sizes and batches), timed from
 * the chapter's own code. See iter-common.h for what is measured.
 *
 * The multiply-adds, counted by hand for the GAN (batch 100, z 100, G 100 ->
 * 256 -> 784, D 784 -> 256 -> 1), to check gan_flops() below:
 *   G forward  100*256*100 + 100*784*256                 =  22 630 400
 *   D forward  100*256*784 + 100*1*256                   =  20 096 000
 *   D backward, weights (dX of layer 1, not of layer 0):
 *              256*1*100 + 100*256*1 + 784*256*100       =  20 121 600
 *   D backward, input only (the G step: D frozen)
 *              100*256*1 + 100*784*256                   =  20 096 000
 *   G backward, weights: 256*784*100 + 100*256*784 + 100*256*100 = 42 700 800
 *   D step  = G fwd + 2 (D fwd + D bwd)                  = 103 065 600
 *   G step  = G fwd + D fwd + D bwd input + G bwd        = 105 523 200
 *   one iteration                                         = 208 588 800
 * i.e. 417.2 MFLOP, what the program prints (and what gsl_blas_dgemm sees). */
#define GENLAB_TESTING
#include "../chapters/08-mnist-gan/mnist-gan.c"
#include "iter-common.h"

/* train()'s loop body: D's step, then G's with fresh z and labels */
static void gan_iteration(void *model)
{
    gan *g = model;
    double p_real, p_fake;
    d_step(g, &p_real, &p_fake);
    noise_batch(g, 1);
    g_loss(g, 1);
    optim_step(g->optG);
    g->step++;
}

/* the GEMMs of gan_iteration (joint D update), from the networks' shapes */
static flops gan_flops(const gan *g)
{
    flops f = {0};
    const size_t n = g->n;
    const int d_parts = 2 + (g->nc && g->cfg.mismatch > 0.0);      /* real, fake, wrong label */
    flops_mlp_fwd(&f, n, g->G);                                    /* D step: the fakes */
    for (int k = 0; k < d_parts; k++) {
        flops_mlp_fwd(&f, n, g->D);
        flops_mlp_bwd(&f, n, g->D, 1, 0);
    }
    flops_mlp_fwd(&f, n, g->G);                                    /* G step */
    flops_mlp_fwd(&f, n, g->D);
    flops_mlp_bwd(&f, n, g->D, 0, 1);                              /* D frozen: dL/dx only */
    flops_mlp_bwd(&f, n, g->G, 1, 0);
    return f;
}

static void run(bench_opts *o, const char *name, const gan_config *cfg, const image_set *data)
{
    if (!bench_wants(o, name))
        return;
    gan *g = gan_new(cfg, data, 1);
    const flops f = gan_flops(g);
    bench_model(o, name, cfg->batch, gan_iteration, g, &f, 20, 200);
    gan_free(g);
}

int main(int argc, char **argv)
{
    bench_opts o = bench_start(argc, argv);
    image_set *data = mnist_load("datasets/mnist", "train");
    const gan_config gan_cfg = {.kind = MODEL_GAN, .steps = 4000, .batch = 100, .noise_dim = 100,
                                .hidden = 256, .digit = 2, .lr_d = 1e-4, .lr_g = 2e-4, .beta1 = 0.5,
                                .d_update = D_JOINT, .d_act = ACT_RELU};
    gan_config cgan_cfg = gan_cfg;
    cgan_cfg.kind = MODEL_CGAN;
    cgan_cfg.steps = 15000;
    cgan_cfg.batch = 50;
    cgan_cfg.noise_dim = 128;
    cgan_cfg.lr_d = 2e-4;
    cgan_cfg.mismatch = 2.0;
    run(&o, "08-gan", &gan_cfg, data);
    run(&o, "08-cgan", &cgan_cfg, data);
    image_set_free(data);
    return o.failed;
}
