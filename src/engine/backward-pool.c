/* backward-pool.c - MaxPool2d and AvgPool2d backward
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MaxPool2d routes each output's gradient to the input its window took the maximum
 * from. Rather than keep indices from the forward pass (which the inference kernel does
 * not produce), the window is searched again with PyTorch's rule: the first largest
 * value wins, a NaN wins over everything (the last NaN), and a window of only -inf
 * points at its first tap. AvgPool2d spreads gradient/divisor over the window with the
 * divisor of the forward pass (count_include_pad, ceil_mode's overhanging windows).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "train-private.h"

typedef struct pgeom {
  int64_t planes, h_in, w_in, h_out, w_out;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
} pgeom;

static void
pgeom_init (pgeom *g, const nn_layer_config *cfg, const nn_layer_info *info, int64_t n)
{
  bool max = cfg->type == NN_LAYER_MAXPOOL2D;

  *g = (pgeom) {
    .planes = n * info->in_shape.d[0], .h_in = info->in_shape.d[1],
    .w_in = info->in_shape.d[2], .h_out = info->out_shape.d[1], .w_out = info->out_shape.d[2],
    .kh = cfg->kernel_size[0], .kw = cfg->kernel_size[1], .sh = cfg->stride[0],
    .sw = cfg->stride[1], .ph = cfg->padding[0], .pw = cfg->padding[1],
    /* AvgPool2d has no dilation */
    .dh = max ? cfg->dilation[0] : 1, .dw = max ? cfg->dilation[1] : 1,
  };
}

/* First tap at or after 0 of start, start + d, ... */
static int64_t
first_inside (int64_t start, int64_t d)
{
  return start >= 0 ? start : start + (-start + d - 1) / d * d;
}

/* Index in the plane of the maximum of window (oh, ow), -1 for an empty window */
static int64_t
argmax_window (const pgeom *g, const float *plane, int64_t oh, int64_t ow)
{
  int64_t h0 = oh * g->sh - g->ph, w0 = ow * g->sw - g->pw;
  int64_t h1 = h0 + (g->kh - 1) * g->dh + 1, w1 = w0 + (g->kw - 1) * g->dw + 1;
  int64_t best_i = -1;
  float best = -INFINITY;

  h1 = h1 < g->h_in ? h1 : g->h_in;
  w1 = w1 < g->w_in ? w1 : g->w_in;
  h0 = first_inside (h0, g->dh);
  w0 = first_inside (w0, g->dw);
  if (h0 < h1 && w0 < w1)
    best_i = h0 * g->w_in + w0;
  for (int64_t ih = h0; ih < h1; ih += g->dh)
    for (int64_t iw = w0; iw < w1; iw += g->dw)
      {
        float v = plane[ih * g->w_in + iw];

        if (v > best || isnan (v))
          {
            best = v;
            best_i = ih * g->w_in + iw;
          }
      }
  return best_i;
}

/* No padding, no dilation, every window inside the input: no clipping needed */
static bool
is_plain (const pgeom *g)
{
  return g->ph == 0 && g->pw == 0 && g->dh == 1 && g->dw == 1
         && (g->h_out - 1) * g->sh + g->kh <= g->h_in
         && (g->w_out - 1) * g->sw + g->kw <= g->w_in;
}

static int64_t
argmax_plain (const pgeom *g, const float *plane, int64_t oh, int64_t ow)
{
  int64_t base = oh * g->sh * g->w_in + ow * g->sw, best_i = base;
  float best = -INFINITY;


  for (int64_t i = 0; i < g->kh; i++)
    for (int64_t j = 0; j < g->kw; j++)
      {
        float v = plane[base + i * g->w_in + j];

        if (v > best || isnan (v))
          {
            best = v;
            best_i = base + i * g->w_in + j;
          }
      }
  return best_i;
}

typedef struct pool_job {
  const pgeom *g;
  const float *x, *y, *dy;
  float *dx;
  bool plain, two, count_include_pad;
} pool_job;

/* A 2x2 window inside the input (MaxPool2d(2)): the forward's output is the maximum
 * itself, so the winner is the first tap equal to it, found without branches (which
 * tap wins is data, so branches would mispredict half the time). A NaN maximum (equal
 * to nothing) takes the general rule. */
static int64_t
argmax_two (const pgeom *g, const float *plane, int64_t oh, int64_t ow, float max)
{
  int64_t base = oh * g->sh * g->w_in + ow * g->sw;
  const float *p = plane + base;
  unsigned hits = (unsigned) (p[0] == max) | (unsigned) (p[1] == max) << 1
                  | (unsigned) (p[g->w_in] == max) << 2
                  | (unsigned) (p[g->w_in + 1] == max) << 3;
  int k;

  if (hits == 0)
    return argmax_plain (g, plane, oh, ow);
  k = __builtin_ctz (hits);
  return base + (k >> 1) * g->w_in + (k & 1);
}

/* planes [lo, hi): each output's gradient to its window's arg-max */
static void
max_planes (void *ctx, int64_t lo, int64_t hi)
{
  const pool_job *j = ctx;
  const pgeom *g = j->g;

  for (int64_t p = lo; p < hi; p++)
    {
      const float *plane = j->x + p * g->h_in * g->w_in;
      const float *grad = j->dy + p * g->h_out * g->w_out;
      float *dst = j->dx + p * g->h_in * g->w_in;

      const float *out = j->y + p * g->h_out * g->w_out;

      for (int64_t oh = 0; oh < g->h_out; oh++)
        for (int64_t ow = 0; ow < g->w_out; ow++, grad++, out++)
          {
            int64_t i = j->two ? argmax_two (g, plane, oh, ow, *out)
                        : j->plain ? argmax_plain (g, plane, oh, ow)
                        : argmax_window (g, plane, oh, ow);

            if (i >= 0)
              dst[i] += *grad;
          }
    }
}

/* enough planes per chunk that a thread's share is worth waking it */
static int64_t
planes_per_chunk (const pgeom *g)
{
  int64_t work = g->h_in * g->w_in + g->h_out * g->w_out;

  return 1 + 32768 / (work > 0 ? work : 1);
}

void
nn_maxpool2d_backward (nn_trainer *tr, int index, const nn_tensor *x, const nn_tensor *y,
                       const nn_tensor *dy, nn_tensor *dx)
{
  pgeom g;
  pool_job j;
  bool plain;

  pgeom_init (&g, &tr->net->layers[index].cfg, &tr->net->info[index], x->shape[0]);
  plain = is_plain (&g);
  j = (pool_job) { &g, x->data, y->data, dy->data, dx->data, plain,
                   plain && g.kh == 2 && g.kw == 2, false };
  memset (dx->data, 0, (size_t) nn_tensor_numel (dx) * sizeof (float));
  nn_parallel_for (g.planes, planes_per_chunk (&g), max_planes, &j);
}

/* Adds grad / divisor to window (oh, ow) of dst; the divisor as in pool.c's forward */
static void
avg_window_backward (const pgeom *g, float *dst, int64_t oh, int64_t ow, float grad,
                     bool count_include_pad)
{
  int64_t h0 = oh * g->sh - g->ph, w0 = ow * g->sw - g->pw;
  int64_t h1 = h0 + g->kh < g->h_in + g->ph ? h0 + g->kh : g->h_in + g->ph;
  int64_t w1 = w0 + g->kw < g->w_in + g->pw ? w0 + g->kw : g->w_in + g->pw;
  int64_t pool_size = (h1 - h0) * (w1 - w0);
  float share;

  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < g->h_in ? h1 : g->h_in;
  w1 = w1 < g->w_in ? w1 : g->w_in;
  if (h0 >= h1 || w0 >= w1)
    return;
  share = grad / (float) (count_include_pad ? pool_size : (h1 - h0) * (w1 - w0));
  for (int64_t ih = h0; ih < h1; ih++)
    for (int64_t iw = w0; iw < w1; iw++)
      dst[ih * g->w_in + iw] += share;
}

static void
avg_planes (void *ctx, int64_t lo, int64_t hi)
{
  const pool_job *j = ctx;
  const pgeom *g = j->g;

  for (int64_t p = lo; p < hi; p++)
    {
      const float *grad = j->dy + p * g->h_out * g->w_out;
      float *dst = j->dx + p * g->h_in * g->w_in;

      for (int64_t oh = 0; oh < g->h_out; oh++)
        for (int64_t ow = 0; ow < g->w_out; ow++)
          avg_window_backward (g, dst, oh, ow, *grad++, j->count_include_pad);
    }
}

void
nn_avgpool2d_backward (nn_trainer *tr, int index, const nn_tensor *dy, nn_tensor *dx)
{
  const nn_layer_config *cfg = &tr->net->layers[index].cfg;
  pgeom g;
  pool_job j;

  pgeom_init (&g, cfg, &tr->net->info[index], dy->shape[0]);
  j = (pool_job) { &g, NULL, NULL, dy->data, dx->data, false, false, cfg->count_include_pad };
  memset (dx->data, 0, (size_t) nn_tensor_numel (dx) * sizeof (float));
  nn_parallel_for (g.planes, planes_per_chunk (&g), avg_planes, &j);
}
