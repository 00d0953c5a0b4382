/* figure.c -- see figure.h. */
#include "figure.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "output.h"

/* The program's embedded scripts (build/gen/NN-name/figures.c). Weak: a unit
 * test links common/ without them, and then there are none to write. */
extern const fig_script genlab_figure_scripts[] __attribute__((weak));
extern const char genlab_style_gp[] __attribute__((weak));

#define FIG_MAX_VALUES 512
#define FIG_NAME_LEN 64
#define FIG_VALUE_LEN 512

static size_t n_values, n_used;
static char used[FIG_MAX_VALUES][FIG_NAME_LEN];
static char value_name[FIG_MAX_VALUES][FIG_NAME_LEN];
static char value_text[FIG_MAX_VALUES][FIG_VALUE_LEN];

static int is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static void set(const char *name, const char *text)
{
    if (!is_identifier(name) || strlen(name) >= FIG_NAME_LEN || strlen(text) >= FIG_VALUE_LEN)
        die("internal error: figure value '%s' is not a short gnuplot identifier", name);
    size_t i = 0;
    while (i < n_values && strcmp(value_name[i], name) != 0)
        i++;
    if (i == FIG_MAX_VALUES)
        die("internal error: more than %d figure values", FIG_MAX_VALUES);
    if (i == n_values)
        snprintf(value_name[n_values++], FIG_NAME_LEN, "%s", name);
    snprintf(value_text[i], FIG_VALUE_LEN, "%s", text);
}

void fig_value(const char *name, double value)
{
    char text[64];
    snprintf(text, sizeof text, "%.9g", value);
    /* gnuplot reads "nan"/"inf" as names; NaN is the number 0/0 there */
    if (value != value)
        snprintf(text, sizeof text, "NaN");
    set(name, text);
}

void fig_text(const char *name, const char *fmt, ...)
{
    char raw[FIG_VALUE_LEN / 2], quoted[FIG_VALUE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* a gnuplot double-quoted string: escape " and \ */
    size_t k = 0;
    quoted[k++] = '"';
    for (const char *p = raw; *p && k < sizeof quoted - 3; p++) {
        if (*p == '"' || *p == '\\')
            quoted[k++] = '\\';
        quoted[k++] = *p;
    }
    quoted[k++] = '"';
    quoted[k] = '\0';
    set(name, quoted);
}

const char *fig_lookup(const char *name)
{
    for (size_t i = 0; i < n_values; i++)
        if (strcmp(value_name[i], name) == 0)
            return value_text[i];
    return NULL;
}

void fig_use(const char *name)
{
    if (!is_identifier(name) || strlen(name) >= FIG_NAME_LEN)
        die("internal error: figure name '%s' is not a short identifier", name);
    for (size_t i = 0; i < n_used; i++)
        if (strcmp(used[i], name) == 0)
            return;
    if (n_used == FIG_MAX_VALUES)
        die("internal error: more than %d figures", FIG_MAX_VALUES);
    snprintf(used[n_used++], FIG_NAME_LEN, "%s", name);
}

void fig_reset(void)
{
    n_values = n_used = 0;
}

/* The embedded script NAME.gp, or NULL. */
static const fig_script *find_script(const char *name)
{
    char file[FIG_NAME_LEN + 4];
    snprintf(file, sizeof file, "%s.gp", name);
    for (const fig_script *s = genlab_figure_scripts; s && s->name; s++)
        if (strcmp(s->name, file) == 0)
            return s;
    return NULL;
}

static void write_text(const char *dir, const char *name, const char *text)
{
    FILE *f = out_open(dir, name);
    fputs(text, f);
    out_close(f, name);
}

void fig_write(const char *dir)
{
    FILE *f = out_open(dir, "values.gp");
    fprintf(f, "# values.gp -- this run's numbers, loaded by the figure scripts\n");
    for (size_t i = 0; i < n_values; i++)
        fprintf(f, "%s = %s\n", value_name[i], value_text[i]);
    out_close(f, "values.gp");
    if (genlab_style_gp)
        write_text(dir, "style.gp", genlab_style_gp);
    if (!genlab_figure_scripts)
        return;                     /* a test binary: no scripts to copy */
    for (size_t i = 0; i < n_used; i++) {
        const fig_script *s = find_script(used[i]);
        if (!s)
            die("internal error: no figure script %s.gp in this program", used[i]);
        write_text(dir, s->name, s->text);
    }
}

void fig_snapshot_grid(const char *dir, const char *name, const gsl_matrix *snaps,
                       size_t side, size_t rows, size_t cols, const long *step)
{
    gsl_matrix_const_view taken = gsl_matrix_const_submatrix(snaps, 0, 0, rows * cols, snaps->size2);
    fig_image_grid(dir, name, &taken.matrix, side, side, rows, cols);
    fig_use(name);
    fig_valuef((double)rows, "%s_rows", name);
    for (size_t r = 0; r < rows; r++)
        fig_valuef((double)step[r], "%s_step_%zu", name, r + 1);
}

void fig_image_grid(const char *dir, const char *name, const gsl_matrix *images,
                    size_t h, size_t w, size_t grid_rows, size_t grid_cols)
{
    const size_t H = grid_rows * (h + 1) + 1, W = grid_cols * (w + 1) + 1;
    char file[128], key[FIG_NAME_LEN];
    snprintf(file, sizeof file, "%s.dat", name);
    FILE *f = out_open(dir, file);
    /* row y = 0 is the TOP of the picture; the script flips the y axis */
    for (size_t y = 0; y < H; y++) {
        for (size_t x = 0; x < W; x++) {
            double v = 1.0;                                   /* gaps are white */
            size_t ty = y / (h + 1), tx = x / (w + 1), py = y % (h + 1), px = x % (w + 1);
            if (py > 0 && px > 0 && ty < grid_rows && tx < grid_cols) {
                size_t k = ty * grid_cols + tx;
                v = k < images->size1 ? 1.0 - gsl_matrix_get(images, k, (py - 1) * w + (px - 1))
                                      : 1.0;                  /* ink is dark */
            }
            fprintf(f, x ? " %.3f" : "%.3f", v);
        }
        fputc('\n', f);
    }
    out_close(f, file);
    snprintf(key, sizeof key, "%s_w", name);
    fig_value(key, (double)W);
    snprintf(key, sizeof key, "%s_h", name);
    fig_value(key, (double)H);
}

/* A name built printf-style, or die: a cut name would be another name. */
static void format_name(char *name, size_t size, const char *fmt, va_list ap)
{
    const int len = vsnprintf(name, size, fmt, ap);
    if (len < 0 || (size_t)len >= size)
        die("internal error: figure name '%s...' is too long", name);
}

void fig_valuef(double value, const char *fmt, ...)
{
    char name[FIG_NAME_LEN];
    va_list ap;
    va_start(ap, fmt);
    format_name(name, sizeof name, fmt, ap);
    va_end(ap);
    fig_value(name, value);
}

/* The same, for a name this file builds itself. */
__attribute__((format(printf, 2, 3)))
static void name_of(char name[FIG_NAME_LEN], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_name(name, FIG_NAME_LEN, fmt, ap);
    va_end(ap);
}

void fig_text_list(const char *prefix, const char *const *texts, size_t n)
{
    char name[FIG_NAME_LEN];
    for (size_t i = 0; i < n; i++) {
        name_of(name, "%s_%zu", prefix, i);
        fig_text(name, "%s", texts[i]);
    }
}

void fig_usef(const char *fmt, ...)
{
    char name[FIG_NAME_LEN];
    va_list ap;
    va_start(ap, fmt);
    format_name(name, sizeof name, fmt, ap);
    va_end(ap);
    fig_use(name);
}
