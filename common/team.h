/* team.h -- two threads for one training step, with the same bits as one.
 *
 * OpenBLAS can use several threads itself, but the course's products are
 * small (a batch of 100 rows, a layer of 256): it wakes its threads for each
 * of them, and two threads were measured at 0.65-1.40x the speed of one.
 * A team of two does better by keeping a helper thread spinning through a
 * training step and handing it half of every large product: the rows (or
 * the columns) of C are cut in two, each thread computes its half with
 * OpenBLAS on one thread.
 *
 *     C = A B       C (m, n), split at row r:   C[:r]  = A[:r] B    (this thread)
 *                                                C[r:]  = A[r:] B    (the helper)
 *
 * Each entry of C is the same dot product either way. Whether it is the same
 * to the last bit depends on OpenBLAS's kernels: bench/split-exact measures
 * it (the Haswell, Zen and SandyBridge kernels: yes, at a cut that is a
 * multiple of 8, which is where the team cuts; the SkylakeX family: not
 * always). Element-wise loops (Adam's step) are cut the same way and are
 * always exact.
 *
 * What must not change is the ORDER of a sum. Independent items (the images
 * of a convolution, the samples of a layer norm) are taken in turn by
 * whichever thread is free (team_each), each computed whole by one thread.
 * Sums over them stay in their order: a convolution's weight gradient is
 * split by dW's columns, each thread running through every image (conv.c);
 * layer norm and the cross-entropy store each item's terms and add them up
 * afterwards on one thread (layernorm.c, loss.c); batch norm splits its
 * channels, each summed over the batch by one thread (batchnorm.c).
 *
 * The team is on when the user asks OpenBLAS for two or more threads
 * (OPENBLAS_NUM_THREADS=2), and by default on a machine with two CPUs or
 * more whose OpenBLAS kernels split exactly (so that the bits are those of
 * one thread); OpenBLAS then runs one thread per call and the team has two.
 * OPENBLAS_NUM_THREADS=1 (every test, make figures with several jobs, make
 * check) keeps one thread, and nothing changes.
 *
 * Spinning is fast only while each thread has a core. Two chapters run side
 * by side on two CPUs are four threads: a thread spinning until the other
 * finishes its half may hold the very core that thread waits for. So every
 * wait gives its CPU away every few microseconds (sched_yield): 11's --quick
 * run twice at once took 25 s with loops that only spun, 6 s with the yield
 * (5.7 s at one thread each; one alone 3.8 s).
 */
#ifndef GENLAB_TEAM_H
#define GENLAB_TEAM_H

#include <stddef.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>

/* Start the team (and put OpenBLAS on one thread per call) when
 * OPENBLAS_NUM_THREADS is 2 or more; or, when it is not set, when this
 * process may use two CPUs or more and the split is exact with OpenBLAS's
 * kernels (team_split_is_exact): then two threads give the same bits as one,
 * and a run is simply faster. OPENBLAS_NUM_THREADS=1 keeps one thread.
 * Called once, by cli_parse_or_exit (and by the benchmarks, bench/iter-common.h). */
void team_start_from_env(void);

/* 1 when OpenBLAS runs kernels whose products cut at a multiple of 8 are
 * the same to the bit as whole (Haswell, Zen, SandyBridge: bench/split-exact). */
int team_split_is_exact(void);

/* Start (threads 2) or stop (threads 1) the team by hand: tests and benches. */
void team_set_threads(int threads);

/* 1, or 2 when the team is on. */
int team_threads(void);

/* gsl_blas_dgemm, the product shared by the team when it is large enough to
 * pay for the hand-over (and computed whole otherwise). */
void team_dgemm(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                const gsl_matrix *B, double beta, gsl_matrix *C);

/* C = alpha op(A) op(B) + 1 b^T, a dense layer's output: every row of C
 * set to b, then the product added on top (beta 1), each half of C filled
 * by the thread that multiplies it. The same bits as filling C first and
 * calling team_dgemm with beta 1. */
void team_dgemm_bias(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                     const gsl_matrix *B, const gsl_vector *b, gsl_matrix *C);

/* Run work(ctx, from, to) over [0, n): on a team, [0, cut) here and [cut, n)
 * on the helper, the cut a multiple of 8 (for n >= 16; else n / 2) and at
 * least min_per_thread; alone
 * (or n too small), work(ctx, 0, n). So from == 0 is this thread's half. A
 * product or loop that work() asks of the team is computed whole, on the
 * thread that asks. */
typedef void (*team_range_fn)(void *ctx, size_t from, size_t to);
void team_range(size_t n, size_t min_per_thread, team_range_fn work, void *ctx);

/* The min_per_thread worth a hand-over for items of numbers_per_item numbers
 * each (rows of a matrix, channels, samples): about 8 192 numbers a thread,
 * some microseconds of streaming work. At least 1. */
size_t team_min_items(size_t numbers_per_item);

/* Run work(ctx, i, thread) once for every i in [0, n), for items that do not
 * depend on each other (the images of a batch in a convolution): on a team,
 * each thread takes the next item not yet taken whenever it is free, so a
 * thread that runs slower (the helper, reading what this one just wrote)
 * simply takes fewer. thread is 0 here and 1 on the helper, to pick that
 * thread's scratch buffer. An item is computed the same way on either
 * thread: the same bits, whichever takes it. Alone, or with fewer than
 * 2 min_per_thread items: i = 0, 1, ..., thread 0. */
typedef void (*team_each_fn)(void *ctx, size_t i, int thread);
void team_each(size_t n, size_t min_per_thread, team_each_fn work, void *ctx);

/* Start work(ctx) on the helper and return at once: this thread goes on
 * with the step while the helper runs it (random numbers drawn ahead, in
 * chapter 11). Until the helper is done, this thread's products and loops
 * are computed whole, by this thread (the same bits: see above); once it
 * is done they are shared again. team_wait() returns when work has run;
 * call it before reading what work writes, or touching what it reads or
 * writes (its generator). One at a time: a second call waits for the
 * first. Alone (one thread, or within a shared job): work(ctx) runs here,
 * before team_background returns. */
void team_background(void (*work)(void *ctx), void *ctx);
void team_wait(void);

#endif
