/* A study's configuration: its creation from two splits (subsets, fingerprints), the models and
 * conditions added to it and their validation, the seeds derived from the study's seed, each
 * cell's place and estimated work, and freezing the configuration into its hash. Training a
 * cell is train.c, running the cells runner.c, the store store.c. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/memory.h"
#include "core/numfmt.h"
#include "core/rng.h"
#include "models/models.h"
#include "models/net.h"
#include "study/study_internal.h"
#include "tensor/precision.h"

/* Models of at least this many forward FLOPs per image get two threads by default. */
#define BIG_MODEL_FLOPS 100e6

/* ---- seeds ------------------------------------------------------------------------------ */

static uint64_t name_key(const char *name)
{
    return cs__fnv1a64(CS__FNV1A64_INIT, name, strlen(name));
}

uint64_t cs__study_seed(uint64_t study_seed, int purpose, const char *model, const char *cond, int replicate)
{
    uint64_t s = cs__seed_derive(study_seed, (uint64_t)purpose);
    if (model)
        s = cs__seed_derive(s, name_key(model));
    if (cond)
        s = cs__seed_derive(s, name_key(cond));
    return cs__seed_derive(s, (uint64_t)replicate);
}

/* ---- creation and configuration --------------------------------------------------------- */

uint64_t cs__study_fingerprint(const cs_dataset *ds)
{
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    const size_t bytes = (size_t)c * (size_t)h * (size_t)w;
    const size_t n = cs_dataset_size(ds);
    const int32_t *labels = cs_dataset_labels(ds);
    uint64_t f = CS__FNV1A64_INIT;
    for (size_t i = 0; i < n; ++i) {
        uint8_t le[4] = { (uint8_t)labels[i], (uint8_t)(labels[i] >> 8), (uint8_t)(labels[i] >> 16),
                          (uint8_t)(labels[i] >> 24) };
        f = cs__fnv1a64(f, le, 4);
        f = cs__fnv1a64(f, cs_dataset_image(ds, i), bytes);
    }
    return f;
}

static int subset(cs_dataset **out, const cs_dataset *ds, size_t want, uint64_t seed, const char *which)
{
    *out = NULL;
    const size_t n = cs_dataset_size(ds);
    if (want == 0 || want == n)
        return CS_OK;
    if (want > n)
        return cs__error(CS_ERR_OUT_OF_RANGE, "cs_study_create: %s subset of %zu records; the split has %zu",
                         which, want, n);
    cs_perturb_spec *spec = NULL;
    int rc = cs_perturb_spec_create(&spec, CS_REDUCE_STRATIFIED, (double)want / (double)n);
    if (rc == CS_OK)
        rc = cs_perturb_apply(out, NULL, ds, spec, seed);
    cs_perturb_spec_destroy(spec);
    if (rc != CS_OK)
        return cs__error(rc == CS_ERR_OUT_OF_MEMORY ? rc : CS_ERR_OUT_OF_RANGE,
                         "cs_study_create: %s subset of %zu records: %s", which, want, cs_last_error());
    return CS_OK;
}

int cs__study_train_subset(cs_dataset **out, const cs_dataset *train, size_t want, uint64_t study_seed)
{
    return subset(out, train, want, cs__study_seed(study_seed, CS__STUDY_SEED_TRAIN_SUBSET, NULL, NULL, 0),
                  "training");
}

static int printable(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; ++n)
        if (n >= max || s[n] < 0x20 || s[n] > 0x7e)
            return 0;
    return n > 0;
}

int cs_study_create(cs_study **out, const cs_dataset *train, const cs_dataset *test,
                    const char *data_name, const cs_study_options *opts)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_create: out is NULL");
    *out = NULL;
    if (!train || !test || !data_name)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_create: %s is NULL",
                         !train ? "train" : !test ? "test" : "data_name");
    if (!printable(data_name, CS__STUDY_DATA_NAME_MAX))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_study_create: data_name must be 1..%d printable ASCII characters",
                         CS__STUDY_DATA_NAME_MAX);
    cs_study_options o = CS_STUDY_OPTIONS_INIT;
    if (opts) {
        int rc = cs__options_copy(&o, sizeof o, opts, sizeof(size_t) + sizeof(int), "cs_study_options");
        if (rc != CS_OK)
            return rc;
    }
    if (o.replicates < 1 || o.replicates > 1000)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_create: replicates %d; expected 1..1000", o.replicates);
    if (o.jobs < 0 || o.jobs > 1024)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_create: jobs %d; expected 0 (one per CPU) .. 1024",
                         o.jobs);
    if (o.shard_count < 0 || o.shard_count > 65536 || o.shard_index < 0 ||
        (o.shard_count > 1 ? o.shard_index >= o.shard_count : o.shard_index != 0))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_study_create: shard %d of %d; expected shard_count 0..65536 and shard_index "
                         "0 .. shard_count - 1 (0 without shards)",
                         o.shard_index, o.shard_count);
    if (o.precision != CS_PRECISION_FP32 && o.precision != CS_PRECISION_BF16)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_create: precision %d; expected CS_PRECISION_FP32 (0) or "
                         "CS_PRECISION_BF16 (1)", (int)o.precision);
    if (o.precision == CS_PRECISION_BF16) {
        int rc = cs__bf16_check("cs_study_create");
        if (rc != CS_OK)
            return rc;
    }
    if (o.worker && !printable(o.worker, CS__STUDY_WORKER_MAX))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_study_create: worker name must be 1..%d printable ASCII characters",
                         CS__STUDY_WORKER_MAX);
    int c, h, w, tc, th, tw;
    cs_dataset_shape(&c, &h, &w, train);
    cs_dataset_shape(&tc, &th, &tw, test);
    const int k = cs_dataset_num_classes(train);
    if (c != tc || h != th || w != tw || k != cs_dataset_num_classes(test))
        return cs__error(CS_ERR_SIZE_MISMATCH,
                         "cs_study_create: the training split is %dx%dx%d with %d classes but the test split "
                         "is %dx%dx%d with %d classes",
                         c, h, w, k, tc, th, tw, cs_dataset_num_classes(test));

    cs_study *s = calloc(1, sizeof *s);
    if (!s)
        return cs__error_oom("study", sizeof *s);
    pthread_mutex_init(&s->event_lock, NULL);
    int rc = CS_OK;
    cs__study_config *cfg = &s->cfg;
    snprintf(cfg->data_name, sizeof cfg->data_name, "%s", data_name);
    cfg->c = c;
    cfg->h = h;
    cfg->w = w;
    cfg->k = k;
    cfg->seed = o.seed;
    cfg->replicates = o.replicates;
    cfg->train_subset = o.train_subset;
    cfg->test_subset = o.test_subset;
    cfg->matched_controls = o.matched_controls != 0;
    cfg->precision = (int)o.precision;
    cfg->train_full = cs_dataset_size(train);
    cfg->test_full = cs_dataset_size(test);
    s->train_full = train;
    s->test_full = test;
    s->jobs = o.jobs > 0 ? o.jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (s->jobs < 1)
        s->jobs = 1;
    s->progress = o.progress;
    s->payload = o.payload;
    s->retry_failed = o.retry_failed != 0;
    s->record_scores = o.record_scores != 0;
    s->shard_count = o.shard_count > 1 ? o.shard_count : 1;
    s->shard_index = o.shard_index;
    if (o.worker)
        snprintf(s->worker, sizeof s->worker, "%s", o.worker);
    else if (s->shard_count > 1)
        snprintf(s->worker, sizeof s->worker, "shard %d/%d", s->shard_index, s->shard_count);
    else
        snprintf(s->worker, sizeof s->worker, "local");

    cfg->class_names = calloc((size_t)k, sizeof *cfg->class_names);
    if (!cfg->class_names) {
        rc = cs__error_oom("class names", sizeof(char *) * (size_t)k);
        goto fail;
    }
    for (int i = 0; i < k; ++i) {
        const char *name = cs_dataset_class_name(train, i);
        cfg->class_names[i] = strdup(name ? name : "");
        if (!cfg->class_names[i]) {
            rc = cs__error_oom("class name", strlen(name ? name : "") + 1);
            goto fail;
        }
    }
    cfg->train_fingerprint = cs__study_fingerprint(train);
    cfg->test_fingerprint = cs__study_fingerprint(test);
    rc = cs__study_train_subset(&s->train_sub, train, o.train_subset, o.seed);
    if (rc == CS_OK)
        rc = subset(&s->test_sub, test, o.test_subset,
                    cs__study_seed(o.seed, CS__STUDY_SEED_TEST_SUBSET, NULL, NULL, 0), "test");
    if (rc != CS_OK)
        goto fail;
    s->train = s->train_sub ? s->train_sub : train;
    s->test = s->test_sub ? s->test_sub : test;
    cfg->train_size = cs_dataset_size(s->train);
    cfg->test_size = cs_dataset_size(s->test);

    cfg->conds = calloc(1, sizeof *cfg->conds);
    s->specs = calloc(1, sizeof *s->specs);
    if (!cfg->conds || !s->specs) {
        rc = cs__error_oom("conditions", sizeof *cfg->conds);
        goto fail;
    }
    cfg->conds[0].name = strdup("baseline");
    if (!cfg->conds[0].name) {
        rc = cs__error_oom("condition name", 9);
        goto fail;
    }
    cfg->conds[0].family = CS_CONDITION_BASELINE;
    cfg->conds[0].noise = -1;
    cfg->conds[0].reduce = -1;
    cfg->n_conds = 1;
    *out = s;
    return CS_OK;
fail:
    cs_study_destroy(s);
    return rc;
}

void cs_study_destroy(cs_study *s)
{
    if (!s)
        return;
    if (s->specs)
        for (int i = 0; i < s->cfg.n_conds; ++i)
            cs_perturb_spec_destroy(s->specs[i]);
    free(s->specs);
    cs_dataset_destroy(s->train_sub);
    cs_dataset_destroy(s->test_sub);
    cs__study_config_free(&s->cfg);
    pthread_mutex_destroy(&s->event_lock);
    free(s);
}

static int valid_model_name(const char *name)
{
    size_t n = 0;
    for (; name[n]; ++n) {
        char c = name[n];
        if (n >= CS__STUDY_NAME_MAX ||
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-' || c == ':' || c == '+'))
            return 0;
    }
    return n > 0;
}

int cs_study_add_model(cs_study *s, const char *name, const char *arch, double width,
                       const cs_train_options *train)
{
    if (!s || !arch)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_add_model: %s is NULL", !s ? "study" : "arch");
    if (s->ran)
        return cs__error(CS_ERR_STATE, "cs_study_add_model: the study has already run");
    cs_train_options t = CS_TRAIN_OPTIONS_INIT;
    if (train) {
        int rc = cs__options_copy(&t, sizeof t, train, sizeof(size_t) + sizeof(int), "cs_train_options");
        if (rc != CS_OK)
            return rc;
    }
    cs__study_model m;
    memset(&m, 0, sizeof m);
    if (name) {
        if (!valid_model_name(name))
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_study_add_model: name \"%s\" must be 1..%d letters, digits or ._-:+", name,
                             CS__STUDY_NAME_MAX);
        snprintf(m.name, sizeof m.name, "%s", name);
    } else if (width == 1.0) {
        snprintf(m.name, sizeof m.name, "%.31s", arch);
    } else {
        cs__num_snprintf(m.name, sizeof m.name, "%.31s:%g", arch, width); /* "lenet:0.5" in any locale */
    }
    char file_name[CS__STUDY_NAME_MAX + 1];
    cs__study_file_name(file_name, sizeof file_name, m.name);
    for (int i = 0; i < s->cfg.n_models; ++i) {
        char other[CS__STUDY_NAME_MAX + 1];
        cs__study_file_name(other, sizeof other, s->cfg.models[i].name);
        if (strcmp(other, file_name) == 0)
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_study_add_model: model name \"%s\" clashes with \"%s\" (names must differ "
                             "in letters, digits or ._-)",
                             m.name, s->cfg.models[i].name);
    }
    /* Check the architecture, the input and the width by laying the network out. */
    cs__net net;
    int rc = cs__model_layout(&net, arch, s->cfg.c, s->cfg.h, s->cfg.w, s->cfg.k, width);
    if (rc != CS_OK)
        return rc;
    m.flops = cs__net_forward_flops(&net);
    const int bn = cs__net_has_bn(&net);
    cs__net_free(&net);

    /* Validate the recipe the way training will, without training: one epoch on nothing is
     * not possible, so check the fields here with the trainer's ranges. */
    if (t.epochs < 1 || t.epochs > 100000)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_add_model: epochs %d; expected 1..100000", t.epochs);
    if (t.batch_size < 1 || t.batch_size > 65536)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_add_model: batch size %d; expected 1..65536",
                         t.batch_size);
    if (!(t.lr >= 0.0 && isfinite(t.lr)) || !(t.momentum >= 0.0 && t.momentum < 1.0) ||
        !(t.weight_decay >= 0.0 && isfinite(t.weight_decay)))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_study_add_model: lr %g, momentum %g, weight decay %g; expected lr >= 0, "
                         "momentum in [0, 1), weight decay >= 0",
                         t.lr, t.momentum, t.weight_decay);
    if (t.threads < 0 || t.threads > CS__NET_MAX_THREADS)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_add_model: threads %d; expected 0 (automatic) .. " CS__NET_MAX_THREADS_TEXT,
                         t.threads);
    snprintf(m.arch, sizeof m.arch, "%s", arch);
    m.width = width;
    m.threads = t.threads > 0 ? t.threads : (m.flops >= BIG_MODEL_FLOPS ? 2 : 1);
    if (t.lr == 0.0)
        t.lr = bn ? 0.1 : 0.01;
    t.seed = 0;
    t.threads = 0;
    t.progress = NULL;
    t.payload = NULL;
    t.record_scores = NULL; /* each cell brings its own (cs_study_options.record_scores) */
    m.train = t;

    cs__study_model *grown = realloc(s->cfg.models, sizeof *grown * (size_t)(s->cfg.n_models + 1));
    if (!grown)
        return cs__error_oom("study models", sizeof *grown * (size_t)(s->cfg.n_models + 1));
    s->cfg.models = grown;
    s->cfg.models[s->cfg.n_models++] = m;
    return CS_OK;
}

static int append_condition(cs_study *s, char *name, cs_condition_family family, double level, int noise,
                            cs_perturb_spec *spec)
{
    cs__study_condition *conds = realloc(s->cfg.conds, sizeof *conds * (size_t)(s->cfg.n_conds + 1));
    if (conds)
        s->cfg.conds = conds;
    cs_perturb_spec **specs = conds ? realloc(s->specs, sizeof *specs * (size_t)(s->cfg.n_conds + 1)) : NULL;
    if (specs)
        s->specs = specs;
    if (!conds || !specs) {
        free(name);
        cs_perturb_spec_destroy(spec);
        return cs__error_oom("study conditions", sizeof *conds * (size_t)(s->cfg.n_conds + 1));
    }
    cs__study_condition *c = &s->cfg.conds[s->cfg.n_conds];
    c->name = name;
    c->family = family;
    c->level = level;
    c->noise = noise;
    c->reduce = -1;
    s->specs[s->cfg.n_conds] = spec;
    s->cfg.n_conds++;
    return CS_OK;
}

static char *format_spec(const cs_perturb_spec *spec)
{
    size_t need = 0;
    if (cs_perturb_spec_format(NULL, 0, &need, spec) != CS_OK && need == 0)
        return NULL;
    char *text = malloc(need + 1);
    if (!text) {
        cs__error_oom("condition name", need + 1);
        return NULL;
    }
    if (cs_perturb_spec_format(text, need + 1, NULL, spec) != CS_OK) {
        free(text);
        return NULL;
    }
    return text;
}

/* Remove the conditions from index `keep` on: what a call that fails had added (a noise level
 * whose matched control could not be added; the pure conditions of a grid point that could
 * not be), so that a failed call leaves the study as it was. */
static void drop_conditions(cs_study *s, int keep)
{
    while (s->cfg.n_conds > keep) {
        s->cfg.n_conds--;
        free(s->cfg.conds[s->cfg.n_conds].name);
        s->cfg.conds[s->cfg.n_conds].name = NULL;
        cs_perturb_spec_destroy(s->specs[s->cfg.n_conds]);
        s->specs[s->cfg.n_conds] = NULL;
    }
}

int cs_study_add_condition(cs_study *s, const cs_perturb_spec *spec)
{
    if (!s || !spec)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_add_condition: %s is NULL", !s ? "study" : "spec");
    if (s->ran)
        return cs__error(CS_ERR_STATE, "cs_study_add_condition: the study has already run");
    cs_perturb_kind kind = cs_perturb_spec_kind(spec);
    if (kind == CS_PERTURB_NONE)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_study_add_condition: the baseline is always part of a study; add perturbations");
    char *name = format_spec(spec);
    if (!name)
        return cs_last_error_status() != CS_OK ? cs_last_error_status() : CS_ERR_INVALID_ARGUMENT;
    for (int i = 0; i < s->cfg.n_conds; ++i) {
        char a[256], b[256];
        cs__study_file_name(a, sizeof a, name);
        cs__study_file_name(b, sizeof b, s->cfg.conds[i].name);
        if (strcmp(a, b) == 0) {
            int rc = cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_add_condition: \"%s\" is already in the study%s%s",
                               name, strcmp(name, s->cfg.conds[i].name) ? " as " : "",
                               strcmp(name, s->cfg.conds[i].name) ? s->cfg.conds[i].name : "");
            free(name);
            return rc;
        }
    }
    /* Apply it once to the training set: every problem with classes, maps or sizes shows up
     * now, with the perturbation's own message, instead of in the middle of a run. */
    cs_perturb_spec *copy = NULL;
    cs_dataset *probe = NULL;
    int rc = cs_perturb_spec_parse(&copy, name);
    if (rc == CS_OK)
        rc = cs_perturb_apply(&probe, NULL, s->train, copy, 0);
    cs_dataset_destroy(probe);
    if (rc != CS_OK) {
        rc = cs__error(cs_last_error_status(), "cs_study_add_condition: %s: %s", name, cs_last_error());
        cs_perturb_spec_destroy(copy);
        free(name);
        return rc;
    }
    const int noise = kind < CS_REDUCE_UNIFORM;
    const int index = s->cfg.n_conds;
    rc = append_condition(s, name, noise ? CS_CONDITION_NOISE : CS_CONDITION_REDUCTION,
                          cs_perturb_spec_level(copy), -1, copy);
    if (rc != CS_OK || !noise || !s->cfg.matched_controls)
        return rc;
    size_t len = strlen(s->cfg.conds[index].name) + sizeof "matched:";
    char *control = malloc(len);
    if (!control)
        rc = cs__error_oom("condition name", len);
    else {
        snprintf(control, len, "matched:%s", s->cfg.conds[index].name);
        rc = append_condition(s, control, CS_CONDITION_CONTROL, s->cfg.conds[index].level, index, NULL);
    }
    if (rc != CS_OK)
        drop_conditions(s, index);
    return rc;
}

/* The index of the condition named `name` (exactly), or -1. */
static int find_condition(const cs_study *s, const char *name)
{
    for (int i = 0; i < s->cfg.n_conds; ++i)
        if (strcmp(s->cfg.conds[i].name, name) == 0)
            return i;
    return -1;
}

/* The condition of `spec`, added when the study does not have it yet; *index its place. */
static int ensure_condition(cs_study *s, const cs_perturb_spec *spec, int *index)
{
    char *name = format_spec(spec);
    if (!name)
        return cs_last_error_status() != CS_OK ? cs_last_error_status() : CS_ERR_INVALID_ARGUMENT;
    int rc = CS_OK;
    *index = find_condition(s, name);
    if (*index < 0) {
        rc = cs_study_add_condition(s, spec);
        if (rc == CS_OK)
            *index = find_condition(s, name);
    }
    free(name);
    return rc;
}

int cs_study_add_grid(cs_study *s, const cs_perturb_spec *noise, const cs_perturb_spec *reduce)
{
    static const char fn[] = "cs_study_add_grid";
    if (!s || !noise || !reduce)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !s ? "study" : !noise ? "noise" : "reduce");
    if (s->ran)
        return cs__error(CS_ERR_STATE, "%s: the study has already run", fn);
    const cs_perturb_kind nk = cs_perturb_spec_kind(noise), rk = cs_perturb_spec_kind(reduce);
    if (nk == CS_PERTURB_NONE || nk >= CS_REDUCE_UNIFORM)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: noise is %s; expected a label-noise perturbation", fn,
                         nk == CS_PERTURB_NONE ? "no perturbation" : "a data reduction");
    if (rk != CS_REDUCE_UNIFORM && rk != CS_REDUCE_STRATIFIED)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: reduce is %s; expected a uniform or stratified reduction "
                         "(a grid point's reduced set must keep every class)", fn,
                         rk == CS_REDUCE_TARGETED ? "a targeted reduction" : rk == CS_PERTURB_NONE
                                                                                ? "no perturbation"
                                                                                : "a label-noise perturbation");
    const int before = s->cfg.n_conds;
    int ni = -1, ri = -1;
    int rc = ensure_condition(s, noise, &ni);
    if (rc == CS_OK)
        rc = ensure_condition(s, reduce, &ri);
    if (rc != CS_OK) {
        drop_conditions(s, before);
        return rc;
    }
    const char *nn = s->cfg.conds[ni].name, *rn = s->cfg.conds[ri].name;
    size_t len = strlen(rn) + strlen(nn) + 2;
    char *name = malloc(len);
    if (!name) {
        rc = cs__error_oom("condition name", len);
        drop_conditions(s, before);
        return rc;
    }
    snprintf(name, len, "%s/%s", rn, nn);
    for (int i = 0; i < s->cfg.n_conds; ++i) {
        char a[256], b[256];
        cs__study_file_name(a, sizeof a, name);
        cs__study_file_name(b, sizeof b, s->cfg.conds[i].name);
        if (strcmp(a, b) == 0) {
            rc = cs__error(CS_ERR_INVALID_ARGUMENT, "%s: \"%s\" is already in the study%s%s", fn, name,
                           strcmp(name, s->cfg.conds[i].name) ? " as " : "",
                           strcmp(name, s->cfg.conds[i].name) ? s->cfg.conds[i].name : "");
            free(name);
            drop_conditions(s, before);
            return rc;
        }
    }
    const int index = s->cfg.n_conds;
    rc = append_condition(s, name, CS_CONDITION_GRID, s->cfg.conds[ni].level, ni, NULL);
    if (rc == CS_OK)
        s->cfg.conds[index].reduce = ri;
    else
        drop_conditions(s, before);
    return rc;
}

int cs_study_options_init(cs_study_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_options_init: opts is NULL");
    /* Static, so that its padding is zero too: memcmp with a zeroed macro copy is equal. */
    static const cs_study_options defaults = CS_STUDY_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

int cs_study_num_cells(const cs_study *s)
{
    return s ? s->cfg.n_models * s->cfg.n_conds * s->cfg.replicates : -1;
}

/* ---- the cells ------------------------------------------------------------------------------ */

void cs__study_cell_coords(const cs_study *s, int cell, int *model, int *cond, int *replicate)
{
    const int r = s->cfg.replicates, nc = s->cfg.n_conds;
    *replicate = cell % r;
    *cond = (cell / r) % nc;
    *model = cell / (r * nc);
}

static double estimate_train_size(const cs_study *s, int cond)
{
    const cs__study_condition *c = &s->cfg.conds[cond];
    const double n = (double)s->cfg.train_size;
    if (c->family == CS_CONDITION_REDUCTION)
        return n * c->level;
    if (c->family == CS_CONDITION_GRID)
        return n * s->cfg.conds[c->reduce].level;
    if (c->family == CS_CONDITION_CONTROL)
        return n * (1.0 - 0.9 * c->level);
    return n;
}

double cs__study_cell_work(const cs_study *s, int model, int cond)
{
    const cs__study_model *m = &s->cfg.models[model];
    return m->flops * 1e-9 *
           (3.0 * m->train.epochs * estimate_train_size(s, cond) + (double)s->cfg.test_size);
}

/* Under the study's lock: cs_study_train_cell may be called from several threads at once on a
 * study that no call has frozen yet. */
int cs__study_freeze(cs_study *s)
{
    pthread_mutex_lock(&s->event_lock);
    int rc = CS_OK;
    if (!s->hash[0]) {
        if (s->cfg.n_models == 0) {
            rc = cs__error(CS_ERR_STATE, "the study has no models (add one with cs_study_add_model)");
        } else {
            cs__buf config = CS__BUF_INIT;
            rc = cs__study_config_json(&config, &s->cfg);
            char hash[17];
            if (rc == CS_OK) {
                cs__study_hash_hex(hash, cs__buf_str(&config), config.len);
                memcpy(s->hash, hash, sizeof hash);
                s->ran = 1;
            }
            cs__buf_free(&config);
        }
    }
    pthread_mutex_unlock(&s->event_lock);
    return rc;
}
