/* colormap.c - the diverging and sequential colour maps, value labels, the legend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render-private.h"

typedef struct map_stop {
  double t;
  LlRenderRgb c;
} map_stop;

#define RGB8(r, g, b) { (r) / 255.0, (g) / 255.0, (b) / 255.0 }

/* ColorBrewer's RdBu reversed (blue for negative), with pure white in the middle so
 * that a zero weight is exactly the background-like centre colour. */
static const map_stop diverging_stops[] = {
  { 0.0, RGB8 (5, 48, 97) },
  { 0.1, RGB8 (33, 102, 172) },
  { 0.2, RGB8 (67, 147, 195) },
  { 0.3, RGB8 (146, 197, 222) },
  { 0.4, RGB8 (209, 229, 240) },
  { 0.5, RGB8 (255, 255, 255) },
  { 0.6, RGB8 (253, 219, 199) },
  { 0.7, RGB8 (244, 165, 130) },
  { 0.8, RGB8 (214, 96, 77) },
  { 0.9, RGB8 (178, 24, 43) },
  { 1.0, RGB8 (103, 0, 31) },
};

/* matplotlib's viridis (_cm_listed.py), entries 0, 16, ..., 240 and 255 of its 256:
 * linear interpolation between them stays within 0.004 of the full table. */
static const map_stop viridis_stops[] = {
  { 0 / 255.0, { 0.267004, 0.004874, 0.329415 } },
  { 16 / 255.0, { 0.282327, 0.094955, 0.417331 } },
  { 32 / 255.0, { 0.278826, 0.175490, 0.483397 } },
  { 48 / 255.0, { 0.258965, 0.251537, 0.524736 } },
  { 64 / 255.0, { 0.229739, 0.322361, 0.545706 } },
  { 80 / 255.0, { 0.199430, 0.387607, 0.554642 } },
  { 96 / 255.0, { 0.172719, 0.448791, 0.557885 } },
  { 112 / 255.0, { 0.149039, 0.508051, 0.557250 } },
  { 128 / 255.0, { 0.127568, 0.566949, 0.550556 } },
  { 144 / 255.0, { 0.120638, 0.625828, 0.533488 } },
  { 160 / 255.0, { 0.157851, 0.683765, 0.501686 } },
  { 176 / 255.0, { 0.246070, 0.738910, 0.452024 } },
  { 192 / 255.0, { 0.369214, 0.788888, 0.382914 } },
  { 208 / 255.0, { 0.515992, 0.831158, 0.294279 } },
  { 224 / 255.0, { 0.678489, 0.863742, 0.189503 } },
  { 240 / 255.0, { 0.845561, 0.887322, 0.099702 } },
  { 255 / 255.0, { 0.993248, 0.906157, 0.143936 } },
};

#define N_STOPS(a) ((int) (sizeof (a) / sizeof (a)[0]))

const LlRenderRgb ll_render_nan_rgb = { 0.62, 0.62, 0.62 };

static void
map_stops (LlRenderMap map, const map_stop **stops, int *n)
{
  if (map == LL_RENDER_MAP_VIRIDIS)
    {
      *stops = viridis_stops;
      *n = N_STOPS (viridis_stops);
    }
  else
    {
      *stops = diverging_stops;
      *n = N_STOPS (diverging_stops);
    }
}

LlRenderRgb
ll_render_map_at (LlRenderMap map, double t)
{
  const map_stop *s;
  int n, i = 1;
  double f;

  map_stops (map, &s, &n);
  if (!(t > 0.0))   /* also NaN */
    return s[0].c;
  if (t >= 1.0)
    return s[n - 1].c;
  while (i < n - 1 && t > s[i].t)
    i++;
  f = (t - s[i - 1].t) / (s[i].t - s[i - 1].t);
  return (LlRenderRgb) {
    s[i - 1].c.r + f * (s[i].c.r - s[i - 1].c.r),
    s[i - 1].c.g + f * (s[i].c.g - s[i - 1].c.g),
    s[i - 1].c.b + f * (s[i].c.b - s[i - 1].c.b),
  };
}

double
ll_render_map_position (LlRenderMap map, LlRenderRange range, double v)
{
  double t;

  if (isnan (v))
    return -1.0;
  if (map == LL_RENDER_MAP_DIVERGING)
    {
      double a = fmax (fabs (range.lo), fabs (range.hi));

      if (!(a > 0.0) || !isfinite (a))
        return 0.5;
      t = 0.5 + v / (2.0 * a);
    }
  else
    {
      if (!(range.hi > range.lo) || !isfinite (range.hi - range.lo))
        return 0.5;
      t = (v - range.lo) / (range.hi - range.lo);
    }
  return fmin (fmax (t, 0.0), 1.0);
}

LlRenderRgb
ll_render_map_value (LlRenderMap map, LlRenderRange range, double v)
{
  if (isnan (v))
    return ll_render_nan_rgb;
  return ll_render_map_at (map, ll_render_map_position (map, range, v));
}

LlRenderRange
ll_render_map_range (LlRenderMap map, double min, double max)
{
  if (map == LL_RENDER_MAP_DIVERGING)
    {
      double a = fmax (fabs (min), fabs (max));

      return (LlRenderRange) { -a, a };
    }
  return (LlRenderRange) { min, max };
}

static LlRenderTranslateFunc translate_func;

void
ll_render_set_translate_func (LlRenderTranslateFunc func)
{
  translate_func = func;
}

const char *
_ll_render_gettext (const char *msgid)
{
  return translate_func != NULL ? translate_func (msgid) : msgid;
}

char *
ll_render_format_value (double v, char *buf, size_t size)
{
  if (v == 0.0)   /* no "-0" */
    v = 0.0;
  snprintf (buf, size, "%.4g", v);
  return buf;
}

/* ---------------------------------------------------------------- legend */

/* Whole captions rather than "scaled per " + a word: translations may need another order. */
const char *
_ll_render_channel_word (LlRenderKind kind)
{
  switch (kind)
    {
    case LL_RENDER_KERNELS:
      return _("scaled per output channel");
    case LL_RENDER_KERNELS_RGB:
      return _("RGB, scaled per output channel");
    case LL_RENDER_MATRIX:
      return _("scaled per row");
    default:
      return _("scaled per channel");
    }
}

/* Per-channel scaling of more than one visible channel: the bar means "each channel's
 * own range", so it is labelled with words. */
static bool
legend_is_relative (const LlRenderView *view)
{
  if (view->options.scale != LL_RENDER_SCALE_PER_CHANNEL || view->n_channels <= 1)
    return false;
  if (view->kind == LL_RENDER_FEATURE_MAPS && view->options.channel >= 0)
    return false;
  return view->kind == LL_RENDER_KERNELS || view->kind == LL_RENDER_KERNELS_RGB
         || view->kind == LL_RENDER_MATRIX || view->kind == LL_RENDER_FEATURE_MAPS;
}

static void
legend_relative_labels (const LlRenderView *view, LlRenderLegend *legend)
{
  bool rgb = legend->rgb;

  if (legend->map == LL_RENDER_MAP_DIVERGING && !rgb)
    {
      legend->range = (LlRenderRange) { -1.0, 1.0 };
      snprintf (legend->lo_label, sizeof legend->lo_label, "-max|x|");
      snprintf (legend->hi_label, sizeof legend->hi_label, "+max|x|");
    }
  else
    {
      legend->range = (LlRenderRange) { 0.0, 1.0 };
      /* Translators: the ends of a colour bar scaled per channel */
      snprintf (legend->lo_label, sizeof legend->lo_label, "%s", _("min"));
      snprintf (legend->hi_label, sizeof legend->hi_label, "%s", _("max"));
    }
  snprintf (legend->caption, sizeof legend->caption, "%s",
            _ll_render_channel_word (rgb ? LL_RENDER_KERNELS_RGB : view->kind));
}

static void
legend_caption (const LlRenderView *view, LlRenderLegend *legend)
{
  if (legend->rgb)
    snprintf (legend->caption, sizeof legend->caption, "%s",
              _("R, G, B = input channels 0, 1, 2"));
  else if (view->options.scale == LL_RENDER_SCALE_PER_CHANNEL
           && view->kind == LL_RENDER_FEATURE_MAPS && view->options.channel >= 0)
    snprintf (legend->caption, sizeof legend->caption, _("channel %lld"),
              (long long) view->options.channel);
  else if (legend->map == LL_RENDER_MAP_DIVERGING)
    snprintf (legend->caption, sizeof legend->caption, "%s", _("symmetric: white = 0"));
  else
    legend->caption[0] = '\0';
}

void
ll_render_view_legend (const LlRenderView *view, LlRenderLegend *legend)
{
  int64_t c = view->options.channel >= 0 ? view->options.channel : 0;
  double lo, hi;

  memset (legend, 0, sizeof *legend);
  legend->rgb = view->kind == LL_RENDER_KERNELS_RGB;
  legend->map = legend->rgb ? LL_RENDER_MAP_VIRIDIS : view->options.map;
  legend->relative = legend_is_relative (view);
  if (legend->relative)
    {
      legend_relative_labels (view, legend);
    }
  else
    {
      legend->range = ll_render_view_range (view, c);
      ll_render_format_value (legend->range.lo, legend->lo_label, sizeof legend->lo_label);
      ll_render_format_value (legend->range.hi, legend->hi_label, sizeof legend->hi_label);
      legend_caption (view, legend);
    }
  lo = legend->range.lo;
  hi = legend->range.hi;
  legend->show_zero = lo < 0.0 && hi > 0.0;
  legend->zero_position = legend->show_zero ? -lo / (hi - lo) : 0.0;
}

static cairo_pattern_t *
legend_gradient (const LlRenderLegend *legend, double x0, double x1)
{
  cairo_pattern_t *p = cairo_pattern_create_linear (x0, 0.0, x1, 0.0);
  const map_stop *s;
  int n;

  if (legend->rgb)
    {
      cairo_pattern_add_color_stop_rgb (p, 0.0, 0.0, 0.0, 0.0);
      cairo_pattern_add_color_stop_rgb (p, 1.0, 1.0, 1.0, 1.0);
      return p;
    }
  map_stops (legend->map, &s, &n);
  for (int i = 0; i < n; i++)
    cairo_pattern_add_color_stop_rgb (p, s[i].t, s[i].c.r, s[i].c.g, s[i].c.b);
  return p;
}

static void
legend_draw_bar (cairo_t *cr, const LlRenderLegend *legend, double x, double y, double w,
                 const LlRenderTheme *theme)
{
  cairo_pattern_t *p = legend_gradient (legend, x, x + w);

  cairo_rectangle (cr, x, y, w, LL_RENDER_LEGEND_BAR_HEIGHT);
  cairo_set_source (cr, p);
  cairo_fill (cr);
  cairo_pattern_destroy (p);

  _ll_render_set_rgb (cr, theme->dim);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x - 0.5, y - 0.5, w + 1.0, LL_RENDER_LEGEND_BAR_HEIGHT + 1.0);
  cairo_stroke (cr);
  if (legend->show_zero)
    {
      double zx = round (x + legend->zero_position * w) + 0.5;

      cairo_move_to (cr, zx, y + LL_RENDER_LEGEND_BAR_HEIGHT);
      cairo_line_to (cr, zx, y + LL_RENDER_LEGEND_BAR_HEIGHT + 4.0);
      cairo_stroke (cr);
    }
}

void
_ll_render_legend_draw (cairo_t *cr, const LlRenderLegend *legend, const LlRenderRect *rect,
                        const LlRenderTheme *theme)
{
  double w = fmin (rect->width, 320.0);
  double x = rect->x, y = rect->y + 6.0;
  double label_y = y + LL_RENDER_LEGEND_BAR_HEIGHT + 13.0;

  if (!_ll_render_rect_visible (cr, rect))
    return;
  cairo_save (cr);
  legend_draw_bar (cr, legend, x, y, w, theme);
  _ll_render_set_rgb (cr, theme->fg);
  _ll_render_text (cr, legend->lo_label, x, label_y, LL_RENDER_LABEL_SIZE, false,
                   LL_RENDER_ALIGN_LEFT);
  _ll_render_text (cr, legend->hi_label, x + w, label_y, LL_RENDER_LABEL_SIZE, false,
                   LL_RENDER_ALIGN_RIGHT);
  if (legend->show_zero && legend->zero_position > 0.15 && legend->zero_position < 0.85)
    _ll_render_text (cr, "0", x + legend->zero_position * w, label_y, LL_RENDER_LABEL_SIZE,
                     false, LL_RENDER_ALIGN_CENTER);
  if (legend->caption[0] != '\0')
    {
      _ll_render_set_rgb (cr, theme->dim);
      _ll_render_text (cr, legend->caption, x, label_y + 13.0, LL_RENDER_LABEL_SIZE, false,
                       LL_RENDER_ALIGN_LEFT);
    }
  cairo_restore (cr);
}
