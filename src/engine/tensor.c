/* tensor.c - tensors, checked sizes and the memory budget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes often come from files or from what a user typed, so every allocation goes
 * through nn_tensor_new(), which checks the element count for overflow and against the
 * memory budget before calling calloc().
 *
 * The values live in a reference-counted storage that copies share (copy-on-write):
 * copying a network for an undo step or for the worker thread costs one header per
 * tensor, and only a tensor that is about to be written while shared gets its own
 * buffer (nn_tensor_make_writable). The count is atomic because copies of one network
 * are freed on the worker thread while the main thread edits another.
 */
#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdatomic.h>
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

/* ---------------------------------------------------------------- storage */

/* One buffer and its count in a single allocation. Whoever sees refs == 1 holds the
 * only reference: no other thread can add one (that needs a tensor sharing it). */
struct nn_storage {
  atomic_int refs;
  size_t n_floats;
  float data[];
};

/* n_floats >= 1 (a valid pointer for empty tensors); zeroed or not */
static nn_storage *
storage_new (size_t n_floats, bool zero)
{
  nn_storage *s;

  if (n_floats > (SIZE_MAX - sizeof *s) / sizeof (float))
    return NULL;
  s = zero ? calloc (1, sizeof *s + n_floats * sizeof (float))
           : malloc (sizeof *s + n_floats * sizeof (float));
  if (s == NULL)
    return NULL;
  atomic_init (&s->refs, 1);
  s->n_floats = n_floats;
  return s;
}

static void
storage_ref (nn_storage *s)
{
  atomic_fetch_add_explicit (&s->refs, 1, memory_order_relaxed);
}

/* acq_rel: the last owner's free must come after every other owner's last read */
static void
storage_unref (nn_storage *s)
{
  if (atomic_fetch_sub_explicit (&s->refs, 1, memory_order_acq_rel) == 1)
    free (s);
}

static bool
storage_shared (const nn_tensor *t)
{
  /* acquire: pairs with the release in storage_unref, so that once the count reads 1
   * no other owner's reads of the old values can overlap our writes */
  return t->owns_data && t->storage != NULL
         && atomic_load_explicit (&t->storage->refs, memory_order_acquire) > 1;
}

/* Gives t a new storage of its own, with its values copied when copy_values. */
static nn_status
unshare (nn_tensor *t, bool copy_values, nn_error *err)
{
  nn_storage *old = t->storage, *s;

  if (!storage_shared (t))
    return NN_OK;
  s = storage_new (old->n_floats, false);
  if (s == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory copying a shared tensor of "
                         "%zu elements", old->n_floats);
  if (copy_values)
    memcpy (s->data, old->data, old->n_floats * sizeof (float));
  t->storage = s;
  t->data = s->data;
  storage_unref (old);
  return NN_OK;
}

nn_status
nn_tensor_make_writable (nn_tensor *t, nn_error *err)
{
  return unshare (t, true, err);
}

nn_status
nn_tensor_detach (nn_tensor *t, nn_error *err)
{
  return unshare (t, false, err);
}

bool
nn_tensor_is_shared (const nn_tensor *t)
{
  return storage_shared (t);
}

const void *
nn_tensor_storage_id (const nn_tensor *t)
{
  if (!t->owns_data)
    return NULL;
  return t->storage != NULL ? (const void *) t->storage : (const void *) t->data;
}

void
nn_tensor_swap_storage (nn_tensor *a, nn_tensor *b)
{
  float *data = a->data;
  nn_storage *storage = a->storage;
  bool owns = a->owns_data;

  assert (nn_tensor_numel (a) == nn_tensor_numel (b));
  a->data = b->data;
  a->storage = b->storage;
  a->owns_data = b->owns_data;
  b->data = data;
  b->storage = storage;
  b->owns_data = owns;
}

nn_status
nn_tensor_assign (nn_tensor *dst, const nn_tensor *src, nn_error *err)
{
  nn_status st;

  if (nn_tensor_numel (dst) != nn_tensor_numel (src))
    return nn_error_set (err, NN_STATUS_SHAPE, -1, "cannot assign %" PRId64 " values to a "
                         "tensor of %" PRId64, nn_tensor_numel (src), nn_tensor_numel (dst));
  if (src->owns_data && src->storage != NULL && dst->owns_data && dst->storage != NULL)
    {
      if (dst->storage != src->storage)
        {
          storage_ref (src->storage);
          storage_unref (dst->storage);
          dst->storage = src->storage;
          dst->data = src->storage->data;
        }
      return NN_OK;
    }
  if ((st = nn_tensor_detach (dst, err)) != NN_OK)
    return st;
  memmove (dst->data, src->data, (size_t) nn_tensor_numel (src) * sizeof (float));
  return NN_OK;
}

/* ---------------------------------------------------------------- tensors */

static nn_tensor *
tensor_header (int32_t n_dims, const int64_t *shape)
{
  nn_tensor *t = calloc (1, sizeof *t);

  if (t == NULL)
    return NULL;
  t->n_dims = n_dims;
  for (int32_t i = 0; i < n_dims; i++)
    t->shape[i] = shape[i];
  return t;
}

nn_tensor *
nn_tensor_new (int32_t n_dims, const int64_t *shape, nn_error *err)
{
  nn_tensor *t;
  int64_t numel = 0;

  if (check_shape (n_dims, shape, &numel, err) != NN_OK)
    return NULL;
  t = tensor_header (n_dims, shape);
  if (t == NULL)
    goto nomem;
  t->storage = storage_new (numel > 0 ? (size_t) numel : 1, true);
  if (t->storage == NULL)
    {
      free (t);
      goto nomem;
    }
  t->data = t->storage->data;
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

/* Shares t's storage; memory someone else owns (a view) is copied, since its owner
 * may free it while the copy lives. */
nn_tensor *
nn_tensor_copy (const nn_tensor *t, nn_error *err)
{
  nn_tensor *copy;

  if (!t->owns_data || t->storage == NULL)
    {
      copy = nn_tensor_new (t->n_dims, t->shape, err);
      if (copy != NULL)
        memcpy (copy->data, t->data, (size_t) nn_tensor_numel (t) * sizeof (float));
      return copy;
    }
  copy = tensor_header (t->n_dims, t->shape);
  if (copy == NULL)
    {
      nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory copying a tensor");
      return NULL;
    }
  storage_ref (t->storage);
  copy->storage = t->storage;
  copy->data = t->data;
  copy->owns_data = true;
  return copy;
}

void
nn_tensor_free (nn_tensor *t)
{
  if (t == NULL)
    return;
  if (t->owns_data && t->storage != NULL)
    storage_unref (t->storage);
  else if (t->owns_data)
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

/* Fills overwrite every element: a shared tensor gets a buffer without the copy. */
nn_status
nn_tensor_fill_uniform (nn_tensor *t, uint64_t seed, float lo, float hi)
{
  int64_t n = nn_tensor_numel (t);
  nn_rng rng;

  if (nn_tensor_detach (t, NULL) != NN_OK)
    return NN_STATUS_NOMEM;
  nn_rng_seed (&rng, seed);
  for (int64_t i = 0; i < n; i++)
    t->data[i] = nn_rng_uniform (&rng, lo, hi);
  return NN_OK;
}

nn_status
nn_tensor_fill_normal (nn_tensor *t, uint64_t seed)
{
  int64_t n = nn_tensor_numel (t);
  nn_rng rng;

  if (nn_tensor_detach (t, NULL) != NN_OK)
    return NN_STATUS_NOMEM;
  nn_rng_seed (&rng, seed);
  for (int64_t i = 0; i < n; i++)
    t->data[i] = nn_rng_normal (&rng);
  return NN_OK;
}

nn_status
nn_tensor_fill (nn_tensor *t, float value)
{
  int64_t n = nn_tensor_numel (t);

  if (nn_tensor_detach (t, NULL) != NN_OK)
    return NN_STATUS_NOMEM;
  for (int64_t i = 0; i < n; i++)
    t->data[i] = value;
  return NN_OK;
}
