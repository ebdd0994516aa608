/* Internal: counter-based random numbers (Philox-4x32-10, Salmon et al., SC'11).
 *
 * A Philox block is a pure function of (counter, key), so any random decision can be
 * recomputed from its coordinates without replaying a sequence: that is what makes results
 * independent of thread count and execution order. `cs__rng` wraps it as a sequential stream
 * for code that wants one (shuffles), whose block counter occupies counter words 0-1 and whose
 * stream id occupies words 2-3. */
#ifndef CS_CORE_RNG_H
#define CS_CORE_RNG_H

#include <stdint.h>

void cs__philox4x32_10(uint32_t out[4], const uint32_t ctr[4], const uint32_t key[2]);

/* Split a 64-bit value into the two 32-bit key words. */
static inline void cs__philox_key(uint32_t key[2], uint64_t seed)
{
    key[0] = (uint32_t)seed;
    key[1] = (uint32_t)(seed >> 32);
}

/* Well-mixed 64-bit hash of (seed, value) (SplitMix64 finaliser), to derive independent keys
 * from a study seed and coordinates such as model, condition, replicate and purpose. */
uint64_t cs__seed_derive(uint64_t seed, uint64_t value);

/* floor(r * n / 2^32): maps a uniform 32-bit word onto [0, n) with bias below n / 2^32. */
static inline uint32_t cs__u32_scale(uint32_t r, uint32_t n)
{
    return (uint32_t)(((uint64_t)r * n) >> 32);
}

typedef struct cs__rng {
    uint32_t key[2];
    uint64_t stream;
    uint64_t block;
    uint32_t buf[4];
    unsigned used;
} cs__rng;

void cs__rng_init(cs__rng *r, uint64_t seed, uint64_t stream);
uint32_t cs__rng_u32(cs__rng *r);
uint64_t cs__rng_u64(cs__rng *r);
/* Uniform on [0, n), exactly (rejection sampling); n >= 1. */
uint64_t cs__rng_below(cs__rng *r, uint64_t n);
/* Uniform on [0, 1) with 53 random bits. */
double cs__rng_uniform(cs__rng *r);

#endif
