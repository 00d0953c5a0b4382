/* iter-common.h -- the clock of the per-iteration benchmarks (bench/iter-*.c).
 *
 * Each benchmark builds one chapter's model exactly as its default run does,
 * trains WARMUP iterations (page faults, caches, Adam's first steps), then
 * times ITERS more and prints one line:
 *
 *     NAME  MS_PER_ITERATION
 *
 * bench/compare.sh puts these next to the same models in PyTorch. */
#ifndef ITER_COMMON_H
#define ITER_COMMON_H

#include <stdio.h>
#include <time.h>

#define WARMUP 20
#define ITERS 200

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void report_ms(const char *name, double seconds, long iterations)
{
    printf("%-8s %8.3f\n", name, 1e3 * seconds / (double)iterations);
}

#endif
