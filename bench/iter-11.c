/* iter-11.c -- milliseconds per training iteration of chapter 11's labelled
 * AAE (reconstruction step, 5 D updates, adversarial step; batch 100), built
 * from the chapter's own code. */
#define GENLAB_TESTING
#include "../chapters/11-aae/aae.c"
#include "iter-common.h"

int main(void)
{
    image_set *train_set = load_six_classes("datasets/mnist", "train");
    gsl_rng *r = rng_new(1);
    const aae_config cfg = {.x_dim = IMG, .h1 = 500, .h2 = 300, .d_hidden = 100, .variant = VARIANT_LABELS,
                            .recon = RECON_BCE, .batch = 100, .lr = 5e-4, .lr_rec = 1e-4, .beta1 = 0.9,
                            .lr_drop_at = 0, .noise = 0.3, .shift = 1, .d_steps = 5, .label_share = 1.0};
    aae *A = aae_new(&cfg, r);
    unsigned char *known = malloc(train_set->n);
    if (!known)
        die("out of memory");
    memset(known, 1, train_set->n);
    const train_data T = {train_set, known};
    step_losses s;
    for (long i = 0; i < WARMUP; i++)
        aae_step(A, &T, r, i, &s);
    const double t0 = seconds_now();
    for (long i = 0; i < ITERS; i++)
        aae_step(A, &T, r, WARMUP + i, &s);
    report_ms("aae", seconds_now() - t0, ITERS);
    aae_free(A);
    free(known);
    gsl_rng_free(r);
    image_set_free(train_set);
    return 0;
}
