/* backward-conv.c - Conv2d backward by im2col / col2im + sgemm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per group g, with col_g = im2col(x) [K, N] and dY_g [M, N] (M = C_out/groups,
 * K = C_in/groups*kh*kw, N = H_out*W_out, as in conv2d.c):
 *   dW_g += dY_g col_g^T          (one GEMM, accumulated over images)
 *   dcol  = W_g^T dY_g, dX = col2im(dcol)
 *   db   += row sums of dY
 * Like the forward pass, several small images are laid side by side so that each GEMM
 * is wide enough for BLAS; the weight gradient GEMM then also sums over those images.
 */
#include "config.h"

#include <string.h>

#include "train-private.h"

#ifndef CONV_BWD_TARGET_COLS
#define CONV_BWD_TARGET_COLS 4096
#endif
#ifndef CONV_BWD_BATCH_BYTES
#define CONV_BWD_BATCH_BYTES (8u << 20)
#endif

typedef struct bwd_geom {
  int64_t n, c_in, h_in, w_in, c_out, h_out, w_out;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw, groups;
  int64_t cg_in, cg_out, k, hw_out;
} bwd_geom;

static void
geom_init (bwd_geom *g, const nn_layer *layer, const nn_layer_info *info, int64_t n)
{
  const nn_layer_config *cfg = &layer->cfg;

  *g = (bwd_geom) {
    .n = n, .c_in = info->in_shape.d[0], .h_in = info->in_shape.d[1],
    .w_in = info->in_shape.d[2], .c_out = info->out_shape.d[0], .h_out = info->out_shape.d[1],
    .w_out = info->out_shape.d[2], .kh = cfg->kernel_size[0], .kw = cfg->kernel_size[1],
    .sh = cfg->stride[0], .sw = cfg->stride[1], .ph = cfg->padding[0], .pw = cfg->padding[1],
    .dh = cfg->dilation[0], .dw = cfg->dilation[1], .groups = cfg->groups,
  };
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

/* One kernel tap of one image: gather the input into a col row (im2col, padding gives
 * zeros) or scatter-add a col row into the input gradient (col2im, padding is dropped).
 * The columns that hit the image are worked out once per row, so the inner loops have
 * no branches. */
static void
tap (const bwd_geom *g, float *chan, int64_t ki, int64_t kj, float *row, bool to_col)
{
  int64_t iw0 = kj * g->dw - g->pw, sw = g->sw;
  int64_t lo, hi;

  valid_range (iw0, sw, g->w_in, g->w_out, &lo, &hi);
  for (int64_t oh = 0; oh < g->h_out; oh++, row += g->w_out)
    {
      int64_t ih = oh * g->sh - g->ph + ki * g->dh;
      float *src = chan + ih * g->w_in + iw0;

      if (ih < 0 || ih >= g->h_in)
        {
          if (to_col)
            memset (row, 0, (size_t) g->w_out * sizeof (float));
          continue;
        }
      if (to_col)
        {
          /* feature maps are small (6 wide in the seed): skip empty calls */
          for (int64_t ow = 0; ow < lo; ow++)
            row[ow] = 0.0f;
          if (sw == 1)
            memcpy (row + lo, src + lo, (size_t) (hi - lo) * sizeof (float));
          else
            for (int64_t ow = lo; ow < hi; ow++)
              row[ow] = src[ow * sw];
          for (int64_t ow = hi; ow < g->w_out; ow++)
            row[ow] = 0.0f;
        }
      else if (sw == 1)
        for (int64_t ow = lo; ow < hi; ow++)
          src[ow] += row[ow];
      else
        for (int64_t ow = lo; ow < hi; ow++)
          src[ow * sw] += row[ow];
    }
}

typedef struct unroll_job {
  const bwd_geom *g;
  float *img, *col;
  int64_t b0, cnt, grp, ld;
  bool to_col;
} unroll_job;

/* col rows [lo, hi) (to_col) or, for col2im, channels [lo, hi): a channel's taps all
 * add into the same plane, so col2im may only split between channels */
static void
unroll_range (void *ctx, int64_t lo, int64_t hi)
{
  const unroll_job *j = ctx;
  const bwd_geom *g = j->g;
  int64_t taps = g->kh * g->kw, plane = g->h_in * g->w_in, size = g->c_in * plane;
  int64_t r0 = j->to_col ? lo : lo * taps, r1 = j->to_col ? hi : hi * taps;

  for (int64_t r = r0; r < r1; r++)
    {
      int64_t c = r / taps, ki = r % taps / g->kw, kj = r % g->kw;
      float *row = j->col + r * j->ld;
      float *chan = j->img + j->b0 * size + (j->grp * g->cg_in + c) * plane;

      for (int64_t b = 0; b < j->cnt; b++, chan += size, row += g->hw_out)
        tap (g, chan, ki, kj, row, j->to_col);
    }
}

/* im2col (to_col) or col2im of group grp for images [b0, b0 + cnt), col row stride ld */
static void
unroll (const bwd_geom *g, float *img, int64_t b0, int64_t cnt, int64_t grp, float *col,
        int64_t ld, bool to_col)
{
  unroll_job j = { g, img, col, b0, cnt, grp, ld, to_col };
  int64_t per_row = cnt * g->hw_out;

  if (to_col)
    nn_parallel_for (g->k, 1 + 16384 / (per_row > 0 ? per_row : 1), unroll_range, &j);
  else
    nn_parallel_for (g->cg_in, 1 + 16384 / (per_row * g->kh * g->kw + 1), unroll_range, &j);
}

/* dY of group grp for images [b0, b0 + cnt) side by side: [cg_out, cnt * hw] */
static void
gather_dy (const bwd_geom *g, const float *dy, int64_t b0, int64_t cnt, int64_t grp,
           float *dst)
{
  int64_t ld = cnt * g->hw_out;

  for (int64_t m = 0; m < g->cg_out; m++)
    for (int64_t b = 0; b < cnt; b++)
      memcpy (dst + m * ld + b * g->hw_out,
              dy + ((b0 + b) * g->c_out + grp * g->cg_out + m) * g->hw_out,
              (size_t) g->hw_out * sizeof (float));
}

static bool
scratch_bytes (const bwd_geom *g, int64_t nb, size_t *bytes)
{
  int64_t cols, total;

  if (!nn_checked_mul (nb, g->hw_out, &cols)
      || !nn_checked_mul (g->k + g->cg_out, cols, &total) || !nn_checked_mul (total, 4, &total)
      || (uint64_t) total > SIZE_MAX)
    return false;
  *bytes = (size_t) total;
  return true;
}

static int64_t
choose_batch (const bwd_geom *g)
{
  int64_t nb = (CONV_BWD_TARGET_COLS + g->hw_out - 1) / (g->hw_out > 0 ? g->hw_out : 1);
  size_t bytes;

  nb = nb < g->n ? nb : g->n;
  while (nb > 1 && (!scratch_bytes (g, nb, &bytes) || bytes > CONV_BWD_BATCH_BYTES))
    nb /= 2;
  return nb < 1 ? 1 : nb;
}

static void
bias_grad (const bwd_geom *g, const float *dy, float *gb)
{
  for (int64_t o = 0; o < g->c_out; o++)
    {
      double sum = 0.0;

      for (int64_t b = 0; b < g->n; b++)
        {
          const float *p = dy + (b * g->c_out + o) * g->hw_out;

          for (int64_t i = 0; i < g->hw_out; i++)
            sum += p[i];
        }
      gb[o] = (float) sum;
    }
}

typedef struct bwd_bufs {
  const float *x, *dy, *w;
  float *gw, *dx;           /* dx may be NULL */
  float *col, *dyb;         /* scratch */
} bwd_bufs;

static void
backward_chunk (const bwd_geom *g, const bwd_bufs *p, int64_t b0, int64_t cnt, int64_t grp)
{
  int64_t ld = cnt * g->hw_out;
  float *gw = p->gw + grp * g->cg_out * g->k;
  const float *dyb = p->dy + (b0 * g->c_out + grp * g->cg_out) * g->hw_out;

  unroll (g, (float *) p->x, b0, cnt, grp, p->col, ld, true);
  if (cnt > 1)
    {
      gather_dy (g, p->dy, b0, cnt, grp, p->dyb);
      dyb = p->dyb;
    }
  nn_sgemm (false, true, g->cg_out, g->k, ld, 1.0f, dyb, ld, p->col, ld, b0 > 0 ? 1.0f : 0.0f,
            gw, g->k);
  if (p->dx == NULL)
    return;
  /* col is no longer needed: it receives dcol */
  nn_sgemm (true, false, g->k, ld, g->cg_out, 1.0f, p->w + grp * g->cg_out * g->k, g->k, dyb,
            ld, 0.0f, p->col, ld);
  unroll (g, p->dx, b0, cnt, grp, p->col, ld, false);
}

nn_status
nn_conv2d_backward (nn_trainer *tr, int index, const nn_tensor *x, const nn_tensor *dy,
                    nn_tensor *dx, nn_error *err)
{
  nn_layer *layer = &tr->net->layers[index];
  bwd_geom g;
  bwd_bufs p;
  size_t bytes = 0;
  int64_t nb;

  geom_init (&g, layer, &tr->net->info[index], x->shape[0]);
  p = (bwd_bufs) { .x = x->data, .dy = dy->data, .w = layer->weight->data,
                   .gw = layer->grad_weight->data, .dx = dx != NULL ? dx->data : NULL };
  if (dx != NULL)
    memset (dx->data, 0, (size_t) nn_tensor_numel (dx) * sizeof (float));
  if (layer->grad_bias != NULL)
    bias_grad (&g, dy->data, layer->grad_bias->data);
  if (g.hw_out == 0 || g.c_out == 0 || g.k == 0)
    {
      memset (p.gw, 0, (size_t) nn_tensor_numel (layer->grad_weight) * sizeof (float));
      return NN_OK;
    }
  nb = choose_batch (&g);
  p.col = scratch_bytes (&g, nb, &bytes) ? nn_workspace_get (tr->net, bytes) : NULL;
  if (p.col == NULL && nb > 1)
    {
      /* one image at a time needs the least scratch */
      nb = 1;
      p.col = scratch_bytes (&g, nb, &bytes) ? nn_workspace_get (tr->net, bytes) : NULL;
    }
  if (p.col == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, index,
                         "layer %d (Conv2d): cannot allocate %.1f MiB of backward scratch",
                         index, (double) bytes / (1024.0 * 1024.0));
  p.dyb = p.col + g.k * nb * g.hw_out;
  for (int64_t b0 = 0; b0 < g.n; b0 += nb)
    for (int64_t grp = 0; grp < g.groups; grp++)
      backward_chunk (&g, &p, b0, g.n - b0 < nb ? g.n - b0 : nb, grp);
  return NN_OK;
}
