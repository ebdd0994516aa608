#include "core/rng.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void cs__philox4x32_10(uint32_t out[4], const uint32_t ctr[4], const uint32_t key[2])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

uint64_t cs__seed_derive(uint64_t seed, uint64_t value)
{
    uint64_t z = seed ^ (value + 0x9E3779B97F4A7C15ull + (seed << 6) + (seed >> 2));
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void cs__rng_init(cs__rng *r, uint64_t seed, uint64_t stream)
{
    cs__philox_key(r->key, seed);
    r->stream = stream;
    r->block = 0;
    r->used = 4;
}

uint32_t cs__rng_u32(cs__rng *r)
{
    if (r->used == 4) {
        uint32_t ctr[4] = { (uint32_t)r->block, (uint32_t)(r->block >> 32),
                            (uint32_t)r->stream, (uint32_t)(r->stream >> 32) };
        cs__philox4x32_10(r->buf, ctr, r->key);
        r->block++;
        r->used = 0;
    }
    return r->buf[r->used++];
}

uint64_t cs__rng_u64(cs__rng *r)
{
    uint64_t lo = cs__rng_u32(r);
    uint64_t hi = cs__rng_u32(r);
    return lo | (hi << 32);
}

uint64_t cs__rng_below(cs__rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    if (n <= UINT32_MAX) {
        /* Lemire's multiply-shift with rejection of the biased low region. */
        uint32_t n32 = (uint32_t)n;
        uint32_t threshold = (uint32_t)(-n32) % n32;
        for (;;) {
            uint64_t m = (uint64_t)cs__rng_u32(r) * n32;
            if ((uint32_t)m >= threshold)
                return m >> 32;
        }
    }
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t x = cs__rng_u64(r);
        if (x < limit)
            return x % n;
    }
}

double cs__rng_uniform(cs__rng *r)
{
    return (double)(cs__rng_u64(r) >> 11) * 0x1.0p-53;
}
