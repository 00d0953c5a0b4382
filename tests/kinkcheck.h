/* kinkcheck.h -- a finite-difference gradient check for networks with kinks.
 *
 * Chapters 09 and 10 (and their tests) put thousands of (leaky) ReLUs, clamps
 * and L1 losses between a weight and the loss. Now and then one of them has
 * its kink within h of where it is, so that a central difference averages two
 * slopes. check_entries() measures every STRIDE-th entry with central
 * differences; an entry that fails is measured again with h / 10, and if it
 * agrees there (within 10 REL_TOL) the kink was the reason: it is counted as
 * one and not scored. A wrong gradient is wrong at every h.
 *
 * Scored: the relative error where |dL/dtheta| >= SMALL, the absolute error on
 * the smaller entries (the rounding noise of a difference quotient of an O(1)
 * loss is 1e-11 to 1e-10). Each test decides what it accepts (its own
 * expect_good): how many entries must be scored, how many kinks are allowed.
 * Include after genlab.h (gradcheck.h: GRADCHECK_H, GRADCHECK_FLOOR). */
#ifndef GENLAB_KINKCHECK_H
#define GENLAB_KINKCHECK_H

#include <math.h>

#define SMALL 1e-4
#define REL_TOL 1e-6
#define ABS_TOL 1e-9
/* Every STRIDE-th entry. The sanitized build of the tests (make check's
 * sanitize group) is there to find memory errors and undefined behaviour, not
 * wrong derivatives (the unit group checks those): it passes a larger stride,
 * a prime (-DKINKCHECK_STRIDE=13), and runs the same code in a quarter of the
 * time. The thresholds of the tests scale with STRIDE. */
#ifndef KINKCHECK_STRIDE
#define KINKCHECK_STRIDE 3
#endif
#define STRIDE KINKCHECK_STRIDE

typedef struct check {
    double max_rel, max_abs, worst_value;
    size_t worst, n_rel, n_abs, kinks;
} check;

static double rel_err(double a, double b) { return fabs(a - b) / fmax(fabs(a) + fabs(b), GRADCHECK_FLOOR); }

static double central(gradcheck_loss loss, void *ctx, double *x, double h)
{
    const double x0 = *x;
    *x = x0 + h;
    const double Lp = loss(ctx);
    *x = x0 - h;
    const double Lm = loss(ctx);
    *x = x0;
    return (Lp - Lm) / (2 * h);
}

static check check_entries(gradcheck_loss loss, void *ctx, double *x, const double *analytic, size_t n)
{
    check c = {0};
    for (size_t i = 0; i < n; i += STRIDE) {
        const double numeric = central(loss, ctx, x + i, GRADCHECK_H);
        const double err = fabs(analytic[i] - numeric) < ABS_TOL ? 0.0 : rel_err(analytic[i], numeric);
        const int small = fabs(analytic[i]) < SMALL;
        if ((small ? fabs(analytic[i] - numeric) >= ABS_TOL : err >= REL_TOL)
            && rel_err(analytic[i], central(loss, ctx, x + i, GRADCHECK_H / 10)) < 10 * REL_TOL) {
            c.kinks++;
            continue;
        }
        if (!small) {
            if (err > c.max_rel) {
                c.max_rel = err;
                c.worst = i;
                c.worst_value = analytic[i];
            }
            c.n_rel++;
        } else {
            c.max_abs = fmax(c.max_abs, fabs(analytic[i] - numeric));
            c.n_abs++;
        }
    }
    return c;
}

#endif
