/* Internal: the precision of the numeric core's matrix products (docs/numeric-core.md,
 * "bf16 mixed precision").
 *
 * Every product goes through cs__sgemm (kernels.h). Which arithmetic it uses is a property of
 * the calling thread, not an argument, so that no kernel signature changes: the executor
 * (models/net_run.c) sets the thread's precision on every member of the team for the duration
 * of a pass of a bf16 model and restores the previous one after. A thread that never sets it
 * computes in fp32 through cblas_sgemm, exactly as before the bf16 mode existed. */
#ifndef CS_TENSOR_PRECISION_H
#define CS_TENSOR_PRECISION_H

#include <stdbool.h>
#include <stddef.h>

#include <classsens/model.h>

/* Set the calling thread's precision for cs__sgemm; returns the one it replaces. The caller
 * must have checked cs__bf16_check() before asking for bf16 (cs__sgemm still falls back to
 * fp32 where the CPU lacks the instructions, so nothing faults). */
cs_precision cs__precision_set(cs_precision p);
cs_precision cs__precision_get(void);

/* CS_OK when this process may use the bf16 products: the CPU has AVX512F, AVX512BW,
 * AVX512VL and AVX512_BF16, the operating system saves the zmm and mask registers (XCR0), and
 * the environment variable CLASSSENS_NO_BF16 is unset, empty or "0" (an override that lets
 * the unsupported path be tested on any machine; read at every call). Otherwise
 * CS_ERR_UNSUPPORTED with a message naming the first missing feature, prefixed by `who`. */
int cs__bf16_check(const char *who);

/* Whether the hardware (not the override) supports the bf16 kernel; cached after the first
 * call, thread-safe. */
bool cs__bf16_hardware(void);

/* cs__sgemm's contract (kernels.h) with the operands rounded to bf16 (round to nearest even,
 * as VCVTNE2PS2BF16) while they are packed, the products exact in fp32 and summed in fp32
 * by VDPBF16PS, k in pairs; C = alpha * sum + beta * C (beta 0 overwrites). Deterministic: the
 * same operands give the same bits (the blocking depends on the sizes only). Packed panels
 * live in a per-thread scratch of fixed size (CS__SBGEMM_SCRATCH_BYTES), allocated by the first
 * call on a thread and freed when the thread exits. Returns false without touching C when
 * the kernel cannot run (no hardware support, not an x86-64 build, or the scratch could not
 * be allocated); the caller then computes in fp32. m, n, k >= 1. */
bool cs__sbgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc);

/* Round a float to the nearest bf16 (ties to even; NaN stays NaN) and widen it back: what the
 * kernel multiplies (for tests and references). */
float cs__bf16_round(float x);

#endif
