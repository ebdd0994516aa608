/* Internal: PNG images for the report's thumbnails (the hardest training records of each
 * class), written with zlib and embedded in the page as data: URIs.
 *
 * Images are 8-bit grayscale (1 channel) or RGB (3 channels), given planar as the data sets
 * store them: (C, H, W), channel after channel. The encoder picks a filter per row (none, sub,
 * up, average, Paeth: the smallest sum of absolute filtered bytes, libpng's heuristic),
 * deflates at level 9 and writes IHDR, one IDAT and IEND with their CRCs. The same input always
 * gives the same bytes.
 *
 * Every function returns CS_OK, CS_ERR_INVALID_ARGUMENT (a NULL pointer, a size or channel
 * count out of range; the message names the argument), CS_ERR_OVERFLOW or CS_ERR_OUT_OF_MEMORY.
 * On failure nothing is appended: out->len is back where it was. */
#ifndef CS_REPORT_PNG_H
#define CS_REPORT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Largest width, height and upscaling factor accepted: thumbnails, not photographs. */
#define CS__PNG_MAX_SIDE 4096
#define CS__PNG_MAX_FACTOR 64

/* Append the PNG file of a (channels, h, w) image, channels 1 or 3, 1 <= w, h <= MAX_SIDE. */
int cs__png_encode(cs__buf *out, const uint8_t *pixels, int channels, int h, int w);

/* Scale a (channels, h, w) image up by an integer factor (nearest neighbour): *out is a
 * malloc'd (channels, h·factor, w·factor) image. factor 1..CS__PNG_MAX_FACTOR and the scaled
 * sides at most CS__PNG_MAX_SIDE. */
int cs__png_scale(uint8_t **out, const uint8_t *pixels, int channels, int h, int w, int factor);

/* Append n bytes in base64 (RFC 4648, with '=' padding, no line breaks). */
void cs__base64(cs__buf *out, const uint8_t *data, size_t n);

/* Append "data:image/png;base64,..." of the image scaled up by factor: an <img src> value. */
int cs__png_data_uri(cs__buf *out, const uint8_t *pixels, int channels, int h, int w, int factor);

#endif
