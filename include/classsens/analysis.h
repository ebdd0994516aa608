/**
 * @file classsens/analysis.h
 * @brief Statistics over replicates and models: seed-averaged confusion matrices with
 *        confidence intervals, weakest-class rankings, and cross-model agreement.
 *
 * The reference study repeats every experiment over several seeds. This header turns those
 * replicates into numbers with honest uncertainty:
 * - cs_confusion_average(): mean and standard deviation of the counts (counts are averaged
 *   first, normalised after), per-class accuracy (recall) with a confidence interval;
 * - cs_rank_weakest(): classes ranked by accuracy or by sensitivity (accuracy drop from a
 *   baseline), each score with its interval;
 * - cs_agreement_compute(): whether several models rank the classes alike (Kendall's W with
 *   its p-value, pairwise Spearman ρ and Kendall τ-b, top-k Jaccard overlap);
 * - cs_learning_curve_fit(): a class's learning curve, acc(n) = a − b·n^(−c), with bootstrap
 *   intervals over seeds, and from it the accuracy at another count
 *   (cs_learning_curve_predict()) and the count that reaches a target accuracy
 *   (cs_learning_curve_needed()).
 */
#ifndef CLASSSENS_ANALYSIS_H
#define CLASSSENS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/common.h>
#include <classsens/confusion.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief How confidence intervals over replicates are computed.
 *
 * Accuracies are proportions: ::CS_INTERVAL_WILSON (the default) and ::CS_INTERVAL_BOOTSTRAP
 * always stay in [0, 1]; ::CS_INTERVAL_T does not (three seeds, one of them collapsed, gave
 * [−35.3 %, 133.7 %]) and is kept for comparison with earlier reports. docs/analysis.md,
 * "Intervals over replicates", says why the default was chosen.
 */
typedef enum cs_interval {
    /** Student t: mean ± t(1−(1−c)/2, r−1) · s / √r over the r replicate values. Not
     *  bounded: it can leave [0, 1]. The default up to release 1.0.0. */
    CS_INTERVAL_T = 0,
    /** Percentile bootstrap: resample the r replicates with replacement B times, take the
     *  (1−c)/2 and (1+c)/2 quantiles of the resampled means (linear interpolation). Within
     *  the range of the replicate values; it ignores the test set's size and, with few
     *  replicates, covers less often than promised. */
    CS_INTERVAL_BOOTSTRAP = 1,
    /** Wilson score interval with an effective sample size (the default): for the mean p̂
     *  of r replicate proportions on n test records, v = s²/r + p̂(1−p̂)/n adds the test
     *  set's binomial variance to the spread over seeds (s their sample deviation),
     *  m = p̂(1−p̂)/v (m = n when v = 0), q = t(1−(1−c)/2, ν) with the Welch–Satterthwaite
     *  ν = v² (r−1) / (s²/r)² (∞ when s = 0), and the bounds are the roots π of
     *  (p̂ − π)² = q² π(1−π)/m: (p̂ + q²/2m ± q √(v + q²/4m²)) / (1 + q²/m). Always in
     *  [0, 1] and containing p̂; identical replicates give the Wilson interval of the test set
     *  alone. n is the harmonic mean of the replicates' totals (the total itself on one
     *  test set). */
    CS_INTERVAL_WILSON = 2
} cs_interval;

/** @brief Options of cs_confusion_average(). Initialise with ::CS_AVERAGE_OPTIONS_INIT. */
typedef struct cs_average_options {
    size_t struct_size;       /**< sizeof(cs_average_options). */
    double confidence;        /**< Interval coverage in (0, 1); default 0.95. */
    cs_interval interval;     /**< ::CS_INTERVAL_WILSON (default), ::CS_INTERVAL_BOOTSTRAP or
                                   ::CS_INTERVAL_T. */
    int bootstrap_resamples;  /**< B for the bootstrap, >= 100; default 2000. */
    uint64_t seed;            /**< Seed of the bootstrap resampling; default 0. */
} cs_average_options;

/** @brief Defaults: 95 % Wilson score intervals with an effective sample size. */
#define CS_AVERAGE_OPTIONS_INIT { sizeof(cs_average_options), 0.95, CS_INTERVAL_WILSON, 2000, 0u }

/**
 * @brief Fill @p opts with exactly what ::CS_AVERAGE_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_average_options_init(cs_average_options *opts);

/** @brief Opaque summary of replicate confusion matrices of one (model, condition). */
typedef struct cs_confusion_stats cs_confusion_stats;

/**
 * @brief Average r replicate confusion matrices.
 *
 * The mean matrix is the cell-wise mean of the counts; its normalisations are taken after
 * averaging. Per-class accuracy is the recall of each replicate, summarised by its mean and
 * an interval; with one replicate the interval is NaN (no spread can be estimated).
 * With integer counts, a mean whose replicates share their totals is computed from integer
 * sums, Σ correct / Σ total, so equal proportions give equal doubles (exact ties).
 * When every replicate has the same class totals (one test set), the mean of the replicate
 * recalls equals the recall of the mean matrix.
 *
 * @param[out] out  The summary; NULL on failure. Owned: free with cs_confusion_stats_destroy().
 * @param cms       r matrices with the same K.
 * @param r         Number of replicates, >= 1.
 * @param opts      Options, or NULL for ::CS_AVERAGE_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL entries, r = 0, confidence outside (0, 1),
 *         fewer than 100 resamples); ::CS_ERR_SIZE_MISMATCH when the matrices' K differ
 *         (the message names the first that differs); ::CS_ERR_UNSUPPORTED for a newer
 *         options struct; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_confusion_average(cs_confusion_stats **out, const cs_confusion *const *cms, size_t r,
                                const cs_average_options *opts);

/** @brief Free a summary. @param s The summary; NULL is accepted. */
CS_API void cs_confusion_stats_destroy(cs_confusion_stats *s);

/**
 * @brief Number of replicates r.
 * @param s The summary.
 * @return r; 0 when @p s is NULL.
 */
CS_API size_t cs_confusion_stats_replicates(const cs_confusion_stats *s);

/**
 * @brief The mean matrix (cell-wise mean of the replicate counts).
 * @param s The summary.
 * @return A matrix borrowed from @p s (valid while it lives); NULL when @p s is NULL.
 */
CS_API const cs_confusion *cs_confusion_stats_mean(const cs_confusion_stats *s);

/**
 * @brief Cell-wise sample standard deviation of the counts (r − 1 in the denominator).
 * @param[out] out k×k values, row-major [true][pred]; NaN when r = 1.
 * @param k        Must equal the matrices' K.
 * @param s        The summary.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_confusion_stats_sd(double *out, int k, const cs_confusion_stats *s);

/**
 * @brief Per-class accuracy (recall) over the replicates: mean and interval bounds.
 * @param[out] mean k means (or NULL).
 * @param[out] lo   k lower bounds (or NULL); NaN when r = 1 or a class is absent.
 * @param[out] hi   k upper bounds (or NULL).
 * @param k         Must equal the matrices' K.
 * @param s         The summary.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_confusion_stats_class_accuracy(double *mean, double *lo, double *hi,
                                             int k, const cs_confusion_stats *s);

/**
 * @brief Overall accuracy over the replicates: mean and interval bounds.
 * @param[out] mean Mean accuracy (or NULL).
 * @param[out] lo   Lower bound (or NULL); NaN when r = 1.
 * @param[out] hi   Upper bound (or NULL).
 * @param s         The summary.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_confusion_stats_accuracy(double *mean, double *lo, double *hi,
                                       const cs_confusion_stats *s);

/** @brief One class's score in a ranking. */
typedef struct cs_class_score {
    int cls;        /**< Class index. */
    double score;   /**< Accuracy (by accuracy) or accuracy drop from the baseline (by sensitivity). */
    double lo;      /**< Lower bound of the score's interval (NaN when it cannot be estimated). */
    double hi;      /**< Upper bound. */
} cs_class_score;

/**
 * @brief Rank classes from weakest to strongest.
 *
 * Without a baseline, by mean accuracy, lowest first, with the interval of
 * cs_confusion_stats_class_accuracy(). With a baseline, by sensitivity
 * d(t) = acc_base(t) − acc(t), largest drop first. Its interval follows the condition's
 * interval kind: for ::CS_INTERVAL_WILSON, Newcombe's hybrid score interval (MOVER) from the
 * Wilson intervals (l, u) of the two means p_b and p, d − √((p_b − l_b)² + (u − p)²) and
 * d + √((u_b − p_b)² + (p − l)²), always in [−1, 1]; for ::CS_INTERVAL_T, Welch's t interval
 * for the difference of two independent means (replicates of the two conditions are trained
 * independently); for ::CS_INTERVAL_BOOTSTRAP, a bootstrap of the difference. The
 * condition's options (confidence, interval kind, resamples, seed) rule; the baseline's are
 * not consulted. With integer counts and one test set, d = X_b/N_b − X/N is computed from the
 * integer sums over replicates of correct records X and records N as (X_b N − X N_b) / (N_b N),
 * so equal drops are equal doubles. Ties (equal doubles) are broken
 * by class index; classes absent from the test set (NaN scores) come last. Take the first k
 * entries for a top-k list.
 *
 * @param[out] out  K entries, weakest first.
 * @param elem_size sizeof(cs_class_score) as the caller knows it: elements are written at this
 *                  stride with the members that fit (docs/conventions.md, "Arrays of structs
 *                  that can grow"); larger than this library's struct: ::CS_ERR_UNSUPPORTED.
 * @param k         Must equal the matrices' K.
 * @param s         Summary of the condition.
 * @param base      Summary of the baseline (same K), or NULL to rank by accuracy.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH; ::CS_ERR_OUT_OF_MEMORY
 *         (bootstrap intervals only).
 */
CS_API int cs_rank_weakest(cs_class_score *out, size_t elem_size,
                           int k, const cs_confusion_stats *s, const cs_confusion_stats *base);

/** @brief Opaque result of a cross-model agreement analysis. */
typedef struct cs_agreement cs_agreement;

/**
 * @brief How much M models agree on per-class scores (e.g. their sensitivities).
 *
 * Each model's K scores are turned into average ranks (ties share their mean rank).
 * - Kendall's W = 12·S / (M²(K³ − K) − M·ΣT), S = Σ_t (R_t − R̄)², R_t the rank sum of class
 *   t over models, T = Σ(τ³ − τ) over each model's tie groups of size τ. W = 1: identical
 *   rankings; W = 0: no agreement. p-value: P(χ²_{K−1} >= M(K−1)W) (Friedman's chi-square).
 * - Spearman ρ per model pair: Pearson correlation of the average ranks.
 * - Kendall τ-b per pair: (n_c − n_d) / √((n_0 − n_1)(n_0 − n_2)), n_0 = K(K−1)/2, n_1, n_2
 *   the tied pairs within each model.
 * - Jaccard overlap of the top-@p top_k sets per pair: |A ∩ B| / |A ∪ B|, where a model's top
 *   set holds its @p top_k highest scores (ties broken by class index, the lower first).
 *
 * @param[out] out  The result; NULL on failure. Owned: free with cs_agreement_destroy().
 * @param scores    m×k values, row-major: row i is model i's score per class. Finite.
 * @param m         Number of models, >= 2.
 * @param k         Number of classes, >= 2.
 * @param top_k     Size of the top sets, 1..k.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (bad sizes, non-finite scores: the message names
 *         the model and class); ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_agreement_compute(cs_agreement **out, const double *scores, int m, int k, int top_k);

/** @brief Free a result. @param a The result; NULL is accepted. */
CS_API void cs_agreement_destroy(cs_agreement *a);

/**
 * @brief Kendall's coefficient of concordance W (tie-corrected).
 * @param a The result.
 * @return W in [0, 1]; NaN when @p a is NULL or every model ranks every class equal.
 */
CS_API double cs_agreement_kendall_w(const cs_agreement *a);

/**
 * @brief The chi-square p-value of W: P(χ²_{K−1} >= M(K−1)W).
 * @param a The result.
 * @return The p-value; NaN when W is NaN or @p a is NULL.
 */
CS_API double cs_agreement_p_value(const cs_agreement *a);

/**
 * @brief Pairwise statistics between models, each an m×m symmetric matrix (diagonal 1).
 * @param[out] spearman m×m Spearman ρ (or NULL); NaN for a pair where a model has all
 *                      ties (the diagonal stays 1).
 * @param[out] kendall  m×m Kendall τ-b (or NULL); NaN likewise.
 * @param[out] jaccard  m×m top-k Jaccard overlaps (or NULL).
 * @param m             Must equal the number of models.
 * @param a             The result.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_agreement_pairwise(double *spearman, double *kendall, double *jaccard,
                                 int m, const cs_agreement *a);

/** @brief Options of cs_learning_curve_fit(). Initialise with ::CS_LEARNING_CURVE_OPTIONS_INIT. */
typedef struct cs_learning_curve_options {
    size_t struct_size;       /**< sizeof(cs_learning_curve_options). */
    double confidence;        /**< Coverage of the percentile intervals, in (0, 1); default 0.95. */
    int bootstrap_resamples;  /**< B, the resamples of the seeds, >= 100; default 1000. */
    uint64_t seed;            /**< Seed of the bootstrap resampling; default 0. */
    double min_r2;            /**< Below this R² of the fit (in [0, 1]; default 0.9), the curve is
                                   not used to predict or extrapolate. */
} cs_learning_curve_options;

/** @brief Defaults: 1000 resamples, 95 % percentile intervals, seed 0, R² at least 0.9. */
#define CS_LEARNING_CURVE_OPTIONS_INIT { sizeof(cs_learning_curve_options), 0.95, 1000, 0u, 0.9 }

/**
 * @brief Fill @p opts with exactly what ::CS_LEARNING_CURVE_OPTIONS_INIT gives (for bindings,
 *        which cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_learning_curve_options_init(cs_learning_curve_options *opts);

/** @brief Opaque fit of a learning curve acc(n) = a − b·n^(−c) with its bootstrap replicates. */
typedef struct cs_learning_curve cs_learning_curve;

/** @brief A parameter of the learning curve acc(n) = a − b·n^(−c). */
typedef enum cs_curve_param {
    CS_CURVE_PARAM_A = 0, /**< a <= 1: the asymptote, the accuracy an unlimited count approaches. */
    CS_CURVE_PARAM_B = 1, /**< b >= 0: the scale of the shortfall b·n^(−c) below a. */
    CS_CURVE_PARAM_C = 2  /**< c in [0.001, 5]: how fast the shortfall shrinks with n. */
} cs_curve_param;

/**
 * @brief Fit a saturating power law acc(n) = a − b·n^(−c) to one class's accuracy against its
 *        training count, with percentile-bootstrap intervals over the seeds.
 *
 * The curve is fitted to the seed means ā_l of the accuracies at the L levels by least
 * squares, with a <= 1, b >= 0 and c in [0.001, 5]: for a fixed c the model is linear in
 * (a, b), which is solved in closed form (on an edge of the constraints where the line
 * violates them), and c minimises the remaining sum of squares, found on a grid of
 * 64 points evenly spaced in log c and refined by golden-section search. The bootstrap
 * resamples the S seed columns (a seed's accuracies at every level together, since the levels
 * are nested subsets drawn with the same seeds) with replacement B times and refits; the
 * intervals are the (1 − confidence)/2 and (1 + confidence)/2 quantiles of the refits.
 * docs/analysis.md, "Learning curves", gives every formula.
 *
 * With fewer than 3 levels the three parameters are not identified: the fit succeeds, its
 * parameters, R², RMSE and intervals are NaN, and cs_learning_curve_check() refuses it. With
 * one seed the intervals are NaN (no spread over seeds can be estimated). The same inputs and
 * seed give bit-identical results.
 *
 * @param[out] out  The fit; NULL on failure. Owned: free with cs_learning_curve_destroy().
 * @param counts    L training counts of the class, finite, > 0 and strictly increasing.
 * @param levels    L, >= 1.
 * @param acc       L×S accuracies in [0, 1], row-major: acc[l·S + s] is seed s at level l.
 * @param seeds     S, >= 1.
 * @param opts      Options, or NULL for ::CS_LEARNING_CURVE_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL pointers, L or S below 1, a count that is
 *         not finite and positive or not above the one before, an accuracy that is NaN or
 *         outside [0, 1]: the message names its level and seed; bad options);
 *         ::CS_ERR_UNSUPPORTED for a newer options struct; ::CS_ERR_OVERFLOW when the
 *         workspace's size overflows; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_learning_curve_fit(cs_learning_curve **out, const double *counts, int levels,
                                 const double *acc, int seeds,
                                 const cs_learning_curve_options *opts);

/** @brief Free a fit. @param lc The fit; NULL is accepted. */
CS_API void cs_learning_curve_destroy(cs_learning_curve *lc);

/**
 * @brief The number of levels L the curve was fitted to.
 * @param lc The fit.
 * @return L (>= 1); ::CS_ERR_INVALID_ARGUMENT (negative) when @p lc is NULL.
 */
CS_API int cs_learning_curve_levels(const cs_learning_curve *lc);

/**
 * @brief One level of the fit: its training count and the mean of its seeds' accuracies.
 * @param[out] count The count n_l as passed to cs_learning_curve_fit() (or NULL).
 * @param[out] mean  The seed mean ȳ_l = (1/S) Σ_s y_ls the curve was fitted to (or NULL).
 * @param lc         The fit.
 * @param level      l, 0 .. L − 1, in increasing count.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p lc is NULL; ::CS_ERR_OUT_OF_RANGE for a
 *         bad @p level. Nothing is written on failure.
 */
CS_API int cs_learning_curve_level(double *count, double *mean, const cs_learning_curve *lc, int level);

/**
 * @brief One parameter of the fit with its bootstrap interval.
 * @param[out] value The least-squares estimate (or NULL); NaN with fewer than 3 levels.
 * @param[out] lo    Lower bound of its interval (or NULL); NaN with one seed or < 3 levels.
 * @param[out] hi    Upper bound (or NULL).
 * @param lc         The fit.
 * @param which      ::CS_CURVE_PARAM_A, ::CS_CURVE_PARAM_B or ::CS_CURVE_PARAM_C.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (@p lc NULL, unknown @p which).
 */
CS_API int cs_learning_curve_param(double *value, double *lo, double *hi,
                                   const cs_learning_curve *lc, cs_curve_param which);

/**
 * @brief How well the curve fits the seed means.
 * @param[out] r2   R² = 1 − SSE / SST over the L seed means (or NULL); 1 when the means are
 *                  all equal (SST = 0); NaN with fewer than 3 levels.
 * @param[out] rmse √(SSE / L) (or NULL); NaN with fewer than 3 levels.
 * @param lc        The fit.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p lc is NULL.
 */
CS_API int cs_learning_curve_quality(double *r2, double *rmse, const cs_learning_curve *lc);

/**
 * @brief Whether the fit may be used to predict and extrapolate.
 *
 * It may not with fewer than 3 levels, or when its R² is below the option `min_r2`.
 * cs_learning_curve_predict() and cs_learning_curve_needed() make this check first.
 * @param lc The fit.
 * @return ::CS_OK; ::CS_ERR_STATE when the fit is refused, with a message that says why (the
 *         number of levels, or R² and the threshold); ::CS_ERR_INVALID_ARGUMENT when @p lc is
 *         NULL.
 */
CS_API int cs_learning_curve_check(const cs_learning_curve *lc);

/**
 * @brief The accuracy the curve predicts at a training count, with its bootstrap interval.
 *
 * acc(n) = a − b·n^(−c); the interval holds the quantiles of the same prediction from the
 * bootstrap refits. Ask for 2 and 10 times the largest count to see what more data would give.
 * @param[out] value The prediction (or NULL).
 * @param[out] lo    Lower bound (or NULL); NaN with one seed.
 * @param[out] hi    Upper bound (or NULL); NaN with one seed.
 * @param lc         The fit.
 * @param n          The training count, finite and > 0.
 * @return ::CS_OK; ::CS_ERR_STATE when cs_learning_curve_check() refuses the fit (nothing is
 *         written); ::CS_ERR_INVALID_ARGUMENT (@p lc NULL, bad @p n).
 */
CS_API int cs_learning_curve_predict(double *value, double *lo, double *hi,
                                     const cs_learning_curve *lc, double n);

/**
 * @brief The training count at which the curve reaches a target accuracy t, with its
 *        bootstrap interval: n = (b / (a − t))^(1/c) for t < a.
 *
 * No count reaches a target at or above the asymptote a. A bootstrap refit whose own a* is at
 * or below t counts in @p unreachable and enters the interval as +∞: the upper bound is +∞
 * when more than about (1 − confidence)/2 of the refits cannot reach t (the lower bound too
 * when more than about (1 + confidence)/2 cannot). A fit with b = 0 (flat) reaches any t below a at
 * every count: n = 0.
 * @param[out] count       The count n (or NULL).
 * @param[out] lo          Lower bound (or NULL); NaN with one seed.
 * @param[out] hi          Upper bound (or NULL), possibly +∞; NaN with one seed.
 * @param[out] unreachable The number of the B refits that cannot reach t (or NULL); 0 with one
 *                         seed.
 * @param lc               The fit.
 * @param target           The target accuracy t, in [0, 1].
 * @return ::CS_OK; ::CS_ERR_STATE when cs_learning_curve_check() refuses the fit;
 *         ::CS_ERR_OUT_OF_RANGE when t >= a (the message gives both); ::CS_ERR_INVALID_ARGUMENT
 *         (@p lc NULL, @p target NaN or outside [0, 1]). Nothing is written on failure.
 */
CS_API int cs_learning_curve_needed(double *count, double *lo, double *hi, size_t *unreachable,
                                    const cs_learning_curve *lc, double target);

/**
 * @brief How many times its full training count a class needs at a noise level to match its
 *        clean accuracy at full data: n* / n_full, with a joint bootstrap interval.
 *
 * The noisy row's learning curve acc_p(n) = a_p − b_p·n^(−c_p) is fitted by
 * cs_learning_curve_fit() to (counts, acc); the target is the mean t = (1/S) Σ_s target_s of
 * the clean accuracies at full data, and n* = (b_p / (a_p − t))^(1/c_p)
 * (cs_learning_curve_needed()). The interval is a percentile bootstrap over the S seeds that
 * resamples the target with the curve: resample j draws the same seed indices for both (the
 * row and the target of seed s come from cells that share seed s), so the target's own spread
 * enters the interval. A resample whose refitted asymptote is at or below its target counts
 * in @p unreachable and enters as +∞, as in cs_learning_curve_needed().
 * docs/analysis.md, "Noise × volume", gives every formula.
 * @param[out] multiplier  n* / @p full (or NULL); 0 when the row's curve is flat (b_p = 0).
 * @param[out] lo          Lower bound (or NULL); NaN with one seed.
 * @param[out] hi          Upper bound (or NULL), possibly +∞; NaN with one seed.
 * @param[out] unreachable Resamples that cannot reach their target (or NULL).
 * @param counts           L training counts of the class on the noisy row, increasing.
 * @param levels           L.
 * @param acc              L×S accuracies on the row, acc[l·S + s].
 * @param seeds            S.
 * @param target           S clean accuracies at full data, paired with the columns of @p acc.
 * @param full             The class's full training count n_full, > 0.
 * @param opts             Options of the fit, or NULL for ::CS_LEARNING_CURVE_OPTIONS_INIT.
 * @return ::CS_OK; the errors of cs_learning_curve_fit(); ::CS_ERR_INVALID_ARGUMENT (@p target
 *         NULL or an entry outside [0, 1], @p full not finite and positive); ::CS_ERR_STATE when
 *         the fit is refused (fewer than 3 levels, a poor fit: cs_learning_curve_check()'s
 *         message); ::CS_ERR_OUT_OF_RANGE when t is at or above a_p: no amount of data at this
 *         noise level reaches the clean accuracy. Nothing is written on failure.
 */
CS_API int cs_noise_multiplier(double *multiplier, double *lo, double *hi, size_t *unreachable,
                               const double *counts, int levels, const double *acc, int seeds,
                               const double *target, double full,
                               const cs_learning_curve_options *opts);

/** @brief Options of cs_volume_share(). Initialise with ::CS_VOLUME_SHARE_OPTIONS_INIT. */
typedef struct cs_volume_share_options {
    size_t struct_size;       /**< sizeof(cs_volume_share_options). */
    double confidence;        /**< Coverage of the percentile interval, in (0, 1); default 0.95. */
    int bootstrap_resamples;  /**< B, the resamples of the seeds, >= 100; default 1000. */
    uint64_t seed;            /**< Seed of the bootstrap resampling; default 0. */
    double min_damage;        /**< The share is undefined when the noise lowers the accuracy by
                                   less than this (in [0, 1]; default 0.01, one point). */
} cs_volume_share_options;

/** @brief Defaults: 1000 resamples, 95 % percentile interval, seed 0, damage at least 0.01. */
#define CS_VOLUME_SHARE_OPTIONS_INIT { sizeof(cs_volume_share_options), 0.95, 1000, 0u, 0.01 }

/**
 * @brief Fill @p opts with exactly what ::CS_VOLUME_SHARE_OPTIONS_INIT gives (for bindings).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_volume_share_options_init(cs_volume_share_options *opts);

/**
 * @brief The share of label noise's damage that its lost volume explains.
 *
 * With the seed means C, M and N of the clean, matched-control and noisy accuracies,
 * share = (C − M) / (C − N): the part of the drop C − N that the matched control, which
 * removes as many records as the noise corrupted, reproduces without any wrong label. 1: the
 * noise hurts only as lost data; 0: lost data does not matter; below 0 or above 1 happen (the
 * control did better than clean, or worse than the noise). The interval is a paired percentile
 * bootstrap: resample j draws S seed indices and recomputes the share from the three columns
 * at those indices; resamples whose drop is below min_damage are left out, and the interval is
 * NaN when more than 1 − confidence of them are.
 * @param[out] share  The share (or NULL); NaN on ::CS_ERR_STATE.
 * @param[out] lo     Lower bound (or NULL); NaN with one seed or on ::CS_ERR_STATE.
 * @param[out] hi     Upper bound (or NULL).
 * @param clean       S clean accuracies.
 * @param matched     S accuracies of the matched control, paired by seed.
 * @param noisy       S accuracies under the noise, paired by seed.
 * @param seeds       S, >= 1.
 * @param opts        Options, or NULL for ::CS_VOLUME_SHARE_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_STATE when the share is undefined: C − N is below min_damage (the
 *         noise did not lower the accuracy; the message gives C and N), and then the three
 *         outputs are NaN; ::CS_ERR_INVALID_ARGUMENT (NULL arrays, S < 1, an accuracy NaN or
 *         outside [0, 1], bad options); ::CS_ERR_UNSUPPORTED (a newer options struct);
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_volume_share(double *share, double *lo, double *hi, const double *clean,
                           const double *matched, const double *noisy, int seeds,
                           const cs_volume_share_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_ANALYSIS_H */
