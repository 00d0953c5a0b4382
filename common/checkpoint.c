/* checkpoint.c -- see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "guard.h"

static const char MAGIC[8] = {'G', 'E', 'N', 'L', 'A', 'B', 'C', 'K'};
static const uint32_t VERSION = 1;
enum { HEADER_BYTES = 16, RNG_NAME_LEN = 32, CRC_BYTES = 4 };

static void add(checkpoint *ck, const char *name, double *data, size_t count, long *counter)
{
    if (ck->n == CHECKPOINT_MAX_BLOCKS || strlen(name) >= CHECKPOINT_NAME_LEN)
        die("internal error: checkpoint: too many blocks or name too long: %s", name);
    snprintf(ck->name[ck->n], CHECKPOINT_NAME_LEN, "%s", name);
    ck->data[ck->n] = counter ? &ck->scratch[ck->n] : data;
    ck->count[ck->n] = counter ? 1 : count;
    ck->counter[ck->n] = counter;
    ck->n++;
}

void checkpoint_add_vector(checkpoint *ck, const char *name, gsl_vector *v)
{
    if (v->stride != 1)
        die("internal error: checkpoint block %s is not contiguous", name);
    add(ck, name, v->data, v->size, NULL);
}

/* "NAME.SUFFIX" in buf (add() refuses what is too long for a block's name) */
enum { DOTTED_LEN = CHECKPOINT_NAME_LEN + 16 };
static const char *dotted(char *buf, const char *name, const char *suffix)
{
    snprintf(buf, DOTTED_LEN, "%s.%s", name, suffix);
    return buf;
}

void checkpoint_add_params(checkpoint *ck, const char *name, params *P)
{
    char full[DOTTED_LEN];
    checkpoint_add_vector(ck, dotted(full, name, "params"), P->value);
}

void checkpoint_add_optimizer(checkpoint *ck, const char *name, optimizer *o)
{
    char full[DOTTED_LEN];
    checkpoint_add_vector(ck, dotted(full, name, "m"), o->m);
    checkpoint_add_vector(ck, dotted(full, name, "v"), o->v);
    checkpoint_add_long(ck, dotted(full, name, "step"), &o->step);
}

void checkpoint_add_batchnorm(checkpoint *ck, const char *name, batchnorm *L)
{
    char full[DOTTED_LEN];
    checkpoint_add_vector(ck, dotted(full, name, "running_mean"), L->running_mean);
    checkpoint_add_vector(ck, dotted(full, name, "running_var"), L->running_var);
}

void checkpoint_add_long(checkpoint *ck, const char *name, long *value)
{
    add(ck, name, NULL, 1, value);
}

static int fail(checkpoint *ck, int code, char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(checkpoint *ck, int code, char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    ck->error = code;
    return -1;
}

/* ---- saving: a temporary file beside the target, then rename ------------- */

/* dir/.name.tmp-PID for path dir/name: the same directory, so that rename()
 * is atomic (it never crosses a file system). */
static int temp_name(const char *path, char *tmp, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    int n = snprintf(tmp, size, "%.*s.%s.tmp-%ld", (int)dir_len, path, slash ? slash + 1 : path,
                     (long)getpid());
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int checkpoint_check_writable(const char *path, char *err, size_t err_size)
{
    char tmp[4096];
    struct stat st;
    if (path[0] == '\0' || temp_name(path, tmp, sizeof tmp) != 0) {
        snprintf(err, err_size, "%.200s...: the checkpoint path is too long", path);
        return -1;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "%s: exists and is not a regular file", path);
        return -1;
    }
    /* create (and remove) the very temporary file a save will write */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0) {
        snprintf(err, err_size, "%s: cannot write a checkpoint there: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(tmp);
    return 0;
}

void checkpoint_require_writable(const char *path)
{
    char err[4400];
    if (path && checkpoint_check_writable(path, err, sizeof err) != 0)
        die("--save %s", err);
}

/* A writer that keeps a running crc32 of every byte. */
typedef struct stream {
    FILE *f;
    uLong crc;
    int bad;
} stream;

static void put(stream *s, const void *buf, size_t n)
{
    if (n && fwrite(buf, 1, n, s->f) != n)
        s->bad = 1;
    /* crc32 takes at most 4 GiB at a time */
    const unsigned char *p = buf;
    for (size_t done = 0; done < n;) {
        size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
        s->crc = crc32(s->crc, p + done, (uInt)chunk);
        done += chunk;
    }
}

int checkpoint_save(checkpoint *ck, const char *path, const gsl_rng *r, char *err, size_t err_size)
{
    char tmp[4096];
    ck->error = CHECKPOINT_OK;
    if (temp_name(path, tmp, sizeof tmp) != 0)
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%.200s...: the checkpoint path is too long", path);
    stream s = {fopen(tmp, "wb"), crc32(0L, Z_NULL, 0), 0};
    if (!s.f)
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: cannot write: %s", path, strerror(errno));
    uint32_t n_blocks = (uint32_t)ck->n;
    put(&s, MAGIC, sizeof MAGIC);
    put(&s, &VERSION, sizeof VERSION);
    put(&s, &n_blocks, sizeof n_blocks);
    for (size_t i = 0; i < ck->n; i++) {
        if (ck->counter[i])
            ck->scratch[i] = (double)*ck->counter[i];
        char name[CHECKPOINT_NAME_LEN] = {0};
        memcpy(name, ck->name[i], strlen(ck->name[i]));
        uint64_t count = ck->count[i];
        put(&s, name, sizeof name);
        put(&s, &count, sizeof count);
        put(&s, ck->data[i], ck->count[i] * sizeof(double));
    }
    char rng_name[RNG_NAME_LEN] = {0};
    uint64_t rng_size = r ? gsl_rng_size(r) : 0;
    if (r)
        snprintf(rng_name, sizeof rng_name, "%s", gsl_rng_name(r));
    put(&s, rng_name, sizeof rng_name);
    put(&s, &rng_size, sizeof rng_size);
    if (r)
        put(&s, gsl_rng_state(r), rng_size);
    uint32_t crc = (uint32_t)s.crc;
    if (fwrite(&crc, sizeof crc, 1, s.f) != 1)
        s.bad = 1;
    /* on the disk before the rename, or a crash could leave an empty file
     * under the old name */
    if (fflush(s.f) != 0 || fsync(fileno(s.f)) != 0)
        s.bad = 1;
    if (fclose(s.f) != 0 || s.bad) {
        int e = errno;
        unlink(tmp);
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size,
                    "%s: could not finish writing the checkpoint (%s); the previous file, if any, is untouched",
                    path, e ? strerror(e) : "write error");
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: cannot replace: %s", path, strerror(e));
    }
    return 0;
}

/* ---- is the file sound? (no model needed) ------------------------------ */

/* The checks of checkpoint_verify, reporting into ck (the kind of failure,
 * and the block count the file claims when its header is readable). */
static int verify_file(checkpoint *ck, const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: not a regular file", path);
    }
    const uint64_t size = (uint64_t)st.st_size;
    unsigned char head[HEADER_BYTES];
    int status = -1;
    uint32_t version, n_blocks, stored_crc;
    size_t got = fread(head, 1, sizeof head, f);
    if (got < 8 || memcmp(head, MAGIC, 8) != 0) {
        if (got < 8)
            fail(ck, CHECKPOINT_ERR_FORMAT, err, err_size,
                 "%s: not a genlab checkpoint (%zu bytes, shorter than the 8-byte magic)", path, got);
        else
            fail(ck, CHECKPOINT_ERR_FORMAT, err, err_size, "%s: not a genlab checkpoint (wrong magic)", path);
        goto done;
    }
    if (got < 12) {
        fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: truncated: %zu bytes, the header has %d",
             path, got, HEADER_BYTES);
        goto done;
    }
    memcpy(&version, head + 8, 4);
    if (version != VERSION) {
        fail(ck, CHECKPOINT_ERR_FORMAT, err, err_size,
             "%s: checkpoint version %u, this program reads version %u", path, version, VERSION);
        goto done;
    }
    if (size < HEADER_BYTES + CRC_BYTES) {
        fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: truncated: %llu bytes", path,
             (unsigned long long)size);
        goto done;
    }
    /* the checksum, streamed through a fixed buffer: nothing in memory grows
     * with the file */
    {
        unsigned char buf[1 << 16];
        uLong crc = crc32(0L, Z_NULL, 0);
        uint64_t left = size - CRC_BYTES;
        rewind(f);
        while (left > 0) {
            size_t want = left > sizeof buf ? sizeof buf : (size_t)left;
            if (fread(buf, 1, want, f) != want) {
                fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: read error", path);
                goto done;
            }
            crc = crc32(crc, buf, (uInt)want);
            left -= want;
        }
        if (fread(&stored_crc, 1, CRC_BYTES, f) != CRC_BYTES || (uint32_t)crc != stored_crc) {
            fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size,
                 "%s: checksum mismatch: the file (%llu bytes) is damaged, truncated or has bytes appended",
                 path, (unsigned long long)size);
            goto done;
        }
    }
    /* the structure: every size read is bounded by what is left of the file */
    memcpy(&n_blocks, head + 12, 4);
    ck->file_blocks = n_blocks;
    if (n_blocks > CHECKPOINT_MAX_BLOCKS) {
        fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: %u blocks (at most %d)", path, n_blocks,
             CHECKPOINT_MAX_BLOCKS);
        goto done;
    }
    uint64_t at = HEADER_BYTES;
    const uint64_t end = size - CRC_BYTES;
    for (uint32_t i = 0; i <= n_blocks; i++) {
        /* blocks: name + count + data; then the generator: name + size + state */
        const uint64_t name_len = i < n_blocks ? CHECKPOINT_NAME_LEN : RNG_NAME_LEN;
        uint64_t count;
        if (end - at < name_len + 8 || fseek(f, (long)(at + name_len), SEEK_SET) != 0 ||
            fread(&count, 8, 1, f) != 1) {
            fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: ends inside the header of %s %u", path,
                 i < n_blocks ? "block" : "the generator, after block", i);
            goto done;
        }
        at += name_len + 8;
        const uint64_t bytes_per = i < n_blocks ? sizeof(double) : 1;
        if (count > (end - at) / bytes_per) {
            fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size,
                 "%s: %s %u says %llu values, more than the file holds", path,
                 i < n_blocks ? "block" : "the generator after block", i, (unsigned long long)count);
            goto done;
        }
        at += count * bytes_per;
    }
    if (at != end) {
        fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: %llu bytes left over after the generator state",
             path, (unsigned long long)(end - at));
        goto done;
    }
    status = 0;
done:
    fclose(f);
    return status;
}

int checkpoint_verify(const char *path, char *err, size_t err_size)
{
    checkpoint ck = {0};
    return verify_file(&ck, path, err, err_size);
}

void checkpoint_require_sound(const char *path)
{
    char err[4400];
    if (path && checkpoint_verify(path, err, sizeof err) != 0)
        die("%s", err);
}

/* ---- loading: the whole file in memory, checked, then copied ---------------- */

/* Bytes of a checkpoint of the model described by ck (rng_size: bytes of
 * generator state). */
static uint64_t expected_size(const checkpoint *ck, uint64_t rng_size)
{
    uint64_t n = HEADER_BYTES;
    for (size_t i = 0; i < ck->n; i++)
        n += CHECKPOINT_NAME_LEN + 8 + ck->count[i] * sizeof(double);
    return n + RNG_NAME_LEN + 8 + rng_size + CRC_BYTES;
}

/* A bounds-checked cursor over the file's bytes. */
typedef struct cursor {
    const unsigned char *p;
    size_t size, at;
} cursor;

static int take(cursor *c, void *out, size_t n)
{
    if (n > c->size - c->at)
        return -1;
    memcpy(out, c->p + c->at, n);
    c->at += n;
    return 0;
}

int checkpoint_load(checkpoint *ck, const char *path, gsl_rng *r, char *err, size_t err_size)
{
    ck->error = CHECKPOINT_OK;
    ck->file_blocks = 0;
    /* A whole, undamaged checkpoint first (magic, version, checksum, sizes
     * consistent, nothing left over): then the question is only whether it
     * holds this model. */
    if (verify_file(ck, path, err, err_size) != 0)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: not a regular file", path);
    }
    /* The only allocation is the file itself, bounded by what this model's
     * checkpoint can be (its generator state is at most a few KB; 1 MB of
     * slack): a sound file of a much larger model is refused unread. */
    const uint64_t model_size = expected_size(ck, r ? gsl_rng_size(r) : 0);
    const uint64_t file_size = (uint64_t)st.st_size;
    if (file_size > model_size + (1u << 20)) {
        fclose(f);
        return fail(ck, CHECKPOINT_ERR_MODEL, err, err_size,
                    "%s: %llu bytes, but a checkpoint of this model is %llu bytes (another model, or flags?)",
                    path, (unsigned long long)file_size, (unsigned long long)model_size);
    }
    unsigned char *buf = malloc(file_size ? (size_t)file_size : 1);
    if (!buf) {
        fclose(f);
        return fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: out of memory reading %llu bytes", path,
                    (unsigned long long)file_size);
    }
    size_t got = fread(buf, 1, (size_t)file_size, f);
    int read_error = ferror(f);
    fclose(f);
    /* (the cursor still bounds every read: the file could change between
     * the check and this read) */
    cursor c = {buf, got, HEADER_BYTES - 4};
    int status = -1;
    uint32_t n_blocks;
    if (read_error || got < HEADER_BYTES + CRC_BYTES) {
        fail(ck, CHECKPOINT_ERR_IO, err, err_size, "%s: read error (did the file change?)", path);
        goto done;
    }
    c.size = got - CRC_BYTES;               /* the structure ends before the crc */
    take(&c, &n_blocks, 4);                 /* (fits: checked above) */
    if (n_blocks != ck->n) {
        fail(ck, CHECKPOINT_ERR_MODEL, err, err_size,
             "%s: holds %u blocks, this model has %zu (a different model or chapter?)", path, n_blocks, ck->n);
        goto done;
    }
    size_t *offset = ck->offset;
    for (size_t i = 0; i < ck->n; i++) {
        char name[CHECKPOINT_NAME_LEN];
        uint64_t count;
        if (take(&c, name, sizeof name) || take(&c, &count, sizeof count)) {
            fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: ends inside the header of block %zu", path, i);
            goto done;
        }
        name[CHECKPOINT_NAME_LEN - 1] = '\0';
        if (strcmp(name, ck->name[i]) != 0 || count != ck->count[i]) {
            fail(ck, CHECKPOINT_ERR_MODEL, err, err_size,
                 "%s: block %zu is %s with %llu values, this model expects %s with %zu"
                 " (trained with other flags?)", path, i, name, (unsigned long long)count,
                 ck->name[i], ck->count[i]);
            goto done;
        }
        offset[i] = c.at;                   /* count is now this model's own */
        if (count * sizeof(double) > c.size - c.at) {
            fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: ends inside block %s", path, name);
            goto done;
        }
        c.at += count * sizeof(double);
    }
    char rng_name[RNG_NAME_LEN];
    uint64_t rng_size;
    if (take(&c, rng_name, sizeof rng_name) || take(&c, &rng_size, sizeof rng_size)) {
        fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: ends before the generator state", path);
        goto done;
    }
    rng_name[RNG_NAME_LEN - 1] = '\0';
    if (rng_size != c.size - c.at) {
        fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size,
             "%s: the generator state is said to be %llu bytes, the file holds %zu", path,
             (unsigned long long)rng_size, c.size - c.at);
        goto done;
    }
    if (r && rng_size && (strcmp(rng_name, gsl_rng_name(r)) != 0 || rng_size != gsl_rng_size(r))) {
        fail(ck, CHECKPOINT_ERR_MODEL, err, err_size, "%s: generator %s (%llu bytes), expected %s (%zu bytes)",
             path, rng_name, (unsigned long long)rng_size, gsl_rng_name(r), gsl_rng_size(r));
        goto done;
    }
    /* a counter travels as a double: it must be a whole number a long holds */
    for (size_t i = 0; i < ck->n; i++) {
        double v;
        if (!ck->counter[i])
            continue;
        memcpy(&v, buf + offset[i], sizeof v);
        if (!(v >= 0 && v <= 9e15 && v == (double)(long)v)) {
            fail(ck, CHECKPOINT_ERR_DAMAGED, err, err_size, "%s: block %s holds %g, not a count", path,
                 ck->name[i], v);
            goto done;
        }
    }
    /* everything checked: now copy into the model */
    for (size_t i = 0; i < ck->n; i++) {
        memcpy(ck->data[i], buf + offset[i], ck->count[i] * sizeof(double));
        if (ck->counter[i])
            *ck->counter[i] = (long)ck->scratch[i];
    }
    if (r && rng_size)
        memcpy(gsl_rng_state(r), buf + c.at, rng_size);
    status = 0;
done:
    free(buf);
    return status;
}
