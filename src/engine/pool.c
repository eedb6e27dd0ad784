/* pool.c - MaxPool2d and AvgPool2d
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both follow PyTorch's CPU kernels exactly (aten/src/ATen/native/cpu/MaxPoolKernel.cpp
 * and AvgPoolKernel.cpp): max pooling treats padding as -inf and propagates NaN;
 * average pooling's divisor depends on count_include_pad and on windows that ceil_mode
 * lets hang over the right/bottom border. Planes (image, channel) are independent and
 * split over the engine's thread pool.
 */
#include "config.h"

#include <math.h>

#include "nn-private.h"

typedef nn_pool_geom pool_geom;

void
nn_pool_geom_init (pool_geom *g, const nn_layer_config *cfg, const nn_layer_info *info,
                   int64_t n)
{
  g->planes = n * info->in_shape.d[0];
  g->h_in = info->in_shape.d[1];
  g->w_in = info->in_shape.d[2];
  g->h_out = info->out_shape.d[1];
  g->w_out = info->out_shape.d[2];
  g->kh = cfg->kernel_size[0];
  g->kw = cfg->kernel_size[1];
  g->sh = cfg->stride[0];
  g->sw = cfg->stride[1];
  g->ph = cfg->padding[0];
  g->pw = cfg->padding[1];
  /* AvgPool2d has no dilation */
  g->dh = cfg->type == NN_LAYER_MAXPOOL2D ? cfg->dilation[0] : 1;
  g->dw = cfg->type == NN_LAYER_MAXPOOL2D ? cfg->dilation[1] : 1;
}

static inline float
max_nan (float best, float v)
{
  /* PyTorch: (val > max) || isnan(val), so a NaN wins and stays. v != v is isnan
   * without the libm call, and branch-free so the 2x2 loops vectorise. */
  float m = v > best ? v : best;

  return v != v ? v : m;
}

/* First tap at or after 0 of start, start + d, start + 2d, ... */
static int64_t
first_inside (int64_t start, int64_t d)
{
  if (start >= 0)
    return start;
  return start + (-start + d - 1) / d * d;
}

static float
max_window (const pool_geom *g, const float *plane, int64_t oh, int64_t ow)
{
  int64_t h0 = oh * g->sh - g->ph, w0 = ow * g->sw - g->pw;
  int64_t h1 = h0 + (g->kh - 1) * g->dh + 1, w1 = w0 + (g->kw - 1) * g->dw + 1;
  float best = -INFINITY;

  h1 = h1 < g->h_in ? h1 : g->h_in;
  w1 = w1 < g->w_in ? w1 : g->w_in;
  h0 = first_inside (h0, g->dh);
  w0 = first_inside (w0, g->dw);
  for (int64_t ih = h0; ih < h1; ih += g->dh)
    for (int64_t iw = w0; iw < w1; iw += g->dw)
      best = max_nan (best, plane[ih * g->w_in + iw]);
  return best;
}

/* No padding, no dilation, every window inside the input (no ceil_mode overhang): the
 * common MaxPool2d(2) needs none of the clipping, and 2x2 stride 2 gets its own loop. */
static bool
is_plain (const pool_geom *g)
{
  return g->ph == 0 && g->pw == 0 && g->dh == 1 && g->dw == 1
         && (g->h_out - 1) * g->sh + g->kh <= g->h_in
         && (g->w_out - 1) * g->sw + g->kw <= g->w_in;
}

/* MaxPool2d(2): the vertical max of the two input rows first (contiguous, so it
 * vectorises), then the max of neighbouring pairs. Any NaN wins either way, like the
 * window-order loop of PyTorch (the maximum does not depend on the order otherwise). */
static void
max_2x2_row (const float *r0, const float *r1, float *tmp, float *dst, int64_t w_out)
{
  for (int64_t i = 0; i < 2 * w_out; i++)
    tmp[i] = max_nan (r0[i], r1[i]);
  for (int64_t ow = 0; ow < w_out; ow++)
    dst[ow] = max_nan (tmp[2 * ow], tmp[2 * ow + 1]);
}

#define MAX_2X2_TMP 1024

static void
max_plain (const pool_geom *g, const float *plane, float *dst)
{
  bool two = g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->w_out <= MAX_2X2_TMP / 2;
  float tmp[MAX_2X2_TMP];

  for (int64_t oh = 0; oh < g->h_out; oh++, dst += g->w_out)
    {
      const float *r0 = plane + oh * g->sh * g->w_in;

      if (two)
        {
          max_2x2_row (r0, r0 + g->w_in, tmp, dst, g->w_out);
          continue;
        }
      for (int64_t ow = 0; ow < g->w_out; ow++)
        {
          float best = -INFINITY;

          for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++)
              best = max_nan (best, r0[i * g->w_in + ow * g->sw + j]);
          dst[ow] = best;
        }
    }
}

typedef struct pool_job {
  const pool_geom *g;
  const float *in;
  float *out;
  bool count_include_pad;
} pool_job;

void
nn_maxpool_plane (const pool_geom *g, const float *plane, float *dst)
{
  if (is_plain (g))
    {
      max_plain (g, plane, dst);
      return;
    }
  for (int64_t oh = 0; oh < g->h_out; oh++)
    for (int64_t ow = 0; ow < g->w_out; ow++)
      *dst++ = max_window (g, plane, oh, ow);
}

/* Planes [lo, hi) of a max pool; planes are independent, so the thread pool splits them */
static void
max_planes (void *data, int64_t lo, int64_t hi)
{
  const pool_job *j = data;
  const pool_geom *g = j->g;

  for (int64_t p = lo; p < hi; p++)
    nn_maxpool_plane (g, j->in + p * g->h_in * g->w_in, j->out + p * g->h_out * g->w_out);
}

/* Planes per chunk so that a chunk reads at least ~16 K floats */
static int64_t
planes_per_chunk (const pool_geom *g)
{
  int64_t plane = g->h_in * g->w_in;

  return plane >= 16384 ? 1 : 16384 / (plane > 0 ? plane : 1);
}

nn_status
nn_maxpool2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                      nn_error *err)
{
  pool_geom g;
  pool_job j = { &g, in->data, out->data, false };

  nn_pool_geom_init (&g, &net->layers[index].cfg, &net->info[index], in->shape[0]);
  nn_parallel_for (g.planes, planes_per_chunk (&g), max_planes, &j);
  return NN_OK;
}

static float
avg_window (const pool_geom *g, const float *plane, int64_t oh, int64_t ow,
            bool count_include_pad)
{
  int64_t h0 = oh * g->sh - g->ph, w0 = ow * g->sw - g->pw;
  /* the window may cover the padding but not beyond it (ceil_mode's last window) */
  int64_t h1 = h0 + g->kh < g->h_in + g->ph ? h0 + g->kh : g->h_in + g->ph;
  int64_t w1 = w0 + g->kw < g->w_in + g->pw ? w0 + g->kw : g->w_in + g->pw;
  int64_t pool_size = (h1 - h0) * (w1 - w0);
  double sum = 0.0;
  int64_t divisor;

  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < g->h_in ? h1 : g->h_in;
  w1 = w1 < g->w_in ? w1 : g->w_in;
  if (h0 >= h1 || w0 >= w1)
    return 0.0f;
  for (int64_t ih = h0; ih < h1; ih++)
    for (int64_t iw = w0; iw < w1; iw++)
      sum += plane[ih * g->w_in + iw];
  divisor = count_include_pad ? pool_size : (h1 - h0) * (w1 - w0);
  return (float) (sum / (double) divisor);
}

static void
avg_planes (void *data, int64_t lo, int64_t hi)
{
  const pool_job *j = data;
  const pool_geom *g = j->g;

  for (int64_t p = lo; p < hi; p++)
    {
      const float *plane = j->in + p * g->h_in * g->w_in;
      float *dst = j->out + p * g->h_out * g->w_out;

      for (int64_t oh = 0; oh < g->h_out; oh++)
        for (int64_t ow = 0; ow < g->w_out; ow++)
          *dst++ = avg_window (g, plane, oh, ow, j->count_include_pad);
    }
}

nn_status
nn_avgpool2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                      nn_error *err)
{
  const nn_layer_config *cfg = &net->layers[index].cfg;
  pool_geom g;
  pool_job j = { &g, in->data, out->data, cfg->count_include_pad };

  nn_pool_geom_init (&g, cfg, &net->info[index], in->shape[0]);
  nn_parallel_for (g.planes, planes_per_chunk (&g), avg_planes, &j);
  return NN_OK;
}
