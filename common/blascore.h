/* blascore.h -- making sure OpenBLAS uses this CPU's fast kernels.
 *
 * OpenBLAS carries one set of kernels per CPU family and picks one when it is
 * loaded, from the CPU's model number. A model newer than the OpenBLAS build
 * (Debian 12 ships 0.3.21, which predates Intel's Sapphire Rapids, for one) is
 * not recognised, and OpenBLAS falls back to its oldest x86-64 kernels,
 * "Prescott" (SSE3): on such a machine every chapter runs about twice as slowly
 * as it should, although the CPU has AVX-512. The choice is made before main()
 * runs, and the only way to change it is the environment variable
 * OPENBLAS_CORETYPE, read at load time. So blas_pick_core() sets it from the
 * CPU's feature flags and starts the program again, once.
 */
#ifndef GENLAB_BLASCORE_H
#define GENLAB_BLASCORE_H

/* The kernels to ask for when OpenBLAS reports `detected`: NULL when there is
 * nothing better (a recognised CPU, or one without AVX), else the name of the
 * best family the flags allow (SkylakeX for AVX-512, Haswell for AVX2 + FMA,
 * SandyBridge for AVX). Pure, so that it can be tested. */
const char *blas_better_core(const char *detected, int has_avx512, int has_avx2_fma, int has_avx);

/* If OPENBLAS_CORETYPE is unset and OpenBLAS fell back to its Prescott
 * kernels on a CPU that can do better, set OPENBLAS_CORETYPE and execute the
 * program again with the same arguments (argv as main() received it). Returns
 * normally in every other case, and when the new start fails. */
void blas_pick_core(char **argv);

#endif
