/* blascore.c -- see blascore.h. */
#include "blascore.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From OpenBLAS (we link it as GSL's CBLAS): the kernels it chose. */
char *openblas_get_corename(void);

const char *blas_better_core(const char *detected, int has_avx512, int has_avx2_fma, int has_avx)
{
    /* "Prescott" is what OpenBLAS's dynamic dispatch falls back to when it
     * does not know the CPU; a real Prescott has no AVX, so never gets here. */
    if (!detected || strcmp(detected, "Prescott") != 0)
        return NULL;
    if (has_avx512)
        return "SkylakeX";
    if (has_avx2_fma)
        return "Haswell";
    if (has_avx)
        return "SandyBridge";
    return NULL;
}

void blas_pick_core(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || !argv || !argv[0])
        return;                        /* the user's choice, or already done */
    const char *better = NULL;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    better = blas_better_core(openblas_get_corename(),
                              __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"),
                              __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
                              __builtin_cpu_supports("avx"));
#endif
    if (!better || setenv("OPENBLAS_CORETYPE", better, 1) != 0)
        return;
    execv("/proc/self/exe", argv);     /* returns only if that failed */
}
