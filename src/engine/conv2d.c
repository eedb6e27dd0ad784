/* conv2d.c - Conv2d by im2col + sgemm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per group g the convolution is one GEMM (darknet, ggml_conv_2d):
 *   out_g[M, N] = weight_g[M, K] * col_g[K, N]
 * with M = C_out/groups, K = C_in/groups*kh*kw, N = H_out*W_out.
 * Small feature maps make N tiny (36 for the seed's second conv), which starves BLAS,
 * so several images are unrolled side by side into one wide col buffer and multiplied
 * at once; large images are unrolled in tiles of output rows instead, so the col
 * buffer stays small (in cache, and out of the peak memory); the result is then scattered to NCHW with the bias (and a following ReLU,
 * when forward.c fuses it) added on the way. im2col and that epilogue run on the
 * engine's thread pool; the GEMM on OpenBLAS's threads.
 * 1x1 stride-1 unpadded convs need no im2col at all: the input already is col.
 * 3x3 stride-1 convs with enough channels go to Winograd instead (winograd.c).
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
  int64_t a, b;

  if (stride == 1)            /* the common case, without two divisions per col row */
    {
      a = offset >= 0 ? 0 : -offset;
      b = offset > size - 1 ? 0 : size - offset;
    }
  else
    {
      a = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
      b = offset > size - 1 ? 0 : (size - 1 - offset) / stride + 1;
    }

  *lo = a < n_out ? a : n_out;
  *hi = b < n_out ? b : n_out;
  if (*hi < *lo)
    *hi = *lo;
}

/* Copies n floats without a loop per float: a col row's segments are short (6 floats
 * in the seed's second conv), where a vectorised loop's alias checks and tail cost
 * more than the copy. Overlapping constant-size moves cover every length, as small
 * memcpy implementations do; no byte outside [src, src + n) is read. */
static inline void
copy_floats (float *restrict dst, const float *restrict src, int64_t n)
{
  if (n >= 8)
    {
      int64_t i = 0;

      for (; i + 8 <= n; i += 8)
        memcpy (dst + i, src + i, 8 * sizeof (float));
      if (i < n)
        memcpy (dst + n - 8, src + n - 8, 8 * sizeof (float));
    }
  else if (n >= 4)
    {
      memcpy (dst, src, 4 * sizeof (float));
      memcpy (dst + n - 4, src + n - 4, 4 * sizeof (float));
    }
  else
    for (int64_t i = 0; i < n; i++)
      dst[i] = src[i];
}

/* One kernel tap (c, ki, kj) of one image, output rows [oh0, oh1): (oh1 - oh0) * W_out
 * values of a col row */
static void
im2col_tap (const conv_geom *g, const float *chan, int64_t ki, int64_t kj, int64_t oh0,
            int64_t oh1, float *dst)
{
  int64_t iw0 = kj * g->dw - g->pw;
  int64_t lo, hi;

  valid_range (iw0, g->sw, g->w_in, g->w_out, &lo, &hi);
  for (int64_t oh = oh0; oh < oh1; oh++, dst += g->w_out)
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
        {
          copy_floats (dst + lo, src + lo, hi - lo);
          ow = hi;
        }
      else
        for (; ow < hi; ow++)
          dst[ow] = src[ow * g->sw];
      for (; ow < g->w_out; ow++)
        dst[ow] = 0.0f;
    }
}

/* im2col_tap without padding, stride or dilation (the seed's convs): every output row
 * reads one whole input row segment, so there is nothing to clip or zero. */
static void
im2col_tap_valid (const conv_geom *g, const float *chan, int64_t ki, int64_t kj,
                  int64_t oh0, int64_t oh1, float *dst)
{
  const float *src = chan + (oh0 + ki) * g->w_in + kj;

  for (int64_t oh = oh0; oh < oh1; oh++, dst += g->w_out, src += g->w_in)
    copy_floats (dst, src, g->w_out);
}

static bool
is_valid_unit (const conv_geom *g)
{
  return g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 && g->dh == 1 && g->dw == 1;
}

/* Below this many floats per job a loop stays on one thread: waking the pool costs
 * about as much as copying that much. */
#define PAR_MIN_FLOATS 16384

static int64_t
min_chunk_for (int64_t floats_per_item)
{
  if (floats_per_item >= PAR_MIN_FLOATS)
    return 1;
  return PAR_MIN_FLOATS / (floats_per_item > 0 ? floats_per_item : 1);
}

typedef struct im2col_job {
  const conv_geom *g;
  const float *in;
  int64_t b0, cnt, grp, ld, oh0, oh1;
  float *col;
} im2col_job;

/* Col rows [lo, hi) of an im2col_job: row r is kernel tap (c, ki, kj) */
static void
im2col_rows (void *data, int64_t lo, int64_t hi)
{
  const im2col_job *j = data;
  const conv_geom *g = j->g;
  int64_t plane = g->h_in * g->w_in, img = g->c_in * plane;
  int64_t seg = (j->oh1 - j->oh0) * g->w_out;

  /* row r is tap (c, ki, kj): divide once, then count */
  int64_t c = lo / (g->kh * g->kw), ki = lo / g->kw % g->kh, kj = lo % g->kw;
  void (*tap) (const conv_geom *, const float *, int64_t, int64_t, int64_t, int64_t,
               float *) = is_valid_unit (g) ? im2col_tap_valid : im2col_tap;

  for (int64_t r = lo; r < hi; r++)
    {
      float *row = j->col + r * j->ld;
      const float *chan = j->in + j->b0 * img + (j->grp * g->cg_in + c) * plane;

      for (int64_t b = 0; b < j->cnt; b++, chan += img, row += seg)
        tap (g, chan, ki, kj, j->oh0, j->oh1, row);
      if (++kj == g->kw)
        {
          kj = 0;
          if (++ki == g->kh)
            {
              ki = 0;
              c++;
            }
        }
    }
}

/* Unrolls output rows [oh0, oh1) of group grp of images [b0, b0 + cnt) side by side
 * into col (row stride ld). Row by row, image by image: each col row is written
 * sequentially, whereas image by image would touch all K rows (K pages apart) for
 * every image. Rows are independent, so the pool splits them. */
static void
im2col (const conv_geom *g, const float *in, int64_t b0, int64_t cnt, int64_t grp,
        int64_t oh0, int64_t oh1, float *col, int64_t ld)
{
  im2col_job j = { g, in, b0, cnt, grp, ld, oh0, oh1, col };

  nn_parallel_for (g->k, min_chunk_for (ld), im2col_rows, &j);
}

/* The epilogue after a GEMM: bias and, when fused, ReLU. Like nn_relu_forward,
 * NaN < 0 is false so NaN passes through. */
static inline void
bias_relu_row (const float *src, float *dst, int64_t len, float b, bool relu)
{
  if (relu)
    for (int64_t i = 0; i < len; i++)
      {
        float v = src[i] + b;

        dst[i] = v < 0.0f ? 0.0f : v;
      }
  else
    for (int64_t i = 0; i < len; i++)
      dst[i] = src[i] + b;
}

typedef struct epilogue_job {
  const conv_geom *g;
  const float *res;           /* GEMM result [cg_out, nb * hw], or NULL: in place */
  float *out;                 /* in place: the result rows; else the NCHW output */
  const float *bias;          /* this group's biases, or NULL */
  int64_t b0, nb, grp, len;   /* len: row length of the in-place result */
  bool relu;
  const nn_pool_geom *pool;   /* scatter only: max-pool each plane on the way, or NULL */
} epilogue_job;

/* In place: rows [lo, hi) of the [cg_out, len] result one image wrote straight */
static void
epilogue_in_place (void *data, int64_t lo, int64_t hi)
{
  const epilogue_job *j = data;

  for (int64_t m = lo; m < hi; m++)
    bias_relu_row (j->out + m * j->len, j->out + m * j->len, j->len,
                   j->bias != NULL ? j->bias[m] : 0.0f, j->relu);
}

/* Scatter: items are (image b, channel m) pairs of the GEMM result [cg_out, nb * hw]
 * of group grp, copied to NCHW with the epilogue on the way. */
static void
epilogue_scatter (void *data, int64_t lo, int64_t hi)
{
  const epilogue_job *j = data;
  const conv_geom *g = j->g;
  int64_t ld = j->nb * g->hw_out;

  for (int64_t item = lo; item < hi; item++)
    {
      int64_t b = item / g->cg_out, m = item % g->cg_out;
      int64_t plane = ((j->b0 + b) * g->c_out + j->grp * g->cg_out + m);
      const float *src = j->res + m * ld + b * g->hw_out;
      float bias = j->bias != NULL ? j->bias[m] : 0.0f;

      if (j->pool != NULL)
        {
          int64_t pooled = j->pool->h_out * j->pool->w_out;
          float *dst = j->out + plane * pooled;

          nn_maxpool_plane (j->pool, src, dst);
          bias_relu_row (dst, dst, pooled, bias, j->relu);
        }
      else
        bias_relu_row (src, j->out + plane * g->hw_out, g->hw_out, bias, j->relu);
    }
}

static void
epilogue (epilogue_job *j)
{
  if (j->res != NULL)
    nn_parallel_for (j->nb * j->g->cg_out, min_chunk_for (j->g->hw_out), epilogue_scatter, j);
  else if (j->bias != NULL || j->relu)
    nn_parallel_for (j->g->cg_out, min_chunk_for (j->len), epilogue_in_place, j);
}

static bool
is_pointwise (const conv_geom *g)
{
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0;
}

static void
conv_pointwise (const conv_geom *g, const float *w, const float *bias, const float *in,
                float *out, bool relu)
{
  int64_t hw = g->h_in * g->w_in;

  for (int64_t b = 0; b < g->n; b++)
    for (int64_t grp = 0; grp < g->groups; grp++)
      {
        float *c = out + (b * g->c_out + grp * g->cg_out) * hw;
        epilogue_job j = { g, NULL, c, bias != NULL ? bias + grp * g->cg_out : NULL,
                           b, 1, grp, hw, relu };

        nn_sgemm (false, false, g->cg_out, hw, g->cg_in, 1.0f, w + grp * g->cg_out * g->k,
                  g->k, in + (b * g->c_in + grp * g->cg_in) * hw, hw, 0.0f, c, hw);
        epilogue (&j);
      }
}

/* Bytes of scratch for nb images of `rows` output rows each per GEMM: col
 * [K, nb*rows*W_out], + the GEMM result [M, nb*rows*W_out] when it is not written
 * straight into the output (several images side by side, or pooled on the way) */
static bool
scratch_bytes (const conv_geom *g, int64_t nb, int64_t rows, bool result, size_t *bytes)
{
  int64_t cols, n_rows, total;

  if (!nn_checked_mul (nb, rows, &cols) || !nn_checked_mul (cols, g->w_out, &cols))
    return false;
  n_rows = g->k + (result ? g->cg_out : 0);
  if (!nn_checked_mul (n_rows, cols, &total) || !nn_checked_mul (total, 4, &total))
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
  while (nb > 1 && (!scratch_bytes (g, nb, g->h_out, true, &bytes) || bytes > CONV_BATCH_BYTES))
    nb /= 2;
  return nb < 1 ? 1 : nb;
}

/* Output rows per im2col tile of a single image: all of them when the col buffer fits
 * CONV_BATCH_BYTES, else as many as fit (at least one). VGG-16's second conv would
 * otherwise unroll 113 MiB that the GEMM then streams back from memory. */
static int64_t
choose_tile_rows (const conv_geom *g)
{
  int64_t row_bytes = 4 * g->k * g->w_out;
  int64_t rows = row_bytes > 0 ? (int64_t) CONV_BATCH_BYTES / row_bytes : g->h_out;

  return rows < 1 ? 1 : rows > g->h_out ? g->h_out : rows;
}

/* One image, in tiles of output rows: each tile's GEMM writes its columns of the
 * output directly (row stride H_out*W_out); bias and ReLU follow in one pass. */
static void
conv_tiled (const conv_geom *g, int64_t rows, float *ws, const float *w, const float *bias,
            const float *in, float *out, bool relu)
{
  for (int64_t b = 0; b < g->n; b++)
    for (int64_t grp = 0; grp < g->groups; grp++)
      {
        float *c = out + (b * g->c_out + grp * g->cg_out) * g->hw_out;
        epilogue_job j = { g, NULL, c, bias != NULL ? bias + grp * g->cg_out : NULL,
                           b, 1, grp, g->hw_out, relu };

        for (int64_t oh0 = 0; oh0 < g->h_out; oh0 += rows)
          {
            int64_t oh1 = oh0 + rows < g->h_out ? oh0 + rows : g->h_out;
            int64_t ld = (oh1 - oh0) * g->w_out;

            im2col (g, in, b, 1, grp, oh0, oh1, ws, ld);
            nn_sgemm (false, false, g->cg_out, ld, g->k, 1.0f, w + grp * g->cg_out * g->k,
                      g->k, ws, ld, 0.0f, c + oh0 * g->w_out, g->hw_out);
          }
        epilogue (&j);
      }
}

/* nb images side by side per GEMM, then scattered to NCHW (max-pooled on the way when
 * pool is set) */
static void
conv_batched_pool (const conv_geom *g, int64_t nb, float *ws, const float *w,
                   const float *bias, const float *in, float *out, bool relu,
                   const nn_pool_geom *pool)
{
  /* as many GEMMs as nb allows, of even sizes: 111 images at nb = 55 make three
   * GEMMs of 37, not 55 + 55 + a slow one of a single image */
  int64_t left = (g->n + nb - 1) / nb;

  for (int64_t b0 = 0, cnt; b0 < g->n; b0 += cnt, left--)
    {
      int64_t ld;

      cnt = (g->n - b0 + left - 1) / left;
      ld = cnt * g->hw_out;
      float *res = ws + g->k * ld;

      for (int64_t grp = 0; grp < g->groups; grp++)
        {
          const float *bg = bias != NULL ? bias + grp * g->cg_out : NULL;
          epilogue_job j = { g, res, out, bg, b0, cnt, grp, ld, relu, pool };

          im2col (g, in, b0, cnt, grp, 0, g->h_out, ws, ld);
          nn_sgemm (false, false, g->cg_out, ld, g->k, 1.0f, w + grp * g->cg_out * g->k, g->k,
                    ws, ld, 0.0f, res, ld);
          epilogue (&j);
        }
    }
}

static void
conv_batched (const conv_geom *g, int64_t nb, float *ws, const float *w, const float *bias,
              const float *in, float *out, bool relu)
{
  conv_batched_pool (g, nb, ws, w, bias, in, out, relu, NULL);
}

/* The geometry of Conv2d index for in, after checking its parameters are there */
static nn_status
conv_setup (const nn_net *net, int index, const nn_tensor *in, conv_geom *g, nn_error *err)
{
  const nn_layer *layer = &net->layers[index];

  conv_geom_init (g, layer, &net->info[index], in->shape[0]);
  if (layer->weight == NULL || nn_tensor_numel (layer->weight) != g->c_out * g->k
      || (layer->cfg.bias && layer->bias == NULL))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, index,
                         "layer %d (Conv2d): parameters are missing or have the wrong size", index);
  return NN_OK;
}

static bool
conv_is_empty (const conv_geom *g)
{
  return g->n == 0 || g->hw_out == 0 || g->c_out == 0;
}

static nn_status
scratch_error (int index, size_t bytes, nn_error *err)
{
  return nn_error_set (err, NN_STATUS_NOMEM, index,
                       "layer %d (Conv2d): cannot allocate %.1f MiB of im2col scratch",
                       index, (double) bytes / (1024.0 * 1024.0));
}

nn_status
nn_conv2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                   nn_error *err)
{
  return nn_conv2d_forward_fused (net, index, in, out, false, err);
}

/* The workspace for *nb images at a time (tiles of *rows output rows when that is one
 * image; whole images when pooled), or, when a batch does not fit the memory budget,
 * for one image: *nb and *rows then say so. NULL when even that does not fit, with
 * *bytes what it asked for (for scratch_error). */
static float *
conv_scratch (nn_net *net, const conv_geom *g, bool pooled, int64_t *nb, int64_t *rows,
              size_t *bytes)
{
  float *ws = scratch_bytes (g, *nb, *rows, *nb > 1 || pooled, bytes)
              ? nn_workspace_get (net, *bytes) : NULL;

  if (ws == NULL && *nb > 1)
    {
      *nb = 1;
      *rows = pooled ? g->h_out : choose_tile_rows (g);
      ws = scratch_bytes (g, 1, *rows, pooled, bytes) ? nn_workspace_get (net, *bytes) : NULL;
    }
  return ws;
}

nn_status
nn_conv2d_forward_fused (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                         bool relu, nn_error *err)
{
  const nn_layer *layer = &net->layers[index];
  const float *bias = layer->bias != NULL ? layer->bias->data : NULL;
  conv_geom g;
  int64_t nb, rows;
  size_t bytes = 0;
  nn_status status;
  float *ws;

  if ((status = conv_setup (net, index, in, &g, err)) != NN_OK || conv_is_empty (&g))
    return status;
  if (nn_winograd_applies (net, index)
      && nn_winograd_conv2d (net, index, in, out, relu))
    return NN_OK;
  if (is_pointwise (&g))
    {
      conv_pointwise (&g, layer->weight->data, bias, in->data, out->data, relu);
      return NN_OK;
    }
  nb = choose_batch (&g);
  rows = nb > 1 ? g.h_out : choose_tile_rows (&g);
  if ((ws = conv_scratch (net, &g, false, &nb, &rows, &bytes)) == NULL)
    return scratch_error (index, bytes, err);
  if (nb > 1)
    conv_batched (&g, nb, ws, layer->weight->data, bias, in->data, out->data, relu);
  else
    conv_tiled (&g, rows, ws, layer->weight->data, bias, in->data, out->data, relu);
  return NN_OK;
}

bool
nn_conv2d_pool_fusable (const nn_net *net, int index)
{
  const nn_layer *layer = &net->layers[index];
  conv_geom g;
  size_t bytes;

  conv_geom_init (&g, layer, &net->info[index], 1);
  return scratch_bytes (&g, 1, g.h_out, true, &bytes) && bytes <= CONV_BATCH_BYTES;
}

/* The unfused way, for when Winograd gave up on a fused layer (an Inf or NaN) and the
 * conv is too big for conv_batched_pool: the conv output in a tensor of its own. */
static nn_status
conv_then_pool (nn_net *net, int index, int pool_index, const nn_tensor *in,
                nn_tensor *out, bool relu, nn_error *err)
{
  const nn_shape *s = &net->info[index].out_shape;
  int64_t dims[4] = { in->shape[0], s->d[0], s->d[1], s->d[2] };
  nn_tensor *conv = nn_tensor_new (4, dims, err);
  nn_status status;

  if (conv == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  status = nn_conv2d_forward_fused (net, index, in, conv, relu, err);
  if (status == NN_OK)
    status = nn_maxpool2d_forward (net, pool_index, conv, out, err);
  nn_tensor_free (conv);
  return status;
}

nn_status
nn_conv2d_pool_forward (nn_net *net, int index, int pool_index, const nn_tensor *in,
                        nn_tensor *out, bool relu, nn_error *err)
{
  const nn_layer *layer = &net->layers[index];
  const float *bias = layer->bias != NULL ? layer->bias->data : NULL;
  nn_pool_geom pool;
  conv_geom g;
  size_t bytes = 0;
  nn_status status;
  int64_t nb, rows;
  float *ws;

  if ((status = conv_setup (net, index, in, &g, err)) != NN_OK || conv_is_empty (&g))
    return status;
  if (nn_winograd_pool_fusable (net, index, pool_index)
      && nn_winograd_conv2d_pool2 (net, index, in, out, relu))
    return NN_OK;
  if (!nn_conv2d_pool_fusable (net, index))
    return conv_then_pool (net, index, pool_index, in, out, relu, err);
  nn_pool_geom_init (&pool, &net->layers[pool_index].cfg, &net->info[pool_index], g.n);
  nb = choose_batch (&g);
  rows = g.h_out;
  if ((ws = conv_scratch (net, &g, true, &nb, &rows, &bytes)) == NULL)
    return scratch_error (index, bytes, err);
  conv_batched_pool (&g, nb, ws, layer->weight->data, bias, in->data, out->data, relu, &pool);
  return NN_OK;
}
