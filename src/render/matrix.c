/* matrix.c - a 2-D tensor (a Linear weight [out, in]) as a heatmap, rows = out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "render-private.h"

typedef struct matrix_ctx {
  const LlRenderView *view;
  double cell_w, cell_h;
} matrix_ctx;

#define MATRIX_SIDE 800.0       /* the longer side at zoom 1 */
#define MATRIX_MIN_SIDE 120.0   /* the shorter side, stretched if needed */

/* Cells of a unit or more are whole units, so that all get the same number of pixels;
 * smaller ones sample. */
static double
whole_units (double size)
{
  return size >= 1.0 ? round (size) : fmax (size, 1.0 / 64.0);
}

/* Square cells of 1 to 16 units making the longer side about 800 units at zoom 1, but
 * a very flat matrix ([10, 1024]) gets taller cells so that it does not become a line.
 * Zooming out below 1 unit per cell samples the nearest element. */
static void
matrix_cells (const LlRenderView *view, double *cell_w, double *cell_h)
{
  double rows = (double) view->dims[0], cols = (double) view->dims[1];
  double base = fmin (fmax (round (MATRIX_SIDE / fmax (rows, cols)), 1.0), 16.0);
  double zoom = view->options.zoom > 0.0 ? view->options.zoom : 1.0;
  double w = base, h = base;

  if (rows * base < MATRIX_MIN_SIDE)
    h = fmax (base, fmin (16.0, floor (MATRIX_MIN_SIDE / rows)));
  if (cols * base < MATRIX_MIN_SIDE)
    w = fmax (base, fmin (16.0, floor (MATRIX_MIN_SIDE / cols)));
  *cell_w = whole_units (w * zoom);
  *cell_h = whole_units (h * zoom);
}

void
_ll_render_matrix_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  double left = _ll_render_axis_left (view->dims[0]);
  double w, h;

  matrix_cells (view, &w, &h);
  layout->rows = view->dims[0];
  layout->cols = view->dims[1];
  layout->cell = w;
  layout->tile_width = layout->pitch_x = w;
  layout->tile_height = layout->pitch_y = h;
  layout->body = (LlRenderRect) { left, LL_RENDER_AXIS_TOP, (double) layout->cols * w,
                                  (double) layout->rows * h };
  layout->width = left + layout->body.width;
  layout->height = LL_RENDER_AXIS_TOP + layout->body.height;
}

static bool
matrix_locate (const LlRenderView *v, double cell_w, double cell_h, double x, double y,
               int64_t *row, int64_t *col)
{
  *row = (int64_t) floor (y / cell_h);
  *col = (int64_t) floor (x / cell_w);
  return *row >= 0 && *col >= 0 && *row < v->dims[0] && *col < v->dims[1];
}

static bool
matrix_pixel (const void *data, double x, double y, LlRenderRgb *rgb)
{
  const matrix_ctx *ctx = data;
  const LlRenderView *v = ctx->view;
  int64_t row, col;

  if (!matrix_locate (v, ctx->cell_w, ctx->cell_h, x, y, &row, &col))
    return false;
  *rgb = ll_render_map_value (v->options.map, ll_render_view_range (v, row),
                              v->data[row * v->dims[1] + col]);
  return true;
}

void
_ll_render_matrix_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                        const LlRenderTheme *theme)
{
  matrix_ctx ctx = { view, layout->pitch_x, layout->pitch_y };
  const LlRenderRect *b = &layout->body;

  _ll_render_paint_pixels (cr, b, matrix_pixel, &ctx);
  cairo_save (cr);
  _ll_render_set_rgb (cr, theme->gap);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, b->x - 0.5, b->y - 0.5, b->width + 1.0, b->height + 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
  _ll_render_axis_labels (cr, layout, 0.0, true, theme);
}

bool
_ll_render_matrix_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                       double y, LlRenderHit *hit)
{
  int64_t row, col;
  char value[32];

  if (!matrix_locate (view, layout->pitch_x, layout->pitch_y, x, y, &row, &col))
    return false;
  hit->n_index = 2;
  hit->index[0] = row;
  hit->index[1] = col;
  hit->element = row * view->dims[1] + col;
  hit->value = view->data[hit->element];
  snprintf (value, sizeof value, "%.6g", hit->value);
  /* Translators: hover label of a Linear weight: output (row), input (column), value */
  snprintf (hit->label, sizeof hit->label, _("out %lld, in %lld: %s"), (long long) row,
            (long long) col, value);
  return true;
}
