/* ops/pool.c - MaxPool (with ONNX's optional Indices output), AveragePool (ceil_mode,
 * count_include_pad, pads, auto_pad), GlobalAveragePool, GlobalMaxPool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Windows are clipped as PyTorch clips them: a window reaching past the end padding
 * (ceil_mode) is cut there, and with count_include_pad the divisor counts the padding
 * inside the cut window, not the part beyond it. MaxPool's Indices are ONNX's: the
 * row-major index into the whole input (n, c and the spatial position), storage_order 0;
 * the first of equal maxima, a NaN as soon as one is met (as PyTorch).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ops/window.h"

enum { POOL_AUTO_PAD, POOL_KERNEL_SHAPE, POOL_STRIDES, POOL_PADS, POOL_DILATIONS,
       POOL_CEIL_MODE, POOL_EXTRA, N_POOL_ATTRS };

static const nn_attr_schema maxpool_attrs[] = {
  NN_WINDOW_SCHEMA,
  { .name = "ceil_mode", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
  { .name = "storage_order", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
};
static const nn_attr_schema avgpool_attrs[] = {
  NN_WINDOW_SCHEMA,
  { .name = "ceil_mode", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
  { .name = "count_include_pad", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (maxpool_attrs) == N_POOL_ATTRS, "maxpool_attrs and its enum");
static_assert (NN_N_ELEMENTS (avgpool_attrs) == N_POOL_ATTRS, "avgpool_attrs and its enum");

static const nn_window_attrs pool_window = {
  .auto_pad = POOL_AUTO_PAD, .kernel_shape = POOL_KERNEL_SHAPE, .strides = POOL_STRIDES,
  .dilations = POOL_DILATIONS, .pads = POOL_PADS, .ceil_mode = POOL_CEIL_MODE,
};

static nn_status
pool_geometry (const nn_op_ctx *ctx, nn_window *w, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);

  if (s != NN_OK || (s = nn_window_init (ctx, &pool_window, ctx->in[0], NULL, w, err)) != NN_OK)
    return s;
  for (int32_t i = 0; i < w->n; i++)
    if (w->pb[i] >= w->k[i] || w->pe[i] >= w->k[i])
      return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "its padding on spatial axis %d "
                         "is as large as the kernel; pads must be smaller than "
                         "kernel_shape", (int) i + 1);
  return NN_OK;
}

static nn_status
pool_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_window w;
  nn_status s = pool_geometry (ctx, &w, err);

  if (s != NN_OK)
    return s;
  *ctx->out[0] = *ctx->in[0];
  memcpy (ctx->out[0]->shape + 2, w.out, (size_t) w.n * sizeof *w.out);
  if (ctx->n_out > 1)
    {
      if (nn_attr_i (ctx, POOL_EXTRA) != 0)
        return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "Indices with storage_order 1 "
                           "(column-major) are not supported; only 0 is");
      *ctx->out[1] = *ctx->out[0];
      ctx->out[1]->dtype = NN_DTYPE_INT64;
    }
  return NN_OK;
}

/* spatial geometry as 2-d (a 1-d pool has height 1) */
static void
pool_dims (const nn_window *w, int64_t in[2], int64_t out[2], int64_t k[2], int64_t s[2],
           int64_t d[2], int64_t pb[2], int64_t pe[2])
{
  int32_t o = 2 - w->n;

  for (int i = 0; i < 2; i++)
    {
      bool real = i >= o;

      in[i] = real ? w->in[i - o] : 1;
      out[i] = real ? w->out[i - o] : 1;
      k[i] = real ? w->k[i - o] : 1;
      s[i] = real ? w->s[i - o] : 1;
      d[i] = real ? w->d[i - o] : 1;
      pb[i] = real ? w->pb[i - o] : 0;
      pe[i] = real ? w->pe[i - o] : 0;
    }
}

static nn_status
pool_forward (const nn_op_ctx *ctx, bool avg, nn_error *err)
{
  int64_t in[2], out[2], k[2], st[2], d[2], pb[2], pe[2];
  const nn_type *xt = &ctx->value[0]->type;
  int64_t planes = xt->shape[0] * xt->shape[1];
  bool include_pad = avg && nn_attr_i (ctx, POOL_EXTRA) != 0;
  const float *x = ctx->value[0]->data;
  float *y = ctx->y[0]->data;
  int64_t *indices = !avg && ctx->n_out > 1 ? ctx->y[1]->data : NULL;
  nn_window w;
  nn_status s;

  if ((s = pool_geometry (ctx, &w, err)) != NN_OK)
    return s;
  pool_dims (&w, in, out, k, st, d, pb, pe);
  for (int64_t p = 0; p < planes; p++)
    for (int64_t oy = 0; oy < out[0]; oy++)
      for (int64_t ox = 0; ox < out[1]; ox++)
        {
          int64_t y0 = oy * st[0] - pb[0], x0 = ox * st[1] - pb[1];
          /* the window cut at the end padding, for count_include_pad's divisor */
          int64_t hy = y0 + (k[0] - 1) * d[0] + 1, hx = x0 + (k[1] - 1) * d[1] + 1;
          int64_t padded = ((hy < in[0] + pe[0] ? hy : in[0] + pe[0]) - y0)
                           * ((hx < in[1] + pe[1] ? hx : in[1] + pe[1]) - x0);
          float acc = avg ? 0.0f : -INFINITY;
          int64_t count = 0, arg = -1;

          for (int64_t i = 0; i < k[0]; i++)
            for (int64_t j = 0; j < k[1]; j++)
              {
                int64_t iy = y0 + i * d[0], ix = x0 + j * d[1];
                float v;

                if (iy < 0 || iy >= in[0] || ix < 0 || ix >= in[1])
                  continue;
                v = x[(p * in[0] + iy) * in[1] + ix];
                count++;
                if (avg)
                  acc += v;
                else if (!isnan (acc) && (v > acc || isnan (v) || arg < 0))
                  {
                    acc = v;
                    arg = (p * in[0] + iy) * in[1] + ix;
                  }
              }
          if (avg)
            acc = count == 0 ? 0.0f : acc / (float) (include_pad ? padded : count);
          y[(p * out[0] + oy) * out[1] + ox] = acc;
          if (indices != NULL)
            indices[(p * out[0] + oy) * out[1] + ox] = arg;
        }
  return NN_OK;
}

static nn_status
maxpool_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return pool_forward (ctx, false, err);
}

static nn_status
avgpool_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return pool_forward (ctx, true, err);
}

static int64_t
pool_macs (const nn_op_ctx *ctx)
{
  int32_t n;
  const int64_t *k = nn_attr_ints (ctx, POOL_KERNEL_SHAPE, &n);
  int64_t outs = nn_dims_product (ctx->out[0], 1, ctx->out[0]->rank), kk = 1;

  for (int32_t i = 0; i < n; i++)
    kk *= k[i];
  return outs < 0 ? 0 : outs * kk;
}

const nn_op nn_op_max_pool = {
  .name = "MaxPool", .torch = "MaxPool2d",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 2,
  .attrs = maxpool_attrs, .n_attrs = N_POOL_ATTRS,
  .infer = pool_infer, .forward = maxpool_forward, .macs = pool_macs,
};

const nn_op nn_op_average_pool = {
  .name = "AveragePool", .torch = "AvgPool2d",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = avgpool_attrs, .n_attrs = N_POOL_ATTRS,
  .infer = pool_infer, .forward = avgpool_forward, .macs = pool_macs,
};

/* ---------------------------------------------------------------- GlobalAveragePool */

static nn_status
global_avg_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);

  if (s != NN_OK)
    return s;
  if (ctx->in[0]->rank < 2)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input has %d dimensions; it takes "
                       "[N, C, ...]", (int) ctx->in[0]->rank);
  *ctx->out[0] = *ctx->in[0];
  for (int32_t i = 2; i < ctx->in[0]->rank; i++)
    ctx->out[0]->shape[i] = 1;
  return NN_OK;
}

/* the mean (or the largest: NaN wins, an empty plane gives -inf) of each plane */
static nn_status
global_forward (const nn_op_ctx *ctx, bool max)
{
  const nn_type *t = &ctx->value[0]->type;
  int64_t planes = t->shape[0] * t->shape[1], size = nn_dims_product (t, 2, t->rank);
  const float *x = ctx->value[0]->data;
  float *y = ctx->y[0]->data;

  for (int64_t p = 0; p < planes; p++)
    {
      double acc = max ? -INFINITY : 0.0;

      for (int64_t i = 0; i < size; i++)
        {
          double v = x[p * size + i];

          if (!max)
            acc += v;
          else if (v > acc || isnan (v))
            acc = v;
          if (isnan (acc))
            break;
        }
      y[p] = max ? (float) acc : size > 0 ? (float) (acc / (double) size) : NAN;
    }
  return NN_OK;
}

static nn_status
global_avg_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return global_forward (ctx, false);
}

static nn_status
global_max_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return global_forward (ctx, true);
}

const nn_op nn_op_global_average_pool = {
  .name = "GlobalAveragePool", .torch = "AdaptiveAvgPool2d",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .infer = global_avg_infer, .forward = global_avg_forward, .macs = nn_macs_per_element,
};

const nn_op nn_op_global_max_pool = {
  .name = "GlobalMaxPool", .torch = "AdaptiveMaxPool2d",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .infer = global_avg_infer, .forward = global_max_forward, .macs = nn_macs_per_element,
};
