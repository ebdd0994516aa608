/* PNG writer for thumbnails (png.h): per-row filter choice, zlib deflate, CRC-checked chunks. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/memory.h"
#include "report/png.h"

static int check_image(const char *fn, const void *out, const uint8_t *pixels, int channels,
                       int h, int w)
{
    if (!out || !pixels)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !out ? "out" : "pixels");
    if (channels != 1 && channels != 3)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: channels is %d, expected 1 (grayscale) or 3 (RGB)", fn, channels);
    if (h < 1 || h > CS__PNG_MAX_SIDE || w < 1 || w > CS__PNG_MAX_SIDE)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: the image is %dx%d, expected sides 1..%d",
                         fn, h, w, CS__PNG_MAX_SIDE);
    return CS_OK;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A chunk: length, type, data, CRC-32 of type and data. */
static void put_chunk(cs__buf *out, const char type[4], const uint8_t *data, size_t n)
{
    uint8_t word[4];
    put_u32(word, (uint32_t)n);
    cs__buf_append(out, (const char *)word, 4);
    cs__buf_append(out, type, 4);
    if (n > 0)
        cs__buf_append(out, (const char *)data, n);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, (const Bytef *)type, 4);
    if (n > 0)
        crc = crc32_z(crc, data, n);
    put_u32(word, (uint32_t)crc);
    cs__buf_append(out, (const char *)word, 4);
}

static uint8_t paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* Filter one row of `len` bytes (bpp bytes per pixel; prev NULL for the first row) with type
 * `f` into dst. Returns the sum of |filtered byte| read as signed, the choice's cost. */
static unsigned long filter_row(uint8_t *dst, const uint8_t *row, const uint8_t *prev, size_t len,
                                size_t bpp, int f)
{
    unsigned long cost = 0;
    for (size_t x = 0; x < len; x++) {
        int a = x >= bpp ? row[x - bpp] : 0, b = prev ? prev[x] : 0;
        int c = prev && x >= bpp ? prev[x - bpp] : 0;
        int pred = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? paeth(a, b, c) : 0;
        uint8_t v = (uint8_t)(row[x] - pred);
        dst[x] = v;
        cost += v < 128 ? v : 256u - v;
    }
    return cost;
}

int cs__png_encode(cs__buf *out, const uint8_t *pixels, int channels, int h, int w)
{
    static const char fn[] = "cs__png_encode";
    int status = check_image(fn, out, pixels, channels, h, w);
    if (status != CS_OK)
        return status;
    const size_t bpp = (size_t)channels, len = bpp * (size_t)w, rows = (size_t)h;
    const size_t raw_n = rows * (len + 1), plane = rows * (size_t)w;
    uint8_t *raw = malloc(raw_n), *row = malloc(2 * len), *trial = malloc(len);
    uLongf zn = compressBound((uLong)raw_n);
    uint8_t *z = malloc(zn);
    const size_t start = out->len;
    if (!raw || !row || !trial || !z) {
        status = cs__error_oom("PNG image", raw_n + zn);
        goto cleanup;
    }
    /* Interleave the planes row by row, then filter against the previous interleaved row. */
    uint8_t *cur = row, *prev = NULL;
    for (size_t y = 0; y < rows; y++) {
        for (size_t x = 0; x < (size_t)w; x++)
            for (size_t ch = 0; ch < bpp; ch++)
                cur[x * bpp + ch] = pixels[ch * plane + y * (size_t)w + x];
        uint8_t *dst = raw + y * (len + 1);
        unsigned long best = ULONG_MAX;
        for (int f = 0; f < 5; f++) {
            unsigned long cost = filter_row(trial, cur, prev, len, bpp, f);
            if (cost < best) {
                best = cost;
                dst[0] = (uint8_t)f;
                memcpy(dst + 1, trial, len);
            }
        }
        prev = cur;
        cur = cur == row ? row + len : row;
    }
    if (compress2(z, &zn, raw, (uLong)raw_n, 9) != Z_OK) {
        status = cs__error(CS_ERR_OUT_OF_MEMORY, "%s: zlib could not deflate %zu bytes", fn, raw_n);
        goto cleanup;
    }
    static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    uint8_t ihdr[13];
    put_u32(ihdr, (uint32_t)w);
    put_u32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;                          /* bit depth */
    ihdr[9] = channels == 1 ? 0 : 2;      /* colour type: grayscale or truecolour */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;   /* deflate, adaptive filtering, no interlace */
    cs__buf_append(out, (const char *)signature, sizeof signature);
    put_chunk(out, "IHDR", ihdr, sizeof ihdr);
    put_chunk(out, "IDAT", z, zn);
    put_chunk(out, "IEND", NULL, 0);
    status = cs__buf_status(out, "PNG image");

cleanup:
    if (status != CS_OK && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    free(raw);
    free(row);
    free(trial);
    free(z);
    return status;
}

int cs__png_scale(uint8_t **out, const uint8_t *pixels, int channels, int h, int w, int factor)
{
    static const char fn[] = "cs__png_scale";
    int status = check_image(fn, out, pixels, channels, h, w);
    if (status != CS_OK)
        return status;
    *out = NULL;
    if (factor < 1 || factor > CS__PNG_MAX_FACTOR)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: factor is %d, expected 1..%d", fn, factor,
                         CS__PNG_MAX_FACTOR);
    if ((long)h * factor > CS__PNG_MAX_SIDE || (long)w * factor > CS__PNG_MAX_SIDE)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: %dx%d scaled by %d exceeds the largest side %d", fn, h, w, factor,
                         CS__PNG_MAX_SIDE);
    const size_t sh = (size_t)h * (size_t)factor, sw = (size_t)w * (size_t)factor;
    const size_t n = (size_t)channels * sh * sw;
    uint8_t *s = malloc(n);
    if (!s)
        return cs__error_oom("scaled image", n);
    for (size_t ch = 0; ch < (size_t)channels; ch++)
        for (size_t y = 0; y < sh; y++)
            for (size_t x = 0; x < sw; x++)
                s[(ch * sh + y) * sw + x] =
                    pixels[(ch * (size_t)h + y / (size_t)factor) * (size_t)w + x / (size_t)factor];
    *out = s;
    return CS_OK;
}

void cs__base64(cs__buf *out, const uint8_t *data, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char quad[4];
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < n)
            v |= data[i + 2];
        quad[0] = alphabet[(v >> 18) & 63];
        quad[1] = alphabet[(v >> 12) & 63];
        quad[2] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        quad[3] = i + 2 < n ? alphabet[v & 63] : '=';
        cs__buf_append(out, quad, 4);
    }
}

int cs__png_data_uri(cs__buf *out, const uint8_t *pixels, int channels, int h, int w, int factor)
{
    uint8_t *big = NULL;
    int status = cs__png_scale(&big, pixels, channels, h, w, factor);
    if (status != CS_OK)
        return status;
    cs__buf png = CS__BUF_INIT;
    status = cs__png_encode(&png, big, channels, h * factor, w * factor);
    free(big);
    if (status == CS_OK) {
        const size_t start = out->len;
        cs__buf_puts(out, "data:image/png;base64,");
        cs__base64(out, (const uint8_t *)png.data, png.len);
        status = cs__buf_status(out, "PNG data URI");
        if (status != CS_OK && out->data) {
            out->len = start;
            out->data[start] = '\0';
        }
    }
    cs__buf_free(&png);
    return status;
}
