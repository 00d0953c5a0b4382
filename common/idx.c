/* idx.c -- see idx.h. */
#include "idx.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <sys/stat.h>

#include "guard.h"
#include "matrix.h"

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

/* Everything the file holds once inflated, but never more than `limit` + 1
 * bytes: a header that claims ten million images must not make us allocate
 * for them before the data is seen to be there. The buffer grows with what
 * gzread really returns. Returns the bytes read (limit + 1: there was more
 * than `limit`), or -1 with a message in err (a corrupt gzip stream).
 * `left`, when not 0, is what a plain file still holds: then the buffer is
 * allocated once, at its final size, and backed by 2 MB pages (47 MB of
 * MNIST's training images in 4 KB pages were 11 500 page faults a load). */
static long long read_all(gzFile f, const char *used, unsigned char **out, size_t limit,
                          size_t left, char *err, size_t err_size)
{
    size_t cap = limit < (1 << 16) ? limit + 1 : (1 << 16), n = 0;
    if (left > 0)
        cap = left < limit ? left + 1 : limit + 1;   /* + 1: room to see one byte too many */
    unsigned char *buf = xmalloc(cap, "reading an IDX file");
    mem_advise_huge(buf, cap);
    for (;;) {
        if (n == cap) {
            if (cap > limit)
                break;
            cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            unsigned char *bigger = realloc(buf, cap);
            if (!bigger) {
                free(buf);
                die("out of memory reading %s", used);
            }
            buf = bigger;
        }
        size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        int got = gzread(f, buf + n, (unsigned)want);
        if (got < 0) {
            int code;
            const char *msg = gzerror(f, &code);
            snprintf(err, err_size, "%s: corrupt compressed data (%s)", used,
                     code == Z_ERRNO ? strerror(errno) : msg);
            free(buf);
            return -1;
        }
        if (got == 0) {
            /* zlib reports a cut gzip stream as an error at the end */
            int code;
            const char *msg = gzerror(f, &code);
            if (code != Z_OK) {
                snprintf(err, err_size, "%s: the compressed stream is cut short (%s)", used, msg);
                free(buf);
                return -1;
            }
            break;
        }
        n += (size_t)got;
    }
    *out = buf;
    return (long long)n;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Read the file at path (or path.gz): its header of `header_words` 32-bit
 * big-endian numbers, checked against `magic`, and its data, whose size must
 * be exactly what the header says (item_bytes(header)). */
typedef size_t (*payload_size)(const uint32_t *header, char *why, size_t why_size);

static int read_idx(const char *path, uint32_t magic, int header_words, payload_size size_of,
                    const char *kind, uint32_t *header, unsigned char **data, size_t *data_size,
                    char *err, size_t err_size)
{
    char used[4200];
    gzFile f = open_either(path, used, sizeof used);
    if (!f) {
        snprintf(err, err_size, "%s: cannot open: %s", used, strerror(errno ? errno : ENOENT));
        return -1;
    }
    /* first the header alone: its sizes bound what we read next */
    unsigned char *head;
    const size_t head_bytes = 4 * (size_t)header_words;
    long long got = read_all(f, used, &head, head_bytes - 1, 0, err, err_size);
    if (got < 0) {
        gzclose(f);
        return -1;
    }
    if ((size_t)got < head_bytes) {
        snprintf(err, err_size, "%s: truncated header: %lld bytes (not an IDX %s file?)", used, got, kind);
        free(head);
        gzclose(f);
        return -1;
    }
    for (int k = 0; k < header_words; k++)
        header[k] = be32(head + 4 * k);
    free(head);
    if (header[0] != magic) {
        snprintf(err, err_size, "%s: wrong magic number 0x%08x (an IDX %s file starts with 0x%08x)",
                 used, header[0], kind, magic);
        gzclose(f);
        return -1;
    }
    char why[256] = "";
    size_t want = size_of(header, why, sizeof why);
    if (want == 0) {
        snprintf(err, err_size, "%s: %s", used, why);
        gzclose(f);
        return -1;
    }
    /* a plain file's size is known: the rest of it, past the header */
    struct stat st;
    size_t left = 0;
    if (gzdirect(f) && stat(used, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > head_bytes)
        left = (size_t)st.st_size - head_bytes;
    long long n = read_all(f, used, data, want, left, err, err_size);
    gzclose(f);
    if (n < 0)
        return -1;
    if ((size_t)n != want) {
        if ((size_t)n > want)
            snprintf(err, err_size, "%s: more data than its header says (%s): trailing bytes", used, why);
        else
            snprintf(err, err_size, "%s: truncated: the header says %s (%zu bytes of data), the file holds %lld",
                     used, why, want, n);
        free(*data);
        return -1;
    }
    *data_size = want;
    return 0;
}

static size_t image_bytes(const uint32_t *h, char *why, size_t why_size)
{
    const uint32_t count = h[1], r = h[2], c = h[3];
    if (count == 0 || r == 0 || c == 0 || r > 4096 || c > 4096 || count > 10000000u) {
        snprintf(why, why_size, "implausible shape %u x %u x %u", count, r, c);
        return 0;
    }
    snprintf(why, why_size, "%u images of %u x %u", count, r, c);
    return (size_t)count * r * c;
}

static size_t label_bytes(const uint32_t *h, char *why, size_t why_size)
{
    if (h[1] == 0 || h[1] > 10000000u) {
        snprintf(why, why_size, "implausible label count %u", h[1]);
        return 0;
    }
    snprintf(why, why_size, "%u labels", h[1]);
    return h[1];
}

/* Grey level v becomes v / 255 in [0, 1]: 256 possible values, divided once
 * each, then one table lookup per pixel (MNIST's training set is 47 million
 * pixels; a gsl_matrix_set call per pixel took a second). Row i of `bytes`
 * goes to the next row of M when keep is NULL or keep[i] is set. */
static gsl_matrix *to_pixels(const unsigned char *bytes, size_t count, size_t pixels,
                             const unsigned char *keep, size_t kept)
{
    double level[256];
    for (int v = 0; v < 256; v++)
        level[v] = v / 255.0;
    gsl_matrix *M = mat_alloc_large(kept ? kept : 1, pixels);   /* rows follow each other: tda == pixels */
    double *to = M->data;
    for (size_t i = 0; i < count; i++) {
        if (keep && !keep[i])
            continue;
        const unsigned char *from = bytes + i * pixels;
        for (size_t k = 0; k < pixels; k++)
            to[k] = level[from[k]];
        to += pixels;
    }
    M->size1 = kept;                     /* no image kept: a matrix of no rows */
    return M;
}

int idx_read_images(const char *path, gsl_matrix **images, size_t *rows, size_t *cols,
                    char *err, size_t err_size)
{
    uint32_t h[4];
    unsigned char *data;
    size_t n;
    if (read_idx(path, IDX_IMAGES_MAGIC, 4, image_bytes, "image", h, &data, &n, err, err_size))
        return -1;
    *images = to_pixels(data, h[1], (size_t)h[2] * h[3], NULL, h[1]);
    free(data);
    *rows = h[2];
    *cols = h[3];
    return 0;
}

int idx_read_labels(const char *path, unsigned char **labels, size_t *count,
                    char *err, size_t err_size)
{
    uint32_t h[2];
    unsigned char *data;
    size_t n;
    if (read_idx(path, IDX_LABELS_MAGIC, 2, label_bytes, "label", h, &data, &n, err, err_size))
        return -1;
    *labels = data;
    *count = n;
    return 0;
}

image_set *mnist_load_classes(const char *dir, const char *prefix, const unsigned char *keep,
                              size_t n_keep)
{
    char ipath[4096], lpath[4096], err[8192];
    int ni = snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", dir, prefix);
    int nl = snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", dir, prefix);
    if (ni < 0 || nl < 0 || (size_t)ni >= sizeof ipath - 3 || (size_t)nl >= sizeof lpath - 3)
        die("--data: the directory name is too long (%.60s...)", dir);
    /* the images' bytes first, then the labels; pixels only for the images kept */
    uint32_t h[4];
    unsigned char *bytes;
    size_t n_bytes, n_labels;
    image_set *s = xcalloc(1, sizeof *s, "an image set");
    if (read_idx(ipath, IDX_IMAGES_MAGIC, 4, image_bytes, "image", h, &bytes, &n_bytes, err, sizeof err) ||
        idx_read_labels(lpath, &s->labels, &n_labels, err, sizeof err))
        die("%s", err);
    s->n = h[1], s->rows = h[2], s->cols = h[3];
    if (n_labels != s->n)
        die("%s has %zu images but %s has %zu labels", ipath, s->n, lpath, n_labels);
    /* MNIST and Fashion-MNIST have ten classes: a label past 9 is damage */
    unsigned char wanted[10] = {0};
    for (size_t k = 0; k < n_keep; k++)
        if (keep[k] < 10)
            wanted[keep[k]] = 1;
    unsigned char *row_kept = n_keep ? xmalloc(s->n, "an image set") : NULL;
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        const unsigned char label = s->labels[i];
        if (label > 9)
            die("%s: label %u at item %zu (the classes are 0-9): the file is damaged", lpath, label, i);
        if (row_kept)
            row_kept[i] = wanted[label];
        if (n_keep == 0 || wanted[label])
            s->labels[kept++] = label;           /* the kept labels, in their order */
    }
    s->images = to_pixels(bytes, s->n, (size_t)s->rows * s->cols, row_kept, kept);
    free(row_kept);
    free(bytes);
    s->n = kept;
    return s;
}

image_set *mnist_load(const char *dir, const char *prefix)
{
    return mnist_load_classes(dir, prefix, NULL, 0);
}

void image_set_free(image_set *s)
{
    if (!s)
        return;
    gsl_matrix_free(s->images);
    free(s->labels);
    free(s);
}

image_set image_set_head(const image_set *s, size_t n)
{
    image_set head = *s;
    head.n = n < s->n ? n : s->n;
    return head;
}
