/* cli_args: the argument parsing of the classsens tool (see cli_args.h). Uses only the
 * public API. */
#define _POSIX_C_SOURCE 200809L

#include "cli_args.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- messages ----------------------------------------------------------------------------- */

const char *cli_program = "classsens";
volatile sig_atomic_t cli_interrupted = 0;

static void on_sigint(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

void cli_install_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Bad arguments: one line, exit code 2. */
int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: error: ", cli_program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Library failures: one line naming the status, exit code 1. */
int cli_library_error(int status)
{
    fprintf(stderr, "%s: %s: %s\n", cli_program, cs_status_str(status), cs_last_error());
    return CLI_EXIT_LIBRARY;
}

int cli_own_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: %s: ", cli_program, cs_status_str(status));
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_LIBRARY;
}

/* ---- option scanning ----------------------------------------------------------------------
 * Options are `--name VALUE` or `--name=VALUE`; anything not starting with '-' is positional. */

int cli_scan_next(cli_scanner *sc, const cli_option *defs, int n_defs, int *which, const char **value)
{
    if (sc->i >= sc->argc)
        return CLI_SCAN_END;
    const char *arg = sc->argv[sc->i++];
    *value = NULL;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
        return CLI_SCAN_HELP;
    if (arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return CLI_SCAN_POSITIONAL;
    }
    if (arg[1] != '-') {
        cli_usage_error("%s: unknown option '%s' (see classsens %s --help)", sc->command, arg, sc->command);
        return CLI_SCAN_ERROR;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (int d = 0; d < n_defs; d++) {
        if (strlen(defs[d].name) != len || strncmp(defs[d].name, name, len) != 0)
            continue;
        *which = d;
        if (!defs[d].has_value) {
            if (eq) {
                cli_usage_error("%s: option --%s takes no value", sc->command, defs[d].name);
                return CLI_SCAN_ERROR;
            }
            return CLI_SCAN_OPTION;
        }
        if (eq) {
            *value = eq + 1;
        } else if (sc->i < sc->argc) {
            *value = sc->argv[sc->i++];
        } else {
            cli_usage_error("%s: option --%s needs a value", sc->command, defs[d].name);
            return CLI_SCAN_ERROR;
        }
        return CLI_SCAN_OPTION;
    }
    cli_usage_error("%s: unknown option '%.*s' (see classsens %s --help)", sc->command, (int)(len + 2), arg,
                sc->command);
    return CLI_SCAN_ERROR;
}

/* ---- numbers ------------------------------------------------------------------------------ */

int cli_parse_long(const char *opt, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max) {
        if (max >= INT_MAX)
            return cli_usage_error("%s wants an integer >= %ld, got '%s'", opt, min, text);
        return cli_usage_error("%s wants an integer in %ld..%ld, got '%s'", opt, min, max, text);
    }
    *out = v;
    return 0;
}

int cli_parse_size(const char *opt, const char *text, size_t *out)
{
    long v = 0;
    int rc = cli_parse_long(opt, text, 0, LONG_MAX, &v);
    if (rc == 0)
        *out = (size_t)v;
    return rc;
}

int cli_parse_int(const char *opt, const char *text, int min, int *out)
{
    long v = 0;
    int rc = cli_parse_long(opt, text, min, INT_MAX, &v);
    if (rc == 0)
        *out = (int)v;
    return rc;
}

int cli_parse_u64(const char *opt, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*text < '0' || *text > '9' || *end != '\0' || errno == ERANGE)
        return cli_usage_error("%s wants an unsigned integer, got '%s'", opt, text);
    *out = (uint64_t)v;
    return 0;
}

const char CLI_AUGMENT_SYNTAX[] = "none, flip, crop:P or crop:P+flip";

int cli_parse_augment(const char *opt, const char *text, int *crop_padding, int *flip)
{
    int crop = 0, fl = 0;
    const char *p = text;
    if (strcmp(p, "none") == 0) {
        p += 4;
    } else {
        if (strncmp(p, "crop:", 5) == 0) {
            char *end;
            errno = 0;
            long v = strtol(p + 5, &end, 10);
            if (end == p + 5 || p[5] < '0' || p[5] > '9' || errno == ERANGE || v < 1 || v > 64)
                return cli_usage_error("%s: the crop padding wants 1..64 pixels, got '%s'", opt, text);
            crop = (int)v;
            p = end;
            if (*p == '+')
                p++;
            else if (*p != '\0')
                return cli_usage_error("%s wants %s, got '%s'", opt, CLI_AUGMENT_SYNTAX, text);
        }
        if (strcmp(p, "flip") == 0) {
            fl = 1;
            p += 4;
        } else if (crop == 0 || p[-1] == '+') {
            return cli_usage_error("%s wants %s, got '%s'", opt, CLI_AUGMENT_SYNTAX, text);
        }
    }
    if (*p != '\0')
        return cli_usage_error("%s wants %s, got '%s'", opt, CLI_AUGMENT_SYNTAX, text);
    *crop_padding = crop;
    *flip = fl;
    return 0;
}

/* A finite number in (lo, hi) — open at both ends. */
int cli_parse_open_interval(const char *opt, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v) || v <= lo || v >= hi) {
        if (isinf(hi))
            return cli_usage_error("%s wants a number > %g, got '%s'", opt, lo, text);
        return cli_usage_error("%s wants a number between %g and %g (exclusive), got '%s'", opt, lo, hi, text);
    }
    *out = v;
    return 0;
}

/* ---- data sets ---------------------------------------------------------------------------- */

const char CLI_DATA_SYNTAX[] =
    "fashion-mnist[:DIR], cifar10:PATH, idx:IMAGES,LABELS[,TEST_IMAGES,TEST_LABELS], "
    "npy:IMAGES,LABELS[,TEST_IMAGES,TEST_LABELS], npz:PATH[,TEST_PATH] or "
    "folder:PATH[,size=WxH][,test=FRACTION][,seed=S]";

/* Split text (after its "kind:") at commas into d->idx; refuses empty parts and counts other
 * than lo or hi. */
static int split_paths(cli_data_spec *d, const char *text, const char *kind, int lo, int hi, const char *what)
{
    const char *list = text + strlen(kind) + 1;
    if (strlen(list) >= sizeof d->idx_buf)
        return cli_usage_error("--data: %s paths too long", kind);
    strcpy(d->idx_buf, list);
    char *p = d->idx_buf;
    int n = 0;
    for (;;) {
        char *comma = strchr(p, ',');
        if (n == hi || *p == '\0' || p == comma)
            return cli_usage_error("--data '%s': %s wants %d or %d non-empty comma-separated paths (%s)", text, kind,
                                   lo, hi, what);
        d->idx[n++] = p;
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    if (n != lo && n != hi)
        return cli_usage_error("--data '%s': %s wants %d or %d comma-separated paths (%s), got %d", text, kind, lo,
                               hi, what, n);
    d->idx_paths = n;
    return 0;
}

/* folder:PATH[,size=WxH][,test=FRACTION][,seed=S]: PATH is cut at the first comma. */
static int parse_folder(cli_data_spec *d, const char *text)
{
    const char *list = text + 7;
    if (strlen(list) >= sizeof d->idx_buf)
        return cli_usage_error("--data: folder path too long");
    strcpy(d->idx_buf, list);
    char *p = d->idx_buf, *comma = strchr(p, ',');
    if (*p == '\0' || p == comma)
        return cli_usage_error("--data '%s': folder wants a path (folder:PATH[,size=WxH][,test=FRACTION][,seed=S])",
                               text);
    d->idx[0] = p;
    d->idx_paths = 1;
    while (comma) {
        *comma = '\0';
        p = comma + 1;
        comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *end;
        if (strncmp(p, "size=", 5) == 0) {
            errno = 0;
            long w = strtol(p + 5, &end, 10), h = 0;
            if (*end == 'x' && end > p + 5 && end[1] != '\0') {
                char *hp = end + 1;
                h = strtol(hp, &end, 10);
            }
            if (errno || *end != '\0' || w < 1 || h < 1 || w > 16384 || h > 16384)
                return cli_usage_error("--data '%s': size wants WxH with W and H in 1..16384, got '%s'", text, p + 5);
            d->folder_w = (int)w;
            d->folder_h = (int)h;
        } else if (strncmp(p, "test=", 5) == 0) {
            int rc = cli_parse_open_interval("--data folder test=", p + 5, 0.0, 1.0, &d->folder_test);
            if (rc != 0)
                return rc;
        } else if (strncmp(p, "seed=", 5) == 0) {
            errno = 0;
            unsigned long long v = strtoull(p + 5, &end, 10);
            if (errno || p[5] == '\0' || p[5] == '-' || *end != '\0')
                return cli_usage_error("--data '%s': seed wants a non-negative integer, got '%s'", text, p + 5);
            d->folder_seed = v;
        } else {
            return cli_usage_error("--data '%s': unknown folder option '%s' (expected size=WxH, test=FRACTION or "
                                   "seed=S)", text, p);
        }
    }
    return 0;
}

/* Checks the syntax only; nothing is opened. */
int cli_parse_data_spec(cli_data_spec *d, const char *text, int need_test)
{
    memset(d, 0, sizeof *d);
    d->text = text;
    d->need_test = need_test;
    if (strcmp(text, "fashion-mnist") == 0) {
        d->kind = CLI_DATA_FASHION;
    } else if (strncmp(text, "fashion-mnist:", 14) == 0 && text[14]) {
        d->kind = CLI_DATA_FASHION;
        d->dir = text + 14;
    } else if (strncmp(text, "cifar10:", 8) == 0 && text[8]) {
        d->kind = CLI_DATA_CIFAR10;
        d->dir = text + 8;
    } else if (strncmp(text, "idx:", 4) == 0) {
        d->kind = CLI_DATA_IDX;
        if (strlen(text + 4) >= sizeof d->idx_buf)
            return cli_usage_error("--data: idx paths too long");
        strcpy(d->idx_buf, text + 4);
        char *p = d->idx_buf;
        int n = 0;
        for (;;) {
            char *comma = strchr(p, ',');
            if (n == 4 || *p == '\0' || p == comma)
                return cli_usage_error("--data '%s': idx wants 2 or 4 non-empty comma-separated paths", text);
            d->idx[n++] = p;
            if (!comma)
                break;
            *comma = '\0';
            p = comma + 1;
        }
        if (n != 2 && n != 4)
            return cli_usage_error("--data '%s': idx wants 2 or 4 comma-separated paths, got %d", text, n);
        if (need_test && n != 4)
            return cli_usage_error("--data '%s': a study needs a test split: "
                               "idx:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS", text);
        d->idx_paths = n;
    } else if (strncmp(text, "npy:", 4) == 0) {
        d->kind = CLI_DATA_NPY;
        int rc = split_paths(d, text, "npy", 2, 4, "IMAGES,LABELS[,TEST_IMAGES,TEST_LABELS]");
        if (rc != 0)
            return rc;
        if (need_test && d->idx_paths != 4)
            return cli_usage_error("--data '%s': a study needs a test split: "
                                   "npy:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS", text);
    } else if (strncmp(text, "npz:", 4) == 0) {
        d->kind = CLI_DATA_NPZ;
        int rc = split_paths(d, text, "npz", 1, 2, "PATH with x_train, y_train, x_test, y_test, or TRAIN,TEST "
                             "each with images, labels");
        if (rc != 0)
            return rc;
    } else if (strncmp(text, "folder:", 7) == 0) {
        d->kind = CLI_DATA_FOLDER;
        int rc = parse_folder(d, text);
        if (rc != 0)
            return rc;
    } else {
        return cli_usage_error("unknown data set '%s' (expected %s)", text, CLI_DATA_SYNTAX);
    }
    return 0;
}

/* How the study names the data set: stable when the files move. */
void cli_data_name(const cli_data_spec *d, char *buf, size_t cap)
{
    if (d->kind == CLI_DATA_FASHION) {
        snprintf(buf, cap, "fashion-mnist");
    } else if (d->kind == CLI_DATA_CIFAR10) {
        snprintf(buf, cap, "cifar10");
    } else {
        const char *base;
        const char *kind = d->kind == CLI_DATA_NPZ      ? "npz"
                           : d->kind == CLI_DATA_NPY    ? "npy"
                           : d->kind == CLI_DATA_FOLDER ? "folder"
                                                        : "idx";
        char path[4096];
        snprintf(path, sizeof path, "%s", d->idx[0]);
        /* folder:DIR/ is named as folder:DIR */
        for (size_t len = strlen(path); d->kind == CLI_DATA_FOLDER && len > 1 && path[len - 1] == '/'; len--)
            path[len - 1] = '\0';
        base = strrchr(path, '/');
        snprintf(buf, cap, "%s:%.180s", kind, base && base[1] ? base + 1 : path);
    }
}

/* npz:PATH is an archive of both splits (x_train, y_train, x_test, y_test); without need_test
 * (classsens info) also one of images and labels only, which gives no test split.
 * npz:TRAIN,TEST is two archives of images and labels. The test split gets the training
 * split's K, so that a test set lacking the last class does not change the class count. */
static int open_npz(const cli_data_spec *d, cs_dataset **train, cs_dataset **test)
{
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    int status;
    if (d->idx_paths == 2) {
        status = cs_dataset_open_npz(train, d->idx[0], NULL);
        o.num_classes = status == CS_OK ? cs_dataset_num_classes(*train) : 0;
        return status == CS_OK ? cs_dataset_open_npz(test, d->idx[1], &o) : status;
    }
    status = cs_dataset_open_npz_split(train, d->idx[0], CS_SPLIT_TRAIN, NULL);
    if (status == CS_ERR_NOT_FOUND && !d->need_test)
        return cs_dataset_open_npz(train, d->idx[0], NULL);
    o.num_classes = status == CS_OK ? cs_dataset_num_classes(*train) : 0;
    return status == CS_OK ? cs_dataset_open_npz_split(test, d->idx[0], CS_SPLIT_TEST, &o) : status;
}

/* folder:PATH: the test split comes from PATH/test (with PATH/train), or from test=FRACTION;
 * without either a study is refused by the library's message and `info` shows none. */
static int open_folder(const cli_data_spec *d, cs_dataset **train, cs_dataset **test)
{
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.width = d->folder_w;
    o.height = d->folder_h;
    o.test_fraction = d->folder_test;
    o.seed = d->folder_seed;
    int status = cs_dataset_open_folder(train, d->idx[0], CS_SPLIT_TRAIN, &o);
    if (status != CS_OK)
        return status;
    char sub[4200];
    struct stat st;
    snprintf(sub, sizeof sub, "%s/test", d->idx[0]);
    int has_test = stat(sub, &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(sub, sizeof sub, "%s/train", d->idx[0]);
    has_test = has_test && stat(sub, &st) == 0 && S_ISDIR(st.st_mode);
    if (!d->need_test && !has_test && d->folder_test == 0.0)
        return CS_OK;
    return cs_dataset_open_folder(test, d->idx[0], CS_SPLIT_TEST, &o);
}

/* Opens both splits; *test stays NULL for an idx or npy spec without test files, for an npz
 * archive of images and labels only and for a folder without a test split. */
int cli_open_data(const cli_data_spec *d, cs_dataset **train, cs_dataset **test)
{
    *train = *test = NULL;
    int status;
    switch (d->kind) {
    case CLI_DATA_FASHION:
        status = cs_dataset_open_fashion_mnist(train, d->dir, CS_SPLIT_TRAIN);
        if (status == CS_OK)
            status = cs_dataset_open_fashion_mnist(test, d->dir, CS_SPLIT_TEST);
        break;
    case CLI_DATA_CIFAR10:
        status = cs_dataset_open_cifar10(train, d->dir, CS_SPLIT_TRAIN);
        if (status == CS_OK)
            status = cs_dataset_open_cifar10(test, d->dir, CS_SPLIT_TEST);
        break;
    case CLI_DATA_NPZ:
        status = open_npz(d, train, test);
        break;
    case CLI_DATA_FOLDER:
        status = open_folder(d, train, test);
        break;
    case CLI_DATA_NPY: {
        status = cs_dataset_open_npy(train, d->idx[0], d->idx[1], NULL);
        cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
        o.num_classes = status == CS_OK ? cs_dataset_num_classes(*train) : 0;
        if (status == CS_OK && d->idx_paths == 4)
            status = cs_dataset_open_npy(test, d->idx[2], d->idx[3], &o);
        break;
    }
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

void cli_arch_list(char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (int i = 0; i < cs_model_arch_count() && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", cs_model_arch_name(i));
}

/* "arch[:width][@epochs],..." */
int cli_parse_models(const char *list, cli_model_spec *out, int *n)
{
    char buf[1024];
    if (strlen(list) >= sizeof buf)
        return cli_usage_error("--models: list too long");
    strcpy(buf, list);
    *n = 0;
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0')
            return cli_usage_error("--models '%s': empty model in the list (expected arch[:width][@epochs][/lr],...)", list);
        if (*n == CLI_MAX_MODELS)
            return cli_usage_error("--models: more than %d models", CLI_MAX_MODELS);
        cli_model_spec *m = &out[*n];
        m->width = 1.0;
        m->epochs = 0;
        m->lr = 0.0;
        char *slash = strchr(p, '/');
        if (slash) {
            *slash = '\0';
            if (cli_parse_open_interval("--models: learning rate after '/'", slash + 1, 0.0, INFINITY, &m->lr) != 0)
                return CLI_EXIT_USAGE;
        }
        char *at = strchr(p, '@');
        if (at) {
            *at = '\0';
            if (cli_parse_int("--models: epochs after '@'", at + 1, 1, &m->epochs) != 0)
                return CLI_EXIT_USAGE;
        }
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            if (cli_parse_open_interval("--models: width after ':'", colon + 1, 0.0, INFINITY, &m->width) != 0)
                return CLI_EXIT_USAGE;
        }
        /* The library's registry names every architecture; its strings are static. */
        m->arch = NULL;
        for (int a = 0; a < cs_model_arch_count(); a++)
            if (strcmp(p, cs_model_arch_name(a)) == 0)
                m->arch = cs_model_arch_name(a);
        if (!m->arch) {
            char known[256];
            cli_arch_list(known, sizeof known);
            return cli_usage_error("--models: unknown model '%s' (expected one of %s; see classsens models)", p,
                                   known);
        }
        for (int j = 0; j < *n; j++)
            if (out[j].arch == m->arch && out[j].width == m->width)
                return cli_usage_error("--models: %s at width %g is listed twice", m->arch, m->width);
        (*n)++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

int cli_is_noise(cs_perturb_kind k)
{
    return k >= CS_NOISE_SHUFFLE && k <= CS_NOISE_TARGETED;
}

int cli_is_reduction(cs_perturb_kind k)
{
    return k >= CS_REDUCE_UNIFORM && k <= CS_REDUCE_TARGETED;
}

/* "MODE:LEVELS": everything up to the last ':' is the mode (e.g. "pairflip:cyclic"), the rest
 * a comma-separated list of levels; each level gives one spec "MODE:LEVEL". For --reduce the
 * mode is prefixed with "reduce:" (given or not). "none" adds nothing. */
int cli_parse_conditions(const char *opt, const char *text, int reduce, cs_perturb_spec **specs, int *n)
{
    if (strcmp(text, "none") == 0)
        return 0;
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return cli_usage_error("%s '%s': expected MODE:LEVELS, e.g. %s", opt, text,
                           reduce ? "uniform:0.4,0.1" : "shuffle:0.1,0.3");
    const char *prefix = reduce && strncmp(text, "reduce:", 7) != 0 ? "reduce:" : "";
    int mode_len = (int)(colon - text);
    const char *p = colon + 1;
    for (;;) {
        const char *comma = strchr(p, ',');
        int level_len = comma ? (int)(comma - p) : (int)strlen(p);
        char spec_text[512];
        if (level_len == 0)
            return cli_usage_error("%s '%s': empty level in the list", opt, text);
        if (snprintf(spec_text, sizeof spec_text, "%s%.*s:%.*s", prefix, mode_len, text, level_len, p) >=
            (int)sizeof spec_text)
            return cli_usage_error("%s '%s': specification too long", opt, text);
        if (*n == CLI_MAX_CONDITIONS)
            return cli_usage_error("more than %d conditions", CLI_MAX_CONDITIONS);
        cs_perturb_spec *spec = NULL;
        int status = cs_perturb_spec_parse(&spec, spec_text);
        if (status != CS_OK)
            return cli_usage_error("%s '%s': %s", opt, spec_text, cs_last_error());
        cs_perturb_kind kind = cs_perturb_spec_kind(spec);
        if (reduce ? !cli_is_reduction(kind) : !cli_is_noise(kind)) {
            cs_perturb_spec_destroy(spec);
            return cli_usage_error("%s '%s' is not a %s", opt, spec_text,
                               reduce ? "data reduction" : "label-noise mode (data reductions go to --reduce)");
        }
        char name[512], other[512];
        if (cs_perturb_spec_format(name, sizeof name, NULL, spec) == CS_OK) {
            for (int j = 0; j < *n; j++) {
                if (cs_perturb_spec_format(other, sizeof other, NULL, specs[j]) == CS_OK &&
                    strcmp(name, other) == 0) {
                    cs_perturb_spec_destroy(spec);
                    return cli_usage_error("condition %s is listed twice", name);
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
