/* rng.h -- one seeded random number generator per program.
 *
 * Introduced in chapter 00. Every program owns exactly one gsl_rng, created
 * from its --seed, and passes it down to whatever needs randomness. That one
 * rule is what makes a run reproducible: same seed, same numbers, same output.
 * The generator is GSL's Mersenne Twister (gsl_rng_mt19937).
 */
#ifndef GENLAB_RNG_H
#define GENLAB_RNG_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

/* A new Mersenne Twister seeded with `seed`. Free it with gsl_rng_free. */
gsl_rng *rng_new(unsigned long seed);

/* Fill every entry of M with an independent draw from N(mean, sd^2). */
void rng_fill_gaussian(gsl_rng *r, gsl_matrix *M, double mean, double sd);

/* Fill every entry of M with an independent draw from U[lo, hi). */
void rng_fill_uniform(gsl_rng *r, gsl_matrix *M, double lo, double hi);

/* Add N(0, sd^2) noise to every entry of M (corruption for denoisers). */
void rng_add_gaussian(gsl_rng *r, gsl_matrix *M, double sd);

/* Shuffle the n indices idx[0..n-1] in place (Fisher-Yates, via GSL). */
void rng_shuffle(gsl_rng *r, size_t *idx, size_t n);

/* n coin flips: a new array (free it) whose entry i is 1 with probability p,
 * else 0 (one uniform draw each, in order: gsl_rng_uniform(r) < p). Which
 * items are kept, say which training labels a model may see (chapter 11). */
unsigned char *rng_mask(gsl_rng *r, size_t n, double p);

#endif
