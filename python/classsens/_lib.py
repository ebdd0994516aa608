"""The C declarations classsens uses (cffi, ABI mode) and the search for libclasssens.so.1.

Nothing here is compiled: the declarations below are parsed by cffi at import time and the
shared library is opened with dlopen, so installing the package copies Python files only.
The structs are declared exactly as in include/classsens/*.h (their sizes are checked by
the test suite against the library's own struct_size checks: a mismatch is refused with
CS_ERR_UNSUPPORTED or CS_ERR_INVALID_ARGUMENT, never read out of bounds).
"""
import os
import subprocess

from cffi import FFI

CDEF = r"""
const char *cs_status_str(int status);
const char *cs_last_error(void);
int cs_last_error_status(void);
void cs_error_clear(void);
const char *cs_version_string(void);
int cs_version_number(void);

typedef struct cs_dataset cs_dataset;
typedef enum cs_split { CS_SPLIT_TRAIN = 0, CS_SPLIT_TEST = 1 } cs_split;
int cs_dataset_open_fashion_mnist(cs_dataset **out, const char *dir, cs_split split);
int cs_dataset_from_memory(cs_dataset **out, const uint8_t *pixels, const int32_t *labels,
                           size_t n, int c, int h, int w, int num_classes);
int cs_dataset_view(cs_dataset **out, const cs_dataset *parent, const size_t *indices,
                    size_t n, const int32_t *labels);
void cs_dataset_destroy(cs_dataset *ds);
size_t cs_dataset_size(const cs_dataset *ds);
int cs_dataset_num_classes(const cs_dataset *ds);
int cs_dataset_shape(int *c, int *h, int *w, const cs_dataset *ds);
const int32_t *cs_dataset_labels(const cs_dataset *ds);
const uint8_t *cs_dataset_image(const cs_dataset *ds, size_t i);
size_t cs_dataset_source_index(const cs_dataset *ds, size_t i);
const char *cs_dataset_class_name(const cs_dataset *ds, int k);
int cs_dataset_set_class_names(cs_dataset *ds, const char *const *names, int k);
int cs_dataset_class_counts(size_t *counts, int k, const cs_dataset *ds);

typedef enum cs_folder_channels {
    CS_FOLDER_CHANNELS_AUTO = 0, CS_FOLDER_CHANNELS_GRAY = 1, CS_FOLDER_CHANNELS_RGB = 2
} cs_folder_channels;
typedef enum cs_folder_alpha { CS_FOLDER_ALPHA_DROP = 0, CS_FOLDER_ALPHA_BLACK = 1 } cs_folder_alpha;
typedef struct cs_folder_report {
    size_t files;
    size_t loaded;
    size_t skipped;
    char first_skipped[4][512];
} cs_folder_report;
typedef struct cs_folder_options {
    size_t struct_size;
    int width;
    int height;
    cs_folder_channels channels;
    cs_folder_alpha alpha;
    double test_fraction;
    uint64_t seed;
    int skip_bad;
    int follow_symlinks;
    int threads;
    cs_folder_report *report;
} cs_folder_options;
int cs_folder_options_init(cs_folder_options *opts);
int cs_dataset_open_folder(cs_dataset **out, const char *root, cs_split split, const cs_folder_options *opts);

typedef enum cs_perturb_kind {
    CS_PERTURB_INVALID = -1, CS_PERTURB_NONE = 0, CS_NOISE_SHUFFLE = 1, CS_NOISE_SYMMETRIC = 2,
    CS_NOISE_PAIRFLIP = 3, CS_NOISE_MATRIX = 4, CS_NOISE_TARGETED = 5, CS_REDUCE_UNIFORM = 16,
    CS_REDUCE_STRATIFIED = 17, CS_REDUCE_TARGETED = 18
} cs_perturb_kind;
typedef struct cs_perturb_spec cs_perturb_spec;
typedef struct cs_perturb_report cs_perturb_report;
int cs_perturb_spec_parse(cs_perturb_spec **out, const char *text);
int cs_perturb_spec_format(char *buf, size_t cap, size_t *needed, const cs_perturb_spec *spec);
void cs_perturb_spec_destroy(cs_perturb_spec *spec);
cs_perturb_kind cs_perturb_spec_kind(const cs_perturb_spec *spec);
double cs_perturb_spec_level(const cs_perturb_spec *spec);
int cs_perturb_apply(cs_dataset **out, cs_perturb_report **report, const cs_dataset *in,
                     const cs_perturb_spec *spec, uint64_t seed);
void cs_perturb_report_destroy(cs_perturb_report *r);
size_t cs_perturb_report_size_before(const cs_perturb_report *r);
size_t cs_perturb_report_size_after(const cs_perturb_report *r);
size_t cs_perturb_report_selected(const cs_perturb_report *r);
size_t cs_perturb_report_changed(const cs_perturb_report *r);
double cs_perturb_report_flip_rate(const cs_perturb_report *r);
int cs_perturb_report_transitions(size_t *counts, int k, const cs_perturb_report *r);
int cs_perturb_report_class_counts(size_t *before, size_t *after, int k,
                                   const cs_perturb_report *r);

typedef struct cs_model cs_model;
typedef struct cs_record_scores cs_record_scores;
typedef struct cs_model_options {
    size_t struct_size; double width; uint64_t seed;
} cs_model_options;
int cs_model_options_init(cs_model_options *opts);
int cs_model_arch_count(void);
const char *cs_model_arch_name(int i);
int cs_model_create(cs_model **out, const char *arch, int c, int h, int w, int num_classes,
                    const cs_model_options *opts);
void cs_model_destroy(cs_model *m);
const char *cs_model_arch(const cs_model *m);
int cs_model_num_classes(const cs_model *m);
int cs_model_input_shape(int *c, int *h, int *w, const cs_model *m);
int cs_model_width(double *width, const cs_model *m);
size_t cs_model_num_params(const cs_model *m);
int cs_model_num_tensors(const cs_model *m);
const char *cs_model_tensor_name(const cs_model *m, int i);
int cs_model_tensor_shape(int64_t *dims, int max_dims, const cs_model *m, int i);
float *cs_model_tensor_data(cs_model *m, int i);
int cs_model_set_threads(cs_model *m, int threads);
typedef enum cs_precision { CS_PRECISION_FP32 = 0, CS_PRECISION_BF16 = 1 } cs_precision;
typedef enum cs_lr_schedule { CS_LR_CONSTANT = 0, CS_LR_STEP = 1, CS_LR_COSINE = 2 } cs_lr_schedule;
typedef struct cs_epoch_report {
    int epoch; int epochs; double loss; double accuracy; double lr; double seconds;
} cs_epoch_report;
typedef int (*cs_progress_fn)(const cs_epoch_report *report, void *payload);
typedef struct cs_train_options {
    size_t struct_size; int epochs; int batch_size; double lr; double momentum;
    double weight_decay; int nesterov; cs_lr_schedule schedule; int step_size; double gamma;
    int warmup_epochs; int crop_padding; int horizontal_flip; uint64_t seed; int threads;
    cs_progress_fn progress; void *payload; cs_record_scores *record_scores;
} cs_train_options;
int cs_train_options_init(cs_train_options *opts);
int cs_model_train(cs_model *m, const cs_dataset *train, const cs_train_options *opts);
int cs_model_predict(int32_t *pred, cs_model *m, const cs_dataset *ds);
int cs_model_save(const cs_model *m, const char *path);
int cs_model_load(cs_model **out, const char *path);
typedef struct cs_safetensors_options {
    size_t struct_size; const char *arch; int c; int h; int w; int num_classes; double width;
    int ignore_extra;
} cs_safetensors_options;
int cs_safetensors_options_init(cs_safetensors_options *opts);
int cs_model_save_safetensors(const cs_model *m, const char *path);
int cs_model_load_safetensors(cs_model **out, const char *path, const cs_safetensors_options *opts);

typedef struct cs_study cs_study;
typedef enum cs_study_event_kind {
    CS_STUDY_EVENT_CELL_SKIPPED = 0, CS_STUDY_EVENT_CELL_STARTED = 1, CS_STUDY_EVENT_EPOCH = 2,
    CS_STUDY_EVENT_CELL_FINISHED = 3, CS_STUDY_EVENT_CELL_FAILED = 4
} cs_study_event_kind;
typedef struct cs_study_event {
    cs_study_event_kind kind; int cell; int cells_total; int cells_finished;
    const char *model; const char *condition; int replicate; int threads;
    const cs_epoch_report *epoch; double test_accuracy; double seconds;
    double work_done; double work_total;
} cs_study_event;
typedef int (*cs_study_progress_fn)(const cs_study_event *event, void *payload);
typedef struct cs_study_options {
    size_t struct_size; int replicates; uint64_t seed; size_t train_subset; size_t test_subset;
    int matched_controls; int jobs; cs_study_progress_fn progress; void *payload;
    int shard_index; int shard_count; const char *worker; cs_precision precision;
    int retry_failed; int record_scores;
} cs_study_options;
int cs_study_options_init(cs_study_options *opts);
int cs_study_create(cs_study **out, const cs_dataset *train, const cs_dataset *test,
                    const char *data_name, const cs_study_options *opts);
void cs_study_destroy(cs_study *s);
int cs_study_add_model(cs_study *s, const char *name, const char *arch, double width,
                       const cs_train_options *train);
int cs_study_add_condition(cs_study *s, const cs_perturb_spec *spec);
int cs_study_add_grid(cs_study *s, const cs_perturb_spec *noise, const cs_perturb_spec *reduce);
int cs_study_num_cells(const cs_study *s);
int cs_study_run(cs_study *s, const char *store_dir);

typedef struct cs_confusion cs_confusion;
typedef struct cs_results cs_results;
typedef enum cs_condition_family {
    CS_CONDITION_BASELINE = 0, CS_CONDITION_NOISE = 1, CS_CONDITION_REDUCTION = 2,
    CS_CONDITION_CONTROL = 3, CS_CONDITION_GRID = 4
} cs_condition_family;
typedef struct cs_cell_result {
    size_t struct_size; const cs_confusion *confusion; double test_accuracy; int epochs;
    const cs_epoch_report *trace; size_t train_size; size_t changed; double flip_rate;
    double train_seconds; double test_seconds; int threads; size_t trace_stride;
} cs_cell_result;
int cs_results_open(cs_results **out, const char *store_dir);
void cs_results_destroy(cs_results *r);
const char *cs_results_data_name(const cs_results *r);
int cs_results_num_classes(const cs_results *r);
const char *cs_results_class_name(const cs_results *r, int k);
int cs_results_replicates(const cs_results *r);
int cs_results_num_models(const cs_results *r);
const char *cs_results_model_name(const cs_results *r, int i);
const char *cs_results_model_arch(const cs_results *r, int i);
double cs_results_model_width(const cs_results *r, int i);
int cs_results_num_conditions(const cs_results *r);
const char *cs_results_condition_name(const cs_results *r, int j);
int cs_results_condition_family(cs_condition_family *out, const cs_results *r, int j);
double cs_results_condition_level(const cs_results *r, int j);
int cs_results_cell(cs_cell_result *out, const cs_results *r, int model, int condition,
                    int replicate);
int cs_results_cells_finished(const cs_results *r);
int cs_results_cells_failed(const cs_results *r);

int cs_confusion_num_classes(const cs_confusion *cm);
double cs_confusion_count(const cs_confusion *cm, int truth, int pred);
int cs_confusion_relative(double *out, int k, const cs_confusion *pert, const cs_confusion *base);
typedef struct cs_confusion_stats cs_confusion_stats;
typedef struct cs_average_options cs_average_options;
int cs_confusion_average(cs_confusion_stats **out, const cs_confusion *const *cms, size_t r,
                         const cs_average_options *opts);
void cs_confusion_stats_destroy(cs_confusion_stats *s);
const cs_confusion *cs_confusion_stats_mean(const cs_confusion_stats *s);
int cs_confusion_stats_class_accuracy(double *mean, double *lo, double *hi, int k,
                                      const cs_confusion_stats *s);
typedef struct cs_agreement cs_agreement;
int cs_agreement_compute(cs_agreement **out, const double *scores, int m, int k, int top_k);
void cs_agreement_destroy(cs_agreement *a);
double cs_agreement_kendall_w(const cs_agreement *a);
double cs_agreement_p_value(const cs_agreement *a);
int cs_agreement_pairwise(double *spearman, double *kendall, double *jaccard, int m,
                          const cs_agreement *a);
"""

SONAME = "libclasssens.so.1"
ENV_LIBRARY = "CLASSSENS_LIBRARY"

ffi = FFI()
ffi.cdef(CDEF)


def _candidates(path):
    """(how, path) pairs in the order they are tried."""
    out = []
    explicit = path if path is not None else os.environ.get(ENV_LIBRARY)
    if explicit:
        how = "argument" if path is not None else "$" + ENV_LIBRARY
        if os.path.isdir(explicit):
            explicit = os.path.join(explicit, SONAME)
        return [(how, explicit)]
    try:
        libdir = subprocess.run(["pkg-config", "--variable=libdir", "classsens"],
                                capture_output=True, text=True, timeout=10)
        if libdir.returncode == 0 and libdir.stdout.strip():
            found = os.path.join(libdir.stdout.strip(), SONAME)
            out.append(("pkg-config", os.path.normpath(found)))
    except (OSError, subprocess.SubprocessError):
        pass
    # Run from a source tree: python/classsens/_lib.py -> <root>/build/libclasssens.so.1.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out.append(("build tree", os.path.join(root, "build", SONAME)))
    out.append(("system loader", SONAME))
    return out


def open_library(path=None):
    """dlopen libclasssens: an explicit path (argument, then $CLASSSENS_LIBRARY: a file or
    its directory), else pkg-config's libdir, else <source>/build, else the system loader.
    Raises OSError listing every place tried and why each failed."""
    tried = []
    for how, candidate in _candidates(path):
        if how in ("pkg-config", "build tree") and not os.path.exists(candidate):
            tried.append("%s: %s (no such file)" % (how, candidate))
            continue
        try:
            return ffi.dlopen(candidate), candidate
        except OSError as e:
            tried.append("%s: %s (%s)" % (how, candidate, e))
    raise OSError("classsens: cannot load %s; tried:\n  %s\n(set %s to its path, or install "
                  "libclasssens where pkg-config finds it)" % (SONAME, "\n  ".join(tried),
                                                               ENV_LIBRARY))
