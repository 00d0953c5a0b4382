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
 * mean confidence (its largest softmax probability).
 */
#ifndef GENLAB_JUDGE_H
#define GENLAB_JUDGE_H

#include <gsl/gsl_matrix.h>

#include "mlp.h"
#include "params.h"

#define JUDGE_HIDDEN 256
#define JUDGE_MAX_BATCH 500

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

#endif
