/* iter-10.c -- one training iteration of chapter 10's CycleGAN (the chapter's
 * own iteration(): the generators' step on both cycles, the history
 * buffers, the discriminators' step), timed from the chapter's code. See
 * iter-common.h. Two models, both trained by a default run (--compare all):
 *
 *   10-cyclegan     the main model: local generators (three 3x3
 *                   convolutions, C 8), lambda 10, no identity loss
 *   10-cg-global    the encoder-decoder (C 8, code H 128), lambda 10 and the
 *                   identity loss (weight 0.5 lambda): 1000 of the run's
 *                   steps against the main model's 300
 *
 * both with D_X, D_Y 784 -> 256 -> 1, batch 32, a pool of 50 fakes. The
 * multiply-adds of 10-cyclegan, counted by hand, to check cg_flops() below:
 *   G forward, per image: conv 1->8  8 x 784 x 9 = 56 448, conv 8->8
 *              8 x 784 x 72 = 451 584, conv 8->1 1 x 784 x 72 = 56 448;
 *              x 32 images                                =  18 063 360
 *   G backward (weights, and the input of all but the first layer:
 *              G's input is data) 2 x that - 32 x 56 448  =  34 320 384
 *   F backward (the other G: weights and input)            =  36 126 720
 *   D forward  32*256*784 + 32*1*256                      =   6 430 720
 *   D backward in G's step (input only: D is not trained
 *              there)                                     =   6 430 720
 *   a cycle    G fwd + D fwd + D bwd + F fwd + F bwd + G bwd = 119 435 264
 *   G step     two cycles                                 = 238 870 528
 *   D step     2 D x 2 halves x (D fwd + D bwd: weights
 *              and the second layer's input, 6 438 912)   =  51 478 528
 *   one iteration                                          = 290 349 056
 * i.e. 580.7 MFLOP in 1116 gsl_blas_dgemm calls (a convolution makes one
 * product per image and pass: 96 per G forward). Until seqnet_backward_input
 * and _params, the dropped products made it 665.0 MFLOP in 1188 calls. */
#define GENLAB_TESTING
#include "../chapters/10-cyclegan/cyclegan.c"
#include "iter-common.h"

static void cg_iteration(void *model)
{
    double v[5];                      /* D loss, then g_loss's four terms */
    iteration(model, v);
}

/* the GEMMs of iteration(), from the networks' shapes. Every pass is a
 * seqnet_forward or a seqnet_backward: whole (F's, which is trained and
 * passes the gradient on to G), input only (D's in G's step) or weights only
 * (G's, whose input is data, and D's in its own step). */
static flops cg_flops(const cyclegan *m)
{
    flops f = {0};
    const size_t n = (size_t)m->cfg.batch;
    const seqnet *G[2] = {m->gxy, m->gyx}, *D[2] = {m->dy, m->dx};   /* X cycle, Y cycle */
    for (int c = 0; c < 2; c++) {                /* g_loss: cycle_pass(G, F, D) */
        const seqnet *g = G[c], *back = G[1 - c], *d = D[c];
        flops_seq_fwd(&f, n, g);                 /* fake = G(in) (n, 784) */
        if (d) {                                 /* D judges it: scores (n, 1), dL_adv/dfake */
            flops_seq_fwd(&f, n, d);
            flops_seq_bwd_some(&f, n, d, 0, 1);
        }
        flops_seq_fwd(&f, n, back);              /* back = F(fake) (n, 784) */
        if (m->cfg.lambda > 0)
            flops_seq_bwd(&f, n, back);          /* lambda dL_cyc/dfake */
        flops_seq_bwd_some(&f, n, g, 1, 0);      /* the two roads' sum, into G */
    }
    if (m->cfg.identity * m->cfg.lambda > 0)     /* identity_pass: G_XY(y), G_YX(x) */
        for (int c = 0; c < 2; c++) {
            flops_seq_fwd(&f, n, G[c]);
            flops_seq_bwd_some(&f, n, G[c], 1, 0);
        }
    for (int c = 0; c < 2; c++)                  /* d_loss: d_one, real then fake */
        if (D[c])
            for (int h = 0; h < 2; h++) {
                flops_seq_fwd(&f, n, D[c]);
                flops_seq_bwd_some(&f, n, D[c], 1, 0);
            }
    return f;
}

static void run(bench_opts *o, const char *name, gen_kind gen, const domains *d, long warmup, long iters)
{
    if (!bench_wants(o, name))
        return;
    /* recipe() of a default run: start()'s defaults (lambda 10, Adam beta1
     * 0.5) and no flag given (a cli without options), not --quick */
    const config flags = {.lambda = 10.0, .beta1 = 0.5};
    const cli none = {0};
    const cg_config cfg = recipe(&flags, &none, 0, gen);
    cyclegan *m = cyclegan_new(&cfg, d, 1);
    const flops f = cg_flops(m);
    /* (the warm-up fills the pools, 50 fakes each, in its first 2 steps: the
     * timed steps draw from full pools, as nearly all of a run's do) */
    bench_model(o, name, cfg.batch, cg_iteration, m, &f, warmup, iters);
    cyclegan_free(m);
}

int main(int argc, char **argv)
{
    bench_opts o = bench_start(argc, argv);
    if (!bench_wants(&o, "10-cyclegan") && !bench_wants(&o, "10-cg-global"))
        return 0;
    /* the default run's domains: X the first 30 000 training digits, Y the
     * other 30 000 dilated; 2000 test digits (only measuring reads them) */
    const dataset_info ds = dataset_select("mnist", NULL);
    image_set *train_set = mnist_load(ds.dir, "train"), *test_set = mnist_load(ds.dir, "t10k");
    domains d = digits_new(train_set, test_set, 2000);
    run(&o, "10-cyclegan", GEN_LOCAL, &d, 5, 60);          /* 09-infogan's counts: a few s a model */
    run(&o, "10-cg-global", GEN_GLOBAL, &d, 5, 60);
    domains_free(&d);
    image_set_free(train_set);
    image_set_free(test_set);
    return o.failed;
}
