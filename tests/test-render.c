/* test-render.c - colormaps, views, hit tests, statistics and export of src/render
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Views are drawn into Cairo image surfaces and their pixels compared with the colour
 * maps for tensors whose colours are known (all-ones kernels, zeros, signs).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "render.h"

/* ---------------------------------------------------------------- helpers */

static nn_tensor
tensor_wrap (float *data, int32_t n_dims, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
  nn_tensor t = { .n_dims = n_dims, .shape = { d0, d1, d2, d3 }, .data = data };

  return t;
}

typedef struct pixel {
  int r, g, b, a;
} pixel;

static pixel
get_pixel (cairo_surface_t *s, int x, int y)
{
  unsigned char *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  uint32_t v;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (s));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (s));
  cairo_surface_flush (s);
  memcpy (&v, data + (size_t) y * (size_t) stride + 4 * (size_t) x, sizeof v);
  return (pixel) { (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, v >> 24 };
}

static pixel
rgb_pixel (LlRenderRgb c)
{
  return (pixel) { (int) lround (c.r * 255.0), (int) lround (c.g * 255.0),
                   (int) lround (c.b * 255.0), 255 };
}

#define assert_pixel_near(p, q, tol)                                             \
  G_STMT_START {                                                                 \
    pixel p_ = (p), q_ = (q);                                                    \
    if (abs (p_.r - q_.r) > (tol) || abs (p_.g - q_.g) > (tol)                   \
        || abs (p_.b - q_.b) > (tol) || p_.a != q_.a)                            \
      g_error ("pixel (%d, %d, %d, %d) is not (%d, %d, %d, %d)", p_.r, p_.g,     \
               p_.b, p_.a, q_.r, q_.g, q_.b, q_.a);                              \
  } G_STMT_END

/* Draws a prepared view at scale into a new image surface of its natural size. */
static cairo_surface_t *
draw_view (const LlRenderView *view, double scale)
{
  LlRenderLayout l;
  cairo_surface_t *s;
  cairo_t *cr;

  ll_render_view_measure (view, &l);
  s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (l.width * scale),
                                  (int) ceil (l.height * scale));
  cr = cairo_create (s);
  cairo_scale (cr, scale, scale);
  ll_render_view_draw (view, cr);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  return s;
}

static void
view_setup (LlRenderView *view, LlRenderKind kind, const nn_tensor *t)
{
  nn_error err = { 0 };

  g_assert_cmpint (ll_render_view_init (view, kind, t, &err), ==, NN_OK);
  view->options.background = true;
  g_assert_cmpint (ll_render_view_prepare (view, &err), ==, NN_OK);
}

static bool
in_body (const LlRenderLayout *l, double x, double y)
{
  return x >= l->body.x && y >= l->body.y && x < l->body.x + l->body.width
         && y < l->body.y + l->body.height;
}

/* Centre of cell (ky, kx) of kernel (o, i) in view coordinates. */
static void
kernel_cell_centre (const LlRenderLayout *l, int64_t o, int64_t i, int64_t ky, int64_t kx,
                    double *x, double *y)
{
  *x = l->body.x + 1.0 + (double) i * l->pitch_x + ((double) kx + 0.5) * l->cell;
  *y = l->body.y + 1.0 + (double) o * l->pitch_y + ((double) ky + 0.5) * l->cell;
}

/* ---------------------------------------------------------------- colormaps */

static void
test_diverging (void)
{
  LlRenderRange r = { -2.0, 2.0 };
  LlRenderRgb zero = ll_render_map_value (LL_RENDER_MAP_DIVERGING, r, 0.0);
  LlRenderRgb neg = ll_render_map_value (LL_RENDER_MAP_DIVERGING, r, -1.0);
  LlRenderRgb pos = ll_render_map_value (LL_RENDER_MAP_DIVERGING, r, 1.5);

  g_assert_cmpfloat (zero.r, ==, 1.0);
  g_assert_cmpfloat (zero.g, ==, 1.0);
  g_assert_cmpfloat (zero.b, ==, 1.0);
  g_assert_cmpfloat (neg.b, >, neg.r + 0.2);
  g_assert_cmpfloat (pos.r, >, pos.b + 0.2);
  /* symmetric around 0 even for a lopsided range */
  r = (LlRenderRange) { -0.5, 4.0 };
  g_assert_cmpfloat_with_epsilon (ll_render_map_position (LL_RENDER_MAP_DIVERGING, r, 0.0), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ll_render_map_position (LL_RENDER_MAP_DIVERGING, r, 2.0), 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (ll_render_map_position (LL_RENDER_MAP_DIVERGING, r, -9.0), 0.0, 1e-12);
  /* an all-zero tensor is all white, not NaN */
  r = (LlRenderRange) { 0.0, 0.0 };
  g_assert_cmpfloat (ll_render_map_value (LL_RENDER_MAP_DIVERGING, r, 0.0).g, ==, 1.0);
  r = ll_render_map_range (LL_RENDER_MAP_DIVERGING, -0.25, 3.0);
  g_assert_cmpfloat (r.lo, ==, -3.0);
  g_assert_cmpfloat (r.hi, ==, 3.0);
}

static void
test_viridis (void)
{
  LlRenderRgb lo = ll_render_map_at (LL_RENDER_MAP_VIRIDIS, 0.0);
  LlRenderRgb hi = ll_render_map_at (LL_RENDER_MAP_VIRIDIS, 1.0);
  LlRenderRgb mid = ll_render_map_at (LL_RENDER_MAP_VIRIDIS, 128.0 / 255.0);
  LlRenderRgb q = ll_render_map_at (LL_RENDER_MAP_VIRIDIS, 100.0 / 255.0);
  LlRenderRange r = { 1.0, 3.0 };

  /* matplotlib's viridis: entries 0, 255, 128 and 100 of its table */
  g_assert_cmpfloat_with_epsilon (lo.r, 0.267004, 1e-6);
  g_assert_cmpfloat_with_epsilon (lo.g, 0.004874, 1e-6);
  g_assert_cmpfloat_with_epsilon (lo.b, 0.329415, 1e-6);
  g_assert_cmpfloat_with_epsilon (hi.r, 0.993248, 1e-6);
  g_assert_cmpfloat_with_epsilon (hi.g, 0.906157, 1e-6);
  g_assert_cmpfloat_with_epsilon (hi.b, 0.143936, 1e-6);
  g_assert_cmpfloat_with_epsilon (mid.g, 0.566949, 1e-6);
  g_assert_cmpfloat_with_epsilon (q.r, 0.166617, 4e-3);
  g_assert_cmpfloat_with_epsilon (q.g, 0.463708, 4e-3);
  g_assert_cmpfloat_with_epsilon (q.b, 0.558119, 4e-3);
  g_assert_cmpfloat_with_epsilon (ll_render_map_position (LL_RENDER_MAP_VIRIDIS, r, 2.0), 0.5, 1e-12);
  g_assert_cmpfloat (ll_render_map_position (LL_RENDER_MAP_VIRIDIS, r, 7.0), ==, 1.0);
  g_assert_cmpfloat (ll_render_map_value (LL_RENDER_MAP_VIRIDIS, r, NAN).r, ==, ll_render_nan_rgb.r);
}

/* ---------------------------------------------------------------- kernels */

static void
test_kernels_all_ones (void)
{
  /* out 0: three all-ones 3x3 kernels; out 1: values in [-1, 1] */
  float w[2 * 3 * 9];
  nn_tensor t = tensor_wrap (w, 4, 2, 3, 3, 3);
  LlRenderRgb one;
  LlRenderView view;
  LlRenderLayout l;
  cairo_surface_t *s;

  for (int i = 0; i < 27; i++)
    w[i] = 1.0f;
  for (int i = 27; i < 54; i++)
    w[i] = (float) (i - 40) / 13.0f;
  view_setup (&view, LL_RENDER_KERNELS, &t);
  ll_render_view_measure (&view, &l);
  s = draw_view (&view, 1.0);
  one = ll_render_map_value (LL_RENDER_MAP_DIVERGING, ll_render_view_range (&view, 0), 1.0);
  /* every pixel of every cell of out 0's kernels, not only the centres */
  for (int i = 0; i < 3; i++)
    for (double y = l.body.y + 1.0; y < l.body.y + 1.0 + l.tile_height; y++)
      for (double x = l.body.x + 1.0 + i * l.pitch_x; x < l.body.x + 1.0 + i * l.pitch_x + l.tile_width; x++)
        assert_pixel_near (get_pixel (s, (int) x, (int) y), rgb_pixel (one), 1);
  /* out 0 holds the maximum: its colour is the red end of the map */
  assert_pixel_near (rgb_pixel (one), rgb_pixel (ll_render_map_at (LL_RENDER_MAP_DIVERGING, 1.0)), 0);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

static void
test_kernels_signs (void)
{
  float w[1 * 2 * 2 * 2] = { 0.0f, -0.5f, 0.5f, 0.25f, /* in 1: */ -1.0f, 1.0f, 0.0f, 0.0f };
  nn_tensor t = tensor_wrap (w, 4, 1, 2, 2, 2);
  LlRenderView view;
  LlRenderLayout l;
  cairo_surface_t *s;
  double x, y;
  pixel p, gap;

  view_setup (&view, LL_RENDER_KERNELS, &t);
  ll_render_view_measure (&view, &l);
  s = draw_view (&view, 1.0);
  kernel_cell_centre (&l, 0, 0, 0, 0, &x, &y);          /* 0 */
  assert_pixel_near (get_pixel (s, (int) x, (int) y), ((pixel) { 255, 255, 255, 255 }), 0);
  kernel_cell_centre (&l, 0, 1, 0, 0, &x, &y);          /* -1: the blue end */
  p = get_pixel (s, (int) x, (int) y);
  g_assert_cmpint (p.b, >, p.r + 60);
  assert_pixel_near (p, rgb_pixel (ll_render_map_at (LL_RENDER_MAP_DIVERGING, 0.0)), 1);
  kernel_cell_centre (&l, 0, 0, 1, 0, &x, &y);          /* 0.5: light red */
  p = get_pixel (s, (int) x, (int) y);
  g_assert_cmpint (p.r, >, p.b + 30);
  kernel_cell_centre (&l, 0, 0, 0, 1, &x, &y);          /* -0.5: light blue */
  p = get_pixel (s, (int) x, (int) y);
  g_assert_cmpint (p.b, >, p.r + 30);
  /* the line between the two kernels is neither white nor a map colour */
  gap = get_pixel (s, (int) (l.body.x + l.pitch_x), (int) (l.body.y + 3));
  g_assert_cmpint (gap.r, ==, gap.b);
  g_assert_cmpint (gap.r, <, 240);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

static void
test_kernels_hit (void)
{
  float w[4 * 3 * 5 * 3];
  nn_tensor t = tensor_wrap (w, 4, 4, 3, 5, 3);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  double x, y;

  for (int i = 0; i < 180; i++)
    w[i] = (float) i;
  view_setup (&view, LL_RENDER_KERNELS, &t);
  view.options.zoom = 1.5;
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.rows, ==, 4);
  g_assert_cmpint (l.cols, ==, 3);
  g_assert_cmpfloat (l.tile_width, ==, 3 * l.cell);
  g_assert_cmpfloat (l.tile_height, ==, 5 * l.cell);
  for (int o = 0; o < 4; o++)
    for (int i = 0; i < 3; i++)
      for (int ky = 0; ky < 5; ky += 2)
        for (int kx = 0; kx < 3; kx++)
          {
            kernel_cell_centre (&l, o, i, ky, kx, &x, &y);
            g_assert_true (ll_render_view_hit (&view, x, y, &hit));
            g_assert_cmpint (hit.n_index, ==, 4);
            g_assert_cmpint (hit.index[0], ==, o);
            g_assert_cmpint (hit.index[1], ==, i);
            g_assert_cmpint (hit.index[2], ==, ky);
            g_assert_cmpint (hit.index[3], ==, kx);
            g_assert_cmpfloat (hit.value, ==, w[((o * 3 + i) * 5 + ky) * 3 + kx]);
          }
  kernel_cell_centre (&l, 2, 1, 4, 0, &x, &y);
  g_assert_true (ll_render_view_hit (&view, x, y, &hit));
  g_assert_cmpstr (hit.label, ==, "out 2, in 1, ky 4, kx 0: 117");
  /* on the line between two kernels, left of the grid, and outside the view */
  g_assert_false (ll_render_view_hit (&view, l.body.x + l.pitch_x + 0.5, y, &hit));
  g_assert_false (ll_render_view_hit (&view, l.body.x - 2.0, y, &hit));
  g_assert_false (ll_render_view_hit (&view, -5.0, -5.0, &hit));
  ll_render_view_clear (&view);
}

static void
test_kernels_per_channel (void)
{
  float w[2 * 1 * 1 * 2] = { 0.01f, -0.005f, 1.0f, -2.0f };
  nn_tensor t = tensor_wrap (w, 4, 2, 1, 1, 2);
  LlRenderView view;
  LlRenderLayout l;
  cairo_surface_t *s;
  double x, y;
  pixel p;

  view_setup (&view, LL_RENDER_KERNELS, &t);
  ll_render_view_measure (&view, &l);
  kernel_cell_centre (&l, 0, 0, 0, 0, &x, &y);
  /* global: 0.01 against max |x| = 2 is almost white */
  s = draw_view (&view, 1.0);
  p = get_pixel (s, (int) x, (int) y);
  g_assert_cmpint (p.g, >, 245);
  cairo_surface_destroy (s);
  /* per output channel: 0.01 is the largest of its channel, the red end */
  view.options.scale = LL_RENDER_SCALE_PER_CHANNEL;
  s = draw_view (&view, 1.0);
  assert_pixel_near (get_pixel (s, (int) x, (int) y),
                     rgb_pixel (ll_render_map_at (LL_RENDER_MAP_DIVERGING, 1.0)), 1);
  cairo_surface_destroy (s);
  g_assert_cmpfloat (ll_render_view_range (&view, 1).hi, ==, 2.0);
  g_assert_cmpfloat_with_epsilon (ll_render_view_range (&view, 0).hi, 0.01, 1e-9);
  ll_render_view_clear (&view);
}

static void
test_kernels_rgb (void)
{
  /* out 0: R high, G low, B middle; out 1: all equal */
  float w[2 * 3 * 1 * 1] = { 1.0f, -1.0f, 0.0f, 0.5f, 0.5f, 0.5f };
  nn_tensor t = tensor_wrap (w, 4, 2, 3, 1, 1);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  cairo_surface_t *s;
  pixel p;
  double x, y;
  nn_error err = { 0 };
  nn_tensor bad = tensor_wrap (w, 4, 3, 2, 1, 1);

  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_KERNELS_RGB, &bad, &err), ==,
                   NN_STATUS_SHAPE);
  view_setup (&view, LL_RENDER_KERNELS_RGB, &t);
  view.options.scale = LL_RENDER_SCALE_PER_CHANNEL;
  ll_render_view_measure (&view, &l);
  s = draw_view (&view, 1.0);
  x = l.body.x + (l.pitch_x - l.tile_width) + l.cell / 2.0;
  y = l.body.y + (l.pitch_y - l.tile_height) + l.cell / 2.0;
  p = get_pixel (s, (int) x, (int) y);
  assert_pixel_near (p, ((pixel) { 255, 0, 128, 255 }), 1);
  g_assert_true (ll_render_view_hit (&view, x, y, &hit));
  g_assert_cmpint (hit.index[0], ==, 0);
  /* a constant kernel has no range of its own: grey at 0.5 in the whole range [-1, 1] */
  p = get_pixel (s, (int) (x + l.pitch_x), (int) y);
  assert_pixel_near (p, ((pixel) { 191, 191, 191, 255 }), 1);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

/* The window draws the visible part of a large grid: clipped and translated. */
static void
test_kernels_clipped (void)
{
  enum { O = 40, I = 30, K = 3 };
  float *w = g_new (float, O * I * K * K);
  nn_tensor t = tensor_wrap (w, 4, O, I, K, K);
  LlRenderView view;
  LlRenderLayout l;
  cairo_surface_t *full, *part;
  cairo_t *cr;
  int ox = 301, oy = 157, pw = 120, ph = 90;

  for (int i = 0; i < O * I * K * K; i++)
    w[i] = (float) sin (i * 0.37);
  view_setup (&view, LL_RENDER_KERNELS, &t);
  ll_render_view_measure (&view, &l);
  g_assert_cmpfloat (l.width, >, ox + pw);
  g_assert_cmpfloat (l.height, >, oy + ph);
  full = draw_view (&view, 1.0);
  part = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pw, ph);
  cr = cairo_create (part);
  cairo_translate (cr, -ox, -oy);
  ll_render_view_draw (&view, cr);
  cairo_destroy (cr);
  for (int y = 0; y < ph; y += 3)
    for (int x = 0; x < pw; x += 3)
      if (in_body (&l, ox + x, oy + y))
        assert_pixel_near (get_pixel (part, x, y), get_pixel (full, ox + x, oy + y), 0);
  cairo_surface_destroy (full);
  cairo_surface_destroy (part);
  ll_render_view_clear (&view);
  g_free (w);
}

/* At scale 2 (HiDPI, --scale 2) each cell is twice as many pixels, all one colour. */
static void
test_kernels_scale2 (void)
{
  float w[1 * 1 * 2 * 2] = { -1.0f, 1.0f, 0.0f, 0.5f };
  nn_tensor t = tensor_wrap (w, 4, 1, 1, 2, 2);
  LlRenderView view;
  LlRenderLayout l;
  cairo_surface_t *s;
  double x0, y0;

  view_setup (&view, LL_RENDER_KERNELS, &t);
  ll_render_view_measure (&view, &l);
  s = draw_view (&view, 2.0);
  x0 = 2.0 * (l.body.x + 1.0 + l.cell);    /* cell (0, 1): value 1 */
  y0 = 2.0 * (l.body.y + 1.0);
  for (int y = 0; y < (int) (2 * l.cell); y++)
    for (int x = 0; x < (int) (2 * l.cell); x++)
      assert_pixel_near (get_pixel (s, (int) x0 + x, (int) y0 + y),
                         rgb_pixel (ll_render_map_at (LL_RENDER_MAP_DIVERGING, 1.0)), 0);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

/* One input channel (the seed network's first layer: 32 x 1 x 5 x 5): the kernels wrap
 * into rows of `columns` instead of one tall column; kernel o sits in row o / columns. */
static void
test_kernels_wrapped (void)
{
  enum { O = 7, K = 3 };
  float w[O * K * K];
  nn_tensor t = tensor_wrap (w, 4, O, 1, K, K);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  cairo_surface_t *s;
  double x, y;

  for (int i = 0; i < O * K * K; i++)
    w[i] = (float) (i / (K * K)) - 3.0f;      /* kernel o is all o - 3 */
  view_setup (&view, LL_RENDER_KERNELS, &t);
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.cols, ==, 3);            /* about square: ceil (sqrt (7)) */
  g_assert_cmpint (l.rows, ==, 3);
  view.options.columns = 4;
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.cols, ==, 4);
  g_assert_cmpint (l.rows, ==, 2);
  g_assert_cmpfloat (l.height, <, l.width);
  s = draw_view (&view, 1.0);
  for (int o = 0; o < O; o++)
    {
      LlRenderRgb c = ll_render_map_value (LL_RENDER_MAP_DIVERGING, ll_render_view_range (&view, o),
                                           (double) o - 3.0);

      /* tile (o / 4, o % 4): every cell has kernel o's colour, and hovering names it */
      for (int ky = 0; ky < K; ky++)
        for (int kx = 0; kx < K; kx++)
          {
            kernel_cell_centre (&l, o / 4, o % 4, ky, kx, &x, &y);
            assert_pixel_near (get_pixel (s, (int) x, (int) y), rgb_pixel (c), 1);
            g_assert_true (ll_render_view_hit (&view, x, y, &hit));
            g_assert_cmpint (hit.index[0], ==, o);
            g_assert_cmpint (hit.index[1], ==, 0);
            g_assert_cmpint (hit.index[2], ==, ky);
            g_assert_cmpint (hit.index[3], ==, kx);
            g_assert_cmpint (hit.element, ==, (o * K + ky) * K + kx);
          }
    }
  /* the place of an eighth kernel is empty: no hit, nothing painted */
  kernel_cell_centre (&l, 1, 3, 1, 1, &x, &y);
  g_assert_false (ll_render_view_hit (&view, x, y, &hit));
  g_assert_cmpint (get_pixel (s, (int) x, (int) y).r, ==, get_pixel (s, (int) l.width - 1, 0).r);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

/* The words of hover labels and legends go through the caller's translation. */
static const char *
fake_translate (const char *msgid)
{
  if (strcmp (msgid, "out %lld, in %lld, ky %lld, kx %lld: %s") == 0)
    return "aus %lld, ein %lld, ky %lld, kx %lld: %s";
  if (strcmp (msgid, "symmetric: white = 0") == 0)
    return "symmetrisch: weiß = 0";
  return msgid;
}

static void
test_translate (void)
{
  float w[2 * 2 * 1 * 1] = { 1.0f, -2.0f, 0.5f, 0.0f };
  nn_tensor t = tensor_wrap (w, 4, 2, 2, 1, 1);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderLegend legend;
  LlRenderHit hit;
  double x, y;

  view_setup (&view, LL_RENDER_KERNELS, &t);
  ll_render_view_measure (&view, &l);
  kernel_cell_centre (&l, 1, 0, 0, 0, &x, &y);
  ll_render_set_translate_func (fake_translate);
  g_assert_true (ll_render_view_hit (&view, x, y, &hit));
  ll_render_view_legend (&view, &legend);
  ll_render_set_translate_func (NULL);
  g_assert_cmpstr (hit.label, ==, "aus 1, ein 0, ky 0, kx 0: 0.5");
  g_assert_cmpstr (legend.caption, ==, "symmetrisch: weiß = 0");
  /* without a translation: English */
  g_assert_true (ll_render_view_hit (&view, x, y, &hit));
  g_assert_cmpstr (hit.label, ==, "out 1, in 0, ky 0, kx 0: 0.5");
  ll_render_view_clear (&view);
}

/* ---------------------------------------------------------------- legend */

static void
test_legend_range (void)
{
  float w[2 * 3] = { 0.25f, -0.75f, 0.5f, 0.125f, 0.0f, -0.0625f };
  nn_tensor t = tensor_wrap (w, 2, 2, 3, 1, 1);
  LlRenderView view;
  LlRenderLegend legend;
  LlRenderLayout l;
  cairo_surface_t *s;
  pixel left, right;
  double bar_w;

  view_setup (&view, LL_RENDER_MATRIX, &t);
  ll_render_view_legend (&view, &legend);
  /* weights: symmetric [-a, a] with a = max |x| */
  g_assert_cmpfloat (legend.range.lo, ==, -0.75);
  g_assert_cmpfloat (legend.range.hi, ==, 0.75);
  g_assert_cmpstr (legend.lo_label, ==, "-0.75");
  g_assert_cmpstr (legend.hi_label, ==, "0.75");
  g_assert_true (legend.show_zero);
  g_assert_cmpfloat (legend.zero_position, ==, 0.5);
  g_assert_false (legend.relative);

  /* activations: viridis from min to max */
  view.options.map = LL_RENDER_MAP_VIRIDIS;
  ll_render_view_legend (&view, &legend);
  g_assert_cmpfloat (legend.range.lo, ==, -0.75);
  g_assert_cmpfloat (legend.range.hi, ==, 0.5);
  g_assert_cmpstr (legend.hi_label, ==, "0.5");
  g_assert_cmpfloat_with_epsilon (legend.zero_position, 0.6, 1e-12);

  /* the bar is drawn from one end of the map to the other */
  ll_render_view_measure (&view, &l);
  s = draw_view (&view, 1.0);
  bar_w = fmin (l.legend.width, 320.0);
  left = get_pixel (s, (int) l.legend.x, (int) l.legend.y + 12);
  right = get_pixel (s, (int) (l.legend.x + bar_w) - 1, (int) l.legend.y + 12);
  assert_pixel_near (left, rgb_pixel (ll_render_map_at (LL_RENDER_MAP_VIRIDIS, 0.5 / bar_w)), 2);
  assert_pixel_near (right, rgb_pixel (ll_render_map_at (LL_RENDER_MAP_VIRIDIS,
                                                         1.0 - 0.5 / bar_w)), 2);
  cairo_surface_destroy (s);

  /* per row: each row has its own range, the legend says so instead of numbers */
  view.options.scale = LL_RENDER_SCALE_PER_CHANNEL;
  ll_render_view_legend (&view, &legend);
  g_assert_true (legend.relative);
  g_assert_cmpstr (legend.lo_label, ==, "min");
  g_assert_cmpfloat (ll_render_view_range (&view, 1).lo, ==, -0.0625);
  g_assert_cmpfloat (ll_render_view_range (&view, 1).hi, ==, 0.125);

  /* no legend: the view is shorter and has no legend rectangle */
  view.options.legend = false;
  ll_render_view_measure (&view, &l);
  g_assert_cmpfloat (l.legend.height, ==, 0.0);
  ll_render_view_clear (&view);
}

/* ---------------------------------------------------------------- matrix */

static void
test_matrix (void)
{
  float w[3 * 4];
  nn_tensor t = tensor_wrap (w, 2, 3, 4, 1, 1);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  cairo_surface_t *s;

  for (int i = 0; i < 12; i++)
    w[i] = (float) (i - 6);
  view_setup (&view, LL_RENDER_MATRIX, &t);
  ll_render_view_measure (&view, &l);
  g_assert_cmpfloat (l.body.width, ==, 4 * l.pitch_x);
  g_assert_cmpfloat (l.body.height, ==, 3 * l.pitch_y);
  s = draw_view (&view, 1.0);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 4; c++)
      {
        double x = l.body.x + (c + 0.5) * l.pitch_x, y = l.body.y + (r + 0.5) * l.pitch_y;

        assert_pixel_near (get_pixel (s, (int) x, (int) y),
                           rgb_pixel (ll_render_map_value (LL_RENDER_MAP_DIVERGING,
                                                           ll_render_view_range (&view, r),
                                                           w[r * 4 + c])), 1);
        g_assert_true (ll_render_view_hit (&view, x, y, &hit));
        g_assert_cmpint (hit.index[0], ==, r);
        g_assert_cmpint (hit.index[1], ==, c);
        g_assert_cmpint (hit.element, ==, r * 4 + c);
      }
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

/* ---------------------------------------------------------------- statistics */

static void
test_stats (void)
{
  float y[] = { 3.0f, -1.5f, 0.0f, 0.0f, 2.25f, 7.0f, -4.0f, 0.5f, 1e-3f, 6.5f };
  int n = G_N_ELEMENTS (y);
  double mean = 0.0, var = 0.0;
  LlRenderStats s;

  for (int i = 0; i < n; i++)
    mean += y[i];
  mean /= n;
  for (int i = 0; i < n; i++)
    var += (y[i] - mean) * (y[i] - mean);
  ll_render_stats_compute (y, n, &s);
  g_assert_cmpint (s.n, ==, 10);
  g_assert_cmpint (s.n_finite, ==, 10);
  g_assert_cmpint (s.n_zeros, ==, 2);
  g_assert_cmpfloat (s.zero_fraction, ==, 0.2);
  g_assert_cmpfloat (s.min, ==, -4.0);
  g_assert_cmpfloat (s.max, ==, 7.0);
  g_assert_cmpfloat_with_epsilon (s.mean, mean, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.std, sqrt (var / n), 1e-12);
  /* numpy: y.mean() = 1.3751, y.std() = 3.2388810 (float64) */
  g_assert_cmpfloat_with_epsilon (s.mean, 1.3751000000047497, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.std, 3.23888099348941, 1e-9);
}

static void
test_stats_channels (void)
{
  /* [3, 2, 2] after a ReLU: channel 1 is dead */
  float a[12] = { 1, 0, 2, 3, 0, 0, 0, 0, NAN, 4, 0, INFINITY };
  LlRenderStats *s = NULL;
  nn_error err = { 0 };

  g_assert_cmpint (ll_render_channel_stats (a, 3, 4, &s, &err), ==, NN_OK);
  g_assert_cmpfloat (s[0].zero_fraction, ==, 0.25);
  g_assert_cmpfloat (s[0].mean, ==, 1.5);
  g_assert_cmpfloat (s[1].zero_fraction, ==, 1.0);
  g_assert_cmpfloat (s[1].max, ==, 0.0);
  /* NaN and inf are counted but left out of min/max/mean/std */
  g_assert_cmpint (s[2].n_finite, ==, 2);
  g_assert_cmpfloat (s[2].mean, ==, 2.0);
  g_assert_cmpfloat (s[2].std, ==, 2.0);
  g_assert_cmpfloat (s[2].max, ==, 4.0);
  free (s);
}

/* Many channels with zeros, NaN and Inf: the statistics merged from the channels' equal
 * those of the whole, and both equal a plain two-pass loop in double */
static void
test_stats_merge (void)
{
  enum { C = 37, HW = 1001 };
  g_autofree float *a = g_new (float, C * HW);
  g_autoptr (GRand) r = g_rand_new_with_seed (17);
  LlRenderStats *per = NULL, merged, whole;
  nn_error err = { 0 };
  double sum = 0.0, ss = 0.0, mean, lo = INFINITY, hi = -INFINITY;
  int64_t finite = 0;

  for (int i = 0; i < C * HW; i++)
    {
      int pick = g_rand_int_range (r, 0, 50);

      a[i] = pick == 0 ? NAN : pick == 1 ? INFINITY : pick == 2 ? -INFINITY
             : pick < 10 ? 0.0f : (float) g_rand_double_range (r, -3.0, 5.0) + (i / HW) * 0.25f;
    }
  for (int i = 0; i < C * HW; i++)
    if (isfinite (a[i]))
      {
        sum += a[i];
        lo = MIN (lo, a[i]);
        hi = MAX (hi, a[i]);
        finite++;
      }
  mean = sum / finite;
  for (int i = 0; i < C * HW; i++)
    if (isfinite (a[i]))
      ss += (a[i] - mean) * (a[i] - mean);
  ll_render_stats_compute (a, C * HW, &whole);
  g_assert_cmpint (ll_render_channel_stats (a, C, HW, &per, &err), ==, NN_OK);
  ll_render_stats_merge (per, C, &merged);
  for (int k = 0; k < 2; k++)
    {
      const LlRenderStats *s = k == 0 ? &whole : &merged;

      g_assert_cmpint (s->n, ==, C * HW);
      g_assert_cmpint (s->n_finite, ==, finite);
      g_assert_cmpfloat (s->min, ==, lo);
      g_assert_cmpfloat (s->max, ==, hi);
      g_assert_cmpfloat_with_epsilon (s->mean, mean, 1e-12 * fabs (mean) + 1e-15);
      g_assert_cmpfloat_with_epsilon (s->std, sqrt (ss / finite), 1e-12 * sqrt (ss / finite));
    }
  g_assert_cmpint (merged.n_zeros, ==, whole.n_zeros);
  g_assert_cmpfloat (merged.zero_fraction, ==, whole.zero_fraction);
  free (per);
}

static void
test_histogram (void)
{
  float x[11];
  float y[] = { 3.0f, -1.5f, 0.0f, 0.0f, 2.25f, 7.0f, -4.0f, 0.5f, 1e-3f, 6.5f };
  /* numpy.histogram (x, bins = 10) and (y, bins = 7) */
  static const int64_t x_counts[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 2 };
  static const int64_t y_counts[7] = { 1, 1, 4, 1, 1, 0, 2 };
  LlRenderHistogram h;
  nn_error err = { 0 };
  int64_t sum = 0;

  for (int i = 0; i < 11; i++)
    x[i] = (float) i * 0.1f;
  g_assert_cmpint (ll_render_histogram_compute (x, 11, 10, &h, &err), ==, NN_OK);
  for (int i = 0; i < 10; i++)
    g_assert_cmpint (h.counts[i], ==, x_counts[i]);
  ll_render_histogram_clear (&h);

  g_assert_cmpint (ll_render_histogram_compute (y, 10, 7, &h, &err), ==, NN_OK);
  for (int i = 0; i < 7; i++)
    {
      g_assert_cmpint (h.counts[i], ==, y_counts[i]);
      sum += h.counts[i];
    }
  g_assert_cmpint (sum, ==, 10);
  g_assert_cmpfloat (h.lo, ==, -4.0);
  g_assert_cmpfloat (h.hi, ==, 7.0);
  ll_render_histogram_clear (&h);

  /* all equal: numpy's [x - 0.5, x + 0.5], everything in the middle bin */
  for (int i = 0; i < 11; i++)
    x[i] = 2.0f;
  g_assert_cmpint (ll_render_histogram_compute (x, 11, 5, &h, &err), ==, NN_OK);
  g_assert_cmpfloat (h.lo, ==, 1.5);
  g_assert_cmpint (h.counts[2], ==, 11);
  ll_render_histogram_clear (&h);
}

static void
test_histogram_sum (void)
{
  enum { N = 10007 };
  float *x = g_new (float, N);
  LlRenderHistogram h;
  nn_error err = { 0 };
  int64_t sum = 0;

  for (int i = 0; i < N; i++)
    x[i] = (float) (sin (i * 1.7) * exp (cos (i * 0.3)));
  x[17] = NAN;
  g_assert_cmpint (ll_render_histogram_compute (x, N, 37, &h, &err), ==, NN_OK);
  for (int i = 0; i < 37; i++)
    sum += h.counts[i];
  g_assert_cmpint (sum, ==, N - 1);
  g_assert_cmpint (h.stats.n_finite, ==, N - 1);
  ll_render_histogram_clear (&h);
  g_free (x);
}

static void
test_histogram_view (void)
{
  float y[] = { 3.0f, -1.5f, 0.0f, 0.0f, 2.25f, 7.0f, -4.0f, 0.5f, 1e-3f, 6.5f };
  nn_tensor t = tensor_wrap (y, 1, 10, 1, 1, 1);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  cairo_surface_t *s;
  pixel p;

  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_HISTOGRAM, &t, NULL), ==, NN_OK);
  view.options.bins = 7;
  view.options.background = true;
  g_assert_cmpint (ll_render_view_prepare (&view, NULL), ==, NN_OK);
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.cols, ==, 7);
  g_assert_true (ll_render_view_hit (&view, l.body.x + 2.5 * l.pitch_x, l.body.y + 5, &hit));
  g_assert_cmpint (hit.index[0], ==, 2);
  g_assert_cmpfloat (hit.value, ==, 4.0);
  g_assert_cmpfloat_with_epsilon (hit.bin_lo, -4.0 + 2 * 11.0 / 7, 1e-6);
  g_assert_cmpfloat_with_epsilon (hit.bin_hi, -4.0 + 3 * 11.0 / 7, 1e-6);
  g_assert_false (ll_render_view_hit (&view, l.body.x - 3, l.body.y + 5, &hit));
  /* the tallest bar (bin 2) reaches the top; the empty bin 5 leaves the background */
  s = draw_view (&view, 1.0);
  p = get_pixel (s, (int) (l.body.x + 2.5 * l.pitch_x), (int) l.body.y + 2);
  g_assert_cmpint (p.r + p.g + p.b, <, 3 * 250);
  p = get_pixel (s, (int) (l.body.x + 5.5 * l.pitch_x), (int) (l.body.y + l.body.height - 3));
  assert_pixel_near (p, ((pixel) { 255, 255, 255, 255 }), 0);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

/* ---------------------------------------------------------------- activations */

static void
test_feature_maps (void)
{
  enum { C = 5, H = 4, W = 3 };
  float a[C * H * W];
  nn_tensor t = tensor_wrap (a, 4, 1, C, H, W);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  cairo_surface_t *s;

  for (int i = 0; i < C * H * W; i++)
    a[i] = (float) (i % 7);
  view_setup (&view, LL_RENDER_FEATURE_MAPS, &t);
  g_assert_cmpint (view.options.map, ==, LL_RENDER_MAP_VIRIDIS);
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.cols, ==, 3);
  g_assert_cmpint (l.rows, ==, 2);
  g_assert_cmpfloat (l.tile_width, ==, W * l.cell);
  g_assert_cmpfloat (l.tile_height, ==, H * l.cell);
  s = draw_view (&view, 1.0);
  for (int c = 0; c < C; c++)
    {
      /* bottom-right pixel of tile c: its tiles sit at the bottom of each pitch */
      double tx = l.body.x + (c % l.cols) * l.pitch_x;
      double ty = l.body.y + (c / l.cols) * l.pitch_y + l.pitch_y - 6.0 - l.tile_height;
      double x = tx + (W - 0.5) * l.cell, y = ty + (H - 0.5) * l.cell;

      g_assert_true (ll_render_view_hit (&view, x, y, &hit));
      g_assert_cmpint (hit.index[0], ==, c);
      g_assert_cmpint (hit.index[1], ==, H - 1);
      g_assert_cmpint (hit.index[2], ==, W - 1);
      assert_pixel_near (get_pixel (s, (int) x, (int) y),
                         rgb_pixel (ll_render_map_value (LL_RENDER_MAP_VIRIDIS,
                                                         ll_render_view_range (&view, c),
                                                         a[(c * H + H - 1) * W + W - 1])), 1);
    }
  /* no sixth tile */
  g_assert_false (ll_render_view_hit (&view, l.body.x + 2 * l.pitch_x + 1,
                                      l.body.y + l.pitch_y + l.pitch_y - 8.0, &hit));
  cairo_surface_destroy (s);

  /* one channel alone: one tile, labelled with its own range */
  view.options.channel = 3;
  view.options.scale = LL_RENDER_SCALE_PER_CHANNEL;
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.cols * l.rows, ==, 1);
  g_assert_true (ll_render_view_hit (&view, l.body.x + 1, l.body.y + l.pitch_y - 7.0, &hit));
  g_assert_cmpint (hit.index[0], ==, 3);
  {
    LlRenderLegend legend;

    ll_render_view_legend (&view, &legend);
    g_assert_false (legend.relative);
    g_assert_cmpfloat (legend.range.lo, ==, view.channel_stats[3].min);
    g_assert_cmpfloat (legend.range.hi, ==, view.channel_stats[3].max);
  }
  ll_render_view_clear (&view);
}

/* A classifier's top-5 shows softmax probabilities: scores 0, ln 2, ln 3 give 1/6, 2/6,
 * 3/6; the same scores shifted by 1000 (exp would overflow without the max taken out)
 * give the same up to the shift's float rounding; bars are shares of the whole width, so
 * a negative score no longer looks strong. */
static void
test_topk_probabilities (void)
{
  float v[] = { 0.0f, (float) M_LN2, (float) log (3.0), -1e30f };
  float shifted[4], p[4], q[4];
  nn_tensor t = tensor_wrap (v, 2, 1, 4, 1, 1);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  cairo_surface_t *s;

  ll_render_softmax (v, 4, p);
  g_assert_cmpfloat_with_epsilon (p[0], 1.0 / 6.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (p[1], 2.0 / 6.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (p[2], 3.0 / 6.0, 1e-7);
  g_assert_cmpfloat (p[3], ==, 0.0);
  for (int i = 0; i < 4; i++)
    shifted[i] = v[i] + 1000.0f;
  ll_render_softmax (shifted, 4, q);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (q[i], p[i], 1e-4);
  shifted[3] = NAN;
  ll_render_softmax (shifted, 4, q);
  g_assert_true (isnan (q[0]) && isnan (q[2]));

  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_TOPK, &t, NULL), ==, NN_OK);
  view.options.k = 3;
  view.options.topk_values = LL_RENDER_TOPK_SOFTMAX;
  g_assert_cmpint (ll_render_view_prepare (&view, NULL), ==, NN_OK);
  g_assert_cmpint (view.topk.index[0], ==, 2);
  g_assert_cmpfloat_with_epsilon (view.topk.value[0], 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (view.topk.value[2], 1.0 / 6.0, 1e-6);
  ll_render_view_measure (&view, &l);
  g_assert_true (ll_render_view_hit (&view, l.body.x + 3, l.body.y + 0.5 * l.pitch_y, &hit));
  g_assert_cmpstr (hit.label, ==, "#1: class 2: 50.00 % probability");
  s = draw_view (&view, 1.0);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
}

/* A 1000-way classifier's top classes by ImageNet name: the list is torchvision's
 * (281 is "tabby"), long names are cut to fit, the width follows the names shown. */
static void
test_topk_class_names (void)
{
  const char *const *names = ll_render_imagenet_class_names ();
  float *v = g_new0 (float, 1000);
  nn_tensor t = tensor_wrap (v, 2, 1, 1000, 1, 1);
  LlRenderView view;
  LlRenderLayout plain, named;
  LlRenderHit hit;
  cairo_surface_t *s;
  int n = 0;

  while (names[n] != NULL)
    n++;
  g_assert_cmpint (n, ==, 1000);
  g_assert_cmpstr (names[0], ==, "tench");
  g_assert_cmpstr (names[281], ==, "tabby");
  g_assert_cmpstr (names[999], ==, "toilet tissue");
  v[281] = 5.0f;
  v[2] = 3.0f;
  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_TOPK, &t, NULL), ==, NN_OK);
  view.options.k = 2;
  view.options.topk_values = LL_RENDER_TOPK_SOFTMAX;
  g_assert_cmpint (ll_render_view_prepare (&view, NULL), ==, NN_OK);
  ll_render_view_measure (&view, &plain);
  view.options.class_names = names;
  ll_render_view_measure (&view, &named);
  g_assert_cmpfloat (named.width, >, plain.width);   /* "great white shark" outgrows "class 2" */
  g_assert_true (ll_render_view_hit (&view, named.body.x + 3, named.body.y + 0.5 * named.pitch_y,
                                     &hit));
  g_assert_nonnull (strstr (hit.label, "#1: class 281 (tabby): "));
  s = draw_view (&view, 1.0);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);
  g_free (v);
}

static void
test_bars_topk (void)
{
  float v[] = { 0.1f, 0.5f, 0.3f, 0.5f, NAN, -1.0f, 0.2f };
  nn_tensor t = tensor_wrap (v, 2, 1, 7, 1, 1);
  LlRenderView view;
  LlRenderLayout l;
  LlRenderHit hit;
  LlRenderTopk top;
  cairo_surface_t *s;

  view_setup (&view, LL_RENDER_BARS, &t);
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.cols, ==, 7);
  g_assert_true (ll_render_view_hit (&view, l.body.x + 5.5 * l.pitch_x, l.body.y + 2, &hit));
  g_assert_cmpint (hit.index[0], ==, 5);
  g_assert_cmpfloat (hit.value, ==, -1.0);
  s = draw_view (&view, 1.0);
  cairo_surface_destroy (s);
  ll_render_view_clear (&view);

  g_assert_cmpint (ll_render_topk_compute (v, 7, 3, &top, NULL), ==, NN_OK);
  g_assert_cmpint (top.k, ==, 3);
  g_assert_cmpint (top.index[0], ==, 1);   /* ties: lower index first */
  g_assert_cmpint (top.index[1], ==, 3);
  g_assert_cmpint (top.index[2], ==, 2);
  g_assert_cmpfloat (top.value[2], ==, (float) 0.3f);
  ll_render_topk_clear (&top);
  /* more than there are: all finite values, NaN left out */
  g_assert_cmpint (ll_render_topk_compute (v, 7, 10, &top, NULL), ==, NN_OK);
  g_assert_cmpint (top.k, ==, 6);
  g_assert_cmpint (top.index[5], ==, 5);
  ll_render_topk_clear (&top);

  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_TOPK, &t, NULL), ==, NN_OK);
  view.options.k = 2;
  g_assert_cmpint (ll_render_view_prepare (&view, NULL), ==, NN_OK);
  ll_render_view_measure (&view, &l);
  g_assert_cmpint (l.rows, ==, 2);
  g_assert_true (ll_render_view_hit (&view, l.body.x + 3, l.body.y + 1.5 * l.pitch_y, &hit));
  g_assert_cmpint (hit.index[0], ==, 3);
  ll_render_view_clear (&view);
}

static void
test_shape_errors (void)
{
  float w[12] = { 0 };
  nn_tensor t = tensor_wrap (w, 2, 3, 4, 1, 1);
  nn_tensor empty = tensor_wrap (w, 4, 0, 3, 3, 3);
  LlRenderView view;
  nn_error err = { 0 };

  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_KERNELS, &t, &err), ==, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (err.message, "[3, 4]"));
  g_assert_nonnull (strstr (err.message, "Conv2d"));
  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_FEATURE_MAPS, &t, &err), ==,
                   NN_STATUS_SHAPE);
  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_KERNELS, &empty, &err), ==,
                   NN_STATUS_SHAPE);
  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_BARS, &t, &err), ==, NN_OK);
  g_assert_cmpint (view.dims[0], ==, 4);    /* [N, F]: sample 0 */
  view.options.k = 0;
  g_assert_cmpint (ll_render_view_init (&view, LL_RENDER_TOPK, &t, &err), ==, NN_OK);
  view.options.k = 0;
  g_assert_cmpint (ll_render_view_prepare (&view, &err), ==, NN_STATUS_INVALID_ARG);
  ll_render_view_clear (&view);
}

/* ---------------------------------------------------------------- export */

static void
test_export (void)
{
  float w[2 * 1 * 3 * 3];
  nn_tensor t = tensor_wrap (w, 4, 2, 1, 3, 3);
  g_autofree char *dir = g_dir_make_tmp ("test-render-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "kernels.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "kernels.SVG", NULL);
  g_autofree char *contents = NULL;
  LlRenderView view;
  LlRenderLayout l;
  LlRenderFormat format;
  cairo_surface_t *s;
  nn_error err = { 0 };
  double x, y;
  GDir *d;

  for (int i = 0; i < 18; i++)
    w[i] = i < 9 ? 1.0f : -1.0f;
  g_assert_nonnull (dir);
  view_setup (&view, LL_RENDER_KERNELS, &t);
  view.options.background = false;     /* export paints one anyway */
  view.options.title = "layer 0: Conv2d weight";
  ll_render_view_measure (&view, &l);

  g_assert_true (ll_render_format_from_path (png, &format));
  g_assert_cmpint (format, ==, LL_RENDER_FORMAT_PNG);
  g_assert_cmpint (ll_render_view_export (&view, png, format, 2.0, &err), ==, NN_OK);
  s = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, (int) ceil (2.0 * l.width));
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, (int) ceil (2.0 * l.height));
  kernel_cell_centre (&l, 0, 1, 2, 2, &x, &y);    /* kernel 1: one input, so beside kernel 0 */
  assert_pixel_near (get_pixel (s, (int) (2 * x), (int) (2 * y)),
                     rgb_pixel (ll_render_map_at (LL_RENDER_MAP_DIVERGING, 0.0)), 1);
  assert_pixel_near (get_pixel (s, 1, 1), ((pixel) { 255, 255, 255, 255 }), 0);
  cairo_surface_destroy (s);

  g_assert_true (ll_render_format_from_path (svg, &format));
  g_assert_cmpint (format, ==, LL_RENDER_FORMAT_SVG);
  g_assert_cmpint (ll_render_view_export (&view, svg, format, 1.0, &err), ==, NN_OK);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));

  /* only the two files: no temporary left behind */
  d = g_dir_open (dir, 0, NULL);
  for (int i = 0; i < 3; i++)
    {
      const char *name = g_dir_read_name (d);

      if (i == 2)
        g_assert_null (name);
      else
        g_assert_true (g_str_equal (name, "kernels.png") || g_str_equal (name, "kernels.SVG"));
    }
  g_dir_close (d);
  g_assert_false (ll_render_format_from_path ("x.jpg", &format));
  g_unlink (png);
  g_unlink (svg);
  g_rmdir (dir);
  ll_render_view_clear (&view);
}

static void
test_export_errors (void)
{
  float *w = g_new0 (float, 700 * 9);
  nn_tensor t = tensor_wrap (w, 4, 1, 700, 3, 3);
  g_autofree char *dir = g_dir_make_tmp ("test-render-XXXXXX", NULL);
  g_autofree char *big = g_build_filename (dir, "big.png", NULL);
  const char *path = "/nonexistent-dir/sub/out.png";
  LlRenderView view;
  nn_error err = { 0 };

  view_setup (&view, LL_RENDER_KERNELS, &t);
  g_assert_cmpint (ll_render_view_export (&view, path, LL_RENDER_FORMAT_PNG, 1.0, &err), ==,
                   NN_STATUS_IO);
  g_assert_nonnull (strstr (err.message, path));
  /* 700 kernels side by side at scale 2: more than Cairo's 32767 pixels */
  g_assert_cmpint (ll_render_view_export (&view, big, LL_RENDER_FORMAT_PNG, 2.0, &err), ==,
                   NN_STATUS_TOO_LARGE);
  g_assert_nonnull (strstr (err.message, big));
  g_assert_false (g_file_test (big, G_FILE_TEST_EXISTS));
  g_assert_cmpint (ll_render_view_export (&view, big, LL_RENDER_FORMAT_PNG, -1.0, &err), ==,
                   NN_STATUS_INVALID_ARG);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  ll_render_view_clear (&view);
  g_free (w);
}

/* ---------------------------------------------------------------- plots */

static cairo_surface_t *
draw_plot (const LlPlot *plot, int width, int height)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (s);

  ll_plot_draw (plot, cr, width, height);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  return s;
}

static pixel
plot_pixel (cairo_surface_t *s, const LlPlotLayout *l, double x, double y)
{
  double ux, uy;

  ll_plot_to_user (l, x, y, &ux, &uy);
  return get_pixel (s, (int) floor (ux), (int) floor (uy));
}

/* A known training curve and a validation curve with a gap (NaN): the dots and the
 * segments between them have the series' colours, the gap and the rest stay white. */
static void
test_plot_series (void)
{
  const double x[4] = { 1, 2, 3, 4 };
  const double train[4] = { 1.0, 0.5, 0.5, 0.2 }, val[4] = { 0.3, NAN, 0.7, 0.7 };
  const LlPlotSeries series[2] = {
    { "train", x, train, 4, ll_plot_train_rgb, true },
    { "validation", x, val, 4, ll_plot_val_rgb, true },
  };
  LlPlot plot = { .title = "Loss", .x_label = "epoch", .series = series, .n_series = 2,
                  .x_min = 1, .x_max = 4, .y_min = 0, .y_max = 1, .x_integer = true,
                  .background = true };
  pixel white = { 255, 255, 255, 255 };
  LlPlotLayout l;
  cairo_surface_t *s = draw_plot (&plot, 320, 220);

  ll_plot_measure (&plot, 320, 220, &l);
  g_assert_cmpfloat (l.x_lo, ==, 1.0);
  g_assert_cmpfloat (l.y_hi, ==, 1.0);
  g_assert_cmpfloat (l.area.x + l.area.width, <=, 320.0);
  g_assert_cmpfloat (l.area.y + l.area.height, <=, 220.0);
  for (int i = 0; i < 4; i++)
    assert_pixel_near (plot_pixel (s, &l, x[i], train[i]), rgb_pixel (ll_plot_train_rgb), 2);
  /* the flat segment from epoch 2 to 3 */
  assert_pixel_near (plot_pixel (s, &l, 2.5, 0.5), rgb_pixel (ll_plot_train_rgb), 2);
  assert_pixel_near (plot_pixel (s, &l, 3.5, 0.7), rgb_pixel (ll_plot_val_rgb), 2);
  assert_pixel_near (plot_pixel (s, &l, 1.0, 0.3), rgb_pixel (ll_plot_val_rgb), 2);
  /* NaN at epoch 2: no segment from epoch 1 to 3 */
  assert_pixel_near (plot_pixel (s, &l, 2.0, 0.5 * (0.3 + 0.7) - 0.1), white, 0);
  assert_pixel_near (plot_pixel (s, &l, 1.5, 0.35), white, 0);
  assert_pixel_near (plot_pixel (s, &l, 3.5, 0.85), white, 0);
  cairo_surface_destroy (s);

  /* from the data: x spans the points, y starts at 0 and covers the largest value */
  plot.x_min = plot.x_max = plot.y_min = plot.y_max = 0;
  ll_plot_measure (&plot, 320, 220, &l);
  g_assert_cmpfloat (l.x_lo, ==, 1.0);
  g_assert_cmpfloat (l.x_hi, ==, 4.0);
  g_assert_cmpfloat (l.y_lo, ==, 0.0);
  g_assert_cmpfloat (l.y_hi, >=, 1.0);
  g_assert_cmpfloat (l.y_hi, <=, 1.5);
}

static gboolean
pixel_is (pixel p, pixel q, int tol)
{
  return abs (p.r - q.r) <= tol && abs (p.g - q.g) <= tol && abs (p.b - q.b) <= tol;
}

/* Points at the ends of the range (the last epoch, 100%) lie inside the frame: their
 * dots leave the frame's line and what is outside it alone. */
static void
test_plot_edges (void)
{
  const double x[2] = { 0.0, 1.0 }, y[2] = { 0.0, 1.0 };
  const LlPlotSeries series = { "train", x, y, 2, ll_plot_train_rgb, true };
  LlPlot plot = { .series = &series, .n_series = 1, .x_min = 0, .x_max = 1, .y_min = 0,
                  .y_max = 1, .background = true };
  pixel white = { 255, 255, 255, 255 }, train = rgb_pixel (ll_plot_train_rgb);
  cairo_surface_t *s = draw_plot (&plot, 240, 160);
  LlPlotLayout l;
  double ux, uy;
  int right, top;

  ll_plot_measure (&plot, 240, 160, &l);
  right = (int) floor (l.area.x + l.area.width - 0.5);   /* the frame's column */
  top = (int) floor (l.area.y + 0.5);                    /* and row */
  ll_plot_to_user (&l, 1.0, 1.0, &ux, &uy);
  assert_pixel_near (get_pixel (s, (int) floor (ux), (int) floor (uy)), train, 2);
  g_assert_cmpfloat (ux, <, l.area.x + l.area.width - 1.0);
  g_assert_cmpfloat (uy, >, l.area.y + 1.0);
  for (int d = -3; d <= 3; d++)
    {
      g_assert_false (pixel_is (get_pixel (s, right, (int) floor (uy) + d), train, 40));
      g_assert_false (pixel_is (get_pixel (s, (int) floor (ux) + d, top), train, 40));
      assert_pixel_near (get_pixel (s, right + 2, (int) floor (uy) + d), white, 0);
    }
  /* and the first point, at the origin, inside the left and bottom edges */
  ll_plot_to_user (&l, 0.0, 0.0, &ux, &uy);
  assert_pixel_near (get_pixel (s, (int) floor (ux), (int) floor (uy)), train, 2);
  g_assert_cmpfloat (ux, >, l.area.x + 1.0);
  g_assert_cmpfloat (uy, <, l.area.y + l.area.height - 1.0);
  cairo_surface_destroy (s);
}

/* Cells are viridis at their row's fraction: [[5, 0], [1, 4]] */
static void
test_confusion (void)
{
  const int64_t counts[4] = { 5, 0, 1, 4 };
  char *names[2] = { "cat", "dog" };
  LlConfusion conf = { .counts = counts, .k = 2, .class_names = names, .title = "Confusion",
                       .truth_label = "true", .predicted_label = "predicted",
                       .background = true };
  const double want[2][2] = { { 1.0, 0.0 }, { 0.2, 0.8 } };
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 300, 300);
  cairo_t *cr = cairo_create (s);
  LlRenderRect r;
  double cell;

  ll_confusion_draw (&conf, cr, 300, 300);
  cairo_destroy (cr);
  ll_confusion_measure (&conf, 300, 300, &r);
  cell = r.width / 2;
  g_assert_cmpfloat (cell, >=, 22.0);
  g_assert_cmpfloat (r.x + r.width, <=, 300.0);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      {
        g_assert_cmpfloat_with_epsilon (ll_confusion_fraction (&conf, i, j), want[i][j], 1e-12);
        /* a corner of the cell, away from the count written in its middle */
        assert_pixel_near (get_pixel (s, (int) (r.x + j * cell + 3), (int) (r.y + i * cell + 3)),
                           rgb_pixel (ll_render_map_at (LL_RENDER_MAP_VIRIDIS, want[i][j])), 1);
      }
  cairo_surface_destroy (s);
}

static gboolean
has_ink (cairo_surface_t *s, int x0, int y0, int x1, int y1)
{
  for (int y = MAX (y0, 0); y < y1 && y < cairo_image_surface_get_height (s); y++)
    for (int x = MAX (x0, 0); x < x1 && x < cairo_image_surface_get_width (s); x++)
      if (get_pixel (s, x, y).a != 0)
        return TRUE;
  return FALSE;
}

/* Fashion-MNIST's names fit: whole names left of the rows, written upwards above the
 * columns, and nothing is drawn outside the box given (the surface is larger). */
static void
test_confusion_names (void)
{
  char *names[10] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot" };
  int64_t counts[100] = { 0 };
  LlConfusion conf = { .counts = counts, .k = 10, .class_names = names, .title = "Confusion",
                       .truth_label = "true class", .predicted_label = "predicted class" };
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 500, 460);
  const int width = 400, height = 360;
  cairo_t *cr = cairo_create (s);
  LlRenderRect r;
  double cell;
  int truth, predicted;

  for (int i = 0; i < 10; i++)
    counts[i * 10 + i] = 10 + i;
  cairo_translate (cr, 20, 20);
  ll_confusion_draw (&conf, cr, width, height);
  cairo_destroy (cr);
  ll_confusion_measure (&conf, width, height, &r);
  cell = r.width / 10;
  g_assert_cmpfloat (cell, >=, 10.0);
  g_assert_cmpfloat (r.x + r.width, <=, width);
  g_assert_cmpfloat (r.y + r.height, <=, height);
  /* inside [20, 20 + width) x [20, 20 + height), with the margin kept */
  g_assert_false (has_ink (s, 0, 0, 500, 24));
  g_assert_false (has_ink (s, 0, 0, 24, 460));
  g_assert_false (has_ink (s, 20 + width, 0, 500, 460));
  g_assert_false (has_ink (s, 0, 20 + height, 500, 460));
  /* row names: from the margin almost to the cells ("T-shirt/top" is far longer than a
   * digit); column names upwards: high above the cells, not one line of text */
  g_assert_true (has_ink (s, 24, 20 + (int) r.y, 20 + (int) r.x - 40, 20 + (int) (r.y + cell)));
  g_assert_true (has_ink (s, 20 + (int) (r.x + 9 * cell), 20 + (int) r.y - 50,
                          20 + (int) (r.x + 10 * cell), 20 + (int) r.y - 30));
  cairo_surface_destroy (s);

  /* what is under the pointer, for tooltips */
  g_assert_true (ll_confusion_hit (&conf, width, height, r.x + 2.5 * cell, r.y + 7.5 * cell,
                                   &truth, &predicted));
  g_assert_cmpint (truth, ==, 7);
  g_assert_cmpint (predicted, ==, 2);
  g_assert_true (ll_confusion_hit (&conf, width, height, r.x - 10, r.y + 3.5 * cell, &truth,
                                   &predicted));
  g_assert_cmpint (truth, ==, 3);
  g_assert_cmpint (predicted, ==, -1);
  g_assert_true (ll_confusion_hit (&conf, width, height, r.x + 9.5 * cell, r.y - 20, &truth,
                                   &predicted));
  g_assert_cmpint (truth, ==, -1);
  g_assert_cmpint (predicted, ==, 9);
  g_assert_false (ll_confusion_hit (&conf, width, height, r.x - 10, r.y - 20, &truth, &predicted));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/colormap/diverging", test_diverging);
  g_test_add_func ("/render/colormap/viridis", test_viridis);
  g_test_add_func ("/render/kernels/all-ones", test_kernels_all_ones);
  g_test_add_func ("/render/kernels/signs", test_kernels_signs);
  g_test_add_func ("/render/kernels/hit", test_kernels_hit);
  g_test_add_func ("/render/kernels/per-channel", test_kernels_per_channel);
  g_test_add_func ("/render/kernels/rgb", test_kernels_rgb);
  g_test_add_func ("/render/kernels/clipped", test_kernels_clipped);
  g_test_add_func ("/render/kernels/scale2", test_kernels_scale2);
  g_test_add_func ("/render/kernels/wrapped", test_kernels_wrapped);
  g_test_add_func ("/render/translate", test_translate);
  g_test_add_func ("/render/legend/range", test_legend_range);
  g_test_add_func ("/render/matrix/colours-hit", test_matrix);
  g_test_add_func ("/render/stats/numpy", test_stats);
  g_test_add_func ("/render/stats/channels", test_stats_channels);
  g_test_add_func ("/render/stats/merge", test_stats_merge);
  g_test_add_func ("/render/histogram/numpy", test_histogram);
  g_test_add_func ("/render/histogram/sum", test_histogram_sum);
  g_test_add_func ("/render/histogram/view", test_histogram_view);
  g_test_add_func ("/render/featuremap/tiles", test_feature_maps);
  g_test_add_func ("/render/bars-topk", test_bars_topk);
  g_test_add_func ("/render/topk-probabilities", test_topk_probabilities);
  g_test_add_func ("/render/topk-class-names", test_topk_class_names);
  g_test_add_func ("/render/view/shape-errors", test_shape_errors);
  g_test_add_func ("/render/export/png-svg", test_export);
  g_test_add_func ("/render/export/errors", test_export_errors);
  g_test_add_func ("/render/plot/series", test_plot_series);
  g_test_add_func ("/render/plot/edges", test_plot_edges);
  g_test_add_func ("/render/plot/confusion", test_confusion);
  g_test_add_func ("/render/plot/confusion-names", test_confusion_names);

  return g_test_run ();
}
