/* test-tensor.c - tensors, checked sizes, the memory budget, fills, the rng, errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

static void
test_alloc (void)
{
  int64_t shape[4] = { 2, 3, 4, 5 };
  nn_error err;
  nn_tensor *t = nn_tensor_new (4, shape, &err);

  g_assert_nonnull (t);
  g_assert_cmpint (t->n_dims, ==, 4);
  g_assert_cmpint (nn_tensor_numel (t), ==, 120);
  g_assert_true (t->owns_data);
  for (int i = 0; i < 120; i++)
    g_assert_cmpfloat (t->data[i], ==, 0.0f);
  nn_tensor_free (t);

  t = nn_tensor_new_4d (1, 32, 20, 20, &err);
  g_assert_cmpint (t->shape[1], ==, 32);
  g_assert_cmpint (nn_tensor_numel (t), ==, 12800);
  nn_tensor_free (t);
  nn_tensor_free (NULL);
}

static void
test_alloc_edge (void)
{
  int64_t zero[2] = { 0, 7 };
  nn_error err;
  nn_tensor *scalar = nn_tensor_new (0, NULL, &err);
  nn_tensor *empty = nn_tensor_new (2, zero, &err);

  /* rank 0 is a scalar with one element, a zero-size dim gives no elements */
  g_assert_nonnull (scalar);
  g_assert_cmpint (nn_tensor_numel (scalar), ==, 1);
  g_assert_nonnull (empty);
  g_assert_cmpint (nn_tensor_numel (empty), ==, 0);
  g_assert_nonnull (empty->data);
  nn_tensor_free (scalar);
  nn_tensor_free (empty);
}

static void
test_copy (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (2, 3, 4, 4, &err);
  nn_tensor *b;

  nn_tensor_fill_uniform (a, 5, -1.0f, 1.0f);
  b = nn_tensor_copy (a, &err);
  g_assert_nonnull (b);
  g_assert_true (nn_tensor_same_shape (a, b));
  g_assert_true (b->data != a->data);
  g_assert_cmpmem (a->data, 96 * sizeof (float), b->data, 96 * sizeof (float));
  b->data[0] = 42.0f;
  g_assert_cmpfloat (a->data[0], !=, 42.0f);
  b->shape[3] = 2;
  b->shape[2] = 8;
  g_assert_false (nn_tensor_same_shape (a, b));
  nn_tensor_free (a);
  nn_tensor_free (b);
}

static void
test_invalid_shapes (void)
{
  int64_t neg[3] = { 4, -1, 2 }, five[5] = { 1, 1, 1, 1, 1 };
  nn_error err;

  g_assert_null (nn_tensor_new (3, neg, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_INVALID_ARG);
  g_assert_cmpstr (err.message, ==, "tensor [4, -1, 2] has a negative size");
  g_assert_null (nn_tensor_new (5, five, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "at most 4"));
  g_assert_null (nn_tensor_new (-1, five, NULL));
}

static void
test_overflow (void)
{
  int64_t huge[4] = { INT64_C (1) << 40, INT64_C (1) << 40, 2, 2 };
  nn_error err;

  /* 2^82 elements: the count overflows int64_t, the message still names the size */
  g_assert_null (nn_tensor_new (4, huge, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  g_assert_cmpstr (err.message, ==, "tensor [1099511627776, 1099511627776, 2, 2] needs "
                   "16.0 YiB, more than the 8.0 GiB budget");
}

static void
test_budget (void)
{
  int64_t big[2] = { 3, 1000000000 }, mib4[2] = { 1024, 1024 }, mib1[2] = { 512, 512 };
  nn_error err;
  nn_tensor *t;

  g_assert_cmpuint (nn_memory_budget (), ==, UINT64_C (8) << 30);
  g_assert_null (nn_tensor_new (2, big, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  g_assert_cmpstr (err.message, ==, "tensor [3, 1000000000] needs 11.2 GiB, more than the "
                   "8.0 GiB budget");

  nn_set_memory_budget (UINT64_C (1) << 20);
  g_assert_null (nn_tensor_new (2, mib4, &err));
  g_assert_cmpstr (err.message, ==, "tensor [1024, 1024] needs 4.0 MiB, more than the "
                   "1.0 MiB budget");
  t = nn_tensor_new (2, mib1, &err);   /* exactly the budget is allowed */
  g_assert_nonnull (t);
  nn_tensor_free (t);
  nn_set_memory_budget (UINT64_C (8) << 30);
}

static void
test_checked_mul (void)
{
  int64_t r = -1;

  g_assert_true (nn_checked_mul (1 << 20, 1 << 20, &r));
  g_assert_cmpint (r, ==, INT64_C (1) << 40);
  g_assert_true (nn_checked_mul (0, INT64_MAX, &r));
  g_assert_cmpint (r, ==, 0);
  r = 7;
  g_assert_false (nn_checked_mul (INT64_C (1) << 32, INT64_C (1) << 31, &r));
  g_assert_cmpint (r, ==, 7);   /* untouched on failure */
  g_assert_false (nn_checked_mul (-1, 5, &r));
  g_assert_false (nn_checked_mul (5, -1, &r));
  g_assert_true (nn_checked_mul (INT64_C (1) << 31, INT64_C (1) << 31, &r));
}

static void
test_shape_format (void)
{
  int64_t s[4] = { 64, 32, 5, 5 };
  char buf[64], small[8];

  g_assert_cmpstr (nn_shape_format (4, s, buf, sizeof buf), ==, "[64, 32, 5, 5]");
  g_assert_cmpstr (nn_shape_format (1, s, buf, sizeof buf), ==, "[64]");
  g_assert_cmpstr (nn_shape_format (0, s, buf, sizeof buf), ==, "[]");
  /* truncated, never overflowing */
  g_assert_cmpstr (nn_shape_format (4, s, small, sizeof small), ==, "[64, 32");
}

static float
mean_of (const nn_tensor *t)
{
  double sum = 0;
  int64_t n = nn_tensor_numel (t);

  for (int64_t i = 0; i < n; i++)
    sum += t->data[i];
  return (float) (sum / (double) n);
}

static float
var_of (const nn_tensor *t)
{
  double sum = 0, m = mean_of (t);
  int64_t n = nn_tensor_numel (t);

  for (int64_t i = 0; i < n; i++)
    sum += (t->data[i] - m) * (t->data[i] - m);
  return (float) (sum / (double) n);
}

static void
test_fill_uniform (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (1, 1, 250, 400, &err);
  nn_tensor *b = nn_tensor_new_4d (1, 1, 250, 400, &err);
  float lo = -0.25f, hi = 0.75f;

  nn_tensor_fill_uniform (a, 1234, lo, hi);
  nn_tensor_fill_uniform (b, 1234, lo, hi);
  g_assert_cmpmem (a->data, 100000 * sizeof (float), b->data, 100000 * sizeof (float));
  for (int i = 0; i < 100000; i++)
    g_assert_true (a->data[i] >= lo && a->data[i] < hi);
  /* U(lo, hi): mean (lo + hi) / 2, variance (hi - lo)^2 / 12; 100000 samples */
  g_assert_cmpfloat_with_epsilon (mean_of (a), 0.25f, 0.005f);
  g_assert_cmpfloat_with_epsilon (var_of (a), 1.0f / 12.0f, 0.002f);
  nn_tensor_fill_uniform (b, 1235, lo, hi);
  g_assert_cmpint (memcmp (a->data, b->data, 100000 * sizeof (float)), !=, 0);
  nn_tensor_free (a);
  nn_tensor_free (b);
}

static void
test_fill_normal (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (1, 1, 250, 400, &err);
  nn_tensor *b = nn_tensor_new_4d (1, 1, 250, 400, &err);
  int beyond3 = 0;

  nn_tensor_fill_normal (a, 99);
  nn_tensor_fill_normal (b, 99);
  g_assert_cmpmem (a->data, 100000 * sizeof (float), b->data, 100000 * sizeof (float));
  g_assert_cmpfloat_with_epsilon (mean_of (a), 0.0f, 0.01f);
  g_assert_cmpfloat_with_epsilon (var_of (a), 1.0f, 0.02f);
  for (int i = 0; i < 100000; i++)
    {
      g_assert_true (isfinite (a->data[i]));
      beyond3 += fabsf (a->data[i]) > 3.0f;
    }
  /* P(|z| > 3) = 0.27%: 270 expected */
  g_assert_cmpint (beyond3, >, 180);
  g_assert_cmpint (beyond3, <, 360);
  nn_tensor_free (a);
  nn_tensor_free (b);
}

static void
test_fill_constant (void)
{
  nn_error err;
  nn_tensor *t = nn_tensor_new_4d (2, 2, 2, 2, &err);

  nn_tensor_fill (t, -3.5f);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat (t->data[i], ==, -3.5f);
  nn_tensor_free (t);
}

/* First outputs of xoshiro256** seeded by splitmix64, computed with an independent
 * Python transcription of Vigna's reference code. */
static void
test_rng_reference (void)
{
  static const uint64_t seed0[] = { 0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                    0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL };
  static const uint64_t seed42[] = { 0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                     0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL };
  nn_rng a, b;

  nn_rng_seed (&a, 0);
  nn_rng_seed (&b, 42);
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmphex (nn_rng_next (&a), ==, seed0[i]);
      g_assert_cmphex (nn_rng_next (&b), ==, seed42[i]);
    }
}

static void
test_rng_uniform (void)
{
  nn_rng rng;
  int buckets[10] = { 0 };

  nn_rng_seed (&rng, 7);
  for (int i = 0; i < 100000; i++)
    {
      float u = nn_rng_uniform (&rng, 0.0f, 1.0f);

      g_assert_true (u >= 0.0f && u < 1.0f);
      buckets[(int) (u * 10)]++;
    }
  for (int i = 0; i < 10; i++)
    g_assert_cmpint (abs (buckets[i] - 10000), <, 500);
  /* an empty interval gives its bound */
  g_assert_cmpfloat (nn_rng_uniform (&rng, 2.0f, 2.0f), ==, 2.0f);
}

static void
test_status (void)
{
  nn_error err;
  char long_arg[2000];

  for (int s = NN_OK; s <= NN_STATUS_NOT_FOUND; s++)
    {
      g_assert_nonnull (nn_status_to_string ((nn_status) s));
      for (int t = NN_OK; t < s; t++)
        g_assert_cmpstr (nn_status_to_string ((nn_status) s), !=,
                         nn_status_to_string ((nn_status) t));
    }
  g_assert_cmpint (nn_error_set (NULL, NN_STATUS_IO, 3, "x %d", 1), ==, NN_STATUS_IO);
  g_assert_cmpint (nn_error_set (&err, NN_STATUS_SHAPE, 3, "layer %d: %s", 3, "bad"), ==,
                   NN_STATUS_SHAPE);
  g_assert_cmpint (err.status, ==, NN_STATUS_SHAPE);
  g_assert_cmpint (err.layer, ==, 3);
  g_assert_cmpstr (err.message, ==, "layer 3: bad");
  memset (long_arg, 'a', sizeof long_arg - 1);
  long_arg[sizeof long_arg - 1] = '\0';
  nn_error_set (&err, NN_STATUS_IO, -1, "%s", long_arg);
  g_assert_cmpuint (strlen (err.message), ==, NN_ERROR_MAX - 1);
  nn_error_clear (&err);
  g_assert_cmpint (err.status, ==, NN_OK);
  g_assert_cmpint (err.layer, ==, -1);
  g_assert_cmpstr (err.message, ==, "");
  nn_error_clear (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/tensor/alloc", test_alloc);
  g_test_add_func ("/engine/tensor/alloc-edge", test_alloc_edge);
  g_test_add_func ("/engine/tensor/copy", test_copy);
  g_test_add_func ("/engine/tensor/invalid-shapes", test_invalid_shapes);
  g_test_add_func ("/engine/tensor/overflow", test_overflow);
  g_test_add_func ("/engine/tensor/budget", test_budget);
  g_test_add_func ("/engine/tensor/checked-mul", test_checked_mul);
  g_test_add_func ("/engine/tensor/shape-format", test_shape_format);
  g_test_add_func ("/engine/tensor/fill-uniform", test_fill_uniform);
  g_test_add_func ("/engine/tensor/fill-normal", test_fill_normal);
  g_test_add_func ("/engine/tensor/fill-constant", test_fill_constant);
  g_test_add_func ("/engine/rng/reference", test_rng_reference);
  g_test_add_func ("/engine/rng/uniform", test_rng_uniform);
  g_test_add_func ("/engine/status/errors", test_status);
  return g_test_run ();
}
