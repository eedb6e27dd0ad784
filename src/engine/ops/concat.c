/* ops/concat.c - Concat and Split along any axis
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "ops/op.h"

static const nn_attr_schema concat_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = 0 },
};

static nn_status
concat_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *first = ctx->in[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), first->rank, false);
  nn_type *y = ctx->out[0];
  char a[160], b[160];

  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside its "
                       "inputs' %d dimensions", nn_attr_i (ctx, 0), (int) first->rank);
  *y = *first;
  for (int k = 1; k < ctx->n_in; k++)
    {
      const nn_type *t = ctx->in[k];
      bool fits = t != NULL && t->dtype == first->dtype && t->rank == first->rank;

      for (int32_t i = 0; fits && i < t->rank; i++)
        fits = i == axis || t->shape[i] == first->shape[i];
      if (!fits)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "input %d %s does not fit input 1 %s: "
                           "all sizes but axis %d must be equal", k + 1,
                           nn_op_in_str (ctx, k, b, sizeof b),
                           nn_op_in_str (ctx, 0, a, sizeof a), (int) axis);
      if (y->shape[axis] == NN_DIM_SYMBOLIC || t->shape[axis] == NN_DIM_SYMBOLIC)
        y->shape[axis] = NN_DIM_SYMBOLIC;
      else
        y->shape[axis] += t->shape[axis];
    }
  return NN_OK;
}

static nn_status
concat_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *yt = &ctx->y[0]->type;
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), yt->rank, false);
  int64_t outer = nn_dims_product (yt, 0, axis), inner = nn_dims_product (yt, axis + 1, yt->rank);
  size_t es = nn_dtype_size (yt->dtype);
  size_t row = (size_t) (yt->shape[axis] * inner) * es;
  char *y = ctx->y[0]->data;
  size_t at = 0;

  for (int k = 0; k < ctx->n_in; k++)
    {
      const nn_array *x = ctx->value[k];
      size_t chunk = (size_t) (x->type.shape[axis] * inner) * es;

      for (int64_t o = 0; o < outer; o++)
        memcpy (y + (size_t) o * row + at, (const char *) x->data + (size_t) o * chunk, chunk);
      at += chunk;
    }
  return NN_OK;
}

const nn_op nn_op_concat = {
  .name = "Concat", .torch = "torch.cat",
  .min_in = 1, .max_in = NN_NODE_MAX_IO, .min_out = 1, .max_out = 1,
  .attrs = concat_attrs, .n_attrs = NN_N_ELEMENTS (concat_attrs),
  .infer = concat_infer, .forward = concat_forward,
};

/* ---------------------------------------------------------------- Split */

enum { SPLIT_AXIS, SPLIT_NUM_OUTPUTS, N_SPLIT_ATTRS };

static const nn_attr_schema split_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = 0 },
  { .name = "num_outputs", .kind = NN_ATTR_INT, .min = 1, .max = NN_NODE_MAX_IO },
};
static_assert (NN_N_ELEMENTS (split_attrs) == N_SPLIT_ATTRS, "split_attrs and its enum");

/* the size of each output along axis: the split input, or equal parts (the last one
 * smaller when they do not divide, as ONNX opset 18 and torch.chunk) */
static nn_status
split_sizes (const nn_op_ctx *ctx, int32_t axis, int64_t *sizes, nn_error *err)
{
  int64_t dim = ctx->in[0]->shape[axis], sum = 0, part;
  int32_t n;
  nn_status s;

  if (ctx->n_in > 1 && ctx->in[1] != NULL)
    {
      if ((s = nn_op_const_ints (ctx, 1, sizes, NN_NODE_MAX_IO, &n, err)) != NN_OK)
        return s;
      if (n != ctx->n_out)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "split has %d sizes for %d outputs",
                           (int) n, ctx->n_out);
      for (int32_t i = 0; i < n; i++)
        sum += sizes[i] >= 0 ? sizes[i] : -1;
      if (dim != NN_DIM_SYMBOLIC && sum != dim)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "the sizes in split add up to %" PRId64
                           ", not to the %" PRId64 " of axis %d", sum, dim, (int) axis);
      return NN_OK;
    }
  if (nn_attr_i (ctx, SPLIT_NUM_OUTPUTS) != 0 && nn_attr_i (ctx, SPLIT_NUM_OUTPUTS) != ctx->n_out)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "num_outputs is %" PRId64 " but the node "
                       "has %d outputs", nn_attr_i (ctx, SPLIT_NUM_OUTPUTS), ctx->n_out);
  part = dim == NN_DIM_SYMBOLIC ? NN_DIM_SYMBOLIC : (dim + ctx->n_out - 1) / ctx->n_out;
  for (int k = 0; k < ctx->n_out; k++)
    {
      sizes[k] = part == NN_DIM_SYMBOLIC ? part : (dim - sum < part ? dim - sum : part);
      sum += part;
      if (part != NN_DIM_SYMBOLIC && sizes[k] <= 0)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "axis %d of size %" PRId64 " cannot "
                           "be split into %d parts", (int) axis, dim, ctx->n_out);
    }
  return NN_OK;
}

static nn_status
split_infer (const nn_op_ctx *ctx, nn_error *err)
{
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, SPLIT_AXIS), ctx->in[0]->rank, false);
  int64_t sizes[NN_NODE_MAX_IO];
  nn_status s;

  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "input's %d dimensions", nn_attr_i (ctx, SPLIT_AXIS),
                       (int) ctx->in[0]->rank);
  if ((s = split_sizes (ctx, axis, sizes, err)) != NN_OK)
    return s;
  for (int k = 0; k < ctx->n_out; k++)
    {
      *ctx->out[k] = *ctx->in[0];
      ctx->out[k]->shape[axis] = sizes[k];
    }
  return NN_OK;
}

static nn_status
split_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *xt = &ctx->value[0]->type;
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, SPLIT_AXIS), xt->rank, false);
  int64_t outer = nn_dims_product (xt, 0, axis), inner = nn_dims_product (xt, axis + 1, xt->rank);
  size_t es = nn_dtype_size (xt->dtype), row = (size_t) (xt->shape[axis] * inner) * es;
  const char *x = ctx->value[0]->data;
  size_t at = 0;

  for (int k = 0; k < ctx->n_out; k++)
    {
      size_t chunk = (size_t) (ctx->y[k]->type.shape[axis] * inner) * es;

      for (int64_t o = 0; o < outer; o++)
        memcpy ((char *) ctx->y[k]->data + (size_t) o * chunk, x + (size_t) o * row + at, chunk);
      at += chunk;
    }
  return NN_OK;
}

const nn_op nn_op_split = {
  .name = "Split", .torch = "torch.split",
  .min_in = 1, .max_in = 2, .min_out = 1, .max_out = NN_NODE_MAX_IO,
  .attrs = split_attrs, .n_attrs = N_SPLIT_ATTRS,
  .infer = split_infer, .forward = split_forward,
};
