/* Internal: a study's configuration, shared by its files: the configuration (study.c), training
 * one cell (train.c), the runner (runner.c), the cells one by one (cells.c), the store's
 * study.json and names (store.c), its cell files (cellfile.c) and the store reader (results.c). */
#ifndef CS_STUDY_INTERNAL_H
#define CS_STUDY_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <classsens/records.h>
#include <classsens/study.h>

#include "core/buf.h"
#include "core/json.h"

#define CS__STUDY_NAME_MAX 64
#define CS__STUDY_DATA_NAME_MAX 200
/* 5: grid conditions (noise applied to a reduction): study.json names their two conditions, their
 * cell files add the reduction's seed and report ("reduction"); nothing else changes.
 * 4: every cell file and study.json ends with a CRC-32 of its content ("checksum"); cells whose
 * training diverged are kept as failed cells in failed/ (numerics as in 3).
 * 3: cells trained with the Winograd convolutions (3x3 pad-1 layers with 16 or more channels).
 * 2: cells trained by the data-parallel executor (a cell's `threads` splits the batch; until 1
 * it was OpenBLAS's thread count). Each version's numbers differ from the previous one's in the
 * last bits; older stores are still read (reports), never resumed. */
#define CS__STUDY_FORMAT_VERSION 5

typedef struct cs__study_model {
    char name[CS__STUDY_NAME_MAX + 1];
    char arch[32];
    double width;
    int threads;               /* BLAS threads of its cells (resolved, never 0) */
    cs_train_options train;    /* seed 0, no callback; threads 0 */
    double flops;              /* forward FLOPs of one image (estimates only, not in the config) */
} cs__study_model;

typedef struct cs__study_condition {
    char *name;                /* "baseline", spec text, or "matched:" + the noise's name */
    cs_condition_family family;
    double level;
    int noise;                 /* CONTROL, GRID: index of its noise condition; -1 otherwise */
    int reduce;                /* GRID: index of its reduction condition; -1 otherwise */
} cs__study_condition;

typedef struct cs__study_config {
    char data_name[CS__STUDY_DATA_NAME_MAX + 1];
    int c, h, w, k;
    char **class_names;        /* k */
    size_t train_full, test_full;      /* split sizes before subsets */
    uint64_t train_fingerprint, test_fingerprint;
    size_t train_size, test_size;      /* after subsets */
    uint64_t seed;
    int replicates;
    size_t train_subset, test_subset;
    int matched_controls;
    int precision;             /* cs_precision; written to study.json only when not fp32 */
    cs__study_model *models;
    int n_models;
    cs__study_condition *conds;
    int n_conds;
    int version;               /* the store format of the study.json it was read from (0: not read) */
} cs__study_config;

void cs__study_config_free(cs__study_config *cfg);

#define CS__STUDY_WORKER_MAX 64

struct cs_study {
    cs__study_config cfg;
    const cs_dataset *train_full, *test_full;
    cs_dataset *train_sub, *test_sub;       /* owned subset views, or NULL */
    const cs_dataset *train, *test;         /* what the cells use */
    cs_perturb_spec **specs;                /* per condition; NULL for baseline and controls */
    int jobs;
    int shard_index, shard_count;           /* shard_count 0 or 1: every cell */
    char worker[CS__STUDY_WORKER_MAX + 1];  /* how claims name this process */
    int retry_failed;                       /* cs_study_run trains failed cells again */
    cs_study_progress_fn progress;
    void *payload;
    pthread_mutex_t event_lock;             /* serialises progress calls of cs_study_train_cell */
    char hash[17];                          /* the configuration's hash, once frozen */
    int ran;                                /* configuration frozen (run, prepared or trained) */
    int record_scores;                      /* cells record per-record scores (a sidecar) */
};

/* Purposes of the derived seeds (part of the documented protocol: changing one changes every
 * result). */
enum {
    CS__STUDY_SEED_TRAIN_SUBSET = 1,
    CS__STUDY_SEED_TEST_SUBSET = 2,
    CS__STUDY_SEED_PERTURB = 3,
    CS__STUDY_SEED_CONTROL = 4,
    CS__STUDY_SEED_INIT = 5,
    CS__STUDY_SEED_TRAIN = 6
};
/* The seed of `purpose` for (model, condition, replicate); model and cond may be NULL. */
uint64_t cs__study_seed(uint64_t study_seed, int purpose, const char *model, const char *cond, int replicate);

/* The fingerprint of a split that study.json records: FNV-1a over every record's label (4 bytes,
 * little-endian) and pixels, in order. */
uint64_t cs__study_fingerprint(const cs_dataset *ds);
/* Whether `ds` is the training split the store's study was created with (before any subset):
 * CS_OK; CS_ERR_SIZE_MISMATCH (another shape, K or size) or CS_ERR_INVALID_ARGUMENT (the same
 * size, other pixels or labels: its fingerprint differs), with a message naming both. */
int cs__results_check_train_split(const cs_results *r, const cs_dataset *ds, const char *fn);
/* The study's training set as cs_study_create made it from its training split `train`: the
 * stratified subset of `want` records drawn with the study seed's TRAIN_SUBSET stream (*out an
 * owned view), or *out NULL when want is 0 or the split's size (the split itself). */
int cs__study_train_subset(cs_dataset **out, const cs_dataset *train, size_t want, uint64_t study_seed);
/* The study's training set of a store from its training split `train` (checked with
 * cs__results_check_train_split first): *out an owned view, or NULL when it is `train` itself.
 * Record i of it is the record whose source (cs_cell_records_source()) is i. */
int cs__results_train_records(cs_dataset **out, const cs_results *r, const cs_dataset *train, const char *fn);

/* Freeze the configuration and compute its hash (once). */
int cs__study_freeze(cs_study *s);

/* Estimated work of a cell in GFLOP (cs_study_cell_info.gflop). */
double cs__study_cell_work(const cs_study *s, int model, int cond);
void cs__study_cell_coords(const cs_study *s, int cell, int *model, int *cond, int *replicate);

/* Create or check the store (study.json, cells/, running/); the study must be frozen. */
int cs__study_open_store(cs_study *s, const char *dir);
/* A cell's file below the store: its result (cells/...) or, with `claim`, its claim
 * (running/...). Owned by the caller; NULL (with the error set) when out of memory or too long. */
char *cs__study_cell_file(const cs_study *s, const char *dir, int cell, int claim);
/* A finished cell in the store, read and checked in full (cs__study_cell_read): CS_OK (and its
 * accuracy), CS_ERR_NOT_FOUND, or an error whose message names the file and says what to do. */
int cs__study_read_finished(const cs_study *s, const char *dir, int cell, double *accuracy);
/* The same for a failed cell (failed/...): CS_OK and its record (free with
 * cs__failed_data_free), CS_ERR_NOT_FOUND, or an error. */
typedef struct cs__failed_data cs__failed_data;
int cs__study_read_failed(const cs_study *s, const char *dir, int cell, cs__failed_data *out);
/* Remove a failed cell's file (none there: CS_OK). */
int cs__study_forget_failed(const cs_study *s, const char *dir, int cell);
/* Remove the temporary files that interrupted writes left in the store (study.json's, cells/,
 * running/, failed/): all of them, or with min_age > 0 only those older than min_age seconds
 * (other processes may be writing the younger ones). */
int cs__study_clean_store(const char *dir, double min_age);
/* The age after which a temporary file of a shared store is stale: a write of one file (create,
 * write, fsync, rename) takes well under a second. */
#define CS__STUDY_STALE_SECONDS 600.0

/* Train one cell into the text of its cell file and, with the study's record_scores on and
 * `scores` not NULL, the bytes of its record-score sidecar in `scores` (left empty for a failed
 * cell), which the text then references. on_epoch (may be NULL) is called after each epoch's
 * report is kept; non-zero stops training (CS_ERR_CANCELLED). A cell whose training diverges
 * (CS_ERR_DIVERGED) is not an error here: CS_OK with *failed = 1, the text that of its
 * failed-cell file and *accuracy NaN. */
typedef int (*cs__cell_epoch_fn)(void *payload, const cs_epoch_report *report);
int cs__study_train_cell_files(cs_study *s, int cell, cs__cell_epoch_fn on_epoch, void *payload, cs__buf *text,
                               cs__buf *scores, double *accuracy, double *seconds, int *failed);

/* Claims: write (who NULL: this process under the study's worker name) and remove. */
int cs__study_claim(cs_study *s, const char *dir, int cell, const cs_study_claim *who);
int cs__study_release(const cs_study *s, const char *dir, int cell);

/* FNV-1a, 64 bits: the configuration hash and the data fingerprints (identity, not security). */
uint64_t cs__fnv1a64(uint64_t h, const void *data, size_t n);
#define CS__FNV1A64_INIT 0xcbf29ce484222325ull

/* The configuration as canonical JSON text (the object only), and its hash as 16 hex digits. */
int cs__study_config_json(cs__buf *out, const cs__study_config *cfg);
void cs__study_hash_hex(char hex[17], const char *text, size_t len);

/* The one reader of study.json: `text` (len bytes, NUL-terminated) read from `path`. Checks the
 * format ("classsens-study"); the version: with `resume`, exactly CS__STUDY_FORMAT_VERSION (a
 * run resumes only stores of its own numerics), otherwise 1 to it (a report reads older
 * stores); that the configuration's hash is the one the file states (CS_ERR_CORRUPT: edited or
 * damaged); and every member of the configuration (CS_ERR_FORMAT, naming the member). Fills cfg
 * (free it with cs__study_config_free, whether or not this succeeds) and hash (16 hex digits);
 * canon (may be NULL) receives the configuration's canonical text, whose hash that is. */
int cs__study_store_parse(cs__study_config *cfg, char hash[17], cs__buf *canon, const char *text, size_t len,
                          const char *path, int resume);
/* A member of at most 2^50 (a count of records) as a size. */
int cs__study_json_size(const cs__json *obj, const char *key, size_t *out, const char *what);
/* A 64-bit value as its 16 hex digits (seeds, fingerprints). */
void cs__study_jw_hex64(cs__json_writer *w, uint64_t v);

/* Names in file names: every byte outside [A-Za-z0-9._-] becomes '-'. */
void cs__study_file_name(char *dst, size_t cap, const char *name);
/* "cells/<model>__<condition>__r<replicate>.json" below the store (relative path). */
int cs__study_cell_path(char *dst, size_t cap, const char *model, const char *cond, int replicate);
/* The same cell's claim: "running/<model>__<condition>__r<replicate>.json". */
int cs__study_claim_path(char *dst, size_t cap, const char *model, const char *cond, int replicate);

/* Names of the files of a store. */
#define CS__STUDY_CONFIG_FILE "study.json"
#define CS__STUDY_CELLS_DIR "cells"
#define CS__STUDY_RUNNING_DIR "running"
#define CS__STUDY_FAILED_DIR "failed"
/* "failed/<model>__<condition>__r<replicate>.json" below the store (relative path). */
int cs__study_failed_path(char *dst, size_t cap, const char *model, const char *cond, int replicate);

/* One finished cell, as the runner hands it to the store writer. */
typedef struct cs__cell_outcome {
    const char *config_hash;
    const char *model, *condition;
    int replicate;
    uint64_t seed_perturb, seed_init, seed_train;
    int threads;
    size_t train_size;                 /* after the perturbation */
    const cs_perturb_report *report;   /* NULL for the baseline; a grid cell's noise stage */
    uint64_t seed_reduce;              /* a grid cell's reduction stage (0 otherwise) */
    const cs_perturb_report *reduce_report; /* a grid cell's reduction stage (also in a failed
                                               cell's outcome: it marks the seed); NULL otherwise */
    int epochs;
    const cs_epoch_report *trace;      /* epochs entries */
    int k;
    const double *confusion;           /* k x k counts [true][pred] */
    double test_accuracy;
    double train_seconds, test_seconds;
    /* The cell's record-score sidecar, referenced by its cell file; scores_file NULL: none. */
    const char *scores_file;           /* relative path below the store */
    size_t scores_bytes;
    uint32_t scores_crc;
} cs__cell_outcome;

int cs__study_cell_json(cs__buf *out, const cs__cell_outcome *cell);
/* The file of a failed cell: the outcome's identity, seeds, threads, training size and the
 * `epochs` completed epochs of its trace (its confusion and accuracy are not used), the status,
 * the epoch (1-based) in which training stopped and the library's message. */
int cs__study_failed_json(cs__buf *out, const cs__cell_outcome *cell, int status, int epoch, const char *reason);

/* The checksum member (docs/formats.md): written as the last member of the object that `w`
 * writes into its buffer from offset `start`: the CRC-32 (zlib) of every byte from `start` up to
 * the line of the member, as 8 lowercase hex digits. */
void cs__study_checksum_put(cs__json_writer *w, size_t start);
/* Check a document's checksum member: CS_OK; without one, CS_OK unless `required`;
 * CS_ERR_CORRUPT (misplaced, malformed or mismatched) naming `path` and ending with `todo`. */
int cs__study_checksum_check(const char *text, size_t len, const char *path, int required, const char *todo);

/* A cell file read and checked against its configuration (cs__study_cell_read). */
typedef struct cs__cell_data {
    double accuracy;
    int epochs;
    cs_epoch_report *trace;    /* epochs reports (owned) */
    double *counts;            /* k x k confusion counts [true][pred] (owned) */
    double *class_counts;      /* 2k training records per class from the perturbation report:
                                  before it (the study's training set), then after it (what the
                                  cell trained on); NULL for the baseline, which has no report
                                  (owned). A grid cell's "before" is its reduction stage's (the
                                  study's training set), its "after" its noise stage's. */
    double *volume_counts;     /* k records per class before any label noise (a grid cell's
                                  reduction stage's after); NULL for the baseline (owned) */
    size_t train_size, changed;
    double flip_rate, train_seconds, test_seconds;
    int threads;
    int has_scores;            /* the file references a record-score sidecar: */
    size_t scores_bytes;       /* its size */
    uint32_t scores_crc;       /* and its CRC-32 */
} cs__cell_data;
void cs__cell_data_free(cs__cell_data *d);

/* Read the text of the cell file of (model mi, condition ci, replicate ri) of a store of format
 * `version` and configuration (cfg, hash), and check every member: the checksum (required from
 * version 4), the identity, the derived seeds, the threads, the perturbation report against
 * itself and the training size, every epoch (numbered, finite, training accuracy a fraction of
 * the training size), the confusion matrix (whole counts summing to the test size; row sums
 * equal to `class_totals` when not NULL), the test accuracy against the matrix, the timings.
 * CS_OK and *d filled; CS_ERR_FORMAT (a member missing or of the wrong type) or CS_ERR_CORRUPT
 * (a value that disagrees with its source), the message naming `path` and what differs;
 * CS_ERR_OUT_OF_MEMORY. */
int cs__study_cell_read(cs__cell_data *d, const char *text, size_t len, const char *path,
                        const cs__study_config *cfg, const char *hash, int version, int mi, int ci, int ri,
                        const double *class_totals);

/* A failed cell's file, read and checked (cs__study_failed_read). */
struct cs__failed_data {
    int status;                /* a cs_status (CS_ERR_DIVERGED) */
    int epoch;                 /* the epoch in which training stopped, 1-based */
    char *reason;              /* owned */
    double train_seconds;
};
void cs__failed_data_free(cs__failed_data *d);
int cs__study_failed_read(cs__failed_data *d, const char *text, size_t len, const char *path,
                          const cs__study_config *cfg, const char *hash, int version, int mi, int ci, int ri);

/* A point of a learning curve drawn from a store: a condition and the class's mean training
 * count (or volume) over the replicates used. */
typedef struct cs__curve_point {
    int cond;
    double count;
} cs__curve_point;
/* The class's recall in a finished cell (cs_confusion_class_metrics; 0 for a class the test set
 * lacks); rec: k values of scratch. */
int cs__results_class_recall(double *out, double *rec, const cs_results *r, int model, int cond, int rep, int cls,
                             int k);
/* Sort the n points by count (then condition) and merge points of equal count: x[0 .. *n_x) the
 * distinct counts, acc (*n_x rows of n_used, row-major) per replicate reps[i] the mean recall of
 * class cls over the merged points' cells. x holds n values, acc n x n_used. */
int cs__curve_rows(double *x, double *acc, int *n_x, cs__curve_point *pt, int n, const cs_results *r, int model,
                   const int *reps, int n_used, int cls, int k, double *rec);

/* The seeds a cell of the configuration is trained with (perturbation 0 for the baseline; a grid
 * cell's is its noise condition's). */
void cs__study_cell_seeds(const cs__study_config *cfg, int mi, int ci, int ri, uint64_t *perturb, uint64_t *init,
                          uint64_t *train);
/* The seed of a grid cell's reduction stage: its reduction condition's perturbation seed (0 for
 * any other family). */
uint64_t cs__study_reduce_seed(const cs__study_config *cfg, int ci, int ri);

/* The training set of (condition, replicate) and what the perturbation did (train.c): for a grid
 * cell, *report is its noise stage's and *reduce_report (may be NULL when not wanted) its
 * reduction stage's. */
int cs__study_training_set(const cs_study *s, int cond, int replicate, cs_dataset **out, cs_perturb_report **report,
                           cs_perturb_report **reduce_report, uint64_t *seed_used);

/* Check that a parsed cell file (from `path`) is a cell of this format and version and belongs
 * to (hash, model, cond, replicate). CS_OK; CS_ERR_FORMAT (not a cell file, another version,
 * a member missing); CS_ERR_CORRUPT (another cell or configuration), naming the file. */
int cs__study_cell_check(const cs__json *root, const char *path, const char *hash, const char *model,
                         const char *cond, int replicate);
/* The same for any file of a store that names a cell: its "format" is `kind` ("classsens-cell",
 * "classsens-claim"); `verb` words the mismatch ("holds", "claims"). */
int cs__study_identity_check(const cs__json *root, const char *path, const char *kind, const char *verb,
                             const char *hash, const char *model, const char *cond, int replicate);

/* Write a parsed JSON value back (the store's canonical layout: integers as integers). */
void cs__study_json_node(cs__json_writer *w, const cs__json *v);

/* ---- record scores (recfile.c) ---- */

#define CS__STUDY_RECORDS_DIR "records"
/* "records/<model>__<condition>__r<replicate>.bin" below the store (relative path). */
int cs__study_records_path(char *dst, size_t cap, const char *model, const char *cond, int replicate);

struct cs_cell_records {
    size_t n;
    int k, epochs;
    uint32_t *source;          /* (N) index in the study's training set */
    int32_t *given, *truth;    /* (N) training label, label in the study's training set */
    int32_t *other;            /* (N) most frequent other class */
    float *confidence, *variability, *aum; /* (N) */
};
int cs__cell_records_alloc(cs_cell_records **out, size_t n, int k);
/* Append the sidecar's bytes (header, deflated columns, CRC-32). */
int cs__cell_records_encode(cs__buf *out, const cs_cell_records *d);
uint32_t cs__cell_records_crc(const void *bytes, size_t len);
/* What a sidecar must agree with: the store's K, the cell's training size, epochs and changed
 * labels, the size of the study's training set. */
typedef struct cs__records_expect {
    int k, epochs;
    size_t n, parent_n, changed;
} cs__records_expect;
/* Read and check a sidecar (`path` names it in messages): CS_OK; CS_ERR_CORRUPT or
 * CS_ERR_FORMAT naming the file and what is wrong; CS_ERR_OUT_OF_MEMORY. */
int cs__cell_records_decode(cs_cell_records **out, const void *bytes, size_t len, const char *path,
                            const cs__records_expect *e);
/* Write a cell's sidecar into the store atomically (records/ is created when missing). */
int cs__study_write_scores(const cs_study *s, const char *dir, int cell, const cs__buf *scores);

/* Condition family names in the configuration. */
const char *cs__condition_family_name(cs_condition_family f);

#endif
