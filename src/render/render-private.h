/* render-private.h - helpers shared by the files of src/render
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef LL_RENDER_PRIVATE_H
#define LL_RENDER_PRIVATE_H

#include "render.h"

/* The words views draw or put in hover labels, through the caller's translation
 * (ll_render_set_translate_func); xgettext finds them by the usual _() and N_(). */
const char *_ll_render_gettext (const char *msgid) __attribute__ ((format_arg (1)));
#define _(msgid) _ll_render_gettext (msgid)
#define N_(msgid) (msgid)

/* Fixed sizes of the frame around every view, in user units. */
#define LL_RENDER_MARGIN 8.0
#define LL_RENDER_TITLE_SIZE 13.0       /* font size of the title */
#define LL_RENDER_TITLE_HEIGHT 22.0
#define LL_RENDER_LABEL_SIZE 10.0       /* axis labels, channel indices */
#define LL_RENDER_LEGEND_HEIGHT 46.0
#define LL_RENDER_LEGEND_MIN_WIDTH 220.0
#define LL_RENDER_LEGEND_BAR_HEIGHT 12.0
#define LL_RENDER_GAP 1.0               /* between kernels */

typedef struct LlRenderTheme {
  LlRenderRgb fg;             /* text */
  LlRenderRgb dim;            /* axes, ticks */
  LlRenderRgb bg;             /* background */
  LlRenderRgb gap;            /* lines between kernels */
  LlRenderRgb accent;         /* histogram bars */
} LlRenderTheme;

void _ll_render_theme (const LlRenderOptions *options, LlRenderTheme *theme);
void _ll_render_set_rgb (cairo_t *cr, LlRenderRgb c);

/* Text: the toy API with "Sans"; sizes in user units. */
typedef enum LlRenderAlign {
  LL_RENDER_ALIGN_LEFT,
  LL_RENDER_ALIGN_CENTER,
  LL_RENDER_ALIGN_RIGHT,
} LlRenderAlign;

double _ll_render_text_width (const char *text, double size, bool bold);
/* Draws text with its baseline at y, aligned on x. */
void _ll_render_text (cairo_t *cr, const char *text, double x, double y, double size,
                      bool bold, LlRenderAlign align);

/* A label every `step` items so that labels `extent` apart do not overlap: the smallest
 * 1, 2, 5, 10, 20, 50, ... with step * pitch >= extent. */
int64_t _ll_render_label_step (double pitch, double extent);
double _ll_render_digits_width (int64_t max_value, double size);

/* Colour of the pixel whose centre is at (x, y) relative to the painted rectangle;
 * false leaves it transparent. */
typedef bool (*LlRenderPixelFunc) (const void *ctx, double x, double y, LlRenderRgb *rgb);

/* Fills the part of rect inside the clip pixel by pixel at the device resolution (so
 * cells stay sharp at any scale), in bounded tiles. */
void _ll_render_paint_pixels (cairo_t *cr, const LlRenderRect *rect, LlRenderPixelFunc fn,
                              const void *ctx);

/* Colour of cell (row, col) of a grid. */
typedef LlRenderRgb (*LlRenderCellFunc) (const void *ctx, int64_t row, int64_t col);

/* Paints a rows x cols grid of square cells (cell user units a side, top-left corner at
 * x, y) if any of it is inside the clip: one colour per cell, scaled up with nearest
 * filtering, so the colour map runs once per cell rather than once per pixel (the
 * activations of every layer are painted after each edit). */
void _ll_render_paint_cells (cairo_t *cr, double x, double y, double cell, int64_t rows,
                             int64_t cols, LlRenderCellFunc fn, const void *ctx);

/* Index labels for a grid of layout->rows x layout->cols tiles (tile_width x
 * tile_height, pitch_x / pitch_y apart, the first at offset inside the body): rows on
 * the left, columns on top, as many as fit without overlapping. */
#define LL_RENDER_AXIS_TOP 14.0
double _ll_render_axis_left (int64_t rows);
void _ll_render_axis_labels (cairo_t *cr, const LlRenderLayout *layout, double offset,
                             bool columns, const LlRenderTheme *theme);

bool _ll_render_rect_contains (const LlRenderRect *r, double x, double y);
bool _ll_render_rect_visible (cairo_t *cr, const LlRenderRect *r);

/* The legend of a view, inside rect. */
void _ll_render_legend_draw (cairo_t *cr, const LlRenderLegend *legend, const LlRenderRect *rect,
                             const LlRenderTheme *theme);
/* "scaled per output channel" etc. */
const char *_ll_render_channel_word (LlRenderKind kind);

/* Each kind: measure fills layout with the content's size (width, height) and its body
 * relative to the content's origin; draw paints body and labels (layout already placed
 * in the view); hit maps a point inside the body. */
void _ll_render_kernels_measure (const LlRenderView *view, LlRenderLayout *layout);
void _ll_render_kernels_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                              const LlRenderTheme *theme);
bool _ll_render_kernels_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                             double y, LlRenderHit *hit);
void _ll_render_rgb_measure (const LlRenderView *view, LlRenderLayout *layout);
void _ll_render_rgb_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                          const LlRenderTheme *theme);
bool _ll_render_rgb_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                         double y, LlRenderHit *hit);
void _ll_render_matrix_measure (const LlRenderView *view, LlRenderLayout *layout);
void _ll_render_matrix_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                             const LlRenderTheme *theme);
bool _ll_render_matrix_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                            double y, LlRenderHit *hit);
void _ll_render_histogram_measure (const LlRenderView *view, LlRenderLayout *layout);
void _ll_render_histogram_draw (const LlRenderView *view, cairo_t *cr,
                                const LlRenderLayout *layout, const LlRenderTheme *theme);
bool _ll_render_histogram_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                               double y, LlRenderHit *hit);
void _ll_render_features_measure (const LlRenderView *view, LlRenderLayout *layout);
void _ll_render_features_draw (const LlRenderView *view, cairo_t *cr,
                               const LlRenderLayout *layout, const LlRenderTheme *theme);
bool _ll_render_features_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                              double y, LlRenderHit *hit);
void _ll_render_bars_measure (const LlRenderView *view, LlRenderLayout *layout);
void _ll_render_bars_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                           const LlRenderTheme *theme);
bool _ll_render_bars_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                          double y, LlRenderHit *hit);
void _ll_render_topk_measure (const LlRenderView *view, LlRenderLayout *layout);
void _ll_render_topk_draw (const LlRenderView *view, cairo_t *cr, const LlRenderLayout *layout,
                           const LlRenderTheme *theme);
bool _ll_render_topk_hit (const LlRenderView *view, const LlRenderLayout *layout, double x,
                          double y, LlRenderHit *hit);

#endif /* LL_RENDER_PRIVATE_H */
