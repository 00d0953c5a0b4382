/* iter-11.c -- one training iteration of chapter 11's labelled AAE with its
 * default code of 2 + 4 numbers (reconstruction step, 10 D updates,
 * adversarial step; batch 100), timed from the chapter's own aae_step().
 * See iter-common.h. */
#define GENLAB_TESTING
#include "../chapters/11-aae/aae.c"
#include "iter-common.h"

typedef struct aae_run {
    aae *A;
    const train_data *T;
    gsl_rng *r;
    long step;
} aae_run;

static void aae_iteration(void *p)
{
    aae_run *R = p;
    step_losses s;
    aae_step(R->A, R->T, R->r, R->step++, &s);
}

/* the GEMMs of aae_step, from the networks' shapes (labels variant: one real
 * batch per D update) */
static flops aae_flops(const aae *A)
{
    flops f = {0};
    const size_t n = (size_t)A->cfg.batch;
    flops_mlp_fwd(&f, n, A->E);                  /* 1: reconstruction, E and G trained */
    flops_mlp_fwd(&f, n, A->G);
    flops_mlp_bwd(&f, n, A->G, 1, 1);            /* down to dL/dz */
    flops_mlp_bwd(&f, n, A->E, 1, 0);
    flops_mlp_fwd(&f, n, A->E);                  /* 2: the codes, then D's updates */
    for (long t = 0; t < A->cfg.d_steps; t++)
        for (int h = 0; h < 2; h++) {            /* prior samples, codes */
            flops_mlp_fwd(&f, n, A->D);
            flops_mlp_bwd(&f, n, A->D, 1, 0);
        }
    flops_mlp_fwd(&f, n, A->E);                  /* 3: E fools the frozen D */
    flops_mlp_fwd(&f, n, A->D);
    flops_mlp_bwd(&f, n, A->D, 0, 1);
    flops_mlp_bwd(&f, n, A->E, 1, 0);
    return f;
}

int main(int argc, char **argv)
{
    bench_opts o = bench_start(argc, argv);
    if (!bench_wants(&o, "11-aae"))
        return 0;
    image_set *train_set = load_six_classes("datasets/mnist", "train");
    gsl_rng *r = rng_new(1);
    const aae_config cfg = {.x_dim = IMG, .h1 = 500, .h2 = 300, .d_hidden = 100, .variant = VARIANT_LABELS,
                            .recon = RECON_BCE, .batch = 100, .lr = 5e-4, .lr_rec = 1e-4, .lr_dec = 1e-3, .beta1 = 0.9,
                            .lr_drop_at = 0, .noise = 0.3, .shift = 1, .d_steps = 10, .label_share = 1.0,
                            .style = 4};
    aae *A = aae_new(&cfg, r);
    unsigned char *known = malloc(train_set->n);
    if (!known)
        die("out of memory");
    memset(known, 1, train_set->n);
    const train_data T = {train_set, known};
    aae_run R = {A, &T, r, 0};
    const flops f = aae_flops(A);
    bench_model(&o, "11-aae", cfg.batch, aae_iteration, &R, &f, 20, 200);
    aae_free(A);
    free(known);
    gsl_rng_free(r);
    image_set_free(train_set);
    return o.failed;
}
