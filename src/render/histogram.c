/* histogram.c - statistics, histograms (numpy.histogram's binning) and their picture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render-private.h"

#define HIST_WIDTH 360.0
#define HIST_HEIGHT 150.0
#define HIST_STRIP 5.0          /* the values' colours under the x axis */
#define HIST_BOTTOM 36.0        /* colour strip, x labels, the statistics line */

/* ---------------------------------------------------------------- statistics */

/* Independent partial results, one per lane: GCC keeps them in vector registers and
 * vectorises the loops without reordering any one sum (no -ffast-math needed). With
 * one sum in double and fmin/fmax calls, the statistics of VGG-16's activations took
 * 400 ms per forward pass on the app's worker thread, three times the pass itself. */
#define STATS_LANES 8

typedef struct stats_lanes {
  double sum[STATS_LANES], ss[STATS_LANES];
  float min[STATS_LANES], max[STATS_LANES];
  int64_t finite[STATS_LANES], zeros[STATS_LANES];
} stats_lanes;

/* x - x is NaN for Inf and NaN: false for them, without a call */
static inline bool
finite_f (float x)
{
  return x - x == 0.0f;
}

static inline void
first_step (stats_lanes *l, int k, float x)
{
  bool finite = finite_f (x);

  l->zeros[k] += x == 0.0f;
  l->finite[k] += finite;
  l->sum[k] += finite ? x : 0.0f;
  l->min[k] = finite && x < l->min[k] ? x : l->min[k];
  l->max[k] = finite && x > l->max[k] ? x : l->max[k];
}

static inline void
second_step (stats_lanes *l, int k, float x, double mean)
{
  double d = finite_f (x) ? x - mean : 0.0;

  l->ss[k] += d * d;
}

/* Counts, sum, min and max of the finite values */
static void
stats_first_pass (const float *data, int64_t n, LlRenderStats *out, double *sum)
{
  stats_lanes l = { 0 };
  int64_t full = n - n % STATS_LANES, i;

  for (int k = 0; k < STATS_LANES; k++)
    {
      l.min[k] = INFINITY;
      l.max[k] = -INFINITY;
    }
  for (i = 0; i < full; i += STATS_LANES)
    for (int k = 0; k < STATS_LANES; k++)
      first_step (&l, k, data[i + k]);
  for (; i < n; i++)
    first_step (&l, (int) (i - full), data[i]);
  *sum = 0.0;
  out->min = INFINITY;
  out->max = -INFINITY;
  for (int k = 0; k < STATS_LANES; k++)
    {
      *sum += l.sum[k];
      out->n_finite += l.finite[k];
      out->n_zeros += l.zeros[k];
      out->min = l.min[k] < out->min ? l.min[k] : out->min;
      out->max = l.max[k] > out->max ? l.max[k] : out->max;
    }
}

/* Sum of squared differences from the mean over the finite values */
static double
stats_second_pass (const float *data, int64_t n, double mean)
{
  stats_lanes l = { 0 };
  int64_t full = n - n % STATS_LANES, i;
  double total = 0.0;

  for (i = 0; i < full; i += STATS_LANES)
    for (int k = 0; k < STATS_LANES; k++)
      second_step (&l, k, data[i + k], mean);
  for (; i < n; i++)
    second_step (&l, (int) (i - full), data[i], mean);
  for (int k = 0; k < STATS_LANES; k++)
    total += l.ss[k];
  return total;
}

/* From the counts (n, n_zeros, n_finite) and the finite values' sum: zero_fraction,
 * and the mean, or min = max = 0 and false when no value is finite (std to be done) */
static bool
stats_finish_counts (LlRenderStats *out, double sum)
{
  out->zero_fraction = out->n > 0 ? (double) out->n_zeros / (double) out->n : 0.0;
  if (out->n_finite == 0)
    {
      out->min = out->max = 0.0;
      return false;
    }
  out->mean = sum / (double) out->n_finite;
  return true;
}

void
ll_render_stats_compute (const float *data, int64_t n, LlRenderStats *out)
{
  double sum;

  memset (out, 0, sizeof *out);
  out->n = n;
  stats_first_pass (data, n, out, &sum);
  if (!stats_finish_counts (out, sum))
    return;
  /* Two passes, like numpy's std: no cancellation for large offsets. */
  out->std = sqrt (stats_second_pass (data, n, out->mean) / (double) out->n_finite);
}

/* The statistics of the union of n parts, from theirs: exact counts, min and max; mean
 * and std by Chan et al.'s pairwise update (sum of n_c (std_c^2 + (mean_c - mean)^2)),
 * as stable as the two passes. */
void
ll_render_stats_merge (const LlRenderStats *parts, int64_t n, LlRenderStats *out)
{
  double sum = 0.0, m2 = 0.0;

  memset (out, 0, sizeof *out);
  out->min = INFINITY;
  out->max = -INFINITY;
  for (int64_t c = 0; c < n; c++)
    {
      out->n += parts[c].n;
      out->n_zeros += parts[c].n_zeros;
      out->n_finite += parts[c].n_finite;
      sum += parts[c].mean * (double) parts[c].n_finite;
      if (parts[c].n_finite > 0)
        {
          out->min = parts[c].min < out->min ? parts[c].min : out->min;
          out->max = parts[c].max > out->max ? parts[c].max : out->max;
        }
    }
  if (!stats_finish_counts (out, sum))
    return;
  for (int64_t c = 0; c < n; c++)
    {
      double d = parts[c].mean - out->mean;

      m2 += (double) parts[c].n_finite * (parts[c].std * parts[c].std + d * d);
    }
  out->std = sqrt (m2 / (double) out->n_finite);
}

nn_status
ll_render_channel_stats (const float *data, int64_t n_channels, int64_t channel_size,
                         LlRenderStats **out, nn_error *err)
{
  LlRenderStats *s;

  *out = NULL;
  if (n_channels < 0 || channel_size < 0 || (uint64_t) n_channels > SIZE_MAX / sizeof *s)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "bad channel count %lld",
                         (long long) n_channels);
  s = calloc (n_channels > 0 ? (size_t) n_channels : 1, sizeof *s);
  if (s == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory for %lld channel statistics",
                         (long long) n_channels);
  for (int64_t c = 0; c < n_channels; c++)
    ll_render_stats_compute (data + c * channel_size, channel_size, &s[c]);
  *out = s;
  return NN_OK;
}

/* ---------------------------------------------------------------- histogram */

/* numpy.linspace in double, rounded to float like numpy's edges for float32 data: a value
 * equal to a rounded edge belongs to the bin above it. */
static double
bin_edge (const LlRenderHistogram *h, int64_t i)
{
  if (i >= h->n_bins)
    return h->hi;
  return (float) (h->lo + (double) i * ((h->hi - h->lo) / h->n_bins));
}

/* numpy's _search_sorted-free path: scale to a bin, then correct by one where the
 * rounding of the edges disagrees. */
static int64_t
bin_of (const LlRenderHistogram *h, double x)
{
  int64_t nb = h->n_bins;
  int64_t b = (int64_t) ((x - h->lo) / (h->hi - h->lo) * (double) nb);

  if (b >= nb)
    b = nb - 1;
  if (b < 0)
    b = 0;
  if (x < bin_edge (h, b) && b > 0)
    b--;
  else if (b < nb - 1 && x >= bin_edge (h, b + 1))
    b++;
  return b;
}

nn_status
ll_render_histogram_compute (const float *data, int64_t n, int n_bins, LlRenderHistogram *out,
                             nn_error *err)
{
  memset (out, 0, sizeof *out);
  if (n_bins < 1)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "a histogram needs at least one bin");
  out->counts = calloc ((size_t) n_bins, sizeof *out->counts);
  if (out->counts == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory for %d histogram bins",
                         n_bins);
  out->n_bins = n_bins;
  ll_render_stats_compute (data, n, &out->stats);
  out->lo = out->stats.n_finite > 0 ? out->stats.min : 0.0;
  out->hi = out->stats.n_finite > 0 ? out->stats.max : 1.0;
  if (out->lo == out->hi)
    {
      out->lo -= 0.5;
      out->hi += 0.5;
    }
  for (int64_t i = 0; i < n; i++)
    if (isfinite (data[i]))
      out->counts[bin_of (out, data[i])]++;
  return NN_OK;
}

void
ll_render_histogram_clear (LlRenderHistogram *hist)
{
  free (hist->counts);
  memset (hist, 0, sizeof *hist);
}

/* ---------------------------------------------------------------- picture */

static int64_t
max_count (const LlRenderHistogram *h)
{
  int64_t m = 0;

  for (int i = 0; i < h->n_bins; i++)
    if (h->counts[i] > m)
      m = h->counts[i];
  return m;
}

static void
stats_line (const LlRenderStats *s, char *buf, size_t size)
{
  char mean[32], std[32], min[32], max[32];
  int len;

  /* Translators: statistics line under a histogram: count, mean, std, min, max */
  len = snprintf (buf, size, _("n %lld   mean %s   std %s   min %s   max %s"), (long long) s->n,
                  ll_render_format_value (s->mean, mean, sizeof mean),
                  ll_render_format_value (s->std, std, sizeof std),
                  ll_render_format_value (s->min, min, sizeof min),
                  ll_render_format_value (s->max, max, sizeof max));
  if (len > 0 && (size_t) len < size && s->n_zeros > 0)
    len += snprintf (buf + len, size - (size_t) len, _("   zeros %.1f%%"), 100.0 * s->zero_fraction);
  if (len > 0 && (size_t) len < size && s->n_finite < s->n)
    snprintf (buf + len, size - (size_t) len, _("   non-finite %lld"),
              (long long) (s->n - s->n_finite));
}

void
_ll_render_histogram_measure (const LlRenderView *view, LlRenderLayout *layout)
{
  double zoom = view->options.zoom > 0.0 ? view->options.zoom : 1.0;
  double w = fmax (60.0, round (HIST_WIDTH * zoom)), h = fmax (40.0, round (HIST_HEIGHT * zoom));
  /* the counts are not known before prepare: leave room for n itself */
  double left = _ll_render_digits_width (view->n, LL_RENDER_LABEL_SIZE) + 8.0;
  int bins = view->prepared ? view->histogram.n_bins : view->options.bins;
  char line[256];

  layout->rows = 1;
  layout->cols = bins > 0 ? bins : 1;
  layout->cell = layout->pitch_x = w / (double) layout->cols;
  layout->pitch_y = layout->tile_height = h;
  layout->tile_width = layout->cell;
  layout->body = (LlRenderRect) { left, 4.0, w, h };
  layout->width = left + w + 8.0;
  if (view->prepared)
    {
      stats_line (&view->histogram.stats, line, sizeof line);
      layout->width = fmax (layout->width, _ll_render_text_width (line, LL_RENDER_LABEL_SIZE,
                                                                  false));
    }
  layout->height = 4.0 + h + HIST_BOTTOM;
}

/* Bars in one colour (a colour per value would hide the bins around 0 in the white
 * middle of the diverging map); a strip under the axis shows each value's colour. */
static void
histogram_bars (const LlRenderView *view, cairo_t *cr, const LlRenderRect *b,
                const LlRenderTheme *theme)
{
  const LlRenderHistogram *h = &view->histogram;
  double bar_w = b->width / h->n_bins, top = (double) max_count (h);

  _ll_render_set_rgb (cr, theme->accent);
  for (int i = 0; i < h->n_bins; i++)
    {
      double bh = top > 0 ? b->height * (double) h->counts[i] / top : 0.0;

      if (h->counts[i] == 0)
        continue;
      cairo_rectangle (cr, b->x + i * bar_w, b->y + b->height - fmax (bh, 1.0),
                       fmax (bar_w - (bar_w >= 4.0 ? 1.0 : 0.0), 0.5), fmax (bh, 1.0));
    }
  cairo_fill (cr);
}

typedef struct strip_ctx {
  const LlRenderView *view;
  LlRenderRange range;
  double width;
} strip_ctx;

static bool
strip_pixel (const void *data, double x, double y, LlRenderRgb *rgb)
{
  const strip_ctx *ctx = data;
  const LlRenderHistogram *h = &ctx->view->histogram;
  double v = h->lo + (h->hi - h->lo) * x / ctx->width;

  *rgb = ll_render_map_value (ctx->view->options.map, ctx->range, v);
  return true;
}

static void
histogram_strip (const LlRenderView *view, cairo_t *cr, const LlRenderRect *b)
{
  strip_ctx ctx = { view, ll_render_view_range (view, -1), b->width };
  LlRenderRect strip = { b->x, b->y + b->height + 1.0, b->width, HIST_STRIP };

  _ll_render_paint_pixels (cr, &strip, strip_pixel, &ctx);
}

static void
histogram_axes (const LlRenderView *view, cairo_t *cr, const LlRenderRect *b,
                const LlRenderTheme *theme)
{
  const LlRenderHistogram *h = &view->histogram;
  double base = b->y + b->height, label_y = base + HIST_STRIP + 13.0;
  char buf[32];

  _ll_render_set_rgb (cr, theme->dim);
  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, b->x - 0.5, b->y);
  cairo_line_to (cr, b->x - 0.5, base + 0.5);
  cairo_line_to (cr, b->x + b->width, base + 0.5);
  cairo_stroke (cr);
  snprintf (buf, sizeof buf, "%lld", (long long) max_count (h));
  _ll_render_text (cr, buf, b->x - 4.0, b->y + 8.0, LL_RENDER_LABEL_SIZE, false,
                   LL_RENDER_ALIGN_RIGHT);
  _ll_render_text (cr, "0", b->x - 4.0, base, LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_RIGHT);
  _ll_render_set_rgb (cr, theme->fg);
  _ll_render_text (cr, ll_render_format_value (h->lo, buf, sizeof buf), b->x, label_y,
                   LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_LEFT);
  _ll_render_text (cr, ll_render_format_value (h->hi, buf, sizeof buf), b->x + b->width, label_y,
                   LL_RENDER_LABEL_SIZE, false, LL_RENDER_ALIGN_RIGHT);
  if (h->lo < 0.0 && h->hi > 0.0)
    {
      double zx = b->x + b->width * (-h->lo / (h->hi - h->lo));

      _ll_render_set_rgb (cr, theme->dim);
      cairo_move_to (cr, round (zx) + 0.5, base);
      cairo_line_to (cr, round (zx) + 0.5, base + HIST_STRIP + 4.0);
      cairo_stroke (cr);
      if (zx - b->x > 40.0 && b->x + b->width - zx > 40.0)
        _ll_render_text (cr, "0", zx, label_y, LL_RENDER_LABEL_SIZE, false,
                         LL_RENDER_ALIGN_CENTER);
    }
}

void
_ll_render_histogram_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                           const LlRenderTheme *theme)
{
  const LlRenderRect *b = &layout->body;
  char line[256];

  if (view->histogram.counts == NULL)
    return;
  cairo_save (cr);
  histogram_bars (view, cr, b, theme);
  histogram_strip (view, cr, b);
  histogram_axes (view, cr, b, theme);
  stats_line (&view->histogram.stats, line, sizeof line);
  _ll_render_set_rgb (cr, theme->fg);
  _ll_render_text (cr, line, layout->body.x - _ll_render_digits_width (view->n,
                                                                        LL_RENDER_LABEL_SIZE) - 8.0,
                   b->y + b->height + HIST_BOTTOM - 2.0, LL_RENDER_LABEL_SIZE, false,
                   LL_RENDER_ALIGN_LEFT);
  cairo_restore (cr);
}

bool
_ll_render_histogram_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                          double y, LlRenderHit *hit)
{
  const LlRenderHistogram *h = &view->histogram;
  int64_t bin;
  char lo[32], hi[32];

  if (h->counts == NULL)
    return false;
  bin = (int64_t) floor (x / layout->pitch_x);
  if (bin < 0 || bin >= h->n_bins)
    return false;
  hit->n_index = 1;
  hit->index[0] = bin;
  hit->value = (double) h->counts[bin];
  hit->bin_lo = bin_edge (h, bin);
  hit->bin_hi = bin_edge (h, bin + 1);
  /* Translators: hover label of a histogram bar: bin index, its edges, its count */
  snprintf (hit->label, sizeof hit->label, _("bin %lld [%s, %s%c: %lld"), (long long) bin,
            ll_render_format_value (hit->bin_lo, lo, sizeof lo),
            ll_render_format_value (hit->bin_hi, hi, sizeof hi), bin == h->n_bins - 1 ? ']' : ')',
            (long long) h->counts[bin]);
  return true;
}
