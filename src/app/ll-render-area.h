/* ll-render-area.h - a widget that paints one prepared render view, with zoom and hover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "render.h"

G_BEGIN_DECLS

/* A tensor with a prepared LlRenderView over it: made on the worker (prepare reads every
 * element), then only painted on the main thread. Reference counted, so an export on
 * the worker can keep it alive while the page moves on to a newer result. */
typedef struct {
  gint ref_count;
  nn_tensor *tensor;          /* owned; view.tensor points to it */
  LlRenderView view;
  char *title;                /* owned; view.options.title points to it */
} LlViewData;

#define LL_TYPE_VIEW_DATA (ll_view_data_get_type ())
GType       ll_view_data_get_type (void) G_GNUC_CONST;
/* Takes ownership of tensor (also on failure). options may be NULL for kind's defaults.
 * Safe to call on the worker. */
LlViewData *ll_view_data_new   (nn_tensor *tensor, LlRenderKind kind,
                                const LlRenderOptions *options, const char *title,
                                GError **error);
LlViewData *ll_view_data_ref   (LlViewData *data);
void        ll_view_data_unref (LlViewData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LlViewData, ll_view_data_unref)

#define LL_TYPE_RENDER_AREA (ll_render_area_get_type ())
G_DECLARE_FINAL_TYPE (LlRenderArea, ll_render_area, LL, RENDER_AREA, GtkWidget)

/* Properties: "zoom" (double), "scale" (LlRenderScale as int: symmetric or per channel).
 * Signal "hit-activated" (gpointer LlRenderHit *): a primary click on a cell. */
GtkWidget  *ll_render_area_new        (void);
void        ll_render_area_set_data   (LlRenderArea *self, LlViewData *data);
LlViewData *ll_render_area_get_data   (LlRenderArea *self);
void        ll_render_area_set_zoom   (LlRenderArea *self, double zoom);
double      ll_render_area_get_zoom   (LlRenderArea *self);
void        ll_render_area_zoom_by    (LlRenderArea *self, double factor);
void        ll_render_area_set_scale  (LlRenderArea *self, LlRenderScale scale);
/* Tiles (feature maps, RGB kernels) wrap to the width the widget gets. */
void        ll_render_area_set_fit_columns (LlRenderArea *self, gboolean fit);
/* Whether the view's title is drawn (exports always have it). */
void        ll_render_area_set_show_title  (LlRenderArea *self, gboolean show);
/* Whether the picture of the view as it is now is ready (drawn in a thread after each
 * change; until then the area shows the previous one): the next frame shows it. */
gboolean    ll_render_area_is_drawn   (LlRenderArea *self);
/* Whether a picture of the area is being drawn in a thread: started, and not back yet
 * (so a test can wait for the drawing to be over instead of waiting a while). */
gboolean    ll_render_area_is_drawing (LlRenderArea *self);
/* Whether part of the area is visible in the viewport it scrolls in (or it is mapped
 * outside one). Pictures far from the screen are only drawn when they come near it. */
gboolean    ll_render_area_is_on_screen (LlRenderArea *self);
/* What is under (x, y) in widget coordinates; FALSE over nothing. */
gboolean    ll_render_area_hit        (LlRenderArea *self, double x, double y, LlRenderHit *hit);
/* The tooltip text for a point (index, exact value, channel statistics), or NULL. */
char       *ll_render_area_describe   (LlRenderArea *self, double x, double y);

/* Writes the view as PNG or SVG (by the extension) at scale, on the worker. */
void        ll_render_area_export_async  (LlRenderArea *self, GFile *file, double scale,
                                          GCancellable *cancellable, GAsyncReadyCallback cb,
                                          gpointer user_data);
gboolean    ll_render_area_export_finish (LlRenderArea *self, GAsyncResult *result,
                                          GError **error);
/* Writes the view's tensor as .npy, on the worker. */
void        ll_view_data_save_npy_async  (LlViewData *data, GFile *file,
                                          GCancellable *cancellable, GAsyncReadyCallback cb,
                                          gpointer user_data);
gboolean    ll_view_data_save_npy_finish (GAsyncResult *result, GError **error);

G_END_DECLS
