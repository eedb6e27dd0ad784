/* ops/concat.c - Concat along any axis
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
