/* make_seeds: write the seed corpora of the fuzz targets (tests/fuzz, docs/reliability.md) from
 * the library as it is now, so that they follow its formats when those change: checkpoints are
 * saved by cs_model_save, results stores are written by a real (tiny) study, IDX, tar, .npy and
 * zip files are laid out here by their specifications. Deterministic apart from the timings and host
 * names inside the stores.
 *
 *   make_seeds DIR    writes DIR/<target>/seed-* for every target
 *
 * Multi-file inputs (CIFAR-10 directory, results store) join their files with FUZZ_SEPARATOR. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include <classsens.h>

#include "data/image.h"
#include "fuzz_common.h"
#include "study/study_internal.h"

/* ---- output ---------------------------------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;


/* snprintf for the paths this program writes: a path that does not fit its buffer is a setup it
 * cannot use (a root directory thousands of characters deep), so it stops with the path. */
__attribute__((format(printf, 3, 4))) static void format_path(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "fuzz_make_seeds: a path is longer than %zu bytes: %s...\n", size - 1, out);
        exit(1);
    }
}

static void add(buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            fuzz_fail("out of memory");
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void add_str(buf *b, const char *s) { add(b, s, strlen(s)); }
static void add_sep(buf *b) { add_str(b, FUZZ_SEPARATOR); }

static const char *root;

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        fuzz_fail("mkdir %s: %s", path, strerror(errno));
}

static void seed(const char *target, const char *name, const void *data, size_t n)
{
    char path[4096];
    format_path(path, sizeof path, "%s/%s", root, target);
    make_dir(path);
    format_path(path, sizeof path, "%s/%s/seed-%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        fuzz_fail("cannot write %s", path);
}

static void seed_buf(const char *target, const char *name, const buf *b) { seed(target, name, b->p, b->len); }

static void seed_gz(const char *target, const char *name, const buf *b)
{
    size_t n = 0;
    uint8_t *gz = fuzz_gzip(b->p, b->len, &n);
    if (!gz)
        fuzz_fail("gzip failed");
    seed(target, name, gz, n);
    free(gz);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb"); /* reads raw files as they are, gzip files uncompressed */
    if (!f)
        fuzz_fail("cannot open %s", path);
    buf b = { 0 };
    uint8_t chunk[65536];
    int got;
    while ((got = gzread(f, chunk, sizeof chunk)) > 0)
        add(&b, chunk, (size_t)got);
    gzclose(f);
    *len = b.len;
    return b.p;
}

static void check(int status, const char *what)
{
    if (status != CS_OK)
        fuzz_fail("%s: %s: %s", what, cs_status_str(status), cs_last_error());
}

/* ---- IDX ----------------------------------------------------------------------------------- */

static void be32(buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    add(b, x, 4);
}

static void idx_seeds(void)
{
    static const uint32_t shapes[][3] = { { 3, 2, 2 }, { 5, 4, 4 }, { 2, 28, 28 } };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        buf img = { 0 }, lab = { 0 };
        add(&img, (const uint8_t[]){ 0, 0, 8, 3 }, 4);
        for (int d = 0; d < 3; d++)
            be32(&img, shapes[s][d]);
        for (uint32_t i = 0; i < shapes[s][0] * shapes[s][1] * shapes[s][2]; i++)
            add(&img, &(uint8_t){ (uint8_t)(i * 13u) }, 1);
        add(&lab, (const uint8_t[]){ 0, 0, 8, 1 }, 4);
        be32(&lab, shapes[s][0]);
        for (uint32_t i = 0; i < shapes[s][0]; i++)
            add(&lab, &(uint8_t){ (uint8_t)(i % 3) }, 1);
        char name[32];
        snprintf(name, sizeof name, "%u", (unsigned)s);
        seed_buf("idx_images", name, &img);
        seed_buf("idx_labels", name, &lab);
        snprintf(name, sizeof name, "%u.gz", (unsigned)s);
        seed_gz("idx_images", name, &img);
        seed_gz("idx_labels", name, &lab);
        free(img.p);
        free(lab.p);
    }
    buf lab = { 0 };
    add(&lab, (const uint8_t[]){ 0, 0, 8, 1, 0, 0, 0, 4, 0, 9, 200, 255 }, 12);
    seed_buf("idx_labels", "large-labels", &lab);
    free(lab.p);
}

/* ---- CIFAR-10 ------------------------------------------------------------------------------ */

#define CIFAR_RECORD 3073

static void cifar_batch(buf *b, int records, int first_label)
{
    for (int r = 0; r < records; r++) {
        uint8_t rec[CIFAR_RECORD];
        rec[0] = (uint8_t)((first_label + r) % 10);
        for (int i = 1; i < CIFAR_RECORD; i++)
            rec[i] = (uint8_t)((i / 97 + r) * 7);
        add(b, rec, sizeof rec);
    }
}

static const char cifar_meta[] =
    "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

/* One ustar header block (POSIX.1-1988) for a member of `size` bytes; type '0' file, '5'
 * directory, 'L' GNU long name, 'x' pax extended header. */
static void tar_header(buf *b, const char *name, size_t size, char type)
{
    uint8_t h[512];
    memset(h, 0, sizeof h);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755u : 0644u);
    snprintf((char *)h + 108, 8, "%07o", 0u);
    snprintf((char *)h + 116, 8, "%07o", 0u);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    snprintf((char *)h + 136, 12, "%011o", 1262304000u);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    add(b, h, sizeof h);
}

static void tar_member(buf *b, const char *name, const void *data, size_t n, char type)
{
    tar_header(b, name, n, type);
    add(b, data, n);
    static const uint8_t zero[512];
    add(b, zero, (512 - n % 512) % 512);
}

static void tar_end(buf *b)
{
    static const uint8_t zero[1024];
    add(b, zero, sizeof zero);
}

static void cifar_seeds(void)
{
    static const char *const train[] = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                         "data_batch_4.bin", "data_batch_5.bin" };
    buf one = { 0 }, two = { 0 };
    cifar_batch(&one, 1, 3);
    cifar_batch(&two, 2, 8);

    /* The release's layout: a directory member, the batches, the class list. */
    buf tar = { 0 };
    tar_member(&tar, "cifar-10-batches-bin/", NULL, 0, '5');
    tar_member(&tar, "cifar-10-batches-bin/batches.meta.txt", cifar_meta, sizeof cifar_meta - 1, '0');
    for (int i = 0; i < 5; i++) {
        char name[128];
        snprintf(name, sizeof name, "cifar-10-batches-bin/%s", train[i]);
        tar_member(&tar, name, one.p, one.len, '0');
    }
    tar_member(&tar, "cifar-10-batches-bin/test_batch.bin", two.p, two.len, '0');
    tar_end(&tar);
    seed_buf("cifar10_tar", "full.tar", &tar);
    seed_gz("cifar10_tar", "full.tar.gz", &tar);
    free(tar.p);

    /* The test split alone, behind a GNU long name and a pax header. */
    tar = (buf){ 0 };
    const char *long_name = "cifar-10-batches-bin/a-directory-name-long-enough-that-ustar-cannot-hold-it-in-"
                            "its-hundred-bytes/test_batch.bin";
    tar_member(&tar, "././@LongLink", long_name, strlen(long_name) + 1, 'L');
    tar_member(&tar, "cifar-10-batches-bin/test_batch.bin", two.p, two.len, '0');
    const char pax[] = "30 path=cifar/batches.meta.txt\n";
    tar_member(&tar, "PaxHeaders/meta", pax, sizeof pax - 1, 'x');
    tar_member(&tar, "meta", cifar_meta, sizeof cifar_meta - 1, '0');
    tar_end(&tar);
    seed_buf("cifar10_tar", "test-longname-pax.tar", &tar);
    seed_gz("cifar10_tar", "test-longname-pax.tar.gz", &tar);
    free(tar.p);

    /* The directory: test_batch.bin, data_batch_1..5.bin, batches.meta.txt. */
    buf dir = { 0 };
    add(&dir, two.p, two.len);
    for (int i = 0; i < 5; i++) {
        add_sep(&dir);
        add(&dir, one.p, one.len);
    }
    add_sep(&dir);
    add_str(&dir, cifar_meta);
    seed_buf("cifar10_dir", "full", &dir);
    free(dir.p);
    /* The test split alone, gzip-compressed, no class list. */
    size_t n = 0;
    uint8_t *gz = fuzz_gzip(two.p, two.len, &n);
    seed("cifar10_dir", "test-gz", gz, n);
    free(gz);
    free(one.p);
    free(two.p);
}

/* ---- checkpoints --------------------------------------------------------------------------- */

static void checkpoint_seed(const char *dir, const char *arch, int c, int h, int w, int k, double width)
{
    cs_model *m = NULL;
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = width;
    mo.seed = 7;
    check(cs_model_create(&m, arch, c, h, w, k, &mo), arch);
    char path[4096];
    format_path(path, sizeof path, "%s/%s.ckpt", dir, arch);
    check(cs_model_save(m, path), "cs_model_save");
    cs_model_destroy(m);
    size_t len = 0;
    uint8_t *file = read_file(path, &len);
    remove(path);
    if (len < 4)
        fuzz_fail("%s: a checkpoint of %zu bytes", path, len);
    /* The target's first byte: 1 = append the CRC-32 (the file without it follows), 3 = also
     * gzip-compress. */
    for (int mode = 1; mode <= 3; mode += 2) {
        buf b = { 0 };
        add(&b, &(uint8_t){ (uint8_t)mode }, 1);
        add(&b, file, len - 4);
        char name[64];
        snprintf(name, sizeof name, "%s-%dx%dx%d-mode%d", arch, c, h, w, mode);
        seed_buf("checkpoint", name, &b);
        free(b.p);
    }
    free(file);
}

static void checkpoint_seeds(const char *tmp)
{
    checkpoint_seed(tmp, "lenet", 1, 28, 28, 10, 0.2);
    checkpoint_seed(tmp, "custom", 3, 12, 12, 3, 0.1);
    checkpoint_seed(tmp, "resnet18", 1, 8, 8, 4, 0.03125);
}

/* ---- safetensors ---------------------------------------------------------------------------- */

/* A model saved by cs_model_save_safetensors; the target's first byte is the options mode
 * (fuzz_safetensors.c): 0 reads the metadata, 3 names lenet 1x28x28 and ignores extras. */
static void safetensors_seed(const char *dir, const char *arch, int c, int h, int w, int k, double width, int mode)
{
    cs_model *m = NULL;
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = width;
    mo.seed = 7;
    check(cs_model_create(&m, arch, c, h, w, k, &mo), arch);
    char path[4096];
    format_path(path, sizeof path, "%s/%s.safetensors", dir, arch);
    check(cs_model_save_safetensors(m, path), "cs_model_save_safetensors");
    cs_model_destroy(m);
    size_t len = 0;
    uint8_t *file = read_file(path, &len);
    remove(path);
    buf b = { 0 };
    add(&b, &(uint8_t){ (uint8_t)mode }, 1);
    add(&b, file, len);
    char name[64];
    snprintf(name, sizeof name, "%s-%dx%dx%d-mode%d", arch, c, h, w, mode);
    seed_buf("safetensors", name, &b);
    free(b.p);
    free(file);
}

static void safetensors_seeds(const char *tmp)
{
    safetensors_seed(tmp, "lenet", 1, 28, 28, 10, 0.2, 0);
    safetensors_seed(tmp, "lenet", 1, 28, 28, 10, 0.2, 3);
    safetensors_seed(tmp, "resnet18", 1, 8, 8, 4, 0.03125, 0);
}

/* ---- results stores ------------------------------------------------------------------------ */

static void tiny_data(cs_dataset **out, size_t n, int k, uint32_t salt)
{
    const int side = 16;
    uint8_t *pixels = malloc(n * side * side);
    int32_t *labels = malloc(n * sizeof *labels);
    if (!pixels || !labels)
        fuzz_fail("out of memory");
    for (size_t i = 0; i < n; i++) {
        labels[i] = (int32_t)(i % (size_t)k);
        for (int p = 0; p < side * side; p++) {
            const int row = p / side, col = p % side;
            const int on = labels[i] == 0 ? row == side / 2 : labels[i] == 1 ? col == side / 2 : row == col;
            pixels[i * side * side + (size_t)p] = (uint8_t)(on ? 220 : (uint32_t)(p * 31 + i * 7 + salt) % 40);
        }
    }
    check(cs_dataset_from_memory(out, pixels, labels, n, 1, side, side, k), "cs_dataset_from_memory");
    free(pixels);
    free(labels);
}

static void add_file(buf *b, const char *dir, const char *rel)
{
    char path[4096];
    format_path(path, sizeof path, "%s/%s", dir, rel);
    size_t len = 0;
    uint8_t *text = read_file(path, &len);
    add(b, text, len);
    free(text);
}

/* The relative paths of a cell's file in cells/ and of its claim in running/, as the store
 * names them. */
static void cell_names(const cs_study *s, int cell, char *cell_rel, char *claim_rel, size_t cap)
{
    cs_study_cell_info info = { .struct_size = sizeof info };
    check(cs_study_cell(&info, s, cell), "cs_study_cell");
    check(cs__study_cell_path(cell_rel, cap, info.model, info.condition, info.replicate), "cs__study_cell_path");
    check(cs__study_claim_path(claim_rel, cap, info.model, info.condition, info.replicate), "cs__study_claim_path");
}

static void store_seeds(const char *tmp)
{
    cs_dataset *train = NULL, *test = NULL;
    tiny_data(&train, 60, 3, 0);
    tiny_data(&test, 30, 3, 5);
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = 2;
    so.matched_controls = 1;
    so.jobs = 1;
    cs_study *s = NULL;
    check(cs_study_create(&s, train, test, "fuzz-seed", &so), "cs_study_create");
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 2;
    to.batch_size = 16;
    to.crop_padding = 0;
    to.horizontal_flip = 0;
    check(cs_study_add_model(s, NULL, "lenet", 0.25, &to), "cs_study_add_model");
    static const char *const conds[] = { "shuffle:0.3", "reduce:uniform:0.5" };
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++) {
        cs_perturb_spec *spec = NULL;
        check(cs_perturb_spec_parse(&spec, conds[i]), conds[i]);
        check(cs_study_add_condition(s, spec), "cs_study_add_condition");
        cs_perturb_spec_destroy(spec);
    }
    char store[4096], claims[4096];
    format_path(store, sizeof store, "%s/store", tmp);
    format_path(claims, sizeof claims, "%s/claims", tmp);
    check(cs_study_run(s, store), "cs_study_run");
    const int cells = cs_study_num_cells(s);

    /* Every cell; the first cell alone; every cell but the last, which is claimed. */
    char cell_rel[1024], claim_rel[1024];
    buf all = { 0 }, first = { 0 }, claimed = { 0 };
    add_file(&all, store, "study.json");
    add_file(&first, store, "study.json");
    add_file(&claimed, store, "study.json");
    for (int c = 0; c < cells; c++) {
        cell_names(s, c, cell_rel, claim_rel, sizeof cell_rel);
        add_sep(&all);
        add_file(&all, store, cell_rel);
        if (c == 0) {
            add_sep(&first);
            add_file(&first, store, cell_rel);
        }
        if (c < cells - 1) {
            add_sep(&claimed);
            add_file(&claimed, store, cell_rel);
        }
    }
    check(cs_study_prepare(s, claims), "cs_study_prepare");
    cs_study_claim who = { .struct_size = sizeof who, .worker = "shard 1/2", .host = "fuzz-host", .pid = 4242,
                           .since = 1700000000.0 };
    check(cs_study_claim_cell(s, claims, cells - 1, &who), "cs_study_claim_cell");
    cell_names(s, cells - 1, cell_rel, claim_rel, sizeof cell_rel);
    add_sep(&claimed);
    add_file(&claimed, claims, claim_rel);
    seed_buf("results_store", "all-cells", &all);
    seed_buf("results_store", "first-cell", &first);
    seed_buf("results_store", "claimed-last", &claimed);
    buf config = { 0 };
    add_file(&config, store, "study.json");
    seed_buf("results_store", "config-only", &config);
    free(all.p);
    free(first.p);
    free(claimed.p);
    free(config.p);
    cs_study_destroy(s);

    /* A study whose training diverges (learning rate 1e30): its cells are failed cells. */
    so.replicates = 1;
    so.matched_controls = 0;
    check(cs_study_create(&s, train, test, "fuzz-seed-diverging", &so), "cs_study_create");
    to.lr = 1e30;
    check(cs_study_add_model(s, NULL, "lenet", 0.25, &to), "cs_study_add_model");
    format_path(store, sizeof store, "%s/diverging", tmp);
    check(cs_study_run(s, store), "cs_study_run (diverging)");
    buf failed = { 0 };
    add_file(&failed, store, "study.json");
    for (int c = 0; c < cs_study_num_cells(s); c++) {
        cs_study_cell_info info = { .struct_size = sizeof info };
        check(cs_study_cell(&info, s, c), "cs_study_cell");
        check(cs__study_failed_path(cell_rel, sizeof cell_rel, info.model, info.condition, info.replicate),
              "cs__study_failed_path");
        add_sep(&failed);
        add_file(&failed, store, cell_rel);
    }
    seed_buf("results_store", "failed-cells", &failed);
    free(failed.p);
    cs_study_destroy(s);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
}

/* ---- strings ------------------------------------------------------------------------------- */

static void spec_seeds(void)
{
    static const char *const specs[] = {
        "none", "shuffle:0.3", "symmetric:0.2", "pairflip:cifar10:0.2", "pairflip:cyclic:0.2",
        "pairflip:9>1+2>0+3>5+5>3:0.2", "asymmetric:cyclic:0.1", "targeted:3+5:0.4",
        "matrix:0.8/0.2;0.1/0.9", "matrix:1/0/0;0.25/0.5/0.25;0/0/1", "reduce:uniform:0.4",
        "reduce:stratified:0.1", "reduce:targeted:3+6:0.25", "shuffle:1e-3", "pairflip:0>0:0.5",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "%zu", i);
        seed("perturb_spec", name, specs[i], strlen(specs[i]));
    }
}

static void cli_seeds(void)
{
    /* Arguments separated by NUL bytes, as the target splits them. */
    static const char *const argvs[][16] = {
        { "--data", "idx:a,b,c,d", "--models", "lenet@4,resnet18:0.5/0.05", "--noise", "shuffle:0.1,0.3",
          "--reduce", "uniform:0.5", "--seeds", "2", "--matched", NULL },
        { "--profile=quick", "--data=cifar10:/data/cifar-10-binary.tar.gz", "--epochs", "per-model", "--batch",
          "64", "--jobs=0", "--threads", "2", "--lr", "0.05", "--augment", "crop:4+flip", NULL },
        { "--noise", "pairflip:cifar10:0.2", "--noise", "matrix:0.8/0.2;0.1/0.9", "--reduce",
          "targeted:3+6:0.25,0.5", "--seed", "18446744073709551615", "--train-subset", "1000", NULL },
        { "fashion-mnist:/usr/share/datasets/fashion-mnist", "--confidence", "0.9", "--top", "3", "--shard",
          "3", "--precision", "bf16", "--quiet", "--no-report", "--plan", "--", "-x", NULL },
        { "--models", "googlenet:0.0625@2,unresnet18:0.125,custom:0.25@8/0.03,mobilenetv2,vgg11", "--noise",
          "none", "--reduce", "none", "--test-subset=0", "--data-per-rank", "--out", "runs/x", "-h", NULL },
    };
    for (size_t i = 0; i < sizeof argvs / sizeof argvs[0]; i++) {
        buf b = { 0 };
        for (int a = 0; argvs[i][a]; a++) {
            if (a)
                add(&b, "", 1);
            add_str(&b, argvs[i][a]);
        }
        char name[16];
        snprintf(name, sizeof name, "%zu", i);
        seed_buf("cli_args", name, &b);
        free(b.p);
    }
}

/* ---- NumPy --------------------------------------------------------------------------------- */

static void le(buf *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        add(b, &c, 1);
    }
}

/* An .npy array of format `version` (1, 2 or 3), its header padded to 64 bytes as numpy does. */
static buf npy_array(int version, const char *descr, int fortran, const char *shape, const void *data, size_t n)
{
    char dict[160];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
             fortran ? "True" : "False", shape);
    size_t prefix = version == 1 ? 10 : 12, hl = strlen(dict) + 1;
    hl += (64 - (prefix + hl) % 64) % 64;
    buf b = { 0 };
    add_str(&b, "\x93NUMPY");
    const uint8_t ver[2] = { (uint8_t)version, 0 };
    add(&b, ver, 2);
    le(&b, hl, version == 1 ? 2 : 4);
    add_str(&b, dict);
    for (size_t i = strlen(dict); i + 1 < hl; i++)
        add_str(&b, " ");
    add_str(&b, "\n");
    add(&b, data, n);
    return b;
}

/* A zip of stored (method 0) or raw-deflated (8) members; zip64: sizes and offsets in ZIP64
 * extra fields and a ZIP64 end record, as Python's zipfile writes for large arrays. */
static buf zip_archive(const char *const *names, const buf *data, int count, int method, int zip64)
{
    buf z = { 0 }, cd = { 0 };
    for (int i = 0; i < count; i++) {
        buf body = { 0 };
        if (method == 8) {
            z_stream zs;
            memset(&zs, 0, sizeof zs);
            if (deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                fuzz_fail("deflateInit2 failed");
            size_t cap = deflateBound(&zs, data[i].len) + 16;
            body.p = malloc(cap);
            zs.next_in = data[i].p;
            zs.avail_in = (uInt)data[i].len;
            zs.next_out = body.p;
            zs.avail_out = (uInt)cap;
            if (!body.p || deflate(&zs, Z_FINISH) != Z_STREAM_END)
                fuzz_fail("deflate failed");
            body.len = zs.total_out;
            deflateEnd(&zs);
        }
        const buf *stored = method == 8 ? &body : &data[i];
        uint32_t crc = (uint32_t)crc32(0L, data[i].p, (uInt)data[i].len);
        size_t nl = strlen(names[i]);
        uint64_t offset = z.len;
        le(&z, 0x04034b50u, 4);
        le(&z, 20, 2);
        le(&z, 0, 2);
        le(&z, (uint64_t)method, 2);
        le(&z, 0, 4);
        le(&z, crc, 4);
        le(&z, stored->len, 4);
        le(&z, data[i].len, 4);
        le(&z, nl, 2);
        le(&z, 0, 2);
        add(&z, names[i], nl);
        add(&z, stored->p, stored->len);
        le(&cd, 0x02014b50u, 4);
        le(&cd, 45, 2);
        le(&cd, 45, 2);
        le(&cd, 0, 2);
        le(&cd, (uint64_t)method, 2);
        le(&cd, 0, 4);
        le(&cd, crc, 4);
        le(&cd, zip64 ? 0xFFFFFFFFu : stored->len, 4);
        le(&cd, zip64 ? 0xFFFFFFFFu : data[i].len, 4);
        le(&cd, nl, 2);
        le(&cd, zip64 ? 28 : 0, 2);
        le(&cd, 0, 6);          /* comment length, disk, internal attributes */
        le(&cd, 0, 4);          /* external attributes */
        le(&cd, zip64 ? 0xFFFFFFFFu : offset, 4);
        add(&cd, names[i], nl);
        if (zip64) {
            le(&cd, 1, 2);
            le(&cd, 24, 2);
            le(&cd, data[i].len, 8);
            le(&cd, stored->len, 8);
            le(&cd, offset, 8);
        }
        free(body.p);
    }
    uint64_t cd_offset = z.len;
    add(&z, cd.p, cd.len);
    if (zip64) {
        uint64_t at = z.len;
        le(&z, 0x06064b50u, 4);
        le(&z, 44, 8);
        le(&z, 45, 2);
        le(&z, 45, 2);
        le(&z, 0, 8);
        le(&z, (uint64_t)count, 8);
        le(&z, (uint64_t)count, 8);
        le(&z, cd.len, 8);
        le(&z, cd_offset, 8);
        le(&z, 0x07064b50u, 4);
        le(&z, 0, 4);
        le(&z, at, 8);
        le(&z, 1, 4);
    }
    le(&z, 0x06054b50u, 4);
    le(&z, 0, 4);
    le(&z, zip64 ? 0xFFFF : (uint64_t)count, 2);
    le(&z, zip64 ? 0xFFFF : (uint64_t)count, 2);
    le(&z, zip64 ? 0xFFFFFFFFu : cd.len, 4);
    le(&z, zip64 ? 0xFFFFFFFFu : cd_offset, 4);
    le(&z, 0, 2);
    free(cd.p);
    return z;
}

/* A seed of fuzz_npy, loaded by the library first (with 4 labels, as the target makes them)
 * unless it is meant to be refused. */
static void npy_seed(const char *name, const buf *img, const buf *labels, int loads)
{
    if (loads) {
        cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
        o.layout = (cs_layout)(img->len % 4);
        cs_dataset *ds = NULL;
        int rc = cs_dataset_open_npy(&ds, fuzz_memfile(0, img->p, img->len), fuzz_memfile(1, labels->p, labels->len), &o);
        /* The target states a layout from the input's length: a contradicting one is refused. */
        if (rc != CS_OK && rc != CS_ERR_FORMAT)
            check(rc, "an .npy seed");
        cs_dataset_destroy(ds);
    }
    seed_buf("npy", name, img);
}

static void numpy_seeds(void)
{
    uint8_t px[4 * 3 * 5 * 6];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 7);
    int64_t y[4] = { 0, 1, 2, 1 };
    int16_t y16be[4];
    for (int i = 0; i < 4; i++)
        y16be[i] = (int16_t)(((uint16_t)y[i] << 8) | ((uint16_t)y[i] >> 8));
    const uint32_t wide[3][4] = { { 'c', 'a', 't' }, { 'd', 'o', 'g' }, { 'e', 'e', 'l', 's' } };
    static const char *const shapes[] = { "(4, 5, 6)", "(4, 5, 6, 3)", "(4, 3, 5, 6)", "(4, 1, 5, 6)" };
    buf labels = npy_array(1, "<i8", 0, "(4,)", y, sizeof y);
    for (int s = 0; s < 4; s++)
        for (int v = 1; v <= 3; v++) {
            char name[32];
            snprintf(name, sizeof name, "shape%d-v%d", s, v);
            buf img = npy_array(v, "|u1", 0, shapes[s], px, s == 0 || s == 3 ? 4 * 5 * 6 : sizeof px);
            npy_seed(name, &img, &labels, 1);
            free(img.p);
        }
    buf fortran = npy_array(1, "|u1", 1, "(4, 5, 6)", px, 4 * 5 * 6);
    npy_seed("fortran", &fortran, &labels, 0);
    free(fortran.p);
    free(labels.p);

    const char *const plain[] = { "images.npy", "labels.npy", "class_names.npy" };
    const char *const keras[] = { "x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy", "class_names.npy" };
    for (int method = 0; method <= 8; method += 8)
        for (int zip64 = 0; zip64 <= 1; zip64++) {
            buf arrays[5] = { npy_array(1, "|u1", 0, "(4, 5, 6, 3)", px, sizeof px),
                              npy_array(1, "<i8", 0, "(4,)", y, sizeof y),
                              npy_array(1, "<U4", 0, "(3,)", wide, sizeof wide) };
            buf z = zip_archive(plain, arrays, 3, method, zip64);
            char name[32];
            snprintf(name, sizeof name, "plain-m%d-z%d", method, zip64);
            cs_dataset *ds = NULL;
            check(cs_dataset_open_npz(&ds, fuzz_memfile(0, z.p, z.len), NULL), "an .npz seed");
            cs_dataset_destroy(ds);
            seed_buf("npz", name, &z);
            free(z.p);
            buf split[5] = { arrays[0], npy_array(2, ">i2", 0, "(4,)", y16be, sizeof y16be),
                             npy_array(3, "|u1", 0, "(2, 5, 6)", px, 60), npy_array(1, "|u1", 0, "(2,)", px, 2),
                             npy_array(1, "|S4", 0, "(3,)", "cat\0dog\0eels", 12) };
            z = zip_archive(keras, split, 5, method, zip64);
            snprintf(name, sizeof name, "keras-m%d-z%d", method, zip64);
            seed_buf("npz", name, &z);
            free(z.p);
            for (int i = 0; i < 5; i++)
                free(split[i].p);
            free(arrays[1].p);
            free(arrays[2].p);
        }
}

/* ---- images (fuzz_png, fuzz_jpeg) ---------------------------------------------------------- */

/* A seed of an image target, decoded by the library first (loads = 1) or refused by it. */
static void image_seed(const char *target, const char *name, const void *data, size_t n, int loads)
{
    cs__image img;
    int rc = cs__image_decode(&img, data, n, name);
    if (loads)
        check(rc, name);
    else if (rc == CS_OK)
        fuzz_fail("image seed %s loads, but it should be refused", name);
    free(img.px);
    seed(target, name, data, n);
}

static void png_seeds(void)
{
    static const struct { const char *name; png_uint_32 format; int w, h, bytes; } modes[] = {
        { "gray.png", PNG_FORMAT_GRAY, 7, 5, 1 },   { "ga.png", PNG_FORMAT_GA, 6, 4, 2 },
        { "rgb.png", PNG_FORMAT_RGB, 9, 3, 3 },     { "rgba.png", PNG_FORMAT_RGBA, 4, 4, 4 },
        { "palette.png", PNG_FORMAT_RGB_COLORMAP, 8, 8, 1 }, { "16bit.png", PNG_FORMAT_LINEAR_Y, 3, 3, 2 },
    };
    uint8_t px[9 * 8 * 4], cmap[16 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 37 % 16);
    for (size_t i = 0; i < sizeof cmap; i++)
        cmap[i] = (uint8_t)(i * 53);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        png_image img;
        memset(&img, 0, sizeof img);
        img.version = PNG_IMAGE_VERSION;
        img.width = (png_uint_32)modes[m].w;
        img.height = (png_uint_32)modes[m].h;
        img.format = modes[m].format;
        img.colormap_entries = modes[m].format == PNG_FORMAT_RGB_COLORMAP ? 16 : 0;
        static uint8_t out[65536];
        png_alloc_size_t n = sizeof out;
        if (!png_image_write_to_memory(&img, out, &n, 0, px, 0, cmap))
            fuzz_fail("png seed %s: %s", modes[m].name, img.message);
        image_seed("png", modes[m].name, out, (size_t)n, modes[m].format != PNG_FORMAT_LINEAR_Y);
    }
}

static void jpeg_seed(const char *name, int c, int w, int h, int quality, int progressive)
{
    uint8_t px[16 * 16 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 29 + i / 48 * 7);
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    unsigned char *out = NULL;
    unsigned long n = 0;
    jpeg_mem_dest(&ci, &out, &n);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = c;
    ci.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = px + (size_t)ci.next_scanline * (size_t)w * (size_t)c;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    image_seed("jpeg", name, out, (size_t)n, 1);
    free(out);
}

static void image_seeds(void)
{
    png_seeds();
    jpeg_seed("gray.jpg", 1, 8, 8, 90, 0);
    jpeg_seed("rgb.jpg", 3, 16, 9, 75, 0);
    jpeg_seed("progressive.jpg", 3, 11, 16, 50, 1);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    root = argv[1];
    make_dir(root);
    /* A fresh scratch directory each time: a results store left by an older run (another store
     * format) would be resumed, or refused, instead of written anew. */
    char tmp[4096];
    format_path(tmp, sizeof tmp, "%s/.work-XXXXXX", root);
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "fuzz_make_seeds: cannot create %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    idx_seeds();
    cifar_seeds();
    numpy_seeds();
    checkpoint_seeds(tmp);
    safetensors_seeds(tmp);
    store_seeds(tmp);
    spec_seeds();
    cli_seeds();
    image_seeds();
    if (nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "fuzz_make_seeds: could not remove all of %s\n", tmp);
    return 0;
}
