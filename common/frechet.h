/* frechet.h -- how far apart two clouds of feature vectors are.
 *
 * Introduced in chapter 08. Fit a Gaussian to each cloud (its mean mu and
 * covariance S) and take the Frechet (2-Wasserstein) distance between the
 * two Gaussians, which has a closed form:
 *
 *     d^2 = |mu1 - mu2|^2 + tr( S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2 )
 *
 * The first term compares where the clouds are, the second how they are
 * spread. FID (Heusel et al. 2017) is exactly this d^2 on the features of
 * an ImageNet classifier; the course's "Frechet judge distance" (fjd) is
 * the same number on the features of the digit judge (judge.h). Both are
 * reported as d^2, as the papers do.
 *
 * The matrix square roots come from an eigen-decomposition
 * (gsl_eigen_symmv): for a symmetric positive semi-definite A = V diag(l) V^T,
 * A^1/2 = V diag(sqrt(l)) V^T. Covariances estimated from samples can have
 * eigenvalues a rounding error below 0; they count as 0.
 *
 * Fitting streams: add the rows in as many pieces as you like, then finish.
 */
#ifndef GENLAB_FRECHET_H
#define GENLAB_FRECHET_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

typedef struct gauss_fit {
    size_t d;              /* feature dimension                             */
    size_t n;              /* rows added                                    */
    gsl_vector *sum;       /* (d) sum of the rows                           */
    gsl_matrix *sxx;       /* (d, d) sum of x x^T (lower triangle, dsyrk)   */
    gsl_vector *mu;        /* (d) the mean, after gauss_fit_finish          */
    gsl_matrix *cov;       /* (d, d) the covariance (1/(n-1)), after finish */
    gsl_matrix *root;      /* (d, d) cov^1/2 once gauss_fit_keep_root ran   */
} gauss_fit;

gauss_fit *gauss_fit_new(size_t d);
void gauss_fit_free(gauss_fit *g);

/* Add the rows of F (m, d). */
void gauss_fit_add(gauss_fit *g, const gsl_matrix *F);

/* Mean and covariance of everything added (needs at least 2 rows). */
void gauss_fit_finish(gauss_fit *g);

/* Compute and keep cov^1/2 of a finished fit: a reference that many sample
 * sets are compared with (as the first argument of frechet_distance) then
 * pays for its square root once, not at every comparison. */
void gauss_fit_keep_root(gauss_fit *g);

/* d^2 between two finished fits of the same dimension (a's kept root, if
 * any, is used; the result is the same). */
double frechet_distance(const gauss_fit *a, const gauss_fit *b);

/* R = A^1/2 for a symmetric positive semi-definite A (d, d); R may not
 * alias A. */
void spd_sqrt(const gsl_matrix *A, gsl_matrix *R);

#endif
