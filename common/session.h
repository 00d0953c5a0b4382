/* session.h -- what every program does around its model, in one place.
 *
 * Introduced in chapter 00; the persistence part in chapter 04. A chapter's
 * main starts a session, teaches, and finishes it:
 *
 *     session S;
 *     session_start(&S, "05-gan", "a 1D GAN ...", 42, options, n_options,
 *                   SESSION_SAVE_LOAD, argc, argv);
 *     ... build, train (or session_load), measure, using S.rng and S.m ...
 *     session_finish(&S);
 *
 * session_start parses the flags (cli.h: the common ones and the chapter's),
 * checks the persistence flags against ONE set of rules for every chapter,
 * prepares --out (output.h), checks that --save can be written and that a
 * --load / --resume file is a sound checkpoint before anything is built,
 * and seeds the run's generator. session_finish prints the results block,
 * writes metrics.txt and the figures' values and scripts (figure.h).
 *
 * The persistence flags, for chapters that keep what they train:
 *
 *     --save FILE      at the end, write the run's models to a checkpoint
 *     --load FILE      build the models from the same flags, read them from
 *                      FILE, and measure and draw them: no training
 *     --generate K     with --load: write K samples of each generator (from
 *                      a fixed noise seed, --seed + SESSION_SAMPLE_SEED), and
 *                      only those
 *     --resume FILE    (chapters with SESSION_RESUME) train on from FILE to
 *                      --steps, bit for bit as one longer run
 *
 * The rules, checked before anything is written (usage error, exit 2):
 * --generate needs --load; --load trains nothing, so it takes neither --save
 * nor --resume; K is 1 to 100 000. --resume FILE --save FILE is allowed:
 * the save replaces the file only once it is complete (checkpoint.h).
 */
#ifndef GENLAB_SESSION_H
#define GENLAB_SESSION_H

#include <gsl/gsl_rng.h>

#include "checkpoint.h"
#include "cli.h"
#include "metrics.h"

#define SESSION_MAX_OPTIONS 64
#define SESSION_GENERATE_MAX 100000
#define SESSION_SAMPLE_SEED 1000003UL

enum {
    SESSION_PLAIN = 0,           /* no persistence flags                      */
    SESSION_SAVE_LOAD = 1,       /* --save, --load, --generate                */
    SESSION_RESUME = 2           /* and --resume (with SESSION_SAVE_LOAD)     */
};

typedef struct session {
    cli cli;                     /* the parsed flags: cli.seed, .quick, .out  */
    gsl_rng *rng;                /* the run's random numbers, from --seed     */
    metrics m;                   /* what session_finish prints and writes     */
    const char *save, *load, *resume;   /* NULL when not given               */
    long generate;               /* K of --generate K; 0 when not given       */
    unsigned long sample_seed;   /* the fixed noise seed of --generate        */
    unsigned features;
    cli_option options[SESSION_MAX_OPTIONS];
} session;

/* The rules above, for given flags: NULL if they hold, else the message.
 * (session_start prints it with the usage and exits 2; tests call this.) */
const char *session_rules(unsigned features, const char *save, const char *load,
                          const char *resume, int generate_given);

/* Parse, check, prepare; exits on --help (0), a usage error (2) or an
 * unusable --out / --save / --load file (1, one line). */
void session_start(session *S, const char *program, const char *summary, long default_seed,
                   const cli_option *options, size_t n_options, unsigned features,
                   int argc, char **argv);

/* session_start in two steps, for a chapter with rules of its own about its
 * flags (which must refuse before anything is written): session_parse only
 * parses and checks the common rules; session_open does the rest. */
void session_parse(session *S, const char *program, const char *summary, long default_seed,
                   const cli_option *options, size_t n_options, unsigned features,
                   int argc, char **argv);
void session_open(session *S);

/* Does this run train? (Not with --load.) */
int session_trains(const session *S);

/* With --save: write the described models and S->rng (die on failure, the
 * previous file untouched); a note names `what`. Without --save: nothing. */
void session_save(session *S, checkpoint *ck, const char *what);

/* Read the described models (and S->rng) from --load or --resume; die with
 * one line if the file holds another model, naming the first difference
 * and the flags to check. */
void session_load(session *S, checkpoint *ck, const char *what);

/* --resume: die unless --steps (to) goes beyond the checkpoint's step. */
void session_check_resume(const session *S, long saved_step, long to);

/* Results on stdout, metrics.txt, the figures' values and scripts; frees
 * the generator. */
void session_finish(session *S);

#endif
