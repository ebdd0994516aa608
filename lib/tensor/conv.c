/* 2-D convolution (groups = 1) as im2col + GEMM, darknet's design, run on tiles of a few
 * images rather than on the whole batch at once.
 *
 * Why tiles: one column matrix for the whole batch is K x (N * H_out * W_out), 144 MiB for
 * ResNet18's layer1 at batch 64, and streaming it through memory makes OpenBLAS 1.3-1.7x
 * slower than one image's matrix does (performance-anchors.md). So a tile is one image where
 * an image has at least TILE_COLS output pixels, and otherwise the planes of as many
 * consecutive images as make TILE_COLS columns: at ResNet18's 4x4 layer4 one image gives 16
 * columns, which OpenBLAS runs at a third of its speed on 256 (the whole layer ran 2x faster
 * on tiles of 16 images than image by image). Cutting an image into bands of output rows, so
 * that col stays in L2, measured slower at layer1 (more, smaller GEMMs) and is not done.
 *
 * Layout of a tile of m images of HWo = H_out * W_out output pixels: the column matrix col is
 * (K = C_in*KH*KW, m * HWo), image i in columns [i*HWo, (i+1)*HWo); row (c*KH + ki)*KW + kj
 * holds x[c][oh*stride - pad + ki][ow*stride - pad + kj] at column i*HWo + oh*W_out + ow, 0 in
 * the padding. With PyTorch's weight layout (C_out, C_in, KH, KW), read as (C_out, K):
 *   forward   y_tile (C_out, m*HWo) = W · col
 *   backward  dW     (C_out, K)    += dY_tile · colᵀ
 *             dcol   (K, m*HWo)     = Wᵀ · dY_tile, then col2im adds dcol into dx.
 * For one image, y_tile and dY_tile are its (C_out, HWo) planes, used in place; several
 * images' planes are not adjacent in (N, C_out, HWo) and go through a staging matrix. A 1x1,
 * stride-1, unpadded convolution needs no col at all: the input plane (C_in, HW) already is
 * the column matrix, so it multiplies x directly with no scratch.
 *
 * 3x3 stride-1 pad-1 convolutions with enough channels go to Winograd instead (winograd.c):
 * F(4x4, 3x3) on planes of 12 x 12 outputs or more (4x fewer multiplications), F(2x2, 3x3)
 * on smaller ones (2.25x), in the forward pass, dx and dW.
 *
 * Every loop order is fixed and OpenBLAS partitions C (never K) among its threads, so results
 * are reproducible run to run for a given shape and thread count. */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "tensor/clones.h"
#include "tensor/kernels.h"
#include "tensor/winograd.h"

/* The fewest columns a tile should give one GEMM: OpenBLAS runs the conv shapes at 85-100 %
 * of its big-matrix speed from 256 columns on, at 30-80 % on 16 to 64. */
#define TILE_COLS 256

static bool is_pointwise(const cs__conv_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
}

static size_t out_plane(const cs__conv_shape *s)
{
    return (size_t)s->h_out * (size_t)s->w_out;
}

/* Images per tile of planes of hw columns: enough for TILE_COLS columns, never more than the
 * batch. */
static int images_per_tile(size_t hw, int n)
{
    const size_t images = hw >= TILE_COLS ? 1 : (TILE_COLS + hw - 1) / hw;
    return images < (size_t)n ? (int)images : n;
}

static int tile_images(const cs__conv_shape *s)
{
    return images_per_tile(out_plane(s), s->n);
}

/* Stride 1 without padding and a kernel wider than one column (LeNet's 5x5, the custom
 * model's unpadded 3x3): computed on a "wide" output grid of H_out rows of W columns, whose
 * last KW - 1 columns are never used. On that grid every row of col is one contiguous span
 * of the input plane, x[c][ki][kj] onwards: im2col is C_in*KH*KW copies instead of that many
 * times H_out short ones, and col2im as many contiguous additions. The output is then
 * compacted (and dY spread out, with zeros in the unused columns, which makes their share of
 * dW and dx exactly 0). Costs W / W_out more GEMM work (32/28 for LeNet's conv1), saves most
 * of im2col, which dominated LeNet (44 % of its training time, row copies of 28 floats). */
static bool is_wide(const cs__conv_shape *s)
{
    return s->stride == 1 && s->pad == 0 && s->kw > 1 && s->w_out < s->w_in;
}

static size_t wide_plane(const cs__conv_shape *s)
{
    return (size_t)s->h_out * (size_t)s->w_in;
}

static int wide_tile_images(const cs__conv_shape *s)
{
    return images_per_tile(wide_plane(s), s->n);
}

bool cs__conv_shape_init(cs__conv_shape *s, int n, int c_in, int h_in, int w_in, int c_out, int kh,
                         int kw, int stride, int pad)
{
    *s = (cs__conv_shape){ .n = n, .c_in = c_in, .h_in = h_in, .w_in = w_in, .c_out = c_out,
                           .kh = kh, .kw = kw, .stride = stride, .pad = pad };
    if (n <= 0 || c_in <= 0 || h_in <= 0 || w_in <= 0 || c_out <= 0 || kh <= 0 || kw <= 0 ||
        stride <= 0 || pad < 0)
        return false;
    /* In long long so that a huge pad cannot overflow before it is rejected. The padded input
     * must fit in int because the index arithmetic of im2col runs in int. */
    const long long h_padded = (long long)h_in + 2LL * pad, w_padded = (long long)w_in + 2LL * pad;
    if (h_padded > INT_MAX || w_padded > INT_MAX)
        return false;
    const long long h_span = h_padded - kh, w_span = w_padded - kw;
    if (h_span < 0 || w_span < 0)
        return false;
    const long long h_out = h_span / stride + 1, w_out = w_span / stride + 1;
    /* GEMM dimensions are int (the BLAS interface): K and the output plane must fit (a tile
     * of several planes has fewer than 2 * TILE_COLS columns). */
    if ((long long)c_in * kh > INT_MAX || (long long)c_in * kh * kw > INT_MAX ||
        h_out > INT_MAX || w_out > INT_MAX || h_out * w_out > INT_MAX)
        return false;
    s->h_out = (int)h_out;
    s->w_out = (int)w_out;
    return true;
}

size_t cs__conv_workspace(const cs__conv_shape *s)
{
    if (is_pointwise(s))
        return 0;
    const bool wino = cs__winograd_applies(s);
    if (wino && cs__winograd_weights_apply(s))
        return cs__winograd_workspace(s);
    if (is_wide(s)) {
        const int images = wide_tile_images(s);
        const size_t cols = (size_t)images * wide_plane(s);
        return ((size_t)s->c_in * (size_t)s->kh * (size_t)s->kw + (size_t)s->c_out) * cols;
    }
    const int images = tile_images(s);
    const size_t cols = (size_t)images * out_plane(s);
    const size_t k = (size_t)s->c_in * (size_t)s->kh * (size_t)s->kw;
    /* col, and the staging matrix where a tile holds several images */
    const size_t gemm = k * cols + (images > 1 ? (size_t)s->c_out * cols : 0);
    if (wino) { /* Winograd's forward and dx, im2col's dW, one after the other */
        const size_t w = cs__winograd_workspace(s);
        return w > gemm ? w : gemm;
    }
    return gemm;
}

/* The output positions o in [0, out) whose input position o*stride - pad + k lies in
 * [0, in), as [*lo, *hi) with *lo <= *hi. Computed once per kernel row or column so that the
 * inner loops carry no bounds checks and the padding is written as zero runs. */
static void inside(int *lo, int *hi, int out, int in, int k, int stride, int pad)
{
    const long long first = (long long)pad - k;         /* o * stride >= first */
    const long long last = (long long)in - 1 + pad - k; /* o * stride <= last */
    long long l = first <= 0 ? 0 : (first + stride - 1) / stride;
    long long h = last < 0 ? 0 : last / stride + 1;
    if (h > out)
        h = out;
    if (l > h)
        l = h;
    *lo = (int)l;
    *hi = (int)h;
}

/* Whether each row of col is x's plane shifted by a constant: stride 1 and W_out == W
 * (2 pad == KW - 1: ResNet's 3x3 pad 1, 5x5 pad 2). Then im2col copies the span from the
 * first to the last valid entry in one piece and fixes up the entries that wrapped around
 * from the neighbouring input row, instead of one short copy per output row: 1.3x faster on
 * 32x32 planes, 2x on 8x8. (The same trick in col2im, which must zero the wrapped entries
 * before adding, measured no faster and is not used there.) */
static bool shifted_rows(const cs__conv_shape *s)
{
    return s->stride == 1 && s->w_out == s->w_in;
}

/* For shifted rows: the entries [*a, *z) of a row of col from the first to the last that lie
 * inside x, given the valid output rows [lo, hi) and columns [ow_lo, ow_hi); *a == *z when
 * there are none. */
static void valid_span(size_t *a, size_t *z, int lo, int hi, int ow_lo, int ow_hi, int wo)
{
    *a = *z = 0;
    if (lo == hi || ow_lo == ow_hi)
        return;
    *a = (size_t)lo * (size_t)wo + (size_t)ow_lo;
    *z = (size_t)(hi - 1) * (size_t)wo + (size_t)ow_hi;
}

/* One image x (C_in, H, W) into col, whose rows are ld floats apart. Rows of col are written
 * front to back, so that the writes stream. */
CS_CLONES static void im2col(float *restrict col, size_t ld, const float *restrict x, const cs__conv_shape *s)
{
    const int wo = s->w_out, st = s->stride;
    const size_t plane = (size_t)s->h_in * (size_t)s->w_in, hw = out_plane(s);
    for (int c = 0; c < s->c_in; c++) {
        const float *xc = x + (size_t)c * plane;
        for (int ki = 0; ki < s->kh; ki++) {
            int lo, hi; /* valid output rows */
            inside(&lo, &hi, s->h_out, s->h_in, ki, st, s->pad);
            for (int kj = 0; kj < s->kw; kj++) {
                int ow_lo, ow_hi;
                inside(&ow_lo, &ow_hi, wo, s->w_in, kj, st, s->pad);
                float *row = col + (size_t)((c * s->kh + ki) * s->kw + kj) * ld;
                const int off = kj - s->pad; /* input column of output column 0 */
                if (shifted_rows(s)) {
                    size_t a, z;
                    valid_span(&a, &z, lo, hi, ow_lo, ow_hi, wo);
                    /* entry e of the row is entry e + shift of x's plane, inside it on [a, z) */
                    const ptrdiff_t shift = (ptrdiff_t)(ki - s->pad) * wo + off;
                    memset(row, 0, a * sizeof *row);
                    if (z > a)
                        memcpy(row + a, xc + ((ptrdiff_t)a + shift), (z - a) * sizeof *row);
                    memset(row + z, 0, (hw - z) * sizeof *row);
                    for (int r = lo; r < hi; r++) {
                        float *dst = row + (size_t)r * (size_t)wo;
                        for (int ow = 0; ow < ow_lo; ow++)
                            dst[ow] = 0.0f;
                        for (int ow = ow_hi; ow < wo; ow++)
                            dst[ow] = 0.0f;
                    }
                    continue;
                }
                memset(row, 0, (size_t)lo * (size_t)wo * sizeof *row);
                /* Output rows are short (28 floats in LeNet, 4 in ResNet's layer4): plain loops,
                 * not a memcpy and two memsets per row, whose calls cost more than the copying
                 * (CMakeLists.txt keeps GCC from turning the loops back into such calls). */
                for (int r = lo; r < hi; r++) {
                    float *restrict dst = row + (size_t)r * (size_t)wo;
                    const float *restrict src = xc + (size_t)(r * st - s->pad + ki) * (size_t)s->w_in;
                    for (int ow = 0; ow < ow_lo; ow++)
                        dst[ow] = 0.0f;
                    if (st == 1) {
                        for (int ow = ow_lo; ow < ow_hi; ow++)
                            dst[ow] = src[ow + off];
                    } else {
                        for (int ow = ow_lo; ow < ow_hi; ow++)
                            dst[ow] = src[ow * st + off];
                    }
                    for (int ow = ow_hi; ow < wo; ow++)
                        dst[ow] = 0.0f;
                }
                const size_t tail = (size_t)hi * (size_t)wo;
                memset(row + tail, 0, (hw - tail) * sizeof *row);
            }
        }
    }
}

/* The adjoint of im2col: dx (C_in, H, W) += every entry of col at the input position it was
 * copied from; padding entries have no position and are dropped. */
CS_CLONES static void col2im_add(float *restrict dx, const float *restrict col, size_t ld,
                       const cs__conv_shape *s)
{
    const int wo = s->w_out, st = s->stride;
    const size_t plane = (size_t)s->h_in * (size_t)s->w_in;
    for (int c = 0; c < s->c_in; c++) {
        float *dxc = dx + (size_t)c * plane;
        for (int ki = 0; ki < s->kh; ki++) {
            int lo, hi;
            inside(&lo, &hi, s->h_out, s->h_in, ki, st, s->pad);
            for (int kj = 0; kj < s->kw; kj++) {
                int ow_lo, ow_hi;
                inside(&ow_lo, &ow_hi, wo, s->w_in, kj, st, s->pad);
                const float *row = col + (size_t)((c * s->kh + ki) * s->kw + kj) * ld;
                const int off = kj - s->pad;
                for (int r = lo; r < hi; r++) {
                    const float *src = row + (size_t)r * (size_t)wo;
                    float *dst = dxc + (size_t)(r * st - s->pad + ki) * (size_t)s->w_in;
                    if (st == 1) { /* a unit stride the compiler can vectorise */
                        for (int ow = ow_lo; ow < ow_hi; ow++)
                            dst[ow + off] += src[ow];
                    } else {
                        for (int ow = ow_lo; ow < ow_hi; ow++)
                            dst[ow * st + off] += src[ow];
                    }
                }
            }
        }
    }
}

/* Set each of the C_out planes of y (C_out, hw) to its bias and return the beta that makes the
 * following GEMM add to it; without a bias the GEMM overwrites (beta 0). */
static float preset_bias(float *y, const float *b, int c_out, size_t hw)
{
    if (!b)
        return 0.0f;
    for (int co = 0; co < c_out; co++) {
        float *p = y + (size_t)co * hw;
        for (size_t j = 0; j < hw; j++)
            p[j] = b[co];
    }
    return 1.0f;
}

/* Row r = (c, ki, kj) of the wide col of one image: x from plane offset ki*W + kj on, as far
 * as the image reaches (the rest, past the last plane, lies in unused columns and is zeroed). */
static size_t wide_span(const cs__conv_shape *s, int r, size_t *start)
{
    const int c = r / (s->kh * s->kw), ki = r / s->kw % s->kh, kj = r % s->kw;
    const size_t image = (size_t)s->c_in * (size_t)s->h_in * (size_t)s->w_in;
    *start = (size_t)c * (size_t)s->h_in * (size_t)s->w_in + (size_t)ki * (size_t)s->w_in + (size_t)kj;
    const size_t len = wide_plane(s);
    return image - *start < len ? image - *start : len;
}

CS_CLONES static void wide_im2col(float *restrict col, size_t ld, const float *restrict x, const cs__conv_shape *s)
{
    const int k = s->c_in * s->kh * s->kw;
    const size_t len = wide_plane(s);
    for (int r = 0; r < k; r++) {
        size_t start;
        const size_t n = wide_span(s, r, &start);
        float *row = col + (size_t)r * ld;
        memcpy(row, x + start, n * sizeof *row);
        memset(row + n, 0, (len - n) * sizeof *row);
    }
}

CS_CLONES static void wide_col2im_add(float *restrict dx, const float *restrict col, size_t ld, const cs__conv_shape *s)
{
    const int k = s->c_in * s->kh * s->kw;
    for (int r = 0; r < k; r++) {
        size_t start;
        const size_t n = wide_span(s, r, &start);
        const float *row = col + (size_t)r * ld;
        float *dst = dx + start;
        for (size_t j = 0; j < n; j++)
            dst[j] += row[j];
    }
}

/* Sizes of the wide grid's tiles and the workspace's two matrices: col (K, cols) and the
 * staging matrix (C_out, cols) of the output (forward) or of dY (backward). */
typedef struct wide_tiles {
    size_t hw, wide, x_img, y_img, cols;
    int k, images;
    float *col, *stage;
} wide_tiles;

static wide_tiles wide_tiles_of(const cs__conv_shape *s, float *work)
{
    wide_tiles t;
    t.hw = out_plane(s);
    t.wide = wide_plane(s);
    t.x_img = (size_t)s->c_in * (size_t)s->h_in * (size_t)s->w_in;
    t.y_img = (size_t)s->c_out * t.hw;
    t.k = s->c_in * s->kh * s->kw;
    t.images = wide_tile_images(s);
    t.cols = (size_t)t.images * t.wide;
    t.col = work;
    t.stage = work + (size_t)t.k * t.cols;
    return t;
}

static void wide_forward(float *y, const float *x, const float *w, const float *b, const cs__conv_shape *s,
                         float *work)
{
    const wide_tiles t = wide_tiles_of(s, work);
    for (int n0 = 0; n0 < s->n; n0 += t.images) {
        const int m = s->n - n0 < t.images ? s->n - n0 : t.images;
        for (int i = 0; i < m; i++)
            wide_im2col(t.col + (size_t)i * t.wide, t.cols, x + (size_t)(n0 + i) * t.x_img, s);
        cs__sgemm(false, false, s->c_out, m * (int)t.wide, t.k, 1.0f, w, t.k, t.col, (int)t.cols, 0.0f, t.stage,
                  (int)t.cols);
        for (int i = 0; i < m; i++)
            for (int co = 0; co < s->c_out; co++) {
                const float bias = b ? b[co] : 0.0f;
                for (int oh = 0; oh < s->h_out; oh++) {
                    const float *src =
                        t.stage + (size_t)co * t.cols + (size_t)i * t.wide + (size_t)oh * (size_t)s->w_in;
                    float *dst = y + (size_t)(n0 + i) * t.y_img + (size_t)co * t.hw + (size_t)oh * (size_t)s->w_out;
                    for (int ow = 0; ow < s->w_out; ow++)
                        dst[ow] = bias + src[ow];
                }
            }
    }
}

static void wide_backward(float *dx, float *dw, const float *dy, const float *x, const float *w,
                          const cs__conv_shape *s, float *work)
{
    const wide_tiles t = wide_tiles_of(s, work);
    for (int n0 = 0; n0 < s->n; n0 += t.images) {
        const int m = s->n - n0 < t.images ? s->n - n0 : t.images;
        const int width = m * (int)t.wide;
        /* dY on the t.wide grid, zero in the unused columns. */
        for (int i = 0; i < m; i++)
            for (int co = 0; co < s->c_out; co++)
                for (int oh = 0; oh < s->h_out; oh++) {
                    const float *src =
                        dy + (size_t)(n0 + i) * t.y_img + (size_t)co * t.hw + (size_t)oh * (size_t)s->w_out;
                    float *dst = t.stage + (size_t)co * t.cols + (size_t)i * t.wide + (size_t)oh * (size_t)s->w_in;
                    int ow = 0;
                    for (; ow < s->w_out; ow++)
                        dst[ow] = src[ow];
                    for (; ow < s->w_in; ow++)
                        dst[ow] = 0.0f;
                }
        if (dw) {
            for (int i = 0; i < m; i++)
                wide_im2col(t.col + (size_t)i * t.wide, t.cols, x + (size_t)(n0 + i) * t.x_img, s);
            cs__sgemm(false, true, s->c_out, t.k, width, 1.0f, t.stage, (int)t.cols, t.col, (int)t.cols, 1.0f, dw, t.k);
        }
        if (dx) {
            cs__sgemm(true, false, t.k, width, s->c_out, 1.0f, w, t.k, t.stage, (int)t.cols, 0.0f, t.col, (int)t.cols);
            for (int i = 0; i < m; i++)
                wide_col2im_add(dx + (size_t)(n0 + i) * t.x_img, t.col + (size_t)i * t.wide, t.cols, s);
        }
    }
}

void cs__conv2d_forward(float *y, const float *x, const float *w, const float *b,
                        const cs__conv_shape *s, float *work)
{
    const size_t hw = out_plane(s);
    const size_t x_img = (size_t)s->c_in * (size_t)s->h_in * (size_t)s->w_in;
    const size_t y_img = (size_t)s->c_out * hw;
    const int k = s->c_in * s->kh * s->kw;

    if (is_wide(s)) {
        wide_forward(y, x, w, b, s, work);
        return;
    }
    if (cs__winograd_applies(s)) {
        cs__winograd_forward(y, x, w, b, s, work);
        return;
    }
    if (is_pointwise(s)) {
        for (int n = 0; n < s->n; n++) {
            float *yn = y + (size_t)n * y_img;
            const float beta = preset_bias(yn, b, s->c_out, hw);
            cs__sgemm(false, false, s->c_out, (int)hw, k, 1.0f, w, k, x + (size_t)n * x_img,
                      (int)hw, beta, yn, (int)hw);
        }
        return;
    }

    const int images = tile_images(s);
    const size_t cols = (size_t)images * hw;
    float *col = work;
    float *stage = work + (size_t)k * cols; /* only when tiles hold several images */
    for (int n0 = 0; n0 < s->n; n0 += images) {
        const int m = s->n - n0 < images ? s->n - n0 : images;
        for (int i = 0; i < m; i++)
            im2col(col + (size_t)i * hw, cols, x + (size_t)(n0 + i) * x_img, s);
        float *y0 = y + (size_t)n0 * y_img;
        if (m == 1) {
            const float beta = preset_bias(y0, b, s->c_out, hw);
            cs__sgemm(false, false, s->c_out, (int)hw, k, 1.0f, w, k, col, (int)cols, beta, y0,
                      (int)hw);
            continue;
        }
        cs__sgemm(false, false, s->c_out, m * (int)hw, k, 1.0f, w, k, col, (int)cols, 0.0f, stage,
                  (int)cols);
        for (int i = 0; i < m; i++) {
            for (int co = 0; co < s->c_out; co++) {
                const float *src = stage + (size_t)co * cols + (size_t)i * hw;
                float *dst = y0 + (size_t)i * y_img + (size_t)co * hw;
                const float bias = b ? b[co] : 0.0f;
                for (size_t j = 0; j < hw; j++)
                    dst[j] = bias + src[j];
            }
        }
    }
}

/* db (C_out) += the sum of dy (N, C_out, HWo) over N and HWo. The sum runs in double because
 * it has N * HWo terms (65536 in ResNet18's layer1 at batch 64): in float its rounding error
 * would grow to about 1e-5 of the sum. Eight running sums rather than one keep the additions
 * from waiting on each other (5.6 ms with one at layer1, 1.6 ms with eight); the lanes and
 * their final combination are in a fixed order, so the result is still deterministic. */
void cs__conv_bias_backward(float *db, const float *dy, const cs__conv_shape *s)
{
    enum { LANES = 8 };
    const size_t hw = out_plane(s);
    for (int co = 0; co < s->c_out; co++) {
        double lane[LANES] = { 0 };
        for (int n = 0; n < s->n; n++) {
            const float *p = dy + ((size_t)n * (size_t)s->c_out + (size_t)co) * hw;
            size_t j = 0;
            for (; j + LANES <= hw; j += LANES)
                for (int l = 0; l < LANES; l++)
                    lane[l] += p[j + l];
            for (; j < hw; j++)
                lane[0] += p[j];
        }
        double sum = 0.0;
        for (int l = 0; l < LANES; l++)
            sum += lane[l];
        db[co] += (float)sum;
    }
}

void cs__conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, const cs__conv_shape *s, float *work)
{
    const size_t hw = out_plane(s);
    const size_t x_img = (size_t)s->c_in * (size_t)s->h_in * (size_t)s->w_in;
    const size_t y_img = (size_t)s->c_out * hw;
    const int k = s->c_in * s->kh * s->kw;

    if (db)
        cs__conv_bias_backward(db, dy, s);
    if (!dx && !dw)
        return;
    if (is_wide(s)) {
        wide_backward(dx, dw, dy, x, w, s, work);
        return;
    }
    if (cs__winograd_applies(s)) {
        if (dx)
            cs__winograd_backward_data(dx, dy, w, s, work);
        if (!dw)
            return;
        if (cs__winograd_weights_apply(s)) {
            cs__winograd_backward_weights(dw, dy, x, s, work);
            return;
        }
        dx = NULL; /* done; dW by im2col + GEMM below */
    }

    if (is_pointwise(s)) {
        /* x's plane is its own column matrix and dx's plane its own dcol, so both products
         * accumulate in place (beta 1). */
        for (int n = 0; n < s->n; n++) {
            const float *dyn = dy + (size_t)n * y_img;
            if (dw)
                cs__sgemm(false, true, s->c_out, k, (int)hw, 1.0f, dyn, (int)hw,
                          x + (size_t)n * x_img, (int)hw, 1.0f, dw, k);
            if (dx)
                cs__sgemm(true, false, k, (int)hw, s->c_out, 1.0f, w, k, dyn, (int)hw, 1.0f,
                          dx + (size_t)n * x_img, (int)hw);
        }
        return;
    }

    const int images = tile_images(s);
    const size_t cols = (size_t)images * hw;
    float *col = work;
    float *stage = work + (size_t)k * cols;
    for (int n0 = 0; n0 < s->n; n0 += images) {
        const int m = s->n - n0 < images ? s->n - n0 : images;
        const int width = m * (int)hw;

        /* dY of the tile as one (C_out, width) matrix: in place for one image, gathered into
         * the staging matrix for several. */
        const float *dyt = dy + (size_t)n0 * y_img;
        int ld_dy = (int)hw;
        if (m > 1) {
            for (int i = 0; i < m; i++)
                for (int co = 0; co < s->c_out; co++)
                    memcpy(stage + (size_t)co * cols + (size_t)i * hw,
                           dyt + (size_t)i * y_img + (size_t)co * hw, hw * sizeof *stage);
            dyt = stage;
            ld_dy = (int)cols;
        }

        if (dw) {
            for (int i = 0; i < m; i++)
                im2col(col + (size_t)i * hw, cols, x + (size_t)(n0 + i) * x_img, s);
            cs__sgemm(false, true, s->c_out, k, width, 1.0f, dyt, ld_dy, col, (int)cols, 1.0f,
                      dw, k);
        }
        if (dx) {
            /* col is free again once dW has consumed it, so dcol reuses it. */
            cs__sgemm(true, false, k, width, s->c_out, 1.0f, w, k, dyt, ld_dy, 0.0f, col,
                      (int)cols);
            for (int i = 0; i < m; i++)
                col2im_add(dx + (size_t)(n0 + i) * x_img, col + (size_t)i * hw, cols, s);
        }
    }
}
