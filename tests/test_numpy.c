/* NumPy loaders: .npy pairs and .npz archives (stored, deflated, ZIP64), written byte by byte
 * here, and every way such input can be wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <classsens.h>

#include "fixtures.h"

/* ---- byte buffers ------------------------------------------------------------------------- */

typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
} bytes;

static void put(bytes *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_le(bytes *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        put(b, &c, 1);
    }
}

static void put_str(bytes *b, const char *s) { put(b, s, strlen(s)); }

/* An .npy array of format version `version` whose header dict is `dict` verbatim, padded with
 * spaces and a newline to a multiple of 64 bytes as numpy does. */
static bytes npy_raw(int version, const char *dict, const void *data, size_t n)
{
    bytes b = { 0 };
    const uint8_t magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
    put(&b, magic, 6);
    const uint8_t ver[2] = { (uint8_t)version, 0 };
    put(&b, ver, 2);
    size_t prefix = version == 1 ? 10 : 12, len = strlen(dict) + 1;
    len += (64 - (prefix + len) % 64) % 64;
    put_le(&b, len, version == 1 ? 2 : 4);
    put_str(&b, dict);
    for (size_t i = strlen(dict); i + 1 < len; i++)
        put_str(&b, " ");
    put_str(&b, "\n");
    put(&b, data, n);
    return b;
}

static bytes npy(const char *descr, const char *shape, const void *data, size_t n)
{
    char dict[256];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    return npy_raw(1, dict, data, n);
}

static void write_bytes(const char *name, const bytes *b)
{
    char *p = cs_test_path(cs_test_dir, name);
    cs_test_write(p, b->p, b->len, 0);
    free(p);
}

/* ---- zip archives ------------------------------------------------------------------------- */

typedef struct member {
    const char *name;
    bytes data;
    int method;        /* 0 stored, 8 deflate, other: written stored with that method number */
    int zip64;         /* central directory sizes and offset as 0xFFFFFFFF + ZIP64 extra */
    uint16_t flags;
    int bad_crc;
} member;

static bytes raw_deflate(const bytes *in)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    bytes out = { 0 };
    out.cap = deflateBound(&zs, in->len) + 16;
    out.p = malloc(out.cap);
    zs.next_in = in->p;
    zs.avail_in = (uInt)in->len;
    zs.next_out = out.p;
    zs.avail_out = (uInt)out.cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

/* A zip of the members (local headers, data, central directory, end record; with a ZIP64 end
 * record and locator when zip64_end). */
static bytes zip(member *m, int count, int zip64_end)
{
    bytes z = { 0 }, cd = { 0 };
    for (int i = 0; i < count; i++) {
        bytes body = m[i].method == 8 ? raw_deflate(&m[i].data) : (bytes){ 0 };
        const bytes *stored = m[i].method == 8 ? &body : &m[i].data;
        uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), m[i].data.p, (uInt)m[i].data.len);
        if (m[i].bad_crc)
            crc ^= 0x10u;
        uint64_t offset = z.len;
        size_t nl = strlen(m[i].name);
        put_le(&z, 0x04034b50u, 4);
        put_le(&z, 20, 2);
        put_le(&z, m[i].flags, 2);
        put_le(&z, (uint64_t)m[i].method, 2);
        put_le(&z, 0, 4);
        put_le(&z, crc, 4);
        put_le(&z, stored->len, 4);
        put_le(&z, m[i].data.len, 4);
        put_le(&z, nl, 2);
        put_le(&z, 0, 2);
        put(&z, m[i].name, nl);
        put(&z, stored->p, stored->len);

        put_le(&cd, 0x02014b50u, 4);
        put_le(&cd, 45, 2);
        put_le(&cd, 45, 2);
        put_le(&cd, m[i].flags, 2);
        put_le(&cd, (uint64_t)m[i].method, 2);
        put_le(&cd, 0, 4);
        put_le(&cd, crc, 4);
        put_le(&cd, m[i].zip64 ? 0xFFFFFFFFu : stored->len, 4);
        put_le(&cd, m[i].zip64 ? 0xFFFFFFFFu : m[i].data.len, 4);
        put_le(&cd, nl, 2);
        put_le(&cd, m[i].zip64 ? 28 : 0, 2);
        put_le(&cd, 0, 2);
        put_le(&cd, 0, 2);
        put_le(&cd, 0, 2);
        put_le(&cd, 0, 4);
        put_le(&cd, m[i].zip64 ? 0xFFFFFFFFu : offset, 4);
        put(&cd, m[i].name, nl);
        if (m[i].zip64) {
            put_le(&cd, 0x0001, 2);
            put_le(&cd, 24, 2);
            put_le(&cd, m[i].data.len, 8);
            put_le(&cd, stored->len, 8);
            put_le(&cd, offset, 8);
        }
        free(body.p);
    }
    uint64_t cd_offset = z.len;
    put(&z, cd.p, cd.len);
    if (zip64_end) {
        uint64_t at = z.len;
        put_le(&z, 0x06064b50u, 4);
        put_le(&z, 44, 8);
        put_le(&z, 45, 2);
        put_le(&z, 45, 2);
        put_le(&z, 0, 4);
        put_le(&z, 0, 4);
        put_le(&z, (uint64_t)count, 8);
        put_le(&z, (uint64_t)count, 8);
        put_le(&z, cd.len, 8);
        put_le(&z, cd_offset, 8);
        put_le(&z, 0x07064b50u, 4);
        put_le(&z, 0, 4);
        put_le(&z, at, 8);
        put_le(&z, 1, 4);
    }
    put_le(&z, 0x06054b50u, 4);
    put_le(&z, 0, 4);
    put_le(&z, zip64_end ? 0xFFFF : (uint64_t)count, 2);
    put_le(&z, zip64_end ? 0xFFFF : (uint64_t)count, 2);
    put_le(&z, zip64_end ? 0xFFFFFFFFu : cd.len, 4);
    put_le(&z, zip64_end ? 0xFFFFFFFFu : cd_offset, 4);
    put_le(&z, 0, 2);
    free(cd.p);
    return z;
}

static void free_members(member *m, int count)
{
    for (int i = 0; i < count; i++)
        free(m[i].data.p);
}

/* ---- the data ----------------------------------------------------------------------------- */

#define N 6
#define H 4
#define W 5

static uint8_t pixel(size_t i) { return cs_test_byte(29, i); }

/* N grey images N x H x W and labels i % 3 as int64. */
static bytes grey_images(void)
{
    uint8_t px[N * H * W];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = pixel(i);
    return npy("|u1", "(6, 4, 5)", px, sizeof px);
}

static bytes labels_i8(void)
{
    int64_t lab[N];
    for (int i = 0; i < N; i++)
        lab[i] = i % 3;
    return npy("<i8", "(6,)", lab, sizeof lab);
}

static char *dir_path(const char *name) { return cs_test_path(cs_test_dir, name); }

static int open_npy(cs_dataset **ds, const bytes *img, const bytes *lab, const cs_numpy_options *o)
{
    write_bytes("img.npy", img);
    write_bytes("lab.npy", lab);
    char *ip = dir_path("img.npy"), *lp = dir_path("lab.npy");
    int rc = cs_dataset_open_npy(ds, ip, lp, o);
    free(ip);
    free(lp);
    return rc;
}

static int open_zip(cs_dataset **ds, member *m, int count, int zip64_end, const cs_numpy_options *o)
{
    bytes z = zip(m, count, zip64_end);
    write_bytes("data.npz", &z);
    free(z.p);
    char *p = dir_path("data.npz");
    int rc = cs_dataset_open_npz(ds, p, o);
    free(p);
    return rc;
}

static void check_grey(const cs_dataset *ds)
{
    int c, h, w;
    cs_assert_ok(cs_dataset_shape(&c, &h, &w, ds));
    ck_assert_int_eq(c, 1);
    ck_assert_int_eq(h, H);
    ck_assert_int_eq(w, W);
    ck_assert_uint_eq(cs_dataset_size(ds), N);
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(cs_dataset_label(ds, i), (int)(i % 3));
        for (size_t q = 0; q < H * W; q++)
            ck_assert_uint_eq(cs_dataset_image(ds, i)[q], pixel(i * H * W + q));
    }
}

/* Expect `rc` to be `status` with `needle` in the message, from a .npy pair. */
#define npy_fails(img, lab, opts, status, needle)                                             \
    do {                                                                                      \
        cs_dataset *ds_ = (cs_dataset *)1;                                                    \
        cs_assert_fails(open_npy(&ds_, &(img), &(lab), (opts)), (status), (needle));          \
        ck_assert_ptr_null(ds_);                                                              \
    } while (0)

/* ---- .npy --------------------------------------------------------------------------------- */

START_TEST(npy_pair_loads_grey_images)
{
    bytes img = grey_images(), lab = labels_i8();
    cs_dataset *ds = NULL;
    cs_assert_ok(open_npy(&ds, &img, &lab, NULL));
    check_grey(ds);
    ck_assert_int_eq(cs_dataset_num_classes(ds), 3);
    ck_assert_str_eq(cs_dataset_class_name(ds, 2), "2");
    cs_dataset_destroy(ds);
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    o.num_classes = 10;
    o.layout = CS_LAYOUT_NHW;
    cs_assert_ok(open_npy(&ds, &img, &lab, &o));
    ck_assert_int_eq(cs_dataset_num_classes(ds), 10);
    cs_dataset_destroy(ds);
    free(img.p);
    free(lab.p);
}
END_TEST

START_TEST(every_integer_label_dtype_in_both_byte_orders)
{
    static const char *const descr[] = { "|i1", "|u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4",
                                         "<u4", ">u4", "<i8", ">i8", "<u8", ">u8" };
    bytes img = grey_images();
    for (size_t d = 0; d < sizeof descr / sizeof *descr; d++) {
        size_t size = (size_t)(descr[d][2] - '0');
        uint8_t raw[N * 8] = { 0 };
        for (int i = 0; i < N; i++) {
            /* labels 0, 1, 2, 0, 1, 2 with a high byte set elsewhere would be out of range:
             * put the value in the least significant byte of each element. */
            size_t lsb = descr[d][0] == '>' ? size - 1 : 0;
            raw[(size_t)i * size + lsb] = (uint8_t)(i % 3);
        }
        bytes lab = npy(descr[d], "(6,)", raw, N * size);
        cs_dataset *ds = NULL;
        cs_assert_ok(open_npy(&ds, &img, &lab, NULL));
        check_grey(ds);
        cs_dataset_destroy(ds);
        free(lab.p);
    }
    /* Big-endian 258 is 0x0102: read as 258, not 513, so it exceeds K = 100. */
    uint8_t be[N * 2] = { 0 };
    be[6] = 0x01;
    be[7] = 0x02;
    bytes lab = npy(">u2", "(6,)", be, sizeof be);
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    o.num_classes = 100;
    npy_fails(img, lab, &o, CS_ERR_OUT_OF_RANGE, "label 258 of record 3");
    free(lab.p);
    free(img.p);
}
END_TEST

START_TEST(format_versions_1_2_and_3)
{
    uint8_t px[N * H * W];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = pixel(i);
    bytes lab = labels_i8();
    for (int v = 1; v <= 3; v++) {
        bytes img = npy_raw(v, "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 4, 5), }", px, sizeof px);
        ck_assert_uint_eq((img.len - sizeof px) % 64, 0);
        cs_dataset *ds = NULL;
        cs_assert_ok(open_npy(&ds, &img, &lab, NULL));
        check_grey(ds);
        cs_dataset_destroy(ds);
        free(img.p);
    }
    free(lab.p);
}
END_TEST

START_TEST(header_keys_in_any_order_and_spacing)
{
    static const char *const dicts[] = {
        "{'shape': (6, 4, 5), 'fortran_order': False, 'descr': '|u1'}",
        "{ \"descr\" : \"<u1\" ,\n 'shape':(6,4,5,) , 'fortran_order' :False , }",
        "{'fortran_order': False, 'descr': '>u1', 'shape': (6L, 4L, 5L)}",
    };
    uint8_t px[N * H * W];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = pixel(i);
    bytes lab = labels_i8();
    for (size_t d = 0; d < 3; d++) {
        bytes img = npy_raw(1, dicts[d], px, sizeof px);
        cs_dataset *ds = NULL;
        cs_assert_ok(open_npy(&ds, &img, &lab, NULL));
        check_grey(ds);
        cs_dataset_destroy(ds);
        free(img.p);
    }
    free(lab.p);
}
END_TEST

/* The same colour images as N x H x W x C and as N x C x H x W give the same data set. */
START_TEST(channels_last_pixels_equal_planar_ones)
{
    uint8_t planar[N * 3 * H * W], last[N * H * W * 3];
    for (size_t i = 0; i < N; i++)
        for (size_t ch = 0; ch < 3; ch++)
            for (size_t q = 0; q < H * W; q++) {
                uint8_t v = pixel(i * 3 * H * W + ch * H * W + q);
                planar[i * 3 * H * W + ch * H * W + q] = v;
                last[i * H * W * 3 + q * 3 + ch] = v;
            }
    bytes nchw = npy("|u1", "(6, 3, 4, 5)", planar, sizeof planar);
    bytes nhwc = npy("|u1", "(6, 4, 5, 3)", last, sizeof last);
    bytes lab = labels_i8();
    cs_dataset *a = NULL, *b = NULL, *c = NULL;
    cs_assert_ok(open_npy(&a, &nchw, &lab, NULL));
    cs_assert_ok(open_npy(&b, &nhwc, &lab, NULL));
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    o.layout = CS_LAYOUT_NHWC;
    cs_assert_ok(open_npy(&c, &nhwc, &lab, &o));
    int ch, h, w;
    cs_assert_ok(cs_dataset_shape(&ch, &h, &w, b));
    ck_assert_int_eq(ch, 3);
    ck_assert_int_eq(h, H);
    ck_assert_int_eq(w, W);
    for (size_t i = 0; i < N; i++) {
        ck_assert_mem_eq(cs_dataset_image(a, i), planar + i * 3 * H * W, 3 * H * W);
        ck_assert_mem_eq(cs_dataset_image(b, i), planar + i * 3 * H * W, 3 * H * W);
        ck_assert_mem_eq(cs_dataset_image(c, i), planar + i * 3 * H * W, 3 * H * W);
    }
    cs_dataset_destroy(a);
    cs_dataset_destroy(b);
    cs_dataset_destroy(c);
    free(nchw.p);
    free(nhwc.p);
    free(lab.p);
}
END_TEST

START_TEST(ambiguous_and_contradicting_layouts_are_refused)
{
    uint8_t px[N * 3 * 4 * 3] = { 0 };
    bytes lab = labels_i8();
    bytes both = npy("|u1", "(6, 3, 4, 3)", px, sizeof px);
    npy_fails(both, lab, NULL, CS_ERR_FORMAT, "both the second and the last size");
    npy_fails(both, lab, NULL, CS_ERR_FORMAT, "set opts->layout");
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    o.layout = CS_LAYOUT_NCHW;
    cs_dataset *ds = NULL;
    cs_assert_ok(open_npy(&ds, &both, &lab, &o));
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    ck_assert(c == 3 && h == 4 && w == 3);
    cs_dataset_destroy(ds);
    free(both.p);

    uint8_t px5[N * 5 * 4 * 4] = { 0 };
    bytes neither = npy("|u1", "(6, 5, 4, 4)", px5, sizeof px5);
    npy_fails(neither, lab, NULL, CS_ERR_FORMAT, "neither the second nor the last size");
    npy_fails(neither, lab, &o, CS_ERR_FORMAT, "as CS_LAYOUT_NCHW that is 5 channels");
    o.layout = CS_LAYOUT_NHW;
    npy_fails(neither, lab, &o, CS_ERR_FORMAT, "CS_LAYOUT_NHW needs a 3-D array");
    free(neither.p);

    bytes grey = grey_images();
    o.layout = CS_LAYOUT_NHWC;
    npy_fails(grey, lab, &o, CS_ERR_FORMAT, "CS_LAYOUT_NHWC needs a 4-D array");
    free(grey.p);
    bytes flat = npy("|u1", "(6, 20)", px, 120);
    npy_fails(flat, lab, NULL, CS_ERR_FORMAT, "shape (6, 20) (2-D)");
    free(flat.p);
    bytes empty = npy("|u1", "(0, 4, 5)", px, 0);
    npy_fails(empty, lab, NULL, CS_ERR_FORMAT, "holds no pixels");
    free(empty.p);
    free(lab.p);
}
END_TEST

START_TEST(wrong_dtypes_are_refused_by_name)
{
    float fpx[N * H * W] = { 0 };
    bytes lab = labels_i8(), img = grey_images();
    bytes fimg = npy("<f4", "(6, 4, 5)", fpx, sizeof fpx);
    npy_fails(fimg, lab, NULL, CS_ERR_UNSUPPORTED, "dtype '<f4' (floating point");
    free(fimg.p);
    bytes wide = npy("<u2", "(6, 4, 5)", fpx, N * H * W * 2);
    npy_fails(wide, lab, NULL, CS_ERR_UNSUPPORTED, "dtype '<u2'");
    free(wide.p);
    uint8_t flags[N] = { 0, 1, 0, 1, 0, 1 };
    bytes blab = npy("|b1", "(6,)", flags, sizeof flags);
    npy_fails(img, blab, NULL, CS_ERR_UNSUPPORTED, "dtype '|b1' (bool)");
    free(blab.p);
    double dl[N] = { 0 };
    bytes flab = npy("<f8", "(6,)", dl, sizeof dl);
    npy_fails(img, flab, NULL, CS_ERR_UNSUPPORTED, "expected an integer dtype");
    free(flab.p);
    bytes slab = npy("<M8[ns]", "(6,)", dl, sizeof dl);
    npy_fails(img, slab, NULL, CS_ERR_UNSUPPORTED, "'<M8[ns]' (datetime)");
    free(slab.p);
    int64_t l2[N * 2] = { 0 };
    bytes lab2 = npy("<i8", "(6, 2)", l2, sizeof l2);
    npy_fails(img, lab2, NULL, CS_ERR_FORMAT, "expected (N,) or (N, 1)");
    free(lab2.p);
    bytes lab61 = npy("<i8", "(6, 1)", l2, N * 8);
    cs_dataset *ds = NULL;
    cs_assert_ok(open_npy(&ds, &img, &lab61, NULL));
    cs_dataset_destroy(ds);
    free(lab61.p);
    free(img.p);
    free(lab.p);
}
END_TEST

START_TEST(fortran_order_is_refused)
{
    uint8_t px[N * H * W] = { 0 };
    bytes lab = labels_i8();
    bytes img = npy_raw(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (6, 4, 5), }", px, sizeof px);
    npy_fails(img, lab, NULL, CS_ERR_UNSUPPORTED, "np.ascontiguousarray");
    free(img.p);
    free(lab.p);
}
END_TEST

START_TEST(malformed_headers_are_refused_with_offsets)
{
    static const struct {
        const char *dict;
        int status;
        const char *needle;
    } cases[] = {
        { "'descr': '|u1', 'fortran_order': False, 'shape': (6, 4, 5)}", CS_ERR_FORMAT, "expected '{'" },
        { "{'descr': '|u1', 'fortran_order': False}", CS_ERR_FORMAT, "the key 'shape' is missing" },
        { "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 4, 5), 'x': 1}", CS_ERR_FORMAT, "unknown key 'x'" },
        { "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (6, 4, 5)}", CS_ERR_FORMAT,
          "repeated key 'descr'" },
        { "{'descr': '|u1', 'fortran_order': 0, 'shape': (6, 4, 5)}", CS_ERR_FORMAT, "True or False" },
        { "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 4, -5)}", CS_ERR_FORMAT,
          "at byte offset 67: expected a non-negative integer" },
        { "{'descr': '|u1', 'fortran_order': False, 'shape': (120)}", CS_ERR_FORMAT, "not a tuple" },
        { "{'descr': '|u1' 'fortran_order': False, 'shape': (6, 4, 5)}", CS_ERR_FORMAT, "',' or '}'" },
        { "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 4, 5)} x", CS_ERR_FORMAT,
          "only spaces after the header" },
        { "{'descr': 'u1', 'fortran_order': False, 'shape': (6, 4, 5)}", CS_ERR_FORMAT, "byte order" },
        { "{'descr': '|u1\\', 'fortran_order': False, 'shape': (6, 4, 5)}", CS_ERR_FORMAT, "quoted dtype" },
        { "{'descr': [('a', '<u1')], 'fortran_order': False, 'shape': (6, 4, 5)}", CS_ERR_UNSUPPORTED,
          "structured dtype" },
        { "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 4, 99999999999999999999)}", CS_ERR_OVERFLOW,
          "does not fit in 64 bits" },
        { "{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4)}", CS_ERR_OVERFLOW,
          "more elements than fit" },
    };
    uint8_t px[N * H * W] = { 0 };
    bytes lab = labels_i8();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bytes img = npy_raw(1, cases[i].dict, px, sizeof px);
        npy_fails(img, lab, NULL, cases[i].status, cases[i].needle);
        free(img.p);
    }
    bytes img = grey_images();
    img.p[1] = 'n';
    npy_fails(img, lab, NULL, CS_ERR_FORMAT, "not a .npy array");
    img.p[1] = 'N';
    img.p[6] = 4;
    npy_fails(img, lab, NULL, CS_ERR_UNSUPPORTED, "version 4.0");
    img.p[6] = 1;
    img.p[8] = 0xff;
    img.p[9] = 0xff;
    npy_fails(img, lab, NULL, CS_ERR_TRUNCATED, "header claims 65535 bytes from byte offset 10");
    free(img.p);
    free(lab.p);
}
END_TEST

START_TEST(data_shorter_or_longer_than_promised)
{
    uint8_t px[N * H * W + 1] = { 0 };
    bytes lab = labels_i8();
    bytes shorter = npy("|u1", "(6, 4, 5)", px, sizeof px - 2);
    npy_fails(shorter, lab, NULL, CS_ERR_TRUNCATED, "promises 120 bytes of data from byte offset 128, only 119");
    bytes longer = npy("|u1", "(6, 4, 5)", px, sizeof px);
    npy_fails(longer, lab, NULL, CS_ERR_FORMAT, "unexpected data after the array");
    bytes cut = { shorter.p, 9, 0 };
    npy_fails(cut, lab, NULL, CS_ERR_TRUNCATED, "a .npy header needs at least 10");
    free(shorter.p);
    free(longer.p);
    free(lab.p);
}
END_TEST

START_TEST(labels_out_of_range_and_count_mismatch)
{
    bytes img = grey_images();
    int16_t neg[N] = { 0, 1, 2, -1, 0, 1 };
    bytes lab = npy("<i2", "(6,)", neg, sizeof neg);
    npy_fails(img, lab, NULL, CS_ERR_OUT_OF_RANGE, "label -1 of record 3 (byte offset 134) is negative");
    free(lab.p);
    int32_t big[N] = { 0, 1, 2, 0, 9, 1 };
    lab = npy("<i4", "(6,)", big, sizeof big);
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    o.num_classes = 5;
    npy_fails(img, lab, &o, CS_ERR_OUT_OF_RANGE, "label 9 of record 4 (byte offset 144) is outside 0..4");
    free(lab.p);
    uint32_t huge[N] = { 0, 1, 2, 0, 70000, 1 };
    lab = npy("<u4", "(6,)", huge, sizeof huge);
    npy_fails(img, lab, NULL, CS_ERR_OUT_OF_RANGE, "label 70000 of record 4");
    free(lab.p);
    int64_t five[5] = { 0 };
    lab = npy("<i8", "(5,)", five, sizeof five);
    npy_fails(img, lab, NULL, CS_ERR_SIZE_MISMATCH, "holds 6 images but");
    free(lab.p);
    free(img.p);
}
END_TEST

START_TEST(bad_arguments_and_options)
{
    cs_dataset *ds = (cs_dataset *)1;
    cs_numpy_options o;
    cs_assert_ok(cs_numpy_options_init(&o));
    ck_assert_uint_eq(o.struct_size, sizeof o);
    ck_assert_int_eq(o.layout, CS_LAYOUT_AUTO);
    ck_assert(!o.images && !o.labels && !o.class_names && o.num_classes == 0);
    cs_assert_fails(cs_numpy_options_init(NULL), CS_ERR_INVALID_ARGUMENT, "opts is NULL");
    cs_assert_fails(cs_dataset_open_npz(NULL, "x", NULL), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_dataset_open_npz(&ds, NULL, NULL), CS_ERR_INVALID_ARGUMENT, "path is NULL");
    ck_assert_ptr_null(ds);
    cs_assert_fails(cs_dataset_open_npy(&ds, "a", NULL, NULL), CS_ERR_INVALID_ARGUMENT, "labels_path is NULL");
    cs_assert_fails(cs_dataset_open_npz_split(&ds, "x", (cs_split)2, NULL), CS_ERR_INVALID_ARGUMENT, "split is 2");
    o.struct_size = 0;
    cs_assert_fails(cs_dataset_open_npz(&ds, "x", &o), CS_ERR_INVALID_ARGUMENT, "struct_size is 0");
    o.struct_size = sizeof o + 8;
    cs_assert_fails(cs_dataset_open_npz(&ds, "x", &o), CS_ERR_UNSUPPORTED, "struct_size");
    cs_numpy_options_init(&o);
    o.layout = (cs_layout)7;
    cs_assert_fails(cs_dataset_open_npz(&ds, "x", &o), CS_ERR_INVALID_ARGUMENT, "opts->layout is 7");
    cs_numpy_options_init(&o);
    o.num_classes = 1;
    cs_assert_fails(cs_dataset_open_npz(&ds, "x", &o), CS_ERR_INVALID_ARGUMENT, "opts->num_classes is 1");
    o.num_classes = 65537;
    cs_assert_fails(cs_dataset_open_npy(&ds, "a", "b", &o), CS_ERR_INVALID_ARGUMENT, "2..65536");
    cs_numpy_options_init(&o);
    o.images = "";
    cs_assert_fails(cs_dataset_open_npz(&ds, "x", &o), CS_ERR_INVALID_ARGUMENT, "opts->images is empty");
    o.images = "x_train";
    cs_assert_fails(cs_dataset_open_npy(&ds, "a", "b", &o), CS_ERR_INVALID_ARGUMENT,
                    "array names select members of an .npz");
    char *missing = dir_path("missing.npz");
    cs_assert_fails(cs_dataset_open_npz(&ds, missing, NULL), CS_ERR_NOT_FOUND, "missing.npz: cannot open");
    cs_assert_fails(cs_dataset_open_npy(&ds, missing, missing, NULL), CS_ERR_NOT_FOUND, "missing.npz");
    free(missing);
}
END_TEST

/* ---- .npz --------------------------------------------------------------------------------- */

/* Class names as '<U7' (UTF-32LE) or '|S7' (bytes), `k` of them: "zero", "one", "twö"... */
static bytes names_array(int wide, int k)
{
    static const char *const names[] = { "zero", "one", "two\xc3\xb6", "three" };
    static const uint32_t utf32[4][7] = { { 'z', 'e', 'r', 'o' }, { 'o', 'n', 'e' },
                                          { 't', 'w', 'o', 0xF6 }, { 't', 'h', 'r', 'e', 'e' } };
    uint8_t raw[4 * 28] = { 0 };
    char shape[16];
    snprintf(shape, sizeof shape, "(%d,)", k);
    if (wide) {
        for (int i = 0; i < k; i++)
            for (int j = 0; j < 7; j++)
                for (int b = 0; b < 4; b++)
                    raw[i * 28 + j * 4 + b] = (uint8_t)(utf32[i][j] >> (8 * b));
        return npy("<U7", shape, raw, (size_t)k * 28);
    }
    for (int i = 0; i < k; i++)
        memcpy(raw + i * 7, names[i], strlen(names[i]));
    return npy("|S7", shape, raw, (size_t)k * 7);
}

START_TEST(npz_stored_and_deflated_with_class_names)
{
    for (int method = 0; method <= 8; method += 8)
        for (int wide = 0; wide <= 1; wide++) {
            member m[3] = { { "images.npy", grey_images(), method, 0, 0, 0 },
                            { "labels.npy", labels_i8(), method, 0, 0, 0 },
                            { "class_names.npy", names_array(wide, 4), method, 0, 0, 0 } };
            cs_dataset *ds = NULL;
            cs_assert_ok(open_zip(&ds, m, 3, 0, NULL));
            check_grey(ds);
            /* K comes from the names (4), not from the largest label (2). */
            ck_assert_int_eq(cs_dataset_num_classes(ds), 4);
            ck_assert_str_eq(cs_dataset_class_name(ds, 0), "zero");
            ck_assert_str_eq(cs_dataset_class_name(ds, 2), "two\xc3\xb6");
            ck_assert_str_eq(cs_dataset_class_name(ds, 3), "three");
            cs_dataset_destroy(ds);
            cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
            o.num_classes = 5;
            cs_assert_fails(open_zip(&ds, m, 3, 0, &o), CS_ERR_SIZE_MISMATCH, "4 class names, but opts->num_classes is 5");
            /* Without class names: K from the labels, names "0".. */
            cs_assert_ok(open_zip(&ds, m, 2, 0, NULL));
            ck_assert_int_eq(cs_dataset_num_classes(ds), 3);
            ck_assert_str_eq(cs_dataset_class_name(ds, 1), "1");
            cs_dataset_destroy(ds);
            free_members(m, 3);
        }
}
END_TEST

START_TEST(npz_keras_splits_and_names_from_options)
{
    uint8_t px[2 * H * W];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(200 + i % 50);
    uint8_t test_labels[2] = { 1, 0 };
    member m[4] = { { "x_train.npy", grey_images(), 8, 0, 0, 0 },
                    { "y_train.npy", labels_i8(), 8, 0, 0, 0 },
                    { "x_test.npy", npy("|u1", "(2, 4, 5)", px, sizeof px), 8, 0, 0, 0 },
                    { "y_test.npy", npy("|u1", "(2,)", test_labels, 2), 8, 0, 0, 0 } };
    bytes z = zip(m, 4, 0);
    write_bytes("keras.npz", &z);
    free(z.p);
    char *p = dir_path("keras.npz");
    cs_dataset *train = NULL, *test = NULL, *ds = NULL;
    cs_assert_ok(cs_dataset_open_npz_split(&train, p, CS_SPLIT_TRAIN, NULL));
    check_grey(train);
    cs_assert_ok(cs_dataset_open_npz_split(&test, p, CS_SPLIT_TEST, NULL));
    ck_assert_uint_eq(cs_dataset_size(test), 2);
    ck_assert_int_eq(cs_dataset_label(test, 0), 1);
    ck_assert_uint_eq(cs_dataset_image(test, 1)[0], px[H * W]);
    /* The plain entry point looks for images/labels and lists what the archive holds. */
    cs_assert_fails(cs_dataset_open_npz(&ds, p, NULL), CS_ERR_NOT_FOUND,
                    "no member images.npy; it holds x_train.npy, y_train.npy, x_test.npy, y_test.npy");
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    o.images = "x_test";
    o.labels = "y_test";
    cs_assert_ok(cs_dataset_open_npz(&ds, p, &o));
    ck_assert_uint_eq(cs_dataset_size(ds), 2);
    cs_dataset_destroy(ds);
    o.class_names = "names";
    cs_assert_fails(cs_dataset_open_npz(&ds, p, &o), CS_ERR_NOT_FOUND, "no member names.npy");
    o.class_names = NULL;
    o.labels = "y_train";
    cs_assert_fails(cs_dataset_open_npz(&ds, p, &o), CS_ERR_SIZE_MISMATCH, "holds 2 images but");
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    free(p);
    free_members(m, 4);
}
END_TEST

START_TEST(npz_zip64_sizes_and_end_record)
{
    for (int method = 0; method <= 8; method += 8) {
        member m[2] = { { "images.npy", grey_images(), method, 1, 0, 0 },
                        { "labels.npy", labels_i8(), method, 1, 0, 0 } };
        cs_dataset *ds = NULL;
        cs_assert_ok(open_zip(&ds, m, 2, 1, NULL));
        check_grey(ds);
        cs_dataset_destroy(ds);
        free_members(m, 2);
    }
}
END_TEST

START_TEST(npz_damage_is_refused)
{
    member m[2] = { { "images.npy", grey_images(), 8, 0, 0, 0 }, { "labels.npy", labels_i8(), 8, 0, 0, 0 } };
    cs_dataset *ds = NULL;
    m[0].bad_crc = 1;
    cs_assert_fails(open_zip(&ds, m, 2, 0, NULL), CS_ERR_CORRUPT, "images.npy fails its CRC-32 check");
    m[0].bad_crc = 0;
    m[1].flags = 1;
    cs_assert_fails(open_zip(&ds, m, 2, 0, NULL), CS_ERR_UNSUPPORTED, "labels.npy is encrypted");
    m[1].flags = 0;
    m[1].method = 12;
    cs_assert_fails(open_zip(&ds, m, 2, 0, NULL), CS_ERR_UNSUPPORTED, "compression method 12");
    m[1].method = 0;
    m[1].name = "images.npy";
    cs_assert_fails(open_zip(&ds, m, 2, 0, NULL), CS_ERR_FORMAT, "two members are named 'images.npy'");
    m[1].name = "labels.npy";

    bytes z = zip(m, 2, 0);
    /* Corrupt deflate data: the first block header with the reserved type 3. */
    size_t data_at = 30 + strlen("images.npy");
    z.p[data_at] |= 0x06;
    write_bytes("bad.npz", &z);
    char *p = dir_path("bad.npz");
    cs_assert_fails(cs_dataset_open_npz(&ds, p, NULL), CS_ERR_CORRUPT, "images.npy: corrupt deflate data");
    z.p[data_at] = 0;
    /* Cut before the end record: not a zip any more. */
    bytes cut = { z.p, z.len - 10, 0 };
    write_bytes("bad.npz", &cut);
    cs_assert_fails(cs_dataset_open_npz(&ds, p, NULL), CS_ERR_FORMAT, "no end-of-central-directory record");
    /* A central directory said to start beyond its end record. */
    z.p[z.len - 6] = 0xff;
    write_bytes("bad.npz", &z);
    cs_assert_fails(cs_dataset_open_npz(&ds, p, NULL), CS_ERR_TRUNCATED, "the central directory");
    ck_assert_ptr_null(ds);
    free(z.p);
    /* Member data cut short: the directory moved to follow less data than it claims. */
    bytes img = grey_images();
    img.len -= 5;
    member trunc[2] = { { "images.npy", img, 0, 0, 0, 0 }, { "labels.npy", labels_i8(), 0, 0, 0, 0 } };
    cs_assert_fails(open_zip(&ds, trunc, 2, 0, NULL), CS_ERR_TRUNCATED, "(member images.npy): truncated");
    free_members(trunc, 2);
    free(p);
    free_members(m, 2);
}
END_TEST

START_TEST(npz_bad_class_names)
{
    uint8_t obj[64] = { 0 };
    member m[3] = { { "images.npy", grey_images(), 0, 0, 0, 0 },
                    { "labels.npy", labels_i8(), 0, 0, 0, 0 },
                    { "class_names.npy", npy("|O", "(3,)", obj, 24), 0, 0, 0, 0 } };
    cs_dataset *ds = NULL;
    cs_assert_fails(open_zip(&ds, m, 3, 0, NULL), CS_ERR_UNSUPPORTED, "object array ('|O', pickled");
    free(m[2].data.p);
    m[2].data = names_array(1, 2);
    cs_assert_fails(open_zip(&ds, m, 3, 0, NULL), CS_ERR_OUT_OF_RANGE, "label 2 of record 2");
    free(m[2].data.p);
    uint8_t blank[3 * 4] = { 'a', 0, 0, 0, 0, 0, 0, 0, 'c', 0, 0, 0 };
    m[2].data = npy("|S4", "(3,)", blank, sizeof blank);
    cs_assert_fails(open_zip(&ds, m, 3, 0, NULL), CS_ERR_FORMAT, "class name 1 is empty");
    free(m[2].data.p);
    uint32_t bad[3 * 2] = { 'a', 0, 0xD800, 0, 'c', 0 };
    m[2].data = npy("<U2", "(3,)", bad, sizeof bad);
    cs_assert_fails(open_zip(&ds, m, 3, 0, NULL), CS_ERR_FORMAT, "class name 1 holds an invalid code point");
    free(m[2].data.p);
    int64_t ints[3] = { 0 };
    m[2].data = npy("<i8", "(3,)", ints, sizeof ints);
    cs_assert_fails(open_zip(&ds, m, 3, 0, NULL), CS_ERR_UNSUPPORTED, "expected str ('<U...')");
    free_members(m, 3);
}
END_TEST

/* Every damaged copy of a valid archive loads or fails cleanly (ASan watches the rest). */
START_TEST(random_damage_never_crashes)
{
    member m[3] = { { "images.npy", grey_images(), 8, 0, 0, 0 },
                    { "labels.npy", labels_i8(), 0, 1, 0, 0 },
                    { "class_names.npy", names_array(1, 3), 8, 0, 0, 0 } };
    bytes z = zip(m, 3, 1);
    uint8_t *buf = malloc(z.len);
    char *p = dir_path("damaged.npz");
    int failures = 0;
    for (uint32_t trial = 0; trial < 400; trial++) {
        memcpy(buf, z.p, z.len);
        size_t cut = z.len;
        if (cs_test_byte(trial, 0) < 48)
            cut = cs_test_byte(trial, 1) * z.len / 256;
        int flips = 1 + cs_test_byte(trial, 2) % 3;
        for (int k = 0; k < flips; k++)
            buf[(cs_test_byte(trial, 3 + (size_t)k) * 256u + cs_test_byte(trial, 10 + (size_t)k)) % z.len] ^=
                (uint8_t)(1u << (cs_test_byte(trial, 20 + (size_t)k) % 8));
        cs_test_write(p, buf, cut, 0);
        cs_dataset *ds = NULL;
        cs_error_clear();
        int rc = cs_dataset_open_npz(&ds, p, NULL);
        failures += cs_test_check_outcome(rc, ds);
    }
    ck_assert_int_gt(failures, 200);
    free(p);
    free(buf);
    free(z.p);
    free_members(m, 3);
}
END_TEST

/* ---- files numpy wrote -------------------------------------------------------------------- */

/* tests/fixtures/numpy (written by make_fixtures.py there): $CS_TEST_FIXTURES/numpy when that
 * is set, else next to this source file, found through __FILE__. */
static char *numpy_fixture(const char *name)
{
    const char *root = getenv("CS_TEST_FIXTURES");
    char *dir;
    if (root && *root) {
        dir = cs_test_path(root, "numpy");
    } else {
        const char *file = __FILE__, *slash = strrchr(file, '/');
        size_t len = slash ? (size_t)(slash - file) + 1 : 0;
        dir = malloc(len + sizeof "fixtures/numpy");
        ck_assert_ptr_nonnull(dir);
        memcpy(dir, file, len);
        memcpy(dir + len, "fixtures/numpy", sizeof "fixtures/numpy");
    }
    char *path = cs_test_path(dir, name);
    free(dir);
    return path;
}

static uint8_t real_pixel(size_t i) { return (uint8_t)((7 * i + 3) % 256); }

/* What np.save, np.savez and np.savez_compressed wrote (numpy 1.24), when the fixtures are there. */
START_TEST(real_numpy_files)
{
    char *savez = numpy_fixture("savez.npz"), *compressed = numpy_fixture("compressed.npz"),
         *images = numpy_fixture("images.npy"), *labels = numpy_fixture("labels.npy"),
         *fortran = numpy_fixture("fortran.npy"), *floats = numpy_fixture("float.npy"),
         *objects = numpy_fixture("object_names.npz");
    FILE *probe = fopen(savez, "rb");
    if (probe) {
        fclose(probe);
        cs_dataset *ds = NULL;
        cs_assert_ok(cs_dataset_open_npz(&ds, savez, NULL));
        ck_assert_uint_eq(cs_dataset_size(ds), 5);
        ck_assert_int_eq(cs_dataset_num_classes(ds), 3);
        ck_assert_str_eq(cs_dataset_class_name(ds, 1), "bee");
        for (size_t i = 0; i < 5; i++) {
            ck_assert_int_eq(cs_dataset_label(ds, i), (int)(i % 3));
            for (size_t q = 0; q < 24; q++)
                ck_assert_uint_eq(cs_dataset_image(ds, i)[q], real_pixel(i * 24 + q));
        }
        cs_dataset_destroy(ds);

        for (int split = 0; split < 2; split++) {
            const size_t n = split ? 3 : 6;
            cs_assert_ok(cs_dataset_open_npz_split(&ds, compressed, split ? CS_SPLIT_TEST : CS_SPLIT_TRAIN, NULL));
            int c, h, w;
            cs_dataset_shape(&c, &h, &w, ds);
            ck_assert(c == 3 && h == 4 && w == 5);
            ck_assert_uint_eq(cs_dataset_size(ds), n);
            ck_assert_str_eq(cs_dataset_class_name(ds, 1), "green");
            for (size_t i = 0; i < n; i++) {
                ck_assert_int_eq(cs_dataset_label(ds, i), (int)(i % 3));
                for (size_t ch = 0; ch < 3; ch++)
                    for (size_t q = 0; q < 20; q++)
                        ck_assert_uint_eq(cs_dataset_image(ds, i)[ch * 20 + q], real_pixel(i * 60 + q * 3 + ch));
            }
            cs_dataset_destroy(ds);
        }

        cs_assert_ok(cs_dataset_open_npy(&ds, images, labels, NULL));
        ck_assert_uint_eq(cs_dataset_size(ds), 4);
        for (size_t i = 0; i < 4; i++) {
            ck_assert_int_eq(cs_dataset_label(ds, i), (int)(i % 3));
            for (size_t q = 0; q < 60; q++)
                ck_assert_uint_eq(cs_dataset_image(ds, i)[q], real_pixel(i * 60 + q));
        }
        cs_dataset_destroy(ds);
        cs_assert_fails(cs_dataset_open_npy(&ds, fortran, labels, NULL), CS_ERR_UNSUPPORTED, "Fortran order");
        cs_assert_fails(cs_dataset_open_npy(&ds, floats, labels, NULL), CS_ERR_UNSUPPORTED, "dtype '<f4'");
        cs_assert_fails(cs_dataset_open_npz(&ds, objects, NULL), CS_ERR_UNSUPPORTED, "object array ('|O'");
    }
    free(savez);
    free(compressed);
    free(images);
    free(labels);
    free(fortran);
    free(floats);
    free(objects);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("numpy");
    TCase *tc = tcase_create("numpy");
    tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
    tcase_add_test(tc, npy_pair_loads_grey_images);
    tcase_add_test(tc, every_integer_label_dtype_in_both_byte_orders);
    tcase_add_test(tc, format_versions_1_2_and_3);
    tcase_add_test(tc, header_keys_in_any_order_and_spacing);
    tcase_add_test(tc, channels_last_pixels_equal_planar_ones);
    tcase_add_test(tc, ambiguous_and_contradicting_layouts_are_refused);
    tcase_add_test(tc, wrong_dtypes_are_refused_by_name);
    tcase_add_test(tc, fortran_order_is_refused);
    tcase_add_test(tc, malformed_headers_are_refused_with_offsets);
    tcase_add_test(tc, data_shorter_or_longer_than_promised);
    tcase_add_test(tc, labels_out_of_range_and_count_mismatch);
    tcase_add_test(tc, bad_arguments_and_options);
    tcase_add_test(tc, npz_stored_and_deflated_with_class_names);
    tcase_add_test(tc, npz_keras_splits_and_names_from_options);
    tcase_add_test(tc, npz_zip64_sizes_and_end_record);
    tcase_add_test(tc, npz_damage_is_refused);
    tcase_add_test(tc, npz_bad_class_names);
    tcase_add_test(tc, random_damage_never_crashes);
    tcase_add_test(tc, real_numpy_files);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
