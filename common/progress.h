/* progress.h -- "step 400/2000  loss 0.0123  3.1 s, ETA 12.4 s" on stderr.
 *
 * Introduced in chapter 01. Training runs report on stderr (never stdout, which
 * holds the deterministic log the golden tests compare), at most about once a
 * second, and not at all with --quiet or for runs that finish in a second.
 */
#ifndef GENLAB_PROGRESS_H
#define GENLAB_PROGRESS_H

typedef struct progress {
    long total;        /* steps in the run                          */
    int quiet;
    double start;      /* seconds, monotonic clock                  */
    double last;       /* when we last printed                      */
    int printed;       /* printed at least one line                 */
} progress;

/* Seconds on a monotonic clock (for timing, never for results). */
double now_seconds(void);

void progress_start(progress *p, long total, int quiet);

/* Maybe print one line: step/total, the caller's text, elapsed and ETA. */
void progress_report(progress *p, long step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print the total time if anything was printed. Returns elapsed seconds. */
double progress_end(progress *p);

#endif
