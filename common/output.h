/* output.h -- everything a run writes goes into its --out directory.
 *
 * Introduced in chapter 00. A run writes data files (plain columns gnuplot can
 * read, one header line starting with '#'), the figures' values and scripts (figure.h) and
 * metrics.txt (metrics.h), all inside one directory, and nothing anywhere
 * else. If the directory cannot be created or written, the run stops before
 * training with one clear line and exit status 1.
 *
 * Every file is written under a temporary name (.NAME.tmp-PID) and renamed
 * to NAME when it is complete, so each file in --out is either the old one,
 * whole, or the new one, whole: a full disk or a crash never leaves half a
 * data file or an empty metrics.txt next to an earlier run's files. And one
 * run at a time writes into a directory: a second run into the same --out
 * is refused with one line while the first is alive (a lock file,
 * .genlab.lock, that the system releases when a run ends).
 */
#ifndef GENLAB_OUTPUT_H
#define GENLAB_OUTPUT_H

#include <stdio.h>
#include <gsl/gsl_matrix.h>

/* mkdir -p dir, check it is a writable directory, and take its lock; die()
 * if not. */
void out_prepare(const char *dir);

/* Open dir/name for writing (under its temporary name), or die() naming it. */
FILE *out_open(const char *dir, const char *name);

/* Close and rename into place, or die() if the data did not reach the disk
 * (disk full...); the temporary file is removed and the old file kept. */
void out_close(FILE *f, const char *name);

/* dir/name into buf, or die() if it does not fit (never a silently cut path). */
void out_path(char *buf, size_t size, const char *dir, const char *name);

/* A name made like printf's (a file name, a checkpoint block, a figure
 * value): out_name("loss_%s.dat", target). The text lives in a buffer that
 * the next call reuses; a name longer than 255 characters is an error (die),
 * never a cut name. */
const char *out_name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write M as text columns: a "# header" line, then one row of M per line
 * (%.9g: enough digits for plots and for exact comparisons). */
void out_write_matrix(const char *dir, const char *name, const char *header,
                      const gsl_matrix *M);

/* Append A and B side by side to an open file, one line a row (%.9g): for
 * files written in blocks, such as --generate's samples. Same row count. */
void out_write_rows(FILE *f, const gsl_matrix *A, const gsl_matrix *B);

#endif
