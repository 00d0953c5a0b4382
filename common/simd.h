/* simd.h -- the hot element-wise loops built twice, picked when the program starts.
 *
 * The course is compiled for every x86-64 CPU, so its loops use SSE2: two
 * doubles per instruction. Most CPUs of the last ten years have AVX2 (four).
 * GCC and Clang can compile one function twice, once for AVX2 and once for
 * the baseline, and choose when the program is loaded the one this CPU runs
 * (`target_clones`, resolved through an ifunc): no flag for the student to
 * set, and nothing breaks on an older machine.
 *
 * The results are the same to the bit, which the goldens and the chapters'
 * byte-for-byte checks rely on. A wider vector does the same operations on
 * more numbers at once: -std=c11 keeps `a * b + c` as two roundings (and
 * "avx2" alone has no fused multiply-add to contract it into), and neither
 * compiler reorders a sum without -ffast-math, so a loop that adds along a
 * row stays a sequence. Where it pays: Adam's update (a square root and a
 * division per number) took half the time with AVX2 on an AMD EPYC (Zen 5).
 *
 * SIMD_CLONES goes before a function's definition. Elsewhere (another
 * architecture, another compiler) it is nothing. */
#ifndef GENLAB_SIMD_H
#define GENLAB_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__)
#define SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SIMD_CLONES
#endif

#endif
