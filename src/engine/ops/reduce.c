/* ops/reduce.c - ReduceMean (axes as attribute, opset 13, or as input, opset 18;
 * keepdims, noop_with_empty_axes)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/op.h"

enum { REDUCE_AXES, REDUCE_KEEPDIMS, REDUCE_NOOP_EMPTY, N_REDUCE_ATTRS };

static const nn_attr_schema reduce_attrs[] = {
  { .name = "axes", .torch = "dim", .kind = NN_ATTR_INTS, .min = -NN_ARRAY_MAX_RANK,
    .max = NN_ARRAY_MAX_RANK - 1 },
  { .name = "keepdims", .torch = "keepdim", .kind = NN_ATTR_INT, .def_i = 1, .min = 0,
    .max = 1 },
  { .name = "noop_with_empty_axes", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (reduce_attrs) == N_REDUCE_ATTRS, "reduce_attrs and its enum");

/* which axes are reduced; *noop when none is and noop_with_empty_axes says so */
static nn_status
reduce_mask (const nn_op_ctx *ctx, bool *mask, bool *noop, nn_error *err)
{
  int32_t rank = ctx->in[0]->rank, n;
  int64_t axes[NN_ARRAY_MAX_RANK];
  nn_status s;

  if (ctx->n_in > 1 && ctx->in[1] != NULL)
    {
      if ((s = nn_op_const_ints (ctx, 1, axes, NN_ARRAY_MAX_RANK, &n, err)) != NN_OK)
        return s;
    }
  else
    memcpy (axes, nn_attr_ints (ctx, REDUCE_AXES, &n), NN_ARRAY_MAX_RANK * sizeof *axes);
  *noop = n == 0 && nn_attr_i (ctx, REDUCE_NOOP_EMPTY) != 0;
  if ((s = nn_op_axes_mask (ctx, axes, n, rank, mask, err)) != NN_OK)
    return s;
  /* no axes: all of them, unless noop_with_empty_axes */
  for (int32_t i = 0; i < rank && n == 0; i++)
    mask[i] = !*noop;
  return NN_OK;
}

static nn_status
reduce_infer (const nn_op_ctx *ctx, nn_error *err)
{
  bool mask[NN_ARRAY_MAX_RANK], noop, keep = nn_attr_i (ctx, REDUCE_KEEPDIMS) != 0;
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);
  const nn_type *x = ctx->in[0];

  if (s != NN_OK || (s = reduce_mask (ctx, mask, &noop, err)) != NN_OK)
    return s;
  *ctx->out[0] = *x;
  ctx->out[0]->rank = 0;
  for (int32_t i = 0; i < x->rank; i++)
    if (!mask[i])
      ctx->out[0]->shape[ctx->out[0]->rank++] = x->shape[i];
    else if (keep)
      ctx->out[0]->shape[ctx->out[0]->rank++] = 1;
  return NN_OK;
}

static nn_status
reduce_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = &ctx->value[0]->type;
  bool mask[NN_ARRAY_MAX_RANK], noop;
  nn_type kept = *x;
  const nn_type *ops[1] = { &kept };
  int64_t n = nn_array_numel (ctx->value[0]), m = nn_array_numel (ctx->y[0]);
  const float *src = ctx->value[0]->data;
  float *y = ctx->y[0]->data;
  nn_status s;
  nn_bcast it;

  if ((s = reduce_mask (ctx, mask, &noop, err)) != NN_OK)
    return s;
  for (int32_t i = 0; i < x->rank; i++)
    if (mask[i])
      kept.shape[i] = 1;
  /* walk the input; operand 0 is the output with the reduced axes kept as size 1 */
  nn_bcast_init (&it, x, 1, ops);
  for (int64_t i = 0; i < n; i++, nn_bcast_next (&it))
    y[it.off[0]] += src[i];
  /* each output is the mean of n / m inputs (NaN for none, as in PyTorch) */
  for (int64_t i = 0; i < m; i++)
    y[i] = n > 0 ? y[i] / (float) (n / m) : NAN;
  return NN_OK;
}

const nn_op nn_op_reduce_mean = {
  .name = "ReduceMean", .torch = "torch.mean",
  .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = reduce_attrs, .n_attrs = N_REDUCE_ATTRS,
  .infer = reduce_infer, .forward = reduce_forward, .macs = nn_macs_per_element,
};
