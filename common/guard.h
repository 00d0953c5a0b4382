/* guard.h -- failing clearly: one line on stderr, a non-zero exit.
 *
 * Introduced in chapter 00. A program that meets something it cannot handle
 * (a file it cannot write, a loss that turned into NaN) says so in one line
 * that starts with its own name, and exits with status 1. It never crashes
 * and never carries on with a wrong number.
 */
#ifndef GENLAB_GUARD_H
#define GENLAB_GUARD_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

/* The name used in messages; cli_parse() sets it to the chapter's name. */
extern const char *genlab_program;

/* 1 after --quiet: no progress and no notes on stderr (errors still go). */
extern int genlab_quiet;

/* A note on stderr, "program: <message>", unless --quiet: what was saved or
 * loaded, how long a part took. Never results: those go to stdout. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "program: error: <message>" on stderr and exit(1). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Training guard: if `value` is NaN or +-Inf, die with the step at which the
 * quantity called `what` went bad, e.g.
 *     02-autoencoder: error: loss became nan at step 312 (try a smaller --lr)  */
void check_finite(double value, const char *what, long step);

/* Training guard for values that stay finite but run away: if any entry of
 * X is NaN or larger than `limit` in size, die naming the step, e.g.
 *     07-wgan: error: generator samples reached 3.2e+09 at step 41 (outside
 *     +-10000: training diverged; try a smaller --lr)                      */
void check_within(const gsl_matrix *X, double limit, const char *what, long step);

/* Memory that must be there: like malloc/calloc, but a failure is one line
 * ("out of memory: N bytes for WHAT") and exit 1, never a NULL to crash on. */
void *xmalloc(size_t size, const char *what);
void *xcalloc(size_t n, size_t size, const char *what);

/* Turn every GSL error (a matrix too large to allocate, a bad argument) into
 * the course's one line and exit 1, instead of GSL's default abort.
 * cli_parse_or_exit installs it in every program. */
void guard_install_gsl_handler(void);

#endif
