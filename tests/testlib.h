/* testlib.h -- fixtures that several test programs share.
 *
 * A temporary directory per test group (cmocka group setup / teardown: the
 * directory is in `dir`), and random "images" for tests that need an
 * image_set without the MNIST files. Include after genlab.h (or a chapter).
 */
#ifndef GENLAB_TESTLIB_H
#define GENLAB_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/genlab-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* n random 28 x 28 "images" in [0, 1]; labels 0 .. n_classes - 1 in turn */
static image_set *random_images(size_t n, unsigned long seed, size_t n_classes)
{
    gsl_rng *r = rng_new(seed);
    image_set *s = xcalloc(1, sizeof *s, "test images");
    s->images = gsl_matrix_alloc(n, 28 * 28);
    rng_fill_uniform(r, s->images, 0.0, 1.0);
    s->labels = xmalloc(n, "test labels");
    for (size_t i = 0; i < n; i++)
        s->labels[i] = (unsigned char)(i % n_classes);
    s->n = n;
    s->rows = s->cols = 28;
    gsl_rng_free(r);
    return s;
}

#endif
