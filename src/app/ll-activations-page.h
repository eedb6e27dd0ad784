/* ll-activations-page.h - every layer's output for the chosen input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-drawing-pad.h"
#include "ll-input-source.h"
#include "ll-render-area.h"
#include "ll-runner.h"

G_BEGIN_DECLS

/* A forward result with a prepared view of every activation: made on the worker right
 * after the forward pass, so the page only paints. */
typedef struct {
  gint ref_count;
  LlRunResult *run;           /* owned */
  guint n_views;              /* run->result.n_acts: the input, then each layer's output */
  LlViewData **views;         /* NULL where an activation has no picture */
} LlActivations;

#define LL_TYPE_ACTIVATIONS (ll_activations_get_type ())
GType          ll_activations_get_type (void) G_GNUC_CONST;
/* Takes ownership of run (also on failure). For the worker. */
LlActivations *ll_activations_prepare  (LlRunResult *run, GCancellable *cancellable,
                                        GError **error);
LlActivations *ll_activations_ref      (LlActivations *acts);
void           ll_activations_unref    (LlActivations *acts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LlActivations, ll_activations_unref)

#define LL_TYPE_ACTIVATIONS_PAGE (ll_activations_page_get_type ())
G_DECLARE_FINAL_TYPE (LlActivationsPage, ll_activations_page, LL, ACTIVATIONS_PAGE, GtkWidget)

/* Choosing an input activates win.set-input ("random", "zeros", "ones", "drawing",
 * "image:PATH", "npy:PATH"); the window runs the network and hands the result back. */
GtkWidget     *ll_activations_page_new              (void);
void           ll_activations_page_set_input_source (LlActivationsPage *self, LlInputSource *source);
/* The result to show (NULL: none); message explains why there is none or what failed. */
void           ll_activations_page_set_activations  (LlActivationsPage *self, LlActivations *acts);
void           ll_activations_page_set_message      (LlActivationsPage *self, const char *message);
LlActivations *ll_activations_page_get_activations  (LlActivationsPage *self);
/* The pad the drawing input is drawn on (shown while it is the input). */
LlDrawingPad  *ll_activations_page_get_drawing_pad (LlActivationsPage *self);
/* The area showing activation i (0 = the input, i + 1 = layer i's output), or NULL. */
LlRenderArea  *ll_activations_page_get_area         (LlActivationsPage *self, guint i);
/* The text under activation i's heading (statistics, zeros), for tests. */
const char    *ll_activations_page_get_stats_text   (LlActivationsPage *self, guint i);

G_END_DECLS
