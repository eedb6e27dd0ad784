/* ops/normalization.c - normalization by statistics of the input itself:
 * LayerNormalization (opset 17), InstanceNormalization, LRN, MeanVarianceNormalization
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Statistics are accumulated in double; the variance is the biased (population) one,
 * as ONNX and PyTorch use.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

/* the mean of n values and 1 / sqrt(variance + eps), two passes (NaN for none) */
static void
row_stats (const float *row, int64_t n, double eps, double *mean, double *inv)
{
  double sum = 0.0, sq = 0.0;

  for (int64_t i = 0; i < n; i++)
    sum += row[i];
  *mean = n > 0 ? sum / (double) n : NAN;
  for (int64_t i = 0; i < n; i++)
    sq += (row[i] - *mean) * (row[i] - *mean);
  *inv = 1.0 / sqrt ((n > 0 ? sq / (double) n : NAN) + eps);
}

/* ---------------------------------------------------------------- LayerNormalization */

enum { LN_AXIS, LN_EPSILON, LN_STASH_TYPE, N_LN_ATTRS };

static const nn_attr_schema layer_norm_attrs[] = {
  { .name = "axis", .kind = NN_ATTR_INT, .def_i = -1 },
  { .name = "epsilon", .torch = "eps", .kind = NN_ATTR_FLOAT, .def_f = 1e-5 },
  { .name = "stash_type", .kind = NN_ATTR_INT, .def_i = NN_ONNX_FLOAT },
};
static_assert (NN_N_ELEMENTS (layer_norm_attrs) == N_LN_ATTRS, "layer_norm_attrs and its enum");

/* input k (Scale, B) broadcasts one way onto x's dims [axis, rank) */
static nn_status
check_onto (const nn_op_ctx *ctx, int k, const char *what, int32_t axis, nn_error *err)
{
  const nn_type *x = ctx->in[0], *t = ctx->in[k];
  int32_t inner = x->rank - axis;
  char a[160], b[160];
  nn_status s;
  bool fits;

  if ((s = nn_op_check_dtype (ctx, k, NN_MASK_F32, err)) != NN_OK)
    return s;
  fits = t->rank <= inner;
  for (int32_t i = 0; fits && i < t->rank; i++)
    {
      int64_t d = t->shape[i], want = x->shape[x->rank - t->rank + i];

      fits = d == 1 || d == want || want == NN_DIM_SYMBOLIC;
    }
  if (!fits)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %s %s does not fit the normalized "
                       "dims [%d:] of %s (it must broadcast to them)", what,
                       nn_op_in_str (ctx, k, a, sizeof a), (int) axis,
                       nn_op_in_str (ctx, 0, b, sizeof b));
  return NN_OK;
}

static nn_status
layer_norm_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int32_t axis;
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK)
    return s;
  axis = nn_axis_normalize (nn_attr_i (ctx, LN_AXIS), x->rank, false);
  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "input's %d dimensions", nn_attr_i (ctx, LN_AXIS), (int) x->rank);
  if (nn_attr_i (ctx, LN_STASH_TYPE) != NN_ONNX_FLOAT)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "stash_type %" PRId64 " is not "
                       "supported; only 1 (float) is", nn_attr_i (ctx, LN_STASH_TYPE));
  if ((s = check_onto (ctx, 1, "Scale", axis, err)) != NN_OK
      || (ctx->n_in > 2 && ctx->in[2] != NULL
          && (s = check_onto (ctx, 2, "B", axis, err)) != NN_OK))
    return s;
  *ctx->out[0] = *x;
  for (int k = 1; k < ctx->n_out; k++)
    {
      *ctx->out[k] = *x;
      for (int32_t i = axis; i < x->rank; i++)
        ctx->out[k]->shape[i] = 1;
    }
  return NN_OK;
}

/* input k (or fill where omitted) broadcast onto the inner dims, as inner floats */
static float *
inner_copy (const nn_op_ctx *ctx, int k, int32_t axis, int64_t inner, float fill)
{
  const nn_type *x = &ctx->value[0]->type;
  nn_type t = { .dtype = NN_DTYPE_FLOAT32, .rank = x->rank - axis };
  float *v = malloc ((size_t) (inner > 0 ? inner : 1) * sizeof *v);
  nn_bcast it;

  if (v == NULL)
    return NULL;
  if (k >= ctx->n_in || ctx->value[k] == NULL)
    {
      for (int64_t i = 0; i < inner; i++)
        v[i] = fill;
      return v;
    }
  memcpy (t.shape, x->shape + axis, (size_t) t.rank * sizeof *t.shape);
  nn_bcast_init (&it, &t, 1, (const nn_type *const[]) { &ctx->value[k]->type });
  for (int64_t i = 0; i < inner; i++, nn_bcast_next (&it))
    v[i] = ((const float *) ctx->value[k]->data)[it.off[0]];
  return v;
}

static nn_status
layer_norm_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *xt = &ctx->value[0]->type;
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, LN_AXIS), xt->rank, false);
  int64_t outer = nn_dims_product (xt, 0, axis), inner = nn_dims_product (xt, axis, xt->rank);
  double eps = nn_attr_f (ctx, LN_EPSILON);
  float *scale = inner_copy (ctx, 1, axis, inner, 1.0f);
  float *bias = inner_copy (ctx, 2, axis, inner, 0.0f);
  const float *x = ctx->value[0]->data;
  float *y = ctx->y[0]->data;

  if (scale == NULL || bias == NULL)
    {
      free (scale);
      free (bias);
      return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory");
    }
  for (int64_t o = 0; o < outer; o++)
    {
      const float *row = x + o * inner;
      double mean, inv;

      row_stats (row, inner, eps, &mean, &inv);
      for (int64_t i = 0; i < inner; i++)
        y[o * inner + i] = (float) ((row[i] - mean) * inv) * scale[i] + bias[i];
      if (ctx->n_out > 1 && ctx->y[1] != NULL)
        ((float *) ctx->y[1]->data)[o] = (float) mean;
      if (ctx->n_out > 2 && ctx->y[2] != NULL)
        ((float *) ctx->y[2]->data)[o] = (float) inv;
    }
  free (scale);
  free (bias);
  return NN_OK;
}

const nn_op nn_op_layer_normalization = {
  .name = "LayerNormalization", .torch = "LayerNorm",
  .min_in = 2, .max_in = 3, .min_out = 1, .max_out = 3,
  .attrs = layer_norm_attrs, .n_attrs = N_LN_ATTRS,
  .infer = layer_norm_infer, .forward = layer_norm_forward, .macs = nn_macs_per_element,
};

/* ---------------------------------------------------------------- InstanceNormalization */

/* X [N, C, ...], scale [C], B [C]: each (n, c) plane normalized by its own mean and
 * variance */
static const nn_attr_schema instance_norm_attrs[] = {
  { .name = "epsilon", .torch = "eps", .kind = NN_ATTR_FLOAT, .def_f = 1e-5 },
};

static nn_status
instance_norm_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  char a[160], b[160];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK)
    return s;
  if (x->rank < 3)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s should be [N, C, ...] with "
                       "at least one spatial axis", nn_op_in_str (ctx, 0, a, sizeof a));
  for (int k = 1; k < 3; k++)
    {
      if ((s = nn_op_check_dtype (ctx, k, NN_MASK_F32, err)) != NN_OK)
        return s;
      if (ctx->in[k]->rank != 1 || (x->shape[1] != NN_DIM_SYMBOLIC
                                    && ctx->in[k]->shape[0] != x->shape[1]))
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %s %s should have one value per "
                           "channel of %s", k == 1 ? "scale" : "B",
                           nn_op_in_str (ctx, k, a, sizeof a), nn_op_in_str (ctx, 0, b, sizeof b));
    }
  *ctx->out[0] = *x;
  return NN_OK;
}

static nn_status
instance_norm_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *t = &ctx->value[0]->type;
  int64_t c = t->shape[1], planes = t->shape[0] * c, size = nn_dims_product (t, 2, t->rank);
  const float *x = ctx->value[0]->data, *scale = ctx->value[1]->data;
  const float *bias = ctx->value[2]->data;
  double eps = nn_attr_f (ctx, 0);
  float *y = ctx->y[0]->data;

  for (int64_t p = 0; p < planes; p++)
    {
      const float *row = x + p * size;
      double mean, inv;

      row_stats (row, size, eps, &mean, &inv);
      for (int64_t i = 0; i < size; i++)
        y[p * size + i] = (float) ((row[i] - mean) * inv) * scale[p % c] + bias[p % c];
    }
  return NN_OK;
}

const nn_op nn_op_instance_normalization = {
  .name = "InstanceNormalization", .torch = "InstanceNorm2d",
  .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = instance_norm_attrs, .n_attrs = NN_N_ELEMENTS (instance_norm_attrs),
  .infer = instance_norm_infer, .forward = instance_norm_forward,
  .macs = nn_macs_per_element,
};

/* ---------------------------------------------------------------- LRN */

/* x / (bias + alpha / size * sum of x^2 over channels [c - (size-1)/2, c + size/2])^beta,
 * ONNX's window: floor((size - 1) / 2) before, ceil((size - 1) / 2) after */
enum { LRN_ALPHA, LRN_BETA, LRN_BIAS, LRN_SIZE, N_LRN_ATTRS };

static const nn_attr_schema lrn_attrs[] = {
  { .name = "alpha", .torch = "alpha", .kind = NN_ATTR_FLOAT, .def_f = 1e-4 },
  { .name = "beta", .torch = "beta", .kind = NN_ATTR_FLOAT, .def_f = 0.75 },
  { .name = "bias", .torch = "k", .kind = NN_ATTR_FLOAT, .def_f = 1.0 },
  { .name = "size", .torch = "size", .kind = NN_ATTR_INT, .def_i = 1, .min = 1,
    .max = INT64_C (1) << 24 },
};
static_assert (NN_N_ELEMENTS (lrn_attrs) == N_LRN_ATTRS, "lrn_attrs and its enum");

static nn_status
lrn_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);
  char a[160];

  if (s != NN_OK)
    return s;
  if (ctx->in[0]->rank < 3)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s should be [N, C, ...]",
                       nn_op_in_str (ctx, 0, a, sizeof a));
  *ctx->out[0] = *ctx->in[0];
  return NN_OK;
}

static nn_status
lrn_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *t = &ctx->value[0]->type;
  int64_t n = t->shape[0], c = t->shape[1], plane = nn_dims_product (t, 2, t->rank);
  int64_t size = nn_attr_i (ctx, LRN_SIZE), before = (size - 1) / 2, after = size / 2;
  double alpha = nn_attr_f (ctx, LRN_ALPHA), beta = nn_attr_f (ctx, LRN_BETA);
  double bias = nn_attr_f (ctx, LRN_BIAS);
  const float *x = ctx->value[0]->data;
  float *y = ctx->y[0]->data;

  for (int64_t b = 0; b < n; b++)
    for (int64_t ch = 0; ch < c; ch++)
      for (int64_t p = 0; p < plane; p++)
        {
          double sq = 0.0;

          for (int64_t k = ch - before; k <= ch + after; k++)
            if (k >= 0 && k < c)
              sq += (double) x[(b * c + k) * plane + p] * x[(b * c + k) * plane + p];
          y[(b * c + ch) * plane + p]
            = (float) (x[(b * c + ch) * plane + p] / pow (bias + alpha / (double) size * sq, beta));
        }
  return NN_OK;
}

const nn_op nn_op_lrn = {
  .name = "LRN", .torch = "LocalResponseNorm",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = lrn_attrs, .n_attrs = N_LRN_ATTRS,
  .infer = lrn_infer, .forward = lrn_forward,
};

/* ---------------------------------------------------------------- MeanVarianceNormalization */

/* (x - mean) / (std + 1e-9) over axes (default [0, 2, 3]), as ONNX's function body:
 * std the biased one */
static const nn_attr_schema mvn_attrs[] = {
  { .name = "axes", .kind = NN_ATTR_INTS, .min = -NN_ARRAY_MAX_RANK,
    .max = NN_ARRAY_MAX_RANK - 1 },
};

static nn_status
mvn_mask (const nn_op_ctx *ctx, bool *mask, nn_error *err)
{
  static const int64_t def[] = { 0, 2, 3 };
  int32_t n;
  const int64_t *axes = nn_attr_ints (ctx, 0, &n);

  if (n == 0)
    {
      axes = def;
      n = 3;
    }
  return nn_op_axes_mask (ctx, axes, n, ctx->in[0]->rank, mask, err);
}

static nn_status
mvn_infer (const nn_op_ctx *ctx, nn_error *err)
{
  bool mask[NN_ARRAY_MAX_RANK];
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);

  if (s != NN_OK || (s = mvn_mask (ctx, mask, err)) != NN_OK)
    return s;
  *ctx->out[0] = *ctx->in[0];
  return NN_OK;
}

static nn_status
mvn_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = &ctx->value[0]->type;
  bool mask[NN_ARRAY_MAX_RANK];
  nn_type kept = *x;
  const nn_type *ops[1] = { &kept };
  int64_t n = nn_array_numel (ctx->value[0]), m;
  const float *src = ctx->value[0]->data;
  float *y = ctx->y[0]->data;
  double *mean, *var;
  nn_status s;
  nn_bcast it;

  if ((s = mvn_mask (ctx, mask, err)) != NN_OK)
    return s;
  for (int32_t i = 0; i < x->rank; i++)
    if (mask[i])
      kept.shape[i] = 1;
  m = nn_type_numel (&kept);
  mean = calloc ((size_t) (m > 0 ? m : 1), sizeof *mean);
  var = calloc ((size_t) (m > 0 ? m : 1), sizeof *var);
  if (mean == NULL || var == NULL)
    {
      free (mean);
      free (var);
      return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory");
    }
  nn_bcast_init (&it, x, 1, ops);
  for (int64_t i = 0; i < n; i++, nn_bcast_next (&it))
    mean[it.off[0]] += src[i];
  for (int64_t i = 0; i < m; i++)
    mean[i] /= (double) (n / m);
  nn_bcast_init (&it, x, 1, ops);
  for (int64_t i = 0; i < n; i++, nn_bcast_next (&it))
    var[it.off[0]] += (src[i] - mean[it.off[0]]) * (src[i] - mean[it.off[0]]);
  for (int64_t i = 0; i < m; i++)
    var[i] = sqrt (var[i] / (double) (n / m)) + 1e-9;
  nn_bcast_init (&it, x, 1, ops);
  for (int64_t i = 0; i < n; i++, nn_bcast_next (&it))
    y[i] = (float) ((src[i] - mean[it.off[0]]) / var[it.off[0]]);
  free (mean);
  free (var);
  return NN_OK;
}

const nn_op nn_op_mean_variance_normalization = {
  .name = "MeanVarianceNormalization", .torch = "(x - mean) / std",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = mvn_attrs, .n_attrs = NN_N_ELEMENTS (mvn_attrs),
  .infer = mvn_infer, .forward = mvn_forward, .macs = nn_macs_per_element,
};
