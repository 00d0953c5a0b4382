/* idx.h -- reading MNIST-style IDX files (plain or gzip-compressed).
 *
 * Introduced in chapter 08. The IDX format is how MNIST (and Fashion-MNIST) are
 * distributed: a big-endian header, then raw bytes.
 *
 *   images  int32 magic 0x00000803, int32 count, int32 rows, int32 cols,
 *           then count * rows * cols bytes, one per pixel (0 = background)
 *   labels  int32 magic 0x00000801, int32 count, then count bytes (the class)
 *
 * zlib's gzread reads gzip files and plain files alike, so "train-images-
 * idx3-ubyte" and "train-images-idx3-ubyte.gz" both work; given a name
 * without .gz we try the plain file first, then the .gz one.
 *
 * Every problem (missing file, wrong magic, truncated data, images and labels
 * that disagree on the count) is reported in `err` as one line naming the
 * file; mnist_load() turns that into die() for the chapters.
 */
#ifndef GENLAB_IDX_H
#define GENLAB_IDX_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

/* Read an image file into a new matrix (count, rows * cols), pixels scaled to
 * [0, 1] by /255, one image per row. Returns 0, or -1 with a message in err. */
int idx_read_images(const char *path, gsl_matrix **images, size_t *rows, size_t *cols,
                    char *err, size_t err_size);

/* Read a label file into a new array of `count` bytes (free() it). */
int idx_read_labels(const char *path, unsigned char **labels, size_t *count,
                    char *err, size_t err_size);

/* A labelled image set. */
typedef struct image_set {
    gsl_matrix *images;      /* (n, rows * cols), in [0, 1]  */
    unsigned char *labels;   /* (n)                          */
    size_t n, rows, cols;
} image_set;

/* Load DIR/PREFIX-images-idx3-ubyte[.gz] and DIR/PREFIX-labels-idx1-ubyte[.gz]
 * (PREFIX "train" or "t10k", as MNIST names them). die()s on any problem. */
image_set *mnist_load(const char *dir, const char *prefix);

/* The same, keeping only the images whose label is in keep[0..n_keep-1] (in
 * their order; n_keep 0 keeps every class). Only they are turned into pixels:
 * one class of MNIST's training set is 38 MB of doubles, not 376. */
image_set *mnist_load_classes(const char *dir, const char *prefix, const unsigned char *keep,
                              size_t n_keep);
void image_set_free(image_set *s);

/* The first n images of s (all of them if s has fewer): a view that shares
 * s's storage, nothing to free. Its images matrix still has every row of s,
 * so read the first .n rows only. */
image_set image_set_head(const image_set *s, size_t n);

#endif
