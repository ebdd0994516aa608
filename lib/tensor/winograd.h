/* Internal: Winograd F(2x2, 3x3) for the 3x3 stride-1 pad-1 convolutions (winograd.c), used
 * by conv.c for the forward pass, dx and dW; same contracts as cs__conv2d_forward/backward. */
#ifndef CS_TENSOR_WINOGRAD_H
#define CS_TENSOR_WINOGRAD_H

#include "tensor/kernels.h"

/* Whether the shape is one this path computes (3x3, stride 1, pad 1). */
bool cs__winograd_applies(const cs__conv_shape *s);

/* Whether its weight gradient also takes this path (64 or more channels on both sides);
 * otherwise dW is im2col + GEMM. */
bool cs__winograd_weights_apply(const cs__conv_shape *s);

/* Floats of scratch for any of the three passes: the transformed filters or their gradient
 * (16 C_in C_out), one chunk of transformed tiles, and a few rows for the transforms. */
size_t cs__winograd_workspace(const cs__conv_shape *s);

/* y (N, C_out, H, W) = conv(x (N, C_in, H, W), w (C_out, C_in, 3, 3)) + b (C_out, or NULL).
 * Overwrites y. */
void cs__winograd_forward(float *y, const float *x, const float *w, const float *b, const cs__conv_shape *s,
                          float *work);

/* dx (N, C_in, H, W) += dL/dx given dy (N, C_out, H, W). */
void cs__winograd_backward_data(float *dx, const float *dy, const float *w, const cs__conv_shape *s,
                                float *work);

/* dw (C_out, C_in, 3, 3) += dL/dw given dy (N, C_out, H, W) and x (N, C_in, H, W). */
void cs__winograd_backward_weights(float *dw, const float *dy, const float *x, const cs__conv_shape *s,
                                   float *work);

/* Tests only: true makes F(4x4)'s transforms move their tile columns by their plain loops even
 * where the CPU has AVX-512 (winograd_f4.c), so that both forms can be compared; false (the
 * default) restores the choice by the CPU. Call it between convolutions, not during one. */
void cs__winograd4_loops_only(bool on);

#endif
