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
 * with U = G g G^T (all kernels) and V = B^T d B for T tiles. Tiles are taken in strips
 * of up to 16 side by side in one tile row: a strip's inputs are one contiguous span of
 * each input row and its outputs of each output row, and every transform loop runs
 * over the 16 tiles at once (one AVX-512 vector; GCC vectorises them, in clones per
 * ISA level). Everything runs on the engine's pool (nn_parallel_for).
 *
 * The GEMMs are ours, not OpenBLAS's ("M = U V" below): they are thin (49 tiles for a
 * 28x28 image), and OpenBLAS spent more time packing U, zeroing M and waking its
 * threads than multiplying. Each item makes U for 32 output channels and 6 positions
 * straight from the kernels, in the layout its micro-kernel reads, and multiplies
 * with V in place. U is never stored whole and is made on every call, so edits to the
 * weights (the app, training) need no cache to invalidate.
 *
 * Chunking: strips (over all images, row by row) are processed WG_CHUNK_BYTES of V + M
 * at a time (at least 64 tiles), in chunks of about equal size: V and M stay a few MiB
 * (in L2/L3, and out of the peak memory). Planes are padded so that their rows do not
 * all map to the same cache sets, and the transforms write them plane by plane per
 * block of 16 items.
 *
 * Where: 3x3, stride 1, dilation 1, groups 1, any padding, at least 16 input and output
 * channels and 16 tiles per image (nn_winograd_applies): all of VGG-16's 3x3 layers
 * but the first (3 input channels: the GEMMs are too thin to pay for the transforms).
 * F(2x2, 3x3) (2.25x fewer multiplies, 16/9 the weights to transform) was tried on
 * the 28x28 and 14x14 layers when the GEMMs were OpenBLAS's and did not win.
 *
 * Error: the transforms' constants (up to 8, 1/24) make rounding a few times larger
 * than im2col's: on VGG-16 (the template's weights, a random image) each conv output is
 * within 4.3e-6 of PyTorch's relative to the largest output (im2col: 8.1e-7), the
 * network's output within 3.3e-7 (im2col: 2.4e-7). tests/test-winograd.c checks
 * outputs against PyTorch within 1e-4 of the largest magnitude. Inf or NaN anywhere
 * sends the layer back to im2col (nn_winograd_conv2d).
 */
#include "config.h"

#include <sched.h>
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
#define WG_NR 32            /* output channels per panel of U (see "M = U V") */
/* Fewer channels than this: the GEMMs are too thin to win (VGG-16's first conv) */
#define WG_MIN_CHANNELS 16
/* Fewer 4x4 output tiles per image than this: the GEMMs are too thin and making U
 * costs more than it saves. VGG-16's 14x14 layers (16 tiles) take 0.8 of im2col's
 * time at batch 1 (they took 1.6x when the GEMMs went through OpenBLAS). */
#define WG_MIN_TILES_PER_IMAGE 16

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

/* The kernels of WG_NR output channels side by side (a panel), zero past C_out:
 * wk[p][ci][e][j] = w[p * WG_NR + j][ci][e], e the 9 taps. Items are (panel, block of
 * WG_KB input channels): the block's taps of one channel are one contiguous read. */
#define WG_KB 16

typedef struct panel_job {
  const wg_geom *g;
  const float *w;           /* [C_out, C_in, 3, 3] */
  float *wk;
  int64_t blocks;           /* blocks of input channels */
} panel_job;

static void
kernel_panels (void *data, int64_t lo, int64_t hi)
{
  const panel_job *j = data;
  int64_t c_in = j->g->c_in;

  for (int64_t item = lo; item < hi; item++)
    {
      int64_t p = item / j->blocks, ci0 = item % j->blocks * WG_KB;
      int64_t n = c_in - ci0 < WG_KB ? c_in - ci0 : WG_KB;
      float *dst = j->wk + (p * c_in + ci0) * 9 * WG_NR;

      for (int l = 0; l < WG_NR; l++)
        {
          int64_t co = p * WG_NR + l;
          const float *src = j->w + (co * c_in + ci0) * 9;

          for (int64_t i = 0; i < n * 9; i++)
            dst[i * WG_NR + l] = co < j->g->c_out ? src[i] : 0.0f;
        }
    }
}

/* y[k * WG_NR + l] = (x G^T)[k], k < 6, for the 3 lane-vectors x[b * WG_NR + l] */
static inline void
g3 (const float *x, float *y)
{
  for (int l = 0; l < WG_NR; l++)
    {
      float a = x[l], b = x[WG_NR + l], c = x[2 * WG_NR + l];

      y[l] = a * (1.0f / 4.0f);
      y[WG_NR + l] = (a + b + c) * (-1.0f / 6.0f);
      y[2 * WG_NR + l] = (a - b + c) * (-1.0f / 6.0f);
      y[3 * WG_NR + l] = a * (1.0f / 24.0f) + b * (1.0f / 12.0f) + c * (1.0f / 6.0f);
      y[4 * WG_NR + l] = a * (1.0f / 24.0f) - b * (1.0f / 12.0f) + c * (1.0f / 6.0f);
      y[5 * WG_NR + l] = c;
    }
}

/* Row r of G, whose outer product with itself makes U from a 3x3 kernel */
static const float wg_g[WG_IN][3] = {
  { 1.0f / 4.0f, 0.0f, 0.0f },
  { -1.0f / 6.0f, -1.0f / 6.0f, -1.0f / 6.0f },
  { -1.0f / 6.0f, 1.0f / 6.0f, -1.0f / 6.0f },
  { 1.0f / 24.0f, 1.0f / 12.0f, 1.0f / 6.0f },
  { 1.0f / 24.0f, -1.0f / 12.0f, 1.0f / 6.0f },
  { 0.0f, 0.0f, 1.0f },
};

/* U for the 6 positions of row r (xi = 6 r .. 6 r + 5) of one panel:
 * u[c][ci][l] = (G g G^T)[r][c] of channel pair (p * WG_NR + l, ci) */
static inline void
panel_row_u (const float *wk, int64_t c_in, int r, float *u)
{
  float g0 = wg_g[r][0], g1 = wg_g[r][1], g2 = wg_g[r][2];

  for (int64_t ci = 0; ci < c_in; ci++, wk += 9 * WG_NR)
    {
      float t[3 * WG_NR], y[WG_IN * WG_NR];

      for (int b = 0; b < 3; b++)       /* t = row r of G g: [3] */
        for (int l = 0; l < WG_NR; l++)
          t[b * WG_NR + l] = g0 * wk[b * WG_NR + l] + g1 * wk[(3 + b) * WG_NR + l]
                             + g2 * wk[(6 + b) * WG_NR + l];
      g3 (t, y);                        /* u = t G^T: [6] */
      for (int c = 0; c < WG_IN; c++)
        memcpy (u + (c * c_in + ci) * WG_NR, y + c * WG_NR, WG_NR * sizeof *u);
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

/* ---------------------------------------------------------------- M = U V */

/* M_xi[co][t] = sum over ci of U_xi[co][ci] V_xi[ci][t], by a micro-kernel of our own
 * rather than 36 calls of sgemm. With few tiles per chunk (49 for a 28x28 image) the
 * GEMMs are thin, and OpenBLAS spent more time packing U (once per call, so 36 times
 * per layer), zeroing M for beta = 0 and waking its threads than multiplying; its idle
 * threads also spun beside the engine's pool during the transforms. Here nothing is
 * packed: an item makes U for one panel of WG_NR output channels and one row of 6
 * positions (panel_row_u) straight in the layout the kernel reads, and V is read in
 * place. The kernel keeps WG_MR tiles x WG_NR channels of M in registers, broadcasts
 * V's values and loads U's rows as vectors, and writes M transposed (tiles innermost,
 * as the output transform reads it). Items run on the engine's pool. */

#define WG_MR 6             /* tiles per micro-kernel call */
#define WG_VL 8             /* floats per vector (AVX2; AVX-512VL gives 32 registers) */
typedef float wg_vec __attribute__ ((vector_size (WG_VL * sizeof (float))));

typedef struct gemm_job {
  const wg_geom *g;
  const float *wk;          /* kernel panels (kernel_panels) */
  const float *v;           /* [36][C_in, cnt], planes vs floats apart */
  float *m;                 /* [36][C_out, cnt], planes ms floats apart */
  int64_t vs, ms, cnt, n_panels;
  float *u;                 /* one buffer of WG_IN * C_in * WG_NR floats per slot */
  int64_t u_floats;
  atomic_uint_fast64_t free_slots;   /* bit s set: buffer s is free */
  void (*row_item) (const struct gemm_job *j, int r, int64_t p, float *u);
} gemm_job;

/* A block of mr tiles x (nv * WG_VL) channels from channel l0 of the panel:
 *   acc_out[i * WG_NR + l0 + l] = sum over ci of v[ci * cnt + i] * u[ci * WG_NR + l0 + l]
 * Always inlined with constant mr and nv, so that the accumulators live in registers. */
static inline __attribute__ ((always_inline)) void
micro (int mr, int nv, int64_t c_in, const float *v, int64_t cnt, const float *u, int l0,
       float *acc_out)
{
  wg_vec acc[WG_MR][WG_NR / WG_VL];

  for (int i = 0; i < mr; i++)
    for (int k = 0; k < nv; k++)
      acc[i][k] = (wg_vec) { 0 };
  for (int64_t ci = 0, ui = l0; ci < c_in; ci++, v += cnt, ui += WG_NR)
    {
      wg_vec b[WG_NR / WG_VL];

      for (int k = 0; k < nv; k++)
        memcpy (&b[k], u + ui + k * WG_VL, sizeof b[k]);
      for (int i = 0; i < mr; i++)
        for (int k = 0; k < nv; k++)
          acc[i][k] += v[i] * b[k];
    }
  for (int i = 0; i < mr; i++)
    for (int k = 0; k < nv; k++)
      memcpy (acc_out + i * WG_NR + l0 + k * WG_VL, &acc[i][k], sizeof acc[i][k]);
}

/* M_xi for panel p from u = U_xi of the panel ([C_in][WG_NR]), nv vectors per call */
static inline __attribute__ ((always_inline)) void
panel_gemm (int nv, const gemm_job *j, int xi, int64_t p, const float *u)
{
  const wg_geom *g = j->g;
  const float *v = j->v + xi * j->vs;
  int64_t cnt = j->cnt, co0 = p * WG_NR;
  int cols = g->c_out - co0 < WG_NR ? (int) (g->c_out - co0) : WG_NR;
  float *m = j->m + xi * j->ms + co0 * cnt;

  for (int64_t t0 = 0; t0 < cnt; t0 += WG_MR)
    {
      int mr = cnt - t0 < WG_MR ? (int) (cnt - t0) : WG_MR;
      float acc[WG_MR][WG_NR];

      for (int l0 = 0; l0 < WG_NR; l0 += nv * WG_VL)
        switch (mr)
          {
          case 6: micro (6, nv, g->c_in, v + t0, cnt, u, l0, acc[0]); break;
          case 5: micro (5, nv, g->c_in, v + t0, cnt, u, l0, acc[0]); break;
          case 4: micro (4, nv, g->c_in, v + t0, cnt, u, l0, acc[0]); break;
          case 3: micro (3, nv, g->c_in, v + t0, cnt, u, l0, acc[0]); break;
          case 2: micro (2, nv, g->c_in, v + t0, cnt, u, l0, acc[0]); break;
          default: micro (1, nv, g->c_in, v + t0, cnt, u, l0, acc[0]); break;
          }
      for (int l = 0; l < cols; l++)
        for (int i = 0; i < mr; i++)
          m[l * cnt + t0 + i] = acc[i][l];
    }
}

/* One item: U for row r of positions of panel p, then their 6 GEMMs */
static inline __attribute__ ((always_inline)) void
row_item (int nv, const gemm_job *j, int r, int64_t p, float *u)
{
  int64_t c_in = j->g->c_in;

  panel_row_u (j->wk + p * c_in * 9 * WG_NR, c_in, r, u);
  for (int c = 0; c < WG_IN; c++)
    panel_gemm (nv, j, WG_IN * r + c, p, u + c * c_in * WG_NR);
}

typedef void (*row_item_fn) (const gemm_job *j, int r, int64_t p, float *u);

/* One version per ISA level, picked at run time (pick_row_item): a generic x86-64
 * build still uses AVX2 or AVX-512. Four vectors per call need AVX-512VL's 32
 * registers (24 accumulators); two fit AVX2's 16. */
static void
row_item_base (const gemm_job *j, int r, int64_t p, float *u)
{
  row_item (1, j, r, p, u);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define WG_HAVE_X86_LEVELS 1
static __attribute__ ((target ("avx2,fma"))) void
row_item_avx2 (const gemm_job *j, int r, int64_t p, float *u)
{
  row_item (2, j, r, p, u);
}

static __attribute__ ((target ("avx512f,avx512vl,avx2,fma"))) void
row_item_avx512 (const gemm_job *j, int r, int64_t p, float *u)
{
  row_item (4, j, r, p, u);
}
#endif

/* NN_SIMD_BEST, or the level tests asked for (nn_winograd_set_simd) */
static atomic_int simd_forced = NN_SIMD_BEST;

static bool
cpu_has (nn_simd_level level)
{
#ifdef WG_HAVE_X86_LEVELS
  __builtin_cpu_init ();
  if (level == NN_SIMD_AVX512)
    return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512vl");
  if (level == NN_SIMD_AVX2)
    return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#endif
  return level == NN_SIMD_BASE;
}

bool
nn_winograd_set_simd (nn_simd_level level)
{
  if (level != NN_SIMD_BEST && !cpu_has (level))
    return false;
  atomic_store (&simd_forced, (int) level);
  return true;
}

static row_item_fn
pick_row_item (void)
{
  nn_simd_level level = (nn_simd_level) atomic_load (&simd_forced);

  if (level == NN_SIMD_BEST)
    level = cpu_has (NN_SIMD_AVX512) ? NN_SIMD_AVX512
            : cpu_has (NN_SIMD_AVX2) ? NN_SIMD_AVX2 : NN_SIMD_BASE;
#ifdef WG_HAVE_X86_LEVELS
  if (level == NN_SIMD_AVX512)
    return row_item_avx512;
  if (level == NN_SIMD_AVX2)
    return row_item_avx2;
#endif
  return row_item_base;
}

/* A free U buffer; there are as many as threads, so one is normally free at once (if
 * the thread count grew meanwhile, wait for a buffer rather than share one) */
static int
claim_slot (atomic_uint_fast64_t *free_slots)
{
  for (;;)
    {
      uint_fast64_t mask = atomic_load (free_slots);
      int s;

      if (mask == 0)
        {
          sched_yield ();
          continue;
        }
      s = __builtin_ctzll (mask);
      if (atomic_compare_exchange_weak (free_slots, &mask, mask & ~((uint_fast64_t) 1 << s)))
        return s;
    }
}

/* Items are (row of positions, panel), rows outermost: consecutive items share V */
static void
gemm_items (void *data, int64_t lo, int64_t hi)
{
  gemm_job *j = data;
  int s = claim_slot (&j->free_slots);
  float *u = j->u + s * j->u_floats;

  for (int64_t item = lo; item < hi; item++)
    j->row_item (j, (int) (item / j->n_panels), item % j->n_panels, u);
  atomic_fetch_or (&j->free_slots, (uint_fast64_t) 1 << s);
}

/* ---------------------------------------------------------------- driver */

/* Below this many floats per job a loop stays on one thread (as in conv2d.c) */
#define PAR_MIN_FLOATS 16384
/* U buffers: one per thread, no more than a 64-bit mask holds */
#define WG_MAX_SLOTS 64

static int64_t
min_items (int64_t floats_per_item)
{
  return floats_per_item >= PAR_MIN_FLOATS ? 1 : PAR_MIN_FLOATS / floats_per_item;
}

/* Tiles per chunk: V + M within WG_CHUNK_BYTES, at least WG_MIN_TILES, no more than
 * there are, and the chunks about equal (every chunk's items make their U again, so a
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

/* The 36 planes of V and M lie this many floats apart: rounded up to 64 bytes, plus
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
  int64_t n_panels;         /* panels of WG_NR output channels */
  int64_t wk;               /* floats of the kernel panels */
  int64_t u_floats;         /* floats of one U buffer */
  int slots;                /* U buffers */
  int64_t strips_per_row;   /* strips per tile row */
  int64_t vs, ms;           /* plane strides of V, M */
  size_t bytes;             /* kernel panels, U buffers, V, M and the chunk's strips */
} wg_plan;

static bool
plan_init (wg_plan *p, const wg_geom *g, int64_t total)
{
  int64_t floats, strips, bytes, u_all;
  int threads = nn_get_num_threads ();

  p->chunk = chunk_tiles (g, total);
  p->n_panels = (g->c_out + WG_NR - 1) / WG_NR;
  p->slots = threads < 1 ? 1 : threads > WG_MAX_SLOTS ? WG_MAX_SLOTS : threads;
  p->strips_per_row = (g->tiles_w + WG_LANES - 1) / WG_LANES;
  if (!nn_checked_mul (p->n_panels, g->c_in * 9 * WG_NR, &p->wk)
      || !nn_checked_mul (g->c_in, WG_IN * WG_NR, &p->u_floats)
      || !nn_checked_mul (p->u_floats, p->slots, &u_all)
      || !plane_stride (g->c_in, p->chunk, &p->vs) || !plane_stride (g->c_out, p->chunk, &p->ms)
      || __builtin_add_overflow (p->wk, u_all, &floats)
      || __builtin_add_overflow (floats, WG_POS * p->vs, &floats)
      || __builtin_add_overflow (floats, WG_POS * p->ms, &floats)
      || !nn_checked_mul (floats, 4, &bytes)
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
  float *wk, *u, *v, *m, *out;
  wg_strip *strips;
  row_item_fn row_item;
  bool relu, pool2;
} wg_run;

/* One chunk (ns strips of cnt tiles): transform its inputs, the GEMMs, transform back
 * into out. False when an output came out Inf or NaN (see nn_winograd_conv2d). */
static bool
run_chunk (const wg_run *r, int64_t ns, int64_t cnt)
{
  const wg_geom *g = r->g;
  input_job ij = { g, r->in, r->strips, ns, cnt, r->v, r->p->vs };
  gemm_job gj = { g, r->wk, r->v, r->m, r->p->vs, r->p->ms, cnt, r->p->n_panels, r->u,
                  r->p->u_floats, 0, r->row_item };
  output_job oj = { g, r->m, r->p->ms, r->strips, ns, cnt,
                    r->layer->bias != NULL ? r->layer->bias->data : NULL, r->relu, r->out,
                    false, r->pool2 };

  atomic_init (&gj.free_slots, r->p->slots == WG_MAX_SLOTS
                               ? ~(uint_fast64_t) 0 : ((uint_fast64_t) 1 << r->p->slots) - 1);
  nn_parallel_for (g->c_in * ns, min_items (WG_POS * WG_LANES), input_items, &ij);
  nn_parallel_for (WG_IN * r->p->n_panels, 1, gemm_items, &gj);
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
  panel_job pj;
  int64_t total, n_strips, next = 0;
  float *ws;

  geom_init (&g, net, index, in->shape[0]);
  /* without scratch, im2col needs less */
  if (!nn_checked_mul (g.n, g.tiles, &total) || total == 0 || !plan_init (&p, &g, total)
      || (ws = nn_workspace_get (net, p.bytes)) == NULL)
    return false;
  n_strips = g.n * g.tiles_h * p.strips_per_row;
  r = (wg_run) { &g, &p, &net->layers[index], in->data, ws, NULL, NULL, NULL, out->data,
                 NULL, pick_row_item (), relu, pool2 };
  r.u = r.wk + p.wk;
  r.v = r.u + p.u_floats * p.slots;
  r.m = r.v + WG_POS * p.vs;
  r.strips = (wg_strip *) (r.m + WG_POS * p.ms);
  pj = (panel_job) { &g, r.layer->weight->data, r.wk, (g.c_in + WG_KB - 1) / WG_KB };
  nn_parallel_for (p.n_panels * pj.blocks, min_items (WG_KB * 9 * WG_NR), kernel_panels, &pj);
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
