/* checkpoint.h -- saving a model, and resuming training exactly.
 *
 * Introduced in chapter 08. A checkpoint is a list of named blocks of doubles
 * (a network's parameters, an optimiser's moments and step count, any counter
 * of the chapter's) plus the random generator's state, so that
 *
 *     train N steps, save, load, train M steps   ==   train N + M steps
 *
 * holds bit for bit. The file format (little-endian, as written on x86-64):
 *
 *     "GENLABCK"                 8 bytes, the magic
 *     uint32 version             1
 *     uint32 n_blocks
 *     n_blocks times:
 *         char name[48]          zero-padded, e.g. "G.params", "G.adam.m"
 *         uint64 count           number of doubles
 *         double data[count]
 *     char rng_name[32]          gsl_rng type, e.g. "mt19937"
 *     uint64 rng_size            bytes of generator state
 *     byte rng_state[rng_size]
 *     uint32 crc32               zlib crc32 of every byte before it
 *
 * Loading reads the whole file (never more than this model's checkpoint can
 * be) and checks, before it uses any size written in it: the magic, the
 * version, the checksum (a damaged, truncated or extended file is refused),
 * then every block's name and size against the model being loaded into (a
 * different --hidden gives a clear message, not garbage), and that nothing
 * is left over. Only then is anything copied into the model.
 *
 * Saving writes a temporary file beside the target (.NAME.tmp-PID), flushes
 * it to the disk, and renames it over the target: a save that fails or is
 * killed half way leaves the previous checkpoint exactly as it was.
 */
#ifndef GENLAB_CHECKPOINT_H
#define GENLAB_CHECKPOINT_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "batchnorm.h"
#include "optim.h"
#include "params.h"

#define CHECKPOINT_MAX_BLOCKS 64
#define CHECKPOINT_NAME_LEN 48

/* What went wrong, for a program that explains it in its own terms (the
 * message in err is always complete on its own). */
enum {
    CHECKPOINT_OK = 0,
    CHECKPOINT_ERR_IO,        /* cannot open, read, write, rename             */
    CHECKPOINT_ERR_FORMAT,    /* not a genlab checkpoint, or another version  */
    CHECKPOINT_ERR_DAMAGED,   /* checksum, truncation, inconsistent sizes     */
    CHECKPOINT_ERR_MODEL      /* a sound file of another model, or flags      */
};

typedef struct checkpoint {
    size_t n;
    char name[CHECKPOINT_MAX_BLOCKS][CHECKPOINT_NAME_LEN];
    double *data[CHECKPOINT_MAX_BLOCKS];
    size_t count[CHECKPOINT_MAX_BLOCKS];
    long *counter[CHECKPOINT_MAX_BLOCKS];   /* for blocks that are one long */
    double scratch[CHECKPOINT_MAX_BLOCKS];  /* a long travels as a double  */
    size_t offset[CHECKPOINT_MAX_BLOCKS];   /* (loading) where block i is   */
    int error;             /* after a failed save/load: CHECKPOINT_ERR_*   */
    unsigned file_blocks;  /* after a load: the block count the file holds */
} checkpoint;

/* Describe what a checkpoint of this model holds (nothing is copied yet). */
void checkpoint_add_vector(checkpoint *ck, const char *name, gsl_vector *v);
void checkpoint_add_params(checkpoint *ck, const char *name, params *P);      /* NAME.params */
void checkpoint_add_optimizer(checkpoint *ck, const char *name, optimizer *o);/* NAME.m .v .step */
void checkpoint_add_long(checkpoint *ck, const char *name, long *value);
void checkpoint_add_batchnorm(checkpoint *ck, const char *name, batchnorm *L); /* NAME.running_mean, _var */

/* Write / read the described blocks and r's state (r may be NULL: not saved /
 * not restored). Return 0, or -1 with a one-line message in err and the kind
 * of failure in ck->error. */
int checkpoint_save(checkpoint *ck, const char *path, const gsl_rng *r, char *err, size_t err_size);
int checkpoint_load(checkpoint *ck, const char *path, gsl_rng *r, char *err, size_t err_size);

/* Is the file at path a whole, undamaged checkpoint (magic, version,
 * checksum, sizes consistent, nothing left over)? Needs no model: programs
 * call it on --load/--resume before loading data and building models, so a
 * damaged file is refused at once. checkpoint_load checks all of it again,
 * and that the file holds this model. Returns 0, or -1 with a message. */
int checkpoint_verify(const char *path, char *err, size_t err_size);
/* The same for programs: die() with the message unless path is NULL or sound. */
void checkpoint_require_sound(const char *path);

/* Can a checkpoint be saved at path? (Creates and removes the temporary file
 * a save would write.) Programs call it before training, not after. Returns
 * 0, or -1 with a one-line message in err. */
int checkpoint_check_writable(const char *path, char *err, size_t err_size);

/* The same for programs: die() with the message unless path is writable, or
 * path is NULL (no --save given). */
void checkpoint_require_writable(const char *path);

#endif
