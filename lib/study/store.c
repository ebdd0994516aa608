/* The results store's text: the canonical configuration, its hash, file names, and the
 * JSON of one finished cell (format: docs/formats.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "study/study_internal.h"

uint64_t cs__fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void cs__study_hash_hex(char hex[17], const char *text, size_t len)
{
    snprintf(hex, 17, "%016llx", (unsigned long long)cs__fnv1a64(CS__FNV1A64_INIT, text, len));
}

void cs__study_file_name(char *dst, size_t cap, const char *name)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; ++i) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        dst[i] = ok ? c : '-';
    }
    if (cap > 0)
        dst[i] = '\0';
}

static int cell_file(char *dst, size_t cap, const char *dir, const char *model, const char *cond, int replicate)
{
    char m[CS__STUDY_NAME_MAX + 1], c[256];
    cs__study_file_name(m, sizeof m, model);
    cs__study_file_name(c, sizeof c, cond);
    int n = snprintf(dst, cap, "%s/%s__%s__r%d.json", dir, m, c, replicate);
    if (n < 0 || (size_t)n >= cap)
        return cs__error(CS_ERR_OVERFLOW, "cell file name for %s / %s is too long", model, cond);
    return CS_OK;
}

int cs__study_cell_path(char *dst, size_t cap, const char *model, const char *cond, int replicate)
{
    return cell_file(dst, cap, CS__STUDY_CELLS_DIR, model, cond, replicate);
}

int cs__study_claim_path(char *dst, size_t cap, const char *model, const char *cond, int replicate)
{
    return cell_file(dst, cap, CS__STUDY_RUNNING_DIR, model, cond, replicate);
}

const char *cs__condition_family_name(cs_condition_family f)
{
    switch (f) {
    case CS_CONDITION_BASELINE: return "baseline";
    case CS_CONDITION_NOISE: return "noise";
    case CS_CONDITION_REDUCTION: return "reduction";
    case CS_CONDITION_CONTROL: return "control";
    }
    return "unknown";
}

void cs__study_config_free(cs__study_config *cfg)
{
    if (!cfg)
        return;
    if (cfg->class_names)
        for (int i = 0; i < cfg->k; ++i)
            free(cfg->class_names[i]);
    free(cfg->class_names);
    free(cfg->models);
    if (cfg->conds)
        for (int i = 0; i < cfg->n_conds; ++i)
            free(cfg->conds[i].name);
    free(cfg->conds);
    memset(cfg, 0, sizeof *cfg);
}

static void hex64(cs__json_writer *w, uint64_t v)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)v);
    cs__jw_string(w, hex);
}

static const char *schedule_name(cs_lr_schedule s)
{
    return s == CS_LR_CONSTANT ? "constant" : s == CS_LR_STEP ? "step" : "cosine";
}

int cs__study_config_json(cs__buf *out, const cs__study_config *cfg)
{
    cs__json_writer w;
    cs__jw_init(&w, out);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "data");
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "name");
    cs__jw_string(&w, cfg->data_name);
    cs__jw_key(&w, "shape");
    cs__jw_begin_array(&w);
    cs__jw_int(&w, cfg->c);
    cs__jw_int(&w, cfg->h);
    cs__jw_int(&w, cfg->w);
    cs__jw_end_array(&w);
    cs__jw_key(&w, "classes");
    cs__jw_begin_array(&w);
    for (int i = 0; i < cfg->k; ++i)
        cs__jw_string(&w, cfg->class_names[i]);
    cs__jw_end_array(&w);
    cs__jw_key(&w, "train_records");
    cs__jw_uint(&w, cfg->train_full);
    cs__jw_key(&w, "test_records");
    cs__jw_uint(&w, cfg->test_full);
    cs__jw_key(&w, "train_fingerprint");
    hex64(&w, cfg->train_fingerprint);
    cs__jw_key(&w, "test_fingerprint");
    hex64(&w, cfg->test_fingerprint);
    cs__jw_key(&w, "train_subset");
    cs__jw_uint(&w, cfg->train_subset);
    cs__jw_key(&w, "test_subset");
    cs__jw_uint(&w, cfg->test_subset);
    cs__jw_key(&w, "train_size");
    cs__jw_uint(&w, cfg->train_size);
    cs__jw_key(&w, "test_size");
    cs__jw_uint(&w, cfg->test_size);
    cs__jw_end_object(&w);

    cs__jw_key(&w, "seed");
    hex64(&w, cfg->seed);
    cs__jw_key(&w, "replicates");
    cs__jw_int(&w, cfg->replicates);
    cs__jw_key(&w, "matched_controls");
    cs__jw_bool(&w, cfg->matched_controls);

    cs__jw_key(&w, "models");
    cs__jw_begin_array(&w);
    for (int i = 0; i < cfg->n_models; ++i) {
        const cs__study_model *m = &cfg->models[i];
        const cs_train_options *t = &m->train;
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "name");
        cs__jw_string(&w, m->name);
        cs__jw_key(&w, "arch");
        cs__jw_string(&w, m->arch);
        cs__jw_key(&w, "width");
        cs__jw_double(&w, m->width);
        cs__jw_key(&w, "threads");
        cs__jw_int(&w, m->threads);
        cs__jw_key(&w, "epochs");
        cs__jw_int(&w, t->epochs);
        cs__jw_key(&w, "batch_size");
        cs__jw_int(&w, t->batch_size);
        cs__jw_key(&w, "lr");
        cs__jw_double(&w, t->lr);
        cs__jw_key(&w, "momentum");
        cs__jw_double(&w, t->momentum);
        cs__jw_key(&w, "weight_decay");
        cs__jw_double(&w, t->weight_decay);
        cs__jw_key(&w, "nesterov");
        cs__jw_bool(&w, t->nesterov);
        cs__jw_key(&w, "schedule");
        cs__jw_string(&w, schedule_name(t->schedule));
        cs__jw_key(&w, "step_size");
        cs__jw_int(&w, t->step_size);
        cs__jw_key(&w, "gamma");
        cs__jw_double(&w, t->gamma);
        cs__jw_key(&w, "warmup_epochs");
        cs__jw_int(&w, t->warmup_epochs);
        cs__jw_key(&w, "crop_padding");
        cs__jw_int(&w, t->crop_padding);
        cs__jw_key(&w, "horizontal_flip");
        cs__jw_bool(&w, t->horizontal_flip);
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);

    cs__jw_key(&w, "conditions");
    cs__jw_begin_array(&w);
    for (int i = 0; i < cfg->n_conds; ++i) {
        const cs__study_condition *c = &cfg->conds[i];
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "name");
        cs__jw_string(&w, c->name);
        cs__jw_key(&w, "family");
        cs__jw_string(&w, cs__condition_family_name(c->family));
        cs__jw_key(&w, "level");
        cs__jw_double(&w, c->level);
        if (c->family == CS_CONDITION_CONTROL) {
            cs__jw_key(&w, "controls");
            cs__jw_string(&w, cfg->conds[c->noise].name);
        }
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);
    cs__jw_end_object(&w);
    return cs__buf_status(out, "the study configuration");
}

static void size_array(cs__json_writer *w, const size_t *v, int n)
{
    cs__jw_begin_array(w);
    for (int i = 0; i < n; ++i)
        cs__jw_uint(w, v[i]);
    cs__jw_end_array(w);
}

int cs__study_cell_json(cs__buf *out, const cs__cell_outcome *cell)
{
    const int k = cell->k;
    size_t *tmp = NULL;
    if (cell->report) {
        tmp = malloc(sizeof *tmp * (size_t)k * (size_t)(k + 2));
        if (!tmp)
            return cs__error_oom("cell report", sizeof *tmp * (size_t)k * (size_t)(k + 2));
    }
    cs__json_writer w;
    cs__jw_init(&w, out);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "format");
    cs__jw_string(&w, "classsens-cell");
    cs__jw_key(&w, "version");
    cs__jw_int(&w, CS__STUDY_FORMAT_VERSION);
    cs__jw_key(&w, "config_hash");
    cs__jw_string(&w, cell->config_hash);
    cs__jw_key(&w, "model");
    cs__jw_string(&w, cell->model);
    cs__jw_key(&w, "condition");
    cs__jw_string(&w, cell->condition);
    cs__jw_key(&w, "replicate");
    cs__jw_int(&w, cell->replicate);
    cs__jw_key(&w, "seeds");
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "perturbation");
    hex64(&w, cell->seed_perturb);
    cs__jw_key(&w, "init");
    hex64(&w, cell->seed_init);
    cs__jw_key(&w, "training");
    hex64(&w, cell->seed_train);
    cs__jw_end_object(&w);
    cs__jw_key(&w, "threads");
    cs__jw_int(&w, cell->threads);
    cs__jw_key(&w, "train_size");
    cs__jw_uint(&w, cell->train_size);

    cs__jw_key(&w, "perturbation");
    if (cell->report) {
        const cs_perturb_report *r = cell->report;
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "size_before");
        cs__jw_uint(&w, cs_perturb_report_size_before(r));
        cs__jw_key(&w, "size_after");
        cs__jw_uint(&w, cs_perturb_report_size_after(r));
        cs__jw_key(&w, "selected");
        cs__jw_uint(&w, cs_perturb_report_selected(r));
        cs__jw_key(&w, "changed");
        cs__jw_uint(&w, cs_perturb_report_changed(r));
        cs__jw_key(&w, "flip_rate");
        cs__jw_double(&w, cs_perturb_report_flip_rate(r));
        size_t *before = tmp, *after = tmp + k, *trans = tmp + 2 * (size_t)k;
        cs_perturb_report_class_counts(before, after, k, r);
        cs_perturb_report_transitions(trans, k, r);
        cs__jw_key(&w, "class_counts_before");
        size_array(&w, before, k);
        cs__jw_key(&w, "class_counts_after");
        size_array(&w, after, k);
        cs__jw_key(&w, "transitions");
        cs__jw_begin_array(&w);
        for (int i = 0; i < k; ++i)
            size_array(&w, trans + (size_t)i * (size_t)k, k);
        cs__jw_end_array(&w);
        cs__jw_end_object(&w);
    } else {
        cs__jw_null(&w);
    }

    cs__jw_key(&w, "epochs");
    cs__jw_begin_array(&w);
    for (int e = 0; e < cell->epochs; ++e) {
        const cs_epoch_report *ep = &cell->trace[e];
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "epoch");
        cs__jw_int(&w, ep->epoch);
        cs__jw_key(&w, "loss");
        cs__jw_double(&w, ep->loss);
        cs__jw_key(&w, "accuracy");
        cs__jw_double(&w, ep->accuracy);
        cs__jw_key(&w, "lr");
        cs__jw_double(&w, ep->lr);
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);

    cs__jw_key(&w, "test_accuracy");
    cs__jw_double(&w, cell->test_accuracy);
    cs__jw_key(&w, "confusion");
    cs__jw_begin_array(&w);
    for (int i = 0; i < k; ++i)
        cs__jw_doubles(&w, cell->confusion + (size_t)i * (size_t)k, (size_t)k);
    cs__jw_end_array(&w);

    /* Timings vary between runs; every member that holds one has "seconds" in its name so
     * that comparisons of stores can leave them out line by line. */
    cs__jw_key(&w, "timing");
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "train_seconds");
    cs__jw_double(&w, cell->train_seconds);
    cs__jw_key(&w, "test_seconds");
    cs__jw_double(&w, cell->test_seconds);
    cs__jw_key(&w, "epoch_seconds");
    cs__jw_begin_array(&w);
    for (int e = 0; e < cell->epochs; ++e)
        cs__jw_double(&w, cell->trace[e].seconds);
    cs__jw_end_array(&w);
    cs__jw_end_object(&w);
    cs__jw_end_object(&w);
    free(tmp);
    return cs__buf_status(out, "a cell result");
}

void cs__study_json_node(cs__json_writer *w, const cs__json *v)
{
    switch (cs__json_type_of(v)) {
    case CS__JSON_NULL: cs__jw_null(w); break;
    case CS__JSON_BOOL: cs__jw_bool(w, cs__json_bool(v)); break;
    case CS__JSON_NUMBER: {
        /* Integers print as integers (the writer's cs__jw_int form), the rest shortest. */
        double d = cs__json_number(v);
        if (d == (double)(long long)d && d > -9007199254740992.0 && d < 9007199254740992.0)
            cs__jw_int(w, (long long)d);
        else
            cs__jw_double(w, d);
        break;
    }
    case CS__JSON_STRING: cs__jw_string(w, cs__json_string(v)); break;
    case CS__JSON_ARRAY:
        cs__jw_begin_array(w);
        for (size_t i = 0; i < cs__json_len(v); ++i)
            cs__study_json_node(w, cs__json_at(v, i));
        cs__jw_end_array(w);
        break;
    case CS__JSON_OBJECT:
        cs__jw_begin_object(w);
        for (size_t i = 0; i < cs__json_len(v); ++i) {
            cs__jw_key(w, cs__json_key_at(v, i));
            cs__study_json_node(w, cs__json_at(v, i));
        }
        cs__jw_end_object(w);
        break;
    }
}

int cs__study_cell_check(const cs__json *root, const char *path, const char *hash, const char *model,
                         const char *cond, int replicate)
{
    return cs__study_identity_check(root, path, "classsens-cell", "holds", hash, model, cond, replicate);
}

int cs__study_identity_check(const cs__json *root, const char *path, const char *kind, const char *verb,
                             const char *hash, const char *model, const char *cond, int replicate)
{
    const char *format = NULL, *h = NULL, *m = NULL, *c = NULL;
    long long version = 0, r = -1;
    int rc = cs__json_get_string(root, "format", &format, path);
    if (rc == CS_OK && strcmp(format, kind) != 0)
        rc = cs__error(CS_ERR_FORMAT, "%s: format \"%s\"; expected \"%s\"", path, format, kind);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "version", 1, CS__STUDY_FORMAT_VERSION, &version, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "config_hash", &h, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "model", &m, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "condition", &c, path);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "replicate", 0, 1000000, &r, path);
    if (rc == CS_OK && (strcmp(h, hash) || strcmp(m, model) || strcmp(c, cond) || r != replicate))
        rc = cs__error(CS_ERR_CORRUPT, "%s %s (%s, %s, replicate %lld, configuration %s); expected (%s, %s, "
                       "replicate %d, configuration %s)", path, verb, m, c, r, h, model, cond, replicate, hash);
    return rc;
}
