/* Internal: resizing planar 8-bit images for the image-folder loader (folder.c).
 *
 * Each axis is resized on its own: when it shrinks by area averaging (an output pixel is the
 * mean of the input span [o·in/out, (o+1)·in/out) it covers, the input pixels at the span's
 * ends weighted by the part covered), when it grows bilinearly (sample at (o + 1/2)·in/out −
 * 1/2, clamped to [0, in − 1]). The weights are integers (in units of 1/out, or 1/(2·out)), the
 * two axes' weights multiply, and the sum is rounded half up once: exact and the same on every
 * machine. */
#ifndef CS_DATA_RESIZE_H
#define CS_DATA_RESIZE_H

#include <stdint.h>

/* Resize c planes of ih × iw bytes (src, planar) to c planes of oh × ow (dst). All sizes in
 * 1..16384. CS_OK or CS_ERR_OUT_OF_MEMORY (`what` names the image). */
int cs__resize_planes(uint8_t *dst, int oh, int ow, const uint8_t *src, int c, int ih, int iw, const char *what);

#endif
