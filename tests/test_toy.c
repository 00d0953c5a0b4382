/* test_toy.c -- unit tests of common/toy.h (cmocka): the toy targets of
 * chapters 05-07 and the numbers that measure a generator against them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "genlab.h"

/* |a - b| <= eps, reporting both values when it fails */
#define assert_double_equal(a, b, eps) do {                                   \
        double a_ = (a), b_ = (b);                                            \
        if (!(fabs(a_ - b_) <= (eps)))                                        \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, \
                     (double)(eps));                                          \
    } while (0)

#define N 4000

/* W1 of a sample with itself is 0; of a copy moved by c, exactly |c|; and it
 * does not depend on the order the samples come in. */
static void test_w1_sorted(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(3);
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    for (size_t i = 0; i < N; i++)
        a[i] = b[i] = toy_bimodal_draw(r, 2.0, 0.3);
    assert_double_equal(toy_w1_sorted(a, b, N), 0.0, 0.0);
    for (size_t i = 0; i < N; i++)
        b[i] = a[N - 1 - i] + 0.75;               /* shifted, in reverse order */
    assert_double_equal(toy_w1_sorted(a, b, N), 0.75, 1e-12);
    for (size_t i = 0; i < N; i++)
        b[i] = a[i] - 0.25;
    assert_double_equal(toy_w1_sorted(b, a, N), 0.25, 1e-12);
    /* by hand: {0, 1} and {3, 0}: sorted pairs (0, 0), (1, 3), W1 = 2/2 */
    double x[2] = {0.0, 1.0}, y[2] = {3.0, 0.0};
    assert_double_equal(toy_w1_sorted(x, y, 2), 1.0, 0.0);
    free(a);
    free(b);
    gsl_rng_free(r);
}

/* The ring: centres on the circle, samples at the right mean radius and
 * spread equally over the modes. */
static void test_ring(void **state)
{
    (void)state;
    const toy_modes t = toy_ring(8, 2.0, 0.02);
    assert_int_equal(t.dim, 2);
    assert_int_equal(t.n, 8);
    assert_double_equal(t.centre[0][0], 2.0, 1e-15);
    assert_double_equal(t.centre[2][1], 2.0, 1e-15);          /* 90 degrees  */
    assert_double_equal(t.centre[4][0], -2.0, 1e-15);         /* 180 degrees */
    assert_double_equal(hypot(t.centre[1][0], t.centre[1][1]), 2.0, 1e-15);
    gsl_rng *r = rng_new(1);
    gsl_matrix *X = gsl_matrix_alloc(N, 2);
    toy_sample(&t, r, X);
    double radius = 0.0, mx = 0.0, my = 0.0;
    for (size_t i = 0; i < N; i++) {
        const double x = gsl_matrix_get(X, i, 0), y = gsl_matrix_get(X, i, 1);
        radius += hypot(x, y) / N;
        mx += x / N;
        my += y / N;
    }
    assert_double_equal(radius, 2.0, 0.005);     /* sd 0.02: radius 2 +- 0.0003 */
    assert_double_equal(mx, 0.0, 0.1);           /* all 8 modes, about equally  */
    assert_double_equal(my, 0.0, 0.1);
    gsl_matrix_free(X);
    gsl_rng_free(r);
}

/* Real ring samples cover and reach 8 of 8 modes, 98.9 % of them sharp; a
 * generator collapsed onto one mode covers 1; one smeared 0.1 off every mode
 * reaches all 8 but is never sharp. */
static void test_measure_ring(void **state)
{
    (void)state;
    const toy_modes t = toy_ring(8, 2.0, 0.02);
    gsl_rng *r = rng_new(2);
    gsl_matrix *X = gsl_matrix_alloc(N, 2);
    toy_sample(&t, r, X);
    toy_coverage cv = toy_measure(&t, X, 0.2, 0.02);
    assert_double_equal(cv.covered, 8.0, 0.0);
    assert_double_equal(cv.reached, 8.0, 0.0);
    assert_double_equal(cv.hq, 0.989, 0.01);
    for (size_t i = 0; i < N; i++) {                /* collapsed onto mode 3 */
        gsl_matrix_set(X, i, 0, t.centre[3][0] + gsl_ran_gaussian(r, 0.01));
        gsl_matrix_set(X, i, 1, t.centre[3][1] + gsl_ran_gaussian(r, 0.01));
    }
    cv = toy_measure(&t, X, 0.2, 0.02);
    assert_double_equal(cv.covered, 1.0, 0.0);
    assert_double_equal(cv.reached, 1.0, 0.0);
    assert_true(cv.hq > 0.99);
    for (size_t i = 0; i < N; i++) {                /* every mode, 0.1 off   */
        gsl_matrix_set(X, i, 0, t.centre[i % 8][0] + 0.1);
        gsl_matrix_set(X, i, 1, t.centre[i % 8][1]);
    }
    cv = toy_measure(&t, X, 0.2, 0.02);
    assert_double_equal(cv.covered, 0.0, 0.0);
    assert_double_equal(cv.reached, 8.0, 0.0);
    assert_double_equal(cv.hq, 0.0, 0.0);
    /* the 2 % threshold: 79 of 4000 samples on mode 5 do not cover it, 80 do */
    for (size_t i = 0; i < N; i++) {
        const size_t k = i < 80 ? 5 : 0;
        gsl_matrix_set(X, i, 0, t.centre[k][0]);
        gsl_matrix_set(X, i, 1, t.centre[k][1]);
    }
    assert_double_equal(toy_measure(&t, X, 0.2, 0.02).covered, 2.0, 0.0);
    gsl_matrix_set(X, 0, 0, t.centre[0][0]);
    gsl_matrix_set(X, 0, 1, t.centre[0][1]);
    assert_double_equal(toy_measure(&t, X, 0.2, 0.02).covered, 1.0, 0.0);
    gsl_matrix_free(X);
    gsl_rng_free(r);
}

/* The bimodal line: CDF 1/2 at 0, 1/4 at a mode, monotone from 0 to 1; the
 * density integrates to 1 and is the CDF's slope; draws land half left. */
static void test_bimodal(void **state)
{
    (void)state;
    assert_double_equal(toy_bimodal_cdf(0.0, 2.0, 0.3), 0.5, 1e-12);
    assert_double_equal(toy_bimodal_cdf(-2.0, 2.0, 0.3), 0.25, 1e-9);
    assert_double_equal(toy_bimodal_cdf(-10.0, 2.0, 0.3), 0.0, 1e-12);
    assert_double_equal(toy_bimodal_cdf(10.0, 2.0, 0.3), 1.0, 1e-12);
    double prev = 0.0, mass = 0.0;
    const double h = 1e-3;
    for (double x = -6.0; x < 6.0; x += h) {
        const double F = toy_bimodal_cdf(x, 2.0, 0.3);
        assert_true(F >= prev);
        prev = F;
        mass += toy_bimodal_pdf(x + 0.5 * h, 2.0, 0.3) * h;
    }
    assert_double_equal(mass, 1.0, 1e-6);
    const double slope = (toy_bimodal_cdf(1.7 + 1e-5, 2.0, 0.3)
                          - toy_bimodal_cdf(1.7 - 1e-5, 2.0, 0.3)) / 2e-5;
    assert_double_equal(slope, toy_bimodal_pdf(1.7, 2.0, 0.3), 1e-6);
    assert_double_equal(toy_bimodal_pdf(2.0, 2.0, 0.2), 0.5 / (0.2 * sqrt(2.0 * M_PI)), 1e-9);
    gsl_rng *r = rng_new(4);
    size_t left = 0;
    double mean_abs = 0.0;
    for (size_t i = 0; i < N; i++) {
        const double x = toy_bimodal_draw(r, 2.0, 0.3);
        left += x < 0.0;
        mean_abs += fabs(x) / N;
    }
    assert_double_equal((double)left / N, 0.5, 0.03);
    assert_double_equal(mean_abs, 2.0, 0.02);
    /* as modes: the line's sampler and coverage, in 1D */
    const toy_modes line = toy_line(2.0, 0.2);
    assert_int_equal(line.dim, 1);
    assert_double_equal(line.centre[0][0], -2.0, 0.0);
    gsl_matrix *X = gsl_matrix_alloc(N, 1);
    toy_sample(&line, r, X);
    toy_coverage cv = toy_measure(&line, X, 0.2, 0.02);
    assert_double_equal(cv.covered, 2.0, 0.0);
    assert_double_equal(cv.hq, 0.997, 0.01);
    gsl_matrix_set_all(X, 0.0);                    /* all between the modes */
    cv = toy_measure(&line, X, 0.2, 0.02);
    assert_double_equal(cv.covered + cv.reached + cv.hq, 0.0, 0.0);
    gsl_matrix_free(X);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_w1_sorted),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_measure_ring),
        cmocka_unit_test(test_bimodal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
