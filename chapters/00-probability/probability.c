/* probability.c -- chapter 00: the probability a generative model needs.
 *
 * A generative model is a machine that produces samples from a distribution.
 * Before building one we need five ideas, one per section of this file:
 *
 *   1. a probability mass function (PMF), and estimating it by counting;
 *   2. the law of large numbers: how fast counting converges (1/sqrt(N));
 *   3. a probability density function (PDF), and why it is not a probability;
 *   4. the KL divergence, the usual way to say how far one distribution is
 *      from another (and why it is not a distance);
 *   5. the key idea: a FIXED, deterministic function G turns simple noise
 *      z ~ N(0, 1) into samples of a new, richer distribution x = G(z).
 *      That function is what a generator network is.
 *
 * Nothing here is trained. Everything is measured against an exact answer,
 * so every number the program prints can be checked.
 *
 * Run:  make bin/00-probability && bin/00-probability        (--help for flags)
 * Look: cd out/00-probability && gnuplot pmf.gp  (and the other figures: the
 *       scripts are chapters/00-probability/figures/NAME.gp, copied into --out)
 */
#include "genlab.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>

/* The knobs of the chapter. Their defaults, their flags and what --quick
 * changes are in Appendix C at the end. */
typedef struct config {
    long rolls;          /* die rolls for the PMF table (largest N)           */
    long lln_max;        /* largest N on the law-of-large-numbers curve       */
    long reps;           /* independent runs averaged on that curve           */
    long samples;        /* samples for each histogram (sections 3 and 5)     */
    long bins;           /* histogram bins                                    */
    double gamma_shape;  /* section 3: Gamma(shape k, scale theta)            */
    double gamma_scale;
    double m1, s1;       /* section 4: p = N(m1, s1^2)                        */
    double m2, s2;       /*            q = N(m2, s2^2)                        */
    double g_amp;        /* section 5: G(z) = z + amp tanh(steep z)           */
    double g_steep;
} config;

/* ----------------------------------------------------------------------------
 * 1. A loaded die: a probability mass function, estimated by counting
 *
 * Roll a die and call the outcome X. Before the roll X can be any face 1..6;
 * a PMF gives each face its probability P(X = x). The source text's die is
 * loaded: face 4 never comes up and face 6 comes up twice as often as the
 * others,
 *
 *     x        1    2    3    4    5    6
 *     P(X=x)  1/6  1/6  1/6   0   1/6  2/6
 *
 * Any PMF has P(X = x) >= 0 for every x and sum_x P(X = x) = 1; here
 * 4 * 1/6 + 0 + 2/6 = 1.
 *
 * To roll it we need a sampler for an arbitrary finite PMF. GSL's
 * gsl_ran_discrete builds Walker's alias table once (gsl_ran_discrete_preproc)
 * and then draws each roll in constant time from one uniform number u:
 * u * 6 falls into one of six equal columns, and where it falls inside the
 * column picks one of the (at most) two faces that share that column.
 *
 * We only ever SEE rolls, never the PMF. The estimate is counting:
 *
 *     P(X = x)  ~  count(X = x) / N
 *
 * and this section shows it for growing N. (Empirical PMFs always sum to 1
 * exactly and never show face 4: counting cannot invent an outcome that
 * never happens. A model that gives an outcome probability 0 will matter
 * again in section 4.)
 * ------------------------------------------------------------------------- */
#define FACES 6

static const double DIE_PMF[FACES] = {1.0 / 6, 1.0 / 6, 1.0 / 6, 0.0, 1.0 / 6, 2.0 / 6};

/* Roll the die n times; counts[f] = how many times face f+1 came up. */
static void roll_die(gsl_rng *r, const gsl_ran_discrete_t *loaded, long n, long counts[FACES])
{
    for (int f = 0; f < FACES; f++)
        counts[f] = 0;
    for (long i = 0; i < n; i++)
        counts[gsl_ran_discrete(r, loaded)]++;   /* index 0..5 is face 1..6 */
}

/* The largest gap between the counted frequencies and the true PMF:
 *     max_x | count(x)/N - P(X = x) |                                      */
static double pmf_max_error(const long counts[FACES], long n)
{
    double worst = 0.0;
    for (int f = 0; f < FACES; f++)
        worst = GSL_MAX(worst, fabs((double)counts[f] / (double)n - DIE_PMF[f]));
    return worst;
}

/* The bar chart of the table (Appendix A). */
static void figure_pmf(const char *dir, const gsl_matrix *freq, const long *sizes, size_t k);

/* Roll the die N times for N = 10, 100, 1000 (those below --rolls) and
 * N = --rolls, and print the table. Returns the max error at N = --rolls. */
static double pmf_table(const config *cfg, gsl_rng *r, const gsl_ran_discrete_t *loaded,
                        const char *dir)
{
    long sizes[4];
    size_t k = 0;
    for (long n = 10; n < cfg->rolls && k < 3; n *= 10)
        sizes[k++] = n;
    sizes[k++] = cfg->rolls;

    gsl_matrix *freq = gsl_matrix_alloc(FACES, 2 + k);   /* face, true, one column per N */
    double err[4];
    long counts[FACES];
    for (size_t j = 0; j < k; j++) {
        roll_die(r, loaded, sizes[j], counts);
        err[j] = pmf_max_error(counts, sizes[j]);
        for (int f = 0; f < FACES; f++)
            gsl_matrix_set(freq, f, 2 + j, (double)counts[f] / (double)sizes[j]);
    }
    for (int f = 0; f < FACES; f++) {
        gsl_matrix_set(freq, f, 0, f + 1);
        gsl_matrix_set(freq, f, 1, DIE_PMF[f]);
    }

    printf("   %-19s", "face  true P");
    for (size_t j = 0; j < k; j++) {
        char head[32];
        snprintf(head, sizeof head, "N=%ld", sizes[j]);
        printf("%10s", head);
    }
    printf("\n");
    for (int f = 0; f < FACES; f++) {
        printf("   %4d  %6.4f       ", f + 1, DIE_PMF[f]);
        for (size_t j = 0; j < k; j++)
            printf("%10.4f", gsl_matrix_get(freq, f, 2 + j));
        printf("\n");
    }
    printf("   %-19s", "max |count/N - P|");
    for (size_t j = 0; j < k; j++)
        printf("%10.4f", err[j]);
    printf("\n");

    figure_pmf(dir, freq, sizes, k);
    gsl_matrix_free(freq);
    return err[k - 1];
}

/* ----------------------------------------------------------------------------
 * 2. The law of large numbers, and its speed
 *
 * "count/N -> P as N -> infinity" says nothing about HOW FAST. The central
 * limit theorem does: count(x) is a sum of N independent 0/1 indicators with
 * mean P(x) and variance P(x)(1 - P(x)), so
 *
 *     count(x)/N - P(x)  has standard deviation  sqrt(P(x)(1 - P(x)) / N)
 *
 * and the error shrinks like 1/sqrt(N): ten times more data buys only about
 * three times more accuracy. On log-log axes that is a straight line of
 * slope -1/2:
 *
 *     log err = log c - 1/2 log N
 *
 * We measure it. Each run rolls the die --lln-max times and records the max
 * error of the running frequencies at N = 10, 10^1.25, 10^1.5, ... (a log
 * grid, four points per decade). One run is a noisy, wandering line; the mean
 * over --reps independent runs is smooth. A least-squares line through the
 * points (log10 N, log10 mean err), gsl_fit_linear, gives the measured slope.
 * The reference line c/sqrt(N) in the figure is anchored on the run itself:
 * c is the geometric mean of err(N) * sqrt(N) over the grid, i.e. the best
 * line when the slope is held at -1/2.
 * ------------------------------------------------------------------------- */
#define LLN_PER_DECADE 4

/* The log grid 10 .. lln_max, four points per decade, as whole numbers. */
static size_t lln_grid(long lln_max, long *grid, size_t cap)
{
    size_t n = 0;
    for (int k = 0; n < cap; k++) {
        long N = lround(pow(10.0, 1.0 + (double)k / LLN_PER_DECADE));
        if (N > lln_max)
            break;
        if (n == 0 || N > grid[n - 1])
            grid[n++] = N;
    }
    if (n < cap && grid[n - 1] < lln_max)      /* end exactly at lln_max */
        grid[n++] = lln_max;
    return n;
}

typedef struct lln_result {
    double slope;        /* fitted d log10(err) / d log10(N)                  */
    double anchor;       /* c of the reference line c / sqrt(N)               */
    double err_first;    /* mean max error at the smallest and largest N      */
    double err_last;
} lln_result;

/* Every run in grey, their mean, c/sqrt(N) (Appendix A). */
static void figure_lln(const char *dir, const gsl_matrix *runs, const gsl_matrix *mean,
                       long reps, const lln_result *res);

static lln_result law_of_large_numbers(const config *cfg, gsl_rng *r,
                                       const gsl_ran_discrete_t *loaded, const char *dir)
{
    long grid[64];
    size_t n = lln_grid(cfg->lln_max, grid, 64);
    size_t R = (size_t)cfg->reps;

    /* runs (n, 1 + R): N, then one column of max errors per run */
    gsl_matrix *runs = gsl_matrix_alloc(n, 1 + R);
    long counts[FACES];
    for (size_t rep = 0; rep < R; rep++) {
        for (int f = 0; f < FACES; f++)
            counts[f] = 0;
        long rolled = 0;
        for (size_t k = 0; k < n; k++) {
            for (; rolled < grid[k]; rolled++)        /* keep rolling up to N */
                counts[gsl_ran_discrete(r, loaded)]++;
            gsl_matrix_set(runs, k, 1 + rep, pmf_max_error(counts, grid[k]));
        }
    }

    /* mean over runs, then the fit in log10-log10 coordinates */
    gsl_matrix *mean = gsl_matrix_alloc(n, 3);          /* N, mean err, c/sqrt(N) */
    double *lx = malloc(n * sizeof *lx), *ly = malloc(n * sizeof *ly);
    if (!lx || !ly)
        die("out of memory");
    double log_c = 0.0;
    for (size_t k = 0; k < n; k++) {
        gsl_matrix_set(runs, k, 0, (double)grid[k]);
        gsl_vector_view row = gsl_matrix_subrow(runs, k, 1, R);
        double e = gsl_blas_dasum(&row.vector) / (double)R;   /* errors are >= 0 */
        lx[k] = log10((double)grid[k]);
        ly[k] = log10(e);
        log_c += (ly[k] + 0.5 * lx[k]) / (double)n;           /* log10(err sqrt(N)) */
        gsl_matrix_set(mean, k, 0, (double)grid[k]);
        gsl_matrix_set(mean, k, 1, e);
    }
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(lx, 1, ly, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);

    lln_result res = {c1, pow(10.0, log_c), gsl_matrix_get(mean, 0, 1), gsl_matrix_get(mean, n - 1, 1)};
    for (size_t k = 0; k < n; k++)
        gsl_matrix_set(mean, k, 2, res.anchor / sqrt((double)grid[k]));

    printf("   %ld runs of %ld rolls; mean over runs of max |count/N - P|:\n",
           cfg->reps, cfg->lln_max);
    for (size_t k = 0; k < n; k += LLN_PER_DECADE)
        printf("   N = %-8ld  %.5f   (c/sqrt(N) = %.5f)\n", grid[k],
               gsl_matrix_get(mean, k, 1), gsl_matrix_get(mean, k, 2));
    printf("   fitted slope of log err against log N: %.3f (1/sqrt(N) predicts -0.5)\n", c1);

    figure_lln(dir, runs, mean, cfg->reps, &res);
    free(lx);
    free(ly);
    gsl_matrix_free(mean);
    gsl_matrix_free(runs);
    return res;
}

/* ----------------------------------------------------------------------------
 * 3. A continuous variable: a density is not a probability
 *
 * When X is a real number, every single value has probability 0, and a PMF
 * makes no sense. Its place is taken by a probability density function p(x):
 * probabilities are AREAS under it,
 *
 *     P(a < X < b) = integral_a^b p(x) dx,      p(x) >= 0,   integral p = 1,
 *
 * so p(x) is "probability per unit of x". Nothing keeps it below 1. Our
 * example, a Gamma(shape k = 2, scale theta = 0.25) variable, squeezes most of
 * its mass into [0, 1] and peaks at p = 1.47 -- a perfectly valid density.
 *
 * The counting estimate of section 1 becomes a histogram: put the N samples
 * into bins of width w and divide each count by N w,
 *
 *     p_hat(bin) = count(bin) / (N w)      ~  p(x) for x in the bin.
 *
 * Dividing by N alone would give the bins' PROBABILITIES, which shrink with w;
 * dividing by N w gives a density, comparable with p(x) whatever w is.
 *
 * The honest exact value to compare a bin with is not p at the bin's centre
 * (a curved p differs from it by O(w^2)) but the bin's exact mass over w,
 * from the cumulative distribution function F:  (F(b) - F(a)) / w.  What is
 * left is pure sampling noise, of size sqrt(p / (N w)).
 * ------------------------------------------------------------------------- */
typedef struct hist_check {
    double max_err;      /* max over bins |p_hat - exact bin mass / w|       */
    double peak;         /* largest value of the true density on the plot    */
    double in_range;     /* fraction of samples that fell inside the bins    */
} hist_check;

/* A histogram normalised to a density, beside the exact values: M (bins, 3)
 * gets the bin centre, p_hat, and the exact mean density over the bin
 * (exact[i]). Returns max |p_hat - exact|. */
static double hist_vs_exact(const gsl_histogram *h, long n_samples, const double *exact,
                            gsl_matrix *M)
{
    size_t nb = gsl_histogram_bins(h);
    double worst = 0.0;
    for (size_t i = 0; i < nb; i++) {
        double lo, hi;
        gsl_histogram_get_range(h, i, &lo, &hi);
        double p_hat = gsl_histogram_get(h, i) / ((double)n_samples * (hi - lo));
        gsl_matrix_set(M, i, 0, 0.5 * (lo + hi));
        gsl_matrix_set(M, i, 1, p_hat);
        gsl_matrix_set(M, i, 2, exact[i]);
        worst = GSL_MAX(worst, fabs(p_hat - exact[i]));
    }
    return worst;
}

/* The histogram against the PDF (Appendix A). */
static void figure_density(const char *dir, const gsl_matrix *hist, const gsl_matrix *pdf,
                           const config *cfg, double x_max, double peak);

static hist_check gamma_density(const config *cfg, gsl_rng *r, const char *dir)
{
    const double k = cfg->gamma_shape, theta = cfg->gamma_scale;
    /* bins cover [0, x_999], the point with 0.1% of the mass beyond it */
    const double top = gsl_cdf_gamma_Qinv(1e-3, k, theta);
    const size_t nb = (size_t)cfg->bins;

    gsl_histogram *h = gsl_histogram_alloc(nb);
    gsl_histogram_set_ranges_uniform(h, 0.0, top);
    for (long i = 0; i < cfg->samples; i++)
        gsl_histogram_increment(h, gsl_ran_gamma(r, k, theta));   /* outside: ignored */

    double *exact = malloc(nb * sizeof *exact);
    if (!exact)
        die("out of memory");
    for (size_t i = 0; i < nb; i++) {
        double lo, hi;
        gsl_histogram_get_range(h, i, &lo, &hi);
        exact[i] = (gsl_cdf_gamma_P(hi, k, theta) - gsl_cdf_gamma_P(lo, k, theta)) / (hi - lo);
    }
    hist_check c = {0};
    gsl_matrix *hist = gsl_matrix_alloc(nb, 3);
    c.max_err = hist_vs_exact(h, cfg->samples, exact, hist);
    c.in_range = gsl_histogram_sum(h) / (double)cfg->samples;

    /* the PDF on a fine grid, for the curve (and its peak) */
    const size_t G = 400;
    gsl_matrix *pdf = gsl_matrix_alloc(G, 2);
    for (size_t i = 0; i < G; i++) {
        double x = top * (double)(i + 1) / (double)G;     /* from x > 0: shape < 1 is infinite at 0 */
        double p = gsl_ran_gamma_pdf(x, k, theta);
        gsl_matrix_set(pdf, i, 0, x);
        gsl_matrix_set(pdf, i, 1, p);
        c.peak = GSL_MAX(c.peak, p);
    }

    printf("   Gamma(shape %g, scale %g): %ld samples in %zu bins of width %.4f\n",
           k, theta, cfg->samples, nb, top / (double)nb);
    printf("   peak of the density %.4g %s\n", c.peak,
           c.peak > 1 ? "(above 1: a density, not a probability)" : "");
    printf("   max |histogram - exact| over bins %.4g; fraction inside the bins %.4f\n",
           c.max_err, c.in_range);

    figure_density(dir, hist, pdf, cfg, top, c.peak);
    free(exact);
    gsl_matrix_free(hist);
    gsl_matrix_free(pdf);
    gsl_histogram_free(h);
    return c;
}

/* ----------------------------------------------------------------------------
 * 4. KL divergence: how far is q from p?
 *
 * The source text measures how well a model q approximates the data's p by
 *
 *     KL(p || q) = integral p(x) log( p(x) / q(x) ) dx          (in nats)
 *
 * It is >= 0, and 0 only when p = q. For two Gaussians p = N(m1, s1^2) and
 * q = N(m2, s2^2) the integral has a closed form:
 *
 *     KL(p || q) = log(s2 / s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
 *
 * We compute it both ways. The numerical route matters more: for the
 * distributions of real models no closed form exists.
 *
 * Numerically: GSL's qagi integrates over the whole real line by mapping it
 * onto (0, 1]. A narrow bump far from 0 (s1 = 0.01 at m1 = 50) would be a
 * spike that an adaptive rule can step over, so we first standardise:
 * x = m1 + s1 u turns p(x) dx into phi(u) du, with phi the N(0, 1) density,
 *
 *     KL(p || q) = integral phi(u) [ log p(m1 + s1 u) - log q(m1 + s1 u) ] du
 *
 * and the integrand is a unit-width bump at 0 for any flags. We compute
 * log p - log q directly from the formula of the log-density,
 *     log N(x; m, s^2) = -(x - m)^2 / (2 s^2) - log s - log(2 pi) / 2,
 * never as log(p / q) of two densities that could both underflow to 0.
 *
 * KL is NOT a distance: KL(q || p) is a different number. The source text
 * calls it a measure of how far apart the distributions are; that is fine,
 * but the direction matters. KL(p || q) weighs log(p/q) by p: it punishes q
 * for putting little mass where p has a lot. The die makes this stark.
 * Compare the loaded die with a fair one (1/6 each):
 *     KL(loaded || fair) = (2/6) log 2 = 0.231 nats, finite;
 *     KL(fair || loaded) = infinite: the fair die rolls 4s, which the loaded
 *     die calls impossible, and log(1/6 / 0) = infinity.
 * A model that gives zero probability to something the data does is
 * infinitely wrong in that direction; chapters 04-06 come back to this.
 *
 * The source text goes on to describe training as pushing KL(p_data ||
 * p_model) down. That is exactly maximum likelihood, and it is what a VAE
 * (chapter 04) works on through a bound. A GAN (chapter 05) is different:
 * with a perfect discriminator its generator minimises the Jensen-Shannon
 * divergence, a symmetrised cousin of KL (Goodfellow et al. 2014, Theorem 1),
 * not KL itself.
 * ------------------------------------------------------------------------- */
typedef struct gauss {
    double m, s;
} gauss;

static double log_normal_pdf(double x, gauss g)
{
    double u = (x - g.m) / g.s;
    return -0.5 * u * u - log(g.s) - 0.5 * log(2.0 * M_PI);
}

static double kl_closed_form(gauss p, gauss q)
{
    double dm = p.m - q.m;
    return log(q.s / p.s) + (p.s * p.s + dm * dm) / (2.0 * q.s * q.s) - 0.5;
}

typedef struct kl_pair {
    gauss p, q;
} kl_pair;

/* phi(u) [log p(x) - log q(x)] at x = m1 + s1 u: the standardised integrand */
static double kl_integrand(double u, void *ctx)
{
    const kl_pair *pq = ctx;
    double x = pq->p.m + pq->p.s * u;
    return gsl_ran_ugaussian_pdf(u) * (log_normal_pdf(x, pq->p) - log_normal_pdf(x, pq->q));
}

/* KL(p || q) by adaptive quadrature over the real line; *abserr is GSL's
 * estimate of the integration error. */
static double kl_numeric(gauss p, gauss q, gsl_integration_workspace *w, double *abserr)
{
    kl_pair pq = {p, q};
    gsl_function F = {kl_integrand, &pq};
    double result;
    /* ask GSL to return a status rather than abort, and say what failed */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int status = gsl_integration_qagi(&F, 1e-13, 1e-11, w->limit, w, &result, abserr);
    gsl_set_error_handler(old);
    if (status)
        die("KL integral did not converge: %s", gsl_strerror(status));
    return result;
}

typedef struct kl_result {
    double numeric, closed, err_est, reverse, reverse_closed;
} kl_result;

/* p, q and the two integrands (Appendix A). */
static void figure_kl(const char *dir, gauss p, gauss q, const kl_result *k);

static kl_result kl_gaussians(const config *cfg, const char *dir)
{
    gauss p = {cfg->m1, cfg->s1}, q = {cfg->m2, cfg->s2};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    kl_result k;
    double reverse_err;
    k.numeric = kl_numeric(p, q, w, &k.err_est);
    k.closed = kl_closed_form(p, q);
    k.reverse = kl_numeric(q, p, w, &reverse_err);
    k.reverse_closed = kl_closed_form(q, p);
    gsl_integration_workspace_free(w);

    printf("   p = N(%g, %g^2), q = N(%g, %g^2)   (nats)\n", p.m, p.s, q.m, q.s);
    printf("   %-12s %14s %14s %11s\n", "", "numeric", "closed form", "|diff|");
    printf("   %-12s %14.10f %14.10f %11.2e\n", "KL(p || q)", k.numeric, k.closed, fabs(k.numeric - k.closed));
    printf("   %-12s %14.10f %14.10f %11.2e\n", "KL(q || p)", k.reverse, k.reverse_closed,
           fabs(k.reverse - k.reverse_closed));
    printf("   the die: KL(loaded || fair) = %.6f, KL(fair || loaded) = infinite\n", (2.0 / 6) * log(2.0));
    figure_kl(dir, p, q, &k);
    return k;
}

/* ----------------------------------------------------------------------------
 * 5. x = G(z): a deterministic function makes a new distribution
 *
 * This is the idea every later chapter rests on (003 section 2.4). We can
 * sample z ~ N(0, 1) easily. Push each z through a FIXED function G:
 *
 *     x = G(z) = z + a tanh(b z)        (a = --g-amp 2, b = --g-steep 3)
 *
 * Nothing random happens inside G, yet x is random because z is, and its
 * distribution is not Gaussian at all. G is increasing (G'(z) = 1 +
 * a b sech^2(b z) > 0), steep near z = 0 and of slope 1 far away: it
 * stretches the crowded middle of the bell apart and shifts the two halves
 * to about -a and +a. One bump in, TWO bumps out.
 *
 * For a monotone G we can even write the new density exactly, by the change
 * of variables: the mass in [z, z + dz] lands in [x, x + G'(z) dz], so
 *
 *     p_x(x) = p_z(z) / G'(z),    z = G^{-1}(x).
 *
 * G^{-1} has no formula; we solve G(z) - x = 0 with Brent's method
 * (gsl_root_fsolver_brent), which needs a bracket. Since |G(z) - z| < a, the
 * root lies in (x - a, x + a), so [x - a - 1, x + a + 1] always brackets it.
 * Bin masses are exact too: P(lo < x < hi) = Phi(G^{-1}(hi)) - Phi(G^{-1}(lo)).
 *
 * THIS IS WHAT A GENERATOR NETWORK IS. A GAN's generator (chapter 05) is a
 * function G_theta with many parameters instead of two, fed with noise z, and
 * its samples G_theta(z) follow a distribution the network never writes down
 * -- it exists only as the histogram of its outputs. Here we chose G by hand;
 * chapter 05 LEARNS a G like this one from samples of the data alone. (A
 * generator network is in general not invertible, so p_x has no
 * change-of-variables formula there: that is why GANs judge samples with a
 * discriminator instead of evaluating a density. Models that keep G
 * invertible on purpose, to keep this formula, are called normalising flows.)
 *
 * In two dimensions, G(z) = z/10 + z/|z| maps a round Gaussian cloud onto a
 * ring of radius about 1: every direction keeps its angle, every radius is
 * pushed out to 1 + |z|/10. Data on a ring is exactly the kind of shape a
 * simple parametric density cannot describe but a generator produces easily.
 * ------------------------------------------------------------------------- */
typedef struct generator1d {
    double a, b;         /* G(z) = z + a tanh(b z) */
} generator1d;

static double gen_G(double z, const generator1d *G)
{
    return z + G->a * tanh(G->b * z);
}

static double gen_dG(double z, const generator1d *G)
{
    double sech = 1.0 / cosh(G->b * z);
    return 1.0 + G->a * G->b * sech * sech;          /* > 0: G is increasing */
}

typedef struct gen_target {
    const generator1d *G;
    double x;
} gen_target;

static double gen_residual(double z, void *ctx)
{
    const gen_target *t = ctx;
    return gen_G(z, t->G) - t->x;
}

/* z = G^{-1}(x) by Brent's method on the bracket [x - a - 1, x + a + 1]. */
static double gen_inverse(const generator1d *G, double x, gsl_root_fsolver *solver)
{
    gen_target t = {G, x};
    gsl_function F = {gen_residual, &t};
    double lo = x - G->a - 1.0, hi = x + G->a + 1.0, z = x;
    gsl_root_fsolver_set(solver, &F, lo, hi);
    for (int it = 0; it < 200; it++) {
        gsl_root_fsolver_iterate(solver);
        z = gsl_root_fsolver_root(solver);
        lo = gsl_root_fsolver_x_lower(solver);
        hi = gsl_root_fsolver_x_upper(solver);
        if (gsl_root_test_interval(lo, hi, 1e-14, 1e-13) == GSL_SUCCESS)
            break;
    }
    return z;
}

/* p_x(x) = phi(z) / G'(z) with z = G^{-1}(x) */
static double gen_density(const generator1d *G, double x, gsl_root_fsolver *solver)
{
    double z = gen_inverse(G, x, solver);
    return gsl_ran_ugaussian_pdf(z) / gen_dG(z, G);
}

typedef struct gen_result {
    double max_err;      /* max over bins |histogram - exact bin density|    */
    int modes;           /* local maxima of the exact density                */
    double ring_radius;  /* mean |G(z)| of the 2D ring                       */
} gen_result;

/* G itself, the histogram of G(z) against p_x, and the ring (Appendix A). */
static void figure_generator(const char *dir, const generator1d *G, const gsl_matrix *hist,
                             const gsl_matrix *pdf, const gsl_matrix *ring, double bin_w,
                             long samples, double ring_radius);

static gen_result generator(const config *cfg, gsl_rng *r, const char *dir)
{
    const generator1d G = {cfg->g_amp, cfg->g_steep};
    const size_t nb = (size_t)cfg->bins;
    const double half = G.a + 4.5;                   /* |z| < 4.5 holds 99.9993% */
    gsl_root_fsolver *solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    gen_result res = {0};

    /* the samples: z ~ N(0, 1), x = G(z), into a histogram */
    gsl_histogram *h = gsl_histogram_alloc(nb);
    gsl_histogram_set_ranges_uniform(h, -half, half);
    for (long i = 0; i < cfg->samples; i++)
        gsl_histogram_increment(h, gen_G(gsl_ran_gaussian_ziggurat(r, 1.0), &G));

    /* the exact mass of each bin, through G^{-1} and the normal CDF */
    double *exact = malloc(nb * sizeof *exact);
    if (!exact)
        die("out of memory");
    double z_lo = gen_inverse(&G, -half, solver);
    for (size_t i = 0; i < nb; i++) {
        double lo, hi;
        gsl_histogram_get_range(h, i, &lo, &hi);
        double z_hi = gen_inverse(&G, hi, solver);
        exact[i] = (gsl_cdf_ugaussian_P(z_hi) - gsl_cdf_ugaussian_P(z_lo)) / (hi - lo);
        z_lo = z_hi;
    }
    gsl_matrix *hist = gsl_matrix_alloc(nb, 3);
    res.max_err = hist_vs_exact(h, cfg->samples, exact, hist);

    /* exact p_x and p_z on a fine grid; count the bumps of p_x */
    const size_t NG = 801;
    gsl_matrix *M = gsl_matrix_alloc(NG, 3);
    for (size_t i = 0; i < NG; i++) {
        double x = -half + 2.0 * half * (double)i / (double)(NG - 1);
        gsl_matrix_set(M, i, 0, x);
        gsl_matrix_set(M, i, 1, gen_density(&G, x, solver));
        gsl_matrix_set(M, i, 2, gsl_ran_ugaussian_pdf(x));
    }
    for (size_t i = 1; i + 1 < NG; i++) {
        double c = gsl_matrix_get(M, i, 1);
        if (c > gsl_matrix_get(M, i - 1, 1) && c >= gsl_matrix_get(M, i + 1, 1))
            res.modes++;
    }

    /* 2D: a Gaussian cloud onto a ring, G(z) = z/10 + z/|z| */
    const size_t N2 = 2000;
    gsl_matrix *ring = gsl_matrix_alloc(N2, 4);      /* z1 z2 x1 x2 */
    for (size_t i = 0; i < N2; i++) {
        double z1 = gsl_ran_gaussian_ziggurat(r, 1.0), z2 = gsl_ran_gaussian_ziggurat(r, 1.0);
        double norm = hypot(z1, z2);                 /* > 0 with probability 1 */
        double x1 = z1 / 10.0 + z1 / norm, x2 = z2 / 10.0 + z2 / norm;
        gsl_matrix_set(ring, i, 0, z1);
        gsl_matrix_set(ring, i, 1, z2);
        gsl_matrix_set(ring, i, 2, x1);
        gsl_matrix_set(ring, i, 3, x2);
        res.ring_radius += hypot(x1, x2) / (double)N2;
    }

    printf("   G(z) = z + %g tanh(%g z), %ld samples of z ~ N(0, 1)\n", G.a, G.b, cfg->samples);
    printf("   the exact density of x = G(z) has %d bump%s\n", res.modes, res.modes == 1 ? "" : "s");
    printf("   max |histogram - exact (change of variables)| over bins %.4f\n", res.max_err);
    printf("   2D ring G(z) = z/10 + z/|z|: mean radius %.4f (exact 1 + sqrt(pi/2)/10 = %.4f)\n",
           res.ring_radius, 1.0 + sqrt(M_PI / 2.0) / 10.0);

    figure_generator(dir, &G, hist, M, ring, 2.0 * half / (double)nb, cfg->samples,
                     res.ring_radius);
    gsl_matrix_free(hist);
    gsl_matrix_free(M);
    gsl_matrix_free(ring);
    free(exact);
    gsl_histogram_free(h);
    gsl_root_fsolver_free(solver);
    return res;
}

/* ----------------------------------------------------------------------------
 * Appendix A. What the figures need
 *
 * One writer per figure script in chapters/00-probability/figures/: the data
 * files it plots (common/output.h) and the numbers of this run it puts in
 * titles, ranges and reference lines (values.gp, common/figure.h). Data that
 * only a picture needs (the curves of p and q, the graph of G) is computed
 * here; everything the sections measured arrives ready.
 * ------------------------------------------------------------------------- */

/* pmf.gp: one group of bars per face, one bar per N of the table */
static void figure_pmf(const char *dir, const gsl_matrix *freq, const long *sizes, size_t k)
{
    out_write_matrix(dir, "pmf.dat", "face true_pmf then count/N for each N of the legend", freq);
    fig_use("pmf");
    fig_value("pmf_n", (double)k);
    for (size_t j = 0; j < k; j++) {
        char name[32];
        snprintf(name, sizeof name, "pmf_rolls_%zu", j + 1);
        fig_value(name, (double)sizes[j]);
    }
}

/* lln.gp: every run in grey, their mean, c/sqrt(N) */
static void figure_lln(const char *dir, const gsl_matrix *runs, const gsl_matrix *mean,
                       long reps, const lln_result *res)
{
    out_write_matrix(dir, "lln_runs.dat", "N then max |count/N - P| of each independent run", runs);
    out_write_matrix(dir, "lln.dat", "N mean_max_err reference_c_over_sqrtN", mean);
    fig_use("lln");
    fig_value("lln_reps", (double)reps);
    fig_value("lln_slope", res->slope);
    fig_value("lln_anchor", res->anchor);
}

/* density.gp: the histogram against the PDF */
static void figure_density(const char *dir, const gsl_matrix *hist, const gsl_matrix *pdf,
                           const config *cfg, double x_max, double peak)
{
    out_write_matrix(dir, "density_hist.dat", "bin_centre histogram_density exact_mean_density_over_bin",
                     hist);
    out_write_matrix(dir, "density_pdf.dat", "x gamma_pdf(x)", pdf);
    fig_use("density");
    fig_value("density_x_max", x_max);
    fig_value("density_bin_w", x_max / (double)cfg->bins);
    fig_value("density_samples", (double)cfg->samples);
    fig_value("gamma_shape", cfg->gamma_shape);
    fig_value("gamma_scale", cfg->gamma_scale);
    fig_value("density_peak", peak);
}

/* kl.gp: p, q and both integrands p log(p/q), q log(q/p) on a grid covering both */
static void figure_kl(const char *dir, gauss p, gauss q, const kl_result *k)
{
    double lo = GSL_MIN(p.m - 4 * p.s, q.m - 4 * q.s), hi = GSL_MAX(p.m + 4 * p.s, q.m + 4 * q.s);
    const size_t G = 500;
    gsl_matrix *M = gsl_matrix_alloc(G, 5);
    for (size_t i = 0; i < G; i++) {
        double x = lo + (hi - lo) * (double)i / (double)(G - 1);
        double lp = log_normal_pdf(x, p), lq = log_normal_pdf(x, q);
        gsl_matrix_set(M, i, 0, x);
        gsl_matrix_set(M, i, 1, exp(lp));
        gsl_matrix_set(M, i, 2, exp(lq));
        gsl_matrix_set(M, i, 3, exp(lp) * (lp - lq));
        gsl_matrix_set(M, i, 4, exp(lq) * (lq - lp));
    }
    out_write_matrix(dir, "kl.dat", "x p(x) q(x) p*log(p/q) q*log(q/p)", M);
    gsl_matrix_free(M);
    fig_use("kl");
    fig_value("kl_numeric", k->numeric);
    fig_value("kl_closed_form", k->closed);
    fig_value("kl_reverse", k->reverse);
    fig_value("kl_x_min", lo);
    fig_value("kl_x_max", hi);
    fig_value("kl_p_mean", p.m);
    fig_value("kl_p_sd", p.s);
    fig_value("kl_q_mean", q.m);
    fig_value("kl_q_sd", q.s);
}

/* generator.gp: G itself (left), the histogram of G(z) against the exact p_x
 * (right); generator_2d.gp: the Gaussian cloud and the ring */
static void figure_generator(const char *dir, const generator1d *G, const gsl_matrix *hist,
                             const gsl_matrix *pdf, const gsl_matrix *ring, double bin_w,
                             long samples, double ring_radius)
{
    double top = gsl_ran_ugaussian_pdf(0.0);          /* highest curve, for the y range */
    for (size_t i = 0; i < pdf->size1; i++)
        top = GSL_MAX(top, gsl_matrix_get(pdf, i, 1));

    const size_t NZ = 301;
    gsl_matrix *curve = gsl_matrix_alloc(NZ, 2);
    for (size_t i = 0; i < NZ; i++) {
        double z = -3.5 + 7.0 * (double)i / (double)(NZ - 1);
        gsl_matrix_set(curve, i, 0, z);
        gsl_matrix_set(curve, i, 1, gen_G(z, G));
    }
    out_write_matrix(dir, "generator_map.dat", "z G(z)", curve);
    gsl_matrix_free(curve);
    out_write_matrix(dir, "generator_hist.dat", "bin_centre histogram_density exact_mean_density_over_bin",
                     hist);
    out_write_matrix(dir, "generator_pdf.dat", "x exact_density_of_G(z) standard_normal_density", pdf);
    out_write_matrix(dir, "generator_2d.dat", "z1 z2 G(z)_1 G(z)_2", ring);

    fig_use("generator");
    fig_value("gen_amp", G->a);
    fig_value("gen_steep", G->b);
    fig_value("gen_pdf_top", top);
    fig_value("gen_bin_w", bin_w);
    fig_value("gen_samples", (double)samples);
    fig_use("generator_2d");
    fig_value("ring_points", (double)ring->size1);
    fig_value("ring_radius_mean", ring_radius);
}

/* ----------------------------------------------------------------------------
 * Appendix B. The results
 *
 * The numbers that say whether each section came out as the mathematics
 * predicts, in the results block and metrics.txt (session_finish prints and
 * writes them). tests/goals/00-probability.goals checks them for several
 * seeds.
 * ------------------------------------------------------------------------- */
static void record_results(metrics *m, double pmf_err, const lln_result *lln,
                           const hist_check *dens, const kl_result *kl, const gen_result *gen)
{
    metrics_set(m, "pmf_max_err", pmf_err);
    metrics_set(m, "lln_slope", lln->slope);
    metrics_set(m, "lln_anchor", lln->anchor);
    metrics_set(m, "lln_err_first", lln->err_first);
    metrics_set(m, "lln_err_last", lln->err_last);
    metrics_set(m, "density_hist_max_err", dens->max_err);
    metrics_set(m, "density_peak", dens->peak);
    metrics_set(m, "kl_numeric", kl->numeric);
    metrics_set(m, "kl_closed_form", kl->closed);
    metrics_set(m, "kl_abs_diff", fabs(kl->numeric - kl->closed));
    metrics_set(m, "kl_reverse", kl->reverse);
    metrics_set(m, "kl_reverse_closed_form", kl->reverse_closed);
    metrics_set(m, "kl_reverse_abs_diff", fabs(kl->reverse - kl->reverse_closed));
    metrics_set(m, "kl_die_loaded_fair", (2.0 / 6) * log(2.0));
    metrics_set(m, "gen_hist_max_err", gen->max_err);
    metrics_set(m, "gen_modes", gen->modes);
    metrics_set(m, "ring_radius_mean", gen->ring_radius);
}

/* ----------------------------------------------------------------------------
 * Appendix C. The flags
 *
 * The knobs a student may turn, their defaults, and what --quick changes
 * (a run of a second or so, for the golden test). common/session reads them
 * with the common flags (--seed, --out, --quick, --quiet).
 * ------------------------------------------------------------------------- */

/* The recipe: the defaults a run changes by itself. --quick takes fewer
 * rolls, runs and samples, and shortens only what the user left alone. */
static void recipe(config *cfg, const cli *c)
{
    if (!c->quick)
        return;
    if (!cli_given(c, "rolls"))   cfg->rolls = 10000;
    if (!cli_given(c, "lln-max")) cfg->lln_max = 10000;
    if (!cli_given(c, "reps"))    cfg->reps = 8;
    if (!cli_given(c, "samples")) cfg->samples = 20000;
}

/* Start the run (common/session.h): the defaults, the flags, --out, the
 * seed; SESSION_PLAIN, as this chapter trains nothing to save or load. */
static void start(session *S, config *cfg, int argc, char **argv)
{
    *cfg = (config){.rolls = 100000, .lln_max = 1000000, .reps = 20, .samples = 200000,
                                .bins = 60, .gamma_shape = 2.0, .gamma_scale = 0.25,
                                .m1 = 0.0, .s1 = 1.0, .m2 = 1.0, .s2 = 2.0,
                                .g_amp = 2.0, .g_steep = 3.0};
    cli_option options[] = {
        {"rolls", CLI_INT, &cfg->rolls, "die rolls for the PMF table (its largest N)", 1, 1e8, NULL, 0},
        {"lln-max", CLI_INT, &cfg->lln_max, "largest N of the law-of-large-numbers curve", 100, 1e8, NULL, 0},
        {"reps", CLI_INT, &cfg->reps, "independent runs averaged on that curve", 1, 1000, NULL, 0},
        {"samples", CLI_INT, &cfg->samples, "samples per histogram (sections 3 and 5)", 100, 1e8, NULL, 0},
        {"bins", CLI_INT, &cfg->bins, "histogram bins (sections 3 and 5)", 2, 10000, NULL, 0},
        {"gamma-shape", CLI_REAL, &cfg->gamma_shape, "shape k of the Gamma density", 0.2, 100, NULL, 0},
        {"gamma-scale", CLI_REAL, &cfg->gamma_scale, "scale theta of the Gamma density", 1e-3, 1e3, NULL, 0},
        {"m1", CLI_REAL, &cfg->m1, "mean of p = N(m1, s1^2)", -100, 100, NULL, 0},
        {"s1", CLI_REAL, &cfg->s1, "standard deviation of p (> 0)", 1e-3, 100, NULL, 0},
        {"m2", CLI_REAL, &cfg->m2, "mean of q = N(m2, s2^2)", -100, 100, NULL, 0},
        {"s2", CLI_REAL, &cfg->s2, "standard deviation of q (> 0)", 1e-3, 100, NULL, 0},
        {"g-amp", CLI_REAL, &cfg->g_amp, "a in G(z) = z + a tanh(b z)", 0, 10, NULL, 0},
        {"g-steep", CLI_REAL, &cfg->g_steep, "b in G(z) = z + a tanh(b z)", 0.01, 100, NULL, 0},
    };
    session_start(S, "00-probability", "PMF, law of large numbers, PDF, KL divergence, x = G(z)", 42,
                  options, sizeof options / sizeof options[0], SESSION_PLAIN, argc, argv);
    recipe(cfg, &S->cli);
}

#ifndef GENLAB_TESTING
/* ----------------------------------------------------------------------------
 * main: the chapter in order
 * ------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    session S;
    config cfg;
    start(&S, &cfg, argc, argv);         /* the flags (Appendix C), --out, the seed */
    const char *out = S.cli.out;
    double t0 = now_seconds();

    printf("00-probability: seed %ld%s\n", S.cli.seed, S.cli.quick ? " (quick)" : "");

    printf("\n== 1. A loaded die: P = (1/6, 1/6, 1/6, 0, 1/6, 2/6), counted frequencies\n");
    gsl_ran_discrete_t *die = gsl_ran_discrete_preproc(FACES, DIE_PMF);
    double pmf_err = pmf_table(&cfg, S.rng, die, out);

    printf("\n== 2. The law of large numbers\n");
    lln_result lln = law_of_large_numbers(&cfg, S.rng, die, out);
    gsl_ran_discrete_free(die);

    printf("\n== 3. A continuous density: histogram against the PDF\n");
    hist_check dens = gamma_density(&cfg, S.rng, out);

    printf("\n== 4. KL divergence between two Gaussians\n");
    kl_result kl = kl_gaussians(&cfg, out);

    printf("\n== 5. x = G(z): a fixed function turns N(0, 1) into a new distribution\n");
    gen_result gen = generator(&cfg, S.rng, out);

    record_results(&S.m, pmf_err, &lln, &dens, &kl, &gen);   /* Appendix B */
    session_finish(&S);                  /* results, metrics.txt, the figures */
    note("%.2f s, outputs in %s", now_seconds() - t0, out);
    return 0;
}
#endif
