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
 *   (cs_learning_curve_needed());
 * - record-level sensitivity: how well a training record's confidence, variability or area
 *   under the margin finds flipped labels (cs_flip_detection_compute()), data-map regions
 *   (cs_data_map_regions()) and a review-first ranking of the hardest records (cs_review_rank()).
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
/* ---- Record-level sensitivity: which training records expose wrong labels ------------------ */

/**
 * @brief A per-record score recorded while a cell trains (docs/analysis.md, "Record-level
 *        sensitivity"), each computed from the softmax and the logits of the record's
 *        training label y (possibly a noisy one) at the end of every epoch e = 1..E.
 *
 * The kind fixes which end of the score is suspicious (more likely a wrong label) and the
 * score's natural threshold, at which cs_flip_detection_compute() counts a record as found.
 */
typedef enum cs_record_score {
    /** Mean confidence μ = (1/E) Σ_e p_e(y), p_e the softmax probability of y. Low is
     *  suspicious; found when μ < 0.5 (the label is not, on average, the more probable half).
     *  In [0, 1]. */
    CS_RECORD_SCORE_CONFIDENCE = 0,
    /** Variability σ = √((1/E) Σ_e (p_e(y) − μ)²), the population standard deviation over
     *  epochs. High is suspicious (a label the model keeps changing its mind on); found when
     *  σ >= ::CS_DATA_MAP_VARIABILITY, the data map's ambiguous region. In [0, 0.5]. */
    CS_RECORD_SCORE_VARIABILITY = 1,
    /** Area under the margin (AUM) = (1/E) Σ_e (z_e(y) − max_{j≠y} z_e(j)), z_e the logits.
     *  Low is suspicious; found when AUM < 0 (another class wins on average). Finite. */
    CS_RECORD_SCORE_AUM = 2
} cs_record_score;

/** @brief Pass as a class to the flip-detection accessors for all records together. */
#define CS_FLIP_ALL_CLASSES (-1)

/** @brief A flip-detection metric. */
typedef enum cs_flip_metric {
    /** ROC AUC: the probability that a flipped record is more suspicious than a clean one,
     *  ties counted 1/2 (Mann–Whitney U / (n₊ n₋)). 1: every flip ranks first; 0.5: chance. */
    CS_FLIP_METRIC_AUC = 0,
    /** Precision at k = n₊ (the true flip count): the share of flipped records among the n₊
     *  most suspicious, its expectation under random tie-breaking where the cut-off falls in a
     *  tie. Equals recall at k = n₊. */
    CS_FLIP_METRIC_PRECISION = 1,
    /** Recall at the score's natural threshold (::cs_record_score): the share of flipped records
     *  the threshold finds. */
    CS_FLIP_METRIC_RECALL = 2
} cs_flip_metric;

/** @brief Why a flip-detection metric is undefined (NaN) for a class. */
typedef enum cs_flip_undefined {
    /** Every metric is defined. */
    CS_FLIP_DEFINED = 0,
    /** The class has no flipped record (or no record at all): every metric is NaN. */
    CS_FLIP_NO_FLIPPED = 1,
    /** Every record of the class is flipped: the AUC is NaN (no clean record to compare with);
     *  precision at k is 1 and recall is defined. */
    CS_FLIP_NO_CLEAN = 2
} cs_flip_undefined;

/** @brief Opaque result of a flip-detection analysis of one cell, per class and overall. */
typedef struct cs_flip_detection cs_flip_detection;

/**
 * @brief How well one per-record score finds the flipped (wrongly labelled) training records of
 *        one noise cell, per class and over all records.
 *
 * "Per class" is the record's TRUE class (the class whose records were corrupted), not its
 * given label: a class's metrics say how well the score finds the flips made among that class's
 * records, and its records keep the same membership in every condition. Records are ranked from
 * most to least suspicious (::cs_record_score says which end that is); docs/analysis.md,
 * "Record-level sensitivity", gives every formula. The AUC counts tied pairs exactly (2U is an
 * integer), in O(n log n); precision at k handles a tie at the cut-off by its expectation
 * under random tie-breaking, so the result does not depend on the records' order.
 *
 * @param[out] out  The result; NULL on failure. Owned: free with cs_flip_detection_destroy().
 * @param score     n scores of the kind @p kind: finite, confidence in [0, 1], variability in
 *                  [0, 0.5].
 * @param flipped   n flags: 1 for a record whose training label was flipped, 0 otherwise.
 * @param cls       n true classes, 0..k − 1.
 * @param n         Number of records, >= 1.
 * @param k         Number of classes, >= 2.
 * @param kind      What @p score holds.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL pointers, n = 0, k < 2, an unknown kind, a
 *         score that is not finite or outside its range, a flag other than 0 or 1: the message
 *         names the record); ::CS_ERR_OUT_OF_RANGE (a class outside 0..k − 1, named with its
 *         record); ::CS_ERR_OVERFLOW; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_flip_detection_compute(cs_flip_detection **out, const double *score,
                                     const uint8_t *flipped, const int32_t *cls, size_t n, int k,
                                     cs_record_score kind);

/** @brief Free a result. @param d The result; NULL is accepted. */
CS_API void cs_flip_detection_destroy(cs_flip_detection *d);

/**
 * @brief The number of classes K the result was computed for.
 * @param d The result.
 * @return K (>= 2); ::CS_ERR_INVALID_ARGUMENT (negative) when @p d is NULL.
 */
CS_API int cs_flip_detection_classes(const cs_flip_detection *d);

/**
 * @brief The records and flipped records of a class.
 * @param[out] records The class's records n_c (or NULL).
 * @param[out] flipped Its flipped records n₊ (or NULL): the k of precision at k.
 * @param d            The result.
 * @param cls          The true class 0..K − 1, or ::CS_FLIP_ALL_CLASSES.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (@p d NULL); ::CS_ERR_OUT_OF_RANGE (bad @p cls).
 */
CS_API int cs_flip_detection_counts(size_t *records, size_t *flipped, const cs_flip_detection *d,
                                    int cls);

/**
 * @brief One metric of one class.
 * @param[out] value The metric (or NULL); NaN where undefined.
 * @param[out] why   ::CS_FLIP_DEFINED, or why some metrics of the class are NaN (or NULL).
 * @param d          The result.
 * @param cls        The true class 0..K − 1, or ::CS_FLIP_ALL_CLASSES.
 * @param metric     Which metric.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (@p d NULL, unknown @p metric);
 *         ::CS_ERR_OUT_OF_RANGE (bad @p cls). Nothing is written on failure.
 */
CS_API int cs_flip_detection_value(double *value, cs_flip_undefined *why,
                                   const cs_flip_detection *d, int cls, cs_flip_metric metric);

/**
 * @brief One metric of one class over r replicate cells (seeds): mean and Student t interval.
 *
 * Replicates where the metric is undefined (NaN) are left out; over the r' that remain, the
 * mean m and m ± t(1 − (1 − c)/2, r' − 1) · s / √r' (s their sample standard deviation), the
 * library's over-seed t interval (::CS_INTERVAL_T), clipped to [0, 1] since every metric is a
 * proportion. With r' = 1 the bounds are NaN; with r' = 0 all three are NaN.
 * @param[out] mean  The mean (or NULL).
 * @param[out] lo    Lower bound (or NULL).
 * @param[out] hi    Upper bound (or NULL).
 * @param[out] used  r', the replicates where the metric is defined (or NULL).
 * @param reps       r results of the same score kind and K.
 * @param r          Number of replicates, >= 1.
 * @param cls        The true class 0..K − 1, or ::CS_FLIP_ALL_CLASSES.
 * @param metric     Which metric.
 * @param confidence Interval coverage c in (0, 1), e.g. 0.95.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL pointers or entries, r = 0, bad confidence or
 *         metric); ::CS_ERR_SIZE_MISMATCH (replicates with different K or score kinds: the
 *         message names the first); ::CS_ERR_OUT_OF_RANGE (bad @p cls). Nothing is written on
 *         failure.
 */
CS_API int cs_flip_detection_summarize(double *mean, double *lo, double *hi, size_t *used,
                                       const cs_flip_detection *const *reps, size_t r, int cls,
                                       cs_flip_metric metric, double confidence);

/** @brief Data maps: a record with variability σ >= this is ambiguous. */
#define CS_DATA_MAP_VARIABILITY 0.2
/** @brief Data maps: a record that is not ambiguous and has mean confidence μ < this is hard. */
#define CS_DATA_MAP_CONFIDENCE 0.5

/** @brief A data-map region (Swayamdipta et al. 2020), from mean confidence and variability. */
typedef enum cs_data_region {
    /** σ < ::CS_DATA_MAP_VARIABILITY and μ >= ::CS_DATA_MAP_CONFIDENCE: learnt early, kept. */
    CS_DATA_REGION_EASY = 0,
    /** σ >= ::CS_DATA_MAP_VARIABILITY: the model keeps changing its mind. */
    CS_DATA_REGION_AMBIGUOUS = 1,
    /** σ < ::CS_DATA_MAP_VARIABILITY and μ < ::CS_DATA_MAP_CONFIDENCE: never learnt. */
    CS_DATA_REGION_HARD = 2
} cs_data_region;

/**
 * @brief Place records in data-map regions and count each class's share of every region.
 *
 * The thresholds are fixed (docs/analysis.md, "Data-map regions", says why): ambiguous when
 * σ >= ::CS_DATA_MAP_VARIABILITY, else hard when μ < ::CS_DATA_MAP_CONFIDENCE, else easy.
 * @param[out] region n regions (::cs_data_region values), or NULL.
 * @param[out] shares k×3 shares, row-major: shares[c·3 + g] = (records of class c in region g) /
 *                    (records of class c); NaN for a class without records. NULL: not
 *                    computed (then @p cls may be NULL).
 * @param confidence  n mean confidences μ in [0, 1].
 * @param variability n variabilities σ in [0, 0.5].
 * @param cls         n classes 0..k − 1 (the true class, to compare conditions on fixed sets
 *                    of records), or NULL when @p shares is NULL.
 * @param n           Number of records, >= 1.
 * @param k           Number of classes, >= 2.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL inputs, n = 0, k < 2, both outputs NULL, a
 *         value that is NaN or outside its range: the message names the record);
 *         ::CS_ERR_OUT_OF_RANGE (a class outside 0..k − 1). Nothing is written on failure.
 */
CS_API int cs_data_map_regions(uint8_t *region, double *shares, const double *confidence,
                               const double *variability, const int32_t *cls, size_t n, int k);

/**
 * @brief How each class's data-map shares move from a baseline to a condition (noise,
 *        reduction), over seeds: the difference of mean shares with Welch's t interval.
 *
 * For class c and region g, with the replicates whose share is defined (not NaN) on each side,
 * d = mean(cond) − mean(base) and d ± t(1 − (1 − γ)/2, ν) · √(s_c²/r_c + s_b²/r_b), ν the
 * Welch–Satterthwaite degrees of freedom (the seeds of the two conditions are trained
 * independently), clipped to [−1, 1]. No spread on either side gives the exact interval
 * [d, d]; fewer than 2 defined replicates on a side give NaN bounds, none gives a NaN d.
 * @param[out] shift k×3 differences d, row-major like the shares (or NULL).
 * @param[out] lo    k×3 lower bounds (or NULL).
 * @param[out] hi    k×3 upper bounds (or NULL).
 * @param cond       r_cond×k×3 shares of the condition: one cs_data_map_regions() @p shares
 *                   output per replicate, each NaN or in [0, 1].
 * @param r_cond     Replicates of the condition, >= 1.
 * @param base       r_base×k×3 shares of the baseline, likewise.
 * @param r_base     Replicates of the baseline, >= 1.
 * @param k          Number of classes, >= 2.
 * @param confidence Interval coverage γ in (0, 1), e.g. 0.95.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL inputs, zero counts, k < 2, bad confidence,
 *         a share outside [0, 1]: the message names its replicate, class and region).
 *         Nothing is written on failure.
 */
CS_API int cs_data_map_shift(double *shift, double *lo, double *hi, const double *cond,
                             size_t r_cond, const double *base, size_t r_base, int k,
                             double confidence);

/** @brief One record of a review-first ranking (cs_review_entry()). */
typedef struct cs_review_record {
    size_t index;          /**< The record's source index, 0..n − 1, in the training set. */
    int label;             /**< Its given label. */
    int instead;           /**< The class most often predicted instead: the mode over cells of
                                the cell's most frequent largest-other class (ties: the smaller
                                class). */
    double mean_aum;       /**< Mean AUM over the cells that hold the record. */
    double min_aum;        /**< Smallest AUM over those cells. */
    double max_aum;        /**< Largest AUM over those cells. */
    double negative_share; /**< Share of those cells in which the record's AUM < 0. */
    size_t cells;          /**< The cells that hold the record, >= 1. */
} cs_review_record;

/** @brief Opaque review-first ranking of training records. */
typedef struct cs_review cs_review;

/**
 * @brief Rank training records from hardest to easiest over several cells (models ×
 *        replicates), for a person to review first.
 *
 * Records are ranked by their mean AUM over the cells that hold them, lowest first, ties by
 * index; a record no cell holds is left out. Meant for clean cells, where a low AUM in every
 * model marks a record that may be mislabelled or ambiguous in the data set itself.
 * @param[out] out  The ranking; NULL on failure. Owned: free with cs_review_destroy().
 * @param aum       cells×n AUMs, row-major: aum[c·n + i] is record i in cell c. Finite where
 *                  present (ignored elsewhere).
 * @param other     cells×n classes: the class most often largest-other of record i in cell c,
 *                  0..k − 1 where present (ignored elsewhere).
 * @param present   cells×n flags, 1 where cell c trained on record i (0 for a record a
 *                  reduction left out), or NULL when every cell holds every record.
 * @param label     n given labels, 0..k − 1.
 * @param cells     Number of cells, >= 1.
 * @param n         Number of records, >= 1.
 * @param k         Number of classes, >= 2.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL pointers, zero sizes, k < 2, a non-finite AUM
 *         or a flag other than 0 or 1: the message names the cell and record);
 *         ::CS_ERR_OUT_OF_RANGE (a label or other class outside 0..k − 1); ::CS_ERR_OVERFLOW;
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_review_rank(cs_review **out, const double *aum, const int32_t *other,
                          const uint8_t *present, const int32_t *label, size_t cells, size_t n,
                          int k);

/** @brief Free a ranking. @param rv The ranking; NULL is accepted. */
CS_API void cs_review_destroy(cs_review *rv);

/**
 * @brief The number of ranked records (those at least one cell holds).
 * @param rv The ranking.
 * @return The count; 0 when @p rv is NULL.
 */
CS_API size_t cs_review_count(const cs_review *rv);

/**
 * @brief One ranked record.
 * @param[out] out  The record, written with the members that fit in @p elem_size.
 * @param elem_size sizeof(cs_review_record) as the caller knows it (docs/conventions.md,
 *                  "Arrays of structs that can grow").
 * @param rv        The ranking.
 * @param rank      0 (hardest) .. cs_review_count() − 1.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL pointers, @p elem_size too small);
 *         ::CS_ERR_UNSUPPORTED (@p elem_size larger than this library's struct);
 *         ::CS_ERR_OUT_OF_RANGE (bad @p rank). Nothing is written on failure.
 */
CS_API int cs_review_entry(cs_review_record *out, size_t elem_size, const cs_review *rv,
                           size_t rank);

/**
 * @brief The hardest records of one class: the first m ranks whose given label is @p cls.
 * @param[out] ranks Up to @p m ranks (for cs_review_entry()), hardest first.
 * @param[out] found How many were written: min(m, ranked records of the class).
 * @param rv         The ranking.
 * @param cls        The given label 0..k − 1.
 * @param m          Capacity of @p ranks.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL pointers); ::CS_ERR_OUT_OF_RANGE (bad
 *         @p cls).
 */
CS_API int cs_review_class_top(size_t *ranks, size_t *found, const cs_review *rv, int cls,
                               size_t m);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_ANALYSIS_H */
