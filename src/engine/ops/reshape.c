/* ops/reshape.c - operators that move or relabel elements: Flatten, Reshape (0 and -1),
 * Transpose, Squeeze, Unsqueeze, Shape, Expand, Tile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "ops/op.h"

/* ---------------------------------------------------------------- Flatten */

static const nn_attr_schema flatten_attrs[] = {
  { .name = "axis", .torch = "start_dim", .kind = NN_ATTR_INT, .def_i = 1 },
};

static nn_status
flatten_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), x->rank, true);

  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "input's %d dimensions", nn_attr_i (ctx, 0), (int) x->rank);
  *ctx->out[0] = *x;
  ctx->out[0]->rank = 2;
  ctx->out[0]->shape[0] = nn_dims_product (x, 0, axis);
  ctx->out[0]->shape[1] = nn_dims_product (x, axis, x->rank);
  return NN_OK;
}

const nn_op nn_op_flatten = {
  .name = "Flatten", .torch = "Flatten",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = flatten_attrs, .n_attrs = NN_N_ELEMENTS (flatten_attrs),
  .infer = flatten_infer, .forward = nn_forward_copy,
};

/* ---------------------------------------------------------------- Reshape */

static const nn_attr_schema reshape_attrs[] = {
  { .name = "allowzero", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
};

/* out->shape from the requested shape: 0 copies the input's dim (unless allowzero),
 * one -1 takes what is left; symbolic dims copied by 0 stay symbolic */
static nn_status
reshape_resolve (const nn_op_ctx *ctx, const int64_t *want, int32_t n, nn_type *out,
                 nn_error *err)
{
  const nn_type *x = ctx->in[0];
  bool allowzero = nn_attr_i (ctx, 0) != 0;
  int64_t known = 1, in_known = 1;
  int32_t infer_at = -1, in_symbolic = 0, out_symbolic = 0;
  char xs[160];

  nn_op_in_str (ctx, 0, xs, sizeof xs);
  for (int32_t i = 0; i < x->rank; i++)
    if (x->shape[i] == NN_DIM_SYMBOLIC)
      in_symbolic++;
    else
      in_known *= x->shape[i];
  out->rank = n;
  for (int32_t i = 0; i < n; i++)
    {
      int64_t d = want[i];

      if (d == 0 && !allowzero)
        {
          if (i >= x->rank)
            return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "shape entry %d is 0 (copy the "
                               "input's), but the input %s has no dimension %d", (int) i,
                               xs, (int) i);
          d = x->shape[i];
        }
      else if (d == -1)
        {
          if (infer_at >= 0)
            return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "its shape has more than "
                               "one -1");
          infer_at = i;
          continue;
        }
      else if (d < 0)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "shape entry %d is %" PRId64,
                           (int) i, d);
      out->shape[i] = d;
      if (d == NN_DIM_SYMBOLIC)
        out_symbolic++;
      else if (!nn_checked_mul (known, d, &known))
        return nn_op_fail (ctx, err, NN_STATUS_TOO_LARGE, "its shape is too large");
    }
  if (in_symbolic != out_symbolic)
    {
      /* only -1 can absorb a symbolic dim; the rest is unknown until run time */
      if (infer_at < 0 || in_symbolic < out_symbolic)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "it cannot tell how the batch "
                           "dimension of %s maps onto its shape", xs);
      out->shape[infer_at] = NN_DIM_SYMBOLIC;
      return NN_OK;
    }
  if (infer_at >= 0)
    {
      if (known == 0 || in_known % known != 0)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "%s cannot be reshaped: its %" PRId64
                           " elements do not divide by %" PRId64, xs, in_known, known);
      out->shape[infer_at] = in_known / known;
      known = in_known;
    }
  if (known != in_known)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "%s has %" PRId64 " elements; the shape "
                       "asked for has %" PRId64, xs, in_known, known);
  return NN_OK;
}

static nn_status
reshape_infer (const nn_op_ctx *ctx, nn_error *err)
{
  int64_t want[NN_ARRAY_MAX_RANK];
  int32_t n;
  nn_status s = nn_op_const_ints (ctx, 1, want, NN_ARRAY_MAX_RANK, &n, err);

  if (s != NN_OK)
    return s;
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  return reshape_resolve (ctx, want, n, ctx->out[0], err);
}

const nn_op nn_op_reshape = {
  .name = "Reshape", .torch = "torch.reshape",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = reshape_attrs, .n_attrs = NN_N_ELEMENTS (reshape_attrs),
  .infer = reshape_infer, .forward = nn_forward_copy,
};

/* ---------------------------------------------------------------- Transpose */

static const nn_attr_schema transpose_attrs[] = {
  { .name = "perm", .torch = "dims", .kind = NN_ATTR_INTS, .min = 0,
    .max = NN_ARRAY_MAX_RANK - 1 },
};

/* perm, defaulting to the reversed axes; checked to be a permutation */
static nn_status
transpose_perm (const nn_op_ctx *ctx, int64_t *perm, nn_error *err)
{
  int32_t rank = ctx->in[0]->rank, n;
  const int64_t *p = nn_attr_ints (ctx, 0, &n);
  bool seen[NN_ARRAY_MAX_RANK] = { false };

  if (n == 0)
    for (int32_t i = 0; i < rank; i++)
      perm[i] = rank - 1 - i;
  else if (n != rank)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "perm has %d entries for an input "
                       "of %d dimensions", (int) n, (int) rank);
  else
    memcpy (perm, p, (size_t) n * sizeof *perm);
  for (int32_t i = 0; i < rank; i++)
    {
      if (perm[i] >= rank || seen[perm[i]])
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "perm is not a permutation of "
                           "the input's %d axes", (int) rank);
      seen[perm[i]] = true;
    }
  return NN_OK;
}

static nn_status
transpose_infer (const nn_op_ctx *ctx, nn_error *err)
{
  int64_t perm[NN_ARRAY_MAX_RANK];
  nn_status s = transpose_perm (ctx, perm, err);

  if (s != NN_OK)
    return s;
  *ctx->out[0] = *ctx->in[0];
  for (int32_t i = 0; i < ctx->in[0]->rank; i++)
    ctx->out[0]->shape[i] = ctx->in[0]->shape[perm[i]];
  return NN_OK;
}

static nn_status
transpose_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = &ctx->value[0]->type;
  int64_t perm[NN_ARRAY_MAX_RANK], strides[NN_ARRAY_MAX_RANK], permuted[NN_ARRAY_MAX_RANK];

  transpose_perm (ctx, perm, err);
  nn_strides (x->rank, x->shape, strides);
  for (int32_t i = 0; i < x->rank; i++)
    permuted[i] = strides[perm[i]];
  nn_copy_strided (ctx->value[0], 0, permuted, ctx->y[0]);
  return NN_OK;
}

const nn_op nn_op_transpose = {
  .name = "Transpose", .torch = "torch.permute",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = transpose_attrs, .n_attrs = NN_N_ELEMENTS (transpose_attrs),
  .infer = transpose_infer, .forward = transpose_forward,
};

/* ---------------------------------------------------------------- Squeeze, Unsqueeze */

/* the axes of input 1 (opset 13), normalized against rank, as a mask */
static nn_status
axes_mask (const nn_op_ctx *ctx, int32_t rank, bool *mask, int32_t *n_axes, nn_error *err)
{
  int64_t axes[NN_ARRAY_MAX_RANK];
  int32_t n;
  nn_status s = nn_op_const_ints (ctx, 1, axes, NN_ARRAY_MAX_RANK, &n, err);

  if (s != NN_OK || (s = nn_op_axes_mask (ctx, axes, n, rank, mask, err)) != NN_OK)
    return s;
  *n_axes = n;
  return NN_OK;
}

static nn_status
squeeze_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  bool mask[NN_ARRAY_MAX_RANK] = { false };
  int32_t n = 0;
  nn_status s;

  if (ctx->n_in > 1 && ctx->in[1] != NULL
      && (s = axes_mask (ctx, x->rank, mask, &n, err)) != NN_OK)
    return s;
  *ctx->out[0] = *x;
  ctx->out[0]->rank = 0;
  for (int32_t i = 0; i < x->rank; i++)
    {
      bool drop = n > 0 ? mask[i] : x->shape[i] == 1;

      if (drop && x->shape[i] != 1)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "axis %d has size %" PRId64 "; only "
                           "axes of size 1 can be squeezed", (int) i, x->shape[i]);
      if (!drop)
        ctx->out[0]->shape[ctx->out[0]->rank++] = x->shape[i];
    }
  return NN_OK;
}

static nn_status
unsqueeze_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  bool mask[NN_ARRAY_MAX_RANK];
  int32_t n, rank, j = 0;
  int64_t count;
  nn_status s;

  if (ctx->value[1] == NULL)
    return nn_op_const_ints (ctx, 1, NULL, 0, &n, err);
  count = nn_array_numel (ctx->value[1]);
  rank = x->rank + (int32_t) count;
  if (rank > NN_ARRAY_MAX_RANK)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "the result would have %d "
                       "dimensions; at most %d are supported", (int) rank,
                       NN_ARRAY_MAX_RANK);
  if ((s = axes_mask (ctx, rank, mask, &n, err)) != NN_OK)
    return s;
  *ctx->out[0] = *x;
  ctx->out[0]->rank = rank;
  for (int32_t i = 0; i < rank; i++)
    ctx->out[0]->shape[i] = mask[i] ? 1 : x->shape[j++];
  return NN_OK;
}

const nn_op nn_op_squeeze = {
  .name = "Squeeze", .torch = "torch.squeeze",
  .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
  .infer = squeeze_infer, .forward = nn_forward_copy,
};

const nn_op nn_op_unsqueeze = {
  .name = "Unsqueeze", .torch = "torch.unsqueeze",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .infer = unsqueeze_infer, .forward = nn_forward_copy,
};

/* ---------------------------------------------------------------- Shape */

enum { SHAPE_START, SHAPE_END, N_SHAPE_ATTRS };

static const nn_attr_schema shape_attrs[] = {
  { .name = "start", .kind = NN_ATTR_INT, .def_i = 0 },
  { .name = "end", .kind = NN_ATTR_INT, .def_i = NN_ARRAY_MAX_RANK },
};
static_assert (NN_N_ELEMENTS (shape_attrs) == N_SHAPE_ATTRS, "shape_attrs and its enum");

/* [start, end) clamped to [0, rank] as ONNX says */
static void
shape_range (const nn_op_ctx *ctx, int32_t rank, int32_t *lo, int32_t *hi)
{
  int64_t s = nn_attr_i (ctx, SHAPE_START), e = nn_attr_i (ctx, SHAPE_END);

  s = s < 0 ? s + rank : s;
  e = e < 0 ? e + rank : e;
  *lo = (int32_t) (s < 0 ? 0 : s > rank ? rank : s);
  *hi = (int32_t) (e < 0 ? 0 : e > rank ? rank : e);
  if (*hi < *lo)
    *hi = *lo;
}

static nn_status
shape_infer (const nn_op_ctx *ctx, nn_error *err)
{
  int32_t lo, hi;

  shape_range (ctx, ctx->in[0]->rank, &lo, &hi);
  ctx->out[0]->dtype = NN_DTYPE_INT64;
  ctx->out[0]->rank = 1;
  ctx->out[0]->shape[0] = hi - lo;
  return NN_OK;
}

static nn_status
shape_forward (const nn_op_ctx *ctx, nn_error *err)
{
  int32_t lo, hi;
  int64_t *y = ctx->y[0]->data;

  shape_range (ctx, ctx->value[0]->type.rank, &lo, &hi);
  for (int32_t i = lo; i < hi; i++)
    y[i - lo] = ctx->value[0]->type.shape[i];
  return NN_OK;
}

const nn_op nn_op_shape = {
  .name = "Shape", .torch = "Tensor.shape",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = shape_attrs, .n_attrs = N_SHAPE_ATTRS,
  .infer = shape_infer, .forward = shape_forward,
};

/* ---------------------------------------------------------------- Expand */

/* ONNX Expand: the input broadcast with the shape of input 1 (both ways: a 1 in shape
 * keeps the input's dim, as numpy's broadcast, unlike torch.expand's -1) */
static nn_status
expand_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_type target = { .dtype = ctx->in[0]->dtype };
  const nn_type *both[2] = { ctx->in[0], &target };
  nn_status s;

  if ((s = nn_op_dims_input (ctx, 1, "shape", target.shape, &target.rank, err)) != NN_OK)
    return s;
  if (nn_broadcast_types (2, both, ctx->out[0], err) != NN_OK)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "%s", err ? err->message : "");
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  return NN_OK;
}

static nn_status
expand_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *in[1] = { &ctx->value[0]->type };
  nn_bcast it;

  nn_bcast_init (&it, &ctx->y[0]->type, 1, in);
  nn_copy_strided (ctx->value[0], 0, it.stride[0], ctx->y[0]);
  return NN_OK;
}

const nn_op nn_op_expand = {
  .name = "Expand", .torch = "Tensor.expand",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .infer = expand_infer, .forward = expand_forward,
};

/* ---------------------------------------------------------------- Tile */

/* repeats (input 1, one count per axis) copies of the input along each axis */
static nn_status
tile_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int64_t reps[NN_ARRAY_MAX_RANK];
  int32_t n;
  nn_status s;

  if ((s = nn_op_dims_input (ctx, 1, "repeats", reps, &n, err)) != NN_OK)
    return s;
  if (n != x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "repeats has %d values; it needs one per "
                       "axis of the input, %d", (int) n, (int) x->rank);
  *ctx->out[0] = *x;
  for (int32_t i = 0; i < n; i++)
    if (x->shape[i] == NN_DIM_SYMBOLIC || reps[i] == NN_DIM_SYMBOLIC)
      ctx->out[0]->shape[i] = NN_DIM_SYMBOLIC;
    else if (!nn_checked_mul (x->shape[i], reps[i], &ctx->out[0]->shape[i]))
      return nn_op_fail (ctx, err, NN_STATUS_TOO_LARGE, "axis %d of size %" PRId64 " repeated "
                         "%" PRId64 " times is too large", (int) i, x->shape[i], reps[i]);
  return NN_OK;
}

static nn_status
tile_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  const nn_type *yt = &ctx->y[0]->type;
  int64_t strides[NN_ARRAY_MAX_RANK], idx[NN_ARRAY_MAX_RANK] = { 0 };
  int64_t numel = nn_array_numel (ctx->y[0]);
  size_t es = nn_dtype_size (x->type.dtype);
  char *y = ctx->y[0]->data;

  nn_strides (x->type.rank, x->type.shape, strides);
  for (int64_t i = 0; i < numel; i++)
    {
      int64_t off = 0;

      for (int32_t a = 0; a < yt->rank; a++)
        off += idx[a] % x->type.shape[a] * strides[a];
      memcpy (y + (size_t) i * es, (const char *) x->data + (size_t) off * es, es);
      nn_index_next (yt->rank, yt->shape, idx);
    }
  return NN_OK;
}

const nn_op nn_op_tile = {
  .name = "Tile", .torch = "Tensor.repeat",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .infer = tile_infer, .forward = tile_forward,
};

/* ---------------------------------------------------------------- DepthToSpace, SpaceToDepth */

/* [N, C, H, W] moved as a 6-d reshape and transpose (ONNX's definition): DepthToSpace
 * DCR [N, b, b, C', H, W] -> [N, C', H, b, W, b], CRD [N, C', b, b, H, W] -> the same;
 * SpaceToDepth [N, C, H', b, W', b] -> [N, b, b, C, H', W'] */
static const nn_attr_schema depth_to_space_attrs[] = {
  { .name = "blocksize", .torch = "upscale_factor", .kind = NN_ATTR_INT, .def_i = 1, .min = 1,
    .max = INT64_C (1) << 20 },
  { .name = "mode", .kind = NN_ATTR_STRING, .def_s = "DCR", .choices = "DCR|CRD" },
};
static const nn_attr_schema space_to_depth_attrs[] = {
  { .name = "blocksize", .torch = "downscale_factor", .kind = NN_ATTR_INT, .def_i = 1,
    .min = 1, .max = INT64_C (1) << 20 },
};

static nn_status
block_infer (const nn_op_ctx *ctx, bool to_space, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int64_t b = nn_attr_i (ctx, 0), bb;
  nn_type *y = ctx->out[0];
  char a[160];

  if (x->rank != 4)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s should be [N, C, H, W]",
                       nn_op_in_str (ctx, 0, a, sizeof a));
  *y = *x;
  if (!nn_checked_mul (b, b, &bb))
    return nn_op_fail (ctx, err, NN_STATUS_TOO_LARGE, "blocksize %" PRId64 " is too large", b);
  if (to_space)
    {
      if (x->shape[1] >= 0 && x->shape[1] % bb != 0)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %" PRId64 " channels do not divide "
                           "by blocksize^2 = %" PRId64, x->shape[1], bb);
      y->shape[1] = x->shape[1] >= 0 ? x->shape[1] / bb : NN_DIM_SYMBOLIC;
    }
  else
    {
      for (int32_t i = 2; i < 4; i++)
        if (x->shape[i] >= 0 && x->shape[i] % b != 0)
          return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "axis %d of size %" PRId64 " does not "
                             "divide by blocksize %" PRId64, (int) i, x->shape[i], b);
      if (x->shape[1] >= 0 && !nn_checked_mul (x->shape[1], bb, &y->shape[1]))
        return nn_op_fail (ctx, err, NN_STATUS_TOO_LARGE, "blocksize %" PRId64 " is too large",
                           b);
    }
  for (int32_t i = 2; i < 4; i++)
    if (x->shape[i] >= 0 && to_space && !nn_checked_mul (x->shape[i], b, &y->shape[i]))
      return nn_op_fail (ctx, err, NN_STATUS_TOO_LARGE, "blocksize %" PRId64 " is too large", b);
    else if (x->shape[i] >= 0 && !to_space)
      y->shape[i] = x->shape[i] / b;
  return NN_OK;
}

static nn_status
depth_to_space_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return block_infer (ctx, true, err);
}

static nn_status
space_to_depth_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return block_infer (ctx, false, err);
}

/* walks y as the 6-d transposed view; strides[] are the input's for each view axis */
static void
block_copy (const nn_op_ctx *ctx, const int64_t *view_shape, const int64_t *in_shape,
            const int *perm)
{
  int64_t in_strides[6], strides[6];
  nn_array view = *ctx->y[0];

  nn_strides (6, in_shape, in_strides);
  view.type.rank = 6;
  for (int i = 0; i < 6; i++)
    {
      view.type.shape[i] = view_shape[i];
      strides[i] = in_strides[perm[i]];
    }
  nn_copy_strided (ctx->value[0], 0, strides, &view);
}

static nn_status
depth_to_space_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const int64_t *s = ctx->value[0]->type.shape;
  int64_t b = nn_attr_i (ctx, 0), c = s[1] / (b * b);
  bool crd = strcmp (nn_attr_s (ctx, 1), "CRD") == 0;
  int64_t dcr_in[6] = { s[0], b, b, c, s[2], s[3] }, crd_in[6] = { s[0], c, b, b, s[2], s[3] };
  int64_t view[6] = { s[0], c, s[2], b, s[3], b };
  static const int dcr_perm[6] = { 0, 3, 4, 1, 5, 2 }, crd_perm[6] = { 0, 1, 4, 2, 5, 3 };

  block_copy (ctx, view, crd ? crd_in : dcr_in, crd ? crd_perm : dcr_perm);
  return NN_OK;
}

static nn_status
space_to_depth_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const int64_t *s = ctx->value[0]->type.shape;
  int64_t b = nn_attr_i (ctx, 0);
  int64_t in[6] = { s[0], s[1], s[2] / b, b, s[3] / b, b };
  int64_t view[6] = { s[0], b, b, s[1], s[2] / b, s[3] / b };
  static const int perm[6] = { 0, 3, 5, 1, 2, 4 };

  block_copy (ctx, view, in, perm);
  return NN_OK;
}

const nn_op nn_op_depth_to_space = {
  .name = "DepthToSpace", .torch = "PixelShuffle",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = depth_to_space_attrs, .n_attrs = NN_N_ELEMENTS (depth_to_space_attrs),
  .infer = depth_to_space_infer, .forward = depth_to_space_forward,
};

const nn_op nn_op_space_to_depth = {
  .name = "SpaceToDepth", .torch = "PixelUnshuffle",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = space_to_depth_attrs, .n_attrs = NN_N_ELEMENTS (space_to_depth_attrs),
  .infer = space_to_depth_infer, .forward = space_to_depth_forward,
};

/* ---------------------------------------------------------------- Size */

static nn_status
size_infer (const nn_op_ctx *ctx, nn_error *err)
{
  ctx->out[0]->dtype = NN_DTYPE_INT64;
  ctx->out[0]->rank = 0;
  return NN_OK;
}

static nn_status
size_forward (const nn_op_ctx *ctx, nn_error *err)
{
  *(int64_t *) ctx->y[0]->data = nn_array_numel (ctx->value[0]);
  return NN_OK;
}

const nn_op nn_op_size = {
  .name = "Size", .torch = "Tensor.numel",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .infer = size_infer, .forward = size_forward,
};
