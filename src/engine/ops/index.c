/* ops/index.c - operators that pick or place elements by index: Gather, Slice, ScatterND,
 * GatherElements, ScatterElements, GatherND, NonZero, Trilu
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/op.h"

/* element k of the integer array idx as an index into an axis of size dim: negative
 * ones count from the end, others are an error naming the axis */
static nn_status
index_at (const nn_op_ctx *ctx, const nn_array *idx, int64_t k, int64_t dim, int32_t axis,
          int64_t *i, nn_error *err)
{
  *i = nn_array_get_i64 (idx, k);
  if (*i < -dim || *i >= dim)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "index %" PRId64 " is outside "
                       "axis %d of size %" PRId64, *i, (int) axis, dim);
  *i = *i < 0 ? *i + dim : *i;
  return NN_OK;
}

/* ---------------------------------------------------------------- Gather */

static const nn_attr_schema gather_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = 0 },
};

static nn_status
gather_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0], *idx = ctx->in[1];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), x->rank, false);
  nn_type *y = ctx->out[0];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "data's %d dimensions", nn_attr_i (ctx, 0), (int) x->rank);
  if (x->rank - 1 + idx->rank > NN_ARRAY_MAX_RANK)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "the result would have %d "
                       "dimensions; at most %d are supported",
                       (int) (x->rank - 1 + idx->rank), NN_ARRAY_MAX_RANK);
  y->dtype = x->dtype;
  y->rank = 0;
  for (int32_t i = 0; i < axis; i++)
    y->shape[y->rank++] = x->shape[i];
  for (int32_t i = 0; i < idx->rank; i++)
    y->shape[y->rank++] = idx->shape[i];
  for (int32_t i = axis + 1; i < x->rank; i++)
    y->shape[y->rank++] = x->shape[i];
  return NN_OK;
}

static nn_status
gather_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0], *idx = ctx->value[1];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), x->type.rank, false);
  int64_t outer = nn_dims_product (&x->type, 0, axis), dim = x->type.shape[axis];
  int64_t inner = nn_dims_product (&x->type, axis + 1, x->type.rank);
  int64_t n_idx = nn_array_numel (idx);
  size_t chunk = (size_t) inner * nn_dtype_size (x->type.dtype);
  char *y = ctx->y[0]->data;

  for (int64_t j = 0; j < n_idx; j++)
    {
      int64_t i;
      nn_status s = index_at (ctx, idx, j, dim, axis, &i, err);

      if (s != NN_OK)
        return s;
    }
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < n_idx; j++)
      {
        int64_t i = nn_array_get_i64 (idx, j);

        i = i < 0 ? i + dim : i;
        memcpy (y + (size_t) (o * n_idx + j) * chunk,
                (const char *) x->data + (size_t) (o * dim + i) * chunk, chunk);
      }
  return NN_OK;
}

const nn_op nn_op_gather = {
  .name = "Gather", .torch = "torch.index_select",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = gather_attrs, .n_attrs = NN_N_ELEMENTS (gather_attrs),
  .infer = gather_infer, .forward = gather_forward,
};

/* ---------------------------------------------------------------- Slice */

/* start and step of every axis of the input (untouched axes: 0 and 1), output sizes */
typedef struct slice_geom {
  int64_t start[NN_ARRAY_MAX_RANK], step[NN_ARRAY_MAX_RANK], len[NN_ARRAY_MAX_RANK];
} slice_geom;

static int64_t
clamp (int64_t v, int64_t lo, int64_t hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* ONNX's rule for one axis of size dim */
static void
slice_axis (int64_t dim, int64_t start, int64_t end, int64_t step, slice_geom *g, int32_t a)
{
  start = start < 0 ? start + dim : start;
  end = end < 0 ? (end < -dim ? -1 : end + dim) : end;
  if (step > 0)
    {
      start = clamp (start, 0, dim);
      end = clamp (end, 0, dim);
      g->len[a] = end > start ? (end - start + step - 1) / step : 0;
    }
  else
    {
      start = clamp (start, 0, dim - 1);
      end = clamp (end, -1, dim - 1);
      g->len[a] = start > end ? (start - end - step - 1) / -step : 0;
    }
  g->start[a] = start;
  g->step[a] = step;
}

static nn_status
slice_geometry (const nn_op_ctx *ctx, slice_geom *g, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int64_t starts[NN_ARRAY_MAX_RANK], ends[NN_ARRAY_MAX_RANK], axes[NN_ARRAY_MAX_RANK];
  int64_t steps[NN_ARRAY_MAX_RANK];
  int32_t n, n_end, n_axes = 0, n_steps = 0;
  bool seen[NN_ARRAY_MAX_RANK] = { false };
  nn_status s;

  if ((s = nn_op_const_ints (ctx, 1, starts, NN_ARRAY_MAX_RANK, &n, err)) != NN_OK
      || (s = nn_op_const_ints (ctx, 2, ends, NN_ARRAY_MAX_RANK, &n_end, err)) != NN_OK
      || (ctx->n_in > 3 && ctx->in[3] != NULL
          && (s = nn_op_const_ints (ctx, 3, axes, NN_ARRAY_MAX_RANK, &n_axes, err)) != NN_OK)
      || (ctx->n_in > 4 && ctx->in[4] != NULL
          && (s = nn_op_const_ints (ctx, 4, steps, NN_ARRAY_MAX_RANK, &n_steps, err)) != NN_OK))
    return s;
  if (n_end != n || (n_axes != 0 && n_axes != n) || (n_steps != 0 && n_steps != n) || n > x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "starts, ends, axes and steps must have "
                       "one entry per sliced axis, at most %d", (int) x->rank);
  for (int32_t a = 0; a < x->rank; a++)
    {
      g->start[a] = 0;
      g->step[a] = 1;
      g->len[a] = x->shape[a];
    }
  for (int32_t i = 0; i < n; i++)
    {
      int32_t a = n_axes ? nn_axis_normalize (axes[i], x->rank, false) : i;
      int64_t step = n_steps ? steps[i] : 1;

      if (a < 0 || seen[a])
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is %s",
                           n_axes ? axes[i] : i, a < 0 ? "out of range" : "given twice");
      if (step == 0)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "a step is 0");
      seen[a] = true;
      if (x->shape[a] == NN_DIM_SYMBOLIC)
        g->len[a] = NN_DIM_SYMBOLIC;
      else
        slice_axis (x->shape[a], starts[i], ends[i], step, g, a);
    }
  return NN_OK;
}

static nn_status
slice_infer (const nn_op_ctx *ctx, nn_error *err)
{
  slice_geom g;
  nn_status s = slice_geometry (ctx, &g, err);

  if (s != NN_OK)
    return s;
  *ctx->out[0] = *ctx->in[0];
  memcpy (ctx->out[0]->shape, g.len, (size_t) ctx->in[0]->rank * sizeof *g.len);
  return NN_OK;
}

static nn_status
slice_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = &ctx->value[0]->type;
  int64_t strides[NN_ARRAY_MAX_RANK], steps[NN_ARRAY_MAX_RANK], base = 0;
  slice_geom g;
  nn_status s;

  if ((s = slice_geometry (ctx, &g, err)) != NN_OK)
    return s;
  nn_strides (x->rank, x->shape, strides);
  for (int32_t i = 0; i < x->rank; i++)
    {
      base += g.start[i] * strides[i];
      steps[i] = g.step[i] * strides[i];
    }
  nn_copy_strided (ctx->value[0], base, steps, ctx->y[0]);
  return NN_OK;
}

const nn_op nn_op_slice = {
  .name = "Slice", .torch = "Tensor[start:end:step]",
  .min_in = 3, .max_in = 5, .min_out = 1, .max_out = 1,
  .infer = slice_infer, .forward = slice_forward,
};

/* ---------------------------------------------------------------- ScatterND */

/* data with slices replaced: indices[..., k] addresses the first k axes of data, updates
 * has shape indices.shape[:-1] + data.shape[k:]. Negative indices count from the end;
 * for an index given twice the last update wins (ONNX leaves it undefined). */
static const nn_attr_schema scatter_nd_attrs[] = {
  { .name = "reduction", .kind = NN_ATTR_STRING, .def_s = "none",
    .choices = "none|add|mul|max|min" },
};

static nn_status
scatter_nd_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0], *idx = ctx->in[1], *upd = ctx->in[2];
  char a[160], b[160], c[160];
  int64_t k;
  nn_status s;
  bool fits;

  if (strcmp (nn_attr_s (ctx, 0), "none") != 0)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "reduction '%s' is not supported "
                       "yet; only 'none' is", nn_attr_s (ctx, 0));
  if ((s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (upd->dtype != x->dtype)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "updates %s and data %s have different "
                       "dtypes", nn_op_in_str (ctx, 2, a, sizeof a),
                       nn_op_in_str (ctx, 0, b, sizeof b));
  k = idx->rank > 0 ? idx->shape[idx->rank - 1] : -1;
  if (k < 1 || k > x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "the last dim of indices %s must be "
                       "known and between 1 and the data's rank %d",
                       nn_op_in_str (ctx, 1, a, sizeof a), (int) x->rank);
  fits = upd->rank == idx->rank - 1 + x->rank - k;
  for (int32_t i = 0; fits && i < upd->rank; i++)
    {
      int64_t want = i < idx->rank - 1 ? idx->shape[i] : x->shape[k + i - (idx->rank - 1)];

      fits = want == upd->shape[i] || want == NN_DIM_SYMBOLIC
             || upd->shape[i] == NN_DIM_SYMBOLIC;
    }
  if (!fits)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "updates %s must have the shape "
                       "indices.shape[:-1] + data.shape[%d:] (indices %s, data %s)",
                       nn_op_in_str (ctx, 2, a, sizeof a), (int) k,
                       nn_op_in_str (ctx, 1, b, sizeof b), nn_op_in_str (ctx, 0, c, sizeof c));
  *ctx->out[0] = *x;
  return NN_OK;
}

static nn_status
scatter_nd_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0], *idx = ctx->value[1], *upd = ctx->value[2];
  int32_t k = (int32_t) idx->type.shape[idx->type.rank - 1];
  int64_t strides[NN_ARRAY_MAX_RANK], n = nn_array_numel (idx) / (k > 0 ? k : 1);
  size_t es = nn_dtype_size (x->type.dtype);
  size_t chunk = (size_t) nn_dims_product (&x->type, k, x->type.rank) * es;

  nn_forward_copy (ctx, err);
  if (nn_array_numel (idx) == 0)
    return NN_OK;
  nn_strides (x->type.rank, x->type.shape, strides);
  for (int64_t j = 0; j < n; j++)
    {
      int64_t off = 0;

      for (int32_t a = 0; a < k; a++)
        {
          int64_t i;
          nn_status s = index_at (ctx, idx, j * k + a, x->type.shape[a], a, &i, err);

          if (s != NN_OK)
            return s;
          off += i * strides[a];
        }
      memcpy ((char *) ctx->y[0]->data + (size_t) off * es,
              (const char *) upd->data + (size_t) j * chunk, chunk);
    }
  return NN_OK;
}

const nn_op nn_op_scatter_nd = {
  .name = "ScatterND", .torch = "Tensor.index_put_",
  .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = scatter_nd_attrs, .n_attrs = NN_N_ELEMENTS (scatter_nd_attrs),
  .infer = scatter_nd_infer, .forward = scatter_nd_forward,
};

/* ---------------------------------------------------------------- GatherElements */

/* y has the shape of indices; y[i..., j, k...] = data[i..., indices[i..., j, k...], k...]
 * along axis (negative indices count from the end) */
static const nn_attr_schema gather_elements_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = 0 },
};

static nn_status
gather_elements_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0], *idx = ctx->in[1];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), x->rank, false);
  char a[160], b[160];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "data's %d dimensions", nn_attr_i (ctx, 0), (int) x->rank);
  if (idx->rank != x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "indices %s must have the rank of the "
                       "data %s", nn_op_in_str (ctx, 1, a, sizeof a),
                       nn_op_in_str (ctx, 0, b, sizeof b));
  *ctx->out[0] = *idx;
  ctx->out[0]->dtype = x->dtype;
  return NN_OK;
}

/* GatherElements' and ScatterElements' element of data for element j of indices, at
 * position pos: pos with indices[j] on axis */
static nn_status
element_offset (const nn_op_ctx *ctx, const nn_array *x, const nn_array *idx, int64_t j,
                int32_t axis, const int64_t *pos, const int64_t *strides, int64_t *off,
                nn_error *err)
{
  int64_t i;
  nn_status s = index_at (ctx, idx, j, x->type.shape[axis], axis, &i, err);

  if (s != NN_OK)
    return s;
  *off = 0;
  for (int32_t a = 0; a < x->type.rank; a++)
    {
      int64_t p = a == axis ? i : pos[a];

      if (p >= x->type.shape[a])
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "indices are larger than the data on "
                           "axis %d", (int) a);
      *off += p * strides[a];
    }
  return NN_OK;
}

static nn_status
gather_elements_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0], *idx = ctx->value[1];
  int32_t rank = x->type.rank, axis = nn_axis_normalize (nn_attr_i (ctx, 0), rank, false);
  int64_t strides[NN_ARRAY_MAX_RANK], pos[NN_ARRAY_MAX_RANK] = { 0 };
  int64_t n = nn_array_numel (idx);
  size_t es = nn_dtype_size (x->type.dtype);

  nn_strides (rank, x->type.shape, strides);
  for (int64_t j = 0; j < n; j++)
    {
      int64_t off;
      nn_status s = element_offset (ctx, x, idx, j, axis, pos, strides, &off, err);

      if (s != NN_OK)
        return s;
      memcpy ((char *) ctx->y[0]->data + (size_t) j * es,
              (const char *) x->data + (size_t) off * es, es);
      nn_index_next (rank, idx->type.shape, pos);
    }
  return NN_OK;
}

const nn_op nn_op_gather_elements = {
  .name = "GatherElements", .torch = "torch.gather",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = gather_elements_attrs, .n_attrs = NN_N_ELEMENTS (gather_elements_attrs),
  .infer = gather_elements_infer, .forward = gather_elements_forward,
};

/* ---------------------------------------------------------------- GatherND */

/* indices[..., k] addresses axes [b, b + k) of data after the b = batch_dims leading
 * axes both share; y is indices.shape[:-1] + data.shape[b + k:] */
static const nn_attr_schema gather_nd_attrs[] = {
  { .name = "batch_dims", .kind = NN_ATTR_INT, .def_i = 0, .min = 0,
    .max = NN_ARRAY_MAX_RANK },
};

static nn_status
gather_nd_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0], *idx = ctx->in[1];
  int32_t b = (int32_t) nn_attr_i (ctx, 0);
  int64_t k = idx->rank > 0 ? idx->shape[idx->rank - 1] : -1;
  char a[160], c[160];
  nn_status s;
  nn_type *y = ctx->out[0];

  if ((s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (b >= idx->rank || b >= x->rank || k < 1 || b + k > x->rank
      || idx->rank - 1 + x->rank - b - k > NN_ARRAY_MAX_RANK)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "indices %s do not fit data %s with "
                       "batch_dims %d: the last dim of indices must be known, between 1 and "
                       "the data's rank less batch_dims", nn_op_in_str (ctx, 1, a, sizeof a),
                       nn_op_in_str (ctx, 0, c, sizeof c), (int) b);
  for (int32_t i = 0; i < b; i++)
    if (idx->shape[i] != x->shape[i] && idx->shape[i] >= 0 && x->shape[i] >= 0)
      return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "batch axis %d differs between data %s "
                         "and indices %s", (int) i, nn_op_in_str (ctx, 0, c, sizeof c),
                         nn_op_in_str (ctx, 1, a, sizeof a));
  y->dtype = x->dtype;
  y->rank = 0;
  for (int32_t i = 0; i < idx->rank - 1; i++)
    y->shape[y->rank++] = idx->shape[i];
  for (int32_t i = b + (int32_t) k; i < x->rank; i++)
    y->shape[y->rank++] = x->shape[i];
  return NN_OK;
}

static nn_status
gather_nd_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0], *idx = ctx->value[1];
  int32_t b = (int32_t) nn_attr_i (ctx, 0);
  int32_t k = (int32_t) idx->type.shape[idx->type.rank - 1];
  int64_t strides[NN_ARRAY_MAX_RANK], batches = nn_dims_product (&x->type, 0, b);
  int64_t rows = nn_dims_product (&idx->type, b, idx->type.rank - 1);
  int64_t batch_elems = nn_dims_product (&x->type, b, x->type.rank);
  size_t es = nn_dtype_size (x->type.dtype);
  size_t chunk = (size_t) nn_dims_product (&x->type, b + k, x->type.rank) * es;
  char *y = ctx->y[0]->data;

  nn_strides (x->type.rank, x->type.shape, strides);
  for (int64_t bi = 0; bi < batches; bi++)
    for (int64_t r = 0; r < rows; r++)
      {
        int64_t off = bi * batch_elems, row = (bi * rows + r) * k;

        for (int32_t a = 0; a < k; a++)
          {
            int64_t i;
            nn_status s = index_at (ctx, idx, row + a, x->type.shape[b + a], b + a, &i, err);

            if (s != NN_OK)
              return s;
            off += i * strides[b + a];
          }
        memcpy (y + (size_t) (bi * rows + r) * chunk, (const char *) x->data + (size_t) off * es,
                chunk);
      }
  return NN_OK;
}

const nn_op nn_op_gather_nd = {
  .name = "GatherND", .torch = "Tensor[indices]",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = gather_nd_attrs, .n_attrs = NN_N_ELEMENTS (gather_nd_attrs),
  .infer = gather_nd_infer, .forward = gather_nd_forward,
};

/* ---------------------------------------------------------------- NonZero */

/* [rank, count] int64: the indices of the non-zero elements in row-major order. The
 * count is known once the input's value is (at run time, or for an initializer). */
static nn_status
non_zero_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  int64_t count = 0, n;

  ctx->out[0]->dtype = NN_DTYPE_INT64;
  ctx->out[0]->rank = 2;
  ctx->out[0]->shape[0] = ctx->in[0]->rank;
  ctx->out[0]->shape[1] = NN_DIM_SYMBOLIC;
  if (x == NULL)
    return NN_OK;
  n = nn_array_numel (x);
  for (int64_t i = 0; i < n; i++)
    count += nn_array_get_f64 (x, i) != 0.0;
  ctx->out[0]->shape[1] = count;
  return NN_OK;
}

static nn_status
non_zero_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  int32_t rank = x->type.rank;
  int64_t n = nn_array_numel (x), count = ctx->y[0]->type.shape[1], j = 0;
  int64_t pos[NN_ARRAY_MAX_RANK] = { 0 };
  int64_t *y = ctx->y[0]->data;

  for (int64_t i = 0; i < n; i++)
    {
      if (nn_array_get_f64 (x, i) != 0.0)
        {
          for (int32_t a = 0; a < rank; a++)
            y[a * count + j] = pos[a];
          j++;
        }
      nn_index_next (rank, x->type.shape, pos);
    }
  return NN_OK;
}

const nn_op nn_op_non_zero = {
  .name = "NonZero", .torch = "torch.nonzero(as_tuple)",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .infer = non_zero_infer, .forward = non_zero_forward,
};

/* ---------------------------------------------------------------- Trilu */

/* keeps the upper (j - i >= k) or lower (j - i <= k) triangle of the last two axes; k is
 * the optional scalar input 2 */
static const nn_attr_schema trilu_attrs[] = {
  { .name = "upper", .kind = NN_ATTR_INT, .def_i = 1, .min = 0, .max = 1 },
};

static nn_status
trilu_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s;

  if (ctx->in[0]->rank < 2)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input has %d dimensions; it needs "
                       "at least 2", (int) ctx->in[0]->rank);
  if (ctx->n_in > 1 && ctx->in[1] != NULL
      && ((s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err)) != NN_OK
          || nn_type_numel (ctx->in[1]) != 1))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "k must be one integer");
  *ctx->out[0] = *ctx->in[0];
  return NN_OK;
}

static nn_status
trilu_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  int32_t rank = x->type.rank;
  int64_t rows = x->type.shape[rank - 2], cols = x->type.shape[rank - 1];
  int64_t n = nn_array_numel (x), k = 0;
  bool upper = nn_attr_i (ctx, 0) != 0;
  size_t es = nn_dtype_size (x->type.dtype);

  if (ctx->n_in > 1 && ctx->value[1] != NULL)
    k = nn_array_get_i64 (ctx->value[1], 0);
  for (int64_t e = 0; e < n; e++)
    {
      int64_t j = e % cols, i = e / cols % rows;

      if (upper ? j - i >= k : j - i <= k)
        memcpy ((char *) ctx->y[0]->data + (size_t) e * es,
                (const char *) x->data + (size_t) e * es, es);
    }
  return NN_OK;
}

const nn_op nn_op_trilu = {
  .name = "Trilu", .torch = "torch.triu",
  .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = trilu_attrs, .n_attrs = NN_N_ELEMENTS (trilu_attrs),
  .infer = trilu_infer, .forward = trilu_forward,
};

/* ---------------------------------------------------------------- ScatterElements */

/* data with updates[i..., j, k...] placed at data[i..., indices[i..., j, k...], k...]
 * (indices and updates of one shape, the rank of data), combined by reduction */
typedef enum scatter_reduction { SCATTER_NONE, SCATTER_ADD, SCATTER_MUL, SCATTER_MAX,
                                 SCATTER_MIN } scatter_reduction;

static const nn_attr_schema scatter_elements_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = 0 },
  { .name = "reduction", .torch = "reduce", .kind = NN_ATTR_STRING, .def_s = "none",
    .choices = "none|add|mul|max|min" },
};

static nn_status
scatter_elements_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0], *idx = ctx->in[1], *upd = ctx->in[2];
  char a[160], b[160];
  nn_status s;

  bool same = upd->rank == idx->rank;

  if ((s = gather_elements_infer (ctx, err)) != NN_OK)
    return s;
  if (upd->dtype != x->dtype)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "updates %s and data %s have different "
                       "dtypes", nn_op_in_str (ctx, 2, a, sizeof a),
                       nn_op_in_str (ctx, 0, b, sizeof b));
  for (int32_t i = 0; same && i < idx->rank; i++)
    same = upd->shape[i] == idx->shape[i] || upd->shape[i] < 0 || idx->shape[i] < 0;
  if (!same)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "updates %s must have the shape of "
                       "indices %s", nn_op_in_str (ctx, 2, a, sizeof a),
                       nn_op_in_str (ctx, 1, b, sizeof b));
  *ctx->out[0] = *x;
  return NN_OK;
}

static nn_status
scatter_elements_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0], *idx = ctx->value[1], *upd = ctx->value[2];
  int32_t rank = x->type.rank, axis = nn_axis_normalize (nn_attr_i (ctx, 0), rank, false);
  int64_t strides[NN_ARRAY_MAX_RANK], pos[NN_ARRAY_MAX_RANK] = { 0 };
  int64_t n = nn_array_numel (idx);
  const char *r = nn_attr_s (ctx, 1);
  scatter_reduction red = strcmp (r, "add") == 0 ? SCATTER_ADD : strcmp (r, "mul") == 0
                          ? SCATTER_MUL : strcmp (r, "max") == 0 ? SCATTER_MAX
                          : strcmp (r, "min") == 0 ? SCATTER_MIN : SCATTER_NONE;
  bool is_float = x->type.dtype == NN_DTYPE_FLOAT32;
  nn_array *y = ctx->y[0];

  nn_forward_copy (ctx, err);
  nn_strides (rank, x->type.shape, strides);
  for (int64_t j = 0; j < n; j++)
    {
      int64_t off;
      nn_status s = element_offset (ctx, x, idx, j, axis, pos, strides, &off, err);

      if (s != NN_OK)
        return s;
      if (is_float)
        {
          double u = nn_array_get_f64 (upd, j), v = nn_array_get_f64 (y, off);

          v = red == SCATTER_ADD ? v + u : red == SCATTER_MUL ? v * u
              : red == SCATTER_MAX ? fmax (v, u) : red == SCATTER_MIN ? fmin (v, u) : u;
          nn_array_set_f64 (y, off, v);
        }
      else
        {
          int64_t u = nn_array_get_i64 (upd, j), v = nn_array_get_i64 (y, off);

          v = red == SCATTER_ADD ? (int64_t) ((uint64_t) v + (uint64_t) u)
              : red == SCATTER_MUL ? (int64_t) ((uint64_t) v * (uint64_t) u)
              : red == SCATTER_MAX ? (v > u ? v : u) : red == SCATTER_MIN ? (v < u ? v : u) : u;
          nn_array_set_i64 (y, off, v);
        }
      nn_index_next (rank, idx->type.shape, pos);
    }
  return NN_OK;
}

const nn_op nn_op_scatter_elements = {
  .name = "ScatterElements", .torch = "Tensor.scatter",
  .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = scatter_elements_attrs, .n_attrs = NN_N_ELEMENTS (scatter_elements_attrs),
  .infer = scatter_elements_infer, .forward = scatter_elements_forward,
};
