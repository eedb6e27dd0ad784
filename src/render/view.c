/* view.c - LlRenderView: shape checks, prepare, the frame (title, legend), dispatch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each kind of picture lives in its own file (kernels.c, matrix.c, histogram.c,
 * featuremap.c); this file puts the title above it and the legend below it, and holds
 * the helpers they share: text, label spacing and the pixel painter.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render-private.h"

#define MAX_BINS 100000
#define MAX_TOPK 1000

/* ---------------------------------------------------------------- init */

void
ll_render_options_init (LlRenderOptions *options, LlRenderKind kind)
{
  memset (options, 0, sizeof *options);
  options->zoom = 1.0;
  options->scale = LL_RENDER_SCALE_GLOBAL;
  options->legend = true;
  options->channel = -1;
  options->bins = 50;
  options->k = 5;
  if (kind == LL_RENDER_FEATURE_MAPS || kind == LL_RENDER_BARS || kind == LL_RENDER_TOPK)
    options->map = LL_RENDER_MAP_VIRIDIS;
  else
    options->map = LL_RENDER_MAP_DIVERGING;
}

static const char *
kind_expects (LlRenderKind kind)
{
  static const char *const expects[LL_RENDER_N_KINDS] = {
    [LL_RENDER_KERNELS] = "a Conv2d weight [out, in, kH, kW]",
    [LL_RENDER_KERNELS_RGB] = "a Conv2d weight with 3 input channels [out, 3, kH, kW]",
    [LL_RENDER_MATRIX] = "a matrix [rows, columns]",
    [LL_RENDER_HISTOGRAM] = "a tensor",
    [LL_RENDER_FEATURE_MAPS] = "feature maps [C, H, W] or [N, C, H, W]",
    [LL_RENDER_BARS] = "a vector [F] or [N, F]",
    [LL_RENDER_TOPK] = "a vector [F] or [N, F]",
  };

  return expects[kind];
}

/* Sets view->dims / n from the tensor's shape (sample 0 of a batch); false if the
 * shape does not suit the kind. */
static bool
view_set_dims (LlRenderView *view, const nn_tensor *t)
{
  const int64_t *s = t->shape;
  int nd = t->n_dims;

  for (int i = 0; i < 4; i++)
    view->dims[i] = 1;
  switch (view->kind)
    {
    case LL_RENDER_KERNELS:
    case LL_RENDER_KERNELS_RGB:
      if (nd != 4 || (view->kind == LL_RENDER_KERNELS_RGB && s[1] != 3))
        return false;
      memcpy (view->dims, s, 4 * sizeof s[0]);
      break;
    case LL_RENDER_MATRIX:
      if (nd != 2)
        return false;
      view->dims[0] = s[0];
      view->dims[1] = s[1];
      break;
    case LL_RENDER_FEATURE_MAPS:
      if (nd != 3 && nd != 4)
        return false;
      memcpy (view->dims, s + nd - 3, 3 * sizeof s[0]);
      break;
    case LL_RENDER_BARS:
    case LL_RENDER_TOPK:
      if (nd != 1 && nd != 2)
        return false;
      view->dims[0] = s[nd - 1];
      break;
    case LL_RENDER_HISTOGRAM:
    default:
      view->dims[0] = nn_tensor_numel (t);
      return view->dims[0] >= 0;
    }
  return view->dims[0] * view->dims[1] * view->dims[2] * view->dims[3] > 0;
}

nn_status
ll_render_view_init (LlRenderView *view, LlRenderKind kind, const nn_tensor *tensor,
                     nn_error *err)
{
  char shape[96];

  memset (view, 0, sizeof *view);
  if (kind < 0 || kind >= LL_RENDER_N_KINDS || tensor == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "nothing to draw");
  view->kind = kind;
  view->tensor = tensor;
  ll_render_options_init (&view->options, kind);
  if (tensor->n_dims < 0 || tensor->n_dims > NN_MAX_DIMS || !view_set_dims (view, tensor))
    {
      nn_shape_format (tensor->n_dims, tensor->shape, shape, sizeof shape);
      return nn_error_set (err, NN_STATUS_SHAPE, -1, "cannot draw a tensor of shape %s: "
                           "expected %s", shape, kind_expects (kind));
    }
  view->n = view->dims[0] * view->dims[1] * view->dims[2] * view->dims[3];
  view->data = tensor->data;
  if (view->n > 0 && view->data == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the tensor has no data");
  return NN_OK;
}

/* ---------------------------------------------------------------- prepare */

void
ll_render_view_clear (LlRenderView *view)
{
  free (view->channel_stats);
  view->channel_stats = NULL;
  view->n_channels = 0;
  ll_render_histogram_clear (&view->histogram);
  ll_render_topk_clear (&view->topk);
  view->prepared = false;
}

static bool
kind_has_channels (LlRenderKind kind)
{
  return kind == LL_RENDER_KERNELS || kind == LL_RENDER_KERNELS_RGB
         || kind == LL_RENDER_MATRIX || kind == LL_RENDER_FEATURE_MAPS;
}

nn_status
ll_render_view_prepare (LlRenderView *view, nn_error *err)
{
  const LlRenderOptions *o = &view->options;
  nn_status status = NN_OK;

  ll_render_view_clear (view);
  if (kind_has_channels (view->kind) && view->dims[0] > 0)
    {
      /* the whole's statistics from the channels': one read of the data, not two */
      status = ll_render_channel_stats (view->data, view->dims[0], view->n / view->dims[0],
                                        &view->channel_stats, err);
      if (status == NN_OK)
        {
          view->n_channels = view->dims[0];
          ll_render_stats_merge (view->channel_stats, view->n_channels, &view->stats);
        }
    }
  else
    ll_render_stats_compute (view->data, view->n, &view->stats);
  if (status == NN_OK && view->kind == LL_RENDER_HISTOGRAM)
    {
      if (o->bins < 1 || o->bins > MAX_BINS)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                             "a histogram needs 1 to %d bins, not %d", MAX_BINS, o->bins);
      status = ll_render_histogram_compute (view->data, view->n, o->bins, &view->histogram,
                                            err);
    }
  if (status == NN_OK && view->kind == LL_RENDER_TOPK)
    {
      if (o->k < 1 || o->k > MAX_TOPK)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                             "top-k needs k from 1 to %d, not %d", MAX_TOPK, o->k);
      if (o->topk_values == LL_RENDER_TOPK_SOFTMAX)
        {
          float *p = malloc ((size_t) view->n * sizeof *p);

          if (p == NULL)
            return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
          ll_render_softmax (view->data, view->n, p);
          status = ll_render_topk_compute (p, view->n, o->k, &view->topk, err);
          free (p);
        }
      else
        status = ll_render_topk_compute (view->data, view->n, o->k, &view->topk, err);
    }
  if (status != NN_OK)
    ll_render_view_clear (view);
  view->prepared = status == NN_OK;
  return status;
}

LlRenderRange
ll_render_view_range (const LlRenderView *view, int64_t c)
{
  /* RGB tiles are normalised from min to max, whatever the map. */
  LlRenderMap map = view->kind == LL_RENDER_KERNELS_RGB ? LL_RENDER_MAP_VIRIDIS
                                                        : view->options.map;
  const LlRenderStats *s = &view->stats;

  /* A constant channel (a dead ReLU unit) has no range of its own: it keeps its colour
   * from the whole tensor's range, so that all-zero maps look like zeros. */
  if (view->options.scale == LL_RENDER_SCALE_PER_CHANNEL && view->channel_stats != NULL
      && c >= 0 && c < view->n_channels && view->channel_stats[c].max > view->channel_stats[c].min)
    s = &view->channel_stats[c];
  return ll_render_map_range (map, s->min, s->max);
}

/* ---------------------------------------------------------------- frame */

static void
kind_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  switch (view->kind)
    {
    case LL_RENDER_KERNELS:
      _ll_render_kernels_measure (view, layout);
      break;
    case LL_RENDER_KERNELS_RGB:
      _ll_render_rgb_measure (view, layout);
      break;
    case LL_RENDER_MATRIX:
      _ll_render_matrix_measure (view, layout);
      break;
    case LL_RENDER_HISTOGRAM:
      _ll_render_histogram_measure (view, layout);
      break;
    case LL_RENDER_FEATURE_MAPS:
      _ll_render_features_measure (view, layout);
      break;
    case LL_RENDER_BARS:
      _ll_render_bars_measure (view, layout);
      break;
    case LL_RENDER_TOPK:
    default:
      _ll_render_topk_measure (view, layout);
      break;
    }
}

void
ll_render_view_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  const LlRenderOptions *o = &view->options;
  double m = LL_RENDER_MARGIN, title_h = 0.0, content_w, content_h, inner_w;

  memset (layout, 0, sizeof *layout);
  kind_measure (view, layout);
  content_w = layout->width;
  content_h = layout->height;
  inner_w = content_w;
  if (o->title != NULL && o->title[0] != '\0')
    {
      title_h = LL_RENDER_TITLE_HEIGHT;
      inner_w = fmax (inner_w, _ll_render_text_width (o->title, LL_RENDER_TITLE_SIZE, true));
      layout->title = (LlRenderRect) { m, m, inner_w, title_h };
    }
  layout->body.x += m;
  layout->body.y += m + title_h;
  layout->height = 2.0 * m + title_h + content_h;
  if (o->legend)
    {
      inner_w = fmax (inner_w, LL_RENDER_LEGEND_MIN_WIDTH);
      layout->legend = (LlRenderRect) { m, m + title_h + content_h + 4.0,
                                        fmax (content_w, LL_RENDER_LEGEND_MIN_WIDTH),
                                        LL_RENDER_LEGEND_HEIGHT };
      layout->height += 4.0 + LL_RENDER_LEGEND_HEIGHT;
    }
  layout->title.width = inner_w;
  layout->width = ceil (2.0 * m + inner_w);
  layout->height = ceil (layout->height);
}

static void
kind_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
           const LlRenderTheme *theme)
{
  switch (view->kind)
    {
    case LL_RENDER_KERNELS:
      _ll_render_kernels_draw (view, cr, layout, theme);
      break;
    case LL_RENDER_KERNELS_RGB:
      _ll_render_rgb_draw (view, cr, layout, theme);
      break;
    case LL_RENDER_MATRIX:
      _ll_render_matrix_draw (view, cr, layout, theme);
      break;
    case LL_RENDER_HISTOGRAM:
      _ll_render_histogram_draw (view, cr, layout, theme);
      break;
    case LL_RENDER_FEATURE_MAPS:
      _ll_render_features_draw (view, cr, layout, theme);
      break;
    case LL_RENDER_BARS:
      _ll_render_bars_draw (view, cr, layout, theme);
      break;
    case LL_RENDER_TOPK:
    default:
      _ll_render_topk_draw (view, cr, layout, theme);
      break;
    }
}

void
ll_render_view_draw (const LlRenderView *view, cairo_t *cr)
{
  LlRenderLayout layout;
  LlRenderTheme theme;

  ll_render_view_measure (view, &layout);
  _ll_render_theme (&view->options, &theme);
  cairo_save (cr);
  if (view->options.background)
    {
      _ll_render_set_rgb (cr, theme.bg);
      cairo_rectangle (cr, 0.0, 0.0, layout.width, layout.height);
      cairo_fill (cr);
    }
  if (layout.title.height > 0.0)
    {
      _ll_render_set_rgb (cr, theme.fg);
      _ll_render_text (cr, view->options.title, layout.title.x, layout.title.y + 14.0,
                       LL_RENDER_TITLE_SIZE, true, LL_RENDER_ALIGN_LEFT);
    }
  if (view->prepared)
    {
      kind_draw (view, cr, &layout, &theme);
      if (view->options.legend)
        {
          LlRenderLegend legend;

          ll_render_view_legend (view, &legend);
          _ll_render_legend_draw (cr, &legend, &layout.legend, &theme);
        }
    }
  cairo_restore (cr);
}

bool
ll_render_view_hit (const LlRenderView *view, double x, double y, LlRenderHit *hit)
{
  LlRenderLayout layout;
  double bx, by;

  memset (hit, 0, sizeof *hit);
  hit->element = -1;
  ll_render_view_measure (view, &layout);
  if (!_ll_render_rect_contains (&layout.body, x, y))
    return false;
  bx = x - layout.body.x;
  by = y - layout.body.y;
  switch (view->kind)
    {
    case LL_RENDER_KERNELS:
      return _ll_render_kernels_hit (view, &layout, bx, by, hit);
    case LL_RENDER_KERNELS_RGB:
      return _ll_render_rgb_hit (view, &layout, bx, by, hit);
    case LL_RENDER_MATRIX:
      return _ll_render_matrix_hit (view, &layout, bx, by, hit);
    case LL_RENDER_HISTOGRAM:
      return _ll_render_histogram_hit (view, &layout, bx, by, hit);
    case LL_RENDER_FEATURE_MAPS:
      return _ll_render_features_hit (view, &layout, bx, by, hit);
    case LL_RENDER_BARS:
      return _ll_render_bars_hit (view, &layout, bx, by, hit);
    case LL_RENDER_TOPK:
    default:
      return _ll_render_topk_hit (view, &layout, bx, by, hit);
    }
}

/* ---------------------------------------------------------------- shared helpers */

void
_ll_render_theme (const LlRenderOptions *options, LlRenderTheme *theme)
{
  if (options->dark)
    *theme = (LlRenderTheme) {
      .fg = { 0.92, 0.92, 0.92 }, .dim = { 0.62, 0.62, 0.62 },
      .bg = { 0.14, 0.14, 0.14 }, .gap = { 0.30, 0.30, 0.30 },
      .accent = { 0.47, 0.62, 0.82 },
    };
  else
    *theme = (LlRenderTheme) {
      .fg = { 0.12, 0.12, 0.12 }, .dim = { 0.42, 0.42, 0.42 },
      .bg = { 1.0, 1.0, 1.0 }, .gap = { 0.58, 0.58, 0.58 },
      .accent = { 0.27, 0.42, 0.62 },
    };
}

void
_ll_render_set_rgb (cairo_t *cr, LlRenderRgb c)
{
  cairo_set_source_rgb (cr, c.r, c.g, c.b);
}

static void
select_font (cairo_t *cr, double size, bool bold)
{
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

double
_ll_render_text_width (const char *text, double size, bool bold)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cairo_t *cr = cairo_create (s);
  cairo_text_extents_t ext = { 0 };

  select_font (cr, size, bold);
  cairo_text_extents (cr, text, &ext);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
  return ceil (ext.x_advance);
}

void
_ll_render_text (cairo_t *cr, const char *text, double x, double y, double size, bool bold,
                 LlRenderAlign align)
{
  cairo_text_extents_t ext;

  select_font (cr, size, bold);
  if (align != LL_RENDER_ALIGN_LEFT)
    {
      cairo_text_extents (cr, text, &ext);
      x -= align == LL_RENDER_ALIGN_CENTER ? ext.x_advance / 2.0 : ext.x_advance;
    }
  cairo_move_to (cr, round (x), round (y));
  cairo_show_text (cr, text);
}

int64_t
_ll_render_label_step (double pitch, double extent)
{
  static const int64_t mult[] = { 1, 2, 5 };

  if (!(pitch > 0.0))
    return INT64_MAX;
  for (int64_t base = 1; base < INT64_MAX / 100; base *= 10)
    for (int i = 0; i < 3; i++)
      if ((double) (base * mult[i]) * pitch >= extent)
        return base * mult[i];
  return INT64_MAX;
}

double
_ll_render_digits_width (int64_t max_value, double size)
{
  char buf[32];

  snprintf (buf, sizeof buf, "%lld", (long long) max_value);
  return _ll_render_text_width (buf, size, false);
}

double
_ll_render_axis_left (int64_t rows)
{
  return _ll_render_digits_width (rows > 0 ? rows - 1 : 0, LL_RENDER_LABEL_SIZE) + 6.0;
}

static void
axis_row_labels (cairo_t *cr, const LlRenderLayout *l, double offset)
{
  const LlRenderRect *b = &l->body;
  int64_t step = _ll_render_label_step (l->pitch_y, LL_RENDER_LABEL_SIZE + 3.0);
  char buf[32];

  for (int64_t r = 0; r < l->rows; r += step)
    {
      double y = b->y + offset + (double) r * l->pitch_y + l->tile_height / 2.0;

      snprintf (buf, sizeof buf, "%lld", (long long) r);
      _ll_render_text (cr, buf, b->x - 4.0, y + LL_RENDER_LABEL_SIZE * 0.36,
                       LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_RIGHT);
      if (step > l->rows - r)
        break;
    }
}

static void
axis_column_labels (cairo_t *cr, const LlRenderLayout *l, double offset)
{
  const LlRenderRect *b = &l->body;
  double extent = _ll_render_digits_width (l->cols - 1, LL_RENDER_LABEL_SIZE) + 6.0;
  int64_t step = _ll_render_label_step (l->pitch_x, extent);
  char buf[32];

  for (int64_t c = 0; c < l->cols; c += step)
    {
      double x = b->x + offset + (double) c * l->pitch_x + l->tile_width / 2.0;

      snprintf (buf, sizeof buf, "%lld", (long long) c);
      if (x + _ll_render_text_width (buf, LL_RENDER_LABEL_SIZE, false) / 2.0
          > b->x + b->width + 2.0)
        break;   /* would stick out of the view */
      _ll_render_text (cr, buf, x, b->y - 4.0, LL_RENDER_LABEL_SIZE, false,
                       LL_RENDER_ALIGN_CENTER);
      if (step > l->cols - c)
        break;
    }
}

void
_ll_render_axis_labels (cairo_t *cr, const LlRenderLayout *layout, double offset,
                        bool columns, const LlRenderTheme *theme)
{
  cairo_save (cr);
  _ll_render_set_rgb (cr, theme->dim);
  axis_row_labels (cr, layout, offset);
  if (columns)
    axis_column_labels (cr, layout, offset);
  cairo_restore (cr);
}

bool
_ll_render_rect_contains (const LlRenderRect *r, double x, double y)
{
  return x >= r->x && y >= r->y && x < r->x + r->width && y < r->y + r->height;
}

bool
_ll_render_rect_visible (cairo_t *cr, const LlRenderRect *r)
{
  double x0, y0, x1, y1;

  cairo_clip_extents (cr, &x0, &y0, &x1, &y1);
  return r->x < x1 && r->y < y1 && r->x + r->width > x0 && r->y + r->height > y0;
}

/* ---------------------------------------------------------------- pixel painter */

#define PAINT_TILE 512

typedef struct paint_job {
  const LlRenderRect *rect;
  LlRenderPixelFunc fn;
  const void *ctx;
  cairo_matrix_t m;           /* user -> device, axis-aligned */
} paint_job;

static uint32_t
pack_rgb (LlRenderRgb c)
{
  return 0xff000000u | (uint32_t) lround (c.r * 255.0) << 16
         | (uint32_t) lround (c.g * 255.0) << 8 | (uint32_t) lround (c.b * 255.0);
}

static void
paint_tile (cairo_t *cr, const paint_job *job, int64_t dx, int64_t dy, int w, int h)
{
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  const cairo_matrix_t *m = &job->m;
  unsigned char *data;
  int stride;

  if (cairo_surface_status (img) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (img);
      return;
    }
  data = cairo_image_surface_get_data (img);
  stride = cairo_image_surface_get_stride (img);
  for (int j = 0; j < h; j++)
    {
      uint32_t *row = (uint32_t *) (void *) (data + (size_t) j * (size_t) stride);
      double uy = ((double) (dy + j) + 0.5 - m->y0) / m->yy - job->rect->y;

      for (int i = 0; i < w; i++)
        {
          double ux = ((double) (dx + i) + 0.5 - m->x0) / m->xx - job->rect->x;
          LlRenderRgb c;

          row[i] = 0;
          if (ux < 0.0 || uy < 0.0 || ux >= job->rect->width || uy >= job->rect->height
              || !job->fn (job->ctx, ux, uy, &c))
            continue;
          row[i] = pack_rgb (c);
        }
    }
  cairo_surface_mark_dirty (img);
  cairo_set_source_surface (cr, img, (double) dx, (double) dy);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, (double) dx, (double) dy, w, h);
  cairo_fill (cr);
  cairo_surface_destroy (img);
}

void
_ll_render_paint_pixels (cairo_t *cr, const LlRenderRect *rect, LlRenderPixelFunc fn,
                         const void *ctx)
{
  paint_job job = { rect, fn, ctx };
  double x0, y0, x1, y1;
  int64_t dx0, dy0, dx1, dy1;

  cairo_clip_extents (cr, &x0, &y0, &x1, &y1);
  x0 = fmax (x0, rect->x);
  y0 = fmax (y0, rect->y);
  x1 = fmin (x1, rect->x + rect->width);
  y1 = fmin (y1, rect->y + rect->height);
  if (!(x1 > x0 && y1 > y0))
    return;
  cairo_get_matrix (cr, &job.m);
  cairo_save (cr);
  if (job.m.xy == 0.0 && job.m.yx == 0.0 && job.m.xx > 0.0 && job.m.yy > 0.0)
    cairo_identity_matrix (cr);   /* paint in device pixels: sharp at any scale */
  else
    cairo_matrix_init_identity (&job.m);   /* rotated: paint in user units */
  dx0 = (int64_t) floor (job.m.xx * x0 + job.m.x0);
  dy0 = (int64_t) floor (job.m.yy * y0 + job.m.y0);
  dx1 = (int64_t) ceil (job.m.xx * x1 + job.m.x0);
  dy1 = (int64_t) ceil (job.m.yy * y1 + job.m.y0);
  for (int64_t ty = dy0; ty < dy1; ty += PAINT_TILE)
    for (int64_t tx = dx0; tx < dx1; tx += PAINT_TILE)
      paint_tile (cr, &job, tx, ty, (int) (dx1 - tx < PAINT_TILE ? dx1 - tx : PAINT_TILE),
                  (int) (dy1 - ty < PAINT_TILE ? dy1 - ty : PAINT_TILE));
  cairo_restore (cr);
}

void
_ll_render_paint_cells (cairo_t *cr, double x, double y, double cell, int64_t rows,
                        int64_t cols, LlRenderCellFunc fn, const void *ctx)
{
  LlRenderRect rect = { x, y, (double) cols * cell, (double) rows * cell };
  cairo_surface_t *img;
  unsigned char *data;
  int stride;

  if (rows <= 0 || cols <= 0 || rows > 32767 || cols > 32767 || !(cell > 0.0)
      || !_ll_render_rect_visible (cr, &rect))
    return;
  img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) cols, (int) rows);
  if (cairo_surface_status (img) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (img);
      return;
    }
  data = cairo_image_surface_get_data (img);
  stride = cairo_image_surface_get_stride (img);
  for (int64_t r = 0; r < rows; r++)
    {
      uint32_t *row = (uint32_t *) (void *) (data + (size_t) r * (size_t) stride);

      for (int64_t c = 0; c < cols; c++)
        row[c] = pack_rgb (fn (ctx, r, c));
    }
  cairo_surface_mark_dirty (img);
  cairo_save (cr);
  cairo_rectangle (cr, rect.x, rect.y, rect.width, rect.height);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, cell, cell);
  cairo_set_source_surface (cr, img, 0.0, 0.0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (img);
}

