/* classsens: the command-line tool. Runs a class-sensitivity study into a resumable store and
 * writes its report, rebuilds a report from a store, or describes a data set.
 *
 *   classsens study [--profile quick|article] [--data SPEC] [--models LIST] [--noise LIST]
 *                   [--reduce LIST] [--matched] [--seeds N] [--seed S] [--epochs E|per-model]
 *                   [--batch B] [--train-subset N] [--test-subset N] [--jobs N] [--out DIR]
 *                   [--no-report] [--quiet]
 *   classsens report DIR [--out OUTDIR] [--confidence C] [--top K]
 *   classsens info DATA
 *
 * Exit codes: 0 done; 1 a library failure (the line names the status and cs_last_error());
 * 2 bad arguments; 130 interrupted (the store keeps the finished cells).
 *
 * Uses only the public API. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with realpath() */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <classsens.h>

#define EXIT_LIBRARY 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

#define MAX_MODELS 32
#define MAX_CONDITIONS 64
#define MAX_LISTS 16

/* ---- profiles ------------------------------------------------------------------------------
 * The one place where the profiles live. Lists use the command-line syntax, so a profile is
 * exactly what the same options would give. Subsets of 0 mean the whole split; a profile's
 * subset larger than the split also means the whole split. */
typedef struct profile {
    const char *name;
    const char *data;
    size_t train_subset, test_subset;
    int seeds;
    int batch;
    const char *models;  /* --models */
    const char *noise;   /* --noise */
    const char *reduce;  /* --reduce */
    const char *out;     /* --out */
    const char *about;
} profile;

static const profile PROFILES[] = {
    { "quick", "fashion-mnist", 3000, 2000, 3, 64,
      "lenet@6,custom:0.25@4,resnet18:0.125@2,unresnet18:0.125@2,googlenet:0.0625@2",
      "shuffle:0.1,0.3", "uniform:0.4,0.1", "classsens-quick",
      "small subsets and narrow models: a whole study in minutes on a laptop" },
    { "article", "fashion-mnist", 0, 0, 5, 64,
      "lenet@125,custom@125,resnet18@25,unresnet18@25,googlenet@25",
      "shuffle:0.1,0.2,0.3", "uniform:0.4,0.1", "classsens-article",
      "the reference study's protocol: full widths, whole splits (days of CPU time)" },
};
#define NUM_PROFILES (sizeof PROFILES / sizeof PROFILES[0])

static const char *const ARCHS[] = { "lenet", "custom", "resnet18", "unresnet18", "googlenet" };
#define NUM_ARCHS (sizeof ARCHS / sizeof ARCHS[0])

/* ---- messages ----------------------------------------------------------------------------- */

/* Bad arguments: one line, exit code 2. */
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("classsens: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* Library failures: one line naming the status, exit code 1. */
static int library_error(int status)
{
    fprintf(stderr, "classsens: %s: %s\n", cs_status_str(status), cs_last_error());
    return EXIT_LIBRARY;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- option scanning ----------------------------------------------------------------------
 * Options are `--name VALUE` or `--name=VALUE`; anything not starting with '-' is positional. */
typedef struct option_def {
    const char *name; /* without the leading dashes */
    int has_value;
} option_def;

typedef struct scanner {
    int argc, i;
    char **argv;
    const char *command;
} scanner;

enum { SCAN_END = 0, SCAN_OPTION = 1, SCAN_POSITIONAL = 2, SCAN_HELP = 3, SCAN_ERROR = -1 };

/* Next argument: an option (its index in defs and its value) or a positional argument. */
static int scan_next(scanner *sc, const option_def *defs, int n_defs, int *which, const char **value)
{
    if (sc->i >= sc->argc)
        return SCAN_END;
    const char *arg = sc->argv[sc->i++];
    *value = NULL;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
        return SCAN_HELP;
    if (arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return SCAN_POSITIONAL;
    }
    if (arg[1] != '-') {
        usage_error("%s: unknown option '%s' (see classsens %s --help)", sc->command, arg, sc->command);
        return SCAN_ERROR;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (int d = 0; d < n_defs; d++) {
        if (strlen(defs[d].name) != len || strncmp(defs[d].name, name, len) != 0)
            continue;
        *which = d;
        if (!defs[d].has_value) {
            if (eq) {
                usage_error("%s: option --%s takes no value", sc->command, defs[d].name);
                return SCAN_ERROR;
            }
            return SCAN_OPTION;
        }
        if (eq) {
            *value = eq + 1;
        } else if (sc->i < sc->argc) {
            *value = sc->argv[sc->i++];
        } else {
            usage_error("%s: option --%s needs a value", sc->command, defs[d].name);
            return SCAN_ERROR;
        }
        return SCAN_OPTION;
    }
    usage_error("%s: unknown option '%.*s' (see classsens %s --help)", sc->command, (int)(len + 2), arg,
                sc->command);
    return SCAN_ERROR;
}

/* ---- numbers ------------------------------------------------------------------------------ */

static int parse_long(const char *opt, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max) {
        if (max >= INT_MAX)
            return usage_error("%s wants an integer >= %ld, got '%s'", opt, min, text);
        return usage_error("%s wants an integer in %ld..%ld, got '%s'", opt, min, max, text);
    }
    *out = v;
    return 0;
}

static int parse_size(const char *opt, const char *text, size_t *out)
{
    long v = 0;
    int rc = parse_long(opt, text, 0, LONG_MAX, &v);
    if (rc == 0)
        *out = (size_t)v;
    return rc;
}

static int parse_int(const char *opt, const char *text, int min, int *out)
{
    long v = 0;
    int rc = parse_long(opt, text, min, INT_MAX, &v);
    if (rc == 0)
        *out = (int)v;
    return rc;
}

static int parse_u64(const char *opt, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*text < '0' || *text > '9' || *end != '\0' || errno == ERANGE)
        return usage_error("%s wants an unsigned integer, got '%s'", opt, text);
    *out = (uint64_t)v;
    return 0;
}

/* A finite number in (lo, hi) — open at both ends. */
static int parse_open_interval(const char *opt, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v) || v <= lo || v >= hi) {
        if (isinf(hi))
            return usage_error("%s wants a number > %g, got '%s'", opt, lo, text);
        return usage_error("%s wants a number between %g and %g (exclusive), got '%s'", opt, lo, hi, text);
    }
    *out = v;
    return 0;
}

/* ---- data sets ---------------------------------------------------------------------------- */

typedef enum data_kind { DATA_FASHION, DATA_CIFAR10, DATA_IDX } data_kind;

typedef struct data_spec {
    data_kind kind;
    const char *text;     /* as given */
    const char *dir;      /* fashion-mnist (NULL: default) and cifar10 */
    char idx_buf[4096];   /* idx: the paths, NUL-separated in place */
    const char *idx[4];
    int idx_paths;        /* 2 or 4 */
} data_spec;

static const char DATA_SYNTAX[] =
    "fashion-mnist[:DIR], cifar10:PATH or idx:IMAGES,LABELS[,TEST_IMAGES,TEST_LABELS]";

/* Checks the syntax only; nothing is opened. */
static int parse_data_spec(data_spec *d, const char *text, int need_test)
{
    memset(d, 0, sizeof *d);
    d->text = text;
    if (strcmp(text, "fashion-mnist") == 0) {
        d->kind = DATA_FASHION;
    } else if (strncmp(text, "fashion-mnist:", 14) == 0 && text[14]) {
        d->kind = DATA_FASHION;
        d->dir = text + 14;
    } else if (strncmp(text, "cifar10:", 8) == 0 && text[8]) {
        d->kind = DATA_CIFAR10;
        d->dir = text + 8;
    } else if (strncmp(text, "idx:", 4) == 0) {
        d->kind = DATA_IDX;
        if (strlen(text + 4) >= sizeof d->idx_buf)
            return usage_error("--data: idx paths too long");
        strcpy(d->idx_buf, text + 4);
        char *p = d->idx_buf;
        int n = 0;
        for (;;) {
            char *comma = strchr(p, ',');
            if (n == 4 || *p == '\0' || p == comma)
                return usage_error("--data '%s': idx wants 2 or 4 non-empty comma-separated paths", text);
            d->idx[n++] = p;
            if (!comma)
                break;
            *comma = '\0';
            p = comma + 1;
        }
        if (n != 2 && n != 4)
            return usage_error("--data '%s': idx wants 2 or 4 comma-separated paths, got %d", text, n);
        if (need_test && n != 4)
            return usage_error("--data '%s': a study needs a test split: "
                               "idx:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS", text);
        d->idx_paths = n;
    } else {
        return usage_error("unknown data set '%s' (expected %s)", text, DATA_SYNTAX);
    }
    return 0;
}

/* How the study names the data set: stable when the files move. */
static void data_name(const data_spec *d, char *buf, size_t cap)
{
    if (d->kind == DATA_FASHION) {
        snprintf(buf, cap, "fashion-mnist");
    } else if (d->kind == DATA_CIFAR10) {
        snprintf(buf, cap, "cifar10");
    } else {
        const char *base = strrchr(d->idx[0], '/');
        snprintf(buf, cap, "idx:%.180s", base ? base + 1 : d->idx[0]);
    }
}

/* Opens both splits; *test stays NULL for an idx spec without test files. */
static int open_data(const data_spec *d, cs_dataset **train, cs_dataset **test)
{
    *train = *test = NULL;
    int status;
    switch (d->kind) {
    case DATA_FASHION:
        status = cs_dataset_open_fashion_mnist(train, d->dir, CS_SPLIT_TRAIN);
        if (status == CS_OK)
            status = cs_dataset_open_fashion_mnist(test, d->dir, CS_SPLIT_TEST);
        break;
    case DATA_CIFAR10:
        status = cs_dataset_open_cifar10(train, d->dir, CS_SPLIT_TRAIN);
        if (status == CS_OK)
            status = cs_dataset_open_cifar10(test, d->dir, CS_SPLIT_TEST);
        break;
    default:
        status = cs_dataset_open_idx(train, d->idx[0], d->idx[1]);
        /* The test split is read with the training split's K: a test file that lacks the last
         * class must not change the class count. */
        if (status == CS_OK && d->idx_paths == 4)
            status = cs_dataset_open_idx_classes(test, d->idx[2], d->idx[3], cs_dataset_num_classes(*train));
        break;
    }
    if (status != CS_OK) {
        cs_dataset_destroy(*train);
        cs_dataset_destroy(*test);
        *train = *test = NULL;
    }
    return status;
}

/* ---- models and conditions ---------------------------------------------------------------- */

typedef struct model_spec {
    const char *arch; /* one of ARCHS */
    double width;
    int epochs;       /* 0: not given */
} model_spec;

/* "arch[:width][@epochs],..." */
static int parse_models(const char *list, model_spec *out, int *n)
{
    char buf[1024];
    if (strlen(list) >= sizeof buf)
        return usage_error("--models: list too long");
    strcpy(buf, list);
    *n = 0;
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0')
            return usage_error("--models '%s': empty model in the list (expected arch[:width][@epochs],...)", list);
        if (*n == MAX_MODELS)
            return usage_error("--models: more than %d models", MAX_MODELS);
        model_spec *m = &out[*n];
        m->width = 1.0;
        m->epochs = 0;
        char *at = strchr(p, '@');
        if (at) {
            *at = '\0';
            if (parse_int("--models: epochs after '@'", at + 1, 1, &m->epochs) != 0)
                return EXIT_USAGE;
        }
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            if (parse_open_interval("--models: width after ':'", colon + 1, 0.0, INFINITY, &m->width) != 0)
                return EXIT_USAGE;
        }
        m->arch = NULL;
        for (size_t a = 0; a < NUM_ARCHS; a++)
            if (strcmp(p, ARCHS[a]) == 0)
                m->arch = ARCHS[a];
        if (!m->arch)
            return usage_error("--models: unknown model '%s' (expected lenet, custom, resnet18, unresnet18 or "
                               "googlenet)", p);
        for (int j = 0; j < *n; j++)
            if (out[j].arch == m->arch && out[j].width == m->width)
                return usage_error("--models: %s at width %g is listed twice", m->arch, m->width);
        (*n)++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static int is_noise(cs_perturb_kind k)
{
    return k >= CS_NOISE_SHUFFLE && k <= CS_NOISE_TARGETED;
}

static int is_reduction(cs_perturb_kind k)
{
    return k >= CS_REDUCE_UNIFORM && k <= CS_REDUCE_TARGETED;
}

/* "MODE:LEVELS": everything up to the last ':' is the mode (e.g. "pairflip:cyclic"), the rest
 * a comma-separated list of levels; each level gives one spec "MODE:LEVEL". For --reduce the
 * mode is prefixed with "reduce:" (given or not). "none" adds nothing. */
static int parse_conditions(const char *opt, const char *text, int reduce, cs_perturb_spec **specs, int *n)
{
    if (strcmp(text, "none") == 0)
        return 0;
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return usage_error("%s '%s': expected MODE:LEVELS, e.g. %s", opt, text,
                           reduce ? "uniform:0.4,0.1" : "shuffle:0.1,0.3");
    const char *prefix = reduce && strncmp(text, "reduce:", 7) != 0 ? "reduce:" : "";
    int mode_len = (int)(colon - text);
    const char *p = colon + 1;
    for (;;) {
        const char *comma = strchr(p, ',');
        int level_len = comma ? (int)(comma - p) : (int)strlen(p);
        char spec_text[512];
        if (level_len == 0)
            return usage_error("%s '%s': empty level in the list", opt, text);
        if (snprintf(spec_text, sizeof spec_text, "%s%.*s:%.*s", prefix, mode_len, text, level_len, p) >=
            (int)sizeof spec_text)
            return usage_error("%s '%s': specification too long", opt, text);
        if (*n == MAX_CONDITIONS)
            return usage_error("more than %d conditions", MAX_CONDITIONS);
        cs_perturb_spec *spec = NULL;
        int status = cs_perturb_spec_parse(&spec, spec_text);
        if (status != CS_OK)
            return usage_error("%s '%s': %s", opt, spec_text, cs_last_error());
        cs_perturb_kind kind = cs_perturb_spec_kind(spec);
        if (reduce ? !is_reduction(kind) : !is_noise(kind)) {
            cs_perturb_spec_destroy(spec);
            return usage_error("%s '%s' is not a %s", opt, spec_text,
                               reduce ? "data reduction" : "label-noise mode (data reductions go to --reduce)");
        }
        char name[512], other[512];
        if (cs_perturb_spec_format(spec, name, sizeof name, NULL) == CS_OK) {
            for (int j = 0; j < *n; j++) {
                if (cs_perturb_spec_format(specs[j], other, sizeof other, NULL) == CS_OK &&
                    strcmp(name, other) == 0) {
                    cs_perturb_spec_destroy(spec);
                    return usage_error("condition %s is listed twice", name);
                }
            }
        }
        specs[(*n)++] = spec;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/* ---- progress ----------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted = 0;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* The first Ctrl-C asks the library to stop cleanly; a second one (default action) kills. */
static void install_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
}

typedef struct progress {
    int tty, quiet;
    const char *store;
    double start;
    int skipped, resume_noted, bar_shown;
    int cells_total, cells_finished;
} progress;

static void format_duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, cap, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

static void clear_bar(progress *p)
{
    if (p->bar_shown) {
        fputs("\r\033[K", stderr);
        p->bar_shown = 0;
    }
}

static void draw_bar(progress *p, const cs_study_event *e)
{
    enum { WIDTH = 24 };
    double frac = e->work_total > 0 ? e->work_done / e->work_total : 0.0;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    double elapsed = now_seconds() - p->start;
    char bar[WIDTH + 1], el[32], eta[32];
    int filled = (int)(frac * WIDTH + 0.5);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    format_duration(el, sizeof el, elapsed);
    format_duration(eta, sizeof eta, frac > 0 ? elapsed * (1.0 - frac) / frac : -1.0);
    fprintf(stderr, "\r\033[K[%s] %d/%d cells  %5.1f %%  elapsed %s  ETA %s", bar, e->cells_finished,
            e->cells_total, 100.0 * frac, el, eta);
    fflush(stderr);
    p->bar_shown = 1;
}

static void note_resume(progress *p)
{
    if (p->resume_noted)
        return;
    p->resume_noted = 1;
    if (p->skipped > 0 && !p->quiet) {
        clear_bar(p);
        fprintf(stderr, "resuming: %d of %d cells already in %s\n", p->skipped, p->cells_total, p->store);
    }
}

static int on_event(const cs_study_event *e, void *payload)
{
    progress *p = payload;
    p->cells_total = e->cells_total;
    p->cells_finished = e->cells_finished;
    if (e->kind == CS_STUDY_EVENT_CELL_SKIPPED) {
        p->skipped++;
    } else {
        note_resume(p);
        if (e->kind == CS_STUDY_EVENT_CELL_FINISHED && !p->quiet) {
            clear_bar(p);
            int digits = snprintf(NULL, 0, "%d", e->cells_total);
            fprintf(stderr, "[%*d/%d] %-16s %-20s rep %d  test acc %5.1f %%  (%.1f s)\n", digits,
                    e->cells_finished, e->cells_total, e->model, e->condition, e->replicate,
                    100.0 * e->test_accuracy, e->seconds);
        }
        if (p->tty && !p->quiet)
            draw_bar(p, e);
    }
    return interrupted ? 1 : 0;
}

/* ---- study -------------------------------------------------------------------------------- */

typedef struct study_args {
    const profile *prof;
    const char *data, *models, *out, *epochs;
    const char *noise[MAX_LISTS], *reduce[MAX_LISTS];
    int n_noise, n_reduce;
    int matched, no_report, quiet;
    int seeds, batch, jobs;
    int have_seeds, have_batch, have_train_subset, have_test_subset;
    uint64_t seed;
    size_t train_subset, test_subset;
} study_args;

static void study_help(void)
{
    printf("usage: classsens study [OPTIONS]\n"
           "\n"
           "Train every (model, condition, replicate) cell on a data set, evaluate it on the clean\n"
           "test split, keep each finished cell in a store (running the same command again\n"
           "resumes), then write report.html, figures/, results.csv and summary.json there.\n"
           "\n"
           "  --profile NAME      starting values (default quick); the options below override them\n"
           "  --data SPEC         %s\n"
           "  --models LIST       arch[:width][@epochs],... with arch one of lenet, custom, resnet18,\n"
           "                      unresnet18, googlenet, e.g. lenet,resnet18:0.5,googlenet:0.25@10\n"
           "  --noise MODE:LEVELS label noise, e.g. shuffle:0.1,0.3 or pairflip:cyclic:0.2 (repeatable;\n"
           "                      'none' for no noise conditions)\n"
           "  --reduce MODE:LEVELS data reduction (fraction kept), e.g. uniform:0.4,0.1 or stratified:0.5\n"
           "                      (repeatable; 'none' for no reduction conditions)\n"
           "  --matched           add each noise condition's matched-volume control\n"
           "  --seeds N           replicates per (model, condition)\n"
           "  --seed S            the study seed every random stream derives from (default 0)\n"
           "  --epochs E          epochs of every model without @epochs; 'per-model' (default) keeps\n"
           "                      the profile's epochs per architecture\n"
           "  --batch B           mini-batch size\n"
           "  --train-subset N    stratified training subset (0: the whole split)\n"
           "  --test-subset N     stratified test subset (0: the whole split)\n"
           "  --jobs N            cells trained at once (0: one per CPU; default)\n"
           "  --out DIR           the store and report directory\n"
           "  --no-report         only run the cells\n"
           "  --quiet             print only errors and the final line\n"
           "\n"
           "Profiles:\n",
           DATA_SYNTAX);
    for (size_t i = 0; i < NUM_PROFILES; i++) {
        const profile *p = &PROFILES[i];
        printf("  %s: %s\n    --data %s --models %s\n    --noise %s --reduce %s --seeds %d --batch %d\n"
               "    --train-subset %zu --test-subset %zu --out %s\n",
               p->name, p->about, p->data, p->models, p->noise, p->reduce, p->seeds, p->batch, p->train_subset,
               p->test_subset, p->out);
    }
    printf("\nCtrl-C stops after the cells in flight are abandoned; the finished ones stay in the store.\n");
}

static int parse_study_args(study_args *a, int argc, char **argv)
{
    static const option_def defs[] = {
        { "profile", 1 }, { "data", 1 }, { "models", 1 }, { "noise", 1 }, { "reduce", 1 },
        { "matched", 0 }, { "seeds", 1 }, { "seed", 1 }, { "epochs", 1 }, { "batch", 1 },
        { "train-subset", 1 }, { "test-subset", 1 }, { "jobs", 1 }, { "out", 1 }, { "no-report", 0 },
        { "quiet", 0 },
    };
    enum { O_PROFILE, O_DATA, O_MODELS, O_NOISE, O_REDUCE, O_MATCHED, O_SEEDS, O_SEED, O_EPOCHS, O_BATCH,
           O_TRAIN_SUBSET, O_TEST_SUBSET, O_JOBS, O_OUT, O_NO_REPORT, O_QUIET };
    memset(a, 0, sizeof *a);
    a->prof = &PROFILES[0];
    scanner sc = { argc, 0, argv, "study" };
    int which = 0, kind, rc = 0;
    const char *v;
    while (rc == 0 && (kind = scan_next(&sc, defs, (int)(sizeof defs / sizeof defs[0]), &which, &v)) != SCAN_END) {
        if (kind == SCAN_ERROR)
            return EXIT_USAGE;
        if (kind == SCAN_HELP) {
            study_help();
            return -1;
        }
        if (kind == SCAN_POSITIONAL)
            return usage_error("study: unexpected argument '%s' (see classsens study --help)", v);
        switch (which) {
        case O_PROFILE:
            a->prof = NULL;
            for (size_t i = 0; i < NUM_PROFILES; i++)
                if (strcmp(v, PROFILES[i].name) == 0)
                    a->prof = &PROFILES[i];
            if (!a->prof)
                return usage_error("--profile: unknown profile '%s' (expected quick or article)", v);
            break;
        case O_DATA: a->data = v; break;
        case O_MODELS: a->models = v; break;
        case O_NOISE:
        case O_REDUCE: {
            const char **list = which == O_NOISE ? a->noise : a->reduce;
            int *n = which == O_NOISE ? &a->n_noise : &a->n_reduce;
            if (*n == MAX_LISTS)
                return usage_error("--%s given more than %d times", defs[which].name, MAX_LISTS);
            list[(*n)++] = v;
            break;
        }
        case O_MATCHED: a->matched = 1; break;
        case O_SEEDS: rc = parse_int("--seeds", v, 1, &a->seeds); a->have_seeds = 1; break;
        case O_SEED: rc = parse_u64("--seed", v, &a->seed); break;
        case O_EPOCHS:
            if (strcmp(v, "per-model") == 0) {
                a->epochs = NULL;
            } else {
                int e;
                rc = parse_int("--epochs", v, 1, &e);
                a->epochs = v;
            }
            break;
        case O_BATCH: rc = parse_int("--batch", v, 1, &a->batch); a->have_batch = 1; break;
        case O_TRAIN_SUBSET: rc = parse_size("--train-subset", v, &a->train_subset); a->have_train_subset = 1; break;
        case O_TEST_SUBSET: rc = parse_size("--test-subset", v, &a->test_subset); a->have_test_subset = 1; break;
        case O_JOBS: rc = parse_int("--jobs", v, 0, &a->jobs); break;
        case O_OUT:
            if (*v == '\0')
                return usage_error("--out wants a directory");
            a->out = v;
            break;
        case O_NO_REPORT: a->no_report = 1; break;
        case O_QUIET: a->quiet = 1; break;
        default: break;
        }
    }
    if (rc != 0)
        return rc;
    /* What was not given comes from the profile. */
    const profile *p = a->prof;
    if (!a->data)
        a->data = p->data;
    if (!a->out)
        a->out = p->out;
    if (!a->have_seeds)
        a->seeds = p->seeds;
    if (!a->have_batch)
        a->batch = p->batch;
    if (a->n_noise == 0)
        a->noise[a->n_noise++] = p->noise;
    if (a->n_reduce == 0)
        a->reduce[a->n_reduce++] = p->reduce;
    return 0;
}

typedef struct study_plan {
    model_spec models[MAX_MODELS];
    int n_models;
    cs_perturb_spec *conds[MAX_CONDITIONS];
    int n_conds;
    data_spec data;
} study_plan;

static void plan_free(study_plan *pl)
{
    for (int i = 0; i < pl->n_conds; i++)
        cs_perturb_spec_destroy(pl->conds[i]);
    pl->n_conds = 0;
}

/* Everything that can be checked without the data: models, epochs, conditions, data syntax. */
static int make_plan(study_plan *pl, const study_args *a)
{
    memset(pl, 0, sizeof *pl);
    int rc = parse_data_spec(&pl->data, a->data, 1);
    if (rc == 0)
        rc = parse_models(a->models ? a->models : a->prof->models, pl->models, &pl->n_models);
    if (rc != 0)
        return rc;
    /* Epochs: the model's own @E given on the command line, then --epochs, then the profile's
     * epochs for that architecture, then 10. */
    model_spec prof_models[MAX_MODELS];
    int n_prof = 0;
    if (parse_models(a->prof->models, prof_models, &n_prof) != 0)
        return EXIT_USAGE;
    for (int i = 0; i < pl->n_models; i++) {
        model_spec *m = &pl->models[i];
        if (m->epochs > 0 && a->models)
            continue;
        if (a->epochs) {
            m->epochs = atoi(a->epochs);
            continue;
        }
        if (m->epochs > 0)
            continue;
        m->epochs = 10;
        for (int j = 0; j < n_prof; j++) {
            if (prof_models[j].arch == m->arch) {
                m->epochs = prof_models[j].epochs;
                break;
            }
        }
    }
    for (int i = 0; i < a->n_noise && rc == 0; i++)
        rc = parse_conditions("--noise", a->noise[i], 0, pl->conds, &pl->n_conds);
    for (int i = 0; i < a->n_reduce && rc == 0; i++)
        rc = parse_conditions("--reduce", a->reduce[i], 1, pl->conds, &pl->n_conds);
    if (rc == 0 && a->matched) {
        int noise = 0;
        for (int i = 0; i < pl->n_conds; i++)
            noise += is_noise(cs_perturb_spec_kind(pl->conds[i]));
        if (noise == 0)
            rc = usage_error("--matched needs at least one --noise condition");
    }
    if (rc != 0)
        plan_free(pl);
    return rc;
}

/* DIR/NAME as an absolute path (DIR exists). */
static void absolute_path(char *buf, size_t cap, const char *dir, const char *name)
{
    char *real = realpath(dir, NULL);
    snprintf(buf, cap, "%s%s%s", real ? real : dir, name ? "/" : "", name ? name : "");
    free(real);
}

static int write_report(const char *store, const char *out_dir, const cs_report_options *opts, int *finished,
                        int *total)
{
    cs_results *r = NULL;
    int status = cs_results_open(&r, store);
    if (status == CS_OK) {
        *finished = cs_results_cells_finished(r);
        *total = cs_results_num_models(r) * cs_results_num_conditions(r) * cs_results_replicates(r);
        status = cs_report_write(r, out_dir, opts);
    }
    cs_results_destroy(r);
    return status;
}

static int cmd_study(int argc, char **argv)
{
    study_args a;
    int rc = parse_study_args(&a, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    study_plan pl;
    rc = make_plan(&pl, &a);
    if (rc != 0)
        return rc;

    cs_dataset *train = NULL, *test = NULL;
    cs_study *s = NULL;
    progress prog = { 0 };
    prog.tty = isatty(STDERR_FILENO);
    prog.quiet = a.quiet;
    prog.store = a.out;
    install_sigint();

    int status = open_data(&pl.data, &train, &test);
    if (status != CS_OK) {
        rc = library_error(status);
        goto cleanup;
    }
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = a.seeds;
    so.seed = a.seed;
    so.matched_controls = a.matched;
    so.jobs = a.jobs;
    so.progress = on_event;
    so.payload = &prog;
    /* A profile's subset never asks for more than the split has: it then means all of it. */
    so.train_subset = a.have_train_subset ? a.train_subset : a.prof->train_subset;
    so.test_subset = a.have_test_subset ? a.test_subset : a.prof->test_subset;
    if (!a.have_train_subset && so.train_subset >= cs_dataset_size(train))
        so.train_subset = 0;
    if (!a.have_test_subset && so.test_subset >= cs_dataset_size(test))
        so.test_subset = 0;
    char name[256];
    data_name(&pl.data, name, sizeof name);
    status = cs_study_create(&s, train, test, name, &so);
    if (status != CS_OK) {
        rc = library_error(status);
        goto cleanup;
    }
    for (int i = 0; i < pl.n_models; i++) {
        const model_spec *m = &pl.models[i];
        cs_train_options t = CS_TRAIN_OPTIONS_INIT;
        t.epochs = m->epochs;
        t.batch_size = a.batch;
        status = cs_study_add_model(s, NULL, m->arch, m->width, &t);
        if (status != CS_OK) {
            rc = usage_error("model %s:%g: %s: %s", m->arch, m->width, cs_status_str(status), cs_last_error());
            goto cleanup;
        }
    }
    for (int i = 0; i < pl.n_conds; i++) {
        status = cs_study_add_condition(s, pl.conds[i]);
        if (status != CS_OK) {
            char spec[512] = "?";
            cs_perturb_spec_format(pl.conds[i], spec, sizeof spec, NULL);
            rc = usage_error("condition %s: %s: %s", spec, cs_status_str(status), cs_last_error());
            goto cleanup;
        }
    }
    if (!a.quiet) {
        int conds = cs_study_num_cells(s) / (pl.n_models * a.seeds);
        fprintf(stderr, "study: %d model%s x %d condition%s x %d replicate%s = %d cells on %s "
                        "(%zu training / %zu test images); store %s\n",
                pl.n_models, pl.n_models == 1 ? "" : "s", conds, conds == 1 ? "" : "s", a.seeds,
                a.seeds == 1 ? "" : "s", cs_study_num_cells(s), name,
                so.train_subset ? so.train_subset : cs_dataset_size(train),
                so.test_subset ? so.test_subset : cs_dataset_size(test), a.out);
    }
    prog.cells_total = cs_study_num_cells(s);
    prog.start = now_seconds();
    status = cs_study_run(s, a.out);
    clear_bar(&prog);
    note_resume(&prog);
    if (status == CS_ERR_CANCELLED && interrupted) {
        fprintf(stderr, "interrupted: %d cells kept in %s; run the same command again to resume\n",
                prog.cells_finished, a.out);
        rc = EXIT_INTERRUPTED;
        goto cleanup;
    }
    if (status != CS_OK) {
        rc = library_error(status);
        goto cleanup;
    }
    char path[8192];
    if (a.no_report) {
        absolute_path(path, sizeof path, a.out, NULL);
        printf("results: %d cells in %s\n", cs_study_num_cells(s), path);
    } else {
        int finished = 0, total = 0;
        status = write_report(a.out, a.out, NULL, &finished, &total);
        if (status != CS_OK) {
            rc = library_error(status);
            goto cleanup;
        }
        absolute_path(path, sizeof path, a.out, "report.html");
        printf("report: %s\n", path);
    }
    rc = 0;
cleanup:
    cs_study_destroy(s);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    plan_free(&pl);
    return rc;
}

/* ---- report ------------------------------------------------------------------------------- */

static void report_help(void)
{
    printf("usage: classsens report DIR [--out OUTDIR] [--confidence C] [--top K]\n"
           "\n"
           "Rebuild the report of a store (no training): report.html, figures/, results.csv and\n"
           "summary.json. A store still being filled gives a partial report.\n"
           "\n"
           "  --out OUTDIR      where to write it (default: DIR itself)\n"
           "  --confidence C    coverage of every interval, in (0, 1) (default 0.95)\n"
           "  --top K           weakest classes listed and compared across models (default 3)\n");
}

static int cmd_report(int argc, char **argv)
{
    static const option_def defs[] = { { "out", 1 }, { "confidence", 1 }, { "top", 1 } };
    enum { O_OUT, O_CONFIDENCE, O_TOP };
    const char *store = NULL, *out = NULL, *v;
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    scanner sc = { argc, 0, argv, "report" };
    int which = 0, kind, rc = 0;
    while (rc == 0 && (kind = scan_next(&sc, defs, 3, &which, &v)) != SCAN_END) {
        if (kind == SCAN_ERROR)
            return EXIT_USAGE;
        if (kind == SCAN_HELP) {
            report_help();
            return 0;
        }
        if (kind == SCAN_POSITIONAL) {
            if (store)
                return usage_error("report: one store directory only (got '%s' and '%s')", store, v);
            store = v;
        } else if (which == O_OUT) {
            if (*v == '\0')
                return usage_error("--out wants a directory");
            out = v;
        } else if (which == O_CONFIDENCE) {
            rc = parse_open_interval("--confidence", v, 0.0, 1.0, &ro.confidence);
        } else {
            rc = parse_int("--top", v, 1, &ro.top_k);
        }
    }
    if (rc != 0)
        return rc;
    if (!store)
        return usage_error("report: missing the store directory (classsens report DIR)");
    if (!out)
        out = store;
    int finished = 0, total = 0;
    int status = write_report(store, out, &ro, &finished, &total);
    if (status != CS_OK)
        return library_error(status);
    char path[8192];
    absolute_path(path, sizeof path, out, "report.html");
    printf("report: %s (%d of %d cells in %s)\n", path, finished, total, store);
    return 0;
}

/* ---- info --------------------------------------------------------------------------------- */

static void info_help(void)
{
    printf("usage: classsens info DATA\n"
           "\n"
           "Describe both splits of a data set: size, image shape, classes with their names and\n"
           "counts, and the per-channel mean and standard deviation (pixel / 255).\n"
           "\n"
           "  DATA  %s\n",
           DATA_SYNTAX);
}

static int describe_split(const char *title, const cs_dataset *ds)
{
    int c = 0, h = 0, w = 0, k = cs_dataset_num_classes(ds);
    size_t n = cs_dataset_size(ds);
    cs_dataset_shape(ds, &c, &h, &w);
    printf("%s: %zu images of %dx%dx%d, %d classes\n", title, n, c, h, w, k);
    size_t *counts = calloc((size_t)k, sizeof *counts);
    double *mean = calloc((size_t)c, sizeof *mean), *sd = calloc((size_t)c, sizeof *sd);
    int status = counts && mean && sd ? CS_OK : CS_ERR_OUT_OF_MEMORY;
    if (status == CS_OK)
        status = cs_dataset_class_counts(ds, counts, k);
    if (status == CS_OK)
        status = cs_dataset_channel_stats(ds, mean, sd, c);
    if (status == CS_OK) {
        printf("  %3s  %-20s %8s %7s\n", "k", "class", "images", "share");
        for (int i = 0; i < k; i++)
            printf("  %3d  %-20s %8zu %6.2f%%\n", i, cs_dataset_class_name(ds, i), counts[i],
                   n ? 100.0 * (double)counts[i] / (double)n : 0.0);
        for (int ch = 0; ch < c; ch++)
            printf("  channel %d: mean %.4f  std %.4f\n", ch, mean[ch], sd[ch]);
    }
    free(counts);
    free(mean);
    free(sd);
    return status;
}

static int cmd_info(int argc, char **argv)
{
    scanner sc = { argc, 0, argv, "info" };
    const char *spec = NULL, *v;
    int which = 0, kind;
    while ((kind = scan_next(&sc, NULL, 0, &which, &v)) != SCAN_END) {
        if (kind == SCAN_ERROR)
            return EXIT_USAGE;
        if (kind == SCAN_HELP) {
            info_help();
            return 0;
        }
        if (spec)
            return usage_error("info: one data set only (got '%s' and '%s')", spec, v);
        spec = v;
    }
    if (!spec)
        return usage_error("info: missing the data set (classsens info DATA; DATA is %s)", DATA_SYNTAX);
    data_spec d;
    int rc = parse_data_spec(&d, spec, 0);
    if (rc != 0)
        return rc;
    cs_dataset *train = NULL, *test = NULL;
    double t0 = now_seconds();
    int status = open_data(&d, &train, &test);
    if (status != CS_OK)
        return library_error(status);
    printf("%s (loaded in %.2f s)\n", spec, now_seconds() - t0);
    status = describe_split("train", train);
    if (status == CS_OK && test)
        status = describe_split("test", test);
    else if (status == CS_OK)
        printf("test: none (idx without test files)\n");
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    return status == CS_OK ? 0 : library_error(status);
}

/* ---- main --------------------------------------------------------------------------------- */

static void main_help(void)
{
    printf("usage: classsens COMMAND [OPTIONS]\n"
           "\n"
           "Which classes of an image data set are fragile under label noise and less data, and\n"
           "do models agree on it?\n"
           "\n"
           "Commands:\n"
           "  study    train and evaluate every (model, condition, replicate) into a resumable\n"
           "           store, then write its report (start with: classsens study)\n"
           "  report   rebuild the report of a store\n"
           "  info     describe a data set\n"
           "\n"
           "  classsens COMMAND --help   the options of a command\n"
           "  classsens --version        the library version\n"
           "\n"
           "Exit codes: 0 done, 1 library failure, 2 bad arguments, 130 interrupted.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("missing command (study, report or info; see classsens --help)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        main_help();
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("classsens %s\n", cs_version_string());
        return 0;
    }
    if (strcmp(cmd, "study") == 0)
        return cmd_study(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "info") == 0)
        return cmd_info(argc - 2, argv + 2);
    if (cmd[0] == '-')
        return usage_error("unknown option '%s' (see classsens --help)", cmd);
    return usage_error("unknown command '%s' (expected study, report or info)", cmd);
}
