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

#include <classsens/analysis.h>
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
    CS_STUDY_EVENT_CELL_SKIPPED = 0, /**< The store already holds this cell (resume): finished, or
                                          failed in an earlier run and not retried (then
                                          test_accuracy is NaN and @ref cs_study_event.epoch gives
                                          the epoch in which training stopped). */
    CS_STUDY_EVENT_CELL_STARTED = 1, /**< A worker started training the cell. */
    CS_STUDY_EVENT_EPOCH = 2,        /**< The cell finished an epoch (see @ref cs_study_event.epoch). */
    CS_STUDY_EVENT_CELL_FINISHED = 3, /**< The cell was evaluated and written to the store. */
    CS_STUDY_EVENT_CELL_FAILED = 4    /**< The cell's training diverged (::CS_ERR_DIVERGED): it was
                                           written to the store as a failed cell and the study goes
                                           on. @ref cs_study_event.epoch gives the epoch in which
                                           training stopped (its loss NaN), test_accuracy is NaN;
                                           cs_results_cell_failure() has the reason. */
} cs_study_event_kind;

/** @brief Progress of cs_study_run(), passed to its callback. */
typedef struct cs_study_event {
    cs_study_event_kind kind;     /**< What happened. */
    int cell;                     /**< Index of the cell (model-major, then condition, then replicate). */
    int cells_total;              /**< Cells in the study (with shards: in this shard). */
    int cells_finished;           /**< Of those, cells in the store now, skipped ones included
                                       (failed cells not counted). */
    const char *model;            /**< The cell's model name. */
    const char *condition;        /**< The cell's condition name (e.g. "baseline", "shuffle:0.1"). */
    int replicate;                /**< The cell's replicate, 0-based. */
    int threads;                  /**< Threads the cell trains and predicts with (cs_model_set_threads()). */
    const cs_epoch_report *epoch; /**< ::CS_STUDY_EVENT_EPOCH: the epoch's numbers; for a failed
                                       cell (::CS_STUDY_EVENT_CELL_FAILED, _SKIPPED) the epoch in
                                       which training stopped, its loss and accuracy NaN; NULL
                                       otherwise. */
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
    int shard_index;          /**< With @ref shard_count > 1: the shard cs_study_run() trains,
                                   0 .. shard_count - 1. Default 0. */
    int shard_count;          /**< 0 or 1 (default): cs_study_run() trains every missing cell;
                                   N > 1: only the missing cells of shard @ref shard_index of
                                   the split of cs_study_shards() (balanced by estimated cost,
                                   the same on every machine), so that N processes, anywhere,
                                   can fill one store on a shared directory. Never changes a
                                   result. */
    const char *worker;       /**< How this process names itself in the claims of the cells it
                                   trains (see cs_study_claim_cell()), 1..64 printable ASCII
                                   characters; NULL (default): "shard I/N" with shards, else
                                   "local". Copied at cs_study_create(). */
    cs_precision precision;   /**< Arithmetic of every cell's matrix products
                                   (cs_model_set_precision()); default ::CS_PRECISION_FP32.
                                   Part of the configuration (results depend on it): a bf16
                                   study's study.json records `"precision": "bf16"`, an fp32
                                   study's records nothing, as before the option existed.
                                   ::CS_PRECISION_BF16 needs AVX512_BF16 on every machine that
                                   trains cells. */
    int retry_failed;         /**< Non-zero: cs_study_run() trains the store's failed cells
                                   (those whose training diverged in an earlier run) again;
                                   0 (default): it leaves them failed. Never part of the
                                   configuration. */
    int record_scores;        /**< Non-zero (default): every finished cell also stores its
                                   record scores (classsens/records.h: each training record's
                                   confidence, variability, area under the margin and most
                                   frequent other class) in a sidecar file next to its cell
                                   file (`records/`), read back with
                                   cs_results_cell_records(). Never changes a result and is
                                   never part of the configuration; 0: no sidecars. */
} cs_study_options;

/** @brief Defaults: 3 replicates, seed 0, whole splits, no controls, one job per CPU, every
 *         cell, fp32, failed cells left failed, record scores on. */
#define CS_STUDY_OPTIONS_INIT                                                                      \
    { sizeof(cs_study_options), 3, 0u, 0u, 0u, 0, 0, NULL, NULL, 0, 0, NULL, CS_PRECISION_FP32, 0, 1 }

/**
 * @brief Fill @p opts with exactly what ::CS_STUDY_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_study_options_init(cs_study_options *opts);

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
 *         ::CS_ERR_OUT_OF_MEMORY. On failure the study is unchanged (a noise level whose matched
 *         control cannot be added is not kept either).
 */
CS_API int cs_study_add_condition(cs_study *s, const cs_perturb_spec *spec);

/**
 * @brief Add a point of the noise × volume grid: label noise applied to a data reduction.
 *
 * The condition is named "<reduction>/<noise>" (each by cs_perturb_spec_format(), e.g.
 * "reduce:uniform:0.5/shuffle:0.2"). Its two sides are conditions of the study too: each is
 * added with cs_study_add_condition() unless the study already has it (with
 * ::cs_study_options.matched_controls, the noise's matched control comes with it), since the
 * grid's edges are those conditions: noise 0 is the reduction, kept 1 is the noise.
 *
 * Seeds are nested: in replicate r the cell's reduced set is the reduction condition's
 * training set of replicate r (the same records, drawn with the same seed), and the noise is
 * applied to it with the noise condition's seed of replicate r. Every point of the grid is
 * thus comparable with its row and its column.
 * @param s       The study.
 * @param noise   A label-noise perturbation (::CS_NOISE_SHUFFLE, ::CS_NOISE_SYMMETRIC, ::CS_NOISE_PAIRFLIP,
 *                ::CS_NOISE_MATRIX or ::CS_NOISE_TARGETED).
 * @param reduce  A uniform or stratified reduction (::CS_REDUCE_UNIFORM,
 *                ::CS_REDUCE_STRATIFIED).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL, @p noise not a noise, @p reduce not a
 *         uniform or stratified reduction, the point already in the study: the message says
 *         which); the errors of cs_study_add_condition() for either side; ::CS_ERR_STATE after
 *         the study has run; ::CS_ERR_OUT_OF_MEMORY. On failure the study is unchanged: a side
 *         added for this point is removed again.
 */
CS_API int cs_study_add_grid(cs_study *s, const cs_perturb_spec *noise, const cs_perturb_spec *reduce);

/** @brief Number of cells: models × conditions (baseline and controls included) × replicates. @param s The study. @return The count (0 before the first model); -1 for NULL. */
CS_API int cs_study_num_cells(const cs_study *s);

/**
 * @brief Run every cell that the store does not hold yet.
 *
 * Creates @p store_dir (one level) when missing, writes `study.json`, and trains the missing
 * cells (with shards: those of this process's shard) with up to `jobs` at once; cells with the
 * same thread count run together (jobs / threads of them at a time), the most expensive first
 * (cs_study_schedule()), and OpenBLAS's thread setting is restored afterwards. Each cell is
 * claimed while it trains (cs_study_claim_cell()). Killing the process loses at most the cells
 * in flight; running again resumes. Several processes may run shards of one study into one
 * store at once.
 * Before anything is announced or trained, every file the store holds for the study's cells
 * is read and checked in full (checksum, identity, every derived value against its source;
 * docs/formats.md), and the temporary files of interrupted writes are removed (with shards,
 * only those older than 10 minutes, since other shards may be writing).
 *
 * A cell whose training diverges (::CS_ERR_DIVERGED) does not stop the study: it is written
 * to the store as a failed cell (`failed/`, with the reason and the epoch) and reported by a
 * ::CS_STUDY_EVENT_CELL_FAILED event; later runs leave it failed unless
 * ::cs_study_options.retry_failed is set.
 * @param s          The study (with at least one model).
 * @param store_dir  The results store.
 * @return ::CS_OK when every cell (with shards: every cell of this shard) is in the store,
 *         finished or failed; ::CS_ERR_STATE for a store of another
 *         configuration (the message names the first difference) or a study without models;
 *         ::CS_ERR_CORRUPT or ::CS_ERR_FORMAT for a damaged or edited file of the store (the
 *         message names it and says what to do; nothing was trained); ::CS_ERR_IO;
 *         ::CS_ERR_CANCELLED; a cell's own failure other than divergence, with a message
 *         naming the cell — the cells already finished stay in the store.
 */
CS_API int cs_study_run(cs_study *s, const char *store_dir);

/** @name Cells one by one
 * The pieces of cs_study_run() for programs that schedule cells themselves (the MPI driver of
 * the `classsens` tool, a batch system, a work queue): describe and order the cells, train one
 * into a record (the exact bytes of its cell file), and store a record, possibly trained by
 * another process or machine, into the store. A record depends only on the configuration and
 * the cell, never on where, when or beside what it was trained — except for the members of its
 * `timing` object.
 * @{
 */

/** @brief One cell, as cs_study_cell() describes it. Set its struct_size before the call. */
typedef struct cs_study_cell_info {
    size_t struct_size;     /**< sizeof(cs_study_cell_info), set by the caller. */
    const char *model;      /**< The model's name (borrowed from the study). */
    const char *condition;  /**< The condition's name (borrowed from the study). */
    int model_index;        /**< Index of the model, in the order of cs_study_add_model(). */
    int condition_index;    /**< Index of the condition (0 is the baseline). */
    int replicate;          /**< Replicate, 0-based. */
    int threads;            /**< Threads the cell trains with (see cs_study_add_model()). */
    int epochs;             /**< Epochs it trains. */
    double gflop;           /**< Estimated work in GFLOP: the model's forward FLOPs per image ×
                                 (3 × epochs × the estimated training records + the test
                                 records). Its ratio to a measured rate gives seconds; the
                                 number itself is the same on every machine. */
} cs_study_cell_info;

/**
 * @brief Describe one cell.
 * @param[out] out The description (strings borrowed from @p s); its struct_size set by the
 *                 caller (an older, smaller struct gets the fields it has).
 * @param s        The study.
 * @param cell     Cell index, 0 .. cs_study_num_cells() - 1 (model-major, then condition,
 *                 then replicate).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL, struct_size too small); ::CS_ERR_OUT_OF_RANGE.
 */
CS_API int cs_study_cell(cs_study_cell_info *out, const cs_study *s, int cell);

/**
 * @brief The order in which cells are handed out: every cell, most expensive first.
 *
 * Cells are sorted by estimated work (::cs_study_cell_info.gflop), descending; equal ones
 * keep their index order. Handing cells out in this order to whichever worker is free (the
 * longest-processing-time-first rule) keeps the longest cells from ending a run alone. The
 * MPI driver of the `classsens` tool uses it as it is; cs_study_run() first groups the cells
 * by thread count (fewest first) and keeps this order within each group.
 * @param[out] order cs_study_num_cells() cell indices.
 * @param n          Capacity of @p order; at least cs_study_num_cells().
 * @param s          The study.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OVERFLOW (@p n too small).
 */
CS_API int cs_study_schedule(int *order, int n, const cs_study *s);

/**
 * @brief Split the cells into @p shards shards of balanced estimated work.
 *
 * Deterministic: cells are taken in cs_study_schedule() order and each goes to the shard with
 * the least work so far (the lowest index among equals), so every process that builds the same
 * study computes the same split, whatever its machine.
 * @param[out] shard_of For every cell, its shard (0 .. shards - 1).
 * @param n             Capacity of @p shard_of; at least cs_study_num_cells().
 * @param s             The study.
 * @param shards        Number of shards, 1..65536.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OVERFLOW.
 */
CS_API int cs_study_shards(int *shard_of, int n, const cs_study *s, int shards);

/**
 * @brief Create or check a store for this study, as cs_study_run() does first.
 *
 * Writes `study.json` (and the `cells/` and `running/` directories) when the store is new;
 * otherwise checks that it was made by this configuration. Safe to call from several
 * processes at once on one directory.
 * @param s          The study (with at least one model).
 * @param store_dir  The results store.
 * @return ::CS_OK; ::CS_ERR_STATE (another configuration, the message names the first
 *         difference; no models); ::CS_ERR_FORMAT; ::CS_ERR_IO; ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_study_prepare(cs_study *s, const char *store_dir);

/**
 * @brief Whether the store holds a finished cell.
 * @param s          The study.
 * @param store_dir  A store prepared for this study.
 * @param cell       Cell index.
 * @return 1 when the cell file is there and passes every check of the store's reader; 2 when
 *         the store holds the cell as a failed cell (its training diverged; `failed/`); 0 when
 *         neither is there; ::CS_ERR_CORRUPT (a file of another cell or configuration, one that
 *         does not parse or fails a check: the message names it and says what to do);
 *         ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_IO; ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_study_cell_stored(cs_study *s, const char *store_dir, int cell);

/** @brief A trained cell: the bytes of its cell file (format: docs/formats.md). */
typedef struct cs_study_record cs_study_record;

/**
 * @brief Train and evaluate one cell into a record, without touching any store.
 *
 * The study's progress callback receives the cell's ::CS_STUDY_EVENT_CELL_STARTED and
 * ::CS_STUDY_EVENT_EPOCH events (returning non-zero cancels the cell); as the call knows of no
 * store or other cells, their cells_total is the study's, and cells_finished, work_done and
 * work_total are 0. OpenBLAS runs one
 * thread during the call, as in cs_study_run(). Several calls may run at once on one study
 * from different threads.
 * @param[out] out  The record; NULL on failure. Owned: free with cs_study_record_destroy().
 * @param s         The study.
 * @param cell      Cell index.
 *
 * A cell whose training diverges is not an error: the call returns ::CS_OK with the record of
 * a failed cell (cs_study_record_failed() is 1, its accuracy NaN; format: docs/formats.md),
 * which cs_study_store_record() stores as that cell's failure.
 * @return ::CS_OK; ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_CANCELLED; the cell's own failure other than
 *         divergence, with a message naming the cell; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_study_train_cell(cs_study_record **out, cs_study *s, int cell);

/**
 * @brief A record's bytes.
 *
 * They start with the text of the cell's file, which is NUL-terminated. With record scores on
 * (::cs_study_options.record_scores), a finished cell's record continues after that NUL with
 * the bytes of its record-score sidecar (docs/formats.md), which cs_study_store_record() stores
 * next to the cell file; @p len counts both. Pass all @p len bytes on.
 * @param[out] len Its length in bytes (may be NULL).
 * @param rec      The record.
 * @return Borrowed; valid until the record is destroyed.
 */
CS_API const char *cs_study_record_data(size_t *len, const cs_study_record *rec);

/** @brief The cell a record holds. @param rec The record. @return The cell index; -1 for NULL. */
CS_API int cs_study_record_cell(const cs_study_record *rec);

/**
 * @brief Whether a record is that of a failed cell (its training diverged).
 * @param rec The record.
 * @return 1 for a failed cell, 0 for a finished one; -1 for NULL.
 */
CS_API int cs_study_record_failed(const cs_study_record *rec);

/** @brief A record's clean test accuracy. @param rec The record. @return The accuracy; NaN for NULL or a failed cell. */
CS_API double cs_study_record_accuracy(const cs_study_record *rec);

/** @brief Free a record. @param rec The record; NULL is accepted. */
CS_API void cs_study_record_destroy(cs_study_record *rec);

/**
 * @brief Store a record's bytes, from this process or any other that trained the same study.
 *
 * The bytes are checked first, as every reader of the store checks a cell file: they must
 * parse as a cell file of this store format, carry a matching checksum, be of this study's
 * configuration (hash), name one of its cells and pass every check of its derived values; a
 * record-score sidecar after the text's NUL must be the one the text references (size and
 * CRC-32) and pass every check of cs_results_cell_records(). They are then written atomically
 * (temporary file, fsync, rename), the sidecar first, then the cell's file, and the
 * cell's claim, if any, is removed. A failed cell's record (cs_study_record_failed()) is
 * stored as the cell's failure (`failed/`); a finished cell's record replaces a failure.
 * @param[out] cell           The cell the record holds (may be NULL).
 * @param[out] test_accuracy  Its clean test accuracy; NaN for a failed cell (may be NULL).
 * @param s          The study.
 * @param store_dir  A store prepared for this study.
 * @param data       The record's bytes (from cs_study_record_data()).
 * @param len        Their length.
 * @return ::CS_OK; ::CS_ERR_FORMAT (not a cell record of this format; the message says what
 *         is wrong); ::CS_ERR_CORRUPT (a record of another configuration or an unknown cell, a
 *         checksum or a derived value that does not match); ::CS_ERR_IO;
 *         ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_study_store_record(int *cell, double *test_accuracy, cs_study *s, const char *store_dir,
                                 const void *data, size_t len);

/** @brief Who trains a cell: the contents of its claim. Set its struct_size before use. */
typedef struct cs_study_claim {
    size_t struct_size;   /**< sizeof(cs_study_claim), set by the caller. */
    const char *worker;   /**< The worker's name, e.g. "shard 2/8", "rank 5", "local". */
    const char *host;     /**< Host name of the process that trains the cell. */
    long long pid;        /**< Its process id on that host. */
    double since;         /**< When it started the cell, in seconds since 1970-01-01 UTC. */
} cs_study_claim;

/**
 * @brief Record in the store that a cell is being trained, and by whom.
 *
 * Claims are information for `classsens status` and cs_results_cell_claim(), never locks:
 * cs_study_run() writes one for every cell it starts and removes it when the cell is stored
 * or abandoned; a process killed mid-cell leaves its claim behind until the cell is stored.
 * The file is `running/<model>__<condition>__r<replicate>.json`, written atomically.
 * @param s          The study.
 * @param store_dir  A store prepared for this study.
 * @param cell       Cell index.
 * @param who        The claim; NULL: this process ("local" or the study's worker name, this
 *                   host, this pid, now). Its NULL strings and zero pid and time are likewise
 *                   filled from this process.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (a name too long or not printable, a struct_size
 *         too small); ::CS_ERR_UNSUPPORTED (the struct of a newer library); ::CS_ERR_OUT_OF_RANGE;
 *         ::CS_ERR_IO.
 */
CS_API int cs_study_claim_cell(cs_study *s, const char *store_dir, int cell, const cs_study_claim *who);

/**
 * @brief Remove a cell's claim (nothing happens when there is none).
 * @param s          The study.
 * @param store_dir  The store.
 * @param cell       Cell index.
 * @return ::CS_OK; ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_IO; ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_study_release_cell(cs_study *s, const char *store_dir, int cell);

/** @} */

/** @brief Opaque handle to the results read from a store. */
typedef struct cs_results cs_results;

/** @brief What a condition of a study is. */
typedef enum cs_condition_family {
    CS_CONDITION_BASELINE = 0,  /**< The clean training set. */
    CS_CONDITION_NOISE = 1,     /**< Label noise; its level is the noise rate. */
    CS_CONDITION_REDUCTION = 2, /**< Data reduction; its level is the fraction kept. */
    CS_CONDITION_CONTROL = 3,   /**< Matched-volume control of a noise condition; its level is
                                     the noise condition's rate. */
    CS_CONDITION_GRID = 4       /**< Label noise applied to a data reduction (cs_study_add_grid());
                                     its level is the noise rate; cs_results_condition_grid()
                                     names its noise and reduction conditions. */
} cs_condition_family;

/** @brief One finished cell as read from the store. Set its struct_size before the call. */
typedef struct cs_cell_result {
    size_t struct_size;            /**< sizeof(cs_cell_result), set by the caller. */
    const cs_confusion *confusion; /**< Test confusion counts C[true][pred] (borrowed). */
    double test_accuracy;          /**< Accuracy on the clean test set. */
    int epochs;                    /**< Epochs trained. */
    const cs_epoch_report *trace;  /**< One report per epoch, `epochs` of them (borrowed), laid
                                        out with this library's sizeof(cs_epoch_report), which is
                                        @c trace_stride: code that must work with a later library
                                        whose report has grown steps by @c trace_stride bytes, or
                                        copies them with cs_results_cell_trace(). */
    size_t train_size;             /**< Training records after the perturbation. */
    size_t changed;                /**< Labels the perturbation changed (noise) or records it removed. */
    double flip_rate;              /**< Realised flip rate (noise; 0 otherwise). */
    double train_seconds;          /**< Wall time of training. */
    double test_seconds;           /**< Wall time of the evaluation. */
    int threads;                   /**< Threads it ran with (cs_model_set_threads()). */
    size_t trace_stride;           /**< Bytes from one report of @c trace to the next: the
                                        library's sizeof(cs_epoch_report), which a later version
                                        may make larger (members appended). */
} cs_cell_result;

/**
 * @brief Read a store: its configuration and every finished cell.
 *
 * Every file is checked in full before it is used (docs/formats.md): the checksum of
 * `study.json` and of every cell file (stores of format 4 on; older stores have none), the
 * configuration against its hash, and every derived value of a cell against its source
 * (accuracy against the confusion matrix, the matrix against the test size and the other
 * cells' class counts, the perturbation report against itself and the training size, the
 * seeds against the configuration). One file that fails refuses the whole store.
 * @param[out] out   The results; NULL on failure. Owned: free with cs_results_destroy().
 * @param store_dir  A directory written by cs_study_run().
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND (no store there); ::CS_ERR_FORMAT or ::CS_ERR_CORRUPT for
 *         a damaged or edited `study.json` or cell file (the message names the file, says what
 *         differs and what to do); ::CS_ERR_IO; ::CS_ERR_OUT_OF_MEMORY.
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
 * @param[out] out The options (its struct_size must be set by the caller; older structs get
 *                 the fields they have).
 * @param r        The results.
 * @param i        Model.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OUT_OF_RANGE.
 */
CS_API int cs_results_model_train_options(cs_train_options *out, const cs_results *r, int i);
/** @brief Number of conditions (baseline first). @param r The results. @return The count. */
CS_API int cs_results_num_conditions(const cs_results *r);
/** @brief A condition's name. @param r The results. @param j Condition. @return Borrowed; NULL when out of range. */
CS_API const char *cs_results_condition_name(const cs_results *r, int j);
/**
 * @brief A condition's family.
 * @param[out] out  The family (untouched on failure).
 * @param r         The results.
 * @param j         Condition index, 0 .. cs_results_num_conditions() - 1.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL); ::CS_ERR_OUT_OF_RANGE (bad index).
 */
CS_API int cs_results_condition_family(cs_condition_family *out, const cs_results *r, int j);
/** @brief A condition's level: noise rate, fraction kept, or the controlled noise's rate; 0 for the baseline. @param r The results. @param j Condition. @return The level; NaN when @p r is NULL or @p j is out of range. */
CS_API double cs_results_condition_level(const cs_results *r, int j);

/**
 * @brief One cell's result.
 * @param[out] out  The cell (pointers borrowed from @p r); the caller sets its struct_size
 *                  (an older, smaller struct gets the fields it has).
 * @param r         The results.
 * @param model     Model index.
 * @param condition Condition index.
 * @param replicate Replicate index.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND when the store does not hold that cell yet;
 *         ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_INVALID_ARGUMENT (NULL, or struct_size too small).
 */
CS_API int cs_results_cell(cs_cell_result *out, const cs_results *r, int model, int condition,
                           int replicate);

/**
 * @brief Copy one cell's training trace (one ::cs_epoch_report per epoch) into a caller array.
 *
 * Element @p e is written at `(char *)out + e * elem_size`; each holds the members of
 * ::cs_epoch_report that fit in @p elem_size, so a caller built against an older, smaller
 * report keeps working (docs/conventions.md, "Arrays of structs that can grow").
 * @param[out] out    Up to @p max reports (may be NULL when @p max is 0).
 * @param elem_size   sizeof(cs_epoch_report) as the caller knows it.
 * @param max         Capacity of @p out in elements (>= 0).
 * @param[out] count  Reports written: min(max, epochs) (may be NULL).
 * @param r           The results.
 * @param model       Model index.
 * @param condition   Condition index.
 * @param replicate   Replicate index.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND when the cell is not finished; ::CS_ERR_OUT_OF_RANGE;
 *         ::CS_ERR_INVALID_ARGUMENT (NULL, negative @p max, @p elem_size smaller than the
 *         first member); ::CS_ERR_UNSUPPORTED for an @p elem_size larger than this library's
 *         struct (a caller built against a newer library).
 */
CS_API int cs_results_cell_trace(cs_epoch_report *out, size_t elem_size, int max, int *count,
                                 const cs_results *r, int model, int condition, int replicate);

/**
 * @brief The training records per class that a finished cell was trained on: after its
 *        perturbation.
 *
 * A perturbed cell's counts are its perturbation report's `class_counts_after` (a grid cell's:
 * its noise stage's, by label). A baseline cell's file has no report: its counts are those of
 * the unperturbed training set, which every perturbed cell of the store records as
 * `class_counts_before` (a grid cell in its reduction stage's report; cs_results_open() checks
 * that they all agree); a store without any finished perturbed cell cannot tell them.
 * cs_results_cell_volume_counts() counts the records by their true class instead.
 * @param[out] counts  @p k counts (untouched on failure).
 * @param k            The number of classes: cs_results_num_classes().
 * @param r            The results.
 * @param model        Model index.
 * @param condition    Condition index.
 * @param replicate    Replicate index.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL); ::CS_ERR_SIZE_MISMATCH (@p k is not the
 *         store's K); ::CS_ERR_OUT_OF_RANGE (an index outside the store); ::CS_ERR_NOT_FOUND
 *         (the cell is not finished, or failed); ::CS_ERR_STATE (a baseline cell of a store
 *         that holds no finished perturbed cell: its counts are unknown).
 */
CS_API int cs_results_cell_class_counts(size_t *counts, int k, const cs_results *r, int model, int condition,
                                        int replicate);

/**
 * @brief Fit one class's learning curve for one model from a study's data-reduction conditions
 *        (cs_learning_curve_fit()).
 *
 * The levels are the baseline, every ::CS_REDUCE_UNIFORM condition and every
 * ::CS_REDUCE_TARGETED condition whose classes include @p cls; noise conditions, their
 * matched-volume controls and ::CS_REDUCE_STRATIFIED conditions are not levels. At each level:
 * - the replicates are the store's seeds, paired across levels (replicate r of every level was
 *   drawn with the same seed); only the replicates finished at every level are used, in
 *   increasing order;
 * - the count is the class's training count (cs_results_cell_class_counts()), averaged over
 *   the replicates used (a uniform reduction draws a different number of each class's records
 *   for every seed);
 * - the accuracy of a replicate is the class's recall on the clean test set,
 *   C[cls][cls] / Σ_j C[cls][j], from the cell's confusion matrix.
 *
 * The levels are sorted by count (conditions of equal count in the store's order). Levels of
 * exactly equal count are merged into one: its accuracy for each replicate is the mean of those
 * levels' accuracies for that replicate, added up in condition order.
 * docs/analysis.md, "Learning curves", says more.
 * @param[out] out  The fit; NULL on failure. Owned: free with cs_learning_curve_destroy().
 * @param r         The results.
 * @param model     Model index.
 * @param cls       Class index, 0 .. K − 1.
 * @param opts      Options of the fit, or NULL for ::CS_LEARNING_CURVE_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p out or @p r, bad options);
 *         ::CS_ERR_OUT_OF_RANGE (@p model or @p cls outside the store); ::CS_ERR_NOT_FOUND
 *         (the study has no uniform or targeted reduction of @p cls, or no replicate is finished
 *         at every level: the message names the first missing cell); ::CS_ERR_STATE (a level
 *         that keeps no training record of @p cls: the power law has no value at 0);
 *         ::CS_ERR_UNSUPPORTED (a newer options struct); ::CS_ERR_OUT_OF_MEMORY; the other
 *         errors of cs_learning_curve_fit().
 */
CS_API int cs_results_learning_curve(cs_learning_curve **out, const cs_results *r, int model, int cls,
                                     const cs_learning_curve_options *opts);

/**
 * @brief The two conditions a ::CS_CONDITION_GRID condition combines.
 * @param[out] noise   Index of its noise condition (or NULL).
 * @param[out] reduce  Index of its reduction condition (or NULL).
 * @param r            The results.
 * @param j            Condition index.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (@p r NULL, or condition @p j is not a grid
 *         point: the message names its family); ::CS_ERR_OUT_OF_RANGE (bad index). Nothing is
 *         written on failure.
 */
CS_API int cs_results_condition_grid(int *noise, int *reduce, const cs_results *r, int j);

/**
 * @brief The condition at a point of the noise × volume grid.
 *
 * (0, 0) is the baseline, (noise, 0) the noise condition, (0, reduce) the reduction and
 * (noise, reduce) the ::CS_CONDITION_GRID condition that combines them.
 * @param[out] cond  The condition's index (untouched on failure).
 * @param r          The results.
 * @param noise      0 (no noise) or the index of a ::CS_CONDITION_NOISE condition.
 * @param reduce     0 (all data) or the index of a ::CS_CONDITION_REDUCTION condition.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (@p r or @p cond NULL, an index of another
 *         family); ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_NOT_FOUND (the study has no grid point of
 *         those two conditions).
 */
CS_API int cs_results_grid_cell(int *cond, const cs_results *r, int noise, int reduce);

/**
 * @brief The training records per class of a finished cell before any label noise: the
 *        volume of each class's data.
 *
 * A reduction's or a control's counts after it; a noise cell's before it (the study's training
 * set); a grid cell's after its reduction stage; the baseline's those of the training set.
 * Label noise moves labels, not records: these are the records drawn, counted by their true
 * class, where cs_results_cell_class_counts() counts what the cell was trained on by label.
 * @param[out] counts  @p k counts (untouched on failure).
 * @param k            cs_results_num_classes().
 * @param r            The results.
 * @param model        Model index.
 * @param condition    Condition index.
 * @param replicate    Replicate index.
 * @return The errors of cs_results_cell_class_counts(), in the same cases.
 */
CS_API int cs_results_cell_volume_counts(size_t *counts, int k, const cs_results *r, int model, int condition,
                                         int replicate);

/**
 * @brief One point of a model's accuracy surface over the noise × volume grid: every class's
 *        accuracy over the finished replicates, with its interval, and its training volume.
 *
 * The replicates' confusion matrices at the point are averaged by cs_confusion_average() and
 * the class accuracies read with cs_confusion_stats_class_accuracy(), exactly as the report's
 * tables do for any condition. @p volume gets the mean over the same replicates of
 * cs_results_cell_volume_counts().
 * @param[out] mean    @p k mean class accuracies (or NULL).
 * @param[out] lo      @p k lower bounds (or NULL); NaN with one replicate.
 * @param[out] hi      @p k upper bounds (or NULL).
 * @param[out] volume  @p k mean training records per class (or NULL).
 * @param[out] used    The finished replicates averaged (or NULL).
 * @param k            cs_results_num_classes().
 * @param r            The results.
 * @param model        Model index.
 * @param noise        As for cs_results_grid_cell().
 * @param reduce       As for cs_results_grid_cell().
 * @param opts         Options of the average, or NULL for ::CS_AVERAGE_OPTIONS_INIT.
 * @return ::CS_OK; the errors of cs_results_grid_cell(); ::CS_ERR_SIZE_MISMATCH (@p k);
 *         ::CS_ERR_NOT_FOUND (no replicate of the point is finished); ::CS_ERR_STATE (volumes
 *         unknown: see cs_results_cell_class_counts()); the errors of cs_confusion_average().
 */
CS_API int cs_results_grid_surface(double *mean, double *lo, double *hi, double *volume, int *used, int k,
                                   const cs_results *r, int model, int noise, int reduce,
                                   const cs_average_options *opts);

/**
 * @brief How much more data one class needs at a noise level to reach its clean accuracy:
 *        cs_noise_multiplier() on a row of the grid.
 *
 * The row of noise condition @p noise: the noise condition itself (kept 1) and every grid
 * point (noise, reduction); at each the class's volume (cs_results_cell_volume_counts()) and
 * its recall per replicate. The target is the baseline's recall per replicate, the full count
 * the baseline's volume of the class. Only the replicates finished at every point of the row
 * and at the baseline are used, paired (replicate r of every point shares its seeds). Points
 * of equal mean volume are merged as cs_results_learning_curve() merges levels.
 * @param[out] multiplier  n* / n_full (or NULL).
 * @param[out] lo          Lower bound (or NULL).
 * @param[out] hi          Upper bound (or NULL), possibly +∞.
 * @param r                The results.
 * @param model            Model index.
 * @param cls              Class index.
 * @param noise            Index of a ::CS_CONDITION_NOISE condition.
 * @param opts             Options of the fit, or NULL for ::CS_LEARNING_CURVE_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p r, @p noise not a noise condition);
 *         ::CS_ERR_OUT_OF_RANGE (@p model, @p cls, @p noise outside the store; or the target
 *         at or above the row's asymptote); ::CS_ERR_NOT_FOUND (no replicate finished at every
 *         point, naming the first missing cell); ::CS_ERR_STATE (fewer than 3 points, a poor
 *         fit, or a point without a record of the class); the other errors of
 *         cs_noise_multiplier(). Every refusal's message says why.
 */
CS_API int cs_results_noise_multiplier(double *multiplier, double *lo, double *hi, const cs_results *r, int model,
                                       int cls, int noise, const cs_learning_curve_options *opts);

/**
 * @brief The share of a noise condition's damage to one class that its lost volume explains:
 *        cs_volume_share() of the baseline, the noise's matched control and the noise.
 *
 * The class's recall per replicate at the three conditions, paired by replicate; only the
 * replicates finished at all three are used.
 * @param[out] share  The share (or NULL); NaN when undefined (see cs_volume_share()).
 * @param[out] lo     Lower bound (or NULL).
 * @param[out] hi     Upper bound (or NULL).
 * @param r           The results.
 * @param model       Model index.
 * @param cls         Class index.
 * @param noise       Index of a ::CS_CONDITION_NOISE condition that has a matched control.
 * @param opts        Options, or NULL for ::CS_VOLUME_SHARE_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p r, @p noise not a noise condition);
 *         ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_NOT_FOUND (no matched control of @p noise, or no
 *         replicate finished at all three); the errors of cs_volume_share(), whose
 *         ::CS_ERR_STATE says why the share is undefined.
 */
CS_API int cs_results_volume_share(double *share, double *lo, double *hi, const cs_results *r, int model, int cls,
                                   int noise, const cs_volume_share_options *opts);

/** @brief Finished cells in the store. @param r The results. @return The count (>= 0); -1 when @p r is NULL. */
CS_API int cs_results_cells_finished(const cs_results *r);

/** @brief Failed cells in the store (training diverged; see cs_results_cell_failure()). @param r The results. @return The count (>= 0); -1 when @p r is NULL. */
CS_API int cs_results_cells_failed(const cs_results *r);

/** @brief Why a cell failed, as read from the store. Set its struct_size before the call. */
typedef struct cs_cell_failure {
    size_t struct_size;     /**< sizeof(cs_cell_failure), set by the caller. */
    int status;             /**< The ::cs_status of the failure: ::CS_ERR_DIVERGED. */
    int epoch;              /**< The epoch (1-based) in which training stopped. */
    const char *reason;     /**< The library's message (borrowed from the results). */
    double train_seconds;   /**< Wall time of training until it stopped. */
} cs_cell_failure;

/**
 * @brief A failed cell: one whose training diverged (a NaN or infinite loss or step).
 *
 * Failed cells are kept in the store's `failed/` directory; they are not finished cells
 * (cs_results_cell() returns ::CS_ERR_NOT_FOUND for them), so no statistic includes them.
 * cs_study_run() trains them again only with ::cs_study_options.retry_failed.
 * @param[out] out  The failure (strings borrowed from @p r); its struct_size set by the caller.
 * @param r         The results.
 * @param model     Model index.
 * @param condition Condition index.
 * @param replicate Replicate index.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND when the cell has not failed; ::CS_ERR_OUT_OF_RANGE;
 *         ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_results_cell_failure(cs_cell_failure *out, const cs_results *r, int model, int condition,
                                   int replicate);

/**
 * @brief The claim of a cell that the store does not hold yet: who is training it, since when.
 *
 * Read by cs_results_open() from the store's `running/` directory. A claim of a cell that is
 * already stored (its process stored it and was killed before removing the claim) is ignored.
 * @param[out] out  The claim (strings borrowed from @p r); its struct_size set by the caller.
 * @param r         The results.
 * @param model     Model index.
 * @param condition Condition index.
 * @param replicate Replicate index.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND when nobody claims that cell (or it is finished);
 *         ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_results_cell_claim(cs_study_claim *out, const cs_results *r, int model, int condition,
                                 int replicate);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_STUDY_H */
