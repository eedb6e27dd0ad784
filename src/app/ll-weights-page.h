/* ll-weights-page.h - the selected layer's tensors as kernels, matrix, bars or histogram
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"
#include "ll-document-private.h"
#include "ll-render-area.h"

G_BEGIN_DECLS

#define LL_TYPE_WEIGHTS_PAGE (ll_weights_page_get_type ())
G_DECLARE_FINAL_TYPE (LlWeightsPage, ll_weights_page, LL, WEIGHTS_PAGE, GtkWidget)

/* Property "shown-generation" (uint64): the document generation of the view shown, so
 * tests and callers can wait for the worker. Clicking a cell activates
 * win.open-tensor-editor (key, slice). */
GtkWidget    *ll_weights_page_new          (void);
void          ll_weights_page_set_document (LlWeightsPage *self, LlDocument *document);
/* The layer to show, or -1. */
void          ll_weights_page_set_index    (LlWeightsPage *self, int index);
/* "weight", "bias", ... (a tensor of the layer); FALSE if it has none of that name. */
gboolean      ll_weights_page_set_tensor   (LlWeightsPage *self, const char *name);
/* The kind of picture, if it suits the tensor. */
gboolean      ll_weights_page_set_kind     (LlWeightsPage *self, LlRenderKind kind);
/* The state_dict key shown ("0.weight"), or NULL. */
const char   *ll_weights_page_get_key      (LlWeightsPage *self);
LlRenderArea *ll_weights_page_get_area     (LlWeightsPage *self);
guint64       ll_weights_page_get_shown_generation (LlWeightsPage *self);
/* Which slice of the shown tensor a hit is in (for the editor): kernel out * in + in,
 * matrix row, or -1 (bias, histogram). */
gint64        ll_weights_page_slice_for_hit (LlWeightsPage *self, const LlRenderHit *hit);
/* Added by the training work: shows preview's tensors (same structure as the
 * document's network, e.g. the network training) instead of the document's; NULL goes
 * back to the document. Takes a reference. */
void          ll_weights_page_set_preview   (LlWeightsPage *self, LlNetRef *preview);

G_END_DECLS
