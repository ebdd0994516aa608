/* The share of label noise's damage to a class that its lost volume explains, from the clean,
 * matched-control and noisy accuracies of the same seeds, with a paired percentile bootstrap
 * (docs/analysis.md, "Noise x volume"). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/analysis.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"

/* Counter words of the bootstrap stream: independent of the other analyses' streams. */
#define PURPOSE_BOOT_SHARE 0x45524853u /* "SHRE" */

static int check_options(cs_volume_share_options *o, const cs_volume_share_options *given)
{
    static const char what[] = "cs_volume_share options";
    const cs_volume_share_options defaults = CS_VOLUME_SHARE_OPTIONS_INIT;
    *o = defaults;
    if (given) {
        int status = cs__options_copy(o, sizeof *o, given, offsetof(cs_volume_share_options, min_damage) +
                                      sizeof(double), what);
        if (status != CS_OK)
            return status;
        o->struct_size = sizeof *o;
    }
    if (!(o->confidence > 0.0 && o->confidence < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: confidence is %g, expected a value in (0, 1)", what,
                         o->confidence);
    if (o->bootstrap_resamples < 100)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: bootstrap_resamples is %d, expected at least 100", what,
                         o->bootstrap_resamples);
    if (!(o->min_damage >= 0.0 && o->min_damage <= 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: min_damage is %g, expected a value in [0, 1]", what,
                         o->min_damage);
    return CS_OK;
}

int cs_volume_share_options_init(cs_volume_share_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_volume_share_options_init: opts is NULL");
    static const cs_volume_share_options defaults = CS_VOLUME_SHARE_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

static int cmp_double(const void *p, const void *q)
{
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n), linear between order statistics (NumPy's default). */
static double quantile(const double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return v[n - 1];
    double frac = h - (double)i;
    return frac == 0.0 || v[i + 1] == v[i] ? v[i] : v[i] + frac * (v[i + 1] - v[i]);
}

int cs_volume_share(double *share, double *lo, double *hi, const double *clean, const double *matched,
                    const double *noisy, int seeds, const cs_volume_share_options *opts)
{
    static const char fn[] = "cs_volume_share";
    if (!clean || !matched || !noisy)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                         !clean ? "clean" : !matched ? "matched" : "noisy");
    if (seeds < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: seeds is %d, expected at least 1", fn, seeds);
    const double *cols[3] = { clean, matched, noisy };
    static const char *const names[3] = { "clean", "matched", "noisy" };
    for (int v = 0; v < 3; v++)
        for (int s = 0; s < seeds; s++)
            if (!(cols[v][s] >= 0.0 && cols[v][s] <= 1.0))
                return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s[%d] is %g, expected an accuracy in [0, 1]", fn,
                                 names[v], s, cols[v][s]);
    cs_volume_share_options o;
    int status = check_options(&o, opts);
    if (status != CS_OK)
        return status;
    double c = 0.0, m = 0.0, n = 0.0;
    for (int s = 0; s < seeds; s++) {
        c += clean[s];
        m += matched[s];
        n += noisy[s];
    }
    c /= seeds;
    m /= seeds;
    n /= seeds;
    if (!(c - n >= o.min_damage)) {
        if (share)
            *share = NAN;
        if (lo)
            *lo = NAN;
        if (hi)
            *hi = NAN;
        return cs__error(CS_ERR_STATE, "%s: undefined: the noise lowers the accuracy by %.6g (clean %.6g, noisy "
                         "%.6g), less than min_damage %.6g, so there is no damage to share out", fn, c - n, c, n,
                         o.min_damage);
    }
    double l = NAN, h = NAN;
    if (seeds >= 2) {
        const size_t b = (size_t)o.bootstrap_resamples, ns = (size_t)seeds;
        double *work = malloc(b * sizeof *work);
        if (!work)
            return cs__error_oom("volume share bootstrap", b * sizeof *work);
        cs__rng rng;
        cs__rng_init(&rng, o.seed, PURPOSE_BOOT_SHARE);
        size_t kept = 0;
        for (size_t j = 0; j < b; j++) {
            double cj = 0.0, mj = 0.0, nj = 0.0;
            for (size_t s = 0; s < ns; s++) {
                size_t i = (size_t)cs__rng_below(&rng, ns);
                cj += clean[i];
                mj += matched[i];
                nj += noisy[i];
            }
            /* The sums over the same S draws: their ratio is that of the means. */
            if (cj - nj >= o.min_damage * (double)ns)
                work[kept++] = (cj - mj) / (cj - nj);
        }
        if (kept > 0 && (double)(b - kept) <= (1.0 - o.confidence) * (double)b) {
            qsort(work, kept, sizeof *work, cmp_double);
            l = quantile(work, kept, 0.5 * (1.0 - o.confidence));
            h = quantile(work, kept, 0.5 * (1.0 + o.confidence));
        }
        free(work);
    }
    if (share)
        *share = (c - m) / (c - n);
    if (lo)
        *lo = l;
    if (hi)
        *hi = h;
    return CS_OK;
}
