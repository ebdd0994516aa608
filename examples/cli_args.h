/* cli_args: the argument parsing of the classsens tool — option scanning, numbers, data set
 * specifications, model lists and perturbation lists. Every parser that rejects its input
 * prints one line "classsens: error: ..." on stderr and returns CLI_EXIT_USAGE; on success it
 * returns 0. Uses only the public API. */
#ifndef CLASSSENS_CLI_ARGS_H
#define CLASSSENS_CLI_ARGS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <classsens.h>

#define CLI_EXIT_LIBRARY 1   /* a library call failed */
#define CLI_EXIT_USAGE 2     /* bad arguments */

#define CLI_MAX_MODELS 32
#define CLI_MAX_CONDITIONS 64

#if defined(__GNUC__)
#  define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define CLI_PRINTF(f, a)
#endif

/* The program name that starts every message ("classsens" unless a program sets it). */
extern const char *cli_program;

/* Set by the first Ctrl-C once cli_install_sigint() ran; a second Ctrl-C kills (default
 * action), so a study stuck in a long epoch can always be stopped. */
extern volatile sig_atomic_t cli_interrupted;
void cli_install_sigint(void);

/* Bad arguments: prints "PROGRAM: error: MESSAGE" (one line); returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) CLI_PRINTF(1, 2);
/* A library failure: prints "PROGRAM: CS_ERR_X: cs_last_error()"; returns CLI_EXIT_LIBRARY. */
int cli_library_error(int status);

/* Seconds on the monotonic clock (for durations). */
double cli_now(void);
/* The program's own failure in the library's words: "PROGRAM: CS_ERR_X: MESSAGE";
 * returns CLI_EXIT_LIBRARY. */
int cli_own_error(int status, const char *fmt, ...) CLI_PRINTF(2, 3);

/* ---- option scanning: `--name VALUE`, `--name=VALUE`, flags, positional arguments ---------- */
/* One option of a command. */
typedef struct cli_option {
    const char *name; /* without the leading dashes */
    int has_value;
} cli_option;

/* Where the scan is: argv[i] is next; command names the subcommand in messages. */
typedef struct cli_scanner {
    int argc, i;
    char **argv;
    const char *command;
} cli_scanner;

enum { CLI_SCAN_END = 0, CLI_SCAN_OPTION = 1, CLI_SCAN_POSITIONAL = 2, CLI_SCAN_HELP = 3, CLI_SCAN_ERROR = -1 };

/* The next argument: CLI_SCAN_OPTION (*which indexes defs, *value is its value or NULL for a
 * flag), CLI_SCAN_POSITIONAL (*value), CLI_SCAN_HELP (--help or -h), CLI_SCAN_END, or
 * CLI_SCAN_ERROR after printing why (unknown option, missing value, value given to a flag). */
int cli_scan_next(cli_scanner *sc, const cli_option *defs, int n_defs, int *which, const char **value);

/* ---- numbers: the whole text must be the number; opt names the option in messages --------- */
int cli_parse_long(const char *opt, const char *text, long min, long max, long *out);
int cli_parse_size(const char *opt, const char *text, size_t *out);
int cli_parse_int(const char *opt, const char *text, int min, int *out);
int cli_parse_u64(const char *opt, const char *text, uint64_t *out);
/* A finite number in the open interval (lo, hi); hi may be INFINITY. */
int cli_parse_open_interval(const char *opt, const char *text, double lo, double hi, double *out);

/* ---- training augmentation ------------------------------------------------------------------ */
/* The AUGMENT syntax, for help texts and messages. */
extern const char CLI_AUGMENT_SYNTAX[];
/* "none", "flip", "crop:P" or "crop:P+flip" (P zero-padding pixels of the random crop, 1..64)
 * into *crop_padding and *flip; opt names the option in messages. */
int cli_parse_augment(const char *opt, const char *text, int *crop_padding, int *flip);

/* ---- data sets ------------------------------------------------------------------------------ */
typedef enum cli_data_kind {
    CLI_DATA_FASHION, CLI_DATA_CIFAR10, CLI_DATA_IDX, CLI_DATA_NPZ, CLI_DATA_NPY, CLI_DATA_FOLDER
} cli_data_kind;

typedef struct cli_data_spec {
    cli_data_kind kind;
    const char *text;     /* as given */
    const char *dir;      /* fashion-mnist (NULL: default) and cifar10 */
    char idx_buf[4096];   /* idx, npy, npz: the paths, NUL-separated in place */
    const char *idx[4];
    int idx_paths;        /* idx, npy: 2 or 4; npz: 1 (both splits in one file) or 2 (train, test) */
    int need_test;        /* as given to cli_parse_data_spec */
    int folder_w, folder_h;      /* folder: size=WxH (0: the images' shared size) */
    double folder_test;          /* folder: test=FRACTION for a root without train/ and test/ */
    unsigned long long folder_seed; /* folder: seed=S of that split */
} cli_data_spec;

/* The DATA syntax, for help texts and messages. */
extern const char CLI_DATA_SYNTAX[];
/* Checks the syntax of DATA only; nothing is opened. need_test: refuse idx and npy without test
 * files (an npz file's arrays are known only when it is opened: cli_open_data then needs both
 * splits of it). */
int cli_parse_data_spec(cli_data_spec *d, const char *text, int need_test);
/* How a study names the data set ("fashion-mnist", "cifar10", "idx:", "npy:", "npz:" or
 * "folder:" + the (image) file's or folder's name). */
void cli_data_name(const cli_data_spec *d, char *buf, size_t cap);
/* Opens both splits (library status); *test stays NULL for idx and npy without test files, for
 * an npz file of images and labels only and for a folder without train/, test/ or test=
 * (without need_test). */
int cli_open_data(const cli_data_spec *d, cs_dataset **train, cs_dataset **test);

/* ---- models and conditions ------------------------------------------------------------------ */
typedef struct cli_model_spec {
    const char *arch; /* one of ARCHS */
    double width;
    int epochs;       /* 0: not given */
    double lr;        /* 0: not given */
} cli_model_spec;

/* "lenet, resnet18, ..." (every architecture of the library's registry) into buf. */
void cli_arch_list(char *buf, size_t size);

/* "arch[:width][@epochs][/lr],..." into out[0..*n); refuses unknown architectures and
 * duplicates. */
int cli_parse_models(const char *list, cli_model_spec *out, int *n);
/* Whether a perturbation kind is label noise / data reduction. */
int cli_is_noise(cs_perturb_kind k);
int cli_is_reduction(cs_perturb_kind k);
/* "MODE:LEVELS" (e.g. shuffle:0.1,0.3, pairflip:cyclic:0.2) appended to specs[0..*n) as one
 * owned spec per level; reduce: the reductions of --reduce ("reduce:" is implied). "none" adds
 * nothing. Refuses duplicates of specs already in the list. */
int cli_parse_conditions(const char *opt, const char *text, int reduce, cs_perturb_spec **specs, int *n);

#endif /* CLASSSENS_CLI_ARGS_H */
