/* rng.c - deterministic random numbers: splitmix64 seeding xoshiro256**
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * xoshiro256** (Blackman & Vigna) is fast and good enough for initialisation and test
 * inputs; splitmix64 spreads any 64-bit seed (0 included) over the 256-bit state, which
 * must never be all zero.
 */
#include "config.h"

#include <math.h>

#include "nn-private.h"

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
nn_rng_seed (nn_rng *rng, uint64_t seed)
{
  uint64_t x = seed;

  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

uint64_t
nn_rng_next (nn_rng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* 24 random bits give every float in [0, 1) on a 2^-24 grid, so the result never
 * rounds up to hi for lo = 0, hi = 1. */
static double
unit_double (nn_rng *rng)
{
  return (double) (nn_rng_next (rng) >> 11) * 0x1.0p-53;
}

float
nn_rng_uniform (nn_rng *rng, float lo, float hi)
{
  float u = (float) (nn_rng_next (rng) >> 40) * 0x1.0p-24f;
  float v = lo + (hi - lo) * u;

  /* lo + (hi - lo) * u can round up to hi for some lo/hi; keep the interval half-open */
  return v < hi ? v : lo;
}

/* Box-Muller; the second value of each pair is dropped so that the stream position
 * does not depend on earlier calls' parity. */
float
nn_rng_normal (nn_rng *rng)
{
  double u1 = 1.0 - unit_double (rng);   /* (0, 1]: log() stays finite */
  double u2 = unit_double (rng);

  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2));
}
