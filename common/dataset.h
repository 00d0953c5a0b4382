/* dataset.h -- which images a run reads: MNIST or Fashion-MNIST.
 *
 * Introduced in chapter 08. The MNIST chapters (08, 11) and the judge's
 * trainer (datasets/judge/judge.c) all take the same two flags:
 *
 *     --dataset mnist|fashion   which images
 *     --data DIR                where their four IDX files are (idx.h)
 *
 * and from them decide three things, the same way everywhere:
 *
 *   the directory    --data if given, else the dataset's own:
 *                      mnist    datasets/mnist (shipped with the course)
 *                      fashion  /usr/share/datasets/fashion-mnist
 *                               (Debian's dataset-fashion-mnist, `make deps`)
 *   the class names  "0" .. "9" for digits; Fashion-MNIST's ten garments
 *                    ("T-shirt", "trouser", "pullover", ..., "boot")
 *   the judge        (judge.h) the file given by --judge, which must exist;
 *                    else build/judge/NAME.judge if it has been trained;
 *                    else none, with a note saying how to train it
 *
 * Both datasets have the same shape (28 x 28 grey images, ten classes,
 * "train" and "t10k" splits), so a chapter that learns one learns the other:
 * only these names change.
 *
 *     dataset_info d = dataset_select(flag_dataset, flag_data);
 *     image_set *train = mnist_load(d.dir, "train");
 *     judge *j = dataset_open_judge(&d, flag_judge, "no judge scores in this run");
 *     printf("a GAN on the %ss of %s\n", d.class_name[2], d.title);
 */
#ifndef GENLAB_DATASET_H
#define GENLAB_DATASET_H

#include "idx.h"
#include "judge.h"

#define DATASET_CLASSES 10

typedef enum { DATASET_MNIST, DATASET_FASHION } dataset_kind;

typedef struct dataset_info {
    dataset_kind kind;
    const char *name;          /* "mnist" or "fashion": the --dataset word     */
    const char *title;         /* "MNIST" or "Fashion-MNIST", for titles       */
    const char *dir;           /* --data, or the dataset's default directory   */
    const char *const *class_name;   /* [10] "2", or "pullover": reads in a
                                        sentence ("a 2", "class pullover")     */
    const char *const *class_title;  /* [10] "digit 2", or "pullover": reads
                                        alone, in a table or a legend          */
    const char *judge_default; /* build/judge/NAME.judge                      */
    const char *judge_make;    /* the make target that trains that judge      */
} dataset_info;

/* The dataset called `name` ("mnist" or "fashion"; anything else die()s),
 * read from `data_dir`, or from its default directory if data_dir is NULL. */
dataset_info dataset_select(const char *name, const char *data_dir);

/* The judge of a run: judge_load(given) if --judge gave a path (a missing
 * or damaged file die()s: the student asked for that one); else the
 * dataset's default judge if it exists; else NULL after the note
 *     no judge at build/judge/NAME.judge (make TARGET): WITHOUT
 * where `without` says what the run then leaves out. */
judge *dataset_open_judge(const dataset_info *d, const char *given, const char *without);

/* One split ("train" or "t10k") of the dataset's 28 x 28 images; only_class
 * >= 0 keeps that class alone. die() with one line if the files are not
 * 28 x 28 images or hold no image of the class. (Chapter 09; 08 and 11
 * carry their own copies.) */
image_set *dataset_load(const dataset_info *d, const char *split, int only_class);

#endif
