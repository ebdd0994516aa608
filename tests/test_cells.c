/* The cell API: descriptions, the schedule, shards, records trained one by one and stored by
 * another study object (as another process would), claims, shards filling one store, and every
 * bad input. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <classsens.h>

#include "fixtures.h"



static cs_dataset *train_set, *test_set;

static void setup(void)
{
    cs_test_dir_setup();
    train_set = cs_test_bands(120, 1);
    test_set = cs_test_bands(45, 2);
}

static void teardown(void)
{
    cs_dataset_destroy(train_set);
    cs_dataset_destroy(test_set);
    cs_test_dir_teardown();
}

/* lenet:0.5 (2 epochs) and lenet:0.25 (1 epoch) x baseline, shuffle, reduction x 2 replicates:
 * 12 cells of three different costs per model. */
static cs_study *make_study(int shard_index, int shard_count, int replicates)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = replicates;
    so.seed = 3;
    so.jobs = 1;
    so.shard_index = shard_index;
    so.shard_count = shard_count;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, train_set, test_set, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 2;
    to.batch_size = 16;
    to.crop_padding = 0;
    cs_assert_ok(cs_study_add_model(s, NULL, "lenet", 0.5, &to));
    to.epochs = 1;
    cs_assert_ok(cs_study_add_model(s, "small", "lenet", 0.25, &to));
    const char *specs[] = { "shuffle:0.3", "reduce:uniform:0.5" };
    for (int i = 0; i < 2; i++) {
        cs_perturb_spec *spec = NULL;
        cs_assert_ok(cs_perturb_spec_parse(&spec, specs[i]));
        cs_assert_ok(cs_study_add_condition(s, spec));
        cs_perturb_spec_destroy(spec);
    }
    return s;
}

static char *store(const char *name)
{
    return cs_test_path(cs_test_dir, name);
}

/* A cell file without its timing lines and its checksum (which covers the timings). */
static char *without_timings(const char *text, size_t n)
{
    char *out = calloc(n + 1, 1);
    size_t o = 0;
    for (const char *line = text; line < text + n;) {
        const char *end = memchr(line, '\n', (size_t)(text + n - line));
        size_t len = end ? (size_t)(end - line) + 1 : (size_t)(text + n - line);
        char *copy = strndup(line, len);
        if (!strstr(copy, "seconds") && !strstr(copy, "\"checksum\": ")) {
            memcpy(out + o, line, len);
            o += len;
        }
        free(copy);
        line += len;
    }
    return out;
}

static char *cell_file(const char *dir, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "cells/%s", name);
    return cs_test_path(dir, rel);
}

START_TEST(cells_are_described_and_scheduled_most_expensive_first)
{
    cs_study *s = make_study(0, 0, 2);
    const int n = cs_study_num_cells(s);
    ck_assert_int_eq(n, 12);
    cs_study_cell_info info;
    info.struct_size = sizeof info;
    cs_assert_ok(cs_study_cell(&info, s, 5));
    ck_assert_str_eq(info.model, "lenet:0.5");
    ck_assert_str_eq(info.condition, "reduce:uniform:0.5");
    ck_assert_int_eq(info.model_index, 0);
    ck_assert_int_eq(info.condition_index, 2);
    ck_assert_int_eq(info.replicate, 1);
    ck_assert_int_eq(info.epochs, 2);
    ck_assert_int_eq(info.threads, 1);
    ck_assert(info.gflop > 0);
    /* Half the training records (and the same test records) cost less than all of them. */
    cs_study_cell_info base;
    base.struct_size = sizeof base;
    cs_assert_ok(cs_study_cell(&base, s, 0));
    ck_assert(base.gflop > info.gflop);

    int order[12];
    cs_assert_ok(cs_study_schedule(order, 12, s));
    double last = INFINITY;
    int seen[12] = { 0 };
    for (int i = 0; i < n; i++) {
        cs_assert_ok(cs_study_cell(&info, s, order[i]));
        ck_assert(info.gflop <= last);
        if (i > 0 && info.gflop == last)
            ck_assert_int_lt(order[i - 1], order[i]); /* equal cost: index order */
        last = info.gflop;
        seen[order[i]]++;
    }
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_eq(order[0], 0); /* lenet:0.5 baseline r0: the most work, first index */

    /* An older, smaller struct gets the fields it has and nothing past them. */
    struct {
        cs_study_cell_info head;
        int guard;
    } small;
    memset(&small, 0x5a, sizeof small);
    small.head.struct_size = offsetof(cs_study_cell_info, model_index);
    cs_assert_ok(cs_study_cell(&small.head, s, 1));
    ck_assert_str_eq(small.head.condition, "baseline");
    unsigned char *after = (unsigned char *)&small.head + offsetof(cs_study_cell_info, model_index);
    ck_assert_int_eq(after[0], 0x5a);
    cs_study_destroy(s);
}
END_TEST

START_TEST(shards_are_balanced_deterministic_and_complete)
{
    cs_study *s = make_study(0, 0, 2);
    int a[12], b[12];
    for (int shards = 1; shards <= 13; shards++) {
        cs_assert_ok(cs_study_shards(a, 12, s, shards));
        cs_assert_ok(cs_study_shards(b, 12, s, shards));
        ck_assert_mem_eq(a, b, sizeof a);
        double load[13] = { 0 }, biggest = 0.0;
        for (int i = 0; i < 12; i++) {
            ck_assert_int_ge(a[i], 0);
            ck_assert_int_lt(a[i], shards);
            cs_study_cell_info info;
            info.struct_size = sizeof info;
            cs_assert_ok(cs_study_cell(&info, s, i));
            load[a[i]] += info.gflop;
            if (info.gflop > biggest)
                biggest = info.gflop;
        }
        /* Greedy least-loaded assignment: no shard exceeds another by more than one cell. */
        double lo = INFINITY, hi = 0.0;
        for (int j = 0; j < shards; j++) {
            lo = load[j] < lo ? load[j] : lo;
            hi = load[j] > hi ? load[j] : hi;
        }
        ck_assert(hi - lo <= biggest * (1 + 1e-12));
    }
    /* The split does not depend on the shard a study object runs. */
    cs_study *other = make_study(2, 3, 2);
    cs_assert_ok(cs_study_shards(a, 12, s, 3));
    cs_assert_ok(cs_study_shards(b, 12, other, 3));
    ck_assert_mem_eq(a, b, sizeof a);
    cs_study_destroy(other);
    cs_study_destroy(s);
}
END_TEST

START_TEST(records_trained_alone_equal_the_runner_and_store_anywhere)
{
    char *whole = store("whole"), *pieces = store("pieces");
    cs_study *s = make_study(0, 0, 2);
    cs_assert_ok(cs_study_run(s, whole));
    cs_study_destroy(s);

    /* One study object trains, another (as on another machine) stores, in reverse order. */
    cs_study *trainer = make_study(0, 0, 2), *writer = make_study(0, 0, 2);
    cs_assert_ok(cs_study_prepare(writer, pieces));
    for (int cell = 11; cell >= 0; cell--) {
        ck_assert_int_eq(cs_study_cell_stored(writer, pieces, cell), 0);
        cs_study_record *rec = NULL;
        cs_assert_ok(cs_study_train_cell(&rec, trainer, cell));
        ck_assert_int_eq(cs_study_record_cell(rec), cell);
        size_t len = 0;
        const char *bytes = cs_study_record_data(&len, rec);
        /* The cell file's text, its NUL, then its record-score sidecar. */
        ck_assert_uint_lt(strlen(bytes), len);
        ck_assert_int_eq(memcmp(bytes + strlen(bytes) + 1, "CSRECSCO", 8), 0);
        int stored = -1;
        double acc = -1.0;
        cs_assert_ok(cs_study_store_record(&stored, &acc, writer, pieces, bytes, len));
        ck_assert_int_eq(stored, cell);
        ck_assert(acc == cs_study_record_accuracy(rec));
        ck_assert_int_eq(cs_study_cell_stored(writer, pieces, cell), 1);
        cs_study_record_destroy(rec);
    }
    cs_study_destroy(trainer);
    cs_study_destroy(writer);

    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, whole));
    for (int m = 0; m < 2; m++)
        for (int c = 0; c < 3; c++)
            for (int rep = 0; rep < 2; rep++) {
                char name[128];
                snprintf(name, sizeof name, "%s__%s__r%d.json", m == 0 ? "lenet-0.5" : "small",
                         c == 0 ? "baseline" : c == 1 ? "shuffle-0.3" : "reduce-uniform-0.5", rep);
                char *pa = cell_file(whole, name), *pb = cell_file(pieces, name);
                size_t na = 0, nb = 0;
                char *ta = (char *)cs_test_read(pa, &na), *tb = (char *)cs_test_read(pb, &nb);
                char *sa = without_timings(ta, na), *sb = without_timings(tb, nb);
                ck_assert_str_eq(sa, sb);
                free(sa), free(sb), free(ta), free(tb), free(pa), free(pb);
            }
    cs_results_destroy(r);
    /* A complete store: running the study into it trains nothing. */
    s = make_study(0, 0, 2);
    cs_assert_ok(cs_study_run(s, pieces));
    cs_study_destroy(s);
    free(whole);
    free(pieces);
}
END_TEST

START_TEST(shards_fill_one_store_like_one_process)
{
    char *whole = store("whole"), *shared = store("shared");
    cs_study *s = make_study(0, 0, 2);
    cs_assert_ok(cs_study_run(s, whole));
    cs_study_destroy(s);
    int total = 0;
    for (int i = 0; i < 3; i++) {
        s = make_study(i, 3, 2);
        cs_assert_ok(cs_study_run(s, shared));
        cs_results *r = NULL;
        cs_assert_ok(cs_results_open(&r, shared));
        int now = cs_results_cells_finished(r);
        ck_assert_int_gt(now, total); /* every shard has work with 12 cells */
        total = now;
        cs_results_destroy(r);
        cs_study_destroy(s);
    }
    ck_assert_int_eq(total, 12);
    char *pa = store("whole/report"), *pb = store("shared/report");
    cs_results *ra = NULL, *rb = NULL;
    cs_assert_ok(cs_results_open(&ra, whole));
    cs_assert_ok(cs_results_open(&rb, shared));
    cs_assert_ok(cs_report_write(ra, pa, NULL));
    cs_assert_ok(cs_report_write(rb, pb, NULL));
    const char *files[] = { "summary.json", "results.csv" };
    for (int i = 0; i < 2; i++) {
        char *fa = cs_test_path(pa, files[i]), *fb = cs_test_path(pb, files[i]);
        size_t na = 0, nb = 0;
        uint8_t *ta = cs_test_read(fa, &na), *tb = cs_test_read(fb, &nb);
        ck_assert_uint_eq(na, nb);
        ck_assert_mem_eq(ta, tb, na);
        free(ta), free(tb), free(fa), free(fb);
    }
    cs_results_destroy(ra);
    cs_results_destroy(rb);
    free(pa), free(pb), free(whole), free(shared);
}
END_TEST

START_TEST(claims_are_written_read_and_released)
{
    char *dir = store("claims");
    cs_study *s = make_study(0, 0, 2);
    cs_assert_ok(cs_study_prepare(s, dir));
    cs_study_claim who = { sizeof who, "rank 7", "node-a", 4242, 1765000000.5 };
    cs_assert_ok(cs_study_claim_cell(s, dir, 3, &who));
    cs_assert_ok(cs_study_claim_cell(s, dir, 4, NULL));
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    cs_study_claim got;
    got.struct_size = sizeof got;
    cs_assert_ok(cs_results_cell_claim(&got, r, 0, 1, 1)); /* cell 3 */
    ck_assert_str_eq(got.worker, "rank 7");
    ck_assert_str_eq(got.host, "node-a");
    ck_assert_int_eq(got.pid, 4242);
    ck_assert(fabs(got.since - 1765000000.5) < 1e-6);
    cs_assert_ok(cs_results_cell_claim(&got, r, 0, 2, 0)); /* cell 4: this process */
    ck_assert_str_eq(got.worker, "local");
    ck_assert_int_eq(got.pid, (long long)getpid());
    ck_assert_int_eq(cs_results_cell_claim(&got, r, 0, 0, 0), CS_ERR_NOT_FOUND);
    cs_results_destroy(r);

    /* Storing a cell removes its claim; releasing removes the other; releasing twice is fine. */
    cs_study_record *rec = NULL;
    cs_assert_ok(cs_study_train_cell(&rec, s, 3));
    size_t len = 0;
    const char *bytes = cs_study_record_data(&len, rec);
    cs_assert_ok(cs_study_store_record(NULL, NULL, s, dir, bytes, len));
    cs_study_record_destroy(rec);
    cs_assert_ok(cs_study_release_cell(s, dir, 4));
    cs_assert_ok(cs_study_release_cell(s, dir, 4));
    char *running = cs_test_path(dir, "running");
    struct stat st;
    ck_assert_int_eq(stat(running, &st), 0);
    cs_assert_ok(cs_results_open(&r, dir));
    ck_assert_int_eq(cs_results_cell_claim(&got, r, 0, 1, 1), CS_ERR_NOT_FOUND);
    ck_assert_int_eq(cs_results_cell_claim(&got, r, 0, 2, 0), CS_ERR_NOT_FOUND);
    cs_results_destroy(r);
    free(running);
    cs_study_destroy(s);
    free(dir);
}
END_TEST

START_TEST(bad_records_are_refused_with_their_reason)
{
    char *dir = store("bad"), *other_dir = store("other");
    cs_study *s = make_study(0, 0, 2);
    cs_assert_ok(cs_study_prepare(s, dir));
    cs_study_record *rec = NULL;
    cs_assert_ok(cs_study_train_cell(&rec, s, 1));
    size_t len = 0;
    const char *bytes = cs_study_record_data(&len, rec);

    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, "not json", 8), CS_ERR_FORMAT);
    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, bytes, strlen(bytes) / 2), CS_ERR_FORMAT);
    /* The text whole, its sidecar cut short: not the sidecar the text references. */
    cs_assert_fails(cs_study_store_record(NULL, NULL, s, dir, bytes, len / 2 + strlen(bytes) / 2), CS_ERR_CORRUPT,
                    "its text records");
    /* The text without its sidecar, or a NUL followed by anything else. */
    cs_assert_fails(cs_study_store_record(NULL, NULL, s, dir, bytes, strlen(bytes)), CS_ERR_FORMAT,
                    "references record scores it does not carry");
    cs_assert_fails(cs_study_store_record(NULL, NULL, s, dir, bytes, strlen(bytes) + 4), CS_ERR_FORMAT,
                    "no record-score sidecar follows");
    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, "{\"format\": \"x\"}", 15), CS_ERR_FORMAT);

    /* A record of another configuration (another seed). */
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = 2;
    so.seed = 4;
    cs_study *other = NULL;
    cs_assert_ok(cs_study_create(&other, train_set, test_set, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 1;
    to.batch_size = 16;
    cs_assert_ok(cs_study_add_model(other, NULL, "lenet", 0.5, &to));
    cs_assert_ok(cs_study_prepare(other, other_dir));
    int cell = 99;
    ck_assert_int_eq(cs_study_store_record(&cell, NULL, other, other_dir, bytes, len), CS_ERR_CORRUPT);
    ck_assert_int_eq(cell, -1);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "configuration"));

    /* A record naming a cell the study does not have. The edited copies below are the text
     * alone (strdup stops at the NUL before the sidecar): each fails before the sidecar would
     * be looked at. */
    len = strlen(bytes);
    char *edited = strdup(bytes);
    char *rep = strstr(edited, "\"replicate\": 1");
    ck_assert_ptr_nonnull(rep);
    rep[13] = '5';
    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, edited, len), CS_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "not a cell of this study"));
    free(edited);
    /* Another store format version, an edited accuracy (the checksum), a NUL byte. */
    char *v2 = strdup(bytes);
    char *ver = strstr(v2, "\"version\": 5");
    ck_assert_ptr_nonnull(ver);
    ver[11] = '2';
    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, v2, len), CS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "version 2"));
    free(v2);
    char *bad_acc = strdup(bytes);
    char *acc = strstr(bad_acc, "\"test_accuracy\": ");
    ck_assert_ptr_nonnull(acc);
    memcpy(acc + 17, "7", 1); /* 0.xxx -> 7.xxx */
    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, bad_acc, len), CS_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "a cell record: its checksum says"));
    free(bad_acc);
    char *nul = strdup(bytes);
    nul[40] = '\0';
    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, nul, len), CS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "NUL byte at offset 40"));
    free(nul);

    /* Nothing was written by the refusals. */
    ck_assert_int_eq(cs_study_cell_stored(s, dir, 1), 0);

    /* A damaged cell file in the store is reported, not taken for missing. */
    char *path = cell_file(dir, "lenet-0.5__baseline__r1.json");
    cs_test_write(path, "{\"format\": \"classsens-cell\"", 27, 0);
    ck_assert_int_eq(cs_study_cell_stored(s, dir, 1), CS_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "lenet-0.5__baseline__r1.json"));
    free(path);

    cs_study_record_destroy(rec);
    cs_study_destroy(other);
    cs_study_destroy(s);
    free(dir);
    free(other_dir);
}
END_TEST

typedef struct trainer_arg {
    cs_study *s;
    int cell;
    cs_study_record *rec;
    int rc;
} trainer_arg;

static void *train_one(void *p)
{
    trainer_arg *t = p;
    t->rc = cs_study_train_cell(&t->rec, t->s, t->cell);
    return NULL;
}

START_TEST(cells_train_at_once_on_a_fresh_study)
{
    /* Two threads start on a study no call has frozen yet; their records equal the ones one
     * thread makes, cell by cell, on another study object. */
    cs_study *shared = make_study(0, 0, 2), *alone = make_study(0, 0, 2);
    trainer_arg t[2] = { { shared, 7, NULL, -1 }, { shared, 2, NULL, -1 } };
    pthread_t tid[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&tid[i], NULL, train_one, &t[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(tid[i], NULL);
    for (int i = 0; i < 2; i++) {
        cs_assert_ok(t[i].rc);
        cs_study_record *ref = NULL;
        cs_assert_ok(cs_study_train_cell(&ref, alone, t[i].cell));
        size_t na = 0, nb = 0;
        const char *a = cs_study_record_data(&na, ref), *b = cs_study_record_data(&nb, t[i].rec);
        char *sa = without_timings(a, na), *sb = without_timings(b, nb);
        ck_assert_str_eq(sa, sb);
        free(sa);
        free(sb);
        cs_study_record_destroy(ref);
        cs_study_record_destroy(t[i].rec);
    }
    cs_study_destroy(shared);
    cs_study_destroy(alone);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    char *dir = store("args");
    cs_study *s = make_study(0, 0, 2);
    cs_study_cell_info info;
    info.struct_size = sizeof info;
    ck_assert_int_eq(cs_study_cell(&info, NULL, 0), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_cell(NULL, s, 0), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_cell(&info, s, -1), CS_ERR_OUT_OF_RANGE);
    ck_assert_int_eq(cs_study_cell(&info, s, 12), CS_ERR_OUT_OF_RANGE);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "cell 12"));
    info.struct_size = 4;
    ck_assert_int_eq(cs_study_cell(&info, s, 0), CS_ERR_INVALID_ARGUMENT);
    int order[12];
    ck_assert_int_eq(cs_study_schedule(order, 11, s), CS_ERR_OVERFLOW);
    ck_assert_int_eq(cs_study_schedule(NULL, 12, s), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_shards(order, 12, s, 0), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_shards(order, 3, s, 2), CS_ERR_OVERFLOW);
    ck_assert_int_eq(cs_study_prepare(s, NULL), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_prepare(s, ""), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_cell_stored(s, dir, 40), CS_ERR_OUT_OF_RANGE);
    cs_study_record *rec = (cs_study_record *)&info;
    ck_assert_int_eq(cs_study_train_cell(&rec, s, 12), CS_ERR_OUT_OF_RANGE);
    ck_assert_ptr_null(rec);
    ck_assert_int_eq(cs_study_train_cell(NULL, s, 0), CS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(cs_study_record_data(NULL, NULL));
    ck_assert_int_eq(cs_study_record_cell(NULL), -1);
    ck_assert(isnan(cs_study_record_accuracy(NULL)));
    cs_study_record_destroy(NULL);
    ck_assert_int_eq(cs_study_store_record(NULL, NULL, s, dir, NULL, 0), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_claim_cell(s, dir, 12, NULL), CS_ERR_OUT_OF_RANGE);
    cs_study_claim who = { sizeof who, "bad\nname", NULL, 0, 0 };
    cs_assert_ok(cs_study_prepare(s, dir));
    ck_assert_int_eq(cs_study_claim_cell(s, dir, 0, &who), CS_ERR_INVALID_ARGUMENT);
    who.struct_size = 8;
    ck_assert_int_eq(cs_study_claim_cell(s, dir, 0, &who), CS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(cs_study_release_cell(s, NULL, 0), CS_ERR_INVALID_ARGUMENT);
    cs_study_destroy(s);

    /* Shard options: index within count, a worker name that prints. */
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    cs_study *t = NULL;
    so.shard_count = 3;
    so.shard_index = 3;
    ck_assert_int_eq(cs_study_create(&t, train_set, test_set, "tiny", &so), CS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "shard 3 of 3"));
    so.shard_index = -1;
    ck_assert_int_eq(cs_study_create(&t, train_set, test_set, "tiny", &so), CS_ERR_INVALID_ARGUMENT);
    so.shard_index = 1;
    so.shard_count = 0;
    ck_assert_int_eq(cs_study_create(&t, train_set, test_set, "tiny", &so), CS_ERR_INVALID_ARGUMENT);
    so.shard_index = 0;
    so.worker = "";
    ck_assert_int_eq(cs_study_create(&t, train_set, test_set, "tiny", &so), CS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(t);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cells");
    TCase *tc = tcase_create("cells");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cells_are_described_and_scheduled_most_expensive_first);
    tcase_add_test(tc, shards_are_balanced_deterministic_and_complete);
    tcase_add_test(tc, records_trained_alone_equal_the_runner_and_store_anywhere);
    tcase_add_test(tc, shards_fill_one_store_like_one_process);
    tcase_add_test(tc, claims_are_written_read_and_released);
    tcase_add_test(tc, bad_records_are_refused_with_their_reason);
    tcase_add_test(tc, cells_train_at_once_on_a_fresh_study);
    tcase_add_test(tc, bad_arguments_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
