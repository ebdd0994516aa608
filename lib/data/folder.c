/* Image folders in torchvision's ImageFolder layout (cs_dataset_open_folder): the folder is
 * walked once, on the calling thread, into a sorted list of entries (files, and the bad things
 * met on the way: links that loop, non-images, unreadable folders); the entries of the split
 * are decoded on a team of threads, each member a contiguous share; then, in record order, the
 * first bad entry fails the call (or every bad one is skipped and counted), the size and the
 * channel count are settled, and a second team run converts every image into the planar
 * (C, H, W) bytes of the data set. Nothing depends on the thread count but the speed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/team.h"
#include "data/dataset_internal.h"
#include "data/image.h"
#include "data/resize.h"

#define PURPOSE_FOLDER_SPLIT 0x464F4C44u /* "FOLD" */

/* Deepest folder nesting below a class folder, and most decoding threads. */
#define MAX_DEPTH 64
#define MAX_THREADS 256

typedef struct entry {
    char *dir;        /* folder relative to the class folder ("" for the class folder itself) */
    char *name;
    char *path;       /* full path, for reading and for messages */
    int cls;
    int bad;          /* a status found while walking (not an image, a loop ...), with msg */
    char *msg;
} entry;

typedef struct entries {
    entry *e;
    size_t n, cap;
} entries;

typedef struct item {
    const entry *src;
    int status;
    char *msg;
    cs__image img;
} item;

static void entries_free(entries *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->e[i].dir);
        free(l->e[i].name);
        free(l->e[i].path);
        free(l->e[i].msg);
    }
    free(l->e);
    memset(l, 0, sizeof *l);
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    size_t at = la;
    if (la && lb && a[la - 1] != '/')
        s[at++] = '/';
    memcpy(s + at, b, lb + 1);
    return s;
}

static int entries_add(entries *l, const char *dir, const char *name, const char *path, int cls, int bad,
                       const char *msg)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        entry *bigger = realloc(l->e, cap * sizeof *bigger);
        if (!bigger)
            return cs__error_oom("the folder's file list", cap * sizeof *bigger);
        l->e = bigger;
        l->cap = cap;
    }
    entry *e = &l->e[l->n];
    memset(e, 0, sizeof *e);
    e->dir = strdup(dir);
    e->name = strdup(name);
    e->path = strdup(path);
    e->msg = msg ? strdup(msg) : NULL;
    e->cls = cls;
    e->bad = bad;
    l->n++;
    if (!e->dir || !e->name || !e->path || (msg && !e->msg))
        return cs__error_oom("the folder's file list", strlen(path) + 1);
    return CS_OK;
}

static int has_image_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

/* ---- walking ------------------------------------------------------------------------------ */

typedef struct walk {
    entries *list;
    int follow;
    int cls;
    dev_t dev[MAX_DEPTH + 2];
    ino_t ino[MAX_DEPTH + 2];
    int depth;
} walk;

static int names_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* The visible names of a folder (not '.'-prefixed), sorted by their bytes. */
static int list_names(char ***out, size_t *count, const char *path)
{
    *out = NULL;
    *count = 0;
    DIR *d = opendir(path);
    if (!d) {
        int e = errno;
        return cs__error(e == ENOENT || e == ENOTDIR ? CS_ERR_NOT_FOUND : CS_ERR_IO, "%s: cannot open folder: %s",
                         path, strerror(e));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int status = CS_OK;
    struct dirent *de;
    while (status == CS_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **bigger = realloc(names, cap * sizeof *names);
            if (!bigger) {
                status = cs__error_oom(path, cap * sizeof *names);
                break;
            }
            names = bigger;
        }
        names[n] = strdup(de->d_name);
        if (!names[n])
            status = cs__error_oom(path, strlen(de->d_name) + 1);
        else
            n++;
    }
    closedir(d);
    if (status != CS_OK) {
        names_free(names, n);
        return status;
    }
    if (n)
        qsort(names, n, sizeof *names, names_compare);
    *out = names;
    *count = n;
    return CS_OK;
}

static int walk_folder(walk *w, const char *path, const char *rel);

/* One name inside a class folder: a file, a folder to descend into, or a bad entry. */
static int walk_entry(walk *w, const char *path, const char *rel, const char *name)
{
    char msg[4400];
    char *full = join(path, name);
    if (!full)
        return cs__error_oom(path, strlen(path) + strlen(name) + 2);
    int status = CS_OK, bad = CS_OK;
    struct stat st;
    if (lstat(full, &st) != 0) {
        bad = CS_ERR_IO;
        snprintf(msg, sizeof msg, "%s: cannot stat: %s", full, strerror(errno));
    } else if (S_ISLNK(st.st_mode) && !w->follow) {
        bad = CS_ERR_UNSUPPORTED;
        snprintf(msg, sizeof msg, "%s: a symbolic link, and follow_symlinks is 0", full);
    } else if (S_ISLNK(st.st_mode) && stat(full, &st) != 0) {
        bad = CS_ERR_NOT_FOUND;
        snprintf(msg, sizeof msg, "%s: a symbolic link to nothing: %s", full, strerror(errno));
    }
    if (bad == CS_OK && S_ISDIR(st.st_mode)) {
        for (int i = 0; i <= w->depth && bad == CS_OK; i++)
            if (w->dev[i] == st.st_dev && w->ino[i] == st.st_ino) {
                bad = CS_ERR_FORMAT;
                snprintf(msg, sizeof msg, "%s: a symbolic-link loop (it leads back to a folder above it)", full);
            }
        if (bad == CS_OK && w->depth >= MAX_DEPTH) {
            bad = CS_ERR_UNSUPPORTED;
            snprintf(msg, sizeof msg, "%s: folders nested deeper than %d below the class folder", full, MAX_DEPTH);
        }
        if (bad == CS_OK) {
            char *sub = rel[0] ? join(rel, name) : strdup(name);
            if (!sub)
                status = cs__error_oom(full, strlen(full) + 1);
            else {
                w->depth++;
                w->dev[w->depth] = st.st_dev;
                w->ino[w->depth] = st.st_ino;
                status = walk_folder(w, full, sub);
                w->depth--;
                free(sub);
            }
            free(full);
            return status;
        }
    } else if (bad == CS_OK && !S_ISREG(st.st_mode)) {
        bad = CS_ERR_FORMAT;
        snprintf(msg, sizeof msg, "%s: not a regular file or folder", full);
    } else if (bad == CS_OK && !has_image_extension(name)) {
        bad = CS_ERR_FORMAT;
        snprintf(msg, sizeof msg, "%s: not an image file (expected a name ending in .png, .jpg or .jpeg)", full);
    }
    status = entries_add(w->list, rel, name, full, w->cls, bad, bad != CS_OK ? msg : NULL);
    free(full);
    return status;
}

static int walk_folder(walk *w, const char *path, const char *rel)
{
    char **names;
    size_t n;
    int status = list_names(&names, &n, path);
    if (status != CS_OK) {
        if (!rel[0])
            return status;
        /* An unreadable folder below the class folder is a bad entry like a file. */
        return entries_add(w->list, rel, "", path, w->cls, cs_last_error_status(), cs_last_error());
    }
    for (size_t i = 0; i < n && status == CS_OK; i++)
        status = walk_entry(w, path, rel, names[i]);
    names_free(names, n);
    return status;
}

/* The class folders of `path`, sorted. */
static int list_classes(char ***out, size_t *count, const char *path, int follow)
{
    char **names;
    size_t n;
    int status = list_names(&names, &n, path);
    if (status != CS_OK)
        return status;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char *full = join(path, names[i]);
        if (!full) {
            names_free(names, n);
            return cs__error_oom(path, strlen(path) + strlen(names[i]) + 2);
        }
        struct stat st;
        int dir = (follow ? stat(full, &st) : lstat(full, &st)) == 0 && S_ISDIR(st.st_mode);
        free(full);
        if (dir)
            names[k++] = names[i];
        else
            free(names[i]);
    }
    *out = names;
    *count = k;
    return CS_OK;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int entry_compare(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    int c = strcmp(x->dir, y->dir);
    return c ? c : strcmp(x->name, y->name);
}

/* ---- decoding ----------------------------------------------------------------------------- */

static int read_whole(const char *path, uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        return cs__error(e == ENOENT ? CS_ERR_NOT_FOUND : CS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cs__error(CS_ERR_IO, "%s: not a readable regular file", path);
    }
    size_t cap = (size_t)st.st_size + 1, used = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return cs__error_oom(path, cap);
    }
    for (;;) {
        ssize_t got = read(fd, buf + used, cap - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return cs__error(CS_ERR_IO, "%s: read error at byte %zu: %s", path, used, strerror(e));
        }
        if (got == 0)
            break;
        used += (size_t)got;
        if (used == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                close(fd);
                return cs__error_oom(path, cap * 2);
            }
            buf = bigger;
            cap *= 2;
        }
    }
    close(fd);
    *out = buf;
    *len = used;
    return CS_OK;
}

typedef struct decode_job {
    item *items;
    size_t n;
} decode_job;

static void decode_share(void *arg, int t, int n)
{
    decode_job *job = arg;
    long long lo, hi;
    cs__team_share((long long)job->n, t, n, &lo, &hi);
    for (long long i = lo; i < hi; i++) {
        item *it = &job->items[i];
        if (it->src->bad != CS_OK) {
            it->status = it->src->bad;
            it->msg = strdup(it->src->msg ? it->src->msg : it->src->path);
            continue;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        it->status = read_whole(it->src->path, &buf, &len);
        if (it->status == CS_OK)
            it->status = cs__image_decode(&it->img, buf, len, it->src->path);
        free(buf);
        if (it->status != CS_OK)
            it->msg = strdup(cs_last_error());
    }
}

/* ---- converting --------------------------------------------------------------------------- */

typedef struct convert_job {
    item **good;
    size_t n;
    uint8_t *pixels;      /* (N, C, H, W) */
    int c, h, w;
    cs_folder_alpha alpha;
} convert_job;

static uint8_t composite(uint8_t v, uint8_t a, cs_folder_alpha policy)
{
    return policy == CS_FOLDER_ALPHA_BLACK ? (uint8_t)(((unsigned)v * a + 127u) / 255u) : v;
}

/* One image's native pixels as planar bytes of c channels: alpha removed, gray repeated into
 * RGB or RGB turned into luma. */
static void to_planes(uint8_t *dst, const cs__image *img, int c, cs_folder_alpha policy)
{
    size_t plane = (size_t)img->w * (size_t)img->h;
    for (size_t p = 0; p < plane; p++) {
        const uint8_t *s = img->px + p * (size_t)img->c;
        uint8_t r, g, b;
        if (img->c <= 2) {
            r = g = b = img->c == 2 ? composite(s[0], s[1], policy) : s[0];
        } else {
            uint8_t a = img->c == 4 ? s[3] : 255;
            r = img->c == 4 ? composite(s[0], a, policy) : s[0];
            g = img->c == 4 ? composite(s[1], a, policy) : s[1];
            b = img->c == 4 ? composite(s[2], a, policy) : s[2];
        }
        if (c == 3) {
            dst[p] = r;
            dst[plane + p] = g;
            dst[2 * plane + p] = b;
        } else {
            dst[p] = img->c <= 2 ? r : (uint8_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
        }
    }
}

static int convert_one(convert_job *job, size_t i)
{
    const cs__image *img = &job->good[i]->img;
    size_t image_bytes = (size_t)job->c * (size_t)job->h * (size_t)job->w;
    uint8_t *dst = job->pixels + i * image_bytes;
    if (img->w == job->w && img->h == job->h) {
        to_planes(dst, img, job->c, job->alpha);
        return CS_OK;
    }
    size_t plane = (size_t)img->w * (size_t)img->h;
    uint8_t *native = malloc(plane * (size_t)job->c);
    if (!native)
        return cs__error_oom(job->good[i]->src->path, plane * (size_t)job->c);
    to_planes(native, img, job->c, job->alpha);
    int status = cs__resize_planes(dst, job->h, job->w, native, job->c, img->h, img->w, job->good[i]->src->path);
    free(native);
    return status;
}

static void convert_share(void *arg, int t, int n)
{
    convert_job *job = arg;
    long long lo, hi;
    cs__team_share((long long)job->n, t, n, &lo, &hi);
    for (long long i = lo; i < hi; i++) {
        item *it = job->good[i];
        if (convert_one(job, (size_t)i) != CS_OK) {
            /* Only memory can fail here; the member's own message is its last error. */
            it->status = CS_ERR_OUT_OF_MEMORY;
            free(it->msg);
            it->msg = strdup(cs_last_error());
        }
    }
}

/* ---- options and the entry point ---------------------------------------------------------- */

int cs_folder_options_init(cs_folder_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_folder_options_init: opts is NULL");
    static const cs_folder_options defaults = CS_FOLDER_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

static int check_options(cs_folder_options *o, const cs_folder_options *given)
{
    static const char fn[] = "cs_dataset_open_folder";
    const cs_folder_options defaults = CS_FOLDER_OPTIONS_INIT;
    *o = defaults;
    if (given) {
        int status = cs__options_copy(o, sizeof *o, given, offsetof(cs_folder_options, report) + sizeof o->report,
                                      "cs_dataset_open_folder options");
        if (status != CS_OK)
            return status;
        o->struct_size = sizeof *o;
    }
    if ((o->width == 0) != (o->height == 0) || o->width < 0 || o->height < 0 || o->width > CS__IMAGE_MAX_SIDE ||
        o->height > CS__IMAGE_MAX_SIDE)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->width x height is %d x %d, expected both 0 (one "
                         "shared size) or both in 1..%d", fn, o->width, o->height, CS__IMAGE_MAX_SIDE);
    if ((int)o->channels < (int)CS_FOLDER_CHANNELS_AUTO || (int)o->channels > (int)CS_FOLDER_CHANNELS_RGB)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->channels is %d, expected CS_FOLDER_CHANNELS_AUTO (0), "
                         "_GRAY (1) or _RGB (2)", fn, (int)o->channels);
    if ((int)o->alpha < (int)CS_FOLDER_ALPHA_DROP || (int)o->alpha > (int)CS_FOLDER_ALPHA_BLACK)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->alpha is %d, expected CS_FOLDER_ALPHA_DROP (0) or "
                         "CS_FOLDER_ALPHA_BLACK (1)", fn, (int)o->alpha);
    if (!(o->test_fraction >= 0.0 && o->test_fraction < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->test_fraction is %g, expected 0 (no split) or a "
                         "fraction in (0, 1)", fn, o->test_fraction);
    if (o->skip_bad != 0 && o->skip_bad != 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->skip_bad is %d, expected 0 or 1", fn, o->skip_bad);
    if (o->follow_symlinks != 0 && o->follow_symlinks != 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->follow_symlinks is %d, expected 0 or 1", fn,
                         o->follow_symlinks);
    if (o->threads < 0 || o->threads > MAX_THREADS)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->threads is %d, expected 0 (the default) .. %d", fn,
                         o->threads, MAX_THREADS);
    return CS_OK;
}

/* Mark each class's entries for the test split: a seeded shuffle of the class's positions,
 * the first round(n · fraction) of which go to test. */
static int draw_split(unsigned char *is_test, const entries *l, double fraction, uint64_t seed)
{
    size_t *pos = malloc(sizeof *pos * (l->n ? l->n : 1));
    if (!pos)
        return cs__error_oom("the split's draw", sizeof *pos * l->n);
    uint64_t key = cs__seed_derive(seed, PURPOSE_FOLDER_SPLIT);
    for (size_t a = 0; a < l->n;) {
        size_t b = a;
        while (b < l->n && l->e[b].cls == l->e[a].cls)
            b++;
        size_t m = b - a;
        for (size_t i = 0; i < m; i++)
            pos[i] = a + i;
        cs__rng r;
        cs__rng_init(&r, key, (uint64_t)l->e[a].cls);
        for (size_t i = m; i > 1; i--) {
            size_t j = (size_t)cs__rng_below(&r, i);
            size_t t = pos[i - 1];
            pos[i - 1] = pos[j];
            pos[j] = t;
        }
        size_t take = (size_t)floor((double)m * fraction + 0.5);
        for (size_t i = 0; i < take; i++)
            is_test[pos[i]] = 1;
        a = b;
    }
    free(pos);
    return CS_OK;
}

static void report_skip(cs_folder_report *r, const char *msg)
{
    if (!r)
        return;
    if (r->skipped < CS_FOLDER_REPORT_FILES)
        snprintf(r->first_skipped[r->skipped], CS_FOLDER_REPORT_MESSAGE, "%s", msg);
    r->skipped++;
}

static int same_classes(char **a, size_t na, char **b, size_t nb, const char *pa, const char *pb)
{
    for (size_t i = 0; i < na || i < nb; i++)
        if (i >= na || i >= nb || strcmp(a[i], b[i]) != 0)
            return cs__error(CS_ERR_SIZE_MISMATCH, "cs_dataset_open_folder: %s and %s have different class "
                             "folders (%zu and %zu; first difference at class %zu: '%s' vs '%s')", pa, pb, na, nb,
                             i, i < na ? a[i] : "(none)", i < nb ? b[i] : "(none)");
    return CS_OK;
}

int cs_dataset_open_folder(cs_dataset **out, const char *root, cs_split split, const cs_folder_options *opts)
{
    static const char fn[] = "cs_dataset_open_folder";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!root || !root[0])
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: root is %s", fn, root ? "empty" : "NULL");
    if (split != CS_SPLIT_TRAIN && split != CS_SPLIT_TEST)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: split is %d, expected CS_SPLIT_TRAIN (0) or CS_SPLIT_TEST (1)",
                         fn, (int)split);
    cs_folder_options o;
    int status = check_options(&o, opts);
    if (status != CS_OK)
        return status;
    cs_folder_report *rep = o.report;
    if (rep)
        memset(rep, 0, sizeof *rep);
    if (!is_dir(root)) {
        struct stat st;
        return stat(root, &st) == 0 ? cs__error(CS_ERR_NOT_FOUND, "%s: %s is not a folder", fn, root)
                                    : cs__error(CS_ERR_NOT_FOUND, "%s: %s: %s", fn, root, strerror(errno));
    }

    char *base = NULL, *other = NULL;
    char **classes = NULL, **other_classes = NULL;
    size_t k = 0, other_k = 0;
    entries list = { 0 };
    unsigned char *is_test = NULL;
    item *items = NULL, **good = NULL;
    size_t n_items = 0, n_good = 0;
    cs__team *team = NULL;
    uint8_t *pixels = NULL;
    int32_t *labels = NULL;

    char *train_dir = join(root, "train"), *test_dir = join(root, "test");
    if (!train_dir || !test_dir) {
        status = cs__error_oom(root, strlen(root) + 8);
        goto cleanup;
    }
    int two = is_dir(train_dir) && is_dir(test_dir);
    if (two) {
        if (o.test_fraction != 0.0) {
            status = cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->test_fraction is %g, but %s has train/ and "
                               "test/ folders, which are the splits", fn, o.test_fraction, root);
            goto cleanup;
        }
        base = strdup(split == CS_SPLIT_TRAIN ? train_dir : test_dir);
        other = strdup(split == CS_SPLIT_TRAIN ? test_dir : train_dir);
    } else {
        if (split == CS_SPLIT_TEST && o.test_fraction == 0.0) {
            status = cs__error(CS_ERR_NOT_FOUND, "%s: %s has no train/ and test/ folders and opts->test_fraction "
                               "is 0, so there is no test split", fn, root);
            goto cleanup;
        }
        base = strdup(root);
    }
    if (!base || (two && !other)) {
        status = cs__error_oom(root, strlen(root) + 8);
        goto cleanup;
    }
    status = list_classes(&classes, &k, base, o.follow_symlinks);
    if (status == CS_OK && two)
        status = list_classes(&other_classes, &other_k, other, o.follow_symlinks);
    if (status == CS_OK && two)
        status = same_classes(classes, k, other_classes, other_k, base, other);
    if (status != CS_OK)
        goto cleanup;
    if (k < 2 || k > CS__MAX_CLASSES) {
        status = cs__error(k < 2 ? CS_ERR_NOT_FOUND : CS_ERR_UNSUPPORTED, "%s: %s has %zu class folder%s, "
                           "expected 2..%d", fn, base, k, k == 1 ? "" : "s", CS__MAX_CLASSES);
        goto cleanup;
    }

    for (size_t c = 0; c < k && status == CS_OK; c++) {
        char *cdir = join(base, classes[c]);
        if (!cdir) {
            status = cs__error_oom(base, strlen(base) + strlen(classes[c]) + 2);
            break;
        }
        walk w = { .list = &list, .follow = o.follow_symlinks, .cls = (int)c };
        struct stat st;
        if (stat(cdir, &st) == 0) {
            w.dev[0] = st.st_dev;
            w.ino[0] = st.st_ino;
        }
        size_t before = list.n;
        status = walk_folder(&w, cdir, "");
        size_t images = 0;
        for (size_t i = before; status == CS_OK && i < list.n; i++)
            images += list.e[i].bad == CS_OK || has_image_extension(list.e[i].name);
        if (status == CS_OK && images == 0)
            status = cs__error(CS_ERR_NOT_FOUND, "%s: class folder %s has no image files (.png, .jpg, .jpeg)", fn,
                               cdir);
        free(cdir);
    }
    if (status != CS_OK)
        goto cleanup;
    qsort(list.e, list.n, sizeof *list.e, entry_compare);

    is_test = calloc(list.n ? list.n : 1, 1);
    if (!is_test) {
        status = cs__error_oom("the split's marks", list.n);
        goto cleanup;
    }
    if (!two && o.test_fraction > 0.0) {
        status = draw_split(is_test, &list, o.test_fraction, o.seed);
        if (status != CS_OK)
            goto cleanup;
    }
    items = calloc(list.n ? list.n : 1, sizeof *items);
    if (!items) {
        status = cs__error_oom("the folder's items", list.n * sizeof *items);
        goto cleanup;
    }
    for (size_t i = 0; i < list.n; i++)
        if (two || (split == CS_SPLIT_TEST) == (is_test[i] != 0))
            items[n_items++].src = &list.e[i];
    if (rep)
        rep->files = n_items;

    int threads = o.threads;
    if (threads == 0) {
        status = cs__default_threads(&threads, MAX_THREADS);
        if (status != CS_OK)
            goto cleanup;
    }
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n_items)
        threads = n_items ? (int)n_items : 1;
    status = cs__team_create(&team, threads);
    if (status != CS_OK)
        goto cleanup;
    decode_job dj = { items, n_items };
    cs__team_run(team, decode_share, &dj);

    good = malloc(sizeof *good * (n_items ? n_items : 1));
    if (!good) {
        status = cs__error_oom("the folder's items", sizeof *good * n_items);
        goto cleanup;
    }
    int any_color = 0;
    for (size_t i = 0; i < n_items; i++) {
        item *it = &items[i];
        if (it->status != CS_OK) {
            const char *msg = it->msg ? it->msg : it->src->path;
            if (!o.skip_bad || it->status == CS_ERR_OUT_OF_MEMORY) {
                status = cs__error(it->status, "%s", msg);
                goto cleanup;
            }
            report_skip(rep, msg);
            continue;
        }
        any_color |= it->img.c >= 3;
        good[n_good++] = it;
    }
    if (n_good == 0) {
        status = cs__error(CS_ERR_NOT_FOUND, "%s: no image of %s's %s split could be loaded (%zu skipped)", fn, root,
                           split == CS_SPLIT_TRAIN ? "train" : "test", n_items);
        goto cleanup;
    }
    int w = o.width, h = o.height;
    if (w == 0) {
        w = good[0]->img.w;
        h = good[0]->img.h;
        for (size_t i = 1; i < n_good; i++)
            if (good[i]->img.w != w || good[i]->img.h != h) {
                status = cs__error(CS_ERR_SIZE_MISMATCH, "%s: %s is %d x %d pixels but %s is %d x %d; give "
                                   "opts->width and opts->height to resize them all", fn, good[i]->src->path,
                                   good[i]->img.w, good[i]->img.h, good[0]->src->path, w, h);
                goto cleanup;
            }
    }
    int c = o.channels == CS_FOLDER_CHANNELS_GRAY ? 1 : o.channels == CS_FOLDER_CHANNELS_RGB ? 3 : any_color ? 3 : 1;
    size_t total;
    status = cs__dataset_check_shape(n_good, c, h, w, &total, root);
    if (status != CS_OK)
        goto cleanup;
    pixels = malloc(total);
    labels = malloc(sizeof *labels * n_good);
    if (!pixels || !labels) {
        status = cs__error_oom("the folder's images", total);
        goto cleanup;
    }
    for (size_t i = 0; i < n_good; i++)
        labels[i] = good[i]->src->cls;
    convert_job cj = { good, n_good, pixels, c, h, w, o.alpha };
    cs__team_run(team, convert_share, &cj);
    for (size_t i = 0; i < n_good; i++)
        if (good[i]->status != CS_OK) {
            status = cs__error(good[i]->status, "%s", good[i]->msg ? good[i]->msg : "out of memory");
            goto cleanup;
        }
    if (rep)
        rep->loaded = n_good;
    status = cs__dataset_adopt(out, pixels, labels, n_good, c, h, w, (int)k, (const char *const *)classes);
    pixels = NULL;
    labels = NULL;

cleanup:
    cs__team_destroy(team);
    for (size_t i = 0; items && i < n_items; i++) {
        free(items[i].msg);
        free(items[i].img.px);
    }
    free(items);
    free(good);
    free(is_test);
    free(pixels);
    free(labels);
    entries_free(&list);
    names_free(classes, k);
    names_free(other_classes, other_k);
    free(base);
    free(other);
    free(train_dir);
    free(test_dir);
    return status;
}
