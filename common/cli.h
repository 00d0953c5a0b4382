/* cli.h -- strict command-line options, the same vocabulary in every chapter.
 *
 * Introduced in chapter 00. Every program accepts
 *
 *     --help         usage with every flag and its default, exit 0
 *     --seed N       the one seed of the run's random numbers
 *     --quick        a run of a second or so (the golden tests use it)
 *     --out DIR      where every output goes (default out/<chapter>)
 *     --quiet        no progress lines on stderr
 *
 * plus the chapter's own knobs, declared as a table of cli_option. Parsing is
 * strict: an unknown flag, a missing or non-numeric value, a value out of its
 * range or not among its choices prints the usage on stderr and exits with
 * status 2, before anything is written. Both "--lr 0.01" and "--lr=0.01" work.
 */
#ifndef GENLAB_CLI_H
#define GENLAB_CLI_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    CLI_FLAG,    /* no value; target int*, set to 1                          */
    CLI_INT,     /* target long*, range [min, max]                           */
    CLI_REAL,    /* target double*, finite, range [min, max]                 */
    CLI_CHOICE,  /* target const char**, one of "a|b|c" in `choices`        */
    CLI_STRING   /* target const char**, any non-empty text                  */
} cli_type;

typedef struct cli_option {
    const char *name;      /* without the dashes: "latent-dim"               */
    cli_type type;
    void *target;          /* holds the default before parsing              */
    const char *help;      /* one line                                       */
    double min, max;       /* allowed range for CLI_INT / CLI_REAL           */
    const char *choices;   /* "clusters|ring" for CLI_CHOICE                 */
    int given;             /* set to 1 by the parser when the user gave it   */
} cli_option;

typedef struct cli {
    const char *program;   /* the chapter's folder name, "01-dense-layer"    */
    const char *summary;   /* one line: what the program does                */
    cli_option *options;   /* the chapter's own flags                        */
    size_t n_options;
    /* the common flags, with their defaults filled in by cli_init: */
    long seed;
    int quick;
    int quiet;
    const char *out;
    char out_default[256];
    int seed_given, out_given;
    char usage_text[8192]; /* the usage with the defaults, kept by cli_parse */
} cli;

enum { CLI_OK = 0, CLI_HELP = 1, CLI_ERROR = 2 };

/* Fill in the common defaults: seed `default_seed`, out "out/<program>". */
void cli_init(cli *c, const char *program, const char *summary, long default_seed,
              cli_option *options, size_t n_options);

/* Parse argv. Returns CLI_OK, CLI_HELP (usage printed on `out`) or CLI_ERROR
 * (a one-line message, then the usage, printed on `err`). The usage shows the
 * defaults, whatever was parsed. Writes no file and never exits: testable. */
int cli_parse(cli *c, int argc, char **argv, FILE *out, FILE *err);

/* What chapters call: cli_parse, then exit(0) after --help, or print the
 * usage on stderr and exit(2) on an error. Also sets genlab_program, and
 * runs OpenBLAS on one thread unless OPENBLAS_NUM_THREADS says otherwise. */
void cli_parse_or_exit(cli *c, int argc, char **argv);

/* The usage text: every flag with its default. */
void cli_usage(const cli *c, FILE *f);

/* For a conflict between flags that parsing alone cannot see (e.g. --generate
 * without --load): like cli's own errors, one line on stderr, the usage,
 * exit(2). */
void cli_usage_error(const cli *c, const char *msg);

/* 1 if the user gave the chapter flag `name` on the command line. Chapters use
 * it so that --quick shortens a run without overriding an explicit --steps. */
int cli_given(const cli *c, const char *name);

/* --quick's value of a chapter flag: with --quick, unless the user gave
 * --NAME, set its target to `value` (flags given explicitly win). NAME must
 * be a CLI_INT or CLI_REAL flag of the table (else die(): a bug). */
void cli_quick_default(const cli *c, const char *name, double value);

#endif
