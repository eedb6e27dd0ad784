/* plot.c - line plots of series (training curves) and confusion matrices
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawn at any size the caller gives (the training page resizes them with the window),
 * with Cairo only, so the window and tests share every pixel.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "render-private.h"

#define PLOT_LEFT 52.0          /* room for y tick labels */
#define PLOT_BOTTOM 30.0        /* x tick labels and the x label */
#define PLOT_RIGHT 12.0
#define PLOT_LEGEND_ROW 16.0
#define PLOT_POINT_RADIUS 2.5

const LlRenderRgb ll_plot_train_rgb = { 0.129, 0.400, 0.780 };   /* blue */
const LlRenderRgb ll_plot_val_rgb = { 0.902, 0.380, 0.000 };     /* orange */

static void
plot_theme (bool dark, bool background, LlRenderTheme *theme)
{
  LlRenderOptions options;

  ll_render_options_init (&options, LL_RENDER_HISTOGRAM);
  options.dark = dark;
  options.background = background;
  _ll_render_theme (&options, theme);
}

/* Range of the finite values of every series along x (axis 0) or y (axis 1). */
static bool
data_range (const LlPlot *plot, int axis, double *lo, double *hi)
{
  bool any = false;

  for (int s = 0; s < plot->n_series; s++)
    for (int i = 0; i < plot->series[s].n; i++)
      {
        double v = axis == 0 ? plot->series[s].x[i] : plot->series[s].y[i];

        if (!isfinite (v) || (axis == 0 && !isfinite (plot->series[s].y[i])))
          continue;
        *lo = any ? fmin (*lo, v) : v;
        *hi = any ? fmax (*hi, v) : v;
        any = true;
      }
  return any;
}

/* A step of 1, 2 or 5 times a power of ten giving about max_ticks ticks over span. */
static double
nice_step (double span, int max_ticks)
{
  double raw = span / fmax (max_ticks, 1), mag = pow (10.0, floor (log10 (raw)));
  double f = raw / mag;

  return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * mag;
}

void
ll_plot_measure (const LlPlot *plot, double width, double height, LlPlotLayout *layout)
{
  double top = LL_RENDER_MARGIN + (plot->title ? LL_RENDER_TITLE_HEIGHT : 0.0)
               + PLOT_LEGEND_ROW;
  double lo = 0.0, hi = 1.0;

  layout->area = (LlRenderRect) { PLOT_LEFT, top, fmax (width - PLOT_LEFT - PLOT_RIGHT, 1.0),
                                  fmax (height - top - PLOT_BOTTOM, 1.0) };
  if (plot->x_max > plot->x_min)
    lo = plot->x_min, hi = plot->x_max;
  else if (!data_range (plot, 0, &lo, &hi))
    lo = 0.0, hi = 1.0;
  if (hi <= lo)
    hi = lo + 1.0;
  layout->x_lo = lo;
  layout->x_hi = hi;
  if (plot->y_max > plot->y_min)
    lo = plot->y_min, hi = plot->y_max;
  else if (!data_range (plot, 1, &lo, &hi))
    lo = 0.0, hi = 1.0;
  else
    {
      /* from 0 (losses and accuracies are >= 0) to a rounded top with some room */
      double step;

      lo = fmin (lo, 0.0);
      hi = hi > lo ? hi : lo + 1.0;
      step = nice_step (hi - lo, 5);
      hi = ceil (hi * 1.05 / step) * step;
    }
  layout->y_lo = lo;
  layout->y_hi = hi;
}

void
ll_plot_to_user (const LlPlotLayout *layout, double x, double y, double *ux, double *uy)
{
  const LlRenderRect *a = &layout->area;

  *ux = a->x + (x - layout->x_lo) / (layout->x_hi - layout->x_lo) * a->width;
  *uy = a->y + a->height - (y - layout->y_lo) / (layout->y_hi - layout->y_lo) * a->height;
}

static void
draw_y_ticks (cairo_t *cr, const LlPlot *plot, const LlPlotLayout *l, const LlRenderTheme *t)
{
  double step = nice_step (l->y_hi - l->y_lo, (int) fmax (2.0, l->area.height / 40.0));
  char buf[32];

  cairo_set_line_width (cr, 1.0);
  for (double v = ceil (l->y_lo / step) * step; v <= l->y_hi + step * 1e-6; v += step)
    {
      double ux, uy;

      ll_plot_to_user (l, l->x_lo, v, &ux, &uy);
      _ll_render_set_rgb (cr, t->gap);
      cairo_move_to (cr, l->area.x, round (uy) + 0.5);
      cairo_line_to (cr, l->area.x + l->area.width, round (uy) + 0.5);
      cairo_stroke (cr);
      _ll_render_set_rgb (cr, t->dim);
      _ll_render_text (cr, ll_render_format_value (fabs (v) < step * 1e-6 ? 0.0 : v, buf, sizeof buf),
                       l->area.x - 4.0, uy + 3.5, LL_RENDER_LABEL_SIZE, false,
                       LL_RENDER_ALIGN_RIGHT);
    }
}

static void
draw_x_ticks (cairo_t *cr, const LlPlot *plot, const LlPlotLayout *l, const LlRenderTheme *t)
{
  double step = fmax (nice_step (l->x_hi - l->x_lo, (int) fmax (2.0, l->area.width / 60.0)),
                      plot->x_integer ? 1.0 : 0.0);
  double base = l->area.y + l->area.height;
  char buf[32];

  _ll_render_set_rgb (cr, t->dim);
  for (double v = ceil (l->x_lo / step) * step; v <= l->x_hi + step * 1e-6; v += step)
    {
      double ux, uy;

      ll_plot_to_user (l, v, l->y_lo, &ux, &uy);
      cairo_move_to (cr, round (ux) + 0.5, base);
      cairo_line_to (cr, round (ux) + 0.5, base + 3.0);
      cairo_stroke (cr);
      _ll_render_text (cr, ll_render_format_value (v, buf, sizeof buf), ux, base + 13.0,
                       LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_CENTER);
    }
  if (plot->x_label != NULL)
    _ll_render_text (cr, plot->x_label, l->area.x + l->area.width / 2.0, base + 26.0,
                     LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_CENTER);
}

static void
draw_series (cairo_t *cr, const LlPlotSeries *s, const LlPlotLayout *l)
{
  bool pen = false;

  cairo_save (cr);
  cairo_rectangle (cr, l->area.x - PLOT_POINT_RADIUS, l->area.y - PLOT_POINT_RADIUS,
                   l->area.width + 2 * PLOT_POINT_RADIUS, l->area.height + 2 * PLOT_POINT_RADIUS);
  cairo_clip (cr);
  _ll_render_set_rgb (cr, s->color);
  cairo_set_line_width (cr, 2.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (int i = 0; i < s->n; i++)
    {
      double ux, uy;

      /* NaN or infinite values (a diverged loss) are gaps */
      if (!isfinite (s->x[i]) || !isfinite (s->y[i]))
        {
          pen = false;
          continue;
        }
      ll_plot_to_user (l, s->x[i], s->y[i], &ux, &uy);
      if (pen)
        cairo_line_to (cr, ux, uy);
      else
        cairo_move_to (cr, ux, uy);
      pen = true;
    }
  cairo_stroke (cr);
  for (int i = 0; s->points && i < s->n; i++)
    {
      double ux, uy;

      if (!isfinite (s->x[i]) || !isfinite (s->y[i]))
        continue;
      ll_plot_to_user (l, s->x[i], s->y[i], &ux, &uy);
      cairo_arc (cr, ux, uy, PLOT_POINT_RADIUS, 0.0, 2.0 * M_PI);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

static void
draw_legend (cairo_t *cr, const LlPlot *plot, const LlPlotLayout *l, const LlRenderTheme *t)
{
  double x = l->area.x, y = l->area.y - 6.0;

  for (int s = 0; s < plot->n_series; s++)
    {
      const char *label = plot->series[s].label ? plot->series[s].label : "";

      _ll_render_set_rgb (cr, plot->series[s].color);
      cairo_rectangle (cr, x, y - 7.0, 14.0, 3.0);
      cairo_fill (cr);
      _ll_render_set_rgb (cr, t->fg);
      _ll_render_text (cr, label, x + 18.0, y, LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_LEFT);
      x += 30.0 + _ll_render_text_width (label, LL_RENDER_LABEL_SIZE, false);
    }
}

void
ll_plot_draw (const LlPlot *plot, cairo_t *cr, double width, double height)
{
  LlRenderTheme theme;
  LlPlotLayout l;

  plot_theme (plot->dark, plot->background, &theme);
  ll_plot_measure (plot, width, height, &l);
  cairo_save (cr);
  if (plot->background)
    {
      _ll_render_set_rgb (cr, theme.bg);
      cairo_paint (cr);
    }
  if (plot->title != NULL)
    {
      _ll_render_set_rgb (cr, theme.fg);
      _ll_render_text (cr, plot->title, LL_RENDER_MARGIN, LL_RENDER_MARGIN + 13.0,
                       LL_RENDER_TITLE_SIZE, true, LL_RENDER_ALIGN_LEFT);
    }
  draw_y_ticks (cr, plot, &l, &theme);
  _ll_render_set_rgb (cr, theme.dim);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, l.area.x + 0.5, l.area.y + 0.5, l.area.width - 1.0, l.area.height - 1.0);
  cairo_stroke (cr);
  draw_x_ticks (cr, plot, &l, &theme);
  for (int s = 0; s < plot->n_series; s++)
    draw_series (cr, &plot->series[s], &l);
  draw_legend (cr, plot, &l, &theme);
  cairo_restore (cr);
}

/* ---------------------------------------------------------------- confusion matrix */

#define CONF_LABEL_ROOM 64.0    /* class names left of the rows / the axis captions */
#define CONF_TOP 34.0

void
ll_confusion_measure (const LlConfusion *conf, double width, double height,
                      LlRenderRect *cells)
{
  double top = LL_RENDER_MARGIN + (conf->title ? LL_RENDER_TITLE_HEIGHT : 0.0) + CONF_TOP;
  double side = fmin (width - CONF_LABEL_ROOM - LL_RENDER_MARGIN,
                      height - top - LL_RENDER_MARGIN);
  double cell = conf->k > 0 ? floor (fmax (side, 1.0) / (double) conf->k) : 0.0;

  *cells = (LlRenderRect) { CONF_LABEL_ROOM, top, cell * (double) conf->k,
                            cell * (double) conf->k };
}

double
ll_confusion_fraction (const LlConfusion *conf, int truth, int predicted)
{
  int64_t row = 0;

  for (int j = 0; j < conf->k; j++)
    row += conf->counts[(int64_t) truth * conf->k + j];
  return row > 0 ? (double) conf->counts[(int64_t) truth * conf->k + predicted] / (double) row
                 : 0.0;
}

static const char *
class_label (const LlConfusion *conf, int i, char *buf, size_t size)
{
  if (conf->class_names != NULL && conf->class_names[i] != NULL)
    return conf->class_names[i];
  snprintf (buf, size, "%d", i);
  return buf;
}

static void
draw_cell (cairo_t *cr, const LlConfusion *conf, int i, int j, double x, double y, double cell)
{
  double f = ll_confusion_fraction (conf, i, j);
  LlRenderRgb c = ll_render_map_at (LL_RENDER_MAP_VIRIDIS, f);
  char buf[32];

  _ll_render_set_rgb (cr, c);
  cairo_rectangle (cr, x, y, cell, cell);
  cairo_fill (cr);
  if (cell < 22.0)
    return;
  /* dark text on the light (yellow) end of viridis, light text on the dark end */
  _ll_render_set_rgb (cr, f > 0.6 ? (LlRenderRgb) { 0, 0, 0 } : (LlRenderRgb) { 1, 1, 1 });
  snprintf (buf, sizeof buf, "%lld", (long long) conf->counts[(int64_t) i * conf->k + j]);
  _ll_render_text (cr, buf, x + cell / 2.0, y + cell / 2.0 + 3.5,
                   fmin (LL_RENDER_LABEL_SIZE, cell / 3.0), false, LL_RENDER_ALIGN_CENTER);
}

static void
draw_conf_labels (cairo_t *cr, const LlConfusion *conf, const LlRenderRect *r, double cell,
                  const LlRenderTheme *t)
{
  char buf[32];

  _ll_render_set_rgb (cr, t->fg);
  if (conf->truth_label != NULL)
    _ll_render_text (cr, conf->truth_label, LL_RENDER_MARGIN, r->y - 18.0,
                     LL_RENDER_LABEL_SIZE, true, LL_RENDER_ALIGN_LEFT);
  if (conf->predicted_label != NULL)
    _ll_render_text (cr, conf->predicted_label, r->x + r->width / 2.0, r->y - 18.0,
                     LL_RENDER_LABEL_SIZE, true, LL_RENDER_ALIGN_CENTER);
  _ll_render_set_rgb (cr, t->dim);
  for (int i = 0; i < conf->k; i++)
    {
      const char *name = class_label (conf, i, buf, sizeof buf);

      _ll_render_text (cr, name, r->x - 4.0, r->y + (i + 0.5) * cell + 3.5,
                       fmin (LL_RENDER_LABEL_SIZE, cell), false, LL_RENDER_ALIGN_RIGHT);
      snprintf (buf, sizeof buf, "%d", i);
      _ll_render_text (cr, buf, r->x + (i + 0.5) * cell, r->y - 4.0,
                       fmin (LL_RENDER_LABEL_SIZE, cell), false, LL_RENDER_ALIGN_CENTER);
    }
}

void
ll_confusion_draw (const LlConfusion *conf, cairo_t *cr, double width, double height)
{
  LlRenderTheme theme;
  LlRenderRect r;
  double cell;

  plot_theme (conf->dark, conf->background, &theme);
  ll_confusion_measure (conf, width, height, &r);
  cell = conf->k > 0 ? r.width / (double) conf->k : 0.0;
  cairo_save (cr);
  if (conf->background)
    {
      _ll_render_set_rgb (cr, theme.bg);
      cairo_paint (cr);
    }
  if (conf->title != NULL)
    {
      _ll_render_set_rgb (cr, theme.fg);
      _ll_render_text (cr, conf->title, LL_RENDER_MARGIN, LL_RENDER_MARGIN + 13.0,
                       LL_RENDER_TITLE_SIZE, true, LL_RENDER_ALIGN_LEFT);
    }
  if (cell >= 1.0)
    {
      for (int i = 0; i < conf->k; i++)
        for (int j = 0; j < conf->k; j++)
          draw_cell (cr, conf, i, j, r.x + j * cell, r.y + i * cell, cell);
      draw_conf_labels (cr, conf, &r, cell, &theme);
    }
  cairo_restore (cr);
}
