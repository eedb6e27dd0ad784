/* tensor.c - tensors, checked sizes and the memory budget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes often come from files or from what a user typed, so every allocation goes
 * through nn_tensor_new(), which checks the element count for overflow and against the
 * memory budget before calling calloc().
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

static uint64_t memory_budget = UINT64_C (8) << 30;

uint64_t
nn_memory_budget (void)
{
  return memory_budget;
}

void
nn_set_memory_budget (uint64_t bytes)
{
  memory_budget = bytes;
}

bool
nn_checked_mul (int64_t a, int64_t b, int64_t *out)
{
  int64_t r;

  if (a < 0 || b < 0 || __builtin_mul_overflow (a, b, &r))
    return false;
  *out = r;
  return true;
}

char *
nn_shape_format (int32_t n_dims, const int64_t *shape, char *buf, size_t size)
{
  size_t len = 0;

  if (size == 0)
    return buf;
  buf[0] = '\0';
  len += (size_t) snprintf (buf, size, "[");
  for (int32_t i = 0; i < n_dims && len < size; i++)
    len += (size_t) snprintf (buf + len, size - len, "%s%" PRId64, i ? ", " : "", shape[i]);
  if (len < size)
    snprintf (buf + len, size - len, "]");
  return buf;
}

/* "12.3 GiB", "512.0 MiB", "96 bytes" */
static void
format_bytes (double bytes, char *buf, size_t size)
{
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB",
                                       "YiB" };
  int u = -1;

  while (bytes >= 1024.0 && u < 7)
    {
      bytes /= 1024.0;
      u++;
    }
  if (u < 0)
    snprintf (buf, size, "%.0f bytes", bytes);
  else
    snprintf (buf, size, "%.1f %s", bytes, units[u]);
}

static nn_status
check_shape (int32_t n_dims, const int64_t *shape, int64_t *numel, nn_error *err)
{
  char sbuf[128], need[32], have[32];
  int64_t n = 1;
  bool overflow = false;
  double approx = 1.0;

  if (n_dims < 0 || n_dims > NN_MAX_DIMS)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                         "a tensor has %d dimensions; at most %d are supported",
                         (int) n_dims, NN_MAX_DIMS);
  nn_shape_format (n_dims, shape, sbuf, sizeof sbuf);
  for (int32_t i = 0; i < n_dims; i++)
    {
      if (shape[i] < 0)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                             "tensor %s has a negative size", sbuf);
      approx *= (double) shape[i];
      if (!overflow && !nn_checked_mul (n, shape[i], &n))
        overflow = true;
    }
  if (overflow || (uint64_t) n > memory_budget / sizeof (float))
    {
      format_bytes (approx * (double) sizeof (float), need, sizeof need);
      format_bytes ((double) memory_budget, have, sizeof have);
      return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                           "tensor %s needs %s, more than the %s budget", sbuf, need, have);
    }
  *numel = n;
  return NN_OK;
}

nn_tensor *
nn_tensor_new (int32_t n_dims, const int64_t *shape, nn_error *err)
{
  nn_tensor *t;
  int64_t numel = 0;

  if (check_shape (n_dims, shape, &numel, err) != NN_OK)
    return NULL;
  t = calloc (1, sizeof *t);
  if (t == NULL)
    goto nomem;
  t->n_dims = n_dims;
  for (int32_t i = 0; i < n_dims; i++)
    t->shape[i] = shape[i];
  /* calloc(0) may return NULL; one element keeps data valid for empty tensors */
  t->data = calloc (numel > 0 ? (size_t) numel : 1, sizeof (float));
  if (t->data == NULL)
    {
      free (t);
      goto nomem;
    }
  t->owns_data = true;
  return t;

nomem:
  nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory allocating a tensor of %" PRId64
                " elements", numel);
  return NULL;
}

nn_tensor *
nn_tensor_new_4d (int64_t n, int64_t c, int64_t h, int64_t w, nn_error *err)
{
  int64_t shape[4] = { n, c, h, w };

  return nn_tensor_new (4, shape, err);
}

nn_tensor *
nn_tensor_copy (const nn_tensor *t, nn_error *err)
{
  nn_tensor *copy = nn_tensor_new (t->n_dims, t->shape, err);

  if (copy != NULL)
    memcpy (copy->data, t->data, (size_t) nn_tensor_numel (t) * sizeof (float));
  return copy;
}

void
nn_tensor_free (nn_tensor *t)
{
  if (t == NULL)
    return;
  if (t->owns_data)
    free (t->data);
  free (t);
}

int64_t
nn_tensor_numel (const nn_tensor *t)
{
  int64_t n = 1;

  for (int32_t i = 0; i < t->n_dims; i++)
    n *= t->shape[i];
  return n;
}

bool
nn_tensor_same_shape (const nn_tensor *a, const nn_tensor *b)
{
  if (a->n_dims != b->n_dims)
    return false;
  for (int32_t i = 0; i < a->n_dims; i++)
    if (a->shape[i] != b->shape[i])
      return false;
  return true;
}

void
nn_tensor_fill_uniform (nn_tensor *t, uint64_t seed, float lo, float hi)
{
  int64_t n = nn_tensor_numel (t);
  nn_rng rng;

  nn_rng_seed (&rng, seed);
  for (int64_t i = 0; i < n; i++)
    t->data[i] = nn_rng_uniform (&rng, lo, hi);
}

void
nn_tensor_fill_normal (nn_tensor *t, uint64_t seed)
{
  int64_t n = nn_tensor_numel (t);
  nn_rng rng;

  nn_rng_seed (&rng, seed);
  for (int64_t i = 0; i < n; i++)
    t->data[i] = nn_rng_normal (&rng);
}

void
nn_tensor_fill (nn_tensor *t, float value)
{
  int64_t n = nn_tensor_numel (t);

  for (int64_t i = 0; i < n; i++)
    t->data[i] = value;
}
