/* core/array.c - N-d arrays with a dtype, and numpy/ONNX broadcasting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"

static const struct {
  const char *name;
  size_t size;
} dtypes[NN_N_DTYPES] = {
  [NN_DTYPE_FLOAT32] = { "float32", 4 },
  [NN_DTYPE_INT64] = { "int64", 8 },
  [NN_DTYPE_INT32] = { "int32", 4 },
  [NN_DTYPE_BOOL] = { "bool", 1 },
};

const char *
nn_dtype_name (nn_dtype dtype)
{
  return (unsigned) dtype < NN_N_DTYPES ? dtypes[dtype].name : NULL;
}

size_t
nn_dtype_size (nn_dtype dtype)
{
  return (unsigned) dtype < NN_N_DTYPES ? dtypes[dtype].size : 0;
}

int64_t
nn_type_numel (const nn_type *t)
{
  int64_t n = 1;

  for (int32_t i = 0; i < t->rank; i++)
    if (!nn_checked_mul (n, t->shape[i], &n))
      return -1;
  return n;
}

bool
nn_type_equal (const nn_type *a, const nn_type *b)
{
  if (a->dtype != b->dtype || a->rank != b->rank)
    return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->shape[i] != b->shape[i])
      return false;
  return true;
}

char *
nn_type_format (const nn_type *t, char *buf, size_t size)
{
  size_t len;
  const char *name = nn_dtype_name (t->dtype);

  if (size == 0)
    return buf;
  len = (size_t) snprintf (buf, size, "%s[", name ? name : "?");
  for (int32_t i = 0; i < t->rank && i < NN_ARRAY_MAX_RANK && len < size; i++)
    {
      if (t->shape[i] == NN_DIM_SYMBOLIC)
        len += (size_t) snprintf (buf + len, size - len, "%sN", i ? ", " : "");
      else
        len += (size_t) snprintf (buf + len, size - len, "%s%" PRId64, i ? ", " : "",
                                  t->shape[i]);
    }
  if (len < size)
    snprintf (buf + len, size - len, "]");
  return buf;
}

nn_status
nn_type_check (const nn_type *t, bool symbolic_ok, const char *what, size_t *bytes,
               nn_error *err)
{
  char sbuf[160];
  int64_t n = 1;
  size_t esize = nn_dtype_size (t->dtype);

  if (esize == 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s has an unknown dtype (%d)",
                         what, (int) t->dtype);
  if (t->rank < 0 || t->rank > NN_ARRAY_MAX_RANK)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1,
                         "%s has %d dimensions; at most %d are supported", what,
                         (int) t->rank, NN_ARRAY_MAX_RANK);
  nn_type_format (t, sbuf, sizeof sbuf);
  for (int32_t i = 0; i < t->rank; i++)
    {
      int64_t d = t->shape[i];

      if (d == NN_DIM_SYMBOLIC && symbolic_ok)
        d = 1;
      else if (d < 0)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s %s has a negative size",
                             what, sbuf);
      if (!nn_checked_mul (n, d, &n))
        return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                             "%s %s has more elements than can be counted", what, sbuf);
    }
  if ((uint64_t) n > nn_memory_budget () / esize)
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                         "%s %s needs %.1f MiB, more than the %.1f MiB memory budget", what,
                         sbuf, (double) n * (double) esize / 1048576.0,
                         (double) nn_memory_budget () / 1048576.0);
  if (bytes != NULL)
    *bytes = (size_t) n * esize;
  return NN_OK;
}

nn_array *
nn_array_new (const nn_type *t, nn_error *err)
{
  size_t bytes;
  nn_array *a;

  if (nn_type_check (t, false, "an array", &bytes, err) != NN_OK)
    return NULL;
  a = calloc (1, sizeof *a);
  if (a != NULL)
    a->data = calloc (1, bytes ? bytes : 1);
  if (a == NULL || a->data == NULL)
    {
      free (a);
      nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory allocating %zu bytes", bytes);
      return NULL;
    }
  a->type = *t;
  a->capacity = bytes ? bytes : 1;
  return a;
}

nn_array *
nn_array_new_f32 (int32_t rank, const int64_t *shape, nn_error *err)
{
  nn_type t = { .dtype = NN_DTYPE_FLOAT32, .rank = rank };

  if (rank < 0 || rank > NN_ARRAY_MAX_RANK)
    {
      nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "an array of rank %d; at most %d is "
                    "supported", (int) rank, NN_ARRAY_MAX_RANK);
      return NULL;
    }
  if (rank > 0)
    memcpy (t.shape, shape, (size_t) rank * sizeof *shape);
  return nn_array_new (&t, err);
}

nn_array *
nn_array_copy (const nn_array *a, nn_error *err)
{
  nn_array *c = nn_array_new (&a->type, err);

  if (c != NULL)
    memcpy (c->data, a->data, nn_array_bytes (a));
  return c;
}

void
nn_array_free (nn_array *a)
{
  if (a == NULL)
    return;
  free (a->data);
  free (a);
}

int64_t
nn_array_numel (const nn_array *a)
{
  return nn_type_numel (&a->type);
}

size_t
nn_array_bytes (const nn_array *a)
{
  return (size_t) nn_array_numel (a) * nn_dtype_size (a->type.dtype);
}

double
nn_array_get_f64 (const nn_array *a, int64_t i)
{
  switch (a->type.dtype)
    {
    case NN_DTYPE_FLOAT32: return ((const float *) a->data)[i];
    case NN_DTYPE_INT64: return (double) ((const int64_t *) a->data)[i];
    case NN_DTYPE_INT32: return ((const int32_t *) a->data)[i];
    case NN_DTYPE_BOOL: return ((const uint8_t *) a->data)[i] != 0;
    default: return 0.0;
    }
}

int64_t
nn_array_get_i64 (const nn_array *a, int64_t i)
{
  switch (a->type.dtype)
    {
    case NN_DTYPE_FLOAT32: return (int64_t) ((const float *) a->data)[i];
    case NN_DTYPE_INT64: return ((const int64_t *) a->data)[i];
    case NN_DTYPE_INT32: return ((const int32_t *) a->data)[i];
    case NN_DTYPE_BOOL: return ((const uint8_t *) a->data)[i] != 0;
    default: return 0;
    }
}

/* ---------------------------------------------------------------- broadcasting */

/* one axis of the broadcast: a and b are sizes (or NN_DIM_SYMBOLIC) */
static bool
broadcast_dim (int64_t a, int64_t b, int64_t *out)
{
  if (a == b || b == 1)
    *out = a;
  else if (a == 1)
    *out = b;
  else if (a == NN_DIM_SYMBOLIC)
    *out = b;
  else if (b == NN_DIM_SYMBOLIC)
    *out = a;
  else
    return false;
  return true;
}

nn_status
nn_broadcast_types (int n, const nn_type *const *in, nn_type *out, nn_error *err)
{
  nn_type acc = { .dtype = n > 0 ? in[0]->dtype : NN_DTYPE_FLOAT32, .rank = 0 };

  for (int k = 0; k < n; k++)
    {
      const nn_type *t = in[k];
      nn_type next = acc;

      if (t->rank > next.rank)
        {
          /* right-align acc into the wider rank */
          int32_t shift = t->rank - acc.rank;

          for (int32_t i = t->rank - 1; i >= 0; i--)
            next.shape[i] = i >= shift ? acc.shape[i - shift] : 1;
          next.rank = t->rank;
        }
      for (int32_t i = 0; i < t->rank; i++)
        {
          int32_t j = next.rank - t->rank + i;

          if (!broadcast_dim (next.shape[j], t->shape[i], &next.shape[j]))
            {
              char a[160], b[160];

              nn_type_format (&acc, a, sizeof a);
              nn_type_format (t, b, sizeof b);
              return nn_error_set (err, NN_STATUS_SHAPE, -1,
                                   "shapes %s and %s do not broadcast: axis %d has size "
                                   "%" PRId64 " against %" PRId64 " (sizes must be equal "
                                   "or one of them 1)", a + strcspn (a, "["),
                                   b + strcspn (b, "["), (int) (j - next.rank),
                                   next.shape[j], t->shape[i]);
            }
        }
      acc = next;
    }
  *out = acc;
  return NN_OK;
}

void
nn_strides (int32_t rank, const int64_t *shape, int64_t *strides)
{
  int64_t s = 1;

  for (int32_t i = rank - 1; i >= 0; i--)
    {
      strides[i] = s;
      s *= shape[i];
    }
}

void
nn_bcast_init (nn_bcast *b, const nn_type *out, int n, const nn_type *const *in)
{
  memset (b, 0, sizeof *b);
  b->rank = out->rank;
  b->n = n;
  memcpy (b->shape, out->shape, sizeof b->shape);
  for (int k = 0; k < n; k++)
    {
      int64_t s[NN_ARRAY_MAX_RANK];
      int32_t shift = out->rank - in[k]->rank;

      nn_strides (in[k]->rank, in[k]->shape, s);
      for (int32_t i = 0; i < in[k]->rank; i++)
        b->stride[k][i + shift] = in[k]->shape[i] == 1 ? 0 : s[i];
    }
}

/* carries the index from axis `from` downwards (towards axis 0) */
static void
carry (nn_bcast *b, int32_t from)
{
  for (int32_t i = from; i >= 0; i--)
    {
      b->idx[i]++;
      for (int k = 0; k < b->n; k++)
        b->off[k] += b->stride[k][i];
      if (b->idx[i] < b->shape[i] || i == 0)
        return;
      for (int k = 0; k < b->n; k++)
        b->off[k] -= b->stride[k][i] * b->shape[i];
      b->idx[i] = 0;
    }
}

void
nn_bcast_next (nn_bcast *b)
{
  if (b->rank > 0)
    carry (b, b->rank - 1);
}

void
nn_bcast_next_row (nn_bcast *b)
{
  if (b->rank > 1)
    carry (b, b->rank - 2);
}

int32_t
nn_axis_normalize (int64_t axis, int32_t rank, bool inclusive)
{
  if (axis < -(int64_t) rank || axis > (inclusive ? rank : rank - 1))
    return -1;
  return (int32_t) (axis < 0 ? axis + rank : axis);
}
