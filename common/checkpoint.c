/* checkpoint.c -- see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char MAGIC[8] = {'G', 'E', 'N', 'L', 'A', 'B', 'C', 'K'};
static const uint32_t VERSION = 1;

static void add(checkpoint *ck, const char *name, double *data, size_t count, long *counter)
{
    if (ck->n == CHECKPOINT_MAX_BLOCKS || strlen(name) >= CHECKPOINT_NAME_LEN) {
        fprintf(stderr, "checkpoint: too many blocks or name too long: %s\n", name);
        abort();
    }
    snprintf(ck->name[ck->n], CHECKPOINT_NAME_LEN, "%s", name);
    ck->data[ck->n] = counter ? &ck->scratch[ck->n] : data;
    ck->count[ck->n] = counter ? 1 : count;
    ck->counter[ck->n] = counter;
    ck->n++;
}

void checkpoint_add_vector(checkpoint *ck, const char *name, gsl_vector *v)
{
    if (v->stride != 1)
        abort();
    add(ck, name, v->data, v->size, NULL);
}

void checkpoint_add_params(checkpoint *ck, const char *name, params *P)
{
    char full[CHECKPOINT_NAME_LEN];
    snprintf(full, sizeof full, "%s.params", name);
    checkpoint_add_vector(ck, full, P->value);
}

void checkpoint_add_optimizer(checkpoint *ck, const char *name, optimizer *o)
{
    char full[CHECKPOINT_NAME_LEN];
    snprintf(full, sizeof full, "%s.m", name);
    checkpoint_add_vector(ck, full, o->m);
    snprintf(full, sizeof full, "%s.v", name);
    checkpoint_add_vector(ck, full, o->v);
    snprintf(full, sizeof full, "%s.step", name);
    checkpoint_add_long(ck, full, &o->step);
}

void checkpoint_add_long(checkpoint *ck, const char *name, long *value)
{
    add(ck, name, NULL, 1, value);
}

/* A writer/reader that keeps a running crc32 of every byte. */
typedef struct stream {
    FILE *f;
    uLong crc;
    int bad;
} stream;

static void put(stream *s, const void *buf, size_t n)
{
    if (fwrite(buf, 1, n, s->f) != n)
        s->bad = 1;
    s->crc = crc32(s->crc, buf, (uInt)n);
}

static int get(stream *s, void *buf, size_t n)
{
    if (fread(buf, 1, n, s->f) != n)
        return -1;
    s->crc = crc32(s->crc, buf, (uInt)n);
    return 0;
}

int checkpoint_save(checkpoint *ck, const char *path, const gsl_rng *r, char *err, size_t err_size)
{
    stream s = {fopen(path, "wb"), crc32(0L, Z_NULL, 0), 0};
    if (!s.f) {
        snprintf(err, err_size, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
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
    char rng_name[32] = {0};
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
    if (fclose(s.f) != 0 || s.bad) {
        snprintf(err, err_size, "%s: could not finish writing the checkpoint", path);
        return -1;
    }
    return 0;
}

int checkpoint_load(checkpoint *ck, const char *path, gsl_rng *r, char *err, size_t err_size)
{
    stream s = {fopen(path, "rb"), crc32(0L, Z_NULL, 0), 0};
    if (!s.f) {
        snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    /* Read into scratch space first: a bad file must not half-overwrite the model. */
    double **fresh = calloc(ck->n ? ck->n : 1, sizeof *fresh);
    int status = -1;
    char magic[8];
    uint32_t version, n_blocks;
    if (get(&s, magic, 8) || memcmp(magic, MAGIC, 8) != 0) {
        snprintf(err, err_size, "%s: not a genlab checkpoint (wrong magic)", path);
        goto done;
    }
    if (get(&s, &version, 4) || version != VERSION) {
        snprintf(err, err_size, "%s: checkpoint version %u, this program reads version %u",
                 path, version, VERSION);
        goto done;
    }
    if (get(&s, &n_blocks, 4) || n_blocks != ck->n) {
        snprintf(err, err_size, "%s: holds %u blocks, this model has %zu (a different model or chapter?)",
                 path, n_blocks, ck->n);
        goto done;
    }
    for (size_t i = 0; i < ck->n; i++) {
        char name[CHECKPOINT_NAME_LEN];
        uint64_t count;
        if (get(&s, name, sizeof name) || get(&s, &count, sizeof count)) {
            snprintf(err, err_size, "%s: truncated", path);
            goto done;
        }
        name[CHECKPOINT_NAME_LEN - 1] = '\0';
        if (strcmp(name, ck->name[i]) != 0 || count != ck->count[i]) {
            snprintf(err, err_size, "%s: block %zu is %s with %llu values, this model expects %s with %zu"
                     " (trained with other flags?)", path, i, name, (unsigned long long)count,
                     ck->name[i], ck->count[i]);
            goto done;
        }
        fresh[i] = malloc(count * sizeof(double));
        if (!fresh[i] || get(&s, fresh[i], count * sizeof(double))) {
            snprintf(err, err_size, "%s: truncated in block %s", path, name);
            goto done;
        }
    }
    char rng_name[32];
    uint64_t rng_size;
    if (get(&s, rng_name, sizeof rng_name) || get(&s, &rng_size, sizeof rng_size)) {
        snprintf(err, err_size, "%s: truncated", path);
        goto done;
    }
    rng_name[31] = '\0';
    unsigned char *rng_state = malloc(rng_size ? rng_size : 1);
    if (rng_size && get(&s, rng_state, rng_size)) {
        snprintf(err, err_size, "%s: truncated in the generator state", path);
        free(rng_state);
        goto done;
    }
    uint32_t expected = (uint32_t)s.crc, stored;
    if (fread(&stored, sizeof stored, 1, s.f) != 1 || stored != expected) {
        snprintf(err, err_size, "%s: checksum mismatch (the file is damaged or truncated)", path);
        free(rng_state);
        goto done;
    }
    if (r && rng_size) {
        if (strcmp(rng_name, gsl_rng_name(r)) != 0 || rng_size != gsl_rng_size(r)) {
            snprintf(err, err_size, "%s: generator %s, expected %s", path, rng_name, gsl_rng_name(r));
            free(rng_state);
            goto done;
        }
        memcpy(gsl_rng_state(r), rng_state, rng_size);
    }
    free(rng_state);
    /* everything checked: now copy into the model */
    for (size_t i = 0; i < ck->n; i++) {
        memcpy(ck->data[i], fresh[i], ck->count[i] * sizeof(double));
        if (ck->counter[i])
            *ck->counter[i] = (long)ck->scratch[i];
    }
    status = 0;
done:
    for (size_t i = 0; i < ck->n; i++)
        free(fresh[i]);
    free(fresh);
    fclose(s.f);
    return status;
}
