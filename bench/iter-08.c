/* iter-08.c -- milliseconds per training iteration of chapter 08's models
 * (one D update and one G update, default sizes and batches), built from the
 * chapter's own code. */
#define GENLAB_TESTING
#include "../chapters/08-mnist-gan/mnist-gan.c"
#include "iter-common.h"

/* G's update, as train() does it: fresh z and labels, L_G, one Adam step */
static void g_step(gan *g)
{
    noise_batch(g, 1);
    g_loss(g, 1);
    optim_step(g->optG);
}

static void time_model(const char *name, const gan_config *cfg, const image_set *data)
{
    gan *g = gan_new(cfg, data, 1);
    double p_real, p_fake;
    for (long i = 0; i < WARMUP; i++) {
        d_step(g, &p_real, &p_fake);
        g_step(g);
    }
    const double t0 = seconds_now();
    for (long i = 0; i < ITERS; i++) {
        d_step(g, &p_real, &p_fake);
        g_step(g);
    }
    report_ms(name, seconds_now() - t0, ITERS);
    gan_free(g);
}

int main(void)
{
    image_set *data = mnist_load("datasets/mnist", "train");
    const gan_config gan_cfg = {.kind = MODEL_GAN, .steps = 4000, .batch = 100, .noise_dim = 100,
                                .hidden = 256, .digit = 2, .lr_d = 1e-4, .lr_g = 2e-4, .beta1 = 0.5,
                                .d_update = D_JOINT, .d_act = ACT_RELU};
    gan_config cgan_cfg = gan_cfg;
    cgan_cfg.kind = MODEL_CGAN;
    cgan_cfg.batch = 50;
    cgan_cfg.noise_dim = 128;
    cgan_cfg.lr_d = 2e-4;
    cgan_cfg.mismatch = 2.0;
    time_model("gan", &gan_cfg, data);
    time_model("cgan", &cgan_cfg, data);
    image_set_free(data);
    return 0;
}
