/* The results store's study.json and names (format: docs/formats.md): the canonical
 * configuration, its hash, the file names of cells and claims, and the one reader of study.json
 * (cs__study_store_parse), which both the runner (opening a store to resume, cells.c) and the
 * results reader (results.c) call. A cell's file is cellfile.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/json.h"
#include "core/memory.h"
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

/* ---- checksums (docs/formats.md, "Checksums") ------------------------------------------------ */

#define CHECKSUM_LINE "\n  \"checksum\": \""

static unsigned long crc_of(const char *text, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        uInt n = len > (size_t)1 << 30 ? (uInt)1 << 30 : (uInt)len;
        crc = crc32(crc, (const Bytef *)text, n);
        text += n;
        len -= n;
    }
    return (unsigned long)crc;
}

void cs__study_checksum_put(cs__json_writer *w, size_t start)
{
    cs__jw_key(w, "checksum");
    cs__buf *b = w->out;
    if (b->failed || !b->data || b->len <= start)
        return;
    /* Every byte of the document before the checksum's own line. */
    size_t line = b->len;
    while (line > start && b->data[line - 1] != '\n')
        --line;
    char hex[9];
    snprintf(hex, sizeof hex, "%08lx", crc_of(b->data + start, line - start));
    cs__jw_string(w, hex);
}

int cs__study_checksum_check(const char *text, size_t len, const char *path, int required, const char *todo)
{
    const size_t tag = sizeof CHECKSUM_LINE - 1;
    const char *line = NULL;
    for (size_t i = len >= tag ? len - tag + 1 : 0; i-- > 0;)
        if (text[i] == '\n' && memcmp(text + i, CHECKSUM_LINE, tag) == 0) {
            line = text + i;
            break;
        }
    if (!line)
        return required ? cs__error(CS_ERR_CORRUPT, "%s has no \"checksum\" member (its last member in this store "
                                    "format): it was edited or damaged%s%s", path, *todo ? "; " : "", todo)
                        : CS_OK;
    /* The member is the last: only its value and the object's end may follow. */
    const char *hex = line + tag, *end = text + len;
    int ok = end - hex == 12 && memcmp(hex + 8, "\"\n}\n", 4) == 0;
    unsigned long stated = 0;
    for (int i = 0; ok && i < 8; ++i) {
        char c = hex[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        ok = v >= 0;
        stated = stated << 4 | (unsigned long)(v < 0 ? 0 : v);
    }
    if (!ok)
        return cs__error(CS_ERR_CORRUPT, "%s: the \"checksum\" member must be the last, 8 lowercase hex digits, "
                         "followed only by the end of the object: the file was edited or damaged%s%s", path,
                         *todo ? "; " : "", todo);
    const unsigned long actual = crc_of(text, (size_t)(line + 1 - text));
    if (actual != stated)
        return cs__error(CS_ERR_CORRUPT, "%s: its checksum says %08lx but its content gives %08lx (CRC-32): the "
                         "file was edited or damaged%s%s", path, stated, actual, *todo ? "; " : "", todo);
    return CS_OK;
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

int cs__study_failed_path(char *dst, size_t cap, const char *model, const char *cond, int replicate)
{
    return cell_file(dst, cap, CS__STUDY_FAILED_DIR, model, cond, replicate);
}

const char *cs__condition_family_name(cs_condition_family f)
{
    switch (f) {
    case CS_CONDITION_BASELINE: return "baseline";
    case CS_CONDITION_NOISE: return "noise";
    case CS_CONDITION_REDUCTION: return "reduction";
    case CS_CONDITION_CONTROL: return "control";
    case CS_CONDITION_GRID: return "grid";
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

void cs__study_jw_hex64(cs__json_writer *w, uint64_t v)
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
    cs__study_jw_hex64(&w, cfg->train_fingerprint);
    cs__jw_key(&w, "test_fingerprint");
    cs__study_jw_hex64(&w, cfg->test_fingerprint);
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
    cs__study_jw_hex64(&w, cfg->seed);
    cs__jw_key(&w, "replicates");
    cs__jw_int(&w, cfg->replicates);
    cs__jw_key(&w, "matched_controls");
    cs__jw_bool(&w, cfg->matched_controls);
    /* Only when not fp32: an fp32 study's configuration, and so its hash, stay what they were
     * before the option existed, and its store resumes. */
    if (cfg->precision == CS_PRECISION_BF16) {
        cs__jw_key(&w, "precision");
        cs__jw_string(&w, "bf16");
    }

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
        if (c->family == CS_CONDITION_GRID) {
            cs__jw_key(&w, "reduction");
            cs__jw_string(&w, cfg->conds[c->reduce].name);
            cs__jw_key(&w, "noise");
            cs__jw_string(&w, cfg->conds[c->noise].name);
        }
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);
    cs__jw_end_object(&w);
    return cs__buf_status(out, "the study configuration");
}

void cs__study_json_node(cs__json_writer *w, const cs__json *v)
{
    switch (cs__json_type_of(v)) {
    case CS__JSON_NULL: cs__jw_null(w); break;
    case CS__JSON_BOOL: cs__jw_bool(w, cs__json_bool(v)); break;
    case CS__JSON_NUMBER: {
        /* Integers print as integers (the writer's cs__jw_int form), the rest shortest. The
         * range comes first: converting a double beyond long long's range (a learning rate of
         * 1e30) is undefined (found by fuzz_results_store's seeds under UBSan). */
        double d = cs__json_number(v);
        if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(long long)d)
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

/* ---- reading study.json ------------------------------------------------------------------- */

static int parse_hex64(const char *text, uint64_t *out, const char *what, const char *key)
{
    char *end = NULL;
    if (strlen(text) != 16)
        return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" must be 16 hex digits (got \"%s\")", what, key, text);
    unsigned long long v = strtoull(text, &end, 16);
    if (!end || *end)
        return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" must be 16 hex digits (got \"%s\")", what, key, text);
    *out = v;
    return CS_OK;
}

int cs__study_json_size(const cs__json *obj, const char *key, size_t *out, const char *what)
{
    long long v = 0;
    int rc = cs__json_get_int(obj, key, 0, (long long)1 << 50, &v, what);
    if (rc == CS_OK)
        *out = (size_t)v;
    return rc;
}

static int get_bool(const cs__json *obj, const char *key, int *out, const char *what)
{
    int b = cs__json_bool(cs__json_get(obj, key));
    if (b < 0)
        return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" must be true or false", what, key);
    *out = b;
    return CS_OK;
}

static int read_model(cs__study_model *m, const cs__json *o, const char *what)
{
    const char *name = NULL, *arch = NULL, *schedule = NULL;
    long long threads, epochs, batch, step, warmup, crop;
    int nesterov = 0, flip = 0;
    cs_train_options t = CS_TRAIN_OPTIONS_INIT;
    int rc = cs__json_get_string(o, "name", &name, what);
    if (rc == CS_OK)
        rc = cs__json_get_string(o, "arch", &arch, what);
    if (rc == CS_OK)
        rc = cs__json_get_number(o, "width", &m->width, what);
    if (rc == CS_OK)
        rc = cs__json_get_int(o, "threads", 1, 256, &threads, what);
    if (rc == CS_OK)
        rc = cs__json_get_int(o, "epochs", 1, 100000, &epochs, what);
    if (rc == CS_OK)
        rc = cs__json_get_int(o, "batch_size", 1, 65536, &batch, what);
    if (rc == CS_OK)
        rc = cs__json_get_number(o, "lr", &t.lr, what);
    if (rc == CS_OK)
        rc = cs__json_get_number(o, "momentum", &t.momentum, what);
    if (rc == CS_OK)
        rc = cs__json_get_number(o, "weight_decay", &t.weight_decay, what);
    if (rc == CS_OK)
        rc = get_bool(o, "nesterov", &nesterov, what);
    if (rc == CS_OK)
        rc = cs__json_get_string(o, "schedule", &schedule, what);
    if (rc == CS_OK)
        rc = cs__json_get_int(o, "step_size", 0, 1000000, &step, what);
    if (rc == CS_OK)
        rc = cs__json_get_number(o, "gamma", &t.gamma, what);
    if (rc == CS_OK)
        rc = cs__json_get_int(o, "warmup_epochs", 0, 1000000, &warmup, what);
    if (rc == CS_OK)
        rc = cs__json_get_int(o, "crop_padding", 0, 1000000, &crop, what);
    if (rc == CS_OK)
        rc = get_bool(o, "horizontal_flip", &flip, what);
    if (rc != CS_OK)
        return rc;
    if (strlen(name) > CS__STUDY_NAME_MAX || strlen(arch) >= sizeof m->arch)
        return cs__error(CS_ERR_FORMAT, "%s: model name \"%s\" or architecture \"%s\" is too long", what, name, arch);
    if (strcmp(schedule, "constant") == 0)
        t.schedule = CS_LR_CONSTANT;
    else if (strcmp(schedule, "step") == 0)
        t.schedule = CS_LR_STEP;
    else if (strcmp(schedule, "cosine") == 0)
        t.schedule = CS_LR_COSINE;
    else
        return cs__error(CS_ERR_FORMAT, "%s: schedule \"%s\"; expected constant, step or cosine", what, schedule);
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->arch, sizeof m->arch, "%s", arch);
    m->threads = (int)threads;
    t.epochs = (int)epochs;
    t.batch_size = (int)batch;
    t.nesterov = nesterov;
    t.step_size = (int)step;
    t.warmup_epochs = (int)warmup;
    t.crop_padding = (int)crop;
    t.horizontal_flip = flip;
    t.seed = 0;
    t.threads = 0;
    m->train = t;
    return CS_OK;
}

static int read_config(cs__study_config *cfg, const cs__json *c, const char *what)
{
    const cs__json *data = NULL, *shape = NULL, *classes = NULL, *models = NULL, *conds = NULL;
    const char *name = NULL, *fp_train = NULL, *fp_test = NULL, *seed = NULL;
    long long reps = 0;
    double dims[3];
    int rc = cs__json_get_object(c, "data", &data, what);
    if (rc == CS_OK)
        rc = cs__json_get_string(data, "name", &name, what);
    if (rc == CS_OK)
        rc = cs__json_get_array(data, "shape", &shape, what);
    if (rc == CS_OK)
        rc = cs__json_numbers(shape, dims, 3, what);
    if (rc == CS_OK)
        rc = cs__json_get_array(data, "classes", &classes, what);
    if (rc == CS_OK)
        rc = cs__study_json_size(data, "train_records", &cfg->train_full, what);
    if (rc == CS_OK)
        rc = cs__study_json_size(data, "test_records", &cfg->test_full, what);
    if (rc == CS_OK)
        rc = cs__json_get_string(data, "train_fingerprint", &fp_train, what);
    if (rc == CS_OK)
        rc = cs__json_get_string(data, "test_fingerprint", &fp_test, what);
    if (rc == CS_OK)
        rc = parse_hex64(fp_train, &cfg->train_fingerprint, what, "train_fingerprint");
    if (rc == CS_OK)
        rc = parse_hex64(fp_test, &cfg->test_fingerprint, what, "test_fingerprint");
    if (rc == CS_OK)
        rc = cs__study_json_size(data, "train_subset", &cfg->train_subset, what);
    if (rc == CS_OK)
        rc = cs__study_json_size(data, "test_subset", &cfg->test_subset, what);
    if (rc == CS_OK)
        rc = cs__study_json_size(data, "train_size", &cfg->train_size, what);
    if (rc == CS_OK)
        rc = cs__study_json_size(data, "test_size", &cfg->test_size, what);
    if (rc == CS_OK)
        rc = cs__json_get_string(c, "seed", &seed, what);
    if (rc == CS_OK)
        rc = parse_hex64(seed, &cfg->seed, what, "seed");
    if (rc == CS_OK)
        rc = cs__json_get_int(c, "replicates", 1, 1000, &reps, what);
    if (rc == CS_OK)
        rc = get_bool(c, "matched_controls", &cfg->matched_controls, what);
    cfg->precision = CS_PRECISION_FP32;
    if (rc == CS_OK && cs__json_get(c, "precision")) {
        const char *precision = NULL;
        rc = cs__json_get_string(c, "precision", &precision, what);
        if (rc == CS_OK && strcmp(precision, "bf16") == 0)
            cfg->precision = CS_PRECISION_BF16;
        else if (rc == CS_OK)
            rc = cs__error(CS_ERR_FORMAT, "%s: precision \"%s\"; expected \"bf16\" (fp32 is written as no member)",
                           what, precision);
    }
    if (rc == CS_OK)
        rc = cs__json_get_array(c, "models", &models, what);
    if (rc == CS_OK)
        rc = cs__json_get_array(c, "conditions", &conds, what);
    if (rc != CS_OK)
        return rc;
    for (int i = 0; i < 3; ++i)
        if (!(dims[i] >= 1 && dims[i] <= 65536 && dims[i] == floor(dims[i])))
            return cs__error(CS_ERR_FORMAT, "%s: data shape must be three integers in 1..65536", what);
    const size_t k = cs__json_len(classes), nm = cs__json_len(models), nc = cs__json_len(conds);
    if (k < 2 || k > 65536 || nm < 1 || nm > 10000 || nc < 1 || nc > 10000)
        return cs__error(CS_ERR_FORMAT, "%s: %zu classes, %zu models, %zu conditions; expected 2..65536 classes "
                         "and at least one model and condition", what, k, nm, nc);
    snprintf(cfg->data_name, sizeof cfg->data_name, "%s", name);
    cfg->c = (int)dims[0];
    cfg->h = (int)dims[1];
    cfg->w = (int)dims[2];
    cfg->replicates = (int)reps;
    cfg->class_names = calloc(k, sizeof *cfg->class_names);
    cfg->models = calloc(nm, sizeof *cfg->models);
    cfg->conds = calloc(nc, sizeof *cfg->conds);
    if (!cfg->class_names || !cfg->models || !cfg->conds)
        return cs__error_oom("study configuration", sizeof(cs__study_model) * nm);
    cfg->k = (int)k;
    for (size_t i = 0; i < k; ++i) {
        const char *cn = cs__json_string(cs__json_at(classes, i));
        if (!cn)
            return cs__error(CS_ERR_FORMAT, "%s: class name %zu is not a string", what, i);
        if (!(cfg->class_names[i] = strdup(cn)))
            return cs__error_oom("class name", strlen(cn) + 1);
    }
    cfg->n_models = (int)nm;
    for (size_t i = 0; i < nm; ++i) {
        rc = read_model(&cfg->models[i], cs__json_at(models, i), what);
        if (rc != CS_OK)
            return rc;
    }
    cfg->n_conds = (int)nc;
    for (size_t i = 0; i < nc; ++i)
        cfg->conds[i].noise = cfg->conds[i].reduce = -1;
    for (size_t i = 0; i < nc; ++i) {
        const cs__json *o = cs__json_at(conds, i);
        const char *cname = NULL, *family = NULL;
        cs__study_condition *cd = &cfg->conds[i];
        rc = cs__json_get_string(o, "name", &cname, what);
        if (rc == CS_OK)
            rc = cs__json_get_string(o, "family", &family, what);
        if (rc == CS_OK)
            rc = cs__json_get_number(o, "level", &cd->level, what);
        if (rc != CS_OK)
            return rc;
        if (!(cd->name = strdup(cname)))
            return cs__error_oom("condition name", strlen(cname) + 1);
        int f = -1;
        for (int j = CS_CONDITION_BASELINE; j <= CS_CONDITION_GRID; ++j)
            if (strcmp(family, cs__condition_family_name((cs_condition_family)j)) == 0)
                f = j;
        if (f < 0)
            return cs__error(CS_ERR_FORMAT, "%s: condition \"%s\" has the unknown family \"%s\"", what, cname, family);
        if ((f == CS_CONDITION_BASELINE) != (i == 0))
            return cs__error(CS_ERR_FORMAT, "%s: the baseline must be the first condition, and only the first", what);
        cd->family = (cs_condition_family)f;
        if (f == CS_CONDITION_CONTROL) {
            const char *of = NULL;
            rc = cs__json_get_string(o, "controls", &of, what);
            if (rc != CS_OK)
                return rc;
            for (size_t j = 0; j < i; ++j)
                if (cfg->conds[j].family == CS_CONDITION_NOISE && strcmp(cfg->conds[j].name, of) == 0)
                    cd->noise = (int)j;
            if (cd->noise < 0)
                return cs__error(CS_ERR_FORMAT, "%s: control \"%s\" refers to \"%s\", which is not an earlier noise "
                                 "condition", what, cname, of);
        }
        if (f == CS_CONDITION_GRID) {
            const char *of_noise = NULL, *of_reduce = NULL;
            rc = cs__json_get_string(o, "noise", &of_noise, what);
            if (rc == CS_OK)
                rc = cs__json_get_string(o, "reduction", &of_reduce, what);
            if (rc != CS_OK)
                return rc;
            for (size_t j = 0; j < i; ++j) {
                if (cfg->conds[j].family == CS_CONDITION_NOISE && strcmp(cfg->conds[j].name, of_noise) == 0)
                    cd->noise = (int)j;
                if (cfg->conds[j].family == CS_CONDITION_REDUCTION && strcmp(cfg->conds[j].name, of_reduce) == 0)
                    cd->reduce = (int)j;
            }
            if (cd->noise < 0 || cd->reduce < 0)
                return cs__error(CS_ERR_FORMAT, "%s: grid condition \"%s\" refers to %s \"%s\", which is not an "
                                 "earlier %s condition", what, cname, cd->noise < 0 ? "the noise" : "the reduction",
                                 cd->noise < 0 ? of_noise : of_reduce, cd->noise < 0 ? "noise" : "reduction");
        }
    }
    return CS_OK;
}

int cs__study_store_parse(cs__study_config *cfg, char hash[17], cs__buf *canon, const char *text, size_t len,
                          const char *path, int resume)
{
    cs__json *root = NULL;
    cs__buf own = CS__BUF_INIT, *buf = canon ? canon : &own;
    const char *format = NULL, *stated = NULL;
    long long version = 0;
    const cs__json *config = NULL;
    hash[0] = '\0';
    int rc = cs__json_parse(&root, text, len, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "format", &format, path);
    if (rc == CS_OK && strcmp(format, "classsens-study") != 0)
        rc = cs__error(CS_ERR_FORMAT, "%s is not a classsens study: format \"%s\"; expected \"classsens-study\" "
                       "(restore it, or use another directory)", path, format);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "version", 1, 1000000, &version, path);
    if (rc == CS_OK && resume && version != CS__STUDY_FORMAT_VERSION)
        rc = cs__error(CS_ERR_FORMAT,
                       "%s has store format version %lld; this library resumes version %d only (%s): use a new "
                       "directory (a report can still be made from this one)",
                       path, version, CS__STUDY_FORMAT_VERSION,
                       version > CS__STUDY_FORMAT_VERSION ? "it was written by a newer library"
                       : version == 3 ? "its files carry no checksums, so what it holds cannot all be verified"
                       : version == 4 ? "it predates grid conditions, whose cells record two perturbation stages"
                                      : "its cells were trained with other numerics");
    if (rc == CS_OK && !resume && version > CS__STUDY_FORMAT_VERSION)
        rc = cs__error(CS_ERR_FORMAT, "%s: store format version %lld; this library reads versions 1 to %d", path,
                       version, CS__STUDY_FORMAT_VERSION);
    /* Versions before 4 have no checksum; their configuration is still checked by its hash. */
    if (rc == CS_OK)
        rc = cs__study_checksum_check(text, len, path, version >= 4,
                                      "restore it, or delete the store (or use another directory) to start over");
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "config_hash", &stated, path);
    if (rc == CS_OK)
        rc = cs__json_get_object(root, "config", &config, path);
    if (rc == CS_OK) {
        cs__json_writer w;
        cs__jw_init(&w, buf);
        cs__study_json_node(&w, config);
        rc = cs__buf_status(buf, path);
    }
    if (rc == CS_OK) {
        cs__study_hash_hex(hash, cs__buf_str(buf), buf->len);
        if (strcmp(hash, stated) != 0)
            rc = cs__error(CS_ERR_CORRUPT, "%s: the configuration's hash is %s but the file says %s (edited or "
                           "damaged): restore it, or delete the store (or use another directory) to start over",
                           path, hash, stated);
    }
    if (rc == CS_OK)
        rc = read_config(cfg, config, path);
    for (int i = 0; rc == CS_OK && version < 5 && i < cfg->n_conds; ++i)
        if (cfg->conds[i].family == CS_CONDITION_GRID)
            rc = cs__error(CS_ERR_FORMAT, "%s: store format version %lld has no grid conditions, but \"%s\" is one",
                           path, version, cfg->conds[i].name);
    if (rc == CS_OK)
        cfg->version = (int)version;
    cs__buf_free(&own);
    cs__json_free(root);
    return rc;
}
