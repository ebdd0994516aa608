/* The cells of a study one by one: their description, the schedule (most expensive first), the
 * split into shards, the store's directory (study.json, finished cells, claims), and storing a
 * record trained anywhere. cs_study_run (runner.c) and the MPI driver (mpi.c) are built on
 * these. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <classsens/version.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/memory.h"
#include "study/study_internal.h"

/* ---- describing and ordering cells ------------------------------------------------------- */

int cs_study_cell(cs_study_cell_info *out, const cs_study *s, int cell)
{
    if (!s || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_cell: %s is NULL", !s ? "study" : "out");
    if (out->struct_size < offsetof(cs_study_cell_info, model_index))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_cell: struct_size %zu is too small", out->struct_size);
    const int total = cs_study_num_cells(s);
    if (cell < 0 || cell >= total)
        return cs__error(CS_ERR_OUT_OF_RANGE, "cs_study_cell: cell %d; the study has %d (0..%d)", cell, total,
                         total - 1);
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    const cs__study_model *m = &s->cfg.models[mi];
    cs_study_cell_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = out->struct_size < sizeof info ? out->struct_size : sizeof info;
    info.model = m->name;
    info.condition = s->cfg.conds[ci].name;
    info.model_index = mi;
    info.condition_index = ci;
    info.replicate = ri;
    info.threads = m->threads;
    info.epochs = m->train.epochs;
    info.gflop = cs__study_cell_work(s, mi, ci);
    memcpy(out, &info, info.struct_size);
    return CS_OK;
}

typedef struct costed {
    double work;
    int cell;
} costed;

static int by_work_desc(const void *a, const void *b)
{
    const costed *x = a, *y = b;
    if (x->work != y->work)
        return x->work > y->work ? -1 : 1;
    return (x->cell > y->cell) - (x->cell < y->cell);
}

/* The cells in schedule order with their work; caller frees. */
static costed *scheduled(const cs_study *s, int total)
{
    costed *c = malloc(sizeof *c * (size_t)(total > 0 ? total : 1));
    if (!c) {
        cs__error_oom("cell schedule", sizeof *c * (size_t)total);
        return NULL;
    }
    for (int i = 0; i < total; ++i) {
        int mi, ci, ri;
        cs__study_cell_coords(s, i, &mi, &ci, &ri);
        c[i].work = cs__study_cell_work(s, mi, ci);
        c[i].cell = i;
    }
    qsort(c, (size_t)total, sizeof *c, by_work_desc);
    return c;
}

int cs_study_schedule(int *order, int n, const cs_study *s)
{
    if (!s || !order)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_schedule: %s is NULL", !s ? "study" : "order");
    const int total = cs_study_num_cells(s);
    if (n < total)
        return cs__error(CS_ERR_OVERFLOW, "cs_study_schedule: room for %d cells; the study has %d", n, total);
    costed *c = scheduled(s, total);
    if (!c)
        return CS_ERR_OUT_OF_MEMORY;
    for (int i = 0; i < total; ++i)
        order[i] = c[i].cell;
    free(c);
    return CS_OK;
}

int cs_study_shards(int *shard_of, int n, const cs_study *s, int shards)
{
    if (!s || !shard_of)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_shards: %s is NULL", !s ? "study" : "shard_of");
    if (shards < 1 || shards > 65536)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_shards: %d shards; expected 1..65536", shards);
    const int total = cs_study_num_cells(s);
    if (n < total)
        return cs__error(CS_ERR_OVERFLOW, "cs_study_shards: room for %d cells; the study has %d", n, total);
    costed *c = scheduled(s, total);
    double *load = c ? calloc((size_t)shards, sizeof *load) : NULL;
    if (!c || !load) {
        free(c);
        return c ? cs__error_oom("shard loads", sizeof *load * (size_t)shards) : CS_ERR_OUT_OF_MEMORY;
    }
    /* Each cell to the least loaded shard: O(cells x shards), a few million steps at most. */
    for (int i = 0; i < total; ++i) {
        int best = 0;
        for (int j = 1; j < shards; ++j)
            if (load[j] < load[best])
                best = j;
        load[best] += c[i].work;
        shard_of[c[i].cell] = best;
    }
    free(load);
    free(c);
    return CS_OK;
}

/* ---- the store's directory --------------------------------------------------------------- */


/* The first line where two texts differ, for the "another configuration" message. */
static void first_difference(char *msg, size_t cap, const char *stored, const char *ours)
{
    int line = 1;
    const char *a = stored, *b = ours;
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la) != 0) {
            while (la && (*a == ' '))
                ++a, --la;
            while (lb && (*b == ' '))
                ++b, --lb;
            /* Without the separator that ends a member's line. */
            if (la && a[la - 1] == ',')
                --la;
            if (lb && b[lb - 1] == ',')
                --lb;
            snprintf(msg, cap, "line %d of the configuration: the store has %.*s; this study has %.*s", line,
                     (int)(la > 120 ? 120 : la), a, (int)(lb > 120 ? 120 : lb), b);
            return;
        }
        if (!ea || !eb)
            break;
        a = ea + 1;
        b = eb + 1;
        ++line;
    }
    snprintf(msg, cap, "the configurations differ in length at line %d", line);
}

/* Write study.json, or check that the one there describes this study. */
static int open_store(const char *dir, const cs__buf *config, const char *hash)
{
    int rc = cs__make_dir(dir);
    char *running = rc == CS_OK ? cs__path_join(dir, CS__STUDY_RUNNING_DIR) : NULL;
    if (rc == CS_OK && !running)
        rc = CS_ERR_OUT_OF_MEMORY;
    if (rc == CS_OK)
        rc = cs__make_dir(running);
    free(running);
    char *cells = rc == CS_OK ? cs__path_join(dir, CS__STUDY_CELLS_DIR) : NULL;
    char *path = rc == CS_OK ? cs__path_join(dir, CS__STUDY_CONFIG_FILE) : NULL;
    if (rc == CS_OK && (!cells || !path))
        rc = CS_ERR_OUT_OF_MEMORY;
    if (rc == CS_OK)
        rc = cs__make_dir(cells);
    char *failed = rc == CS_OK ? cs__path_join(dir, CS__STUDY_FAILED_DIR) : NULL;
    if (rc == CS_OK && !failed)
        rc = CS_ERR_OUT_OF_MEMORY;
    if (rc == CS_OK)
        rc = cs__make_dir(failed);
    free(failed);
    char *text = NULL;
    cs__study_config stored_cfg;
    memset(&stored_cfg, 0, sizeof stored_cfg);
    cs__buf stored = CS__BUF_INIT, doc = CS__BUF_INIT;
    if (rc != CS_OK)
        goto done;
    rc = cs__read_file(&text, NULL, path, (size_t)64 << 20);
    if (rc == CS_ERR_NOT_FOUND) {
        /* Several processes (shards) may create the store at once: the first study.json wins,
         * and the others check theirs against it like any store they find. */
        cs__json_writer w;
        cs__jw_init(&w, &doc);
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "format");
        cs__jw_string(&w, "classsens-study");
        cs__jw_key(&w, "version");
        cs__jw_int(&w, CS__STUDY_FORMAT_VERSION);
        cs__jw_key(&w, "library");
        cs__jw_string(&w, cs_version_string());
        cs__jw_key(&w, "config_hash");
        cs__jw_string(&w, hash);
        cs__jw_key(&w, "config");
        cs__json *cfg_tree = NULL;
        rc = cs__json_parse(&cfg_tree, cs__buf_str(config), config->len, "the study configuration");
        if (rc == CS_OK)
            cs__study_json_node(&w, cfg_tree);
        cs__json_free(cfg_tree);
        cs__study_checksum_put(&w, 0);
        cs__jw_end_object(&w);
        int existed = 0;
        if (rc == CS_OK)
            rc = cs__buf_write_file_once(&doc, path, &existed);
        if (rc != CS_OK || !existed)
            goto done;
        rc = cs__read_file(&text, NULL, path, (size_t)64 << 20);
    }
    if (rc != CS_OK)
        goto done;
    /* The store's own configuration, read and checked by the store's one reader of study.json:
     * then it must be this study's. */
    char stored_hash[17];
    rc = cs__study_store_parse(&stored_cfg, stored_hash, &stored, text, strlen(text), path, 1);
    if (rc == CS_OK && strcmp(stored_hash, hash) != 0) {
        char diff[400];
        first_difference(diff, sizeof diff, cs__buf_str(&stored), cs__buf_str(config));
        rc = cs__error(CS_ERR_STATE,
                       "the store %s was made by another study configuration (hash %s; this study's is %s): "
                       "%s. Use another directory, or delete the store to start over",
                       dir, stored_hash, hash, diff);
    }
done:
    cs__study_config_free(&stored_cfg);
    cs__buf_free(&stored);
    cs__buf_free(&doc);
    free(text);
    free(cells);
    free(path);
    return rc;
}

/* The test set's records per class, as every cell's confusion rows must count them. */
static double *test_class_totals(const cs_study *s)
{
    const int k = s->cfg.k;
    double *t = calloc((size_t)k, sizeof *t);
    if (!t) {
        cs__error_oom("class totals", sizeof *t * (size_t)k);
        return NULL;
    }
    const int32_t *labels = cs_dataset_labels(s->test);
    for (size_t i = 0; i < cs_dataset_size(s->test); ++i)
        if (labels[i] >= 0 && labels[i] < k)
            t[labels[i]] += 1.0;
    return t;
}

/* A file of the store that belongs to `cell`: its text, or CS_ERR_NOT_FOUND. */
static int read_cell_file(char **text, size_t *len, char **path, const cs_study *s, const char *dir, int cell,
                          int failed)
{
    *text = NULL;
    *len = 0;
    *path = NULL;
    char rel[512];
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    int rc = (failed ? cs__study_failed_path : cs__study_cell_path)(rel, sizeof rel, s->cfg.models[mi].name,
                                                                    s->cfg.conds[ci].name, ri);
    if (rc == CS_OK && !(*path = cs__path_join(dir, rel)))
        rc = cs__error_oom("cell path", strlen(dir) + strlen(rel) + 2);
    if (rc == CS_OK)
        rc = cs__read_file(text, len, *path, (size_t)64 << 20);
    return rc;
}

/* Every refusal of a file of the store names it (the reader's message does) and says what to do. */
static int refuse(int rc, const char *todo)
{
    if (rc == CS_OK || rc == CS_ERR_OUT_OF_MEMORY || rc == CS_ERR_NOT_FOUND || rc == CS_ERR_IO)
        return rc;
    return cs__error(CS_ERR_CORRUPT, "%s; %s", cs_last_error(), todo);
}

int cs__study_read_finished(const cs_study *s, const char *dir, int cell, double *accuracy)
{
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    char *text = NULL, *path = NULL;
    size_t len = 0;
    double *totals = NULL;
    cs__cell_data d;
    memset(&d, 0, sizeof d);
    int rc = read_cell_file(&text, &len, &path, s, dir, cell, 0);
    if (rc == CS_OK && !(totals = test_class_totals(s)))
        rc = CS_ERR_OUT_OF_MEMORY;
    if (rc == CS_OK)
        rc = cs__study_cell_read(&d, text, len, path, &s->cfg, s->hash, CS__STUDY_FORMAT_VERSION, mi, ci, ri, totals);
    if (rc == CS_OK)
        *accuracy = d.accuracy;
    rc = refuse(rc, "delete the file to train that cell again");
    cs__cell_data_free(&d);
    free(totals);
    free(text);
    free(path);
    return rc;
}

int cs__study_read_failed(const cs_study *s, const char *dir, int cell, cs__failed_data *out)
{
    memset(out, 0, sizeof *out);
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    char *text = NULL, *path = NULL;
    size_t len = 0;
    int rc = read_cell_file(&text, &len, &path, s, dir, cell, 1);
    if (rc == CS_OK)
        rc = cs__study_failed_read(out, text, len, path, &s->cfg, s->hash, CS__STUDY_FORMAT_VERSION, mi, ci, ri);
    rc = refuse(rc, "delete the file to train that cell again");
    free(text);
    free(path);
    return rc;
}

int cs__study_forget_failed(const cs_study *s, const char *dir, int cell)
{
    char rel[512];
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    int rc = cs__study_failed_path(rel, sizeof rel, s->cfg.models[mi].name, s->cfg.conds[ci].name, ri);
    char *path = rc == CS_OK ? cs__path_join(dir, rel) : NULL;
    if (rc == CS_OK && !path)
        return cs__error_oom("cell path", strlen(dir) + strlen(rel) + 2);
    if (path && remove(path) != 0 && errno != ENOENT)
        rc = cs__error(CS_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

int cs__study_clean_store(const char *dir, double min_age)
{
    static const char *const subdirs[] = { NULL, CS__STUDY_CELLS_DIR, CS__STUDY_RUNNING_DIR, CS__STUDY_FAILED_DIR };
    int rc = CS_OK;
    for (size_t i = 0; rc == CS_OK && i < sizeof subdirs / sizeof subdirs[0]; ++i) {
        char *sub = subdirs[i] ? cs__path_join(dir, subdirs[i]) : NULL;
        if (subdirs[i] && !sub)
            return cs__error_oom("path", strlen(dir) + 16);
        /* The store's own directory holds study.json's; the others only .json files too. */
        rc = cs__remove_stale_tmp(sub ? sub : dir, subdirs[i] ? NULL : CS__STUDY_CONFIG_FILE, ".json", min_age);
        free(sub);
    }
    char *records = rc == CS_OK ? cs__path_join(dir, CS__STUDY_RECORDS_DIR) : NULL;
    if (rc == CS_OK && !records)
        return cs__error_oom("path", strlen(dir) + 16);
    if (rc == CS_OK)
        rc = cs__remove_stale_tmp(records, NULL, ".bin", min_age);
    free(records);
    return rc;
}

static int check_cell(const cs_study *s, int cell, const char *fn)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: study is NULL", fn);
    const int total = cs_study_num_cells(s);
    if (cell < 0 || cell >= total)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: cell %d; the study has %d (0..%d)", fn, cell, total, total - 1);
    return CS_OK;
}

int cs__study_open_store(cs_study *s, const char *dir)
{
    cs__buf config = CS__BUF_INIT;
    int rc = cs__study_config_json(&config, &s->cfg);
    if (rc == CS_OK)
        rc = open_store(dir, &config, s->hash);
    cs__buf_free(&config);
    return rc;
}

int cs_study_prepare(cs_study *s, const char *store_dir)
{
    if (!s || !store_dir || !*store_dir)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_prepare: %s",
                         !s ? "study is NULL" : !store_dir ? "store_dir is NULL" : "store_dir is empty");
    int rc = cs__study_freeze(s);
    if (rc != CS_OK)
        return cs__error(rc, "cs_study_prepare: %s", cs_last_error());
    rc = cs__study_open_store(s, store_dir);
    /* Other processes may be writing into the store: only old temporary files are stale. */
    return rc == CS_OK ? cs__study_clean_store(store_dir, CS__STUDY_STALE_SECONDS) : rc;
}

int cs_study_cell_stored(cs_study *s, const char *store_dir, int cell)
{
    int rc = check_cell(s, cell, "cs_study_cell_stored");
    if (rc != CS_OK)
        return rc;
    if (!store_dir)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_cell_stored: store_dir is NULL");
    rc = cs__study_freeze(s);
    if (rc != CS_OK)
        return rc;
    double acc = NAN;
    rc = cs__study_read_finished(s, store_dir, cell, &acc);
    if (rc != CS_ERR_NOT_FOUND)
        return rc == CS_OK ? 1 : rc;
    cs__failed_data f;
    rc = cs__study_read_failed(s, store_dir, cell, &f);
    cs__failed_data_free(&f);
    return rc == CS_OK ? 2 : rc == CS_ERR_NOT_FOUND ? 0 : rc;
}

int cs_study_store_record(int *cell, double *test_accuracy, cs_study *s, const char *store_dir, const void *data,
                          size_t len)
{
    if (cell)
        *cell = -1;
    if (test_accuracy)
        *test_accuracy = NAN;
    if (!s || !store_dir || !data)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_store_record: %s is NULL",
                         !s ? "study" : !store_dir ? "store_dir" : "data");
    int rc = cs__study_freeze(s);
    if (rc != CS_OK)
        return rc;
    const char *what = "a cell record";
    cs__json *root = NULL;
    cs__buf text = CS__BUF_INIT;
    char *path = NULL;
    cs_cell_records *scores = NULL;
    cs__buf sidecar = CS__BUF_INIT;
    /* A finished cell's record may carry its record-score sidecar after a NUL (docs/formats.md). */
    const char *nul = memchr(data, '\0', len);
    const size_t text_len = nul ? (size_t)(nul - (const char *)data) : len;
    const unsigned char *side = nul ? (const unsigned char *)nul + 1 : NULL;
    const size_t side_len = nul ? len - text_len - 1 : 0;
    if (nul && (side_len < 8 || memcmp(side, "CSRECSCO", 8) != 0))
        return cs__error(CS_ERR_FORMAT, "cs_study_store_record: %s holds a NUL byte at offset %zu of %zu that no "
                         "record-score sidecar follows", what, text_len, len);
    len = text_len;
    rc = cs__json_parse(&root, data, len, what);
    const char *model = NULL, *cond = NULL;
    long long replicate = -1;
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "model", &model, what);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "condition", &cond, what);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "replicate", 0, 1000000, &replicate, what);
    if (rc != CS_OK) {
        rc = cs__error(rc == CS_ERR_OUT_OF_MEMORY ? rc : CS_ERR_FORMAT, "cs_study_store_record: %s", cs_last_error());
        goto done;
    }
    int mi = -1, ci = -1;
    for (int i = 0; i < s->cfg.n_models && mi < 0; ++i)
        if (strcmp(s->cfg.models[i].name, model) == 0)
            mi = i;
    for (int i = 0; i < s->cfg.n_conds && ci < 0; ++i)
        if (strcmp(s->cfg.conds[i].name, cond) == 0)
            ci = i;
    if (mi < 0 || ci < 0 || replicate >= s->cfg.replicates) {
        rc = cs__error(CS_ERR_CORRUPT, "cs_study_store_record: the record is of (%s, %s, replicate %lld), which is "
                       "not a cell of this study", model, cond, replicate);
        goto done;
    }
    const int index = (mi * s->cfg.n_conds + ci) * s->cfg.replicates + (int)replicate;
    const char *format = NULL;
    const int failed = cs__json_get_string(root, "format", &format, what) == CS_OK &&
                       strcmp(format, "classsens-failed-cell") == 0;
    double acc = NAN, *totals = NULL;
    cs__cell_data d;
    cs__failed_data f;
    memset(&d, 0, sizeof d);
    memset(&f, 0, sizeof f);
    if (failed)
        rc = cs__study_failed_read(&f, data, len, what, &s->cfg, s->hash, CS__STUDY_FORMAT_VERSION, mi, ci,
                                   (int)replicate);
    else if (!(totals = test_class_totals(s)))
        rc = CS_ERR_OUT_OF_MEMORY;
    else
        rc = cs__study_cell_read(&d, data, len, what, &s->cfg, s->hash, CS__STUDY_FORMAT_VERSION, mi, ci,
                                 (int)replicate, totals);
    acc = d.accuracy;
    /* The sidecar and the reference to it come together, and agree. */
    if (rc == CS_OK && !failed && (d.has_scores || side)) {
        cs__records_expect e = { s->cfg.k, s->cfg.models[mi].train.epochs, d.train_size, s->cfg.train_size,
                                 d.changed };
        if (!d.has_scores || !side)
            rc = cs__error(CS_ERR_FORMAT, "cs_study_store_record: the record %s", !side ? "references record scores "
                           "it does not carry" : "carries record scores its text does not reference");
        else if (side_len != d.scores_bytes || cs__cell_records_crc(side, side_len) != d.scores_crc)
            rc = cs__error(CS_ERR_CORRUPT, "cs_study_store_record: the record's score sidecar has %zu bytes and CRC "
                           "%08x; its text records %zu and %08x", side_len,
                           (unsigned)cs__cell_records_crc(side, side_len), d.scores_bytes, (unsigned)d.scores_crc);
        else
            rc = cs__cell_records_decode(&scores, side, side_len, "the record's score sidecar", &e);
    } else if (rc == CS_OK && failed && side) {
        rc = cs__error(CS_ERR_FORMAT, "cs_study_store_record: a failed cell's record carries record scores");
    }
    cs__cell_data_free(&d);
    cs__failed_data_free(&f);
    free(totals);
    if (rc != CS_OK) {
        rc = cs__error(rc, "cs_study_store_record: %s", cs_last_error());
        goto done;
    }
    char rel[512];
    rc = (failed ? cs__study_failed_path : cs__study_cell_path)(rel, sizeof rel, model, cond, (int)replicate);
    if (rc == CS_OK && !(path = cs__path_join(store_dir, rel)))
        rc = cs__error_oom("cell path", strlen(store_dir) + strlen(rel) + 2);
    if (rc == CS_OK && side) {
        cs__buf_append(&sidecar, (const char *)side, side_len);
        rc = cs__buf_status(&sidecar, "a record-score sidecar");
        if (rc == CS_OK)
            rc = cs__study_write_scores(s, store_dir, index, &sidecar);
    }
    if (rc == CS_OK) {
        cs__buf_append(&text, data, len);
        rc = cs__buf_write_file(&text, path);
    }
    /* A finished cell replaces its failure (a retry); a stale claim is only information. */
    if (rc == CS_OK && !failed)
        rc = cs__study_forget_failed(s, store_dir, index);
    if (rc == CS_OK) {
        cs__study_release(s, store_dir, index);
        if (cell)
            *cell = index;
        if (test_accuracy)
            *test_accuracy = failed ? NAN : acc;
    }
done:
    free(path);
    cs__buf_free(&text);
    cs__buf_free(&sidecar);
    cs_cell_records_destroy(scores);
    cs__json_free(root);
    return rc;
}

/* ---- claims ---------------------------------------------------------------------------------- */

char *cs__study_cell_file(const cs_study *s, const char *dir, int cell, int claim)
{
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    char rel[512];
    int rc = (claim ? cs__study_claim_path : cs__study_cell_path)(rel, sizeof rel, s->cfg.models[mi].name,
                                                                  s->cfg.conds[ci].name, ri);
    if (rc != CS_OK)
        return NULL;
    char *path = cs__path_join(dir, rel);
    if (!path)
        cs__error_oom("cell path", strlen(dir) + strlen(rel) + 2);
    return path;
}

static int claim_name_ok(const char *name)
{
    size_t n = 0;
    for (; name[n]; ++n)
        if (n >= CS__STUDY_WORKER_MAX || name[n] < 0x20 || name[n] > 0x7e)
            return 0;
    return n > 0;
}

int cs__study_claim(cs_study *s, const char *dir, int cell, const cs_study_claim *who)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "unknown");
    const char *worker = who && who->worker ? who->worker : s->worker;
    if (who && who->host)
        snprintf(host, sizeof host, "%s", who->host);
    if (!claim_name_ok(worker) || !claim_name_ok(host))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_study_claim_cell: worker and host names must be 1..%d printable ASCII characters",
                         CS__STUDY_WORKER_MAX);
    long long pid = who && who->pid > 0 ? who->pid : (long long)getpid();
    double since = who && who->since > 0 ? who->since : 0.0;
    if (!(since > 0)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        since = (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) * 1e-3;
    }
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    char *path = cs__study_cell_file(s, dir, cell, 1);
    if (!path)
        return cs_last_error_status();
    cs__buf doc = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &doc);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "format");
    cs__jw_string(&w, "classsens-claim");
    cs__jw_key(&w, "version");
    cs__jw_int(&w, CS__STUDY_FORMAT_VERSION);
    cs__jw_key(&w, "config_hash");
    cs__jw_string(&w, s->hash);
    cs__jw_key(&w, "model");
    cs__jw_string(&w, s->cfg.models[mi].name);
    cs__jw_key(&w, "condition");
    cs__jw_string(&w, s->cfg.conds[ci].name);
    cs__jw_key(&w, "replicate");
    cs__jw_int(&w, ri);
    cs__jw_key(&w, "worker");
    cs__jw_string(&w, worker);
    cs__jw_key(&w, "host");
    cs__jw_string(&w, host);
    cs__jw_key(&w, "pid");
    cs__jw_int(&w, pid);
    cs__jw_key(&w, "since");
    cs__jw_double(&w, since);
    cs__jw_end_object(&w);
    int rc = cs__buf_write_file(&doc, path);
    cs__buf_free(&doc);
    free(path);
    return rc;
}

int cs__study_release(const cs_study *s, const char *dir, int cell)
{
    char *path = cs__study_cell_file(s, dir, cell, 1);
    if (!path)
        return cs_last_error_status();
    int rc = CS_OK;
    if (remove(path) != 0 && errno != ENOENT)
        rc = cs__error(CS_ERR_IO, "cannot remove the claim %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

int cs_study_claim_cell(cs_study *s, const char *store_dir, int cell, const cs_study_claim *who)
{
    int rc = check_cell(s, cell, "cs_study_claim_cell");
    if (rc != CS_OK)
        return rc;
    if (!store_dir)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_claim_cell: store_dir is NULL");
    if (who && who->struct_size < sizeof(cs_study_claim))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_claim_cell: struct_size %zu; expected %zu",
                         who->struct_size, sizeof(cs_study_claim));
    if (who && who->struct_size > sizeof(cs_study_claim))
        return cs__error(CS_ERR_UNSUPPORTED, "cs_study_claim_cell: struct_size %zu is of a newer library (this "
                         "one knows %zu)", who->struct_size, sizeof(cs_study_claim));
    rc = cs__study_freeze(s);
    return rc == CS_OK ? cs__study_claim(s, store_dir, cell, who) : rc;
}

int cs_study_release_cell(cs_study *s, const char *store_dir, int cell)
{
    int rc = check_cell(s, cell, "cs_study_release_cell");
    if (rc != CS_OK)
        return rc;
    if (!store_dir)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_release_cell: store_dir is NULL");
    return cs__study_release(s, store_dir, cell);
}
