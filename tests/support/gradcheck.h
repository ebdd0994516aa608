/* Test support for the numeric kernels: deterministic random tensors, comparisons against
 * double references, and finite-difference gradient checks in double.
 *
 * Header-only (static inline) so that a suite includes it without a change to the support
 * library, and an unused helper costs no warning.
 *
 * Gradient checks. For fixed random g, L(inputs) = sum y . g is computed IN DOUBLE on a
 * double reference forward, and dL/dv by central differences with step h. The float
 * backward, given dy = g, must match. With h ~ 1e-5 the numeric side is good to ~1e-10: the
 * truncation error is ~h^2 times a third derivative of order 1, the rounding error
 * ~1e-16 |L| / h. The float side carries a few float roundings per term (~1e-7 relative to
 * the largest gradient). Errors are measured relative to the largest |value| of the tensor,
 * so that components that happen to be near zero are not judged by their own tiny size. */
#ifndef CS_TEST_GRADCHECK_H
#define CS_TEST_GRADCHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

/* y = f(inputs) in double; in[i] may be NULL for an absent input (a bias); shape is the
 * reference's own parameter block. */
typedef void (*cs_test_ref_fn)(double *y, double *const *in, const void *shape);

static inline uint64_t cs_test_next(uint64_t *state) /* splitmix64 */
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Zeroed arrays (never NULL: at least one element); abort the test when memory runs out. */
static inline float *cs_test_falloc(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

static inline double *cs_test_dalloc(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Uniform in [lo, hi) on a 2^-24 grid, stream `seed`. */
static inline float *cs_test_floats(size_t n, uint64_t seed, float lo, float hi)
{
    float *a = cs_test_falloc(n);
    for (size_t i = 0; i < n; i++)
        a[i] = lo + (hi - lo) * (float)(cs_test_next(&seed) >> 40) * 0x1p-24f;
    return a;
}

/* A random permutation of (i - n/2) / 64: distinct values 1/64 apart, so that no max-pool
 * window has a tie and a finite-difference step below 1/128 cannot change an argmax. */
static inline float *cs_test_distinct(size_t n, uint64_t seed)
{
    float *a = cs_test_falloc(n);
    for (size_t i = 0; i < n; i++)
        a[i] = ((float)i - (float)(n / 2)) / 64.0f;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(cs_test_next(&seed) % i);
        float t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
    return a;
}

static inline double *cs_test_to_double(const float *a, size_t n)
{
    double *d = cs_test_dalloc(n);
    for (size_t i = 0; i < n; i++)
        d[i] = a[i];
    return d;
}

/* Fail unless max |a - ref| <= tol * max |ref| (tol absolute where ref is all zero). */
static inline void cs_test_check_close(const char *what, const float *a, const double *ref,
                                       size_t n, double tol)
{
    double scale = 0.0, worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(ref[i]));
    if (scale == 0.0)
        scale = 1.0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - ref[i]) / scale;
        if (!(e <= worst)) { /* a NaN is the worst error of all */
            worst = e;
            at = i;
        }
    }
    ck_assert_msg(worst <= tol, "%s[%zu] = %.9g, expected %.9g (error %.2e of max %.3g > %.1e)",
                  what, at, (double)a[at], ref[at], worst, scale, tol);
}

/* Compare grad[k] (the float backward given dy = g) with dL/d in[k], L = sum f(in) . g, by
 * central differences with step h, for every k whose grad is non-NULL. in[k] is perturbed
 * in place and restored. */
static inline void cs_test_check_grads(const char *what, cs_test_ref_fn f, const void *shape,
                                       double *const *in, const size_t *len,
                                       float *const *grad, int nin, const double *g, size_t ny,
                                       double h, double tol)
{
    double *y = cs_test_dalloc(ny);
    for (int k = 0; k < nin; k++) {
        if (grad[k] == NULL)
            continue;
        double *num = cs_test_dalloc(len[k]);
        for (size_t i = 0; i < len[k]; i++) {
            const double v = in[k][i];
            double side[2];
            for (int s = 0; s < 2; s++) {
                in[k][i] = s == 0 ? v + h : v - h;
                f(y, in, shape);
                side[s] = 0.0;
                for (size_t j = 0; j < ny; j++)
                    side[s] += y[j] * g[j];
            }
            in[k][i] = v;
            num[i] = (side[0] - side[1]) / (2 * h);
        }
        char name[96];
        snprintf(name, sizeof name, "%s: d(input %d)", what, k);
        cs_test_check_close(name, grad[k], num, len[k], tol);
        free(num);
    }
    free(y);
}

#endif
