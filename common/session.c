/* session.c -- see session.h. */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include "figure.h"
#include "guard.h"
#include "output.h"
#include "rng.h"

const char *session_rules(unsigned features, const char *save, const char *load,
                          const char *resume, int generate_given)
{
    if (resume && !(features & SESSION_RESUME))
        return "this chapter cannot --resume";
    if (generate_given && !load)
        return "--generate needs the models to sample: --load FILE";
    if (load && save)
        return "--load trains nothing, so there is nothing new to --save";
    if (load && resume)
        return "--load (measure a model) and --resume (train it on) exclude each other";
    return NULL;
}

void session_parse(session *S, const char *program, const char *summary, long default_seed,
                   const cli_option *options, size_t n_options, unsigned features,
                   int argc, char **argv)
{
    memset(S, 0, sizeof *S);
    S->features = features;
    const size_t n_persist = (features & SESSION_SAVE_LOAD) ? ((features & SESSION_RESUME) ? 4 : 3) : 0;
    if (n_options + n_persist > SESSION_MAX_OPTIONS)
        die("internal error: more than %d options", SESSION_MAX_OPTIONS);
    memcpy(S->options, options, n_options * sizeof *options);
    cli_option *o = S->options + n_options;
    if (features & SESSION_SAVE_LOAD) {
        *o++ = (cli_option){"save", CLI_STRING, &S->save,
                            "at the end, write the trained models to this checkpoint", 0, 0, NULL, 0};
        *o++ = (cli_option){"load", CLI_STRING, &S->load,
                            "read the models from this checkpoint (saved with the same flags): no training",
                            0, 0, NULL, 0};
        *o++ = (cli_option){"generate", CLI_INT, &S->generate,
                            "with --load: write N samples of each generator, and only those",
                            1, SESSION_GENERATE_MAX, NULL, 0};
        if (features & SESSION_RESUME)
            *o++ = (cli_option){"resume", CLI_STRING, &S->resume,
                                "train on from this checkpoint to --steps", 0, 0, NULL, 0};
    }
    cli_init(&S->cli, program, summary, default_seed, S->options, n_options + n_persist);
    cli_parse_or_exit(&S->cli, argc, argv);
    const char *broken = session_rules(features, S->save, S->load, S->resume,
                                       cli_given(&S->cli, "generate"));
    if (broken)
        cli_usage_error(&S->cli, broken);
}

void session_open(session *S)
{
    out_prepare(S->cli.out);
    checkpoint_require_writable(S->save);          /* before training, not after */
    checkpoint_require_sound(S->load ? S->load : S->resume);   /* before any work */
    S->rng = rng_new((unsigned long)S->cli.seed);
    S->sample_seed = (unsigned long)S->cli.seed + SESSION_SAMPLE_SEED;
}

void session_start(session *S, const char *program, const char *summary, long default_seed,
                   const cli_option *options, size_t n_options, unsigned features,
                   int argc, char **argv)
{
    session_parse(S, program, summary, default_seed, options, n_options, features, argc, argv);
    session_open(S);
}

int session_trains(const session *S)
{
    return S->load == NULL;
}

void session_save(session *S, checkpoint *ck, const char *what)
{
    char err[4400];
    if (!S->save)
        return;
    if (checkpoint_save(ck, S->save, S->rng, err, sizeof err) != 0)
        die("%s", err);
    note("saved %s to %s", what, S->save);
}

void session_load(session *S, checkpoint *ck, const char *what)
{
    char err[4400];
    const char *path = S->load ? S->load : S->resume;
    if (!path)
        return;
    if (checkpoint_load(ck, path, S->rng, err, sizeof err) != 0) {
        if (ck->error == CHECKPOINT_ERR_MODEL)
            die("%s; load it with the flags it was saved with", err);
        die("%s", err);
    }
    note("loaded %s from %s", what, path);
}

void session_check_resume(const session *S, long saved_step, long to)
{
    if (S->resume && to <= saved_step)
        die("%s: the checkpoint is at step %ld already; --resume needs --steps above it", S->resume,
            saved_step);
}

void session_finish(session *S)
{
    metrics_print(&S->m, stdout);
    metrics_write(&S->m, S->cli.out);
    fig_write(S->cli.out);
    gsl_rng_free(S->rng);
    S->rng = NULL;
}
