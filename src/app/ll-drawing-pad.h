/* ll-drawing-pad.h - draw the network's input with the mouse, a pen or a finger
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-input-source.h"

G_BEGIN_DECLS

#define LL_TYPE_DRAWING_PAD (ll_drawing_pad_get_type ())
G_DECLARE_FINAL_TYPE (LlDrawingPad, ll_drawing_pad, LL, DRAWING_PAD, GtkWidget)

/* Shows the source's canvas scaled up, pixel by pixel, white ink on black, and lays
 * strokes into it. Property "stroke-width" (double, in canvas pixels, default 2.5). */
GtkWidget     *ll_drawing_pad_new              (void);
void           ll_drawing_pad_set_source       (LlDrawingPad *self, LlInputSource *source);
LlInputSource *ll_drawing_pad_get_source       (LlDrawingPad *self);
double         ll_drawing_pad_get_stroke_width (LlDrawingPad *self);
void           ll_drawing_pad_set_stroke_width (LlDrawingPad *self, double stroke_width);
/* What the drag gesture does, in widget coordinates: a stroke starts with a dot at
 * (x, y), then each extend lays the segment from the last point to (x, y). */
void           ll_drawing_pad_begin_stroke     (LlDrawingPad *self, double x, double y);
void           ll_drawing_pad_extend_stroke    (LlDrawingPad *self, double x, double y);
/* The canvas point under widget point (x, y) (outside the canvas too). FALSE without
 * a canvas. */
gboolean       ll_drawing_pad_to_canvas        (LlDrawingPad *self, double x, double y,
                                                double *cx, double *cy);

G_END_DECLS
