/* libFuzzer target: the classsens tool's argument parsing (examples/cli_args.c): option
 * scanning with the option table of `classsens study` and `classsens report`, and every value
 * parser the tool hands option values to (numbers, data set specs, model lists, noise and
 * reduction lists, augmentation). The input is the argument vector, arguments separated by NUL
 * bytes. Parsers print their refusals on stderr (run with -close_fd_mask=3). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "cli_args.h"
#include "fuzz_common.h"

#define MAX_ARGS 64

/* The options of `classsens study` and `classsens report` (examples/classsens.c). */
static const cli_option defs[] = {
    { "profile", 1 }, { "data", 1 }, { "models", 1 }, { "noise", 1 }, { "reduce", 1 },
    { "matched", 0 }, { "seeds", 1 }, { "seed", 1 }, { "epochs", 1 }, { "batch", 1 },
    { "train-subset", 1 }, { "test-subset", 1 }, { "jobs", 1 }, { "out", 1 }, { "no-report", 0 },
    { "quiet", 0 }, { "lr", 1 }, { "threads", 1 }, { "shard", 1 }, { "plan", 0 }, { "data-per-rank", 0 },
    { "augment", 1 }, { "precision", 1 }, { "confidence", 1 }, { "top", 1 },
};
enum { O_PROFILE, O_DATA, O_MODELS, O_NOISE, O_REDUCE, O_MATCHED, O_SEEDS, O_SEED, O_EPOCHS, O_BATCH,
       O_TRAIN_SUBSET, O_TEST_SUBSET, O_JOBS, O_OUT, O_NO_REPORT, O_QUIET, O_LR, O_THREADS, O_SHARD, O_PLAN,
       O_DATA_PER_RANK, O_AUGMENT, O_PRECISION, O_CONFIDENCE, O_TOP };

static void data_spec(const char *v, int need_test)
{
    cli_data_spec d;
    if (cli_parse_data_spec(&d, v, need_test) != 0)
        return;
    char name[4096];
    cli_data_name(&d, name, sizeof name);
    if ((d.kind == CLI_DATA_IDX || d.kind == CLI_DATA_NPY) && d.idx_paths != 2 && d.idx_paths != 4)
        fuzz_fail("'%s' parses as idx or npy with %d paths", v, d.idx_paths);
    if (d.kind == CLI_DATA_NPZ && d.idx_paths != 1 && d.idx_paths != 2)
        fuzz_fail("'%s' parses as npz with %d paths", v, d.idx_paths);
    for (int i = 0; d.kind >= CLI_DATA_IDX && i < d.idx_paths; i++)
        if (!d.idx[i] || (d.idx[i] < d.idx_buf || d.idx[i] >= d.idx_buf + sizeof d.idx_buf))
            fuzz_fail("'%s': idx path %d is outside the spec's buffer", v, i);
}

static void models(const char *v)
{
    cli_model_spec m[CLI_MAX_MODELS];
    int n = 0;
    if (cli_parse_models(v, m, &n) != 0)
        return;
    if (n < 1 || n > CLI_MAX_MODELS)
        fuzz_fail("'%s' parses as %d models", v, n);
    for (int i = 0; i < n; i++) {
        if (!m[i].arch || !(m[i].width > 0.0) || m[i].epochs < 0 || m[i].lr < 0.0)
            fuzz_fail("'%s': model %d is %s width %g epochs %d lr %g", v, i, m[i].arch ? m[i].arch : "(null)",
                      m[i].width, m[i].epochs, m[i].lr);
    }
}

static void conditions(const char *opt, const char *v, int reduce)
{
    cs_perturb_spec *specs[CLI_MAX_CONDITIONS];
    int n = 0;
    (void)cli_parse_conditions(opt, v, reduce, specs, &n);
    if (n < 0 || n > CLI_MAX_CONDITIONS)
        fuzz_fail("'%s' gave %d conditions", v, n);
    for (int i = 0; i < n; i++) {
        cs_perturb_kind k = cs_perturb_spec_kind(specs[i]);
        if (reduce ? !cli_is_reduction(k) : !cli_is_noise(k))
            fuzz_fail("%s '%s' gave a condition of kind %d", opt, v, (int)k);
        cs_perturb_spec_destroy(specs[i]);
    }
}

static void scan(int argc, char **argv)
{
    cli_scanner sc = { argc, 0, argv, "study" };
    int which = 0, kind;
    const char *v;
    while ((kind = cli_scan_next(&sc, defs, (int)(sizeof defs / sizeof defs[0]), &which, &v)) != CLI_SCAN_END) {
        if (kind == CLI_SCAN_ERROR || kind == CLI_SCAN_HELP)
            return;
        if (kind == CLI_SCAN_POSITIONAL) {
            data_spec(v, 0);
            continue;
        }
        if (which < 0 || which >= (int)(sizeof defs / sizeof defs[0]) || (defs[which].has_value != (v != NULL)))
            fuzz_fail("cli_scan_next gave option %d with%s a value", which, v ? "" : "out");
        long l;
        int i, crop, flip;
        size_t z;
        uint64_t u;
        double d;
        switch (which) {
        case O_DATA: data_spec(v, 1); break;
        case O_MODELS: models(v); break;
        case O_NOISE: conditions("--noise", v, 0); break;
        case O_REDUCE: conditions("--reduce", v, 1); break;
        case O_SEEDS: case O_BATCH: case O_TOP: (void)cli_parse_int("--seeds", v, 1, &i); break;
        case O_JOBS: case O_THREADS: (void)cli_parse_int("--jobs", v, 0, &i); break;
        case O_EPOCHS: (void)cli_parse_int("--epochs", v, 1, &i); break;
        case O_SEED: (void)cli_parse_u64("--seed", v, &u); break;
        case O_TRAIN_SUBSET: case O_TEST_SUBSET: (void)cli_parse_size("--train-subset", v, &z); break;
        case O_LR:
            if (cli_parse_open_interval("--lr", v, 0.0, INFINITY, &d) == 0 && !(d > 0.0 && d < INFINITY))
                fuzz_fail("--lr '%s' accepted as %g", v, d);
            break;
        case O_CONFIDENCE:
            if (cli_parse_open_interval("--confidence", v, 0.0, 1.0, &d) == 0 && !(d > 0.0 && d < 1.0))
                fuzz_fail("--confidence '%s' accepted as %g", v, d);
            break;
        case O_SHARD:
            if (cli_parse_long("--shard", v, 0, 65535, &l) == 0 && (l < 0 || l > 65535))
                fuzz_fail("--shard '%s' accepted as %ld", v, l);
            break;
        case O_AUGMENT:
            if (cli_parse_augment("--augment", v, &crop, &flip) == 0 && (crop < 0 || crop > 64 || (flip != 0 && flip != 1)))
                fuzz_fail("--augment '%s' accepted as crop %d flip %d", v, crop, flip);
            break;
        default: break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        fuzz_fail("out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (size_t at = 0; argc < MAX_ARGS && at <= size; argc++) {
        argv[argc] = text + at;
        at += strlen(text + at) + 1;
    }
    argv[argc] = NULL;
    scan(argc, argv);
    free(text);
    return 0;
}
