/* ops/generate.c - operators that make a tensor from sizes: ConstantOfShape, Range,
 * OneHot, EyeLike
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Their output shapes come from input values. When those are not known during
 * nn_graph_infer (not initializers), the dims are NN_DIM_SYMBOLIC and become concrete
 * when the graph runs; either way the output is checked against the memory budget
 * before anything is allocated (NN_STATUS_TOO_LARGE naming the node).
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/op.h"

/* ---------------------------------------------------------------- ConstantOfShape */

/* ONNX's value is a one-element tensor. Here it is two attributes: value, its element
 * (a double, exact for integers up to 2^53), and dtype, the tensor's data type as an
 * ONNX TensorProto number (1 float, 6 int32, 7 int64, 9 bool). An importer sets both
 * from the tensor; without value ONNX says float32 0. */
enum { COS_VALUE, COS_DTYPE, N_COS_ATTRS };

static const nn_attr_schema constant_of_shape_attrs[] = {
  { .name = "value", .torch = "fill_value", .kind = NN_ATTR_FLOAT, .def_f = 0.0 },
  { .name = "dtype", .torch = "dtype", .kind = NN_ATTR_INT, .def_i = NN_ONNX_FLOAT },
};
static_assert (NN_N_ELEMENTS (constant_of_shape_attrs) == N_COS_ATTRS,
               "constant_of_shape_attrs and its enum");

static nn_status
constant_of_shape_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_type *y = ctx->out[0];
  nn_status s;

  if (!nn_dtype_from_onnx (nn_attr_i (ctx, COS_DTYPE), &y->dtype))
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "value's ONNX data type %" PRId64
                       " is not supported; float (1), int32 (6), int64 (7) and bool (9) "
                       "are", nn_attr_i (ctx, COS_DTYPE));
  if ((s = nn_op_dims_input (ctx, 0, "shape", y->shape, &y->rank, err)) != NN_OK)
    return s;
  return NN_OK;
}

static nn_status
constant_of_shape_forward (const nn_op_ctx *ctx, nn_error *err)
{
  nn_array *y = ctx->y[0];
  int64_t n = nn_array_numel (y);
  size_t es = nn_dtype_size (y->type.dtype);

  if (n == 0)
    return NN_OK;
  nn_array_set_f64 (y, 0, nn_attr_f (ctx, COS_VALUE));
  for (int64_t i = 1; i < n; i++)
    memcpy ((char *) y->data + (size_t) i * es, y->data, es);
  return NN_OK;
}

const nn_op nn_op_constant_of_shape = {
  .name = "ConstantOfShape", .torch = "torch.full",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = constant_of_shape_attrs, .n_attrs = N_COS_ATTRS,
  .infer = constant_of_shape_infer, .forward = constant_of_shape_forward,
};

/* ---------------------------------------------------------------- Range */

/* max(ceil((limit - start) / delta), 0) elements, ONNX's count; integers exactly */
static nn_status
range_count (const nn_op_ctx *ctx, int64_t *count, nn_error *err)
{
  const nn_array *st = ctx->value[0], *li = ctx->value[1], *de = ctx->value[2];
  double n;

  if (st->type.dtype == NN_DTYPE_FLOAT32)
    {
      double a = nn_array_get_f64 (st, 0), b = nn_array_get_f64 (li, 0);
      double d = nn_array_get_f64 (de, 0);

      if (d == 0.0 || !isfinite (a) || !isfinite (b) || !isfinite (d))
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "start %g, limit %g and delta "
                           "%g must be finite and delta not 0", a, b, d);
      n = ceil ((b - a) / d);
    }
  else
    {
      int64_t a = nn_array_get_i64 (st, 0), b = nn_array_get_i64 (li, 0);
      int64_t d = nn_array_get_i64 (de, 0), diff;

      if (d == 0)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "delta is 0");
      if (__builtin_sub_overflow (b, a, &diff))
        n = ceil (((double) b - (double) a) / (double) d);
      else
        {
          int64_t q = diff / d;

          n = (double) (q + (diff % d != 0 && (diff < 0) == (d < 0)));
        }
    }
  if (n >= 9.2e18)
    return nn_op_fail (ctx, err, NN_STATUS_TOO_LARGE, "it would make %g elements", n);
  *count = n > 0.0 ? (int64_t) n : 0;
  return NN_OK;
}

static nn_status
range_infer (const nn_op_ctx *ctx, nn_error *err)
{
  static const char *const names[] = { "start", "limit", "delta" };
  nn_status s;

  if ((s = nn_infer_broadcast (ctx, 0, 3, NN_MASK_F32 | NN_MASK_INT, err)) != NN_OK)
    return s;
  for (int k = 0; k < 3; k++)
    if (ctx->in[k]->rank != 0)
      return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %s must be a scalar (rank 0), not "
                         "%d-dimensional", names[k], (int) ctx->in[k]->rank);
  ctx->out[0]->rank = 1;
  ctx->out[0]->shape[0] = NN_DIM_SYMBOLIC;
  if (ctx->value[0] != NULL && ctx->value[1] != NULL && ctx->value[2] != NULL)
    return range_count (ctx, &ctx->out[0]->shape[0], err);
  return NN_OK;
}

static nn_status
range_forward (const nn_op_ctx *ctx, nn_error *err)
{
  nn_array *y = ctx->y[0];
  int64_t n = nn_array_numel (y);

  if (y->type.dtype == NN_DTYPE_FLOAT32)
    {
      double a = nn_array_get_f64 (ctx->value[0], 0), d = nn_array_get_f64 (ctx->value[2], 0);

      for (int64_t i = 0; i < n; i++)
        ((float *) y->data)[i] = (float) (a + (double) i * d);
    }
  else
    {
      int64_t a = nn_array_get_i64 (ctx->value[0], 0), d = nn_array_get_i64 (ctx->value[2], 0);

      /* every element lies between start and limit: no overflow */
      for (int64_t i = 0; i < n; i++)
        nn_array_set_i64 (y, i, a + i * d);
    }
  return NN_OK;
}

const nn_op nn_op_range = {
  .name = "Range", .torch = "torch.arange",
  .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
  .infer = range_infer, .forward = range_forward,
};

/* ---------------------------------------------------------------- OneHot */

/* indices (any number type), depth (one number), values [off, on]: a new axis of depth
 * entries at axis, on where it equals the index (negative indices count from the end,
 * others outside [-depth, depth) give a row of off) */
static const nn_attr_schema one_hot_attrs[] = {
  { .name = "axis", .kind = NN_ATTR_INT, .def_i = -1 },
};

static nn_status
one_hot_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *idx = ctx->in[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), idx->rank + 1, false);
  nn_type *y = ctx->out[0];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32 | NN_MASK_INT, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_F32 | NN_MASK_INT, err)) != NN_OK)
    return s;
  if (axis < 0 || idx->rank + 1 > NN_ARRAY_MAX_RANK)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " does not fit the "
                       "output's %d dimensions", nn_attr_i (ctx, 0), (int) (idx->rank + 1));
  if (nn_type_numel (ctx->in[1]) != 1 || nn_type_numel (ctx->in[2]) != 2)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "depth must be one number and values two "
                       "([off, on])");
  y->dtype = ctx->in[2]->dtype;
  y->rank = idx->rank + 1;
  for (int32_t i = 0, j = 0; i < y->rank; i++)
    y->shape[i] = i == axis ? NN_DIM_SYMBOLIC : idx->shape[j++];
  if (ctx->value[1] != NULL)
    {
      double d = nn_array_get_f64 (ctx->value[1], 0);

      if (!(d >= 1.0) || d > 9e15)
        return nn_op_fail (ctx, err, d >= 1.0 ? NN_STATUS_TOO_LARGE : NN_STATUS_INVALID_ARG,
                           "depth %g must be at least 1 (and fit in memory)", d);
      y->shape[axis] = (int64_t) d;
    }
  return NN_OK;
}

static nn_status
one_hot_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *idx = ctx->value[0], *values = ctx->value[2];
  nn_array *y = ctx->y[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), y->type.rank, false);
  int64_t depth = y->type.shape[axis], outer = nn_dims_product (&y->type, 0, axis);
  int64_t inner = nn_dims_product (&y->type, axis + 1, y->type.rank);
  size_t es = nn_dtype_size (y->type.dtype);
  const char *off = values->data, *on = (const char *) values->data + es;

  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        /* a float index is truncated first, as ONNX's reference casts it */
        double v = trunc (nn_array_get_f64 (idx, o * inner + i));
        int64_t hot = -1;

        if (v >= (double) -depth && v < (double) depth)
          hot = v < 0 ? (int64_t) v + depth : (int64_t) v;
        for (int64_t d = 0; d < depth; d++)
          memcpy ((char *) y->data + (size_t) ((o * depth + d) * inner + i) * es,
                  d == hot ? on : off, es);
      }
  return NN_OK;
}

const nn_op nn_op_one_hot = {
  .name = "OneHot", .torch = "F.one_hot",
  .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = one_hot_attrs, .n_attrs = NN_N_ELEMENTS (one_hot_attrs),
  .infer = one_hot_infer, .forward = one_hot_forward,
};

/* ---------------------------------------------------------------- EyeLike */

/* a 2-d tensor of the input's shape, 1 where column - row == k, else 0; dtype an ONNX
 * TensorProto number, the input's when not given */
static const nn_attr_schema eye_like_attrs[] = {
  { .name = "dtype", .torch = "dtype", .kind = NN_ATTR_INT, .def_i = 0 },
  { .name = "k", .torch = "diagonal", .kind = NN_ATTR_INT, .def_i = 0 },
};

static nn_status
eye_like_infer (const nn_op_ctx *ctx, nn_error *err)
{
  char a[160];

  if (ctx->in[0]->rank != 2)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s must be 2-d",
                       nn_op_in_str (ctx, 0, a, sizeof a));
  *ctx->out[0] = *ctx->in[0];
  if (nn_attr_i (ctx, 0) != 0 && !nn_dtype_from_onnx (nn_attr_i (ctx, 0), &ctx->out[0]->dtype))
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "dtype %" PRId64 " is not supported; "
                       "float (1), int32 (6), int64 (7) and bool (9) are", nn_attr_i (ctx, 0));
  return NN_OK;
}

static nn_status
eye_like_forward (const nn_op_ctx *ctx, nn_error *err)
{
  nn_array *y = ctx->y[0];
  int64_t rows = y->type.shape[0], cols = y->type.shape[1], k = nn_attr_i (ctx, 1);

  for (int64_t i = 0; i < rows; i++)
    if (k > -cols && k < cols && i + k >= 0 && i + k < cols)
      nn_array_set_i64 (y, i * cols + i + k, 1);
  return NN_OK;
}

const nn_op nn_op_eye_like = {
  .name = "EyeLike", .torch = "torch.eye",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = eye_like_attrs, .n_attrs = NN_N_ELEMENTS (eye_like_attrs),
  .infer = eye_like_infer, .forward = eye_like_forward,
};
