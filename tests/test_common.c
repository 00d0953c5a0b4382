/* test_common.c -- unit tests of common/ (cmocka).
 *
 * The gradient checks of every layer, activation and loss live in
 * test_01_dense_layer.c (they reuse chapter 01's probes); here: values,
 * optimisers, the MLP's backward pass, option parsing, output writers, and
 * which BLAS we are linked against. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "genlab.h"

/* |a - b| <= eps, reporting both values when it fails (our cmocka has no
 * double-precision assertion of its own) */
#define assert_double_equal(a, b, eps) do {                                   \
        double a_ = (a), b_ = (b);                                            \
        if (!(fabs(a_ - b_) <= (eps)))                                        \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, \
                     (double)(eps));                                          \
    } while (0)

/* ---- BLAS: products must go through OpenBLAS, not GSL's reference CBLAS -- */
char *openblas_get_config(void);

static void test_blas_is_openblas(void **state)
{
    (void)state;
    const char *config = openblas_get_config();
    assert_non_null(config);
    assert_non_null(strstr(config, "OpenBLAS"));
    /* the cblas_dgemm that gsl_blas_dgemm calls lives in libopenblas */
    Dl_info info;
    void *sym = dlsym(RTLD_DEFAULT, "cblas_dgemm");
    assert_non_null(sym);
    assert_true(dladdr(sym, &info) != 0);
    assert_non_null(strstr(info.dli_fname, "openblas"));
}

/* ---- dense layer on numbers we can do by hand ---------------------------- */
/* OpenBLAS's fallback on an unknown CPU is replaced by the best kernels the
 * CPU's flags allow; a CPU OpenBLAS recognised is left alone. */
static void test_blas_better_core(void **state)
{
    (void)state;
    assert_string_equal(blas_better_core("Prescott", 1, 1, 1), "SkylakeX");
    assert_string_equal(blas_better_core("Prescott", 0, 1, 1), "Haswell");
    assert_string_equal(blas_better_core("Prescott", 0, 0, 1), "SandyBridge");
    assert_null(blas_better_core("Prescott", 0, 0, 0));
    assert_null(blas_better_core("Haswell", 1, 1, 1));
    assert_null(blas_better_core("Zen", 0, 1, 1));
    assert_null(blas_better_core(NULL, 1, 1, 1));
}

/* the large allocators: the shapes asked for, all zeros (calloc), freed by
 * GSL's own free functions; sizes of 0 are GSL's empty objects */
static void test_large_allocations(void **state)
{
    (void)state;
    gsl_matrix *M = mat_calloc_large(3000, 784);      /* 18 MB: whole 2 MB pages inside */
    assert_int_equal(M->size1, 3000);
    assert_int_equal(M->size2, 784);
    assert_int_equal(M->tda, 784);
    assert_true(gsl_matrix_isnull(M));
    gsl_matrix_set(M, 2999, 783, 1.0);
    assert_true(gsl_matrix_get(M, 2999, 783) == 1.0);
    gsl_matrix_free(M);
    gsl_vector *v = vec_calloc_large(1000003);
    assert_int_equal(v->size, 1000003);
    assert_int_equal(v->stride, 1);
    assert_true(gsl_vector_isnull(v));
    gsl_vector_free(v);
    gsl_vector *empty = vec_calloc_large(0);
    assert_int_equal(empty->size, 0);
    gsl_vector_free(empty);
    gsl_matrix *none = mat_calloc_large(0, 5);
    assert_int_equal(none->size1, 0);
    gsl_matrix_free(none);
    gsl_matrix *A = mat_alloc_large(700, 784);
    assert_int_equal(A->size1, 700);
    gsl_matrix_free(A);
}

static void test_dense_forward_backward_by_hand(void **state)
{
    (void)state;
    params *P = params_alloc(dense_size(2, 1));
    dense L;
    dense_bind(&L, P, 2, 1);
    gsl_matrix_set(&L.W.matrix, 0, 0, 2.0);
    gsl_matrix_set(&L.W.matrix, 1, 0, -1.0);
    gsl_vector_set(&L.b.vector, 0, 0.5);
    double xs[] = {1, 2, 3, 4};
    gsl_matrix_view X = gsl_matrix_view_array(xs, 2, 2);
    gsl_matrix *Y = gsl_matrix_alloc(2, 1), *dX = gsl_matrix_alloc(2, 2);
    dense_forward(&L, &X.matrix, Y);
    assert_double_equal(gsl_matrix_get(Y, 0, 0), 1 * 2 - 2 + 0.5, 1e-15);
    assert_double_equal(gsl_matrix_get(Y, 1, 0), 3 * 2 - 4 + 0.5, 1e-15);
    gsl_matrix *dY = gsl_matrix_alloc(2, 1);
    gsl_matrix_set_all(dY, 1.0);
    dense_backward(&L, &X.matrix, dY, dX);
    dense_backward(&L, &X.matrix, dY, NULL);            /* accumulates */
    assert_double_equal(gsl_matrix_get(&L.dW.matrix, 0, 0), 2 * (1 + 3), 1e-15);
    assert_double_equal(gsl_matrix_get(&L.dW.matrix, 1, 0), 2 * (2 + 4), 1e-15);
    assert_double_equal(gsl_vector_get(&L.db.vector, 0), 2 * 2, 1e-15);
    assert_double_equal(gsl_matrix_get(dX, 1, 1), -1.0, 1e-15);
    assert_double_equal(gsl_matrix_get(&L.W.matrix, 0, 0), 2.0, 0);   /* untouched */
    params_zero_grad(P);
    assert_double_equal(params_grad_norm(P), 0.0, 0);
    gsl_matrix_free(Y); gsl_matrix_free(dX); gsl_matrix_free(dY);
    params_free(P);
}

/* ---- losses and activations at known points ------------------------------ */
static void test_loss_values(void **state)
{
    (void)state;
    gsl_matrix *Z = gsl_matrix_calloc(4, 3), *T = gsl_matrix_calloc(4, 3);
    assert_double_equal(loss_bce_logits(Z, NULL, 1.0, NULL), log(2.0), 1e-15);
    for (size_t i = 0; i < 4; i++)
        gsl_matrix_set(T, i, i % 3, 1.0);
    assert_double_equal(loss_softmax_xent(Z, T, NULL), log(3.0), 1e-15);   /* uniform */
    assert_double_equal(loss_kl_normal(Z, Z, NULL, NULL), 0.0, 0);          /* N(0,1) */
    gsl_matrix_set_all(Z, 1000.0);                                          /* no overflow */
    double bce = loss_bce_logits(Z, NULL, 0.0, NULL);
    assert_true(isfinite(bce));
    assert_double_equal(bce, 1000.0, 1e-9);
    gsl_matrix_set_all(T, 2.0);
    gsl_matrix_set_all(Z, 0.5);
    assert_double_equal(loss_mse(Z, T, NULL), 2.25, 1e-15);
    gsl_matrix_free(Z); gsl_matrix_free(T);
}

/* the slant of a stroke at 45 degrees leaning right, one leaning left at
 * half that, an upright one, and of an empty image */
static void test_ink_slant(void **state)
{
    (void)state;
    double x[28 * 28] = {0};
    for (size_t row = 4; row < 24; row++)
        x[row * 28 + 26 - row] = 1.0;                  /* top right to bottom left */
    assert_double_equal(ink_slant(x, 28, 28), 1.0, 1e-12);
    memset(x, 0, sizeof x);
    for (size_t row = 4; row < 24; row++)
        x[row * 28 + 4 + row / 2] = 0.5;               /* leaning left, 1 column in 2 rows */
    assert_true(ink_slant(x, 28, 28) < -0.45 && ink_slant(x, 28, 28) > -0.55);
    memset(x, 0, sizeof x);
    for (size_t row = 4; row < 24; row++)
        x[row * 28 + 14] = 1.0;
    assert_double_equal(ink_slant(x, 28, 28), 0.0, 1e-12);
    memset(x, 0, sizeof x);
    assert_true(isnan(ink_slant(x, 28, 28)));
}

/* ink_change: 0 for the same image, 1 for black against blank, the mean of
 * |a - b| in between */
static void test_ink_change(void **state)
{
    (void)state;
    double a[4] = {0, 0, 0, 0}, b[4] = {1, 1, 1, 1}, c[4] = {0.5, 0, 1, 0.25};
    assert_double_equal(ink_change(a, a, 4), 0.0, 0);
    assert_double_equal(ink_change(a, b, 4), 1.0, 1e-15);
    assert_double_equal(ink_change(c, a, 4), 0.4375, 1e-15);
    assert_double_equal(ink_change(a, c, 4), ink_change(c, a, 4), 0);
}

static void test_softmax_stable(void **state)
{
    (void)state;
    double zs[] = {1000, 1001, 1002, -5, 0, 5};
    gsl_matrix_view Z = gsl_matrix_view_array(zs, 2, 3);
    gsl_matrix *S = gsl_matrix_alloc(2, 3);
    softmax_forward(&Z.matrix, S);
    for (size_t i = 0; i < 2; i++) {
        double sum = 0;
        for (size_t j = 0; j < 3; j++) {
            assert_true(isfinite(gsl_matrix_get(S, i, j)));
            sum += gsl_matrix_get(S, i, j);
        }
        assert_double_equal(sum, 1.0, 1e-15);
    }
    assert_double_equal(gsl_matrix_get(S, 0, 2), 1.0 / (1.0 + exp(-1) + exp(-2)), 1e-15);
    gsl_matrix_free(S);
}

/* ---- optimisers converge on a quadratic ---------------------------------- */
/* f(x) = sum_i a_i (x_i - c_i)^2, badly scaled on purpose (a from 0.1 to 10) */
static double quadratic_grad(params *P)
{
    double f = 0.0;
    for (size_t i = 0; i < P->value->size; i++) {
        double a = pow(10.0, -1.0 + 2.0 * (double)i / (double)(P->value->size - 1));
        double c = (double)i - 2.0, d = gsl_vector_get(P->value, i) - c;
        f += a * d * d;
        gsl_vector_set(P->grad, i, 2.0 * a * d);
    }
    return f;
}

static double run_optimizer(optim_kind kind, double lr, long steps)
{
    params *P = params_alloc(5);
    optimizer *opt = kind == OPTIM_ADAM ? optim_adam(P, lr, 0.9, 0.999)
                   : kind == OPTIM_RMSPROP ? optim_rmsprop(P, lr, 0.99)
                   : optim_sgd(P, lr, 0.0);
    double f = 0;
    for (long s = 0; s < steps; s++) {
        f = quadratic_grad(P);
        optim_step(opt);
    }
    f = quadratic_grad(P);
    optim_free(opt);
    params_free(P);
    return f;
}

static void test_sgd_converges(void **state)
{
    (void)state;
    double start = run_optimizer(OPTIM_SGD, 0.0, 1);
    assert_true(start > 10.0);
    assert_true(run_optimizer(OPTIM_SGD, 0.04, 2000) < 1e-12);
    assert_true(run_optimizer(OPTIM_SGD, 0.2, 50) > start);   /* lr > 2/L: diverges */
}

static void test_adam_converges(void **state)
{
    (void)state;
    assert_true(run_optimizer(OPTIM_ADAM, 0.05, 3000) < 1e-8);
    assert_true(run_optimizer(OPTIM_RMSPROP, 0.01, 3000) < 1e-3);
}

/* optim_step leaves out the division by a bias correction once it is 1
 * exactly (beta1 = 0.5 from step 54, beta2 = 0.9 from step 350): the numbers
 * must be those of the textbook formula, to the bit, before and after. */
static void test_adam_shortcut_is_exact(void **state)
{
    (void)state;
    const size_t n = 7;
    const double lr = 0.01, b1 = 0.5, b2 = 0.9, eps = 1e-8;
    params *P = params_alloc(n);
    optimizer *opt = optim_adam(P, lr, b1, b2);
    double x[7] = {0}, m[7] = {0}, v[7] = {0};
    gsl_rng *r = rng_new(5);
    for (long t = 1; t <= 400; t++) {
        const double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
        for (size_t i = 0; i < n; i++) {
            const double g = gsl_ran_gaussian(r, 1.0) + (double)i;
            gsl_vector_set(P->grad, i, g);
            m[i] = b1 * m[i] + (1.0 - b1) * g;
            v[i] = b2 * v[i] + (1.0 - b2) * g * g;
            x[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
        }
        optim_step(opt);
        for (size_t i = 0; i < n; i++)
            if (gsl_vector_get(P->value, i) != x[i])
                fail_msg("step %ld, x[%zu]: %.17g, the formula gives %.17g", t, i, gsl_vector_get(P->value, i), x[i]);
    }
    assert_true(1.0 - pow(b1, 400.0) == 1.0 && 1.0 - pow(b2, 400.0) == 1.0);   /* both shortcuts were taken */
    gsl_rng_free(r);
    optim_free(opt);
    params_free(P);
}

static void test_adam_first_step_is_lr(void **state)
{
    /* with bias correction, Adam's first step moves each coordinate by lr */
    (void)state;
    params *P = params_alloc(3);
    optimizer *opt = optim_adam(P, 0.1, 0.9, 0.999);
    gsl_vector_set(P->grad, 0, 5.0);
    gsl_vector_set(P->grad, 1, -0.001);
    gsl_vector_set(P->grad, 2, 0.0);
    optim_step(opt);
    assert_double_equal(gsl_vector_get(P->value, 0), -0.1, 1e-8);
    assert_double_equal(gsl_vector_get(P->value, 1), 0.1, 1e-5);
    assert_double_equal(gsl_vector_get(P->value, 2), 0.0, 0);
    optim_free(opt);
    params_free(P);
}

/* ---- the MLP's backward pass, checked against finite differences ---------- */
typedef struct mlp_probe {
    mlp *net;
    params *P;
    gsl_matrix *X, *T, *dOut, *dX;
} mlp_probe;

static double mlp_probe_loss(void *ctx)
{
    mlp_probe *p = ctx;
    return loss_mse(mlp_forward(p->net, p->X), p->T, NULL);
}

static void mlp_probe_grads(mlp_probe *p)
{
    params_zero_grad(p->P);
    const gsl_matrix *out = mlp_forward(p->net, p->X);
    loss_mse(out, p->T, p->dOut);
    mlp_backward(p->net, p->dOut, p->dX);
}

static void test_mlp_gradcheck(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(7);
    act_kind kinds[] = {ACT_RELU, ACT_LEAKY_RELU, ACT_TANH, ACT_SIGMOID};
    for (size_t k = 0; k < 4; k++) {
        size_t widths[] = {3, 6, 5, 2};
        mlp_probe p;
        p.P = params_alloc(mlp_size(widths, 4));
        p.net = mlp_new(p.P, widths, 4, kinds[k], ACT_SIGMOID, 8);
        mlp_init_xavier(p.net, r);
        p.X = gsl_matrix_alloc(5, 3);     /* fewer rows than max_batch: views */
        p.T = gsl_matrix_alloc(5, 2);
        p.dOut = gsl_matrix_alloc(5, 2);
        p.dX = gsl_matrix_alloc(5, 3);
        rng_fill_gaussian(r, p.X, 0, 1);
        rng_fill_uniform(r, p.T, 0, 1);
        mlp_probe_grads(&p);
        gradcheck_result gp = gradcheck(mlp_probe_loss, &p, p.P->value->data, p.P->grad->data,
                                        p.P->value->size, 1000);
        gradcheck_result gx = gradcheck(mlp_probe_loss, &p, p.X->data, p.dX->data, 15, 1000);
        assert_true(gp.max_rel_err < 1e-6);
        assert_true(gx.max_rel_err < 1e-6);
        /* backward_input: same dX, parameter gradients untouched */
        gsl_matrix *dX2 = gsl_matrix_alloc(5, 3);
        params_zero_grad(p.P);
        mlp_forward(p.net, p.X);          /* gradcheck left the caches perturbed */
        mlp_backward_input(p.net, p.dOut, dX2);
        assert_true(gsl_matrix_equal(dX2, p.dX));
        assert_double_equal(params_grad_norm(p.P), 0.0, 0);
        /* and the checker does catch a wrong gradient */
        mlp_probe_grads(&p);
        gsl_vector_scale(p.P->grad, 1.01);
        gp = gradcheck(mlp_probe_loss, &p, p.P->value->data, p.P->grad->data, p.P->value->size, 1000);
        assert_true(gp.max_rel_err > 1e-3);
        gsl_matrix_free(dX2);
        gsl_matrix_free(p.X); gsl_matrix_free(p.T); gsl_matrix_free(p.dOut); gsl_matrix_free(p.dX);
        mlp_free(p.net);
        params_free(p.P);
    }
    gsl_rng_free(r);
}

/* ---- option parsing -------------------------------------------------------- */
typedef struct cli_case {
    long steps;
    double lr;
    const char *data;
    int verbose;
    cli_option opts[4];
    cli c;
} cli_case;

static void cli_case_init(cli_case *t)
{
    t->steps = 100;
    t->lr = 0.01;
    t->data = "ring";
    t->verbose = 0;
    cli_option opts[] = {
        {"steps", CLI_INT, &t->steps, "steps", 1, 1e6, NULL, 0},
        {"lr", CLI_REAL, &t->lr, "learning rate", 1e-9, 10, NULL, 0},
        {"data", CLI_CHOICE, &t->data, "data set", 0, 0, "clusters|ring", 0},
        {"verbose", CLI_FLAG, &t->verbose, "say more", 0, 0, NULL, 0},
    };
    memcpy(t->opts, opts, sizeof opts);
    cli_init(&t->c, "test", "a test program", 42, t->opts, 4);
}

static int parse(cli_case *t, int argc, const char **argv)
{
    FILE *sink = fopen("/dev/null", "w");
    int status = cli_parse(&t->c, argc, (char **)argv, sink, sink);
    fclose(sink);
    return status;
}

static void test_cli_accepts(void **state)
{
    (void)state;
    cli_case t;
    cli_case_init(&t);
    const char *argv[] = {"prog", "--steps", "7", "--lr=0.5", "--data", "clusters",
                          "--verbose", "--seed", "9", "--quick", "--out", "somewhere"};
    assert_int_equal(parse(&t, 12, argv), CLI_OK);
    assert_int_equal(t.steps, 7);
    assert_double_equal(t.lr, 0.5, 0);
    assert_string_equal(t.data, "clusters");
    assert_int_equal(t.verbose, 1);
    assert_int_equal(t.c.seed, 9);
    assert_int_equal(t.c.quick, 1);
    assert_string_equal(t.c.out, "somewhere");
    assert_true(cli_given(&t.c, "steps"));
    cli_case_init(&t);
    assert_int_equal(parse(&t, 1, argv), CLI_OK);           /* defaults stay */
    assert_int_equal(t.steps, 100);
    assert_string_equal(t.c.out, "out/test");
    assert_false(cli_given(&t.c, "steps"));
    /* --quick's values: only for flags not given */
    const char *quick[] = {"prog", "--quick", "--lr", "0.5"};
    cli_case_init(&t);
    assert_int_equal(parse(&t, 4, quick), CLI_OK);
    cli_quick_default(&t.c, "steps", 30);
    cli_quick_default(&t.c, "lr", 0.25);
    assert_int_equal(t.steps, 30);
    assert_double_equal(t.lr, 0.5, 0);
    cli_case_init(&t);
    assert_int_equal(parse(&t, 1, argv), CLI_OK);           /* without --quick: no change */
    cli_quick_default(&t.c, "steps", 30);
    assert_int_equal(t.steps, 100);
}

static void test_cli_rejects(void **state)
{
    (void)state;
    const char *bad[][3] = {
        {"--bogus", NULL, NULL}, {"--steps", NULL, NULL}, {"--steps", "abc", NULL},
        {"--steps", "0", NULL}, {"--steps", "-3", NULL}, {"--steps", "1.5", NULL},
        {"--steps", "99999999999999999999", NULL}, {"--lr", "nan", NULL}, {"--lr", "inf", NULL},
        {"--lr", "100", NULL}, {"--lr", "", NULL}, {"--data", "foo", NULL}, {"--verbose=1", NULL, NULL},
        {"--steps", "5", "--steps"}, {"positional", NULL, NULL}, {"--", NULL, NULL},
        {"--seed", "-1", NULL}, {"--out", "", NULL}, {"-x", NULL, NULL},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        cli_case t;
        cli_case_init(&t);
        const char *argv[4] = {"prog", bad[k][0], bad[k][1], bad[k][2]};
        int argc = 2 + (bad[k][1] != NULL) + (bad[k][2] != NULL);
        if (bad[k][2])
            argv[3] = "6";  /* "--steps 5 --steps 6": given twice */
        const char *full[5] = {argv[0], argv[1], argv[2], bad[k][2], argv[3]};
        int status = bad[k][2] ? parse(&t, 5, full) : parse(&t, argc, argv);
        if (status != CLI_ERROR)
            fail_msg("accepted bad input case %zu: %s", k, bad[k][0]);
    }
}

static void test_cli_help(void **state)
{
    (void)state;
    cli_case t;
    cli_case_init(&t);
    const char *argv[] = {"prog", "--help"};
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_int_equal(cli_parse(&t.c, 2, (char **)argv, mem, mem), CLI_HELP);
    fclose(mem);
    assert_non_null(strstr(text, "--steps N"));
    assert_non_null(strstr(text, "[100]"));          /* defaults are shown */
    assert_non_null(strstr(text, "(clusters|ring) [ring]"));
    assert_non_null(strstr(text, "--seed N"));
    free(text);
    /* after a parse error, the usage still shows the defaults, not what was parsed */
    cli_case_init(&t);
    const char *bad[] = {"prog", "--steps", "7", "--bogus"};
    mem = open_memstream(&text, &len);
    assert_int_equal(cli_parse(&t.c, 4, (char **)bad, mem, mem), CLI_ERROR);
    fclose(mem);
    assert_non_null(strstr(text, "unknown option '--bogus'"));
    assert_non_null(strstr(text, "[100]"));
    assert_null(strstr(text, "[7]"));
    free(text);
}

/* ---- writers: metrics.txt, data files, gnuplot scripts ------------------- */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_writers(void **state)
{
    (void)state;
    char dir[] = "/tmp/genlab-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64], path[128];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    out_prepare(sub);                                   /* mkdir -p */

    metrics m = {0};
    metrics_set(&m, "recon_mse", 0.00312);
    metrics_set(&m, "ratio", 3.41);
    metrics_set(&m, "recon_mse", 0.0025);               /* overwrite, keep order */
    metrics_write(&m, sub);
    snprintf(path, sizeof path, "%s/metrics.txt", sub);
    assert_string_equal(slurp(path), "recon_mse 0.0025\nratio 3.41\n");
    assert_double_equal(metrics_get(&m, "ratio"), 3.41, 0);

    double v[] = {1, 2.5, 3, 4e-12};
    gsl_matrix_view M = gsl_matrix_view_array(v, 2, 2);
    out_write_matrix(sub, "d.dat", "x y", &M.matrix);
    snprintf(path, sizeof path, "%s/d.dat", sub);
    assert_string_equal(slurp(path), "# x y\n1 2.5\n3 4e-12\n");

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Every output file is written under a temporary name and renamed when it
 * is complete; a second process cannot write into a locked --out. */
static void test_outputs_are_atomic_and_locked(void **state)
{
    (void)state;
    char dir[] = "/tmp/genlab-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], tmp[256], cmd[512];
    out_prepare(dir);
    snprintf(path, sizeof path, "%s/x.dat", dir);
    snprintf(tmp, sizeof tmp, "%s/.x.dat.tmp-%ld", dir, (long)getpid());

    FILE *f = out_open(dir, "x.dat");
    fputs("old\n", f);
    out_close(f, "x.dat");
    assert_string_equal(slurp(path), "old\n");
    assert_int_not_equal(access(tmp, F_OK), 0);        /* renamed away */

    f = out_open(dir, "x.dat");                          /* a new version, half written */
    fputs("new, half", f);
    fflush(f);
    assert_string_equal(slurp(path), "old\n");         /* the old file, whole */
    assert_int_equal(access(tmp, F_OK), 0);
    fputs(" and the rest\n", f);
    out_close(f, "x.dat");
    assert_string_equal(slurp(path), "new, half and the rest\n");

    /* a second process into the same directory: refused, exit 1 */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        out_prepare(dir);                                /* dies */
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* mean_sigmoid: the exact value where it is known, and no overflow at the
 * extremes (a naive 1 / (1 + e^-l) is fine, e^l / (1 + e^l) is nan at 1000) */
static void test_mean_sigmoid(void **state)
{
    (void)state;
    double v[] = {0.0, 0.0, 1000.0, -1000.0, 2.0, -2.0};
    gsl_matrix_view L = gsl_matrix_view_array(v, 6, 1);
    gsl_matrix_view first2 = gsl_matrix_submatrix(&L.matrix, 0, 0, 2, 1);
    assert_double_equal(mean_sigmoid(&first2.matrix), 0.5, 0);
    gsl_matrix_view extremes = gsl_matrix_submatrix(&L.matrix, 2, 0, 2, 1);
    assert_double_equal(mean_sigmoid(&extremes.matrix), 0.5, 1e-15);   /* (1 + 0) / 2 */
    gsl_matrix_view pair = gsl_matrix_submatrix(&L.matrix, 4, 0, 2, 1);
    assert_double_equal(mean_sigmoid(&pair.matrix), 0.5, 1e-15);       /* s(2) + s(-2) = 1 */
    gsl_matrix_view one = gsl_matrix_submatrix(&L.matrix, 4, 0, 1, 1);
    assert_double_equal(mean_sigmoid(&one.matrix), 1.0 / (1.0 + exp(-2.0)), 1e-15);
    /* the scalar: no overflow at either end, symmetric */
    assert_double_equal(sigmoid(-1000.0), 0.0, 0);
    assert_double_equal(sigmoid(1000.0), 1.0, 0);
    assert_double_equal(sigmoid(3.0) + sigmoid(-3.0), 1.0, 1e-15);
    /* printf-named metrics */
    metrics m = {0};
    metrics_setf(&m, 2.5, "w1_%s_%d", "ring", 3);
    assert_string_equal(out_name("loss_%s_%d.dat", "ring", 2), "loss_ring_2.dat");
    assert_double_equal(metrics_get(&m, "w1_ring_3"), 2.5, 0);
}

/* One set of persistence rules for every chapter (session.h). */
static void test_session_rules(void **state)
{
    (void)state;
    const unsigned SL = SESSION_SAVE_LOAD, SLR = SESSION_SAVE_LOAD | SESSION_RESUME;
    assert_null(session_rules(SL, NULL, NULL, NULL, 0));              /* train */
    assert_null(session_rules(SL, "a", NULL, NULL, 0));               /* train, save */
    assert_null(session_rules(SL, NULL, "a", NULL, 0));               /* load */
    assert_null(session_rules(SL, NULL, "a", NULL, 1));               /* load, generate */
    assert_null(session_rules(SLR, "a", NULL, "a", 0));               /* resume a, save a */
    assert_non_null(strstr(session_rules(SL, NULL, NULL, NULL, 1), "--load"));
    assert_non_null(strstr(session_rules(SL, "b", "a", NULL, 0), "--save"));
    assert_non_null(strstr(session_rules(SLR, NULL, "a", "b", 0), "--resume"));
    assert_non_null(session_rules(SL, NULL, NULL, "b", 0));           /* no resume here */
}

/* values.gp: numbers and quoted texts a figure script loads */
static void test_figure_values(void **state)
{
    (void)state;
    char dir[] = "/tmp/genlab-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], cmd[512];
    fig_reset();
    fig_value("gen_mean", 3.0213);
    fig_text("title_a", "say \"hi\" \\ %d", 5);
    fig_value("gen_mean", 3.5);                         /* replaced, same place */
    assert_string_equal(fig_lookup("gen_mean"), "3.5");
    assert_null(fig_lookup("nothing"));
    fig_valuef(0.25, "snap_%d_%s", 2, "ring");
    assert_string_equal(fig_lookup("snap_2_ring"), "0.25");
    const char *const names[] = {"digit 0", "T-shirt"};
    fig_text_list("class_name", names, 2);
    assert_string_equal(fig_lookup("class_name_0"), "\"digit 0\"");
    assert_string_equal(fig_lookup("class_name_1"), "\"T-shirt\"");
    assert_null(fig_lookup("class_name_2"));
    fig_write(dir);
    snprintf(path, sizeof path, "%s/values.gp", dir);
    char *v = slurp(path);
    assert_non_null(strstr(v, "gen_mean = 3.5\ntitle_a = \"say \\\"hi\\\" \\\\ 5\"\n"));
    /* gnuplot reads it back as the same text */
    snprintf(cmd, sizeof cmd, "cd %s && gnuplot -e 'load \"values.gp\"; print title_a, gen_mean' 2>&1 "
             "| grep -qx 'say \"hi\" \\\\ 5 3.5'", dir);
    assert_int_equal(system(cmd), 0);
    fig_reset();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the first images of a set -------------------------------------------- */
static void test_image_set_head(void **state)
{
    (void)state;
    unsigned char labels[3] = {7, 1, 4};
    gsl_matrix *images = gsl_matrix_calloc(3, 4);
    const image_set s = {images, labels, 3, 2, 2};
    const image_set two = image_set_head(&s, 2), all = image_set_head(&s, 10);
    assert_int_equal(two.n, 2);
    assert_ptr_equal(two.images, images);
    assert_ptr_equal(two.labels, labels);
    assert_int_equal(two.rows * two.cols, 4);
    assert_int_equal(all.n, 3);
    gsl_matrix_free(images);
}

/* ---- the shared matrix helpers ------------------------------------------- */
static void test_matrix_helpers(void **state)
{
    (void)state;
    gsl_matrix *A = gsl_matrix_alloc(4, 2);
    for (size_t i = 0; i < 8; i++)
        A->data[i] = (double)i;
    gsl_matrix_view top = mat_rows(A, 2);
    assert_int_equal(top.matrix.size1, 2);
    assert_double_equal(mat_mean(&top.matrix), 1.5, 0);
    gsl_matrix_view middle = mat_row_block(A, 1, 2);     /* rows 1 and 2: 2 3 / 4 5 */
    assert_int_equal(middle.matrix.size1, 2);
    assert_int_equal(middle.matrix.size2, 2);
    assert_double_equal(gsl_matrix_get(&middle.matrix, 0, 0), 2, 0);
    assert_double_equal(gsl_matrix_get(&middle.matrix, 1, 1), 5, 0);
    gsl_vector *s = gsl_vector_calloc(2);
    mat_add_col_sums(s, A);
    assert_double_equal(gsl_vector_get(s, 0), 0 + 2 + 4 + 6, 0);
    size_t idx[] = {3, 0};
    gsl_matrix *B = gsl_matrix_alloc(2, 2);
    mat_gather_rows(B, A, idx, 2);
    assert_double_equal(gsl_matrix_get(B, 0, 1), 7, 0);
    assert_true(mat_all_finite(B));
    gsl_matrix_set(B, 1, 1, NAN);
    assert_false(mat_all_finite(B));
    gsl_matrix_free(A); gsl_matrix_free(B); gsl_vector_free(s);
}

static void test_rng_is_deterministic(void **state)
{
    (void)state;
    gsl_rng *a = rng_new(5), *b = rng_new(5), *c = rng_new(6);
    gsl_matrix *x = gsl_matrix_alloc(3, 3), *y = gsl_matrix_alloc(3, 3), *z = gsl_matrix_alloc(3, 3);
    rng_fill_gaussian(a, x, 0, 1);
    rng_fill_gaussian(b, y, 0, 1);
    rng_fill_gaussian(c, z, 0, 1);
    assert_true(gsl_matrix_equal(x, y));
    assert_false(gsl_matrix_equal(x, z));
    gsl_matrix_free(x); gsl_matrix_free(y); gsl_matrix_free(z);
    gsl_rng_free(a); gsl_rng_free(b); gsl_rng_free(c);
}

static void test_rng_mask(void **state)
{
    (void)state;
    gsl_rng *a = rng_new(7), *b = rng_new(7);
    const size_t n = 10000;
    unsigned char *m = rng_mask(a, n, 0.3), *none = rng_mask(a, n, 0.0), *all = rng_mask(a, n, 1.0);
    size_t ones = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(m[i], gsl_rng_uniform(b) < 0.3);     /* one draw each, in order */
        ones += m[i];
        assert_int_equal(none[i], 0);
        assert_int_equal(all[i], 1);
    }
    assert_in_range(ones, 2800, 3200);
    free(m); free(none); free(all);
    gsl_rng_free(a); gsl_rng_free(b);
}

/* ---- workspace: register once, show n rows, free once -------------------- */
static void test_workspace(void **state)
{
    (void)state;
    workspace *ws = ws_new(5);
    gsl_matrix *a = NULL, *b = NULL;
    ws_add(ws, &a, 3);
    ws_add(ws, &b, 1);
    assert_int_equal(a->size1, 5);
    assert_int_equal(a->size2, 3);
    assert_int_equal(b->size2, 1);
    for (size_t i = 0; i < 5; i++)          /* zeroed, and every row writable */
        for (size_t j = 0; j < 3; j++) {
            assert_true(gsl_matrix_get(a, i, j) == 0.0);
            gsl_matrix_set(a, i, j, (double)(10 * i + j));
        }
    gsl_matrix *before = a;
    ws_rows(ws, 2);
    assert_ptr_equal(a, before);            /* the same pointer, fewer rows */
    assert_int_equal(a->size1, 2);
    assert_int_equal(b->size1, 2);
    assert_int_equal(ws_current_rows(ws), 2);
    assert_true(gsl_matrix_get(a, 1, 2) == 12.0);
    /* a BLAS product on the shown rows sees exactly those rows */
    gsl_matrix *w = gsl_matrix_alloc(3, 1);
    gsl_matrix_set_all(w, 1.0);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, a, w, 0.0, b);
    assert_true(gsl_matrix_get(b, 0, 0) == 3.0);     /* 0 + 1 + 2 */
    assert_true(gsl_matrix_get(b, 1, 0) == 33.0);    /* 10 + 11 + 12 */
    ws_rows(ws, 5);
    assert_true(gsl_matrix_get(b, 2, 0) == 0.0);     /* row 2 untouched */
    assert_int_equal(ws_max_rows(ws), 5);
    gsl_matrix_free(w);
    ws_free(ws);
    ws_free(NULL);
}

static workspace *volatile dying_ws;   /* reachable at the child's exit: no leak report */

static void test_workspace_refuses_too_many_rows(void **state)
{
    (void)state;
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        dying_ws = ws_new(4);
        ws_rows(dying_ws, 5);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
}

/* ---- batches: epochs see every row once; draws follow their indices ------ */
static void test_batcher_epochs(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(3);
    gsl_matrix *X = gsl_matrix_alloc(10, 2);
    for (size_t i = 0; i < 10; i++) {
        gsl_matrix_set(X, i, 0, (double)i);
        gsl_matrix_set(X, i, 1, -(double)i);
    }
    batcher b = batcher_new(X, 3, r);
    for (int epoch = 0; epoch < 4; epoch++) {
        int seen[10] = {0};
        for (int k = 0; k < 3; k++) {           /* 3 batches of 3: 9 of 10 rows */
            const gsl_matrix *B = batcher_next(&b);
            assert_int_equal(B->size1, 3);
            for (size_t i = 0; i < 3; i++) {
                const double v = gsl_matrix_get(B, i, 0);
                assert_true(gsl_matrix_get(B, i, 1) == -v);   /* whole rows */
                seen[(int)v]++;
            }
        }
        int once = 0;
        for (int i = 0; i < 10; i++) {
            assert_true(seen[i] <= 1);          /* without replacement */
            once += seen[i];
        }
        assert_int_equal(once, 9);
    }
    batcher_free(&b);
    /* a batch as large as the data (or larger) is the data itself */
    batcher full = batcher_new(X, 50, r);
    assert_ptr_equal(batcher_next(&full), X);
    batcher_free(&full);
    /* draws: with replacement, rows as the indices say */
    size_t idx[40];
    gsl_matrix *D = gsl_matrix_alloc(40, 2);
    batch_draw(r, X, idx, D);
    int repeated = 0, hits[10] = {0};
    for (size_t i = 0; i < 40; i++) {
        assert_true(idx[i] < 10);
        assert_true(gsl_matrix_get(D, i, 0) == (double)idx[i]);
        if (hits[idx[i]]++)
            repeated = 1;
    }
    assert_true(repeated);                      /* 40 draws of 10 rows */
    gsl_matrix_free(D);
    gsl_matrix_free(X);
    gsl_rng_free(r);
}

/* ---- history: trailing means, restore, the data file --------------------- */
static void test_history(void **state)
{
    (void)state;
    history *H = history_new(10, 3, "a  b");
    assert_int_equal(H->cols, 2);
    assert_true(isnan(history_mean(H, 0)));
    for (long s = 1; s <= 6; s++) {
        const double v[2] = {(double)s, 10.0 * (double)s};
        history_add(H, s, v);
        const double lo = s > 3 ? (double)(s - 2) : 1.0;    /* window of 3 */
        assert_double_equal(history_mean(H, 0), (lo + (double)s) / 2.0, 1e-12);
        assert_double_equal(history_mean(H, 1), 10.0 * (lo + (double)s) / 2.0, 1e-12);
        assert_double_equal(history_last(H, 1), 10.0 * (double)s, 0);
    }
    /* restoring the same rows gives the same running sums, bit for bit */
    history *K = history_new(10, 3, "a b");
    gsl_matrix_memcpy(K->rows, H->rows);
    history_restore(K, 6);
    const double v[2] = {0.1, 0.7};
    history_add(H, 7, v);
    history_add(K, 7, v);
    assert_true(history_mean(H, 0) == history_mean(K, 0));
    assert_true(history_mean(H, 1) == history_mean(K, 1));
    gsl_matrix_view rows = history_rows(H);
    assert_int_equal(rows.matrix.size1, 7);
    assert_int_equal(rows.matrix.size2, 5);

    char dir[] = "/tmp/genlab-history-XXXXXX";
    assert_non_null(mkdtemp(dir));
    history_write(H, dir, "loss.dat");
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/loss.dat", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "# step a  b, then their trailing means over 3 steps\n");
    int lines = 0;
    double step = 0, a = 0, b = 0, ma = 0, mb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%lf %lf %lf %lf %lf", &step, &a, &b, &ma, &mb) == 5)
            lines++;
    fclose(f);
    assert_int_equal(lines, 7);
    assert_double_equal(step, 7, 0);
    assert_double_equal(ma, (5 + 6 + 0.1) / 3, 1e-9);
    assert_double_equal(mb, (50 + 60 + 0.7) / 3, 1e-9);
    unlink(path);
    rmdir(dir);
    history_clear(H);
    assert_true(isnan(history_last(H, 0)));
    /* a loss that falls by 30 orders of magnitude keeps an exact mean (a
     * running sum would leave the rounding error of the large values) */
    history *E = history_new(4, 1, "loss");
    const double big = 1.0, tiny = 1e-30;
    history_add(E, 1, &big);
    history_add(E, 2, &tiny);
    assert_true(history_mean(E, 0) == 1e-30);
    history_free(E);
    history_free(H);
    history_free(K);
}

/* ---- Frechet distance: zero, closed forms, square roots ------------------ */
static gauss_fit *fit_of(size_t d, const double *mu, const double *cov)
{
    gauss_fit *g = gauss_fit_new(d);
    for (size_t i = 0; i < d; i++) {
        gsl_vector_set(g->mu, i, mu[i]);
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(g->cov, i, j, cov[i * d + j]);
    }
    return g;
}

static void test_frechet_closed_forms(void **state)
{
    (void)state;
    /* diagonal: |dmu|^2 + sum (sqrt a_i - sqrt b_i)^2 */
    const double m1[3] = {0, 1, 2}, m2[3] = {1, 1, 0};
    const double c1[9] = {4, 0, 0, 0, 1, 0, 0, 0, 9}, c2[9] = {1, 0, 0, 0, 1, 0, 0, 0, 4};
    gauss_fit *a = fit_of(3, m1, c1), *b = fit_of(3, m2, c2);
    assert_double_equal(frechet_distance(a, b), 1 + 0 + 4 + 1 + 0 + 1, 1e-10);
    assert_double_equal(frechet_distance(a, a), 0.0, 1e-10);
    gauss_fit_free(a);
    gauss_fit_free(b);
    /* two 2x2 covariances that do not commute: for 2x2 SPD M,
     * tr M^1/2 = sqrt(tr M + 2 sqrt(det M)), with M = S1^1/2 S2 S1^1/2:
     * tr M = tr(S1 S2), det M = det S1 det S2 */
    const double n1[2] = {0.5, -1}, n2[2] = {0, 0};
    const double s1[4] = {2, 0.8, 0.8, 1}, s2[4] = {1, -0.3, -0.3, 3};
    gauss_fit *p = fit_of(2, n1, s1), *q = fit_of(2, n2, s2);
    const double tr12 = 2 * 1 + 0.8 * -0.3 + 0.8 * -0.3 + 1 * 3;
    const double det = (2 * 1 - 0.64) * (3 - 0.09);
    const double want = 0.25 + 1 + 3 + 4 - 2 * sqrt(tr12 + 2 * sqrt(det));
    assert_double_equal(frechet_distance(p, q), want, 1e-10);
    assert_double_equal(frechet_distance(q, p), want, 1e-10);     /* symmetric */
    gauss_fit_keep_root(p);                                        /* the same with a kept root */
    assert_double_equal(frechet_distance(p, q), want, 1e-10);
    gauss_fit_free(p);
    gauss_fit_free(q);
}

static void test_spd_sqrt_squares_back(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(11);
    const size_t d = 20;
    gsl_matrix *B = gsl_matrix_alloc(d, d), *A = gsl_matrix_alloc(d, d);
    gsl_matrix *R = gsl_matrix_alloc(d, d), *RR = gsl_matrix_alloc(d, d);
    rng_fill_gaussian(r, B, 0, 1);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, B, B, 0.0, A);     /* A = B B^T: SPD */
    spd_sqrt(A, R);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, R, R, 0.0, RR);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            assert_double_equal(gsl_matrix_get(RR, i, j), gsl_matrix_get(A, i, j), 1e-9);
            assert_double_equal(gsl_matrix_get(R, i, j), gsl_matrix_get(R, j, i), 1e-12);
        }
    gsl_matrix_free(B); gsl_matrix_free(A); gsl_matrix_free(R); gsl_matrix_free(RR);
    gsl_rng_free(r);
}

static void test_gauss_fit_from_samples(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(12);
    const size_t n = 20000, d = 3;
    gsl_matrix *F = gsl_matrix_alloc(n, d);
    /* x = mu + L e with L lower triangular: cov = L L^T */
    const double mu[3] = {1, -2, 0.5}, L[9] = {1, 0, 0, 0.5, 2, 0, -1, 0.3, 0.7};
    for (size_t i = 0; i < n; i++) {
        double e[3];
        for (size_t k = 0; k < d; k++)
            e[k] = gsl_ran_gaussian(r, 1.0);
        for (size_t k = 0; k < d; k++) {
            double x = mu[k];
            for (size_t m = 0; m < d; m++)
                x += L[k * d + m] * e[m];
            gsl_matrix_set(F, i, k, x);
        }
    }
    gauss_fit *whole = gauss_fit_new(d), *parts = gauss_fit_new(d);
    gauss_fit_add(whole, F);
    for (size_t at = 0; at < n; at += 7000) {          /* streamed in pieces */
        const size_t m = n - at < 7000 ? n - at : 7000;
        gsl_matrix_view piece = gsl_matrix_submatrix(F, at, 0, m, d);
        gauss_fit_add(parts, &piece.matrix);
    }
    gauss_fit_finish(whole);
    gauss_fit_finish(parts);
    for (size_t i = 0; i < d; i++) {
        assert_double_equal(gsl_vector_get(whole->mu, i), mu[i], 0.05);
        for (size_t j = 0; j < d; j++) {
            double c = 0;
            for (size_t m = 0; m < d; m++)
                c += L[i * d + m] * L[j * d + m];
            assert_double_equal(gsl_matrix_get(whole->cov, i, j), c, 0.1);
            assert_double_equal(gsl_matrix_get(parts->cov, i, j), gsl_matrix_get(whole->cov, i, j), 1e-9);
        }
    }
    /* the same samples: distance 0; shifted by (1, 0, 0): distance 1 */
    assert_double_equal(frechet_distance(whole, parts), 0.0, 1e-9);
    gsl_vector_set(parts->mu, 0, gsl_vector_get(parts->mu, 0) + 1.0);
    assert_double_equal(frechet_distance(whole, parts), 1.0, 1e-9);
    gauss_fit_free(whole);
    gauss_fit_free(parts);
    gsl_matrix_free(F);
    gsl_rng_free(r);
}

/* ---- the best one-to-one assignment (assign.h) ---------------------------- */
/* Every way of making `left` more pairs from row `row` on, no column in `used`
 * (rows may stay unmatched while enough rows remain): the plain search. */
static double brute_assignment(const double *s, size_t rows, size_t cols, size_t row, unsigned used,
                               size_t left)
{
    if (left == 0)
        return 0.0;
    double best = -INFINITY;
    if (rows - row > left)                                 /* row stays unmatched */
        best = brute_assignment(s, rows, cols, row + 1, used, left);
    for (size_t j = 0; j < cols; j++)
        if (!(used & (1u << j))) {
            const double rest = brute_assignment(s, rows, cols, row + 1, used | 1u << j, left - 1);
            best = fmax(best, s[row * cols + j] + rest);
        }
    return best;
}

static void test_best_assignment_known(void **state)
{
    (void)state;
    /* 3 x 3 by hand: the six orders give 6, 11, 5, 9, 7, 6 */
    const double s3[9] = {4, 1, 3,
                          2, 0, 5,
                          3, 2, 2};
    assert_double_equal(best_assignment(s3, 3, 3), 11, 0);
    /* chapter 11's case: class c mostly in petal perm[c], a few in the next */
    double count[36] = {0};
    const size_t perm[6] = {3, 0, 5, 1, 4, 2};
    for (size_t c = 0; c < 6; c++) {
        count[c * 6 + perm[c]] = 10.0 + (double)c;
        count[c * 6 + (perm[c] + 1) % 6] = 5;
    }
    assert_double_equal(best_assignment(count, 6, 6), 10 * 6 + 15, 0);
    /* not square: 2 rows pick 2 of 3 columns; 3 rows share 2 columns */
    const double s23[6] = {1, 9, 8,
                           7, 9, 1};
    assert_double_equal(best_assignment(s23, 2, 3), 8 + 9, 0);
    const double s32[6] = {1, 7,
                           9, 9,
                           8, 1};
    assert_double_equal(best_assignment(s32, 3, 2), 8 + 9, 0);
    assert_double_equal(best_assignment(s3, 0, 3), 0, 0);
}

static void test_best_assignment_brute_force(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(16);
    const size_t shape[][2] = {{1, 1}, {5, 5}, {10, 10}, {4, 9}, {9, 4}, {7, 1}};
    double s[100];
    for (size_t t = 0; t < sizeof shape / sizeof shape[0]; t++) {
        const size_t rows = shape[t][0], cols = shape[t][1];
        for (size_t i = 0; i < rows * cols; i++)
            s[i] = gsl_rng_uniform(r) * 10.0 - 3.0;       /* some negative */
        const double brute = brute_assignment(s, rows, cols, 0, 0, rows < cols ? rows : cols);
        assert_double_equal(best_assignment(s, rows, cols), brute, 1e-12);
    }
    /* the largest size, 16 x 16: the diagonal is the best order */
    double big[16 * 16];
    for (size_t i = 0; i < 16 * 16; i++)
        big[i] = i % 17 == 0 ? 2.0 : gsl_rng_uniform(r);
    assert_double_equal(best_assignment(big, 16, 16), 32.0, 0);
    gsl_rng_free(r);
}

/* ---- the judge's verdicts: per image, in chunks, and over a tally -------- */
static void test_judge_verdicts(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(21);
    judge *J = judge_new();
    mlp_init_xavier(J->net, r);
    const size_t n = 1234;                       /* more than two JUDGE_MAX_BATCH chunks */
    gsl_matrix *X = gsl_matrix_alloc(n, 784);
    rng_fill_uniform(r, X, 0.0, 1.0);
    unsigned char *want = malloc(n), *cls = malloc(n), *ref = malloc(n);
    double *conf = malloc(n * sizeof *conf);
    for (size_t i = 0; i < n; i++)
        want[i] = (unsigned char)(i % 10);
    judge_classify(J, X, ref, conf);
    /* judged alone (confidence NULL) is filled, and agrees with judge_classify */
    const judge_verdict v = judge_verdicts(J, X, want, cls, NULL);
    double right = 0, hist_sum = 0, conf_sum = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cls[i], ref[i]);
        right += ref[i] == want[i];
        conf_sum += conf[i];
    }
    for (int k = 0; k < 10; k++)
        hist_sum += v.hist[k];
    assert_double_equal(v.score, right / (double)n, 1e-12);
    assert_double_equal(v.confidence, conf_sum / (double)n, 1e-12);
    assert_double_equal(hist_sum, 1.0, 1e-12);
    for (int a = 0; a < 10; a++) {               /* confusion rows are shares */
        double row = 0;
        for (int b = 0; b < 10; b++)
            row += v.confusion[a][b];
        assert_double_equal(row, 1.0, 1e-12);
    }
    /* a tally over two pieces gives the same verdict as one call */
    judge_tally t = {0};
    gsl_matrix_view first = gsl_matrix_submatrix(X, 0, 0, 700, 784), rest = gsl_matrix_submatrix(X, 700, 0, n - 700, 784);
    judge_tally_add(J, &first.matrix, want, &t);
    judge_tally_add(J, &rest.matrix, want + 700, &t);
    const judge_verdict w = judge_tally_verdict(&t);
    assert_double_equal(w.score, v.score, 1e-12);
    assert_double_equal(w.confidence, v.confidence, 1e-12);
    free(want); free(cls); free(ref); free(conf);
    gsl_matrix_free(X);
    judge_free(J);
    gsl_rng_free(r);
}

/* the assignment itself: one-to-one, and worth the best sum */
static void test_best_assignment_match(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(33);
    for (int trial = 0; trial < 20; trial++) {
        const size_t rows = 1 + (size_t)gsl_rng_uniform_int(r, 10), cols = rows + (size_t)gsl_rng_uniform_int(r, 11 - rows);
        double score[10 * 10];
        for (size_t i = 0; i < rows * cols; i++)
            score[i] = (double)gsl_rng_uniform_int(r, 50);
        int match[10];
        const double best = best_assignment_match(score, rows, cols, match);
        assert_double_equal(best, best_assignment(score, rows, cols), 0);
        unsigned used = 0;
        double sum = 0;
        for (size_t i = 0; i < rows; i++) {
            assert_true(match[i] >= 0 && (size_t)match[i] < cols);
            assert_false(used >> match[i] & 1u);
            used |= 1u << match[i];
            sum += score[i * cols + (size_t)match[i]];
        }
        assert_double_equal(sum, best, 0);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blas_is_openblas),
        cmocka_unit_test(test_blas_better_core),
        cmocka_unit_test(test_large_allocations),
        cmocka_unit_test(test_dense_forward_backward_by_hand),
        cmocka_unit_test(test_loss_values),
        cmocka_unit_test(test_softmax_stable),
        cmocka_unit_test(test_ink_slant),
        cmocka_unit_test(test_ink_change),
        cmocka_unit_test(test_sgd_converges),
        cmocka_unit_test(test_adam_converges),
        cmocka_unit_test(test_adam_first_step_is_lr),
        cmocka_unit_test(test_adam_shortcut_is_exact),
        cmocka_unit_test(test_mlp_gradcheck),
        cmocka_unit_test(test_cli_accepts),
        cmocka_unit_test(test_cli_rejects),
        cmocka_unit_test(test_cli_help),
        cmocka_unit_test(test_writers),
        cmocka_unit_test(test_outputs_are_atomic_and_locked),
        cmocka_unit_test(test_figure_values),
        cmocka_unit_test(test_session_rules),
        cmocka_unit_test(test_mean_sigmoid),
        cmocka_unit_test(test_matrix_helpers),
        cmocka_unit_test(test_image_set_head),
        cmocka_unit_test(test_rng_is_deterministic),
        cmocka_unit_test(test_rng_mask),
        cmocka_unit_test(test_workspace),
        cmocka_unit_test(test_workspace_refuses_too_many_rows),
        cmocka_unit_test(test_batcher_epochs),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_judge_verdicts),
        cmocka_unit_test(test_frechet_closed_forms),
        cmocka_unit_test(test_spd_sqrt_squares_back),
        cmocka_unit_test(test_gauss_fit_from_samples),
        cmocka_unit_test(test_best_assignment_known),
        cmocka_unit_test(test_best_assignment_brute_force),
        cmocka_unit_test(test_best_assignment_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
