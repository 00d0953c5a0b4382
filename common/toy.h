/* toy.h -- the toy targets of chapters 05-07, and how to measure a generator
 * against them.
 *
 * Introduced in chapter 05, used again in 06 and 07. Before a GAN meets real
 * images it meets targets we know EXACTLY, so that "did G learn the data?"
 * has a number for an answer:
 *
 *   bimodal   a line with two bumps: x = s + N(0, sd^2), s = -at or +at with
 *             probability 1/2 each (05: at 2, sd 0.3; 06: sd 0.2; 07: sd 0.3).
 *             Its density and CDF are sums of two Gaussian ones:
 *
 *                 p(x) = 1/2 N(x; -at, sd^2) + 1/2 N(x; +at, sd^2)
 *                 F(x) = 1/2 Phi((x + at)/sd) + 1/2 Phi((x - at)/sd)
 *
 *   ring      8 tiny Gaussians on a circle, centres radius (cos a, sin a) for
 *             a = 0, 45, ..., 315 degrees, sd 0.02 per coordinate (06, 07):
 *             the mode-collapse benchmark of Metz et al. 2016 and most papers
 *             since. The modes are 1.53 apart and 3 sd = 0.06 wide, so
 *             "covering a mode" and "being sharp" are easy to count and hard
 *             to fake.
 *
 * Both are mixtures of equal-weight Gaussian "modes" with one sd, which is
 * what toy_modes holds. Two ways of picking the mode live here, and they are
 * not interchangeable: toy_sample picks k in 0..n-1 with gsl_rng_uniform_int,
 * toy_bimodal_draw flips a coin with gsl_rng_uniform < 1/2, the way seed 000
 * wrote it. Both are fair; they just consume different random numbers, and a
 * chapter keeps the one its golden numbers were made with.
 *
 * Measuring, in the two settings:
 *
 *   1D        the exact Wasserstein-1 distance between two equal-size samples.
 *             In 1D the optimal transport plan matches them in sorted order
 *             (moving the i-th smallest onto the i-th smallest never crosses
 *             paths), so
 *
 *                 W1 = 1/n sum_i | a_(i) - b_(i) |   a_(i), b_(i): sorted
 *
 *   modes     each sample goes to its nearest mode; a mode is COVERED when at
 *             least min_share of all samples lie within 3 sd of its centre,
 *             REACHED when as many lie within `reach` of it (mass in the right
 *             place, even if blurred); the SHARP share (high_quality_share) is
 *             the share of all samples within 3 sd of SOME mode. A collapsed
 *             G covers few modes; a G that smears its samples over the plane
 *             reaches many but is rarely sharp. Only the two together say
 *             "covers the data, sharply".
 */
#ifndef GENLAB_TOY_H
#define GENLAB_TOY_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#define TOY_MAX_MODES 8

/* equal-weight Gaussian modes in dim 1 or 2, one sd per coordinate */
typedef struct toy_modes {
    size_t dim, n;
    double centre[TOY_MAX_MODES][2];
    double sd;
} toy_modes;

/* n modes on a circle: centre k = radius (cos 2 pi k/n, sin 2 pi k/n) */
toy_modes toy_ring(size_t n, double radius, double sd);

/* the bimodal line as modes: centres -at and +at, dim 1 */
toy_modes toy_line(double at, double sd);

/* Rows of X (m, t->dim) <- fresh samples: for each row, k =
 * gsl_rng_uniform_int(r, n), then one Gaussian draw per coordinate. */
void toy_sample(const toy_modes *t, gsl_rng *r, gsl_matrix *X);

/* one bimodal draw: a coin (gsl_rng_uniform < 0.5 picks -at), then N(0, sd^2) */
double toy_bimodal_draw(gsl_rng *r, double at, double sd);

/* the bimodal density p(x) and CDF F(x) (formulas above) */
double toy_bimodal_pdf(double x, double at, double sd);
double toy_bimodal_cdf(double x, double at, double sd);

/* exact W1 between two 1D samples of the same size n; sorts a and b in place */
double toy_w1_sorted(double *a, double *b, size_t n);

/* coverage of the rows of S (m, t->dim), definitions above */
typedef struct toy_coverage {
    double covered, reached, hq;   /* modes covered, modes reached, sharp share */
} toy_coverage;

toy_coverage toy_measure(const toy_modes *t, const gsl_matrix *S, double reach,
                         double min_share);

#endif
