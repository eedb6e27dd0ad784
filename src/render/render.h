/* render.h - pictures of tensors: colormaps, kernel grids, matrices, histograms,
 * feature maps, bar charts and top-k lists, drawn with Cairo into any cairo_t
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the window (which paints views into a cached surface) and
 * `layerlab-cli render`. Cairo and nn.h only: no GTK, no GLib, no GObject.
 *
 * How to use a view
 *  1. ll_render_view_init() checks the tensor's shape for the kind of picture and
 *     sets default options; change view->options afterwards as you like.
 *  2. ll_render_view_prepare() computes what drawing needs from the data (ranges,
 *     statistics, histogram, top-k). It is the only step that reads every element
 *     to compute, so run it in a worker; redo it when the data, options.bins or
 *     options.k change. Switching options.scale, .map, .zoom, .legend, .title,
 *     .channel or .columns needs no new prepare.
 *  3. ll_render_view_measure() gives the natural size for the current options (from
 *     shapes, options and prepared results, never the data); ll_render_view_draw()
 *     only paints, and only what lies inside the cairo_t's clip, so a widget can
 *     clip + translate to draw the visible part of a large grid (cells are painted at
 *     the device resolution: sharp at any scale); ll_render_view_hit() maps a point to
 *     what is under it, e.g. for a tooltip with the index and exact value.
 *  4. ll_render_view_clear() frees what prepare allocated. The view keeps a pointer
 *     to the tensor: it must stay alive and unchanged while the view is used.
 *
 * Coordinates are in user units ("pixels" at scale 1) from the view's top-left corner.
 * Colours: weights use a diverging blue-white-red map centred on 0 (range [-a, a],
 * a = max |x|), activations a sequential map (matplotlib's viridis). NaN is grey.
 */
#ifndef LL_RENDER_H
#define LL_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include <cairo.h>

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- colours */

typedef struct LlRenderRgb {
  double r, g, b;             /* 0..1 */
} LlRenderRgb;

typedef enum LlRenderMap {
  LL_RENDER_MAP_DIVERGING = 0,  /* blue - white - red, white = 0 (weights) */
  LL_RENDER_MAP_VIRIDIS,        /* dark purple - green - yellow, min to max (activations) */
} LlRenderMap;

typedef enum LlRenderScale {
  LL_RENDER_SCALE_GLOBAL = 0,   /* one range for the whole tensor */
  LL_RENDER_SCALE_PER_CHANNEL,  /* one range per output channel / matrix row / feature map */
} LlRenderScale;

typedef struct LlRenderRange {
  double lo, hi;
} LlRenderRange;

/* Colour of NaN values (and of values when a range is empty of finite data). */
extern const LlRenderRgb ll_render_nan_rgb;

/* Colour at position t of a map (t clamped to [0, 1]). */
LlRenderRgb ll_render_map_at (LlRenderMap map, double t);
/* Position in [0, 1] of value v: diverging: 0.5 + v / (2a) with a = max(|lo|, |hi|),
 * so 0 is always the centre (white); viridis: (v - lo) / (hi - lo). Values outside the
 * range clamp; an empty range (a = 0, lo = hi) puts every value at the centre. NaN: -1. */
double ll_render_map_position (LlRenderMap map, LlRenderRange range, double v);
/* ll_render_map_at (ll_render_map_position (...)), or ll_render_nan_rgb for NaN. */
LlRenderRgb ll_render_map_value (LlRenderMap map, LlRenderRange range, double v);
/* The range a map uses for data whose finite values span [min, max]:
 * diverging: [-a, a] with a = max(|min|, |max|); viridis: [min, max]. */
LlRenderRange ll_render_map_range (LlRenderMap map, double min, double max);

/* Words in pictures and hover labels ("out 3, in 0, ky 2, kx 1", "scaled per row",
 * "class 7") are English unless the caller passes a translation, e.g. the app's
 * gettext. func gets the English text (printf formats included) and returns the text
 * to use, which must stay valid; it is called from any thread that draws or hits a
 * view, so it must be thread-safe. Set it once before drawing; NULL: English. */
typedef const char *(*LlRenderTranslateFunc) (const char *msgid);
void ll_render_set_translate_func (LlRenderTranslateFunc func);

/* The 1000 ImageNet-1k class names (NULL-terminated), in a 1000-way classifier's output
 * order, as torchvision lists them. */
const char *const *ll_render_imagenet_class_names (void);

/* "-0.0421", "30", "1.2e-05": short labels for values (4 significant digits). */
char *ll_render_format_value (double v, char *buf, size_t size);

/* ---------------------------------------------------------------- statistics */

typedef struct LlRenderStats {
  int64_t n;                  /* elements */
  int64_t n_finite;           /* elements that are neither NaN nor infinite */
  int64_t n_zeros;            /* exact zeros (dead units after ReLU) */
  double min, max;            /* over finite values; 0 when there are none */
  double mean, std;           /* over finite values; std is numpy's (ddof = 0) */
  double zero_fraction;       /* n_zeros / n (0 when n == 0) */
} LlRenderStats;

void ll_render_stats_compute (const float *data, int64_t n, LlRenderStats *out);
/* The statistics of the union of n parts from those of the parts (the same values as
 * ll_render_stats_compute of the whole, up to rounding) */
void ll_render_stats_merge (const LlRenderStats *parts, int64_t n, LlRenderStats *out);
/* Statistics of each of n_channels consecutive blocks of channel_size elements.
 * *out is malloc'd (free()). */
nn_status ll_render_channel_stats (const float *data, int64_t n_channels, int64_t channel_size,
                                   LlRenderStats **out, nn_error *err);

typedef struct LlRenderHistogram {
  int n_bins;
  int64_t *counts;            /* n_bins entries, malloc'd */
  double lo, hi;              /* edges: lo + (hi - lo) * i / n_bins, like numpy.histogram */
  LlRenderStats stats;        /* of the whole array; non-finite values are not counted */
} LlRenderHistogram;

/* numpy.histogram (data, bins = n_bins): equal bins over [min, max] of the finite values
 * ([min - 0.5, max + 0.5] when they are all equal), the last bin closed. */
nn_status ll_render_histogram_compute (const float *data, int64_t n, int n_bins,
                                       LlRenderHistogram *out, nn_error *err);
void ll_render_histogram_clear (LlRenderHistogram *hist);

typedef struct LlRenderTopk {
  int k;                      /* entries filled (<= the k asked for, <= finite values) */
  int64_t *index;             /* malloc'd; largest value first, ties: lower index first */
  double *value;
} LlRenderTopk;

nn_status ll_render_topk_compute (const float *data, int64_t n, int k, LlRenderTopk *out,
                                  nn_error *err);
/* out[i] = exp (x[i] - max) / sum, in double: PyTorch's softmax of one vector (a NaN or
 * +Inf among the inputs gives NaN, as torch.softmax does). */
void ll_render_softmax (const float *x, int64_t n, float *out);
void ll_render_topk_clear (LlRenderTopk *topk);

/* ---------------------------------------------------------------- views */

typedef enum LlRenderKind {
  LL_RENDER_KERNELS = 0,      /* Conv2d weight [out, in/groups, kH, kW]: rows = out, columns = in;
                               * with in/groups == 1 the kernels wrap instead: options.columns
                               * per row, kernel o in tile row o / cols, column o % cols */
  LL_RENDER_KERNELS_RGB,      /* Conv2d weight [out, 3, kH, kW]: one colour tile per out channel */
  LL_RENDER_MATRIX,           /* 2-D tensor, e.g. a Linear weight [out, in]: rows = out */
  LL_RENDER_HISTOGRAM,        /* any tensor */
  LL_RENDER_FEATURE_MAPS,     /* activation [C, H, W] or [N, C, H, W] (sample 0): one tile per C */
  LL_RENDER_BARS,             /* vector [F] or [N, F] (sample 0): one bar per feature */
  LL_RENDER_TOPK,             /* vector [F] or [N, F] (sample 0): the k largest, with indices */
  LL_RENDER_N_KINDS
} LlRenderKind;

/* What a top-k view ranks and shows. */
typedef enum LlRenderTopkValues {
  LL_RENDER_TOPK_SCORES = 0,  /* the values as they are */
  LL_RENDER_TOPK_SOFTMAX,     /* softmax of the values (a classifier's logits): percentages */
  LL_RENDER_TOPK_PROBABILITIES, /* the values are probabilities already (after Softmax) */
} LlRenderTopkValues;

typedef struct LlRenderOptions {
  double zoom;                /* cells (or the plot) are zoom times their default size; > 0 */
  LlRenderScale scale;        /* colour range for the whole tensor or per channel */
  LlRenderMap map;
  bool legend;                /* colour bar with min / 0 / max labels under the view */
  const char *title;          /* UTF-8 line above the view, or NULL; not copied */
  int64_t channel;            /* feature maps: draw only this channel; -1: all */
  int columns;                /* tiles per row (feature maps, RGB and wrapped kernels); 0: about square */
  int bins;                   /* histogram bins (used by prepare) */
  int k;                      /* top-k entries (used by prepare) */
  LlRenderTopkValues topk_values;  /* top-k: the scores, or a classifier's probabilities */
  /* top-k: a name for each of the vector's entries (entries may be NULL), or NULL for
   * "class N"; not copied */
  const char *const *class_names;
  bool dark;                  /* light text and lines for a dark background */
  bool background;            /* paint an opaque background (for files) */
} LlRenderOptions;

typedef struct LlRenderRect {
  double x, y, width, height;
} LlRenderRect;

/* Where things are, for the current options; from ll_render_view_measure(). */
typedef struct LlRenderLayout {
  double width, height;       /* natural size of the whole view */
  LlRenderRect title;         /* empty without a title */
  LlRenderRect body;          /* the grid, heatmap or plot area */
  LlRenderRect legend;        /* empty without a legend */
  double cell;                /* side of one cell (kernels, feature maps, RGB), width of
                               * one matrix cell, of one bar (bars, histogram), row height
                               * (top-k) */
  double pitch_x, pitch_y;    /* tile to tile (kernels, feature maps, RGB), cell to cell
                               * (matrix: cells may be taller than wide for flat
                               * matrices), bar to bar (bars, histogram), row to row (top-k) */
  double tile_width, tile_height;
  int64_t rows, cols;         /* tiles, cells, bars or entries across the body */
} LlRenderLayout;

typedef struct LlRenderView {
  LlRenderKind kind;
  LlRenderOptions options;
  const nn_tensor *tensor;    /* not owned */
  /* the data as the view sees it (set by init): sample 0, in 4 dims */
  const float *data;
  int64_t n;                  /* elements drawn from */
  int64_t dims[4];            /* kernels: out, in, kH, kW; matrix: rows, cols, 1, 1;
                               * feature maps: C, H, W, 1; bars/top-k: F, 1, 1, 1;
                               * histogram: n, 1, 1, 1 */
  /* set by ll_render_view_prepare() */
  bool prepared;
  LlRenderStats stats;        /* the whole data */
  int64_t n_channels;         /* channels for per-channel scaling (dims[0]) */
  LlRenderStats *channel_stats;
  LlRenderHistogram histogram;
  LlRenderTopk topk;
} LlRenderView;

/* Checks tensor's shape for kind (NN_STATUS_SHAPE with a message otherwise) and fills
 * view with it and the default options of kind. Allocates nothing. */
nn_status ll_render_view_init (LlRenderView *view, LlRenderKind kind, const nn_tensor *tensor,
                               nn_error *err);
void ll_render_options_init (LlRenderOptions *options, LlRenderKind kind);
/* Computes statistics, ranges, histogram and top-k. Safe to run in a thread. */
nn_status ll_render_view_prepare (LlRenderView *view, nn_error *err);
void ll_render_view_clear (LlRenderView *view);

/* Natural size and geometry for view->options; reads only shapes and options. */
void ll_render_view_measure (const LlRenderView *view, LlRenderLayout *layout);
/* Paints the view with its top-left corner at the user-space origin. Needs prepare. */
void ll_render_view_draw (const LlRenderView *view, cairo_t *cr);

/* The colour range of channel c (ignored for the global scale) under options.map. */
LlRenderRange ll_render_view_range (const LlRenderView *view, int64_t c);

typedef struct LlRenderLegend {
  LlRenderMap map;
  bool rgb;                   /* grey ramp: RGB kernel tiles, normalised to the range */
  bool relative;              /* per-channel scaling of several channels: the labels
                               * name the scale ("-max", "+max"), not numbers */
  LlRenderRange range;        /* the values at the two ends of the colour bar */
  bool show_zero;             /* 0 lies strictly inside the range: a tick and "0" */
  double zero_position;       /* where 0 is along the bar, 0..1 */
  char lo_label[32], hi_label[32];
  char caption[96];
} LlRenderLegend;

/* What the legend of a prepared view shows. */
void ll_render_view_legend (const LlRenderView *view, LlRenderLegend *legend);

typedef struct LlRenderHit {
  int n_index;
  int64_t index[4];           /* kernels: out, in, ky, kx; RGB: out, ky, kx; matrix: row,
                               * col; feature maps: c, y, x; bars / top-k: feature;
                               * histogram: bin */
  int64_t element;            /* index into view->data, or -1 (histogram) */
  double value;               /* the element, or the bin's count */
  double bin_lo, bin_hi;      /* histogram: the bin's edges */
  char label[160];            /* "out 3, in 0, ky 2, kx 1: -0.04213" */
} LlRenderHit;

/* What is under (x, y) (view coordinates, as drawn); false over gaps, labels and
 * margins. Needs prepare only for histograms and top-k. */
bool ll_render_view_hit (const LlRenderView *view, double x, double y, LlRenderHit *hit);

/* ---------------------------------------------------------------- export */

typedef enum LlRenderFormat {
  LL_RENDER_FORMAT_PNG = 0,
  LL_RENDER_FORMAT_SVG,
} LlRenderFormat;

/* From the file name's extension (.png / .svg, any case); false for anything else. */
bool ll_render_format_from_path (const char *path, LlRenderFormat *format);

typedef void (*LlRenderDrawFunc) (cairo_t *cr, void *user_data);

/* Draws width x height user units through draw() into a PNG (scale pixels per unit) or
 * an SVG (scale points per unit) at path, atomically: a temporary file in the same
 * folder, then rename. Errors name the path. */
nn_status ll_render_export (const char *path, LlRenderFormat format, double width,
                            double height, double scale, LlRenderDrawFunc draw,
                            void *user_data, nn_error *err);
/* A prepared view at its natural size, with an opaque background. */
nn_status ll_render_view_export (const LlRenderView *view, const char *path,
                                 LlRenderFormat format, double scale, nn_error *err);

/* ---------------------------------------------------------------- plots (plot.c) */

/* Line plots sized by the caller (e.g. training curves) and confusion matrices. */
typedef struct LlPlotSeries {
  const char *label;          /* legend entry; not copied */
  const double *x, *y;        /* n points in order; non-finite values are gaps */
  int n;
  LlRenderRgb color;
  bool points;                /* a dot on every point */
} LlPlotSeries;

/* The training page's colours: training data blue, validation data orange. */
extern const LlRenderRgb ll_plot_train_rgb;
extern const LlRenderRgb ll_plot_val_rgb;

typedef struct LlPlot {
  const char *title;          /* or NULL */
  const char *x_label;        /* or NULL */
  const LlPlotSeries *series;
  int n_series;
  double x_min, x_max;        /* fixed x range, or x_max <= x_min: from the data */
  double y_min, y_max;        /* fixed y range, or y_max <= y_min: 0 to the data's top */
  bool x_integer;             /* ticks on whole numbers only (epochs) */
  bool dark, background;      /* as in LlRenderOptions */
} LlPlot;

typedef struct LlPlotLayout {
  LlRenderRect area;          /* the framed plot area inside width x height */
  LlRenderRect data;          /* where the data range lies: inside area by a few units,
                               * so that points at its edges are drawn inside the frame */
  double x_lo, x_hi, y_lo, y_hi;   /* the data at the edges of data */
} LlPlotLayout;

void ll_plot_measure (const LlPlot *plot, double width, double height, LlPlotLayout *layout);
/* Where the data point (x, y) lies in user units. */
void ll_plot_to_user (const LlPlotLayout *layout, double x, double y, double *ux, double *uy);
/* Paints the plot into [0, width] x [0, height]. */
void ll_plot_draw (const LlPlot *plot, cairo_t *cr, double width, double height);

typedef struct LlConfusion {
  const int64_t *counts;      /* k x k, [true][predicted] */
  int k;
  char *const *class_names;   /* k names of the rows and columns, or NULL: indices; long
                               * ones are written upwards above the columns, shortened
                               * with "…" past a limit */
  const char *title, *truth_label, *predicted_label;   /* or NULL */
  bool dark, background;
} LlConfusion;

/* The k x k cells (square, whole units) inside width x height. */
void ll_confusion_measure (const LlConfusion *conf, double width, double height,
                           LlRenderRect *cells);
/* counts[truth][predicted] over its row's total (0 for an empty row): the cell's colour
 * is viridis at this fraction. */
double ll_confusion_fraction (const LlConfusion *conf, int truth, int predicted);
/* The name of class i as drawn: class_names[i], or the index written into buf. */
const char *ll_confusion_class_name (const LlConfusion *conf, int i, char *buf, size_t size);
/* What lies under (x, y): a cell (truth and predicted set), a row's name (predicted -1)
 * or a column's (truth -1); false elsewhere. For tooltips with the full names. */
bool ll_confusion_hit (const LlConfusion *conf, double width, double height, double x,
                       double y, int *truth, int *predicted);
void ll_confusion_draw (const LlConfusion *conf, cairo_t *cr, double width, double height);

#ifdef __cplusplus
}
#endif

#endif /* LL_RENDER_H */
