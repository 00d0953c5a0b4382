/* idx.c -- see idx.h. */
#include "idx.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "guard.h"

#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u

/* Open `path`, or `path`.gz if the plain file does not exist. */
static gzFile open_either(const char *path, char *used, size_t used_size)
{
    snprintf(used, used_size, "%s", path);
    gzFile f = gzopen(used, "rb");
    if (!f) {
        snprintf(used, used_size, "%s.gz", path);
        f = gzopen(used, "rb");
        if (!f)
            snprintf(used, used_size, "%s", path);
    }
    return f;
}

/* Read exactly n bytes; 0 on success. */
static int read_exact(gzFile f, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

static int read_be32(gzFile f, uint32_t *v)
{
    unsigned char b[4];
    if (read_exact(f, b, 4))
        return -1;
    *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return 0;
}

int idx_read_images(const char *path, gsl_matrix **images, size_t *rows, size_t *cols,
                    char *err, size_t err_size)
{
    char used[4096];
    gzFile f = open_either(path, used, sizeof used);
    if (!f) {
        snprintf(err, err_size, "%s: cannot open: %s", used, strerror(errno ? errno : ENOENT));
        return -1;
    }
    uint32_t magic, count, r, c;
    if (read_be32(f, &magic) || read_be32(f, &count) || read_be32(f, &r) || read_be32(f, &c)) {
        snprintf(err, err_size, "%s: truncated header (not an IDX image file?)", used);
        gzclose(f);
        return -1;
    }
    if (magic != IDX_IMAGES_MAGIC) {
        snprintf(err, err_size, "%s: wrong magic number 0x%08x (an IDX image file starts with 0x%08x)",
                 used, magic, IDX_IMAGES_MAGIC);
        gzclose(f);
        return -1;
    }
    if (count == 0 || r == 0 || c == 0 || r > 4096 || c > 4096 || count > 10000000u) {
        snprintf(err, err_size, "%s: implausible shape %u x %u x %u", used, count, r, c);
        gzclose(f);
        return -1;
    }
    size_t pixels = (size_t)r * c;
    unsigned char *row = malloc(pixels);
    gsl_matrix *M = gsl_matrix_alloc(count, pixels);
    for (size_t i = 0; i < count; i++) {
        if (read_exact(f, row, pixels)) {
            snprintf(err, err_size, "%s: truncated: header says %u images, data ends in image %zu",
                     used, count, i + 1);
            free(row);
            gsl_matrix_free(M);
            gzclose(f);
            return -1;
        }
        for (size_t j = 0; j < pixels; j++)
            gsl_matrix_set(M, i, j, row[j] / 255.0);
    }
    free(row);
    gzclose(f);
    *images = M;
    *rows = r;
    *cols = c;
    return 0;
}

int idx_read_labels(const char *path, unsigned char **labels, size_t *count,
                    char *err, size_t err_size)
{
    char used[4096];
    gzFile f = open_either(path, used, sizeof used);
    if (!f) {
        snprintf(err, err_size, "%s: cannot open: %s", used, strerror(errno ? errno : ENOENT));
        return -1;
    }
    uint32_t magic, n;
    if (read_be32(f, &magic) || read_be32(f, &n)) {
        snprintf(err, err_size, "%s: truncated header (not an IDX label file?)", used);
        gzclose(f);
        return -1;
    }
    if (magic != IDX_LABELS_MAGIC) {
        snprintf(err, err_size, "%s: wrong magic number 0x%08x (an IDX label file starts with 0x%08x)",
                 used, magic, IDX_LABELS_MAGIC);
        gzclose(f);
        return -1;
    }
    if (n == 0 || n > 10000000u) {
        snprintf(err, err_size, "%s: implausible label count %u", used, n);
        gzclose(f);
        return -1;
    }
    unsigned char *l = malloc(n);
    if (read_exact(f, l, n)) {
        snprintf(err, err_size, "%s: truncated: header says %u labels, the data is shorter", used, n);
        free(l);
        gzclose(f);
        return -1;
    }
    gzclose(f);
    *labels = l;
    *count = n;
    return 0;
}

image_set *mnist_load(const char *dir, const char *prefix)
{
    char ipath[4096], lpath[4096], err[8192];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", dir, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", dir, prefix);
    image_set *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    size_t n_labels;
    if (idx_read_images(ipath, &s->images, &s->rows, &s->cols, err, sizeof err) ||
        idx_read_labels(lpath, &s->labels, &n_labels, err, sizeof err))
        die("%s", err);
    s->n = s->images->size1;
    if (n_labels != s->n)
        die("%s has %zu images but %s has %zu labels", ipath, s->n, lpath, n_labels);
    return s;
}

void image_set_free(image_set *s)
{
    if (!s)
        return;
    gsl_matrix_free(s->images);
    free(s->labels);
    free(s);
}

void image_set_filter(image_set *s, const unsigned char *keep, size_t n_keep)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        int wanted = 0;
        for (size_t k = 0; k < n_keep; k++)
            wanted |= s->labels[i] == keep[k];
        if (!wanted)
            continue;
        if (kept != i) {
            gsl_vector_view to = gsl_matrix_row(s->images, kept);
            gsl_vector_view from = gsl_matrix_row(s->images, i);
            gsl_vector_memcpy(&to.vector, &from.vector);
            s->labels[kept] = s->labels[i];
        }
        kept++;
    }
    /* shrink the row count; the storage stays (freed with the set) */
    s->images->size1 = kept;
    s->n = kept;
}
