/* gradcheck.c -- see gradcheck.h. */
#include "gradcheck.h"
#include "guard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

gradcheck_result gradcheck(gradcheck_loss loss, void *ctx, double *x,
                           const double *analytic, size_t n, size_t max_checks)
{
    gradcheck_result res = {0.0, 0, 0.0, 0.0, 0};
    if (n == 0)
        return res;
    /* keep our own copy: loss() might overwrite the caller's gradient buffer */
    double *a = xmalloc(n * sizeof *a, "a gradient check");
    memcpy(a, analytic, n * sizeof *a);

    size_t count = n <= max_checks ? n : max_checks;
    for (size_t k = 0; k < count; k++) {
        size_t i = count == n ? k : (size_t)((double)k * (double)n / (double)count);
        double saved = x[i];
        x[i] = saved + GRADCHECK_H;
        double up = loss(ctx);
        x[i] = saved - GRADCHECK_H;
        double down = loss(ctx);
        x[i] = saved;
        double numeric = (up - down) / (2.0 * GRADCHECK_H);
        double rel = fabs(a[i] - numeric) / fmax(fabs(a[i]) + fabs(numeric), GRADCHECK_FLOOR);
        if (rel > res.max_rel_err || res.checked == 0) {
            res.max_rel_err = rel;
            res.worst = i;
            res.analytic = a[i];
            res.numeric = numeric;
        }
        res.checked++;
    }
    free(a);
    return res;
}
