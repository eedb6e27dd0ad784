/* ops/resize.c - Resize (opset 11-17: roi, scales or sizes as inputs; modes nearest,
 * linear, cubic; every coordinate_transformation_mode and nearest_mode), GridSample
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As ONNX's reference: each axis maps output index x to x_original by the coordinate
 * transformation (with scale the given scale, or sizes / input size), then reads 1
 * (nearest), 2 (linear) or 4 (cubic) neighbours, clamped to the edge, with weights; the
 * N-d result is the product of the per-axis weights (separable interpolation). With
 * tf_crop_and_resize an x_original outside the input gives extrapolation_value. Any
 * rank; axes whose size and scale do not change read one neighbour.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

enum { RS_MODE, RS_COORD, RS_NEAREST_MODE, RS_CUBIC_A, RS_EXCLUDE_OUTSIDE, RS_EXTRAPOLATION,
       N_RS_ATTRS };

static const nn_attr_schema resize_attrs[] = {
  { .name = "mode", .torch = "mode", .kind = NN_ATTR_STRING, .def_s = "nearest",
    .choices = "nearest|linear|cubic" },
  { .name = "coordinate_transformation_mode", .torch = "align_corners",
    .kind = NN_ATTR_STRING, .def_s = "half_pixel",
    .choices = "half_pixel|pytorch_half_pixel|align_corners|asymmetric|"
               "tf_half_pixel_for_nearest|tf_crop_and_resize" },
  { .name = "nearest_mode", .kind = NN_ATTR_STRING, .def_s = "round_prefer_floor",
    .choices = "round_prefer_floor|round_prefer_ceil|floor|ceil" },
  { .name = "cubic_coeff_a", .kind = NN_ATTR_FLOAT, .def_f = -0.75 },
  { .name = "exclude_outside", .kind = NN_ATTR_INT, .def_i = 0, .min = 0, .max = 1 },
  { .name = "extrapolation_value", .kind = NN_ATTR_FLOAT, .def_f = 0.0 },
};
static_assert (NN_N_ELEMENTS (resize_attrs) == N_RS_ATTRS, "resize_attrs and its enum");

#define RS_MAX_TAPS 4

/* input k when given with elements (opset 11 passes an empty scales beside sizes) */
static bool
given (const nn_op_ctx *ctx, int k)
{
  return ctx->n_in > k && ctx->in[k] != NULL && nn_type_numel (ctx->in[k]) != 0;
}

/* the output size and scale of every axis; sizes symbolic where not known yet */
static nn_status
resize_sizes (const nn_op_ctx *ctx, int64_t *out, double *scale, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  bool by_scales = given (ctx, 2), by_sizes = given (ctx, 3);
  int k = by_scales ? 2 : 3;
  nn_status s;

  if (by_scales == by_sizes)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "exactly one of scales (input 3) and "
                       "sizes (input 4) must be given");
  if ((s = nn_op_check_dtype (ctx, k, by_scales ? NN_MASK_F32 : NN_MASK_INT, err)) != NN_OK)
    return s;
  if (ctx->in[k]->rank != 1 || ctx->in[k]->shape[0] != x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %s must hold %d values, one per axis "
                       "of the input", by_scales ? "scales" : "sizes", (int) x->rank);
  for (int32_t i = 0; i < x->rank; i++)
    {
      double v;

      if (ctx->value[k] == NULL || x->shape[i] == NN_DIM_SYMBOLIC)
        {
          out[i] = NN_DIM_SYMBOLIC;
          scale[i] = 1.0;
          continue;
        }
      v = nn_array_get_f64 (ctx->value[k], i);
      if (!(v >= 0.0) || v > 9e15 || (by_scales && v * (double) x->shape[i] > 9e15))
        return nn_op_fail (ctx, err, by_scales && v > 0.0 ? NN_STATUS_TOO_LARGE
                           : NN_STATUS_INVALID_ARG, "its %s %g of axis %d is %s",
                           by_scales ? "scale" : "size", v, (int) i,
                           v >= 0.0 ? "too large" : "negative");
      out[i] = by_scales ? (int64_t) floor (v * (double) x->shape[i]) : (int64_t) v;
      scale[i] = by_scales ? v : x->shape[i] > 0 ? v / (double) x->shape[i] : 1.0;
      if (scale[i] == 0.0 && out[i] == 0)
        scale[i] = 1.0;
    }
  return NN_OK;
}

static nn_status
resize_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const char *coord = nn_attr_s (ctx, RS_COORD);
  nn_status s;
  double scale[NN_ARRAY_MAX_RANK];

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK)
    return s;
  if (strcmp (coord, "tf_crop_and_resize") == 0
      && (!given (ctx, 1) || ctx->in[1]->rank != 1 || ctx->in[1]->shape[0] != 2 * ctx->in[0]->rank))
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "tf_crop_and_resize needs roi (input "
                       "2) with 2 * rank = %d values", (int) (2 * ctx->in[0]->rank));
  *ctx->out[0] = *ctx->in[0];
  return resize_sizes (ctx, ctx->out[0]->shape, scale, err);
}

/* ONNX's x_original of output index x on one axis */
static double
original_coord (const char *coord, double x, int64_t in, double scale, const double *roi,
                int32_t axis, int32_t rank)
{
  double out_w = scale * (double) in;

  if (strcmp (coord, "align_corners") == 0)
    return out_w == 1.0 ? 0.0 : x * (double) (in - 1) / (out_w - 1.0);
  if (strcmp (coord, "asymmetric") == 0)
    return x / scale;
  if (strcmp (coord, "pytorch_half_pixel") == 0)
    return out_w == 1.0 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (strcmp (coord, "tf_half_pixel_for_nearest") == 0)
    return (x + 0.5) / scale;
  if (strcmp (coord, "tf_crop_and_resize") == 0)
    {
      double a = roi[axis], b = roi[rank + axis];

      return (out_w == 1.0 ? (b - a) * (double) (in - 1) / 2.0
                           : x * (b - a) * (double) (in - 1) / (out_w - 1.0))
             + a * (double) (in - 1);
    }
  return (x + 0.5) / scale - 0.5;   /* half_pixel */
}

/* taps of one output index: input indices and weights; false when outside (crop) */
typedef struct resize_taps {
  int64_t idx[RS_MAX_TAPS];
  float w[RS_MAX_TAPS];
  bool outside;
} resize_taps;

static int64_t
clamp_index (int64_t i, int64_t in)
{
  return i < 0 ? 0 : i >= in ? in - 1 : i;
}

static void
nearest_tap (const char *mode, double xo, int64_t in, resize_taps *t)
{
  double f = floor (xo), frac = xo - f;
  int64_t i = (int64_t) f;

  if (frac != 0.0)
    {
      if (strcmp (mode, "ceil") == 0 || (strcmp (mode, "round_prefer_floor") == 0 && frac > 0.5)
          || (strcmp (mode, "round_prefer_ceil") == 0 && frac >= 0.5))
        i++;
    }
  t->idx[0] = clamp_index (i, in);
  t->w[0] = 1.0f;
}

static void
cubic_taps (double ratio, double a, bool exclude, int64_t i0, int64_t in, resize_taps *t)
{
  double r[4] = { ratio + 1.0, ratio, 1.0 - ratio, 2.0 - ratio }, c[4], sum = 0.0;

  for (int j = 0; j < 4; j++)
    {
      double d = r[j];

      c[j] = d <= 1.0 ? ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0
                      : ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a;
      if (exclude && (i0 - 1 + j < 0 || i0 - 1 + j >= in))
        c[j] = 0.0;
      sum += c[j];
    }
  for (int j = 0; j < 4; j++)
    {
      t->idx[j] = clamp_index (i0 - 1 + j, in);
      t->w[j] = (float) (exclude && sum != 0.0 ? c[j] / sum : c[j]);
    }
}

static nn_status
resize_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *xa = ctx->value[0];
  const nn_type *x = &xa->type;
  nn_array *y = ctx->y[0];
  int32_t rank = x->rank;
  const char *mode = nn_attr_s (ctx, RS_MODE), *coord = nn_attr_s (ctx, RS_COORD);
  const char *nmode = nn_attr_s (ctx, RS_NEAREST_MODE);
  int n_taps = strcmp (mode, "nearest") == 0 ? 1 : strcmp (mode, "linear") == 0 ? 2 : 4;
  int taps[NN_ARRAY_MAX_RANK];
  double scale[NN_ARRAY_MAX_RANK], roi[2 * NN_ARRAY_MAX_RANK] = { 0 };
  int64_t out[NN_ARRAY_MAX_RANK], strides[NN_ARRAY_MAX_RANK], idx[NN_ARRAY_MAX_RANK] = { 0 };
  int64_t numel = nn_array_numel (y);
  resize_taps *table[NN_ARRAY_MAX_RANK], *all;
  float extrapolation = (float) nn_attr_f (ctx, RS_EXTRAPOLATION);
  const float *src = xa->data;
  float *dst = y->data;
  nn_status s;

  if ((s = resize_sizes (ctx, out, scale, err)) != NN_OK)
    return s;
  if (numel == 0)
    return NN_OK;
  if (strcmp (coord, "tf_crop_and_resize") == 0)
    for (int32_t i = 0; i < 2 * rank; i++)
      roi[i] = nn_array_get_f64 (ctx->value[1], i);
  /* per axis and output index: the taps */
  all = nn_axis_tables (rank, out, sizeof *all, (void **) table);
  if (all == NULL)
    return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory");
  for (int32_t a = 0; a < rank; a++)
    {
      /* an axis kept as it is, in a mode where x_original is x */
      bool same = out[a] == x->shape[a] && scale[a] == 1.0
                  && strncmp (coord, "tf_", 3) != 0;

      taps[a] = same ? 1 : n_taps;
      for (int64_t o = 0; o < out[a]; o++)
        {
          resize_taps *t = &table[a][o];
          double xo = original_coord (coord, (double) o, x->shape[a], scale[a], roi, a, rank);
          double f = floor (xo);

          memset (t, 0, sizeof *t);
          t->outside = strcmp (coord, "tf_crop_and_resize") == 0
                       && (xo < 0.0 || xo > (double) (x->shape[a] - 1));
          if (same)
            {
              t->idx[0] = o;
              t->w[0] = 1.0f;
            }
          else if (n_taps == 1)
            nearest_tap (nmode, xo, x->shape[a], t);
          else if (n_taps == 2)
            {
              t->idx[0] = clamp_index ((int64_t) f, x->shape[a]);
              t->idx[1] = clamp_index ((int64_t) f + 1, x->shape[a]);
              t->w[0] = (float) (1.0 - (xo - f));
              t->w[1] = (float) (xo - f);
            }
          else
            cubic_taps (xo - f, nn_attr_f (ctx, RS_CUBIC_A),
                        nn_attr_i (ctx, RS_EXCLUDE_OUTSIDE) != 0, (int64_t) f, x->shape[a], t);
        }
    }
  nn_strides (rank, x->shape, strides);
  for (int64_t i = 0; i < numel; i++)
    {
      int tap[NN_ARRAY_MAX_RANK] = { 0 };
      bool outside = false;
      double acc = 0.0;

      for (int32_t a = 0; a < rank; a++)
        outside |= table[a][idx[a]].outside;
      /* every combination of the axes' taps */
      for (bool more = !outside; more;)
        {
          double w = 1.0;
          int64_t off = 0;

          for (int32_t a = 0; a < rank; a++)
            {
              const resize_taps *t = &table[a][idx[a]];

              w *= t->w[tap[a]];
              off += t->idx[tap[a]] * strides[a];
            }
          acc += w * src[off];
          more = false;
          for (int32_t a = rank - 1; a >= 0 && !more; a--)
            {
              more = ++tap[a] < taps[a];
              if (!more)
                tap[a] = 0;
            }
        }
      dst[i] = outside ? extrapolation : (float) acc;
      nn_index_next (rank, out, idx);
    }
  free (all);
  return NN_OK;
}

const nn_op nn_op_resize = {
  .name = "Resize", .torch = "F.interpolate",
  .min_in = 1, .max_in = 4, .min_out = 1, .max_out = 1,
  .attrs = resize_attrs, .n_attrs = N_RS_ATTRS,
  .infer = resize_infer, .forward = resize_forward,
};

/* ---------------------------------------------------------------- GridSample */

/* opset 16, 4-d: X [N, C, H, W] sampled at grid [N, H_out, W_out, 2] (x then y in
 * [-1, 1]) as torch.nn.functional.grid_sample: modes bilinear and nearest (halves to
 * even, as PyTorch's nearbyint), padding zeros, border or reflection, align_corners. */
enum { GS_ALIGN, GS_MODE, GS_PADDING, N_GS_ATTRS };

static const nn_attr_schema grid_sample_attrs[] = {
  { .name = "align_corners", .torch = "align_corners", .kind = NN_ATTR_INT, .def_i = 0,
    .min = 0, .max = 1 },
  { .name = "mode", .torch = "mode", .kind = NN_ATTR_STRING, .def_s = "bilinear",
    .choices = "bilinear|nearest|bicubic" },
  { .name = "padding_mode", .torch = "padding_mode", .kind = NN_ATTR_STRING, .def_s = "zeros",
    .choices = "zeros|border|reflection" },
};
static_assert (NN_N_ELEMENTS (grid_sample_attrs) == N_GS_ATTRS, "grid_sample_attrs and enum");

static nn_status
grid_sample_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0], *g = ctx->in[1];
  char a[160], b[160];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_F32, err)) != NN_OK)
    return s;
  if (strcmp (nn_attr_s (ctx, GS_MODE), "bicubic") == 0)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "mode 'bicubic' is not supported "
                       "yet; 'bilinear' and 'nearest' are");
  if (x->rank != 4 || g->rank != 4 || g->shape[3] != 2
      || (x->shape[0] >= 0 && g->shape[0] >= 0 && x->shape[0] != g->shape[0]))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "it takes X [N, C, H, W] and grid "
                       "[N, H_out, W_out, 2], not %s and %s", nn_op_in_str (ctx, 0, a, sizeof a),
                       nn_op_in_str (ctx, 1, b, sizeof b));
  *ctx->out[0] = *x;
  ctx->out[0]->shape[2] = g->shape[1];
  ctx->out[0]->shape[3] = g->shape[2];
  return NN_OK;
}

/* PyTorch's reflection of coordinate c into [lo, hi] (twice the bounds: integers) */
static double
reflect_coord (double c, double lo2, double hi2)
{
  double lo = lo2 / 2.0, span = (hi2 - lo2) / 2.0, flips, extra;

  if (span <= 0.0)
    return 0.0;
  c = fabs (c - lo);
  extra = fmod (c, span);
  flips = floor (c / span);
  return fmod (flips, 2.0) == 0.0 ? extra + lo : span - extra + lo;
}

/* a grid value in [-1, 1] to a pixel coordinate of an axis of size n, padded */
static double
grid_coord (double g, int64_t n, bool align, const char *padding)
{
  double c = align ? (g + 1.0) / 2.0 * (double) (n - 1) : ((g + 1.0) * (double) n - 1.0) / 2.0;

  if (strcmp (padding, "border") == 0)
    c = fmin (fmax (c, 0.0), (double) (n - 1));
  else if (strcmp (padding, "reflection") == 0)
    {
      c = align ? reflect_coord (c, 0.0, 2.0 * (double) (n - 1))
                : reflect_coord (c, -1.0, 2.0 * (double) n - 1.0);
      c = fmin (fmax (c, 0.0), (double) (n - 1));
    }
  return c;
}

static double
pixel (const float *plane, int64_t h, int64_t w, int64_t y, int64_t x)
{
  return y >= 0 && y < h && x >= 0 && x < w ? plane[y * w + x] : 0.0;
}

static nn_status
grid_sample_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *xt = &ctx->value[0]->type;
  const float *x = ctx->value[0]->data, *grid = ctx->value[1]->data;
  int64_t n = xt->shape[0], c = xt->shape[1], h = xt->shape[2], w = xt->shape[3];
  int64_t oh = ctx->y[0]->type.shape[2], ow = ctx->y[0]->type.shape[3];
  bool align = nn_attr_i (ctx, GS_ALIGN) != 0;
  bool nearest = strcmp (nn_attr_s (ctx, GS_MODE), "nearest") == 0;
  const char *padding = nn_attr_s (ctx, GS_PADDING);
  float *y = ctx->y[0]->data;

  for (int64_t b = 0; b < n; b++)
    for (int64_t p = 0; p < oh * ow; p++)
      {
        const float *gp = grid + (b * oh * ow + p) * 2;
        double ix = grid_coord (gp[0], w, align, padding);
        double iy = grid_coord (gp[1], h, align, padding);

        for (int64_t ch = 0; ch < c; ch++)
          {
            const float *plane = x + (b * c + ch) * h * w;
            double v;

            if (nearest)
              v = pixel (plane, h, w, (int64_t) nearbyint (iy), (int64_t) nearbyint (ix));
            else
              {
                double fx = floor (ix), fy = floor (iy), lx = ix - fx, ly = iy - fy;
                int64_t x0 = (int64_t) fx, y0 = (int64_t) fy;

                v = (1 - ly) * (1 - lx) * pixel (plane, h, w, y0, x0)
                    + (1 - ly) * lx * pixel (plane, h, w, y0, x0 + 1)
                    + ly * (1 - lx) * pixel (plane, h, w, y0 + 1, x0)
                    + ly * lx * pixel (plane, h, w, y0 + 1, x0 + 1);
              }
            y[(b * c + ch) * oh * ow + p] = (float) v;
          }
      }
  return NN_OK;
}

const nn_op nn_op_grid_sample = {
  .name = "GridSample", .torch = "F.grid_sample",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = grid_sample_attrs, .n_attrs = N_GS_ATTRS,
  .infer = grid_sample_infer, .forward = grid_sample_forward,
};
