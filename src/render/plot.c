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
#include <string.h>

#include "render-private.h"

#define PLOT_LEFT 52.0          /* room for y tick labels */
#define PLOT_BOTTOM 30.0        /* x tick labels and the x label */
#define PLOT_RIGHT 12.0
#define PLOT_LEGEND_ROW 16.0
#define PLOT_POINT_RADIUS 2.5
/* between the frame and the data: a point at the edge of the range (the last epoch, 100%)
 * is drawn whole inside the frame, not on it */
#define PLOT_INSET (PLOT_POINT_RADIUS + 2.0)

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
  layout->data = (LlRenderRect) { layout->area.x + PLOT_INSET, layout->area.y + PLOT_INSET,
                                  fmax (layout->area.width - 2.0 * PLOT_INSET, 1.0),
                                  fmax (layout->area.height - 2.0 * PLOT_INSET, 1.0) };
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
  const LlRenderRect *a = &layout->data;

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
  /* inside the frame: what lies beyond the range is cut at it */
  cairo_rectangle (cr, l->area.x + 1.0, l->area.y + 1.0, l->area.width - 2.0, l->area.height - 2.0);
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

#define CONF_MIN_ROW_ROOM 64.0  /* room left of the rows: their names, "true class" */
#define CONF_CAPTION_ROW 18.0   /* the axis captions above the column labels */
#define CONF_COL_ROW 16.0       /* column labels written across */
#define CONF_COL_MAX 96.0       /* column labels written upwards: longer ones are shortened */
#define CONF_ROW_SHARE 0.4      /* row names take at most this part of the width */

/* Where the parts of a confusion matrix go. Column labels are written across while
 * they fit their cells (indices, short names), else upwards. */
typedef struct {
  double head;                  /* below the title and the captions */
  double row_room, col_room;    /* left of the cells, above them */
  bool upright;
  double cell;
  LlRenderRect cells;
} ConfLayout;

const char *
ll_confusion_class_name (const LlConfusion *conf, int i, char *buf, size_t size)
{
  if (conf->class_names != NULL && conf->class_names[i] != NULL)
    return conf->class_names[i];
  snprintf (buf, size, "%d", i);
  return buf;
}

/* text, or as much of it as fits max_width followed by "…" (in buf) */
static const char *
fit_label (const char *text, double max_width, double size, char *buf, size_t buf_size)
{
  size_t len = strlen (text);

  if (_ll_render_text_width (text, size, false) <= max_width)
    return text;
  if (len + sizeof "…" > buf_size)
    len = buf_size - sizeof "…";
  while (len > 0)
    {
      len--;
      /* not inside a UTF-8 sequence */
      while (len > 0 && ((unsigned char) text[len] & 0xC0) == 0x80)
        len--;
      memcpy (buf, text, len);
      memcpy (buf + len, "…", sizeof "…");
      if (_ll_render_text_width (buf, size, false) <= max_width)
        return buf;
    }
  snprintf (buf, buf_size, "…");
  return buf;
}

static void
conf_cells (const LlConfusion *conf, double width, double height, ConfLayout *l)
{
  double top = l->head + l->col_room;
  double side = fmin (width - l->row_room - LL_RENDER_MARGIN, height - top - LL_RENDER_MARGIN);

  l->cell = conf->k > 0 ? floor (fmax (side, 1.0) / (double) conf->k) : 0.0;
  l->cells = (LlRenderRect) { l->row_room, top, l->cell * (double) conf->k,
                              l->cell * (double) conf->k };
}

static void
conf_layout (const LlConfusion *conf, double width, double height, ConfLayout *l)
{
  double widest = 0.0, caption = 0.0;
  char buf[32];

  for (int i = 0; i < conf->k; i++)
    {
      const char *name = ll_confusion_class_name (conf, i, buf, sizeof buf);

      widest = fmax (widest, _ll_render_text_width (name, LL_RENDER_LABEL_SIZE, false));
    }
  if (conf->truth_label != NULL)
    caption = _ll_render_text_width (conf->truth_label, LL_RENDER_LABEL_SIZE, true);
  l->head = LL_RENDER_MARGIN + (conf->title ? LL_RENDER_TITLE_HEIGHT : 0.0) + CONF_CAPTION_ROW;
  l->row_room = fmax (CONF_MIN_ROW_ROOM,
                      fmin (fmax (widest + 4.0, caption) + LL_RENDER_MARGIN,
                            floor (width * CONF_ROW_SHARE)));
  l->col_room = CONF_COL_ROW;
  l->upright = false;
  conf_cells (conf, width, height, l);
  if (widest > l->cell - 4.0)
    {
      l->upright = true;
      l->col_room = fmin (widest, CONF_COL_MAX) + 8.0;
      conf_cells (conf, width, height, l);
    }
}

void
ll_confusion_measure (const LlConfusion *conf, double width, double height,
                      LlRenderRect *cells)
{
  ConfLayout l;

  conf_layout (conf, width, height, &l);
  *cells = l.cells;
}

bool
ll_confusion_hit (const LlConfusion *conf, double width, double height, double x, double y,
                  int *truth, int *predicted)
{
  ConfLayout l;
  const LlRenderRect *r = &l.cells;
  int row, col;

  conf_layout (conf, width, height, &l);
  if (l.cell < 1.0)
    return false;
  row = (int) floor ((y - r->y) / l.cell);
  col = (int) floor ((x - r->x) / l.cell);
  *truth = row >= 0 && row < conf->k ? row : -1;
  *predicted = col >= 0 && col < conf->k ? col : -1;
  if (x >= r->x && y >= r->y)
    return *truth >= 0 && *predicted >= 0;
  /* a row's name, or a column's */
  if (x < r->x && *truth >= 0 && x >= LL_RENDER_MARGIN)
    return *predicted = -1, true;
  if (y < r->y && *predicted >= 0 && y >= r->y - l.col_room)
    return *truth = -1, true;
  return false;
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

/* Full names left of the rows (shortened only past CONF_ROW_SHARE of the width); above
 * the columns across or upwards, shortened past CONF_COL_MAX. */
static void
draw_conf_labels (cairo_t *cr, const LlConfusion *conf, const ConfLayout *l,
                  const LlRenderTheme *t)
{
  const LlRenderRect *r = &l->cells;
  double size = fmin (LL_RENDER_LABEL_SIZE, l->cell);
  char buf[32], fitted[160];

  _ll_render_set_rgb (cr, t->fg);
  if (conf->truth_label != NULL)
    _ll_render_text (cr, conf->truth_label, LL_RENDER_MARGIN, l->head - 5.0,
                     LL_RENDER_LABEL_SIZE, true, LL_RENDER_ALIGN_LEFT);
  if (conf->predicted_label != NULL)
    _ll_render_text (cr, conf->predicted_label, r->x + r->width / 2.0, l->head - 5.0,
                     LL_RENDER_LABEL_SIZE, true, LL_RENDER_ALIGN_CENTER);
  _ll_render_set_rgb (cr, t->dim);
  for (int i = 0; i < conf->k; i++)
    {
      const char *name = ll_confusion_class_name (conf, i, buf, sizeof buf);
      double cx = r->x + (i + 0.5) * l->cell;

      _ll_render_text (cr, fit_label (name, r->x - 4.0 - LL_RENDER_MARGIN, size, fitted,
                                      sizeof fitted),
                       r->x - 4.0, r->y + (i + 0.5) * l->cell + 3.5, size, false,
                       LL_RENDER_ALIGN_RIGHT);
      if (!l->upright)
        {
          _ll_render_text (cr, name, cx, r->y - 4.0, size, false, LL_RENDER_ALIGN_CENTER);
          continue;
        }
      /* upwards from just above the cells, centred on the column */
      cairo_save (cr);
      cairo_translate (cr, cx + 0.35 * size, r->y - 4.0);
      cairo_rotate (cr, -M_PI / 2.0);
      _ll_render_text (cr, fit_label (name, l->col_room - 8.0, size, fitted, sizeof fitted),
                       0.0, 0.0, size, false, LL_RENDER_ALIGN_LEFT);
      cairo_restore (cr);
    }
}

void
ll_confusion_draw (const LlConfusion *conf, cairo_t *cr, double width, double height)
{
  LlRenderTheme theme;
  ConfLayout l;

  plot_theme (conf->dark, conf->background, &theme);
  conf_layout (conf, width, height, &l);
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
  if (l.cell >= 1.0)
    {
      for (int i = 0; i < conf->k; i++)
        for (int j = 0; j < conf->k; j++)
          draw_cell (cr, conf, i, j, l.cells.x + j * l.cell, l.cells.y + i * l.cell, l.cell);
      draw_conf_labels (cr, conf, &l, &theme);
    }
  cairo_restore (cr);
}
