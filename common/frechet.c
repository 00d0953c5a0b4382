/* frechet.c -- see frechet.h. */
#include "frechet.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>

#include "guard.h"

gauss_fit *gauss_fit_new(size_t d)
{
    gauss_fit *g = xcalloc(1, sizeof *g, "a Gaussian fit");
    g->d = d;
    g->sum = gsl_vector_calloc(d);
    g->sxx = gsl_matrix_calloc(d, d);
    g->mu = gsl_vector_calloc(d);
    g->cov = gsl_matrix_calloc(d, d);
    return g;
}

void gauss_fit_free(gauss_fit *g)
{
    if (!g)
        return;
    gsl_vector_free(g->sum);
    gsl_matrix_free(g->sxx);
    gsl_vector_free(g->mu);
    gsl_matrix_free(g->cov);
    if (g->root)
        gsl_matrix_free(g->root);
    free(g);
}

void gauss_fit_add(gauss_fit *g, const gsl_matrix *F)
{
    if (F->size2 != g->d)
        die("gauss_fit_add: rows of %zu features for a fit of %zu", F->size2, g->d);
    /* sxx += F^T F, one BLAS call (lower triangle) */
    gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, F, 1.0, g->sxx);
    for (size_t i = 0; i < F->size1; i++) {
        gsl_vector_const_view row = gsl_matrix_const_row(F, i);
        gsl_vector_add(g->sum, &row.vector);
    }
    g->n += F->size1;
}

/*     mu = sum / n
 *     S  = (sum x x^T - n mu mu^T) / (n - 1)     the unbiased covariance */
void gauss_fit_finish(gauss_fit *g)
{
    if (g->n < 2)
        die("a Gaussian fit needs at least 2 samples, not %zu", g->n);
    const double n = (double)g->n;
    gsl_vector_memcpy(g->mu, g->sum);
    gsl_vector_scale(g->mu, 1.0 / n);
    for (size_t i = 0; i < g->d; i++)
        for (size_t j = 0; j <= i; j++) {
            const double c = (gsl_matrix_get(g->sxx, i, j) -
                              n * gsl_vector_get(g->mu, i) * gsl_vector_get(g->mu, j)) / (n - 1.0);
            gsl_matrix_set(g->cov, i, j, c);
            gsl_matrix_set(g->cov, j, i, c);
        }
}

/* Eigenvalues (into l) and eigenvectors (columns of V) of a symmetric A. */
static void eigen_symmetric(const gsl_matrix *A, gsl_vector *l, gsl_matrix *V)
{
    const size_t d = A->size1;
    gsl_matrix *work = gsl_matrix_alloc(d, d);
    gsl_matrix_memcpy(work, A);                  /* symmv destroys its input */
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(d);
    gsl_eigen_symmv(work, l, V, w);
    gsl_eigen_symmv_free(w);
    gsl_matrix_free(work);
}

void spd_sqrt(const gsl_matrix *A, gsl_matrix *R)
{
    const size_t d = A->size1;
    gsl_vector *l = gsl_vector_alloc(d);
    gsl_matrix *V = gsl_matrix_alloc(d, d), *VL = gsl_matrix_alloc(d, d);
    eigen_symmetric(A, l, V);
    /* R = V diag(sqrt(max(l, 0))) V^T: scale column k of V by sqrt(l_k),
     * then one product with V^T */
    gsl_matrix_memcpy(VL, V);
    for (size_t k = 0; k < d; k++) {
        gsl_vector_view col = gsl_matrix_column(VL, k);
        gsl_vector_scale(&col.vector, sqrt(fmax(gsl_vector_get(l, k), 0.0)));
    }
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, VL, V, 0.0, R);
    gsl_vector_free(l);
    gsl_matrix_free(V);
    gsl_matrix_free(VL);
}

void gauss_fit_keep_root(gauss_fit *g)
{
    if (!g->root)
        g->root = gsl_matrix_alloc(g->d, g->d);
    spd_sqrt(g->cov, g->root);
}

/* tr((S1^1/2 S2 S1^1/2)^1/2) is the sum of the square roots of the
 * eigenvalues of M = S1^1/2 S2 S1^1/2 (symmetric PSD), so only M's
 * eigenvalues are needed, not its square root. */
double frechet_distance(const gauss_fit *a, const gauss_fit *b)
{
    const size_t d = a->d;
    if (b->d != d)
        die("frechet_distance: fits of %zu and %zu features", a->d, b->d);
    gsl_matrix *R = a->root, *T = gsl_matrix_alloc(d, d), *M = gsl_matrix_alloc(d, d);
    if (!R) {
        R = gsl_matrix_alloc(d, d);
        spd_sqrt(a->cov, R);
    }
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, R, b->cov, 0.0, T);     /* T = S1^1/2 S2        */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, T, R, 0.0, M);          /* M = S1^1/2 S2 S1^1/2 */
    for (size_t i = 0; i < d; i++)                                         /* symmetric up to rounding */
        for (size_t j = 0; j < i; j++) {
            const double s = 0.5 * (gsl_matrix_get(M, i, j) + gsl_matrix_get(M, j, i));
            gsl_matrix_set(M, i, j, s);
            gsl_matrix_set(M, j, i, s);
        }
    gsl_vector *l = gsl_vector_alloc(d);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(d);
    gsl_eigen_symm(M, l, w);                                               /* (destroys M) */
    double tr_sqrt = 0.0, tr1 = 0.0, tr2 = 0.0, dmu2 = 0.0;
    for (size_t k = 0; k < d; k++) {
        tr_sqrt += sqrt(fmax(gsl_vector_get(l, k), 0.0));
        tr1 += gsl_matrix_get(a->cov, k, k);
        tr2 += gsl_matrix_get(b->cov, k, k);
        const double dm = gsl_vector_get(a->mu, k) - gsl_vector_get(b->mu, k);
        dmu2 += dm * dm;
    }
    gsl_eigen_symm_free(w);
    gsl_vector_free(l);
    if (R != a->root)
        gsl_matrix_free(R);
    gsl_matrix_free(T);
    gsl_matrix_free(M);
    /* d^2 >= 0 in exact arithmetic; rounding can leave a -1e-12 */
    return fmax(dmu2 + tr1 + tr2 - 2.0 * tr_sqrt, 0.0);
}
