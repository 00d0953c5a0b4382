/* genlab.h -- the whole common library in one include.
 *
 * Every chapter starts with #include "genlab.h". The library is small and
 * flat, one concept per file; each header says what it is for and in which
 * chapter it is introduced:
 *
 *   rng.h        the one seeded random generator of a run           (00)
 *   guard.h      one-line errors, NaN/Inf checks in training        (00)
 *   cli.h        --help --seed --quick --out --quiet and friends    (00)
 *   blascore.h   OpenBLAS's fast kernels on CPUs it does not know   (00)
 *   output.h     the --out directory, data files                    (00)
 *   metrics.h    metrics.txt and the results block                  (00)
 *   figure.h     what a run writes for its gnuplot figures             (00)
 *   matrix.h     batch helpers: one sample per row                  (01)
 *   params.h     all parameters and gradients in one flat block     (01)
 *   dense.h      the dense layer, forward and backward              (01)
 *   activation.h ReLU, LeakyReLU of any slope, sigmoid, tanh, ...   (01, 09)
 *   loss.h       MSE, BCE on logits, softmax cross-entropy, KL      (01, 04)
 *   optim.h      SGD, Adam, RMSProp                                 (01, 07)
 *   gradcheck.h  finite-difference gradient checks                  (01)
 *   progress.h   progress lines on stderr                           (01)
 *   workspace.h  a model's work matrices, allocated once             (02)
 *   batch.h      minibatches: shuffled epochs, or draws              (02)
 *   history.h    the loss log and its trailing means                (02)
 *   mlp.h        a stack of dense layers                            (05)
 *   toy.h        bimodal line, 8-Gaussian ring, exact 1D W1, modes  (05-07)
 *   idx.h        MNIST-style IDX files, plain or .gz                (08)
 *   checkpoint.h save, load and exact resume                        (08)
 *   judge.h      a digit classifier that scores generated images    (08)
 *   frechet.h    Frechet distance between two fitted Gaussians      (08)
 *   dataset.h    --dataset mnist|fashion: directory, classes, judge (08)
 *   conv.h       convolution and transposed convolution layers      (09)
 *   batchnorm.h  batch normalisation per channel                    (09)
 *   assign.h     best one-to-one matching of classes to clusters    (11)
 *   jitter.h     a shifted, noisy copy of a batch of images         (11)
 *   ink.h        how a digit image leans: its slant                 (09)
 *   layernorm.h  layer normalisation per sample                     (09)
 *   norm.h       layer or batch normalisation, chosen at run time   (09)
 *   team.h       two threads for a training step, one thread's bits (bench)
 */
#ifndef GENLAB_H
#define GENLAB_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_vector.h>

#include "activation.h"
#include "assign.h"
#include "batch.h"
#include "batchnorm.h"
#include "blascore.h"
#include "cli.h"
#include "conv.h"
#include "dataset.h"
#include "dense.h"
#include "frechet.h"
#include "figure.h"
#include "gradcheck.h"
#include "history.h"
#include "guard.h"
#include "idx.h"
#include "jitter.h"
#include "ink.h"
#include "judge.h"
#include "checkpoint.h"
#include "layernorm.h"
#include "norm.h"
#include "loss.h"
#include "matrix.h"
#include "metrics.h"
#include "mlp.h"
#include "optim.h"
#include "output.h"
#include "params.h"
#include "progress.h"
#include "rng.h"
#include "seqnet.h"
#include "session.h"
#include "team.h"
#include "toy.h"
#include "workspace.h"

#endif
