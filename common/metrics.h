/* metrics.h -- the numbers that prove a chapter worked.
 *
 * Introduced in chapter 00. Each run ends by writing metrics.txt into --out:
 * one metric per line, "name value", the name in snake_case, the value as a
 * plain %.6g number. The same block is printed on stdout as the run's
 * results, so the golden tests compare it too.
 */
#ifndef GENLAB_METRICS_H
#define GENLAB_METRICS_H

#include <stdio.h>

#define METRICS_MAX 128

typedef struct metrics {
    size_t n;
    char name[METRICS_MAX][64];
    double value[METRICS_MAX];
} metrics;

/* Record (or overwrite) metric `name`. Names must be snake_case. */
void metrics_set(metrics *m, const char *name, double value);

/* The same, with the name built printf-style: metrics_setf(m, w1, "w1_%s", target). */
void metrics_setf(metrics *m, double value, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The value of `name`; aborts if it was never set (a programming error). */
double metrics_get(const metrics *m, const char *name);

/* Write dir/metrics.txt. */
void metrics_write(const metrics *m, const char *dir);

/* The "results" block on f: a heading, then "name value" lines. */
void metrics_print(const metrics *m, FILE *f);

#endif
