/* kernels.c - a Conv2d weight as a grid of kernels, and as RGB tiles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Grid: rows are output channels, columns input channels (per group), each kernel
 * kH x kW cells, kernels separated by 1-unit lines so that neighbouring kernels stay
 * apart at any zoom. With one input channel per group that would be a single tall
 * column (the seed network's first layer: 32 x 1 kernels), so the kernels wrap into
 * rows of options.columns (0: about square), in output-channel order. RGB: when a layer sees an RGB image, each output channel's three
 * kernels together are one small colour picture of what it responds to.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "render-private.h"

typedef struct grid_ctx {
  const LlRenderView *view;
  const LlRenderLayout *layout;
  const LlRenderTheme *theme;
} grid_ctx;

/* Readable at zoom 1 from 1x1 and 3x3 (12-unit cells) to 11x11 (4-unit cells):
 * kernels of about 48 units. */
static double
kernel_cell (const LlRenderView *view, double base_max, double smallest)
{
  int64_t k = view->dims[2] > view->dims[3] ? view->dims[2] : view->dims[3];
  double base = fmin (fmax (floor (48.0 * base_max / 12.0 / (double) k), smallest), base_max);
  double zoom = view->options.zoom > 0.0 ? view->options.zoom : 1.0;

  /* whole units: every cell gets the same number of pixels */
  return fmax (1.0, round (base * zoom));
}

/* Locates x along one axis of a grid framed by gaps: the tile and the offset in it,
 * false over a gap. */
static bool
grid_locate (double x, double pitch, double tile, int64_t n, int64_t *index, double *within)
{
  double t = x - (pitch - tile);
  int64_t i;

  if (t < 0.0)
    return false;
  i = (int64_t) floor (t / pitch);
  *within = t - (double) i * pitch;
  *index = i;
  return i < n && *within < tile;
}

static int64_t
cell_index (double within, double cell, int64_t n)
{
  int64_t i = (int64_t) floor (within / cell);

  return i < n ? i : n - 1;
}

static void
grid_measure (LlRenderLayout *l, double cell, int64_t kh, int64_t kw, double gap)
{
  l->cell = cell;
  l->tile_width = (double) kw * cell;
  l->tile_height = (double) kh * cell;
  l->pitch_x = l->tile_width + gap;
  l->pitch_y = l->tile_height + gap;
  l->body.width = (double) l->cols * l->pitch_x + gap;
  l->body.height = (double) l->rows * l->pitch_y + gap;
}

static int64_t tile_columns (int columns, int64_t n);

/* Wrapped tiles: each row is labelled with the output channel of its first tile. */
static void
tile_row_labels (cairo_t *cr, const LlRenderLayout *l, double gap, const LlRenderTheme *theme)
{
  char buf[32];

  cairo_save (cr);
  _ll_render_set_rgb (cr, theme->dim);
  for (int64_t r = 0; r < l->rows; r++)
    {
      double y = l->body.y + gap + (double) r * l->pitch_y + l->tile_height / 2.0;

      if (l->pitch_y < LL_RENDER_LABEL_SIZE + 2.0 && r % 5 != 0)
        continue;
      snprintf (buf, sizeof buf, "%lld", (long long) (r * l->cols));
      _ll_render_text (cr, buf, l->body.x - 4.0, y + LL_RENDER_LABEL_SIZE * 0.36,
                       LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_RIGHT);
    }
  cairo_restore (cr);
}

/* ---------------------------------------------------------------- grid */

static bool
kernels_wrapped (const LlRenderView *view)
{
  return view->dims[1] == 1;
}

/* Tile (row, col) of the grid shows kernel (out, in). */
static bool
kernels_tile (const LlRenderView *v, const LlRenderLayout *l, int64_t row, int64_t col,
              int64_t *o, int64_t *i)
{
  if (kernels_wrapped (v))
    {
      *o = row * l->cols + col;
      *i = 0;
      return *o < v->dims[0];
    }
  *o = row;
  *i = col;
  return true;
}

void
_ll_render_kernels_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  double left;

  if (kernels_wrapped (view))
    {
      layout->cols = tile_columns (view->options.columns, view->dims[0]);
      layout->rows = (view->dims[0] + layout->cols - 1) / layout->cols;
      left = _ll_render_digits_width (view->dims[0] - 1, LL_RENDER_LABEL_SIZE) + 6.0;
    }
  else
    {
      layout->rows = view->dims[0];
      layout->cols = view->dims[1];
      left = _ll_render_axis_left (view->dims[0]);
    }
  grid_measure (layout, kernel_cell (view, 12.0, 3.0), view->dims[2], view->dims[3],
                LL_RENDER_GAP);
  layout->body.x = left;
  /* a wrapped grid has no input-channel axis on top */
  layout->body.y = kernels_wrapped (view) ? 0.0 : LL_RENDER_AXIS_TOP;
  layout->width = left + layout->body.width;
  layout->height = layout->body.y + layout->body.height;
}

/* After the last kernel of a wrapped grid: nothing, not even grid lines. */
static bool
past_last_kernel (const LlRenderView *v, const LlRenderLayout *l, double x, double y)
{
  int64_t in_last_row = v->dims[0] - (l->rows - 1) * l->cols;

  return kernels_wrapped (v) && y >= (double) (l->rows - 1) * l->pitch_y + LL_RENDER_GAP
         && x >= (double) in_last_row * l->pitch_x + LL_RENDER_GAP;
}

static bool
kernels_pixel (const void *data, double x, double y, LlRenderRgb *rgb)
{
  const grid_ctx *ctx = data;
  const LlRenderView *v = ctx->view;
  const LlRenderLayout *l = ctx->layout;
  int64_t row, col, o, i, ky, kx;
  double wx, wy;

  if (past_last_kernel (v, l, x, y))
    return false;
  if (!grid_locate (x, l->pitch_x, l->tile_width, l->cols, &col, &wx)
      || !grid_locate (y, l->pitch_y, l->tile_height, l->rows, &row, &wy))
    {
      *rgb = ctx->theme->gap;
      return true;
    }
  if (!kernels_tile (v, l, row, col, &o, &i))
    return false;   /* past the last kernel of a wrapped grid */
  ky = cell_index (wy, l->cell, v->dims[2]);
  kx = cell_index (wx, l->cell, v->dims[3]);
  *rgb = ll_render_map_value (v->options.map, ll_render_view_range (v, o),
                              v->data[((o * v->dims[1] + i) * v->dims[2] + ky) * v->dims[3] + kx]);
  return true;
}

void
_ll_render_kernels_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                         const LlRenderTheme *theme)
{
  grid_ctx ctx = { view, layout, theme };

  _ll_render_paint_pixels (cr, &layout->body, kernels_pixel, &ctx);
  if (kernels_wrapped (view))
    tile_row_labels (cr, layout, LL_RENDER_GAP, theme);
  else
    _ll_render_axis_labels (cr, layout, LL_RENDER_GAP, true, theme);
}

bool
_ll_render_kernels_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                        double y, LlRenderHit *hit)
{
  const int64_t *d = view->dims;
  int64_t row, col, o, i, ky, kx;
  double wx, wy;
  char value[32];

  if (!grid_locate (x, layout->pitch_x, layout->tile_width, layout->cols, &col, &wx)
      || !grid_locate (y, layout->pitch_y, layout->tile_height, layout->rows, &row, &wy)
      || !kernels_tile (view, layout, row, col, &o, &i))
    return false;
  ky = cell_index (wy, layout->cell, d[2]);
  kx = cell_index (wx, layout->cell, d[3]);
  hit->n_index = 4;
  hit->index[0] = o;
  hit->index[1] = i;
  hit->index[2] = ky;
  hit->index[3] = kx;
  hit->element = ((o * d[1] + i) * d[2] + ky) * d[3] + kx;
  hit->value = view->data[hit->element];
  snprintf (value, sizeof value, "%.6g", hit->value);
  /* Translators: hover label of a kernel cell: output and input channel, row, column, value */
  snprintf (hit->label, sizeof hit->label, _("out %lld, in %lld, ky %lld, kx %lld: %s"),
            (long long) o, (long long) i, (long long) ky, (long long) kx, value);
  return true;
}

/* ---------------------------------------------------------------- RGB tiles */

/* Colour tiles sit apart on the background: no colour can be mistaken for the gap. */
#define RGB_GAP 4.0

static int64_t
tile_columns (int columns, int64_t n)
{
  int64_t c = columns > 0 ? columns : (int64_t) ceil (sqrt ((double) n));

  return c < 1 ? 1 : c > n ? n : c;
}

void
_ll_render_rgb_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  int64_t n = view->dims[0];
  double left;

  layout->cols = tile_columns (view->options.columns, n);
  layout->rows = (n + layout->cols - 1) / layout->cols;
  grid_measure (layout, kernel_cell (view, 16.0, 3.0), view->dims[2], view->dims[3],
                RGB_GAP);
  left = _ll_render_digits_width (n - 1, LL_RENDER_LABEL_SIZE) + 6.0;
  layout->body.x = left;
  layout->width = left + layout->body.width;
  layout->height = layout->body.height;
}

/* Output channel o's three kernels at (ky, kx), normalised to [0, 1]. */
static LlRenderRgb
rgb_value (const LlRenderView *v, int64_t o, int64_t ky, int64_t kx)
{
  LlRenderRange r = ll_render_view_range (v, o);
  int64_t plane = v->dims[2] * v->dims[3];
  const float *p = v->data + o * 3 * plane + ky * v->dims[3] + kx;
  double c[3];

  for (int i = 0; i < 3; i++)
    {
      double x = p[i * plane];

      if (isnan (x))
        return ll_render_nan_rgb;
      c[i] = r.hi > r.lo ? fmin (fmax ((x - r.lo) / (r.hi - r.lo), 0.0), 1.0) : 0.5;
    }
  return (LlRenderRgb) { c[0], c[1], c[2] };
}

static bool
rgb_locate (const LlRenderView *v, const LlRenderLayout *l, double x, double y, int64_t *o,
            int64_t *ky, int64_t *kx)
{
  int64_t row, col;
  double wx, wy;

  if (!grid_locate (x, l->pitch_x, l->tile_width, l->cols, &col, &wx)
      || !grid_locate (y, l->pitch_y, l->tile_height, l->rows, &row, &wy))
    return false;
  *o = row * l->cols + col;
  *ky = cell_index (wy, l->cell, v->dims[2]);
  *kx = cell_index (wx, l->cell, v->dims[3]);
  return *o < v->dims[0];
}

static bool
rgb_pixel (const void *data, double x, double y, LlRenderRgb *rgb)
{
  const grid_ctx *ctx = data;
  int64_t o, ky, kx;

  if (!rgb_locate (ctx->view, ctx->layout, x, y, &o, &ky, &kx))
    return false;
  *rgb = rgb_value (ctx->view, o, ky, kx);
  return true;
}

void
_ll_render_rgb_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                     const LlRenderTheme *theme)
{
  grid_ctx ctx = { view, layout, theme };

  _ll_render_paint_pixels (cr, &layout->body, rgb_pixel, &ctx);
  tile_row_labels (cr, layout, RGB_GAP, theme);
}

bool
_ll_render_rgb_hit (const LlRenderView *view, const LlRenderLayout *layout, double x, double y,
                    LlRenderHit *hit)
{
  int64_t o, ky, kx, plane = view->dims[2] * view->dims[3];
  const float *p;

  if (!rgb_locate (view, layout, x, y, &o, &ky, &kx))
    return false;
  hit->n_index = 3;
  hit->index[0] = o;
  hit->index[1] = ky;
  hit->index[2] = kx;
  hit->element = o * 3 * plane + ky * view->dims[3] + kx;
  p = view->data + hit->element;
  hit->value = p[0];
  snprintf (hit->label, sizeof hit->label, _("out %lld, ky %lld, kx %lld: R %.4g, G %.4g, B %.4g"),
            (long long) o, (long long) ky, (long long) kx, p[0], p[plane], p[2 * plane]);
  return true;
}
