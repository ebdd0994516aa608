/* PNG (libpng) and JPEG (libjpeg-turbo) decoding from memory (image.h). Both libraries report
 * errors by longjmp from a handler: each decoder keeps what a jump must find (the buffers it
 * allocated, the message) in a job struct reached through a pointer, never in automatic
 * variables changed after setjmp. Warnings are not printed: libpng's (ancillary chunks) are
 * dropped, libjpeg's (corrupt or missing data, which libjpeg would fill in) become errors. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "core/error.h"
#include "data/image.h"

static const uint8_t png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static int check_size(const char *what, const char *format, unsigned long w, unsigned long h)
{
    if (w == 0 || h == 0)
        return cs__error(CS_ERR_FORMAT, "%s: %s image of %lu x %lu pixels", what, format, w, h);
    if (w > CS__IMAGE_MAX_SIDE || h > CS__IMAGE_MAX_SIDE || (size_t)w * (size_t)h > CS__IMAGE_MAX_PIXELS)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: %s image of %lu x %lu pixels, larger than the %d-pixel side "
                         "and %zu-pixel area this loader accepts", what, format, w, h, CS__IMAGE_MAX_SIDE,
                         CS__IMAGE_MAX_PIXELS);
    return CS_OK;
}

/* ---- PNG ---------------------------------------------------------------------------------- */

typedef struct png_job {
    const uint8_t *buf;
    size_t len, pos;
    const char *what;
    int ran_out;          /* the stream ended inside a read */
    int status;           /* set before a jump that is not libpng's own error */
    char msg[256];
    uint8_t *px;
    png_bytep *rows;
} png_job;

static void png_on_error(png_structp p, png_const_charp msg)
{
    png_job *job = png_get_error_ptr(p);
    snprintf(job->msg, sizeof job->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(p, 1);
}

static void png_on_warning(png_structp p, png_const_charp msg)
{
    (void)p;
    (void)msg;
}

static void png_on_read(png_structp p, png_bytep data, size_t n)
{
    png_job *job = png_get_io_ptr(p);
    if (n > job->len - job->pos) {
        job->ran_out = 1;
        png_error(p, "the file ends early");
    }
    memcpy(data, job->buf + job->pos, n);
    job->pos += n;
}

/* Everything that may longjmp; returns 0, or -1 after a jump (job->msg says why) or after a
 * refusal of its own (job->status set, the error recorded). */
static int png_run(png_job *job, png_structp p, png_infop info, cs__image *out)
{
    if (setjmp(png_jmpbuf(p)))
        return -1;
    png_set_read_fn(p, job, png_on_read);
    png_set_user_limits(p, CS__IMAGE_MAX_SIDE, CS__IMAGE_MAX_SIDE);
    png_set_chunk_malloc_max(p, (png_alloc_size_t)1 << 24);
    png_read_info(p, info);
    png_uint_32 w = 0, h = 0;
    int depth = 0, type = 0;
    png_get_IHDR(p, info, &w, &h, &depth, &type, NULL, NULL, NULL);
    job->status = check_size(job->what, "PNG", w, h);
    if (job->status != CS_OK)
        return -1;
    if (depth == 16) {
        job->status = cs__error(CS_ERR_UNSUPPORTED, "%s: PNG with 16-bit samples; this loader reads 8-bit "
                                "images only (convert it to 8 bits first)", job->what);
        return -1;
    }
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(p);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(p);
    if (png_get_valid(p, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(p);
    (void)png_set_interlace_handling(p);
    png_read_update_info(p, info);
    int c = png_get_channels(p, info);
    size_t rowbytes = png_get_rowbytes(p, info);
    if (c < 1 || c > 4 || rowbytes != (size_t)w * (size_t)c) {
        job->status = cs__error(CS_ERR_FORMAT, "%s: PNG decodes to %d channels of %zu bytes a row, expected "
                                "1..4 channels of one byte", job->what, c, rowbytes);
        return -1;
    }
    job->px = malloc(rowbytes * h);
    job->rows = malloc(sizeof *job->rows * h);
    if (!job->px || !job->rows) {
        job->status = cs__error_oom(job->what, rowbytes * h);
        return -1;
    }
    for (png_uint_32 y = 0; y < h; y++)
        job->rows[y] = job->px + (size_t)y * rowbytes;
    png_read_image(p, job->rows);
    png_read_end(p, NULL);
    out->w = (int)w;
    out->h = (int)h;
    out->c = c;
    return 0;
}

static int decode_png(cs__image *out, const uint8_t *buf, size_t len, const char *what)
{
    png_job job = { .buf = buf, .len = len, .what = what, .status = CS_OK };
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, png_on_error, png_on_warning);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    if (!info) {
        png_destroy_read_struct(p ? &p : NULL, NULL, NULL);
        return cs__error_oom("a libpng reader", sizeof job);
    }
    int failed = png_run(&job, p, info, out);
    png_destroy_read_struct(&p, &info, NULL);
    free(job.rows);
    if (!failed) {
        out->px = job.px;
        return CS_OK;
    }
    free(job.px);
    if (job.status != CS_OK)
        return job.status;
    if (job.ran_out)
        return cs__error(CS_ERR_TRUNCATED, "%s: PNG ends early (%zu bytes): %s", what, len, job.msg);
    if (strstr(job.msg, "CRC"))
        return cs__error(CS_ERR_CORRUPT, "%s: PNG fails its CRC check: %s", what, job.msg);
    return cs__error(CS_ERR_FORMAT, "%s: malformed PNG: %s", what, job.msg);
}

/* ---- JPEG --------------------------------------------------------------------------------- */

/* A progressive JPEG may have any number of scans, each a pass over the whole image: a small
 * file of thousands of empty scans costs minutes. libjpeg-turbo's own fuzzers stop at 500. */
#define JPEG_MAX_SCANS 500

typedef struct jpeg_job {
    struct jpeg_error_mgr err;   /* first: libjpeg hands handlers a pointer to it */
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int status;
    char msg[JMSG_LENGTH_MAX];
    uint8_t *px;
} jpeg_job;

static void jpeg_on_error(j_common_ptr ci)
{
    jpeg_job *job = (jpeg_job *)ci->err;
    (*ci->err->format_message)(ci, job->msg);
    job->status = CS_ERR_FORMAT;
    longjmp(job->jump, 1);
}

/* Level -1 is a warning: data that libjpeg would patch over (a premature end, corrupt entropy
 * data). A loader must not return invented pixels, so a warning ends the decoding. */
static void jpeg_on_message(j_common_ptr ci, int level)
{
    if (level >= 0)
        return;
    jpeg_job *job = (jpeg_job *)ci->err;
    (*ci->err->format_message)(ci, job->msg);
    job->status = ci->err->msg_code == JWRN_JPEG_EOF ? CS_ERR_TRUNCATED : CS_ERR_CORRUPT;
    longjmp(job->jump, 1);
}

static void jpeg_on_output(j_common_ptr ci)
{
    (void)ci;
}

static void jpeg_on_progress(j_common_ptr ci)
{
    if (!ci->is_decompressor || ((j_decompress_ptr)ci)->input_scan_number <= JPEG_MAX_SCANS)
        return;
    jpeg_job *job = (jpeg_job *)ci->err;
    snprintf(job->msg, sizeof job->msg, "more than %d scans", JPEG_MAX_SCANS);
    job->status = CS_ERR_UNSUPPORTED;
    longjmp(job->jump, 1);
}

static int jpeg_run(jpeg_job *job, struct jpeg_decompress_struct *ci, const uint8_t *buf, size_t len,
                    const char *what, cs__image *out)
{
    if (setjmp(job->jump))
        return -1;
    jpeg_create_decompress(ci);
    ci->progress = &job->progress; /* after the create, which clears all but the error manager */
    jpeg_mem_src(ci, buf, (unsigned long)len);
    (void)jpeg_read_header(ci, TRUE);
    int st = check_size(what, "JPEG", ci->image_width, ci->image_height);
    if (st == CS_OK && ci->jpeg_color_space != JCS_GRAYSCALE && ci->jpeg_color_space != JCS_YCbCr &&
        ci->jpeg_color_space != JCS_RGB)
        st = cs__error(CS_ERR_UNSUPPORTED, "%s: JPEG in colour space %d (CMYK or YCCK); this loader reads "
                       "gray and RGB JPEGs", what, (int)ci->jpeg_color_space);
    if (st != CS_OK) {
        job->status = st;
        snprintf(job->msg, sizeof job->msg, "refused");
        return -2;
    }
    ci->out_color_space = ci->jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    ci->dct_method = JDCT_ISLOW;
    (void)jpeg_start_decompress(ci);
    size_t row = (size_t)ci->output_width * (size_t)ci->output_components;
    job->px = malloc(row * ci->output_height);
    if (!job->px) {
        job->status = cs__error_oom(what, row * ci->output_height);
        return -2;
    }
    while (ci->output_scanline < ci->output_height) {
        JSAMPROW r = job->px + (size_t)ci->output_scanline * row;
        (void)jpeg_read_scanlines(ci, &r, 1);
    }
    (void)jpeg_finish_decompress(ci);
    out->w = (int)ci->output_width;
    out->h = (int)ci->output_height;
    out->c = ci->output_components;
    return 0;
}

static int decode_jpeg(cs__image *out, const uint8_t *buf, size_t len, const char *what)
{
    jpeg_job job;
    memset(&job, 0, sizeof job);
    struct jpeg_decompress_struct ci;
    memset(&ci, 0, sizeof ci);
    ci.err = jpeg_std_error(&job.err);
    job.err.error_exit = jpeg_on_error;
    job.err.emit_message = jpeg_on_message;
    job.err.output_message = jpeg_on_output;
    job.progress.progress_monitor = jpeg_on_progress;
    int r = jpeg_run(&job, &ci, buf, len, what, out);
    jpeg_destroy_decompress(&ci);
    if (r == 0) {
        out->px = job.px;
        return CS_OK;
    }
    free(job.px);
    if (r == -2)
        return job.status;
    if (job.status == CS_ERR_TRUNCATED)
        return cs__error(CS_ERR_TRUNCATED, "%s: JPEG ends early (%zu bytes): %s", what, len, job.msg);
    if (job.status == CS_ERR_CORRUPT)
        return cs__error(CS_ERR_CORRUPT, "%s: corrupt JPEG data: %s", what, job.msg);
    if (job.status == CS_ERR_UNSUPPORTED)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: progressive JPEG with %s", what, job.msg);
    return cs__error(CS_ERR_FORMAT, "%s: malformed JPEG: %s", what, job.msg);
}

int cs__image_decode(cs__image *out, const uint8_t *buf, size_t len, const char *what)
{
    memset(out, 0, sizeof *out);
    if (len >= sizeof png_signature && memcmp(buf, png_signature, sizeof png_signature) == 0)
        return decode_png(out, buf, len, what);
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF)
        return decode_jpeg(out, buf, len, what);
    if (len == 0)
        return cs__error(CS_ERR_TRUNCATED, "%s: empty file, expected a PNG or JPEG image", what);
    return cs__error(CS_ERR_FORMAT, "%s: neither a PNG (89 50 4E 47 0D 0A 1A 0A) nor a JPEG (FF D8 FF) "
                     "signature (first byte 0x%02X, %zu bytes)", what, buf[0], len);
}
