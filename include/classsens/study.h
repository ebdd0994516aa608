/**
 * @file classsens/study.h
 * @brief Studies: every (model, condition, replicate) cell trained from scratch and evaluated
 *        on the clean test set, in parallel, resumably, into a results store; and reading a
 *        store back.
 *
 * A study is a data set (training split + clean test split) × models × conditions ×
 * replicates. Conditions are the baseline (always present, first), label-noise and
 * data-reduction perturbations (::cs_perturb_spec), and optionally, for every noise condition,
 * its matched-volume control: the uniform reduction that removes as many records as that
 * replicate's noise actually corrupted.
 *
 * Seeds: every random stream of a cell (the training/test subsets, the perturbation, the
 * initial weights, the data order, augmentation and dropout) is derived from (study seed,
 * model, condition, replicate, purpose) with a counter-based generator. The perturbation
 * stream leaves the model out, so every model of replicate r sees the same perturbed
 * training set. A cell's result depends on nothing else: not on the worker that ran it, the
 * order, or the number of concurrent cells.
 *
 * The store is a directory (format in docs/formats.md): `study.json` holds the
 * configuration and its hash; `cells/` one JSON file per finished cell, each written
 * atomically (temporary file, fsync, rename). Running a study into a store that already holds
 * finished cells of the same configuration skips them (resume); a store made by another
 * configuration is refused.
 */
#ifndef CLASSSENS_STUDY_H
#define CLASSSENS_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/common.h>
#include <classsens/confusion.h>
#include <classsens/dataset.h>
#include <classsens/model.h>
#include <classsens/perturb.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Opaque handle to a study being configured and run. */
typedef struct cs_study cs_study;

/** @brief What a ::cs_study_event reports. */
typedef enum cs_study_event_kind {
    CS_STUDY_EVENT_CELL_SKIPPED = 0, /**< The store already holds this cell (resume). */
    CS_STUDY_EVENT_CELL_STARTED = 1, /**< A worker started training the cell. */
    CS_STUDY_EVENT_EPOCH = 2,        /**< The cell finished an epoch (see @ref cs_study_event.epoch). */
    CS_STUDY_EVENT_CELL_FINISHED = 3 /**< The cell was evaluated and written to the store. */
} cs_study_event_kind;

/** @brief Progress of cs_study_run(), passed to its callback. */
typedef struct cs_study_event {
    cs_study_event_kind kind;     /**< What happened. */
    int cell;                     /**< Index of the cell (model-major, then condition, then replicate). */
    int cells_total;              /**< Cells in the study. */
    int cells_finished;           /**< Cells in the store now, skipped ones included. */
    const char *model;            /**< The cell's model name. */
    const char *condition;        /**< The cell's condition name (e.g. "baseline", "shuffle:0.1"). */
    int replicate;                /**< The cell's replicate, 0-based. */
    int threads;                  /**< Threads the cell trains and predicts with (cs_model_set_threads()). */
    const cs_epoch_report *epoch; /**< ::CS_STUDY_EVENT_EPOCH: the epoch's numbers; NULL otherwise. */
    double test_accuracy;         /**< ::CS_STUDY_EVENT_CELL_FINISHED and _SKIPPED: clean test accuracy. */
    double seconds;               /**< ::CS_STUDY_EVENT_CELL_FINISHED: the cell's wall time. */
    double work_done;             /**< Estimated work of the cells trained so far in this run,
                                       in GFLOP (finished cells plus finished epochs). */
    double work_total;            /**< Estimated work of every cell this run trains, in GFLOP;
                                       with the elapsed time, work_done / work_total gives an ETA. */
} cs_study_event;

/**
 * @brief Progress callback of cs_study_run().
 *
 * Calls are serialised (never two at once) but may come from any worker thread.
 * @param event   What happened (valid during the call).
 * @param payload The caller's pointer from ::cs_study_options.
 * @return 0 to go on; non-zero to stop: cells in flight are abandoned at their next epoch,
 *         nothing more is written, and cs_study_run() returns ::CS_ERR_CANCELLED.
 */
typedef int (*cs_study_progress_fn)(const cs_study_event *event, void *payload);

/** @brief Options of cs_study_create(). Initialise with ::CS_STUDY_OPTIONS_INIT. */
typedef struct cs_study_options {
    size_t struct_size;       /**< sizeof(cs_study_options). */
    int replicates;           /**< Replicates (seeds) per (model, condition), >= 1; default 3. */
    uint64_t seed;            /**< The study seed every stream derives from; default 0. */
    size_t train_subset;      /**< 0 (default): the whole training split; otherwise a stratified
                                   sample of this many records (class proportions kept, drawn
                                   from the study seed, the same for every cell), to make a
                                   study fit a small machine. */
    size_t test_subset;       /**< Likewise for the test split; 0 (default): all of it. */
    int matched_controls;     /**< Non-zero: add the matched-volume control of every noise
                                   condition (named "matched:" + the noise's name). Default 0. */
    int jobs;                 /**< Cells trained at once; 0 (default) = the online CPUs. Changes
                                   the wall time only, never a result. */
    cs_study_progress_fn progress; /**< Called on every event, or NULL. */
    void *payload;            /**< Passed to @ref progress. */
} cs_study_options;

/** @brief Defaults: 3 replicates, seed 0, whole splits, no controls, one job per CPU. */
#define CS_STUDY_OPTIONS_INIT { sizeof(cs_study_options), 3, 0u, 0u, 0u, 0, 0, NULL, NULL }

/**
 * @brief Create a study over a training and a clean test split.
 *
 * The study keeps references to both data sets: they must outlive it. Add models with
 * cs_study_add_model() and conditions with cs_study_add_condition(), then run it.
 * @param[out] out   The study; NULL on failure. Owned: free with cs_study_destroy().
 * @param train      Training split.
 * @param test       Clean test split: same shape and number of classes as @p train.
 * @param data_name  How reports name the data set (e.g. "fashion-mnist"), 1..200 bytes of
 *                   printable ASCII. It is part of the configuration, with a fingerprint of
 *                   both splits' pixels and labels.
 * @param opts       Options, or NULL for ::CS_STUDY_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH (splits of different
 *         shape or K); ::CS_ERR_OUT_OF_RANGE (a subset larger than its split, or too small to
 *         keep one record of every class); ::CS_ERR_UNSUPPORTED for a newer options struct;
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_study_create(cs_study **out, const cs_dataset *train, const cs_dataset *test,
                           const char *data_name, const cs_study_options *opts);

/** @brief Free a study. @param s The study; NULL is accepted. */
CS_API void cs_study_destroy(cs_study *s);

/**
 * @brief Add a model: every condition and replicate is trained with it.
 *
 * From @p train the study takes epochs, batch size, learning rate, momentum, weight decay,
 * Nesterov, schedule, step size, gamma, warm-up, crop padding and flips. Its seed is
 * replaced by the cell's derived seed and its callback by the study's. Its `threads` is the
 * cell's thread count (cs_model_set_threads(): each batch split among that many threads),
 * part of the configuration because results depend on it (partial sums group differently);
 * 0 chooses automatically: 1 for models of less than 100 MFLOP per forward pass of one image
 * (they run one per core) and 2 for larger ones, a rule that does not depend on the machine.
 * @param s      The study.
 * @param name   Unique name in reports, 1..64 bytes of letters, digits and `._-:+`; NULL:
 *               the architecture, followed by `:width` when the width is not 1.
 * @param arch   Architecture (see cs_model_create()).
 * @param width  Width multiplier, > 0.
 * @param train  Training recipe, or NULL for ::CS_TRAIN_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND (unknown architecture); ::CS_ERR_INVALID_ARGUMENT
 *         (bad name, duplicate name, bad width or options); ::CS_ERR_UNSUPPORTED (an input
 *         too small for the architecture); ::CS_ERR_STATE after the study has run;
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_study_add_model(cs_study *s, const char *name, const char *arch, double width,
                              const cs_train_options *train);

/**
 * @brief Add a perturbation condition (label noise or data reduction).
 *
 * The condition is named by cs_perturb_spec_format(); adding the same condition twice is an
 * error. The specification is copied.
 * @param s     The study.
 * @param spec  The perturbation; its classes and maps must fit the data set's K.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL, duplicate); ::CS_ERR_OUT_OF_RANGE (a
 *         class or map outside K); ::CS_ERR_STATE after the study has run;
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_study_add_condition(cs_study *s, const cs_perturb_spec *spec);

/** @brief Number of cells: models × conditions (baseline and controls included) × replicates. @param s The study. @return The count; 0 for NULL. */
CS_API int cs_study_num_cells(const cs_study *s);

/**
 * @brief Run every cell that the store does not hold yet.
 *
 * Creates @p store_dir (one level) when missing, writes `study.json`, and trains the missing
 * cells with up to `jobs` at once; cells with the same thread count run together (jobs /
 * threads of them at a time), and OpenBLAS's thread setting is restored afterwards. Killing the process loses at most the cells in
 * flight; running again resumes.
 * @param s          The study (with at least one model).
 * @param store_dir  The results store.
 * @return ::CS_OK when every cell is in the store; ::CS_ERR_STATE for a store of another
 *         configuration (the message names the first difference) or a study without models;
 *         ::CS_ERR_IO; ::CS_ERR_CANCELLED; a cell's own failure (e.g. ::CS_ERR_DIVERGED),
 *         with a message naming the cell — the cells already finished stay in the store.
 */
CS_API int cs_study_run(cs_study *s, const char *store_dir);

/** @brief Opaque handle to the results read from a store. */
typedef struct cs_results cs_results;

/** @brief What a condition of a study is. */
typedef enum cs_condition_family {
    CS_CONDITION_BASELINE = 0,  /**< The clean training set. */
    CS_CONDITION_NOISE = 1,     /**< Label noise; its level is the noise rate. */
    CS_CONDITION_REDUCTION = 2, /**< Data reduction; its level is the fraction kept. */
    CS_CONDITION_CONTROL = 3    /**< Matched-volume control of a noise condition; its level is
                                     the noise condition's rate. */
} cs_condition_family;

/** @brief One finished cell as read from the store. Set its struct_size before the call. */
typedef struct cs_cell_result {
    size_t struct_size;            /**< sizeof(cs_cell_result), set by the caller. */
    const cs_confusion *confusion; /**< Test confusion counts C[true][pred] (borrowed). */
    double test_accuracy;          /**< Accuracy on the clean test set. */
    int epochs;                    /**< Epochs trained. */
    const cs_epoch_report *trace;  /**< One report per epoch, `epochs` of them (borrowed). */
    size_t train_size;             /**< Training records after the perturbation. */
    size_t changed;                /**< Labels the perturbation changed (noise) or records it removed. */
    double flip_rate;              /**< Realised flip rate (noise; 0 otherwise). */
    double train_seconds;          /**< Wall time of training. */
    double test_seconds;           /**< Wall time of the evaluation. */
    int threads;                   /**< Threads it ran with (cs_model_set_threads()). */
} cs_cell_result;

/**
 * @brief Read a store: its configuration and every finished cell.
 * @param[out] out   The results; NULL on failure. Owned: free with cs_results_destroy().
 * @param store_dir  A directory written by cs_study_run().
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND (no store there); ::CS_ERR_FORMAT or ::CS_ERR_CORRUPT for
 *         a damaged `study.json` or cell file (the message names the file, line and what was
 *         expected); ::CS_ERR_IO; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_results_open(cs_results **out, const char *store_dir);

/** @brief Free results. @param r The results; NULL is accepted. */
CS_API void cs_results_destroy(cs_results *r);

/** @brief The data set's name. @param r The results. @return Borrowed string. */
CS_API const char *cs_results_data_name(const cs_results *r);
/** @brief The configuration's hash (16 hex digits). @param r The results. @return Borrowed string. */
CS_API const char *cs_results_config_hash(const cs_results *r);
/** @brief Number of classes K. @param r The results. @return K; 0 for NULL. */
CS_API int cs_results_num_classes(const cs_results *r);
/** @brief Class name. @param r The results. @param k Class. @return Borrowed string; NULL when out of range. */
CS_API const char *cs_results_class_name(const cs_results *r, int k);
/** @brief Replicates per (model, condition). @param r The results. @return The count. */
CS_API int cs_results_replicates(const cs_results *r);
/** @brief Training records per cell before perturbation (after the training subset). @param r The results. @return The count. */
CS_API size_t cs_results_train_size(const cs_results *r);
/** @brief Test records per cell (after the test subset). @param r The results. @return The count. */
CS_API size_t cs_results_test_size(const cs_results *r);
/** @brief Number of models. @param r The results. @return The count. */
CS_API int cs_results_num_models(const cs_results *r);
/** @brief A model's name. @param r The results. @param i Model. @return Borrowed; NULL when out of range. */
CS_API const char *cs_results_model_name(const cs_results *r, int i);
/** @brief A model's architecture. @param r The results. @param i Model. @return Borrowed; NULL when out of range. */
CS_API const char *cs_results_model_arch(const cs_results *r, int i);
/** @brief A model's width multiplier. @param r The results. @param i Model. @return The width; NaN when out of range. */
CS_API double cs_results_model_width(const cs_results *r, int i);
/**
 * @brief A model's training recipe as configured (seed 0, no callback).
 * @param r         The results.
 * @param i         Model.
 * @param[out] out  The options (its struct_size must be set by the caller; older structs get
 *                  the fields they have).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OUT_OF_RANGE.
 */
CS_API int cs_results_model_train_options(const cs_results *r, int i, cs_train_options *out);
/** @brief Number of conditions (baseline first). @param r The results. @return The count. */
CS_API int cs_results_num_conditions(const cs_results *r);
/** @brief A condition's name. @param r The results. @param j Condition. @return Borrowed; NULL when out of range. */
CS_API const char *cs_results_condition_name(const cs_results *r, int j);
/** @brief A condition's family. @param r The results. @param j Condition. @return The family (::CS_CONDITION_BASELINE when out of range). */
CS_API cs_condition_family cs_results_condition_family(const cs_results *r, int j);
/** @brief A condition's level: noise rate, fraction kept, or the controlled noise's rate; 0 for the baseline. @param r The results. @param j Condition. @return The level. */
CS_API double cs_results_condition_level(const cs_results *r, int j);

/**
 * @brief One cell's result.
 * @param r          The results.
 * @param model      Model index.
 * @param condition  Condition index.
 * @param replicate  Replicate index.
 * @param[out] out   The cell (pointers borrowed from @p r); the caller sets its struct_size
 *                   (an older, smaller struct gets the fields it has).
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND when the store does not hold that cell yet;
 *         ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_INVALID_ARGUMENT (NULL, or struct_size too small).
 */
CS_API int cs_results_cell(const cs_results *r, int model, int condition, int replicate,
                           cs_cell_result *out);

/** @brief Finished cells in the store. @param r The results. @return The count. */
CS_API int cs_results_cells_finished(const cs_results *r);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_STUDY_H */
