/* test_03_denoising_autoencoder.c -- chapter 03's own code, checked.
 *
 *   - the DAE's hand-written backward pass agrees with finite differences of
 *     its loss, for all 84 parameters (and a backward pass with a deliberate
 *     mistake does NOT, so the check can tell);
 *   - the Bayes-optimal denoiser returns the right thing where the answer is
 *     known, and stays finite far from the curve (the log-sum-exp trick);
 *   - a short training run gets close to the Bayes denoiser; the sweep and
 *     the figure writers produce their table and files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define GENLAB_TESTING
#include "../chapters/03-denoising-autoencoder/denoising-autoencoder.c"

#include <unistd.h>

/* cmocka's assert_float_equal works in float; we need doubles. */
#define assert_close(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

/* A batch of n noisy points of the sine, and a DAE with random weights. */
typedef struct fixture {
    dae *net;
    gsl_matrix *C, *Y, *out, *d_out;
    gsl_rng *r;
} fixture;

static fixture make_fixture(size_t n, size_t hidden, size_t latent, unsigned long seed)
{
    fixture f;
    f.r = rng_new(seed);
    f.net = dae_new(hidden, latent, n);
    dae_init(f.net, f.r);
    /* random biases too, so that no parameter sits at a special value */
    for (size_t i = 0; i < f.net->P->value->size; i++)
        if (gsl_vector_get(f.net->P->value, i) == 0.0)
            gsl_vector_set(f.net->P->value, i, gsl_ran_gaussian(f.r, 0.3));
    f.C = gsl_matrix_alloc(n, 2);
    f.Y = gsl_matrix_alloc(n, 2);
    f.out = gsl_matrix_alloc(n, 2);
    f.d_out = gsl_matrix_alloc(n, 2);
    sine_curve(f.C);
    gsl_matrix_memcpy(f.Y, f.C);
    rng_add_gaussian(f.r, f.Y, 0.3);
    return f;
}

static void free_fixture(fixture *f)
{
    dae_free(f->net);
    gsl_matrix_free(f->C);
    gsl_matrix_free(f->Y);
    gsl_matrix_free(f->out);
    gsl_matrix_free(f->d_out);
    gsl_rng_free(f->r);
}

/* The loss as a function of the parameters, for gradcheck. */
static double fixture_loss(void *ctx)
{
    fixture *f = ctx;
    return dae_loss(f->net, f->Y, f->C, f->out, NULL);
}

/* The chapter's backward, and a wrong one: it forgets the decoder ReLU's
 * derivative, the kind of slip that still trains "somehow". */
static void backward_right(fixture *f)
{
    dae_backward(f->net, f->Y, f->d_out);
}

static void backward_forgets_relu(fixture *f)
{
    dae *net = f->net;
    dense_backward(&net->dec2, net->h2, f->d_out, net->d_h2);
    /* (missing: act_backward for the decoder's ReLU) */
    dense_backward(&net->dec1, net->code, net->d_h2, net->d_code);
    dense_backward(&net->enc2, net->h1, net->d_code, net->d_h1);
    act_backward(ACT_RELU, net->z1, net->h1, net->d_h1, net->d_h1);
    dense_backward(&net->enc1, f->Y, net->d_h1, NULL);
}

static gradcheck_result check_with(fixture *f, void (*backward)(fixture *))
{
    params_zero_grad(f->net->P);
    dae_loss(f->net, f->Y, f->C, f->out, f->d_out);
    backward(f);
    const size_t size = f->net->P->value->size;
    return gradcheck(fixture_loss, f, f->net->P->value->data, f->net->P->grad->data, size,
                     size);
}

static void test_backward_matches_finite_differences(void **state)
{
    (void)state;
    const size_t shapes[][2] = {{8, 2}, {5, 1}, {3, 4}};   /* (hidden, latent) */
    for (size_t k = 0; k < 3; k++) {
        fixture f = make_fixture(17, shapes[k][0], shapes[k][1], 3 + k);
        gradcheck_result res = check_with(&f, backward_right);
        print_message("hidden %zu latent %zu: %zu entries, max rel err %.3g\n", shapes[k][0],
                      shapes[k][1], res.checked, res.max_rel_err);
        assert_int_equal(res.checked, f.net->P->value->size);
        assert_true(res.max_rel_err < 1e-6);
        free_fixture(&f);
    }
}

static void test_gradcheck_catches_a_wrong_backward(void **state)
{
    (void)state;
    fixture f = make_fixture(17, 8, 2, 3);
    gradcheck_result res = check_with(&f, backward_forgets_relu);
    print_message("forgotten ReLU derivative: max rel err %.3g\n", res.max_rel_err);
    assert_true(res.max_rel_err > 1e-2);
    free_fixture(&f);
}

/* Gradients accumulate: two backward passes without zeroing give twice one. */
static void test_backward_accumulates(void **state)
{
    (void)state;
    fixture f = make_fixture(9, 8, 2, 11);
    params_zero_grad(f.net->P);
    dae_loss(f.net, f.Y, f.C, f.out, f.d_out);
    dae_backward(f.net, f.Y, f.d_out);
    gsl_vector *once = gsl_vector_alloc(f.net->P->grad->size);
    gsl_vector_memcpy(once, f.net->P->grad);
    dae_backward(f.net, f.Y, f.d_out);
    for (size_t i = 0; i < once->size; i++)
        assert_close(gsl_vector_get(f.net->P->grad, i), 2.0 * gsl_vector_get(once, i),
                            1e-12);
    gsl_vector_free(once);
    free_fixture(&f);
}

/* One candidate clean point: the posterior is certain, E[c | y] = that point. */
static void test_bayes_single_point_prior(void **state)
{
    (void)state;
    gsl_matrix *prior = gsl_matrix_alloc(1, 2), *Y = gsl_matrix_alloc(3, 2),
               *out = gsl_matrix_alloc(3, 2);
    gsl_matrix_set(prior, 0, 0, 0.25);
    gsl_matrix_set(prior, 0, 1, -0.5);
    const double ys[3][2] = {{0.0, 0.0}, {3.0, -2.0}, {-50.0, 80.0}};
    for (size_t i = 0; i < 3; i++) {
        gsl_matrix_set(Y, i, 0, ys[i][0]);
        gsl_matrix_set(Y, i, 1, ys[i][1]);
    }
    bayes_denoise(prior, 0.3, Y, out);
    for (size_t i = 0; i < 3; i++) {
        assert_close(gsl_matrix_get(out, i, 0), 0.25, 1e-15);
        assert_close(gsl_matrix_get(out, i, 1), -0.5, 1e-15);
    }
    gsl_matrix_free(prior);
    gsl_matrix_free(Y);
    gsl_matrix_free(out);
}

/* Two points at equal distance: the posterior mean is their midpoint. Far
 * away, every plain weight exp(-d^2 / 2 s^2) underflows to 0; the log-sum-exp
 * form must still give the midpoint, not 0/0. */
static void test_bayes_symmetric_and_far_away(void **state)
{
    (void)state;
    gsl_matrix *prior = gsl_matrix_calloc(2, 2), *Y = gsl_matrix_alloc(2, 2),
               *out = gsl_matrix_alloc(2, 2);
    gsl_matrix_set(prior, 0, 1, 1.0);               /* (0, 1) and (0, -1) */
    gsl_matrix_set(prior, 1, 1, -1.0);
    gsl_matrix_set(Y, 0, 0, 0.4);                   /* near: (0.4, 0)     */
    gsl_matrix_set(Y, 0, 1, 0.0);
    gsl_matrix_set(Y, 1, 0, 1000.0);                /* far: (1000, 0)     */
    gsl_matrix_set(Y, 1, 1, 0.0);
    assert_true(exp(-1000.0 * 1000.0 / (2 * 0.3 * 0.3)) == 0.0);   /* it does underflow */
    bayes_denoise(prior, 0.3, Y, out);
    for (size_t i = 0; i < 2; i++) {
        assert_true(isfinite(gsl_matrix_get(out, i, 0)) && isfinite(gsl_matrix_get(out, i, 1)));
        assert_close(gsl_matrix_get(out, i, 0), 0.0, 1e-12);
        assert_close(gsl_matrix_get(out, i, 1), 0.0, 1e-12);
    }
    gsl_matrix_free(prior);
    gsl_matrix_free(Y);
    gsl_matrix_free(out);
}

/* With a tiny noise level the posterior collapses onto the nearest clean
 * point; and the dense-curve prior nearly agrees with the 300-point grid. */
static void test_bayes_small_noise_and_curve_prior(void **state)
{
    (void)state;
    gsl_matrix *C = gsl_matrix_alloc(300, 2), *curve = gsl_matrix_alloc(CURVE_POINTS, 2),
               *Y = gsl_matrix_alloc(300, 2), *a = gsl_matrix_alloc(300, 2),
               *b = gsl_matrix_alloc(300, 2);
    sine_curve(C);
    sine_curve_midpoints(curve);
    gsl_matrix_memcpy(Y, C);
    bayes_denoise(C, 1e-4, Y, a);                 /* y on a grid point -> that point */
    for (size_t i = 0; i < 300; i++)
        for (size_t j = 0; j < 2; j++)
            assert_close(gsl_matrix_get(a, i, j), gsl_matrix_get(C, i, j), 1e-9);
    gsl_rng *r = rng_new(5);
    rng_add_gaussian(r, Y, 0.3);
    bayes_denoise(C, 0.3, Y, a);
    bayes_denoise(curve, 0.3, Y, b);
    double grid = mat_mse(a, C), cont = mat_mse(b, C);
    assert_true(fabs(grid - cont) < 0.01 * grid);
    assert_true(grid < mat_mse(Y, C));            /* it does denoise */
    gsl_rng_free(r);
    gsl_matrix_free(C);
    gsl_matrix_free(curve);
    gsl_matrix_free(Y);
    gsl_matrix_free(a);
    gsl_matrix_free(b);
}

/* A short run of the real recipe: the DAE gets within 15 % of the Bayes ratio
 * and well above the plain AE, and its history holds every epoch; then the
 * sweep (and no sweep at 0 levels) and the figures' files on top. */
static void test_short_training_sweep_and_figures(void **state)
{
    (void)state;
    const size_t n = 300;
    gsl_rng *r = rng_new(1);
    sine_data d = sine_data_new(n, 0.3, r);
    dae *net = dae_new(8, 2, n), *plain = dae_new(8, 2, n);
    train_config cfg = {1000, 0.01, "adam", 0, 1};
    history *log1 = history_new(1000, 50, "loss"), *log2 = history_new(1000, 50, "loss");
    dae_init(net, r);
    double dae_final = train(net, d.C, 0.3, &cfg, r, log1);
    dae_init(plain, r);
    double plain_final = train(plain, d.C, 0.0, &cfg, r, log2);
    assert_int_equal(log1->n, 1000);
    assert_true(history_last(log1, 0) == dae_final);
    assert_true(history_last(log2, 0) == plain_final);
    evaluation ev = evaluate(net, plain, d.C, d.Y, 0.3);
    print_message("ratios: DAE %.3f, plain AE %.3f, Bayes %.3f\n", ev.dae_r, ev.plain_r,
                  ev.bayes_r);
    assert_true(ev.dae_r > 0.85 * ev.bayes_r);
    assert_true(ev.plain_r < ev.dae_r);
    print_message("plain AE final loss %.3g\n", plain_final);
    assert_true(plain_final < 1e-3);              /* the plain AE did learn its task */

    cfg.epochs = 50;
    gsl_matrix *table = noise_sweep(2, d.C, d.Eps, plain, 8, 2, &cfg, r);
    assert_int_equal(table->size1, 2);
    assert_close(gsl_matrix_get(table, 1, 0), 0.2, 1e-12);
    assert_null(noise_sweep(0, d.C, d.Eps, plain, 8, 2, &cfg, r));   /* --sweep 0 */

    char dir[] = "/tmp/genlab-test-03-XXXXXX";
    assert_non_null(mkdtemp(dir));
    figure_denoise(dir, &d, &ev, 0.3);
    figure_loss(dir, log1, log2, ev.sc.bayes_mse);
    figure_sweep(dir, table, 0.3);
    figure_sweep(dir, NULL, 0.3);                 /* no sweep: writes nothing */
    fig_write(dir);                 /* a test binary has no scripts: values.gp only */
    const char *files[] = {"denoise.dat", "loss_dae.dat", "loss_plain_ae.dat", "sweep.dat",
                           "values.gp"};
    char path[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        assert_int_equal(access(path, R_OK), 0);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);              /* and nothing else */

    gsl_matrix_free(table);
    evaluation_free(&ev);
    history_free(log1);
    history_free(log2);
    dae_free(net);
    dae_free(plain);
    sine_data_free(&d);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backward_matches_finite_differences),
        cmocka_unit_test(test_gradcheck_catches_a_wrong_backward),
        cmocka_unit_test(test_backward_accumulates),
        cmocka_unit_test(test_bayes_single_point_prior),
        cmocka_unit_test(test_bayes_symmetric_and_far_away),
        cmocka_unit_test(test_bayes_small_noise_and_curve_prior),
        cmocka_unit_test(test_short_training_sweep_and_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
