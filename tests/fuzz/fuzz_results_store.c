/* libFuzzer target: the results store (cs_results_open: study.json, the cell files under cells/
 * and the claims under running/), then everything a report reads from it (cs_report_write).
 *
 * The input is files split at FUZZ_SEPARATOR: study.json first, then one file per cell in the
 * store's cell order (model, condition, replicate): its finished-cell file (cells/), or its
 * claim (running/) or failed-cell file (failed/) when the text names that format. Their names
 * come from the configuration that study.json gives, so that mutations of cell contents reach
 * the cell reader instead of a missing file. Seeds: stores of real studies
 * (make_seeds). Most inputs get the checksums of their files recomputed (see put()). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include <classsens.h>

#include "fuzz_common.h"
#include "study/study_internal.h"

#define MAX_FILES 64

static char written[MAX_FILES][600];
static int n_written;

static void remove_written(const char *dir)
{
    for (int i = 0; i < n_written; i++)
        fuzz_write_file(dir, written[i], NULL, (size_t)-1);
    n_written = 0;
}

/* The store's checksum line (lib/study/store.c, docs/formats.md): the CRC-32 of every byte
 * before it, as 8 lowercase hex digits. */
#define CHECKSUM_LINE "\n  \"checksum\": \""

/* Whether this input's files get their checksums recomputed: most do, so that mutations get
 * past the CRC to the checks behind it; inputs whose size is a multiple of 8 keep theirs. */
static int fix_checksums;

static void put(const char *dir, const char *rel, const uint8_t *data, size_t n)
{
    if (n_written == MAX_FILES)
        return;
    snprintf(written[n_written++], sizeof written[0], "%s", rel);
    const size_t tag = sizeof CHECKSUM_LINE - 1;
    const uint8_t *line = NULL;
    for (size_t i = n >= tag + 8 ? n - tag - 8 + 1 : 0; fix_checksums && i-- > 0;)
        if (memcmp(data + i, CHECKSUM_LINE, tag) == 0) {
            line = data + i;
            break;
        }
    if (!line) {
        fuzz_write_file(dir, rel, data, n);
        return;
    }
    uint8_t *copy = malloc(n);
    if (!copy)
        fuzz_fail("out of memory");
    memcpy(copy, data, n);
    const size_t upto = (size_t)(line - data) + 1;
    char hex[9];
    snprintf(hex, sizeof hex, "%08lx", (unsigned long)crc32_z(crc32_z(0L, Z_NULL, 0), data, upto));
    memcpy(copy + upto - 1 + tag, hex, 8);
    fuzz_write_file(dir, rel, copy, n);
    free(copy);
}

static void use(const cs_results *r, const char *out_dir, int report)
{
    const int models = cs_results_num_models(r), conds = cs_results_num_conditions(r);
    const int reps = cs_results_replicates(r), k = cs_results_num_classes(r);
    if (models < 1 || conds < 1 || reps < 1 || k < 2)
        fuzz_fail("an opened store has %d models, %d conditions, %d replicates, %d classes", models, conds, reps, k);
    int finished = 0, failed = 0;
    for (int m = 0; m < models; m++) {
        cs_train_options to = CS_TRAIN_OPTIONS_INIT;
        if (!cs_results_model_name(r, m) || !cs_results_model_arch(r, m) ||
            cs_results_model_train_options(&to, r, m) != CS_OK)
            fuzz_fail("model %d of an opened store cannot be described: %s", m, cs_last_error());
        for (int c = 0; c < conds; c++) {
            cs_condition_family fam;
            if (!cs_results_condition_name(r, c) || cs_results_condition_family(&fam, r, c) != CS_OK)
                fuzz_fail("condition %d of an opened store cannot be described", c);
            for (int i = 0; i < reps; i++) {
                cs_cell_result cell = { .struct_size = sizeof cell };
                int rc = cs_results_cell(&cell, r, m, c, i);
                if (rc == CS_ERR_NOT_FOUND) {
                    cs_study_claim claim = { .struct_size = sizeof claim };
                    (void)cs_results_cell_claim(&claim, r, m, c, i);
                    cs_cell_failure failure = { .struct_size = sizeof failure };
                    if (cs_results_cell_failure(&failure, r, m, c, i) == CS_OK) {
                        failed++;
                        if (!failure.reason || failure.epoch < 1)
                            fuzz_fail("failed cell (%d, %d, %d) has epoch %d, reason %s", m, c, i, failure.epoch,
                                      failure.reason ? failure.reason : "(null)");
                    }
                    continue;
                }
                if (rc != CS_OK)
                    fuzz_fail("cs_results_cell(%d, %d, %d): %s", m, c, i, cs_last_error());
                finished++;
                cs_epoch_report trace[8];
                int count = 0;
                if (cs_results_cell_trace(trace, sizeof trace[0], 8, &count, r, m, c, i) != CS_OK)
                    fuzz_fail("trace of a finished cell: %s", cs_last_error());
                if (cs_confusion_num_classes(cell.confusion) != k)
                    fuzz_fail("a cell's confusion matrix has %d classes, the store %d",
                              cs_confusion_num_classes(cell.confusion), k);
            }
        }
    }
    if (failed != cs_results_cells_failed(r))
        fuzz_fail("%d failed cells readable, cs_results_cells_failed says %d", failed, cs_results_cells_failed(r));
    if (finished != cs_results_cells_finished(r))
        fuzz_fail("%d cells readable, cs_results_cells_finished says %d", finished, cs_results_cells_finished(r));
    if (report) {
        cs_report_options ro = CS_REPORT_OPTIONS_INIT;
        ro.figures = 0;
        (void)cs_report_write(r, out_dir, &ro);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char store[600], out[600];
    if (!store[0]) {
        snprintf(store, sizeof store, "%s/store", fuzz_scratch_dir());
        snprintf(out, sizeof out, "%s/report", fuzz_scratch_dir());
        char sub[700];
        mkdir(store, 0700);
        snprintf(sub, sizeof sub, "%s/" CS__STUDY_CELLS_DIR, store);
        mkdir(sub, 0700);
        snprintf(sub, sizeof sub, "%s/" CS__STUDY_RUNNING_DIR, store);
        mkdir(sub, 0700);
        snprintf(sub, sizeof sub, "%s/" CS__STUDY_FAILED_DIR, store);
        mkdir(sub, 0700);
    }
    remove_written(store);
    fix_checksums = size % 8 != 0;
    const uint8_t *start[FUZZ_MAX_PARTS];
    size_t len[FUZZ_MAX_PARTS];
    const int parts = fuzz_split(data, size, start, len);
    put(store, CS__STUDY_CONFIG_FILE, start[0], len[0]);

    /* The configuration alone names the files. */
    cs_results *r = NULL;
    if (cs_results_open(&r, store) != CS_OK)
        return 0;
    const int models = cs_results_num_models(r), conds = cs_results_num_conditions(r);
    const int reps = cs_results_replicates(r);
    const long cells = (long)models * conds * reps;
    for (int part = 1; part < parts && part - 1 < cells; part++) {
        const long cell = part - 1;
        const int m = (int)(cell / ((long)conds * reps)), c = (int)(cell / reps % conds), i = (int)(cell % reps);
        const char *model = cs_results_model_name(r, m), *cond = cs_results_condition_name(r, c);
        char rel[512];
        int rc;
        if (memmem(start[part], len[part], "\"classsens-claim\"", 17))
            rc = cs__study_claim_path(rel, sizeof rel, model, cond, i);
        else if (memmem(start[part], len[part], "\"classsens-failed-cell\"", 23))
            rc = cs__study_failed_path(rel, sizeof rel, model, cond, i);
        else
            rc = cs__study_cell_path(rel, sizeof rel, model, cond, i);
        if (rc != CS_OK)
            break;
        put(store, rel, start[part], len[part]);
    }
    cs_results_destroy(r);
    r = NULL;
    if (cs_results_open(&r, store) == CS_OK) {
        use(r, out, 1);
        cs_results_destroy(r);
    }
    return 0;
}
