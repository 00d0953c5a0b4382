/* split-exact.c -- would two threads, each making half of a product, give the
 * same bits as one thread making all of it?
 *
 * A thread split of a training step is only free if it changes no number: the
 * course promises the same output for the same seed whatever the thread count
 * (OpenBLAS's own threads keep that promise; bench/README.md). Splitting
 * C = A B into two products by rows of C (A's rows) or by columns (B's
 * columns) leaves every entry's sum over k as it was in exact arithmetic, but
 * OpenBLAS may compute a smaller product with other kernels or other tiles,
 * whose rounding differs.
 *
 * This program asks the question of the OpenBLAS it runs with: for N random
 * products (sizes up to 300 x 1100 x 1200, a fifth of them with the course's
 * batch sizes as rows, all four transpose cases, beta 0 and 1), C whole
 * against C in two halves, split at the middle rounded down to a multiple of
 * ALIGN rows and, separately, columns. It prints how many differ in any bit.
 * Run it with OPENBLAS_CORETYPE=Haswell, SkylakeX, ... to ask another family
 * of kernels (OpenBLAS refuses one the CPU cannot run).
 *
 *     build/bench/split-exact [ALIGN] [N]        (defaults 8 and 600)
 *
 * Measured on 2026-12-07, an AMD EPYC (Zen 5) with Debian's OpenBLAS 0.3.21
 * (bench/README.md): the Haswell kernels (which OpenBLAS also runs for Zen)
 * 0 of 579 row splits and 0 of 595 column splits differ at ALIGN 8 (at ALIGN
 * 1: 261 and 179 of 600); SandyBridge's 0 even at ALIGN 1; SkylakeX's 251 of
 * 579 and 93 of 595 at ALIGN 8. */
#include <gsl/gsl_cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void openblas_set_num_threads(int num_threads);

static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static double *random_matrix(size_t n, unsigned *s)
{
    double *p = malloc(n * sizeof *p);
    if (!p) {
        fprintf(stderr, "split-exact: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (double)(next(s) & 0xffff) / 32768.0 - 1.0 + 1e-3 * (double)(next(s) & 31);
    return p;
}

typedef struct product {
    int ta, tb;
    size_t M, N, K, lda, ldb;
    double beta;
    const double *A, *B;
} product;

/* C (rows r0.., columns c0.., m x n of the whole) = op(A) op(B) + beta C */
static void part(const product *p, double *C, size_t r0, size_t m, size_t c0, size_t n)
{
    const double *A = p->ta ? p->A + r0 : p->A + r0 * p->lda;      /* op(A) row r0 */
    const double *B = p->tb ? p->B + c0 * p->ldb : p->B + c0;      /* op(B) column c0 */
    cblas_dgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans, p->tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)p->K, 1.0, A, (int)p->lda, B, (int)p->ldb, p->beta,
                C + r0 * p->N + c0, (int)p->N);
}

int main(int argc, char **argv)
{
    const long align = argc > 1 ? atol(argv[1]) : 8, trials = argc > 2 ? atol(argv[2]) : 600;
    if (align < 1 || trials < 1) {
        fprintf(stderr, "usage: %s [ALIGN >= 1] [N >= 1]\n", argv[0]);
        return 2;
    }
    openblas_set_num_threads(1);
    static const size_t BATCH[] = {32, 50, 64, 100, 128};
    unsigned s = 12345;
    long rows_tried = 0, rows_differ = 0, cols_tried = 0, cols_differ = 0;
    for (long t = 0; t < trials; t++) {
        product p = {.ta = (int)(t & 1), .tb = (int)((t >> 1) & 1), .beta = (double)((t >> 2) & 1)};
        p.M = 1 + next(&s) % 300, p.N = 1 + next(&s) % 1100, p.K = 1 + next(&s) % 1200;
        if (t % 5 == 0)
            p.M = BATCH[next(&s) % 5];
        p.lda = p.ta ? p.M : p.K, p.ldb = p.tb ? p.K : p.N;
        double *A = random_matrix(p.M * p.K, &s), *B = random_matrix(p.K * p.N, &s);
        double *C0 = random_matrix(p.M * p.N, &s), *whole = malloc(p.M * p.N * sizeof *whole),
               *halves = malloc(p.M * p.N * sizeof *halves);
        if (!whole || !halves) {
            fprintf(stderr, "split-exact: out of memory\n");
            return 1;
        }
        p.A = A, p.B = B;
        memcpy(whole, C0, p.M * p.N * sizeof *whole);
        part(&p, whole, 0, p.M, 0, p.N);
        const size_t sm = p.M / 2 / (size_t)align * (size_t)align, sn = p.N / 2 / (size_t)align * (size_t)align;
        if (sm > 0) {                                   /* rows 0..sm-1, then the rest */
            memcpy(halves, C0, p.M * p.N * sizeof *halves);
            part(&p, halves, 0, sm, 0, p.N);
            part(&p, halves, sm, p.M - sm, 0, p.N);
            rows_tried++;
            rows_differ += memcmp(whole, halves, p.M * p.N * sizeof *whole) != 0;
        }
        if (sn > 0) {                                   /* columns 0..sn-1, then the rest */
            memcpy(halves, C0, p.M * p.N * sizeof *halves);
            part(&p, halves, 0, p.M, 0, sn);
            part(&p, halves, 0, p.M, sn, p.N - sn);
            cols_tried++;
            cols_differ += memcmp(whole, halves, p.M * p.N * sizeof *whole) != 0;
        }
        free(A), free(B), free(C0), free(whole), free(halves);
    }
    const char *core = getenv("OPENBLAS_CORETYPE");
    printf("split at a multiple of %ld (OPENBLAS_CORETYPE %s): rows: %ld of %ld products differ; "
           "columns: %ld of %ld\n", align, core ? core : "not set", rows_differ, rows_tried, cols_differ, cols_tried);
    return 0;
}
