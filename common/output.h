/* output.h -- everything a run writes goes into its --out directory.
 *
 * Introduced in chapter 00. A run writes data files (plain columns gnuplot can
 * read, one header line starting with '#'), gnuplot scripts (plot.h) and
 * metrics.txt (metrics.h), all inside one directory, and nothing anywhere
 * else. If the directory cannot be created or written, the run stops before
 * training with one clear line and exit status 1.
 */
#ifndef GENLAB_OUTPUT_H
#define GENLAB_OUTPUT_H

#include <stdio.h>
#include <gsl/gsl_matrix.h>

/* mkdir -p dir, then check it is a writable directory; die() if not. */
void out_prepare(const char *dir);

/* fopen(dir/name, "w"), or die() naming the file. */
FILE *out_open(const char *dir, const char *name);

/* fclose, or die() if the data did not reach the disk (disk full...). */
void out_close(FILE *f, const char *name);

/* Write M as text columns: a "# header" line, then one row of M per line
 * (%.9g: enough digits for plots and for exact comparisons). */
void out_write_matrix(const char *dir, const char *name, const char *header,
                      const gsl_matrix *M);

#endif
