/* safetensors: exact round trips, dtype conversion, every forged header, mismatched tensors,
 * and PyTorch-written fixtures (tests/fixtures/safetensors, made by make_fixtures.py there). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "core/buf.h"
#include "core/json.h"
#include "fixtures.h"

/* The fixture's ResNet18 (make_fixtures.py). */
#define FX_C 3
#define FX_H 16
#define FX_W 16
#define FX_K 10
#define FX_WIDTH 0.04
/* |ours - PyTorch| <= LOGIT_TOL * (1 + |PyTorch|) for the fixture's logits: two float32
 * implementations of the same network summing in different orders (measured: every logit
 * within 1e-7 of PyTorch's on the machine that made the fixture; 100x that leaves room for
 * other BLAS kernels). */
#define LOGIT_TOL 1e-5

static char *path_of(const char *name)
{
    return cs_test_path(cs_test_dir, name);
}

static cs_model *trained_lenet(void)
{
    cs_model *m = cs_test_model("lenet", 1, 12, 12, 3, 0.5, 3);
    cs_dataset *ds = cs_test_bands(20, 1);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.batch_size = 8;
    cs_assert_ok(cs_model_train(m, ds, &o));
    cs_dataset_destroy(ds);
    return m;
}

static void assert_same_tensors(cs_model *a, cs_model *b)
{
    ck_assert_int_eq(cs_model_num_tensors(a), cs_model_num_tensors(b));
    for (int i = 0; i < cs_model_num_tensors(a); i++) {
        int64_t da[4], db[4];
        int na = cs_model_tensor_shape(da, 4, a, i), nb = cs_model_tensor_shape(db, 4, b, i);
        ck_assert_int_eq(na, nb);
        ck_assert_str_eq(cs_model_tensor_name(a, i), cs_model_tensor_name(b, i));
        size_t count = 1;
        for (int d = 0; d < na; d++) {
            ck_assert_int_eq(da[d], db[d]);
            count *= (size_t)da[d];
        }
        ck_assert_msg(memcmp(cs_model_tensor_data(a, i), cs_model_tensor_data(b, i), count * sizeof(float)) == 0,
                      "tensor %s differs", cs_model_tensor_name(a, i));
    }
}

/* Evaluation-mode logits of n deterministic inputs. */
static float *logits_of(cs_model *m, int n)
{
    int c, h, w;
    cs_assert_ok(cs_model_input_shape(&c, &h, &w, m));
    size_t in = (size_t)n * (size_t)(c * h * w);
    float *x = malloc(in * sizeof *x), *y = malloc((size_t)n * (size_t)cs_model_num_classes(m) * sizeof *y);
    for (size_t i = 0; i < in; i++)
        x[i] = (float)cs_test_byte(7, i) / 64.0f - 2.0f;
    cs_assert_ok(cs_model_set_threads(m, 1));
    cs_assert_ok(cs_model_forward(y, m, x, n, 0));
    free(x);
    return y;
}

/* The file's header, parsed. */
static cs__json *header_of(const char *path, uint64_t *header_len, uint8_t **bytes)
{
    size_t n = 0;
    uint8_t *b = cs_test_read(path, &n);
    ck_assert_uint_ge(n, 8);
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--)
        len = len << 8 | b[i];
    ck_assert_uint_le(len, n - 8);
    cs__json *root = NULL;
    cs_assert_ok(cs__json_parse(&root, (const char *)b + 8, (size_t)len, path));
    *header_len = len;
    *bytes = b;
    return root;
}

START_TEST(round_trip_is_bit_exact)
{
    const char *archs[] = { "lenet", "resnet18", "custom" };
    for (int a = 0; a < 3; a++) {
        cs_model *m = a == 0 ? trained_lenet() : cs_test_model(archs[a], 3, 16, 16, 4, 0.1, 5);
        char *p = path_of("m.safetensors"), *q = path_of("again.safetensors");
        cs_assert_ok(cs_model_save_safetensors(m, p));
        cs_model *l = NULL;
        cs_assert_ok(cs_model_load_safetensors(&l, p, NULL));
        ck_assert_str_eq(cs_model_arch(l), archs[a]);
        int c, h, w;
        cs_assert_ok(cs_model_input_shape(&c, &h, &w, l));
        ck_assert_int_eq(c, a == 0 ? 1 : 3);
        ck_assert_int_eq(h, a == 0 ? 12 : 16);
        ck_assert_int_eq(cs_model_num_classes(l), a == 0 ? 3 : 4);
        double wa, wb;
        cs_assert_ok(cs_model_width(&wa, m));
        cs_assert_ok(cs_model_width(&wb, l));
        ck_assert(wa == wb);
        float ma[3], sa[3], mb[3], sb[3];
        ck_assert_int_eq(cs_model_normalization(ma, sa, c, m), cs_model_normalization(mb, sb, c, l));
        ck_assert(memcmp(ma, mb, (size_t)c * sizeof *ma) == 0 && memcmp(sa, sb, (size_t)c * sizeof *sa) == 0);
        ck_assert_int_eq(cs_model_normalization(NULL, NULL, c, l), a == 0 ? 1 : 0);
        assert_same_tensors(m, l);
        float *ya = logits_of(m, 3), *yb = logits_of(l, 3);
        ck_assert(memcmp(ya, yb, 3 * (size_t)cs_model_num_classes(m) * sizeof *ya) == 0);
        /* Saving the loaded model gives the same bytes. */
        cs_assert_ok(cs_model_save_safetensors(l, q));
        size_t na, nb;
        uint8_t *fa = cs_test_read(p, &na), *fb = cs_test_read(q, &nb);
        ck_assert_uint_eq(na, nb);
        ck_assert(memcmp(fa, fb, na) == 0);
        free(fa);
        free(fb);
        free(ya);
        free(yb);
        free(p);
        free(q);
        cs_model_destroy(m);
        cs_model_destroy(l);
    }
}
END_TEST

START_TEST(header_follows_the_format_and_state_dict)
{
    cs_model *m = cs_test_model("resnet18", 3, 16, 16, 4, 0.1, 5);
    char *p = path_of("r.safetensors");
    cs_assert_ok(cs_model_save_safetensors(m, p));
    uint64_t len;
    uint8_t *bytes;
    cs__json *root = header_of(p, &len, &bytes);
    ck_assert_uint_eq(len % 8, 0);
    const cs__json *meta = cs__json_get(root, "__metadata__");
    ck_assert_str_eq(cs__json_string(cs__json_get(meta, "format")), "classsens");
    ck_assert_str_eq(cs__json_string(cs__json_get(meta, "arch")), "resnet18");
    ck_assert_str_eq(cs__json_string(cs__json_get(meta, "width")), "0.1");
    ck_assert_str_eq(cs__json_string(cs__json_get(meta, "input_shape")), "3,16,16");
    ck_assert_str_eq(cs__json_string(cs__json_get(meta, "num_classes")), "4");
    ck_assert_str_eq(cs__json_string(cs__json_get(meta, "classsens_version")), cs_version_string());
    /* Tensors in state_dict order, each running_var followed by its num_batches_tracked. */
    size_t member = 1;
    int nbt = 0;
    uint64_t offset = 0;
    for (int i = 0; i < cs_model_num_tensors(m); i++, member++) {
        const char *name = cs_model_tensor_name(m, i);
        ck_assert_str_eq(cs__json_key_at(root, member), name);
        const cs__json *e = cs__json_at(root, member);
        ck_assert_str_eq(cs__json_string(cs__json_get(e, "dtype")), "F32");
        ck_assert(cs__json_number(cs__json_at(cs__json_get(e, "data_offsets"), 0)) == (double)offset);
        int64_t dims[4];
        int nd = cs_model_tensor_shape(dims, 4, m, i);
        uint64_t count = 1;
        for (int d = 0; d < nd; d++)
            count *= (uint64_t)dims[d];
        offset += 4 * count;
        const size_t nl = strlen(name);
        if (nl > 12 && strcmp(name + nl - 12, ".running_var") == 0) {
            member++;
            char want[160];
            snprintf(want, sizeof want, "%.*s.num_batches_tracked", (int)(nl - 12), name);
            ck_assert_str_eq(cs__json_key_at(root, member), want);
            e = cs__json_at(root, member);
            ck_assert_str_eq(cs__json_string(cs__json_get(e, "dtype")), "I64");
            ck_assert_uint_eq(cs__json_len(cs__json_get(e, "shape")), 0);
            for (int b = 0; b < 8; b++)
                ck_assert_int_eq(bytes[8 + len + offset + (uint64_t)b], 0);
            offset += 8;
            nbt++;
        }
    }
    ck_assert_uint_eq(member, cs__json_len(root));
    ck_assert_int_eq(nbt, 20); /* ResNet18: conv1's BatchNorm, 2 per block x 8, 3 shortcuts */
    cs__json_free(root);
    free(bytes);
    free(p);
    cs_model_destroy(m);
}
END_TEST

/* ---- hand-made files ---------------------------------------------------------------------- */

/* Exact values of each dtype: the bits as stored, the float32 they stand for. */
static const struct { uint16_t bits; float value; } HALF[] = {
    { 0x3c00, 1.0f }, { 0xc000, -2.0f }, { 0x3555, 0.333251953125f }, { 0x0001, 5.9604644775390625e-8f },
    { 0x03ff, 6.0975551605224609375e-5f }, { 0x7bff, 65504.0f }, { 0x8000, -0.0f }, { 0x3800, 0.5f },
};
static const struct { uint16_t bits; float value; } BF16[] = {
    { 0x3f80, 1.0f }, { 0xc000, -2.0f }, { 0x3eab, 0.333984375f }, { 0x7f7f, 3.3895313892515355e38f },
    { 0x0080, 1.1754943508222875e-38f }, { 0x8000, -0.0f }, { 0x4120, 10.0f }, { 0xbd4d, -0.050048828125f },
};
static const double F64[] = { 0.1, 1.0 / 3.0, -2.5, 1e-3, 123456.789, -0.0, 7.0, 1e-30 };
#define TABLE 8

typedef struct variant {
    const char *dtype;   /* of every tensor: F32 (the model's values), F64, F16, BF16, I32 */
    int skip;            /* a tensor index left out, or -1 */
    int reshape;         /* a tensor index whose first dimension grows by 1, or -1 */
    const char *extra;   /* the name of an extra F32 (1) tensor, or NULL */
    int metadata;        /* write our __metadata__ */
} variant;

static const variant PLAIN = { "F32", -1, -1, NULL, 1 };

static size_t dtype_size(const char *dt)
{
    return strcmp(dt, "F64") == 0 ? 8 : strcmp(dt, "F32") == 0 || strcmp(dt, "I32") == 0 ? 4 : 2;
}

/* The value element j of tensor i gets in a file of this dtype (what loading must give). */
static float expected(const char *dt, int i, size_t j, const float *model_value)
{
    size_t t = (j + (size_t)i) % TABLE;
    if (strcmp(dt, "F16") == 0)
        return HALF[t].value;
    if (strcmp(dt, "BF16") == 0)
        return BF16[t].value;
    if (strcmp(dt, "F64") == 0)
        return (float)F64[t];
    if (strcmp(dt, "I32") == 0)
        return (float)t;
    return model_value[j];
}

static void put_bytes(cs__buf *b, uint64_t v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        cs__buf_putc(b, (char)(uint8_t)(v >> (8 * k)));
}

/* Write m's tensors as a safetensors file by hand (no library writer involved). */
static char *model_file(const char *name, cs_model *m, const variant *v)
{
    cs__buf head = CS__BUF_INIT, data = CS__BUF_INIT;
    const size_t es = dtype_size(v->dtype);
    cs__buf_putc(&head, '{');
    if (v->metadata) {
        int c, h, w;
        double width;
        cs_assert_ok(cs_model_input_shape(&c, &h, &w, m));
        cs_assert_ok(cs_model_width(&width, m));
        cs__buf_printf(&head, "\"__metadata__\":{\"arch\":\"%s\",\"width\":\"%.17g\",\"input_shape\":\"%d,%d,%d\","
                       "\"num_classes\":\"%d\"},", cs_model_arch(m), width, c, h, w, cs_model_num_classes(m));
    }
    int first = 1;
    for (int i = 0; i < cs_model_num_tensors(m); i++) {
        if (i == v->skip)
            continue;
        int64_t dims[4];
        int nd = cs_model_tensor_shape(dims, 4, m, i);
        size_t count = 1;
        for (int d = 0; d < nd; d++)
            count *= (size_t)dims[d];
        const float *val = cs_model_tensor_data(m, i);
        size_t begin = data.len;
        for (size_t j = 0; j < count; j++) {
            size_t t = (j + (size_t)i) % TABLE;
            if (strcmp(v->dtype, "F16") == 0)
                put_bytes(&data, HALF[t].bits, 2);
            else if (strcmp(v->dtype, "BF16") == 0)
                put_bytes(&data, BF16[t].bits, 2);
            else if (strcmp(v->dtype, "I32") == 0)
                put_bytes(&data, t, 4);
            else if (strcmp(v->dtype, "F64") == 0) {
                uint64_t bits;
                memcpy(&bits, &F64[t], 8);
                put_bytes(&data, bits, 8);
            } else {
                uint32_t bits;
                memcpy(&bits, &val[j], 4);
                put_bytes(&data, bits, 4);
            }
        }
        if (i == v->reshape) { /* same bytes per element, one more row */
            for (size_t j = 0; j < count / (size_t)dims[0] * es; j++)
                cs__buf_putc(&data, 0);
            dims[0]++;
        }
        cs__buf_printf(&head, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", first ? "" : ",", cs_model_tensor_name(m, i),
                       v->dtype);
        for (int d = 0; d < nd; d++)
            cs__buf_printf(&head, d ? ",%lld" : "%lld", (long long)dims[d]);
        cs__buf_printf(&head, "],\"data_offsets\":[%zu,%zu]}", begin, data.len);
        first = 0;
    }
    if (v->extra) {
        cs__buf_printf(&head, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%zu,%zu]}", v->extra,
                       data.len, data.len + 4);
        put_bytes(&data, 0x3f800000u, 4);
    }
    cs__buf_putc(&head, '}');
    cs_assert_ok(cs__buf_status(&head, "test header"));
    cs_assert_ok(cs__buf_status(&data, "test data"));
    cs__buf file = CS__BUF_INIT;
    put_bytes(&file, head.len, 8);
    cs__buf_append(&file, head.data, head.len);
    cs__buf_append(&file, data.data ? data.data : "", data.len);
    char *p = path_of(name);
    cs_test_write(p, file.data, file.len, 0);
    cs__buf_free(&head);
    cs__buf_free(&data);
    cs__buf_free(&file);
    return p;
}

START_TEST(f16_bf16_and_f64_convert_on_load)
{
    const char *types[] = { "F16", "BF16", "F64" };
    cs_model *m = cs_test_model("resnet18", 3, 16, 16, 4, 0.1, 5);
    for (int t = 0; t < 3; t++) {
        variant v = PLAIN;
        v.dtype = types[t];
        char *p = model_file("conv.safetensors", m, &v);
        cs_model *l = NULL;
        cs_assert_ok(cs_model_load_safetensors(&l, p, NULL));
        for (int i = 0; i < cs_model_num_tensors(l); i++) {
            int64_t dims[4];
            int nd = cs_model_tensor_shape(dims, 4, l, i);
            size_t count = 1;
            for (int d = 0; d < nd; d++)
                count *= (size_t)dims[d];
            const float *got = cs_model_tensor_data(l, i);
            for (size_t j = 0; j < count; j++) {
                float want = expected(types[t], i, j, NULL);
                ck_assert_msg(memcmp(&got[j], &want, sizeof want) == 0, "%s: %s[%zu] is %.9g, expected %.9g",
                              types[t], cs_model_tensor_name(l, i), j, (double)got[j], (double)want);
            }
        }
        cs_model_destroy(l);
        free(p);
    }
    cs_model_destroy(m);
}
END_TEST

START_TEST(mismatched_tensors_are_named)
{
    cs_model *m = cs_test_model("lenet", 1, 12, 12, 3, 0.5, 3);
    cs_model *l = NULL;
    variant v = PLAIN;
    v.skip = 2;
    char *p = model_file("skip.safetensors", m, &v);
    char want[160];
    snprintf(want, sizeof want, "tensor %s of lenet is missing", cs_model_tensor_name(m, 2));
    cs_assert_fails(cs_model_load_safetensors(&l, p, NULL), CS_ERR_SIZE_MISMATCH, want);
    ck_assert_ptr_null(l);
    free(p);

    v = PLAIN;
    v.reshape = 0;
    p = model_file("shape.safetensors", m, &v);
    snprintf(want, sizeof want, "tensor %s has shape (", cs_model_tensor_name(m, 0));
    cs_assert_fails(cs_model_load_safetensors(&l, p, NULL), CS_ERR_SIZE_MISMATCH, want);
    free(p);

    v = PLAIN;
    v.extra = "head.weight";
    p = model_file("extra.safetensors", m, &v);
    cs_assert_fails(cs_model_load_safetensors(&l, p, NULL), CS_ERR_SIZE_MISMATCH,
                    "the file has tensor head.weight, which lenet does not have");
    cs_safetensors_options o;
    cs_assert_ok(cs_safetensors_options_init(&o));
    o.ignore_extra = 1;
    cs_assert_ok(cs_model_load_safetensors(&l, p, &o));
    assert_same_tensors(m, l);
    cs_model_destroy(l);
    l = NULL;
    free(p);

    v = PLAIN;
    v.dtype = "I32";
    p = model_file("int.safetensors", m, &v);
    cs_assert_fails(cs_model_load_safetensors(&l, p, NULL), CS_ERR_UNSUPPORTED, "has dtype I32, expected a floating");
    free(p);

    /* PyTorch's files carry no architecture: refused alone, loaded when the caller names it. */
    v = PLAIN;
    v.metadata = 0;
    p = model_file("bare.safetensors", m, &v);
    cs_assert_fails(cs_model_load_safetensors(&l, p, NULL), CS_ERR_FORMAT, "lacks \"arch\"");
    o.ignore_extra = 0;
    o.arch = "lenet";
    o.c = 1;
    o.h = 12;
    o.w = 12;
    o.num_classes = 3;
    o.width = 0.5;
    cs_assert_ok(cs_model_load_safetensors(&l, p, &o));
    assert_same_tensors(m, l);
    cs_model_destroy(l);
    l = NULL;
    o.num_classes = 4;
    cs_assert_fails(cs_model_load_safetensors(&l, p, &o), CS_ERR_SIZE_MISMATCH, "fc3.weight has shape (3, ");
    o.arch = "lenet5";
    cs_assert_fails(cs_model_load_safetensors(&l, p, &o), CS_ERR_NOT_FOUND, "lenet5");
    ck_assert_ptr_null(l);
    free(p);
    cs_model_destroy(m);
}
END_TEST

/* A file of the header text `json` (its length in front, unless `len` is not ~0) and `data`. */
static char *raw_file(const char *json, uint64_t len, const void *data, size_t n)
{
    cs__buf b = CS__BUF_INIT;
    put_bytes(&b, len != ~(uint64_t)0 ? len : strlen(json), 8);
    cs__buf_puts(&b, json);
    if (n)
        cs__buf_append(&b, data, n);
    char *p = path_of("forged.safetensors");
    cs_test_write(p, b.data, b.len, 0);
    cs__buf_free(&b);
    return p;
}

static void assert_forged(const char *json, uint64_t len, size_t data_len, int status, const char *needle)
{
    uint8_t data[64] = { 0 };
    ck_assert_uint_le(data_len, sizeof data);
    char *p = raw_file(json, len, data, data_len);
    cs_model *m = NULL;
    cs_assert_fails(cs_model_load_safetensors(&m, p, NULL), status, needle);
    ck_assert_ptr_null(m);
    free(p);
}

#define T(name, rest) "\"" name "\":{" rest "}"
#define ANY ~(uint64_t)0

START_TEST(forged_headers_get_clear_errors)
{
    /* The header length: beyond the format's limit, past the end of the file, too short. */
    assert_forged("{}", UINT64_C(1) << 62, 0, CS_ERR_FORMAT, "more than the format's limit");
    assert_forged("{}", 4000, 0, CS_ERR_TRUNCATED, "the header length is 4000 bytes, the file holds 2");
    assert_forged("{}", 1, 1, CS_ERR_FORMAT, "too short for a JSON object");
    /* The JSON itself. */
    assert_forged("[1, 2]", ANY, 0, CS_ERR_FORMAT, "must be a JSON object (got an array)");
    assert_forged("{\"a\":", ANY, 0, CS_ERR_FORMAT, "forged.safetensors:1:6");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]") ","
                  T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]") "}", ANY, 8, CS_ERR_FORMAT,
                  "duplicate");
    assert_forged("{\"a\":[1]}", ANY, 0, CS_ERR_FORMAT, "tensor a must be an object (got an array)");
    assert_forged("{\"__metadata__\":{\"x\":1}}", ANY, 0, CS_ERR_FORMAT, "member \"x\" must be a string");
    assert_forged("{\"__metadata__\":[]}", ANY, 0, CS_ERR_FORMAT, "__metadata__ must be an object");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":0") "}", ANY, 4,
                  CS_ERR_FORMAT, "tensor a has the unknown member \"x\"");
    assert_forged("{" T("a", "\"shape\":[1],\"data_offsets\":[0,4]") "}", ANY, 4, CS_ERR_FORMAT,
                  "member \"dtype\" is missing");
    /* Dtypes: unknown, and valid but not convertible. */
    assert_forged("{" T("a", "\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]") "}", ANY, 4, CS_ERR_FORMAT,
                  "tensor a has the unknown dtype \"F33\"");
    assert_forged("{" T("a", "\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[0,4]") "}", ANY, 4,
                  CS_ERR_UNSUPPORTED, "tensor a has dtype U32, which this library cannot convert");
    assert_forged("{" T("a", "\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]") "}", ANY, 1,
                  CS_ERR_UNSUPPORTED, "dtype F8_E4M3");
    /* Shapes and offsets. */
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]") "}", ANY, 4, CS_ERR_FORMAT,
                  "dimension 0 of its shape is not an integer");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.5,4]") "}", ANY, 4, CS_ERR_FORMAT,
                  "data_offsets must be two integers");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]") "}", ANY, 4, CS_ERR_FORMAT,
                  "data_offsets must be two integers");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]") "}", ANY, 4, CS_ERR_FORMAT,
                  "end before they begin");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]") "}", ANY, 4, CS_ERR_FORMAT,
                  "tensor a: 2 elements of F32 take 8 bytes, its data_offsets [0, 4] give 4");
    assert_forged("{" T("a", "\"dtype\":\"F64\",\"shape\":[4503599627370496,4503599627370496],"
                        "\"data_offsets\":[0,8]") "}", ANY, 8, CS_ERR_OVERFLOW, "more bytes than 2^64");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]") "}", ANY, 4,
                  CS_ERR_UNSUPPORTED, "9 dimensions");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]") "}", ANY, 8,
                  CS_ERR_TRUNCATED, "tensor a: data_offsets [0, 16] reach past the end of the 8 data bytes");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]") ","
                  T("b", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]") "}", ANY, 12, CS_ERR_FORMAT,
                  "tensors a and b overlap");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]") ","
                  T("b", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]") "}", ANY, 12, CS_ERR_FORMAT,
                  "data bytes [4, 8) belong to no tensor (a gap before b)");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]") "}", ANY, 8, CS_ERR_FORMAT,
                  "data bytes [0, 4) belong to no tensor");
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]") "}", ANY, 12, CS_ERR_FORMAT,
                  "data bytes [4, 12) at the end of the file belong to no tensor");
    /* A well-formed file without our metadata, and metadata that is wrong. */
    assert_forged("{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]") "}", ANY, 4, CS_ERR_FORMAT,
                  "lacks \"arch\"");
    assert_forged("{\"__metadata__\":{\"arch\":\"lenet\",\"width\":\"1\",\"input_shape\":\"1,x,12\","
                  "\"num_classes\":\"3\"}}", ANY, 0, CS_ERR_FORMAT, "expected a number, \"C,H,W\"");
    assert_forged("{\"__metadata__\":{\"arch\":\"lenet\",\"width\":\"1\",\"input_shape\":\"1,12,12\","
                  "\"num_classes\":\"3\"}}", ANY, 0, CS_ERR_SIZE_MISMATCH, "tensor conv1.weight of lenet is missing");
    assert_forged("{\"__metadata__\":{\"arch\":\"lenet7\",\"width\":\"1\",\"input_shape\":\"1,12,12\","
                  "\"num_classes\":\"3\"}}", ANY, 0, CS_ERR_FORMAT, "the metadata describes a model this library "
                  "cannot build");
    assert_forged("{\"__metadata__\":{\"arch\":\"lenet\",\"width\":\"-1\",\"input_shape\":\"1,12,12\","
                  "\"num_classes\":\"3\"}}", ANY, 0, CS_ERR_FORMAT, "width");
    /* Shorter than the length field. */
    char *p = path_of("short.safetensors");
    cs_test_write(p, "\x02\0\0", 3, 0);
    cs_model *m = NULL;
    cs_assert_fails(cs_model_load_safetensors(&m, p, NULL), CS_ERR_TRUNCATED, "8-byte header length");
    free(p);
}
END_TEST

START_TEST(bad_arguments_and_files_are_refused)
{
    cs_model *m = cs_test_model("lenet", 1, 12, 12, 3, 0.5, 3), *l = NULL;
    char *p = path_of("a.safetensors");
    cs_assert_fails(cs_model_save_safetensors(NULL, p), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_fails(cs_model_save_safetensors(m, NULL), CS_ERR_INVALID_ARGUMENT, "path is NULL");
    cs_assert_fails(cs_model_save_safetensors(m, ""), CS_ERR_INVALID_ARGUMENT, "path is empty");
    char *bad = path_of("no/such/dir/a.safetensors");
    cs_assert_fails(cs_model_save_safetensors(m, bad), CS_ERR_IO, "no/such/dir");
    cs_assert_fails(cs_model_load_safetensors(NULL, p, NULL), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_model_load_safetensors(&l, NULL, NULL), CS_ERR_INVALID_ARGUMENT, "path is NULL");
    cs_assert_fails(cs_model_load_safetensors(&l, p, NULL), CS_ERR_NOT_FOUND, "a.safetensors");
    cs_safetensors_options o = CS_SAFETENSORS_OPTIONS_INIT;
    o.struct_size = sizeof o + 8;
    cs_assert_fails(cs_model_load_safetensors(&l, p, &o), CS_ERR_UNSUPPORTED, "struct_size");
    o.struct_size = 4;
    cs_assert_fails(cs_model_load_safetensors(&l, p, &o), CS_ERR_INVALID_ARGUMENT, "struct_size");
    cs_assert_fails(cs_safetensors_options_init(NULL), CS_ERR_INVALID_ARGUMENT, "opts is NULL");
    cs_safetensors_options a, b = CS_SAFETENSORS_OPTIONS_INIT;
    memset(&a, 0xff, sizeof a);
    cs_assert_ok(cs_safetensors_options_init(&a));
    ck_assert(a.struct_size == b.struct_size && a.arch == b.arch && a.width == b.width && a.ignore_extra == 0);
    /* An atomic write leaves only the file. */
    cs_assert_ok(cs_model_save_safetensors(m, p));
    cs_assert_ok(cs_model_save_safetensors(m, p));
    DIR *d = opendir(cs_test_dir);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') {
            entries++;
            ck_assert_str_eq(e->d_name, "a.safetensors");
        }
    closedir(d);
    ck_assert_int_eq(entries, 1);
    ck_assert_ptr_null(l);
    free(bad);
    free(p);
    cs_model_destroy(m);
}
END_TEST

START_TEST(random_damage_never_crashes)
{
    cs_model *m = cs_test_model("lenet", 1, 12, 12, 3, 0.25, 3);
    char *p = path_of("d.safetensors");
    cs_assert_ok(cs_model_save_safetensors(m, p));
    size_t n;
    uint8_t *orig = cs_test_read(p, &n);
    uint64_t header = 0;
    for (int i = 7; i >= 0; i--)
        header = header << 8 | orig[i];
    uint8_t *buf = malloc(n);
    int failures = 0;
    for (uint32_t trial = 0; trial < 400; trial++) {
        memcpy(buf, orig, n);
        /* Damage the length or the header, where every byte decides something. */
        const size_t in_header = ((size_t)cs_test_byte(trial, 2) << 8 | cs_test_byte(trial, 3)) % header;
        const size_t at = cs_test_byte(trial, 0) % 8 == 0 ? cs_test_byte(trial, 1) % 8 : 8 + in_header;
        buf[at] ^= (uint8_t)(1u << (cs_test_byte(trial, 4) % 8));
        cs_test_write(p, buf, n, 0);
        cs_model *l = NULL;
        int rc = cs_model_load_safetensors(&l, p, NULL);
        if (rc == CS_OK) {
            ck_assert_ptr_nonnull(l);
            cs_model_destroy(l);
            continue;
        }
        ck_assert_ptr_null(l);
        ck_assert_str_ne(cs_status_str(rc), "CS_ERR_UNKNOWN");
        ck_assert_str_ne(cs_last_error(), "no error");
        failures++;
    }
    ck_assert_int_gt(failures, 200);
    free(buf);
    free(orig);
    free(p);
    cs_model_destroy(m);
}
END_TEST

/* ---- PyTorch-written fixtures ------------------------------------------------------------- */

static char *fixture(const char *name)
{
    const char *root = getenv("CS_TEST_FIXTURES");
    char *dir;
    if (root && *root) {
        dir = cs_test_path(root, "safetensors");
    } else {
        const char *file = __FILE__, *slash = strrchr(file, '/');
        size_t len = slash ? (size_t)(slash - file) + 1 : 0;
        dir = malloc(len + sizeof "fixtures/safetensors");
        ck_assert_ptr_nonnull(dir);
        memcpy(dir, file, len);
        memcpy(dir + len, "fixtures/safetensors", sizeof "fixtures/safetensors");
    }
    char *p = cs_test_path(dir, name);
    free(dir);
    FILE *probe = fopen(p, "rb");
    ck_assert_msg(probe != NULL, "fixture %s is missing: regenerate it with tests/fixtures/safetensors/"
                  "make_fixtures.py or point CS_TEST_FIXTURES at the fixtures directory", p);
    fclose(probe);
    return p;
}

static float le_float(const uint8_t *b)
{
    uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

/* Check the model's evaluation logits on the fixture's inputs against PyTorch's (set 0: F32
 * weights, 1: F16 weights); predictions (argmax) must be identical. */
static void assert_fixture_logits(cs_model *m, int set)
{
    char *p = fixture("resnet18_io.bin");
    size_t len;
    uint8_t *b = cs_test_read(p, &len);
    uint32_t hdr[5];
    ck_assert_uint_ge(len, 20);
    for (int i = 0; i < 5; i++)
        hdr[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                 (uint32_t)b[4 * i + 3] << 24;
    const int n = (int)hdr[0], k = FX_K;
    ck_assert_int_eq(n, 4);
    ck_assert(hdr[1] == FX_C && hdr[2] == FX_H && hdr[3] == FX_W && hdr[4] == FX_K);
    const size_t in = (size_t)n * FX_C * FX_H * FX_W;
    ck_assert_uint_eq(len, 20 + 4 * (in + 2 * (size_t)n * k));
    float *x = malloc(in * sizeof *x), *y = malloc((size_t)n * k * sizeof *y);
    for (size_t i = 0; i < in; i++)
        x[i] = le_float(b + 20 + 4 * i);
    cs_assert_ok(cs_model_set_threads(m, 1));
    cs_assert_ok(cs_model_forward(y, m, x, n, 0));
    const uint8_t *ref = b + 20 + 4 * in + (size_t)set * 4 * (size_t)n * k;
    for (int r = 0; r < n; r++) {
        int ours = 0, theirs = 0;
        for (int j = 0; j < k; j++) {
            float want = le_float(ref + 4 * ((size_t)r * k + (size_t)j));
            float got = y[r * k + j];
            ck_assert_msg(fabs((double)got - want) <= LOGIT_TOL * (1 + fabs((double)want)),
                          "logit (%d, %d): %.9g, PyTorch %.9g", r, j, (double)got, (double)want);
            if (y[r * k + j] > y[r * k + ours])
                ours = j;
            if (want > le_float(ref + 4 * ((size_t)r * k + (size_t)theirs)))
                theirs = j;
        }
        ck_assert_int_eq(ours, theirs);
    }
    free(x);
    free(y);
    free(b);
    free(p);
}

static cs_model *load_fixture(const char *name)
{
    cs_safetensors_options o = CS_SAFETENSORS_OPTIONS_INIT;
    o.arch = "resnet18";
    o.c = FX_C;
    o.h = FX_H;
    o.w = FX_W;
    o.num_classes = FX_K;
    o.width = FX_WIDTH;
    char *p = fixture(name);
    cs_model *m = NULL;
    cs_assert_ok(cs_model_load_safetensors(&m, p, &o));
    free(p);
    return m;
}

START_TEST(pytorch_files_load_and_predict_the_same)
{
    cs_model *m = load_fixture("resnet18.safetensors");
    /* The file has no classsens metadata: the caller named the model. */
    char *p = fixture("resnet18.safetensors");
    cs_model *l = NULL;
    cs_assert_fails(cs_model_load_safetensors(&l, p, NULL), CS_ERR_FORMAT, "lacks \"arch\"");
    free(p);
    assert_fixture_logits(m, 0);
    /* Saved here: PyTorch's num_batches_tracked (3 training steps) comes back. */
    char *q = path_of("again.safetensors");
    cs_assert_ok(cs_model_save_safetensors(m, q));
    uint64_t len;
    uint8_t *bytes;
    cs__json *root = header_of(q, &len, &bytes);
    const cs__json *off = cs__json_get(cs__json_get(root, "layer2.1.bn2.num_batches_tracked"), "data_offsets");
    ck_assert_ptr_nonnull(off);
    const uint8_t *v = bytes + 8 + len + (size_t)cs__json_number(cs__json_at(off, 0));
    ck_assert_int_eq(v[0], 3);
    for (int i = 1; i < 8; i++)
        ck_assert_int_eq(v[i], 0);
    cs__json_free(root);
    free(bytes);
    cs_assert_ok(cs_model_load_safetensors(&l, q, NULL));
    assert_same_tensors(m, l);
    cs_model_destroy(l);
    free(q);

    /* The F16 copy: every value within half precision of the F32 one, logits as PyTorch's. */
    cs_model *h = load_fixture("resnet18_f16.safetensors");
    for (int i = 0; i < cs_model_num_tensors(m); i++) {
        int64_t dims[4];
        int nd = cs_model_tensor_shape(dims, 4, m, i);
        size_t count = 1;
        for (int d = 0; d < nd; d++)
            count *= (size_t)dims[d];
        const float *a = cs_model_tensor_data(m, i), *b = cs_model_tensor_data(h, i);
        for (size_t j = 0; j < count; j++)
            ck_assert_msg(fabsf(a[j] - b[j]) <= fabsf(a[j]) / 2048.0f + 6e-8f, "%s[%zu]: %g vs %g",
                          cs_model_tensor_name(m, i), j, (double)a[j], (double)b[j]);
    }
    assert_fixture_logits(h, 1);
    cs_model_destroy(h);
    cs_model_destroy(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("safetensors");
    tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
    tcase_add_test(tc, round_trip_is_bit_exact);
    tcase_add_test(tc, header_follows_the_format_and_state_dict);
    tcase_add_test(tc, f16_bf16_and_f64_convert_on_load);
    tcase_add_test(tc, mismatched_tensors_are_named);
    tcase_add_test(tc, forged_headers_get_clear_errors);
    tcase_add_test(tc, bad_arguments_and_files_are_refused);
    tcase_add_test(tc, random_damage_never_crashes);
    tcase_add_test(tc, pytorch_files_load_and_predict_the_same);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
