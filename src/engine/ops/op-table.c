/* ops/op-table.c - nn_ops[], made from ops/ops.def, and what the families share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

#define NN_OP(ID, sym) [NN_OP_##ID] = &nn_op_##sym,
const nn_op *const nn_ops[NN_N_OPS] = {
#include "ops/ops.def"
};
#undef NN_OP

static_assert (NN_N_ELEMENTS (nn_ops) == NN_N_OPS, "ops.def made a table of another size");

int
nn_op_count (void)
{
  return NN_N_OPS;
}

const char *
nn_op_name (int op)
{
  return op >= 0 && op < NN_N_OPS ? nn_ops[op]->name : NULL;
}

const char *
nn_op_torch_name (int op)
{
  return op >= 0 && op < NN_N_OPS ? nn_ops[op]->torch : NULL;
}

int
nn_op_find (const char *onnx_name)
{
  for (int i = 0; i < NN_N_OPS; i++)
    if (strcmp (nn_ops[i]->name, onnx_name) == 0)
      return i;
  return -1;
}

nn_status
nn_op_fail (const nn_op_ctx *ctx, nn_error *err, nn_status status, const char *fmt, ...)
{
  char msg[NN_ERROR_MAX];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  return nn_error_set (err, status, ctx->node, "node '%s' (%s): %s", ctx->name,
                       ctx->op->name, msg);
}

const char *
nn_op_in_str (const nn_op_ctx *ctx, int k, char *buf, size_t size)
{
  if (ctx->in[k] == NULL)
    snprintf (buf, size, "(none)");
  else
    nn_type_format (ctx->in[k], buf, size);
  return buf;
}

nn_status
nn_op_check_dtype (const nn_op_ctx *ctx, int k, unsigned mask, nn_error *err)
{
  char want[96] = "";
  size_t len = 0;

  if (k >= ctx->n_in || ctx->in[k] == NULL)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "input %d is missing", k + 1);
  if (mask & NN_DTYPE_MASK (ctx->in[k]->dtype))
    return NN_OK;
  for (int d = 0; d < NN_N_DTYPES; d++)
    if (mask & NN_DTYPE_MASK (d))
      len += (size_t) snprintf (want + len, sizeof want - len, "%s%s", len ? " or " : "",
                                nn_dtype_name ((nn_dtype) d));
  return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "input %d is %s; %s takes %s", k + 1,
                     nn_dtype_name (ctx->in[k]->dtype), ctx->op->name, want);
}

nn_status
nn_infer_same (const nn_op_ctx *ctx, nn_error *err)
{
  *ctx->out[0] = *ctx->in[0];
  return NN_OK;
}

nn_status
nn_op_const_ints (const nn_op_ctx *ctx, int k, int64_t *v, int32_t max, int32_t *n,
                  nn_error *err)
{
  const nn_array *a = ctx->value[k];
  int64_t numel;

  if (a == NULL)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "input %d must be a constant "
                       "(an initializer) for its shape to be known before running", k + 1);
  if (a->type.dtype != NN_DTYPE_INT64 && a->type.dtype != NN_DTYPE_INT32)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "input %d is %s; it must be int64", k + 1,
                       nn_dtype_name (a->type.dtype));
  numel = nn_array_numel (a);
  if (a->type.rank > 1 || numel > max)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "input %d must be a list of at most %d "
                       "integers", k + 1, (int) max);
  for (int64_t i = 0; i < numel; i++)
    v[i] = nn_array_get_i64 (a, i);
  *n = (int32_t) numel;
  return NN_OK;
}

int64_t
nn_dims_product (const nn_type *t, int32_t from, int32_t to)
{
  int64_t p = 1;

  for (int32_t i = from; i < to; i++)
    {
      if (t->shape[i] < 0 || !nn_checked_mul (p, t->shape[i], &p))
        return -1;
    }
  return p;
}

nn_status
nn_forward_copy (const nn_op_ctx *ctx, nn_error *err)
{
  memcpy (ctx->y[0]->data, ctx->value[0]->data, nn_array_bytes (ctx->y[0]));
  return NN_OK;
}

int64_t
nn_macs_per_element (const nn_op_ctx *ctx)
{
  int64_t n = nn_dims_product (ctx->in[0], 1, ctx->in[0]->rank);

  return n < 0 ? 0 : n;
}

void
nn_copy_strided (const nn_array *src, int64_t base, const int64_t *strides, nn_array *dst)
{
  int64_t numel = nn_array_numel (dst);
  size_t es = nn_dtype_size (src->type.dtype);
  const char *from = (const char *) src->data + (size_t) base * es;
  char *to = dst->data;
  nn_bcast it;

  /* walk dst in order; operand 0 is src with the given strides */
  nn_bcast_init (&it, &dst->type, 0, NULL);
  it.n = 1;
  memcpy (it.stride[0], strides, (size_t) dst->type.rank * sizeof *strides);
  for (int64_t i = 0; i < numel; i++, nn_bcast_next (&it))
    memcpy (to + (size_t) i * es, from + (size_t) it.off[0] * es, es);
}

nn_status
nn_op_axes_mask (const nn_op_ctx *ctx, const int64_t *axes, int32_t n, int32_t rank,
                 bool *mask, nn_error *err)
{
  memset (mask, 0, NN_ARRAY_MAX_RANK * sizeof *mask);
  for (int32_t i = 0; i < n; i++)
    {
      int32_t a = nn_axis_normalize (axes[i], rank, false);

      if (a < 0 || mask[a])
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is %s",
                           axes[i], a < 0 ? "out of range" : "given twice");
      mask[a] = true;
    }
  return NN_OK;
}

nn_status
nn_infer_broadcast (const nn_op_ctx *ctx, int from, int n, unsigned mask, nn_error *err)
{
  const nn_type *in[NN_NODE_MAX_IO];
  char a[160], b[160];
  nn_status s;

  for (int k = from; k < from + n; k++)
    {
      if ((s = nn_op_check_dtype (ctx, k, mask, err)) != NN_OK)
        return s;
      if (ctx->in[k]->dtype != ctx->in[from]->dtype)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its inputs have different dtypes, "
                           "%s and %s", nn_op_in_str (ctx, from, a, sizeof a),
                           nn_op_in_str (ctx, k, b, sizeof b));
      in[k - from] = ctx->in[k];
    }
  if (nn_broadcast_types (n, in, ctx->out[0], err) != NN_OK)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "%s", err ? err->message : "");
  ctx->out[0]->dtype = ctx->in[from]->dtype;
  return NN_OK;
}

nn_status
nn_op_dims_input (const nn_op_ctx *ctx, int k, const char *what, int64_t *dims, int32_t *n,
                  nn_error *err)
{
  const nn_type *t = ctx->in[k];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, k, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (t->rank != 1)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %s (input %d) must be a list (1-D), "
                       "not %d-dimensional", what, k + 1, (int) t->rank);
  if (t->shape[0] > NN_ARRAY_MAX_RANK)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "its %s has %" PRId64 " dims; at "
                       "most %d are supported", what, t->shape[0], NN_ARRAY_MAX_RANK);
  if (ctx->value[k] == NULL)
    {
      if (t->shape[0] < 0)
        return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "its %s (input %d) has an "
                           "unknown length; make it a constant", what, k + 1);
      *n = (int32_t) t->shape[0];
      for (int32_t i = 0; i < *n; i++)
        dims[i] = NN_DIM_SYMBOLIC;
      return NN_OK;
    }
  *n = (int32_t) nn_array_numel (ctx->value[k]);
  for (int32_t i = 0; i < *n; i++)
    {
      dims[i] = nn_array_get_i64 (ctx->value[k], i);
      if (dims[i] < 0)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "its %s has a negative dim "
                           "%" PRId64 " at index %d", what, dims[i], (int) i);
    }
  return NN_OK;
}

bool
nn_dtype_from_onnx (int64_t onnx, nn_dtype *dtype)
{
  switch (onnx)
    {
    case NN_ONNX_FLOAT: *dtype = NN_DTYPE_FLOAT32; return true;
    case NN_ONNX_INT32: *dtype = NN_DTYPE_INT32; return true;
    case NN_ONNX_INT64: *dtype = NN_DTYPE_INT64; return true;
    case NN_ONNX_BOOL: *dtype = NN_DTYPE_BOOL; return true;
    default: return false;
    }
}

/* truncated towards zero, saturated to [lo, hi], NaN 0 */
static int64_t
saturate (double v, double lo, double hi)
{
  if (isnan (v))
    return 0;
  if (v <= lo)
    return (int64_t) lo;
  if (v >= hi)
    return hi >= 9.2233720368547758e18 ? INT64_MAX : (int64_t) hi;
  return (int64_t) v;
}

void
nn_array_set_f64 (nn_array *a, int64_t i, double v)
{
  switch (a->type.dtype)
    {
    case NN_DTYPE_FLOAT32: ((float *) a->data)[i] = (float) v; break;
    case NN_DTYPE_INT64: ((int64_t *) a->data)[i] = saturate (v, -9.2233720368547758e18,
                                                                9.2233720368547758e18); break;
    case NN_DTYPE_INT32: ((int32_t *) a->data)[i] = (int32_t) saturate (v, INT32_MIN,
                                                                          INT32_MAX); break;
    case NN_DTYPE_BOOL: ((uint8_t *) a->data)[i] = v != 0.0; break;
    default: break;
    }
}

void
nn_array_set_i64 (nn_array *a, int64_t i, int64_t v)
{
  switch (a->type.dtype)
    {
    case NN_DTYPE_FLOAT32: ((float *) a->data)[i] = (float) v; break;
    case NN_DTYPE_INT64: ((int64_t *) a->data)[i] = v; break;
    case NN_DTYPE_INT32: ((int32_t *) a->data)[i] = (int32_t) (uint32_t) (uint64_t) v; break;
    case NN_DTYPE_BOOL: ((uint8_t *) a->data)[i] = v != 0; break;
    default: break;
    }
}

void *
nn_axis_tables (int32_t rank, const int64_t *dims, size_t size, void **table)
{
  int64_t total = 0;
  char *block;

  for (int32_t a = 0; a < rank; a++)
    total += dims[a];
  block = malloc ((size_t) (total > 0 ? total : 1) * size);
  if (block == NULL)
    return NULL;
  total = 0;
  for (int32_t a = 0; a < rank; a++)
    {
      table[a] = block + (size_t) total * size;
      total += dims[a];
    }
  return block;
}
