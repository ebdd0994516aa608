/**
 * @file classsens/perturb.h
 * @brief Controlled, seeded damage to a training set: label noise and data reduction.
 *
 * A perturbation is described by a ::cs_perturb_spec (built by functions or parsed from a
 * short string such as `shuffle:0.3`) and applied to a data set with cs_perturb_apply(),
 * which returns a view (shared pixels, its own labels and index list) and a
 * ::cs_perturb_report of what actually happened.
 *
 * Label noise at rate x ∈ [0, 1] over the N eligible records (all records, or those of the
 * targeted classes):
 * - ::CS_NOISE_SHUFFLE (the reference study's): exactly m = round(x·N) records are chosen
 *   uniformly at random and their labels are permuted among themselves uniformly at random.
 *   Class counts are preserved; a record may keep its label, so the realised flip rate is
 *   below x (about 0.9x for 10 balanced classes).
 * - ::CS_NOISE_SYMMETRIC: exactly m records are chosen; each gets a label drawn uniformly
 *   from the K − 1 other classes, so every chosen record changes.
 * - ::CS_NOISE_PAIRFLIP: a class map c → map[c] (built in: the CIFAR-10 map of Patrini et al.
 *   2017 — truck→automobile, bird→airplane, deer→horse, cat↔dog — or the cyclic map
 *   c → (c + 1) mod K, or a user map). In every class c with map[c] ≠ c exactly
 *   round(x·n_c) records are chosen and relabelled map[c].
 * - ::CS_NOISE_MATRIX: a row-stochastic K×K matrix T[true][noisy]. In every class c the
 *   n_c records are split into exact counts round-robin by largest remainder:
 *   cnt[c][j] = ⌊T[c][j]·n_c⌋ plus one for the largest fractional parts until they sum to
 *   n_c; which records get which label is random.
 * - ::CS_NOISE_TARGETED: symmetric noise applied only to records of chosen classes
 *   (m = round(x·N_targeted)); the new labels may be any other class.
 *
 * Data reduction keeps a fraction f ∈ (0, 1] of the records:
 * - ::CS_REDUCE_UNIFORM (the reference study's): round(f·N) records uniformly at random;
 *   a class may vanish.
 * - ::CS_REDUCE_STRATIFIED: round(f·n_c) records of every class c, so class proportions are
 *   kept to within one record per class; refused if a class would be left empty.
 * - ::CS_REDUCE_TARGETED: round(f·n_c) records of each chosen class, every record of the
 *   others (a per-class learning curve); refused if a chosen class would be left empty.
 *
 * Randomness: every choice derives from the seed given to cs_perturb_apply() through a
 * counter-based generator, so the same (seed, spec, input) always gives the same view,
 * whatever the thread count. The streams also depend on the kind, so two different
 * perturbations composed with the same seed (a reduction, then noise on it) make independent
 * choices. Reductions with the same seed are nested: each class (or, for
 * uniform, the whole set) is put in one seeded random order and the first records are kept,
 * so the 10 % subset lies inside the 40 % subset. Noise selections are nested the same way:
 * the records chosen at rate 0.1 are among those chosen at 0.2.
 *
 * Rounding: round(v) is half away from zero (C's llround).
 *
 * Numbers in spec strings are always read and written in the C locale ('.' as the decimal
 * point), whatever the host program set with setlocale().
 *
 * Spec strings (cs_perturb_spec_parse(), cs_perturb_spec_format()); class lists use '+':
 * | string | meaning |
 * |---|---|
 * | `none` | the unperturbed set (the baseline S0) |
 * | `shuffle:0.3` | ::CS_NOISE_SHUFFLE at x = 0.3 |
 * | `symmetric:0.2` | ::CS_NOISE_SYMMETRIC |
 * | `pairflip:cifar10:0.2`, `pairflip:cyclic:0.2` | ::CS_NOISE_PAIRFLIP with a built-in map |
 * | `pairflip:9>1+2>0+3>5+5>3:0.2` | ::CS_NOISE_PAIRFLIP with a user map (unlisted classes keep their label) |
 * | `asymmetric:…` | accepted as another name of `pairflip:…` (formatted back as `pairflip`) |
 * | `targeted:3+5:0.4` | ::CS_NOISE_TARGETED on classes 3 and 5 |
 * | `matrix:0.8/0.2;0.1/0.9` | ::CS_NOISE_MATRIX, rows separated by ';', entries by '/' |
 * | `reduce:uniform:0.4` | ::CS_REDUCE_UNIFORM to f = 0.4 |
 * | `reduce:stratified:0.1` | ::CS_REDUCE_STRATIFIED |
 * | `reduce:targeted:3+6:0.25` | ::CS_REDUCE_TARGETED on classes 3 and 6 |
 */
#ifndef CLASSSENS_PERTURB_H
#define CLASSSENS_PERTURB_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/common.h>
#include <classsens/dataset.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief What a ::cs_perturb_spec does. Values are pinned (they appear in result files). */
typedef enum cs_perturb_kind {
    CS_PERTURB_INVALID = -1,        /**< Never a spec's kind: what cs_perturb_spec_kind() and
                                         cs_perturb_report_kind() return for NULL. */
    CS_PERTURB_NONE = 0,            /**< Nothing: the baseline. */
    CS_NOISE_SHUFFLE = 1,           /**< Permute the labels of round(x·N) chosen records. */
    CS_NOISE_SYMMETRIC = 2,         /**< Relabel round(x·N) chosen records uniformly among the other classes. */
    CS_NOISE_PAIRFLIP = 3,          /**< Relabel round(x·n_c) records of class c as map[c]. */
    CS_NOISE_MATRIX = 4,            /**< Relabel exact counts per a transition matrix T[true][noisy]. */
    CS_NOISE_TARGETED = 5,          /**< Symmetric noise on records of chosen classes only. */
    CS_REDUCE_UNIFORM = 16,         /**< Keep round(f·N) records at random. */
    CS_REDUCE_STRATIFIED = 17,      /**< Keep round(f·n_c) records of every class. */
    CS_REDUCE_TARGETED = 18         /**< Keep round(f·n_c) records of chosen classes, all of the others. */
} cs_perturb_kind;

/** @brief Built-in class maps for ::CS_NOISE_PAIRFLIP. */
typedef enum cs_pairflip_map {
    CS_PAIRFLIP_CIFAR10 = 0,  /**< 9→1 (truck→automobile), 2→0 (bird→airplane), 4→7 (deer→horse), 3↔5 (cat↔dog); K must be 10. */
    CS_PAIRFLIP_CYCLIC = 1,   /**< c → (c + 1) mod K. */
    CS_PAIRFLIP_USER = 2      /**< A map set with cs_perturb_spec_set_map(). */
} cs_pairflip_map;

/** @brief Opaque description of one perturbation (kind, level, and its arrays). */
typedef struct cs_perturb_spec cs_perturb_spec;

/**
 * @brief A spec of the given kind and level, without class lists, maps or matrices
 *        (set those with the setters below where the kind needs them).
 * @param[out] out  The spec; NULL on failure. Owned: free with cs_perturb_spec_destroy().
 * @param kind      A ::cs_perturb_kind. For ::CS_NOISE_PAIRFLIP the map defaults to
 *                  ::CS_PAIRFLIP_CYCLIC.
 * @param level     Noise rate x in [0, 1], or reduction fraction f in (0, 1]; ignored for
 *                  ::CS_PERTURB_NONE and ::CS_NOISE_MATRIX (whose level becomes the mean
 *                  off-diagonal mass of T, (1/K)·Σ_c (1 − T[c][c]), once the matrix is set).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for an unknown kind; ::CS_ERR_OUT_OF_RANGE for
 *         a level outside its interval (or not finite); ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_perturb_spec_create(cs_perturb_spec **out, cs_perturb_kind kind, double level);

/**
 * @brief Parse a spec string (see the table in this header's description).
 * @param[out] out  The spec; NULL on failure. Owned.
 * @param text      The string, e.g. "pairflip:cifar10:0.2".
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for malformed text (the message quotes the part
 *         that failed and what was expected); ::CS_ERR_OUT_OF_RANGE for a level outside its
 *         interval; the errors of the setters for bad maps and matrices.
 */
CS_API int cs_perturb_spec_parse(cs_perturb_spec **out, const char *text);

/**
 * @brief Write the canonical string of a spec; parsing it gives back an equal spec.
 *        Levels are written with up to 17 significant digits (shortest that round-trips).
 *
 * A user map set with cs_perturb_spec_set_map() is written as its moved pairs (`9>1+…`); the
 * parsed spec applies the same relabelling but no longer insists that K equals the map's
 * length.
 * @param[out] buf    Destination (may be NULL when @p cap is 0).
 * @param cap         Capacity in bytes.
 * @param[out] needed Bytes needed including the NUL (may be NULL).
 * @param spec        The spec.
 * @return ::CS_OK; ::CS_ERR_SIZE_MISMATCH when @p cap is too small; ::CS_ERR_INVALID_ARGUMENT
 *         for NULL or an incomplete spec (a targeted kind without classes, a matrix kind
 *         without its matrix).
 */
CS_API int cs_perturb_spec_format(char *buf, size_t cap, size_t *needed, const cs_perturb_spec *spec);

/** @brief Free a spec. @param spec The spec; NULL is accepted. */
CS_API void cs_perturb_spec_destroy(cs_perturb_spec *spec);

/**
 * @brief The kind of a spec.
 * @param spec The spec.
 * @return Its ::cs_perturb_kind; ::CS_PERTURB_INVALID when @p spec is NULL (::CS_PERTURB_NONE
 *         is a valid kind, the baseline's).
 */
CS_API cs_perturb_kind cs_perturb_spec_kind(const cs_perturb_spec *spec);

/**
 * @brief The level of a spec (noise rate or kept fraction).
 * @param spec The spec.
 * @return The level; 0 for ::CS_PERTURB_NONE; NaN when @p spec is NULL.
 */
CS_API double cs_perturb_spec_level(const cs_perturb_spec *spec);

/**
 * @brief Choose the classes of a targeted spec (::CS_NOISE_TARGETED, ::CS_REDUCE_TARGETED).
 * @param spec     The spec.
 * @param classes  n distinct class indices in 0..65535 (copied; checked against K when applied).
 * @param n        Number of classes, >= 1.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (wrong kind, NULL, n < 1, a negative or repeated
 *         class); ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_perturb_spec_set_classes(cs_perturb_spec *spec, const int *classes, int n);

/**
 * @brief Choose the map of a ::CS_NOISE_PAIRFLIP spec.
 * @param spec     The spec.
 * @param which    ::CS_PAIRFLIP_CIFAR10 or ::CS_PAIRFLIP_CYCLIC (then @p map is ignored), or
 *                 ::CS_PAIRFLIP_USER with @p map.
 * @param map      For ::CS_PAIRFLIP_USER: k entries, map[c] in [0, k) (copied).
 * @param k        Length of @p map (must equal the data set's K when applied).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (wrong kind, NULL map, k < 2);
 *         ::CS_ERR_OUT_OF_RANGE for an entry outside [0, k) (the message names it);
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_perturb_spec_set_map(cs_perturb_spec *spec, cs_pairflip_map which, const int *map, int k);

/**
 * @brief Set the transition matrix of a ::CS_NOISE_MATRIX spec.
 * @param spec  The spec.
 * @param t     k×k row-major T[true][noisy] (copied): entries >= 0, each row summing to 1
 *              within 1e-9.
 * @param k     Number of classes, >= 2.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (wrong kind, NULL, k < 2, a negative or
 *         non-finite entry, a row whose sum is not 1: the message names the row and its sum);
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_perturb_spec_set_matrix(cs_perturb_spec *spec, const double *t, int k);

/** @brief Opaque account of what a perturbation did. */
typedef struct cs_perturb_report cs_perturb_report;

/**
 * @brief Apply a perturbation.
 * @param[out] out     The perturbed view of @p in (shared pixels; own labels and index list);
 *                     NULL on failure. Owned: free with cs_dataset_destroy().
 * @param[out] report  What happened (may be NULL if not wanted). Owned: free with
 *                     cs_perturb_report_destroy().
 * @param in           The data set to perturb (a view is fine: its labels are the "true"
 *                     ones for the report).
 * @param spec         The perturbation.
 * @param seed         Seed of every random choice.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL, or a spec missing its classes, map or
 *         matrix); ::CS_ERR_OUT_OF_RANGE for targeted classes or map entries >= K;
 *         ::CS_ERR_SIZE_MISMATCH when a map or matrix is not K wide; ::CS_ERR_UNSUPPORTED for
 *         the CIFAR-10 map on K ≠ 10; ::CS_ERR_OUT_OF_RANGE when a reduction that keeps every
 *         (chosen) class would leave one empty (the message names the class and its size),
 *         or when a uniform reduction would keep no record; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_perturb_apply(cs_dataset **out, cs_perturb_report **report, const cs_dataset *in,
                            const cs_perturb_spec *spec, uint64_t seed);

/**
 * @brief The matched-volume control of a noise condition: a ::CS_REDUCE_UNIFORM spec that
 *        removes as many records as the noise actually corrupted, f = 1 − realised flip rate.
 *
 * Training on it separates "less good data" from "bad labels confuse the model".
 * @param[out] out     The reduction spec; NULL on failure. Owned.
 * @param noise_report The report of a noise perturbation.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL, or a report of a reduction or of
 *         ::CS_PERTURB_NONE);
 *         ::CS_ERR_OUT_OF_RANGE when every record was flipped (f would be 0).
 */
CS_API int cs_perturb_matched_reduction(cs_perturb_spec **out, const cs_perturb_report *noise_report);

/** @brief Free a report. @param r The report; NULL is accepted. */
CS_API void cs_perturb_report_destroy(cs_perturb_report *r);

/**
 * @brief The kind of perturbation the report describes.
 * @param r The report.
 * @return The ::cs_perturb_kind; ::CS_PERTURB_INVALID when @p r is NULL.
 */
CS_API cs_perturb_kind cs_perturb_report_kind(const cs_perturb_report *r);

/**
 * @brief Records in the input (N before).
 * @param r The report.
 * @return N; 0 when @p r is NULL.
 */
CS_API size_t cs_perturb_report_size_before(const cs_perturb_report *r);

/**
 * @brief Records in the output (N after: N for noise, the kept count for reduction).
 * @param r The report.
 * @return The count; 0 when @p r is NULL.
 */
CS_API size_t cs_perturb_report_size_after(const cs_perturb_report *r);

/**
 * @brief Records the perturbation selected: chosen for relabelling (noise), or removed
 *        (reduction).
 * @param r The report.
 * @return The count; 0 when @p r is NULL.
 */
CS_API size_t cs_perturb_report_selected(const cs_perturb_report *r);

/**
 * @brief Records whose label actually changed (0 for reductions).
 * @param r The report.
 * @return The count; 0 when @p r is NULL.
 */
CS_API size_t cs_perturb_report_changed(const cs_perturb_report *r);

/**
 * @brief The realised flip rate: changed / N before (0 for reductions).
 * @param r The report.
 * @return The rate in [0, 1]; NaN when @p r is NULL.
 */
CS_API double cs_perturb_report_flip_rate(const cs_perturb_report *r);

/**
 * @brief The realised transition matrix of the output: counts[t][j] = records of true
 *        class t that carry label j in the output (for reductions, a diagonal matrix of kept
 *        records). Its total is N after; its row sums are the true class counts kept.
 * @param[out] counts k×k values, row-major [true][noisy].
 * @param k           Must equal the data set's K.
 * @param r           The report.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_perturb_report_transitions(size_t *counts, int k, const cs_perturb_report *r);

/**
 * @brief Records per label before and after.
 * @param[out] before k counts of the input's labels (or NULL).
 * @param[out] after  k counts of the output's labels (or NULL).
 * @param k           Must equal the data set's K.
 * @param r           The report.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_perturb_report_class_counts(size_t *before, size_t *after, int k,
                                          const cs_perturb_report *r);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_PERTURB_H */
