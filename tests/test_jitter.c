/* test_jitter.c -- common/jitter.h: the noisy, shifted copy of a batch of
 * images that chapter 11's encoder trains on. A shift moves every pixel by
 * the drawn (dx, dy) and fills with 0, no shift and no noise copies exactly,
 * noise has the asked sd, and the draws come in the documented order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "genlab.h"
#include "jitter.h"

enum { W = 5, H = 4 };

/* rows of W x H images, pixel p of image i = 1 + p + 100 i */
static gsl_matrix *ramp(size_t n)
{
    gsl_matrix *X = gsl_matrix_alloc(n, W * H);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < W * H; p++)
            gsl_matrix_set(X, i, p, 1.0 + (double)p + 100.0 * (double)i);
    return X;
}

static void test_no_shift_no_noise_copies(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(1), *untouched = rng_new(1);
    gsl_matrix *X = ramp(3), *out = gsl_matrix_alloc(3, W * H);
    image_jitter(r, X, out, W, H, 0, 0.0);
    assert_true(gsl_matrix_equal(X, out));
    assert_true(gsl_rng_get(r) == gsl_rng_get(untouched));      /* nothing drawn */
    gsl_matrix_free(X), gsl_matrix_free(out), gsl_rng_free(r), gsl_rng_free(untouched);
}

/* every shifted copy is the image moved by some (dx, dy) in -S..S, with 0
 * where it came from outside; over many images every shift occurs. S 2,
 * and S 6: shifts past the whole image (5 x 4) leave only zeros */
static void check_shift(int S)
{
    enum { N = 2000 };
    gsl_rng *r = rng_new(2), *again = rng_new(2);
    gsl_matrix *X = ramp(N), *out = gsl_matrix_alloc(N, W * H);
    int seen[13][13] = {{0}};
    image_jitter(r, X, out, W, H, S, 0.0);
    for (size_t i = 0; i < N; i++) {
        /* the documented draws: dx, then dy, per image */
        const int dx = (int)gsl_rng_uniform_int(again, (unsigned long)(2 * S + 1)) - S;
        const int dy = (int)gsl_rng_uniform_int(again, (unsigned long)(2 * S + 1)) - S;
        seen[dx + S][dy + S]++;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const int fx = x - dx, fy = y - dy;
                const double want = fx >= 0 && fx < W && fy >= 0 && fy < H ? gsl_matrix_get(X, i, (size_t)(fy * W + fx)) : 0.0;
                assert_true(gsl_matrix_get(out, i, (size_t)(y * W + x)) == want);
            }
    }
    for (int a = 0; a <= 2 * S; a++)
        for (int b = 0; b <= 2 * S; b++)
            assert_true(seen[a][b] > 0);
    gsl_matrix_free(X), gsl_matrix_free(out), gsl_rng_free(r), gsl_rng_free(again);
}

static void test_shift(void **s)
{
    (void)s;
    check_shift(2);
    check_shift(6);
}

/* shift and noise: per image dx, dy, then every pixel's noise in order,
 * added to the shifted pixel */
static void test_shift_then_noise(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(4), *again = rng_new(4);
    gsl_matrix *X = ramp(30), *out = gsl_matrix_alloc(30, W * H), *moved = gsl_matrix_alloc(1, W * H);
    image_jitter(r, X, out, W, H, 1, 0.3);
    for (size_t i = 0; i < X->size1; i++) {
        gsl_matrix_const_view x = gsl_matrix_const_submatrix(X, i, 0, 1, W * H);
        gsl_rng *shift_only = rng_new(1);
        /* the shift alone, with again's dx and dy: a copy of again draws them */
        gsl_rng_memcpy(shift_only, again);
        image_jitter(shift_only, &x.matrix, moved, W, H, 1, 0.0);
        gsl_rng_uniform_int(again, 3), gsl_rng_uniform_int(again, 3);   /* dx, dy */
        for (size_t p = 0; p < W * H; p++)
            assert_true(gsl_matrix_get(out, i, p) == gsl_matrix_get(moved, 0, p) + gsl_ran_gaussian_ziggurat(again, 0.3));
        gsl_rng_free(shift_only);
    }
    gsl_matrix_free(X), gsl_matrix_free(out), gsl_matrix_free(moved), gsl_rng_free(r), gsl_rng_free(again);
}

/* no shift, noise sd 0.3: out - X has mean about 0 and sd about 0.3, on rows
 * of any width */
static void test_noise(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(3);
    gsl_matrix *X = gsl_matrix_calloc(200, 101), *out = gsl_matrix_alloc(200, 101);
    gsl_matrix_set_all(X, 0.5);
    image_jitter(r, X, out, 0, 0, 0, 0.3);
    gsl_matrix_sub(out, X);
    double sum = 0, sq = 0;
    for (size_t i = 0; i < out->size1; i++)
        for (size_t j = 0; j < out->size2; j++)
            sum += gsl_matrix_get(out, i, j), sq += gsl_pow_2(gsl_matrix_get(out, i, j));
    const double n = (double)(out->size1 * out->size2);
    assert_true(fabs(sum / n) < 0.01);
    assert_true(fabs(sqrt(sq / n) - 0.3) < 0.01);
    gsl_matrix_free(X), gsl_matrix_free(out), gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_shift_no_noise_copies),
        cmocka_unit_test(test_shift),
        cmocka_unit_test(test_shift_then_noise),
        cmocka_unit_test(test_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
