/* featuremap.c - activations: feature-map tiles, bar charts of vectors, top-k lists
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render-private.h"

#define TILE_LABEL 13.0         /* channel index above each tile */
#define TILE_SPACING 6.0
#define BARS_HEIGHT 120.0
#define BARS_BOTTOM 14.0
#define TOPK_ROW 18.0
#define TOPK_BAR 160.0

static double
zoom_of (const LlRenderView *view)
{
  return view->options.zoom > 0.0 ? view->options.zoom : 1.0;
}

/* ---------------------------------------------------------------- feature maps */

static bool
single_channel (const LlRenderView *view)
{
  return view->options.channel >= 0 && view->options.channel < view->dims[0];
}

/* Tile i shows channel first + i. */
static int64_t
first_channel (const LlRenderView *view)
{
  return single_channel (view) ? view->options.channel : 0;
}

void
_ll_render_features_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  bool single = single_channel (view);
  int64_t h = view->dims[1], w = view->dims[2], m = h > w ? h : w;
  int64_t n = single ? 1 : view->dims[0];
  double base = fmin (fmax (round ((single ? 320.0 : 96.0) / (double) m), 1.0),
                      single ? 32.0 : 16.0);
  double label_w = _ll_render_digits_width (view->dims[0] - 1, LL_RENDER_LABEL_SIZE) + 4.0;

  layout->cell = base * zoom_of (view);
  layout->cell = layout->cell >= 1.0 ? round (layout->cell) : fmax (layout->cell, 0.125);
  layout->tile_width = (double) w * layout->cell;
  layout->tile_height = (double) h * layout->cell;
  layout->cols = view->options.columns > 0 ? view->options.columns
                                           : (int64_t) ceil (sqrt ((double) n));
  if (layout->cols > n)
    layout->cols = n;
  layout->rows = (n + layout->cols - 1) / layout->cols;
  layout->pitch_x = fmax (layout->tile_width, label_w) + TILE_SPACING;
  layout->pitch_y = TILE_LABEL + layout->tile_height + TILE_SPACING;
  layout->body = (LlRenderRect) { 0.0, 0.0, (double) layout->cols * layout->pitch_x - TILE_SPACING,
                                  (double) layout->rows * layout->pitch_y - TILE_SPACING };
  layout->width = layout->body.width;
  layout->height = layout->body.height;
}

/* Tile and pixel under (x, y) of the body; false between tiles. */
static bool
features_locate (const LlRenderView *v, const LlRenderLayout *l, double x, double y,
                 int64_t *c, int64_t *py, int64_t *px)
{
  int64_t col = (int64_t) floor (x / l->pitch_x), row = (int64_t) floor (y / l->pitch_y);
  double wx = x - (double) col * l->pitch_x, wy = y - (double) row * l->pitch_y - TILE_LABEL;
  int64_t tile = row * l->cols + col;

  if (col < 0 || row < 0 || col >= l->cols || wx >= l->tile_width || wy < 0.0
      || wy >= l->tile_height || tile >= (single_channel (v) ? 1 : v->dims[0]))
    return false;
  *c = first_channel (v) + tile;
  *py = (int64_t) floor (wy / l->cell);
  *px = (int64_t) floor (wx / l->cell);
  if (*py >= v->dims[1])
    *py = v->dims[1] - 1;
  if (*px >= v->dims[2])
    *px = v->dims[2] - 1;
  return true;
}

static void
features_labels (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *l,
                 const LlRenderTheme *theme)
{
  int64_t n = single_channel (view) ? 1 : view->dims[0];
  char buf[32];

  cairo_save (cr);
  _ll_render_set_rgb (cr, theme->dim);
  for (int64_t i = 0; i < n; i++)
    {
      LlRenderRect r = { l->body.x + (double) (i % l->cols) * l->pitch_x,
                         l->body.y + (double) (i / l->cols) * l->pitch_y, l->pitch_x, TILE_LABEL };

      if (!_ll_render_rect_visible (cr, &r))
        continue;
      snprintf (buf, sizeof buf, "%lld", (long long) (first_channel (view) + i));
      _ll_render_text (cr, buf, r.x, r.y + TILE_LABEL - 3.0, LL_RENDER_LABEL_SIZE, false,
                       LL_RENDER_ALIGN_LEFT);
    }
  cairo_restore (cr);
}

typedef struct tile_ctx {
  const LlRenderView *view;
  int64_t c;
  LlRenderRange range;
} tile_ctx;

static LlRenderRgb
tile_cell (const void *data, int64_t y, int64_t x)
{
  const tile_ctx *t = data;
  const LlRenderView *v = t->view;

  return ll_render_map_value (v->options.map, t->range, v->data[(t->c * v->dims[1] + y) * v->dims[2] + x]);
}

void
_ll_render_features_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                          const LlRenderTheme *theme)
{
  int64_t n = single_channel (view) ? 1 : view->dims[0];

  for (int64_t i = 0; i < n; i++)
    {
      tile_ctx t = { view, first_channel (view) + i, { 0.0, 0.0 } };

      t.range = ll_render_view_range (view, t.c);
      _ll_render_paint_cells (cr, layout->body.x + (double) (i % layout->cols) * layout->pitch_x,
                              layout->body.y + (double) (i / layout->cols) * layout->pitch_y + TILE_LABEL,
                              layout->cell, view->dims[1], view->dims[2], tile_cell, &t);
    }
  features_labels (view, cr, layout, theme);
}

bool
_ll_render_features_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                         double y, LlRenderHit *hit)
{
  int64_t c, py, px;
  char value[32];

  if (!features_locate (view, layout, x, y, &c, &py, &px))
    return false;
  hit->n_index = 3;
  hit->index[0] = c;
  hit->index[1] = py;
  hit->index[2] = px;
  hit->element = (c * view->dims[1] + py) * view->dims[2] + px;
  hit->value = view->data[hit->element];
  snprintf (value, sizeof value, "%.6g", hit->value);
  snprintf (hit->label, sizeof hit->label, _("channel %lld, y %lld, x %lld: %s"), (long long) c,
            (long long) py, (long long) px, value);
  return true;
}

/* ---------------------------------------------------------------- bars */

/* The value axis always includes 0, where the bars start. */
static LlRenderRange
bars_axis (const LlRenderView *view)
{
  double lo = fmin (view->stats.min, 0.0), hi = fmax (view->stats.max, 0.0);

  if (!(hi > lo))
    hi = lo + 1.0;
  return (LlRenderRange) { lo, hi };
}

static double
bars_left (const LlRenderView *view)
{
  LlRenderRange a = bars_axis (view);
  char lo[32], hi[32];

  ll_render_format_value (a.lo, lo, sizeof lo);
  ll_render_format_value (a.hi, hi, sizeof hi);
  return fmax (_ll_render_text_width (lo, LL_RENDER_LABEL_SIZE, false),
               _ll_render_text_width (hi, LL_RENDER_LABEL_SIZE, false)) + 8.0;
}

void
_ll_render_bars_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  int64_t f = view->dims[0];
  double base = fmin (fmax (round (600.0 / (double) f), 1.0), 24.0);
  double left = view->prepared ? bars_left (view) : 48.0;

  layout->rows = 1;
  layout->cols = f;
  layout->cell = layout->pitch_x = layout->tile_width = fmax (base * zoom_of (view), 0.25);
  layout->tile_height = layout->pitch_y = fmax (40.0, round (BARS_HEIGHT * zoom_of (view)));
  layout->body = (LlRenderRect) { left, 6.0, (double) f * layout->cell, layout->tile_height };
  layout->width = left + layout->body.width + 8.0;
  layout->height = 6.0 + layout->body.height + BARS_BOTTOM;
}

static void
bars_axes (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *l, double zero_y,
           const LlRenderTheme *theme)
{
  const LlRenderRect *b = &l->body;
  LlRenderRange a = bars_axis (view);
  double extent = _ll_render_digits_width (l->cols - 1, LL_RENDER_LABEL_SIZE) + 8.0;
  int64_t step = _ll_render_label_step (l->pitch_x, extent);
  char buf[32];

  _ll_render_set_rgb (cr, theme->dim);
  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, b->x, round (zero_y) + 0.5);
  cairo_line_to (cr, b->x + b->width, round (zero_y) + 0.5);
  cairo_move_to (cr, b->x - 0.5, b->y);
  cairo_line_to (cr, b->x - 0.5, b->y + b->height);
  cairo_stroke (cr);
  _ll_render_text (cr, ll_render_format_value (a.hi, buf, sizeof buf), b->x - 4.0, b->y + 8.0,
                   LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_RIGHT);
  _ll_render_text (cr, ll_render_format_value (a.lo, buf, sizeof buf), b->x - 4.0,
                   b->y + b->height, LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_RIGHT);
  for (int64_t i = 0; i < l->cols; i += step)
    {
      snprintf (buf, sizeof buf, "%lld", (long long) i);
      _ll_render_text (cr, buf, b->x + ((double) i + 0.5) * l->pitch_x,
                       b->y + b->height + 12.0, LL_RENDER_LABEL_SIZE, false,
                       LL_RENDER_ALIGN_CENTER);
      if (step > l->cols - i)
        break;
    }
}

void
_ll_render_bars_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                      const LlRenderTheme *theme)
{
  const LlRenderRect *b = &layout->body;
  LlRenderRange a = bars_axis (view), colours = ll_render_view_range (view, -1);
  double per_unit = b->height / (a.hi - a.lo), zero_y = b->y + a.hi * per_unit;
  double gap = layout->pitch_x >= 4.0 ? 1.0 : 0.0;

  cairo_save (cr);
  for (int64_t i = 0; i < view->dims[0]; i++)
    {
      double v = view->data[i], y;

      if (!isfinite (v))
        continue;
      y = zero_y - v * per_unit;
      _ll_render_set_rgb (cr, ll_render_map_value (view->options.map, colours, v));
      cairo_rectangle (cr, b->x + (double) i * layout->pitch_x, fmin (y, zero_y),
                       layout->pitch_x - gap, fmax (fabs (zero_y - y), 1.0));
      cairo_fill_preserve (cr);
      /* an outline keeps values near 0 visible: they are white in the diverging map */
      _ll_render_set_rgb (cr, theme->gap);
      cairo_set_line_width (cr, layout->pitch_x >= 4.0 ? 0.5 : 0.0);
      cairo_stroke (cr);
    }
  bars_axes (view, cr, layout, zero_y, theme);
  cairo_restore (cr);
}

bool
_ll_render_bars_hit (const LlRenderView *view, const LlRenderLayout *layout, double x, double y,
                     LlRenderHit *hit)
{
  int64_t i = (int64_t) floor (x / layout->pitch_x);
  char value[32];

  if (i < 0 || i >= view->dims[0])
    return false;
  hit->n_index = 1;
  hit->index[0] = i;
  hit->element = i;
  hit->value = view->data[i];
  snprintf (value, sizeof value, "%.6g", hit->value);
  snprintf (hit->label, sizeof hit->label, _("feature %lld: %s"), (long long) i, value);
  return true;
}

/* ---------------------------------------------------------------- top-k */

typedef struct topk_entry {
  double value;
  int64_t index;
} topk_entry;

/* a ranks before b: larger value, then lower index */
static bool
ranks_before (const topk_entry *a, const topk_entry *b)
{
  return a->value > b->value || (a->value == b->value && a->index < b->index);
}

static int
compare_rank (const void *pa, const void *pb)
{
  const topk_entry *a = pa, *b = pb;

  return ranks_before (a, b) ? -1 : ranks_before (b, a) ? 1 : 0;
}

/* heap[0] is the entry that ranks last, so it is the one a better value replaces */
static void
heap_sift_down (topk_entry *heap, int n, int i)
{
  for (;;)
    {
      int worst = i, l = 2 * i + 1, r = l + 1;
      topk_entry t;

      if (l < n && ranks_before (&heap[worst], &heap[l]))
        worst = l;
      if (r < n && ranks_before (&heap[worst], &heap[r]))
        worst = r;
      if (worst == i)
        return;
      t = heap[i];
      heap[i] = heap[worst];
      heap[worst] = t;
      i = worst;
    }
}

static int
topk_select (const float *data, int64_t n, int k, topk_entry *heap)
{
  int size = 0;

  for (int64_t i = 0; i < n; i++)
    {
      topk_entry e = { data[i], i };

      if (isnan (e.value))
        continue;
      if (size < k)
        {
          heap[size++] = e;
          if (size == k)
            for (int j = k / 2 - 1; j >= 0; j--)
              heap_sift_down (heap, k, j);
        }
      else if (ranks_before (&e, &heap[0]))
        {
          heap[0] = e;
          heap_sift_down (heap, k, 0);
        }
    }
  qsort (heap, (size_t) size, sizeof *heap, compare_rank);
  return size;
}

nn_status
ll_render_topk_compute (const float *data, int64_t n, int k, LlRenderTopk *out, nn_error *err)
{
  topk_entry *heap;

  memset (out, 0, sizeof *out);
  if (k < 1)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "top-k needs k >= 1, not %d", k);
  heap = malloc ((size_t) k * sizeof *heap);
  out->index = malloc ((size_t) k * sizeof *out->index);
  out->value = malloc ((size_t) k * sizeof *out->value);
  if (heap == NULL || out->index == NULL || out->value == NULL)
    {
      free (heap);
      ll_render_topk_clear (out);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory for the top %d", k);
    }
  out->k = topk_select (data, n, k, heap);
  for (int i = 0; i < out->k; i++)
    {
      out->index[i] = heap[i].index;
      out->value[i] = heap[i].value;
    }
  free (heap);
  return NN_OK;
}

void
ll_render_softmax (const float *x, int64_t n, float *out)
{
  double max = -INFINITY, sum = 0.0;

  for (int64_t i = 0; i < n; i++)
    max = fmax (max, isnan (x[i]) ? NAN : x[i]);
  for (int64_t i = 0; i < n; i++)
    sum += exp ((double) x[i] - max);
  for (int64_t i = 0; i < n; i++)
    out[i] = (float) (exp ((double) x[i] - max) / sum);
}

void
ll_render_topk_clear (LlRenderTopk *topk)
{
  free (topk->index);
  free (topk->value);
  memset (topk, 0, sizeof *topk);
}

/* Class names longer than this (in bytes) are cut, with an ellipsis. */
#define TOPK_NAME_MAX 32

/* The label of class index: its name (cut to TOPK_NAME_MAX), or "class N". */
static void
topk_class_label (const LlRenderView *view, int64_t index, char *buf, size_t size)
{
  const char *const *names = view->options.class_names;
  const char *name = names != NULL ? names[index] : NULL;

  if (name == NULL)
    {
      /* Translators: an output of the last layer, by index */
      snprintf (buf, size, _("class %lld"), (long long) index);
      return;
    }
  if (strlen (name) <= TOPK_NAME_MAX)
    {
      snprintf (buf, size, "%s", name);
      return;
    }
  {
    size_t cut = TOPK_NAME_MAX - 1;

    while (cut > 0 && ((unsigned char) name[cut] & 0xc0) == 0x80)   /* a UTF-8 boundary */
      cut--;
    snprintf (buf, size, "%.*s…", (int) cut, name);
  }
}

static double
topk_index_width (const LlRenderView *view)
{
  char widest[48];
  double width;

  /* the words around the index; its digits are added below */
  snprintf (widest, sizeof widest, _("class %lld"), (long long) 0);
  width = _ll_render_text_width (widest, LL_RENDER_LABEL_SIZE + 1.0, false)
          + _ll_render_digits_width (view->dims[0] - 1, LL_RENDER_LABEL_SIZE + 1.0) + 10.0;
  if (view->options.class_names != NULL && view->prepared)
    for (int i = 0; i < view->topk.k; i++)
      {
        char label[TOPK_NAME_MAX + 8];

        topk_class_label (view, view->topk.index[i], label, sizeof label);
        /* the first row is bold */
        width = fmax (width, _ll_render_text_width (label, LL_RENDER_LABEL_SIZE + 1.0, i == 0)
                             + 10.0);
      }
  return width;
}

#define TOPK_VALUE_WIDTH 70.0

void
_ll_render_topk_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  int k = view->prepared ? view->topk.k : view->options.k;
  double bar = fmax (40.0, round (TOPK_BAR * zoom_of (view)));

  layout->rows = k > 0 ? k : 1;
  layout->cols = 1;
  layout->cell = layout->pitch_y = layout->tile_height = TOPK_ROW;
  layout->tile_width = layout->pitch_x = topk_index_width (view) + TOPK_VALUE_WIDTH + bar;
  layout->body = (LlRenderRect) { 0.0, 0.0, layout->tile_width, (double) layout->rows * TOPK_ROW };
  layout->width = layout->body.width;
  layout->height = layout->body.height;
}

static bool
topk_is_probability (const LlRenderView *view)
{
  return view->options.topk_values != LL_RENDER_TOPK_SCORES;
}

static void
topk_row (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *l, int i, double top,
          const LlRenderTheme *theme)
{
  const LlRenderTopk *t = &view->topk;
  double x = l->body.x, y = l->body.y + i * TOPK_ROW, iw = topk_index_width (view);
  double bar = l->body.width - iw - TOPK_VALUE_WIDTH;
  char buf[TOPK_NAME_MAX + 8], value[32];

  _ll_render_set_rgb (cr, theme->fg);
  topk_class_label (view, t->index[i], buf, sizeof buf);
  _ll_render_text (cr, buf, x, y + 13.0, LL_RENDER_LABEL_SIZE + 1.0, i == 0, LL_RENDER_ALIGN_LEFT);
  if (topk_is_probability (view))
    {
      /* a probability: a percentage, its bar a share of the whole width */
      snprintf (value, sizeof value, "%.1f %%", 100.0 * t->value[i]);
      top = 1.0;
    }
  else
    ll_render_format_value (t->value[i], value, sizeof value);
  _ll_render_text (cr, value, x + iw + TOPK_VALUE_WIDTH - 8.0, y + 13.0, LL_RENDER_LABEL_SIZE + 1.0,
                   false, LL_RENDER_ALIGN_RIGHT);
  _ll_render_set_rgb (cr, topk_is_probability (view)
                          ? ll_render_map_value (view->options.map, (LlRenderRange) { 0.0, 1.0 },
                                                 t->value[i])
                          : ll_render_map_value (view->options.map, ll_render_view_range (view, -1),
                                                 t->value[i]));
  cairo_rectangle (cr, x + iw + TOPK_VALUE_WIDTH, y + 3.0,
                   fmax (1.0, top > 0.0 ? bar * fabs (t->value[i]) / top : 1.0), TOPK_ROW - 6.0);
  cairo_fill (cr);
}

void
_ll_render_topk_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                      const LlRenderTheme *theme)
{
  const LlRenderTopk *t = &view->topk;
  double top = 0.0;

  for (int i = 0; i < t->k; i++)
    top = fmax (top, fabs (t->value[i]));
  cairo_save (cr);
  for (int i = 0; i < t->k; i++)
    topk_row (view, cr, layout, i, isfinite (top) ? top : 0.0, theme);
  cairo_restore (cr);
}

bool
_ll_render_topk_hit (const LlRenderView *view, const LlRenderLayout *layout, double x, double y,
                     LlRenderHit *hit)
{
  int64_t row = (int64_t) floor (y / layout->pitch_y);
  char value[32];

  if (row < 0 || row >= view->topk.k)
    return false;
  hit->n_index = 1;
  hit->index[0] = view->topk.index[row];
  hit->element = view->topk.index[row];
  hit->value = view->topk.value[row];
  if (topk_is_probability (view))
    /* Translators: the probability of a class, in per cent */
    snprintf (value, sizeof value, _("%.2f %% probability"), 100.0 * hit->value);
  else
    snprintf (value, sizeof value, "%.6g", hit->value);
  if (view->options.class_names != NULL && view->options.class_names[hit->index[0]] != NULL)
    /* Translators: rank among the top-k, class index, class name, value */
    snprintf (hit->label, sizeof hit->label, _("#%lld: class %lld (%s): %s"),
              (long long) row + 1, (long long) hit->index[0],
              view->options.class_names[hit->index[0]], value);
  else
    /* Translators: rank among the top-k, class index, value */
    snprintf (hit->label, sizeof hit->label, _("#%lld: class %lld: %s"), (long long) row + 1,
              (long long) hit->index[0], value);
  return true;
}
