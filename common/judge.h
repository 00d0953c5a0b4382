/* judge.h -- a digit classifier that scores generated images.
 *
 * Introduced in chapter 08. "Do these samples look like 2s?" is a question a
 * classifier trained on REAL digits can answer for thousands of samples at
 * once: we call it the judge. It is an MLP 784 -> 256 -> 256 -> 10 trained by
 * datasets/judge/judge.c (`make judge`; its held-out accuracy is in
 * build/judge/mnist-metrics.txt) and saved as a checkpoint (checkpoint.h)
 * whose first block, "judge.widths", records the layer sizes.
 *
 * A generator's score is then: the histogram of the judge's classes over
 * its samples, the share judged as the class we asked for, and the judge's
 * mean confidence (its largest softmax probability). And, beyond "which
 * class", how the samples look as a whole: the Frechet judge distance
 * (frechet.h) between the judge's last hidden layer on the samples and on
 * real test digits, as FID does with an ImageNet network's features.
 */
#ifndef GENLAB_JUDGE_H
#define GENLAB_JUDGE_H

#include <gsl/gsl_matrix.h>

#include "frechet.h"
#include "mlp.h"
#include "params.h"

#define JUDGE_HIDDEN 256
#define JUDGE_MAX_BATCH 500
#define JUDGE_FEATURES JUDGE_HIDDEN   /* the last hidden layer's width */

typedef struct judge {
    params *P;
    mlp *net;          /* 784 -> 256 -> 256 -> 10, ReLU, logits out */
    gsl_matrix *probs; /* (JUDGE_MAX_BATCH, 10) */
    gsl_vector *widths;
} judge;

/* A judge with fresh (untrained) weights, for the trainer. */
judge *judge_new(void);
void judge_free(judge *j);

/* Save / load: die() with a clear message (and a hint to `make judge`). */
void judge_save(judge *j, const char *path);
judge *judge_load(const char *path);

/* Class and confidence of each row of `images` (n, 784), any n. */
void judge_classify(judge *j, const gsl_matrix *images, unsigned char *label, double *confidence);

/* The judge's features of every row of `images` (n, 784): its last hidden
 * layer (after the ReLU), fitted with a Gaussian; a finished fit of
 * JUDGE_FEATURES dimensions (n >= 2). */
gauss_fit *judge_feature_fit(judge *j, const gsl_matrix *images);

/* The Frechet judge distance d^2 between a reference fit (real digits) and
 * the images (n, 784), n >= 2. */
double judge_fjd(judge *j, const gauss_fit *reference, const gsl_matrix *images);

/* What the judge says of images that were asked to be of given classes
 * (want[i], 0-9): the share judged as asked, the mean confidence, the share
 * judged as each class, and the confusion matrix [asked][judged] in row
 * shares (a row of a class never asked for stays 0). judged and confidence
 * (n each) receive the per-image verdicts when not NULL. */
typedef struct judge_verdict {
    double score, confidence;
    double hist[10];
    double confusion[10][10];
} judge_verdict;

judge_verdict judge_verdicts(judge *j, const gsl_matrix *images, const unsigned char *want,
                             unsigned char *judged, double *confidence);

/* The same over many batches (samples streamed a chunk at a time): add each
 * chunk's verdicts to a tally (zero it first), then read the verdict. */
typedef struct judge_tally {
    size_t n, count[10][10];       /* [asked][judged]                       */
    double confidence_sum;
} judge_tally;

void judge_tally_add(judge *j, const gsl_matrix *images, const unsigned char *want, judge_tally *t);
judge_verdict judge_tally_verdict(const judge_tally *t);

/* How varied images of a class are: the mean Euclidean distance of pairs of
 * rows with the same label, pairing the 1st and 2nd row of each class, then
 * the 3rd and 4th, ... among the first n rows. A generator's samples over
 * the same of real images gives a diversity ratio: about 1 for samples as
 * varied as the data, near 0 for one image drawn again and again. */
double mean_pair_distance(const gsl_matrix *images, const unsigned char *label, size_t n);

/* Which class does each code value of an unsupervised model stand for?
 * count[k][c] = how many samples of code value k (0 <= k < n_codes <= 10)
 * the judge calls c. Returns the largest sum over k of count[k][match[k]]
 * with every class used at most once, and that one-to-one matching in
 * match[0..n_codes-1]: the assignment the Hungarian algorithm finds (here a
 * dynamic programme over the 2^10 sets of classes already taken, exact).
 * Divided by the number of samples it is a clustering accuracy (chapter 09's
 * cat_code_accuracy). Greedy, largest cell first, can do worse: with rows
 * (9, 8) and (8, 1) it takes 9 + 1 = 10, the best is 8 + 8 = 16. */
double judge_best_matching(double count[][10], size_t n_codes, int *match);

/* The yardsticks of the Frechet judge distance for a generator of some
 * classes: the judge's features of the REAL test digits of those classes
 * (the reference every sample set is compared with), and two distances to
 * it that say what a number means:
 *   floor   the training digits of the same classes (a perfect generator,
 *           which draws new digits from the data's own distribution, scores
 *           about this; a little more with fewer samples, see frechet.h)
 *   noise   n_noise images of uniform noise (a generator that learned
 *           nothing scores about this, or worse)
 * r draws the noise: pass a generator of its own, so that measuring never
 * changes a training run's random numbers. */
typedef struct fjd_reference {
    gauss_fit *test;
    double floor, noise;
} fjd_reference;

fjd_reference fjd_reference_new(judge *j, const gsl_matrix *test, const gsl_matrix *train,
                                size_t n_noise, gsl_rng *r);
void fjd_reference_free(fjd_reference *f);

/* The yardsticks for scoring n samples: the first n test digits (all, if
 * fewer), the first 6n training digits (all, if fewer: --quick), n noise
 * images. */
fjd_reference fjd_reference_for(judge *j, const gsl_matrix *test, const gsl_matrix *train,
                                size_t n, gsl_rng *r);

#endif
