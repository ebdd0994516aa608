/* Internal: decoding one PNG or JPEG file held in memory into 8-bit interleaved pixels, for the
 * image-folder loader (folder.c) and its fuzz targets. */
#ifndef CS_DATA_IMAGE_H
#define CS_DATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Largest side accepted, and largest pixel count: a header that claims more is refused before
 * anything is allocated for it (CS_ERR_UNSUPPORTED). */
#define CS__IMAGE_MAX_SIDE 16384
#define CS__IMAGE_MAX_PIXELS ((size_t)1 << 26)

/* A decoded image: h rows of w pixels of c interleaved bytes; c is 1 (gray), 2 (gray + alpha),
 * 3 (RGB) or 4 (RGBA). `px` is malloc'd and owned by the holder. */
typedef struct cs__image {
    uint8_t *px;
    int w, h, c;
} cs__image;

/* Decode `buf` (len bytes), a PNG or a JPEG told apart by their signatures. PNG: every colour
 * type at bit depths 1..8 (palette expanded to RGB, tRNS to an alpha channel, gray below 8 bits
 * scaled to 0..255); 16-bit samples are refused. JPEG: gray, YCbCr and RGB (accurate integer
 * IDCT, libjpeg's default); CMYK and YCCK are refused. `what` names the source in messages.
 * CS_OK; CS_ERR_FORMAT (neither signature, or a malformed stream); CS_ERR_TRUNCATED (the data
 * ends early); CS_ERR_CORRUPT (a CRC mismatch or bad compressed data); CS_ERR_UNSUPPORTED;
 * CS_ERR_OUT_OF_MEMORY. Nothing is ever printed. */
int cs__image_decode(cs__image *out, const uint8_t *buf, size_t len, const char *what);

#endif
