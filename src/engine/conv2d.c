/* conv2d.c - Conv2d by im2col + sgemm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per group g the convolution is one GEMM (darknet, ggml_conv_2d):
 *   out_g[M, N] = weight_g[M, K] * col_g[K, N]
 * with M = C_out/groups, K = C_in/groups*kh*kw, N = H_out*W_out.
 * Small feature maps make N tiny (36 for the seed's second conv), which starves BLAS,
 * so several images are unrolled side by side into one wide col buffer and multiplied
 * at once; the result is then scattered to NCHW with the bias added on the way.
 * 1x1 stride-1 unpadded convs need no im2col at all: the input already is col.
 */
#include "config.h"

#include <string.h>

#include "nn-private.h"

/* Aim for GEMMs at least this wide before batching stops... */
#ifndef CONV_TARGET_COLS
#define CONV_TARGET_COLS 4096
#endif
/* ...unless the batched scratch would exceed this (a single image may always use more) */
#ifndef CONV_BATCH_BYTES
#define CONV_BATCH_BYTES (8u << 20)
#endif

typedef struct conv_geom {
  int64_t n, c_in, h_in, w_in, c_out, h_out, w_out;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw, groups;
  int64_t cg_in, cg_out, k, hw_out;
} conv_geom;

static void
conv_geom_init (conv_geom *g, const nn_layer *layer, const nn_layer_info *info, int64_t n)
{
  const nn_layer_config *cfg = &layer->cfg;

  g->n = n;
  g->c_in = info->in_shape.d[0];
  g->h_in = info->in_shape.d[1];
  g->w_in = info->in_shape.d[2];
  g->c_out = info->out_shape.d[0];
  g->h_out = info->out_shape.d[1];
  g->w_out = info->out_shape.d[2];
  g->kh = cfg->kernel_size[0];
  g->kw = cfg->kernel_size[1];
  g->sh = cfg->stride[0];
  g->sw = cfg->stride[1];
  g->ph = cfg->padding[0];
  g->pw = cfg->padding[1];
  g->dh = cfg->dilation[0];
  g->dw = cfg->dilation[1];
  g->groups = cfg->groups;
  g->cg_in = g->c_in / g->groups;
  g->cg_out = g->c_out / g->groups;
  g->k = g->cg_in * g->kh * g->kw;
  g->hw_out = g->h_out * g->w_out;
}

/* Output columns [lo, hi) whose input column ow*stride + offset lies inside [0, size) */
static void
valid_range (int64_t offset, int64_t stride, int64_t size, int64_t n_out, int64_t *lo,
             int64_t *hi)
{
  int64_t a = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t b = offset > size - 1 ? 0 : (size - 1 - offset) / stride + 1;

  *lo = a < n_out ? a : n_out;
  *hi = b < n_out ? b : n_out;
  if (*hi < *lo)
    *hi = *lo;
}

/* One kernel tap (c, ki, kj) of one image: H_out*W_out values of a col row */
static void
im2col_tap (const conv_geom *g, const float *chan, int64_t ki, int64_t kj, float *dst)
{
  int64_t iw0 = kj * g->dw - g->pw;
  int64_t lo, hi;

  valid_range (iw0, g->sw, g->w_in, g->w_out, &lo, &hi);
  for (int64_t oh = 0; oh < g->h_out; oh++, dst += g->w_out)
    {
      int64_t ih = oh * g->sh - g->ph + ki * g->dh;
      const float *src;
      int64_t ow = 0;

      if (ih < 0 || ih >= g->h_in)
        {
          for (; ow < g->w_out; ow++)
            dst[ow] = 0.0f;
          continue;
        }
      src = chan + ih * g->w_in + iw0;
      for (; ow < lo; ow++)
        dst[ow] = 0.0f;
      if (g->sw == 1)
        for (; ow < hi; ow++)
          dst[ow] = src[ow];
      else
        for (; ow < hi; ow++)
          dst[ow] = src[ow * g->sw];
      for (; ow < g->w_out; ow++)
        dst[ow] = 0.0f;
    }
}

/* Unrolls group grp of images [b0, b0 + cnt) side by side into col (row stride ld).
 * Row by row, image by image: each col row is written sequentially, whereas image by
 * image would touch all K rows (K pages apart) for every image. */
static void
im2col (const conv_geom *g, const float *in, int64_t b0, int64_t cnt, int64_t grp,
        float *col, int64_t ld)
{
  int64_t plane = g->h_in * g->w_in, img = g->c_in * plane;

  for (int64_t c = 0; c < g->cg_in; c++)
    for (int64_t ki = 0; ki < g->kh; ki++)
      for (int64_t kj = 0; kj < g->kw; kj++)
        {
          float *row = col + ((c * g->kh + ki) * g->kw + kj) * ld;
          const float *chan = in + b0 * img + (grp * g->cg_in + c) * plane;

          for (int64_t b = 0; b < cnt; b++, chan += img, row += g->hw_out)
            im2col_tap (g, chan, ki, kj, row);
        }
}

static void
add_bias (float *rows, int64_t n_rows, int64_t len, const float *bias)
{
  for (int64_t r = 0; r < n_rows; r++, rows += len)
    {
      float b = bias[r];

      for (int64_t i = 0; i < len; i++)
        rows[i] += b;
    }
}

/* Copies the GEMM result [cg_out, nb * hw] of group grp to NCHW, adding the bias. */
static void
scatter (const conv_geom *g, const float *res, int64_t b0, int64_t nb, int64_t grp,
         const float *bias, float *out)
{
  int64_t ld = nb * g->hw_out;

  for (int64_t b = 0; b < nb; b++)
    for (int64_t m = 0; m < g->cg_out; m++)
      {
        const float *src = res + m * ld + b * g->hw_out;
        float *dst = out + ((b0 + b) * g->c_out + grp * g->cg_out + m) * g->hw_out;
        float bv = bias != NULL ? bias[grp * g->cg_out + m] : 0.0f;

        for (int64_t i = 0; i < g->hw_out; i++)
          dst[i] = src[i] + bv;
      }
}

static bool
is_pointwise (const conv_geom *g)
{
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0;
}

static void
conv_pointwise (const conv_geom *g, const float *w, const float *bias, const float *in,
                float *out)
{
  int64_t hw = g->h_in * g->w_in;

  for (int64_t b = 0; b < g->n; b++)
    for (int64_t grp = 0; grp < g->groups; grp++)
      {
        float *c = out + (b * g->c_out + grp * g->cg_out) * hw;

        nn_sgemm (false, false, g->cg_out, hw, g->cg_in, 1.0f, w + grp * g->cg_out * g->k,
                  g->k, in + (b * g->c_in + grp * g->cg_in) * hw, hw, 0.0f, c, hw);
        if (bias != NULL)
          add_bias (c, g->cg_out, hw, bias + grp * g->cg_out);
      }
}

/* Bytes of scratch for nb images per GEMM: col [K, nb*hw] (+ result [M, nb*hw] if nb > 1) */
static bool
scratch_bytes (const conv_geom *g, int64_t nb, size_t *bytes)
{
  int64_t cols, rows, total;

  if (!nn_checked_mul (nb, g->hw_out, &cols))
    return false;
  rows = g->k + (nb > 1 ? g->cg_out : 0);
  if (!nn_checked_mul (rows, cols, &total) || !nn_checked_mul (total, 4, &total))
    return false;
  if ((uint64_t) total > SIZE_MAX)
    return false;
  *bytes = (size_t) total;
  return true;
}

static int64_t
choose_batch (const conv_geom *g)
{
  int64_t nb = (CONV_TARGET_COLS + g->hw_out - 1) / (g->hw_out > 0 ? g->hw_out : 1);
  size_t bytes;

  if (nb > g->n)
    nb = g->n;
  while (nb > 1 && (!scratch_bytes (g, nb, &bytes) || bytes > CONV_BATCH_BYTES))
    nb /= 2;
  return nb < 1 ? 1 : nb;
}

static void
conv_im2col (const conv_geom *g, int64_t nb, float *ws, const float *w, const float *bias,
             const float *in, float *out)
{
  for (int64_t b0 = 0; b0 < g->n; b0 += nb)
    {
      int64_t cnt = g->n - b0 < nb ? g->n - b0 : nb;
      int64_t ld = cnt * g->hw_out;
      float *res = ws + g->k * ld;

      for (int64_t grp = 0; grp < g->groups; grp++)
        {
          const float *wg = w + grp * g->cg_out * g->k;

          im2col (g, in, b0, cnt, grp, ws, ld);
          if (cnt == 1)
            {
              /* one image: the GEMM writes straight into the output */
              float *c = out + (b0 * g->c_out + grp * g->cg_out) * g->hw_out;

              nn_sgemm (false, false, g->cg_out, ld, g->k, 1.0f, wg, g->k, ws, ld, 0.0f, c, ld);
              if (bias != NULL)
                add_bias (c, g->cg_out, ld, bias + grp * g->cg_out);
              continue;
            }
          nn_sgemm (false, false, g->cg_out, ld, g->k, 1.0f, wg, g->k, ws, ld, 0.0f, res, ld);
          scatter (g, res, b0, cnt, grp, bias, out);
        }
    }
}

nn_status
nn_conv2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                   nn_error *err)
{
  const nn_layer *layer = &net->layers[index];
  const float *bias = layer->bias != NULL ? layer->bias->data : NULL;
  conv_geom g;
  int64_t nb;
  size_t bytes = 0;
  float *ws;

  conv_geom_init (&g, layer, &net->info[index], in->shape[0]);
  if (layer->weight == NULL || nn_tensor_numel (layer->weight) != g.c_out * g.k
      || (layer->cfg.bias && layer->bias == NULL))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, index,
                         "layer %d (Conv2d): parameters are missing or have the wrong size", index);
  if (g.n == 0 || g.hw_out == 0 || g.c_out == 0)
    return NN_OK;
  if (is_pointwise (&g))
    {
      conv_pointwise (&g, layer->weight->data, bias, in->data, out->data);
      return NN_OK;
    }
  nb = choose_batch (&g);
  ws = scratch_bytes (&g, nb, &bytes) ? nn_workspace_get (net, bytes) : NULL;
  if (ws == NULL && nb > 1)
    {
      nb = 1;
      ws = scratch_bytes (&g, nb, &bytes) ? nn_workspace_get (net, bytes) : NULL;
    }
  if (ws == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, index,
                         "layer %d (Conv2d): cannot allocate %.1f MiB of im2col scratch",
                         index, (double) bytes / (1024.0 * 1024.0));
  conv_im2col (&g, nb, ws, layer->weight->data, bias, in->data, out->data);
  return NN_OK;
}
