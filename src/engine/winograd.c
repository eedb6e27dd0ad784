/* winograd.c - 3x3 stride-1 Conv2d by Winograd's minimal filtering F(4x4, 3x3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why: im2col + sgemm does 9 multiply-adds per output and input channel, and OpenBLAS
 * tops out near 195 GFLOP/s on this kind of machine, so VGG-16 (13 G multiply-adds in
 * 3x3 convolutions) cannot go below ~150 ms that way (docs/performance.md, issue 5).
 * Winograd (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015)
 * computes a 4x4 block of outputs from a 6x6 block of inputs with 36 multiplies per
 * channel pair instead of 144: 4x fewer. oneDNN uses the same F(4x4, 3x3) for fp32.
 *
 * The transforms (points 0, 1, -1, 2, -2 and infinity):
 *
 *        | 4  0 -5  0  1  0 |         | 1/4    0     0  |
 *        | 0 -4 -4  1  1  0 |         | -1/6 -1/6 -1/6  |        | 1 1  1 1  1 0 |
 *  B^T = | 0  4 -4 -1  1  0 |     G = | -1/6  1/6 -1/6  |  A^T = | 0 1 -1 2 -2 0 |
 *        | 0 -2 -1  2  1  0 |         | 1/24 1/12  1/6  |        | 0 1  1 4  4 0 |
 *        | 0  2 -1 -2  1  0 |         | 1/24 -1/12 1/6  |        | 0 1 -1 8 -8 1 |
 *        | 0  4  0 -5  0  1 |         |  0     0     1  |
 *
 * Per channel pair, out tile Y = A^T [(G g G^T) .* (B^T d B)] A for a 3x3 kernel g and
 * a 6x6 input tile d (tiles overlap by 2). Summed over input channels, each of the 36
 * positions xi of the transformed tile becomes one GEMM:
 *   M_xi[C_out, T] = U_xi[C_out, C_in] * V_xi[C_in, T]
 * with U = G g G^T (all kernels) and V = B^T d B for T tiles. The 36 GEMMs run through
 * nn_sgemm on the calling thread (OpenBLAS's threads); the transforms run on the
 * engine's pool (nn_parallel_for). Tiles are taken in strips of up to 16 side by side
 * in one tile row: a strip's inputs are one contiguous span of each input row and its
 * outputs of each output row, and every transform loop runs over the 16 tiles at once
 * (one AVX-512 vector; GCC vectorises them, in clones per ISA level).
 *
 * Chunking: strips (over all images, row by row) are processed WG_CHUNK_BYTES of V + M
 * at a time (at least 64 tiles, so the GEMMs stay wide enough for BLAS), in chunks of
 * about equal size: V and M stay a few MiB (in L2/L3, and out of the peak memory).
 * Planes are padded so that their rows do not all map to the same cache sets, and the
 * transforms write them plane by plane per block of 16 items.
 *
 * The weights are transformed on every call: a cache could go stale when the app or
 * training edits them in place (and would hold 4x the weights). With one chunk (small
 * feature maps, where U costs the most relative to the GEMMs) U is made two rows of 6
 * positions at a time, right before their GEMMs pack it: 12 planes of scratch, not 36.
 *
 * Where: 3x3, stride 1, dilation 1, groups 1, any padding, at least 16 input and output
 * channels and 32 tiles per image (nn_winograd_applies): VGG-16's 3x3 layers from 224
 * to 28 pixels. Its first conv (3 input channels) and its 14x14 layers (16 tiles: 36
 * GEMMs of 16 columns and a weight transform as big as the work saved) are faster with
 * im2col; so was F(2x2, 3x3) (2.25x fewer multiplies, 16/9 the weights to transform),
 * tried on the 28x28 and 14x14 layers.
 *
 * Error: the transforms' constants (up to 8, 1/24) make rounding a few times larger
 * than im2col's: on VGG-16 (the template's weights, a random batch) each conv output is
 * within 3.1e-6 of PyTorch's relative to the largest output (im2col: 9e-7), the
 * network's output within 2.3e-7 either way. tests/test-winograd.c checks outputs
 * against PyTorch within 1e-4 of the largest magnitude. Inf or NaN anywhere sends the
 * layer back to im2col (nn_winograd_conv2d).
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

#define WG_TILE 4           /* outputs per tile side */
#define WG_IN 6             /* inputs per tile side: WG_TILE + 3 - 1 */
#define WG_POS 36           /* transform positions: WG_IN * WG_IN */
#define WG_LANES 16         /* tiles transformed together (one AVX-512 vector) */
#define WG_BLOCK 16         /* items whose 36 planes are written together */

/* V + M of one chunk; at least WG_MIN_TILES tiles so the GEMMs stay wide */
#ifndef WG_CHUNK_BYTES
#define WG_CHUNK_BYTES (12u << 20)
#endif
#define WG_MIN_TILES 64
/* Rows of 6 positions of U made at a time when there is one chunk (a divisor of 6) */
#define WG_U_ROWS 2
/* Fewer channels than this: the GEMMs are too thin to win (VGG-16's first conv) */
#define WG_MIN_CHANNELS 16
/* Fewer 4x4 output tiles per image than this: the 36 GEMMs are too thin for BLAS and
 * transforming the weights costs more than it saves (VGG-16's 14x14 layers: 16 tiles,
 * 1.6x slower than im2col at batch 1) */
#define WG_MIN_TILES_PER_IMAGE 32

/* The transforms are loops over WG_LANES tiles that GCC vectorises; one clone per ISA
 * level, picked at load time, so a generic x86-64 build still uses AVX2 / AVX-512.
 * Not under ThreadSanitizer: the clones' resolvers run while the dynamic loader
 * relocates the program, before TSan's runtime is set up, and crash there. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_THREAD__)
#define WG_CLONES __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", \
                                                 "default")))
#else
#define WG_CLONES
#endif

/* -1: not decided yet (LAYERLAB_WINOGRAD in the environment, see nn-private.h) */
static atomic_int winograd_mode = -1;

void
nn_set_winograd (nn_winograd_mode mode)
{
  atomic_store (&winograd_mode, (int) mode);
}

nn_winograd_mode
nn_get_winograd (void)
{
  int mode = atomic_load (&winograd_mode);

  if (mode < 0)
    {
      const char *env = getenv ("LAYERLAB_WINOGRAD");

      mode = NN_WINOGRAD_AUTO;
      if (env != NULL && strcmp (env, "0") == 0)
        mode = NN_WINOGRAD_OFF;
      else if (env != NULL && strcmp (env, "2") == 0)
        mode = NN_WINOGRAD_ALWAYS;
      atomic_store (&winograd_mode, mode);
    }
  return (nn_winograd_mode) mode;
}

typedef struct wg_geom {
  int64_t n, c_in, h_in, w_in, c_out, h_out, w_out, ph, pw;
  int64_t tiles_h, tiles_w, tiles;   /* tiles per image */
} wg_geom;

static void
geom_init (wg_geom *g, const nn_net *net, int index, int64_t n)
{
  const nn_layer_info *info = &net->info[index];

  g->n = n;
  g->c_in = info->in_shape.d[0];
  g->h_in = info->in_shape.d[1];
  g->w_in = info->in_shape.d[2];
  g->c_out = info->out_shape.d[0];
  g->h_out = info->out_shape.d[1];
  g->w_out = info->out_shape.d[2];
  g->ph = net->layers[index].cfg.padding[0];
  g->pw = net->layers[index].cfg.padding[1];
  g->tiles_h = (g->h_out + WG_TILE - 1) / WG_TILE;
  g->tiles_w = (g->w_out + WG_TILE - 1) / WG_TILE;
  g->tiles = g->tiles_h * g->tiles_w;
}

bool
nn_winograd_applies (const nn_net *net, int index)
{
  const nn_layer_config *cfg = &net->layers[index].cfg;
  const nn_layer_info *info = &net->info[index];
  nn_winograd_mode mode = nn_get_winograd ();

  if (mode == NN_WINOGRAD_OFF || cfg->type != NN_LAYER_CONV2D || info->in_shape.n_dims != 3
      || info->out_shape.n_dims != 3)
    return false;
  if (cfg->kernel_size[0] != 3 || cfg->kernel_size[1] != 3 || cfg->stride[0] != 1
      || cfg->stride[1] != 1 || cfg->dilation[0] != 1 || cfg->dilation[1] != 1
      || cfg->groups != 1)
    return false;
  /* thin GEMMs (VGG-16's first conv has 3 input channels), few tiles, or tiles mostly
   * made of padding (a 2x2 output wastes 3/4 of a tile) */
  return mode == NN_WINOGRAD_ALWAYS
         || (info->in_shape.d[0] >= WG_MIN_CHANNELS && info->out_shape.d[0] >= WG_MIN_CHANNELS
             && info->out_shape.d[1] >= WG_TILE && info->out_shape.d[2] >= WG_TILE
             && (info->out_shape.d[1] + WG_TILE - 1) / WG_TILE
                * ((info->out_shape.d[2] + WG_TILE - 1) / WG_TILE) >= WG_MIN_TILES_PER_IMAGE);
}

/* n <= WG_LANES floats; a full group is a fixed-size copy the compiler inlines */
static inline void
copy_lanes (float *dst, const float *src, int n)
{
  if (n == WG_LANES)
    memcpy (dst, src, WG_LANES * sizeof *dst);
  else
    memcpy (dst, src, (size_t) n * sizeof *dst);
}

/* ---------------------------------------------------------------- weights: U = G g G^T */

/* y[k * ys + l] = (G x)[k] for 3 lane-vectors x[j * xs + l] */
static inline void
g3 (const float *x, int xs, float *y, int ys)
{
  for (int l = 0; l < WG_LANES; l++)
    {
      float a = x[l], b = x[xs + l], c = x[2 * xs + l];

      y[l] = a * (1.0f / 4.0f);
      y[ys + l] = (a + b + c) * (-1.0f / 6.0f);
      y[2 * ys + l] = (a - b + c) * (-1.0f / 6.0f);
      y[3 * ys + l] = a * (1.0f / 24.0f) + b * (1.0f / 12.0f) + c * (1.0f / 6.0f);
      y[4 * ys + l] = a * (1.0f / 24.0f) - b * (1.0f / 12.0f) + c * (1.0f / 6.0f);
      y[5 * ys + l] = c;
    }
}

typedef struct weight_job {
  const wg_geom *g;
  const float *w;           /* [C_out, C_in, 3, 3] */
  float *wt;                /* the same as [C_out, groups, 9, WG_LANES], zero-padded */
  float *u;                 /* [C_out, C_in] planes us floats apart: positions 6 r0 on */
  int64_t us, groups;       /* plane stride; lane groups of input channels */
  int r0, r1;               /* rows [r0, r1) of the 6x6 positions */
} weight_job;

/* Items are (output channel, group of WG_LANES input channels): their kernels with the
 * lanes innermost, once, so that each row of positions reads them as vectors */
static void
weight_lanes (void *data, int64_t lo, int64_t hi)
{
  const weight_job *j = data;

  for (int64_t item = lo; item < hi; item++)
    {
      int64_t ci0 = item % j->groups * WG_LANES;
      int n = j->g->c_in - ci0 < WG_LANES ? (int) (j->g->c_in - ci0) : WG_LANES;
      const float *k = j->w + (item / j->groups * j->g->c_in + ci0) * 9;
      float *gk = j->wt + item * 9 * WG_LANES;

      if (n < WG_LANES)
        memset (gk, 0, 9 * WG_LANES * sizeof *gk);
      for (int l = 0; l < n; l++)
        for (int e = 0; e < 9; e++)
          gk[e * WG_LANES + l] = k[l * 9 + e];
    }
}

/* Items as above: U's rows [r0, r1) of positions. A block of WG_BLOCK items is
 * transformed first and then written plane by plane, so that each plane gets a run of
 * consecutive cache lines rather than one line in turn with 35 others. */
static void WG_CLONES
weight_items (void *data, int64_t lo, int64_t hi)
{
  const weight_job *j = data;
  float u[WG_BLOCK][WG_POS * WG_LANES];
  float *dst[WG_BLOCK];
  int n[WG_BLOCK];

  for (int64_t b0 = lo; b0 < hi; b0 += WG_BLOCK)
    {
      int nb = hi - b0 < WG_BLOCK ? (int) (hi - b0) : WG_BLOCK;

      for (int b = 0; b < nb; b++)
        {
          int64_t item = b0 + b, co = item / j->groups, ci0 = item % j->groups * WG_LANES;
          const float *gk = j->wt + item * 9 * WG_LANES;
          float t[WG_IN * 3 * WG_LANES];

          n[b] = j->g->c_in - ci0 < WG_LANES ? (int) (j->g->c_in - ci0) : WG_LANES;
          dst[b] = j->u + co * j->g->c_in + ci0 - WG_IN * j->r0 * j->us;
          for (int c = 0; c < 3; c++)       /* t = G g: [6, 3] */
            g3 (gk + c * WG_LANES, 3 * WG_LANES, t + c * WG_LANES, 3 * WG_LANES);
          for (int r = j->r0; r < j->r1; r++) /* u = t G^T: [6, 6] */
            g3 (t + r * 3 * WG_LANES, WG_LANES, u[b] + r * WG_IN * WG_LANES, WG_LANES);
        }
      for (int xi = WG_IN * j->r0; xi < WG_IN * j->r1; xi++)
        for (int b = 0; b < nb; b++)
          copy_lanes (dst[b] + xi * j->us, u[b] + xi * WG_LANES, n[b]);
    }
}

/* ---------------------------------------------------------------- inputs: V = B^T d B */

/* y[k * ys + l] = (B^T x)[k] for 6 lane-vectors x[j * xs + l] */
static inline void
bt6 (const float *x, int xs, float *y, int ys)
{
  for (int l = 0; l < WG_LANES; l++)
    {
      float d0 = x[l], d1 = x[xs + l], d2 = x[2 * xs + l];
      float d3 = x[3 * xs + l], d4 = x[4 * xs + l], d5 = x[5 * xs + l];

      y[l] = 4.0f * d0 - 5.0f * d2 + d4;
      y[ys + l] = -4.0f * (d1 + d2) + d3 + d4;
      y[2 * ys + l] = 4.0f * (d1 - d2) - d3 + d4;
      y[3 * ys + l] = 2.0f * (d3 - d1) - d2 + d4;
      y[4 * ys + l] = 2.0f * (d1 - d3) - d2 + d4;
      y[5 * ys + l] = 4.0f * d1 - 5.0f * d3 + d5;
    }
}

/* The same with the 6 lane-vectors at separate addresses */
static inline void
bt6p (const float *x0, const float *x1, const float *x2, const float *x3, const float *x4,
      const float *x5, float *y, int ys)
{
  for (int l = 0; l < WG_LANES; l++)
    {
      float d0 = x0[l], d1 = x1[l], d2 = x2[l], d3 = x3[l], d4 = x4[l], d5 = x5[l];

      y[l] = 4.0f * d0 - 5.0f * d2 + d4;
      y[ys + l] = -4.0f * (d1 + d2) + d3 + d4;
      y[2 * ys + l] = 4.0f * (d1 - d2) - d3 + d4;
      y[3 * ys + l] = 2.0f * (d3 - d1) - d2 + d4;
      y[4 * ys + l] = 2.0f * (d1 - d3) - d2 + d4;
      y[5 * ys + l] = 4.0f * d1 - 5.0f * d3 + d5;
    }
}

/* Up to WG_LANES side-by-side tiles of one tile row: their inputs are one contiguous
 * span of each input row, and their outputs of each output row. */
typedef struct wg_strip {
  int64_t img_in, img_out;  /* offsets of its image in the input and output */
  int64_t ty, tx0;          /* tile row, first tile column */
  int64_t col;              /* its first column in V and M */
  int64_t n;                /* tiles: 1 .. WG_LANES */
} wg_strip;

/* A strip's span of row ih of one channel, 4 * WG_LANES + 4 floats, zero outside the
 * input (the padding) and past the strip's 4n + 2 columns */
#define WG_SPAN (WG_TILE * (WG_LANES + 1))

static void
load_span (const wg_geom *g, const float *chan, int64_t ih, int64_t iw0, int64_t len,
           float *buf)
{
  const float *row = chan + ih * g->w_in;

  if (ih < 0 || ih >= g->h_in)
    {
      memset (buf, 0, WG_SPAN * sizeof *buf);
      return;
    }
  if (len == WG_SPAN - 2 && iw0 >= 0 && iw0 + len <= g->w_in)
    {
      memcpy (buf, row + iw0, (WG_SPAN - 2) * sizeof *buf);    /* fixed size: inlined */
      buf[WG_SPAN - 2] = buf[WG_SPAN - 1] = 0.0f;
      return;
    }
  if (iw0 >= 0 && iw0 + len <= g->w_in)
    {
      memcpy (buf, row + iw0, (size_t) len * sizeof *buf);
      memset (buf + len, 0, (size_t) (WG_SPAN - len) * sizeof *buf);
      return;
    }
  for (int64_t i = 0; i < WG_SPAN; i++)
    {
      int64_t iw = iw0 + i;

      buf[i] = i < len && iw >= 0 && iw < g->w_in ? row[iw] : 0.0f;
    }
}

typedef struct input_job {
  const wg_geom *g;
  const float *in;
  const wg_strip *strips;   /* the chunk's */
  int64_t n_strips, cnt;    /* strips and tiles in the chunk */
  float *v;                 /* [36][C_in, cnt], planes vs floats apart */
  int64_t vs;
} input_job;

/* t[(r * 6 + k) * WG_LANES + l] = (d B)[r][k] of the strip's tiles l, d its inputs */
static inline void
input_rows (const wg_geom *g, const wg_strip *st, const float *chan, float *t)
{
  int64_t ih0 = st->ty * WG_TILE - g->ph, iw0 = st->tx0 * WG_TILE - g->pw;
  float buf[WG_SPAN], a[4][WG_LANES + 1];

  for (int r = 0; r < WG_IN; r++)
    {
      load_span (g, chan, ih0 + r, iw0, WG_TILE * st->n + 2, buf);
      /* tile l reads columns 4l .. 4l + 5: a[c][l] = buf[4l + c], and columns 4 and
       * 5 are the next tile's 0 and 1 */
      for (int l = 0; l < WG_LANES + 1; l++)
        for (int c = 0; c < 4; c++)
          a[c][l] = buf[WG_TILE * l + c];
      bt6p (a[0], a[1], a[2], a[3], a[0] + 1, a[1] + 1, t + r * WG_IN * WG_LANES, WG_LANES);
    }
}

/* Items are (input channel, strip); written plane by plane per block of WG_BLOCK items,
 * like weight_items */
static void WG_CLONES
input_items (void *data, int64_t lo, int64_t hi)
{
  const input_job *j = data;
  int64_t plane = j->g->h_in * j->g->w_in;
  float v[WG_BLOCK][WG_POS * WG_LANES];
  float *dst[WG_BLOCK];
  int n[WG_BLOCK];

  for (int64_t b0 = lo; b0 < hi; b0 += WG_BLOCK)
    {
      int nb = hi - b0 < WG_BLOCK ? (int) (hi - b0) : WG_BLOCK;

      for (int b = 0; b < nb; b++)
        {
          int64_t c = (b0 + b) / j->n_strips;
          const wg_strip *st = &j->strips[(b0 + b) % j->n_strips];
          float t[WG_POS * WG_LANES];

          n[b] = (int) st->n;
          dst[b] = j->v + c * j->cnt + st->col;
          input_rows (j->g, st, j->in + st->img_in + c * plane, t);
          for (int k = 0; k < WG_IN; k++)   /* v = B^T t, column by column */
            bt6 (t + k * WG_LANES, WG_IN * WG_LANES, v[b] + k * WG_LANES, WG_IN * WG_LANES);
        }
      for (int xi = 0; xi < WG_POS; xi++)
        for (int b = 0; b < nb; b++)
          copy_lanes (dst[b] + xi * j->vs, v[b] + xi * WG_LANES, n[b]);
    }
}

/* ---------------------------------------------------------------- outputs: Y = A^T m A */

/* y[k * ys + l] = (A^T x)[k], k < 4, for 6 lane-vectors x[j * xs + l] */
static inline void
at6 (const float *x, int xs, float *y, int ys)
{
  for (int l = 0; l < WG_LANES; l++)
    {
      float m0 = x[l], m1 = x[xs + l], m2 = x[2 * xs + l];
      float m3 = x[3 * xs + l], m4 = x[4 * xs + l], m5 = x[5 * xs + l];
      float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;

      y[l] = m0 + s12 + s34;
      y[ys + l] = d12 + 2.0f * d34;
      y[2 * ys + l] = s12 + 4.0f * s34;
      y[3 * ys + l] = d12 + 8.0f * d34 + m5;
    }
}

typedef struct output_job {
  const wg_geom *g;
  const float *m;           /* [36][C_out, cnt], planes ms floats apart */
  int64_t ms;
  const wg_strip *strips;
  int64_t n_strips, cnt;
  const float *bias;        /* or NULL */
  bool relu;
  float *out;
  atomic_bool nonfinite;    /* set when an output before the ReLU is Inf or NaN */
  bool pool2;               /* out is max-pooled 2x2, stride 2 (a fused MaxPool2d(2)) */
} output_job;

/* Adds the bias, applies the ReLU (NaN < 0 is false, so NaN passes like
 * nn_relu_forward); true when a value before the ReLU is Inf or NaN */
static inline bool
bias_relu (float *y, float b, bool relu)
{
  float check[WG_LANES] = { 0 };
  bool bad = false;

  /* separate simple loops: GCC vectorises each, not the combined one */
  for (int i = 0; i < WG_TILE * WG_TILE * WG_LANES; i++)
    y[i] += b;
  for (int o = 0; o < WG_TILE * WG_TILE; o++)
    for (int l = 0; l < WG_LANES; l++)
      check[l] += y[o * WG_LANES + l] * 0.0f;   /* NaN once any value is Inf or NaN */
  if (relu)
    for (int i = 0; i < WG_TILE * WG_TILE * WG_LANES; i++)
      y[i] = y[i] < 0.0f ? 0.0f : y[i];
  for (int l = 0; l < WG_LANES; l++)
    bad |= check[l] != 0.0f;
  return bad;
}

/* Writes y[(r * 4 + c) * WG_LANES + l] (row r, column c of tile l) into the strip's
 * 4 rows of output channel co, clipped to the output */
static inline void
store_rows (const output_job *j, const wg_strip *st, int64_t co, const float *y)
{
  const wg_geom *g = j->g;
  int64_t oh0 = st->ty * WG_TILE, ow0 = st->tx0 * WG_TILE;
  int64_t cols = g->w_out - ow0 < WG_TILE * st->n ? g->w_out - ow0 : WG_TILE * st->n;
  float *dst = j->out + st->img_out + (co * g->h_out + oh0) * g->w_out + ow0;
  float buf[WG_TILE * WG_LANES];

  for (int r = 0; r < WG_TILE && oh0 + r < g->h_out; r++, dst += g->w_out)
    {
      for (int l = 0; l < WG_LANES; l++)
        for (int c = 0; c < WG_TILE; c++)
          buf[WG_TILE * l + c] = y[(r * WG_TILE + c) * WG_LANES + l];
      if (cols == WG_TILE * WG_LANES)
        memcpy (dst, buf, WG_TILE * WG_LANES * sizeof *dst);   /* fixed size: inlined */
      else
        memcpy (dst, buf, (size_t) cols * sizeof *dst);
    }
}

/* store_rows for a fused MaxPool2d(2): each 4x4 tile gives 2x2 maxima. H_out and W_out
 * are even, so no window crosses a tile or the edge. Only finite values are kept (an
 * Inf or NaN sends the layer back to im2col), so a plain maximum is PyTorch's. */
static inline void
store_pooled (const output_job *j, const wg_strip *st, int64_t co, const float *y)
{
  const wg_geom *g = j->g;
  int64_t ph = g->h_out / 2, pw = g->w_out / 2;
  int64_t pr0 = st->ty * WG_TILE / 2, pc0 = st->tx0 * WG_TILE / 2;
  int64_t cols = pw - pc0 < 2 * st->n ? pw - pc0 : 2 * st->n;
  float *dst = j->out + st->img_out / 4 + (co * ph + pr0) * pw + pc0;
  float buf[2 * WG_LANES];

  for (int r = 0; r < 2 && pr0 + r < ph; r++, dst += pw)
    {
      for (int l = 0; l < WG_LANES; l++)
        for (int c = 0; c < 2; c++)
          {
            const float *q = y + ((2 * r) * WG_TILE + 2 * c) * WG_LANES + l;
            float a = q[0] > q[WG_LANES] ? q[0] : q[WG_LANES];
            float b = q[WG_TILE * WG_LANES] > q[(WG_TILE + 1) * WG_LANES]
                      ? q[WG_TILE * WG_LANES] : q[(WG_TILE + 1) * WG_LANES];

            buf[2 * l + c] = a > b ? a : b;
          }
      memcpy (dst, buf, (size_t) cols * sizeof *dst);
    }
}

/* Items are (output channel, strip); unused lanes hold zeros */
static void WG_CLONES
output_items (void *data, int64_t lo, int64_t hi)
{
  output_job *j = data;

  for (int64_t item = lo; item < hi; item++)
    {
      int64_t co = item / j->n_strips;
      const wg_strip *st = &j->strips[item % j->n_strips];
      float m[WG_POS * WG_LANES], t[WG_TILE * WG_IN * WG_LANES];
      float y[WG_TILE * WG_TILE * WG_LANES];
      const float *src = j->m + co * j->cnt + st->col;

      if (st->n < WG_LANES)
        memset (m, 0, sizeof m);
      for (int xi = 0; xi < WG_POS; xi++)
        copy_lanes (m + xi * WG_LANES, src + xi * j->ms, (int) st->n);
      for (int c = 0; c < WG_IN; c++)       /* t = A^T m, column by column */
        at6 (m + c * WG_LANES, WG_IN * WG_LANES, t + c * WG_LANES, WG_IN * WG_LANES);
      for (int r = 0; r < WG_TILE; r++)     /* y = t A, row by row */
        at6 (t + r * WG_IN * WG_LANES, WG_LANES, y + r * WG_TILE * WG_LANES, WG_LANES);
      if (bias_relu (y, j->bias != NULL ? j->bias[co] : 0.0f, j->relu))
        atomic_store_explicit (&j->nonfinite, true, memory_order_relaxed);
      if (j->pool2)
        store_pooled (j, st, co, y);
      else
        store_rows (j, st, co, y);
    }
}

/* ---------------------------------------------------------------- driver */

/* Below this many floats per job a loop stays on one thread (as in conv2d.c) */
#define PAR_MIN_FLOATS 16384

static int64_t
min_items (int64_t floats_per_item)
{
  return floats_per_item >= PAR_MIN_FLOATS ? 1 : PAR_MIN_FLOATS / floats_per_item;
}

/* Tiles per chunk: V + M within WG_CHUNK_BYTES, at least WG_MIN_TILES, no more than
 * there are, and the chunks about equal (every chunk's GEMMs pack all of U again, so a
 * last chunk of a few tiles would cost nearly as much as a full one) */
static int64_t
chunk_tiles (const wg_geom *g, int64_t total)
{
  int64_t per_tile = WG_POS * (g->c_in + g->c_out) * 4;
  int64_t t = (int64_t) WG_CHUNK_BYTES / per_tile, n_chunks;

  t = t < WG_MIN_TILES ? WG_MIN_TILES : t;
  if (t >= total)
    return total;
  n_chunks = (total + t - 1) / t;
  /* + WG_LANES - 1: chunks hold whole strips */
  t = (total + n_chunks - 1) / n_chunks + WG_LANES - 1;
  return t < total ? t : total;
}

/* The 36 planes of U, V and M lie this many floats apart: rounded up to 64 bytes, plus
 * 64 bytes so that planes of a power-of-two size do not all map to the same cache
 * sets (the transforms write or read one row of every plane at a time). */
static bool
plane_stride (int64_t rows, int64_t cols, int64_t *stride)
{
  int64_t n;

  if (!nn_checked_mul (rows, cols, &n) || n > INT64_MAX - 32)
    return false;
  *stride = (n + 15) / 16 * 16 + 16;
  return true;
}

typedef struct wg_plan {
  int64_t chunk;            /* most tiles per chunk */
  int64_t wt;               /* floats of the kernels with lanes innermost */
  int64_t strips_per_row;   /* strips per tile row */
  bool one_chunk;           /* U made WG_U_ROWS rows of positions at a time (below) */
  int64_t us, vs, ms;       /* plane strides of U, V, M */
  size_t bytes;             /* kernels, U, V, M and the chunk's strip records */
} wg_plan;

/* With a single chunk, U is made WG_U_ROWS rows of 6 positions at a time, right before
 * their GEMMs pack it: the scratch holds 12 planes instead of 36 (13 MB instead of 38 MB
 * for 512 channels), and each plane is packed soon after it is written. */
static bool
plan_init (wg_plan *p, const wg_geom *g, int64_t total)
{
  int64_t planes, strips, bytes;

  p->chunk = chunk_tiles (g, total);
  p->one_chunk = p->chunk >= total;
  p->strips_per_row = (g->tiles_w + WG_LANES - 1) / WG_LANES;
  if (!nn_checked_mul (g->c_out, (g->c_in + WG_LANES - 1) / WG_LANES * WG_LANES * 9, &p->wt)
      || !plane_stride (g->c_out, g->c_in, &p->us) || !plane_stride (g->c_in, p->chunk, &p->vs)
      || !plane_stride (g->c_out, p->chunk, &p->ms)
      || !nn_checked_mul (p->us, p->one_chunk ? WG_IN * WG_U_ROWS : WG_POS, &planes)
      || __builtin_add_overflow (planes, p->wt, &planes)
      || __builtin_add_overflow (planes, WG_POS * p->vs, &planes)
      || __builtin_add_overflow (planes, WG_POS * p->ms, &planes)
      || !nn_checked_mul (planes, 4, &bytes)
      || !nn_checked_mul (p->chunk, (int64_t) sizeof (wg_strip), &strips)
      || __builtin_add_overflow (bytes, strips, &bytes) || (uint64_t) bytes > SIZE_MAX)
    return false;
  p->bytes = (size_t) bytes;
  return true;
}

/* Records of the strips from global strip *next on (image-major, then tile rows, then
 * left to right) while their tiles fit a chunk; returns how many, *cnt their tiles. */
static int64_t
fill_strips (const wg_geom *g, const wg_plan *p, int64_t *next, int64_t n_total,
             wg_strip *strips, int64_t *cnt)
{
  int64_t per_image = g->tiles_h * p->strips_per_row, k = 0;

  *cnt = 0;
  for (; *next < n_total; ++*next, k++)
    {
      int64_t s = *next, b = s / per_image, ty = s % per_image / p->strips_per_row;
      int64_t tx0 = s % p->strips_per_row * WG_LANES;
      int64_t n = g->tiles_w - tx0 < WG_LANES ? g->tiles_w - tx0 : WG_LANES;

      if (*cnt + n > p->chunk)
        break;
      strips[k] = (wg_strip) { b * g->c_in * g->h_in * g->w_in,
                               b * g->c_out * g->h_out * g->w_out, ty, tx0, *cnt, n };
      *cnt += n;
    }
  return k;
}

typedef struct wg_run {
  const wg_geom *g;
  const wg_plan *p;
  const nn_layer *layer;
  const float *in;
  float *wt, *u, *v, *m, *out;
  wg_strip *strips;
  bool relu, pool2;
} wg_run;

/* U's positions [6 r0, 6 r1), as planes from r->u on */
static void
transform_weights (const wg_run *r, int r0, int r1)
{
  const wg_geom *g = r->g;
  weight_job j = { g, r->layer->weight->data, r->wt, r->u, r->p->us,
                   (g->c_in + WG_LANES - 1) / WG_LANES, r0, r1 };

  nn_parallel_for (g->c_out * j.groups, min_items (WG_IN * (r1 - r0) * WG_LANES),
                   weight_items, &j);
}

static void
lay_out_kernels (const wg_run *r)
{
  const wg_geom *g = r->g;
  weight_job j = { g, r->layer->weight->data, r->wt, NULL, 0,
                   (g->c_in + WG_LANES - 1) / WG_LANES, 0, 0 };

  nn_parallel_for (g->c_out * j.groups, min_items (9 * WG_LANES), weight_lanes, &j);
}

/* M = U V for positions [6 r0, 6 r1) of a chunk of cnt tiles; u: position 6 r0 */
static void
gemms (const wg_run *r, const float *u, int r0, int r1, int64_t cnt)
{
  const wg_geom *g = r->g;

  for (int xi = WG_IN * r0; xi < WG_IN * r1; xi++, u += r->p->us)
    nn_sgemm (false, false, g->c_out, cnt, g->c_in, 1.0f, u, g->c_in, r->v + xi * r->p->vs,
              cnt, 0.0f, r->m + xi * r->p->ms, cnt);
}

/* One chunk (ns strips of cnt tiles): transform its inputs, the GEMMs (making U on
 * the way if one_chunk), transform back into out. False when an output came out Inf or
 * NaN (see nn_winograd_conv2d). */
static bool
run_chunk (const wg_run *r, int64_t ns, int64_t cnt)
{
  const wg_geom *g = r->g;
  input_job ij = { g, r->in, r->strips, ns, cnt, r->v, r->p->vs };
  output_job oj = { g, r->m, r->p->ms, r->strips, ns, cnt,
                    r->layer->bias != NULL ? r->layer->bias->data : NULL, r->relu, r->out,
                    false, r->pool2 };

  nn_parallel_for (g->c_in * ns, min_items (WG_POS * WG_LANES), input_items, &ij);
  if (r->p->one_chunk)
    for (int row = 0; row < WG_IN; row += WG_U_ROWS)
      {
        transform_weights (r, row, row + WG_U_ROWS);
        gemms (r, r->u, row, row + WG_U_ROWS, cnt);
      }
  else
    gemms (r, r->u, 0, WG_IN, cnt);
  nn_parallel_for (g->c_out * ns, min_items (WG_POS * WG_LANES), output_items, &oj);
  return !atomic_load (&oj.nonfinite);
}

/* An Inf or NaN anywhere (input, weights, bias, or an overflow in the transforms)
 * makes the whole layer go back to im2col: Winograd would spread one NaN input over
 * every output of the 4x4 tiles that read it (and turn Inf into NaN), where PyTorch
 * and im2col give NaN only in the 3x3 window around it. */
static bool
winograd_conv2d (nn_net *net, int index, const nn_tensor *in, nn_tensor *out, bool relu,
                 bool pool2)
{
  wg_geom g;
  wg_plan p;
  wg_run r;
  int64_t total, n_strips, next = 0;
  float *ws;

  geom_init (&g, net, index, in->shape[0]);
  /* without scratch, im2col needs less */
  if (!nn_checked_mul (g.n, g.tiles, &total) || total == 0 || !plan_init (&p, &g, total)
      || (ws = nn_workspace_get (net, p.bytes)) == NULL)
    return false;
  n_strips = g.n * g.tiles_h * p.strips_per_row;
  r = (wg_run) { &g, &p, &net->layers[index], in->data, ws, NULL, NULL, NULL, out->data,
                 NULL, relu, pool2 };
  r.u = r.wt + p.wt;
  r.v = r.u + (p.one_chunk ? WG_IN * WG_U_ROWS : WG_POS) * p.us;
  r.m = r.v + WG_POS * p.vs;
  r.strips = (wg_strip *) (r.m + WG_POS * p.ms);
  lay_out_kernels (&r);
  if (!p.one_chunk)
    transform_weights (&r, 0, WG_IN);
  while (next < n_strips)
    {
      int64_t cnt, ns = fill_strips (&g, &p, &next, n_strips, r.strips, &cnt);

      if (!run_chunk (&r, ns, cnt))
        return false;
    }
  return true;
}

bool
nn_winograd_conv2d (nn_net *net, int index, const nn_tensor *in, nn_tensor *out, bool relu)
{
  return winograd_conv2d (net, index, in, out, relu, false);
}

bool
nn_winograd_pool_fusable (const nn_net *net, int index, int pool_index)
{
  const nn_layer_config *pool = &net->layers[pool_index].cfg;
  const nn_shape *conv_out = &net->info[index].out_shape;

  return nn_winograd_applies (net, index) && pool->type == NN_LAYER_MAXPOOL2D
         && pool->kernel_size[0] == 2 && pool->kernel_size[1] == 2 && pool->stride[0] == 2
         && pool->stride[1] == 2 && pool->padding[0] == 0 && pool->padding[1] == 0
         && pool->dilation[0] == 1 && pool->dilation[1] == 1
         && nn_shape_equal (conv_out, &net->info[pool_index].in_shape)
         && conv_out->d[1] % 2 == 0 && conv_out->d[2] % 2 == 0;
}

bool
nn_winograd_conv2d_pool2 (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                          bool relu)
{
  return winograd_conv2d (net, index, in, out, relu, true);
}
