/* cli.c -- see cli.h. */
#include "cli.h"
#include "team.h"
#include "blascore.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

void cli_init(cli *c, const char *program, const char *summary, long default_seed,
              cli_option *options, size_t n_options)
{
    memset(c, 0, sizeof *c);
    c->program = program;
    c->summary = summary;
    c->options = options;
    c->n_options = n_options;
    c->seed = default_seed;
    snprintf(c->out_default, sizeof c->out_default, "out/%s", program);
    c->out = c->out_default;
}

/* Is `word` one of the '|'-separated choices? */
static int is_choice(const char *choices, const char *word)
{
    size_t len = strlen(word);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, word, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

static int parse_long(const char *text, long *value)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return 0;
    *value = v;
    return 1;
}

static int parse_double(const char *text, double *value)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v))
        return 0;
    *value = v;
    return 1;
}

/* Store `value` for option o; on failure print why on err and return 0. */
static int set_value(const cli *c, cli_option *o, const char *value, FILE *err)
{
    switch (o->type) {
    case CLI_INT: {
        long v;
        if (!parse_long(value, &v)) {
            fprintf(err, "%s: error: --%s needs a whole number, got '%s'\n", c->program, o->name, value);
            return 0;
        }
        if ((double)v < o->min || (double)v > o->max) {
            fprintf(err, "%s: error: --%s must be between %.10g and %.10g, got %ld\n",
                    c->program, o->name, o->min, o->max, v);
            return 0;
        }
        *(long *)o->target = v;
        return 1;
    }
    case CLI_REAL: {
        double v;
        if (!parse_double(value, &v)) {
            fprintf(err, "%s: error: --%s needs a number, got '%s'\n", c->program, o->name, value);
            return 0;
        }
        if (v < o->min || v > o->max) {
            fprintf(err, "%s: error: --%s must be between %g and %g, got %g\n",
                    c->program, o->name, o->min, o->max, v);
            return 0;
        }
        *(double *)o->target = v;
        return 1;
    }
    case CLI_CHOICE:
        if (!is_choice(o->choices, value)) {
            fprintf(err, "%s: error: --%s must be one of %s, got '%s'\n",
                    c->program, o->name, o->choices, value);
            return 0;
        }
        *(const char **)o->target = value;
        return 1;
    case CLI_STRING:
        if (value[0] == '\0') {
            fprintf(err, "%s: error: --%s needs a non-empty value\n", c->program, o->name);
            return 0;
        }
        *(const char **)o->target = value;
        return 1;
    case CLI_FLAG:
        break;
    }
    return 0;
}

static int parse(cli *c, int argc, char **argv, FILE *out, FILE *err, const char *usage);

int cli_parse(cli *c, int argc, char **argv, FILE *out, FILE *err)
{
    /* The usage text shows the DEFAULTS, so render it before any value is
     * parsed; it is printed on --help, and after the message on an error. */
    char *usage = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&usage, &len);
    if (!mem)
        abort();
    cli_usage(c, mem);
    fclose(mem);
    snprintf(c->usage_text, sizeof c->usage_text, "%s", usage);   /* for cli_usage_error */
    int status = parse(c, argc, argv, out, err, usage);
    if (status == CLI_ERROR)
        fprintf(err, "\n%s", usage);
    free(usage);
    return status;
}

static int parse(cli *c, int argc, char **argv, FILE *out, FILE *err, const char *usage)
{
    /* The common flags are options too, prepended to the chapter's table. */
    static const double SEED_MAX = 4294967295.0;  /* gsl_rng seeds are 32-bit */
    cli_option common[] = {
        {"seed", CLI_INT, &c->seed, "seed of every random number in the run", 0, SEED_MAX, NULL, 0},
        {"out", CLI_STRING, &c->out, "directory for metrics, data and figure scripts", 0, 0, NULL, 0},
        {"quick", CLI_FLAG, &c->quick, "a short run (seconds), as used by the golden tests", 0, 0, NULL, 0},
        {"quiet", CLI_FLAG, &c->quiet, "no progress lines on stderr", 0, 0, NULL, 0},
    };
    const size_t n_common = sizeof common / sizeof common[0];

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, out);
            return CLI_HELP;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            fprintf(err, "%s: error: unexpected argument '%s'\n", c->program, arg);
            return CLI_ERROR;
        }
        /* split "--name=value" */
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);

        cli_option *o = NULL;
        for (size_t k = 0; k < n_common + c->n_options && !o; k++) {
            cli_option *cand = k < n_common ? &common[k] : &c->options[k - n_common];
            if (strlen(cand->name) == name_len && strncmp(cand->name, name, name_len) == 0)
                o = cand;
        }
        if (!o) {
            fprintf(err, "%s: error: unknown option '--%.*s'\n", c->program, (int)name_len, name);
            return CLI_ERROR;
        }
        if (o->given) {
            fprintf(err, "%s: error: --%s given twice\n", c->program, o->name);
            return CLI_ERROR;
        }
        o->given = 1;
        if (o->type == CLI_FLAG) {
            if (eq) {
                fprintf(err, "%s: error: --%s takes no value\n", c->program, o->name);
                return CLI_ERROR;
            }
            *(int *)o->target = 1;
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                fprintf(err, "%s: error: --%s needs a value\n", c->program, o->name);
                return CLI_ERROR;
            }
            value = argv[++i];
        }
        if (!set_value(c, o, value, err))
            return CLI_ERROR;
    }
    c->seed_given = common[0].given;
    c->out_given = common[1].given;
    return CLI_OK;
}

/* From OpenBLAS (we link it as GSL's CBLAS). */
void openblas_set_num_threads(int num_threads);

void cli_parse_or_exit(cli *c, int argc, char **argv)
{
    genlab_program = c->program;
    blas_pick_core(argv);              /* OpenBLAS's fast kernels (blascore.h) */
    guard_install_gsl_handler();
    /* The course's matrices are small: OpenBLAS threads would mostly spin and
     * compete for the cores. One OpenBLAS thread, unless the user asks for
     * more with OPENBLAS_NUM_THREADS (which OpenBLAS reads itself). */
    if (!getenv("OPENBLAS_NUM_THREADS"))
        openblas_set_num_threads(1);
    int status = cli_parse(c, argc, argv, stdout, stderr);
    if (status == CLI_HELP)
        exit(0);
    if (status == CLI_ERROR)
        exit(2);
    genlab_quiet = c->quiet;
    team_start_from_env();             /* two CPUs, or two threads asked for: a team of two (team.h) */
}

static void print_default(const cli_option *o, FILE *f)
{
    switch (o->type) {
    case CLI_INT:    fprintf(f, " [%ld]", *(const long *)o->target); break;
    case CLI_REAL:   fprintf(f, " [%g]", *(const double *)o->target); break;
    case CLI_CHOICE: fprintf(f, " [%s]", *(const char *const *)o->target); break;
    case CLI_STRING: {
        const char *s = *(const char *const *)o->target;
        if (s)
            fprintf(f, " [%s]", s);
        break;
    }
    case CLI_FLAG: break;
    }
}

static void print_option(const cli_option *o, FILE *f)
{
    char left[64];
    const char *meta = o->type == CLI_INT ? " N" : o->type == CLI_REAL ? " X"
                     : o->type == CLI_CHOICE ? " WORD" : o->type == CLI_STRING ? " TEXT" : "";
    snprintf(left, sizeof left, "--%s%s", o->name, meta);
    fprintf(f, "  %-22s %s", left, o->help);
    if (o->type == CLI_CHOICE)
        fprintf(f, " (%s)", o->choices);
    print_default(o, f);
    fputc('\n', f);
}

void cli_usage_error(const cli *c, const char *msg)
{
    fprintf(stderr, "%s: error: %s\n", c->program, msg);
    if (c->usage_text[0])
        fputs(c->usage_text, stderr);    /* the defaults, not what was parsed */
    else
        cli_usage(c, stderr);
    exit(2);
}

void cli_usage(const cli *c, FILE *f)
{
    fprintf(f, "usage: %s [options]\n%s\n\ncommon options:\n", c->program, c->summary);
    fprintf(f, "  %-22s %s\n", "--help", "show this text and exit");
    fprintf(f, "  %-22s %s [%ld]\n", "--seed N", "seed of every random number in the run", c->seed);
    fprintf(f, "  %-22s %s\n", "--quick", "a short run (seconds), as used by the golden tests");
    fprintf(f, "  %-22s %s [%s]\n", "--out DIR", "directory for metrics, data and figure scripts", c->out);
    fprintf(f, "  %-22s %s\n", "--quiet", "no progress lines on stderr");
    if (c->n_options) {
        fprintf(f, "\n%s options:\n", c->program);
        for (size_t k = 0; k < c->n_options; k++)
            print_option(&c->options[k], f);
    }
}

int cli_given(const cli *c, const char *name)
{
    for (size_t k = 0; k < c->n_options; k++)
        if (strcmp(c->options[k].name, name) == 0)
            return c->options[k].given;
    return 0;
}

void cli_quick_default(const cli *c, const char *name, double value)
{
    for (size_t k = 0; k < c->n_options; k++) {
        const cli_option *o = &c->options[k];
        if (strcmp(o->name, name) != 0)
            continue;
        if (o->type != CLI_INT && o->type != CLI_REAL)
            break;
        if (c->quick && !o->given) {
            if (o->type == CLI_INT)
                *(long *)o->target = (long)value;
            else
                *(double *)o->target = value;
        }
        return;
    }
    die("internal error: --%s is not a numeric flag of %s", name, c->program);
}
