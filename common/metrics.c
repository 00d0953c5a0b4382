/* metrics.c -- see metrics.h. */
#include "metrics.h"

#include <stdarg.h>

#include <stdlib.h>
#include <string.h>

#include "output.h"

static int is_snake_case(const char *s)
{
    if (!(*s >= 'a' && *s <= 'z'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

void metrics_set(metrics *m, const char *name, double value)
{
    if (!is_snake_case(name) || strlen(name) >= sizeof m->name[0]) {
        fprintf(stderr, "metrics_set: bad metric name '%s'\n", name);
        abort();
    }
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->name[i], name) == 0) {
            m->value[i] = value;
            return;
        }
    if (m->n == METRICS_MAX) {
        fprintf(stderr, "metrics_set: more than %d metrics\n", METRICS_MAX);
        abort();
    }
    strcpy(m->name[m->n], name);
    m->value[m->n++] = value;
}

double metrics_get(const metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->name[i], name) == 0)
            return m->value[i];
    fprintf(stderr, "metrics_get: no metric '%s'\n", name);
    abort();
}

void metrics_write(const metrics *m, const char *dir)
{
    FILE *f = out_open(dir, "metrics.txt");
    for (size_t i = 0; i < m->n; i++)
        fprintf(f, "%s %.6g\n", m->name[i], m->value[i]);
    out_close(f, "metrics.txt");
}

void metrics_print(const metrics *m, FILE *f)
{
    fprintf(f, "\nresults (also in metrics.txt)\n");
    for (size_t i = 0; i < m->n; i++)
        fprintf(f, "  %-32s %.6g\n", m->name[i], m->value[i]);
}

void metrics_setf(metrics *m, double value, const char *fmt, ...)
{
    char name[sizeof m->name[0]];
    va_list ap;
    va_start(ap, fmt);
    const int len = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof name) {
        fprintf(stderr, "metrics_setf: metric name too long\n");
        abort();
    }
    metrics_set(m, name, value);
}
