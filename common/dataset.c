/* dataset.c -- see dataset.h. */
#include "dataset.h"

#include <stdio.h>
#include <string.h>

#include "guard.h"

static const char *const DIGITS[DATASET_CLASSES] = {"0", "1", "2", "3", "4",
                                                    "5", "6", "7", "8", "9"};
static const char *const DIGIT_TITLES[DATASET_CLASSES] = {
    "digit 0", "digit 1", "digit 2", "digit 3", "digit 4",
    "digit 5", "digit 6", "digit 7", "digit 8", "digit 9"};
static const char *const GARMENTS[DATASET_CLASSES] = {"T-shirt", "trouser", "pullover", "dress",
                                                      "coat", "sandal", "shirt", "sneaker",
                                                      "bag", "boot"};

dataset_info dataset_select(const char *name, const char *data_dir)
{
    dataset_info d;
    if (strcmp(name, "mnist") == 0)
        d = (dataset_info){.kind = DATASET_MNIST, .name = "mnist", .title = "MNIST",
                           .dir = "datasets/mnist", .class_name = DIGITS,
                           .class_title = DIGIT_TITLES,
                           .judge_default = "build/judge/mnist.judge", .judge_make = "judge"};
    else if (strcmp(name, "fashion") == 0)
        d = (dataset_info){.kind = DATASET_FASHION, .name = "fashion", .title = "Fashion-MNIST",
                           .dir = "/usr/share/datasets/fashion-mnist", .class_name = GARMENTS,
                           .class_title = GARMENTS,
                           .judge_default = "build/judge/fashion.judge",
                           .judge_make = "build/judge/fashion.judge"};
    else
        die("unknown dataset '%s' (mnist or fashion)", name);
    if (data_dir)
        d.dir = data_dir;
    return d;
}

judge *dataset_open_judge(const dataset_info *d, const char *given, const char *without)
{
    if (given)
        return judge_load(given);
    FILE *f = fopen(d->judge_default, "rb");
    if (!f) {
        note("no judge at %s (make %s): %s", d->judge_default, d->judge_make, without);
        return NULL;
    }
    fclose(f);
    return judge_load(d->judge_default);
}

image_set *dataset_load(const dataset_info *d, const char *split, int only_class)
{
    const unsigned char digit = (unsigned char)only_class;
    image_set *s = mnist_load_classes(d->dir, split, &digit, only_class >= 0);   /* none named: all */
    if (s->rows != 28 || s->cols != 28)
        die("%s: images of %zu x %zu pixels, 28 x 28 expected", d->dir, s->rows, s->cols);
    if (s->n == 0)
        die("%s: no %s images of class %d", d->dir, split, only_class);
    return s;
}
